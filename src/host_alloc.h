/* host_alloc.h - the library's only path to host memory: the allocator hooks. */
#ifndef GLBUF_HOST_ALLOC_H
#define GLBUF_HOST_ALLOC_H

#include <stddef.h>

#include "glbuf/hooks.h"

/* Fills in malloc/free when the hooks are unset. Returns 0 when exactly one of
 * alloc/free is set (a caller error), 1 otherwise. */
int glbuf_allocator_resolve(glbuf_allocator *out, const glbuf_allocator *in);

/* NULL on failure or when size is 0. */
void *glbuf_host_alloc(const glbuf_allocator *a, size_t size);
/* Zero-filled; NULL on failure, on size 0 or when count * size overflows. */
void *glbuf_host_calloc(const glbuf_allocator *a, size_t count, size_t size);
/* NULL is ignored. */
void glbuf_host_free(const glbuf_allocator *a, void *ptr);

#endif /* GLBUF_HOST_ALLOC_H */
