/* objects.h - the per-context table behind object handles: a slot index and a
 * generation in 32 bits, so a handle to a destroyed object is caught with one
 * compare and never dereferenced. Slots also record the object's kind. */
#ifndef GLBUF_OBJECTS_H
#define GLBUF_OBJECTS_H

#include <stdint.h>

#include "glbuf/hooks.h"
#include "glbuf/result.h"

/*  id = [ generation : 12 ][ slot index : 20 ]; generation never 0, so id 0
 *  is never valid. At most 2^20 objects are alive at once per context. */
#define GLBUF_OBJECT_INDEX_BITS 20u
#define GLBUF_OBJECT_MAX (1u << GLBUF_OBJECT_INDEX_BITS)

typedef enum glbuf_object_kind {
    GLBUF_KIND_NONE = 0,
    GLBUF_KIND_BUFFER = 1,
    GLBUF_KIND_READBACK = 5 /* after MEGA, STREAM, POOL (2..4) of the handle conversion */
} glbuf_object_kind;

typedef struct glbuf_object_slot {
    void *ptr;
    uint32_t next_free;   /* free-list link, valid while ptr == NULL */
    uint16_t generation;  /* 1..4095 */
    uint8_t kind;         /* glbuf_object_kind, NONE when free */
} glbuf_object_slot;

typedef struct glbuf_objects {
    glbuf_object_slot *slots;
    uint32_t used;        /* slots ever handed out */
    uint32_t capacity;    /* slots allocated */
    uint32_t free_head;   /* UINT32_MAX when empty */
    uint32_t live;
    uint16_t tag;         /* first generation of every slot: differs per table,
                             so a handle from another context is rejected */
} glbuf_objects;

void glbuf_objects_init(glbuf_objects *t);
void glbuf_objects_release(glbuf_objects *t, const glbuf_allocator *a);

/* GLBUF_ERR_OUT_OF_HOST_MEMORY (table growth failed) or GLBUF_ERR_FULL (2^20
 * live objects); nothing changes on failure. */
glbuf_result glbuf_objects_insert(glbuf_objects *t, const glbuf_allocator *a, glbuf_object_kind kind,
                                  void *ptr, uint32_t *out_id);

/* The object of `id` if it is alive and of `kind`; else NULL and *why is
 * GLBUF_ERR_INVALID_HANDLE or GLBUF_ERR_WRONG_KIND. A handle from another
 * table is rejected unless its slot and generation happen to match one here
 * (tables made one after another start their generations 389 apart, mod 4095). */
void *glbuf_objects_get(const glbuf_objects *t, uint32_t id, glbuf_object_kind kind, glbuf_result *why);

/* Frees the slot of a live id (checked by the caller with _get first). */
void glbuf_objects_remove(glbuf_objects *t, uint32_t id);

#endif /* GLBUF_OBJECTS_H */
