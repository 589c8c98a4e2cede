/* png_out.c - the PNG picture of a dump (picture.h): the layout rasterised
 * into RGBA pixels, text in the programs' bitmap font (font.h), written with
 * the programs' libpng writer (png_write.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "picture.h"

#ifdef GLBUF_DUMP_VIEW_PNG
#include "font.h"
#include "png_write.h"

typedef struct canvas {
    uint8_t *px; /* RGBA, rows top to bottom */
    int w, h;
    uint8_t atlas[FONT_ATLAS_W * FONT_ATLAS_H];
} canvas;

static void fill(canvas *c, int x, int y, int w, int h, uint32_t rgb)
{
    for (int j = y < 0 ? 0 : y; j < y + h && j < c->h; j++) {
        for (int i = x < 0 ? 0 : x; i < x + w && i < c->w; i++) {
            uint8_t *p = c->px + ((size_t)j * (size_t)c->w + (size_t)i) * 4;
            p[0] = (uint8_t)(rgb >> 16);
            p[1] = (uint8_t)(rgb >> 8);
            p[2] = (uint8_t)rgb;
            p[3] = 255;
        }
    }
}

/* Text whose cells' top-left corner is (x, y). */
static void text(canvas *c, int x, int y, const char *s, uint32_t rgb)
{
    for (; *s != '\0'; s++, x += FONT_CELL_W) {
        int cell = glbuf_font_cell(*s);
        for (int j = 0; j < FONT_CELL_H; j++) {
            for (int i = 0; i < FONT_CELL_W; i++) {
                if (c->atlas[j * FONT_ATLAS_W + cell * FONT_CELL_W + i]) {
                    fill(c, x + i, y + j, 1, 1, rgb);
                }
            }
        }
    }
}

/* A 1-px frame just outside [x, x + w) x [y, y + h). */
static void frame(canvas *c, int x, int y, int w, int h, uint32_t rgb)
{
    fill(c, x - 1, y - 1, w + 2, 1, rgb);
    fill(c, x - 1, y + h, w + 2, 1, rgb);
    fill(c, x - 1, y, 1, h, rgb);
    fill(c, x + w, y, 1, h, rgb);
}

static void draw(canvas *c, const dump *d, const layout *l)
{
    fill(c, 0, 0, c->w, c->h, LAYOUT_BACKGROUND_RGB);
    for (int line = 0; line < LAYOUT_HEADER_LINES; line++) {
        char s[256];
        layout_header_line(d, l, line, s, sizeof s);
        int y = layout_line_y(line);
        int x = LAYOUT_MARGIN;
        if (line >= 1 && line <= DUMP_KINDS) {
            fill(c, x, y + 2, LAYOUT_SWATCH, LAYOUT_SWATCH, layout_kind_rgb[line - 1]);
            x += LAYOUT_SWATCH + 6;
        }
        text(c, x, y + 4, s, LAYOUT_TEXT_RGB);
    }
    for (int r = 0; r < l->rows; r++) {
        int y = layout_row_y(l, r);
        char s[32];
        snprintf(s, sizeof s, "0x%08llX", (unsigned long long)((uint64_t)r * l->row_bytes));
        text(c, LAYOUT_MARGIN, y + 6, s, LAYOUT_TEXT_RGB);
        frame(c, l->map_x, y, layout_row_w(l, d, r), LAYOUT_ROW_H, LAYOUT_FRAME_RGB);
    }
    for (size_t i = 0; i < l->count; i++) {
        const layout_piece *p = &l->pieces[i];
        fill(c, p->x, p->y, p->w, p->h, layout_kind_rgb[p->kind]);
        if (p->edge) {
            fill(c, p->x, p->y, 1, p->h, layout_edge_rgb(p->kind));
        }
    }
}
#endif /* GLBUF_DUMP_VIEW_PNG */

int picture_has_png(void)
{
#ifdef GLBUF_DUMP_VIEW_PNG
    return 1;
#else
    return 0;
#endif
}

int picture_write_png(const char *path, const dump *d, const layout *l, char *why, size_t why_size)
{
#ifdef GLBUF_DUMP_VIEW_PNG
    canvas *c = calloc(1, sizeof *c);
    if (c != NULL) {
        c->w = l->width;
        c->h = l->height;
        c->px = malloc((size_t)c->w * (size_t)c->h * 4);
    }
    if (c == NULL || c->px == NULL) {
        snprintf(why, why_size, "out of memory for a %dx%d picture", l->width, l->height);
        free(c);
        return 0;
    }
    glbuf_font_atlas(c->atlas);
    draw(c, d, l);
    int ok = rgba_png_write(path, c->px, c->w, c->h, (size_t)c->w * 4, 0, why, why_size);
    free(c->px);
    free(c);
    return ok;
#else
    (void)path;
    (void)d;
    (void)l;
    snprintf(why, why_size, "this glbuf-dump-view was built without libpng");
    return 0;
#endif
}
