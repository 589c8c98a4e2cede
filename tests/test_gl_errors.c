/* test_gl_errors.c - GL errors that glbuf reads, and those it must not make
 * disappear (ctx.h, "GL errors"): an error the app left pending before a
 * checked call comes back from glbuf_ctx_take_app_gl_error (and is logged);
 * glGetError is called around storage allocations only, everywhere only
 * under validation, and every call is counted; a call that checks nothing
 * leaves its own GL error in GL; glbuf_ctx_destroy puts GL_DEBUG_OUTPUT back.
 * Each test makes its own glbuf_ctx on the fixture's GL context, with
 * validation off unless it says otherwise (the fixture's contexts have it on). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/readback.h"
#include "glbuf/stream.h"

/* ---- a GL context without a glbuf_ctx, and a logger that keeps the lines --- */

static void gl_only_setup(void)
{
    char why[256] = "";
    glbuf_headless_desc hd = fx_profile_headless_desc(1);
    fx_headless = glbuf_headless_create(&hd, why, sizeof why);
    ck_assert_msg(fx_headless != NULL, "headless context: %s", why);
    fx_gl = fx_own_gl_load();
    ck_assert_ptr_nonnull(fx_gl);
}

static void gl_only_teardown(void)
{
    glbuf_headless_destroy(fx_headless);
    fx_headless = NULL;
    fx_gl = NULL;
}

#define MAX_LINES 64
static struct {
    int count;
    glbuf_log_level level[MAX_LINES];
    char line[MAX_LINES][256];
} logged;

static void capture(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (logged.count < MAX_LINES) {
        logged.level[logged.count] = level;
        snprintf(logged.line[logged.count], sizeof logged.line[0], "%s", message);
    }
    logged.count++;
}

/* Lines at `level` holding both texts. */
static int lines_with(glbuf_log_level level, const char *a, const char *b)
{
    int n = 0;
    for (int i = 0; i < logged.count && i < MAX_LINES; i++) {
        n += logged.level[i] == level && strstr(logged.line[i], a) != NULL && strstr(logged.line[i], b) != NULL;
    }
    return n;
}

/* Every glGetError glbuf makes, counted at the GL table: the counter must
 * agree with glbuf's stats.calls[GLBUF_GL_GetError]. */
static PFNGLGETERRORPROC real_get_error;
static uint64_t get_errors_made;

static GLenum GLAD_API_PTR counting_get_error(void)
{
    get_errors_made++;
    return real_get_error();
}

static glbuf_ctx *make_ctx(int validation, uint32_t disable_caps)
{
    glbuf_ctx_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    d.logger.log = capture;
    d.validation = validation;
    d.disable_caps = disable_caps;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&d, &ctx), GLBUF_OK);
    GladGLContext *gl = glbuf_ctx_gl_table(ctx);
    real_get_error = gl->GetError;
    gl->GetError = counting_get_error;
    get_errors_made = 0;
    glbuf_ctx_reset_stats(ctx);
    memset(&logged, 0, sizeof logged);
    return ctx;
}

/* Errors the app raises with its own GL calls. */
static void app_raises(GLenum e)
{
    switch (e) {
    case GL_INVALID_ENUM: fx_gl->Enable(0xDEAD); break;
    case GL_INVALID_VALUE: fx_gl->LineWidth(-1.0f); break;
    default: fx_gl->BindBuffer(GL_ARRAY_BUFFER, 0x7FFFFFF0u); break; /* never generated: INVALID_OPERATION */
    }
}

static void drain_test_errors(void)
{
    while (fx_gl->GetError() != GL_NO_ERROR) {
    }
}

static glbuf_buffer make_buffer(glbuf_ctx *ctx, uint64_t size, uint32_t seed)
{
    uint8_t data[4096];
    ck_assert_uint_le(size, sizeof data);
    fx_pattern(data, size, seed);
    glbuf_buffer_desc d;
    memset(&d, 0, sizeof d);
    d.size = size;
    d.data = size > 0 ? data : NULL;
    d.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(ctx, &d, &b), GLBUF_OK);
    return b;
}

/* ---- the app's errors come back ------------------------------------------------ */

/* The case: GL_INVALID_ENUM pending, glbuf_buffer_data, and the app
 * gets GL_INVALID_ENUM back (GL itself has nothing left: glbuf read it out),
 * sees it logged, and glbuf counts it as the app's, not as its own. With
 * validation off and on. */
START_TEST(an_app_error_before_buffer_data_comes_back_to_the_app)
{
    for (int validation = 0; validation <= 1; validation++) {
        drain_test_errors();
        glbuf_ctx *ctx = make_ctx(validation, 0);
        glbuf_buffer b = make_buffer(ctx, 64, 1);
        app_raises(GL_INVALID_ENUM);
        uint8_t data[256], got[256];
        fx_pattern(data, sizeof data, 2);
        ck_assert_int_eq(glbuf_buffer_data(ctx, b, sizeof data, data, GLBUF_USAGE_DYNAMIC_DRAW), GLBUF_OK);
        ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
        ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_INVALID_ENUM);
        ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_NO_ERROR);
        ck_assert_int_eq(lines_with(GLBUF_LOG_WARNING, "GL_INVALID_ENUM", "pending before a glbuf call"), 1);
        glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);
        ck_assert_uint_eq(st.app_gl_errors, 1);
        ck_assert_uint_eq(st.gl_errors, 0);
        fx_read(glbuf_buffer_name(ctx, b), 0, sizeof got, got); /* and the call did its work */
        fx_check_pattern(got, sizeof got, 2);
        ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
        glbuf_ctx_destroy(ctx);
    }
}
END_TEST

/* As GL keeps one flag per error: each value once until taken, oldest
 * first, across several checked calls (creation, re-specification, growth). */
START_TEST(app_errors_are_kept_once_each_and_come_back_oldest_first)
{
    drain_test_errors();
    glbuf_ctx *ctx = make_ctx(0, 0);
    app_raises(GL_INVALID_ENUM);
    glbuf_buffer b = make_buffer(ctx, 64, 1);
    app_raises(GL_INVALID_VALUE);
    uint8_t data[128];
    fx_pattern(data, sizeof data, 3);
    ck_assert_int_eq(glbuf_buffer_data(ctx, b, sizeof data, data, GLBUF_USAGE_DYNAMIC_DRAW), GLBUF_OK);
    app_raises(GL_INVALID_ENUM); /* kept already */
    ck_assert_int_eq(glbuf_buffer_reserve(ctx, b, 4096), GLBUF_OK);
    app_raises(GL_INVALID_OPERATION);
    ck_assert_int_eq(fx_gl->GetError(), GL_INVALID_OPERATION); /* raised after the last checked call: still GL's */
    ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).app_gl_errors, 3);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_INVALID_ENUM);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_INVALID_VALUE);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_NO_ERROR);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(NULL), GL_NO_ERROR);
    uint8_t got[128];
    fx_read(glbuf_buffer_name(ctx, b), 0, sizeof got, got); /* growth kept the contents */
    fx_check_pattern(got, sizeof got, 3);
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* glbuf_ctx_create reads GL errors (its capability queries are checked):
 * the app's pending one is kept, not lost. A refused creation has read
 * nothing: the error is still in GL. */
START_TEST(context_creation_keeps_the_apps_error_and_a_refusal_leaves_it_in_gl)
{
    drain_test_errors();
    app_raises(GL_INVALID_ENUM);
    glbuf_ctx_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    d.disable_caps = 1u << 9; /* unknown: refused */
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&d, &ctx), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(fx_gl->GetError(), GL_INVALID_ENUM);
    app_raises(GL_INVALID_ENUM);
    d.disable_caps = 0;
    ck_assert_int_eq(glbuf_ctx_create(&d, &ctx), GLBUF_OK);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_INVALID_ENUM);
    ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).gl_errors, 0); /* the capability queries raised none */
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* Under validation every call that makes GL calls reads errors when it
 * starts: one the app left before a sub-data is the app's, not counted as
 * glbuf's. */
START_TEST(under_validation_an_app_error_before_any_call_is_kept_not_blamed)
{
    drain_test_errors();
    glbuf_ctx *ctx = make_ctx(1, 0);
    glbuf_buffer b = make_buffer(ctx, 256, 1);
    uint8_t data[64];
    fx_pattern(data, sizeof data, 4);
    app_raises(GL_INVALID_VALUE);
    ck_assert_int_eq(glbuf_buffer_sub_data(ctx, b, 0, sizeof data, data), GLBUF_OK);
    app_raises(GL_INVALID_ENUM);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map_range(ctx, b, 0, 64, GLBUF_MAP_WRITE, &p), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_unmap(ctx, b), GLBUF_OK);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);
    ck_assert_uint_eq(st.gl_errors, 0);
    ck_assert_uint_eq(st.app_gl_errors, 2);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_INVALID_VALUE);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_INVALID_ENUM);
    ck_assert_int_eq(lines_with(GLBUF_LOG_ERROR, "GL_", "on '"), 0); /* nothing blamed on glbuf */
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* A call that checks nothing and fails by its return value leaves its own
 * GL error in GL, as the same GL call made by the app would: glbuf maps a
 * buffer the app has mapped behind its back. */
START_TEST(a_failed_map_leaves_its_gl_error_for_the_app)
{
    drain_test_errors();
    glbuf_ctx *ctx = make_ctx(0, 0);
    glbuf_buffer b = make_buffer(ctx, 256, 1);
    fx_gl->BindBuffer(GL_COPY_READ_BUFFER, glbuf_buffer_name(ctx, b));
    ck_assert_ptr_nonnull(fx_gl->MapBufferRange(GL_COPY_READ_BUFFER, 0, 64, GL_MAP_READ_BIT));
    glbuf_ctx_reset_stats(ctx);
    void *p = NULL;
    ck_assert_int_eq(glbuf_buffer_map_range(ctx, b, 0, 64, GLBUF_MAP_WRITE, &p), GLBUF_ERR_MAP_FAILED);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).calls[GLBUF_GL_GetError], 0);
    ck_assert_int_eq(fx_gl->GetError(), GL_INVALID_OPERATION);
    ck_assert_int_eq(fx_gl->UnmapBuffer(GL_COPY_READ_BUFFER), GL_TRUE);
    fx_gl->BindBuffer(GL_COPY_READ_BUFFER, 0);
    ck_assert_uint_eq(glbuf_ctx_take_app_gl_error(ctx), GL_NO_ERROR);
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* The same for a readback copy GL rejects (the source is no buffer): without
 * validation glbuf does not ask, the request is made and the error is the
 * app's to see; with validation the copy is refused with GLBUF_ERR_GL. */
START_TEST(a_rejected_readback_copy_is_reported_by_gl_or_by_validation)
{
    for (int validation = 0; validation <= 1; validation++) {
        drain_test_errors();
        glbuf_ctx *ctx = make_ctx(validation, 0);
        glbuf_readback_desc d;
        memset(&d, 0, sizeof d);
        d.capacity = 4096;
        glbuf_readback rb;
        ck_assert_int_eq(glbuf_readback_create(ctx, &d, &rb), GLBUF_OK);
        glbuf_readback_request req = {0};
        glbuf_result r = glbuf_readback_copy(ctx, rb, 0x7FFFFFF0u, 0, 64, &req);
        if (validation) {
            ck_assert_int_eq(r, GLBUF_ERR_GL);
            ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).gl_errors, 1);
            ck_assert_uint_eq(glbuf_readback_get_stats(ctx, rb).live_requests, 0);
        } else {
            ck_assert_int_eq(r, GLBUF_OK);
            ck_assert_int_ne(fx_gl->GetError(), GL_NO_ERROR);
            ck_assert_int_eq(glbuf_readback_release(ctx, rb, req), GLBUF_OK);
        }
        ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
        ck_assert_int_eq(glbuf_readback_destroy(ctx, rb), GLBUF_OK);
        glbuf_ctx_destroy(ctx);
    }
}
END_TEST

/* ---- where glbuf calls glGetError ------------------------------------------------ */

typedef struct counter {
    glbuf_ctx *ctx;
    uint64_t before;
} counter;

static counter count_from(glbuf_ctx *ctx)
{
    counter c = {ctx, glbuf_ctx_get_stats(ctx).calls[GLBUF_GL_GetError]};
    ck_assert_uint_eq(c.before, get_errors_made); /* every call counted, none more */
    return c;
}

/* glGetError calls since count_from, checked against the table's count. */
static uint64_t made_since(const counter *c)
{
    uint64_t now = glbuf_ctx_get_stats(c->ctx).calls[GLBUF_GL_GetError];
    ck_assert_uint_eq(now, get_errors_made);
    return now - c->before;
}

#define GET_ERRORS(ctx, expected, call)                                                                        \
    do {                                                                                                       \
        counter c_ = count_from(ctx);                                                                          \
        ck_assert_int_eq((call), GLBUF_OK);                                                                    \
        uint64_t n_ = made_since(&c_);                                                                         \
        ck_assert_msg(n_ == (uint64_t)(expected), "%s made %llu glGetError calls, expected %llu", #call,       \
                      (unsigned long long)n_, (unsigned long long)(expected));                                 \
    } while (0)

/* Without validation: two around each storage allocation (three where a
 * persistent map follows it, or a growth keeps its name through a
 * temporary), none anywhere else. On every path the profile has. */
static void count_every_operation(uint32_t disable_caps)
{
    drain_test_errors();
    glbuf_ctx *ctx = make_ctx(0, disable_caps);
    const int storage = (glbuf_ctx_get_caps(ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0;
    uint8_t data[4096], got[4096];
    fx_pattern(data, sizeof data, 5);
    glbuf_buffer b = {0};
    glbuf_buffer_desc bd;
    memset(&bd, 0, sizeof bd);
    bd.size = 1024;
    bd.data = data;
    bd.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    GET_ERRORS(ctx, 2, glbuf_buffer_create(ctx, &bd, &b));
    GET_ERRORS(ctx, 2, glbuf_buffer_data(ctx, b, 1024, data, GLBUF_USAGE_DYNAMIC_DRAW));
    GET_ERRORS(ctx, 0, glbuf_buffer_sub_data(ctx, b, 16, 256, data));
    GET_ERRORS(ctx, 0, glbuf_buffer_copy_data(ctx, b, 512, data)); /* fits: sub-data */
    GET_ERRORS(ctx, 0, glbuf_buffer_get_sub_data(ctx, b, 0, 512, got));
    void *p = NULL;
    GET_ERRORS(ctx, 0, glbuf_buffer_map_range(ctx, b, 0, 256, GLBUF_MAP_WRITE | GLBUF_MAP_FLUSH_EXPLICIT, &p));
    memcpy(p, data, 256);
    GET_ERRORS(ctx, 0, glbuf_buffer_flush_range(ctx, b, 0, 256));
    GET_ERRORS(ctx, 0, glbuf_buffer_unmap(ctx, b));
    GET_ERRORS(ctx, 0, glbuf_buffer_map_replace(ctx, b, &p));
    memcpy(p, data, 1024);
    GET_ERRORS(ctx, 0, glbuf_buffer_unmap(ctx, b));
    GET_ERRORS(ctx, 0, glbuf_buffer_orphan(ctx, b));
    GET_ERRORS(ctx, 0, glbuf_buffer_copy_data(ctx, b, 1024, data));
    GET_ERRORS(ctx, 3, glbuf_buffer_append(ctx, b, data, 1024)); /* growth keeping the name: a temporary */
    GET_ERRORS(ctx, 0, glbuf_ctx_end_frame(ctx));

    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    md.capacity = 4096;
    md.max_capacity = 1u << 20;
    /* one store: device-local (AUTO on a GPU with memory of its own) adds its
     * staging ring, a second storage allocation */
    md.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    glbuf_mega m;
    GET_ERRORS(ctx, storage ? 3 : 2, glbuf_mega_create(ctx, &md, &m));
    glbuf_mega_range r1, r2;
    GET_ERRORS(ctx, 0, glbuf_mega_alloc(ctx, m, 4096, 0, &r1, NULL)); /* all of it */
    GET_ERRORS(ctx, 0, glbuf_mega_write(ctx, m, r1, 0, data, 1024));
    GET_ERRORS(ctx, 0, glbuf_mega_flush(ctx, m));
    GET_ERRORS(ctx, storage ? 3 : 2, glbuf_mega_alloc(ctx, m, 2048, 0, &r2, NULL)); /* growth */
    GET_ERRORS(ctx, 0, glbuf_mega_free(ctx, m, r1));
    GET_ERRORS(ctx, 0, glbuf_ctx_wait_idle(ctx));
    GET_ERRORS(ctx, 0, glbuf_mega_collect(ctx, m));
    glbuf_mega_defrag_report rep;
    GET_ERRORS(ctx, 0, glbuf_mega_defragment(ctx, m, 0, NULL, NULL, &rep)); /* copies within the storage */
    ck_assert_uint_eq(rep.moves_in_flight, 1);
    GET_ERRORS(ctx, 0, glbuf_ctx_wait_idle(ctx));
    GET_ERRORS(ctx, 0, glbuf_mega_defragment(ctx, m, 0, NULL, NULL, &rep)); /* the move lands */
    ck_assert_uint_eq(rep.moves, 1);

    glbuf_stream_desc sd;
    memset(&sd, 0, sizeof sd);
    sd.capacity = 4096;
    glbuf_stream s;
    GET_ERRORS(ctx, storage ? 3 : 2, glbuf_stream_create(ctx, &sd, &s));
    for (int frame = 0; frame < 3; frame++) { /* the fallback orphans at each frame's first allocation */
        glbuf_stream_allocation al;
        GET_ERRORS(ctx, 0, glbuf_stream_alloc(ctx, s, 1000, 16, &al));
        memcpy(al.ptr, data, 1000);
        GET_ERRORS(ctx, 0, glbuf_stream_flush(ctx, s));
        GET_ERRORS(ctx, 0, glbuf_ctx_end_frame(ctx));
    }
    ck_assert_uint_eq(glbuf_stream_get_stats(ctx, s).orphans, storage ? 0 : 2);

    glbuf_readback_desc rd;
    memset(&rd, 0, sizeof rd);
    rd.capacity = 4096;
    glbuf_readback rb;
    GET_ERRORS(ctx, storage ? 3 : 2, glbuf_readback_create(ctx, &rd, &rb));
    glbuf_readback_request req;
    GET_ERRORS(ctx, 0, glbuf_readback_copy(ctx, rb, glbuf_buffer_name(ctx, b), 0, 512, &req));
    const void *back = NULL;
    GET_ERRORS(ctx, 0, glbuf_readback_wait(ctx, rb, req, UINT64_MAX, &back));
    ck_assert_int_eq(memcmp(back, data, 512), 0);
    GET_ERRORS(ctx, 0, glbuf_readback_release(ctx, rb, req));

    glbuf_pool_desc pd;
    memset(&pd, 0, sizeof pd);
    glbuf_pool pool;
    GET_ERRORS(ctx, 0, glbuf_pool_create(ctx, &pd, &pool));
    glbuf_buffer pb;
    GET_ERRORS(ctx, 2, glbuf_pool_acquire(ctx, pool, 1000, &pb)); /* a new buffer */
    GET_ERRORS(ctx, 0, glbuf_pool_release(ctx, pool, pb));
    GET_ERRORS(ctx, 0, glbuf_ctx_wait_idle(ctx));
    GET_ERRORS(ctx, 0, glbuf_pool_acquire(ctx, pool, 1000, &pb)); /* reused */
    GET_ERRORS(ctx, 0, glbuf_pool_release(ctx, pool, pb));

    ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).gl_errors, 0);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    GET_ERRORS(ctx, 0, glbuf_pool_destroy(ctx, pool));
    GET_ERRORS(ctx, 0, glbuf_readback_destroy(ctx, rb));
    GET_ERRORS(ctx, 0, glbuf_stream_destroy(ctx, s));
    GET_ERRORS(ctx, 0, glbuf_mega_destroy(ctx, m));
    GET_ERRORS(ctx, 0, glbuf_buffer_destroy(ctx, b));
    glbuf_ctx_destroy(ctx);
}

START_TEST(glgeterror_only_around_storage_allocations_without_validation)
{
    count_every_operation(0);
    if (fx_has(FX_DSA)) {
        count_every_operation(GLBUF_CAP_DSA);
    }
    if (fx_has(FX_BUFFER_STORAGE)) {
        count_every_operation(GLBUF_CAP_BUFFER_STORAGE);
    }
}
END_TEST

/* Under validation the calls that allocate nothing read errors too (when
 * they start and when they end), and those are counted as well. */
START_TEST(under_validation_every_gl_call_is_checked_and_counted)
{
    drain_test_errors();
    glbuf_ctx *ctx = make_ctx(1, 0);
    glbuf_buffer b = make_buffer(ctx, 1024, 1);
    uint8_t data[256];
    fx_pattern(data, sizeof data, 6);
    void *p = NULL;
    GET_ERRORS(ctx, 2, glbuf_buffer_sub_data(ctx, b, 0, sizeof data, data));
    GET_ERRORS(ctx, 2, glbuf_buffer_map_range(ctx, b, 0, 256, GLBUF_MAP_WRITE, &p));
    GET_ERRORS(ctx, 2, glbuf_buffer_unmap(ctx, b));
    GET_ERRORS(ctx, 3, glbuf_buffer_orphan(ctx, b)); /* begin, then the checked re-specification */
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* ---- GL_DEBUG_OUTPUT ----------------------------------------------------------------- */

static void GLAD_API_PTR app_callback(GLenum source, GLenum type, GLuint id, GLenum severity, GLsizei length,
                                      const GLchar *message, const void *user)
{
    (void)source;
    (void)type;
    (void)id;
    (void)severity;
    (void)length;
    (void)message;
    (void)user;
}

/* glbuf enables GL_DEBUG_OUTPUT for its callback and puts it back as it found
 * it, with the app's callback; GL_DEBUG_OUTPUT_SYNCHRONOUS it never touches. */
START_TEST(context_destroy_restores_gl_debug_output)
{
    FX_REQUIRE(FX_DEBUG, "GL_DEBUG_OUTPUT and a debug callback");
    static int user_tag;
    for (int output = 0; output <= 1; output++) {
        for (int sync = 0; sync <= 1; sync++) {
            (output ? fx_gl->Enable : fx_gl->Disable)(GL_DEBUG_OUTPUT);
            (sync ? fx_gl->Enable : fx_gl->Disable)(GL_DEBUG_OUTPUT_SYNCHRONOUS);
            fx_gl->DebugMessageCallback(app_callback, &user_tag);
            glbuf_ctx *ctx = make_ctx(0, 0);
            ck_assert_int_eq(fx_gl->IsEnabled(GL_DEBUG_OUTPUT), GL_TRUE); /* glbuf's callback hears the driver */
            ck_assert_int_eq(fx_gl->IsEnabled(GL_DEBUG_OUTPUT_SYNCHRONOUS), sync ? GL_TRUE : GL_FALSE);
            glbuf_ctx_destroy(ctx);
            ck_assert_int_eq(fx_gl->IsEnabled(GL_DEBUG_OUTPUT), output ? GL_TRUE : GL_FALSE);
            ck_assert_int_eq(fx_gl->IsEnabled(GL_DEBUG_OUTPUT_SYNCHRONOUS), sync ? GL_TRUE : GL_FALSE);
            GLDEBUGPROC fn = NULL;
            void *user = NULL;
            fx_gl->GetPointerv(GL_DEBUG_CALLBACK_FUNCTION, (void **)&fn);
            fx_gl->GetPointerv(GL_DEBUG_CALLBACK_USER_PARAM, &user);
            ck_assert(fn == app_callback);
            ck_assert_ptr_eq(user, &user_tag);
            ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
        }
    }
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, an_app_error_before_buffer_data_comes_back_to_the_app);
    tcase_add_test(tc, app_errors_are_kept_once_each_and_come_back_oldest_first);
    tcase_add_test(tc, context_creation_keeps_the_apps_error_and_a_refusal_leaves_it_in_gl);
    tcase_add_test(tc, under_validation_an_app_error_before_any_call_is_kept_not_blamed);
    tcase_add_test(tc, a_failed_map_leaves_its_gl_error_for_the_app);
    tcase_add_test(tc, a_rejected_readback_copy_is_reported_by_gl_or_by_validation);
    tcase_add_test(tc, glgeterror_only_around_storage_allocations_without_validation);
    tcase_add_test(tc, under_validation_every_gl_call_is_checked_and_counted);
    tcase_add_test(tc, context_destroy_restores_gl_debug_output);
}

int main(void)
{
    Suite *s = suite_create("gl_errors");
    fx_add_tcase(s, "gl_errors", gl_only_setup, gl_only_teardown, add_tests);
    return fx_run(s);
}
