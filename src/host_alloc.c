/* host_alloc.c - default and user-supplied host allocation for bookkeeping. */
#include "host_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *default_alloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

int glbuf_allocator_resolve(glbuf_allocator *out, const glbuf_allocator *in)
{
    if ((in->alloc == NULL) != (in->free == NULL)) {
        return 0;
    }
    if (in->alloc == NULL) {
        out->alloc = default_alloc;
        out->free = default_free;
        out->user = NULL;
    } else {
        *out = *in;
    }
    return 1;
}

void *glbuf_host_alloc(const glbuf_allocator *a, size_t size)
{
    if (size == 0) {
        return NULL;
    }
    return a->alloc(size, a->user);
}

void *glbuf_host_calloc(const glbuf_allocator *a, size_t count, size_t size)
{
    if (count == 0 || size == 0 || count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = a->alloc(count * size, a->user);
    if (p != NULL) {
        memset(p, 0, count * size);
    }
    return p;
}

void glbuf_host_free(const glbuf_allocator *a, void *ptr)
{
    if (ptr != NULL) {
        a->free(ptr, a->user);
    }
}
