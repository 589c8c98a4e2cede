/* wc_copy.c - streaming copies into write-combined memory (wc_copy.h). */
#include "wc_copy.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>

void glbuf_copy_streaming(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (n < 64) {
        memcpy(d, s, n);
        return;
    }
    /* Head up to a 16-byte boundary of dst with ordinary stores. */
    size_t head = (size_t)(-(uintptr_t)d & 15u);
    memcpy(d, s, head);
    d += head;
    s += head;
    n -= head;
    /* Four streaming stores per 64 bytes: a whole cache line per round when
     * dst is line-aligned, which lets the combining buffer go out as one
     * burst. */
    while (n >= 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + 0));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
        __m128i e = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
        _mm_stream_si128((__m128i *)(void *)(d + 0), a);
        _mm_stream_si128((__m128i *)(void *)(d + 16), b);
        _mm_stream_si128((__m128i *)(void *)(d + 32), c);
        _mm_stream_si128((__m128i *)(void *)(d + 48), e);
        d += 64;
        s += 64;
        n -= 64;
    }
    while (n >= 16) {
        _mm_stream_si128((__m128i *)(void *)d, _mm_loadu_si128((const __m128i *)(const void *)s));
        d += 16;
        s += 16;
        n -= 16;
    }
    memcpy(d, s, n);
    /* Streaming stores are weakly ordered: fence them before anything that
     * tells the GPU the bytes are there (a GL call, a fence). */
    _mm_sfence();
}

#else

void glbuf_copy_streaming(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
}

#endif
