/* test_ctx.c - glbuf_ctx on a real headless context: loading, capabilities,
 * counters, debug-message routing, the frame clock, and destruction with
 * objects of every kind still alive. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/readback.h"
#include "glbuf/stream.h"

START_TEST(create_rejects_missing_get_proc_address)
{
    glbuf_ctx_desc desc = {0};
    glbuf_ctx *ctx = (glbuf_ctx *)&desc; /* must stay untouched */
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_ERR_NULL);
    ck_assert_ptr_eq(ctx, (glbuf_ctx *)&desc);
    ck_assert_int_eq(glbuf_ctx_create(NULL, &ctx), GLBUF_ERR_NULL);
    desc.get_proc_address = glbuf_headless_get_proc;
    ck_assert_int_eq(glbuf_ctx_create(&desc, NULL), GLBUF_ERR_NULL);
}
END_TEST

static void *only_alloc(size_t n, void *user)
{
    (void)user;
    return malloc(n);
}

START_TEST(create_rejects_half_set_allocator_and_unknown_caps)
{
    glbuf_ctx_desc desc = {0};
    glbuf_ctx *ctx = NULL;
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.allocator.alloc = only_alloc;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_ERR_INVALID_ARGUMENT);
    desc.allocator.alloc = NULL;
    desc.disable_caps = 1u << 30;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(ctx);
}
END_TEST

/* The glbuf_cap bits the running profile has. */
static uint32_t profile_caps(void)
{
    return (fx_has(FX_DSA) ? GLBUF_CAP_DSA : 0u) | (fx_has(FX_BUFFER_STORAGE) ? GLBUF_CAP_BUFFER_STORAGE : 0u) |
           (fx_has(FX_DEBUG) ? GLBUF_CAP_DEBUG : 0u);
}

START_TEST(caps_are_queried_from_the_driver)
{
    glbuf_caps caps = glbuf_ctx_get_caps(fx_ctx);
    GLint major = 0, minor = 0, ubo = 0;
    fx_gl->GetIntegerv(GL_MAJOR_VERSION, &major);
    fx_gl->GetIntegerv(GL_MINOR_VERSION, &minor);
    fx_gl->GetIntegerv(GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, &ubo);
    ck_assert_int_eq(caps.gl_major, major);
    ck_assert_int_eq(caps.gl_minor, minor);
    ck_assert_uint_eq(caps.uniform_offset_alignment, (uint64_t)ubo);
    ck_assert_uint_gt(caps.storage_offset_alignment, 0);
    ck_assert_uint_gt(caps.map_alignment, 0);
    ck_assert_int_eq(caps.max_label_length > 0, fx_has(FX_DEBUG));
    ck_assert_str_eq(caps.renderer, (const char *)fx_gl->GetString(GL_RENDERER));
    /* exactly what the profile has: all three on GL 4.5 */
    ck_assert_uint_eq(caps.caps, profile_caps());
}
END_TEST

START_TEST(disabled_caps_are_absent)
{
    glbuf_ctx_desc desc = {0};
    glbuf_ctx *ctx = NULL;
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.disable_caps = GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_caps(ctx).caps, profile_caps() & GLBUF_CAP_DEBUG);
    glbuf_ctx_destroy(ctx);
}
END_TEST

START_TEST(calls_are_counted_by_entry_point)
{
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_buffer_desc d = {0};
    d.size = 256;
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    glbuf_ctx_stats s = glbuf_ctx_get_stats(fx_ctx);
    int dsa = fx_has(FX_DSA);
    ck_assert_uint_eq(s.calls[dsa ? GLBUF_GL_CreateBuffers : GLBUF_GL_GenBuffers], 1);
    ck_assert_uint_eq(s.calls[dsa ? GLBUF_GL_NamedBufferData : GLBUF_GL_BufferData], 1);
    ck_assert_uint_eq(s.calls[GLBUF_GL_ObjectLabel], fx_has(FX_DEBUG) ? 1 : 0);
    ck_assert_uint_eq(s.buffers_created, 1);
    ck_assert_uint_eq(s.buffers_alive, 1);
    uint64_t sum = 0;
    for (int i = 0; i < GLBUF_GL_CALL_COUNT; i++) {
        sum += s.calls[i];
    }
    ck_assert_uint_eq(s.calls_total, sum);
    ck_assert_str_eq(glbuf_gl_call_name(GLBUF_GL_NamedBufferData), "glNamedBufferData");
    ck_assert_str_eq(glbuf_gl_call_name(GLBUF_GL_CALL_COUNT), "?");
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
    s = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(s.buffers_deleted, 1);
    ck_assert_uint_eq(s.buffers_alive, 0);
}
END_TEST

START_TEST(buffers_carry_a_gl_label)
{
    FX_REQUIRE(FX_DEBUG, "glObjectLabel");
    glbuf_buffer_desc d = {0};
    d.size = 16;
    d.label = "particles";
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
    char label[64] = "";
    GLsizei len = 0;
    fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(fx_ctx, b), sizeof label, &len, label);
    ck_assert_str_eq(label, "glbuf:particles");
    ck_assert_int_eq(glbuf_buffer_set_label(fx_ctx, b, "trails"), GLBUF_OK);
    fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(fx_ctx, b), sizeof label, &len, label);
    ck_assert_str_eq(label, "glbuf:trails");
    glbuf_buffer_destroy(fx_ctx, b);
}
END_TEST

static char last_message[512];
static int messages;

static void capture(glbuf_log_level level, const char *message, void *user)
{
    (void)level;
    (void)user;
    messages++;
    strncpy(last_message, message, sizeof last_message - 1);
}

START_TEST(debug_messages_reach_the_logger)
{
    FX_REQUIRE(FX_DEBUG, "glDebugMessageCallback");
    glbuf_ctx_desc desc = {0};
    glbuf_ctx *ctx = NULL;
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.logger.log = capture;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_OK);
    messages = 0;
    fx_gl->DebugMessageInsert(GL_DEBUG_SOURCE_APPLICATION, GL_DEBUG_TYPE_MARKER, 7,
                              GL_DEBUG_SEVERITY_NOTIFICATION, -1, "hello from the app");
    ck_assert_int_ge(messages, 1);
    ck_assert_ptr_nonnull(strstr(last_message, "hello from the app"));
    glbuf_ctx_destroy(ctx);
}
END_TEST

START_TEST(frames_complete_after_their_fence)
{
    ck_assert_uint_eq(glbuf_ctx_frame(fx_ctx), 1);
    ck_assert_uint_eq(glbuf_ctx_completed_frame(fx_ctx), 0);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_frame(fx_ctx), 2);
    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, 1, UINT64_MAX), GLBUF_OK);
    ck_assert_uint_ge(glbuf_ctx_completed_frame(fx_ctx), 1);
    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, 2, 0), GLBUF_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < 40; i++) { /* more frames than the fence ring holds */
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_completed_frame(fx_ctx), glbuf_ctx_frame(fx_ctx) - 1);
}
END_TEST

static GLsync GLAD_API_PTR failing_fence(GLenum condition, GLbitfield flags)
{
    (void)condition;
    (void)flags;
    return NULL;
}

START_TEST(a_failed_fence_is_covered_by_the_next_one)
{
    PFNGLFENCESYNCPROC real = fx_lib_gl->FenceSync;
    fx_lib_gl->FenceSync = failing_fence;
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_ERR_FENCE_FAILED);
    fx_lib_gl->FenceSync = real;
    ck_assert_uint_eq(glbuf_ctx_frame(fx_ctx), 2);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, 1, UINT64_MAX), GLBUF_OK);
    ck_assert_uint_ge(glbuf_ctx_completed_frame(fx_ctx), 2);
}
END_TEST

/* ---- destruction with objects alive ------------------------------------------ */

static long host_live; /* blocks the context's allocator handed out and not yet freed */
static char warning_lines[8][512];
static int warning_count;

static void *counting_alloc(size_t n, void *user)
{
    (void)user;
    void *p = malloc(n);
    host_live += p != NULL;
    return p;
}

static void counting_free(void *p, void *user)
{
    (void)user;
    host_live -= p != NULL;
    free(p);
}

static void capture_warnings(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (level == GLBUF_LOG_WARNING && warning_count < 8) {
        snprintf(warning_lines[warning_count], sizeof warning_lines[0], "%s", message);
    }
    warning_count += level == GLBUF_LOG_WARNING;
}

static glbuf_ctx *make_counted_ctx(uint32_t disable_caps)
{
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.allocator.alloc = counting_alloc;
    desc.allocator.free = counting_free;
    desc.logger.log = capture_warnings;
    desc.keep_debug_callback = 1; /* only glbuf's own lines reach the logger */
    desc.disable_caps = disable_caps;
    glbuf_ctx *ctx = NULL;
    host_live = 0;
    warning_count = 0;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_OK);
    return ctx;
}

/* A buffer, a megabuffer with an allocation and a pending free, a stream
 * mid-frame and a pool with one acquired and one idle buffer, all left alive:
 * destroying the context frees every host block and deletes every GL buffer
 * (run it under ASan for the leak check), and logs one line counting them. */
START_TEST(destroy_frees_every_object_left_alive_and_counts_each_kind)
{
    const uint32_t paths[2] = {0, GLBUF_CAP_BUFFER_STORAGE}; /* persistent storage, and the fallback */
    for (int path = 0; path < 2; path++) {
        glbuf_ctx *ctx = make_counted_ctx(paths[path]);
        GLuint names[8];
        int n = 0;

        glbuf_buffer_desc bd = {0};
        bd.size = 256;
        glbuf_buffer buf = {0};
        ck_assert_int_eq(glbuf_buffer_create(ctx, &bd, &buf), GLBUF_OK);
        names[n++] = glbuf_buffer_name(ctx, buf);

        glbuf_mega_desc md = {0};
        md.capacity = 1u << 16;
        glbuf_mega mega = {0};
        glbuf_mega_range r1, r2;
        ck_assert_int_eq(glbuf_mega_create(ctx, &md, &mega), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_alloc(ctx, mega, 100, 0, &r1, NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_alloc(ctx, mega, 200, 0, &r2, NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_free(ctx, mega, r2), GLBUF_OK);
        names[n++] = glbuf_mega_gl_name(ctx, mega);

        glbuf_stream_desc sd = {0};
        sd.capacity = 4096;
        glbuf_stream stream = {0};
        glbuf_stream_allocation a;
        ck_assert_int_eq(glbuf_stream_create(ctx, &sd, &stream), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_alloc(ctx, stream, 64, 16, &a), GLBUF_OK);
        names[n++] = a.name;

        glbuf_readback_desc rd = {0};
        glbuf_readback rb = {0};
        glbuf_readback_request req = {0};
        ck_assert_int_eq(glbuf_readback_create(ctx, &rd, &rb), GLBUF_OK);
        ck_assert_int_eq(glbuf_readback_copy(ctx, rb, names[0], 0, 64, &req), GLBUF_OK);

        glbuf_pool_desc pd = {0};
        glbuf_pool pool = {0};
        glbuf_buffer acquired = {0}, idle = {0};
        ck_assert_int_eq(glbuf_pool_create(ctx, &pd, &pool), GLBUF_OK);
        ck_assert_int_eq(glbuf_pool_acquire(ctx, pool, 100, &acquired), GLBUF_OK);
        ck_assert_int_eq(glbuf_pool_acquire(ctx, pool, 100, &idle), GLBUF_OK);
        names[n++] = glbuf_buffer_name(ctx, acquired);
        names[n++] = glbuf_buffer_name(ctx, idle);
        ck_assert_int_eq(glbuf_pool_release(ctx, pool, idle), GLBUF_OK);

        ck_assert_int_gt(host_live, 0);
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(fx_gl->IsBuffer(names[i]), GL_TRUE);
        }
        ck_assert_int_eq(warning_count, 0);
        glbuf_ctx_destroy(ctx);

        ck_assert_int_eq(host_live, 0);
        for (int i = 0; i < n; i++) {
            ck_assert_msg(fx_gl->IsBuffer(names[i]) == GL_FALSE, "GL buffer %u left behind", names[i]);
        }
        ck_assert_int_eq(warning_count, 1);
        ck_assert_str_eq(warning_lines[0], "context destroyed with objects alive, freed: 1 buffers (+2 pooled), "
                                           "1 megabuffers, 1 streams, 1 pools, 1 readbacks");
    }
}
END_TEST

START_TEST(destroy_with_nothing_alive_logs_nothing)
{
    glbuf_ctx *ctx = make_counted_ctx(0);
    glbuf_mega_desc md = {0};
    glbuf_mega mega = {0};
    ck_assert_int_eq(glbuf_mega_create(ctx, &md, &mega), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, mega), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
    ck_assert_int_eq(host_live, 0);
    ck_assert_int_eq(warning_count, 0);
    glbuf_ctx_destroy(NULL); /* ignored */
}
END_TEST

/* ---- contexts glbuf is handed directly ---------------------------------------
 * These make their own context; Mesa's MESA_GL_VERSION_OVERRIDE is read once
 * per process, at the first context, so the TCase has no fixture context. */

/* A compatibility-profile context of the version Mesa is told to pose as
 * (others ignore the variable and give what they have). */
static glbuf_headless *compat_context(const char *mesa_version, int major, int minor)
{
    setenv("MESA_GL_VERSION_OVERRIDE", mesa_version, 1);
    unsetenv("MESA_GLSL_VERSION_OVERRIDE");
    char why[256] = "";
    glbuf_headless_desc d = {major, minor, 0};
    glbuf_headless *h = glbuf_headless_create_compatibility(&d, why, sizeof why);
    ck_assert_msg(h != NULL, "compatibility context: %s", why);
    fx_gl = fx_own_gl_load();
    ck_assert_ptr_nonnull(fx_gl);
    return h;
}

START_TEST(a_gl_2_1_context_is_refused_and_left_without_an_error)
{
    glbuf_headless *h = compat_context("2.1", 2, 1);
    char version[128];
    snprintf(version, sizeof version, "%s", (const char *)fx_gl->GetString(GL_VERSION));
    if (strncmp(version, "2.", 2) != 0) { /* NVIDIA hands out its newest compatibility version */
        glbuf_headless_destroy(h);
        FX_SKIP("the driver gave GL %s for a 2.1 compatibility context: no 2.1 context to refuse", version);
    }
    while (fx_gl->GetError() != GL_NO_ERROR) {
    }
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *ctx = (glbuf_ctx *)&desc; /* must stay untouched */
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_ERR_UNSUPPORTED);
    ck_assert_ptr_eq(ctx, (glbuf_ctx *)&desc);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    glbuf_headless_destroy(h);
}
END_TEST

START_TEST(a_3_3_compatibility_context_is_accepted_and_works)
{
    glbuf_headless *h = compat_context("3.3COMPAT", 3, 3);
    GLint major = 0, minor = 0, mask = 0;
    fx_gl->GetIntegerv(GL_MAJOR_VERSION, &major);
    fx_gl->GetIntegerv(GL_MINOR_VERSION, &minor);
    fx_gl->GetIntegerv(GL_CONTEXT_PROFILE_MASK, &mask);
    ck_assert_int_ge(major * 10 + minor, 33);
    ck_assert_int_ne(mask & GL_CONTEXT_COMPATIBILITY_PROFILE_BIT, 0);
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.validation = 1;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_get_caps(ctx).gl_major * 10 + glbuf_ctx_get_caps(ctx).gl_minor, major * 10 + minor);
    uint8_t data[300], got[300];
    fx_pattern(data, sizeof data, 9);
    glbuf_buffer_desc bd = {0};
    bd.size = sizeof data;
    bd.data = data;
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(ctx, &bd, &b), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_append(ctx, b, data, 100), GLBUF_OK); /* grows: a GPU copy */
    fx_gl->GetNamedBufferSubData(glbuf_buffer_name(ctx, b), 0, sizeof got, got);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    fx_check_pattern(got, sizeof got, 9);
    fx_gl->GetNamedBufferSubData(glbuf_buffer_name(ctx, b), 300, 100, got);
    fx_check_pattern(got, 100, 9);
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
    glbuf_headless_destroy(h);
}
END_TEST

static void no_fixture(void) {}

static void add_context_tests(TCase *tc)
{
    tcase_add_test(tc, a_gl_2_1_context_is_refused_and_left_without_an_error);
    tcase_add_test(tc, a_3_3_compatibility_context_is_accepted_and_works);
}

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, create_rejects_missing_get_proc_address);
    tcase_add_test(tc, create_rejects_half_set_allocator_and_unknown_caps);
    tcase_add_test(tc, caps_are_queried_from_the_driver);
    tcase_add_test(tc, disabled_caps_are_absent);
    tcase_add_test(tc, calls_are_counted_by_entry_point);
    tcase_add_test(tc, buffers_carry_a_gl_label);
    tcase_add_test(tc, debug_messages_reach_the_logger);
    tcase_add_test(tc, frames_complete_after_their_fence);
    tcase_add_test(tc, a_failed_fence_is_covered_by_the_next_one);
    tcase_add_test(tc, destroy_frees_every_object_left_alive_and_counts_each_kind);
    tcase_add_test(tc, destroy_with_nothing_alive_logs_nothing);
}

int main(void)
{
    Suite *s = suite_create("ctx");
    fx_add_tcases(s, "ctx", add_tests, 0);
    fx_add_tcase(s, "ctx/other-contexts", no_fixture, no_fixture, add_context_tests);
    return fx_run(s);
}
