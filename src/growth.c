/* growth.c - the capacity arithmetic of the growth policies (EXACT, POW2,
 * FACTOR_1_5, FIXED_STEP), shared by every growable store. */
#include <stddef.h>
#include <stdint.h>

#include "glbuf/buffer.h"

#define GL_SIZE_MAX ((uint64_t)PTRDIFF_MAX)
#define DEFAULT_STEP (1024u * 1024u)

uint64_t glbuf_growth_next_capacity(glbuf_growth policy, uint64_t step, uint64_t cap, uint64_t need)
{
    if (need <= cap) {
        return cap;
    }
    uint64_t c = cap;
    switch (policy) {
    case GLBUF_GROWTH_POW2:
        /* Processing doubles the current capacity; from 0 it would loop
         * forever, so start at 1 (which lands on the next power of two). */
        if (c == 0) {
            c = 1;
        }
        while (c < need) {
            if (c > GL_SIZE_MAX / 2) {
                return need;
            }
            c *= 2;
        }
        return c;
    case GLBUF_GROWTH_FACTOR_1_5:
        if (c < 2) {
            c = 2;
        }
        while (c < need) {
            if (c > GL_SIZE_MAX / 3 * 2) {
                return need;
            }
            c += c / 2;
        }
        return c;
    case GLBUF_GROWTH_FIXED_STEP: {
        uint64_t s = step ? step : DEFAULT_STEP;
        if (s > GL_SIZE_MAX || need > GL_SIZE_MAX) {
            return need;
        }
        uint64_t steps = (need - cap + s - 1) / s;
        if (steps > (GL_SIZE_MAX - cap) / s) {
            return need;
        }
        return cap + steps * s;
    }
    case GLBUF_GROWTH_EXACT:
    case GLBUF_GROWTH_COUNT:
    default:
        return need;
    }
}
