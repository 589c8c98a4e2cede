/* test_buffer_batch.c - batched appends and growth that may rename the GL
 * buffer (buffer.h, "Batched appends" and "Growth that may rename"), on a
 * real headless context on every path: contents read back from the GPU with
 * glGetBufferSubData through glbuf's uncounted table, GL calls from the
 * context's counters, failures injected (GL_OUT_OF_MEMORY, host allocation)
 * and shown to lose nothing. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/buffer.h"

/* A trail vertex, as the Processing-style sketch appends them. */
typedef struct vertex {
    float x, y, z, w;
    float r, g, b, a;
} vertex;

#define EMITTERS 260

/* ---- helpers ------------------------------------------------------------------ */

static glbuf_buffer make(int batch, int rename, glbuf_growth growth, uint64_t size, uint32_t seed)
{
    uint8_t *data = NULL;
    if (size > 0) {
        data = malloc((size_t)size);
        fx_pattern(data, size, seed);
    }
    glbuf_buffer_desc d = {0};
    d.size = size;
    d.data = data;
    d.growth = growth;
    d.batch_appends = batch;
    d.growth_may_rename = rename;
    d.label = "trail";
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    free(data);
    return b;
}

static glbuf_buffer_info info_of(glbuf_buffer b)
{
    glbuf_buffer_info info;
    ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, b, &info), GLBUF_OK);
    return info;
}

static uint64_t count(glbuf_gl_call named, glbuf_gl_call bound)
{
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    return s.calls[named] + s.calls[bound];
}

static uint64_t sub_datas(void)
{
    return count(GLBUF_GL_NamedBufferSubData, GLBUF_GL_BufferSubData);
}

/* Uploads of bytes: sub-data calls, plus the write maps that replace them
 * for unaligned updates on drivers with that workaround (NVIDIA; see
 * test_driver_quirks). */
static uint64_t uploads(void)
{
    return sub_datas() + count(GLBUF_GL_MapNamedBufferRange, GLBUF_GL_MapBufferRange);
}

static uint64_t respecs(void)
{
    return count(GLBUF_GL_NamedBufferData, GLBUF_GL_BufferData);
}

static uint64_t gpu_copies(void)
{
    return count(GLBUF_GL_CopyNamedBufferSubData, GLBUF_GL_CopyBufferSubData);
}

static int64_t gl_size_of(uint32_t name)
{
    GLint64 v = -1;
    fx_gl->GetNamedBufferParameteri64v(name, GL_BUFFER_SIZE, &v);
    return v;
}

/* The GL store of `b` holds model[0, n). */
static void expect_gpu(glbuf_buffer b, const uint8_t *model, uint64_t n)
{
    if (n == 0) {
        return;
    }
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

/* One frame of the trail sketch: every emitter appends its two new ribbon
 * vertices (one append each, as a sketch does), the model records them. */
static void trail_frame(glbuf_buffer b, uint8_t *model, uint64_t *model_size, uint32_t frame)
{
    for (uint32_t e = 0; e < EMITTERS; e++) {
        vertex v[2];
        for (int k = 0; k < 2; k++) {
            float t = (float)frame + (float)e * 0.01f;
            v[k] = (vertex){t, (float)e, (float)k, 1.0f, (float)(e % 7), (float)(frame % 5), 0.5f, 1.0f};
        }
        ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, v, sizeof v), GLBUF_OK);
        memcpy(model + *model_size, v, sizeof v);
        *model_size += sizeof v;
    }
}

/* ---- batched appends ---------------------------------------------------------- */

START_TEST(many_appends_in_a_frame_reach_the_gpu_with_one_upload_per_frame)
{
    enum { FRAMES = 40 };
    const uint64_t per_frame = EMITTERS * 2 * sizeof(vertex);
    uint8_t *model = malloc(FRAMES * per_frame);
    uint64_t n = 0;
    glbuf_buffer b = make(1, 0, GLBUF_GROWTH_POW2, 0, 0);
    for (uint32_t f = 0; f < FRAMES; f++) {
        glbuf_ctx_reset_stats(fx_ctx);
        uint64_t capacity_before = glbuf_buffer_capacity(fx_ctx, b);
        trail_frame(b, model, &n, f);
        /* the appends themselves: no GL call at all */
        ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
        ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), n);
        ck_assert_uint_eq(info_of(b).pending_bytes, per_frame);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        ck_assert_uint_eq(sub_datas(), 1);
        ck_assert_uint_eq(info_of(b).pending_bytes, 0);
        if (glbuf_buffer_capacity(fx_ctx, b) == capacity_before) {
            ck_assert_uint_eq(respecs(), 0); /* no growth: the upload is all */
        }
        expect_gpu(b, model, n);
    }
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, b), glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 0, n));
    ck_assert_int_eq(gl_size_of(glbuf_buffer_name(fx_ctx, b)), (int64_t)glbuf_buffer_capacity(fx_ctx, b));
    ck_assert_int_eq(fx_errors_logged, 0);
    glbuf_buffer_destroy(fx_ctx, b);
    free(model);
}
END_TEST

START_TEST(immediate_appends_stay_the_default_with_one_upload_each)
{
    glbuf_buffer b = make(0, 0, GLBUF_GROWTH_POW2, 0, 0);
    uint8_t model[EMITTERS * 2 * sizeof(vertex)];
    uint64_t n = 0;
    trail_frame(b, model, &n, 0); /* grows first */
    glbuf_ctx_reset_stats(fx_ctx);
    n = 0;
    glbuf_buffer_resize(fx_ctx, b, 0);
    trail_frame(b, model, &n, 1);
    ck_assert_uint_eq(sub_datas(), EMITTERS);
    ck_assert_uint_eq(info_of(b).pending_bytes, 0);
    expect_gpu(b, model, n);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(every_batched_buffer_gets_exactly_one_upload_per_frame)
{
    glbuf_buffer b[3];
    uint8_t *model[3];
    uint64_t n[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        b[i] = make(1, i == 1, GLBUF_GROWTH_POW2, 0, 0);
        model[i] = malloc(8 * EMITTERS * 2 * sizeof(vertex));
    }
    for (uint32_t f = 0; f < 8; f++) {
        glbuf_ctx_reset_stats(fx_ctx);
        for (int i = 0; i < 3; i++) {
            trail_frame(b[i], model[i], &n[i], f * 3 + (uint32_t)i);
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        ck_assert_uint_eq(sub_datas(), 3);
        for (int i = 0; i < 3; i++) {
            expect_gpu(b[i], model[i], n[i]);
        }
    }
    for (int i = 0; i < 3; i++) {
        glbuf_buffer_destroy(fx_ctx, b[i]);
        free(model[i]);
    }
}
END_TEST

START_TEST(flush_appends_makes_them_visible_before_the_frame_ends)
{
    glbuf_buffer b = make(1, 0, GLBUF_GROWTH_POW2, 1024, 5);
    uint8_t model[1024 + 300];
    fx_pattern(model, 1024, 5);
    fx_pattern(model + 1024, 300, 6);
    for (int i = 0; i < 300; i += 30) {
        ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 1024 + i, 30), GLBUF_OK);
    }
    /* not in GL yet: the store is still the 1024 bytes of creation */
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, b), 1024);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 1324);
    ck_assert_int_eq(gl_size_of(glbuf_buffer_name(fx_ctx, b)), 1024);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_flush_appends(fx_ctx, b), GLBUF_OK);
    ck_assert_uint_eq(sub_datas(), 1);
    ck_assert_int_eq(gl_size_of(glbuf_buffer_name(fx_ctx, b)), 2048);
    expect_gpu(b, model, sizeof model);
    /* nothing left: neither a second flush nor the frame's end uploads */
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_flush_appends(fx_ctx, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(sub_datas(), 0);
    ck_assert_uint_eq(respecs(), 0);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(calls_that_read_the_gpu_contents_upload_staged_appends_first)
{
    glbuf_buffer b = make(1, 0, GLBUF_GROWTH_EXACT, 100, 7);
    uint8_t model[160], got[160];
    fx_pattern(model, 100, 7);
    fx_pattern(model + 100, 60, 8);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 100, 60), GLBUF_OK);
    /* get_sub_data reads past the old capacity: bounds are the settled ones */
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_get_sub_data(fx_ctx, b, 0, 160, got), GLBUF_OK);
    ck_assert_uint_eq(sub_datas(), 1);
    ck_assert_mem_eq(got, model, 160);
    ck_assert_uint_eq(info_of(b).pending_bytes, 0);

    /* map: staged bytes are in the mapping */
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model, 40), GLBUF_OK);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 160, 40, GLBUF_MAP_READ, &p), GLBUF_OK);
    ck_assert_mem_eq(p, model, 40);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, b), GLBUF_OK);

    /* copy_data that fits keeps the (uploaded) tail, as Cinder */
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 100, 20), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, 10, model + 50), GLBUF_OK);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 10);
    uint8_t tail[20];
    fx_read(glbuf_buffer_name(fx_ctx, b), 200, 20, tail);
    ck_assert_mem_eq(tail, model + 100, 20);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(sub_data_on_staged_bytes_writes_the_staging_copy)
{
    glbuf_buffer b = make(1, 0, GLBUF_GROWTH_POW2, 64, 9);
    uint8_t model[128], patch[40];
    fx_pattern(model, 64, 9);
    fx_pattern(model + 64, 64, 10);
    fx_pattern(patch, sizeof patch, 11);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 64, 64), GLBUF_OK);
    /* entirely on staged bytes: no GL call */
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 80, 20, patch), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    memcpy(model + 80, patch, 20);
    /* straddling: the uploaded part through GL, the rest into the staging */
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 54, 20, patch + 20), GLBUF_OK);
    ck_assert_uint_eq(uploads(), 1);
    memcpy(model + 54, patch + 20, 20);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    expect_gpu(b, model, sizeof model);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

START_TEST(data_orphan_and_destroy_discard_staged_bytes)
{
    glbuf_buffer b = make(1, 0, GLBUF_GROWTH_POW2, 64, 12);
    uint8_t bytes[256];
    fx_pattern(bytes, sizeof bytes, 13);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, bytes, 100), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_data(fx_ctx, b, 32, bytes + 100, GLBUF_USAGE_DYNAMIC_DRAW), GLBUF_OK);
    glbuf_buffer_info info = info_of(b);
    ck_assert_uint_eq(info.pending_bytes, 0);
    ck_assert_uint_eq(info.size, 32);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(sub_datas(), 0);
    expect_gpu(b, bytes + 100, 32);

    /* orphan: staged bytes dropped, the store sized as their upload would */
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, bytes, 100), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_orphan(fx_ctx, b), GLBUF_OK);
    info = info_of(b);
    ck_assert_uint_eq(info.pending_bytes, 0);
    ck_assert_uint_eq(info.size, 132);
    ck_assert_uint_eq(info.capacity, 256);
    ck_assert_int_eq(gl_size_of(info.name), 256);

    /* destroy with bytes staged: the frame's end no longer sees the buffer */
    glbuf_buffer other = make(1, 0, GLBUF_GROWTH_POW2, 0, 0);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, bytes, 10), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, other, bytes, 10), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(uploads(), 1);
    expect_gpu(other, bytes, 10);
    glbuf_buffer_destroy(fx_ctx, other);
}
END_TEST

START_TEST(resize_and_reserve_upload_staged_bytes_with_their_growth)
{
    glbuf_buffer b = make(1, 0, GLBUF_GROWTH_EXACT, 16, 14);
    uint8_t model[600];
    fx_pattern(model, 16, 14);
    fx_pattern(model + 16, 84, 15);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 16, 84), GLBUF_OK);
    /* reserve that does not grow leaves them staged */
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 16), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    ck_assert_uint_eq(info_of(b).pending_bytes, 84);
    /* reserve that grows: one growth to 500, then the upload */
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 500), GLBUF_OK);
    glbuf_buffer_info info = info_of(b);
    ck_assert_uint_eq(info.capacity, 500);
    ck_assert_uint_eq(info.reallocations, 1);
    ck_assert_uint_eq(info.pending_bytes, 0);
    expect_gpu(b, model, 100);
    /* resize shrinking into staged bytes keeps what stays */
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model, 50), GLBUF_OK);
    memcpy(model + 100, model, 50);
    ck_assert_int_eq(glbuf_buffer_resize(fx_ctx, b, 120), GLBUF_OK);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, b), 120);
    ck_assert_uint_eq(info_of(b).pending_bytes, 0);
    expect_gpu(b, model, 120);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* ---- growth that renames ---------------------------------------------------------- */

static void grow_once(int rename, uint64_t *copied, uint64_t *copies, uint32_t *old_name, uint32_t *new_name)
{
    glbuf_buffer b = make(0, rename, GLBUF_GROWTH_POW2, 3000, 21);
    *old_name = glbuf_buffer_name(fx_ctx, b);
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 5000), GLBUF_OK);
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    *copied = s.bytes_copied_by_growth;
    *copies = gpu_copies();
    *new_name = glbuf_buffer_name(fx_ctx, b);
    ck_assert_uint_eq(s.buffers_alive, alive);
    glbuf_buffer_info info = info_of(b);
    ck_assert_uint_eq(info.capacity, 6000);
    ck_assert_uint_eq(info.size, 3000);
    ck_assert_uint_eq(info.reallocations, 1);
    ck_assert_uint_eq(info.storage_generation, rename ? 1 : 0);
    ck_assert_int_eq(gl_size_of(*new_name), 6000);
    uint8_t model[3000];
    fx_pattern(model, sizeof model, 21);
    expect_gpu(b, model, sizeof model);
    glbuf_buffer_destroy(fx_ctx, b);
}

START_TEST(renaming_growth_changes_the_name_keeps_the_bytes_and_copies_them_once)
{
    uint64_t copied, copies;
    uint32_t old_name, new_name;
    grow_once(1, &copied, &copies, &old_name, &new_name);
    ck_assert_uint_ne(new_name, old_name);
    ck_assert_int_eq(fx_gl->IsBuffer(old_name), GL_FALSE);
    ck_assert_uint_eq(copied, 3000);
    ck_assert_uint_eq(copies, 1);
    /* the default keeps the name at twice the copying */
    grow_once(0, &copied, &copies, &old_name, &new_name);
    ck_assert_uint_eq(new_name, old_name);
    ck_assert_uint_eq(copied, 6000);
    ck_assert_uint_eq(copies, 2);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(batched_renaming_growth_copies_only_the_uploaded_bytes_once)
{
    enum { FRAMES = 30 };
    const uint64_t per_frame = EMITTERS * 2 * sizeof(vertex);
    uint8_t *model = malloc(FRAMES * per_frame);
    uint64_t n = 0, expected_copied = 0, growths = 0;
    glbuf_buffer b = make(1, 1, GLBUF_GROWTH_POW2, 0, 0);
    glbuf_ctx_reset_stats(fx_ctx);
    for (uint32_t f = 0; f < FRAMES; f++) {
        uint64_t uploaded = n;
        uint32_t name = glbuf_buffer_name(fx_ctx, b);
        uint64_t capacity = glbuf_buffer_capacity(fx_ctx, b);
        trail_frame(b, model, &n, f);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        if (glbuf_buffer_capacity(fx_ctx, b) != capacity) {
            growths++;
            expected_copied += uploaded; /* the bytes in GL before this frame, once */
            if (uploaded > 0) {
                ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, b), name);
                ck_assert_int_eq(fx_gl->IsBuffer(name), GL_FALSE);
            }
        } else {
            ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, b), name);
        }
        expect_gpu(b, model, n);
    }
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_gt(growths, 3);
    ck_assert_uint_eq(s.reallocations, growths);
    ck_assert_uint_eq(s.bytes_copied_by_growth, expected_copied);
    ck_assert_uint_eq(gpu_copies(), growths - 1); /* the first growth had nothing to copy */
    ck_assert_uint_eq(info_of(b).storage_generation, growths - 1);
    glbuf_buffer_destroy(fx_ctx, b);
    free(model);
}
END_TEST

/* ---- failures lose nothing ------------------------------------------------------- */

/* The frame's upload needs a growth from 4096 to 8192 that runs out of GPU
 * memory (the new store of 8192 bytes, or the name-keeping path's temporary
 * of 4096): the end of the frame reports it, advances, keeps the bytes
 * staged; the next flush delivers every byte. */
static void upload_oom_keeps_staged_bytes(int rename, int drop_store, GLsizeiptr failing_size)
{
    glbuf_buffer b = make(1, rename, GLBUF_GROWTH_POW2, 4096, 31);
    uint32_t name = glbuf_buffer_name(fx_ctx, b);
    uint8_t model[4096 + 1000];
    fx_pattern(model, 4096, 31);
    fx_pattern(model + 4096, 1000, 32);
    for (int i = 0; i < 1000; i += 100) {
        ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, model + 4096 + i, 100), GLBUF_OK);
    }
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    fx_inject_oom(failing_size, rename || failing_size != 8192 ? 0 : name, drop_store);
    uint64_t frame = glbuf_ctx_frame(fx_ctx);
    ck_assert_int_eq(glbuf_buffer_flush_appends(fx_ctx, b), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    ck_assert_uint_eq(glbuf_ctx_frame(fx_ctx), frame + 1);
    fx_stop_injecting();
    ck_assert_int_eq(fx_oom_hits(), 2);
    glbuf_buffer_info info = info_of(b);
    ck_assert_uint_eq(info.name, name);
    ck_assert_uint_eq(info.capacity, 4096);
    ck_assert_uint_eq(info.size, 5096);
    ck_assert_uint_eq(info.pending_bytes, 1000);
    ck_assert_uint_eq(info.storage_generation, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive);
    ck_assert_int_eq(gl_size_of(name), 4096);
    expect_gpu(b, model, 4096);
    /* and the next frame's end delivers it all */
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    info = info_of(b);
    ck_assert_uint_eq(info.pending_bytes, 0);
    ck_assert_uint_eq(info.capacity, 8192);
    ck_assert(rename ? info.name != name : info.name == name);
    expect_gpu(b, model, sizeof model);
    glbuf_buffer_destroy(fx_ctx, b);
}

START_TEST(out_of_memory_at_the_upload_keeps_the_staged_bytes)
{
    upload_oom_keeps_staged_bytes(0, 0, 8192);
}
END_TEST

START_TEST(out_of_memory_that_released_the_store_at_the_upload_loses_nothing)
{
    upload_oom_keeps_staged_bytes(0, 1, 8192);
}
END_TEST

START_TEST(out_of_memory_for_the_growth_temporary_at_the_upload_loses_nothing)
{
    upload_oom_keeps_staged_bytes(0, 0, 4096);
}
END_TEST

START_TEST(out_of_memory_in_a_renaming_upload_keeps_the_old_name_and_bytes)
{
    upload_oom_keeps_staged_bytes(1, 0, 8192);
}
END_TEST

START_TEST(out_of_memory_in_a_renaming_growth_keeps_the_old_name_and_bytes)
{
    glbuf_buffer b = make(0, 1, GLBUF_GROWTH_POW2, 3000, 41);
    uint32_t name = glbuf_buffer_name(fx_ctx, b);
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    uint8_t more[2000];
    fx_pattern(more, sizeof more, 42);
    fx_inject_oom(6000, 0, 0);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, more, sizeof more), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    fx_stop_injecting();
    glbuf_buffer_info info = info_of(b);
    ck_assert_uint_eq(info.name, name);
    ck_assert_uint_eq(info.size, 3000);
    ck_assert_uint_eq(info.capacity, 3000);
    ck_assert_uint_eq(info.storage_generation, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive); /* the new buffer is gone */
    uint8_t model[5000];
    fx_pattern(model, 3000, 41);
    memcpy(model + 3000, more, sizeof more);
    expect_gpu(b, model, 3000);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, more, sizeof more), GLBUF_OK);
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, b), name);
    expect_gpu(b, model, sizeof model);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

/* A host allocator whose `fail_in`-th next call fails. */
static struct {
    long fail_in;
    long live;
} host;

static void *failing_alloc(size_t size, void *user)
{
    (void)user;
    if (host.fail_in > 0 && --host.fail_in == 0) {
        return NULL;
    }
    void *p = malloc(size);
    host.live += p != NULL;
    return p;
}

static void counted_free(void *p, void *user)
{
    (void)user;
    host.live -= p != NULL;
    free(p);
}

START_TEST(host_out_of_memory_while_staging_changes_nothing)
{
    memset(&host, 0, sizeof host);
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.allocator.alloc = failing_alloc;
    desc.allocator.free = counted_free;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_OK);
    glbuf_buffer_desc d = {0};
    d.batch_appends = 1;
    d.growth = GLBUF_GROWTH_POW2;
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(ctx, &d, &b), GLBUF_OK);
    uint8_t model[1000];
    fx_pattern(model, sizeof model, 51);
    ck_assert_int_eq(glbuf_buffer_append(ctx, b, model, 200), GLBUF_OK); /* staging of 256 bytes */
    /* 200 + 100 needs a larger staging array: its allocation fails */
    host.fail_in = 1;
    glbuf_ctx_stats before = glbuf_ctx_get_stats(ctx);
    ck_assert_int_eq(glbuf_buffer_append(ctx, b, model + 200, 100), GLBUF_ERR_OUT_OF_HOST_MEMORY);
    ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).calls_total, before.calls_total);
    glbuf_buffer_info info;
    ck_assert_int_eq(glbuf_buffer_get_info(ctx, b, &info), GLBUF_OK);
    ck_assert_uint_eq(info.size, 200);
    ck_assert_uint_eq(info.pending_bytes, 200);
    /* the retry works and every byte arrives */
    ck_assert_int_eq(glbuf_buffer_append(ctx, b, model + 200, 800), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    uint8_t got[1000];
    fx_read(glbuf_buffer_name(ctx, b), 0, sizeof got, got);
    ck_assert_mem_eq(got, model, sizeof got);
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
    ck_assert_int_eq(host.live, 0);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------- */

START_TEST(bad_input_on_a_batched_buffer_changes_nothing_and_uploads_nothing)
{
    glbuf_buffer b = make(1, 1, GLBUF_GROWTH_POW2, 64, 61);
    uint8_t data[200], out[200];
    fx_pattern(data, sizeof data, 62);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, data, 100), GLBUF_OK);
    glbuf_ctx_reset_stats(fx_ctx);
    void *p = NULL;
    /* settled capacity is 256: past it is out of bounds, before any upload */
    ck_assert_int_eq(glbuf_buffer_get_sub_data(fx_ctx, b, 200, 57, out), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_get_sub_data(fx_ctx, b, 0, 16, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 250, 7, GLBUF_MAP_READ, &p), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, b, 0, 8, GLBUF_MAP_READ | GLBUF_MAP_INVALIDATE_RANGE, &p),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 150, 15, data), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_buffer_copy_data(fx_ctx, b, 16, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, NULL, 1), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_buffer_append(fx_ctx, b, data, (uint64_t)PTRDIFF_MAX), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, UINT64_MAX), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_buffer_resize(fx_ctx, b, UINT64_MAX), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    glbuf_buffer_info info = info_of(b);
    ck_assert_uint_eq(info.size, 164);
    ck_assert_uint_eq(info.pending_bytes, 100);
    ck_assert_uint_eq(info.capacity, 64);
    ck_assert_int_eq(fx_errors_logged, 0);
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, many_appends_in_a_frame_reach_the_gpu_with_one_upload_per_frame);
    tcase_add_test(tc, immediate_appends_stay_the_default_with_one_upload_each);
    tcase_add_test(tc, every_batched_buffer_gets_exactly_one_upload_per_frame);
    tcase_add_test(tc, flush_appends_makes_them_visible_before_the_frame_ends);
    tcase_add_test(tc, calls_that_read_the_gpu_contents_upload_staged_appends_first);
    tcase_add_test(tc, sub_data_on_staged_bytes_writes_the_staging_copy);
    tcase_add_test(tc, data_orphan_and_destroy_discard_staged_bytes);
    tcase_add_test(tc, resize_and_reserve_upload_staged_bytes_with_their_growth);
    tcase_add_test(tc, renaming_growth_changes_the_name_keeps_the_bytes_and_copies_them_once);
    tcase_add_test(tc, batched_renaming_growth_copies_only_the_uploaded_bytes_once);
    tcase_add_test(tc, out_of_memory_at_the_upload_keeps_the_staged_bytes);
    tcase_add_test(tc, out_of_memory_that_released_the_store_at_the_upload_loses_nothing);
    tcase_add_test(tc, out_of_memory_for_the_growth_temporary_at_the_upload_loses_nothing);
    tcase_add_test(tc, out_of_memory_in_a_renaming_upload_keeps_the_old_name_and_bytes);
    tcase_add_test(tc, out_of_memory_in_a_renaming_growth_keeps_the_old_name_and_bytes);
    tcase_add_test(tc, host_out_of_memory_while_staging_changes_nothing);
    tcase_add_test(tc, bad_input_on_a_batched_buffer_changes_nothing_and_uploads_nothing);
}

int main(void)
{
    Suite *s = suite_create("buffer_batch");
    fx_add_tcases(s, "buffer_batch", add_tests, 1);
    return fx_run(s);
}
