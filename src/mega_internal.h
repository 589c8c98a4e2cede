/* mega_internal.h - what the megabuffer's files share: the object behind a
 * glbuf_mega handle and the internals each part calls (mega.c: lifetime and
 * allocations; mega_storage.c: GL storage and growth; mega_defrag.c:
 * defragmentation; mega_report.c: stats, block walk, JSON). */
#ifndef GLBUF_MEGA_INTERNAL_H
#define GLBUF_MEGA_INTERNAL_H

#include "gl_ops.h"
#include "glbuf/mega.h"
#include "glbuf/ranges.h"

#define MEGA_KIND 0x4147454Du /* "MEGA" */

/* Per allocation record (indexed like glbuf_ranges' records). */
typedef struct mega_meta {
    uint64_t user_data; /* glbuf_mega_alloc_desc.user_data */
    uint32_t frame;     /* frame it was allocated in, or freed in while pending */
    uint8_t pending;    /* freed, waiting for the fence of `frame` */
} mega_meta;

typedef struct pending_free {
    glbuf_range range;
    uint64_t frame;
} pending_free;

/* One byte range to upload (fallback) or flush (explicit flush). */
typedef struct dirty_range {
    uint64_t offset, size;
} dirty_range;

typedef struct glbuf_mega_obj glbuf_mega_obj;

/* The object behind a glbuf_mega handle (in the context's object table). */
struct glbuf_mega_obj {
    uint32_t kind;
    glbuf_ctx *ctx;
    glbuf_ranges *ranges;
    GLuint name;
    uint8_t *map;     /* persistent mapping, or the CPU shadow on the fallback path */
    int storage;      /* 1: glBufferStorage + persistent map; 0: mutable + shadow */
    int explicit_flush;
    uint64_t capacity, max_capacity, alignment;
    glbuf_mega_growth growth;
    char label[64];

    mega_meta *meta;
    uint32_t meta_count;

    pending_free *pending; /* FIFO ring, frames never decrease */
    uint32_t pending_head, pending_count, pending_capacity;
    uint64_t pending_bytes;

    dirty_range *dirty;
    uint32_t dirty_count, dirty_capacity;

    glbuf_mega_stats stats; /* the counters; the rest is derived on query */
};

typedef struct glbuf_mega_store {
    GLuint name;
    uint8_t *map;
} glbuf_mega_store;

glbuf_result glbuf_mega_check(const glbuf_mega_obj *m);
uint32_t glbuf_mega_record_index(glbuf_mega_range r);
glbuf_result glbuf_mega_lookup(const glbuf_mega_obj *m, glbuf_mega_range r, uint64_t *offset, uint64_t *size);
int glbuf_mega_reserve_array(glbuf_ctx *ctx, void **array, uint32_t *capacity, uint32_t used, uint32_t need,
                         size_t elem);
int glbuf_mega_reserve_meta(glbuf_mega_obj *m, uint32_t index);
glbuf_result glbuf_mega_mark_dirty(glbuf_mega_obj *m, uint64_t offset, uint64_t size);
glbuf_result glbuf_mega_storage_create(glbuf_mega_obj *m, uint64_t capacity, glbuf_mega_store *out);
void glbuf_mega_storage_release(glbuf_mega_obj *m, glbuf_mega_store *s);
glbuf_result glbuf_mega_wait_for_copies(glbuf_mega_obj *m);
glbuf_result glbuf_mega_flush_dirty(glbuf_mega_obj *m);
void glbuf_mega_adopt(glbuf_mega_obj *m, glbuf_mega_store *fresh, uint64_t capacity);
void glbuf_mega_validate(glbuf_mega_obj *m, const char *what);
void glbuf_mega_retire(glbuf_mega_obj *m, uint64_t completed);
int glbuf_mega_push_pending(glbuf_mega_obj *m, glbuf_range range, uint64_t frame);
glbuf_result glbuf_mega_grow(glbuf_mega_obj *m, uint64_t size, uint64_t alignment);
glbuf_mega_obj *glbuf_mega_resolve(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_result *why);

#define RESOLVE(ctx, mega, m)                                  \
    glbuf_result resolve_result_;                              \
    glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &resolve_result_); \
    if (m == NULL) {                                           \
        return resolve_result_;                                \
    }

#endif /* GLBUF_MEGA_INTERNAL_H */
