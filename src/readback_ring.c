/* readback_ring.c - glbuf_readback's rings: their GL storage (persistent
 * MAP_READ mapping, or a mutable buffer with a host mirror), placement with
 * growth, trim by the frame clock, the PBO-style fetch of a completed
 * request, and the invariant check of the validation switch. */
#include <stdint.h>
#include <string.h>

#include "gl_ops.h"
#include "glbuf_assert.h"
#include "host_alloc.h"
#include "pow2.h"
#include "readback_internal.h"

#define NONE GLBUF_READBACK_NONE

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
    /* The fence has signalled: the copy is done, so this map does not stall.
     * NULL says it failed (no glGetError but under validation: ctx.h). */
    const void *p = glbuf_gl_map_range(ctx, g->name, offset, (size_t)s->size, GL_MAP_READ_BIT);
    glbuf_validate(ctx, "glMapBufferRange (readback fetch)", rb->label);
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

/* ---- placement, growth and trim ----------------------------------------------------- */

void glbuf_readback_ring_drop(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_ring *g)
{
    rb->stats.bytes_held -= g->capacity;
    glbuf_readback_ring_destroy(ctx, rb, g);
}

/* Requests go to a new ring of `capacity` bytes from now on; the old one is
 * deleted at once if no request is in it, else kept (mapped) until its last
 * request is released. On failure the old ring stays current. */
static glbuf_result replace_ring(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t capacity)
{
    readback_ring *g = NULL;
    glbuf_result r = glbuf_readback_ring_create(ctx, rb, capacity, &g);
    if (r != GLBUF_OK) {
        return r;
    }
    readback_ring *old = rb->ring;
    rb->ring = g;
    rb->stats.bytes_held += capacity;
    rb->stats.capacity = capacity;
    if (old->first == NONE) {
        glbuf_readback_ring_drop(ctx, rb, old);
    } else {
        old->next = rb->retired;
        rb->retired = old;
        rb->stats.rings_retired++;
    }
    rb->frame_peak = 0;
    rb->low_frames = 0;
    rb->low_peak = 0;
    return GLBUF_OK;
}

/* The capacity that holds what the ring holds now plus `size`, twice over,
 * and at least doubles; capped at max_capacity. */
static uint64_t grown_capacity(const glbuf_readback_obj *rb, uint64_t size)
{
    const readback_ring *g = rb->ring;
    uint64_t need = glbuf_pow2_ceil((g->head - g->tail) + size);
    uint64_t cap = need <= rb->max_capacity / 2 ? need * 2 : rb->max_capacity;
    if (cap < g->capacity * 2) {
        cap = g->capacity * 2;
    }
    return cap < rb->max_capacity ? cap : rb->max_capacity;
}

/* Finds room for `size` bytes in the current ring, growing it if the bytes
 * held by unreleased requests leave too little. Never waits. */
glbuf_result glbuf_readback_place(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t size, uint64_t *out_at)
{
    for (;;) {
        readback_ring *g = rb->ring;
        if (g->first == NONE) {
            /* Empty: start where the request fits, so the bytes skipped at
             * the ring's end do not count against it. */
            g->head = g->tail = glbuf_readback_ring_fit(g, size);
        }
        uint64_t at = glbuf_readback_ring_fit(g, size);
        if (at + size - g->tail <= g->capacity) {
            *out_at = at;
            return GLBUF_OK;
        }
        if (g->capacity >= rb->max_capacity) {
            return GLBUF_ERR_FULL;
        }
        uint64_t old = g->capacity;
        glbuf_result r = replace_ring(ctx, rb, grown_capacity(rb, size));
        if (r != GLBUF_OK) {
            return r;
        }
        rb->stats.growths++;
        glbuf_log(ctx, GLBUF_LOG_INFO, "'%s': readback ring grown from %llu to %llu bytes (%u requests held)",
                  rb->label, (unsigned long long)old, (unsigned long long)rb->ring->capacity,
                  rb->stats.live_requests);
    }
}

/* ---- trim: the frame clock's view of use ------------------------------------------ */

static void note_use(glbuf_readback_obj *rb, uint64_t in_use, uint64_t quarter, uint64_t frames)
{
    if (in_use <= quarter) {
        uint64_t n = rb->low_frames + frames;
        rb->low_frames = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        if (in_use > rb->low_peak) {
            rb->low_peak = in_use;
        }
    } else {
        rb->low_frames = 0;
        rb->low_peak = 0;
    }
}

/* At the first copy of a frame: closes the books of the frames since the
 * last copy. The frame of that copy had its peak; the frames without a copy
 * after it had at most the use left now (only releases happened). */
static void note_frames(const glbuf_ctx *ctx, glbuf_readback_obj *rb)
{
    if (ctx->frame == rb->frame) {
        return;
    }
    const readback_ring *g = rb->ring;
    uint64_t quarter = g->capacity / 4u;
    uint64_t in_use = g->head - g->tail;
    note_use(rb, rb->frame_peak, quarter, 1);
    if (ctx->frame - rb->frame > 1) {
        note_use(rb, in_use, quarter, ctx->frame - rb->frame - 1);
    }
    rb->frame = ctx->frame;
    rb->frame_peak = in_use;
}

/* After trim_frames frames of low use, new requests go to a ring of twice
 * the most used in them (not below the initial capacity, nor below twice the
 * request at hand, which would only grow it again). A failure to make the
 * smaller ring is logged by the GL check and changes nothing. */
void glbuf_readback_trim_check(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint64_t size)
{
    note_frames(ctx, rb);
    uint64_t old = rb->ring->capacity;
    if (rb->low_frames < rb->trim_frames || old <= rb->initial_capacity) {
        return;
    }
    uint64_t cap = glbuf_pow2_ceil(rb->low_peak * 2u);
    if (cap < rb->initial_capacity) {
        cap = rb->initial_capacity;
    }
    if (cap < glbuf_pow2_ceil(size * 2u)) {
        cap = glbuf_pow2_ceil(size * 2u);
    }
    rb->low_frames = 0;
    rb->low_peak = 0;
    if (cap < old && replace_ring(ctx, rb, cap) == GLBUF_OK) {
        rb->stats.trims++;
        glbuf_log(ctx, GLBUF_LOG_INFO, "'%s': readback ring trimmed from %llu to %llu bytes", rb->label,
                  (unsigned long long)old, (unsigned long long)cap);
    }
}

/* ---- validation ---------------------------------------------------------------------- */

static void check_ring(const glbuf_readback_obj *rb, const readback_ring *g, uint64_t *live, uint32_t *live_count)
{
    GLBUF_ASSERT(glbuf_is_pow2(g->capacity));
    GLBUF_ASSERT(g->tail <= g->head && g->head - g->tail <= g->capacity);
    GLBUF_ASSERT((g->first == NONE) == (g->entries == 0));
    uint32_t n = 0;
    uint64_t pos = g->tail;
    for (uint32_t i = g->first; i != NONE; i = rb->slots[i].next) {
        const readback_slot *s = &rb->slots[i];
        GLBUF_ASSERT(i < rb->slot_count && s->ring == g && s->state != SLOT_FREE);
        GLBUF_ASSERT(s->at >= pos && s->at + s->size <= g->head && s->at % GLBUF_READBACK_ALIGN == 0);
        GLBUF_ASSERT((s->at & (g->capacity - 1u)) + s->size <= g->capacity);
        GLBUF_ASSERT(n > 0 || s->state == SLOT_LIVE); /* released fronts are given back at once */
        pos = s->at + s->size;
        if (s->state == SLOT_LIVE) {
            *live += s->size;
            ++*live_count;
        }
        n++;
        GLBUF_ASSERT(n <= g->entries);
    }
    GLBUF_ASSERT(n == g->entries);
    (void)pos; /* read only by the asserts */
    (void)n;
}

/* Under the context's validation switch: every ring's request list agrees
 * with its positions and with the statistics. */
void glbuf_readback_check_invariants(const glbuf_ctx *ctx, const glbuf_readback_obj *rb)
{
    if (!ctx->validation) {
        return;
    }
    uint64_t live = 0, held = rb->ring->capacity;
    uint32_t live_count = 0, retired = 0;
    check_ring(rb, rb->ring, &live, &live_count);
    for (const readback_ring *g = rb->retired; g != NULL; g = g->next) {
        GLBUF_ASSERT(g->entries > 0); /* an emptied retired ring is deleted at once */
        check_ring(rb, g, &live, &live_count);
        held += g->capacity;
        retired++;
    }
    GLBUF_ASSERT(live == rb->stats.bytes_live && live_count == rb->stats.live_requests);
    GLBUF_ASSERT(held == rb->stats.bytes_held && retired == rb->stats.rings_retired);
    (void)live;
    (void)held;
    (void)live_count;
    (void)retired;
}
