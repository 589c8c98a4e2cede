/* picture.h - the two outputs of glbuf-dump-view, both drawn from one layout
 * (layout.h): an SVG document and, when built with libpng, a PNG. */
#ifndef GLBUF_DUMP_VIEW_PICTURE_H
#define GLBUF_DUMP_VIEW_PICTURE_H

#include <stddef.h>
#include <stdio.h>

#include "dump.h"
#include "layout.h"

/* Writes the SVG to f. Every block piece is one element
 *   <rect class="block KIND" x= y= width= height= fill= data-block=INDEX
 *         data-offset= data-size= data-frame=><title>...</title></rect>
 * (KIND live, pending or free; pieces in painting order); the legend's
 * swatches are class "swatch KIND", the row frames class "row". `title`
 * (may be NULL) names the picture. Returns 0 on a write error. */
int picture_write_svg(FILE *f, const dump *d, const layout *l, const char *title);

/* Whether this build can write PNG files. */
int picture_has_png(void);

/* Rasterises the same picture (text in the programs' 5x7 bitmap font) and
 * writes it as an RGBA PNG. Returns 1, or 0 with the reason in why (and no
 * file left behind). */
int picture_write_png(const char *path, const dump *d, const layout *l, char *why, size_t why_size);

#endif /* GLBUF_DUMP_VIEW_PICTURE_H */
