/* overlay.h - the overlay drawn over the scene: the live figures, a frame-time
 * trace coloured by strategy, the keys, and the memory map of the strategy's
 * buffers (every allocation and free block in offset order, coloured by age,
 * so that fragmentation, growth and compaction show as they happen). Text in
 * the demo's own bitmap font (font.h); everything in one draw call whose
 * vertices go through the stream ring. */
#ifndef DEMO_OVERLAY_H
#define DEMO_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/stream.h"
#include "strategies.h"

#define HUD_HISTORY 240 /* frames in the frame-time trace */

/* What the overlay shows; main.c fills it each frame. */
typedef struct demo_hud {
    demo_strategy_kind strategy;
    const strategy *strat;        /* for the memory map */
    uint64_t frame;               /* glbuf frame, for block ages */
    double frame_ms;              /* smoothed */
    double glbuf_calls;           /* per frame, smoothed */
    double draw_calls, app_calls; /* per frame, smoothed */
    uint32_t shapes;
    uint32_t born, died, morphed; /* this frame */
    uint64_t stream_bytes;        /* bytes streamed this frame */
    demo_memory memory;
    int paused, help;
    float history_ms[HUD_HISTORY];
    uint8_t history_strategy[HUD_HISTORY];
    uint32_t history_head;        /* next sample index */
    const char *renderer;
} demo_hud;

typedef struct overlay overlay;

/* Needs the demo's GL functions loaded. NULL with the reason in why. */
overlay *overlay_create(char *why, size_t why_size);
void overlay_destroy(overlay *o);

/* Lays out and draws the whole overlay over a width x height framebuffer
 * (already bound). */
glbuf_result overlay_draw(overlay *o, const demo_hud *hud, int width, int height, glbuf_ctx *ctx,
                          glbuf_stream stream, demo_gl_counts *counts);

#endif /* DEMO_OVERLAY_H */
