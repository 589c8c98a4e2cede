/* gl_ops.h - buffer-object operations on the DSA path or, without it, the
 * bind-to-edit path. The bind path edits through GL_COPY_WRITE_BUFFER and
 * GL_COPY_READ_BUFFER, never through ARRAY/ELEMENT_ARRAY (the latter is VAO
 * state), and restores the binding it found: no call leaves GL state changed.
 * Every call is counted in the context's stats. None checks glGetError;
 * callers check after the calls that allocate (glbuf_gl_check). */
#ifndef GLBUF_GL_OPS_H
#define GLBUF_GL_OPS_H

#include "ctx_internal.h"

/* A new buffer name with no storage yet. 0 on failure. */
GLuint glbuf_gl_create(glbuf_ctx *ctx);
void glbuf_gl_delete(glbuf_ctx *ctx, GLuint name);

void glbuf_gl_data(glbuf_ctx *ctx, GLuint name, size_t size, const void *data, GLenum usage);
void glbuf_gl_storage(glbuf_ctx *ctx, GLuint name, size_t size, const void *data, GLbitfield flags);
void glbuf_gl_sub_data(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, const void *data);
/* glbuf_gl_sub_data into a store that GPU copies move bytes within (the
 * megabuffer's fallback store, which defragmentation copies inside): on the
 * driver of the unaligned-update workaround (ctx.c) every such update goes
 * through a map, aligned or not. */
void glbuf_gl_sub_data_copied_within(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, const void *data);
void glbuf_gl_get_sub_data(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, void *out);
void glbuf_gl_copy(glbuf_ctx *ctx, GLuint src, GLuint dst, size_t src_offset, size_t dst_offset, size_t size);
void *glbuf_gl_map_range(glbuf_ctx *ctx, GLuint name, size_t offset, size_t length, GLbitfield access);
/* GL_FALSE: the contents were lost while mapped. */
GLboolean glbuf_gl_unmap(glbuf_ctx *ctx, GLuint name);
void glbuf_gl_flush_range(glbuf_ctx *ctx, GLuint name, size_t offset, size_t length);

/* The GL store of a ring (stream, readback): immutable storage mapped
 * persistently over its whole size, or mutable storage. */
typedef struct glbuf_gl_store_desc {
    size_t size;              /* bytes */
    GLbitfield storage_flags; /* non-zero: glBufferStorage(storage_flags), then mapped */
    GLbitfield map_access;    /* ... with glMapBufferRange(0, size, map_access) */
    GLenum usage;             /* storage_flags == 0: glBufferData(NULL, usage), not mapped */
    const char *what;         /* names the store in error lines: "stream ring" */
    const char *label;        /* the owner's label: log lines and glObjectLabel */
} glbuf_gl_store_desc;

/* Creates the buffer, its storage and (immutable) its persistent mapping,
 * checking glGetError after each step (errors raised earlier are drained
 * first), then labels it. *out_map is the mapping, NULL for mutable storage.
 * Fails with GLBUF_ERR_GL (no name, or an unexpected error),
 * GLBUF_ERR_OUT_OF_GPU_MEMORY (storage) or GLBUF_ERR_MAP_FAILED; nothing is
 * left behind and the outs are untouched. */
glbuf_result glbuf_gl_create_store(glbuf_ctx *ctx, const glbuf_gl_store_desc *d, GLuint *out_name, void **out_map);

/* GL_BUFFER_SIZE as the driver sees it: the truth after a failed
 * re-specification, which may or may not have released the old store. */
uint64_t glbuf_gl_query_size(glbuf_ctx *ctx, GLuint name);

/* A GL size, with the overflow checked: 0 when `size` does not fit. */
int glbuf_fits_glsizeiptr(uint64_t size);

#endif /* GLBUF_GL_OPS_H */
