/* readback_internal.h - the object behind a glbuf_readback handle, shared by
 * readback.c (handles, requests, public API) and readback_ring.c (the rings'
 * GL storage, placement and the PBO-style fetch). */
#ifndef GLBUF_READBACK_INTERNAL_H
#define GLBUF_READBACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ctx_internal.h"
#include "glbuf/readback.h"

#define GLBUF_READBACK_ALIGN 64u /* bytes: every request's offset and data pointer */
#define GLBUF_READBACK_NONE UINT32_MAX

/* Positions are virtual, as in the stream ring: they only grow, and the byte
 * at position p lives at offset p & (capacity - 1). [tail, head) is held by
 * requests not yet given back (released ones behind an unreleased older one
 * included); a request never straddles the ring's end. */
typedef struct readback_ring readback_ring;
struct readback_ring {
    GLuint name;
    uint64_t capacity;  /* bytes, a power of two */
    uint8_t *base;      /* the persistent mapping, or the host mirror (PBO-style) */
    void *mirror_block; /* PBO-style: the host block base was aligned within */
    uint64_t head, tail; /* positions */
    uint32_t first, last; /* its requests in placement order (slot indices), NONE when empty */
    uint32_t entries;     /* requests in that list */
    readback_ring *next;  /* retired list */
};

enum { SLOT_FREE = 0, SLOT_LIVE = 1, SLOT_RELEASED = 2 };

typedef struct readback_slot {
    readback_ring *ring;
    GLsync sync;         /* the copy's fence; NULL once seen signalled */
    uint64_t at;         /* ring position */
    uint64_t size;       /* bytes */
    uint32_t generation; /* 1 .. GLBUF_ID_GEN_MAX */
    uint32_t next;       /* next in its ring's list, or in the free list */
    uint8_t state;       /* SLOT_* */
    uint8_t complete;    /* the fence was seen signalled */
    uint8_t fetched;     /* PBO-style: the bytes are in the mirror */
    uint8_t lost;        /* PBO-style: glUnmapBuffer reported the bytes lost */
} readback_slot;

typedef struct glbuf_readback_obj {
    uint32_t owner;        /* handle owner of the requests (owner_ids.h) */
    int persistent;
    GLbitfield storage_flags, map_access; /* persistent ring */
    int barrier;           /* glMemoryBarrier before each fence */
    uint64_t initial_capacity, max_capacity; /* bytes, powers of two */
    uint32_t trim_frames;
    readback_ring *ring;    /* where requests go */
    readback_ring *retired; /* replaced rings holding unreleased requests */
    readback_slot *slots;
    uint32_t slot_count, slot_capacity, free_head;
    uint64_t frame;         /* frame of the last copy (trim bookkeeping) */
    uint64_t frame_peak;    /* most bytes in use in the current ring during it */
    uint32_t low_frames;    /* consecutive frames with at most a quarter in use */
    uint64_t low_peak;      /* most bytes in use during those frames */
    glbuf_readback_stats stats;
    char label[48];
} glbuf_readback_obj;

/* ---- readback_ring.c ---- */

/* A ring of `capacity` bytes with its GL store (and mapping, or host
 * mirror). Nothing is left behind on failure. */
glbuf_result glbuf_readback_ring_create(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t capacity,
                                        readback_ring **out);
void glbuf_readback_ring_destroy(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_ring *g);

/* The position a request of `size` bytes would get: aligned, wrapped to the
 * next lap rather than straddling the end. */
uint64_t glbuf_readback_ring_fit(const readback_ring *g, uint64_t size);

/* Unmaps and deletes a replaced ring whose last request went, and takes its
 * bytes out of the statistics. */
void glbuf_readback_ring_drop(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_ring *g);

/* Finds room for `size` bytes in the current ring (growing it when the bytes
 * held by unreleased requests leave too little) and returns the position.
 * Never waits. GLBUF_ERR_FULL at max_capacity; growth failures (the old ring
 * kept). */
glbuf_result glbuf_readback_place(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t size, uint64_t *out_at);

/* At a copy: closes the books of the frames since the last copy and, after
 * trim_frames frames of low use, moves new requests to a smaller ring. */
void glbuf_readback_trim_check(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t size);

/* Under the context's validation switch: every ring's request list agrees
 * with its positions and with the statistics (GLBUF_ASSERT). */
void glbuf_readback_check_invariants(const glbuf_ctx *ctx, const glbuf_readback_obj *rb);

/* PBO-style: maps the slot's range for reading, copies it into the mirror,
 * unmaps. GLBUF_OK, GLBUF_ERR_MAP_FAILED or GLBUF_ERR_CONTENTS_LOST. */
glbuf_result glbuf_readback_ring_fetch(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_slot *s);

/* ---- readback.c ---- */

/* Frees a live readback object and everything it holds (for the context's
 * destruction of objects left alive); its table slot is the caller's. */
void glbuf_readback_free_object(glbuf_ctx *ctx, glbuf_readback_obj *rb);

#endif /* GLBUF_READBACK_INTERNAL_H */
