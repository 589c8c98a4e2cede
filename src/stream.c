/* stream.c - glbuf_stream (stream.h) and its internal API (stream_internal.h):
 * creation, allocation, flushing, statistics and handles; the ring itself
 * (frames, regions, growth, shrinking, cuts) is stream_ring.c. */
#include <stdio.h>
#include <string.h>

#include "glbuf/buffer.h"
#include "glbuf/stream.h"
#include "gl_ops.h"
#include "glbuf_assert.h"
#include "guard.h"
#include "host_alloc.h"
#include "overflow.h"
#include "pow2.h"
#include "stream_internal.h"
#include "stream_ring.h"
#include "stream_room.h"
#include "wc_copy.h"

#define STREAM_KIND 0x4D525453u /* "STRM" */
#define DEFAULT_CAPACITY ((uint64_t)4 << 20)
#define DEFAULT_MAX_CAPACITY ((uint64_t)256 << 20)
#define DEFAULT_FRAMES_IN_FLIGHT 3u
#define DEFAULT_TRIM_AFTER_FRAMES 240u

static glbuf_result check_stream(const glbuf_stream_obj *s)
{
    if (s == NULL) {
        return GLBUF_ERR_NULL;
    }
    return s->kind == STREAM_KIND ? GLBUF_OK : GLBUF_ERR_WRONG_KIND;
}

/* ---- operations on a resolved stream (the public API at the end resolves handles) */

/* guards: 1 for a glbuf_stream (guard bytes when the context has them), 0
 * for a ring private to another module (the megabuffer's staging ring: its
 * bytes are glbuf's own, copied into a store with no CPU view). */
static glbuf_result stream_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, int guards, glbuf_stream_obj **out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t max_capacity = desc->max_capacity ? glbuf_pow2_floor(desc->max_capacity) : DEFAULT_MAX_CAPACITY;
    uint64_t capacity = desc->capacity ? glbuf_pow2_ceil(desc->capacity) : DEFAULT_CAPACITY;
    if (desc->capacity == 0 && capacity > max_capacity) {
        capacity = max_capacity;
    }
    uint32_t frames = desc->frames_in_flight ? desc->frames_in_flight : DEFAULT_FRAMES_IN_FLIGHT;
    if (capacity > max_capacity || !glbuf_fits_glsizeiptr(max_capacity) || frames > GLBUF_MAX_FENCES ||
        (uint64_t)(size_t)max_capacity != max_capacity || (unsigned)desc->overflow >= GLBUF_OVERFLOW_COUNT) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_stream_obj *s = glbuf_host_calloc(&ctx->allocator, 1, sizeof *s);
    if (s == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    s->kind = STREAM_KIND;
    s->ctx = ctx;
    s->persistent = glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE);
    s->explicit_flush = desc->explicit_flush != 0;
    s->frames_in_flight = frames;
    s->max_capacity = max_capacity;
    s->overflow = desc->overflow;
    s->guard = guards ? glbuf_guard_size(ctx) : 0;
    s->initial_capacity = capacity;
    s->trim_after_frames = desc->trim_after_frames == GLBUF_STREAM_NO_TRIM ? 0u
                           : desc->trim_after_frames ? desc->trim_after_frames
                                                     : DEFAULT_TRIM_AFTER_FRAMES;
    snprintf(s->label, sizeof s->label, "%s", desc->label ? desc->label : "stream");
    glbuf_result r = glbuf_stream_ring_create(s, capacity, &s->ring);
    if (r != GLBUF_OK) {
        s->kind = 0;
        glbuf_host_free(&ctx->allocator, s);
        return r;
    }
    s->stats.persistent = s->persistent;
    s->stats.capacity = capacity;
    s->stats.bytes_held = capacity;
    *out = s;
    return GLBUF_OK;
}

static void stream_destroy(glbuf_stream_obj **ps)
{
    if (ps == NULL || check_stream(*ps) != GLBUF_OK) {
        return;
    }
    glbuf_stream_obj *s = *ps;
    glbuf_ctx *ctx = s->ctx;
    glbuf_stream_drop_regions(s);
    while (s->retired != NULL) {
        stream_ring *g = s->retired;
        s->retired = g->next;
        glbuf_stream_ring_destroy(s, g);
    }
    glbuf_stream_ring_destroy(s, s->ring);
    glbuf_guard_list_free(ctx, &s->guards);
    s->kind = 0;
    glbuf_host_free(&ctx->allocator, s);
    *ps = NULL;
}

static glbuf_result stream_alloc(glbuf_stream_obj *s, uint64_t size, uint64_t align, glbuf_stream_allocation *out)
{
    glbuf_result r = check_stream(s);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (align == 0 || align > s->max_capacity) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    uint64_t guard = s->guard;
    if (size > s->max_capacity || guard > s->max_capacity - size) {
        return GLBUF_ERR_TOO_LARGE;
    }
    if (guard && !glbuf_guard_list_reserve(s->ctx, &s->guards)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    if (s->ctx->frame != s->frame) {
        r = glbuf_stream_begin_frame(s);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    uint64_t at = 0;
    r = glbuf_stream_place(s, size + guard, align, &at);
    if (r == GLBUF_OK && s->ring->needs_orphan) {
        r = glbuf_stream_orphan(s);
    }
    if (r != GLBUF_OK) {
        return r;
    }
    stream_ring *g = s->ring;
    uint64_t offset = at & (g->capacity - 1u);
    s->stats.bytes_skipped += at - g->head;
    g->head = at + size + guard;
    s->frame_bytes += size + guard;
    s->frame_total += size + guard;
    s->stats.bytes_streamed += size;
    s->stats.allocations++;
    if (!s->frame_counted) {
        s->frame_counted = 1;
        s->stats.frames++;
    }
    out->ptr = g->base + offset;
    out->offset = offset;
    out->name = g->name;
    if (guard) {
        glbuf_guard_list_add(&s->guards, s->frame, g->base + offset, size, offset, g->name);
    }
    glbuf_validate(s->ctx, "glbuf_stream_alloc", s->label);
    return GLBUF_OK;
}

static glbuf_result stream_flush(glbuf_stream_obj *s)
{
    glbuf_result r = check_stream(s);
    if (r != GLBUF_OK) {
        return r;
    }
    uint32_t overruns = s->guard ? glbuf_guard_list_check(s->ctx, &s->guards, s->label, "glbuf_stream_flush") : 0;
    for (stream_ring *g = s->retired; g != NULL; g = g->next) {
        glbuf_stream_flush_ring(s, g);
    }
    glbuf_stream_flush_ring(s, s->ring);
    glbuf_validate(s->ctx, "glbuf_stream_flush", s->label);
    return overruns ? GLBUF_ERR_GUARD_OVERRUN : GLBUF_OK;
}

static glbuf_stream_stats stream_get_stats(const glbuf_stream_obj *s)
{
    glbuf_stream_stats st;
    memset(&st, 0, sizeof st);
    if (check_stream(s) != GLBUF_OK) {
        return st;
    }
    return s->stats;
}

/* ---- the end-of-frame guard check (guard_frame.c) ------------------------------ */

uint32_t glbuf_stream_guard_frame_end(glbuf_stream_obj *s)
{
    uint32_t overruns = glbuf_guard_list_check(s->ctx, &s->guards, s->label, "glbuf_ctx_end_frame");
    s->guards.count = 0; /* the frame's pointers die with it */
    return overruns;
}

/* ---- internal API (stream_internal.h): the same ring, owned by another module */

glbuf_result glbuf_stream_obj_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, glbuf_stream_obj **out)
{
    return stream_create(ctx, desc, 0, out);
}

void glbuf_stream_obj_destroy(glbuf_stream_obj **s)
{
    stream_destroy(s);
}

glbuf_result glbuf_stream_obj_alloc(glbuf_stream_obj *s, uint64_t size, uint64_t align, glbuf_stream_allocation *out)
{
    return stream_alloc(s, size, align, out);
}

glbuf_result glbuf_stream_obj_flush(glbuf_stream_obj *s)
{
    return stream_flush(s);
}

glbuf_stream_stats glbuf_stream_obj_stats(const glbuf_stream_obj *s)
{
    return stream_get_stats(s);
}

uint64_t glbuf_stream_obj_open_bytes(const glbuf_stream_obj *s)
{
    return s->frame == s->ctx->frame ? s->ring->head - s->frame_begin : 0;
}

int glbuf_stream_obj_at_max(const glbuf_stream_obj *s)
{
    return s->ring->capacity >= s->max_capacity;
}

glbuf_result glbuf_stream_obj_cut(glbuf_stream_obj *s)
{
    return glbuf_stream_cut(s);
}

/* Reports [start, end) (positions) as one or two (wrapped) offset ranges. */
static int report_region(const stream_ring *g, uint64_t frame, uint64_t start, uint64_t end,
                         glbuf_stream_region_fn fn, void *user)
{
    uint64_t mask = g->capacity - 1u, at = start & mask, size = end - start;
    if (size == 0) {
        return 0;
    }
    if (at + size <= g->capacity) {
        return fn(user, frame, at, size);
    }
    return fn(user, frame, at, g->capacity - at) || fn(user, frame, 0, size - (g->capacity - at));
}

static void stream_for_each_region(const glbuf_stream_obj *s, glbuf_stream_region_fn fn, void *user)
{
    const stream_ring *g = s->ring;
    uint64_t start = s->tail;
    for (unsigned k = 0; k < s->region_count; k++) {
        const stream_region *r = &s->regions[(s->region_head + k) % STREAM_MAX_REGIONS];
        if (report_region(g, r->frame, start, r->end, fn, user)) {
            return;
        }
        start = r->end;
    }
    (void)report_region(g, s->frame, start, g->head, fn, user);
}

/* ---- public API: the handle is resolved first, then the functions above ---- */

static glbuf_stream_obj *resolve(const glbuf_ctx *ctx, glbuf_stream stream, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, stream.id, GLBUF_KIND_STREAM, why);
}

#define RESOLVE(ctx, stream, s)                                  \
    glbuf_result resolve_result_;                                \
    glbuf_stream_obj *s = resolve(ctx, stream, &resolve_result_); \
    if (s == NULL) {                                             \
        return resolve_result_;                                  \
    }

glbuf_result glbuf_stream_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, glbuf_stream *out)
{
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_stream_obj *s = NULL;
    glbuf_result r = stream_create(ctx, desc, 1, &s);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t id = 0;
    r = glbuf_objects_insert(&ctx->objects, &ctx->allocator, GLBUF_KIND_STREAM, s, &id);
    if (r != GLBUF_OK) {
        stream_destroy(&s);
        return r;
    }
    out->id = id;
    return GLBUF_OK;
}

glbuf_result glbuf_stream_destroy(glbuf_ctx *ctx, glbuf_stream stream)
{
    RESOLVE(ctx, stream, s);
    glbuf_objects_remove(&ctx->objects, stream.id);
    stream_destroy(&s);
    return GLBUF_OK;
}

void glbuf_stream_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_stream stream = {id};
    (void)glbuf_stream_destroy(ctx, stream);
}

glbuf_result glbuf_stream_alloc(glbuf_ctx *ctx, glbuf_stream stream, uint64_t size, uint64_t align,
                                glbuf_stream_allocation *out)
{
    RESOLVE(ctx, stream, s);
    return stream_alloc(s, size, align, out);
}

glbuf_result glbuf_stream_write(glbuf_ctx *ctx, glbuf_stream stream, const void *data, uint64_t size,
                                uint64_t align, glbuf_stream_allocation *out)
{
    RESOLVE(ctx, stream, s);
    if (data == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_stream_allocation a;
    glbuf_result r = stream_alloc(s, size, align, &a);
    if (r != GLBUF_OK) {
        return r;
    }
    if (s->persistent && ctx->dedicated_memory) {
        glbuf_copy_streaming(a.ptr, data, (size_t)size);
    } else {
        memcpy(a.ptr, data, (size_t)size);
    }
    *out = a;
    return GLBUF_OK;
}

glbuf_result glbuf_stream_flush(glbuf_ctx *ctx, glbuf_stream stream)
{
    RESOLVE(ctx, stream, s);
    return stream_flush(s);
}

glbuf_stream_stats glbuf_stream_get_stats(const glbuf_ctx *ctx, glbuf_stream stream)
{
    glbuf_result why;
    const glbuf_stream_obj *s = resolve(ctx, stream, &why);
    if (s == NULL) {
        glbuf_stream_stats none;
        memset(&none, 0, sizeof none);
        return none;
    }
    return stream_get_stats(s);
}

glbuf_result glbuf_stream_for_each_region(const glbuf_ctx *ctx, glbuf_stream stream, glbuf_stream_region_fn fn,
                                          void *user)
{
    glbuf_result why;
    const glbuf_stream_obj *s = resolve(ctx, stream, &why);
    if (s == NULL) {
        return why;
    }
    if (fn == NULL) {
        return GLBUF_ERR_NULL;
    }
    stream_for_each_region(s, fn, user);
    return GLBUF_OK;
}
