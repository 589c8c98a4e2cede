# run.cmake - builds glbuf on its own, installs it into a scratch prefix and
# builds tests/consumer against that install, as an outside project would:
# once through the CMake package, once through pkg-config. Registered by
# tests/consumer/tests.cmake as the setup step of the consumer tests, which
# then run the two programs it leaves behind.
#
#   cmake -DGLBUF_SOURCE_DIR=... -DWORK_DIR=... -DSHARED=ON|OFF
#         [-DGENERATOR=...] [-DC_COMPILER=...] [-DCXX_COMPILER=...] [-DNM=...]
#         [-DPKG_CONFIG=...] -P run.cmake
#
# Leaves WORK_DIR/consumer-cmake/glbuf_consumer{,_cxx} and
# WORK_DIR/consumer-pkgconfig/glbuf_consumer{,_cxx}, and the install in
# WORK_DIR/prefix (the README programs build against it too).
cmake_minimum_required(VERSION 3.21)

foreach(v GLBUF_SOURCE_DIR WORK_DIR SHARED)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run.cmake: -D${v}=... is required")
  endif()
endforeach()
set(CONSUMER_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT GENERATOR)
  set(GENERATOR "Unix Makefiles")
endif()
if(NOT C_COMPILER)
  set(C_COMPILER cc)
endif()
if(NOT CXX_COMPILER)
  set(CXX_COMPILER c++)
endif()
if(NOT NM)
  set(NM nm)
endif()
if(NOT PKG_CONFIG)
  set(PKG_CONFIG pkg-config)
endif()
cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)

set(build ${WORK_DIR}/glbuf-build)       # kept between runs: incremental
set(prefix ${WORK_DIR}/prefix)
set(unused_prefix ${WORK_DIR}/configured-prefix-never-used)
set(consumer_cmake ${WORK_DIR}/consumer-cmake)
set(consumer_pc ${WORK_DIR}/consumer-pkgconfig)
file(REMOVE_RECURSE ${prefix} ${unused_prefix} ${consumer_cmake} ${consumer_pc} ${WORK_DIR}/consumer-badversion)

# step(NAME cmd...): runs a command, echoing it; fails the test on non-zero.
function(step name)
  string(JOIN " " line ${ARGN})
  message(STATUS "[${name}] ${line}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${name}] failed (${rc}):\n${out}")
  endif()
endfunction()

# --- glbuf itself: the libraries only (glbuf, glbuf_view), then install -------
# The configure-time prefix is deliberately elsewhere: installing with
# `--prefix` must give a working package and a working glbuf.pc.
step(glbuf-configure ${CMAKE_COMMAND} -S ${GLBUF_SOURCE_DIR} -B ${build} -G ${GENERATOR}
     -DCMAKE_C_COMPILER=${C_COMPILER}
     -DBUILD_SHARED_LIBS=${SHARED}
     -DGLBUF_BUILD_TESTS=OFF -DGLBUF_BUILD_DEMO=OFF -DGLBUF_BUILD_BENCH=OFF -DGLBUF_BUILD_TOOLS=OFF
     -DGLBUF_SANITIZE=
     -DCMAKE_INSTALL_PREFIX=${unused_prefix})
step(glbuf-build ${CMAKE_COMMAND} --build ${build} --parallel ${jobs})
step(glbuf-install ${CMAKE_COMMAND} --install ${build} --prefix ${prefix})
if(EXISTS ${unused_prefix})
  message(FATAL_ERROR "install wrote to the configure-time prefix ${unused_prefix}")
endif()

# --- what was installed -------------------------------------------------------
file(GLOB_RECURSE pcs ${prefix}/*/glbuf.pc)
list(LENGTH pcs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one installed glbuf.pc, found: ${pcs}")
endif()
get_filename_component(pcdir ${pcs} DIRECTORY)
get_filename_component(libdir ${pcdir} DIRECTORY)
file(GLOB src_headers RELATIVE ${GLBUF_SOURCE_DIR}/include ${GLBUF_SOURCE_DIR}/include/glbuf/*.h
     ${GLBUF_SOURCE_DIR}/include/glbuf/*.hpp ${GLBUF_SOURCE_DIR}/include/glbuf/cpp/*.hpp)
file(GLOB inst_headers RELATIVE ${prefix}/include ${prefix}/include/glbuf/*.h ${prefix}/include/glbuf/*.hpp
     ${prefix}/include/glbuf/cpp/*.hpp)
list(SORT src_headers)
list(SORT inst_headers)
if(NOT src_headers STREQUAL inst_headers)
  message(FATAL_ERROR "installed headers (${inst_headers}) differ from include/glbuf (${src_headers})")
endif()
foreach(f cmake/glbuf/glbufConfig.cmake cmake/glbuf/glbufConfigVersion.cmake cmake/glbuf/glbufTargets.cmake)
  if(NOT EXISTS ${libdir}/${f})
    message(FATAL_ERROR "not installed: ${libdir}/${f}")
  endif()
endforeach()
if(NOT EXISTS ${libdir}/pkgconfig/glbuf-view.pc)
  message(FATAL_ERROR "not installed: ${libdir}/pkgconfig/glbuf-view.pc")
endif()
if(SHARED)
  set(lib ${libdir}/libglbuf.so)
  set(view_lib ${libdir}/libglbuf_view.so)
  if(NOT EXISTS ${lib} OR EXISTS ${libdir}/libglbuf.a OR NOT EXISTS ${view_lib})
    message(FATAL_ERROR "shared install: want libglbuf.so, libglbuf_view.so and no libglbuf.a in ${libdir}")
  endif()
  file(GLOB sonames ${libdir}/libglbuf.so.*)
  if(NOT sonames)
    message(FATAL_ERROR "shared install: no versioned libglbuf.so.N in ${libdir}")
  endif()
  set(nm_args -D --defined-only ${lib})
else()
  set(lib ${libdir}/libglbuf.a)
  set(view_lib ${libdir}/libglbuf_view.a)
  if(NOT EXISTS ${lib} OR EXISTS ${libdir}/libglbuf.so OR NOT EXISTS ${view_lib})
    message(FATAL_ERROR "static install: want libglbuf.a, libglbuf_view.a and no libglbuf.so in ${libdir}")
  endif()
  set(nm_args -g --defined-only ${lib})
endif()

# The view library: every symbol glbuf_ (its glad copy renamed, its font
# glbuf_font_*); shared, only the glbuf_view_ functions of view.h.
if(SHARED)
  set(view_nm_args -D --defined-only ${view_lib})
else()
  set(view_nm_args -g --defined-only ${view_lib})
endif()
execute_process(COMMAND ${NM} ${view_nm_args} RESULT_VARIABLE rc OUTPUT_VARIABLE vsyms ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} ${view_nm_args} failed: ${err}")
endif()
file(READ ${prefix}/include/glbuf/view.h view_h)
string(REGEX MATCHALL "GLBUF_VIEW_API[^;{}()]*\\(" view_decls "${view_h}")
set(view_api "")
foreach(d IN LISTS view_decls)
  if(d MATCHES "([A-Za-z_][A-Za-z0-9_]*)[ \t\n]*\\($")
    list(APPEND view_api ${CMAKE_MATCH_1})
  endif()
endforeach()
string(REPLACE "\n" ";" vlines "${vsyms}")
set(view_good 0)
set(view_bad "")
foreach(l IN LISTS vlines)
  if(l MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ ]+)$")
    set(sym ${CMAKE_MATCH_1})
    if(NOT sym MATCHES "^glbuf_" OR (SHARED AND NOT sym IN_LIST view_api))
      list(APPEND view_bad ${sym})
    else()
      math(EXPR view_good "${view_good} + 1")
    endif()
  endif()
endforeach()
if(view_bad OR view_good EQUAL 0)
  message(FATAL_ERROR "${view_lib} exports symbols it must not (${view_good} good): ${view_bad}")
endif()
message(STATUS "[symbols] ${view_lib}: ${view_good} symbols, all glbuf_ (shared: all declared GLBUF_VIEW_API)")

# --- symbols: only glbuf_ ------------------------------------------------------
# Shared: the dynamic symbol table. Static: every global symbol of every
# object, since those all share the app's link namespace. Either way glbuf's
# private glad (glad_*, gladLoad*) and any unprefixed helper must not show.
execute_process(COMMAND ${NM} ${nm_args} RESULT_VARIABLE rc OUTPUT_VARIABLE syms ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} ${nm_args} failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${syms}")
set(good 0)
set(bad "")
foreach(l IN LISTS lines)
  # "<address> <type> <name>"; archive member headers ("x.o:") and blanks skipped.
  if(l MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ ]+)$")
    set(sym ${CMAKE_MATCH_1})
    if(sym MATCHES "^glbuf_")
      math(EXPR good "${good} + 1")
    else()
      list(APPEND bad ${sym})
    endif()
  endif()
endforeach()
if(bad OR good EQUAL 0)
  message(FATAL_ERROR "${lib} exports symbols outside glbuf_ (${good} glbuf_ symbols): ${bad}")
endif()
message(STATUS "[symbols] ${lib}: ${good} symbols, all glbuf_")
if(SHARED)
  # Only functions declared GLBUF_API may be exported: those of the installed
  # headers, plus deliberate test seams declared GLBUF_API in src/*.h
  # (glbuf_ctx_gl_table). Internal helpers (glbuf_log, the renamed glad
  # loader glbuf_glad_load_*) must stay hidden.
  file(GLOB internal_headers ${GLBUF_SOURCE_DIR}/src/*.h)
  list(TRANSFORM inst_headers PREPEND ${prefix}/include/ OUTPUT_VARIABLE api_headers)
  set(api "")
  foreach(h IN LISTS api_headers internal_headers)
    file(READ ${h} text)
    string(REGEX MATCHALL "GLBUF_API[^;{}()]*\\(" decls "${text}")
    foreach(d IN LISTS decls)
      if(d MATCHES "([A-Za-z_][A-Za-z0-9_]*)[ \t\n]*\\($")
        list(APPEND api ${CMAKE_MATCH_1})
      endif()
    endforeach()
  endforeach()
  set(hidden_leak "")
  foreach(l IN LISTS lines)
    if(l MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ ]+)$" AND NOT CMAKE_MATCH_1 IN_LIST api)
      list(APPEND hidden_leak ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(hidden_leak)
    message(FATAL_ERROR "${lib} exports functions that no header declares GLBUF_API: ${hidden_leak}")
  endif()
  message(STATUS "[symbols] every exported symbol is declared GLBUF_API")
endif()

# --- the consumer through the CMake package -------------------------------------
set(consumer_cfg -G ${GENERATOR} -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
step(consumer-configure ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${consumer_cmake} ${consumer_cfg})
step(consumer-build ${CMAKE_COMMAND} --build ${consumer_cmake})
if(SHARED)
  # The programs must use the installed libraries, not some other libglbuf.
  execute_process(COMMAND ldd ${consumer_cmake}/glbuf_consumer OUTPUT_VARIABLE deps RESULT_VARIABLE rc)
  string(FIND "${deps}" "${libdir}/libglbuf.so" at)
  if(NOT rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "glbuf_consumer does not load ${libdir}/libglbuf.so:\n${deps}")
  endif()
  execute_process(COMMAND ldd ${consumer_cmake}/glbuf_consumer_cxx OUTPUT_VARIABLE deps RESULT_VARIABLE rc)
  string(FIND "${deps}" "${libdir}/libglbuf_view.so" at)
  if(NOT rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "glbuf_consumer_cxx does not load ${libdir}/libglbuf_view.so:\n${deps}")
  endif()
endif()

# The version file must refuse a newer major version.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer-badversion ${consumer_cfg}
                        -DGLBUF_CONSUMER_WANT_VERSION=1.0
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "glbufConfig.cmake, version: 0\\.1\\.")
  message(FATAL_ERROR "find_package(glbuf 1.0) should fail on the version check:\n${out}")
endif()
file(REMOVE_RECURSE ${WORK_DIR}/consumer-badversion)

# --- the consumer through pkg-config ----------------------------------------------
set(ENV{PKG_CONFIG_PATH} ${pcdir})
execute_process(COMMAND ${PKG_CONFIG} --modversion glbuf OUTPUT_VARIABLE ver OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT ver MATCHES "^0\\.1\\.")
  message(FATAL_ERROR "pkg-config --modversion glbuf: '${ver}' (${rc})")
endif()
# EGL through its own egl.pc where the system has one, else plain -lEGL.
execute_process(COMMAND ${PKG_CONFIG} --exists egl RESULT_VARIABLE no_egl_pc)
if(no_egl_pc)
  set(egl_pc "")
  set(egl_lib -lEGL)
else()
  set(egl_pc egl)
  set(egl_lib "")
endif()
if(SHARED)
  set(pc_args --cflags --libs glbuf ${egl_pc})
else()
  set(pc_args --static --cflags --libs glbuf ${egl_pc})
endif()
execute_process(COMMAND ${PKG_CONFIG} ${pc_args} OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config ${pc_args}: ${err}")
endif()
if(NOT flags MATCHES "-I[^ ]*include" OR (NOT SHARED AND NOT flags MATCHES "-DGLBUF_STATIC"))
  message(FATAL_ERROR "pkg-config ${pc_args} gave unexpected flags: ${flags}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
file(MAKE_DIRECTORY ${consumer_pc})
step(consumer-pkgconfig ${C_COMPILER} -std=c11 -Wall -Wextra -Wpedantic -Wconversion -Werror
     ${CONSUMER_DIR}/main.c -o ${consumer_pc}/glbuf_consumer ${flags} ${egl_lib} "-Wl,-rpath,${libdir}")
# The C++ consumer through glbuf-view.pc, which brings glbuf's flags with it.
list(TRANSFORM pc_args REPLACE "^glbuf$" "glbuf-view" OUTPUT_VARIABLE view_pc_args)
execute_process(COMMAND ${PKG_CONFIG} ${view_pc_args} OUTPUT_VARIABLE vflags OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT vflags MATCHES "-lglbuf_view" OR NOT vflags MATCHES "-lglbuf( |$)")
  message(FATAL_ERROR "pkg-config ${view_pc_args}: '${vflags}' ${err}")
endif()
separate_arguments(vflags UNIX_COMMAND "${vflags}")
step(consumer-pkgconfig-cxx ${CXX_COMPILER} -std=c++17 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -pedantic-errors
     -Werror ${CONSUMER_DIR}/main.cpp -o ${consumer_pc}/glbuf_consumer_cxx ${vflags} ${egl_lib} "-Wl,-rpath,${libdir}")
message(STATUS "consumers (${SHARED}): C and C++ built with the CMake package and with pkg-config (${flags}; ${vflags})")
