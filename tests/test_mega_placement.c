/* test_mega_placement.c - where a megabuffer lives and how its writes get
 * there: AUTO's decision (on this driver, and on a driver that reports video
 * memory, faked through the GL table), writes not visible to a draw before
 * the flush (device-local) and visible after, glbuf_ctx_end_frame flushing,
 * writes and spans across growth and defragmentation, the memory budget and
 * the bytes held per placement. Every test runs in both placements on every
 * path of the profile. The staging ring's own tests are test_mega_staging.c.
 * Data is read back from the GPU or drawn. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "mega_checks.h"
#include "glbuf/mega.h"

static glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE; /* per TCase */
static int explicit_flush;                                                  /* likewise */

static glbuf_mega make_with(glbuf_mega_desc d)
{
    d.placement = placement;
    d.explicit_flush = explicit_flush;
    d.label = "placement";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega make(uint64_t capacity)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    return make_with(d);
}

static int device_local(void)
{
    return placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
}

/* ---- AUTO --------------------------------------------------------------------------- */

START_TEST(auto_follows_the_contexts_gpu_memory)
{
    glbuf_gpu_memory gm = glbuf_ctx_get_gpu_memory(fx_ctx);
    ck_assert_ptr_nonnull(gm.why);
    const char *renderer = glbuf_ctx_get_caps(fx_ctx).renderer;
    if (strstr(renderer, "llvmpipe") != NULL || strstr(renderer, "softpipe") != NULL) {
        ck_assert_int_eq(gm.dedicated, 0);
        ck_assert_ptr_nonnull(strstr(gm.why, "software"));
    }
    if (gm.source == GLBUF_GPU_MEMORY_UNKNOWN) {
        ck_assert_uint_eq(gm.total_bytes, 0);
        ck_assert_uint_eq(gm.available_bytes, 0);
    } else {
        ck_assert_uint_gt(gm.available_bytes, 0);
    }
    glbuf_mega_desc d = {0};
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_int_eq(s.placement,
                     gm.dedicated ? GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL : GLBUF_MEGA_PLACEMENT_HOST_VISIBLE);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* A driver that reports video memory, made of this one: GL_RENDERER names no
 * CPU rasterizer, and GL_NVX_gpu_memory_info or GL_ATI_meminfo is listed and
 * answers its queries (values in KiB). */
static int fake_kind; /* 1: NVX, 2: ATI */
static GLint real_extension_count;
static PFNGLGETSTRINGPROC real_get_string;
static PFNGLGETSTRINGIPROC real_get_stringi;
static PFNGLGETINTEGERVPROC real_get_integerv;

static const GLubyte *GLAD_API_PTR fake_get_string(GLenum name)
{
    return name == GL_RENDERER ? (const GLubyte *)"Fake Discrete GPU/PCIe" : real_get_string(name);
}

static const GLubyte *GLAD_API_PTR fake_get_stringi(GLenum name, GLuint i)
{
    if (name == GL_EXTENSIONS && (GLint)i == real_extension_count) {
        return (const GLubyte *)(fake_kind == 1 ? "GL_NVX_gpu_memory_info" : "GL_ATI_meminfo");
    }
    const GLubyte *e = real_get_stringi(name, i);
    /* the driver's own memory extensions are hidden: only the faked one counts */
    if (name == GL_EXTENSIONS && e != NULL &&
        (strcmp((const char *)e, "GL_NVX_gpu_memory_info") == 0 || strcmp((const char *)e, "GL_ATI_meminfo") == 0)) {
        return (const GLubyte *)"GL_GLBUF_test_hidden";
    }
    return e;
}

static void GLAD_API_PTR fake_get_integerv(GLenum pname, GLint *v)
{
    switch (pname) {
    case GL_NUM_EXTENSIONS:
        real_get_integerv(pname, v);
        real_extension_count = *v;
        *v += 1;
        return;
    case 0x9047: *v = 8 * 1024 * 1024; return; /* dedicated: 8 GiB */
    case 0x9048: *v = 9 * 1024 * 1024; return;
    case 0x9049: *v = 6 * 1024 * 1024; return; /* available: 6 GiB */
    case 0x904A: *v = 3; return;
    case 0x904B: *v = 1024; return;
    case 0x87FB: v[0] = 5 * 1024 * 1024; v[1] = 1024; v[2] = 2048; v[3] = 512; return;
    default: real_get_integerv(pname, v);
    }
}

static glbuf_gl_proc fake_get_proc(const char *name)
{
    if (strcmp(name, "glGetString") == 0) {
        return (glbuf_gl_proc)fake_get_string;
    }
    if (strcmp(name, "glGetStringi") == 0) {
        return (glbuf_gl_proc)fake_get_stringi;
    }
    if (strcmp(name, "glGetIntegerv") == 0) {
        return (glbuf_gl_proc)fake_get_integerv;
    }
    return glbuf_headless_get_proc(name);
}

static void a_driver_with_video_memory(int kind)
{
    fake_kind = kind;
    real_get_string = (PFNGLGETSTRINGPROC)glbuf_headless_get_proc("glGetString");
    real_get_stringi = (PFNGLGETSTRINGIPROC)glbuf_headless_get_proc("glGetStringi");
    real_get_integerv = (PFNGLGETINTEGERVPROC)glbuf_headless_get_proc("glGetIntegerv");
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = fake_get_proc;
    /* the fixture's path: what its context does without, this one does too */
    cd.disable_caps = (GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE | GLBUF_CAP_DEBUG) & ~glbuf_ctx_get_caps(fx_ctx).caps;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&cd, &ctx), GLBUF_OK);
    glbuf_gpu_memory gm = glbuf_ctx_get_gpu_memory(ctx);
    ck_assert_int_eq(gm.dedicated, 1);
    ck_assert_ptr_nonnull(strstr(gm.why, kind == 1 ? "GL_NVX_gpu_memory_info" : "GL_ATI_meminfo"));
    if (kind == 1) {
        ck_assert_int_eq(gm.source, GLBUF_GPU_MEMORY_NVX);
        ck_assert_uint_eq(gm.total_bytes, 8ull << 30);
        ck_assert_uint_eq(gm.available_bytes, 6ull << 30);
        ck_assert_uint_eq(gm.evictions, 3);
        ck_assert_uint_eq(gm.evicted_bytes, 1ull << 20);
    } else {
        ck_assert_int_eq(gm.source, GLBUF_GPU_MEMORY_ATI);
        ck_assert_uint_eq(gm.total_bytes, 0); /* ATI_meminfo has no total */
        ck_assert_uint_eq(gm.available_bytes, 5ull << 30);
    }
    /* AUTO puts a megabuffer in GPU memory there, and it works */
    glbuf_mega_desc d = {0};
    d.capacity = 65536;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(ctx, &d, &m), GLBUF_OK);
    glbuf_mega_stats s = glbuf_mega_get_stats(ctx, m);
    ck_assert_int_eq(s.placement, GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL);
    ck_assert_uint_eq(s.bytes_device_local, 65536);
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 5000, 0, &r, NULL), GLBUF_OK);
    uint8_t data[5000];
    fx_pattern(data, sizeof data, 41);
    ck_assert_int_eq(glbuf_mega_write(ctx, m, r, 0, data, sizeof data), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    uint64_t offset = 0;
    ck_assert_int_eq(glbuf_mega_offset(ctx, m, r, &offset), GLBUF_OK);
    uint8_t got[5000];
    fx_read(glbuf_mega_gl_name(ctx, m), offset, sizeof got, got);
    fx_check_pattern(got, sizeof got, 41);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}

START_TEST(auto_is_device_local_where_the_driver_reports_video_memory)
{
    a_driver_with_video_memory(1);
    a_driver_with_video_memory(2);
}
END_TEST

/* ---- device-local writes ---------------------------------------------------------------- */

static GLuint compile(GLenum type, const char *src)
{
    GLuint s = fx_gl->CreateShader(type);
    fx_gl->ShaderSource(s, 1, &src, NULL);
    fx_gl->CompileShader(s);
    GLint ok = 0;
    fx_gl->GetShaderiv(s, GL_COMPILE_STATUS, &ok);
    ck_assert(ok);
    return s;
}

/* Draws the six vertices (x, y, r, g) at `offset` of `name` over an 8x8
 * target and returns the centre pixel's red and green. */
static void draw_quad(GLuint name, uint64_t offset, uint8_t rg[2])
{
    const char *vs = "#version 330 core\n"
                     "layout(location = 0) in vec4 v;\n"
                     "out vec2 c;\n"
                     "void main() { gl_Position = vec4(v.xy, 0.0, 1.0); c = v.zw; }\n";
    const char *fs = "#version 330 core\n"
                     "in vec2 c;\n"
                     "out vec4 color;\n"
                     "void main() { color = vec4(c, 0.0, 1.0); }\n";
    GLuint prog = fx_gl->CreateProgram();
    fx_gl->AttachShader(prog, compile(GL_VERTEX_SHADER, vs));
    fx_gl->AttachShader(prog, compile(GL_FRAGMENT_SHADER, fs));
    fx_gl->LinkProgram(prog);
    GLuint fbo, rb, vao;
    fx_gl->GenFramebuffers(1, &fbo);
    fx_gl->GenRenderbuffers(1, &rb);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, rb);
    fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, 8, 8);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, fbo);
    fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb);
    fx_gl->Viewport(0, 0, 8, 8);
    fx_gl->ClearColor(0, 0, 0, 1);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);
    fx_gl->GenVertexArrays(1, &vao);
    fx_gl->BindVertexArray(vao);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, name);
    fx_gl->VertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, 16, (const void *)(uintptr_t)offset);
    fx_gl->EnableVertexAttribArray(0);
    fx_gl->UseProgram(prog);
    fx_gl->DrawArrays(GL_TRIANGLES, 0, 6);
    uint8_t px[4];
    fx_gl->ReadPixels(4, 4, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    rg[0] = px[0];
    rg[1] = px[1];
    fx_gl->BindVertexArray(0);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, 0);
    fx_gl->UseProgram(0);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    fx_gl->DeleteVertexArrays(1, &vao);
    fx_gl->DeleteFramebuffers(1, &fbo);
    fx_gl->DeleteRenderbuffers(1, &rb);
    fx_gl->DeleteProgram(prog);
}

static void quad(float v[24], float r, float g)
{
    const float xy[6][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, -1}, {1, 1}, {-1, 1}};
    for (int i = 0; i < 6; i++) {
        v[i * 4 + 0] = xy[i][0];
        v[i * 4 + 1] = xy[i][1];
        v[i * 4 + 2] = r;
        v[i * 4 + 3] = g;
    }
}

START_TEST(a_write_reaches_draws_after_the_flush_and_device_local_not_before)
{
    glbuf_mega m = make(65536);
    glbuf_mega_range r = alloc(m, 24 * sizeof(float));
    float v[24];
    quad(v, 1, 0); /* red */
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, v, sizeof v), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint64_t offset = 0;
    glbuf_mega_offset(fx_ctx, m, r, &offset);
    uint8_t rg[2];
    draw_quad(glbuf_mega_gl_name(fx_ctx, m), offset, rg);
    ck_assert(rg[0] == 255 && rg[1] == 0);

    quad(v, 0, 1); /* green, staged */
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, v, sizeof v), GLBUF_OK);
    if (device_local()) {
        ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).staged_bytes, sizeof v);
        draw_quad(glbuf_mega_gl_name(fx_ctx, m), offset, rg);
        ck_assert_msg(rg[0] == 255 && rg[1] == 0, "a staged write was visible before the flush");
    }
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).staged_bytes, 0);
    draw_quad(glbuf_mega_gl_name(fx_ctx, m), offset, rg);
    ck_assert_msg(rg[0] == 0 && rg[1] == 255, "the write did not reach the draw after the flush");
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(end_frame_copies_what_was_staged)
{
    glbuf_mega m = make(65536);
    glbuf_mega_range r = alloc(m, 3000);
    write_pattern(m, r, 0, 3000, 12);
    void *p = NULL;
    glbuf_mega_range s = alloc(m, 2000);
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, s, &p), GLBUF_OK);
    fx_pattern(p, 2000, 13);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK); /* no glbuf_mega_flush */
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).staged_bytes, 0);
    expect_now(m, r, 0, 3000, 12);
    expect_now(m, s, 0, 2000, 13);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(staged_writes_and_spans_arrive_across_growth_and_defragmentation)
{
    glbuf_mega m = make(64 << 10);
    glbuf_mega_range junk = alloc(m, 32 << 10); /* freed below: a hole big enough to move into */
    glbuf_mega_range a = alloc(m, 10 << 10);
    void *pa = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, a, &pa), GLBUF_OK);
    glbuf_mega_range b = alloc(m, 20 << 10);
    write_pattern(m, b, 0, 20 << 10, 21);        /* staged, not flushed */
    glbuf_mega_range big = alloc(m, 30 << 10); /* grows; the one to move (into junk's hole) */
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).growths, 1);
    if (device_local()) {
        fx_pattern(pa, 10 << 10, 20); /* a span outlives growth: offsets did not move */
    } else {
        ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, a, &pa), GLBUF_OK); /* the mapping moved */
        fx_pattern(pa, 10 << 10, 20);
    }
    write_pattern(m, big, 0, 30 << 10, 22); /* staged, moved before it lands */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, junk), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    write_pattern(m, b, 100, 300, 23); /* staged just before the defragmentation */
    glbuf_mega_defrag_report rep;
    uint32_t moves = 0;
    int calls = 0;
    do { /* incremental: a move is reported once its copy's frame has completed */
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, NULL, NULL, &rep), GLBUF_OK);
        moves += rep.moves;
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
        ck_assert_int_lt(++calls, 20);
    } while (rep.moves_left > 0);
    ck_assert_uint_gt(moves, 0);
    uint64_t big_at = 1;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, big, &big_at), GLBUF_OK);
    ck_assert_uint_eq(big_at, 0); /* moved down into the hole */
    expect(m, a, 0, 10 << 10, 20);
    expect_now(m, b, 0, 100, 21);
    expect_now(m, b, 100, 300, 23);
    uint8_t *tail = malloc(20 << 10);
    fx_pattern(tail, 20 << 10, 21);
    uint64_t offset = 0;
    glbuf_mega_offset(fx_ctx, m, b, &offset);
    uint8_t *got = malloc((20 << 10) - 400);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset + 400, (20 << 10) - 400, got);
    ck_assert(memcmp(got, tail + 400, (20 << 10) - 400) == 0);
    free(got);
    free(tail);
    expect_now(m, big, 0, 30 << 10, 22);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- the budget --------------------------------------------------------------------------- */

START_TEST(growth_beyond_the_budget_fails_with_full_and_changes_nothing)
{
    glbuf_mega_desc d = {0};
    d.capacity = 64 << 10;
    d.staging_max_capacity = 64 << 10;
    /* store + the grown store beside it, and the staging ring: 64K + 128K
     * (+ 64K) fits, 128K + 256K does not */
    d.memory_budget = (64 << 10) + (128 << 10) + (device_local() ? 64 << 10 : 0);
    glbuf_mega m = make_with(d);
    glbuf_mega_range a = alloc(m, 60 << 10);
    write_pattern(m, a, 0, 60 << 10, 31);
    glbuf_mega_range b = alloc(m, 60 << 10); /* grows to 128K: within the budget */
    write_pattern(m, b, 0, 60 << 10, 32);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(before.capacity, 128 << 10);
    ck_assert_uint_eq(before.memory_budget, d.memory_budget);
    glbuf_ctx_stats ctx_before = glbuf_ctx_get_stats(fx_ctx);
    glbuf_mega_range c = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 60 << 10, 0, &c, NULL), GLBUF_ERR_FULL);
    ck_assert_uint_eq(c.id, 0);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.capacity, before.capacity);
    ck_assert_uint_eq(after.name, before.name);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(after.used_bytes, before.used_bytes);
    ck_assert_uint_eq(after.failed_allocations, before.failed_allocations + 1);
    glbuf_ctx_stats ctx_after = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(ctx_after.buffers_created, ctx_before.buffers_created); /* no store was made */
    expect(m, a, 0, 60 << 10, 31);
    expect_now(m, b, 0, 60 << 10, 32);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(stats_count_the_bytes_held_in_each_placement)
{
    glbuf_mega m = make(256 << 10);
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_int_eq(s.placement, placement);
    if (device_local()) {
        ck_assert_uint_eq(s.bytes_device_local, 256 << 10);
        ck_assert_uint_eq(s.bytes_host_visible, 4 << 20); /* the first staging ring */
    } else {
        ck_assert_uint_eq(s.bytes_device_local, 0);
        ck_assert_uint_eq(s.bytes_host_visible, 256 << 10);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* Both placements. */
static void add_tests(TCase *tc)
{
    tcase_add_test(tc, auto_follows_the_contexts_gpu_memory);
    tcase_add_test(tc, auto_is_device_local_where_the_driver_reports_video_memory);
    tcase_add_test(tc, a_write_reaches_draws_after_the_flush_and_device_local_not_before);
    tcase_add_test(tc, end_frame_copies_what_was_staged);
    tcase_add_test(tc, staged_writes_and_spans_arrive_across_growth_and_defragmentation);
    tcase_add_test(tc, growth_beyond_the_budget_fails_with_full_and_changes_nothing);
    tcase_add_test(tc, stats_count_the_bytes_held_in_each_placement);
}

static void device_local_placement(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
}

/* A staging ring mapped without MAP_COHERENT: flushed before the copies. */
static void setup_device_local_explicit(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
    explicit_flush = 1;
    fx_setup();
}

int main(void)
{
    Suite *s = suite_create("mega_placement");
    fx_add_tcases(s, "host-visible", add_tests, 1);
    fx_add_tcases_with(s, "device-local", add_tests, 1, device_local_placement);
    if (fx_has(FX_BUFFER_STORAGE)) {
        fx_add_tcase(s, "device-local/explicit-flush", setup_device_local_explicit, fx_teardown, add_tests);
    }
    return fx_run(s);
}
