/* view.c - glbuf_view's public API (view.h): creation, the sources, the app's
 * text lines, the frame's figures, the draw and the layout query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view_internal.h"

static void *default_alloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

void *glbuf_view_alloc(glbuf_view *v, size_t bytes)
{
    return v->allocator.alloc(bytes, v->allocator.user);
}

void glbuf_view_free(glbuf_view *v, void *p)
{
    if (p != NULL) {
        v->allocator.free(p, v->allocator.user);
    }
}

static double now_ms(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) {
        return 0.0;
    }
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

glbuf_result glbuf_view_create(glbuf_ctx *ctx, const glbuf_view_desc *desc, glbuf_view **out)
{
    if (ctx == NULL || desc == NULL || out == NULL || desc->get_proc_address == NULL) {
        return GLBUF_ERR_NULL;
    }
    if ((desc->allocator.alloc == NULL) != (desc->allocator.free == NULL) || desc->text_scale < 0 ||
        desc->text_scale > 4 || desc->map_rows > 16 || desc->map_row_height > 64 ||
        (desc->hide & ~(uint32_t)(GLBUF_VIEW_HIDE_FIGURES | GLBUF_VIEW_HIDE_TRACE | GLBUF_VIEW_HIDE_LEGEND)) != 0) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_allocator a = desc->allocator;
    if (a.alloc == NULL) {
        a.alloc = default_alloc;
        a.free = default_free;
    }
    glbuf_view *v = a.alloc(sizeof *v, a.user);
    if (v == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    memset(v, 0, sizeof *v);
    v->ctx = ctx;
    v->allocator = a;
    v->text_scale = desc->text_scale;
    v->map_rows = desc->map_rows;
    v->map_row_height = desc->map_row_height;
    v->hide = desc->hide;
    v->last_time_ms = -1.0;
    v->trace_rgba = 0x4DD9FFD9u;
    v->capacity = 4096;
    v->verts = glbuf_view_alloc(v, sizeof *v->verts * v->capacity);
    if (v->verts == NULL) {
        a.free(v, a.user);
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    glbuf_result r = glbuf_view_gl_create(v, desc->get_proc_address, desc->label_prefix);
    if (r != GLBUF_OK) {
        glbuf_view_destroy(v);
        return r;
    }
    v->last_stats = glbuf_ctx_get_stats(ctx);
    *out = v;
    return GLBUF_OK;
}

void glbuf_view_destroy(glbuf_view *v)
{
    if (v == NULL) {
        return;
    }
    glbuf_view_gl_destroy(v);
    glbuf_view_free(v, v->verts);
    glbuf_view_free(v, v->col);
    glbuf_view_free(v, v->edge);
    glbuf_allocator a = v->allocator;
    a.free(v, a.user);
}

/* ---- sources ------------------------------------------------------------------------ */

static glbuf_result add_source(glbuf_view *v, const view_source *s, const char *title, const char *fallback)
{
    if (v->source_count == GLBUF_VIEW_MAX_SOURCES) {
        return GLBUF_ERR_FULL;
    }
    view_source *d = &v->sources[v->source_count++];
    *d = *s;
    snprintf(d->title, sizeof d->title, "%s", title ? title : fallback);
    return GLBUF_OK;
}

glbuf_result glbuf_view_show_mega(glbuf_view *v, glbuf_mega mega, const char *title)
{
    if (v == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (glbuf_mega_storage_generation(v->ctx, mega) == 0) { /* 1 or more for a live megabuffer */
        return GLBUF_ERR_INVALID_HANDLE;
    }
    view_source s;
    memset(&s, 0, sizeof s);
    s.kind = SOURCE_MEGA;
    s.mega = mega;
    return add_source(v, &s, title, "megabuffer");
}

glbuf_result glbuf_view_show_stream(glbuf_view *v, glbuf_stream stream, const char *title)
{
    if (v == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (glbuf_stream_get_stats(v->ctx, stream).capacity == 0) { /* a live ring has bytes */
        return GLBUF_ERR_INVALID_HANDLE;
    }
    view_source s;
    memset(&s, 0, sizeof s);
    s.kind = SOURCE_STREAM;
    s.stream = stream;
    return add_source(v, &s, title, "stream");
}

glbuf_result glbuf_view_show_pool(glbuf_view *v, glbuf_pool pool, const char *title)
{
    if (v == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (glbuf_pool_get_stats(v->ctx, pool).tiers[0].limit == 0) { /* a live pool has tier limits */
        return GLBUF_ERR_INVALID_HANDLE;
    }
    view_source s;
    memset(&s, 0, sizeof s);
    s.kind = SOURCE_POOL;
    s.pool = pool;
    return add_source(v, &s, title, "pool");
}

glbuf_result glbuf_view_show_blocks(glbuf_view *v, const glbuf_view_blocks *blocks, const char *title)
{
    if (v == NULL || blocks == NULL || blocks->capacity == NULL || blocks->walk == NULL) {
        return GLBUF_ERR_NULL;
    }
    view_source s;
    memset(&s, 0, sizeof s);
    s.kind = SOURCE_BLOCKS;
    s.blocks = *blocks;
    return add_source(v, &s, title, "blocks");
}

void glbuf_view_clear(glbuf_view *v)
{
    if (v != NULL) {
        v->source_count = 0;
    }
}

glbuf_result glbuf_view_text(glbuf_view *v, uint32_t rgba, const char *text)
{
    if (v == NULL || text == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (v->line_count == GLBUF_VIEW_MAX_LINES) {
        return GLBUF_ERR_FULL;
    }
    view_line *l = &v->lines[v->line_count++];
    l->rgba = rgba;
    snprintf(l->text, sizeof l->text, "%s", text);
    return GLBUF_OK;
}

void glbuf_view_set_trace_rgba(glbuf_view *v, uint32_t rgba)
{
    if (v != NULL) {
        v->trace_rgba = rgba;
    }
}

/* ---- the frame ------------------------------------------------------------------------ */

/* The frame's figures: time since the last draw, counters since then. */
static void measure(glbuf_view *v)
{
    double t = now_ms();
    glbuf_ctx_stats st = glbuf_ctx_get_stats(v->ctx);
    double ms = v->last_time_ms >= 0.0 ? t - v->last_time_ms : 0.0;
    double calls = (double)(st.calls_total - v->last_stats.calls_total);
    double bytes = (double)(st.bytes_uploaded - v->last_stats.bytes_uploaded);
    double waits = (double)(st.fence_waits - v->last_stats.fence_waits);
    /* Smoothed, except the first measured frame, shown as it is. */
    double k = v->last_time_ms >= 0.0 && v->frame_ms > 0.0 ? 0.08 : 1.0;
    if (v->last_time_ms >= 0.0) {
        v->frame_ms += (ms - v->frame_ms) * k;
        v->history_ms[v->history_head] = (float)ms;
        v->history_rgba[v->history_head] = v->trace_rgba;
        v->history_head = (v->history_head + 1u) % VIEW_HISTORY;
    }
    v->calls_per_frame += (calls - v->calls_per_frame) * k;
    v->bytes_per_frame += (bytes - v->bytes_per_frame) * k;
    v->waits_per_frame += (waits - v->waits_per_frame) * k;
    v->last_time_ms = t;
    v->last_stats = st;
}

glbuf_result glbuf_view_draw(glbuf_view *v, int width, int height)
{
    if (v == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (width < 1 || height < 1 || width > VIEW_MAX_SIDE || height > VIEW_MAX_SIDE) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    measure(v);
    if (!glbuf_view_layout(v, width, height)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    glbuf_view_gl_draw(v, width, height);
    v->line_count = 0;
    return GLBUF_OK;
}

glbuf_result glbuf_view_map_layout(const glbuf_view *v, uint32_t index, glbuf_view_map_rect *out)
{
    if (v == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (index >= v->source_count || !v->sources[index].drawn) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    *out = v->sources[index].rect;
    return GLBUF_OK;
}
