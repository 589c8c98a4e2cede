/* stream_ring.c - the streaming ring's machinery (stream_ring.h): its GL
 * stores, the regions of frames (and cuts) in flight retired against their
 * fences, placement of a request, growth, shrinking after quiet frames. The
 * handles and the API are in stream.c. */
#include <stdio.h>
#include <string.h>

#include "gl_ops.h"
#include "glbuf_assert.h"
#include "glbuf/buffer.h"
#include "host_alloc.h"
#include "overflow.h"
#include "pow2.h"
#include "stream_ring.h"

/* ---- rings ---------------------------------------------------------------- */

void glbuf_stream_ring_destroy(glbuf_stream_obj *s, stream_ring *g)
{
    glbuf_ctx *ctx = s->ctx;
    if (s->persistent && g->base != NULL) {
        (void)glbuf_gl_unmap(ctx, g->name);
    }
    glbuf_gl_delete(ctx, g->name);
    if (!s->persistent) {
        glbuf_host_free(&ctx->allocator, g->base);
    }
    glbuf_host_free(&ctx->allocator, g);
}

/* A ring of `capacity` bytes with its storage (and mapping); nothing is left
 * behind on failure. */
glbuf_result glbuf_stream_ring_create(glbuf_stream_obj *s, uint64_t capacity, stream_ring **out)
{
    glbuf_ctx *ctx = s->ctx;
    stream_ring *g = glbuf_host_calloc(&ctx->allocator, 1, sizeof *g);
    if (g == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    g->capacity = capacity;
    if (!s->persistent) {
        g->base = glbuf_host_alloc(&ctx->allocator, (size_t)capacity);
        if (g->base == NULL) {
            glbuf_host_free(&ctx->allocator, g);
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    glbuf_gl_store_desc store = {(size_t)capacity, 0, 0, GL_STREAM_DRAW, "stream ring", s->label};
    if (s->persistent) {
        GLbitfield coherence = s->explicit_flush ? 0 : GL_MAP_COHERENT_BIT;
        GLbitfield readable = s->guard ? GL_MAP_READ_BIT : 0; /* guard bytes are read back */
        store.storage_flags = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | coherence | readable;
        store.map_access = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                           (s->explicit_flush ? GL_MAP_FLUSH_EXPLICIT_BIT : GL_MAP_COHERENT_BIT) | readable;
    }
    void *map = NULL;
    glbuf_result r = glbuf_gl_create_store(ctx, &store, &g->name, &map);
    if (r != GLBUF_OK) {
        glbuf_stream_ring_destroy(s, g);
        return r;
    }
    if (s->persistent) {
        g->base = map;
    }
    *out = g;
    return GLBUF_OK;
}

/* ---- frames --------------------------------------------------------------- */

/* Drops the oldest region: its bytes are free again. */
static void pop_region(glbuf_stream_obj *s)
{
    stream_region *r = &s->regions[s->region_head];
    s->tail = r->end;
    if (r->sync != NULL) {
        GLBUF_GL(s->ctx, DeleteSync)(r->sync);
        r->sync = NULL;
    }
    s->region_head = (s->region_head + 1u) % STREAM_MAX_REGIONS;
    s->region_count--;
}

/* Forgets every region (the ring they describe is being replaced). */
void glbuf_stream_drop_regions(glbuf_stream_obj *s)
{
    for (unsigned i = 0; i < s->region_count; i++) {
        stream_region *r = &s->regions[(s->region_head + i) % STREAM_MAX_REGIONS];
        if (r->sync != NULL) {
            GLBUF_GL(s->ctx, DeleteSync)(r->sync);
            r->sync = NULL;
        }
    }
    s->region_head = s->region_count = 0;
}

/* Retires the regions and rings whose frame has completed (frames up to
 * `done`) or, when `poll_cuts`, whose cut fence has signalled, oldest first,
 * without blocking. */
static int region_done(const glbuf_stream_obj *s, const stream_region *r, uint64_t done, int poll_cuts)
{
    return r->frame <= done || (poll_cuts && r->sync != NULL && glbuf_sync_poll(s->ctx, r->sync) == GLBUF_OK);
}

static void retire_upto(glbuf_stream_obj *s, uint64_t done, int poll_cuts)
{
    while (s->region_count > 0 && region_done(s, &s->regions[s->region_head], done, poll_cuts)) {
        pop_region(s);
    }
    stream_ring **link = &s->retired;
    while (*link != NULL) {
        stream_ring *g = *link;
        if (g->last_frame <= done) {
            *link = g->next;
            s->stats.rings_retired--;
            s->stats.bytes_held -= g->capacity;
            glbuf_stream_ring_destroy(s, g);
        } else {
            link = &g->next;
        }
    }
}

/* Retires what the GPU has finished, polling the fences (GL calls). */
static void retire(glbuf_stream_obj *s)
{
    retire_upto(s, glbuf_ctx_poll_completed(s->ctx), 1);
}

/* Retires what the frame clock already knows to be complete (its last poll,
 * which glbuf_ctx_end_frame makes): no GL call. The fast path of a frame's
 * first allocation; the fences are polled only when the ring is short of
 * room (place). */
static void retire_known(glbuf_stream_obj *s)
{
    retire_upto(s, s->ctx->completed_frame, 0);
}

/* Blocks until the oldest region is complete (its cut fence, or its frame's
 * fence), then retires. */
static glbuf_result wait_oldest(glbuf_stream_obj *s)
{
    glbuf_ctx *ctx = s->ctx;
    stream_region *oldest = &s->regions[s->region_head];
    uint64_t ns_before = ctx->stats.fence_wait_ns;
    glbuf_result r;
    if (oldest->sync != NULL) {
        r = glbuf_sync_wait(ctx, oldest->sync, UINT64_MAX);
    } else {
        r = glbuf_ctx_wait_frame(ctx, oldest->frame, UINT64_MAX);
    }
    s->stats.waits++;
    s->stats.wait_ns += ctx->stats.fence_wait_ns - ns_before;
    if (r != GLBUF_OK) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': waiting for frame %llu failed: %s", s->label,
                  (unsigned long long)oldest->frame, glbuf_result_name(r));
        return r;
    }
    if (oldest->sync != NULL) {
        pop_region(s); /* signalled: retire() would poll it again */
    }
    retire(s);
    return GLBUF_OK;
}

/* Replaces the ring by one of `capacity` bytes (growth, or shrinking after a
 * quiet spell). The old ring lives on, mapped, with everything handed out in
 * it, until the newest frame that used it has completed. */
static glbuf_result replace_ring(glbuf_stream_obj *s, uint64_t capacity)
{
    stream_ring *old = s->ring;
    stream_ring *g = NULL;
    glbuf_result r = glbuf_stream_ring_create(s, capacity, &g);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t last = 0;
    if (s->region_count > 0) {
        last = s->regions[(s->region_head + s->region_count - 1u) % STREAM_MAX_REGIONS].frame;
    }
    if (old->head != s->frame_begin) {
        last = s->frame;
    }
    old->last_frame = last;
    old->next = s->retired;
    s->retired = old;
    s->ring = g;
    glbuf_stream_drop_regions(s); /* they describe the old ring, which now waits for `last` as a whole */
    s->tail = s->frame_begin = 0;
    s->stats.rings_retired++;
    s->stats.bytes_held += capacity;
    s->stats.capacity = capacity;
    glbuf_log(s->ctx, GLBUF_LOG_INFO, "'%s': ring %s from %llu to %llu bytes in frame %llu", s->label,
              capacity > old->capacity ? "grown" : "shrunk", (unsigned long long)old->capacity,
              (unsigned long long)capacity, (unsigned long long)s->frame);
    retire(s); /* an old ring nobody is reading goes at once */
    return GLBUF_OK;
}

/* Frames well under the ring's capacity: the ring shrinks when every frame
 * of the last trim_after_frames (frames that streamed nothing included)
 * needed at most a quarter of it, frames_in_flight times over. The new ring
 * holds frames_in_flight times the largest of those frames (a power of two,
 * not below the first ring's capacity). Called when frame `s->frame` ended
 * with frame_total bytes. */
/* consider_shrinking's decision, changing nothing: the capacity to shrink
 * to (0: none), and the quiet spell as it stands after frame `s->frame`. */
typedef struct shrink_plan {
    uint64_t low_since, low_peak, capacity;
} shrink_plan;

static shrink_plan plan_shrinking(const glbuf_stream_obj *s, uint64_t next_frame)
{
    shrink_plan p = {s->low_since, s->low_peak, 0};
    if (s->trim_after_frames == 0 || s->frame == 0) {
        return p;
    }
    uint64_t need = glbuf_stream_sat_mul(s->frame_total, s->persistent ? s->frames_in_flight : 1u);
    if (need > s->ring->capacity / 4u) {
        p.low_since = 0;
        return p;
    }
    if (p.low_since == 0) {
        p.low_since = s->frame;
        p.low_peak = 0;
    }
    if (s->frame_total > p.low_peak) {
        p.low_peak = s->frame_total;
    }
    if (next_frame - p.low_since < s->trim_after_frames || s->ring->capacity <= s->initial_capacity) {
        return p;
    }
    uint64_t capacity = glbuf_pow2_ceil(glbuf_stream_sat_mul(p.low_peak, s->persistent ? s->frames_in_flight : 1u));
    if (capacity < s->initial_capacity) {
        capacity = s->initial_capacity;
    }
    p.capacity = capacity < s->ring->capacity ? capacity : 0;
    p.low_since = 0; /* after a failed attempt too: try again a spell later */
    return p;
}

static void consider_shrinking(glbuf_stream_obj *s, uint64_t next_frame)
{
    shrink_plan p = plan_shrinking(s, next_frame);
    s->low_since = p.low_since;
    s->low_peak = p.low_peak;
    if (p.capacity != 0 && replace_ring(s, p.capacity) == GLBUF_OK) {
        s->stats.shrinks++;
    }
}

/* Appends the region [previous end, head) of the current frame, closed by a
 * frame's end (sync NULL) or by a cut. Waits for the oldest region when the
 * table is full. */
static glbuf_result close_region(glbuf_stream_obj *s, GLsync sync)
{
    while (s->region_count == STREAM_MAX_REGIONS) {
        glbuf_result r = wait_oldest(s);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    unsigned tail = (s->region_head + s->region_count) % STREAM_MAX_REGIONS;
    s->regions[tail].frame = s->frame;
    s->regions[tail].end = s->ring->head;
    s->regions[tail].sync = sync;
    s->region_count++;
    return GLBUF_OK;
}

/* The first allocation after the frame clock moved: closes the previous
 * frame's region and opens one for the current frame. */
glbuf_result glbuf_stream_begin_frame(glbuf_stream_obj *s)
{
    glbuf_ctx *ctx = s->ctx;
    stream_ring *g = s->ring;
    if (s->persistent && s->frame != 0 && g->head != s->frame_begin) {
        glbuf_result r = close_region(s, NULL);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    retire_known(s); /* the frame just closed too, when the clock knows it is done */
    if (ctx->validation) {
        for (stream_ring *r = g; r != NULL; r = (r == g ? s->retired : r->next)) {
            if (r->flushed != r->head) {
                glbuf_log(ctx, GLBUF_LOG_WARNING,
                          "'%s': %llu bytes written in frame %llu were never passed to glbuf_stream_flush",
                          s->label, (unsigned long long)(r->head - r->flushed), (unsigned long long)s->frame);
            }
        }
    }
    for (stream_ring *r = s->retired; r != NULL; r = r->next) {
        r->flushed = r->head;
    }
    consider_shrinking(s, ctx->frame);
    g = s->ring;
    if (!s->persistent) {
        /* The store is orphaned, so the new frame starts from a fresh one. */
        if (g->head != 0) {
            g->needs_orphan = 1;
        }
        g->head = 0;
        s->tail = 0;
    }
    g->flushed = g->head;
    s->frame = ctx->frame;
    s->frame_begin = g->head;
    s->frame_bytes = 0;
    s->frame_total = 0;
    s->frame_counted = 0;
    return GLBUF_OK;
}

/* Fallback: gives the GL store up so this frame writes to fresh memory. */
glbuf_result glbuf_stream_orphan(glbuf_stream_obj *s)
{
    /* Once a frame, at the ring's own size: no glGetError around it unless
     * validation is on (ctx.h, "GL errors"); under validation a failure is
     * reported and the next allocation tries again. */
    stream_ring *g = s->ring;
    glbuf_gl_data(s->ctx, g->name, (size_t)g->capacity, NULL, GL_STREAM_DRAW);
    glbuf_result r = s->ctx->validation ? glbuf_gl_check(s->ctx, "glBufferData (stream orphan)", s->label) : GLBUF_OK;
    if (r != GLBUF_OK) {
        return r;
    }
    g->needs_orphan = 0;
    s->stats.orphans++;
    return GLBUF_OK;
}

/* Replaces the ring by a bigger one (see replace_ring). */
static glbuf_result grow(glbuf_stream_obj *s, uint64_t size)
{
    stream_ring *old = s->ring;
    if (old->capacity >= s->max_capacity) {
        return GLBUF_ERR_FULL;
    }
    uint64_t need = s->frame_bytes > UINT64_MAX - size ? UINT64_MAX : s->frame_bytes + size;
    if (s->persistent) {
        need = glbuf_stream_sat_mul(need, s->frames_in_flight);
    }
    uint64_t capacity = glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, old->capacity, need);
    if (capacity <= old->capacity) {
        capacity = old->capacity * 2u; /* growing instead of waiting (overflow GROW): frames in flight need room too */
    }
    if (capacity > s->max_capacity || !glbuf_is_pow2(capacity)) {
        capacity = s->max_capacity;
    }
    glbuf_result r = replace_ring(s, capacity);
    if (r == GLBUF_OK) {
        s->stats.growths++;
    }
    return r;
}

/* The position for `size` bytes after position `head` of a ring of
 * `capacity` bytes whose offset in the ring is a multiple of `align` (any
 * positive value: a vertex size of 24 bytes too), not straddling its end:
 * [ ... head | pad | size ] or, when that crosses the end, [ size ... at 0
 * of the next lap. A mask for a power of two, a division otherwise. */
static uint64_t fit_at(uint64_t head, uint64_t capacity, uint64_t size, uint64_t align)
{
    uint64_t off = head & (capacity - 1u);
    uint64_t rem = glbuf_is_pow2(align) ? off & (align - 1u) : off % align;
    uint64_t pad = rem == 0 ? 0 : align - rem;
    if (pad > capacity - off || size > capacity - off - pad) {
        return (head | (capacity - 1u)) + 1u;
    }
    return head + pad;
}

void glbuf_stream_fit(const stream_state *v, uint64_t size, uint64_t align, stream_fit *out)
{
    uint64_t cap = v->capacity;
    uint64_t head = v->head, frame_begin = v->frame_begin, tail = v->tail;
    out->fresh = head == frame_begin;
    out->skipped = 0;
    if (out->fresh) {
        /* Nothing allocated in this frame yet: skip to the aligned (or
         * wrapped) position now, so the bytes skipped at the ring's end are
         * not counted as this frame's need. With nothing in flight the frame
         * starts over at offset 0 instead: where the GPU keeps up (host
         * memory is GPU memory, llvmpipe), every frame then writes the same
         * bytes, still in the CPU's caches, instead of walking the whole
         * ring through them. */
        uint64_t start = fit_at(head, cap, size, align);
        if (v->regions == 0 && (head & (cap - 1u)) != 0 && v->persistent) {
            start = (head | (cap - 1u)) + 1u; /* offset 0 of the next lap: not lost, not skipped */
        } else {
            out->skipped = start - head;
        }
        if (v->regions == 0) {
            tail = start;
        }
        head = frame_begin = start;
    }
    out->start = head;
    out->tail = tail;
    out->at = fit_at(head, cap, size, align);
    out->end = out->at + size;
    out->fits = out->end - tail <= cap;
    /* Only the open region's own bytes never come back by waiting. */
    out->wait_makes_room = v->regions > 0 && out->end - frame_begin <= cap;
}

glbuf_fit glbuf_stream_decide(const stream_state *v, const stream_fit *f)
{
    return glbuf_overflow_decide(v->overflow, f->fits, f->wait_makes_room, v->capacity < v->max_capacity);
}

static void state_of(const glbuf_stream_obj *s, stream_state *v)
{
    v->capacity = s->ring->capacity;
    v->max_capacity = s->max_capacity;
    v->head = s->ring->head;
    v->frame_begin = s->frame_begin;
    /* With nothing in flight, what lies before the frame's start is free
     * (skipped bytes): place() has always counted it so. */
    v->tail = s->region_count == 0 ? s->frame_begin : s->tail;
    v->regions = s->region_count;
    v->persistent = s->persistent;
    v->overflow = s->overflow;
}

void glbuf_stream_state_next(glbuf_stream_obj *s, int poll, stream_state *v)
{
    uint64_t done = poll ? glbuf_ctx_poll_completed(s->ctx) : s->ctx->completed_frame;
    state_of(s, v);
    unsigned kept = s->region_count; /* regions[first .. first + kept) stay in flight */
    unsigned first = 0;
    uint64_t tail = s->tail;
    int closes = 0;
    if (s->ctx->frame != s->frame) {
        /* glbuf_stream_begin_frame: the open region closes (retired by the
         * clock's last poll), the ring may shrink, the fallback orphans. */
        closes = s->persistent && s->frame != 0 && s->ring->head != s->frame_begin;
    }
    /* retire_upto, without popping: the oldest regions that are done. */
    while (first < kept && region_done(s, &s->regions[(s->region_head + first) % STREAM_MAX_REGIONS], done, poll)) {
        tail = s->regions[(s->region_head + first) % STREAM_MAX_REGIONS].end;
        first++;
    }
    kept -= first;
    if (closes && kept == 0 && s->frame <= done) {
        tail = s->ring->head; /* the closed region retires too */
        closes = 0;
    }
    v->regions = kept + (unsigned)closes;
    v->tail = tail;
    if (s->ctx->frame != s->frame) {
        shrink_plan p = plan_shrinking(s, s->ctx->frame);
        if (p.capacity != 0) {
            /* replace_ring: a fresh ring, nothing in flight in it */
            v->capacity = p.capacity;
            v->head = v->tail = 0;
            v->regions = 0;
        }
        if (!s->persistent) {
            v->head = v->tail = 0; /* the store is orphaned */
        }
        v->frame_begin = v->head;
    }
    if (v->regions == 0) {
        v->tail = v->frame_begin;
    }
}

static glbuf_result place_or_fail(glbuf_stream_obj *s, uint64_t size, uint64_t align, uint64_t *out_at);

/* Finds room for the request: waits for old frames, or grows. */
glbuf_result glbuf_stream_place(glbuf_stream_obj *s, uint64_t size, uint64_t align, uint64_t *out_at)
{
    /* A frame's first request moves the frame's start before it knows it
     * fits; a request that then fails puts it back (changes nothing). */
    stream_ring *g0 = s->ring;
    const uint64_t head0 = g0->head, flushed0 = g0->flushed, begin0 = s->frame_begin, tail0 = s->tail;
    const uint64_t skipped0 = s->stats.bytes_skipped;
    glbuf_result r = place_or_fail(s, size, align, out_at);
    if (r != GLBUF_OK && s->ring == g0) {
        g0->head = head0;
        g0->flushed = flushed0;
        s->frame_begin = begin0;
        s->tail = s->region_count == 0 ? tail0 : s->tail;
        s->stats.bytes_skipped = skipped0;
    }
    return r;
}

/* The decisions of glbuf_stream_fit and glbuf_stream_decide, acted on:
 * stream_room.c answers glbuf_stream_room and glbuf_stream_predict with the
 * same two functions on glbuf_stream_state_next's state. */
static glbuf_result place_or_fail(glbuf_stream_obj *s, uint64_t size, uint64_t align, uint64_t *out_at)
{
    int polled = 0;
    for (;;) {
        stream_state v;
        state_of(s, &v);
        stream_fit f;
        glbuf_stream_fit(&v, size, align, &f);
        s->tail = f.tail;
        if (f.fresh) {
            s->stats.bytes_skipped += f.skipped;
            s->ring->head = s->ring->flushed = s->frame_begin = f.start;
        }
        if (f.fits) {
            *out_at = f.at;
            return GLBUF_OK;
        }
        if (f.wait_makes_room && !polled) {
            /* The fences first: what the GPU finished makes room without a
             * wait. A request the policy then refuses changes nothing: it
             * is refused before anything is retired. */
            polled = 1;
            stream_state p;
            glbuf_stream_state_next(s, 1, &p);
            stream_fit pf;
            glbuf_stream_fit(&p, size, align, &pf);
            if (!pf.fits && glbuf_stream_decide(&p, &pf) == GLBUF_FIT_FULL) {
                return GLBUF_ERR_FULL;
            }
            retire_upto(s, s->ctx->completed_frame, 1); /* as polled just now: no second poll */
            if (s->region_count == 0) {
                s->tail = s->frame_begin; /* nothing in flight: only this frame's bytes count */
            }
            continue;
        }
        polled = 0;
        glbuf_result r;
        switch (glbuf_stream_decide(&v, &f)) {
        case GLBUF_FIT_WAIT: r = wait_oldest(s); break;
        case GLBUF_FIT_GROW: r = grow(s, size); break;
        case GLBUF_FIT_NOW:
        case GLBUF_FIT_FULL:
        default: r = GLBUF_ERR_FULL; break;
        }
        if (r != GLBUF_OK) {
            return r;
        }
    }
}

/* Flushes or uploads [flushed, head) of one ring: one GL call, two when the
 * range wraps past the end of the ring. */
void glbuf_stream_flush_ring(glbuf_stream_obj *s, stream_ring *g)
{
    uint64_t from = g->flushed;
    uint64_t to = g->head;
    g->flushed = to;
    if (s->persistent && !s->explicit_flush) {
        return;
    }
    while (from < to) {
        uint64_t offset = from & (g->capacity - 1u);
        uint64_t n = to - from;
        if (n > g->capacity - offset) {
            n = g->capacity - offset;
        }
        if (s->persistent) {
            glbuf_gl_flush_range(s->ctx, g->name, (size_t)offset, (size_t)n);
        } else {
            glbuf_gl_sub_data(s->ctx, g->name, (size_t)offset, (size_t)n, g->base + offset);
        }
        s->stats.flushes++;
        from += n;
    }
}


glbuf_result glbuf_stream_cut(glbuf_stream_obj *s)
{
    stream_ring *g = s->ring;
    if (s->frame != s->ctx->frame || g->head == s->frame_begin) {
        return GLBUF_OK; /* nothing handed out since the frame began or the last cut */
    }
    glbuf_stream_flush_ring(s, g);
    if (!s->persistent) {
        /* The uploads are in GL's hands: the next allocation orphans the
         * store and starts from 0, as a new frame does. */
        g->needs_orphan = 1;
        g->head = g->flushed = 0;
        s->tail = s->frame_begin = 0;
        s->frame_bytes = 0;
        s->stats.cuts++;
        return GLBUF_OK;
    }
    GLsync sync = GLBUF_GL(s->ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (sync == NULL) {
        /* Without a fence the region is retired with its frame: later than
         * it could be, never early. */
        glbuf_log(s->ctx, GLBUF_LOG_WARNING, "'%s': glFenceSync failed; the cut waits for the frame's fence",
                  s->label);
    }
    glbuf_result r = close_region(s, sync);
    if (r != GLBUF_OK) {
        if (sync != NULL) {
            GLBUF_GL(s->ctx, DeleteSync)(sync);
        }
        return r;
    }
    s->frame_begin = g->head;
    s->frame_bytes = 0;
    s->stats.cuts++;
    return GLBUF_OK;
}
