/* mega_overflow.c - what a megabuffer request that does not fit does: the
 * free runs it would find now, after waiting for the frees of ended frames,
 * or after growth, and the overflow policy's choice among them (overflow.h);
 * glbuf_mega_room and glbuf_mega_predict answer from the same walk. */
#include <stddef.h>

#include "mega_internal.h"
#include "overflow.h"

/* The free runs of the megabuffer once every pending free of a frame up to
 * `upto` has gone back to the allocator: the gaps between the allocations
 * that stay, walked in offset order. glbuf_ranges_alloc fails only when no
 * free block holds the request at its alignment (ranges.h), and freed
 * bytes coalesce with free neighbours, so a request fits exactly when one
 * of these runs holds it. */
typedef struct run_scan {
    const glbuf_mega_obj *m;
    uint64_t upto;         /* pending frees of frames <= upto count as free */
    uint64_t size, align;  /* the request (guard included); size 0: find the largest */
    uint64_t cursor;       /* end of the last allocation that stays */
    int fits;
    uint64_t largest;      /* bytes a run holds at `align`, the most of any run */
} run_scan;

static void consider_run(run_scan *s, uint64_t begin, uint64_t end)
{
    uint64_t misalign = begin % s->align; /* any positive alignment (the lcm of mega.c) */
    uint64_t at = misalign ? begin + (s->align - misalign) : begin;
    if (at < begin || at >= end) {
        return; /* wrapped, or no byte left at that alignment */
    }
    uint64_t room = end - at;
    if (room > s->largest) {
        s->largest = room;
    }
    if (s->size != 0 && room >= s->size) {
        s->fits = 1;
    }
}

/* The frame a pending free was made in, from the 32 bits the record keeps
 * (frees pending for 2^32 frames do not exist: the frame clock retires them). */
static uint64_t frame_of(const glbuf_mega_obj *m, uint32_t low)
{
    return m->ctx->frame - (uint32_t)((uint32_t)m->ctx->frame - low);
}

static int scan_live(void *user, glbuf_range h, uint64_t offset, uint64_t held)
{
    run_scan *s = user;
    const mega_meta *meta = &s->m->meta[glbuf_range_index(h)];
    if (meta->pending && frame_of(s->m, meta->frame) <= s->upto) {
        return 0; /* back in the allocator by then */
    }
    consider_run(s, s->cursor, offset);
    s->cursor = offset + held;
    return s->fits; /* found a run: stop */
}

static run_scan scan(const glbuf_mega_obj *m, uint64_t upto, uint64_t size, uint64_t align)
{
    run_scan s = {m, upto, size, align, 0, 0, 0};
    glbuf_ranges_for_each(m->ranges, scan_live, &s);
    if (!s.fits) {
        consider_run(&s, s.cursor, m->capacity);
    }
    return s;
}

/* The policy's choice for `size` bytes (guard included) at `align` (at least
 * the use's minimum), frames up to `done` known complete. */
static glbuf_fit decide(const glbuf_mega_obj *m, uint64_t size, uint64_t align, uint64_t done)
{
    int fits_now = scan(m, done, size, align).fits;
    int after_wait = 0, after_growth = 0;
    if (!fits_now) {
        /* Only the frees of ended frames come back by waiting. */
        uint64_t ended = m->ctx->frame - 1u;
        after_wait = m->pending_count > 0 && ended > done && scan(m, ended, size, align).fits;
        after_growth = glbuf_mega_can_grow(m, size, align);
    }
    return glbuf_overflow_decide(m->overflow, fits_now, after_wait, after_growth);
}

/* Waits for the newest ended frame that still holds pending frees and
 * retires them. Returns 1 when that succeeded. */
static int reclaim_ended_frames(glbuf_mega_obj *m)
{
    uint64_t newest_ended = 0;
    for (uint32_t i = m->pending_count; i-- > 0;) {
        uint64_t f = m->pending[(m->pending_head + i) % m->pending_capacity].frame;
        if (f < m->ctx->frame) {
            newest_ended = f;
            break;
        }
    }
    if (newest_ended == 0 || glbuf_ctx_wait_frame(m->ctx, newest_ended, UINT64_MAX) != GLBUF_OK) {
        return 0;
    }
    glbuf_mega_retire(m, m->ctx->completed_frame);
    return 1;
}

glbuf_result glbuf_mega_make_room(glbuf_mega_obj *m, uint64_t size, uint64_t alignment)
{
    /* The caller polled the fences when frees were pending: no second poll. */
    glbuf_fit fit = decide(m, size, alignment, m->ctx->completed_frame);
    if (fit == GLBUF_FIT_WAIT) {
        if (reclaim_ended_frames(m)) {
            return GLBUF_OK;
        }
        /* The wait failed. As before the policies existed, the default still
         * tries growth; the others stop here. */
        if (m->overflow != GLBUF_OVERFLOW_WAIT_THEN_GROW || !glbuf_mega_can_grow(m, size, alignment)) {
            return GLBUF_ERR_FULL;
        }
        fit = GLBUF_FIT_GROW;
    }
    if (fit != GLBUF_FIT_GROW) {
        return GLBUF_ERR_FULL; /* FIT_FULL; FIT_NOW here would mean the allocator's records ran out */
    }
    return glbuf_mega_grow(m, size, alignment); /* checks the guards before the copy */
}

/* ---- public queries ----------------------------------------------------------- */

glbuf_result glbuf_mega_room(glbuf_ctx *ctx, glbuf_mega mega, uint64_t alignment, uint64_t *out)
{
    RESOLVE(ctx, mega, m);
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    /* The alignment glbuf_mega_alloc would use, checked as it checks it (a
     * one-byte request: the smallest there is). */
    glbuf_mega_alloc_desc desc = {1, alignment, 0, 0};
    uint64_t held = 0;
    glbuf_result r = glbuf_mega_request(m, &desc, &held, &alignment);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t largest = scan(m, glbuf_ctx_poll_completed(ctx), 0, alignment).largest;
    uint64_t room = largest > m->guard.bytes ? largest - m->guard.bytes : 0;
    /* glbuf_mega_alloc refuses a size that overflows GLsizeiptr with its
     * alignment and guard (a capacity that large is not made, but say so) */
    uint64_t limit = (uint64_t)PTRDIFF_MAX - alignment;
    limit = limit > m->guard.bytes ? limit - m->guard.bytes : 0;
    *out = room < limit ? room : limit;
    return GLBUF_OK;
}

glbuf_result glbuf_mega_predict(glbuf_ctx *ctx, glbuf_mega mega, uint64_t size, uint64_t alignment, glbuf_fit *out)
{
    RESOLVE(ctx, mega, m);
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_mega_alloc_desc desc = {size, alignment, 0, 0};
    uint64_t held = 0;
    glbuf_result r = glbuf_mega_request(m, &desc, &held, &alignment);
    if (r != GLBUF_OK) {
        return r;
    }
    *out = glbuf_mega_never_fits(m, held) ? GLBUF_FIT_FULL
                                           : decide(m, held, alignment, glbuf_ctx_poll_completed(ctx));
    return GLBUF_OK;
}
