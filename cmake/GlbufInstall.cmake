# Installation: headers (C, and the C++ layer), the library, the memory view
# library when built, a CMake package (glbuf::glbuf, glbuf::cxx, glbuf::view
# as the component "view"; with a version file) and pkg-config files (glbuf,
# glbuf-view).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GLBUF_INSTALL_TARGETS glbuf glbuf_cxx)
if(TARGET glbuf_view)
  list(APPEND GLBUF_INSTALL_TARGETS glbuf_view)
endif()
install(TARGETS ${GLBUF_INSTALL_TARGETS} EXPORT glbufTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
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
# Relocatable: the prefix is derived from where glbuf.pc lies, so the file stays
# right with `cmake --install --prefix DIR`, DESTDIR or a moved tree (the
# configure-time CMAKE_INSTALL_PREFIX is not where such installs land).
set(GLBUF_PC_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(GLBUF_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(GLBUF_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(GLBUF_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _glbuf_pc_up "/glbuf-root/${GLBUF_PC_INSTALL_DIR}" "/glbuf-root")
  string(REGEX REPLACE "/$" "" _glbuf_pc_up "${_glbuf_pc_up}")
  set(GLBUF_PC_PREFIX "\${pcfiledir}/${_glbuf_pc_up}")
  set(GLBUF_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(GLBUF_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/glbuf.pc.in ${PROJECT_BINARY_DIR}/glbuf.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/glbuf.pc DESTINATION ${GLBUF_PC_INSTALL_DIR})
if(TARGET glbuf_view)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/glbuf-view.pc.in ${PROJECT_BINARY_DIR}/glbuf-view.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/glbuf-view.pc DESTINATION ${GLBUF_PC_INSTALL_DIR})
endif()
