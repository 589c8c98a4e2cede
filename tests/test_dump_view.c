/* test_dump_view.c - glbuf-dump-view against real dumps: a megabuffer on the
 * headless context is given live, pending-free and free blocks (some smaller
 * than a pixel, some across row boundaries), dumped with
 * glbuf_mega_dump_json, and pictured by the tool. The SVG's block rectangles
 * (kind, x, y, width, height, in painting order) and every pixel of the PNG's
 * memory map are compared with what the geometry documented in
 * tools/dump_view/layout.h gives for the megabuffer's own block walk
 * (glbuf_mega_for_each_block, not the JSON). Malformed dumps are refused
 * with exit status 1 and leave no picture. */
#define _POSIX_C_SOURCE 200809L
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef TEST_DUMP_VIEW_PNG
#include <png.h>
#endif

#include "gl_fixture.h"
#include "glbuf/mega.h"

extern char **environ;

/* The geometry of layout.h, for --width 1000 --rows 4. */
#define WIDTH 1000
#define ROWS 4
#define MARGIN 16
#define MAP_X (MARGIN + 72)
#define MAP_W (WIDTH - 2 * MARGIN - 72)
#define MAP_Y (MARGIN + 6 * 16 + 8)
#define ROW_H 20
#define ROW_PITCH 26
static const uint32_t kind_rgb[4] = {0x4E79A7u, 0xD4D4D4u, 0xF28E2Bu, 0x59A14Fu}; /* by glbuf_mega_block_kind */
static const char *const kind_name[4] = {"live", "free", "pending", "moving"};
#define BACKGROUND 0xFFFFFFu
#define FRAME 0x808080u

static uint32_t edge_rgb(uint32_t c)
{
    return (((c >> 16) & 255u) * 3 / 5) << 16 | (((c >> 8) & 255u) * 3 / 5) << 8 | ((c & 255u) * 3 / 5);
}

/* ---- running the tool -------------------------------------------------------------- */

static char out_dir[512];

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", out_dir, name);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Runs glbuf-dump-view with args (NULL-terminated); its exit status. */
static int run_tool(const char *const *args)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)GLBUF_DUMP_VIEW_EXE;
    for (; args[n - 1] != NULL && n < 15; n++) {
        argv[n] = (char *)args[n - 1];
    }
    argv[n] = NULL;
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, GLBUF_DUMP_VIEW_EXE, NULL, NULL, argv, environ), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* ---- the expected picture -------------------------------------------------------------- */

typedef struct block {
    int kind; /* glbuf_mega_block_kind */
    uint64_t offset, size;
} block;

typedef struct piece {
    int kind;
    int x, y, w, h;
    int tiny, edge;
} piece;

typedef struct truth {
    block blocks[4096];
    int count;
    uint64_t capacity, row_bytes;
    int rows;
    piece pieces[4096 + ROWS];
    int piece_count;
} truth;

static int gather(void *user, const glbuf_mega_block *b)
{
    truth *t = user;
    ck_assert_int_lt(t->count, 4096);
    t->blocks[t->count++] = (block){(int)b->kind, b->offset, b->size};
    return 0;
}

/* layout.h's rules, written out again from its text. */
static void expect_pieces(truth *t)
{
    t->row_bytes = (t->capacity + ROWS - 1) / ROWS;
    t->rows = (int)((t->capacity + t->row_bytes - 1) / t->row_bytes);
    t->piece_count = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < t->count; i++) {
            uint64_t a = t->blocks[i].offset, end = a + t->blocks[i].size;
            while (a < end) {
                uint64_t row = a / t->row_bytes, start = row * t->row_bytes;
                uint64_t e = end < start + t->row_bytes ? end : start + t->row_bytes;
                int x0 = (int)((a - start) * MAP_W / t->row_bytes), x1 = (int)((e - start) * MAP_W / t->row_bytes);
                int tiny = x0 == x1;
                if (tiny == pass) {
                    piece *p = &t->pieces[t->piece_count++];
                    *p = (piece){t->blocks[i].kind, MAP_X + x0, MAP_Y + (int)row * ROW_PITCH, tiny ? 1 : x1 - x0,
                                 ROW_H, tiny, 0};
                    p->edge = a == t->blocks[i].offset && p->w >= 3;
                }
                a = e;
            }
        }
    }
}

/* ---- reading the SVG ----------------------------------------------------------------- */

static int attr(const char *tag, const char *tag_end, const char *name, long *out)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(tag, key);
    if (p == NULL || p > tag_end) {
        return 0;
    }
    *out = strtol(p + strlen(key), NULL, 10);
    return 1;
}

/* Every <rect class="CLASS KIND" ...> in document order. */
static int svg_rects(const char *svg, const char *cls, piece *out, int max)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "<rect class=\"%s ", cls);
    int n = 0;
    for (const char *p = strstr(svg, prefix); p != NULL; p = strstr(p + 1, prefix)) {
        ck_assert_int_lt(n, max);
        const char *end = strchr(p, '>');
        const char *kind = p + strlen(prefix);
        piece *r = &out[n++];
        memset(r, 0, sizeof *r);
        r->kind = -1;
        for (int k = 0; k < 4; k++) {
            size_t len = strlen(kind_name[k]);
            if (strncmp(kind, kind_name[k], len) == 0 && kind[len] == '"') {
                r->kind = k;
            }
        }
        long x, y, w, h;
        ck_assert(attr(p, end, "x", &x) && attr(p, end, "y", &y) && attr(p, end, "width", &w) &&
                  attr(p, end, "height", &h));
        r->x = (int)x;
        r->y = (int)y;
        r->w = (int)w;
        r->h = (int)h;
    }
    return n;
}

static void check_svg(const char *path, truth *t)
{
    size_t len;
    char *svg = slurp(path, &len);
    static piece got[4096 + ROWS];
    int n = svg_rects(svg, "block", got, 4096 + ROWS);
    int per_kind_got[4] = {0}, per_kind_want[4] = {0};
    for (int i = 0; i < n; i++) {
        per_kind_got[got[i].kind]++;
    }
    for (int i = 0; i < t->piece_count; i++) {
        per_kind_want[t->pieces[i].kind]++;
    }
    for (int k = 0; k < 4; k++) {
        ck_assert_msg(per_kind_got[k] == per_kind_want[k], "%s rectangles: %d, expected %d", kind_name[k],
                      per_kind_got[k], per_kind_want[k]);
    }
    ck_assert_int_eq(n, t->piece_count);
    for (int i = 0; i < n; i++) {
        const piece *w = &t->pieces[i], *g = &got[i];
        ck_assert_msg(g->kind == w->kind && g->x == w->x && g->y == w->y && g->w == w->w && g->h == w->h,
                      "rectangle %d: %s x=%d y=%d w=%d h=%d, expected %s x=%d y=%d w=%d h=%d", i, kind_name[g->kind],
                      g->x, g->y, g->w, g->h, kind_name[w->kind], w->x, w->y, w->w, w->h);
    }
    /* the edges of blocks wide enough, in the same order */
    int edges = svg_rects(svg, "edge", got, 4096 + ROWS), e = 0;
    for (int i = 0; i < t->piece_count; i++) {
        if (t->pieces[i].edge) {
            ck_assert_int_lt(e, edges);
            ck_assert(got[e].kind == t->pieces[i].kind && got[e].x == t->pieces[i].x &&
                      got[e].y == t->pieces[i].y && got[e].w == 1);
            e++;
        }
    }
    ck_assert_int_eq(e, edges);
    /* the svg says how big it is */
    char size[64];
    snprintf(size, sizeof size, "width=\"%d\" height=\"%d\"", WIDTH, MAP_Y + t->rows * ROW_PITCH - 6 + MARGIN);
    ck_assert_ptr_nonnull(strstr(svg, size));
    free(svg);
}

/* ---- reading the PNG ------------------------------------------------------------------- */

#ifdef TEST_DUMP_VIEW_PNG
/* 0xRRGGBB of an RGB picture WIDTH pixels wide. */
static uint32_t pixel(const uint8_t *px, int x, int y)
{
    const uint8_t *p = px + ((size_t)y * WIDTH + (size_t)x) * 3;
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void check_png(const char *path, truth *t)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    ck_assert_msg(png_image_begin_read_from_file(&img, path), "%s: %s", path, img.message);
    img.format = PNG_FORMAT_RGB;
    int h = MAP_Y + t->rows * ROW_PITCH - 6 + MARGIN;
    ck_assert_uint_eq(img.width, WIDTH);
    ck_assert_uint_eq(img.height, (unsigned)h);
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    ck_assert(png_image_finish_read(&img, NULL, px, 0, NULL));
#define AT(x, y) pixel(px, x, y)
    /* the map, row by row: paint the expected pieces on a blank row and
     * compare every pixel of the row's extent */
    uint32_t row_px[MAP_W];
    long checked = 0;
    for (int r = 0; r < t->rows; r++) {
        uint64_t bytes = t->capacity - (uint64_t)r * t->row_bytes;
        int extent = (int)((bytes < t->row_bytes ? bytes : t->row_bytes) * MAP_W / t->row_bytes);
        for (int x = 0; x < MAP_W; x++) {
            row_px[x] = BACKGROUND;
        }
        for (int i = 0; i < t->piece_count; i++) {
            const piece *p = &t->pieces[i];
            if (p->y != MAP_Y + r * ROW_PITCH) {
                continue;
            }
            for (int x = p->x; x < p->x + p->w; x++) {
                row_px[x - MAP_X] = kind_rgb[p->kind];
            }
            if (p->edge) {
                row_px[p->x - MAP_X] = edge_rgb(kind_rgb[p->kind]);
            }
        }
        int y0 = MAP_Y + r * ROW_PITCH;
        for (int y = y0; y < y0 + ROW_H; y++) {
            for (int x = 0; x < extent; x++) {
                ck_assert_msg(AT(MAP_X + x, y) == row_px[x], "pixel (%d, %d) is #%06X, expected #%06X", MAP_X + x,
                              y, AT(MAP_X + x, y), row_px[x]);
                checked++;
            }
            /* the frame just outside the row */
            ck_assert_uint_eq(AT(MAP_X - 1, y), FRAME);
            ck_assert_uint_eq(AT(MAP_X + extent, y), FRAME);
        }
    }
    ck_assert_int_gt(checked, (long)ROW_H * MAP_W * (t->rows - 1));
    /* the legend's swatches */
    for (int k = 0; k < 4; k++) {
        int line = k == 0 ? 1 : k == 2 ? 2 : k == 1 ? 3 : 4; /* live, pending, free, moving */
        ck_assert_uint_eq(AT(MARGIN + 6, MARGIN + line * 16 + 8), kind_rgb[k]);
    }
#undef AT
    free(px);
}
#endif

/* ---- the tests -------------------------------------------------------------------------- */

/* A megabuffer of 1 MiB with allocations of 16 bytes to 20 KiB: every third
 * freed and collected (free blocks), every fifth of the rest freed in the
 * current frame (pending). */
static glbuf_mega fragmented_megabuffer(truth *t)
{
    glbuf_mega_desc d = {0};
    d.capacity = 1u << 20;
    d.growth = GLBUF_MEGA_GROW_NONE;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    glbuf_mega_range r[600];
    int n = 0;
    uint64_t x = 12345;
    for (; n < 600; n++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t size = (x >> 33) % 3 == 0 ? 16 : 16 + (x >> 40) % (20u << 10);
        if (glbuf_mega_alloc(fx_ctx, m, size, 0, &r[n], NULL) != GLBUF_OK) {
            break;
        }
        if (glbuf_mega_get_stats(fx_ctx, m).used_bytes > (700u << 10)) {
            n++;
            break;
        }
    }
    for (int i = 0; i < n; i += 3) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_collect(fx_ctx, m), GLBUF_OK);
    for (int i = 1; i < n; i += 5) {
        if (i % 3 != 0) {
            ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
        }
    }
    /* Moves in flight (a slow GPU: none lands): their destinations show. */
    fx_simulate_slow_gpu(1);
    glbuf_mega_defrag_report rep;
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 64u << 10, NULL, NULL, &rep), GLBUF_OK);
    fx_simulate_slow_gpu(0);
    ck_assert_uint_gt(rep.moves_in_flight, 0);
    memset(t, 0, sizeof *t);
    t->capacity = glbuf_mega_get_stats(fx_ctx, m).capacity;
    ck_assert_int_eq(glbuf_mega_for_each_block(fx_ctx, m, gather, t), GLBUF_OK);
    return m;
}

static void dump_to(glbuf_mega m, const char *path)
{
    size_t len = 0;
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, NULL, 0, &len), GLBUF_ERR_TOO_LARGE);
    char *json = malloc(len + 1);
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, json, len + 1, &len), GLBUF_OK);
    write_file(path, json);
    free(json);
}

START_TEST(svg_and_png_show_every_block_of_a_real_megabuffer)
{
    static truth t;
    glbuf_mega m = fragmented_megabuffer(&t);
    char json[600], svg[600], png[600];
    path_of(json, sizeof json, "mega.json");
    path_of(svg, sizeof svg, "mega.svg");
    path_of(png, sizeof png, "mega.png");
    dump_to(m, json);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    remove(svg);
    remove(png);

    expect_pieces(&t);
    int kinds[4] = {0}, tiny = 0, split = 0;
    for (int i = 0; i < t.count; i++) {
        kinds[t.blocks[i].kind]++;
        uint64_t first_row = t.blocks[i].offset / t.row_bytes;
        split += (t.blocks[i].offset + t.blocks[i].size - 1) / t.row_bytes != first_row;
    }
    for (int i = 0; i < t.piece_count; i++) {
        tiny += t.pieces[i].tiny;
    }
    /* the picture has something of everything to get right */
    ck_assert_int_gt(kinds[GLBUF_MEGA_BLOCK_LIVE], 10);
    ck_assert_int_gt(kinds[GLBUF_MEGA_BLOCK_PENDING], 3);
    ck_assert_int_gt(kinds[GLBUF_MEGA_BLOCK_FREE], 3);
    ck_assert_int_gt(kinds[GLBUF_MEGA_BLOCK_MOVING], 0);
    ck_assert_int_gt(tiny, 3);
    ck_assert_int_ge(split, 2);

    const char *args[] = {json, "--svg", svg, "--png", png, "--width", "1000", "--rows", "4", NULL};
#ifdef TEST_DUMP_VIEW_PNG
    ck_assert_int_eq(run_tool(args), 0);
    check_png(png, &t);
#else
    ck_assert_int_eq(run_tool(args), 3); /* no PNG in this build: nothing written */
    ck_assert(!exists(svg));
    args[3] = NULL;
    ck_assert_int_eq(run_tool(args), 0);
#endif
    check_svg(svg, &t);
}
END_TEST

START_TEST(malformed_dumps_are_refused_and_leave_no_picture)
{
    static const char *const bad[] = {
        "",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":[",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16}",
        "{\"capacity\":0,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":[]}",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":"
        "[{\"kind\":\"used\",\"offset\":0,\"size\":10,\"frame\":0}]}",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":"
        "[{\"kind\":\"live\",\"offset\":0,\"size\":60,\"frame\":0},{\"kind\":\"free\",\"offset\":50,\"size\":50}]}",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":"
        "[{\"kind\":\"live\",\"offset\":90,\"size\":20,\"frame\":0}]}",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":"
        "[{\"kind\":\"live\",\"offset\":10,\"size\":0,\"frame\":0}]}",
        "{\"capacity\":-100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":[]}",
        "{\"capacity\":1.5,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":[]}",
        "{\"capacity\":18446744073709551616,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":[]}",
        "{\"capacity\":100,\"name\":1,\"generation\":0,\"alignment\":16,\"blocks\":[]} trailing",
    };
    char json[600], svg[600];
    path_of(json, sizeof json, "bad.json");
    path_of(svg, sizeof svg, "bad.svg");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(json, bad[i]);
        remove(svg);
        const char *args[] = {json, "--svg", svg, NULL};
        ck_assert_msg(run_tool(args) == 1, "dump %zu accepted: %s", i, bad[i]);
        ck_assert_msg(!exists(svg), "dump %zu left a picture", i);
    }
    /* a well-formed one with keys in another order and an unknown key passes */
    write_file(json, "{\"blocks\":[{\"size\":100,\"kind\":\"free\",\"offset\":0,\"extra\":[1,{\"a\":null}]}],"
                     "\"alignment\":16,\"generation\":2,\"name\":7,\"capacity\":100,\"note\":\"x\\\"y\"}");
    const char *args[] = {json, "--svg", svg, NULL};
    ck_assert_int_eq(run_tool(args), 0);
    ck_assert(exists(svg));
    /* bad usage */
    const char *no_input[] = {"--svg", svg, NULL};
    ck_assert_int_eq(run_tool(no_input), 2);
    const char *narrow[] = {json, "--width", "10", NULL};
    ck_assert_int_eq(run_tool(narrow), 2);
}
END_TEST

static void add_gl_tests(TCase *tc)
{
    tcase_add_test(tc, svg_and_png_show_every_block_of_a_real_megabuffer);
}

int main(void)
{
    /* One directory per profile: CTest runs the profiles of a suite in
     * parallel, and a picture left by another run must not pass for ours. */
    const char *profile = getenv("GLBUF_TEST_GL");
    mkdir(GLBUF_DUMP_VIEW_OUT_DIR, 0755);
    snprintf(out_dir, sizeof out_dir, "%s/gl%s", GLBUF_DUMP_VIEW_OUT_DIR, profile ? profile : "default");
    mkdir(out_dir, 0755);
    Suite *s = suite_create("dump_view");
    fx_add_tcases(s, "dump_view", add_gl_tests, 0);
    TCase *tc = tcase_create("input");
    tcase_add_test(tc, malformed_dumps_are_refused_and_leave_no_picture);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
