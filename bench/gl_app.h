/* gl_app.h - the handful of GL entry points glbuf-bench calls itself (draws,
 * timer queries, the GPU copy that consumes uploads), loaded through
 * eglGetProcAddress: the bench is an app with its own loader, beside glbuf's
 * private one. GL types are spelled as their C equivalents (GLuint = unsigned
 * int, GLsizeiptr = ptrdiff_t, ...), so no GL header is needed. */
#ifndef GLBUF_BENCH_GL_APP_H
#define GLBUF_BENCH_GL_APP_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_GL_TRIANGLES 0x0004u
#define BENCH_GL_COLOR_BUFFER_BIT 0x00004000u
#define BENCH_GL_FRAGMENT_SHADER 0x8B30u
#define BENCH_GL_VERTEX_SHADER 0x8B31u
#define BENCH_GL_COMPILE_STATUS 0x8B81u
#define BENCH_GL_LINK_STATUS 0x8B82u
#define BENCH_GL_FLOAT 0x1406u
#define BENCH_GL_FALSE 0u
#define BENCH_GL_RGBA8 0x8058u
#define BENCH_GL_FRAMEBUFFER 0x8D40u
#define BENCH_GL_RENDERBUFFER 0x8D41u
#define BENCH_GL_COLOR_ATTACHMENT0 0x8CE0u
#define BENCH_GL_FRAMEBUFFER_COMPLETE 0x8CD5u
#define BENCH_GL_DRAW_INDIRECT_BUFFER 0x8F3Fu
#define BENCH_GL_TIME_ELAPSED 0x88BFu
#define BENCH_GL_QUERY_RESULT 0x8866u
#define BENCH_GL_POINTS 0x0000u
#define BENCH_GL_COMPUTE_SHADER 0x91B9u
#define BENCH_GL_SHADER_STORAGE_BUFFER 0x90D2u
#define BENCH_GL_MAX_SHADER_STORAGE_BLOCK_SIZE 0x90DEu
#define BENCH_GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT 0x90DFu
#define BENCH_GL_SHADER_STORAGE_BARRIER_BIT 0x00002000u
#define BENCH_GL_VERTEX_ATTRIB_ARRAY_BARRIER_BIT 0x00000001u

/* X(return type, name without "gl", parameter list) */
#define BENCH_GL_FUNCS(X)                                                                            \
    X(unsigned int, CreateShader, (unsigned int type))                                               \
    X(void, ShaderSource, (unsigned int shader, int count, const char *const *str, const int *len))  \
    X(void, CompileShader, (unsigned int shader))                                                    \
    X(void, GetShaderiv, (unsigned int shader, unsigned int pname, int *out))                        \
    X(void, GetShaderInfoLog, (unsigned int shader, int size, int *len, char *log))                  \
    X(void, DeleteShader, (unsigned int shader))                                                     \
    X(unsigned int, CreateProgram, (void))                                                           \
    X(void, AttachShader, (unsigned int program, unsigned int shader))                               \
    X(void, LinkProgram, (unsigned int program))                                                     \
    X(void, GetProgramiv, (unsigned int program, unsigned int pname, int *out))                      \
    X(void, UseProgram, (unsigned int program))                                                      \
    X(void, DeleteProgram, (unsigned int program))                                                   \
    X(void, CreateVertexArrays, (int n, unsigned int *arrays))                                       \
    X(void, DeleteVertexArrays, (int n, const unsigned int *arrays))                                 \
    X(void, BindVertexArray, (unsigned int array))                                                   \
    X(void, EnableVertexArrayAttrib, (unsigned int vao, unsigned int index))                         \
    X(void, VertexArrayAttribFormat,                                                                 \
      (unsigned int vao, unsigned int index, int size, unsigned int type, unsigned char normalized,  \
       unsigned int relative_offset))                                                                \
    X(void, VertexArrayAttribBinding, (unsigned int vao, unsigned int index, unsigned int binding))  \
    X(void, VertexArrayVertexBuffer,                                                                 \
      (unsigned int vao, unsigned int binding, unsigned int buffer, intptr_t offset, int stride))     \
    X(void, BindBuffer, (unsigned int target, unsigned int buffer))                                  \
    X(void, DrawArrays, (unsigned int mode, int first, int count))                                   \
    X(void, MultiDrawArraysIndirect, (unsigned int mode, const void *indirect, int count, int stride)) \
    X(void, CreateFramebuffers, (int n, unsigned int *fbos))                                         \
    X(void, DeleteFramebuffers, (int n, const unsigned int *fbos))                                   \
    X(void, CreateRenderbuffers, (int n, unsigned int *rbos))                                        \
    X(void, DeleteRenderbuffers, (int n, const unsigned int *rbos))                                  \
    X(void, NamedRenderbufferStorage, (unsigned int rbo, unsigned int format, int w, int h))         \
    X(void, NamedFramebufferRenderbuffer,                                                            \
      (unsigned int fbo, unsigned int attachment, unsigned int rb_target, unsigned int rbo))         \
    X(unsigned int, CheckNamedFramebufferStatus, (unsigned int fbo, unsigned int target))            \
    X(void, BindFramebuffer, (unsigned int target, unsigned int fbo))                                \
    X(void, Viewport, (int x, int y, int w, int h))                                                  \
    X(void, Clear, (unsigned int mask))                                                              \
    X(void, GenQueries, (int n, unsigned int *ids))                                                  \
    X(void, DeleteQueries, (int n, const unsigned int *ids))                                         \
    X(void, BeginQuery, (unsigned int target, unsigned int id))                                      \
    X(void, EndQuery, (unsigned int target))                                                         \
    X(void, GetQueryObjectui64v, (unsigned int id, unsigned int pname, uint64_t *out))               \
    X(void, CopyNamedBufferSubData,                                                                  \
      (unsigned int src, unsigned int dst, intptr_t src_offset, intptr_t dst_offset, ptrdiff_t size)) \
    X(void, Flush, (void))                                                                           \
    X(void, DispatchCompute, (unsigned int x, unsigned int y, unsigned int z))                        \
    X(void, BindBufferRange,                                                                         \
      (unsigned int target, unsigned int index, unsigned int buffer, intptr_t offset, ptrdiff_t size)) \
    X(void, MemoryBarrier, (unsigned int barriers))                                                  \
    X(void, GetInteger64v, (unsigned int pname, int64_t *out))                                       \
    X(int, GetUniformLocation, (unsigned int program, const char *name))                             \
    X(void, ProgramUniform1ui, (unsigned int program, int location, unsigned int v))                \
    X(void, CreateBuffers, (int n, unsigned int *buffers))                                           \
    X(void, DeleteBuffers, (int n, const unsigned int *buffers))                                     \
    X(void, NamedBufferStorage, (unsigned int buffer, ptrdiff_t size, const void *data, unsigned int flags)) \
    X(void, Finish, (void))                                                                          \
    X(unsigned int, GetError, (void))

typedef struct bench_gl {
#define BENCH_GL_MEMBER(ret, name, params) ret(*name) params;
    BENCH_GL_FUNCS(BENCH_GL_MEMBER)
#undef BENCH_GL_MEMBER
} bench_gl;

/* Loads every entry point; 0 and the first missing name in *missing if one
 * is absent. */
int bench_gl_load(bench_gl *gl, const char **missing);

/* A compiled shader of `type` from `src`; the program exits with the info
 * log when it does not compile (a bench cannot go on without it). */
unsigned int bench_gl_compile(const bench_gl *gl, unsigned int type, const char *src);

#endif /* GLBUF_BENCH_GL_APP_H */
