/* test_mega_defrag.c - incremental defragmentation on a real headless
 * context, in both placements and on every storage path (persistent coherent
 * and explicit flush, bind-to-edit, the fallback without
 * ARB_buffer_storage; device-local through the staging ring): it never waits
 * for the GPU (a slow GPU from the fixture), copies exactly the bytes of
 * what moves within the budget, reports a move only once its copy has
 * landed, never copies or reports freed ranges (issue 12), drops moves of
 * allocations freed or written meanwhile, keeps user data and contents
 * through moves and growth, and finishes under continuous churn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"

static int explicit_flush;
static glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE; /* set per TCase */

static glbuf_mega make(uint64_t capacity)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.explicit_flush = explicit_flush;
    d.placement = placement;
    d.label = "test-defrag";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range alloc_strided(glbuf_mega m, uint64_t size, uint64_t stride, uint32_t seed)
{
    glbuf_mega_alloc_desc d = {0};
    d.size = size;
    d.stride = stride;
    d.user_data = seed;
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc_with(fx_ctx, m, &d, &r, NULL), GLBUF_OK);
    uint8_t *data = malloc((size_t)size);
    fx_pattern(data, size, seed);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, data, size), GLBUF_OK);
    free(data);
    return r;
}

static glbuf_mega_range alloc_filled(glbuf_mega m, uint64_t size, uint32_t seed)
{
    return alloc_strided(m, size, 0, seed);
}

/* Churn sizes: 256 .. 4351 bytes, every third a whole number of 56-byte
 * vertices (offsets at multiples of 112). */
static glbuf_mega_range alloc_churn(glbuf_mega m, uint32_t pick, uint32_t seed)
{
    if (pick % 3 == 0) {
        return alloc_strided(m, 56 * (5 + (uint64_t)(pick % 73)), 56, seed);
    }
    return alloc_filled(m, 256 + (uint64_t)(pick % 4096), seed);
}

static void expect_range(glbuf_mega m, glbuf_mega_range r, uint32_t seed)
{
    uint64_t offset = 0, size = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r, &offset), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_size(fx_ctx, m, r, &size), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint8_t *got = malloc((size_t)size);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

/* Frees every other allocation of `n` (the even ones), waits until the
 * frees are collected: holes between live allocations. */
enum { N = 40 };
static void fragment(glbuf_mega m, glbuf_mega_range *r, uint32_t seed0)
{
    for (int i = 0; i < N; i++) {
        r[i] = alloc_filled(m, 1024 + (uint64_t)(i % 5) * 512, seed0 + (uint32_t)i);
    }
    for (int i = 0; i < N; i += 2) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
        r[i].id = 0;
    }
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
}

/* ---- what on_move sees -------------------------------------------------------------- */

typedef struct seen {
    glbuf_mega m;
    int moves;
    uint64_t bytes;
    glbuf_mega_range forbidden[N]; /* freed or written while moving: never reported */
    int forbidden_count;
} seen;

static void on_move(void *user, const glbuf_mega_move *mv)
{
    seen *s = user;
    for (int k = 0; k < s->forbidden_count; k++) {
        ck_assert_msg(mv->range.id != s->forbidden[k].id, "on_move reported a freed or rewritten allocation");
    }
    /* The handle is live and already names the new place. */
    uint64_t offset = 1, user_data = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, s->m, mv->range, &offset), GLBUF_OK);
    ck_assert_uint_eq(offset, mv->new_offset);
    ck_assert_uint_lt(mv->new_offset, mv->old_offset);
    ck_assert_int_eq(glbuf_mega_user_data(fx_ctx, s->m, mv->range, &user_data), GLBUF_OK);
    ck_assert_uint_eq(user_data, mv->user_data);
    s->moves++;
    s->bytes += mv->size;
}

/* One call, then the end of the frame; the test (not glbuf) waits for the
 * frame `lag` frames back, as a GPU that far behind would let it. */
static glbuf_mega_defrag_report step(glbuf_mega m, uint64_t budget, seen *s, int lag)
{
    glbuf_mega_defrag_report rep;
    glbuf_ctx_stats before = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, budget, s ? on_move : NULL, s, &rep), GLBUF_OK);
    glbuf_ctx_stats after = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(after.fence_waits, before.fence_waits); /* never waits */
    ck_assert_uint_eq(after.fence_wait_ns, before.fence_wait_ns);
    ck_assert(budget == 0 || rep.bytes_copied <= budget);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    uint64_t frame = glbuf_ctx_frame(fx_ctx);
    if (lag >= 0 && frame > (uint64_t)lag + 1) {
        ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, frame - 1 - (uint64_t)lag, UINT64_MAX), GLBUF_OK);
    }
    return rep;
}

/* ---- never waits, copies exactly what moves ---------------------------------------- */

START_TEST(a_slow_gpu_delays_the_reports_but_never_makes_a_call_wait)
{
    glbuf_mega m = make(256 * 1024);
    glbuf_mega_range r[N];
    fragment(m, r, 100);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    seen s = {m, 0, 0, {{0}}, 0};
    fx_simulate_slow_gpu(1); /* a fence poll never sees a frame complete */
    uint64_t copied = 0;
    int started = 0;
    for (int f = 0; f < 10; f++) {
        glbuf_mega_defrag_report rep = step(m, 4096, &s, -1);
        started += rep.started;
        copied += rep.bytes_copied;
        ck_assert_uint_eq(rep.moves, 0); /* nothing has landed as far as glbuf knows */
        ck_assert_uint_gt(rep.moves_left, 0);
    }
    fx_simulate_slow_gpu(0);
    ck_assert_int_eq(started, 1);
    ck_assert_int_eq(s.moves, 0);
    glbuf_mega_stats mid = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(mid.bytes_copied_by_defrag, copied);
    ck_assert_uint_gt(mid.moves_in_flight, 0);
    ck_assert_uint_eq(mid.allocations, before.allocations); /* destinations are not allocations */
    ck_assert_uint_eq(mid.used_bytes, before.used_bytes + mid.moving_bytes);
    /* The GPU catches up: the moves land and the compaction ends. */
    glbuf_mega_defrag_report rep;
    int calls = 0;
    do {
        rep = step(m, 4096, &s, 0);
        copied += rep.bytes_copied;
        ck_assert_int_lt(++calls, 100);
    } while (rep.moves_left > 0);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_int_gt(s.moves, 0);
    ck_assert_uint_eq(after.defrag_moves, (uint64_t)s.moves);
    /* Exactly the moved allocations' bytes were copied, once each. */
    ck_assert_uint_eq(after.bytes_copied_by_defrag, copied);
    ck_assert_uint_eq(after.bytes_copied_by_defrag, s.bytes);
    ck_assert_uint_eq(after.defrag_moves_dropped, 0);
    ck_assert_uint_eq(after.moves_in_flight, 0);
    ck_assert_uint_eq(after.moving_bytes, 0);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(after.name, before.name); /* within the storage: no new GL name */
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    for (int i = 1; i < N; i += 2) {
        expect_range(m, r[i], 100 + (uint32_t)i);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* Issue 12: with nothing live and frees pending, defragmentation reported
 * moves, bytes, a new store and handed dead handles to on_move. */
START_TEST(freed_ranges_are_never_planned_copied_or_reported)
{
    glbuf_mega m = make(65536);
    glbuf_mega_range a = alloc_filled(m, 256, 1), b = alloc_filled(m, 256, 2), c = alloc_filled(m, 256, 3);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK); /* a hole at offset 0 */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, c), GLBUF_OK); /* two pending frees above it */
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(before.pending_frees, 2);
    seen s = {m, 0, 0, {b, c}, 2};
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_mega_defrag_report rep;
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, on_move, &s, &rep), GLBUF_OK);
    ck_assert_uint_eq(rep.moves, 0);
    ck_assert_uint_eq(rep.moves_left, 0);
    ck_assert_uint_eq(rep.bytes_moved, 0);
    ck_assert_uint_eq(rep.bytes_copied, 0);
    ck_assert_int_eq(rep.started, 0);
    ck_assert_uint_eq(rep.name, before.name);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.bytes_copied_by_defrag, 0);
    ck_assert_uint_eq(after.defragmentations, 0);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls[GLBUF_GL_CopyNamedBufferSubData] +
                          glbuf_ctx_get_stats(fx_ctx).calls[GLBUF_GL_CopyBufferSubData],
                      0);
    ck_assert_int_eq(s.moves, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- frees and writes while a move is in flight ------------------------------------ */

typedef struct moving_walk {
    glbuf_mega_range ranges[N];
    int count;
} moving_walk;

static int find_moving(void *user, const glbuf_mega_block *b)
{
    moving_walk *w = user;
    if (b->kind == GLBUF_MEGA_BLOCK_MOVING) {
        ck_assert_uint_ne(b->range.id, 0);
        uint64_t user_data = 0;
        ck_assert_int_eq(glbuf_mega_user_data(fx_ctx, (glbuf_mega){0}, b->range, &user_data),
                         GLBUF_ERR_INVALID_HANDLE);
        w->ranges[w->count++] = b->range;
    }
    return 0;
}

START_TEST(moves_of_allocations_freed_or_written_in_flight_are_dropped_and_never_reported)
{
    glbuf_mega m = make(256 * 1024);
    glbuf_mega_range r[N];
    fragment(m, r, 200);
    seen s = {m, 0, 0, {{0}}, 0};
    fx_simulate_slow_gpu(1);
    glbuf_mega_defrag_report rep = step(m, 0, &s, -1); /* every move copied, none landed */
    ck_assert_uint_gt(rep.moves_in_flight, 3);
    /* Three moving allocations, named by the walk's moving blocks. */
    moving_walk w;
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(glbuf_mega_for_each_block(fx_ctx, m, find_moving, &w), GLBUF_OK);
    ck_assert_int_ge(w.count, 3);
    glbuf_mega_range *moving = w.ranges;
    uint64_t dropped0 = glbuf_mega_get_stats(fx_ctx, m).defrag_moves_dropped;
    uint32_t in_flight0 = glbuf_mega_get_stats(fx_ctx, m).moves_in_flight;
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, moving[0]), GLBUF_OK);
    s.forbidden[s.forbidden_count++] = moving[0];
    uint8_t data[1024];
    fx_pattern(data, sizeof data, 999);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, moving[1], 0, data, sizeof data), GLBUF_OK);
    s.forbidden[s.forbidden_count++] = moving[1];
    void *p = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, moving[2], &p), GLBUF_OK);
    s.forbidden[s.forbidden_count++] = moving[2];
    glbuf_mega_stats mid = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(mid.defrag_moves_dropped, dropped0 + 3);
    ck_assert_uint_eq(mid.moves_in_flight, in_flight0 - 3);
    fx_simulate_slow_gpu(0);
    int calls = 0;
    do {
        rep = step(m, 0, &s, 0);
        ck_assert_int_lt(++calls, 100);
    } while (rep.moves_left > 0);
    ck_assert_int_gt(s.moves, 0);
    /* The written allocation holds the write where it stayed; the others
     * their own bytes. */
    uint64_t off = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, moving[1], &off), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint8_t back[1024];
    fx_read(glbuf_mega_gl_name(fx_ctx, m), off, sizeof back, back);
    fx_check_pattern(back, sizeof back, 999);
    for (int i = 1; i < N; i += 2) {
        if (r[i].id != moving[0].id && r[i].id != moving[1].id && r[i].id != moving[2].id) {
            expect_range(m, r[i], 200 + (uint32_t)i);
        }
    }
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.moves_in_flight, 0);
    ck_assert_uint_eq(after.moving_bytes, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

typedef struct freeing {
    seen s;
    glbuf_mega_range victim; /* freed from inside on_move */
    int freed;
} freeing;

static void free_another(void *user, const glbuf_mega_move *mv)
{
    freeing *f = user;
    on_move(&f->s, mv);
    if (!f->freed && f->victim.id != mv->range.id) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, f->s.m, f->victim), GLBUF_OK);
        f->s.forbidden[f->s.forbidden_count++] = f->victim;
        f->freed = 1;
    }
}

START_TEST(on_move_may_free_another_moving_allocation_which_is_then_never_reported)
{
    glbuf_mega m = make(256 * 1024);
    glbuf_mega_range r[N];
    fragment(m, r, 300);
    freeing f;
    memset(&f, 0, sizeof f);
    f.s.m = m;
    fx_simulate_slow_gpu(1);
    glbuf_mega_defrag_report rep;
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, free_another, &f, &rep), GLBUF_OK);
    fx_simulate_slow_gpu(0);
    ck_assert_uint_gt(rep.moves_in_flight, 2);
    f.victim = r[N - 1]; /* the topmost live allocation: moving */
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    int calls = 0;
    do {
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, free_another, &f, &rep), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
        ck_assert_int_lt(++calls, 100);
    } while (rep.moves_left > 0);
    ck_assert_int_eq(f.freed, 1);
    ck_assert_int_gt(f.s.moves, 0);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).defrag_moves_dropped, 1);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- where moves go ------------------------------------------------------------------ */

/* 512-byte holes below, three 1 KiB allocations above with 2 KiB gaps:
 *
 *   [a h a h ... a h][B1][ 2K ][B2][ 2K ][B3][ free ...
 *                    ^ watermark: the holes below (6 KiB) outweigh B1..B3
 *
 * The a's are rewritten every frame, which drops any move of theirs, so the
 * 512-byte holes stay and no B fits one: B3 and B2 pack down against B1
 * instead (each into the lowest free block above the watermark that holds
 * it and is lower than it), and the space above is one free block. */
START_TEST(what_no_hole_below_the_watermark_holds_packs_down_above_it)
{
    glbuf_mega m = make(64 * 1024);
    glbuf_mega_range a[24], b[3], gap[2];
    for (int i = 0; i < 24; i++) {
        a[i] = alloc_filled(m, 512, 10 + (uint32_t)i);
    }
    uint64_t b1 = 0;
    b[0] = alloc_filled(m, 1024, 1);
    gap[0] = alloc_filled(m, 2048, 0);
    b[1] = alloc_filled(m, 1024, 2);
    gap[1] = alloc_filled(m, 2048, 0);
    b[2] = alloc_filled(m, 1024, 3);
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, b[0], &b1), GLBUF_OK);
    ck_assert_uint_eq(b1, 24 * 512);
    for (int i = 1; i < 24; i += 2) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, gap[0]), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, gap[1]), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    seen s = {m, 0, 0, {{0}}, 0};
    glbuf_mega_defrag_report rep;
    uint8_t data[512];
    int calls = 0;
    do {
        rep = step(m, 0, &s, 0);
        for (int i = 0; i < 24; i += 2) { /* pinned: their moves, if any, dropped */
            fx_pattern(data, sizeof data, 10 + (uint32_t)i);
            ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, a[i], 0, data, sizeof data), GLBUF_OK);
        }
        ck_assert_int_lt(++calls, 50);
    } while (rep.moves_left > 0 || rep.started || rep.moves > 0);
    uint64_t at[3];
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, b[k], &at[k]), GLBUF_OK);
        expect_range(m, b[k], 1 + (uint32_t)k);
    }
    ck_assert_uint_eq(at[0], b1);
    ck_assert((at[1] == b1 + 1024 && at[2] == b1 + 2048) || (at[1] == b1 + 2048 && at[2] == b1 + 1024));
    glbuf_mega_stats st = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(st.largest_free_block, st.capacity - (b1 + 3 * 1024));
    for (int i = 0; i < 24; i += 2) {
        uint64_t off = 0;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, a[i], &off), GLBUF_OK);
        ck_assert_uint_eq(off, (uint64_t)i * 512); /* pinned */
        expect_range(m, a[i], 10 + (uint32_t)i);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* While a compaction is under way, a new allocation that the allocator
 * would put above the watermark (here: a 1 KiB request, which the
 * allocator's constant-time search takes from the free space at the top,
 * as no 1 KiB hole is sure to hold it at its alignment) goes into a hole
 * below it instead. */
START_TEST(new_allocations_during_a_compaction_fill_holes_below_the_watermark)
{
    glbuf_mega m = make(64 * 1024);
    glbuf_mega_range a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = alloc_filled(m, 1024, 20 + (uint32_t)i);
    }
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a[1]), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a[3]), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    /* [a0][  ][a2][  ][a4][a5] W [a6][a7][ free ... */
    fx_simulate_slow_gpu(1);
    glbuf_mega_defrag_report rep;
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 1, NULL, NULL, &rep), GLBUF_OK); /* one byte: one move */
    ck_assert_int_eq(rep.started, 1);
    ck_assert_uint_eq(rep.moves_in_flight, 1);
    glbuf_mega_range fresh = {0};
    uint64_t off = 0;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 1024, 0, &fresh, &off), GLBUF_OK);
    fx_simulate_slow_gpu(0);
    ck_assert_msg(off == 1024 || off == 3072, "a new allocation at %llu, not in a hole", (unsigned long long)off);
    uint8_t data[1024];
    fx_pattern(data, sizeof data, 99);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, fresh, 0, data, sizeof data), GLBUF_OK);
    int calls = 0;
    do {
        rep = step(m, 0, NULL, 0);
        ck_assert_int_lt(++calls, 50);
    } while (rep.moves_left > 0 || rep.started || rep.moves > 0);
    expect_range(m, fresh, 99);
    for (int i = 0; i < 8; i++) {
        if (i != 1 && i != 3) {
            expect_range(m, a[i], 20 + (uint32_t)i);
        }
    }
    glbuf_mega_stats st = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(st.largest_free_block, st.capacity - 7 * 1024); /* packed */
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- growth and churn ------------------------------------------------------------------ */

START_TEST(growth_with_moves_in_flight_keeps_their_bytes_and_they_still_land)
{
    glbuf_mega m = make(128 * 1024);
    glbuf_mega_range r[N];
    fragment(m, r, 400);
    seen s = {m, 0, 0, {{0}}, 0};
    glbuf_mega_defrag_report rep = step(m, 6000, &s, -1); /* a budget that cuts a move in two */
    ck_assert_uint_gt(rep.moves_in_flight, 0);
    uint64_t name = glbuf_mega_gl_name(fx_ctx, m);
    glbuf_mega_range big = alloc_filled(m, 200 * 1024, 77); /* grows: new storage */
    ck_assert_uint_ne(glbuf_mega_gl_name(fx_ctx, m), name);
    int calls = 0;
    do {
        rep = step(m, 6000, &s, 0);
        ck_assert_int_lt(++calls, 200);
    } while (rep.moves_left > 0);
    ck_assert_int_gt(s.moves, 0);
    for (int i = 1; i < N; i += 2) {
        expect_range(m, r[i], 400 + (uint32_t)i);
    }
    expect_range(m, big, 77);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* 400 allocations left of 800 (every other one freed: half the layout is
 * holes), then 8 replaced every frame (2 %), defragmentation running every
 * frame at a budget of 1/16 of the live bytes, the GPU two frames behind:
 * the first compaction (most of the work) and every later one end within
 * 2 x live / budget frames (plus the frames its last fences take), and
 * every live allocation keeps its bytes. */
START_TEST(compactions_finish_under_continuous_churn)
{
    enum { LIVE = 400, CHURN = 8, FRAMES = 300, LAG = 2 };
    glbuf_mega m = make(4u << 20);
    glbuf_mega_range *r = calloc(LIVE, sizeof *r);
    uint32_t *seed = calloc(LIVE, sizeof *seed);
    uint32_t next_seed = 1;
    uint64_t live_bytes = 0;
    for (int i = 0; i < LIVE; i++) {
        seed[i] = next_seed++;
        r[i] = alloc_churn(m, next_random(), seed[i]);
        uint64_t size = 0;
        ck_assert_int_eq(glbuf_mega_size(fx_ctx, m, r[i], &size), GLBUF_OK);
        live_bytes += size;
        glbuf_mega_range hole = alloc_churn(m, next_random(), 0);
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, hole), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    uint64_t budget = live_bytes / 16;
    seen s = {m, 0, 0, {{0}}, 0};
    int finished = 0, longest = 0, under_way = -1, first = 0;
    uint64_t copied = 0, first_moved = 0;
    for (int f = 0; f < FRAMES; f++) {
        for (int k = 0; k < CHURN; k++) {
            int i = (int)(next_random() % LIVE);
            ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
            seed[i] = next_seed++;
            r[i] = alloc_churn(m, next_random(), seed[i]);
        }
        glbuf_mega_defrag_report rep = step(m, budget, &s, LAG);
        copied += rep.bytes_copied;
        if (rep.started) {
            under_way = f;
        }
        if (rep.finished) {
            ck_assert_int_ge(under_way, 0);
            int frames = f - under_way + 1;
            longest = frames > longest ? frames : longest;
            if (finished == 0) {
                first = frames;
                first_moved = s.bytes;
            }
            finished++;
            under_way = -1;
        }
    }
    glbuf_mega_stats st = glbuf_mega_get_stats(fx_ctx, m);
    uint64_t live = st.used_bytes - st.pending_free_bytes - st.moving_bytes;
    double fragmentation = st.free_bytes ? 1.0 - (double)st.largest_free_block / (double)st.free_bytes : 0.0;
    printf("churn: %d compactions finished, the first in %d frames moving %llu bytes, the longest in %d frames "
           "(bound %d), %d moves, %llu bytes copied, live %llu of %llu, fragmentation %.3f\n",
           finished, first, (unsigned long long)first_moved, longest, (int)(2 * live / budget) + LAG + 2, s.moves,
           (unsigned long long)st.bytes_copied_by_defrag, (unsigned long long)live,
           (unsigned long long)st.capacity, fragmentation);
    ck_assert_int_gt(finished, 3);
    ck_assert_uint_gt(first_moved, live / 4); /* the first one had real work */
    /* and the layout stays compact under the churn: new allocations go into
     * holes, not into the space compactions empty */
    ck_assert_msg(fragmentation <= 0.10, "fragmentation %.3f under churn", fragmentation);
    ck_assert_int_le(longest, (int)(2 * live / budget) + LAG + 2);
    /* Copied: what landed, and what was copied before its allocation was
     * replaced (dropped moves); counted once. */
    ck_assert_uint_eq(st.bytes_copied_by_defrag, copied);
    ck_assert_uint_ge(copied, s.bytes);
    ck_assert_uint_eq(copied > s.bytes, st.defrag_moves_dropped > 0);
    for (int i = 0; i < LIVE; i++) {
        expect_range(m, r[i], seed[i]);
    }
    free(r);
    free(seed);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, a_slow_gpu_delays_the_reports_but_never_makes_a_call_wait);
    tcase_add_test(tc, freed_ranges_are_never_planned_copied_or_reported);
    tcase_add_test(tc, moves_of_allocations_freed_or_written_in_flight_are_dropped_and_never_reported);
    tcase_add_test(tc, on_move_may_free_another_moving_allocation_which_is_then_never_reported);
    tcase_add_test(tc, what_no_hole_below_the_watermark_holds_packs_down_above_it);
    tcase_add_test(tc, new_allocations_during_a_compaction_fill_holes_below_the_watermark);
    tcase_add_test(tc, growth_with_moves_in_flight_keeps_their_bytes_and_they_still_land);
    tcase_add_test(tc, compactions_finish_under_continuous_churn);
}

static void setup_explicit(void)
{
    explicit_flush = 1;
    fx_setup();
}

static void teardown_explicit(void)
{
    fx_teardown();
    explicit_flush = 0;
}

static void device_local(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
}

int main(void)
{
    Suite *s = suite_create("mega_defrag");
    fx_add_tcases(s, "mega_defrag", add_tests, 1);
    fx_add_tcase(s, "mega_defrag/explicit-flush", setup_explicit, teardown_explicit, add_tests);
    fx_add_tcases_with(s, "mega_defrag/device-local", add_tests, 1, device_local);
    return fx_run(s);
}
