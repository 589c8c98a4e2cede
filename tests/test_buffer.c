/* test_buffer.c - glbuf_buffer on a real headless context, on the DSA path,
 * the bind-to-edit path and without ARB_buffer_storage: sizes and usage read
 * back with glGetBufferParameteri64v, contents with glGetBufferSubData, and
 * which GL calls were made from the context's counters. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "gl_ops.h"
#include "glbuf/buffer.h"

/* ---- helpers --------------------------------------------------------------- */

static glbuf_buffer make(uint64_t size, glbuf_growth growth, uint32_t seed)
{
    void *data = NULL;
    if (size > 0) {
        data = malloc((size_t)size);
        fx_pattern(data, size, seed);
    }
    glbuf_buffer_desc d = {0};
    d.size = size;
    d.data = data;
    d.growth = growth;
    d.label = "test";
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    free(data);
    return b;
}

static int64_t gl_size(glbuf_buffer b)
{
    GLint64 v = -1;
    fx_gl->GetNamedBufferParameteri64v(glbuf_buffer_name(fx_ctx, b), GL_BUFFER_SIZE, &v);
    return v;
}

static int64_t gl_usage(glbuf_buffer b)
{
    GLint64 v = -1;
    fx_gl->GetNamedBufferParameteri64v(glbuf_buffer_name(fx_ctx, b), GL_BUFFER_USAGE, &v);
    return v;
}

static void expect_contents(glbuf_buffer b, uint64_t offset, uint64_t size, uint32_t seed)
{
    uint8_t *got = malloc((size_t)size);
    fx_read(glbuf_buffer_name(fx_ctx, b), offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

/* Re-specifications (glBufferData on either path) since the last reset. */
static uint64_t respecs(void)
{
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    return s.calls[GLBUF_GL_BufferData] + s.calls[GLBUF_GL_NamedBufferData];
}

static uint64_t sub_datas(void)
{
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    return s.calls[GLBUF_GL_BufferSubData] + s.calls[GLBUF_GL_NamedBufferSubData];
}

/* ---- creation and re-specification ----------------------------------------- */

START_TEST(create_with_data_sets_size_usage_and_contents)
{
    glbuf_buffer_desc d = {0};
    uint8_t data[300];
    fx_pattern(data, sizeof data, 1);
    d.size = sizeof data;
    d.data = data;
    d.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    d.target = GLBUF_TARGET_UNIFORM;
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    ck_assert_uint_ne(b.id, 0);
    ck_assert_int_eq(gl_size(b), 300);
    ck_assert_int_eq(gl_usage(b), GL_DYNAMIC_DRAW);
    expect_contents(b, 0, 300, 1);
    glbuf_buffer_info info;
    ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, b, &info), GLBUF_OK);
    ck_assert_uint_eq(info.size, 300);
    ck_assert_uint_eq(info.capacity, 300);
    ck_assert_int_eq(info.target, GLBUF_TARGET_UNIFORM);
    ck_assert_uint_eq(glbuf_target_gl_enum(info.target), GL_UNIFORM_BUFFER);
    ck_assert_int_eq(info.usage, GLBUF_USAGE_DYNAMIC_DRAW);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
    ck_assert_int_eq(fx_gl->IsBuffer(info.name), GL_FALSE);
}
END_TEST

START_TEST(data_respecifies_at_exactly_the_size_and_usage)
{
    glbuf_buffer b = make(1000, GLBUF_GROWTH_EXACT, 1);
    uint8_t data[40];
    fx_pattern(data, sizeof data, 2);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_data(fx_ctx, b, sizeof data, data, GLBUF_USAGE_STREAM_DRAW), GLBUF_OK);
    ck_assert_uint_eq(respecs(), 1);
    ck_assert_int_eq(gl_size(b), 40); /* always re-specifies, also to shrink */
    ck_assert_int_eq(gl_usage(b), GL_STREAM_DRAW);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 40);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, b), 40);
    expect_contents(b, 0, 40, 2);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(sub_data_writes_inside_the_size)
{
    glbuf_buffer b = make(256, GLBUF_GROWTH_EXACT, 1);
    uint8_t data[64];
    fx_pattern(data, sizeof data, 9);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 192, 64, data), GLBUF_OK);
    expect_contents(b, 0, 192, 1);
    expect_contents(b, 192, 64, 9);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 256, 0, data), GLBUF_OK);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(sub_data_past_the_size_is_rejected_and_changes_nothing)
{
    glbuf_buffer b = make(256, GLBUF_GROWTH_EXACT, 1);
    uint8_t data[64] = {0};
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 193, 64, data), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, UINT64_MAX - 10, 64, data), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 0, 64, NULL), GLBUF_ERR_NULL);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    expect_contents(b, 0, 256, 1);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(copy_data_that_fits_issues_sub_data_and_no_respecification)
{
    glbuf_buffer b = make(1024, GLBUF_GROWTH_EXACT, 1);
    uint8_t data[100];
    fx_pattern(data, sizeof data, 5);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, sizeof data, data), GLBUF_OK);
    ck_assert_uint_eq(respecs(), 0);
    ck_assert_uint_eq(sub_datas(), 1);
    ck_assert_int_eq(gl_size(b), 1024); /* the larger store is kept */
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 100);
    expect_contents(b, 0, 100, 5);
    /* the tail keeps its old bytes, as in Cinder */
    uint8_t tail[924], old[1024];
    fx_pattern(old, sizeof old, 1);
    fx_read(glbuf_buffer_name(fx_ctx, b), 100, sizeof tail, tail);
    ck_assert_mem_eq(tail, old + 100, sizeof tail);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(copy_data_reallocates_exactly_when_too_small)
{
    glbuf_buffer b = make(64, GLBUF_GROWTH_EXACT, 1);
    uint32_t name = glbuf_buffer_name(fx_ctx, b);
    uint8_t data[1000];
    fx_pattern(data, sizeof data, 6);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, sizeof data, data), GLBUF_OK);
    ck_assert_uint_eq(respecs(), 1);
    ck_assert_uint_eq(sub_datas(), 0); /* one glBufferData with the data */
    ck_assert_int_eq(gl_size(b), 1000);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, b), name);
    expect_contents(b, 0, 1000, 6);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(copy_data_grows_by_the_policy_when_not_exact)
{
    glbuf_buffer b = make(64, GLBUF_GROWTH_POW2, 1);
    uint8_t data[1000];
    fx_pattern(data, sizeof data, 7);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, sizeof data, data), GLBUF_OK);
    ck_assert_int_eq(gl_size(b), 1024);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 1000);
    expect_contents(b, 0, 1000, 7);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(ensure_min_size_grows_exactly_and_never_shrinks)
{
    glbuf_buffer b = make(100, GLBUF_GROWTH_POW2, 1);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_ensure_min_size(fx_ctx, b, 50), GLBUF_OK);
    ck_assert_uint_eq(respecs(), 0);
    ck_assert_int_eq(gl_size(b), 100);
    ck_assert_int_eq(glbuf_buffer_ensure_min_size(fx_ctx, b, 777), GLBUF_OK);
    ck_assert_uint_eq(respecs(), 1);
    ck_assert_int_eq(gl_size(b), 777); /* exact even under POW2, as Cinder */
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 777);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* ---- growth that keeps contents -------------------------------------------- */

START_TEST(pow2_growth_from_64_bytes_to_1_MiB_in_1_byte_appends_reallocates_14_times)
{
    const uint64_t target = 1u << 20;
    uint8_t *all = malloc(target);
    fx_pattern(all, target, 11);
    glbuf_buffer_desc d = {0};
    d.size = 64;
    d.data = all;
    d.growth = GLBUF_GROWTH_POW2;
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    uint32_t name = glbuf_buffer_name(fx_ctx, b);
    glbuf_ctx_reset_stats(fx_ctx);
    for (uint64_t i = 64; i < target; i++) {
        ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, all + i, 1), GLBUF_OK);
    }
    glbuf_buffer_info info;
    glbuf_buffer_get_info(fx_ctx, b, &info);
    ck_assert_uint_eq(info.reallocations, 14);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).reallocations, 14);
    ck_assert_uint_eq(info.size, target);
    ck_assert_uint_eq(info.capacity, target);
    ck_assert_uint_eq(info.name, name);
    ck_assert_int_eq(gl_size(b), (int64_t)target);
    expect_contents(b, 0, target, 11);
    free(all);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(reserve_keeps_contents_and_name_under_every_policy)
{
    const glbuf_growth policies[] = {GLBUF_GROWTH_EXACT, GLBUF_GROWTH_POW2, GLBUF_GROWTH_FACTOR_1_5,
                                     GLBUF_GROWTH_FIXED_STEP};
    const int64_t expected[] = {5000, 8000, 5062, 1000 + (1 << 20)}; /* POW2 doubles the capacity */
    for (int i = 0; i < 4; i++) {
        glbuf_buffer b = make(1000, policies[i], (uint32_t)i);
        uint32_t name = glbuf_buffer_name(fx_ctx, b);
        ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 5000), GLBUF_OK);
        ck_assert_int_eq(gl_size(b), expected[i]);
        ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, b), (uint64_t)expected[i]);
        ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 1000);
        ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, b), name);
        expect_contents(b, 0, 1000, (uint32_t)i);
        glbuf_buffer_destroy(fx_ctx, b);
    }
}
END_TEST

START_TEST(growth_policies_compute_the_documented_capacities)
{
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_EXACT, 0, 64, 65), 65);
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 64, 65), 128);
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 96, 100), 192); /* doubles, not next_pow2 */
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 0, 100), 128);  /* capacity 0 ends */
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 1ull << 62, (1ull << 62) + 1),
                      (1ull << 62) + 1); /* doubling would overflow: clamps to the request */
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_FACTOR_1_5, 0, 100, 101), 150);
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_FACTOR_1_5, 0, 0, 5), 6);
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_FIXED_STEP, 4096, 100, 5000), 100 + 2 * 4096);
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_FIXED_STEP, UINT64_MAX, 100, 5000), 5000);
    ck_assert_uint_eq(glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 512, 100), 512);
}
END_TEST

START_TEST(resize_grows_and_shrinks_the_size_not_the_store)
{
    glbuf_buffer b = make(100, GLBUF_GROWTH_POW2, 3);
    ck_assert_int_eq(glbuf_buffer_resize(fx_ctx, b, 300), GLBUF_OK);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 300);
    ck_assert_int_eq(gl_size(b), 400);
    expect_contents(b, 0, 100, 3);
    ck_assert_int_eq(glbuf_buffer_resize(fx_ctx, b, 10), GLBUF_OK);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 10);
    ck_assert_int_eq(gl_size(b), 400);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* ---- mapping ---------------------------------------------------------------- */

START_TEST(mapped_writes_reach_the_buffer)
{
    glbuf_buffer b = make(512, GLBUF_GROWTH_EXACT, 1);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_WRITE, &p), GLBUF_OK);
    fx_pattern(p, 512, 21);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    expect_contents(b, 0, 512, 21);
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 128, 64, GLBUF_MAP_READ, &p), GLBUF_OK);
    uint8_t expect[512];
    fx_pattern(expect, 512, 21);
    ck_assert_mem_eq(p, expect + 128, 64);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(map_replace_invalidates_then_maps_for_writing)
{
    glbuf_buffer b = make(256, GLBUF_GROWTH_EXACT, 1);
    glbuf_ctx_reset_stats(fx_ctx);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map_replace(fx_ctx, b, &p), GLBUF_OK);
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(s.calls[GLBUF_GL_MapNamedBufferRange] + s.calls[GLBUF_GL_MapBufferRange], 1);
    GLint64 access = 0;
    fx_gl->GetNamedBufferParameteri64v(glbuf_buffer_name(fx_ctx, b), GL_BUFFER_ACCESS_FLAGS, &access);
    ck_assert_int_eq(access, GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
    fx_pattern(p, 256, 22);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    expect_contents(b, 0, 256, 22);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(explicitly_flushed_ranges_reach_the_buffer)
{
    glbuf_buffer b = make(256, GLBUF_GROWTH_EXACT, 1);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 0, 256, GLBUF_MAP_WRITE | GLBUF_MAP_FLUSH_EXPLICIT, &p),
                     GLBUF_OK);
    fx_pattern(p, 256, 23);
    ck_assert_int_eq(glbuf_buffer_flush_range(fx_ctx, b, 0, 256), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_flush_range(fx_ctx, b, 200, 57), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    expect_contents(b, 0, 256, 23);
    ck_assert_int_eq(glbuf_buffer_flush_range(fx_ctx, b, 0, 1), GLBUF_ERR_NOT_MAPPED);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(mapping_errors_are_reported_and_change_nothing)
{
    glbuf_buffer b = make(256, GLBUF_GROWTH_EXACT, 1);
    glbuf_buffer empty = make(0, GLBUF_GROWTH_EXACT, 0);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_ERR_NOT_MAPPED);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, empty, GLBUF_MAP_WRITE, &p), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 0, 0, GLBUF_MAP_WRITE, &p), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 200, 57, GLBUF_MAP_WRITE, &p), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 0, 8, GLBUF_MAP_INVALIDATE_RANGE, &p),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, 1u << 20, &p), GLBUF_ERR_INVALID_ARGUMENT);
    /* combinations glMapBufferRange refuses are refused before GL sees them */
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ | GLBUF_MAP_INVALIDATE_RANGE, &p),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ | GLBUF_MAP_UNSYNCHRONIZED, &p),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ | GLBUF_MAP_FLUSH_EXPLICIT, &p),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_WRITE | GLBUF_MAP_PERSISTENT, &p),
                     GLBUF_ERR_INVALID_ARGUMENT); /* mutable storage has no persistent maps */
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ, &p), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ, &p), GLBUF_ERR_ALREADY_MAPPED);
    uint8_t data[8] = {0};
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 0, 8, data), GLBUF_ERR_ALREADY_MAPPED);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, 8, data), GLBUF_ERR_ALREADY_MAPPED);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 4096), GLBUF_ERR_ALREADY_MAPPED);
    ck_assert_int_eq(glbuf_buffer_orphan(fx_ctx, b), GLBUF_ERR_ALREADY_MAPPED);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
    expect_contents(b, 0, 256, 1);
    glbuf_buffer_destroy(fx_ctx, b);
    glbuf_buffer_destroy(fx_ctx, empty);
}
END_TEST

static GLboolean GLAD_API_PTR unmap_loses(GLuint name)
{
    (void)name;
    return GL_FALSE;
}

static GLboolean GLAD_API_PTR unmap_loses_bound(GLenum target)
{
    (void)target;
    return GL_FALSE;
}

START_TEST(unmap_that_reports_lost_contents_is_an_error)
{
    glbuf_buffer b = make(64, GLBUF_GROWTH_EXACT, 1);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_WRITE, &p), GLBUF_OK);
    PFNGLUNMAPNAMEDBUFFERPROC real_named = fx_lib_gl->UnmapNamedBuffer;
    PFNGLUNMAPBUFFERPROC real_bound = fx_lib_gl->UnmapBuffer;
    fx_lib_gl->UnmapNamedBuffer = unmap_loses;
    fx_lib_gl->UnmapBuffer = unmap_loses_bound;
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_ERR_CONTENTS_LOST);
    fx_lib_gl->UnmapNamedBuffer = real_named;
    fx_lib_gl->UnmapBuffer = real_bound;
    (void)glbuf_gl_unmap(fx_ctx, glbuf_buffer_name(fx_ctx, b)); /* the fake did not really unmap */
    glbuf_buffer_info info;
    glbuf_buffer_get_info(fx_ctx, b, &info);
    ck_assert_int_eq(info.mapped, 0);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_WRITE, &p), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(orphan_keeps_size_capacity_and_name)
{
    glbuf_buffer b = make(4096, GLBUF_GROWTH_EXACT, 1);
    uint32_t name = glbuf_buffer_name(fx_ctx, b);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_orphan(fx_ctx, b), GLBUF_OK);
    ck_assert_uint_eq(respecs(), 1);
    ck_assert_int_eq(gl_size(b), 4096);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 4096);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, b), name);
    glbuf_buffer_info info;
    glbuf_buffer_get_info(fx_ctx, b, &info);
    ck_assert_uint_eq(info.reallocations, 0);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* ---- immutable storage -------------------------------------------------------- */

START_TEST(immutable_storage_refuses_respecification)
{
    glbuf_buffer_desc d = {0};
    uint8_t data[128];
    fx_pattern(data, sizeof data, 31);
    d.size = sizeof data;
    d.data = data;
    d.storage_flags = GLBUF_STORAGE_DYNAMIC;
    glbuf_buffer b;
    if (!(glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_BUFFER_STORAGE)) {
        ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_ERR_UNSUPPORTED);
        return;
    }
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    GLint64 immutable = 0;
    fx_gl->GetNamedBufferParameteri64v(glbuf_buffer_name(fx_ctx, b), GL_BUFFER_IMMUTABLE_STORAGE, &immutable);
    ck_assert_int_eq(immutable, GL_TRUE);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_data(fx_ctx, b, 64, data, GLBUF_USAGE_STATIC_DRAW), GLBUF_ERR_IMMUTABLE);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, 256, data), GLBUF_ERR_IMMUTABLE);
    ck_assert_int_eq(glbuf_buffer_ensure_min_size(fx_ctx, b, 256), GLBUF_ERR_IMMUTABLE);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 256), GLBUF_ERR_IMMUTABLE);
    ck_assert_int_eq(glbuf_buffer_orphan(fx_ctx, b), GLBUF_ERR_IMMUTABLE);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, data, 1), GLBUF_ERR_IMMUTABLE);
    ck_assert_uint_eq(respecs(), 0);
    /* sub-data is allowed with DYNAMIC storage, and copy_data that fits */
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, 64, data + 64), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
    uint8_t got[64];
    fx_read(glbuf_buffer_name(fx_ctx, b), 0, 64, got);
    ck_assert_mem_eq(got, data + 64, 64);
    ck_assert_int_eq(gl_size(b), 128);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* ---- bindings ----------------------------------------------------------------- */

START_TEST(no_call_leaves_a_binding_changed)
{
    static const GLenum bindings[][2] = {
        {GL_ARRAY_BUFFER, GL_ARRAY_BUFFER_BINDING},
        {GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING},
        {GL_COPY_WRITE_BUFFER, GL_COPY_WRITE_BUFFER_BINDING},
        {GL_UNIFORM_BUFFER, GL_UNIFORM_BUFFER_BINDING},
        {GL_PIXEL_UNPACK_BUFFER, GL_PIXEL_UNPACK_BUFFER_BINDING},
    };
    enum { N = sizeof bindings / sizeof bindings[0] };
    GLuint app[N], vao;
    fx_gl->GenVertexArrays(1, &vao);
    fx_gl->BindVertexArray(vao);
    fx_gl->GenBuffers(N, app);
    for (int i = 0; i < N; i++) {
        fx_gl->BindBuffer(bindings[i][0], app[i]);
    }
    GLuint app_elements;
    fx_gl->GenBuffers(1, &app_elements);
    fx_gl->BindBuffer(GL_ELEMENT_ARRAY_BUFFER, app_elements);

    glbuf_buffer b = make(100, GLBUF_GROWTH_POW2, 1);
    uint8_t data[300];
    static uint8_t big[2000];
    fx_pattern(data, sizeof data, 2);
    void *p;
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, data, sizeof data), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 0, 10, data), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_get_sub_data(fx_ctx, b, 0, 10, data), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, sizeof big, big), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_WRITE, &p), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_orphan(fx_ctx, b), GLBUF_OK);
    glbuf_buffer_destroy(fx_ctx, b);

    for (int i = 0; i < N; i++) {
        GLint bound = -1;
        fx_gl->GetIntegerv(bindings[i][1], &bound);
        ck_assert_int_eq(bound, (GLint)app[i]);
    }
    GLint vao_bound = -1, elements = -1;
    fx_gl->GetIntegerv(GL_VERTEX_ARRAY_BINDING, &vao_bound);
    fx_gl->GetIntegerv(GL_ELEMENT_ARRAY_BUFFER_BINDING, &elements);
    ck_assert_int_eq(vao_bound, (GLint)vao);
    ck_assert_int_eq(elements, (GLint)app_elements);
}
END_TEST

/* ---- GL_OUT_OF_MEMORY during growth ------------------------------------------- */

static void growth_oom_keeps_contents(int drop_store)
{
    glbuf_buffer b = make(3000, GLBUF_GROWTH_POW2, 41);
    uint32_t name = glbuf_buffer_name(fx_ctx, b);
    uint8_t more[2000];
    fx_pattern(more, sizeof more, 42);
    fx_inject_oom(6000, name, drop_store); /* POW2 doubles 3000 */
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, more, sizeof more), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    fx_stop_injecting();
    ck_assert_int_eq(fx_oom_hits(), 1);
    glbuf_buffer_info info;
    glbuf_buffer_get_info(fx_ctx, b, &info);
    ck_assert_uint_eq(info.size, 3000);
    ck_assert_uint_eq(info.capacity, 3000);
    ck_assert_uint_eq(info.reallocations, 0);
    ck_assert_uint_eq(info.name, name);
    ck_assert_int_eq(gl_size(b), 3000);
    expect_contents(b, 0, 3000, 41);
    /* and it keeps working */
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, more, sizeof more), GLBUF_OK);
    expect_contents(b, 0, 3000, 41);
    uint8_t got[2000];
    fx_read(name, 3000, sizeof got, got);
    ck_assert_mem_eq(got, more, sizeof got);
    glbuf_buffer_destroy(fx_ctx, b);
}

START_TEST(out_of_memory_during_growth_keeps_the_old_storage_and_contents)
{
    growth_oom_keeps_contents(0);
}
END_TEST

START_TEST(out_of_memory_that_released_the_old_store_still_loses_nothing)
{
    growth_oom_keeps_contents(1);
}
END_TEST

/* ---- errors the app left behind ----------------------------------------------- */

/* The app raises GL_INVALID_ENUM and does not look (the debug callback
 * reports it at once: that report is the app's, not counted here). */
static void app_leaves_an_error(void)
{
    fx_gl->BindBuffer(0x1234, 0);
    fx_errors_logged = 0;
}

START_TEST(a_gl_error_left_by_the_app_is_not_blamed_on_glbuf)
{
    app_leaves_an_error();
    glbuf_buffer b = make(1024, GLBUF_GROWTH_EXACT, 81);
    uint8_t data[4096];
    fx_pattern(data, sizeof data, 82);
    app_leaves_an_error();
    ck_assert_int_eq(glbuf_buffer_data(fx_ctx, b, sizeof data, data, GLBUF_USAGE_DYNAMIC_DRAW), GLBUF_OK);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), sizeof data);
    ck_assert_int_eq(gl_size(b), (int64_t)sizeof data);
    ck_assert_int_eq(gl_usage(b), GL_DYNAMIC_DRAW);
    app_leaves_an_error();
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map(fx_ctx, b, GLBUF_MAP_READ, &p), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);
    expect_contents(b, 0, sizeof data, 82);
    ck_assert_int_eq(fx_errors_logged, 0);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* ---- handles of another context ------------------------------------------------- */

START_TEST(a_buffer_of_another_context_is_rejected_even_after_slot_reuse)
{
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *other = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &other), GLBUF_OK);
    /* reuse slot 0 here once: with generations starting one apart per
     * context, this slot's generation would now equal the other context's
     * first one */
    for (int i = 0; i < 1; i++) {
        glbuf_buffer t = make(16, GLBUF_GROWTH_EXACT, 0);
        glbuf_buffer_destroy(fx_ctx, t);
    }
    glbuf_buffer mine = make(16, GLBUF_GROWTH_EXACT, 0);
    glbuf_buffer_desc d = {0};
    d.size = 77;
    glbuf_buffer theirs;
    ck_assert_int_eq(glbuf_buffer_create(other, &d, &theirs), GLBUF_OK);
    ck_assert_uint_ne(theirs.id, mine.id);
    glbuf_buffer_info info;
    ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, theirs, &info), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_buffer_get_info(other, mine, &info), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_buffer_destroy(other, theirs), GLBUF_OK);
    glbuf_ctx_destroy(other);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, mine), 16);
    glbuf_buffer_destroy(fx_ctx, mine);
}
END_TEST

/* ---- bad input ---------------------------------------------------------------- */

START_TEST(bad_input_returns_its_code_and_changes_nothing)
{
    glbuf_buffer b = make(128, GLBUF_GROWTH_EXACT, 51);
    glbuf_buffer none = {0};
    uint8_t data[16] = {0};
    glbuf_buffer_desc d = {0};
    glbuf_buffer out = {0};
    ck_assert_int_eq(glbuf_buffer_create(NULL, &d, &out), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, NULL, &out), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, NULL), GLBUF_ERR_NULL);
    d.target = GLBUF_TARGET_COUNT;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.target = GLBUF_TARGET_ARRAY;
    d.usage = (glbuf_usage)99;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.usage = GLBUF_USAGE_STATIC_DRAW;
    d.growth = GLBUF_GROWTH_COUNT;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.growth = GLBUF_GROWTH_EXACT;
    d.storage_flags = 1u << 12;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.storage_flags = GLBUF_STORAGE_DYNAMIC;
    glbuf_result expect = (glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_BUFFER_STORAGE) ? GLBUF_ERR_ZERO_SIZE
                                                                                      : GLBUF_ERR_UNSUPPORTED;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &out), expect);
    d.storage_flags = 0;
    d.size = UINT64_MAX;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &out), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(out.id, 0);

    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_sub_data(NULL, b, 0, 1, data), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, none, 0, 1, data), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_buffer_data(fx_ctx, b, 16, data, (glbuf_usage)-1), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_buffer_data(fx_ctx, b, (uint64_t)INT64_MAX + 1, NULL, GLBUF_USAGE_STATIC_DRAW),
                     GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, UINT64_MAX), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_ensure_min_size(fx_ctx, b, UINT64_MAX), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, UINT64_MAX, data), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, 16, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, NULL, 1), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, data, UINT64_MAX), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_get_sub_data(fx_ctx, b, 120, 16, data), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, b, NULL), GLBUF_ERR_NULL);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    expect_contents(b, 0, 128, 51);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 128);

    /* a destroyed buffer's handle is stale, also after its slot is reused */
    glbuf_buffer dead = b;
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, dead), GLBUF_ERR_INVALID_HANDLE);
    glbuf_buffer reused = make(8, GLBUF_GROWTH_EXACT, 0);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, dead, 0, 1, data), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, dead), 0);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, reused), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, create_with_data_sets_size_usage_and_contents);
    tcase_add_test(tc, data_respecifies_at_exactly_the_size_and_usage);
    tcase_add_test(tc, sub_data_writes_inside_the_size);
    tcase_add_test(tc, sub_data_past_the_size_is_rejected_and_changes_nothing);
    tcase_add_test(tc, copy_data_that_fits_issues_sub_data_and_no_respecification);
    tcase_add_test(tc, copy_data_reallocates_exactly_when_too_small);
    tcase_add_test(tc, copy_data_grows_by_the_policy_when_not_exact);
    tcase_add_test(tc, ensure_min_size_grows_exactly_and_never_shrinks);
    tcase_add_test(tc, pow2_growth_from_64_bytes_to_1_MiB_in_1_byte_appends_reallocates_14_times);
    tcase_add_test(tc, reserve_keeps_contents_and_name_under_every_policy);
    tcase_add_test(tc, growth_policies_compute_the_documented_capacities);
    tcase_add_test(tc, resize_grows_and_shrinks_the_size_not_the_store);
    tcase_add_test(tc, mapped_writes_reach_the_buffer);
    tcase_add_test(tc, map_replace_invalidates_then_maps_for_writing);
    tcase_add_test(tc, explicitly_flushed_ranges_reach_the_buffer);
    tcase_add_test(tc, mapping_errors_are_reported_and_change_nothing);
    tcase_add_test(tc, unmap_that_reports_lost_contents_is_an_error);
    tcase_add_test(tc, orphan_keeps_size_capacity_and_name);
    tcase_add_test(tc, immutable_storage_refuses_respecification);
    tcase_add_test(tc, no_call_leaves_a_binding_changed);
    tcase_add_test(tc, out_of_memory_during_growth_keeps_the_old_storage_and_contents);
    tcase_add_test(tc, out_of_memory_that_released_the_old_store_still_loses_nothing);
    tcase_add_test(tc, a_gl_error_left_by_the_app_is_not_blamed_on_glbuf);
    tcase_add_test(tc, a_buffer_of_another_context_is_rejected_even_after_slot_reuse);
    tcase_add_test(tc, bad_input_returns_its_code_and_changes_nothing);
}

int main(void)
{
    Suite *s = suite_create("buffer");
    fx_add_tcases(s, "buffer", add_tests, 1);
    return fx_run(s);
}
