/* overflow.c - the overflow policies' decision table (overflow.h). */
#include "overflow.h"

glbuf_fit glbuf_overflow_decide(glbuf_overflow policy, int fits_now, int wait_makes_room, int growth_makes_room)
{
    if (fits_now) {
        return GLBUF_FIT_NOW;
    }
    switch (policy) {
    case GLBUF_OVERFLOW_WAIT_THEN_GROW:
        return wait_makes_room ? GLBUF_FIT_WAIT : growth_makes_room ? GLBUF_FIT_GROW : GLBUF_FIT_FULL;
    case GLBUF_OVERFLOW_GROW:
        return growth_makes_room ? GLBUF_FIT_GROW : wait_makes_room ? GLBUF_FIT_WAIT : GLBUF_FIT_FULL;
    case GLBUF_OVERFLOW_WAIT:
        return wait_makes_room ? GLBUF_FIT_WAIT : GLBUF_FIT_FULL;
    case GLBUF_OVERFLOW_FAIL:
    case GLBUF_OVERFLOW_COUNT:
    default:
        return GLBUF_FIT_FULL;
    }
}
