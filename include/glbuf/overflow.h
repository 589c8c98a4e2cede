/* overflow.h - what glbuf_stream and glbuf_mega do when a request does not
 * fit, chosen per object in its desc, and how a caller asks beforehand.
 *
 * A request "fits now" when free bytes hold it, counting every frame whose
 * fence a non-blocking poll finds signalled. When it does not, two things
 * can make room:
 *   - waiting: blocking on the fences of frames in flight until the bytes
 *     they hold come back (stream: regions of ended frames; megabuffer: the
 *     frees of ended frames). The frame being recorded never comes back by
 *     waiting;
 *   - growing: bigger storage, up to the desc's max_capacity (stream: a new
 *     ring, the old one retired with its frames; megabuffer: new storage and
 *     a GPU copy, pointers re-fetched).
 * The policy says which of them the allocation may use, and in what order;
 * a request that fits now is always GLBUF_FIT_NOW:
 *
 *   WAIT_THEN_GROW  FIT_WAIT if waiting makes room, else FIT_GROW if growth can
 *   GROW            FIT_GROW if growth can make room, else FIT_WAIT if waiting does
 *   WAIT            FIT_WAIT if waiting makes room
 *   FAIL            never waits, never grows
 *
 * and FIT_FULL otherwise: the allocation returns GLBUF_ERR_FULL and changes
 * nothing (no wait, no growth, no GL call besides the poll). Growth "can
 * make room" while the storage is below max_capacity (a megabuffer also
 * needs a growth policy other than GLBUF_MEGA_GROW_NONE, and a store of at
 * most max_capacity whose new tail holds the request). The default,
 * WAIT_THEN_GROW, is what both modules did before the policy existed:
 * waiting first, because the bytes of frames in flight come back by
 * themselves within a few frames while growth keeps memory for good (and,
 * for a megabuffer, copies everything once).
 *
 * glbuf_X_predict answers with the outcome the allocation would have now;
 * glbuf_X_room with the largest request that fits now. Both poll the
 * fences without blocking, as the allocation itself does first. Until the
 * caller next allocates, frees or ends the frame, a GLBUF_FIT_NOW (and the
 * room) stays true; any other answer may turn into GLBUF_FIT_NOW, and into
 * nothing else, when the GPU completes a frame in between. A predicted FIT_WAIT or FIT_GROW can
 * still end otherwise when the wait or the growth fails (a failed fence, no
 * GPU memory): the allocation then tries what the policy allows next and
 * returns the failure's code if nothing works. */
#ifndef GLBUF_OVERFLOW_H
#define GLBUF_OVERFLOW_H

#ifdef __cplusplus
extern "C" {
#endif

/* glbuf_stream_desc.overflow, glbuf_mega_desc.overflow. */
typedef enum glbuf_overflow {
    GLBUF_OVERFLOW_WAIT_THEN_GROW = 0, /* default: wait when that makes room, else grow */
    GLBUF_OVERFLOW_GROW,               /* grow rather than wait; wait only at max_capacity */
    GLBUF_OVERFLOW_WAIT,               /* wait, never grow: memory stays at its capacity */
    GLBUF_OVERFLOW_FAIL,               /* neither: GLBUF_ERR_FULL, never blocks, never grows */
    GLBUF_OVERFLOW_COUNT
} glbuf_overflow;

/* What an allocation of a given size and alignment would do now. */
typedef enum glbuf_fit {
    GLBUF_FIT_NOW = 0, /* free bytes hold it: no wait, no growth */
    GLBUF_FIT_WAIT,    /* it would block on frame fences until bytes come back */
    GLBUF_FIT_GROW,    /* it would grow the storage */
    GLBUF_FIT_FULL     /* it would return GLBUF_ERR_FULL and change nothing */
} glbuf_fit;

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_OVERFLOW_H */
