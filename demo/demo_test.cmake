# demo_test.cmake - runs glbuf-demo headless under one strategy and checks
# what a user would: exit status 0, a PNG of the requested size that is not
# one flat colour, and the figures printed.
#   cmake -DDEMO=... -DPNG_CHECK=... -DSTRATEGY=mega -DFRAMES=200 -DWIDTH=320
#         -DHEIGHT=180 -DPNG=out.png [-DEXTRA="--opt;value"] -P demo_test.cmake
foreach(var DEMO PNG_CHECK STRATEGY FRAMES WIDTH HEIGHT PNG)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "demo_test.cmake: -D${var}= is required")
  endif()
endforeach()

file(REMOVE ${PNG})
set(cmd ${DEMO} --headless --frames ${FRAMES} --strategy ${STRATEGY} --shapes 500
        --size ${WIDTH}x${HEIGHT} --screenshot ${PNG} ${EXTRA})
string(REPLACE ";" " " shown "${cmd}")
message(STATUS "running: ${shown}")
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "stdout:\n${out}")
if(err)
  message(STATUS "stderr:\n${err}")
endif()
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "glbuf-demo exited with ${rc}")
endif()

# The figures, one "name: value" line each, under the strategy's heading.
foreach(line
    "strategy ${STRATEGY}:"
    "frames: ${FRAMES}\n"
    "avg frame ms: [0-9]+\\.[0-9]+"
    "glbuf GL calls/frame: [0-9]+\\.[0-9]+"
    "draw calls/frame: [0-9]+\\.[0-9]+"
    "memory used/capacity: [0-9]+ / [0-9]+ bytes"
    "growths: [0-9]+"
    "fragmentation: [0-9]\\.[0-9]+"
    "wrote [^\n]*${PNG}")
  if(NOT out MATCHES "${line}")
    message(FATAL_ERROR "the output lacks a line matching \"${line}\"")
  endif()
endforeach()

execute_process(COMMAND ${PNG_CHECK} ${PNG} ${WIDTH} ${HEIGHT} RESULT_VARIABLE rc OUTPUT_VARIABLE pout
                ERROR_VARIABLE pout)
message(STATUS "png_check: ${pout}")
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "png_check failed on ${PNG}")
endif()
