/* stream_room.c - how much a stream ring holds now and what an allocation
 * would do (glbuf_stream_room, glbuf_stream_predict): the placement
 * functions glbuf_stream_alloc acts on (stream_ring.c: glbuf_stream_fit,
 * glbuf_stream_decide), run on the state the next allocation would find. */
#include "ctx_internal.h"
#include "glbuf/stream.h"
#include "stream_ring.h"

/* The largest request (guard included) that fits now. Whether a size fits
 * is monotone in the size - a larger request ends no earlier (its position
 * only moves on, to the next lap when it no longer fits before the ring's
 * end) against the same tail - so a bisection over [1, capacity] finds it
 * with the allocation's own test: O(log capacity). */
static uint64_t largest_fit(const stream_state *v, uint64_t align)
{
    uint64_t lo = 0, hi = v->capacity; /* fits(lo) (0: nothing), the answer <= hi */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1u) / 2u;
        stream_fit f;
        glbuf_stream_fit(v, mid, align, &f);
        if (f.fits) {
            lo = mid;
        } else {
            hi = mid - 1u;
        }
    }
    return lo;
}

static glbuf_stream_obj *resolve(glbuf_ctx *ctx, glbuf_stream stream, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, stream.id, GLBUF_KIND_STREAM, why);
}

glbuf_result glbuf_stream_room(glbuf_ctx *ctx, glbuf_stream stream, uint64_t align, uint64_t *out)
{
    glbuf_result r = GLBUF_OK;
    glbuf_stream_obj *s = resolve(ctx, stream, &r);
    if (s == NULL) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (align == 0 || align > s->max_capacity) {
        return GLBUF_ERR_BAD_ALIGNMENT; /* as glbuf_stream_alloc */
    }
    stream_state v;
    glbuf_stream_state_next(s, 1, &v);
    uint64_t room = largest_fit(&v, align);
    *out = room > s->guard ? room - s->guard : 0;
    return GLBUF_OK;
}

glbuf_result glbuf_stream_predict(glbuf_ctx *ctx, glbuf_stream stream, uint64_t size, uint64_t align,
                                  glbuf_fit *out)
{
    glbuf_result r = GLBUF_OK;
    glbuf_stream_obj *s = resolve(ctx, stream, &r);
    if (s == NULL) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    /* Bad input as glbuf_stream_alloc refuses it, in its order. */
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (align == 0 || align > s->max_capacity) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (size > s->max_capacity || s->guard > s->max_capacity - size) {
        return GLBUF_ERR_TOO_LARGE;
    }
    stream_state v;
    glbuf_stream_state_next(s, 1, &v);
    stream_fit f;
    glbuf_stream_fit(&v, size + s->guard, align, &f);
    *out = glbuf_stream_decide(&v, &f);
    return GLBUF_OK;
}
