/* test_mega_staging.c - device-local writes through the staging ring, on
 * every path of the profile and with an explicitly flushed ring: copies
 * merged when adjacent (and over the padding between whole allocations, but
 * never over bytes an allocation owns), later writes winning, a frame that
 * writes more than the ring (cuts), writes and spans larger than the ring
 * (temporary buffers), an outstanding span keeping the ring, and the barrier
 * before copies into a shader-writable store. Data is read back from the GPU. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "mega_checks.h"
#include "glbuf/mega.h"

static const glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
static int explicit_flush; /* per TCase */

static glbuf_mega make_with(glbuf_mega_desc d)
{
    d.placement = placement;
    d.explicit_flush = explicit_flush;
    d.label = "staging";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega make(uint64_t capacity)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    return make_with(d);
}

START_TEST(adjacent_writes_merge_into_one_copy_and_later_writes_win)
{
    glbuf_mega m = make(1 << 20);
    glbuf_mega_range r = alloc(m, 64 * 100);
    uint8_t all[6400];
    fx_pattern(all, sizeof all, 7);
    glbuf_ctx_reset_stats(fx_ctx);
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, (uint64_t)i * 64, all + i * 64, 64), GLBUF_OK);
    }
    glbuf_ctx_stats staged = glbuf_ctx_get_stats(fx_ctx);
    /* staging makes no GL call (the fixture's validation checks glGetError) */
    ck_assert_uint_eq(staged.calls_total - staged.calls[GLBUF_GL_GetError], 0);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(before.staged_bytes, 6400);
    expect(m, r, 0, 6400, 7);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.staged_copies, before.staged_copies + 1);
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(cs.calls[GLBUF_GL_CopyNamedBufferSubData] + cs.calls[GLBUF_GL_CopyBufferSubData], 1);

    /* overlapping writes: each later one wins where it lands */
    uint8_t x[1000], y[600];
    fx_pattern(x, sizeof x, 8);
    fx_pattern(y, sizeof y, 9);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, x, sizeof x), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 200, y, sizeof y), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, x, 100), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint8_t got[1000], want[1000];
    memcpy(want, x, sizeof want);
    memcpy(want + 200, y, sizeof y);
    uint64_t offset = 0;
    glbuf_mega_offset(fx_ctx, m, r, &offset);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset, sizeof got, got);
    ck_assert(memcmp(got, want, sizeof got) == 0);
    uint8_t beyond[5400];
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset + 1000, sizeof beyond, beyond);
    ck_assert(memcmp(beyond, all + 1000, sizeof beyond) == 0); /* untouched beyond */
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(whole_allocations_merge_over_their_padding_and_partial_writes_do_not)
{
    glbuf_mega m = make(65536);
    enum { K = 10, SIZE = 100 }; /* 16-byte alignment: 12 bytes of padding after each */
    glbuf_mega_range r[K];
    for (int i = 0; i < K; i++) {
        r[i] = alloc(m, SIZE);
    }
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    for (int i = 0; i < K; i++) {
        write_pattern(m, r[i], 0, SIZE, (uint32_t)(60 + i));
    }
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).staged_copies, before.staged_copies + 1);
    for (int i = 0; i < K; i++) {
        expect_now(m, r[i], 0, SIZE, (uint32_t)(60 + i));
    }
    /* half of r[0], then all of r[1]: the bytes between are r[0]'s own, so
     * the two copies stay apart and r[0]'s second half is untouched */
    before = glbuf_mega_get_stats(fx_ctx, m);
    write_pattern(m, r[0], 0, 50, 70);
    write_pattern(m, r[1], 0, SIZE, 71);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).staged_copies, before.staged_copies + 2);
    expect_now(m, r[0], 0, 50, 70);
    uint8_t got[SIZE], want[SIZE];
    fx_pattern(want, SIZE, 60);
    uint64_t offset = 0;
    glbuf_mega_offset(fx_ctx, m, r[0], &offset);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset + 50, 50, got);
    ck_assert(memcmp(got, want + 50, 50) == 0);
    expect_now(m, r[1], 0, SIZE, 71);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static glbuf_mega make_small_ring(uint64_t capacity)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.staging_max_capacity = 64 << 10;
    return make_with(d);
}

START_TEST(a_frame_that_writes_more_than_the_staging_ring_reuses_it)
{
    glbuf_mega m = make_small_ring(4 << 20);
    enum { N = 512, SIZE = 4096 }; /* 2 MiB in one frame through a 64 KiB ring */
    glbuf_mega_range r[N];
    for (int i = 0; i < N; i++) {
        r[i] = alloc(m, SIZE);
        write_pattern(m, r[i], 0, SIZE, (uint32_t)(1000 + i));
    }
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_gt(s.staging_cuts, 8);
    ck_assert_uint_eq(s.staging_overflows, 0);
    ck_assert_uint_le(s.bytes_host_visible, 64 << 10); /* the ring never grew past its maximum */
    for (int i = 0; i < N; i++) {
        expect(m, r[i], 0, SIZE, (uint32_t)(1000 + i));
    }
    /* ... and the next frames work on the same ring */
    for (int f = 0; f < 4; f++) {
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        for (int i = 0; i < N; i += 7) {
            write_pattern(m, r[i], 0, SIZE, (uint32_t)(5000 + f * N + i));
        }
    }
    for (int i = 0; i < N; i++) {
        expect(m, r[i], 0, SIZE, (uint32_t)(i % 7 ? 1000 + i : 5000 + 3 * N + i));
    }
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(a_write_larger_than_the_ring_goes_through_a_temporary_buffer)
{
    glbuf_mega m = make_small_ring(1 << 20);
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    glbuf_mega_range a = alloc(m, 1000), big = alloc(m, 256 << 10), c = alloc(m, 1000);
    write_pattern(m, a, 0, 1000, 1);
    write_pattern(m, big, 0, 256 << 10, 2); /* 4x the ring */
    write_pattern(m, c, 0, 1000, 3);
    void *p = NULL;
    glbuf_mega_range d = alloc(m, 200 << 10);
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, d, &p), GLBUF_OK); /* a span larger than the ring */
    fx_pattern(p, 200 << 10, 4);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).staging_overflows, 2);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive + 2);
    expect(m, a, 0, 1000, 1);
    expect_now(m, big, 0, 256 << 10, 2);
    expect_now(m, c, 0, 1000, 3);
    expect_now(m, d, 0, 200 << 10, 4);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive); /* temporaries deleted */
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(an_outstanding_span_keeps_the_ring_and_later_writes_overflow_in_order)
{
    glbuf_mega m = make_small_ring(1 << 20);
    glbuf_mega_range s = alloc(m, 16 << 10);
    void *p = NULL, *again = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, s, &p), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, s, &again), GLBUF_OK);
    ck_assert_ptr_eq(p, again); /* nothing staged in between: the same span */
    /* 160 KiB of writes while the span is not written yet: the ring cannot
     * be reused under it, so what does not fit overflows */
    enum { N = 40 };
    glbuf_mega_range r[N];
    for (int i = 0; i < N; i++) {
        r[i] = alloc(m, 4096);
        write_pattern(m, r[i], 0, 4096, (uint32_t)(200 + i));
    }
    /* a later write over part of the span's allocation wins over the span */
    write_pattern(m, s, 0, 512, 99);
    glbuf_mega_stats st = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_gt(st.staging_overflows, 0);
    ck_assert_uint_eq(st.staging_cuts, 0);
    fx_pattern(p, 16 << 10, 98); /* the app writes its span late, before the flush */
    expect(m, s, 0, 512, 99);
    uint8_t span[16 << 10];
    fx_pattern(span, sizeof span, 98);
    uint8_t got[(16 << 10) - 512];
    uint64_t offset = 0;
    glbuf_mega_offset(fx_ctx, m, s, &offset);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset + 512, sizeof got, got);
    ck_assert(memcmp(got, span + 512, sizeof got) == 0);
    for (int i = 0; i < N; i++) {
        expect_now(m, r[i], 0, 4096, (uint32_t)(200 + i));
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* Shader-writable megabuffers: staged copies come after a buffer-update
 * barrier, so that they are ordered after the shader writes before them. */
START_TEST(storage_use_puts_a_barrier_before_staged_copies)
{
    FX_REQUIRE(FX_GL_4_3, "shader storage buffers");
    glbuf_mega_desc d = {0};
    d.use = GLBUF_MEGA_USE_STORAGE;
    glbuf_mega m = make_with(d);
    glbuf_mega_range r = alloc(m, 256);
    write_pattern(m, r, 0, 256, 5);
    glbuf_ctx_reset_stats(fx_ctx);
    expect(m, r, 0, 256, 5);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls[GLBUF_GL_MemoryBarrier], 1);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST


static void add_tests(TCase *tc)
{
    tcase_add_test(tc, adjacent_writes_merge_into_one_copy_and_later_writes_win);
    tcase_add_test(tc, whole_allocations_merge_over_their_padding_and_partial_writes_do_not);
    tcase_add_test(tc, a_frame_that_writes_more_than_the_staging_ring_reuses_it);
    tcase_add_test(tc, a_write_larger_than_the_ring_goes_through_a_temporary_buffer);
    tcase_add_test(tc, an_outstanding_span_keeps_the_ring_and_later_writes_overflow_in_order);
    tcase_add_test(tc, storage_use_puts_a_barrier_before_staged_copies);
}

/* A staging ring mapped without MAP_COHERENT: flushed before the copies. */
static void setup_explicit(void)
{
    explicit_flush = 1;
    fx_setup();
}

int main(void)
{
    Suite *s = suite_create("mega_staging");
    fx_add_tcases(s, "device-local", add_tests, 1);
    if (fx_has(FX_BUFFER_STORAGE)) {
        fx_add_tcase(s, "device-local/explicit-flush", setup_explicit, fx_teardown, add_tests);
    }
    return fx_run(s);
}
