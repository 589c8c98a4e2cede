/* view_map.c - the memory maps: a source's blocks (live, pending, free, idle)
 * accumulated into columns along the map's rows, each column the average
 * colour of what covers it, drawn as runs of one colour; the colours; the
 * legend; each source's figures line. */
#include <stdio.h>
#include <string.h>

#include "font.h"
#include "view_internal.h"

#define AGE_SPAN 360.0f /* frames from "just written" to "old" */

/* A megabuffer's block kinds are passed on as they are. */
_Static_assert((int)GLBUF_VIEW_BLOCK_LIVE == (int)GLBUF_MEGA_BLOCK_LIVE &&
                   (int)GLBUF_VIEW_BLOCK_FREE == (int)GLBUF_MEGA_BLOCK_FREE &&
                   (int)GLBUF_VIEW_BLOCK_PENDING == (int)GLBUF_MEGA_BLOCK_PENDING,
               "view block kinds match the megabuffer's");

/* Young blocks glow white-cyan, then cool through violet to deep blue. */
static const float age_stops[4][3] = {
    {0.90f, 1.00f, 1.00f}, {0.15f, 0.80f, 1.00f}, {0.60f, 0.30f, 0.95f}, {0.22f, 0.16f, 0.55f}};
static const uint32_t free_rgba = 0x1A1A24FFu, pending_rgba = 0xFF6B1FFFu, idle_rgba = 0x5A8C66FFu;

static uint8_t to_u8(float c)
{
    c = c < 0.0f ? 0.0f : c > 1.0f ? 1.0f : c;
    return (uint8_t)(c * 255.0f + 0.5f);
}

uint32_t glbuf_view_block_rgba(glbuf_view_block_kind kind, uint64_t age_frames)
{
    switch (kind) {
    case GLBUF_VIEW_BLOCK_LIVE: {
        float t = (float)age_frames / AGE_SPAN;
        t = t > 1.0f ? 1.0f : t;
        float f = t * 3.0f;
        int i = f >= 3.0f ? 2 : (int)f;
        f -= (float)i;
        uint32_t c = 0xFFu;
        for (int k = 0; k < 3; k++) {
            c |= (uint32_t)to_u8(age_stops[i][k] + (age_stops[i + 1][k] - age_stops[i][k]) * f) << (24 - 8 * k);
        }
        return c;
    }
    case GLBUF_VIEW_BLOCK_FREE:
        return free_rgba;
    case GLBUF_VIEW_BLOCK_PENDING:
        return pending_rgba;
    case GLBUF_VIEW_BLOCK_IDLE:
        return idle_rgba;
    default:
        return 0;
    }
}

/* ---- columns -------------------------------------------------------------------------- */

typedef struct map_fill {
    glbuf_view *v;
    uint32_t columns;
    double per_byte;   /* columns per byte */
    uint64_t capacity; /* bytes */
    uint64_t frame;    /* now, for ages */
    uint64_t live_bytes;
    uint32_t live_blocks;
} map_fill;

static void add_block(map_fill *m, glbuf_view_block_kind kind, uint64_t offset, uint64_t size, uint64_t frame)
{
    if (size == 0 || offset >= m->capacity || (unsigned)kind >= GLBUF_VIEW_BLOCK_KIND_COUNT) {
        return;
    }
    if (size > m->capacity - offset) {
        size = m->capacity - offset;
    }
    if (kind == GLBUF_VIEW_BLOCK_LIVE) {
        m->live_bytes += size;
        m->live_blocks++;
    }
    uint32_t c = glbuf_view_block_rgba(kind, m->frame > frame ? m->frame - frame : 0);
    float rgb[3] = {(float)(c >> 24) / 255.0f, (float)((c >> 16) & 0xFFu) / 255.0f, (float)((c >> 8) & 0xFFu) / 255.0f};
    double a = (double)offset * m->per_byte, b = (double)(offset + size) * m->per_byte;
    if (b > (double)m->columns) {
        b = (double)m->columns;
    }
    uint32_t first = (uint32_t)a;
    if (kind == GLBUF_VIEW_BLOCK_LIVE && b - a >= 3.0 && first < m->columns) {
        m->v->edge[first] = 1; /* a visible gap where a big block starts */
    }
    for (uint32_t col = first; col < m->columns && (double)col < b; col++) {
        double lo = a > col ? a : col, hi = b < col + 1.0 ? b : col + 1.0;
        float w = (float)(hi - lo);
        float *acc = m->v->col[col];
        acc[0] += rgb[0] * w;
        acc[1] += rgb[1] * w;
        acc[2] += rgb[2] * w;
        acc[3] += w;
    }
}

/* The colour a column shows: the covered part's average; free where nothing covers it. */
static uint32_t column_rgba(const glbuf_view *v, uint32_t col)
{
    const float *acc = v->col[col];
    if (acc[3] <= 0.0f) {
        return free_rgba;
    }
    float k = v->edge[col] ? 0.35f : 1.0f;
    return (uint32_t)to_u8(acc[0] / acc[3] * k) << 24 | (uint32_t)to_u8(acc[1] / acc[3] * k) << 16 |
           (uint32_t)to_u8(acc[2] / acc[3] * k) << 8 | 0xFFu;
}

static int grow_columns(glbuf_view *v, uint32_t columns)
{
    if (columns <= v->col_capacity) {
        return 1;
    }
    float(*col)[4] = glbuf_view_alloc(v, sizeof *col * columns);
    uint8_t *edge = glbuf_view_alloc(v, columns);
    if (col == NULL || edge == NULL) {
        glbuf_view_free(v, col);
        glbuf_view_free(v, edge);
        v->out_of_memory = 1;
        return 0;
    }
    glbuf_view_free(v, v->col);
    glbuf_view_free(v, v->edge);
    v->col = col;
    v->edge = edge;
    v->col_capacity = columns;
    return 1;
}

/* ---- the sources' walks ---------------------------------------------------------------- */

static int mega_block(void *user, const glbuf_mega_block *b)
{
    /* A defragmentation move's destination is in use, about to be live. */
    glbuf_view_block_kind kind = b->kind == GLBUF_MEGA_BLOCK_FREE      ? GLBUF_VIEW_BLOCK_FREE
                                 : b->kind == GLBUF_MEGA_BLOCK_PENDING ? GLBUF_VIEW_BLOCK_PENDING
                                                                       : GLBUF_VIEW_BLOCK_LIVE;
    add_block(user, kind, b->offset, b->size, kind == GLBUF_VIEW_BLOCK_LIVE ? b->frame : 0);
    return 0;
}

static int stream_region(void *user, uint64_t frame, uint64_t offset, uint64_t size)
{
    add_block(user, GLBUF_VIEW_BLOCK_LIVE, offset, size, frame);
    return 0;
}

static void emit_block(void *user, glbuf_view_block_kind kind, uint64_t offset, uint64_t size, uint64_t frame)
{
    add_block(user, kind, offset, size, frame);
}

/* Walks the source into the columns; sets *capacity (0 when it is gone) and the figures. */
static void walk(glbuf_view *v, view_source *s, map_fill *m, char *fig, size_t n)
{
    char a[32], b[32];
    glbuf_ctx *ctx = v->ctx;
    switch (s->kind) {
    case SOURCE_MEGA: {
        glbuf_mega_stats st = glbuf_mega_get_stats(ctx, s->mega);
        if (st.storage_generation == 0) {
            break;
        }
        m->capacity = st.capacity;
        if (m->capacity > 0) {
            m->per_byte = (double)m->columns / (double)m->capacity;
            (void)glbuf_mega_for_each_block(ctx, s->mega, mega_block, m);
        }
        glbuf_view_bytes(a, sizeof a, st.used_bytes);
        glbuf_view_bytes(b, sizeof b, st.capacity);
        double frag = st.free_bytes ? 1.0 - (double)st.largest_free_block / (double)st.free_bytes : 0.0;
        snprintf(fig, n, "%s / %s  %u allocations  %u pending  fragmentation %.2f  growths %llu", a, b, st.allocations,
                 st.pending_frees, frag, (unsigned long long)st.growths);
        return;
    }
    case SOURCE_STREAM: {
        glbuf_stream_stats st = glbuf_stream_get_stats(ctx, s->stream);
        if (st.capacity == 0) {
            break;
        }
        m->capacity = st.capacity;
        m->per_byte = (double)m->columns / (double)m->capacity;
        (void)glbuf_stream_for_each_region(ctx, s->stream, stream_region, m);
        uint64_t per_frame = s->streamed_known ? st.bytes_streamed - s->streamed_before : 0;
        s->streamed_before = st.bytes_streamed;
        s->streamed_known = 1;
        glbuf_view_bytes(a, sizeof a, st.capacity);
        glbuf_view_bytes(b, sizeof b, per_frame);
        snprintf(fig, n, "ring %s  %s this frame  waits %llu  growths %llu%s", a, b, (unsigned long long)st.waits,
                 (unsigned long long)st.growths, st.persistent ? "" : "  (orphaning)");
        return;
    }
    case SOURCE_POOL: {
        glbuf_pool_stats st = glbuf_pool_get_stats(ctx, s->pool);
        if (st.tiers[0].limit == 0) { /* gone: a live pool has tier limits */
            break;
        }
        m->capacity = st.bytes_held;
        uint64_t at = 0, live = 0, reused = 0;
        if (m->capacity > 0) {
            m->per_byte = (double)m->columns / (double)m->capacity;
            for (int t = 0; t < GLBUF_POOL_TIERS; t++) {
                const glbuf_pool_tier_stats *ts = &st.tiers[t];
                uint64_t live_bytes = ts->bytes_held - ts->bytes_idle;
                add_block(m, GLBUF_VIEW_BLOCK_LIVE, at, live_bytes, m->frame);
                add_block(m, GLBUF_VIEW_BLOCK_IDLE, at + live_bytes, ts->bytes_idle, 0);
                at += ts->bytes_held;
            }
        }
        for (int t = 0; t < GLBUF_POOL_TIERS; t++) {
            live += st.tiers[t].live;
            reused += st.tiers[t].reused;
        }
        glbuf_view_bytes(a, sizeof a, st.bytes_held);
        glbuf_view_bytes(b, sizeof b, st.bytes_idle);
        snprintf(fig, n, "held %s  idle %s  %llu acquired  %llu reused", a, b, (unsigned long long)live,
                 (unsigned long long)reused);
        return;
    }
    case SOURCE_BLOCKS: {
        m->capacity = s->blocks.capacity(s->blocks.user);
        if (m->capacity > 0) {
            m->per_byte = (double)m->columns / (double)m->capacity;
            s->blocks.walk(s->blocks.user, emit_block, m);
        }
        glbuf_view_bytes(a, sizeof a, m->live_bytes);
        glbuf_view_bytes(b, sizeof b, m->capacity);
        snprintf(fig, n, "%s live / %s  %u blocks", a, b, m->live_blocks);
        return;
    }
    }
    m->capacity = 0;
    snprintf(fig, n, "(gone)");
}

void glbuf_view_map(glbuf_view *v, view_source *s, glbuf_view_map_rect *r, char *fig, size_t n)
{
    uint32_t columns = (uint32_t)r->width * r->rows;
    if (!grow_columns(v, columns)) {
        return;
    }
    memset(v->col, 0, sizeof *v->col * columns);
    memset(v->edge, 0, columns);
    map_fill m;
    memset(&m, 0, sizeof m);
    m.v = v;
    m.columns = columns;
    m.frame = glbuf_ctx_frame(v->ctx);
    walk(v, s, &m, fig, n);
    r->capacity = m.capacity;
    /* Runs of one colour, row by row, one rectangle each. */
    uint32_t per_row = (uint32_t)r->width;
    for (uint32_t col = 0; col < columns;) {
        uint32_t colour = column_rgba(v, col), end = col + 1;
        while (end < columns && end % per_row != 0 && column_rgba(v, end) == colour) {
            end++;
        }
        uint32_t row = col / per_row;
        glbuf_view_rect(v, (float)r->x + (float)(col % per_row), (float)(r->y + (int)row * r->row_pitch),
                        (float)(end - col), (float)r->row_height, colour);
        col = end;
    }
}

/* With v NULL, only measures (the scale is the one of the frame being laid
 * out by the caller, passed through line_height). */
float glbuf_view_legend(glbuf_view *v, float x, float y, float line_height)
{
    float s = line_height / (float)(FONT_CELL_H + 3), cw = FONT_CELL_W * s, sw = cw * 1.5f, h = line_height - 3.0f * s;
    float x0 = x;
    const uint32_t dim = 0x9EA8C7FFu;
    static const struct {
        glbuf_view_block_kind kind;
        const char *name;
    } keys[] = {{GLBUF_VIEW_BLOCK_FREE, "free"}, {GLBUF_VIEW_BLOCK_PENDING, "pending free"}, {GLBUF_VIEW_BLOCK_IDLE, "idle"}};
    if (v == NULL) {
        float w = 4.5f * sw + 8.0f * cw; /* the ramp, "new..old" */
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            w += 1.5f * cw + sw + (float)strlen(keys[k].name) * cw;
        }
        return w;
    }
    for (int k = 0; k < 8; k++) {
        uint64_t age = (uint64_t)(AGE_SPAN * (float)k / 7.0f);
        glbuf_view_rect(v, x + (float)k * sw * 0.5f, y, sw * 0.5f, h, glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_LIVE, age));
    }
    x = glbuf_view_text_at(v, x + 4.5f * sw, y, dim, "new..old");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        glbuf_view_rect(v, x + cw, y, sw, h, glbuf_view_block_rgba(keys[k].kind, 0));
        x = glbuf_view_text_at(v, x + cw + sw + cw * 0.5f, y, dim, keys[k].name);
    }
    return x - x0;
}
