/* test_mega_trim.c - the store's size over time, in both placements on every
 * path: growth that never makes the CPU wait for its GPU copy (host-visible:
 * only a write over bytes still landing waits), glbuf_mega_trim and the AUTO
 * policy (the store shrinks to the used extent, rounded to the growth
 * sequence; no offset moves), a write made just before a trim, and a trim
 * that fails changing nothing. Contents are read back from the GPU. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"

static glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE; /* per TCase */

static glbuf_mega make(uint64_t capacity, glbuf_mega_growth growth, glbuf_mega_trim_policy trim)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.growth = growth;
    d.trim = trim;
    d.placement = placement;
    d.label = "trim";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range alloc_written(glbuf_mega m, uint64_t size, uint32_t seed)
{
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, size, 0, &r, NULL), GLBUF_OK);
    uint8_t *p = malloc((size_t)size);
    fx_pattern(p, size, seed);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, p, size), GLBUF_OK);
    free(p);
    return r;
}

static void expect(glbuf_mega m, glbuf_mega_range r, uint32_t seed)
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

static int host_mapped(glbuf_mega m)
{
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    return s.placement == GLBUF_MEGA_PLACEMENT_HOST_VISIBLE && s.has_buffer_storage;
}

/* ---- growth ----------------------------------------------------------------------------- */

START_TEST(growth_makes_the_cpu_wait_only_for_a_write_over_bytes_still_landing)
{
    glbuf_mega m = make(64 << 10, GLBUF_MEGA_GROW_POW2, GLBUF_MEGA_TRIM_MANUAL);
    glbuf_mega_range old = alloc_written(m, 40 << 10, 1);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    /* A slow GPU: no fence has signalled when polled, a real wait waits. */
    fx_simulate_slow_gpu(1);
    uint64_t waits = glbuf_ctx_get_stats(fx_ctx).fence_waits;
    glbuf_mega_range fresh = alloc_written(m, 100 << 10, 2); /* grows; written above the old extent */
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(s.growths, 1);
    ck_assert_uint_eq(s.landing_waits, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).fence_waits, waits); /* nobody waited */
    /* a write over bytes the growth copy is still writing waits for it
     * (host-visible); device-local, nothing on the CPU touches the store */
    uint8_t over[512];
    fx_pattern(over, sizeof over, 3);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, old, 1024, over, sizeof over), GLBUF_OK);
    int mapped = host_mapped(m);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).landing_waits, mapped ? 1 : 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).fence_waits, waits + (mapped ? 1 : 0));
    fx_simulate_slow_gpu(0);
    expect(m, fresh, 2);
    uint8_t got[40 << 10], want[40 << 10];
    fx_pattern(want, sizeof want, 1);
    memcpy(want + 1024, over, sizeof over);
    uint64_t offset = 0;
    glbuf_mega_offset(fx_ctx, m, old, &offset);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset, sizeof got, got);
    ck_assert(memcmp(got, want, sizeof got) == 0);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- trim --------------------------------------------------------------------------------- */

enum { N = 20, SIZE = 50 << 10 };

/* Grows a 64 KiB megabuffer to hold N x 50 KiB, then frees all but the
 * first `keep`; returns the capacity reached. */
static uint64_t grow_then_free(glbuf_mega m, glbuf_mega_range *r, int keep)
{
    for (int i = 0; i < N; i++) {
        r[i] = alloc_written(m, SIZE, (uint32_t)(10 + i));
    }
    uint64_t grown = glbuf_mega_get_stats(fx_ctx, m).capacity;
    ck_assert_uint_ge(grown, (uint64_t)N * SIZE);
    for (int i = keep; i < N; i++) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
    }
    return grown;
}

START_TEST(trim_shrinks_to_the_used_extent_and_moves_no_offset)
{
    glbuf_mega m = make(64 << 10, GLBUF_MEGA_GROW_POW2, GLBUF_MEGA_TRIM_MANUAL);
    glbuf_mega_range r[N];
    uint64_t grown = grow_then_free(m, r, 5);
    uint64_t offsets[5];
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r[i], &offsets[i]), GLBUF_OK);
    }
    /* frees of this frame still count: nothing to give back yet */
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).capacity, grown);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    /* written just before the trim, not flushed: must arrive */
    uint8_t late[256];
    fx_pattern(late, sizeof late, 77);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r[4], 0, late, sizeof late), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, m), GLBUF_OK);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    uint64_t extent = offsets[4] + SIZE;
    uint64_t expected = 64 << 10;
    while (expected < extent) {
        expected *= 2; /* the POW2 sequence from the creation capacity */
    }
    ck_assert_uint_eq(after.capacity, expected);
    ck_assert_uint_lt(after.capacity, before.capacity);
    ck_assert_uint_eq(after.trims, 1);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation + 1);
    ck_assert_uint_ne(after.name, before.name);
    ck_assert_uint_ge(after.bytes_copied_by_trim, 5ull * SIZE);
    ck_assert_uint_eq(after.allocations, 5);
    if (placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        ck_assert_uint_eq(after.bytes_device_local, expected);
    } else {
        ck_assert_uint_eq(after.bytes_host_visible, expected);
    }
    for (int i = 0; i < 5; i++) {
        uint64_t off = 0;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r[i], &off), GLBUF_OK);
        ck_assert_uint_eq(off, offsets[i]); /* nothing moved */
        if (i < 4) {
            expect(m, r[i], (uint32_t)(10 + i));
        }
    }
    uint8_t got[SIZE], want[SIZE];
    fx_pattern(want, SIZE, 14);
    memcpy(want, late, sizeof late);
    fx_read(after.name, offsets[4], SIZE, got);
    ck_assert(memcmp(got, want, SIZE) == 0);
    /* nothing more to give back: no new store */
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).storage_generation, after.storage_generation);
    /* and it grows again from there, keeping everything */
    glbuf_mega_range big = alloc_written(m, 400 << 10, 5);
    expect(m, big, 5);
    expect(m, r[0], 10);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(trim_auto_gives_memory_back_after_frees_and_defragmentation)
{
    glbuf_mega m = make(64 << 10, GLBUF_MEGA_GROW_POW2, GLBUF_MEGA_TRIM_AUTO);
    glbuf_mega_range r[N];
    uint64_t grown = grow_then_free(m, r, 3);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK); /* retires the frees, then trims */
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(s.trims, 1);
    ck_assert_uint_le(s.capacity, grown / 2);
    for (int i = 0; i < 3; i++) {
        expect(m, r[i], (uint32_t)(10 + i));
    }
    /* a hole at the bottom: defragmentation moves the rest down, and the
     * trim after it gives the top back */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[0]), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[1]), GLBUF_OK);
    glbuf_mega_range pad = alloc_written(m, 100 << 10, 9); /* above r[2]: nothing to trim yet */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, pad), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    uint64_t before = glbuf_mega_get_stats(fx_ctx, m).capacity;
    glbuf_mega_defrag_report rep;
    uint32_t moves = 0;
    int calls = 0;
    do { /* incremental: the move lands a call after its copy, its old place a frame later */
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, NULL, NULL, &rep), GLBUF_OK);
        moves += rep.moves;
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
        ck_assert_int_lt(++calls, 20);
    } while (rep.moves_left > 0 || rep.started);
    ck_assert_uint_eq(moves, 1);
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, NULL, NULL, &rep), GLBUF_OK); /* collects, trims */
    s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(s.capacity, 64 << 10); /* r[2] alone, at 0 */
    ck_assert_uint_lt(s.capacity, before);
    ck_assert_uint_eq(rep.name, s.name); /* the report names the store after the trim */
    expect(m, r[2], 12);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(trim_never_goes_below_the_creation_capacity_nor_with_growth_none)
{
    glbuf_mega none = make(256 << 10, GLBUF_MEGA_GROW_NONE, GLBUF_MEGA_TRIM_AUTO);
    glbuf_mega_range a = alloc_written(none, 1000, 1);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, none);
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, none), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, none), GLBUF_OK);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, none);
    ck_assert_uint_eq(after.capacity, 256 << 10);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(after.trims, 0);
    expect(none, a, 1);
    glbuf_mega grows = make(256 << 10, GLBUF_MEGA_GROW_FACTOR_1_5, GLBUF_MEGA_TRIM_MANUAL);
    glbuf_mega_range b = alloc_written(grows, 1000, 2);
    glbuf_mega_range c = alloc_written(grows, 600 << 10, 3);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, grows, c), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, grows), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, grows), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, grows).capacity, 256 << 10);
    expect(grows, b, 2);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, none), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, grows), GLBUF_OK);
}
END_TEST

START_TEST(a_trim_that_fails_changes_nothing)
{
    glbuf_mega m = make(64 << 10, GLBUF_MEGA_GROW_POW2, GLBUF_MEGA_TRIM_MANUAL);
    glbuf_mega_range r[N];
    (void)grow_then_free(m, r, 2);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    fx_inject_oom(128 << 10, 0, 0); /* the trimmed store */
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, m), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    fx_stop_injecting();
    fx_errors_logged = 0; /* the injected GL_OUT_OF_MEMORY was logged */
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.capacity, before.capacity);
    ck_assert_uint_eq(after.name, before.name);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(after.trims, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive);
    expect(m, r[0], 10);
    expect(m, r[1], 11);
    ck_assert_int_eq(glbuf_mega_trim(fx_ctx, m), GLBUF_OK); /* the next one works */
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).capacity, 128 << 10);
    expect(m, r[1], 11);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, growth_makes_the_cpu_wait_only_for_a_write_over_bytes_still_landing);
    tcase_add_test(tc, trim_shrinks_to_the_used_extent_and_moves_no_offset);
    tcase_add_test(tc, trim_auto_gives_memory_back_after_frees_and_defragmentation);
    tcase_add_test(tc, trim_never_goes_below_the_creation_capacity_nor_with_growth_none);
    tcase_add_test(tc, a_trim_that_fails_changes_nothing);
}

static void device_local(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
}

int main(void)
{
    Suite *s = suite_create("mega_trim");
    fx_add_tcases(s, "host-visible", add_tests, 1);
    fx_add_tcases_with(s, "device-local", add_tests, 1, device_local);
    return fx_run(s);
}
