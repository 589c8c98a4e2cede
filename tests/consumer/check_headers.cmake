# check_headers.cmake - the public headers (C, and the C++ layer's .hpp)
# expose no GL and no glad.
#   cmake -DHEADER_DIR=include/glbuf -P check_headers.cmake
# Outside comments, no header may name a GL type (GLuint, GLenum, GLsizeiptr,
# GLsync ...), a GL enum (GL_ARRAY_BUFFER), a GL or glad entry point, a glad
# type (GladGLContext, GLADapiproc) or include a GL/glad/EGL/KHR header.
# Every header that declares GLBUF_API functions must wrap them in extern "C".
cmake_minimum_required(VERSION 3.21)
if(NOT HEADER_DIR)
  message(FATAL_ERROR "-DHEADER_DIR=... is required")
endif()
file(GLOB headers ${HEADER_DIR}/*.h ${HEADER_DIR}/*.hpp ${HEADER_DIR}/cpp/*.hpp)
if(NOT headers)
  message(FATAL_ERROR "no headers in ${HEADER_DIR}")
endif()

# Removes /* */ and // comments (string literals are not expected to hold them;
# the literals themselves are blanked after the include check).
function(strip_comments text out)
  set(result "")
  while(TRUE)
    string(FIND "${text}" "/*" open)
    if(open EQUAL -1)
      break()
    endif()
    string(SUBSTRING "${text}" 0 ${open} before)
    math(EXPR after_open "${open} + 2")
    string(SUBSTRING "${text}" ${after_open} -1 rest)
    string(FIND "${rest}" "*/" close)
    if(close EQUAL -1)
      message(FATAL_ERROR "unterminated comment")
    endif()
    math(EXPR after_close "${close} + 2")
    string(SUBSTRING "${rest}" ${after_close} -1 text)
    string(APPEND result "${before} ")
  endwhile()
  string(APPEND result "${text}")
  string(REGEX REPLACE "//[^\n]*" "" result "${result}")
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

set(forbidden_include "#[ \t]*include[ \t]*[<\"](glad|GL|GLES[0-9]*|EGL|KHR|OpenGL)/[^>\"]*")
set(forbidden
  "(^|[^A-Za-z0-9_])(GL[a-z][A-Za-z0-9_]*)"        # GLuint GLenum GLsizeiptr GLsync GLDEBUGPROC..
  "(^|[^A-Za-z0-9_])(GL_[A-Z0-9][A-Za-z0-9_]*)"    # GL_ARRAY_BUFFER
  "(^|[^A-Za-z0-9_])(GL[A-Z]+PROC[A-Za-z0-9_]*)"   # GLDEBUGPROC
  "(^|[^A-Za-z0-9_])(PFNGL[A-Za-z0-9_]*)"
  "(^|[^A-Za-z0-9_])(gl[A-Z][A-Za-z0-9_]*)"        # glBufferData
  "(^|[^A-Za-z0-9_])([Gg]lad[A-Za-z0-9_]*|GLAD[A-Za-z0-9_]*)")
set(failures "")
foreach(h IN LISTS headers)
  get_filename_component(name ${h} NAME)
  file(READ ${h} text)
  strip_comments("${text}" code)
  if(code MATCHES "${forbidden_include}")
    string(APPEND failures "  ${name}: '${CMAKE_MATCH_0}'\n")
  endif()
  if(code MATCHES "GLBUF_API" AND NOT name STREQUAL "export.h" AND NOT code MATCHES "extern \"C\"")
    string(APPEND failures "  ${name}: declares GLBUF_API functions without extern \"C\"\n")
  endif()
  # String literals (messages such as "GL_OUT_OF_MEMORY ...") are not code.
  string(REGEX REPLACE "\"([^\"\\\\\n]|\\\\.)*\"" "\"\"" code "${code}")
  foreach(re IN LISTS forbidden)
    if(code MATCHES "${re}")
      string(APPEND failures "  ${name}: '${CMAKE_MATCH_0}'\n")
    endif()
  endforeach()
endforeach()
list(LENGTH headers n)
if(failures)
  message(FATAL_ERROR "public headers expose GL or glad:\n${failures}")
endif()
message(STATUS "${n} public headers: no GL or glad types, calls or includes")
