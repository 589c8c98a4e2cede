/* test_overflow.c - overflow you can see coming, on a real headless context
 * (every path the profile has): glbuf_mega and glbuf_stream under each
 * overflow policy (GROW, WAIT, FAIL and the default WAIT_THEN_GROW), in the
 * two situations that need one - bytes held by frames in flight (waiting
 * makes room) and a frame that outgrows the storage (only growth does) - and
 * the queries: glbuf_X_room is the largest request that fits now,
 * glbuf_X_predict is what the allocation then does, checked against the
 * allocation itself over a random replayable run.
 *
 * Frames in flight are held in flight with the fixture's slow GPU: a
 * non-blocking poll always finds a fence pending, a blocking wait really
 * waits. What an allocation did is read from the counters: a wait on a frame
 * fence (fence_waits, the stream's waits, pending frees retired), a growth
 * (growths). FAIL outcomes must leave everything as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/stream.h"

static const glbuf_overflow policies[] = {GLBUF_OVERFLOW_WAIT_THEN_GROW, GLBUF_OVERFLOW_GROW, GLBUF_OVERFLOW_WAIT,
                                          GLBUF_OVERFLOW_FAIL};
static const char *const policy_names[] = {"WAIT_THEN_GROW", "GROW", "WAIT", "FAIL"};

static int persistent(void)
{
    return (glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0;
}

/* ---- megabuffer ------------------------------------------------------------------ */

static glbuf_mega make_mega(uint64_t capacity, uint64_t max_capacity, glbuf_overflow overflow)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = max_capacity;
    d.overflow = overflow;
    d.label = "overflow-mega";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range mega_filled(glbuf_mega m, uint64_t size, uint32_t seed, uint64_t *offset)
{
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, size, 0, &r, offset), GLBUF_OK);
    void *p = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, r, &p), GLBUF_OK);
    fx_pattern(p, size, seed);
    return r;
}

static void expect_mega_range(glbuf_mega m, glbuf_mega_range r, uint64_t size, uint32_t seed)
{
    uint64_t offset = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r, &offset), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint8_t *got = malloc((size_t)size);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

static glbuf_fit mega_predict(glbuf_mega m, uint64_t size)
{
    glbuf_fit fit = (glbuf_fit)-1;
    ck_assert_int_eq(glbuf_mega_predict(fx_ctx, m, size, 0, &fit), GLBUF_OK);
    return fit;
}

static uint64_t mega_room(glbuf_mega m, uint64_t alignment)
{
    uint64_t room = UINT64_MAX;
    ck_assert_int_eq(glbuf_mega_room(fx_ctx, m, alignment, &room), GLBUF_OK);
    return room;
}

/* Everything a failed allocation must leave as it was, besides the failure
 * counter and the non-blocking polls. */
typedef struct mega_state {
    glbuf_mega_stats st;
    glbuf_ctx_stats cs;
} mega_state;

static mega_state mega_state_of(glbuf_mega m)
{
    mega_state s = {glbuf_mega_get_stats(fx_ctx, m), glbuf_ctx_get_stats(fx_ctx)};
    return s;
}

static void expect_mega_unchanged(glbuf_mega m, mega_state before)
{
    mega_state now = mega_state_of(m);
    now.st.failed_allocations = before.st.failed_allocations; /* counted: an expected failure */
    ck_assert_mem_eq(&now.st, &before.st, sizeof now.st);
    ck_assert_uint_eq(now.cs.fence_waits, before.cs.fence_waits);
    ck_assert_uint_eq(now.cs.calls_total - now.cs.calls[GLBUF_GL_ClientWaitSync],
                      before.cs.calls_total - before.cs.calls[GLBUF_GL_ClientWaitSync]);
    ck_assert_uint_eq(now.cs.buffers_alive, before.cs.buffers_alive);
}

/* 64 KiB: A [0, 32K) and B [32K, 56K) live, 8 KiB free at the end. B is
 * freed in frame 1, which then ends with the GPU held back: B's 24 KiB come
 * back by waiting for frame 1's fence. A request of 16 KiB needs them. */
static glbuf_mega mega_waiting_makes_room(glbuf_overflow overflow, glbuf_mega_range *a)
{
    glbuf_mega m = make_mega(64 * 1024, 1 << 20, overflow);
    glbuf_mega_range b;
    uint64_t offset = 1;
    *a = mega_filled(m, 32 * 1024, 1, &offset);
    ck_assert_uint_eq(offset, 0);
    b = mega_filled(m, 24 * 1024, 2, &offset);
    ck_assert_uint_eq(offset, 32 * 1024);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, b), GLBUF_OK);
    fx_simulate_slow_gpu(1);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(mega_room(m, 0), 8 * 1024);
    return m;
}

START_TEST(mega_policies_when_waiting_makes_room)
{
    const glbuf_fit want[] = {GLBUF_FIT_WAIT, GLBUF_FIT_GROW, GLBUF_FIT_WAIT, GLBUF_FIT_FULL};
    for (int i = 0; i < 4; i++) {
        glbuf_mega_range a;
        glbuf_mega m = mega_waiting_makes_room(policies[i], &a);
        ck_assert_int_eq(mega_predict(m, 8 * 1024), GLBUF_FIT_NOW);
        ck_assert_int_eq(mega_predict(m, 16 * 1024), want[i]);
        mega_state before = mega_state_of(m);
        glbuf_mega_range r = {0};
        uint64_t offset = 1;
        glbuf_result res = glbuf_mega_alloc(fx_ctx, m, 16 * 1024, 0, &r, &offset);
        mega_state after = mega_state_of(m);
        fx_simulate_slow_gpu(0);
        switch (want[i]) {
        case GLBUF_FIT_WAIT: /* B's bytes, after one wait for frame 1's fence */
            ck_assert_int_eq(res, GLBUF_OK);
            ck_assert_uint_eq(offset, 32 * 1024);
            ck_assert_uint_eq(after.cs.fence_waits, before.cs.fence_waits + 1);
            ck_assert_uint_eq(after.st.growths, 0);
            ck_assert_uint_eq(after.st.pending_frees, 0);
            break;
        case GLBUF_FIT_GROW: /* no wait: B is still pending, the storage doubled */
            ck_assert_int_eq(res, GLBUF_OK);
            ck_assert_uint_eq(offset, 56 * 1024); /* the free 8 KiB at the old end and the new tail */
            ck_assert_uint_eq(after.st.growths, 1);
            ck_assert_uint_eq(after.st.capacity, 128 * 1024);
            ck_assert_uint_eq(after.st.pending_frees, 1);
            break;
        default: /* FAIL: the documented code, nothing else */
            ck_assert_int_eq(res, GLBUF_ERR_FULL);
            ck_assert_uint_eq(r.id, 0);
            ck_assert_uint_eq(offset, 1);
            ck_assert_uint_eq(after.st.failed_allocations, before.st.failed_allocations + 1);
            expect_mega_unchanged(m, before);
            ck_assert_uint_eq(after.st.pending_frees, 1);
            break;
        }
        expect_mega_range(m, a, 32 * 1024, 1); /* A's bytes are where they were, whatever happened */
        ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

/* 64 KiB, A [0, 56K) live and B [56K, 64K) freed in the frame being
 * recorded: nothing comes back by waiting, only growth holds 16 KiB. */
START_TEST(mega_policies_when_only_growth_makes_room)
{
    const glbuf_fit want[] = {GLBUF_FIT_GROW, GLBUF_FIT_GROW, GLBUF_FIT_FULL, GLBUF_FIT_FULL};
    for (int i = 0; i < 4; i++) {
        glbuf_mega m = make_mega(64 * 1024, 1 << 20, policies[i]);
        uint64_t offset = 0;
        glbuf_mega_range a = mega_filled(m, 56 * 1024, 3, &offset);
        glbuf_mega_range b = mega_filled(m, 8 * 1024, 4, &offset);
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, b), GLBUF_OK);
        ck_assert_uint_eq(mega_room(m, 0), 0);
        ck_assert_int_eq(mega_predict(m, 16 * 1024), want[i]);
        mega_state before = mega_state_of(m);
        glbuf_mega_range r = {0};
        glbuf_result res = glbuf_mega_alloc(fx_ctx, m, 16 * 1024, 0, &r, &offset);
        mega_state after = mega_state_of(m);
        if (want[i] == GLBUF_FIT_GROW) {
            ck_assert_int_eq(res, GLBUF_OK);
            ck_assert_uint_eq(after.st.growths, 1);
            ck_assert_uint_eq(offset, 64 * 1024);
        } else {
            ck_assert_int_eq(res, GLBUF_ERR_FULL);
            expect_mega_unchanged(m, before);
            ck_assert_uint_eq(after.cs.calls[GLBUF_GL_ClientWaitSync], before.cs.calls[GLBUF_GL_ClientWaitSync]);
        }
        expect_mega_range(m, a, 56 * 1024, 3);
        ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

/* Growth must fit the memory budget of the desc (the old store and the new
 * one held at once): a growth the budget refuses is no way to make room, so
 * a policy that would grow predicts FULL and the allocation changes nothing;
 * under a budget that takes it, it grows. */
START_TEST(mega_growth_the_memory_budget_refuses_is_full)
{
    const uint64_t budgets[2] = {128 * 1024, 192 * 1024}; /* 64 + 128 KiB held during growth */
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 2; i++) { /* WAIT_THEN_GROW, GROW */
            glbuf_mega_desc d = {0};
            d.capacity = 64 * 1024;
            d.max_capacity = 1 << 20;
            d.overflow = policies[i];
            d.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
            d.memory_budget = budgets[k];
            d.label = "budgeted";
            glbuf_mega m = {0};
            ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
            uint64_t offset = 0;
            glbuf_mega_range a = mega_filled(m, 60 * 1024, 5, &offset);
            glbuf_fit want = k == 0 ? GLBUF_FIT_FULL : GLBUF_FIT_GROW;
            ck_assert_int_eq(mega_predict(m, 16 * 1024), want);
            mega_state before = mega_state_of(m);
            glbuf_mega_range r = {0};
            glbuf_result res = glbuf_mega_alloc(fx_ctx, m, 16 * 1024, 0, &r, &offset);
            if (want == GLBUF_FIT_FULL) {
                ck_assert_int_eq(res, GLBUF_ERR_FULL);
                expect_mega_unchanged(m, before);
            } else {
                ck_assert_int_eq(res, GLBUF_OK);
                ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).growths, 1);
                ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).capacity, 128 * 1024);
            }
            expect_mega_range(m, a, 60 * 1024, 5);
            ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
        }
    }
}
END_TEST

/* Any positive alignment, as glbuf_mega_alloc takes it (the offset a
 * multiple of it and of the use's 16): room and predict answer for the
 * same least common multiple. */
START_TEST(mega_room_and_predict_at_a_vertex_stride)
{
    glbuf_mega m = make_mega(4096, 4096, GLBUF_OVERFLOW_FAIL);
    uint64_t offset = 0;
    glbuf_mega_range a = mega_filled(m, 100, 6, &offset); /* [0, 100) */
    /* 24 with 16: offsets are multiples of 48; the first after 100 is 144 */
    ck_assert_uint_eq(mega_room(m, 24), 4096 - 144);
    ck_assert_uint_eq(mega_room(m, 0), 4096 - 112);
    glbuf_fit fit;
    ck_assert_int_eq(glbuf_mega_predict(fx_ctx, m, 4096 - 144, 24, &fit), GLBUF_OK);
    ck_assert_int_eq(fit, GLBUF_FIT_NOW);
    ck_assert_int_eq(glbuf_mega_predict(fx_ctx, m, 4096 - 143, 24, &fit), GLBUF_OK);
    ck_assert_int_eq(fit, GLBUF_FIT_FULL);
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 4096 - 143, 24, &r, &offset), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 4096 - 144, 24, &r, &offset), GLBUF_OK);
    ck_assert_uint_eq(offset, 144);
    expect_mega_range(m, a, 100, 6);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* At max_capacity GROW waits; growth NONE makes the default a WAIT. */
START_TEST(mega_grow_waits_at_max_capacity_and_growth_none_never_grows)
{
    glbuf_mega_range a;
    glbuf_mega m = mega_waiting_makes_room(GLBUF_OVERFLOW_GROW, &a);
    ck_assert_int_eq(mega_predict(m, 16 * 1024), GLBUF_FIT_GROW);
    ck_assert_int_eq(mega_predict(m, 1 << 20), GLBUF_FIT_FULL); /* the tail of a 1 MiB store cannot hold 1 MiB */
    fx_simulate_slow_gpu(0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);

    glbuf_mega_desc d = {0};
    d.capacity = 64 * 1024;
    d.max_capacity = 64 * 1024;
    d.overflow = GLBUF_OVERFLOW_GROW;
    glbuf_mega capped = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &capped), GLBUF_OK);
    d.max_capacity = 1 << 20;
    d.overflow = GLBUF_OVERFLOW_WAIT_THEN_GROW;
    d.growth = GLBUF_MEGA_GROW_NONE;
    glbuf_mega none = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &none), GLBUF_OK);
    glbuf_mega both[2] = {capped, none};
    glbuf_mega_range r[2][2];
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, both[k], 32 * 1024, 0, &r[k][0], NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, both[k], 32 * 1024, 0, &r[k][1], NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, both[k], r[k][1]), GLBUF_OK);
        ck_assert_int_eq(mega_predict(both[k], 16), GLBUF_FIT_FULL); /* freed this frame */
    }
    fx_simulate_slow_gpu(1);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(mega_predict(both[k], 16), GLBUF_FIT_WAIT);
    }
    for (int k = 0; k < 2; k++) {
        uint64_t waits = glbuf_ctx_get_stats(fx_ctx).fence_waits;
        uint64_t offset = 0;
        glbuf_mega_range x;
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, both[k], 16, 0, &x, &offset), GLBUF_OK);
        ck_assert_uint_eq(offset, 32 * 1024);
        ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).fence_waits, waits + (k == 0 ? 1u : 0u)); /* one wait did both */
        ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, both[k]).growths, 0);
    }
    fx_simulate_slow_gpu(0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, capped), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, none), GLBUF_OK);
}
END_TEST

/* The room is exact: a request of that size fits now, one byte more does not. */
START_TEST(mega_room_is_the_largest_request_that_fits_now)
{
    glbuf_mega m = make_mega(64 * 1024, 64 * 1024, GLBUF_OVERFLOW_FAIL);
    ck_assert_uint_eq(mega_room(m, 0), 64 * 1024);
    ck_assert_uint_eq(mega_room(m, 1u << 20), 64 * 1024); /* offset 0 is aligned to anything */
    glbuf_mega_range a, b, c;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 1000, 0, &a, NULL), GLBUF_OK);  /* [0, 1000) */
    ck_assert_uint_eq(mega_room(m, 0), 64 * 1024 - 1008);                      /* from 1008 (16-aligned) */
    ck_assert_uint_eq(mega_room(m, 4096), 64 * 1024 - 4096);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 20000, 0, &b, NULL), GLBUF_OK); /* [1008, 21008) */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 30000, 0, &c, NULL), GLBUF_OK); /* [21008, 51008) */
    ck_assert_uint_eq(mega_room(m, 0), 65536 - 51008);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, b), GLBUF_OK);
    ck_assert_uint_eq(mega_room(m, 0), 65536 - 51008); /* pending until frame 1 completes */
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(mega_room(m, 0), 20000);           /* [1008, 21008) is back */
    ck_assert_uint_eq(mega_room(m, 8192), 21008 - 8192); /* 8 KiB-aligned: [8192, 21008) beats [57344, 64K) */
    uint64_t room = mega_room(m, 0);
    ck_assert_int_eq(mega_predict(m, room), GLBUF_FIT_NOW);
    ck_assert_int_eq(mega_predict(m, room + 1), GLBUF_FIT_FULL);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(before.pending_frees, 1); /* the queries retired nothing */
    glbuf_mega_range d;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, room + 1, 0, &d, NULL), GLBUF_ERR_FULL);
    uint64_t offset = 0;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, room, 0, &d, &offset), GLBUF_OK);
    ck_assert_uint_eq(offset, 1008);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- stream ---------------------------------------------------------------------- */

static glbuf_stream make_stream(uint64_t capacity, uint64_t max_capacity, glbuf_overflow overflow)
{
    glbuf_stream_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = max_capacity;
    d.overflow = overflow;
    d.label = "overflow-stream";
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_OK);
    return s;
}

static glbuf_fit stream_predict(glbuf_stream s, uint64_t size, uint64_t align)
{
    glbuf_fit fit = (glbuf_fit)-1;
    ck_assert_int_eq(glbuf_stream_predict(fx_ctx, s, size, align, &fit), GLBUF_OK);
    return fit;
}

static uint64_t stream_room(glbuf_stream s, uint64_t align)
{
    uint64_t room = UINT64_MAX;
    ck_assert_int_eq(glbuf_stream_room(fx_ctx, s, align, &room), GLBUF_OK);
    return room;
}

/* Flushes and checks what GL has at the allocation. */
static void expect_stream_pattern(glbuf_stream s, const glbuf_stream_allocation *a, uint64_t size, uint32_t seed)
{
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    uint8_t *got = malloc((size_t)size);
    fx_read(a->name, a->offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

/* Writes a pattern, then as expect_stream_pattern. */
static void expect_stream_bytes(glbuf_stream s, const glbuf_stream_allocation *a, uint64_t size, uint32_t seed)
{
    fx_pattern(a->ptr, size, seed);
    expect_stream_pattern(s, a, size, seed);
}

/* A 4 KiB ring: frame 1 takes 3 KiB and ends with the GPU held back. In
 * frame 2 a request of 2 KiB does not fit before the ring's end and wraps to
 * offset 0, which frame 1 still holds: waiting for frame 1 makes room (on
 * the fallback path every frame starts from a fresh store: it fits). */
START_TEST(stream_policies_when_waiting_makes_room)
{
    const glbuf_fit want[] = {GLBUF_FIT_WAIT, GLBUF_FIT_GROW, GLBUF_FIT_WAIT, GLBUF_FIT_FULL};
    for (int i = 0; i < 4; i++) {
        glbuf_stream s = make_stream(4096, 16384, policies[i]);
        glbuf_stream_allocation a;
        ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 3072, 16, &a), GLBUF_OK);
        expect_stream_bytes(s, &a, 3072, 10);
        fx_simulate_slow_gpu(1);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        glbuf_fit expected = persistent() ? want[i] : GLBUF_FIT_NOW;
        ck_assert_uint_eq(stream_room(s, 16), persistent() ? 1024 : 4096);
        ck_assert_int_eq(stream_predict(s, 1024, 16), GLBUF_FIT_NOW);
        ck_assert_int_eq(stream_predict(s, 2048, 16), expected);
        glbuf_stream_stats before = glbuf_stream_get_stats(fx_ctx, s);
        glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
        glbuf_stream_allocation b;
        memset(&b, 0, sizeof b);
        glbuf_result r = glbuf_stream_alloc(fx_ctx, s, 2048, 16, &b);
        glbuf_stream_stats after = glbuf_stream_get_stats(fx_ctx, s);
        if (expected == GLBUF_FIT_FULL) {
            ck_assert_int_eq(r, GLBUF_ERR_FULL);
            ck_assert_ptr_null(b.ptr);
            ck_assert_mem_eq(&after, &before, sizeof after); /* nothing changed */
            glbuf_ctx_stats now = glbuf_ctx_get_stats(fx_ctx);
            ck_assert_uint_eq(now.fence_waits, cs.fence_waits);
            ck_assert_uint_eq(now.calls_total - now.calls[GLBUF_GL_ClientWaitSync],
                              cs.calls_total - cs.calls[GLBUF_GL_ClientWaitSync]);
            ck_assert_uint_eq(stream_room(s, 16), 1024); /* as before */
            ck_assert_int_eq(stream_predict(s, 1024, 16), GLBUF_FIT_NOW);
        }
        fx_simulate_slow_gpu(0);
        if (expected != GLBUF_FIT_FULL) {
            ck_assert_int_eq(r, GLBUF_OK);
            ck_assert_uint_eq(after.waits, before.waits + (expected == GLBUF_FIT_WAIT ? 1u : 0u));
            ck_assert_uint_eq(after.growths, before.growths + (expected == GLBUF_FIT_GROW ? 1u : 0u));
            if (expected == GLBUF_FIT_GROW) {
                ck_assert_uint_eq(after.capacity, 8192); /* 3 frames of 2 KiB */
                ck_assert_uint_eq(b.offset, 0);
                ck_assert_uint_ne(b.name, a.name);
            } else if (expected == GLBUF_FIT_WAIT) {
                ck_assert_uint_eq(b.offset, 0); /* where frame 1 was */
            }
            expect_stream_bytes(s, &b, 2048, 11);
        }
        ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

/* One frame asks for 3 KiB and then 2 KiB of a 4 KiB ring: no wait brings
 * its own bytes back, only growth holds both. */
START_TEST(stream_policies_when_only_growth_makes_room)
{
    const glbuf_fit want[] = {GLBUF_FIT_GROW, GLBUF_FIT_GROW, GLBUF_FIT_FULL, GLBUF_FIT_FULL};
    for (int i = 0; i < 4; i++) {
        glbuf_stream s = make_stream(4096, 16384, policies[i]);
        glbuf_stream_allocation a, b;
        ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 3072, 16, &a), GLBUF_OK);
        fx_pattern(a.ptr, 3072, 13);
        ck_assert_uint_eq(stream_room(s, 16), 1024);
        ck_assert_int_eq(stream_predict(s, 2048, 16), want[i]);
        glbuf_stream_stats before = glbuf_stream_get_stats(fx_ctx, s);
        memset(&b, 0, sizeof b);
        glbuf_result r = glbuf_stream_alloc(fx_ctx, s, 2048, 16, &b);
        glbuf_stream_stats after = glbuf_stream_get_stats(fx_ctx, s);
        if (want[i] == GLBUF_FIT_GROW) {
            ck_assert_int_eq(r, GLBUF_OK);
            ck_assert_uint_eq(after.growths, 1);
            ck_assert_uint_eq(after.waits, 0);
            ck_assert_uint_eq(after.capacity, persistent() ? 16384 : 8192); /* 3 frames of 5 KiB, capped; 1 frame */
            expect_stream_bytes(s, &b, 2048, 12);
        } else {
            ck_assert_int_eq(r, GLBUF_ERR_FULL);
            ck_assert_mem_eq(&after, &before, sizeof after);
        }
        expect_stream_pattern(s, &a, 3072, 13); /* the first allocation is intact either way */
        ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(stream_grow_waits_at_max_capacity)
{
    if (!persistent()) {
        FX_SKIP("a persistent ring (ARB_buffer_storage) holds frames in flight; the fallback path never waits");
    }
    glbuf_stream s = make_stream(4096, 4096, GLBUF_OVERFLOW_GROW);
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 3072, 16, &a), GLBUF_OK);
    fx_simulate_slow_gpu(1);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(stream_predict(s, 2048, 16), GLBUF_FIT_WAIT);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 2048, 16, &a), GLBUF_OK);
    fx_simulate_slow_gpu(0);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).waits, 1);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).growths, 0);
    ck_assert_int_eq(stream_predict(s, 4096, 16), GLBUF_FIT_FULL); /* its own 2 KiB stay */
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(stream_room_is_the_largest_request_that_fits_now)
{
    glbuf_stream s = make_stream(4096, 4096, GLBUF_OVERFLOW_FAIL);
    ck_assert_uint_eq(stream_room(s, 1), 4096);
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 1000, 16, &a), GLBUF_OK);
    ck_assert_uint_eq(stream_room(s, 16), 4096 - 1008); /* this frame's own bytes never come back */
    ck_assert_uint_eq(stream_room(s, 1), 4096 - 1000);
    ck_assert_uint_eq(stream_room(s, 1024), 4096 - 1024);
    ck_assert_int_eq(stream_predict(s, 3096, 1), GLBUF_FIT_NOW);
    ck_assert_int_eq(stream_predict(s, 3097, 1), GLBUF_FIT_FULL);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 3097, 1, &a), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 3096, 1, &a), GLBUF_OK);
    ck_assert_uint_eq(a.offset, 1000);
    ck_assert_uint_eq(stream_room(s, 1), 0);
    ck_assert_int_eq(stream_predict(s, 1, 1), GLBUF_FIT_FULL);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(stream_room(s, 1), 4096); /* the next frame: every byte is back */
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* ---- prediction is the decision: a random replayable run ----------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t next(rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(r->s >> 33);
}

/* A power of two up to 256, or a vertex size that is not one. */
static uint64_t any_alignment(rng *g)
{
    static const uint64_t strides[4] = {12, 24, 36, 56};
    uint32_t k = next(g) % 12u;
    return k < 9 ? (uint64_t)1 << k : strides[next(g) % 4u];
}

/* What the last allocation did, from the counters. */
static glbuf_fit mega_outcome(glbuf_result r, mega_state before, mega_state after)
{
    if (r == GLBUF_ERR_FULL) {
        return GLBUF_FIT_FULL;
    }
    ck_assert_int_eq(r, GLBUF_OK);
    if (after.st.growths != before.st.growths) {
        return GLBUF_FIT_GROW;
    }
    return after.cs.fence_waits != before.cs.fence_waits ? GLBUF_FIT_WAIT : GLBUF_FIT_NOW;
}

START_TEST(mega_predict_is_what_alloc_does)
{
    enum { LIVE = 64, STEPS = 1500 };
    for (int p = 0; p < 4; p++) {
        rng g = {0x5EEDu + (uint64_t)p};
        glbuf_mega m = make_mega(32 * 1024, 256 * 1024, policies[p]);
        /* Polls never see a frame complete, only waits do (glbuf's, and
         * glbuf_ctx_end_frame's at 16 frames in flight): the run does not
         * depend on how fast llvmpipe is, and predictions cannot be
         * overtaken by the GPU between predict and alloc. */
        fx_simulate_slow_gpu(1);
        glbuf_mega_range live[LIVE];
        int count = 0, seen[4] = {0, 0, 0, 0};
        for (int step = 0; step < STEPS; step++) {
            uint32_t op = next(&g) % 16u;
            if (op < 2) {
                ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
            } else if (op < 7 && count > 0) {
                int k = (int)(next(&g) % (uint32_t)count);
                ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, live[k]), GLBUF_OK);
                live[k] = live[--count];
            } else if (count < LIVE) {
                uint64_t size = 16u + next(&g) % 6000u;
                uint64_t align = any_alignment(&g);
                uint64_t room = 0;
                ck_assert_int_eq(glbuf_mega_room(fx_ctx, m, align, &room), GLBUF_OK);
                glbuf_fit fit;
                ck_assert_int_eq(glbuf_mega_predict(fx_ctx, m, size, align, &fit), GLBUF_OK);
                ck_assert_msg((fit == GLBUF_FIT_NOW) == (size <= room), "step %d: %llu bytes, room %llu, fit %d", step,
                              (unsigned long long)size, (unsigned long long)room, fit);
                mega_state before = mega_state_of(m);
                glbuf_result r = glbuf_mega_alloc(fx_ctx, m, size, align, &live[count], NULL);
                glbuf_fit did = mega_outcome(r, before, mega_state_of(m));
                ck_assert_msg(did == fit, "step %d (policy %d): predicted %d, alloc did %d", step, p, fit, did);
                seen[did]++;
                count += r == GLBUF_OK;
            }
        }
        fx_simulate_slow_gpu(0);
        printf("megabuffer, %s: predictions checked against allocations: %d now, %d wait, %d grow, %d full\n",
               policy_names[p], seen[0], seen[1], seen[2], seen[3]);
        /* the run met every outcome its policy has */
        ck_assert_int_gt(seen[GLBUF_FIT_NOW], 0);
        ck_assert_int_eq(seen[GLBUF_FIT_WAIT] > 0, policies[p] != GLBUF_OVERFLOW_FAIL);
        ck_assert_int_eq(seen[GLBUF_FIT_GROW] > 0,
                         policies[p] == GLBUF_OVERFLOW_GROW || policies[p] == GLBUF_OVERFLOW_WAIT_THEN_GROW);
        ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(stream_predict_is_what_alloc_does)
{
    enum { STEPS = 3000 };
    for (int p = 0; p < 4; p++) {
        rng g = {0xF00Du + (uint64_t)p};
        glbuf_stream_desc d = {0};
        d.capacity = 8192;
        d.max_capacity = 65536;
        d.overflow = policies[p];
        d.trim_after_frames = 8; /* shrinks happen within the run: predict sees them coming */
        d.label = "overflow-stream";
        glbuf_stream s = {0};
        ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_OK);
        fx_simulate_slow_gpu(1); /* as in mega_predict_is_what_alloc_does */
        int seen[4] = {0, 0, 0, 0};
        for (int step = 0; step < STEPS; step++) {
            if (next(&g) % 8u == 0) {
                ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
                ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
                continue;
            }
            /* bursts grow the ring, quiet frames shrink it again */
            uint64_t size = 1u + next(&g) % ((step / 500) % 2 == 0 ? 3000u : 200u);
            uint64_t align = any_alignment(&g);
            uint64_t room = 0;
            ck_assert_int_eq(glbuf_stream_room(fx_ctx, s, align, &room), GLBUF_OK);
            glbuf_fit fit;
            ck_assert_int_eq(glbuf_stream_predict(fx_ctx, s, size, align, &fit), GLBUF_OK);
            ck_assert_msg((fit == GLBUF_FIT_NOW) == (size <= room), "step %d: %llu bytes at %llu, room %llu, fit %d",
                          step, (unsigned long long)size, (unsigned long long)align, (unsigned long long)room, fit);
            glbuf_stream_stats before = glbuf_stream_get_stats(fx_ctx, s);
            glbuf_stream_allocation a;
            glbuf_result r = glbuf_stream_alloc(fx_ctx, s, size, align, &a);
            glbuf_stream_stats after = glbuf_stream_get_stats(fx_ctx, s);
            glbuf_fit did = r == GLBUF_ERR_FULL ? GLBUF_FIT_FULL
                            : after.growths != before.growths ? GLBUF_FIT_GROW
                            : after.waits != before.waits     ? GLBUF_FIT_WAIT
                                                              : GLBUF_FIT_NOW;
            ck_assert_msg(r == GLBUF_OK || r == GLBUF_ERR_FULL, "step %d: %s", step, glbuf_result_name(r));
            ck_assert_msg(did == fit, "step %d (policy %d): %llu bytes at %llu: predicted %d, alloc did %d", step, p,
                          (unsigned long long)size, (unsigned long long)align, fit, did);
            seen[did]++;
        }
        fx_simulate_slow_gpu(0);
        glbuf_stream_stats end = glbuf_stream_get_stats(fx_ctx, s);
        printf("stream (%s), %s: predictions checked against allocations: %d now, %d wait, %d grow, %d full; "
               "%llu shrinks\n",
               persistent() ? "persistent" : "fallback", policy_names[p], seen[0], seen[1], seen[2], seen[3],
               (unsigned long long)end.shrinks);
        if (seen[GLBUF_FIT_GROW] > 0) {
            ck_assert_uint_gt(end.shrinks, 0); /* the run met a shrink too */
        }
        ck_assert_int_gt(seen[GLBUF_FIT_NOW], 0);
        if (persistent()) {
            ck_assert_int_eq(seen[GLBUF_FIT_WAIT] > 0, policies[p] != GLBUF_OVERFLOW_FAIL);
        }
        ck_assert_int_eq(seen[GLBUF_FIT_GROW] > 0,
                         policies[p] == GLBUF_OVERFLOW_GROW || policies[p] == GLBUF_OVERFLOW_WAIT_THEN_GROW);
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, mega_policies_when_waiting_makes_room);
    tcase_add_test(tc, mega_policies_when_only_growth_makes_room);
    tcase_add_test(tc, mega_growth_the_memory_budget_refuses_is_full);
    tcase_add_test(tc, mega_room_and_predict_at_a_vertex_stride);
    tcase_add_test(tc, mega_grow_waits_at_max_capacity_and_growth_none_never_grows);
    tcase_add_test(tc, mega_room_is_the_largest_request_that_fits_now);
    tcase_add_test(tc, stream_policies_when_waiting_makes_room);
    tcase_add_test(tc, stream_policies_when_only_growth_makes_room);
    tcase_add_test(tc, stream_grow_waits_at_max_capacity);
    tcase_add_test(tc, stream_room_is_the_largest_request_that_fits_now);
    tcase_add_test(tc, mega_predict_is_what_alloc_does);
    tcase_add_test(tc, stream_predict_is_what_alloc_does);
}

int main(void)
{
    Suite *s = suite_create("overflow");
    fx_add_tcases(s, "overflow", add_tests, 1);
    return fx_run(s);
}
