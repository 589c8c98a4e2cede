# dump_view_install.cmake - the "tools" install component puts glbuf-dump-view
# under PREFIX/bin, and the installed program runs.
#   cmake -DBUILD_DIR=... -DPREFIX=... -P dump_view_install.cmake
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component tools --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install of the tools component failed (${rc}):\n${out}")
endif()
set(exe ${PREFIX}/bin/glbuf-dump-view)
if(NOT EXISTS ${exe})
  message(FATAL_ERROR "${exe} was not installed:\n${out}")
endif()
set(dump ${PREFIX}/sample.json)
file(WRITE ${dump} "{\"capacity\":64,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":"
                   "[{\"kind\":\"live\",\"offset\":0,\"size\":48,\"frame\":1},{\"kind\":\"free\",\"offset\":48,\"size\":16,\"frame\":0}]}")
execute_process(COMMAND ${exe} ${dump} --rows 1 --svg ${PREFIX}/sample.svg RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${PREFIX}/sample.svg)
  message(FATAL_ERROR "the installed glbuf-dump-view failed (${rc}): ${err}")
endif()
file(READ ${PREFIX}/sample.svg svg)
string(REGEX MATCHALL "<rect class=\"block " blocks "${svg}")
list(LENGTH blocks n)
if(NOT n EQUAL 2)
  message(FATAL_ERROR "expected 2 block rectangles in the installed tool's SVG, found ${n}")
endif()
message(STATUS "installed ${exe}: runs, 2 blocks drawn")
