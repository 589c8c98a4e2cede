/* test_view.c - glbuf_view, the drop-in memory view, on a real headless
 * context (every GL profile: it is GL 3.3 core): drawn into a framebuffer
 * object, its maps show each block of a megabuffer, stream, pool or
 * app-defined walk in that kind's colour at the place the layout says
 * (checked pixel by pixel against the objects' own block walks); a draw
 * leaves every piece of GL state it touches as it found it; the app's text
 * lines show for one frame; bad input changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"
#include "glbuf/view.h"

enum { W = 800, H = 600 };
static const uint8_t clear_rgb[3] = {255, 0, 255};

typedef struct target {
    GLuint fbo, colour;
    uint8_t *px; /* W x H RGBA, bottom row first (glReadPixels) */
} target;

static target make_target(void)
{
    target t;
    memset(&t, 0, sizeof t);
    fx_gl->GenRenderbuffers(1, &t.colour);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, t.colour);
    fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, W, H);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, 0);
    fx_gl->GenFramebuffers(1, &t.fbo);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, t.fbo);
    fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, t.colour);
    ck_assert_int_eq(fx_gl->CheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
    fx_gl->ClearColor(clear_rgb[0] / 255.0f, clear_rgb[1] / 255.0f, clear_rgb[2] / 255.0f, 1.0f);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);
    t.px = malloc((size_t)W * H * 4);
    ck_assert_ptr_nonnull(t.px);
    return t;
}

static void read_target(target *t)
{
    fx_gl->BindFramebuffer(GL_READ_FRAMEBUFFER, t->fbo);
    fx_gl->PixelStorei(GL_PACK_ALIGNMENT, 1);
    fx_gl->ReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, t->px);
}

static void free_target(target *t)
{
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    fx_gl->DeleteFramebuffers(1, &t->fbo);
    fx_gl->DeleteRenderbuffers(1, &t->colour);
    free(t->px);
}

/* The pixel at x, y (y down from the top, as the view lays out). */
static uint32_t pixel(const target *t, int x, int y)
{
    const uint8_t *p = t->px + ((size_t)(H - 1 - y) * W + (size_t)x) * 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | 0xFFu;
}

static int close_rgb(uint32_t a, uint32_t b)
{
    for (int k = 8; k < 32; k += 8) {
        int d = (int)((a >> k) & 0xFFu) - (int)((b >> k) & 0xFFu);
        if (d < -1 || d > 1) {
            return 0;
        }
    }
    return 1;
}

static glbuf_view *make_view(uint32_t hide)
{
    glbuf_view_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    d.hide = hide;
    glbuf_view *v = NULL;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &v), GLBUF_OK);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* ---- the map against a block walk ------------------------------------------------- */

typedef struct checker {
    const target *t;
    glbuf_view_map_rect r;
    uint64_t now;
    int samples, wrong;
    int seen[GLBUF_VIEW_BLOCK_KIND_COUNT];
} checker;

/* Every column wholly inside [offset, offset + size), but the first (a
 * big live block's darkened edge), shows the kind's colour. */
static void check_block(checker *c, glbuf_view_block_kind kind, uint64_t offset, uint64_t size, uint64_t frame)
{
    uint32_t columns = (uint32_t)c->r.width * c->r.rows;
    double per_byte = (double)columns / (double)c->r.capacity;
    double a = (double)offset * per_byte, b = (double)(offset + size) * per_byte;
    uint32_t want = glbuf_view_block_rgba(kind, kind == GLBUF_VIEW_BLOCK_LIVE ? c->now - frame : 0);
    uint32_t first = (uint32_t)a + 1u, last = (uint32_t)b; /* columns [first, last) */
    for (uint32_t col = first; col + 1u <= last && col < columns; col++) {
        int x = c->r.x + (int)(col % (uint32_t)c->r.width);
        int y = c->r.y + (int)(col / (uint32_t)c->r.width) * c->r.row_pitch + c->r.row_height / 2;
        uint32_t got = pixel(c->t, x, y);
        c->samples++;
        c->seen[kind]++;
        if (!close_rgb(got, want)) {
            if (c->wrong++ < 5) {
                fprintf(stderr, "column %u (x %d, y %d) of a %s block at %llu+%llu: 0x%08x, want 0x%08x\n", col, x,
                        y, kind == GLBUF_VIEW_BLOCK_LIVE ? "live" : kind == GLBUF_VIEW_BLOCK_FREE ? "free" : "other",
                        (unsigned long long)offset, (unsigned long long)size, got, want);
            }
        }
    }
}

static int mega_check(void *user, glbuf_mega_block_kind kind, uint64_t offset, uint64_t size, uint64_t frame)
{
    check_block(user, (glbuf_view_block_kind)kind, offset, size, frame);
    return 0;
}

/* A megabuffer with live blocks of several ages, pending frees and free
 * space, mapped by the view, checked block by block. */
START_TEST(the_megabuffer_map_shows_every_block_in_its_kind_colour_where_the_layout_says)
{
    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    md.capacity = 1u << 16;
    md.growth = GLBUF_MEGA_GROW_NONE;
    glbuf_mega mega;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &mega), GLBUF_OK);
    glbuf_mega_range r[12];
    fx_simulate_slow_gpu(1); /* frees stay pending */
    for (int f = 0; f < 4; f++) {
        for (int k = 0; k < 3; k++) {
            ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, mega, 1024u * (uint64_t)(k + 1 + f), 0, &r[f * 3 + k], NULL),
                             GLBUF_OK);
        }
        for (int e = 0; e < 40; e++) { /* ages 120, 80, 40, 0 frames */
            ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        }
    }
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, mega, r[1]), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, mega, r[7]), GLBUF_OK);
    glbuf_view *v = make_view(0);
    ck_assert_int_eq(glbuf_view_show_mega(v, mega, "meshes"), GLBUF_OK);
    target t = make_target();
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    read_target(&t);
    checker c;
    memset(&c, 0, sizeof c);
    c.t = &t;
    c.now = glbuf_ctx_frame(fx_ctx);
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &c.r), GLBUF_OK);
    ck_assert_uint_eq(c.r.capacity, 1u << 16);
    ck_assert_uint_eq(c.r.rows, 3); /* 600 pixels high: 3 rows of 14 */
    ck_assert_int_eq(c.r.row_height, 14);
    ck_assert_int_eq(c.r.x, 10);
    ck_assert_int_eq(c.r.width, W - 20);
    ck_assert_int_le(c.r.y + 2 * c.r.row_pitch + c.r.row_height, H);
    ck_assert_int_eq(glbuf_mega_for_each_block(fx_ctx, mega, mega_check, &c), GLBUF_OK);
    ck_assert_int_eq(c.wrong, 0);
    ck_assert_int_gt(c.seen[GLBUF_VIEW_BLOCK_LIVE], 300);
    ck_assert_int_gt(c.seen[GLBUF_VIEW_BLOCK_PENDING], 50);
    ck_assert_int_gt(c.seen[GLBUF_VIEW_BLOCK_FREE], 50);
    /* The colours differ by age: the oldest and the newest live block. */
    ck_assert_uint_ne(glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_LIVE, 0), glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_LIVE, 120));
    fx_simulate_slow_gpu(0);
    free_target(&t);
    glbuf_view_destroy(v);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, mega), GLBUF_OK);
}
END_TEST

/* ---- stream, pool and app-defined sources ------------------------------------------- */

static int stream_check(void *user, uint64_t frame, uint64_t offset, uint64_t size)
{
    check_block(user, GLBUF_VIEW_BLOCK_LIVE, offset, size, frame);
    return 0;
}

typedef struct app_blocks {
    uint64_t capacity;
} app_blocks;

static uint64_t app_capacity(void *user)
{
    return ((app_blocks *)user)->capacity;
}

/* [ live 0..10000 (frame 0: the oldest) ][ free ][ pending 20000..30000 ][ idle 30000..40000 ] */
static void app_walk(void *user, glbuf_view_emit_fn emit, void *emit_user)
{
    (void)user;
    emit(emit_user, GLBUF_VIEW_BLOCK_LIVE, 0, 10000, 0);
    emit(emit_user, GLBUF_VIEW_BLOCK_PENDING, 20000, 10000, 0);
    emit(emit_user, GLBUF_VIEW_BLOCK_IDLE, 30000, 10000, 0);
    emit(emit_user, GLBUF_VIEW_BLOCK_LIVE, 50000, 99999, 0); /* clipped at the capacity */
}

START_TEST(stream_pool_and_app_maps_show_their_blocks)
{
    glbuf_stream_desc sd;
    memset(&sd, 0, sizeof sd);
    sd.capacity = 1u << 16;
    glbuf_stream s;
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &sd, &s), GLBUF_OK);
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 20000, 16, &a), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 12000, 16, &a), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);

    glbuf_pool_desc pd;
    memset(&pd, 0, sizeof pd);
    glbuf_pool p;
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &pd, &p), GLBUF_OK);
    glbuf_buffer b[3];
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, 100000, &b[k]), GLBUF_OK); /* 256 KiB class */
    }
    ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[2]), GLBUF_OK);

    app_blocks ab = {60000};
    glbuf_view_blocks blocks = {app_capacity, app_walk, &ab};
    glbuf_view *v = make_view(0);
    ck_assert_int_eq(glbuf_view_show_stream(v, s, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_view_show_pool(v, p, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_view_show_blocks(v, &blocks, "app"), GLBUF_OK);
    target t = make_target();
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    read_target(&t);

    checker c;
    memset(&c, 0, sizeof c);
    c.t = &t;
    c.now = glbuf_ctx_frame(fx_ctx);
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &c.r), GLBUF_OK);
    ck_assert_uint_eq(c.r.capacity, 1u << 16);
    ck_assert_int_eq(glbuf_stream_for_each_region(fx_ctx, s, stream_check, &c), GLBUF_OK);
    ck_assert_int_gt(c.seen[GLBUF_VIEW_BLOCK_LIVE], 600); /* 32000 of 65536 bytes over 2340 columns */

    /* Pool: tier 1 (256 KiB): 2 live, then 1 idle; the map spans 768 KiB. */
    glbuf_view_map_rect pr;
    ck_assert_int_eq(glbuf_view_map_layout(v, 1, &pr), GLBUF_OK);
    ck_assert_uint_eq(pr.capacity, 3u * (256u << 10));
    ck_assert_int_gt(pr.y, c.r.y); /* stacked in the order shown */
    c.r = pr;
    check_block(&c, GLBUF_VIEW_BLOCK_LIVE, 0, 2u * (256u << 10), c.now);
    check_block(&c, GLBUF_VIEW_BLOCK_IDLE, 2u * (256u << 10), 256u << 10, 0);

    glbuf_view_map_rect ar;
    ck_assert_int_eq(glbuf_view_map_layout(v, 2, &ar), GLBUF_OK);
    ck_assert_uint_eq(ar.capacity, 60000);
    c.r = ar;
    check_block(&c, GLBUF_VIEW_BLOCK_LIVE, 0, 10000, 0);
    check_block(&c, GLBUF_VIEW_BLOCK_FREE, 10000, 10000, 0);
    check_block(&c, GLBUF_VIEW_BLOCK_PENDING, 20000, 10000, 0);
    check_block(&c, GLBUF_VIEW_BLOCK_IDLE, 30000, 10000, 0);
    check_block(&c, GLBUF_VIEW_BLOCK_LIVE, 50000, 10000, 0);
    ck_assert_int_eq(c.wrong, 0);
    ck_assert_int_gt(c.seen[GLBUF_VIEW_BLOCK_IDLE], 200);
    ck_assert_int_gt(c.seen[GLBUF_VIEW_BLOCK_PENDING], 200);

    free_target(&t);
    glbuf_view_destroy(v);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(glbuf_pool_release(fx_ctx, p, b[k]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(a_source_whose_object_died_draws_an_empty_map)
{
    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    glbuf_mega mega;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &mega), GLBUF_OK);
    glbuf_mega_range r;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, mega, 1u << 20, 0, &r, NULL), GLBUF_OK);
    glbuf_view *v = make_view(GLBUF_VIEW_HIDE_FIGURES);
    ck_assert_int_eq(glbuf_view_show_mega(v, mega, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, mega), GLBUF_OK);
    target t = make_target();
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    read_target(&t);
    glbuf_view_map_rect mr;
    ck_assert_int_eq(glbuf_view_map_layout(v, 0, &mr), GLBUF_OK);
    ck_assert_uint_eq(mr.capacity, 0);
    uint32_t free_colour = glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_FREE, 0);
    for (int x = mr.x; x < mr.x + mr.width; x += 7) {
        ck_assert(close_rgb(pixel(&t, x, mr.y + 1), free_colour));
    }
    /* Figures hidden: the top-left corner is the clear colour. */
    ck_assert(close_rgb(pixel(&t, 20, 20), 0xFF00FFFFu));
    free_target(&t);
    glbuf_view_destroy(v);
}
END_TEST

/* ---- text lines ---------------------------------------------------------------------- */

static int count_colour(const target *t, uint32_t rgba, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            n += pixel(t, x, y) == (rgba | 0xFFu);
        }
    }
    return n;
}

START_TEST(text_lines_show_for_one_frame)
{
    glbuf_view *v = make_view(GLBUF_VIEW_HIDE_TRACE);
    const uint32_t green = 0x00FF00FFu;
    ck_assert_int_eq(glbuf_view_text(v, green, "HELLO FROM THE APP"), GLBUF_OK);
    target t = make_target();
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK);
    read_target(&t);
    int lit = count_colour(&t, green, 0, 0, W, H / 2);
    ck_assert_int_gt(lit, 100); /* 16 glyphs of about 12 pixels */
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, t.fbo);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);
    ck_assert_int_eq(glbuf_view_draw(v, W, H), GLBUF_OK); /* the line was consumed */
    read_target(&t);
    ck_assert_int_eq(count_colour(&t, green, 0, 0, W, H / 2), 0);
    /* GLBUF_VIEW_MAX_LINES, then FULL, changing nothing. */
    for (int k = 0; k < GLBUF_VIEW_MAX_LINES; k++) {
        ck_assert_int_eq(glbuf_view_text(v, green, "x"), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_view_text(v, green, "x"), GLBUF_ERR_FULL);
    free_target(&t);
    glbuf_view_destroy(v);
}
END_TEST

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
    tcase_add_test(tc, the_megabuffer_map_shows_every_block_in_its_kind_colour_where_the_layout_says);
    tcase_add_test(tc, stream_pool_and_app_maps_show_their_blocks);
    tcase_add_test(tc, a_source_whose_object_died_draws_an_empty_map);
    tcase_add_test(tc, text_lines_show_for_one_frame);
    tcase_add_test(tc, create_and_draw_leave_the_gl_state_as_they_found_it);
    tcase_add_test(tc, out_of_host_memory_draws_nothing_and_keeps_the_lines);
    tcase_add_test(tc, bad_input_is_refused_and_changes_nothing);
}

int main(void)
{
    Suite *s = suite_create("view");
    fx_add_tcases(s, "view", add_tests, 0);
    return fx_run(s);
}
