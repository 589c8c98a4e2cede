/* pow2.h - power-of-two arithmetic shared by the rings (stream, readback). */
#ifndef GLBUF_POW2_H
#define GLBUF_POW2_H

#include <stdint.h>

static inline int glbuf_is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* The smallest power of two >= x (1 for 0); 2^63 when x is above it. */
static inline uint64_t glbuf_pow2_ceil(uint64_t x)
{
    uint64_t p = 1;
    while (p < x && p <= UINT64_MAX / 2) {
        p *= 2;
    }
    return p;
}

/* The largest power of two <= x (1 for 0). */
static inline uint64_t glbuf_pow2_floor(uint64_t x)
{
    uint64_t p = 1;
    while (p <= x / 2) {
        p *= 2;
    }
    return p;
}

#endif /* GLBUF_POW2_H */
