/* buffer_internal.h - the object behind a glbuf_buffer handle, for the
 * modules built on buffers (pools). */
#ifndef GLBUF_BUFFER_INTERNAL_H
#define GLBUF_BUFFER_INTERNAL_H

#include "ctx_internal.h"
#include "glbuf/buffer.h"

typedef struct glbuf_buffer_obj {
    GLuint name;
    uint64_t size;          /* bytes in use */
    uint64_t capacity;      /* bytes of GL storage */
    glbuf_target target;
    glbuf_usage usage;
    glbuf_growth growth;
    uint64_t growth_step;
    uint32_t storage_flags; /* glbuf_storage_flag; 0 = mutable */
    uint64_t reallocations;
    int mapped;
    uint32_t map_access;    /* glbuf_map_flag bits of the current mapping */
    uint64_t map_offset, map_length;
    const void *owner;      /* the pool that holds it, NULL for a plain buffer */
    char *label;
} glbuf_buffer_obj;

/* Resolves a handle; NULL with *why set when ctx is NULL or the handle is bad. */
glbuf_buffer_obj *glbuf_buffer_lookup(const glbuf_ctx *ctx, glbuf_buffer buf, glbuf_result *why);

#endif /* GLBUF_BUFFER_INTERNAL_H */
