/* readback_ring.c - the GL side of glbuf_readback's rings: storage (persistent
 * MAP_READ mapping, or a mutable buffer with a host mirror), placement, and
 * the PBO-style fetch of a completed request. */
#include <stdint.h>
#include <string.h>

#include "gl_ops.h"
#include "host_alloc.h"
#include "readback_internal.h"

void glbuf_readback_ring_destroy(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_ring *g)
{
    if (rb->persistent && g->base != NULL) {
        (void)glbuf_gl_unmap(ctx, g->name);
    }
    glbuf_gl_delete(ctx, g->name);
    glbuf_host_free(&ctx->allocator, g->mirror_block);
    glbuf_host_free(&ctx->allocator, g);
}

glbuf_result glbuf_readback_ring_create(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t capacity,
                                        readback_ring **out)
{
    readback_ring *g = glbuf_host_calloc(&ctx->allocator, 1, sizeof *g);
    if (g == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    g->capacity = capacity;
    g->first = g->last = GLBUF_READBACK_NONE;
    if (!rb->persistent) {
        /* One alignment's worth more, so that the mirror's base, like a
         * mapping's, is 64-byte aligned. */
        g->mirror_block = glbuf_host_alloc(&ctx->allocator, (size_t)capacity + GLBUF_READBACK_ALIGN);
        if (g->mirror_block == NULL) {
            glbuf_host_free(&ctx->allocator, g);
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
        uintptr_t p = (uintptr_t)g->mirror_block;
        g->base = (uint8_t *)g->mirror_block + ((GLBUF_READBACK_ALIGN - p % GLBUF_READBACK_ALIGN) % GLBUF_READBACK_ALIGN);
    }
    glbuf_gl_store_desc store = {(size_t)capacity, rb->storage_flags, rb->map_access, GL_STREAM_READ, "readback ring",
                                 rb->label};
    if (!rb->persistent) {
        store.storage_flags = 0;
    }
    void *map = NULL;
    glbuf_result r = glbuf_gl_create_store(ctx, &store, &g->name, &map);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, g->mirror_block);
        glbuf_host_free(&ctx->allocator, g);
        return r;
    }
    if (rb->persistent) {
        g->base = map;
    }
    *out = g;
    return GLBUF_OK;
}

/*  [ ... head | pad to 64 | size ]  or, when that crosses the end,
 *  [ size ... at offset 0 of the next lap. */
uint64_t glbuf_readback_ring_fit(const readback_ring *g, uint64_t size)
{
    uint64_t at = (g->head + GLBUF_READBACK_ALIGN - 1u) & ~(uint64_t)(GLBUF_READBACK_ALIGN - 1u);
    if ((at & (g->capacity - 1u)) + size > g->capacity) {
        at = (at | (g->capacity - 1u)) + 1u;
    }
    return at;
}

glbuf_result glbuf_readback_ring_fetch(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_slot *s)
{
    readback_ring *g = s->ring;
    size_t offset = (size_t)(s->at & (g->capacity - 1u));
    glbuf_gl_drain(ctx);
    /* The fence has signalled: the copy is done, so this map does not stall. */
    const void *p = glbuf_gl_map_range(ctx, g->name, offset, (size_t)s->size, GL_MAP_READ_BIT);
    (void)glbuf_gl_check(ctx, "glMapBufferRange (readback fetch)", rb->label);
    if (p == NULL) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': mapping a completed request for reading failed", rb->label);
        return GLBUF_ERR_MAP_FAILED;
    }
    memcpy(g->base + offset, p, (size_t)s->size);
    if (glbuf_gl_unmap(ctx, g->name) == GL_FALSE) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glUnmapBuffer returned GL_FALSE: a request's bytes are undefined",
                  rb->label);
        s->lost = 1;
        return GLBUF_ERR_CONTENTS_LOST;
    }
    rb->stats.fetches++;
    s->fetched = 1;
    return GLBUF_OK;
}
