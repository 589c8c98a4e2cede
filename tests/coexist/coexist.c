/* coexist.c - an app with its own glad loader and glbuf, in one program.
 *
 * Built twice (tests/coexist/CMakeLists.txt): with a glad of global symbols
 * (gladLoadGL, glad_glBufferData ...) and, with COEXIST_MX, with a glad --mx
 * (gladLoadGLContext, the same entry point glbuf's private copy has). Both
 * loaders are loaded from eglGetProcAddress and used on the same buffers:
 *   - the app fills its buffer and reads glbuf's through its own table;
 *   - the app copies into glbuf's buffer and glbuf reads the bytes back;
 *   - glbuf writes and grows its buffer and the app sees the contents;
 *   - glbuf's counters see none of the app's calls (separate tables), and
 *     glbuf leaves the app's buffer bindings alone, with DSA and without.
 * Exit 0 on success, 77 when no GL 4.5 context can be made, 1 on failure. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glad/gl.h> /* the app's own loader, generated for this test */

#include "glbuf/buffer.h"
#include "glbuf/ctx.h"
#include "headless.h"

#ifdef COEXIST_MX
static GladGLContext app_gl;
#define APP(fn) app_gl.fn
#define APP_LOAD(load) gladLoadGLContext(&app_gl, load)
#define FLAVOR "glad --mx (gladLoadGLContext)"
#else
#define APP(fn) gl##fn
#define APP_LOAD(load) gladLoadGL(load)
#define FLAVOR "glad, global symbols (gladLoadGL)"
#endif

enum { N = 8192, HALF = N / 2 };

static int failures;
static int glbuf_errors;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
            failures++;                                                              \
        }                                                                            \
    } while (0)

#define CHECK_OK(call)                                                               \
    do {                                                                             \
        glbuf_result r_ = (call);                                                    \
        if (r_ != GLBUF_OK) {                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: %s\n", __FILE__, __LINE__, #call,        \
                    glbuf_result_name(r_));                                          \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static GLADapiproc app_load(const char *name)
{
    return (GLADapiproc)glbuf_headless_get_proc(name);
}

static void log_line(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (level == GLBUF_LOG_ERROR) {
        glbuf_errors++;
    }
    if (level <= GLBUF_LOG_WARNING) {
        fprintf(stderr, "[glbuf] %s\n", message);
    }
}

static uint8_t pattern(uint32_t i, uint32_t seed)
{
    return (uint8_t)(((i * 2654435761u) >> 13) ^ (seed * 97u));
}

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++) {
        p[i] = pattern(i, seed);
    }
}

static int holds(const uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] != pattern(i, seed)) {
            fprintf(stderr, "byte %u is 0x%02x, want 0x%02x (seed %u)\n", i, p[i], pattern(i, seed), seed);
            return 0;
        }
    }
    return 1;
}

static GLuint app_binding(GLenum pname)
{
    GLint v = -1;
    APP(GetIntegerv)(pname, &v);
    return (GLuint)v;
}

/* One round with a fresh glbuf_ctx; disable_caps forces glbuf's paths. */
static void round_trip(uint32_t disable_caps)
{
    static uint8_t app_data[N], glbuf_data[N], back[N];
    fill(app_data, N, 1);
    fill(glbuf_data, N, 2);

    /* The app's buffer, bound where glbuf's bind-to-edit path would bind. */
    GLuint app_buf = 0;
    APP(CreateBuffers)(1, &app_buf);
    APP(NamedBufferData)(app_buf, N, app_data, GL_DYNAMIC_DRAW);
    APP(BindBuffer)(GL_ARRAY_BUFFER, app_buf);
    APP(BindBuffer)(GL_COPY_READ_BUFFER, app_buf);
    APP(BindBuffer)(GL_COPY_WRITE_BUFFER, app_buf);
    CHECK(app_buf != 0);

    glbuf_ctx_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.get_proc_address = glbuf_headless_get_proc; /* eglGetProcAddress */
    desc.logger.log = log_line;
    desc.keep_debug_callback = 1;
    desc.validation = 1;
    desc.disable_caps = disable_caps;
    glbuf_ctx *ctx = NULL;
    glbuf_result r = glbuf_ctx_create(&desc, &ctx);
    if (r != GLBUF_OK) {
        fprintf(stderr, "FAIL: glbuf_ctx_create: %s\n", glbuf_result_name(r));
        failures++;
        APP(DeleteBuffers)(1, &app_buf);
        return;
    }

    /* Separate tables: the app's calls do not go through glbuf's counters. */
    glbuf_ctx_reset_stats(ctx);
    APP(GetNamedBufferSubData)(app_buf, 0, N, back);
    CHECK(holds(back, N, 1));
    CHECK(glbuf_ctx_get_stats(ctx).calls_total == 0);

    glbuf_buffer_desc bd;
    memset(&bd, 0, sizeof bd);
    bd.size = N;
    bd.data = glbuf_data;
    bd.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    bd.label = "coexist";
    glbuf_buffer buf = {0};
    CHECK_OK(glbuf_buffer_create(ctx, &bd, &buf));
    GLuint name = glbuf_buffer_name(ctx, buf);
    CHECK(name != 0 && name != app_buf);
    CHECK(glbuf_ctx_get_stats(ctx).calls_total > 0);

    /* The app reads glbuf's buffer through its own loader. */
    memset(back, 0, N);
    APP(GetNamedBufferSubData)(name, 0, N, back);
    CHECK(holds(back, N, 2));

    /* The app copies the first half of its buffer into the second half of
     * glbuf's; glbuf reads it back through its own table. */
    APP(CopyNamedBufferSubData)(app_buf, name, 0, HALF, HALF);
    memset(back, 0, N);
    CHECK_OK(glbuf_buffer_get_sub_data(ctx, buf, 0, N, back));
    CHECK(holds(back, HALF, 2));
    CHECK(holds(back + HALF, HALF, 1));

    /* glbuf writes and grows (keeping contents); the app sees the result. */
    CHECK_OK(glbuf_buffer_sub_data(ctx, buf, 0, HALF, app_data));
    CHECK_OK(glbuf_buffer_reserve(ctx, buf, 4 * N));
    CHECK(glbuf_buffer_name(ctx, buf) == name);
    CHECK(glbuf_buffer_capacity(ctx, buf) >= 4 * N);
    memset(back, 0, N);
    APP(GetNamedBufferSubData)(name, 0, N, back);
    CHECK(holds(back, HALF, 1));
    CHECK(holds(back + HALF, HALF, 1));

    /* glbuf left the app's bindings and its buffer alone. */
    CHECK(app_binding(GL_ARRAY_BUFFER_BINDING) == app_buf);
    CHECK(app_binding(GL_COPY_READ_BUFFER_BINDING) == app_buf);
    CHECK(app_binding(GL_COPY_WRITE_BUFFER_BINDING) == app_buf);
    memset(back, 0, N);
    APP(GetNamedBufferSubData)(app_buf, 0, N, back);
    CHECK(holds(back, N, 1));

    CHECK_OK(glbuf_buffer_destroy(ctx, buf));
    CHECK(APP(IsBuffer)(name) == GL_FALSE);
    glbuf_ctx_destroy(ctx);
    APP(BindBuffer)(GL_ARRAY_BUFFER, 0);
    APP(BindBuffer)(GL_COPY_READ_BUFFER, 0);
    APP(BindBuffer)(GL_COPY_WRITE_BUFFER, 0);
    APP(DeleteBuffers)(1, &app_buf);
    CHECK(APP(GetError)() == GL_NO_ERROR);
}

int main(void)
{
    char why[256] = "";
    glbuf_headless *h = glbuf_headless_create(NULL, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "SKIP: no headless GL 4.5 context: %s\n", why);
        return 77;
    }
    int version = APP_LOAD(app_load);
    if (version == 0 || GLAD_VERSION_MAJOR(version) * 10 + GLAD_VERSION_MINOR(version) < 45) {
        fprintf(stderr, "FAIL: the app's %s loaded GL %d.%d\n", FLAVOR, GLAD_VERSION_MAJOR(version),
                GLAD_VERSION_MINOR(version));
        glbuf_headless_destroy(h);
        return 1;
    }
    printf("app loader: %s, GL %d.%d\n", FLAVOR, GLAD_VERSION_MAJOR(version), GLAD_VERSION_MINOR(version));

    round_trip(0);                  /* DSA */
    round_trip(GLBUF_CAP_DSA);      /* glbuf binds to edit: must restore */
    CHECK(glbuf_errors == 0);

    glbuf_headless_destroy(h);
    if (failures == 0) {
        printf("coexist: OK\n");
        return 0;
    }
    fprintf(stderr, "coexist: %d failures\n", failures);
    return 1;
}
