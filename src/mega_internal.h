/* mega_internal.h - what the megabuffer's files share: the object behind a
 * glbuf_mega handle and the internals each part calls (mega.c: lifetime and
 * allocations; mega_storage.c: GL storage and growth; mega_defrag.c:
 * defragmentation; mega_report.c: stats, block walk, JSON). */
#ifndef GLBUF_MEGA_INTERNAL_H
#define GLBUF_MEGA_INTERNAL_H

#include "gl_ops.h"
#include "guard.h"
#include "glbuf/mega.h"
#include "glbuf/ranges.h"

#define MEGA_KIND 0x4147454Du /* "MEGA" */

/* Per allocation record (indexed like glbuf_ranges' records). */
typedef struct mega_meta {
    uint32_t frame;  /* frame it was allocated in, or freed in while pending */
    uint8_t pending; /* freed, waiting for the fence of `frame` */
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

/* Guard bytes (mega_guard.c, guard.h). */
typedef struct mega_guard {
    uint64_t bytes;      /* after every allocation: GLBUF_GUARD_BYTES, or 0 with guards off */
    uint64_t generation; /* the storage generation the guards were last filled in */
    uint32_t unreturned; /* overruns logged by a call that could not return them */
} mega_guard;

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

    glbuf_overflow overflow; /* what a request that does not fit does (mega_overflow.c) */
    mega_guard guard;
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
/* Growth (by the growth policy, within max_capacity) could hold `size` bytes
 * at `alignment` in its new tail. */
int glbuf_mega_can_grow(const glbuf_mega_obj *m, uint64_t size, uint64_t alignment);

/* ---- overflow (mega_overflow.c) ---- */
/* After glbuf_ranges_alloc found no room (the fences polled): waits for the
 * frees of ended frames or grows, as the overflow policy says. GLBUF_OK when
 * the request now fits; GLBUF_ERR_FULL, or growth's failure, otherwise. */
glbuf_result glbuf_mega_make_room(glbuf_mega_obj *m, uint64_t size, uint64_t alignment);

/* ---- guard bytes (mega_guard.c) ---- */
/* Fills the guard of the allocation [offset, offset + held), held counting the guard. */
void glbuf_mega_guard_arm(glbuf_mega_obj *m, uint64_t offset, uint64_t held);
/* Checks every live allocation's guard; the number of overruns found. */
uint32_t glbuf_mega_guard_check_all(glbuf_mega_obj *m, const char *found_by);
/* Checks one live allocation's guard: 1 on an overrun. */
int glbuf_mega_guard_check_one(glbuf_mega_obj *m, glbuf_mega_range r, const char *found_by);
/* Around a storage move (growth, defragmentation): checks the guards in the
 * old storage, keeping the overruns for the next call that can return
 * them; after it, fills every guard in the new storage, where only GPU
 * copies wrote them. */
void glbuf_mega_guard_before_move(glbuf_mega_obj *m, const char *found_by);
void glbuf_mega_guard_after_move(glbuf_mega_obj *m);
/* GLBUF_ERR_GUARD_OVERRUN when `found` or overruns kept from a move are
 * non-zero (those are then returned), else GLBUF_OK. */
glbuf_result glbuf_mega_guard_result(glbuf_mega_obj *m, uint32_t found);

#define RESOLVE(ctx, mega, m)                                  \
    glbuf_result resolve_result_;                              \
    glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &resolve_result_); \
    if (m == NULL) {                                           \
        return resolve_result_;                                \
    }

#endif /* GLBUF_MEGA_INTERNAL_H */
