/* view_layout.c - the vertices of one frame of the view: rectangles and text
 * in the font atlas (one triangle list), the figures panel with the
 * frame-time trace at the top left, and one section per source along the
 * bottom (view.h, Layout). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "font.h"
#include "view_internal.h"

#define MARGIN 6 /* pixels between the framebuffer's edge and a panel */

static const uint32_t white = 0xF2F5FFFFu, dim = 0x9EA8C7FFu, panel = 0x0505109Eu;

/* ---- primitives ------------------------------------------------------------------------ */

static int reserve(glbuf_view *v, uint32_t more)
{
    if (v->out_of_memory) {
        return 0;
    }
    if (v->count + more <= v->capacity) {
        return 1;
    }
    uint32_t cap = v->capacity;
    while (cap < v->count + more) {
        cap *= 2;
    }
    view_vertex *n = glbuf_view_alloc(v, sizeof *n * cap);
    if (n == NULL) {
        v->out_of_memory = 1;
        return 0;
    }
    memcpy(n, v->verts, sizeof *n * v->count);
    glbuf_view_free(v, v->verts);
    v->verts = n;
    v->capacity = cap;
    return 1;
}

static void quad_uv(glbuf_view *v, float x, float y, float w, float h, float u, float t, float uw, float th,
                    uint32_t c)
{
    if (!reserve(v, 6)) {
        return;
    }
    const float px[6] = {x, x + w, x + w, x, x + w, x};
    const float py[6] = {y, y, y + h, y, y + h, y + h};
    const float pu[6] = {u, u + uw, u + uw, u, u + uw, u};
    const float pt[6] = {t, t, t + th, t, t + th, t + th};
    for (int k = 0; k < 6; k++) {
        view_vertex *p = &v->verts[v->count++];
        p->x = px[k];
        p->y = py[k];
        p->u = pu[k];
        p->v = pt[k];
        p->rgba[0] = (uint8_t)(c >> 24);
        p->rgba[1] = (uint8_t)(c >> 16);
        p->rgba[2] = (uint8_t)(c >> 8);
        p->rgba[3] = (uint8_t)c;
    }
}

void glbuf_view_rect(glbuf_view *v, float x, float y, float w, float h, uint32_t rgba)
{
    /* The middle of the solid cell: every sample is lit. */
    float u = (float)(FONT_SOLID * FONT_CELL_W) + 3.0f;
    quad_uv(v, x, y, w, h, u, 4.0f, 0.0f, 0.0f, rgba);
}

float glbuf_view_text_at(glbuf_view *v, float x, float y, uint32_t rgba, const char *text)
{
    float s = (float)v->scale;
    for (const char *p = text; *p; p++) {
        if (*p != ' ') {
            float u = (float)(glbuf_font_cell(*p) * FONT_CELL_W);
            quad_uv(v, x, y, FONT_CELL_W * s, FONT_CELL_H * s, u, 0.0f, FONT_CELL_W, FONT_CELL_H, rgba);
        }
        x += FONT_CELL_W * s;
    }
    return x;
}

#if defined(__GNUC__) || defined(__clang__)
static float textf(glbuf_view *v, float x, float y, uint32_t rgba, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#endif
static float textf(glbuf_view *v, float x, float y, uint32_t rgba, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return glbuf_view_text_at(v, x, y, rgba, buf);
}

void glbuf_view_bytes(char *out, size_t n, uint64_t bytes)
{
    if (bytes >= ((uint64_t)1 << 30)) {
        snprintf(out, n, "%.2f GiB", (double)bytes / 1073741824.0);
    } else if (bytes >= ((uint64_t)1 << 20)) {
        snprintf(out, n, "%.2f MiB", (double)bytes / 1048576.0);
    } else {
        snprintf(out, n, "%.1f KiB", (double)bytes / 1024.0);
    }
}

/* Rewrites the rectangle whose 6 vertices start at `at`: panels are sized
 * after their contents are laid out, and drawn under them. */
static void resize_rect(glbuf_view *v, uint32_t at, float x, float y, float w, float h)
{
    const float px[6] = {x, x + w, x + w, x, x + w, x};
    const float py[6] = {y, y, y + h, y, y + h, y + h};
    for (uint32_t k = 0; k < 6 && at + k < v->count; k++) {
        v->verts[at + k].x = px[k];
        v->verts[at + k].y = py[k];
    }
}

/* ---- the figures panel --------------------------------------------------------------- */

static float max_f(float a, float b)
{
    return a > b ? a : b;
}

static void figures(glbuf_view *v, int width)
{
    float s = (float)v->scale, lh = (float)((FONT_CELL_H + 3) * v->scale), cw = FONT_CELL_W * s;
    float pad = 4.0f * s, x = MARGIN + pad, y = MARGIN + pad, right = x;
    int compact = width < 700;
    uint32_t panel_at = v->count;
    glbuf_view_rect(v, 0, 0, 0, 0, panel);
    char up[32];
    glbuf_view_bytes(up, sizeof up, (uint64_t)(v->bytes_per_frame + 0.5));
    double fps = v->frame_ms > 0.0 ? 1000.0 / v->frame_ms : 0.0;
    if (compact) {
        right = max_f(right, textf(v, x, y, white, "%.2f ms  glbuf GL calls %.1f", v->frame_ms, v->calls_per_frame));
        y += lh;
        right = max_f(right, textf(v, x, y, white, "up %s/f  bufs %llu", up,
                                   (unsigned long long)v->last_stats.buffers_alive));
        y += lh;
    } else {
        float tx = glbuf_view_text_at(v, x, y, white, "glbuf");
        right = max_f(right, glbuf_view_text_at(v, tx + cw, y, dim, v->renderer));
        y += lh;
        right = max_f(right, textf(v, x, y, white, "frame %6.2f ms %5.0f fps   glbuf GL calls/frame %7.1f",
                                   v->frame_ms, fps, v->calls_per_frame));
        y += lh;
        right = max_f(right, textf(v, x, y, white,
                                   "uploaded %s/frame   buffers %llu   fence waits/frame %.1f   GL errors %llu", up,
                                   (unsigned long long)v->last_stats.buffers_alive, v->waits_per_frame,
                                   (unsigned long long)v->last_stats.gl_errors));
        y += lh;
    }
    for (uint32_t i = 0; i < v->line_count; i++) {
        right = max_f(right, glbuf_view_text_at(v, x, y, v->lines[i].rgba, v->lines[i].text));
        y += lh;
    }
    /* The panel fits its widest line, within the framebuffer. */
    float pw = right - MARGIN + pad;
    pw = max_f(pw, (compact ? 30.0f : 60.0f) * cw);
    if (pw > (float)width - 2.0f * MARGIN) {
        pw = (float)width - 2.0f * MARGIN;
    }
    if (!(v->hide & GLBUF_VIEW_HIDE_TRACE)) {
        /* Scaled to 2.5x the mean (at least 33 ms): spikes (growth) clip at
         * the top instead of flattening the rest. */
        float gh = compact ? 12.0f : 16.0f * s, gw = pw - 2.0f * pad, sum = 0.0f;
        int samples = 0;
        for (int i = 0; i < VIEW_HISTORY; i++) {
            sum += v->history_ms[i];
            samples += v->history_ms[i] > 0.0f;
        }
        float top = samples ? 2.5f * sum / (float)samples : 0.0f;
        top = top < 33.3f ? 33.3f : top;
        if (!compact) {
            textf(v, x, y, dim, "frame ms, last %d frames, top %.0f ms", VIEW_HISTORY, top);
            y += lh;
        }
        glbuf_view_rect(v, x, y + gh, gw, 1.0f, 0xFFFFFF26u);
        float bw = gw / VIEW_HISTORY;
        for (uint32_t i = 0; i < VIEW_HISTORY; i++) {
            uint32_t k = (v->history_head + i) % VIEW_HISTORY;
            float h = v->history_ms[k] / top * gh;
            h = h > gh ? gh : h;
            if (h > 0.0f) {
                glbuf_view_rect(v, x + (float)i * bw, y + gh - h, bw > 1.5f ? bw - 0.5f : bw, h, v->history_rgba[k]);
            }
        }
        y += gh + 1.0f;
    }
    resize_rect(v, panel_at, MARGIN, MARGIN, pw, y + pad - MARGIN);
}

/* ---- the sources, stacked along the bottom ----------------------------------------- */

static void sources(glbuf_view *v, int width, int height)
{
    int s = v->scale, lh = (FONT_CELL_H + 3) * s, pad = 4 * s;
    uint32_t rows = v->map_rows ? v->map_rows : (height >= 500 ? 3u : 2u);
    int row_h = v->map_row_height ? (int)v->map_row_height : (height >= 500 ? 14 : 6);
    int pitch = row_h + 2, block = (int)rows * pitch - 2;
    int x = MARGIN + pad, w = width - 2 * (MARGIN + pad);
    if (w < 1) {
        w = 1;
    }
    /* Bottom up: the last source lowest. */
    int bottom = height - MARGIN - pad;
    int section = lh + block + pad;
    int top = bottom - (int)v->source_count * section + pad;
    glbuf_view_rect(v, MARGIN, (float)(top - pad), (float)(width - 2 * MARGIN), (float)(height - MARGIN - top + pad),
                    panel);
    int legend_drawn = 0;
    for (uint32_t i = 0; i < v->source_count; i++) {
        view_source *src = &v->sources[i];
        int title_y = top + (int)i * section;
        glbuf_view_map_rect r;
        memset(&r, 0, sizeof r);
        r.x = x;
        r.y = title_y + lh;
        r.width = w;
        r.row_height = row_h;
        r.row_pitch = pitch;
        r.rows = rows;
        char fig[160] = "";
        glbuf_view_map(v, src, &r, fig, sizeof fig);
        float tx = glbuf_view_text_at(v, (float)x, (float)title_y, white, src->title);
        tx = glbuf_view_text_at(v, tx + (float)(FONT_CELL_W * s), (float)title_y, dim, fig);
        /* The legend at the right end of the first title line it fits on. */
        float lx = (float)(x + w) - glbuf_view_legend(NULL, 0.0f, 0.0f, (float)lh);
        if (!legend_drawn && !(v->hide & GLBUF_VIEW_HIDE_LEGEND) && lx >= tx + 2.0f * (float)(FONT_CELL_W * s)) {
            glbuf_view_legend(v, lx, (float)title_y, (float)lh);
            legend_drawn = 1;
        }
        src->rect = r;
        src->drawn = 1;
    }
}

int glbuf_view_layout(glbuf_view *v, int width, int height)
{
    v->count = 0;
    v->out_of_memory = 0;
    v->scale = v->text_scale ? v->text_scale : (width >= 1000 && height >= 560 ? 2 : 1);
    if (!(v->hide & GLBUF_VIEW_HIDE_FIGURES)) {
        figures(v, width);
    }
    if (v->source_count > 0) {
        sources(v, width, height);
    }
    return !v->out_of_memory;
}
