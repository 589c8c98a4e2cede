/* test_view.c - glbuf_view, the drop-in memory view, on a real headless
 * context (every GL profile: it is GL 3.3 core): drawn into a framebuffer
 * object, its maps show each block of a megabuffer, stream, pool or
 * app-defined walk in that kind's colour at the place the layout says
 * (checked pixel by pixel against the objects' own block walks); the app's
 * text lines show for one frame. test_view_contract.c: the GL state, host
 * memory, bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"
#include "glbuf/view.h"
#include "view_target.h"

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

static int mega_check(void *user, const glbuf_mega_block *b)
{
    check_block(user, (glbuf_view_block_kind)b->kind, b->offset, b->size, b->frame);
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
        ck_assert_int_eq(glbuf_pool_acquire(fx_ctx, p, 100000, &b[k]), GLBUF_OK);
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

    /* Pool: all three in tier 1 (<= 256 KiB): 2 live, then 1 idle. */
    uint64_t cap = glbuf_buffer_capacity(fx_ctx, b[0]);
    ck_assert_uint_ge(cap, 100000);
    glbuf_view_map_rect pr;
    ck_assert_int_eq(glbuf_view_map_layout(v, 1, &pr), GLBUF_OK);
    ck_assert_uint_eq(pr.capacity, 3u * cap);
    ck_assert_int_gt(pr.y, c.r.y); /* stacked in the order shown */
    c.r = pr;
    check_block(&c, GLBUF_VIEW_BLOCK_LIVE, 0, 2u * cap, c.now);
    check_block(&c, GLBUF_VIEW_BLOCK_IDLE, 2u * cap, cap, 0);

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

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, the_megabuffer_map_shows_every_block_in_its_kind_colour_where_the_layout_says);
    tcase_add_test(tc, stream_pool_and_app_maps_show_their_blocks);
    tcase_add_test(tc, a_source_whose_object_died_draws_an_empty_map);
    tcase_add_test(tc, text_lines_show_for_one_frame);
}

int main(void)
{
    Suite *s = suite_create("view");
    fx_add_tcases(s, "view", add_tests, 0);
    return fx_run(s);
}
