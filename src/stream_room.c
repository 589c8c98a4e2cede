/* stream_room.c - how much a stream ring holds now and what an allocation
 * would do (glbuf_stream_room, glbuf_stream_predict): the decisions of
 * stream.c's place(), taken on a view of the stream instead of the stream. */
#include "stream_room.h"

#include "ctx_internal.h"
#include "glbuf/stream.h"
#include "overflow.h"
#include "pow2.h"

uint64_t glbuf_stream_fit_at(uint64_t head, uint64_t capacity, uint64_t size, uint64_t align)
{
    uint64_t at = (head + align - 1u) & ~(align - 1u);
    if ((at & (capacity - 1u)) + size > capacity) {
        at = (at | (capacity - 1u)) + 1u;
    }
    return at;
}

/* place(): a frame that has nothing yet starts at the request's position, and
 * with no region in flight the ring is free up to there. */
static glbuf_fit view_decide(const glbuf_stream_view *v, uint64_t size, uint64_t align)
{
    uint64_t frame_begin = v->frame_begin, tail = v->tail;
    uint64_t at = glbuf_stream_fit_at(v->head, v->capacity, size, align);
    if (v->head == v->frame_begin) {
        frame_begin = at;
        if (v->in_flight == 0) {
            tail = at;
        }
    }
    uint64_t end = at + size;
    int fits_now = end - tail <= v->capacity;
    int wait_makes_room = end - frame_begin <= v->capacity; /* once every region in flight is retired */
    return glbuf_overflow_decide(v->overflow, fits_now, wait_makes_room, v->capacity < v->max_capacity);
}

/* The largest request at `align` that fits now. With nothing in flight and
 * nothing yet in this frame, the whole ring. Otherwise a request goes at the
 * aligned head a0 when it fits before the ring's end, or at the start of the
 * next lap; either way it must end within capacity of the tail:
 *     at a0:        min(capacity - (a0 % capacity), tail + capacity - a0)
 *     next lap:     tail + capacity - lap, for sizes that do not fit before the end
 * Every size up to the larger of the two fits (if the second is larger, the
 * first reached the ring's end, so all sizes between them wrap). */
static uint64_t view_room(const glbuf_stream_view *v, uint64_t align)
{
    if (v->in_flight == 0 && v->head == v->frame_begin) {
        return v->capacity;
    }
    uint64_t limit = v->tail + v->capacity; /* no byte at or past it */
    uint64_t a0 = (v->head + align - 1u) & ~(align - 1u);
    uint64_t before_end = v->capacity - (a0 & (v->capacity - 1u));
    uint64_t at_head = a0 < limit ? limit - a0 : 0;
    if (at_head > before_end) {
        at_head = before_end;
    }
    uint64_t lap = (a0 | (v->capacity - 1u)) + 1u;
    uint64_t next_lap = lap < limit ? limit - lap : 0;
    if (next_lap <= before_end) {
        next_lap = 0; /* such sizes go at a0, where they do not fit */
    }
    return at_head > next_lap ? at_head : next_lap;
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
    glbuf_stream_view v;
    glbuf_stream_view_now(s, 0, &v);
    if (!glbuf_is_pow2(align) || align > v.max_capacity) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    glbuf_stream_view_now(s, 1, &v);
    uint64_t room = view_room(&v, align);
    *out = room > v.guard ? room - v.guard : 0;
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
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    glbuf_stream_view v;
    glbuf_stream_view_now(s, 0, &v);
    if (!glbuf_is_pow2(align) || align > v.max_capacity) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (size > v.max_capacity || v.guard > v.max_capacity - size) {
        return GLBUF_ERR_TOO_LARGE;
    }
    glbuf_stream_view_now(s, 1, &v);
    *out = view_decide(&v, size + v.guard, align);
    return GLBUF_OK;
}
