/* buffer_internal.h - the object behind a glbuf_buffer handle, shared by the
 * buffer's files (buffer.c: the API; buffer_grow.c: growth keeping contents;
 * buffer_batch.c: batched appends) and the modules built on buffers (pools). */
#ifndef GLBUF_BUFFER_INTERNAL_H
#define GLBUF_BUFFER_INTERNAL_H

#include "ctx_internal.h"
#include "glbuf/buffer.h"

typedef struct glbuf_buffer_obj {
    GLuint name;
    uint64_t size;          /* bytes in use, staged appends included */
    uint64_t capacity;      /* bytes of GL storage */
    glbuf_target target;
    glbuf_usage usage;
    glbuf_growth growth;
    uint64_t growth_step;
    uint32_t storage_flags; /* glbuf_storage_flag; 0 = mutable */
    uint64_t reallocations;
    uint64_t storage_generation; /* +1 per growth that changed the name */
    int mapped;
    uint32_t map_access;    /* glbuf_map_flag bits of the current mapping */
    uint64_t map_offset, map_length;
    const void *owner;      /* the pool that holds it, NULL for a plain buffer */
    char *label;
    int batch_appends;
    int growth_may_rename;

    /* Batched appends not yet in GL. They are always the last bytes of the
     * size:
     *   [ uploaded: in the GL store ][ staged: pending[0, pending_size) ]
     *   0                 size - pending_size                        size
     * and the uploaded part always fits the store (size - pending_size <=
     * capacity). A buffer with staged bytes is on the context's list. */
    uint8_t *pending;
    size_t pending_size, pending_capacity; /* bytes */
    struct glbuf_buffer_obj *pending_prev, *pending_next;
} glbuf_buffer_obj;

/* Resolves a handle; NULL with *why set when ctx is NULL or the handle is bad. */
glbuf_buffer_obj *glbuf_buffer_lookup(const glbuf_ctx *ctx, glbuf_buffer buf, glbuf_result *why);

/* "buffer" when the buffer has no label. */
const char *glbuf_buffer_label(const glbuf_buffer_obj *b);

/* The GL usage enum of a (valid) glbuf_usage. */
GLenum glbuf_buffer_gl_usage(glbuf_usage usage);

/* ---- buffer_grow.c ----------------------------------------------------------- */

/* Re-specifies the store at `capacity` (> the current one) keeping its first
 * `keep` bytes (<= capacity, <= the current capacity): in place (name kept,
 * bytes copied twice) or, with growth_may_rename, into a new GL buffer (name
 * changes, bytes copied once). On failure the store, name and kept bytes
 * are as before. */
glbuf_result glbuf_buffer_grow(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t capacity, uint64_t keep);

/* ---- buffer_batch.c ---------------------------------------------------------- */

/* The capacity the store has once the staged bytes are uploaded and at least
 * `min_capacity` bytes are reserved (pure arithmetic, no GL). */
uint64_t glbuf_buffer_settled_capacity(const glbuf_buffer_obj *b, uint64_t min_capacity);

/* Brings the store to the settled capacity (growing by the policy, keeping
 * the uploaded bytes) and uploads the staged bytes with one sub-data. The
 * caller has checked that a needed growth is allowed (mutable, not mapped).
 * On failure the bytes stay staged and the store is as before. */
glbuf_result glbuf_buffer_settle(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t min_capacity);

/* Stages `size` bytes (> 0) at the end; the caller has validated them.
 * GLBUF_ERR_OUT_OF_HOST_MEMORY changes nothing. */
glbuf_result glbuf_buffer_stage(glbuf_ctx *ctx, glbuf_buffer_obj *b, const void *data, size_t size);

/* Writes `size` bytes at `offset` of the staged part (offset relative to the
 * first staged byte; the caller has checked the bounds). */
void glbuf_buffer_write_staged(glbuf_buffer_obj *b, size_t offset, const void *data, size_t size);

/* Forgets the staged bytes (the size keeps counting them: the caller sets it). */
void glbuf_buffer_drop_staged(glbuf_ctx *ctx, glbuf_buffer_obj *b);

/* Frees the staging array (destroy). */
void glbuf_buffer_release_staging(glbuf_ctx *ctx, glbuf_buffer_obj *b);

#endif /* GLBUF_BUFFER_INTERNAL_H */
