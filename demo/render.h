/* render.h - the scene's GL side: a soft background, glowing additive shapes
 * (instanced, drawn by the strategy) and trails; per-frame data through the
 * stream ring. */
#ifndef DEMO_RENDER_H
#define DEMO_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/stream.h"
#include "scene.h"
#include "strategies.h"

typedef struct render render;

/* Needs the demo's GL functions loaded. NULL with the reason in why. */
render *render_create(char *why, size_t why_size);
void render_destroy(render *r);

/* Clears the bound framebuffer (width x height), draws the background, the
 * trails and, through the strategy, the shapes. *stream_bytes gets the bytes
 * streamed. */
glbuf_result render_scene(render *r, const demo_scene *scene, strategy *strat, glbuf_ctx *ctx, glbuf_stream stream,
                          int width, int height, demo_gl_counts *counts, uint64_t *stream_bytes);

#endif /* DEMO_RENDER_H */
