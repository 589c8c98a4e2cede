/* hud.h - what the demo adds to glbuf's memory view (glbuf/view.h): its own
 * figures, the strategy's name in its colour, the keys or the help, as the
 * view's text lines of the next draw. */
#ifndef DEMO_HUD_H
#define DEMO_HUD_H

#include <stdint.h>

#include "glbuf/view.h"
#include "strategies.h"

typedef struct demo_hud {
    demo_strategy_kind strategy;
    double frame_ms;              /* smoothed */
    double glbuf_calls;           /* per frame, smoothed */
    double draw_calls, app_calls; /* per frame, smoothed */
    uint32_t shapes;
    uint32_t born, died, morphed; /* this frame */
    uint64_t stream_bytes;        /* bytes streamed this frame */
    demo_memory memory;
    int paused, help;
} demo_hud;

/* 0xRRGGBBAA per strategy: its lines, and its frames in the view's trace. */
extern const uint32_t strategy_rgba[STRATEGY_COUNT];

/* Queues the demo's lines in the view for its next draw. */
void hud_lines(glbuf_view *view, const demo_hud *h);

#endif /* DEMO_HUD_H */
