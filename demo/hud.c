/* hud.c - the demo's lines in glbuf's memory view (hud.h). */
#include "hud.h"

#include <stdio.h>

const uint32_t strategy_rgba[STRATEGY_COUNT] = {0xFF5966FFu, 0xFF9E40FFu, 0xFAE659FFu, 0x73F280FFu, 0x4DD9FFFFu};

static void human(char *out, size_t n, uint64_t bytes)
{
    if (bytes >= (1u << 20)) {
        snprintf(out, n, "%.2f MiB", (double)bytes / 1048576.0);
    } else {
        snprintf(out, n, "%.1f KiB", (double)bytes / 1024.0);
    }
}

void hud_lines(glbuf_view *view, const demo_hud *h)
{
    const uint32_t white = 0xF2F5FFFFu, dim = 0x9EA8C7FFu;
    char line[160], a[32], b[32];
    snprintf(line, sizeof line, "strategy [%d] %s%s", (int)h->strategy + 1, strategy_name(h->strategy),
             h->paused ? "   PAUSED" : "");
    glbuf_view_text(view, strategy_rgba[h->strategy], line);
    glbuf_view_text(view, dim, strategy_blurb(h->strategy));
    snprintf(line, sizeof line, "shapes %u  +%u -%u ~%u   draw calls/frame %.0f   app GL calls/frame %.0f", h->shapes,
             h->born, h->died, h->morphed, h->draw_calls, h->app_calls);
    glbuf_view_text(view, white, line);
    human(a, sizeof a, h->memory.used);
    human(b, sizeof b, h->memory.capacity);
    snprintf(line, sizeof line, "meshes %s / %s in %u GL buffer%s   growths %llu", a, b, h->memory.buffers,
             h->memory.buffers == 1 ? "" : "s", (unsigned long long)h->memory.growths);
    glbuf_view_text(view, white, line);
    human(a, sizeof a, h->stream_bytes);
    if (h->strategy == STRATEGY_MEGA || h->strategy == STRATEGY_POW2) {
        snprintf(line, sizeof line, "fragmentation %.3f%s   stream %s/frame", h->memory.fragmentation,
                 h->memory.compacting ? "  compacting..." : "", a);
    } else {
        snprintf(line, sizeof line, "fragmentation n/a (separate buffers)   stream %s/frame", a);
    }
    glbuf_view_text(view, white, line);
    if (!h->help) {
        glbuf_view_text(view, dim, "1-5 strategy  D defragment  B burst  Space pause  H help  Esc quit");
        return;
    }
    static const char *const help[] = {
        "1 per-resource   2 exact   3 pow2   4 pool   5 mega",
        "D  defragment (mega: budgeted compaction; pow2: repack)",
        "B  burst: 400 shapes born at once (watch growth)",
        "Space  pause the scene       H  hide this help",
        "Esc  quit (figures print on exit)",
        "glbuf GL calls: made by glbuf (glbuf_ctx_get_stats)",
        "draw calls: made by the demo itself",
    };
    for (size_t i = 0; i < sizeof help / sizeof help[0]; i++) {
        glbuf_view_text(view, i == 0 ? white : dim, help[i]);
    }
}
