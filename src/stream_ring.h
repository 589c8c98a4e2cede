/* stream_ring.h - the streaming ring's state and machinery, shared by the
 * handle layer (stream.c: glbuf_stream's API and stream_internal.h's) and
 * the ring itself (stream_ring.c: rings, frames, regions, growth, shrinking,
 * cuts, placement of a request). */
#ifndef GLBUF_STREAM_RING_H
#define GLBUF_STREAM_RING_H

#include "ctx_internal.h"
#include "glbuf/overflow.h"
#include "glbuf/stream.h"
#include "guard.h"

#define STREAM_MAX_REGIONS 32u

/* Positions are virtual: they only grow, and the byte at position p lives at
 * offset p & (capacity - 1) of the ring (capacities are powers of two). The
 * bytes in use are [tail, head); a request never straddles the end of the
 * ring, so every allocation is contiguous in GL. */
typedef struct stream_ring stream_ring;
struct stream_ring {
    GLuint name;
    uint64_t capacity;    /* bytes, a power of two */
    uint8_t *base;        /* the persistent mapping, or host staging (fallback) */
    uint64_t head;        /* position of the next free byte */
    uint64_t flushed;     /* position up to which writes were flushed/uploaded */
    uint64_t last_frame;  /* retired rings: deleted once this frame completed */
    int needs_orphan;     /* fallback: written in an earlier frame, not yet orphaned */
    stream_ring *next;    /* retired list */
};

/* The allocations of one ended frame, or of the part of the current frame
 * closed by glbuf_stream_obj_cut: [previous region's end, end). A region is
 * retired when its frame has completed or, for a cut, when its own fence has
 * signalled, whichever comes first. */
typedef struct stream_region {
    uint64_t frame;
    uint64_t end; /* position */
    GLsync sync;  /* a cut's fence; NULL for a frame's region */
} stream_region;

typedef struct glbuf_stream_obj glbuf_stream_obj;

/* The object behind a glbuf_stream handle (in the context's object table). */
struct glbuf_stream_obj {
    uint32_t kind; /* STREAM_KIND while alive: first, so any manager can be told apart */
    glbuf_ctx *ctx;
    int persistent;
    int explicit_flush;
    uint32_t frames_in_flight;
    uint64_t max_capacity;   /* bytes, a power of two */
    stream_ring *ring;       /* where allocations go */
    stream_ring *retired;    /* replaced rings waiting for their last frame's fence */
    uint64_t frame;          /* frame of the open region; 0 before the first allocation */
    uint64_t frame_begin;    /* position where the open region starts */
    uint64_t frame_bytes;    /* bytes the open region asked for, for growth sizing */
    uint64_t frame_total;    /* bytes the open frame asked for, cuts included */
    int frame_counted;
    uint64_t initial_capacity;  /* bytes: the ring never shrinks below it */
    uint32_t trim_after_frames; /* 0: never shrink */
    uint64_t low_since;      /* first frame of the current run of frames well under capacity; 0: none */
    uint64_t low_peak;       /* bytes: the largest frame of that run */
    uint64_t tail;           /* position: everything before it is retired */
    stream_region regions[STREAM_MAX_REGIONS]; /* ended frames of `ring`, oldest first */
    unsigned region_head, region_count;
    glbuf_stream_stats stats;
    char label[48];
    glbuf_overflow overflow; /* when a request does not fit (overflow.h) */
    uint64_t guard;          /* guard bytes after each allocation (guard.h); 0: none */
    glbuf_guard_list guards; /* with guard bytes: this frame's allocations */
};

/* a * b, or UINT64_MAX when it overflows. */
static inline uint64_t glbuf_stream_sat_mul(uint64_t a, uint64_t b)
{
    return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}

/* A ring of `capacity` bytes with its storage (and mapping); nothing is left
 * behind on failure. */
glbuf_result glbuf_stream_ring_create(glbuf_stream_obj *s, uint64_t capacity, stream_ring **out);
/* Unmaps and deletes the ring's buffer, frees it. */
void glbuf_stream_ring_destroy(glbuf_stream_obj *s, stream_ring *g);
/* Forgets every region, deleting cut fences (the ring goes, or is replaced). */
void glbuf_stream_drop_regions(glbuf_stream_obj *s);
/* The first allocation after the frame clock moved: closes the previous
 * frame's region, retires what is known complete, may shrink the ring. */
glbuf_result glbuf_stream_begin_frame(glbuf_stream_obj *s);
/* ---- placement, shared by allocation and the overflow queries (stream_room.c) ---- */

/* A stream as a request finds it (positions as above). */
typedef struct stream_state {
    uint64_t capacity, max_capacity; /* bytes */
    uint64_t head, frame_begin, tail;
    unsigned regions;                /* regions in flight (not retired) */
    int persistent;
    glbuf_overflow overflow;
} stream_state;

/* Where a request of `size` bytes at `align` goes in that state, and what
 * it needs. A frame with nothing allocated yet ("fresh") first moves its
 * start to `start`; with nothing in flight the tail follows it. */
typedef struct stream_fit {
    int fresh;
    uint64_t start;      /* fresh: the frame's new start (and head) */
    uint64_t skipped;    /* fresh: bytes skipped to get there, counted in bytes_skipped */
    uint64_t tail;       /* the tail once the frame starts there */
    uint64_t at, end;    /* the request's positions */
    int fits;            /* it fits now */
    int wait_makes_room; /* it fits once every region in flight is retired */
} stream_fit;

void glbuf_stream_fit(const stream_state *v, uint64_t size, uint64_t align, stream_fit *out);
/* What the overflow policy makes of a fit: GLBUF_FIT_NOW, _WAIT, _GROW, _FULL. */
glbuf_fit glbuf_stream_decide(const stream_state *v, const stream_fit *f);
/* The state the next allocation would find, changing nothing: the frame it
 * begins when the clock moved (the region it closes, the ring it may shrink
 * to), and the regions retired by the fences polled now (`poll`, GL calls)
 * or known complete. */
void glbuf_stream_state_next(glbuf_stream_obj *s, int poll, stream_state *v);

/* Finds room for a request (waits for old regions, or grows, as the
 * overflow policy says): its position. */
glbuf_result glbuf_stream_place(glbuf_stream_obj *s, uint64_t size, uint64_t align, uint64_t *out_at);
/* Fallback: gives the GL store up so this frame writes to fresh memory. */
glbuf_result glbuf_stream_orphan(glbuf_stream_obj *s);
/* Flushes or uploads [flushed, head) of one ring. */
void glbuf_stream_flush_ring(glbuf_stream_obj *s, stream_ring *g);
/* glbuf_stream_obj_cut's work on a resolved, checked stream (stream_internal.h). */
glbuf_result glbuf_stream_cut(glbuf_stream_obj *s);

#endif /* GLBUF_STREAM_RING_H */
