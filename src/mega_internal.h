/* mega_internal.h - what the megabuffer's files share: the object behind a
 * glbuf_mega handle and the internals each part calls (mega.c: lifetime and
 * allocations; mega_storage.c: GL storage, growth and the copy primitive;
 * mega_defrag.c: incremental defragmentation; mega_report.c: stats, block
 * walk, JSON). */
#ifndef GLBUF_MEGA_INTERNAL_H
#define GLBUF_MEGA_INTERNAL_H

#include "gl_ops.h"
#include "glbuf/mega.h"
#include "glbuf/ranges.h"

#define MEGA_KIND 0x4147454Du /* "MEGA" */

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
/* The copy primitive (mega_storage.c): `size` bytes from src_offset of store
 * `src` to dst_offset of store `dst` (the same store: within it, the ranges
 * must not overlap), on the GPU, and in the CPU shadows on the fallback path.
 * Whatever the placement, every copy of the megabuffer's bytes goes through
 * it. */
void glbuf_mega_store_copy(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst,
                           uint64_t src_offset, uint64_t dst_offset, uint64_t size);
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

#define RESOLVE(ctx, mega, m)                                  \
    glbuf_result resolve_result_;                              \
    glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &resolve_result_); \
    if (m == NULL) {                                           \
        return resolve_result_;                                \
    }

#endif /* GLBUF_MEGA_INTERNAL_H */
