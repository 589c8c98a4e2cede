/* test_driver_quirks.c - the driver workarounds hold their promise on every
 * driver: with the unaligned-update workaround forced on (it is on by itself
 * on NVIDIA, where glBufferSubData of an unaligned offset or size was seen
 * lost around GPU copies) and off, unaligned updates before and after
 * growth copies reach the GPU, and the workaround's path is the one taken;
 * and with the growth-copy workaround (NVIDIA let an update overtake the
 * copies of a growth on the bind-to-edit path) a growth waits for its
 * copies and the next frame's updates land; and in the megabuffer's
 * fallback store, which defragmentation copies within (NVIDIA lost aligned
 * updates there too), every update goes through a map with the workaround. */
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"
#include "gl_fixture.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"

static uint64_t maps(void)
{
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    return s.calls[GLBUF_GL_MapNamedBufferRange] + s.calls[GLBUF_GL_MapBufferRange];
}

static uint64_t sub_datas(void)
{
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    return s.calls[GLBUF_GL_NamedBufferSubData] + s.calls[GLBUF_GL_BufferSubData];
}

static void expect_gpu(glbuf_buffer b, const uint8_t *model, uint64_t n)
{
    uint8_t *got = malloc((size_t)n);
    fx_read(glbuf_buffer_name(fx_ctx, b), 0, n, got);
    for (uint64_t i = 0; i < n; i++) {
        if (got[i] != model[i]) {
            ck_abort_msg("GPU byte %llu of %llu is 0x%02x, expected 0x%02x", (unsigned long long)i,
                         (unsigned long long)n, got[i], model[i]);
        }
    }
    free(got);
}

/* The sequence that lost bytes on NVIDIA: an unaligned update, then a growth
 * (two GPU copies of the used bytes), then unaligned updates and appends
 * after the copies, read back once at the end. */
static void unaligned_updates_around_growth(int quirk)
{
    fx_ctx->quirk_unaligned_sub_data = quirk;
    uint8_t model[256], bytes[256];
    fx_pattern(model, 64, 1);
    fx_pattern(bytes, sizeof bytes, 2);
    glbuf_buffer_desc d = {0};
    d.size = 64;
    d.data = model;
    d.growth = GLBUF_GROWTH_POW2;
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    glbuf_ctx_reset_stats(fx_ctx);

    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 54, 10, bytes), GLBUF_OK); /* unaligned offset and size */
    memcpy(model + 54, bytes, 10);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, bytes + 10, 61), GLBUF_OK); /* grows: GPU copies */
    memcpy(model + 64, bytes + 10, 61);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 1, 3, bytes + 80), GLBUF_OK);
    memcpy(model + 1, bytes + 80, 3);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 96, 8, bytes + 90), GLBUF_OK); /* aligned */
    memcpy(model + 96, bytes + 90, 8);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);

    /* unaligned updates: the append and two sub-data calls (a third is aligned) */
    ck_assert_uint_eq(maps(), quirk ? 3u : 0u);
    ck_assert_uint_eq(sub_datas(), quirk ? 1u : 4u);
    expect_gpu(b, model, 125);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
}

START_TEST(unaligned_updates_reach_the_gpu_with_the_workaround)
{
    unaligned_updates_around_growth(1);
}
END_TEST

START_TEST(unaligned_updates_reach_the_gpu_without_the_workaround_off_nvidia)
{
    const char *vendor = glbuf_ctx_get_caps(fx_ctx).vendor;
    if (vendor != NULL && strstr(vendor, "NVIDIA") != NULL) {
        FX_SKIP("NVIDIA loses unaligned glBufferSubData around GPU copies: the workaround is always on there");
    }
    unaligned_updates_around_growth(0);
}
END_TEST

START_TEST(the_workarounds_are_on_exactly_on_nvidia)
{
    const char *vendor = glbuf_ctx_get_caps(fx_ctx).vendor;
    ck_assert_ptr_nonnull(vendor);
    ck_assert_int_eq(fx_ctx->quirk_unaligned_sub_data, strstr(vendor, "NVIDIA") != NULL);
    ck_assert_int_eq(fx_ctx->quirk_wait_after_growth_copies, strstr(vendor, "NVIDIA") != NULL);
}
END_TEST

/* Frame 0 appends until the store has grown several times (growth copies);
 * frame 1 rewrites from offset 0: every byte of frame 1 must be what the GPU
 * holds. With the workaround each growth that copied waited once. */
static void appends_after_growth(int quirk, int rename)
{
    fx_ctx->quirk_wait_after_growth_copies = quirk;
    glbuf_buffer_desc d = {0};
    d.growth = GLBUF_GROWTH_POW2;
    d.growth_may_rename = rename;
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    uint8_t model[64 * 64], chunk[64];
    glbuf_ctx_reset_stats(fx_ctx);
    for (uint32_t i = 0; i < 64; i++) {
        fx_pattern(chunk, sizeof chunk, 100 + i);
        ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, chunk, sizeof chunk), GLBUF_OK);
    }
    glbuf_buffer_info info;
    ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, b, &info), GLBUF_OK);
    /* 64 B, then doublings to 4 KiB: the first growth had nothing to copy */
    ck_assert_uint_eq(info.reallocations, 7);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).fence_waits, quirk ? 6u : 0u);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_resize(fx_ctx, b, 0), GLBUF_OK);
    for (uint32_t i = 0; i < 64; i++) {
        fx_pattern(model + 64 * i, 64, 500 + i);
        ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 64 * i, 64), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    expect_gpu(b, model, sizeof model);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
}

START_TEST(updates_after_growth_land_with_the_growth_workaround)
{
    appends_after_growth(1, 0);
    appends_after_growth(1, 1);
}
END_TEST

START_TEST(updates_after_growth_land_without_it_off_nvidia)
{
    const char *vendor = glbuf_ctx_get_caps(fx_ctx).vendor;
    if (vendor != NULL && strstr(vendor, "NVIDIA") != NULL) {
        FX_SKIP("NVIDIA lets updates overtake growth copies: the workaround is always on there");
    }
    appends_after_growth(0, 0);
    appends_after_growth(0, 1);
}
END_TEST

/* A store that cannot be mapped for writing (immutable, dynamic storage
 * without the map bit) takes glBufferSubData even with the workaround on. */
START_TEST(an_unmappable_store_takes_sub_data)
{
    FX_REQUIRE(FX_BUFFER_STORAGE, "a store that cannot be mapped");
    if (!glbuf_ctx_has(fx_ctx, GLBUF_CAP_BUFFER_STORAGE)) {
        FX_SKIP("this path has no immutable storage");
    }
    fx_ctx->quirk_unaligned_sub_data = 1;
    uint8_t model[64], bytes[16];
    fx_pattern(model, sizeof model, 3);
    fx_pattern(bytes, sizeof bytes, 4);
    glbuf_buffer_desc d = {0};
    d.size = sizeof model;
    d.data = model;
    d.storage_flags = GLBUF_STORAGE_DYNAMIC;
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 5, 7, bytes), GLBUF_OK);
    memcpy(model + 5, bytes, 7);
    ck_assert_uint_eq(maps(), 0);
    ck_assert_uint_eq(sub_datas(), 1);
    expect_gpu(b, model, sizeof model);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
}
END_TEST

/* The fallback store (no ARB_buffer_storage): a CPU shadow uploaded at
 * flush. Aligned writes after defragmentation's copies within the store
 * take a map with the workaround on, glBufferSubData without it, and land
 * either way. */
static void mega_fallback_updates_after_copies(int quirk)
{
    fx_ctx->quirk_unaligned_sub_data = quirk;
    glbuf_mega_desc d = {0};
    d.capacity = 64 * 1024;
    d.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE; /* AUTO is device-local (staged) where GPUs have memory */
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    enum { N = 16, SIZE = 1024 };
    glbuf_mega_range r[N];
    uint8_t bytes[SIZE];
    for (int i = 0; i < N; i++) {
        fx_pattern(bytes, SIZE, 10u + (uint32_t)i);
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, SIZE, 0, &r[i], NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r[i], 0, bytes, SIZE), GLBUF_OK);
    }
    for (int i = 0; i < N; i += 2) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    /* Copies within the store, until every move has landed and been reported. */
    glbuf_mega_defrag_report rep;
    int calls = 0;
    do {
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, NULL, NULL, &rep), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, glbuf_ctx_frame(fx_ctx) - 1, UINT64_MAX), GLBUF_OK);
        ck_assert_int_lt(++calls, 20);
    } while (rep.moves_left > 0);
    ck_assert_uint_gt(glbuf_mega_get_stats(fx_ctx, m).bytes_copied_by_defrag, 0);
    /* Aligned rewrites of the odd ones, at their new places. */
    glbuf_ctx_reset_stats(fx_ctx);
    for (int i = 1; i < N; i += 2) {
        fx_pattern(bytes, SIZE, 100u + (uint32_t)i);
        ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r[i], 0, bytes, SIZE), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK); /* one upload each */
    }
    ck_assert_uint_eq(maps(), quirk ? N / 2u : 0u);
    ck_assert_uint_eq(sub_datas(), quirk ? 0u : N / 2u);
    for (int i = 1; i < N; i += 2) {
        uint64_t offset = 0;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r[i], &offset), GLBUF_OK);
        ck_assert_uint_eq(offset % 4, 0);
        fx_read(glbuf_mega_gl_name(fx_ctx, m), offset, SIZE, bytes);
        fx_check_pattern(bytes, SIZE, 100u + (uint32_t)i);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}

#define SKIP_UNLESS_MEGA_FALLBACK()                                                                               \
    if (glbuf_ctx_has(fx_ctx, GLBUF_CAP_BUFFER_STORAGE)) {                                                        \
        FX_SKIP("this path writes the megabuffer through a persistent map, not glBufferSubData");               \
    }

START_TEST(mega_fallback_updates_after_copies_take_a_map_with_the_workaround)
{
    SKIP_UNLESS_MEGA_FALLBACK();
    mega_fallback_updates_after_copies(1);
}
END_TEST

START_TEST(mega_fallback_updates_after_copies_land_without_it_off_nvidia)
{
    SKIP_UNLESS_MEGA_FALLBACK();
    const char *vendor = glbuf_ctx_get_caps(fx_ctx).vendor;
    if (vendor != NULL && strstr(vendor, "NVIDIA") != NULL) {
        FX_SKIP("NVIDIA loses updates of a store copied within: the workaround is always on there");
    }
    mega_fallback_updates_after_copies(0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, unaligned_updates_reach_the_gpu_with_the_workaround);
    tcase_add_test(tc, unaligned_updates_reach_the_gpu_without_the_workaround_off_nvidia);
    tcase_add_test(tc, the_workarounds_are_on_exactly_on_nvidia);
    tcase_add_test(tc, updates_after_growth_land_with_the_growth_workaround);
    tcase_add_test(tc, updates_after_growth_land_without_it_off_nvidia);
    tcase_add_test(tc, an_unmappable_store_takes_sub_data);
    tcase_add_test(tc, mega_fallback_updates_after_copies_take_a_map_with_the_workaround);
    tcase_add_test(tc, mega_fallback_updates_after_copies_land_without_it_off_nvidia);
}

int main(void)
{
    Suite *s = suite_create("driver_quirks");
    fx_add_tcases(s, "driver_quirks", add_tests, 1);
    return fx_run(s);
}
