/* test_view_contract.c - glbuf_view's contract beyond the pictures
 * (test_view.c): creating and drawing leave every piece of GL state they
 * touch as they found it; host memory running out draws nothing and loses
 * nothing; bad input is refused with its documented code and changes
 * nothing. On every GL profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"
#include "glbuf/view.h"
#include "view_target.h"

/* ---- GL state -------------------------------------------------------------------------- */

typedef struct gl_state {
    GLint viewport[4], program, vao, array_buffer, active_texture, texture0, texture3, sampler0;
    GLint blend_src_rgb, blend_dst_rgb, blend_src_alpha, blend_dst_alpha, eq_rgb, eq_alpha;
    GLboolean enabled[10], mask[4];
    GLint polygon_mode[2], draw_fbo, read_fbo, unpack_buffer, unpack_alignment;
} gl_state;

static const GLenum switches[10] = {GL_BLEND,        GL_DEPTH_TEST,        GL_STENCIL_TEST,     GL_SCISSOR_TEST,
                                    GL_CULL_FACE,    GL_RASTERIZER_DISCARD, GL_FRAMEBUFFER_SRGB, GL_COLOR_LOGIC_OP,
                                    GL_CLIP_DISTANCE0, GL_CLIP_DISTANCE3};

static gl_state snapshot(void)
{
    gl_state s;
    memset(&s, 0, sizeof s);
    fx_gl->GetIntegerv(GL_VIEWPORT, s.viewport);
    fx_gl->GetIntegerv(GL_CURRENT_PROGRAM, &s.program);
    fx_gl->GetIntegerv(GL_VERTEX_ARRAY_BINDING, &s.vao);
    fx_gl->GetIntegerv(GL_ARRAY_BUFFER_BINDING, &s.array_buffer);
    fx_gl->GetIntegerv(GL_ACTIVE_TEXTURE, &s.active_texture);
    fx_gl->ActiveTexture(GL_TEXTURE0);
    fx_gl->GetIntegerv(GL_TEXTURE_BINDING_2D, &s.texture0);
    fx_gl->GetIntegerv(GL_SAMPLER_BINDING, &s.sampler0);
    fx_gl->ActiveTexture(GL_TEXTURE3);
    fx_gl->GetIntegerv(GL_TEXTURE_BINDING_2D, &s.texture3);
    fx_gl->ActiveTexture((GLenum)s.active_texture);
    fx_gl->GetIntegerv(GL_BLEND_SRC_RGB, &s.blend_src_rgb);
    fx_gl->GetIntegerv(GL_BLEND_DST_RGB, &s.blend_dst_rgb);
    fx_gl->GetIntegerv(GL_BLEND_SRC_ALPHA, &s.blend_src_alpha);
    fx_gl->GetIntegerv(GL_BLEND_DST_ALPHA, &s.blend_dst_alpha);
    fx_gl->GetIntegerv(GL_BLEND_EQUATION_RGB, &s.eq_rgb);
    fx_gl->GetIntegerv(GL_BLEND_EQUATION_ALPHA, &s.eq_alpha);
    for (int k = 0; k < 10; k++) {
        s.enabled[k] = fx_gl->IsEnabled(switches[k]);
    }
    fx_gl->GetBooleanv(GL_COLOR_WRITEMASK, s.mask);
    fx_gl->GetIntegerv(GL_POLYGON_MODE, s.polygon_mode);
    fx_gl->GetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &s.draw_fbo);
    fx_gl->GetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &s.read_fbo);
    fx_gl->GetIntegerv(GL_PIXEL_UNPACK_BUFFER_BINDING, &s.unpack_buffer);
    fx_gl->GetIntegerv(GL_UNPACK_ALIGNMENT, &s.unpack_alignment);
    return s;
}

/* The app's state: nothing at its default. */
static void set_app_state(GLuint program, GLuint vao, GLuint buffer, GLuint tex0, GLuint tex3, GLuint sampler,
                          GLuint unpack)
{
    fx_gl->Viewport(3, 5, 321, 123);
    fx_gl->UseProgram(program);
    fx_gl->BindVertexArray(vao);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, buffer);
    fx_gl->ActiveTexture(GL_TEXTURE0);
    fx_gl->BindTexture(GL_TEXTURE_2D, tex0);
    fx_gl->BindSampler(0, sampler);
    fx_gl->ActiveTexture(GL_TEXTURE3);
    fx_gl->BindTexture(GL_TEXTURE_2D, tex3);
    fx_gl->Enable(GL_BLEND);
    fx_gl->BlendFuncSeparate(GL_ONE, GL_DST_COLOR, GL_ZERO, GL_SRC_ALPHA_SATURATE);
    fx_gl->BlendEquationSeparate(GL_MAX, GL_FUNC_REVERSE_SUBTRACT);
    fx_gl->Enable(GL_DEPTH_TEST);
    fx_gl->Enable(GL_SCISSOR_TEST);
    fx_gl->Scissor(0, 0, 1, 1);
    fx_gl->Enable(GL_CULL_FACE);
    fx_gl->Enable(GL_CLIP_DISTANCE3);
    fx_gl->ColorMask(GL_TRUE, GL_FALSE, GL_TRUE, GL_FALSE);
    fx_gl->PolygonMode(GL_FRONT_AND_BACK, GL_LINE);
    fx_gl->BindBuffer(GL_PIXEL_UNPACK_BUFFER, unpack);
    fx_gl->PixelStorei(GL_UNPACK_ALIGNMENT, 8);
}

static void assert_same_state(const gl_state *a, const gl_state *b)
{
    ck_assert_mem_eq(a->viewport, b->viewport, sizeof a->viewport);
    ck_assert_int_eq(a->program, b->program);
    ck_assert_int_eq(a->vao, b->vao);
    ck_assert_int_eq(a->array_buffer, b->array_buffer);
    ck_assert_int_eq(a->active_texture, b->active_texture);
    ck_assert_int_eq(a->texture0, b->texture0);
    ck_assert_int_eq(a->texture3, b->texture3);
    ck_assert_int_eq(a->sampler0, b->sampler0);
    ck_assert_int_eq(a->blend_src_rgb, b->blend_src_rgb);
    ck_assert_int_eq(a->blend_dst_rgb, b->blend_dst_rgb);
    ck_assert_int_eq(a->blend_src_alpha, b->blend_src_alpha);
    ck_assert_int_eq(a->blend_dst_alpha, b->blend_dst_alpha);
    ck_assert_int_eq(a->eq_rgb, b->eq_rgb);
    ck_assert_int_eq(a->eq_alpha, b->eq_alpha);
    for (int k = 0; k < 10; k++) {
        ck_assert_msg(a->enabled[k] == b->enabled[k], "switch 0x%x changed", switches[k]);
    }
    ck_assert_mem_eq(a->mask, b->mask, sizeof a->mask);
    ck_assert_int_eq(a->polygon_mode[0], b->polygon_mode[0]);
    ck_assert_int_eq(a->draw_fbo, b->draw_fbo);
    ck_assert_int_eq(a->read_fbo, b->read_fbo);
    ck_assert_int_eq(a->unpack_buffer, b->unpack_buffer);
    ck_assert_int_eq(a->unpack_alignment, b->unpack_alignment);
}

START_TEST(create_and_draw_leave_the_gl_state_as_they_found_it)
{
    target t = make_target();
    GLuint vao, buffers[2], tex[2], sampler;
    fx_gl->GenVertexArrays(1, &vao);
    fx_gl->GenBuffers(2, buffers);
    fx_gl->BindBuffer(GL_PIXEL_UNPACK_BUFFER, buffers[1]);
    fx_gl->BufferData(GL_PIXEL_UNPACK_BUFFER, 4096, NULL, GL_STREAM_DRAW);
    fx_gl->GenTextures(2, tex);
    fx_gl->GenSamplers(1, &sampler);
    fx_gl->SamplerParameteri(sampler, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR); /* would make the font incomplete */
    GLuint program = fx_gl->CreateProgram(); /* never linked: only its name matters */
    set_app_state(program, vao, buffers[0], tex[0], tex[1], sampler, buffers[1]);
    gl_state before = snapshot();
    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    glbuf_mega mega;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &mega), GLBUF_OK);
    glbuf_view *v = make_view(0); /* creation uploads the font: unpack state */
    gl_state after_create = snapshot();
    assert_same_state(&before, &after_create);
    ck_assert_int_eq(glbuf_view_show_mega(v, mega, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    gl_state after_draw = snapshot();
    assert_same_state(&before, &after_draw);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    /* ...and it drew, despite the scissor, the colour mask, culling and the
     * sampler: the map's free colour is where the layout says. */
    fx_gl->ColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    read_target(&t);
    glbuf_view_map_rect mr;
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_OK);
    ck_assert(close_rgb(pixel(&t, mr.x + mr.width / 2, mr.y + mr.row_height / 2),
                        glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_FREE, 0)));
    glbuf_view_destroy(v);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, mega), GLBUF_OK);
    fx_gl->UseProgram(0);
    fx_gl->DeleteProgram(program);
    fx_gl->BindVertexArray(0);
    fx_gl->DeleteVertexArrays(1, &vao);
    fx_gl->BindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
    fx_gl->DeleteBuffers(2, buffers);
    fx_gl->DeleteTextures(2, tex);
    fx_gl->DeleteSamplers(1, &sampler);
    free_target(&t);
}
END_TEST

/* ---- host memory running out ------------------------------------------------------------ */

static int refuse_alloc;

static void *maybe_alloc(size_t size, void *user)
{
    (void)user;
    return refuse_alloc ? NULL : malloc(size);
}

static void plain_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

/* Every other 3 bytes a different kind: one rectangle per map column. */
static void stripes(void *user, glbuf_view_emit_fn emit, void *emit_user)
{
    (void)user;
    for (uint64_t at = 0; at < 60000; at += 6) {
        emit(emit_user, GLBUF_VIEW_BLOCK_PENDING, at, 3, 0);
        emit(emit_user, GLBUF_VIEW_BLOCK_IDLE, at + 3, 3, 0);
    }
}

static uint64_t stripes_capacity(void *user)
{
    (void)user;
    return 60000;
}

START_TEST(out_of_host_memory_draws_nothing_and_keeps_the_lines)
{
    glbuf_view_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    d.allocator.alloc = maybe_alloc;
    d.allocator.free = plain_free;
    d.map_rows = 16;
    refuse_alloc = 0;
    glbuf_view *v = NULL;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &v), GLBUF_OK);
    glbuf_view_blocks b = {stripes_capacity, stripes, NULL};
    ck_assert_int_eq(glbuf_view_show_blocks(v, &b, NULL), GLBUF_OK);
    const uint32_t green = 0x00FF00FFu;
    ck_assert_int_eq(glbuf_view_text(v, green, "KEPT FOR THE NEXT DRAW"), GLBUF_OK);
    target t = make_target();
    gl_state before = snapshot();
    refuse_alloc = 1; /* the vertex list and the map's columns cannot grow */
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_ERR_OUT_OF_HOST_MEMORY);
    gl_state after = snapshot();
    assert_same_state(&before, &after);
    read_target(&t);
    ck_assert_int_eq(count_colour(&t, 0xFF00FFFFu, 0, 0, W, H), W * H); /* nothing drawn */
    refuse_alloc = 0;
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    read_target(&t);
    ck_assert_int_gt(count_colour(&t, green, 0, 0, W, H / 2), 100); /* the line was kept */
    glbuf_view_map_rect mr;
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_OK);
    ck_assert_uint_eq(mr.rows, 16);
    free_target(&t);
    glbuf_view_destroy(v);
}
END_TEST

/* ---- bad input ---------------------------------------------------------------------------- */

static uint64_t zero_capacity(void *user)
{
    (void)user;
    return 0;
}

static void no_walk(void *user, glbuf_view_emit_fn emit, void *emit_user)
{
    (void)user;
    (void)emit;
    (void)emit_user;
}

static void count_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

START_TEST(bad_input_is_refused_and_changes_nothing)
{
    glbuf_view_desc d;
    memset(&d, 0, sizeof d);
    glbuf_view *out = NULL;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &out), GLBUF_ERR_NULL); /* no get_proc_address */
    d.get_proc_address = glbuf_headless_get_proc;
    ck_assert_int_eq(glbuf_view_create(NULL, &d, &out), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_create(fx_ctx, NULL, &out), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, NULL), GLBUF_ERR_NULL);
    d.text_scale = 5;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.text_scale = 0;
    d.map_rows = 17;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.map_rows = 0;
    d.map_row_height = 65;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.map_row_height = 0;
    d.hide = 1u << 7;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    d.hide = 0;
    d.allocator.alloc = NULL;
    d.allocator.free = count_free;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &out), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(out);
    glbuf_view_destroy(NULL);

    glbuf_view *v = make_view(0);
    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    glbuf_mega mega, dead;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &mega), GLBUF_OK);
    glbuf_stream no_stream = {0};
    glbuf_pool no_pool = {0};
    glbuf_stream wrong_kind = {mega.id};
    ck_assert_int_eq(glbuf_view_show_mega(NULL, mega, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_show_mega(v, dead, NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_view_show_stream(v, no_stream, NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_view_show_stream(v, wrong_kind, NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_view_show_pool(v, no_pool, NULL), GLBUF_ERR_INVALID_HANDLE);
    glbuf_view_blocks bad = {zero_capacity, NULL, NULL};
    ck_assert_int_eq(glbuf_view_show_blocks(v, &bad, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_show_blocks(v, NULL, NULL), GLBUF_ERR_NULL);
    glbuf_view_map_rect mr;
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_ERR_INVALID_ARGUMENT); /* nothing shown */
    glbuf_view_blocks ok = {zero_capacity, no_walk, NULL};
    for (int k = 0; k < GLBUF_VIEW_MAX_SOURCES; k++) {
        ck_assert_int_eq(glbuf_view_show_blocks(v, &ok, NULL), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_view_show_mega(v, mega, NULL), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_ERR_INVALID_ARGUMENT); /* not drawn yet */
    ck_assert_int_eq(glbuf_view_text(NULL, 0, "x"), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_text(v, 0, NULL), GLBUF_ERR_NULL);
    glbuf_ctx_stats before = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_int_eq(glbuf_view_draw(NULL, W, H), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_draw(v, 0, H), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_view_draw(v, W, 16385), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_view_map_layout(NULL, 0, &mr), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, NULL), GLBUF_ERR_NULL);
    ck_assert_uint_eq(glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_KIND_COUNT, 0), 0);
    /* The view's draws are not glbuf's GL calls. */
    target t = make_target();
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, before.calls_total);
    ck_assert_int_eq(glbuf_view_map_layout(v, GLBUF_VIEW_MAX_SOURCES, &mr), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_view_map_layout(v, GLBUF_VIEW_MAX_SOURCES - 1, &mr), GLBUF_OK);
    glbuf_view_clear(v);
    glbuf_view_clear(NULL);
    glbuf_view_set_trace_rgba(NULL, 0);
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_view_show_mega(v, mega, NULL), GLBUF_OK);
    free_target(&t);
    glbuf_view_destroy(v);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, mega), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, create_and_draw_leave_the_gl_state_as_they_found_it);
    tcase_add_test(tc, out_of_host_memory_draws_nothing_and_keeps_the_lines);
    tcase_add_test(tc, bad_input_is_refused_and_changes_nothing);
}

int main(void)
{
    Suite *s = suite_create("view_contract");
    fx_add_tcases(s, "view_contract", add_tests, 0);
    return fx_run(s);
}
