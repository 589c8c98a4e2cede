/* wc_copy.h - copying into write-combined memory (the persistent mappings of
 * a discrete GPU's drivers: uncached, written through the CPU's combining
 * buffers). */
#ifndef GLBUF_WC_COPY_H
#define GLBUF_WC_COPY_H

#include <stddef.h>

/* Copies n bytes like memcpy, with non-temporal (streaming) 16-byte stores
 * for everything past the first 16-byte boundary of dst, then an sfence, so
 * every line reaches memory as one full write and none is read first. On
 * targets without SSE2 it is memcpy. Best for write-combined destinations at
 * any size, and for cached ones far larger than the caches; worse than
 * memcpy for cached destinations that are read again soon. */
void glbuf_copy_streaming(void *dst, const void *src, size_t n);

#endif /* GLBUF_WC_COPY_H */
