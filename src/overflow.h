/* overflow.h - the one decision behind every overflow policy (glbuf/overflow.h):
 * what an allocation that does not fit now does, given what could make room.
 * glbuf_stream and glbuf_mega call it both when allocating and when
 * predicting, so a prediction is the decision the allocation takes. */
#ifndef GLBUF_OVERFLOW_INTERNAL_H
#define GLBUF_OVERFLOW_INTERNAL_H

#include <stdint.h>

#include "glbuf/overflow.h"

/* fits_now: free bytes hold the request; wait_makes_room: it would fit once
 * the frames in flight that hold bytes have completed; growth_makes_room:
 * a growth within max_capacity would hold it. */
glbuf_fit glbuf_overflow_decide(glbuf_overflow policy, int fits_now, int wait_makes_room, int growth_makes_room);

#endif /* GLBUF_OVERFLOW_INTERNAL_H */
