# Included from tests/CMakeLists.txt: the install/consumer tests. For the
# static and the shared library, consumer_<kind>_build (a fixture setup: build
# glbuf alone, install it, check it, build tests/consumer against it), then
# consumer_<kind> (the program built through the CMake package) and
# consumer_<kind>_pkgconfig (built through glbuf.pc). The programs exit 77,
# reported as skipped, when no GL context can be made.
foreach(kind static shared)
  if(kind STREQUAL "shared")
    set(shared ON)
  else()
    set(shared OFF)
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/consumer-${kind})
  add_test(NAME consumer_${kind}_build
           COMMAND ${CMAKE_COMMAND} -DGLBUF_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK_DIR=${work}
                   -DSHARED=${shared} "-DGENERATOR=${CMAKE_GENERATOR}" -DC_COMPILER=${CMAKE_C_COMPILER}
                   -DNM=${CMAKE_NM} -DPKG_CONFIG=${PKG_CONFIG_EXECUTABLE}
                   -P ${CMAKE_CURRENT_LIST_DIR}/run.cmake)
  set_tests_properties(consumer_${kind}_build PROPERTIES FIXTURES_SETUP consumer_${kind} TIMEOUT 600
                       RESOURCE_LOCK glbuf_consumer_build)
  add_test(NAME consumer_${kind} COMMAND ${work}/consumer-cmake/glbuf_consumer)
  add_test(NAME consumer_${kind}_pkgconfig COMMAND ${work}/consumer-pkgconfig/glbuf_consumer)
  set_tests_properties(consumer_${kind} consumer_${kind}_pkgconfig PROPERTIES
                       FIXTURES_REQUIRED consumer_${kind} SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
