/* mega_defrag.c - incremental defragmentation of a megabuffer: allocations
 * above a watermark move into free blocks below it, a budget of copied bytes
 * per call, pipelined across frames so that no call ever waits for the GPU.
 *
 * A compaction is planned once (one walk over the layout), then carried out
 * over as many calls as the budget needs. The watermark is the lowest
 * allocation boundary below which there is at least as much free space as
 * there are live bytes above it:
 *
 *     [ A ][ hole ][ B ][  hole  ][ C ] W [ D ][ hole ][ E ][ free ...... )
 *                                       ^ free below W >= live at or above W
 *
 * D and E (largest first) go into the holes below W (near best fit), so
 * that the live bytes end up below W and the space above it is one free
 * block. What no hole below W holds goes to the lowest free block above W
 * that holds it, if that is lower than where it is (first fit by address),
 * so that what stays above W packs down against it. A move of E, one per
 * allocation:
 *
 *   call in frame F   reserve E's destination R in a hole below W (a free
 *                     block: no frame in flight reads it) and copy E -> R on
 *                     the GPU, within the call's budget (a large allocation
 *                     copies over several calls);
 *   a later call      once the fence of the frame of the last copy has
 *                     signalled (polled, never waited for), E and R exchange
 *                     places: E's handle now names the new place, valid for
 *                     draws; on_move reports it; R, now naming the old place,
 *                     is freed behind the current frame's fence, because
 *                     commands of this frame may still read E there.
 *
 * A free of E while its move is in flight frees R too (behind the fence: its
 * copy may still run); a write to E (glbuf_mega_write, glbuf_mega_ptr) drops
 * the move, because the copy may have read E before the write. Neither is
 * ever reported. Freed ranges are never planned, copied or reported. */
#include <stdlib.h>
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"

#define NONE UINT32_MAX
#define PROBES 8u        /* holes of the "maybe" classes tried for a tight fit */
#define UPPER_PROBES 64u /* holes above the watermark tried, lowest first */

/* ---- holes by size class (4 classes per power of two) -------------------------- */

static unsigned msb(uint64_t x)
{
    unsigned n = 0;
    while (x >>= 1) {
        n++;
    }
    return n;
}

static unsigned hole_class(uint64_t size)
{
    if (size < 4) {
        return (unsigned)size;
    }
    unsigned f = msb(size);
    return f * 4u + (unsigned)((size >> (f - 2)) & 3u);
}

/* The lowest class all of whose holes hold `size` bytes. */
static unsigned hole_class_up(uint64_t size)
{
    if (size < 4) {
        return (unsigned)size;
    }
    uint64_t step = (uint64_t)1 << (msb(size) - 2);
    return hole_class((size + step - 1) & ~(step - 1));
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    uint64_t rem = x % a;
    return rem == 0 ? x : x + (a - rem);
}

static void hole_link(mega_defrag *d, uint32_t i)
{
    unsigned c = hole_class(d->holes[i].size);
    d->holes[i].next = d->heads[c];
    d->heads[c] = i;
    d->nonempty[c / 64] |= (uint64_t)1 << (c % 64);
}

static void hole_push(mega_defrag *d, glbuf_range after, uint64_t offset, uint64_t size)
{
    if (size == 0 || d->hole_count == d->hole_capacity) {
        return;
    }
    mega_hole *h = &d->holes[d->hole_count];
    h->after = after;
    h->offset = offset;
    h->size = size;
    hole_link(d, d->hole_count++);
}

/* Unlinks the hole after `prev` in class c (prev NONE: the first). */
static uint32_t hole_unlink(mega_defrag *d, unsigned c, uint32_t prev)
{
    uint32_t i = prev == NONE ? d->heads[c] : d->holes[prev].next;
    if (prev == NONE) {
        d->heads[c] = d->holes[i].next;
    } else {
        d->holes[prev].next = d->holes[i].next;
    }
    if (d->heads[c] == NONE) {
        d->nonempty[c / 64] &= ~((uint64_t)1 << (c % 64));
    }
    return i;
}

static int hole_fits(const mega_hole *h, uint64_t size, uint64_t alignment)
{
    uint64_t start = align_up(h->offset, alignment);
    return start - h->offset <= h->size && h->size - (start - h->offset) >= size;
}

/* A hole that holds size bytes at the alignment, taken out of its class:
 * the tightest of a few probes in the classes that may hold it, else the
 * first of the lowest class that surely does. NONE when none is left. */
static uint32_t hole_take(mega_defrag *d, uint64_t size, uint64_t alignment)
{
    unsigned sure = hole_class_up(size + alignment - 1);
    unsigned probes = PROBES;
    for (unsigned c = hole_class(size); c < sure && c < MEGA_HOLE_CLASSES && probes > 0; c++) {
        uint32_t prev = NONE;
        for (uint32_t i = d->heads[c]; i != NONE && probes > 0; prev = i, i = d->holes[i].next, probes--) {
            if (hole_fits(&d->holes[i], size, alignment)) {
                return hole_unlink(d, c, prev);
            }
        }
    }
    for (unsigned c = sure; c < MEGA_HOLE_CLASSES; c++) {
        uint64_t word = d->nonempty[c / 64] & (~(uint64_t)0 << (c % 64));
        if (word == 0) {
            c = (c / 64 + 1) * 64 - 1; /* the next word */
            continue;
        }
        unsigned found = (c / 64) * 64;
        while ((word & 1u) == 0) {
            word >>= 1;
            found++;
        }
        return hole_unlink(d, found, NONE);
    }
    return NONE;
}

/* ---- planning -------------------------------------------------------------------- */

typedef struct plan_walk {
    const glbuf_mega_obj *m;
    mega_defrag *d;           /* NULL in the first walk: count only */
    uint64_t live_total;      /* movable bytes in all */
    uint64_t live_below, free_below, prev_end;
    glbuf_range prev;         /* the record before the current one (0: none) */
    int above;                /* the watermark has been passed */
    uint64_t watermark;
    uint32_t holes, todo, upper;
} plan_walk;

static int plan_visit(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    plan_walk *w = user;
    const mega_meta *meta = &w->m->meta[glbuf_range_index(h)];
    int movable = !meta->pending && !meta->reserved;
    if (!w->above) {
        if (offset > w->prev_end) {
            if (w->d != NULL) {
                hole_push(w->d, w->prev, w->prev_end, offset - w->prev_end);
            }
            w->holes++;
            w->free_below += offset - w->prev_end;
        }
        if (w->free_below >= w->live_total - w->live_below && w->free_below > 0) {
            w->above = 1;
            w->watermark = offset;
        } else if (movable) {
            w->live_below += size;
        }
    }
    if (w->above && offset > w->prev_end && w->prev_end >= w->watermark) {
        if (w->d != NULL) {
            mega_hole *u = &w->d->upper[w->upper];
            u->after = w->prev;
            u->offset = w->prev_end;
            u->size = offset - w->prev_end;
            u->next = NONE;
        }
        w->upper++;
    }
    if (w->above && movable) {
        if (w->d != NULL) {
            w->d->todo[w->todo].range = h;
            w->d->todo[w->todo].size = size;
        }
        w->todo++;
    }
    w->prev = h;
    w->prev_end = offset + size;
    return 0;
}

static int largest_first(const void *a, const void *b)
{
    const mega_todo *x = a, *y = b;
    if (x->size != y->size) {
        return x->size > y->size ? -1 : 1;
    }
    return x->range.id < y->range.id ? -1 : x->range.id > y->range.id;
}

/* Plans a compaction of the layout as it is (no move is in flight). Host
 * memory for all of it is taken here, so that carrying it out cannot fail.
 * Nothing changes on failure. */
static glbuf_result plan(glbuf_mega_obj *m)
{
    mega_defrag *d = &m->defrag;
    plan_walk w;
    memset(&w, 0, sizeof w);
    w.m = m;
    w.live_total = glbuf_ranges_get_stats(m->ranges).used_bytes - m->pending_bytes - d->moving_bytes;
    glbuf_ranges_for_each(m->ranges, plan_visit, &w);
    d->dirty = 0;
    if (!w.above || w.todo == 0 || w.holes == 0) {
        return GLBUF_OK; /* packed already: nothing to move */
    }
    uint32_t todo = w.todo, holes = w.holes + w.todo; /* each move leaves at most one remainder */
    size_t bytes = (size_t)todo * sizeof(mega_todo) + (size_t)todo * sizeof(mega_move) +
                   ((size_t)holes + w.upper) * sizeof(mega_hole);
    void *mem = glbuf_host_alloc(&m->ctx->allocator, bytes);
    if (mem == NULL) {
        d->dirty = 1;
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    d->memory = mem;
    d->todo = mem;
    d->moves = (mega_move *)(void *)(d->todo + todo);
    d->holes = (mega_hole *)(void *)(d->moves + todo);
    d->upper = d->holes + holes;
    d->upper_count = w.upper;
    d->upper_first = 0;
    d->hole_capacity = holes;
    d->hole_count = 0;
    for (unsigned c = 0; c < MEGA_HOLE_CLASSES; c++) {
        d->heads[c] = NONE;
    }
    memset(d->nonempty, 0, sizeof d->nonempty);
    plan_walk fill;
    memset(&fill, 0, sizeof fill);
    fill.m = m;
    fill.d = d;
    fill.live_total = w.live_total;
    glbuf_ranges_for_each(m->ranges, plan_visit, &fill);
    qsort(d->todo, todo, sizeof *d->todo, largest_first);
    d->todo_count = todo;
    d->todo_next = 0;
    d->move_count = d->move_done = d->in_flight = 0;
    d->watermark = w.watermark;
    d->started_frame = m->ctx->frame;
    d->active = 1;
    return GLBUF_OK;
}

void glbuf_mega_defrag_release(glbuf_mega_obj *m)
{
    mega_defrag *d = &m->defrag;
    glbuf_host_free(&m->ctx->allocator, d->memory);
    d->memory = NULL;
    d->todo = NULL;
    d->moves = NULL;
    d->holes = NULL;
    d->upper = NULL;
    d->upper_count = d->upper_first = 0;
    d->todo_count = d->todo_next = 0;
    d->move_count = d->move_done = d->in_flight = 0;
    d->hole_count = d->hole_capacity = 0;
    d->active = 0;
}

/* ---- moves ---------------------------------------------------------------------- */

/* The reservation `dst` stops being one and is freed behind the fence of the
 * current frame (a slot in the pending ring was reserved). */
static void free_behind_fence(glbuf_mega_obj *m, glbuf_range dst, uint64_t size)
{
    mega_meta *meta = &m->meta[glbuf_range_index(dst)];
    meta->reserved = 0;
    meta->move = 0;
    meta->pending = 1;
    meta->frame = (uint32_t)m->ctx->frame;
    (void)glbuf_mega_push_pending(m, dst, m->ctx->frame);
    m->pending_bytes += size;
}

static void move_over(mega_defrag *d, mega_move *mv)
{
    mv->range.id = 0;
    d->in_flight--;
    d->moving_bytes -= mv->size;
    while (d->move_done < d->move_count && d->moves[d->move_done].range.id == 0) {
        d->move_done++;
    }
}

void glbuf_mega_defrag_drop(glbuf_mega_obj *m, uint32_t index)
{
    mega_defrag *d = &m->defrag;
    uint32_t k = m->meta[index].move;
    if (k == 0) {
        return;
    }
    mega_move *mv = &d->moves[k - 1];
    m->meta[index].move = 0;
    free_behind_fence(m, mv->dst, mv->size);
    move_over(d, mv);
    m->stats.defrag_moves_dropped++;
}

/* Reports every move whose last copy's frame has completed: the allocation
 * takes the destination's place, the old place is freed behind the fence. */
static void land(glbuf_mega_obj *m, uint64_t completed, void (*on_move)(void *user, const glbuf_mega_move *move),
                 void *user, glbuf_mega_defrag_report *rep)
{
    mega_defrag *d = &m->defrag;
    for (uint32_t i = d->move_done; i < d->move_count; i++) {
        mega_move *mv = &d->moves[i];
        if (mv->range.id == 0 || mv->copied < mv->size || mv->frame > completed) {
            continue;
        }
        if (!glbuf_mega_reserve_pending(m, 1)) {
            return; /* no host memory for the old place's free: the next call lands it */
        }
        glbuf_mega_range moved = {mv->range.id};
        if (glbuf_ranges_swap(m->ranges, mv->range, mv->dst) != GLBUF_OK) {
            glbuf_mega_defrag_drop(m, glbuf_range_index(mv->range)); /* cannot happen: both are ours */
            continue;
        }
        mega_meta *meta = &m->meta[glbuf_range_index(mv->range)];
        meta->move = 0;
        free_behind_fence(m, mv->dst, mv->size); /* the dst handle names the old place now */
        glbuf_mega_guard_moved(m, mv->dst_offset, mv->size);
        glbuf_mega_move report = {moved, mv->src_offset, mv->dst_offset, mv->size, meta->user_data};
        move_over(d, mv);
        m->stats.defrag_moves++;
        rep->moves++;
        rep->bytes_moved += report.size;
        if (on_move != NULL) {
            on_move(user, &report); /* last: it may free or write allocations */
        }
    }
}

/* Copies up to `*left` more bytes of move mv. */
static void copy_some(glbuf_mega_obj *m, mega_move *mv, uint64_t *left, int *flushed,
                      glbuf_mega_defrag_report *rep)
{
    uint64_t chunk = mv->size - mv->copied;
    if (chunk > *left) {
        chunk = *left;
    }
    if (chunk == 0) {
        return;
    }
    if (!*flushed) {
        /* Writes not yet in the store (explicit flush, the fallback's
         * shadow, device-local staged copies) land before a copy reads it. */
        glbuf_mega_flush_dirty(m);
        glbuf_mega_staging_flush(m);
        *flushed = 1;
    }
    glbuf_mega_store store = {m->name, m->map};
    glbuf_mega_store_copy_fenced(m, &store, &store, mv->src_offset + mv->copied, mv->dst_offset + mv->copied,
                                 chunk);
    mv->copied += chunk;
    mv->frame = m->ctx->frame;
    *left -= chunk;
    rep->bytes_copied += chunk;
    m->stats.bytes_copied_by_defrag += chunk;
}

/* Claims [at, at + size) at the start of hole h (planned after h->after):
 * 1, or 0 when the layout changed there since the plan (the hole is gone),
 * or -1 when host memory ran out. */
static int claim(glbuf_mega_obj *m, const mega_hole *h, uint64_t size, uint64_t alignment, glbuf_range *out)
{
    uint64_t at = align_up(h->offset, alignment);
    glbuf_range dst = {0};
    uint64_t got = 0;
    glbuf_result r = glbuf_ranges_alloc_after(m->ranges, h->after, size, alignment, &dst, &got);
    if (r == GLBUF_ERR_OUT_OF_HOST_MEMORY) {
        return -1;
    }
    if (r != GLBUF_OK) {
        return 0; /* taken since, or the record before it is gone */
    }
    if (got != at) { /* the record before the hole moved: not where it was planned */
        (void)glbuf_ranges_free(m->ranges, dst);
        return 0;
    }
    if (!glbuf_mega_reserve_meta(m, glbuf_range_index(dst))) {
        (void)glbuf_ranges_free(m->ranges, dst);
        return -1;
    }
    *out = dst;
    return 1;
}

/* Reserves a destination for `size` bytes at `alignment`: in a hole below
 * the watermark, else in the lowest hole above it that ends at or below
 * `limit`. Returns 1, 0 when no hole holds it, -1 when host memory ran out
 * (stop for this call). */
static int reserve_destination(glbuf_mega_obj *m, uint64_t size, uint64_t alignment, uint64_t limit,
                               glbuf_range *out, uint64_t *out_offset)
{
    mega_defrag *d = &m->defrag;
    for (;;) {
        uint32_t i = hole_take(d, size, alignment);
        if (i == NONE) {
            break;
        }
        mega_hole h = d->holes[i];
        int got = claim(m, &h, size, alignment, out);
        if (got < 0) {
            hole_link(d, i); /* still good */
            return -1;
        }
        if (got > 0) {
            uint64_t at = align_up(h.offset, alignment);
            hole_push(d, *out, at + size, h.offset + h.size - (at + size));
            *out_offset = at;
            return 1;
        }
    }
    /* Above the watermark, lowest first; holes too small for the smallest
     * allocation still to move are passed for good. */
    uint64_t smallest = d->todo_count > 0 ? d->todo[d->todo_count - 1].size : 0;
    while (d->upper_first < d->upper_count && d->upper[d->upper_first].size < smallest) {
        d->upper_first++;
    }
    for (uint32_t i = d->upper_first, tried = 0; i < d->upper_count && tried < UPPER_PROBES; i++) {
        mega_hole *h = &d->upper[i];
        if (h->offset >= limit) {
            break; /* in offset order: no lower one is left */
        }
        if (h->size < size) {
            continue;
        }
        tried++;
        uint64_t at = align_up(h->offset, alignment);
        if (!hole_fits(h, size, alignment) || at + size > limit) {
            continue;
        }
        int got = claim(m, h, size, alignment, out);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            h->size = 0; /* gone */
            continue;
        }
        h->size = h->offset + h->size - (at + size); /* the rest, after the new allocation */
        h->offset = at + size;
        h->after = *out;
        *out_offset = at;
        return 1;
    }
    return 0;
}

void glbuf_mega_defrag_place_low(glbuf_mega_obj *m, glbuf_range *h, uint64_t *offset, uint64_t size,
                                 uint64_t alignment)
{
    mega_defrag *d = &m->defrag;
    if (!d->active || *offset + size <= d->watermark) {
        return;
    }
    glbuf_range low = {0};
    uint64_t at = 0;
    if (reserve_destination(m, size, alignment, *offset, &low, &at) == 1) {
        (void)glbuf_ranges_free(m->ranges, *h); /* never handed out */
        *h = low;
        *offset = at;
    }
}

/* Starts moves from the plan while budget is left. */
static void start_moves(glbuf_mega_obj *m, uint64_t *left, int *flushed, glbuf_mega_defrag_report *rep)
{
    mega_defrag *d = &m->defrag;
    while (*left > 0 && d->todo_next < d->todo_count) {
        mega_todo t = d->todo[d->todo_next];
        uint64_t offset = 0, alignment = 1;
        glbuf_mega_range r = {t.range.id};
        if (glbuf_mega_lookup(m, r, &offset, NULL) != GLBUF_OK || m->meta[glbuf_range_index(t.range)].move != 0 ||
            offset < d->watermark || glbuf_ranges_alignment(m->ranges, t.range, &alignment) != GLBUF_OK) {
            d->todo_next++; /* freed since the plan */
            continue;
        }
        glbuf_range dst = {0};
        uint64_t dst_offset = 0;
        int got = reserve_destination(m, t.size, alignment, offset, &dst, &dst_offset);
        if (got < 0) {
            return;
        }
        d->todo_next++;
        if (got == 0) {
            continue; /* no hole below the watermark holds it: it stays */
        }
        mega_move *mv = &d->moves[d->move_count++];
        mv->range = t.range;
        mv->dst = dst;
        mv->src_offset = offset;
        mv->dst_offset = dst_offset;
        mv->size = t.size;
        mv->copied = 0;
        mv->frame = m->ctx->frame;
        mega_meta *meta = &m->meta[glbuf_range_index(t.range)];
        meta->move = d->move_count;
        mega_meta *dm = &m->meta[glbuf_range_index(dst)];
        dm->user_data = meta->user_data;
        dm->frame = (uint32_t)m->ctx->frame;
        dm->move = d->move_count;
        dm->pending = 0;
        dm->reserved = 1;
        d->in_flight++;
        d->moving_bytes += t.size;
        copy_some(m, mv, left, flushed, rep);
    }
}

static glbuf_result mega_defragment(glbuf_mega_obj *m, uint64_t budget,
                                    void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                    glbuf_mega_defrag_report *report)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_mega_defrag_report rep;
    memset(&rep, 0, sizeof rep);
    mega_defrag *d = &m->defrag;
    /* Polls, never waits: what has completed lands, the rest waits for a
     * later call. */
    uint64_t completed = glbuf_ctx_poll_completed(m->ctx);
    glbuf_mega_retire(m, completed);
    if (!d->active && d->dirty) {
        r = plan(m);
        if (r != GLBUF_OK) {
            return r;
        }
        rep.started = d->active;
    }
    if (d->active) {
        land(m, completed, on_move, user, &rep);
        uint64_t left = budget == 0 ? UINT64_MAX : budget;
        int flushed = 0;
        /* The move copied in part by the last call first, then new ones. */
        for (uint32_t i = d->move_done; i < d->move_count && left > 0; i++) {
            if (d->moves[i].range.id != 0 && d->moves[i].copied < d->moves[i].size) {
                copy_some(m, &d->moves[i], &left, &flushed, &rep);
            }
        }
        start_moves(m, &left, &flushed, &rep);
        if (d->todo_next == d->todo_count && d->in_flight == 0) {
            /* Done. What moved freed space above the watermark: the layout
             * is worth another look. */
            d->dirty |= d->move_count > 0;
            glbuf_mega_defrag_release(m);
            m->stats.compactions++;
            rep.finished = 1;
        }
    }
    if (rep.moves > 0 || rep.bytes_copied > 0) {
        m->stats.defragmentations++;
    }
    if (!d->active) {
        /* No compaction under way (or one just ended): with
         * GLBUF_MEGA_TRIM_AUTO, give back what the frees it collected and
         * the moves it reported emptied; before the report names the store. */
        glbuf_mega_trim_by_policy(m, "glbuf_mega_defragment");
    }
    rep.moves_in_flight = d->in_flight;
    rep.moves_left = d->active ? (d->todo_count - d->todo_next) + d->in_flight : 0;
    rep.name = m->name;
    if (report) {
        *report = rep;
    }
    glbuf_mega_validate(m, "glbuf_mega_defragment");
    return GLBUF_OK;
}

glbuf_result glbuf_mega_defragment(glbuf_ctx *ctx, glbuf_mega mega, uint64_t budget,
                                   void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                   glbuf_mega_defrag_report *report)
{
    RESOLVE(ctx, mega, m);
    /* Moves copy each allocation with its guard: an overrun is found before
     * it is copied (and returned by the next flush or glbuf_ctx_end_frame). */
    glbuf_mega_guard_before_move(m, "glbuf_mega_defragment");
    return mega_defragment(m, budget, on_move, user, report);
}
