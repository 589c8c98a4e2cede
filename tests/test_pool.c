/* test_pool.c - glbuf_pool on a real headless context, on the DSA path, the
 * bind-to-edit path and without ARB_buffer_storage: size classes and the
 * waste bound, reuse only behind the frame fence (with the GPU's reads
 * checked, also with a GPU that never signals), the demand-following idle
 * policy, trimming and the idle budget deleting GL buffers (exact counts),
 * and foreign handles refused. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"
#include "pool_class.h"

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

/* ---- size classes: the arithmetic ------------------------------------------------ */

/* Check's assertions report through a pipe: the million sizes below are
 * checked with plain conditions and the first bad one fails the test. */
#define CLASS_CHECK(cond, size)                                                                              \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            ck_abort_msg("size %llu: %s", (unsigned long long)(size), #cond);                               \
        }                                                                                                  \
    } while (0)

START_TEST(size_classes_are_eight_per_power_of_two_and_keep_the_bound)
{
    /* Every size up to 1 MiB + 1, then a fixed-seed sample up to GLsizeiptr. */
    uint64_t rng = 0x5EED0018u;
    uint32_t prev_cls = 0;
    for (uint64_t i = 0; i < (1u << 20) + 1 + 200000; i++) {
        uint64_t size;
        if (i <= (1u << 20)) {
            size = i + 1;
        } else {
            rng = rng * 6364136223846793005u + 1442695040888963407u;
            size = (rng >> 1) >> (rng % 63); /* every magnitude, <= 2^63 - 1 */
            size = size ? size : 1;
        }
        uint64_t cs = 0;
        uint32_t cls = pool_class_of(size, &cs);
        CLASS_CHECK(cls < POOL_CLASS_COUNT, size);
        CLASS_CHECK(pool_class_size(cls) == cs, size);
        CLASS_CHECK(cs >= size, size);
        CLASS_CHECK(size < 16 ? cs == size : (cs - size) < size / 8 + (size % 8 != 0), size); /* 8 (cs - size) < size */
        CLASS_CHECK(pool_fits(cs, size), size);
        if (i > 0 && i <= (1u << 20)) {
            CLASS_CHECK(cls == prev_cls || cls == prev_cls + 1, size); /* classes follow the sizes */
        }
        prev_cls = cls;
        uint32_t end = cls; /* at most 4 classes fit one request */
        while (end < POOL_CLASS_COUNT && pool_fits(pool_class_size(end), size)) {
            end++;
        }
        CLASS_CHECK(end - cls <= 4, size);
    }
    /* the fit bound exactly: 4 (capacity - size) < size */
    ck_assert(pool_fits(24576, 19661));  /* 4 * 4915 = 19660 < 19661 */
    ck_assert(!pool_fits(24576, 19660)); /* 4 * 4916 = 19664 */
    ck_assert(!pool_fits(100, 101));
    uint64_t cs = 0;
    ck_assert_uint_eq(pool_class_of(((uint64_t)1 << 63) - 1, &cs), POOL_CLASS_COUNT - 1);
    ck_assert_uint_eq(cs, (uint64_t)1 << 63); /* beyond GLsizeiptr: the pool clamps */
}
END_TEST

/* ---- creation ------------------------------------------------------------------ */

START_TEST(create_applies_the_defaults_and_rejects_bad_descs)
{
    glbuf_pool_desc d = {0};
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &p), GLBUF_OK);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].limit, 16 * KIB);
    ck_assert_uint_eq(st.tiers[1].limit, 256 * KIB);
    ck_assert_uint_eq(st.tiers[2].limit, 4 * MIB);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].limit, 0);
    ck_assert_uint_eq(st.idle_budget, 256 * MIB);
    ck_assert_uint_eq(st.demand_frames, 16);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_ERR_INVALID_HANDLE);
    d.demand_frames = GLBUF_POOL_MAX_DEMAND_FRAMES;
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &p), GLBUF_OK);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).demand_frames, GLBUF_POOL_MAX_DEMAND_FRAMES);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);

    glbuf_pool untouched = {0x5151};
    d.demand_frames = GLBUF_POOL_MAX_DEMAND_FRAMES + 1;
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &untouched), GLBUF_ERR_INVALID_ARGUMENT);
    d.demand_frames = 0;
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

START_TEST(acquire_rounds_up_to_the_size_class_and_files_by_capacity)
{
    enum { N = 12 };
    glbuf_pool p = make_pool(0);
    /* size -> class: multiples of 2^(floor(log2 size) - 3), exact below 16 */
    const uint64_t sizes[N] = {1, 15, 16, 17, 100, 1000, 16 * KIB, 16 * KIB + 1, 200 * KIB, 256 * KIB + 1,
                               4 * MIB + 1, 5 * MIB + 4};
    const uint64_t caps[N] = {1, 15, 16, 18, 104, 1024, 16 * KIB, 18 * KIB, 208 * KIB, 288 * KIB,
                              4 * MIB + 512 * KIB, 5 * MIB + 512 * KIB};
    const unsigned tiers[N] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3};
    glbuf_buffer b[N];
    uint64_t requested = 0, held = 0, per_tier[GLBUF_POOL_TIERS] = {0};
    for (int i = 0; i < N; i++) {
        b[i] = acquire(p, sizes[i]);
        glbuf_buffer_info info;
        ck_assert_int_eq(glbuf_buffer_get_info(fx_ctx, b[i], &info), GLBUF_OK);
        ck_assert_uint_eq(info.size, sizes[i]);
        ck_assert_uint_eq(info.capacity, caps[i]);
        ck_assert_uint_lt(8 * (caps[i] - sizes[i]), sizes[i] < 16 ? 1 : sizes[i]); /* new buffers: < 1/8 */
        ck_assert_int_eq(info.usage, GLBUF_USAGE_DYNAMIC_DRAW);
        GLint64 gl_size = 0;
        fx_gl->GetNamedBufferParameteri64v(info.name, GL_BUFFER_SIZE, &gl_size);
        ck_assert_int_eq(gl_size, (int64_t)caps[i]);
        requested += sizes[i];
        held += caps[i];
        per_tier[tiers[i]]++;
    }
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    for (int t = 0; t < GLBUF_POOL_TIERS; t++) {
        ck_assert_uint_eq(st.tiers[t].live, per_tier[t]);
        ck_assert_uint_eq(st.tiers[t].created, per_tier[t]);
    }
    ck_assert_uint_eq(st.tiers[0].bytes_requested, 1 + 15 + 16 + 17 + 100 + 1000 + 16 * KIB);
    ck_assert_uint_eq(st.tiers[0].bytes_held, 1 + 15 + 16 + 18 + 104 + 1024 + 16 * KIB);
    ck_assert_uint_eq(st.acquired, N);
    ck_assert_uint_eq(st.bytes_requested, requested);
    ck_assert_uint_eq(st.bytes_held, held);
    ck_assert_uint_eq(st.bytes_idle, 0);
    char label[64] = "";
    if (fx_has(FX_DEBUG)) { /* labels need KHR_debug */
        fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(fx_ctx, b[6]), sizeof label, NULL, label);
        ck_assert_str_eq(label, "glbuf:test-pool[16384]");
        fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(fx_ctx, b[11]), sizeof label, NULL, label);
        ck_assert_str_eq(label, "glbuf:test-pool[5767168]");
    }
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK);
    }
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.bytes_requested, 0);
    ck_assert_uint_eq(st.bytes_idle, held);
    ck_assert_uint_eq(st.tiers[3].idle, 2);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(reuse_takes_the_smallest_class_that_fits_within_a_quarter)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer b18 = acquire(p, 18 * KIB), b20 = acquire(p, 20 * KIB), b24 = acquire(p, 24 * KIB);
    uint32_t n18 = glbuf_buffer_name(fx_ctx, b18), n20 = glbuf_buffer_name(fx_ctx, b20);
    uint32_t n24 = glbuf_buffer_name(fx_ctx, b24);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b24), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b20), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b18), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);

    /* 17 KiB (class 18 KiB) fits 18, 20 KiB (3 KiB < 17 KiB / 4), not 22, 24 */
    glbuf_buffer a = acquire(p, 17 * KIB);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, a), n18);
    glbuf_buffer c = acquire(p, 17 * KIB);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, c), n20);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, c), 17 * KIB);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, c), 20 * KIB);
    glbuf_buffer d = acquire(p, 17 * KIB); /* 24 KiB wastes 7 KiB >= 17 KiB / 4 */
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, d), n24);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, d), 18 * KIB);
    /* the bound's edge: 4 * (24576 - 19660) = 19664 >= 19660, 19660 < 19661 */
    glbuf_buffer e = acquire(p, 19660);
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, e), n24);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, e), 20 * KIB);
    glbuf_buffer f = acquire(p, 19661);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, f), n24);

    /* the reused 24 KiB buffer holds the new owner's bytes, bounded by its request */
    uint8_t *data = malloc(19661), *got = malloc(19661);
    fx_pattern(data, 19661, 18);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, f, 0, 19661, data), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, f, 19661, 1, data), GLBUF_ERR_OUT_OF_BOUNDS);
    fx_read(n24, 0, 19661, got);
    fx_check_pattern(got, 19661, 18);
    free(data);
    free(got);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[1].created, 5);
    ck_assert_uint_eq(st.tiers[1].reused, 3);
    ck_assert_uint_eq(st.acquired, 8);
    glbuf_buffer all[5] = {a, c, d, e, f};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, all[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(every_buffer_handed_out_keeps_the_waste_bound)
{
    /* Random sizes 1 B .. 1 MiB, random lifetimes over 40 frames (fixed seed):
     * every acquisition, new or reused, has size <= capacity < size + size / 4. */
    enum { SLOTS = 48, FRAMES = 40, PER_FRAME = 40 };
    glbuf_pool p = make_pool(UINT64_MAX);
    glbuf_buffer slot[SLOTS];
    memset(slot, 0, sizeof slot);
    uint64_t rng = 0x5EED1800u, reused = 0;
    for (int f = 0; f < FRAMES; f++) {
        for (int k = 0; k < PER_FRAME; k++) {
            rng = rng * 6364136223846793005u + 1442695040888963407u;
            int i = (int)((rng >> 33) % SLOTS);
            if (slot[i].id != 0) {
                ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, slot[i]), GLBUF_OK);
                slot[i].id = 0;
            }
            uint64_t size = ((rng >> 8) & 0xFFFFF) >> ((rng >> 40) % 20); /* every magnitude up to 1 MiB */
            size = size ? size : 1;
            slot[i] = acquire(p, size);
            uint64_t cap = glbuf_buffer_capacity(fx_ctx, slot[i]);
            ck_assert_uint_ge(cap, size);
            ck_assert_uint_lt(4 * (cap - size), size);
            ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, slot[i]), size);
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    uint64_t created = 0;
    for (int t = 0; t < GLBUF_POOL_TIERS; t++) {
        created += st.tiers[t].created;
        reused += st.tiers[t].reused;
    }
    ck_assert_uint_eq(st.acquired, FRAMES * PER_FRAME);
    ck_assert_uint_eq(created + reused, FRAMES * PER_FRAME);
    ck_assert_uint_gt(reused, 100); /* the bound was checked on reuse too */
    for (int i = 0; i < SLOTS; i++) {
        if (slot[i].id != 0) {
            ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, slot[i]), GLBUF_OK);
        }
    }
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

START_TEST(oversized_requests_are_classed_like_the_rest)
{
    glbuf_pool p = make_pool(0);
    glbuf_buffer a = acquire(p, 5 * MIB);
    uint32_t a_name = glbuf_buffer_name(fx_ctx, a);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, a), 5 * MIB);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    glbuf_buffer b = acquire(p, 5 * MIB + 4); /* 5 MiB is too small: a new 5.5 MiB */
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, b), a_name);
    ck_assert_uint_eq(glbuf_buffer_capacity(fx_ctx, b), 5 * MIB + 512 * KIB);
    glbuf_buffer c = acquire(p, 4 * MIB + 512 * KIB); /* 5 MiB wastes 512 KiB < 4.5 MiB / 4 */
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, c), a_name);
    ck_assert_uint_eq(glbuf_buffer_size(fx_ctx, c), 4 * MIB + 512 * KIB);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].created, 2);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].reused, 1);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].bytes_held, 10 * MIB + 512 * KIB);
    ck_assert_uint_eq(st.tiers[GLBUF_POOL_OVERSIZED].bytes_requested, 9 * MIB + 512 * KIB + 4);
    glbuf_pool_release(fx_ctx, p, b);
    glbuf_pool_release(fx_ctx, p, c);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

/* ---- the idle policy follows demand ------------------------------------------ */

START_TEST(steady_churn_reuses_every_buffer_after_the_first_frame)
{
    /* Each frame acquires the same sizes, writes them, lets the GPU copy
     * them into a readback buffer, releases them and ends. From the second
     * frame on every acquisition reuses, nothing is created or deleted, and
     * the GPU read each frame's bytes. */
    enum { N = 10, FRAMES = 12 };
    const uint64_t sizes[N] = {300, 300, 5000, 15000, 15000, 40000, 100000, 100000, 300000, 5 * MIB};
    uint64_t offsets[N + 1] = {0};
    for (int i = 0; i < N; i++) {
        offsets[i + 1] = offsets[i] + sizes[i];
    }
    glbuf_pool p = make_pool(0);
    GLuint readback = fx_new_buffer(offsets[N] * FRAMES);
    uint8_t *data = malloc(5 * MIB);
    uint64_t created_after_first = 0, deleted_after_first = 0;
    for (int f = 0; f < FRAMES; f++) {
        glbuf_buffer b[N];
        for (int i = 0; i < N; i++) {
            b[i] = acquire(p, sizes[i]);
            fx_pattern(data, sizes[i], (uint32_t)(f * N + i));
            ck_assert_int_eq(glbuf_buffer_sub_data(fx_ctx, b[i], 0, sizes[i], data), GLBUF_OK);
            fx_gl->CopyNamedBufferSubData(glbuf_buffer_name(fx_ctx, b[i]), readback, 0,
                                          (GLintptr)(offsets[N] * (uint64_t)f + offsets[i]), (GLsizeiptr)sizes[i]);
        }
        for (int i = 0; i < N; i++) {
            ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK);
        }
        uint64_t frame = glbuf_ctx_frame(fx_ctx);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, frame, UINT64_MAX), GLBUF_OK);
        if (f == 0) {
            created_after_first = glbuf_ctx_get_stats(fx_ctx).buffers_created;
            deleted_after_first = gl_deleted();
        }
    }
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_created, created_after_first);
    ck_assert_uint_eq(gl_deleted(), deleted_after_first);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    uint64_t created = 0, reused = 0, shed = 0;
    for (int t = 0; t < GLBUF_POOL_TIERS; t++) {
        created += st.tiers[t].created;
        reused += st.tiers[t].reused;
        shed += st.tiers[t].shed + st.tiers[t].evicted;
    }
    ck_assert_uint_eq(created, N);
    ck_assert_uint_eq(reused, N * (FRAMES - 1));
    ck_assert_uint_eq(shed, 0);
    uint8_t *got = malloc(offsets[N]);
    for (int f = 0; f < FRAMES; f++) {
        fx_read(readback, offsets[N] * (uint64_t)f, offsets[N], got);
        for (int i = 0; i < N; i++) {
            fx_check_pattern(got + offsets[i], sizes[i], (uint32_t)(f * N + i));
        }
    }
    free(got);
    free(data);
    fx_gl->DeleteBuffers(1, &readback);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

static void end_and_wait(void)
{
    uint64_t frame = glbuf_ctx_frame(fx_ctx);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, frame, UINT64_MAX), GLBUF_OK);
}

/* Acquires n buffers of 1000 bytes (class 1024), records their names, and
 * releases them in the same order. */
static void churn_1000(glbuf_pool p, int n, uint32_t *names)
{
    glbuf_buffer b[8];
    for (int i = 0; i < n; i++) {
        b[i] = acquire(p, 1000);
        names[i] = glbuf_buffer_name(fx_ctx, b[i]);
    }
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK);
    }
}

START_TEST(idle_buffers_follow_the_busiest_of_the_last_frames)
{
    /* W = 2: at the first call of frame F a class keeps as many idle buffers
     * as its busiest of frames F-2 and F-1 acquired, the newest ones. */
    glbuf_pool_desc d = {0};
    d.demand_frames = 2;
    d.label = "demand";
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &p), GLBUF_OK);
    uint32_t f1[6], f2[2], f3[1];
    churn_1000(p, 6, f1); /* F1: demand 6 */
    end_and_wait();
    churn_1000(p, 2, f2); /* F2: keep max(0, 6) = 6; demand 2, both reused */
    end_and_wait();
    churn_1000(p, 1, f3); /* F3: keep max(6, 2) = 6; demand 1, reused */
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].created, 6);
    ck_assert_uint_eq(st.tiers[0].reused, 3);
    ck_assert_uint_eq(st.tiers[0].idle, 6);
    ck_assert_uint_eq(st.tiers[0].shed, 0);
    end_and_wait();

    /* F4: keep max(2, 1) = 2, the two released last (in F2 and F3) */
    uint64_t deleted = gl_deleted();
    ck_assert_int_eq(glbuf_pool_trim(fx_ctx, p, UINT64_MAX), GLBUF_OK); /* trims nothing itself */
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].idle, 2);
    ck_assert_uint_eq(st.tiers[0].shed, 4);
    ck_assert_uint_eq(st.tiers[0].trimmed, 0);
    ck_assert_uint_eq(st.bytes_idle, 2 * 1024);
    ck_assert_uint_eq(gl_deleted(), deleted + 4);
    ck_assert_uint_eq(gl_alive(), 2);
    ck_assert_int_eq(fx_gl->IsBuffer(f3[0]), GL_TRUE);
    ck_assert_int_eq(fx_gl->IsBuffer(f2[0]) || fx_gl->IsBuffer(f2[1]), GL_TRUE);
    ck_assert_uint_ne(f3[0], f2[0]);

    /* F5, F6 without acquisitions: at F6's first call nothing is needed */
    end_and_wait();
    end_and_wait();
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).tiers[0].idle, 2); /* stats apply no policy */
    glbuf_buffer other = acquire(p, 100 * KIB);                  /* F6: another class */
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[0].idle, 0);
    ck_assert_uint_eq(st.tiers[0].shed, 6);
    ck_assert_uint_eq(st.tiers[0].bytes_held, 0);
    ck_assert_uint_eq(gl_alive(), 1);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, other), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_uint_eq(gl_alive(), 0);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(reuse_makes_no_gl_call_and_a_miss_polls_only_for_ended_frames)
{
    glbuf_pool p = make_pool(0);
    fx_simulate_slow_gpu(1);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK); /* an older fence, pending */
    glbuf_buffer a = acquire(p, 4000);
    uint32_t a_name = glbuf_buffer_name(fx_ctx, a);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, a), GLBUF_OK);

    /* same frame: the idle buffer cannot be free yet, and no fence can say so */
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_buffer b = acquire(p, 4000);
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, b), a_name);
    ck_assert_uint_eq(cs.calls[GLBUF_GL_ClientWaitSync], 0);
    ck_assert_uint_eq(cs.buffers_created, 1);

    /* the frame has ended, its fence pending: one poll, then a new buffer */
    uint64_t frame = glbuf_ctx_frame(fx_ctx);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_buffer c = acquire(p, 4000);
    cs = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_ne(glbuf_buffer_name(fx_ctx, c), a_name);
    ck_assert_uint_eq(cs.calls[GLBUF_GL_ClientWaitSync], 1);
    ck_assert_uint_eq(cs.buffers_created, 1);
    fx_simulate_slow_gpu(0);

    /* complete: reuse without a single GL call */
    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, frame, UINT64_MAX), GLBUF_OK);
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_buffer e = acquire(p, 4000);
    ck_assert_uint_eq(glbuf_buffer_name(fx_ctx, e), a_name);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, e), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    glbuf_pool_release(fx_ctx, p, b);
    glbuf_pool_release(fx_ctx, p, c);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(a_failed_creation_changes_no_count_and_no_demand)
{
    glbuf_pool_desc d = {0};
    d.demand_frames = 1;
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &d, &p), GLBUF_OK);
    glbuf_buffer b[3];
    for (int i = 0; i < 3; i++) {
        b[i] = acquire(p, 3000); /* class 3072, acquired in F1 */
    }
    end_and_wait();
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK); /* idle in F2, not reusable in F2 */
    }
    fx_inject_oom(3072, 0, 0);
    glbuf_buffer out = {0};
    glbuf_pool_stats before = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, 3000, &out), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    ck_assert_int_eq(fx_oom_hits(), 1);
    fx_stop_injecting();
    ck_assert_uint_eq(out.id, 0);
    glbuf_pool_stats after = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_mem_eq(&before, &after, sizeof before);
    ck_assert_uint_eq(gl_alive(), 3);
    end_and_wait();
    /* F3: F2 had no (successful) acquisition, so the class keeps nothing */
    ck_assert_int_eq(glbuf_pool_trim(fx_ctx, p, UINT64_MAX), GLBUF_OK);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).tiers[0].idle, 0);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).tiers[0].shed, 3);
    ck_assert_uint_eq(gl_alive(), 0);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 1); /* the injected GL_OUT_OF_MEMORY, logged once */
}
END_TEST

/* ---- giving memory back ------------------------------------------------------- */

START_TEST(trim_deletes_buffers_idle_longer_than_the_limit)
{
    glbuf_pool p = make_pool(UINT64_MAX);
    glbuf_buffer b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = acquire(p, 100 * KIB); /* class 104 KiB */
    }
    uint64_t first = glbuf_ctx_frame(fx_ctx);
    for (int i = 0; i < 4; i++) { /* released in frames first .. first + 3 */
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[i]), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    /* now frame first + 4: idle for 4, 3, 2, 1 frames (the demand of frame
     * `first`, 4, keeps them all from the demand rule) */
    uint64_t deleted = gl_deleted();
    ck_assert_int_eq(glbuf_pool_trim(fx_ctx, p, 2), GLBUF_OK);
    ck_assert_uint_eq(gl_deleted(), deleted + 2);
    glbuf_pool_stats st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.tiers[1].trimmed, 2);
    ck_assert_uint_eq(st.tiers[1].shed, 0);
    ck_assert_uint_eq(st.tiers[1].idle, 2);
    ck_assert_uint_eq(st.tiers[1].bytes_idle, 2 * 104 * KIB);
    ck_assert_uint_eq(st.tiers[1].bytes_held, 2 * 104 * KIB);
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
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(idle_budget_caps_the_idle_bytes_oldest_first)
{
    /* two 208 KiB buffers (the class of 200 KiB) and a 1 KiB one */
    glbuf_pool p = make_pool(2 * 208 * KIB + 1 * KIB);
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
    ck_assert_uint_eq(st.bytes_idle, 2 * 208 * KIB);
    ck_assert_int_eq(fx_gl->IsBuffer(newest), GL_TRUE);
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, small), GLBUF_OK); /* fits exactly */
    ck_assert_uint_eq(gl_deleted(), deleted + 2);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p).bytes_idle, 2 * 208 * KIB + 1 * KIB);
    glbuf_buffer huge = acquire(p, 1 * MIB); /* over the budget alone */
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, huge), GLBUF_OK);
    ck_assert_uint_eq(gl_deleted(), deleted + 3); /* only it goes */
    st = glbuf_pool_get_stats(fx_ctx, p);
    ck_assert_uint_eq(st.bytes_idle, 2 * 208 * KIB + 1 * KIB);
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
    tcase_add_test(tc, create_applies_the_defaults_and_rejects_bad_descs);
    tcase_add_test(tc, acquire_rounds_up_to_the_size_class_and_files_by_capacity);
    tcase_add_test(tc, reuse_takes_the_smallest_class_that_fits_within_a_quarter);
    tcase_add_test(tc, every_buffer_handed_out_keeps_the_waste_bound);
    tcase_add_test(tc, acquire_rejects_bad_sizes_and_changes_nothing);
    tcase_add_test(tc, pooled_buffers_hold_data_like_plain_buffers);
    tcase_add_test(tc, release_rejects_foreign_and_released_buffers);
    tcase_add_test(tc, a_stream_is_not_a_pool);
    tcase_add_test(tc, reuse_happens_only_after_the_fence);
    tcase_add_test(tc, gpu_reads_survive_the_release_of_the_buffer);
    tcase_add_test(tc, oversized_requests_are_classed_like_the_rest);
    tcase_add_test(tc, steady_churn_reuses_every_buffer_after_the_first_frame);
    tcase_add_test(tc, idle_buffers_follow_the_busiest_of_the_last_frames);
    tcase_add_test(tc, reuse_makes_no_gl_call_and_a_miss_polls_only_for_ended_frames);
    tcase_add_test(tc, a_failed_creation_changes_no_count_and_no_demand);
    tcase_add_test(tc, trim_deletes_buffers_idle_longer_than_the_limit);
    tcase_add_test(tc, idle_budget_caps_the_idle_bytes_oldest_first);
    tcase_add_test(tc, a_buffer_resized_while_acquired_is_deleted_on_release);
    tcase_add_test(tc, destroy_deletes_idle_buffers_and_hands_acquired_ones_to_the_app);
    tcase_add_test(tc, a_pooled_buffer_destroyed_behind_the_pools_back_is_forgotten);
}

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *classes = tcase_create("pool/classes"); /* arithmetic only: no GL context */
    tcase_add_test(classes, size_classes_are_eight_per_power_of_two_and_keep_the_bound);
    suite_add_tcase(s, classes);
    fx_add_tcases(s, "pool", add_tests, 1);
    return fx_run(s);
}
