/* objects.h - the per-context table behind every object handle (buffers,
 * megabuffers, streams, pools): a slot per object, named by a 64-bit id in
 * the layout of handle_id.h, so a handle to a destroyed object or of another
 * context is caught with two compares and never dereferenced.
 *
 *     id = [ owner : 18 ][ generation : 22 ][ index : 24 ]
 *
 * owner: the table's identity from the process-wide registry (owner_ids.h),
 * held from glbuf_objects_init to glbuf_objects_release. generation: 1 on a
 * slot's first use, +1 on every reuse; the slot that issued generation
 * GLBUF_ID_GEN_MAX is retired when that object goes (never back on the free
 * list), so no id is ever issued twice by a table. */
#ifndef GLBUF_OBJECTS_H
#define GLBUF_OBJECTS_H

#include <stdint.h>

#include "glbuf/hooks.h"
#include "glbuf/result.h"
#include "handle_id.h"

/* Slots a table can ever use (live or retired): the 24-bit index. */
#define GLBUF_OBJECT_MAX GLBUF_ID_INDEX_COUNT

typedef enum glbuf_object_kind {
    GLBUF_KIND_NONE = 0,
    GLBUF_KIND_BUFFER,
    GLBUF_KIND_MEGA,
    GLBUF_KIND_STREAM,
    GLBUF_KIND_POOL,
    GLBUF_KIND_READBACK,
    GLBUF_KIND_COUNT
} glbuf_object_kind;

typedef struct glbuf_object_slot {
    void *ptr;            /* the object; NULL while free or retired */
    uint32_t next_free;   /* free-list link, valid while on the free list */
    uint32_t generation;  /* of the last id issued from this slot; 0 never used */
    uint8_t kind;         /* glbuf_object_kind, NONE when free */
} glbuf_object_slot;

typedef struct glbuf_objects {
    glbuf_object_slot *slots;
    uint32_t used;        /* slots ever handed out (live, free or retired) */
    uint32_t capacity;    /* slots allocated */
    uint32_t free_head;   /* UINT32_MAX when empty */
    uint32_t live;
    uint32_t retired;     /* slots that reached GLBUF_ID_GEN_MAX */
    uint32_t owner;       /* 1 .. GLBUF_ID_OWNER_MAX while initialised, else 0 */
    uint32_t live_by_kind[GLBUF_KIND_COUNT];
} glbuf_objects;

/* Empties the table and acquires its owner identity. GLBUF_ERR_FULL when
 * GLBUF_ID_OWNER_MAX tables (of every kind) are live; then *t is zeroed and
 * needs no release. No host memory until the first insert. */
glbuf_result glbuf_objects_init(glbuf_objects *t);

/* Frees the slots and gives the owner identity back. Objects still in the
 * table are the caller's to free first. */
void glbuf_objects_release(glbuf_objects *t, const glbuf_allocator *a);

/* Files `ptr` (not NULL) as a `kind` object and writes its id.
 * GLBUF_ERR_OUT_OF_HOST_MEMORY (the slot array could not grow) or
 * GLBUF_ERR_FULL (all GLBUF_OBJECT_MAX slots are live or retired); nothing
 * changes on failure. O(1) amortised. */
glbuf_result glbuf_objects_insert(glbuf_objects *t, const glbuf_allocator *a, glbuf_object_kind kind,
                                  void *ptr, uint64_t *out_id);

/* The object of `id` if it is alive in this table and of `kind`; else NULL
 * and *why is GLBUF_ERR_INVALID_HANDLE (0, another table's, stale, retired)
 * or GLBUF_ERR_WRONG_KIND. */
void *glbuf_objects_get(const glbuf_objects *t, uint64_t id, glbuf_object_kind kind, glbuf_result *why);

/* Frees the slot of a live id (checked by the caller with _get first); the
 * slot is retired if this id had generation GLBUF_ID_GEN_MAX. */
void glbuf_objects_remove(glbuf_objects *t, uint64_t id);

/* The id of the live object in slot `index`, or 0 when the slot is free,
 * retired or beyond the table; for walks over every live object. */
uint64_t glbuf_objects_id_at(const glbuf_objects *t, uint32_t index);

/* Test hook: sets the generation the next reuse of free slot `index` starts
 * from, so tests reach GLBUF_ID_GEN_MAX without millions of reuses. Returns 0
 * (nothing changed) unless the slot is free and generation < GLBUF_ID_GEN_MAX. */
int glbuf_objects_test_set_generation(glbuf_objects *t, uint32_t index, uint32_t generation);

#endif /* GLBUF_OBJECTS_H */
