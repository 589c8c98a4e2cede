/* layout.h - where glbuf-dump-view draws a dump, in pixels: one geometry for
 * the SVG and the PNG. This is the picture's specification (its test checks
 * the output against these rules):
 *
 *   W = the picture width (--width, default 1024); M = 16 px margin;
 *   header: 6 text lines of 16 px from y = M: the title, one line per kind
 *     (a 12 x 12 legend swatch at x = M, then the kind's blocks and bytes),
 *     and a summary (largest free block, free-space fragmentation);
 *   map: X0 = M + 72 (a gutter with each row's first offset in hex),
 *     MW = W - 2M - 72 pixels wide, from Y0 = M + 6 * 16 + 8 down;
 *     the address space [0, capacity) is cut into rows of
 *     RB = ceil(capacity / R) bytes (R = --rows, default 8), ceil(capacity /
 *     RB) rows, row r at y = Y0 + r * (20 + 6), 20 px high;
 *   a block is cut at row boundaries; its piece [a, b) in row r is the
 *     rectangle x = X0 + floor((a - r*RB) * MW / RB), width = X0 + floor((b -
 *     r*RB) * MW / RB) - x, or 1 where that is 0 (a block smaller than a
 *     pixel still shows); y and height those of the row;
 *   a piece that starts its block and is at least 3 px wide has its first
 *     column in the kind's edge colour (each channel * 3 / 5), so that
 *     neighbouring blocks of one kind stay apart;
 *   painting order: pieces at least 1 px wide in offset order (each with its
 *     edge), then the 1-px ones on top in offset order (tiny live blocks stay
 *     visible);
 *   a 1-px frame in FRAME_RGB just outside each row's extent, which is MW
 *     px except in a last row cut short by the capacity (floor((capacity -
 *     r*RB) * MW / RB) px there);
 *   H = Y0 + rows * 26 - 6 + M pixels high.
 * Colours: live, pending-free, free and moving blocks as below, on white. */
#ifndef GLBUF_DUMP_VIEW_LAYOUT_H
#define GLBUF_DUMP_VIEW_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "dump.h"

#define LAYOUT_MARGIN 16
#define LAYOUT_LINE_H 16
#define LAYOUT_HEADER_LINES 6
#define LAYOUT_SWATCH 12
#define LAYOUT_GUTTER 72
#define LAYOUT_ROW_H 20
#define LAYOUT_ROW_GAP 6
#define LAYOUT_DEFAULT_WIDTH 1024
#define LAYOUT_DEFAULT_ROWS 8
#define LAYOUT_MIN_WIDTH 320
#define LAYOUT_MAX_WIDTH 16384
#define LAYOUT_MAX_ROWS 1024

/* 0xRRGGBB */
#define LAYOUT_BACKGROUND_RGB 0xFFFFFFu
#define LAYOUT_TEXT_RGB 0x202020u
#define LAYOUT_FRAME_RGB 0x808080u
extern const uint32_t layout_kind_rgb[DUMP_KINDS]; /* live 0x4E79A7, pending 0xF28E2B, free 0xD4D4D4,
                                                                moving 0x59A14F */
/* The darker colour of a block's first column. */
uint32_t layout_edge_rgb(dump_kind kind);

typedef struct layout_piece {
    dump_kind kind;
    size_t block;   /* index in the dump */
    int row;
    int x, y, w, h; /* pixels */
    int tiny;       /* less than a pixel wide: drawn 1 px wide, on top */
    int edge;       /* starts its block and >= 3 px wide: column x in the edge colour */
} layout_piece;

typedef struct layout_stats {
    size_t blocks[DUMP_KINDS];
    uint64_t bytes[DUMP_KINDS];
    uint64_t uncovered;     /* bytes of [0, capacity) in no block */
    uint64_t largest_free;  /* bytes */
    double fragmentation;   /* 1 - largest_free / free bytes; 0 with no free bytes */
} layout_stats;

typedef struct layout {
    int width, height;
    int map_x, map_y, map_w, rows;
    uint64_t row_bytes;
    layout_piece *pieces; /* in painting order */
    size_t count;
    layout_stats stats;
} layout;

/* Lays out `d` at `width` px with at most `rows` rows. Returns 1, or 0 with
 * the reason in why (width or rows out of range, out of memory). */
int layout_make(const dump *d, int width, int rows, layout *out, char *why, size_t why_size);
void layout_free(layout *l);

/* y of the top of row r and its width in px; y of the top of header line i
 * (its text baseline is y + 12). */
int layout_row_y(const layout *l, int row);
int layout_row_w(const layout *l, const dump *d, int row);
int layout_line_y(int line);

/* The header's text lines (LAYOUT_HEADER_LINES of them), for both outputs. */
void layout_header_line(const dump *d, const layout *l, int line, char *out, size_t out_size);

#endif /* GLBUF_DUMP_VIEW_LAYOUT_H */
