/* own_gl.h - a GL function table of the test's own, loaded from the current
 * context with glad (not glbuf's table: tests patch that one to inject
 * faults, and glbuf counts what goes through it). It holds what the running
 * profile has, and nothing more, except for four DSA entry points tests read
 * and copy with (glGetNamedBufferSubData, glGetNamedBufferParameteri64v,
 * glCreateBuffers, glCopyNamedBufferSubData): on a profile without DSA they
 * are stand-ins that bind to GL_COPY_READ/WRITE_BUFFER, call the GL 3.x
 * entry point and restore the binding. */
#ifndef GLBUF_OWN_GL_H
#define GLBUF_OWN_GL_H

#include <stdint.h>

#include <glad/gl.h>

/* Loads the table for the context current on this thread (one table per
 * process: the last load wins). NULL when glad cannot load GL at all. */
GladGLContext *fx_own_gl_load(void);

/* A mutable buffer of `size` bytes, undefined contents (GL_STATIC_COPY),
 * made with what every profile has; bindings restored. */
GLuint fx_own_gl_new_buffer(GladGLContext *gl, uint64_t size);

#endif /* GLBUF_OWN_GL_H */
