/* test_pool.c - glbuf_pool on a real headless context, on the DSA path, the
 * bind-to-edit path and without ARB_buffer_storage: tier choice, reuse only
 * behind the frame fence (with the GPU's reads checked), trimming and the
 * idle budget deleting GL buffers, and foreign handles refused. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"

#define KIB ((uint64_t)1024)
#define MIB (KIB * KIB)

static glbuf_pool make_pool(uint64_t idle_budget)
{
    glbuf_pool_desc d = {0};
    d.idle_budget = idle_budget;
    d.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    d.label = "test-pool";
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &p), GLBUF_OK);
    ck_assert_uint_ne(p.id, 0);
    return p;
}

static glbuf_buffer acquire(glbuf_pool p, uint64_t size)
{
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, size, &b), GLBUF_OK);
    ck_assert_uint_ne(b.id, 0);
    return b;
}

static uint64_t gl_deleted(void)
{
    return glbuf_ctx_get_stats(fx_ctx).buffers_deleted;
}

static uint64_t gl_alive(void)
{
    return glbuf_ctx_get_stats(fx_ctx).buffers_alive;
}

/* ---- creation ------------------------------------------------------------------ */

START_TEST(create_applies_the_seed_tiers_and_rejects_bad_descs)
{
    glbuf_pool_desc d = {0};
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &p), GLBUF_OK);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].class_size, 16 * KIB);
    ck_assert_uint_eq(st.tiers[1].class_size, 256 * KIB);
    ck_assert_uint_eq(st.tiers[2].class_size, 4 * MIB);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].class_size, 0);
    ck_assert_uint_eq(st.idle_budget, 64 * MIB);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_ERR_INVALID_HANDLE);

    glbuf_pool untouched = {0x5151};
    ck_assert_int_eq(glbuf_pool_create(NULL, &d, &untouched), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, NULL, &untouched), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, NULL), GLBUF_ERR_NULL);
    d.tier_limits[0] = 1 * MIB; /* above the default 256 KiB of tier 1 */
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &untouched), GLBUF_ERR_INVALID_ARGUMENT);
    d.tier_limits[0] = 4 * KIB;
    d.tier_limits[1] = 4 * KIB;
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &untouched), GLBUF_ERR_INVALID_ARGUMENT);
    d.tier_limits[1] = 0;
    d.usage = GLBUF_USAGE_COUNT;
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &untouched), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(untouched.id, 0x5151);
    ck_assert_uint_eq(gl_alive(), 0);
}
END_TEST

/* ---- acquire ------------------------------------------------------------------- */

START_TEST(acquire_picks_the_tier_by_size)
{
    glbuf_pool p = make_pool(0);
    uint64_t sizes[7] = {1, 16 * KIB, 16 * KIB + 1, 256 * KIB, 256 * KIB + 1, 4 * MIB, 4 * MIB + 1};
    uint64_t caps[7] = {16 * KIB, 16 * KIB, 256 * KIB, 256 * KIB, 4 * MIB, 4 * MIB, 4 * MIB + 1};
    glbuf_buffer b[7];
    uint64_t requested = 0, held = 0;
    for (int i = 0; i < 7; i++) {
        b[i] = acquire(p, sizes[i]);
        glbuf_buffer_info info;
        ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, b[i], &info), GLBUF_OK);
        ck_assert_uint_eq(info.size, sizes[i]);
        ck_assert_uint_eq(info.capacity, caps[i]);
        ck_assert_int_eq(info.usage, GLBUF_USAGE_DYNAMIC_DRAW);
        GLint64 gl_size = 0;
        fx_gl->GetNamedBufferParameteri64v(info.name, GL_BUFFER_SIZE, &gl_size);
        ck_assert_int_eq(gl_size, (int64_t)caps[i]);
        requested += sizes[i];
        held += caps[i];
    }
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].live, 2);
    ck_assert_uint_eq(st.tiers[1].live, 2);
    ck_assert_uint_eq(st.tiers[2].live, 2);
    ck_assert_uint_eq(st.tiers[3].live, 1);
    ck_assert_uint_eq(st.tiers[0].created, 2);
    ck_assert_uint_eq(st.tiers[0].bytes_requested, 1 + 16 * KIB);
    ck_assert_uint_eq(st.tiers[0].bytes_held, 32 * KIB);
    ck_assert_uint_eq(st.bytes_requested, requested);
    ck_assert_uint_eq(st.bytes_held, held);
    ck_assert_uint_eq(st.bytes_idle, 0);
    char label[64] = "";
    if (fx_has(FX_DEBUG)) { /* labels need KHR_debug */
        fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(fx_ctx, b[0]), sizeof label, NULL, label);
        ck_assert_str_eq(label, "glbuf:test-pool[16384]");
        fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(fx_ctx, b[6]), sizeof label, NULL, label);
        ck_assert_str_eq(label, "glbuf:test-pool[exact]");
    }
    for (int i = 0; i < 7; i++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK);
    }
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.bytes_requested, 0);
    ck_assert_uint_eq(st.bytes_idle, held);
    ck_assert_uint_eq(st.tiers[2].idle, 2);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(acquire_rejects_bad_sizes_and_changes_nothing)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, 0, &b), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, UINT64_MAX, &b), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, 16, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_pool_acquire(NULL, p, 16, &b), GLBUF_ERR_NULL);
    glbuf_pool none = {0};
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, none, 16, &b), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(b.id, 0);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    for (int i = 0; i < GLBUF_POOL_TIERS; i++) {
        ck_assert_uint_eq(st.tiers[i].created, 0);
    }
    ck_assert_uint_eq(gl_alive(), 0);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(pooled_buffers_hold_data_like_plain_buffers)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer b = acquire(p, 1000);
    uint8_t data[1000], got[1000];
    fx_pattern(data, sizeof data, 3);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 0, sizeof data, data), GLBUF_OK);
    /* bounds are the requested size, not the class size */
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 1000, 1, data), GLBUF_ERR_OUT_OF_BOUNDS);
    fx_read(glbuf_buffer_name(fx_ctx, b), 0, sizeof got, got);
    fx_check_pattern(got, sizeof got, 3);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

/* ---- release ------------------------------------------------------------------- */

START_TEST(release_rejects_foreign_and_released_buffers)
{
    glbuf_pool p = make_pool(0);
    glbuf_pool other = make_pool(0);
    glbuf_buffer mine = acquire(p, 100);
    glbuf_buffer theirs = acquire(other, 100);
    glbuf_buffer_desc d = {0};
    d.size = 100;
    glbuf_buffer plain;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &plain), GLBUF_OK);
    glbuf_buffer zero = {0};

    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, plain), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, theirs), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, zero), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_pool_release(NULL, p, mine), GLBUF_ERR_NULL);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].live, 1);
    ck_assert_uint_eq(st.tiers[0].idle, 0);

    void *ptr = NULL;
    ck_assert_int_eq(glbuf_buffer_map_range(fx_ctx, mine, 0, 100, GLBUF_MAP_WRITE, &ptr), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, mine), GLBUF_ERR_ALREADY_MAPPED);
    ck_assert_int_eq(glbuf_buffer_unmap(fx_ctx, mine), GLBUF_OK);

    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, mine), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, mine), GLBUF_ERR_INVALID_HANDLE); /* double release */
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].live, 0);
    ck_assert_uint_eq(st.tiers[0].idle, 1);

    ck_assert_int_eq(glbuf_pool_release(fx_ctx, other, theirs), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, plain), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, plain), GLBUF_ERR_INVALID_HANDLE); /* destroyed */
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, other), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
}
END_TEST

START_TEST(a_stream_is_not_a_pool)
{
    glbuf_stream_desc sd = {0};
    sd.capacity = 4096;
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &sd, &s), GLBUF_OK);
    glbuf_pool wrong = {s.id}; /* a stream's id forged into a pool handle */
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, wrong, 16, &b), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, wrong, b), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_pool_trim(fx_ctx, wrong, 0), GLBUF_ERR_WRONG_KIND);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, wrong).idle_budget, 0);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, wrong), GLBUF_ERR_WRONG_KIND);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).capacity, 4096); /* still alive */
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* ---- reuse behind the fence -------------------------------------------------- */

START_TEST(reuse_happens_only_after_the_fence)
{
    glbuf_pool p = make_pool(0);
    fx_simulate_slow_gpu(1);
    glbuf_buffer a = acquire(p, 10 * KIB);
    uint32_t a_name = glbuf_buffer_name(fx_ctx, a);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, a), GLBUF_OK);
    uint64_t released_in = glbuf_ctx_frame(fx_ctx);

    glbuf_buffer b = acquire(p, 10 * KIB); /* same frame: the GPU may still read a */
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, b), a_name);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    glbuf_buffer c = acquire(p, 10 * KIB); /* frame ended, fence not signalled */
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, c), a_name);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].created, 3);
    ck_assert_uint_eq(st.tiers[0].reused, 0);

    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, released_in, UINT64_MAX), GLBUF_OK);
    glbuf_buffer d = acquire(p, 10 * KIB); /* now it is safe */
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, d), a_name);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, d), 10 * KIB);
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].created, 3);
    ck_assert_uint_eq(st.tiers[0].reused, 1);
    ck_assert_uint_eq(st.tiers[0].live, 3);
    fx_simulate_slow_gpu(0);
    glbuf_pool_release(fx_ctx, p, b);
    glbuf_pool_release(fx_ctx, p, c);
    glbuf_pool_release(fx_ctx, p, d);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(gpu_reads_survive_the_release_of_the_buffer)
{
    /* The GPU copies buffer A into a readback buffer in frame 1, A is
     * released at once and a new owner writes over the buffer it gets: the
     * copy must still see A's data, because A is not handed out again before
     * frame 1's fence. Repeated over frames with the readback checked. */
    enum { FRAMES = 8, SIZE = 8 * 1024 };
    glbuf_pool p = make_pool(0);
    GLuint readback = fx_new_buffer(FRAMES * SIZE);
    uint8_t data[SIZE];
    for (int f = 0; f < FRAMES; f++) {
        glbuf_buffer a = acquire(p, SIZE);
        fx_pattern(data, SIZE, (uint32_t)f);
        ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, a, 0, SIZE, data), GLBUF_OK);
        fx_gl->CopyNamedBufferSubData(glbuf_buffer_name(fx_ctx, a), readback, 0, (GLintptr)f * SIZE, SIZE);
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, a), GLBUF_OK);
        glbuf_buffer b = acquire(p, SIZE); /* must not be a */
        memset(data, 0xEE, SIZE);
        ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b, 0, SIZE, data), GLBUF_OK);
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    uint8_t *got = malloc(FRAMES * SIZE);
    fx_read(readback, 0, FRAMES * SIZE, got);
    for (int f = 0; f < FRAMES; f++) {
        fx_check_pattern(got + f * SIZE, SIZE, (uint32_t)f);
    }
    free(got);
    fx_gl->DeleteBuffers(1, &readback);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].created + st.tiers[0].reused, 2 * FRAMES);
    ck_assert_uint_ge(st.tiers[0].created, 2);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(oversized_buffers_are_exact_and_reused_only_at_their_size)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer a = acquire(p, 5 * MIB);
    uint32_t a_name = glbuf_buffer_name(fx_ctx, a);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, a), 5 * MIB);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    glbuf_buffer b = acquire(p, 5 * MIB + 4);
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, b), a_name);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, b), 5 * MIB + 4);
    glbuf_buffer c = acquire(p, 5 * MIB);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, c), a_name);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].created, 2);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].reused, 1);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].bytes_held, 10 * MIB + 4);
    glbuf_pool_release(fx_ctx, p, b);
    glbuf_pool_release(fx_ctx, p, c);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

/* ---- giving memory back ------------------------------------------------------- */

START_TEST(trim_deletes_buffers_idle_longer_than_the_limit)
{
    glbuf_pool p = make_pool(UINT64_MAX);
    glbuf_buffer b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = acquire(p, 100 * KIB);
    }
    uint64_t first = glbuf_ctx_frame(fx_ctx);
    for (int i = 0; i < 4; i++) { /* released in frames first .. first + 3 */
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    /* now frame first + 4: idle for 4, 3, 2, 1 frames */
    uint64_t deleted = gl_deleted();
    ck_assert_int_eq(glbuf_pool_trim(fx_ctx, p, 2), GLBUF_OK);
    ck_assert_uint_eq(gl_deleted(), deleted + 2);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[1].trimmed, 2);
    ck_assert_uint_eq(st.tiers[1].idle, 2);
    ck_assert_uint_eq(st.tiers[1].bytes_idle, 512 * KIB);
    ck_assert_uint_eq(st.tiers[1].bytes_held, 512 * KIB);
    ck_assert_uint_eq(glbuf_ctx_frame(fx_ctx), first + 4);
    ck_assert_int_eq(fx_gl->IsBuffer(glbuf_buffer_name(fx_ctx, b[3])), GL_TRUE);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, b[0]), 0); /* handle dead */
    ck_assert_int_eq(glbuf_pool_trim(fx_ctx, p, 0), GLBUF_OK);
    ck_assert_uint_eq(gl_deleted(), deleted + 4);
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[1].idle, 0);
    ck_assert_uint_eq(st.bytes_held, 0);
    ck_assert_uint_eq(gl_alive(), 0);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(idle_budget_caps_the_idle_bytes_oldest_first)
{
    glbuf_pool p = make_pool(512 * KIB + 16 * KIB); /* two 256 KiB buffers and a 16 KiB one */
    glbuf_buffer big[4];
    for (int i = 0; i < 4; i++) {
        big[i] = acquire(p, 200 * KIB);
    }
    glbuf_buffer small = acquire(p, 1 * KIB);
    uint64_t deleted = gl_deleted();
    uint32_t newest = glbuf_buffer_name(fx_ctx, big[3]);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, big[i]), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    ck_assert_uint_eq(gl_deleted(), deleted + 2); /* the two released first */
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[1].evicted, 2);
    ck_assert_uint_eq(st.tiers[1].idle, 2);
    ck_assert_uint_eq(st.bytes_idle, 512 * KIB);
    ck_assert_int_eq(fx_gl->IsBuffer(newest), GL_TRUE);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, small), GLBUF_OK); /* fits exactly */
    ck_assert_uint_eq(gl_deleted(), deleted + 2);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).bytes_idle, 512 * KIB + 16 * KIB);
    glbuf_buffer huge = acquire(p, 1 * MIB); /* a 4 MiB buffer, over the budget alone */
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, huge), GLBUF_OK);
    ck_assert_uint_eq(gl_deleted(), deleted + 3); /* only it goes */
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.bytes_idle, 512 * KIB + 16 * KIB);
    ck_assert_uint_eq(st.tiers[2].idle, 0);
    ck_assert_uint_eq(st.tiers[2].evicted, 1);
    ck_assert_uint_eq(st.tiers[2].bytes_held, 0);
    ck_assert_uint_eq(gl_alive(), 3);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
}
END_TEST

START_TEST(a_buffer_resized_while_acquired_is_deleted_on_release)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer b = acquire(p, 10 * KIB);
    ck_assert_int_eq(glbuf_buffer_reserve(fx_ctx, b, 20 * KIB), GLBUF_OK);
    uint64_t deleted = gl_deleted();
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b), GLBUF_OK);
    ck_assert_uint_eq(gl_deleted(), deleted + 1);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].discarded, 1);
    ck_assert_uint_eq(st.tiers[0].idle, 0);
    ck_assert_uint_eq(st.tiers[0].bytes_held, 0);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(destroy_deletes_idle_buffers_and_hands_acquired_ones_to_the_app)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer kept = acquire(p, 100);
    glbuf_buffer idle = acquire(p, 100 * KIB);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, idle), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 2);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_ERR_INVALID_HANDLE); /* changes nothing */
    ck_assert_int_eq(glbuf_pool_destroy(NULL, p), GLBUF_ERR_NULL);
    ck_assert_uint_eq(gl_alive(), 1);
    ck_assert_int_eq(fx_errors_logged, 0);
    /* a plain buffer now: destroy works, and no pool claims it */
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, kept), 100);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, kept), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
}
END_TEST

START_TEST(a_pooled_buffer_destroyed_behind_the_pools_back_is_forgotten)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer b = acquire(p, 100);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK); /* misuse */
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    glbuf_buffer c = acquire(p, 100); /* a new one, not the dead handle */
    ck_assert_uint_ne(c.id, b.id);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).tiers[0].idle, 0);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, c), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, create_applies_the_seed_tiers_and_rejects_bad_descs);
    tcase_add_test(tc, acquire_picks_the_tier_by_size);
    tcase_add_test(tc, acquire_rejects_bad_sizes_and_changes_nothing);
    tcase_add_test(tc, pooled_buffers_hold_data_like_plain_buffers);
    tcase_add_test(tc, release_rejects_foreign_and_released_buffers);
    tcase_add_test(tc, a_stream_is_not_a_pool);
    tcase_add_test(tc, reuse_happens_only_after_the_fence);
    tcase_add_test(tc, gpu_reads_survive_the_release_of_the_buffer);
    tcase_add_test(tc, oversized_buffers_are_exact_and_reused_only_at_their_size);
    tcase_add_test(tc, trim_deletes_buffers_idle_longer_than_the_limit);
    tcase_add_test(tc, idle_budget_caps_the_idle_bytes_oldest_first);
    tcase_add_test(tc, a_buffer_resized_while_acquired_is_deleted_on_release);
    tcase_add_test(tc, destroy_deletes_idle_buffers_and_hands_acquired_ones_to_the_app);
    tcase_add_test(tc, a_pooled_buffer_destroyed_behind_the_pools_back_is_forgotten);
}

int main(void)
{
    Suite *s = suite_create("pool");
    fx_add_tcases(s, "pool", add_tests, 1);
    return fx_run(s);
}
