/* overlay.c - the figures, the frame-time trace, the keys and the memory map,
 * batched into one draw (overlay.h). */
#include "overlay.h"

#include <glad/gl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "shader.h"

#define MAX_MAP_COLUMNS 8192
#define AGE_SPAN 360.0f /* frames from "just written" to "old" */

typedef struct ov_vertex {
    float x, y; /* pixels, y down */
    float u, v; /* atlas texels */
    uint8_t rgba[4];
} ov_vertex;

struct overlay {
    GLuint program, vao, font;
    GLint u_view;
    ov_vertex *verts;
    uint32_t count, capacity;
    int scale;
    /* memory map accumulation, one entry per map column */
    float (*col)[4]; /* r, g, b, coverage */
    uint8_t *edge;
};

static const char *const vs_src =
    "#version 450 core\n"
    "layout(location = 0) in vec2 p;\n"
    "layout(location = 1) in vec2 uv;\n"
    "layout(location = 2) in vec4 c;\n"
    "uniform vec2 u_view;\n"
    "out vec2 v_uv;\n"
    "out vec4 v_c;\n"
    "void main() {\n"
    "    v_uv = uv;\n"
    "    v_c = c;\n"
    "    gl_Position = vec4(p.x / u_view.x * 2.0 - 1.0, 1.0 - p.y / u_view.y * 2.0, 0.0, 1.0);\n"
    "}\n";

static const char *const fs_src =
    "#version 450 core\n"
    "uniform sampler2D u_font;\n"
    "in vec2 v_uv;\n"
    "in vec4 v_c;\n"
    "out vec4 o;\n"
    "void main() {\n"
    "    float lit = texelFetch(u_font, ivec2(v_uv), 0).r;\n"
    "    o = vec4(v_c.rgb, v_c.a * lit);\n"
    "}\n";

overlay *overlay_create(char *why, size_t why_size)
{
    overlay *o = calloc(1, sizeof *o);
    if (o == NULL) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    o->capacity = 65536;
    o->verts = malloc(sizeof *o->verts * o->capacity);
    o->col = malloc(sizeof *o->col * MAX_MAP_COLUMNS);
    o->edge = malloc(MAX_MAP_COLUMNS);
    if (!o->verts || !o->col || !o->edge) {
        snprintf(why, why_size, "out of memory");
        overlay_destroy(o);
        return NULL;
    }
    o->program = shader_program(vs_src, fs_src, why, why_size);
    if (o->program == 0) {
        overlay_destroy(o);
        return NULL;
    }
    o->u_view = glGetUniformLocation(o->program, "u_view");

    static uint8_t atlas[FONT_ATLAS_W * FONT_ATLAS_H];
    font_atlas(atlas);
    glCreateTextures(GL_TEXTURE_2D, 1, &o->font);
    glTextureStorage2D(o->font, 1, GL_R8, FONT_ATLAS_W, FONT_ATLAS_H);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTextureSubImage2D(o->font, 0, 0, 0, FONT_ATLAS_W, FONT_ATLAS_H, GL_RED, GL_UNSIGNED_BYTE, atlas);
    glTextureParameteri(o->font, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTextureParameteri(o->font, GL_TEXTURE_MAG_FILTER, GL_NEAREST);

    glCreateVertexArrays(1, &o->vao);
    glEnableVertexArrayAttrib(o->vao, 0);
    glEnableVertexArrayAttrib(o->vao, 1);
    glEnableVertexArrayAttrib(o->vao, 2);
    glVertexArrayAttribFormat(o->vao, 0, 2, GL_FLOAT, GL_FALSE, (GLuint)offsetof(ov_vertex, x));
    glVertexArrayAttribFormat(o->vao, 1, 2, GL_FLOAT, GL_FALSE, (GLuint)offsetof(ov_vertex, u));
    glVertexArrayAttribFormat(o->vao, 2, 4, GL_UNSIGNED_BYTE, GL_TRUE, (GLuint)offsetof(ov_vertex, rgba));
    for (GLuint a = 0; a < 3; a++) {
        glVertexArrayAttribBinding(o->vao, a, 0);
    }
    return o;
}

void overlay_destroy(overlay *o)
{
    if (o == NULL) {
        return;
    }
    glDeleteProgram(o->program);
    glDeleteTextures(1, &o->font);
    glDeleteVertexArrays(1, &o->vao);
    free(o->verts);
    free(o->col);
    free(o->edge);
    free(o);
}

/* ---- primitives --------------------------------------------------------- */

static uint32_t rgba(float r, float g, float b, float a)
{
    return (uint32_t)(r * 255.0f) << 24 | (uint32_t)(g * 255.0f) << 16 | (uint32_t)(b * 255.0f) << 8 |
           (uint32_t)(a * 255.0f);
}

static void quad_uv(overlay *o, float x, float y, float w, float h, float u, float v, float uw, float vh,
                    uint32_t c)
{
    if (o->count + 6 > o->capacity) {
        return; /* the overlay never needs this much; drop rather than fail */
    }
    const float px[6] = {x, x + w, x + w, x, x + w, x};
    const float py[6] = {y, y, y + h, y, y + h, y + h};
    const float pu[6] = {u, u + uw, u + uw, u, u + uw, u};
    const float pv[6] = {v, v, v + vh, v, v + vh, v + vh};
    for (int k = 0; k < 6; k++) {
        ov_vertex *p = &o->verts[o->count++];
        p->x = px[k];
        p->y = py[k];
        p->u = pu[k];
        p->v = pv[k];
        p->rgba[0] = (uint8_t)(c >> 24);
        p->rgba[1] = (uint8_t)(c >> 16);
        p->rgba[2] = (uint8_t)(c >> 8);
        p->rgba[3] = (uint8_t)c;
    }
}

static void rect(overlay *o, float x, float y, float w, float h, uint32_t c)
{
    /* The middle of the solid cell: every sample is lit. */
    float u = (float)(FONT_SOLID * FONT_CELL_W) + 3.0f;
    quad_uv(o, x, y, w, h, u, 4.0f, 0.0f, 0.0f, c);
}

/* Returns the x after the text. */
static float text(overlay *o, float x, float y, uint32_t c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    float s = (float)o->scale;
    for (const char *p = buf; *p; p++) {
        if (*p != ' ') {
            float u = (float)(font_cell(*p) * FONT_CELL_W);
            quad_uv(o, x, y, FONT_CELL_W * s, FONT_CELL_H * s, u, 0.0f, FONT_CELL_W, FONT_CELL_H, c);
        }
        x += FONT_CELL_W * s;
    }
    return x;
}

/* ---- memory map --------------------------------------------------------- */

typedef struct map_fill {
    overlay *o;
    double scale; /* columns per byte */
    uint32_t columns;
    uint64_t frame;
    uint32_t blocks;
} map_fill;

/* Young allocations glow white-cyan, then cool through violet to deep blue. */
static void age_colour(float age, float *c)
{
    static const float stops[4][3] = {{0.90f, 1.00f, 1.00f}, {0.15f, 0.80f, 1.00f}, {0.60f, 0.30f, 0.95f},
                                      {0.22f, 0.16f, 0.55f}};
    float t = age / AGE_SPAN;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float f = t * 3.0f;
    int i = f >= 3.0f ? 2 : (int)f;
    f -= (float)i;
    for (int k = 0; k < 3; k++) {
        c[k] = stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f;
    }
}

static const float free_colour[3] = {0.07f, 0.07f, 0.10f};
static const float pending_colour[3] = {1.00f, 0.42f, 0.12f};

static void map_block(void *user, demo_block_kind kind, uint64_t offset, uint64_t size, uint64_t frame)
{
    map_fill *m = user;
    float c[3];
    if (kind == BLOCK_LIVE) {
        age_colour((float)(m->frame > frame ? m->frame - frame : 0), c);
        m->blocks++;
    } else {
        memcpy(c, kind == BLOCK_FREE ? free_colour : pending_colour, sizeof c);
    }
    double a = (double)offset * m->scale, b = (double)(offset + size) * m->scale;
    if (b > m->columns) {
        b = m->columns;
    }
    uint32_t first = (uint32_t)a;
    if (kind == BLOCK_LIVE && b - a >= 3.0) {
        m->o->edge[first] = 1; /* a visible gap where a big block starts */
    }
    for (uint32_t col = first; col < m->columns && (double)col < b; col++) {
        double lo = a > col ? a : col, hi = b < col + 1.0 ? b : col + 1.0;
        float w = (float)(hi - lo);
        m->o->col[col][0] += c[0] * w;
        m->o->col[col][1] += c[1] * w;
        m->o->col[col][2] += c[2] * w;
        m->o->col[col][3] += w;
    }
}

/* The map in `rows` rows of w pixels (the buffer wraps like text). */
static uint32_t memory_map(overlay *o, const demo_hud *hud, float x, float y, float w, float row_h, int rows,
                           uint64_t capacity)
{
    uint32_t columns = (uint32_t)w * (uint32_t)rows;
    if (columns > MAX_MAP_COLUMNS) {
        columns = MAX_MAP_COLUMNS;
    }
    memset(o->col, 0, sizeof *o->col * columns);
    memset(o->edge, 0, columns);
    map_fill m = {o, capacity ? (double)columns / (double)capacity : 0.0, columns, hud->frame, 0};
    if (capacity > 0) {
        strategy_for_each_block(hud->strat, map_block, &m);
    }
    uint32_t per_row = (uint32_t)w;
    for (uint32_t col = 0; col < columns;) {
        /* Merge runs of one colour into one quad. */
        float c[3];
        float cov = o->col[col][3];
        for (int k = 0; k < 3; k++) {
            c[k] = cov > 0.0f ? o->col[col][k] / cov : free_colour[k] * 0.5f;
            if (o->edge[col]) {
                c[k] *= 0.35f;
            }
        }
        uint32_t colour = rgba(c[0], c[1], c[2], 1.0f), end = col + 1;
        while (end < columns && end % per_row != 0) {
            float cv = o->col[end][3];
            float d[3];
            for (int k = 0; k < 3; k++) {
                d[k] = cv > 0.0f ? o->col[end][k] / cv : free_colour[k] * 0.5f;
                if (o->edge[end]) {
                    d[k] *= 0.35f;
                }
            }
            if (rgba(d[0], d[1], d[2], 1.0f) != colour) {
                break;
            }
            end++;
        }
        uint32_t row = col / per_row;
        rect(o, x + (float)(col % per_row), y + (float)row * (row_h + 2.0f), (float)(end - col), row_h, colour);
        col = end;
    }
    return m.blocks;
}

/* ---- layout ------------------------------------------------------------- */

static const float strategy_colours[STRATEGY_COUNT][3] = {
    {1.00f, 0.35f, 0.40f}, {1.00f, 0.62f, 0.25f}, {0.98f, 0.90f, 0.35f}, {0.45f, 0.95f, 0.50f},
    {0.30f, 0.85f, 1.00f}};

static uint32_t strategy_colour(int k, float a)
{
    const float *c = strategy_colours[k % STRATEGY_COUNT];
    return rgba(c[0], c[1], c[2], a);
}

static void human(char *out, size_t n, uint64_t bytes)
{
    if (bytes >= (1u << 20)) {
        snprintf(out, n, "%.2f MiB", (double)bytes / 1048576.0);
    } else {
        snprintf(out, n, "%.1f KiB", (double)bytes / 1024.0);
    }
}

/* Rewrites the rectangle whose 6 vertices start at `at` (panels sized after
 * their contents were laid out, but drawn under them). */
static void resize_rect(overlay *o, uint32_t at, float x, float y, float w, float h)
{
    const float px[6] = {x, x + w, x + w, x, x + w, x};
    const float py[6] = {y, y, y + h, y, y + h, y + h};
    for (uint32_t k = 0; k < 6 && at + k < o->count; k++) {
        o->verts[at + k].x = px[k];
        o->verts[at + k].y = py[k];
    }
}

static void legend(overlay *o, float tx, float ty, float lh, int pow2, uint32_t dim)
{
    float s = (float)o->scale, cw = FONT_CELL_W * s, sw = cw * 1.5f;
    for (int k = 0; k < 8; k++) {
        float c[3];
        age_colour(AGE_SPAN * (float)k / 7.0f, c);
        rect(o, tx + (float)k * sw * 0.5f, ty, sw * 0.5f, lh - 3 * s, rgba(c[0], c[1], c[2], 1));
    }
    tx = text(o, tx + 4.5f * sw, ty, dim, "new..old");
    rect(o, tx + cw, ty, sw, lh - 3 * s, rgba(free_colour[0] * 2, free_colour[1] * 2, free_colour[2] * 2, 1));
    tx = text(o, tx + cw + sw + cw * 0.5f, ty, dim, "free");
    rect(o, tx + cw, ty, sw, lh - 3 * s, rgba(pending_colour[0], pending_colour[1], pending_colour[2], 1));
    text(o, tx + cw + sw + cw * 0.5f, ty, dim, pow2 ? "dead" : "pending free");
}

static void help_box(overlay *o, int width, int height, float lh, float pad, uint32_t white, uint32_t dim)
{
    static const char *const lines[] = {
        "keys",
        "1 per-resource   2 exact   3 pow2   4 pool   5 mega",
        "D  defragment (mega: budgeted compaction; pow2: repack)",
        "B  burst: 400 shapes born at once (watch growth)",
        "Space  pause the scene       H  this help",
        "Esc  quit (figures print on exit)",
        "",
        "glbuf GL calls: made by glbuf (glbuf_ctx_get_stats)",
        "draw calls: made by the demo itself",
    };
    float cw = FONT_CELL_W * (float)o->scale;
    int n = (int)(sizeof lines / sizeof lines[0]);
    float hw = 58 * cw + 2 * pad, hh = (float)n * lh + 2 * pad;
    float hx = ((float)width - hw) / 2.0f, hy = ((float)height - hh) / 2.0f;
    rect(o, hx, hy, hw, hh, rgba(0.03f, 0.03f, 0.08f, 0.9f));
    for (int i = 0; i < n; i++) {
        text(o, hx + pad, hy + pad + (float)i * lh, i == 0 ? white : dim, "%s", lines[i]);
    }
}

static void layout(overlay *o, const demo_hud *h, int width, int height)
{
    float s = (float)o->scale, lh = (FONT_CELL_H + 3) * s, cw = FONT_CELL_W * s;
    const uint32_t white = rgba(0.95f, 0.96f, 1.0f, 1.0f), dim = rgba(0.62f, 0.66f, 0.78f, 1.0f);
    const uint32_t panel = rgba(0.02f, 0.02f, 0.05f, 0.62f);
    int compact = width < 700;
    float pad = 4.0f * s, x = 6.0f + pad, y = 6.0f + pad;
    char a[32], b[32];
    human(a, sizeof a, h->memory.used);
    human(b, sizeof b, h->memory.capacity);

    /* Figures, top left. */
    uint32_t panel_at = o->count;
    rect(o, 0, 0, 0, 0, panel);
    float pw;
    if (compact) {
        float tx = text(o, x, y, strategy_colour((int)h->strategy, 1.0f), "[%d] %s", (int)h->strategy + 1,
                        strategy_name(h->strategy));
        text(o, tx + cw, y, white, "%.2f ms%s", h->frame_ms, h->paused ? " PAUSED" : "");
        y += lh;
        text(o, x, y, white, "glbuf calls %.1f  draws %.0f", h->glbuf_calls, h->draw_calls);
        y += lh;
        text(o, x, y, white, "%s / %s  grew %llu", a, b, (unsigned long long)h->memory.growths);
        y += lh;
        pw = 36 * cw + 2 * pad;
    } else {
        float tx = text(o, x, y, white, "glbuf");
        tx = text(o, tx + cw, y, dim, "strategy");
        tx = text(o, tx + cw, y, strategy_colour((int)h->strategy, 1.0f), "[%d] %s", (int)h->strategy + 1,
                  strategy_name(h->strategy));
        if (h->paused) {
            text(o, tx + 2 * cw, y, rgba(1.0f, 0.8f, 0.3f, 1.0f), "PAUSED");
        }
        y += lh;
        text(o, x, y, dim, "%s", strategy_blurb(h->strategy));
        y += lh * 1.3f;
        text(o, x, y, white, "frame %6.2f ms %5.0f fps   shapes %u  +%u -%u ~%u", h->frame_ms,
             h->frame_ms > 0 ? 1000.0 / h->frame_ms : 0.0, h->shapes, h->born, h->died, h->morphed);
        y += lh;
        text(o, x, y, white, "glbuf GL calls/frame %7.1f   draw calls/frame %6.0f", h->glbuf_calls,
             h->draw_calls);
        y += lh;
        text(o, x, y, white, "meshes %s / %s in %u GL buffer%s   growths %llu", a, b, h->memory.buffers,
             h->memory.buffers == 1 ? "" : "s", (unsigned long long)h->memory.growths);
        y += lh;
        human(a, sizeof a, h->stream_bytes);
        if (h->strategy == STRATEGY_MEGA || h->strategy == STRATEGY_POW2) {
            text(o, x, y, white, "fragmentation %.3f%s   stream %s/frame", h->memory.fragmentation,
                 h->memory.compacting ? "  compacting..." : "", a);
        } else {
            text(o, x, y, white, "fragmentation n/a (separate buffers)   stream %s/frame", a);
        }
        y += lh * 1.3f;
        pw = 72 * cw + 2 * pad;
    }
    if (pw > (float)width - 12.0f) {
        pw = (float)width - 12.0f;
    }

    /* Frame-time trace, coloured by the strategy of each frame. */
    /* Scaled to 2.5x the mean (at least 33 ms): spikes (growth, switches)
     * clip at the top instead of flattening the rest. */
    float gh = compact ? 12.0f : 16.0f * s, gw = pw - 2 * pad, sum = 0.0f, scale_ms;
    int samples = 0;
    for (int i = 0; i < HUD_HISTORY; i++) {
        sum += h->history_ms[i];
        samples += h->history_ms[i] > 0.0f;
    }
    scale_ms = samples ? 2.5f * sum / (float)samples : 0.0f;
    scale_ms = scale_ms < 33.3f ? 33.3f : scale_ms;
    if (!compact) {
        text(o, x, y, dim, "frame ms, last %d frames, top %.0f ms", HUD_HISTORY, scale_ms);
        y += lh;
    }
    rect(o, x, y + gh, gw, 1.0f, rgba(1, 1, 1, 0.15f));
    float bw = gw / HUD_HISTORY;
    for (int i = 0; i < HUD_HISTORY; i++) {
        uint32_t idx = (h->history_head + (uint32_t)i) % HUD_HISTORY;
        float v = h->history_ms[idx] / scale_ms * gh;
        v = v > gh ? gh : v;
        if (v > 0.0f) {
            rect(o, x + (float)i * bw, y + gh - v, bw > 1.5f ? bw - 0.5f : bw, v,
                 strategy_colour(h->history_strategy[idx], 0.85f));
        }
    }
    y += gh + 1.0f;
    resize_rect(o, panel_at, 6.0f, 6.0f, pw, y + pad - 6.0f);

    /* The memory map along the bottom. */
    int rows = height >= 500 ? 3 : 2;
    float row_h = height >= 500 ? 14.0f : 6.0f;
    float mw = (float)width - 2 * x;
    float my = (float)height - pad - 6.0f - (float)rows * (row_h + 2.0f);
    float ty = my - lh - 1.0f;
    float top = compact ? ty - pad : ty - lh - pad;
    rect(o, 6.0f, top, (float)width - 12.0f, (float)height - top - 6.0f, panel);
    if (!compact) {
        text(o, x, ty - lh, dim, "1-5 strategy  D defragment  B burst  Space pause  H help  Esc quit");
    }
    human(a, sizeof a, h->memory.capacity);
    const char *what = h->strategy == STRATEGY_MEGA   ? "megabuffer map"
                       : h->strategy == STRATEGY_POW2 ? "pow2 arena map"
                                                      : "buffers end to end";
    float tx = text(o, x, ty, white, "%s %s", what, a);
    if (!compact) {
        legend(o, tx + 2 * cw, ty, lh, h->strategy == STRATEGY_POW2, dim);
    }
    memory_map(o, h, x, my, mw, row_h, rows, h->memory.capacity);

    if (h->help) {
        help_box(o, width, height, lh, pad, white, dim);
    }
}

glbuf_result overlay_draw(overlay *o, const demo_hud *hud, int width, int height, glbuf_ctx *ctx,
                          glbuf_stream stream, demo_gl_counts *counts)
{
    o->count = 0;
    o->scale = width >= 1000 && height >= 560 ? 2 : 1;
    layout(o, hud, width, height);
    if (o->count == 0) {
        return GLBUF_OK;
    }
    glbuf_stream_allocation a;
    uint64_t bytes = (uint64_t)o->count * sizeof(ov_vertex);
    glbuf_result r = glbuf_stream_alloc(ctx, stream, bytes, 16, &a);
    if (r != GLBUF_OK) {
        return r;
    }
    memcpy(a.ptr, o->verts, (size_t)bytes);
    if ((r = glbuf_stream_flush(ctx, stream)) != GLBUF_OK) {
        return r;
    }
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    glUseProgram(o->program);
    glUniform2f(o->u_view, (float)width, (float)height);
    glBindTextureUnit(0, o->font);
    glBindVertexArray(o->vao);
    glVertexArrayVertexBuffer(o->vao, 0, a.name, (GLintptr)a.offset, sizeof(ov_vertex));
    glDrawArrays(GL_TRIANGLES, 0, (GLsizei)o->count);
    counts->calls += 8;
    counts->draws += 1;
    return GLBUF_OK;
}
