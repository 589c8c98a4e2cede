/* mega_internal.h - what the megabuffer's files share: the object behind a
 * glbuf_mega handle and the internals each part calls (mega.c: lifetime and
 * allocations; mega_storage.c: GL storage and growth; mega_copy.c: the copy
 * primitive; mega_defrag.c: incremental defragmentation; mega_mesh.c:
 * meshes; mega_report.c: stats, block walk, JSON; and the placement's
 * mega_placement.c, mega_staging.c, mega_trim.c). */
#ifndef GLBUF_MEGA_INTERNAL_H
#define GLBUF_MEGA_INTERNAL_H

#include "gl_ops.h"
#include "guard.h"
#include "glbuf/mega.h"
#include "glbuf/ranges.h"

#define MEGA_KIND 0x4147454Du /* "MEGA" */

/* The device-local staging ring: first capacity, default and least maximum (bytes). */
#define GLBUF_MEGA_STAGING_FIRST ((uint64_t)4 << 20)
#define GLBUF_MEGA_STAGING_DEFAULT_MAX ((uint64_t)16 << 20)
#define GLBUF_MEGA_STAGING_MIN ((uint64_t)64 << 10)

/* Per allocation record (indexed like glbuf_ranges' records). */
typedef struct mega_meta {
    uint64_t user_data; /* glbuf_mega_alloc_desc.user_data (a reservation: its allocation's) */
    uint32_t frame;     /* frame it was allocated in, or freed in while pending */
    uint32_t move;      /* 1 + the index in defrag.moves of the move in flight of this
                           allocation, or that this reservation is the destination of;
                           0: none */
    uint8_t pending;    /* freed, waiting for the fence of `frame` */
    uint8_t reserved;   /* not an allocation: the destination of a move in flight */
} mega_meta;

/* A move of incremental defragmentation (mega_defrag.c), from its first copy
 * until it is reported or dropped. */
typedef struct mega_move {
    glbuf_range range;       /* the allocation; 0 once dropped or reported */
    glbuf_range dst;         /* the reservation at the destination */
    uint64_t src_offset, dst_offset, size; /* bytes */
    uint64_t copied;         /* bytes copied so far (the copy may span calls) */
    uint64_t frame;          /* the frame of the last copy: landed once its fence signalled */
} mega_move;

/* A free block below the watermark that moves may go into: the free block
 * after `after` (0: at offset 0), planned to start at `offset`. */
typedef struct mega_hole {
    glbuf_range after;
    uint64_t offset, size;   /* bytes */
    uint32_t next;           /* next hole of its size class, or UINT32_MAX */
} mega_hole;

#define MEGA_HOLE_CLASSES 256u /* 4 per power of two */

typedef struct mega_todo {
    glbuf_range range;
    uint64_t size; /* bytes */
} mega_todo;

/* The compaction in progress (one at a time). */
typedef struct mega_defrag {
    int active;
    int dirty;                  /* allocations or frees since the last plan */
    uint64_t watermark;         /* bytes: what lies at or above it moves below it */
    uint64_t started_frame;
    mega_todo *todo;            /* allocations still to start, largest first */
    uint32_t todo_count, todo_next;
    mega_move *moves;           /* started, in order; indices stay until the compaction ends */
    uint32_t move_count, move_done; /* moves[0 .. move_done) are reported or dropped */
    uint32_t in_flight;         /* started and neither reported nor dropped */
    mega_hole *holes;           /* below the watermark, by size class */
    uint32_t hole_count, hole_capacity;
    mega_hole *upper;           /* above it, in offset order (for what no hole below holds) */
    uint32_t upper_count, upper_first; /* upper[0 .. upper_first) hold no planned allocation */
    uint32_t heads[MEGA_HOLE_CLASSES]; /* first hole of each size class, or UINT32_MAX */
    uint64_t nonempty[MEGA_HOLE_CLASSES / 64];
    void *memory;               /* one host block behind todo, moves and holes */
    uint64_t moving_bytes;      /* bytes reserved by moves in flight */
} mega_defrag;

typedef struct pending_free {
    glbuf_range range;
    uint64_t frame;
} pending_free;

/* One byte range to upload (fallback) or flush (explicit flush). */
typedef struct dirty_range {
    uint64_t offset, size;
} dirty_range;

typedef struct glbuf_mega_obj glbuf_mega_obj;
typedef struct mega_staging mega_staging;

/* Bytes a GPU copy into the store is still writing (host-visible: CPU
 * writes over them wait for `sync`; mega_copy.c). Runs in offset order while
 * `sorted`. */
typedef struct mega_landing {
    dirty_range *runs;
    uint32_t count, capacity;
    int sorted;
    uint32_t unfenced; /* runs added since the fence was inserted */
    GLsync sync;       /* signals once every run has landed; NULL: nothing in flight */
} mega_landing;

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

    mega_defrag defrag;

    glbuf_mega_stats stats; /* the counters; the rest is derived on query */

    glbuf_overflow overflow; /* what a request that does not fit does (mega_overflow.c) */
    mega_guard guard;

    glbuf_mega_placement placement; /* resolved: DEVICE_LOCAL or HOST_VISIBLE */
    int write_combined;             /* CPU writes land in write-combined memory: stream them */
    int shader_writable;            /* USE_STORAGE: shaders may write the store */
    uint64_t initial_capacity;      /* bytes: trim never goes below it */
    uint64_t memory_budget;         /* bytes; 0 none */
    glbuf_mega_trim_policy trim;
    mega_staging *staging;          /* device-local: the ring and the staged copies */
    glbuf_mega_obj *next_staged;    /* link in ctx->staged_megas */
    int listed;                     /* in ctx->staged_megas: end_frame flushes it */
    mega_landing landing;           /* host-visible: GPU copies still landing */
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
/* Frees at once an allocation that was never handed out (nothing can have
 * read or written it): a step of a call that fails after allocating. */
void glbuf_mega_take_back(glbuf_mega_obj *m, glbuf_mega_range r);
int glbuf_mega_push_pending(glbuf_mega_obj *m, glbuf_range range, uint64_t frame);
/* Room for `extra` more pending frees, so that the pushes cannot fail. */
int glbuf_mega_reserve_pending(glbuf_mega_obj *m, uint32_t extra);
/* Drops the move in flight of the allocation in record `index`, if any: its
 * reservation is freed behind the current frame's fence (its copy may still
 * be running). Needs one pending slot (reserve it first). */
void glbuf_mega_defrag_drop(glbuf_mega_obj *m, uint32_t index);
void glbuf_mega_defrag_release(glbuf_mega_obj *m);
/* While a compaction is under way, a new allocation that landed at or above
 * its watermark moves into a free block below it when one holds it, else
 * into the lowest free block above it that is lower than where it landed (it
 * was never used: no copy), so that new allocations fill the holes instead
 * of the space the compaction empties. *h and *offset are updated. */
void glbuf_mega_defrag_place_low(glbuf_mega_obj *m, glbuf_range *h, uint64_t *offset, uint64_t size,
                                 uint64_t alignment);
glbuf_result glbuf_mega_grow(glbuf_mega_obj *m, uint64_t size, uint64_t alignment);
glbuf_mega_obj *glbuf_mega_resolve(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_result *why);
/* Growth (by the growth policy, within max_capacity) could hold `size` bytes
 * at `alignment` in its new tail. */
int glbuf_mega_can_grow(const glbuf_mega_obj *m, uint64_t size, uint64_t alignment);

/* What the allocator is asked for a request (mega.c): *held bytes, the
 * guard included, at *alignment, the least common multiple of the use's
 * minimum, desc->alignment and desc->stride. Bad input gets its code
 * (GLBUF_ERR_ZERO_SIZE, _INVALID_ARGUMENT, _BAD_ALIGNMENT, _OVERFLOW) and
 * nothing is written. glbuf_mega_alloc and glbuf_mega_predict both ask it. */
glbuf_result glbuf_mega_request(const glbuf_mega_obj *m, const glbuf_mega_alloc_desc *desc, uint64_t *held,
                                uint64_t *alignment);
/* `held` bytes fit in no storage this megabuffer may ever have. */
int glbuf_mega_never_fits(const glbuf_mega_obj *m, uint64_t held);

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
/* Before the store is replaced (growth, trim) or allocations move
 * (defragmentation): checks the guards, keeping the overruns for the next
 * call that can return them. A replaced store's guards are filled again once
 * its copies have landed (mega_guard.c). */
void glbuf_mega_guard_before_move(glbuf_mega_obj *m, const char *found_by);
/* A move of defragmentation was reported: the allocation's guard at its new
 * place, [new_offset, +held) with held counting the guard, is filled. */
void glbuf_mega_guard_moved(glbuf_mega_obj *m, uint64_t new_offset, uint64_t held);
/* GLBUF_ERR_GUARD_OVERRUN when `found` or overruns kept from a move are
 * non-zero (those are then returned), else GLBUF_OK. */
glbuf_result glbuf_mega_guard_result(glbuf_mega_obj *m, uint32_t found);

/* ---- placement (mega_placement.c) ---- */
/* Checks the placement fields of the desc (GLBUF_ERR_INVALID_ARGUMENT) and
 * the budget against `capacity` and the first staging ring
 * (GLBUF_ERR_TOO_LARGE), and resolves AUTO; sets placement, write_combined,
 * shader_writable, memory_budget, trim. m->storage must be set. */
glbuf_result glbuf_mega_placement_check(glbuf_mega_obj *m, const glbuf_mega_desc *desc, uint64_t capacity);
/* The staging ring's first and largest capacities for a desc value. */
uint64_t glbuf_mega_staging_first(uint64_t staging_max_capacity);
/* Growth to `capacity` bytes fits the budget: the old store, the new one and
 * the staging ring held at once. */
int glbuf_mega_within_budget(const glbuf_mega_obj *m, uint64_t capacity);
/* Bytes of GL storage held now (stores and staging ring). */
uint64_t glbuf_mega_bytes_held(const glbuf_mega_obj *m);
/* Fills the placement fields of the stats. */
void glbuf_mega_placement_stats(const glbuf_mega_obj *m, glbuf_mega_stats *s);

/* ---- the copy primitive and landing copies (mega_copy.c) ---- */
/* Copies [src_offset, +size) of store `src` to [dst_offset, +size) of store
 * `dst` (they may be the same store when the ranges do not overlap) in
 * either placement: a GPU copy, and on the fallback path the CPU shadows
 * too. Host-visible with storage, the destination bytes are recorded as
 * landing; glbuf_mega_copies_fence after the last copy of a batch makes CPU
 * writes over them wait for the GPU instead of waiting now. Growth and trim
 * use it. */
void glbuf_mega_store_copy(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst,
                           uint64_t src_offset, uint64_t dst_offset, uint64_t size);
/* The same copy into bytes no CPU write can reach before a fence of a later
 * frame has signalled (the reserved destinations of defragmentation: the
 * allocation is reported there, and handed out again, only after that
 * fence): nothing is recorded as landing, nothing can wait on it. */
void glbuf_mega_store_copy_fenced(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst,
                                  uint64_t src_offset, uint64_t dst_offset, uint64_t size);
/* Copies every live (not pending) allocation of `src` to the same offset
 * of `dst`, runs closer than a small gap merged into one copy; returns the
 * bytes copied. */
uint64_t glbuf_mega_copy_live(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst);
/* Inserts the fence that covers the landing runs recorded since the last one. */
void glbuf_mega_copies_fence(glbuf_mega_obj *m);
/* Before the CPU writes [offset, +size) of the current store: waits for the
 * landing copy over those bytes, if any. */
void glbuf_mega_before_cpu_write(glbuf_mega_obj *m, uint64_t offset, uint64_t size);
/* Polls the landing copies' fence (no wait); 1 when nothing is landing any
 * more (the runs are then forgotten). */
int glbuf_mega_landing_poll(glbuf_mega_obj *m);
/* [offset, +size) lies in a run still landing, as last polled (no GL call). */
int glbuf_mega_landing_covers(const glbuf_mega_obj *m, uint64_t offset, uint64_t size);
/* Forgets the landing runs (everything landed, or the megabuffer goes). */
void glbuf_mega_landing_clear(glbuf_mega_obj *m);
/* memcpy into store or staging memory: streaming stores when it is
 * write-combined (wc_copy.c). */
void glbuf_mega_copy_in(const glbuf_mega_obj *m, void *dst, const void *src, uint64_t size);

/* ---- device-local staging (mega_staging.c) ---- */
glbuf_result glbuf_mega_staging_create(glbuf_mega_obj *m, uint64_t max_capacity);
void glbuf_mega_staging_destroy(glbuf_mega_obj *m);
/* Stages `size` bytes of data for [offset, +size) of the allocation at
 * [base, +alloc_size) of the store. */
glbuf_result glbuf_mega_stage_write(glbuf_mega_obj *m, uint64_t base, uint64_t alloc_size, uint64_t offset,
                                    const void *data, uint64_t size);
/* A staging span for [dst, +size), copied at the next flush. */
glbuf_result glbuf_mega_stage_span(glbuf_mega_obj *m, uint64_t dst, uint64_t size, void **out);
/* Issues every staged copy into the current store, in order. */
void glbuf_mega_staging_flush(glbuf_mega_obj *m);
/* glbuf_mega_flush's work: dirty ranges flushed or uploaded, staged copies
 * issued; the megabuffer leaves the context's list. */
void glbuf_mega_flush_pending(glbuf_mega_obj *m);
/* Puts the megabuffer on the context's list of those with something for
 * glbuf_ctx_end_frame to flush (once). */
void glbuf_mega_list(glbuf_mega_obj *m);
void glbuf_mega_staging_stats(const glbuf_mega_obj *m, glbuf_mega_stats *s);

/* ---- trim (mega_trim.c) ---- */
/* GLBUF_MEGA_TRIM_AUTO: trims when that at least halves the store. */
void glbuf_mega_trim_by_policy(glbuf_mega_obj *m, const char *after);

#define RESOLVE(ctx, mega, m)                                  \
    glbuf_result resolve_result_;                              \
    glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &resolve_result_); \
    if (m == NULL) {                                           \
        return resolve_result_;                                \
    }

#endif /* GLBUF_MEGA_INTERNAL_H */
