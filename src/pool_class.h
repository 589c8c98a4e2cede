/* pool_class.h - glbuf_pool's size classes: pure arithmetic, no GL, no state.
 *
 * Eight classes per power of two. A size s >= 16 in octave k (2^k <= s <
 * 2^(k+1)) rounds up to a multiple of step = 2^(k-3) = 2^k / 8:
 *
 *     octave [2^k, 2^(k+1)):  8 step | 9 step | ... | 15 step | 16 step = 2^(k+1)
 *
 * so a class size c >= s has c - s < step <= s / 8. Sizes 1..15 are their own
 * classes (exact). Class indices are dense: 0..14 for the sizes 1..15, then
 * 8 per octave from 16 on; class_of(s) for s = 2^(k+1) - 1 may be the first
 * class of the next octave (its size 2^(k+1)). The largest index,
 * POOL_CLASS_COUNT - 1, is the class of 2^63 - 1, whose size 2^63 is beyond
 * GLsizeiptr: a caller creating such a class clamps to the request. */
#ifndef GLBUF_POOL_CLASS_H
#define GLBUF_POOL_CLASS_H

#include <stdint.h>

#define POOL_CLASS_BITS 3u                        /* 2^3 = 8 classes per power of two */
#define POOL_CLASS_EXACT 16u                      /* sizes below are exact classes */
#define POOL_CLASS_FIRST_OCTAVE 4u                /* log2(POOL_CLASS_EXACT) */
#define POOL_CLASS_COUNT (15u + 59u * 8u + 1u)    /* 0..14, 59 octaves 2^4 .. 2^62, 2^63 */

static inline unsigned pool_floor_log2(uint64_t x) /* x > 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (unsigned)__builtin_clzll(x);
#else
    unsigned k = 0;
    while (x >>= 1) {
        k++;
    }
    return k;
#endif
}

/* The class of a request of `size` bytes (size > 0); its size in *class_size
 * (>= size; may be 2^63 for sizes above 2^63 - 2^59). */
static inline uint32_t pool_class_of(uint64_t size, uint64_t *class_size)
{
    if (size < POOL_CLASS_EXACT) {
        *class_size = size;
        return (uint32_t)(size - 1u);
    }
    unsigned k = pool_floor_log2(size);
    unsigned shift = k - POOL_CLASS_BITS;
    uint64_t m = (size >> shift) + ((size & (((uint64_t)1 << shift) - 1u)) != 0); /* 8 .. 16 */
    *class_size = m << shift;
    return (uint32_t)(15u + (k - POOL_CLASS_FIRST_OCTAVE) * 8u + (uint32_t)(m - 8u));
}

/* The size of class `idx` (< POOL_CLASS_COUNT), bytes. */
static inline uint64_t pool_class_size(uint32_t idx)
{
    if (idx < 15u) {
        return (uint64_t)idx + 1u;
    }
    uint32_t j = idx - 15u;
    unsigned k = POOL_CLASS_FIRST_OCTAVE + j / 8u;
    uint64_t m = 8u + j % 8u;
    return m << (k - POOL_CLASS_BITS);
}

/* The reuse bound of pool.h: a buffer of `capacity` bytes may serve a
 * request of `size` bytes iff size <= capacity and capacity - size < size / 4
 * (in exact arithmetic: 4 (capacity - size) < size). */
static inline int pool_fits(uint64_t capacity, uint64_t size)
{
    return capacity >= size && (capacity - size) < size / 4u + (size % 4u != 0);
}

#endif /* GLBUF_POOL_CLASS_H */
