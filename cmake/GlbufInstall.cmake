# Installation: headers, the library, a CMake package (glbuf::glbuf, with a
# version file) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS glbuf EXPORT glbufTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/glbuf DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(GLBUF_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/glbuf)
install(EXPORT glbufTargets NAMESPACE glbuf:: DESTINATION ${GLBUF_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/glbufConfig.cmake.in
  ${PROJECT_BINARY_DIR}/glbufConfig.cmake INSTALL_DESTINATION ${GLBUF_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/glbufConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/glbufConfig.cmake ${PROJECT_BINARY_DIR}/glbufConfigVersion.cmake
  DESTINATION ${GLBUF_CMAKE_DIR})

# pkg-config: a static build needs libm and the GLBUF_STATIC define.
if(BUILD_SHARED_LIBS)
  set(GLBUF_PC_CFLAGS "")
  set(GLBUF_PC_LIBS_PRIVATE "-lm")
else()
  set(GLBUF_PC_CFLAGS "-DGLBUF_STATIC")
  set(GLBUF_PC_LIBS_PRIVATE "-lm")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/glbuf.pc.in ${PROJECT_BINARY_DIR}/glbuf.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/glbuf.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
