/* font.h - glbuf's own 5x7 bitmap font, ASCII 32..126, as an atlas (the
 * memory view's text, glbuf-dump-view's PNG). Internal to glbuf's programs
 * and to the view library; the functions carry the glbuf_ prefix because
 * they link into apps with the static view library. */
#ifndef GLBUF_TOOLS_FONT_H
#define GLBUF_TOOLS_FONT_H

#include <stdint.h>

/* Every glyph sits in a cell of FONT_CELL_W x FONT_CELL_H pixels (5x7 plus one
 * pixel of spacing right and below). The atlas is one row of cells: glyph c
 * (32..126) at cell c - 32; cell FONT_SOLID is a solid block used to draw
 * plain rectangles with the same texture. */
#define FONT_GLYPH_W 5
#define FONT_GLYPH_H 7
#define FONT_CELL_W 6
#define FONT_CELL_H 8
#define FONT_FIRST 32
#define FONT_SOLID 95 /* the cell after '~' */
#define FONT_CELLS 96
#define FONT_ATLAS_W (FONT_CELLS * FONT_CELL_W)
#define FONT_ATLAS_H FONT_CELL_H

/* The cell of a character; characters outside 32..126 show as '?'. */
int glbuf_font_cell(char c);

/* Fills FONT_ATLAS_W x FONT_ATLAS_H bytes (rows top to bottom), 255 where a
 * glyph pixel is lit, 0 elsewhere. */
void glbuf_font_atlas(uint8_t *out);

#endif /* GLBUF_TOOLS_FONT_H */
