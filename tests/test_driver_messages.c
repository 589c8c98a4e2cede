/* test_driver_messages.c - the driver's KHR_debug messages through glbuf's
 * logger: source, type, severity and ID on every line; a plain-words line for
 * placement messages about glbuf's own buffers.
 *
 * The explainer is checked on NVIDIA's exact message texts, copied from logs
 * and code comments in public projects (a number, or the buffer's GL label
 * where it has one, names the buffer):
 *   [openspace]  OpenSpace/OpenSpace issue #320 (131186, a numbered buffer)
 *   [yuzu]       yuzu-emu/yuzu issue #3850 (131186, a long binding list)
 *   [erhe]       tksuoran/erhe src/erhe/graphics/erhe_graphics/gl/gl_debug.cpp
 *                (0x020072 = 131186, 0x020071 = 131185, 0x020074 = 131188,
 *                0x020092 = 131218, 0x020052 = 131154; labelled buffers)
 *   [lwjgl]      LWJGL-based GPU plugins' debug-filter comments (0x20071 = 131185)
 *   [pack]       a debug-filter comment for 0x00020071 on a GL_PIXEL_PACK_BUFFER
 * The routing is checked by injecting messages with glDebugMessageInsert
 * (GL_DEBUG_SOURCE_APPLICATION) on a real context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_messages.h"
#include "gl_fixture.h"
#include "glbuf/buffer.h"

/* ---- the explainer, on NVIDIA's texts ------------------------------------------------ */

typedef struct sample {
    const char *text;
    glbuf_driver_event event;
    const char *buffer; /* as named in the text */
    uint32_t gl_name;
} sample;

static const sample samples[] = {
    /* [openspace] */
    {"Buffer performance warning: Buffer object 22 (bound to GL_SHADER_STORAGE_BUFFER, and GL_SHADER_STORAGE_BUFFER "
     "(0), usage hint is GL_DYNAMIC_READ) is being copied/moved from VIDEO memory to HOST memory.",
     GLBUF_DRIVER_MOVED_TO_HOST, "22", 22},
    /* [yuzu] */
    {"Buffer performance warning: Buffer object 146 (bound to GL_VERTEX_ATTRIB_ARRAY_BUFFER_BINDING_ARB (11), "
     "GL_SHADER_STORAGE_BUFFER (6), GL_SHADER_STORAGE_BUFFER (7), GL_SHADER_STORAGE_BUFFER (8), and "
     "GL_SHADER_STORAGE_BUFFER (9), usage hint is GL_DYNAMIC_DRAW) is being copied/moved from VIDEO memory to HOST "
     "memory.",
     GLBUF_DRIVER_MOVED_TO_HOST, "146", 146},
    /* [erhe] 0x020072 */
    {"Buffer performance warning: Buffer object Mesh_memory position vertex buffer (bound to "
     "GL_VERTEX_ATTRIB_ARRAY_BUFFER_BINDING_ARB (0), usage hint is GL_DYNAMIC_DRAW) is being copied/moved from VIDEO "
     "memory to HOST memory.",
     GLBUF_DRIVER_MOVED_TO_HOST, "Mesh_memory position vertex buffer", 0},
    /* [erhe] 0x020071 */
    {"Buffer detailed info: Buffer object Ring_buffer (bound to NONE, usage hint is GL_DYNAMIC_DRAW) will use SYSTEM "
     "HEAP memory as the source for buffer object operations.",
     GLBUF_DRIVER_USES_HOST, "Ring_buffer", 0},
    /* [lwjgl] 0x20071 */
    {"Buffer detailed info: Buffer object 11 (bound to GL_ARRAY_BUFFER_ARB, and GL_SHADER_STORAGE_BUFFER (4), usage "
     "hint is GL_STREAM_DRAW) will use VIDEO memory as the source for buffer object operations.",
     GLBUF_DRIVER_USES_VIDEO, "11", 11},
    /* [lwjgl] 0x20071 */
    {"Buffer detailed info: Buffer object 2 (bound to GL_PIXEL_UNPACK_BUFFER_ARB, usage hint is GL_STREAM_DRAW) has "
     "been mapped WRITE_ONLY in SYSTEM HEAP memory (fast).",
     GLBUF_DRIVER_MAPPED_UNCACHED, "2", 2},
    /* [pack] 0x00020071 */
    {"Buffer detailed info: Buffer object 2 (bound to GL_PIXEL_PACK_BUFFER_ARB, usage hint is GL_STREAM_READ) has "
     "been mapped in DMA CACHED memory.",
     GLBUF_DRIVER_MAPPED_CACHED, "2", 2},
    /* [erhe] 0x020074 */
    {"Analysis of buffer object Mesh_memory position vertex buffer (bound to GL_COPY_WRITE_BUFFER_BINDING_EXT) usage "
     "indicates that the GPU is the primary producer and consumer of data for this buffer object.  The usage hint "
     "supplied with this buffer object, GL_STATIC_DRAW, is inconsistent with this usage pattern.  Try using "
     "GL_STREAM_COPY_ARB, GL_STATIC_COPY_ARB, or GL_DYNAMIC_COPY_ARB instead.",
     GLBUF_DRIVER_USAGE_MISMATCH, "Mesh_memory position vertex buffer", 0},
};

START_TEST(nvidia_buffer_messages_are_read)
{
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        glbuf_driver_note note;
        ck_assert_msg(glbuf_driver_explain(samples[i].text, "glbuf", &note) == 1, "sample %zu not read", i);
        ck_assert_int_eq(note.event, samples[i].event);
        ck_assert_str_eq(note.buffer, samples[i].buffer);
        ck_assert_uint_eq(note.gl_name, samples[i].gl_name);
        ck_assert_int_eq(note.glbuf_owned, 0); /* none of them is glbuf's */
        ck_assert_ptr_null(note.object);
        ck_assert_ptr_nonnull(note.explanation);
        ck_assert_uint_gt(strlen(note.explanation), 40);
        ck_assert_ptr_null(strchr(note.explanation, '\n')); /* one line */
    }
}
END_TEST

START_TEST(other_messages_are_not_buffer_messages)
{
    static const char *const others[] = {
        /* [erhe] 0x020092 = 131218 */
        ("Program/shader state performance warning: Fragment shader in program 16 is being recompiled based on GL "
         "state."),
        /* [erhe] 0x020052 = 131154 */
        "Pixel-path performance warning: Pixel transfer is synchronized with 3D rendering.",
        "hello from the app",
        "",
        "Buffer object",                      /* no name */
        "Buffer object 7",                    /* no binding list */
        "Buffer object 7 (bound to NONE",     /* unbalanced */
        "Buffer object 7 (bound to NONE) is being renamed.", /* an unknown tail */
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        glbuf_driver_note note;
        memset(&note, 0xAB, sizeof note);
        ck_assert_int_eq(glbuf_driver_explain(others[i], "glbuf", &note), 0);
        ck_assert_int_eq(note.event, GLBUF_DRIVER_NONE);
        ck_assert_ptr_null(note.explanation);
        ck_assert_str_eq(note.buffer, "");
    }
    glbuf_driver_note note;
    ck_assert_int_eq(glbuf_driver_explain(NULL, "glbuf", &note), 0);
}
END_TEST

/* NVIDIA names a labelled buffer by its label ([erhe]); glbuf's labels are
 * "<prefix>:<label>". The texts below are [openspace]'s and [erhe]'s with the
 * name replaced by glbuf's labels. */
START_TEST(glbuf_buffers_are_recognised_by_their_label)
{
    const char *moved = "Buffer performance warning: Buffer object glbuf:particles (bound to GL_SHADER_STORAGE_BUFFER, "
                        "and GL_SHADER_STORAGE_BUFFER (0), usage hint is GL_DYNAMIC_READ) is being copied/moved from "
                        "VIDEO memory to HOST memory.";
    glbuf_driver_note note;
    ck_assert_int_eq(glbuf_driver_explain(moved, "glbuf", &note), 1);
    ck_assert_int_eq(note.event, GLBUF_DRIVER_MOVED_TO_HOST);
    ck_assert_int_eq(note.glbuf_owned, 1);
    ck_assert_str_eq(note.object, "particles");
    ck_assert_uint_eq(note.gl_name, 0);
    ck_assert_int_eq(glbuf_driver_explain(moved, "myapp", &note), 1); /* another prefix: not ours */
    ck_assert_int_eq(note.glbuf_owned, 0);
    ck_assert_int_eq(glbuf_driver_explain(moved, "glbu", &note), 1); /* a prefix of the prefix is not enough */
    ck_assert_int_eq(note.glbuf_owned, 0);
    ck_assert_int_eq(glbuf_driver_explain(moved, "", &note), 1);
    ck_assert_int_eq(note.glbuf_owned, 0);

    const char *ring = "Buffer detailed info: Buffer object glbuf:readback ring (bound to NONE, usage hint is "
                       "GL_DYNAMIC_DRAW) will use SYSTEM HEAP memory as the source for buffer object operations.";
    ck_assert_int_eq(glbuf_driver_explain(ring, "glbuf", &note), 1);
    ck_assert_int_eq(note.event, GLBUF_DRIVER_USES_HOST);
    ck_assert_str_eq(note.object, "readback ring"); /* labels may hold spaces */

    char long_label[400];
    snprintf(long_label, sizeof long_label,
             "Buffer detailed info: Buffer object glbuf:%0200d (bound to NONE, usage hint is GL_STREAM_READ) has "
             "been mapped in DMA CACHED memory.",
             7);
    ck_assert_int_eq(glbuf_driver_explain(long_label, "glbuf", &note), 1);
    ck_assert_int_eq(note.event, GLBUF_DRIVER_MAPPED_CACHED);
    ck_assert_uint_eq(strlen(note.buffer), sizeof note.buffer - 1); /* truncated, still read */
    ck_assert_int_eq(note.glbuf_owned, 1);
}
END_TEST

/* ---- routing through the logger, on a real context ------------------------------------- */

#define MAX_LINES 8
static struct {
    int count;
    glbuf_log_level level[MAX_LINES];
    char line[MAX_LINES][1024];
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

static glbuf_ctx *capturing_ctx(void)
{
    glbuf_ctx_desc desc = {0};
    glbuf_ctx *ctx = NULL;
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.logger.log = capture;
    ck_assert_int_eq(glbuf_ctx_create(&desc, &ctx), GLBUF_OK);
    if (fx_has(FX_DEBUG)) {
        fx_gl->Enable(GL_DEBUG_OUTPUT_SYNCHRONOUS); /* delivered before Insert returns */
    }
    memset(&logged, 0, sizeof logged);
    return ctx;
}

static void insert(GLenum type, GLuint id, GLenum severity, const char *text)
{
    fx_gl->DebugMessageInsert(GL_DEBUG_SOURCE_APPLICATION, type, id, severity, -1, text);
}

START_TEST(messages_reach_the_logger_with_source_type_severity_and_id)
{
    FX_REQUIRE(FX_DEBUG, "a debug message callback");
    glbuf_ctx *ctx = capturing_ctx();
    insert(GL_DEBUG_TYPE_PERFORMANCE, 131218, GL_DEBUG_SEVERITY_MEDIUM,
           "Program/shader state performance warning: Fragment shader in program 16 is being recompiled based on GL "
           "state.");
    ck_assert_int_eq(logged.count, 1); /* not about a buffer: no explanation */
    ck_assert_str_eq(logged.line[0], "GL [APPLICATION PERFORMANCE MEDIUM id 131218] Program/shader state performance "
                                     "warning: Fragment shader in program 16 is being recompiled based on GL state.");
    ck_assert_int_eq(logged.level[0], GLBUF_LOG_INFO);

    memset(&logged, 0, sizeof logged);
    insert(GL_DEBUG_TYPE_ERROR, 1282, GL_DEBUG_SEVERITY_HIGH, "an error of the app's");
    ck_assert_int_eq(logged.count, 1);
    ck_assert_str_eq(logged.line[0], "GL [APPLICATION ERROR HIGH id 1282] an error of the app's");
    ck_assert_int_eq(logged.level[0], GLBUF_LOG_ERROR);

    /* a numbered buffer: no label, so not glbuf's; routed, not explained */
    memset(&logged, 0, sizeof logged);
    insert(GL_DEBUG_TYPE_PERFORMANCE, 131186, GL_DEBUG_SEVERITY_MEDIUM, samples[0].text);
    ck_assert_int_eq(logged.count, 1);
    ck_assert_ptr_nonnull(strstr(logged.line[0], "id 131186] Buffer performance warning: Buffer object 22 "));
    glbuf_ctx_destroy(ctx);
}
END_TEST

START_TEST(placement_messages_about_glbuf_buffers_are_explained)
{
    FX_REQUIRE(FX_DEBUG, "a debug message callback");
    glbuf_ctx *ctx = capturing_ctx();
    insert(GL_DEBUG_TYPE_PERFORMANCE, 131186, GL_DEBUG_SEVERITY_MEDIUM,
           "Buffer performance warning: Buffer object glbuf:particles (bound to GL_SHADER_STORAGE_BUFFER, and "
           "GL_SHADER_STORAGE_BUFFER (0), usage hint is GL_DYNAMIC_READ) is being copied/moved from VIDEO memory to "
           "HOST memory.");
    ck_assert_int_eq(logged.count, 2);
    ck_assert_ptr_nonnull(strstr(logged.line[0], "GL [APPLICATION PERFORMANCE MEDIUM id 131186] Buffer performance "
                                                 "warning: Buffer object glbuf:particles (bound to"));
    ck_assert_ptr_nonnull(strstr(logged.line[0], "is being copied/moved from VIDEO memory to HOST memory."));
    ck_assert_ptr_nonnull(strstr(logged.line[1], "GL [id 131186] glbuf buffer 'particles': the driver moved it out of "
                                                 "GPU memory into host memory"));
    ck_assert_int_eq(logged.level[1], logged.level[0]);

    memset(&logged, 0, sizeof logged);
    insert(GL_DEBUG_TYPE_OTHER, 131185, GL_DEBUG_SEVERITY_NOTIFICATION,
           "Buffer detailed info: Buffer object glbuf:readback (bound to NONE, usage hint is GL_STREAM_READ) has been "
           "mapped in DMA CACHED memory.");
    ck_assert_int_eq(logged.count, 2);
    ck_assert_ptr_nonnull(strstr(logged.line[0], "GL [APPLICATION OTHER NOTIFICATION id 131185] Buffer detailed info:"));
    ck_assert_ptr_nonnull(strstr(logged.line[1], "glbuf buffer 'readback': its CPU mapping is cached host memory"));
    ck_assert_int_eq(logged.level[0], GLBUF_LOG_DEBUG);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* A real glbuf buffer's real label, as the driver would print it. */
START_TEST(the_label_glbuf_sets_is_the_one_recognised)
{
    FX_REQUIRE(FX_DEBUG, "a debug message callback");
    glbuf_ctx *ctx = capturing_ctx();
    glbuf_buffer_desc d = {0};
    d.size = 64;
    d.label = "trails";
    glbuf_buffer b;
    ck_assert_int_eq(glbuf_buffer_create(ctx, &d, &b), GLBUF_OK);
    char label[64] = "";
    GLsizei len = 0;
    fx_gl->GetObjectLabel(GL_BUFFER, glbuf_buffer_name(ctx, b), sizeof label, &len, label);
    char text[512];
    snprintf(text, sizeof text,
             "Buffer performance warning: Buffer object %s (bound to GL_ARRAY_BUFFER_ARB, usage hint is "
             "GL_STATIC_DRAW) is being copied/moved from VIDEO memory to HOST memory.",
             label);
    memset(&logged, 0, sizeof logged);
    insert(GL_DEBUG_TYPE_PERFORMANCE, 131186, GL_DEBUG_SEVERITY_MEDIUM, text);
    ck_assert_int_eq(logged.count, 2);
    ck_assert_ptr_nonnull(strstr(logged.line[1], "glbuf buffer 'trails': "));
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, b), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* Every profile: the callback is installed exactly when the context has
 * KHR_debug (a context without it has no debug output to route and must not
 * call the missing entry point), and put back by destroy. */
START_TEST(the_callback_is_installed_exactly_where_there_is_khr_debug)
{
    int debug = fx_has(FX_DEBUG);
    ck_assert_int_eq((glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_DEBUG) != 0, debug);
    glbuf_ctx *ctx = capturing_ctx();
    glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);
    ck_assert_uint_eq(st.calls[GLBUF_GL_DebugMessageCallback], debug ? 1u : 0u);
    if (debug) {
        void *installed = NULL;
        fx_gl->GetPointerv(GL_DEBUG_CALLBACK_USER_PARAM, &installed);
        ck_assert_ptr_eq(installed, ctx); /* glbuf's, with its context */
    }
    glbuf_ctx_destroy(ctx);
    if (debug) {
        void *restored = NULL;
        fx_gl->GetPointerv(GL_DEBUG_CALLBACK_USER_PARAM, &restored);
        ck_assert_ptr_eq(restored, fx_ctx); /* the fixture context's, installed before */
    }
    ck_assert_int_eq(logged.count, 0);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
}
END_TEST

static void add_explainer(TCase *tc)
{
    tcase_add_test(tc, nvidia_buffer_messages_are_read);
    tcase_add_test(tc, other_messages_are_not_buffer_messages);
    tcase_add_test(tc, glbuf_buffers_are_recognised_by_their_label);
}

static void add_routing(TCase *tc)
{
    tcase_add_test(tc, messages_reach_the_logger_with_source_type_severity_and_id);
    tcase_add_test(tc, placement_messages_about_glbuf_buffers_are_explained);
    tcase_add_test(tc, the_label_glbuf_sets_is_the_one_recognised);
    tcase_add_test(tc, the_callback_is_installed_exactly_where_there_is_khr_debug);
}

int main(void)
{
    Suite *s = suite_create("driver_messages");
    TCase *explainer = tcase_create("explainer");
    add_explainer(explainer);
    suite_add_tcase(s, explainer);
    fx_add_tcases(s, "routing", add_routing, 0);
    return fx_run(s);
}
