/* view_target.h - what the memory view's tests draw into and read: a W x H
 * framebuffer object on the test's own GL table, its pixels, and a view of
 * the fixture's context. */
#ifndef GLBUF_TEST_VIEW_TARGET_H
#define GLBUF_TEST_VIEW_TARGET_H

#include <stdint.h>

#include "gl_fixture.h"
#include "glbuf/view.h"

enum { W = 800, H = 600 };

typedef struct target {
    GLuint fbo, colour;
    uint8_t *px; /* W x H RGBA, bottom row first (glReadPixels) */
} target;

/* A bound framebuffer cleared to magenta (0xFF00FFFF). */
target make_target(void);
void read_target(target *t);
void free_target(target *t);
/* The pixel at x, y (y down from the top, as the view lays out), 0xRRGGBBFF. */
uint32_t pixel(const target *t, int x, int y);
/* Within 1 per channel. */
int close_rgb(uint32_t a, uint32_t b);
/* Pixels of exactly `rgba` in [x0, x1) x [y0, y1). */
int count_colour(const target *t, uint32_t rgba, int x0, int y0, int x1, int y1);
/* A view of fx_ctx with the given hide bits (asserts success). */
glbuf_view *make_view(uint32_t hide);

#endif /* GLBUF_TEST_VIEW_TARGET_H */
