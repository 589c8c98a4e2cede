# Included from tests/CMakeLists.txt: the install/consumer tests. For the
# static and the shared library, consumer_<kind>_build (a fixture setup: build
# glbuf alone, install it, check it, build tests/consumer against it), then
# consumer_<kind> (the C program built through the CMake package),
# consumer_<kind>_pkgconfig (built through glbuf.pc), and the same two of the
# C++17 program (main.cpp: the C++ layer and the memory view),
# consumer_<kind>_cxx and consumer_<kind>_cxx_pkgconfig. The programs exit
# 77, reported as skipped, when no GL context can be made.
foreach(kind static shared)
  if(kind STREQUAL "shared")
    set(shared ON)
  else()
    set(shared OFF)
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/consumer-${kind})
  set(GLBUF_CONSUMER_${kind}_PREFIX ${work}/prefix) # the install, for the README programs
  add_test(NAME consumer_${kind}_build
           COMMAND ${CMAKE_COMMAND} -DGLBUF_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK_DIR=${work}
                   -DSHARED=${shared} "-DGENERATOR=${CMAKE_GENERATOR}" -DC_COMPILER=${CMAKE_C_COMPILER}
                   -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
                   -DNM=${CMAKE_NM} -DPKG_CONFIG=${PKG_CONFIG_EXECUTABLE}
                   -P ${CMAKE_CURRENT_LIST_DIR}/run.cmake)
  set_tests_properties(consumer_${kind}_build PROPERTIES FIXTURES_SETUP consumer_${kind} TIMEOUT 600
                       RESOURCE_LOCK glbuf_consumer_build)
  add_test(NAME consumer_${kind} COMMAND ${work}/consumer-cmake/glbuf_consumer)
  add_test(NAME consumer_${kind}_pkgconfig COMMAND ${work}/consumer-pkgconfig/glbuf_consumer)
  add_test(NAME consumer_${kind}_cxx COMMAND ${work}/consumer-cmake/glbuf_consumer_cxx)
  add_test(NAME consumer_${kind}_cxx_pkgconfig COMMAND ${work}/consumer-pkgconfig/glbuf_consumer_cxx)
  set_tests_properties(consumer_${kind} consumer_${kind}_pkgconfig consumer_${kind}_cxx
                       consumer_${kind}_cxx_pkgconfig PROPERTIES
                       FIXTURES_REQUIRED consumer_${kind} SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
