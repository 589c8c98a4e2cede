/* layout.c - the geometry of layout.h: rows, block pieces, statistics. */
#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint32_t layout_kind_rgb[DUMP_KINDS] = {0x4E79A7u, 0xF28E2Bu, 0xD4D4D4u, 0x59A14Fu};

uint32_t layout_edge_rgb(dump_kind kind)
{
    uint32_t c = layout_kind_rgb[kind], out = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
        out |= (((c >> shift) & 0xFFu) * 3u / 5u) << shift;
    }
    return out;
}

/* floor(a * b / c) for a <= c, c > 0, b < 2^31, exact for every 64-bit a
 * and c (no 128-bit type in ISO C): long multiplication of the remainder
 * a mod c by b, one bit of b at a time, keeping the remainder below c. */
static uint64_t scale(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t q = (a / c) * b; /* a <= c: 0 or b */
    uint64_t ra = a % c, res = 0, rem = 0;
    for (int bit = 30; bit >= 0; bit--) {
        /* res * c + rem == ra * (the bits of b above `bit`), rem < c */
        res <<= 1;
        if (rem >= c - rem) {
            rem -= c - rem;
            res++;
        } else {
            rem *= 2;
        }
        if ((b >> bit) & 1u) {
            if (ra >= c - rem) {
                rem -= c - ra;
                res++;
            } else {
                rem += ra;
            }
        }
    }
    return q + res;
}

int layout_row_y(const layout *l, int row)
{
    return l->map_y + row * (LAYOUT_ROW_H + LAYOUT_ROW_GAP);
}

int layout_row_w(const layout *l, const dump *d, int row)
{
    uint64_t start = (uint64_t)row * l->row_bytes;
    uint64_t bytes = d->capacity - start < l->row_bytes ? d->capacity - start : l->row_bytes;
    return (int)scale(bytes, (uint64_t)l->map_w, l->row_bytes);
}

int layout_line_y(int line)
{
    return LAYOUT_MARGIN + line * LAYOUT_LINE_H;
}

static void compute_stats(const dump *d, layout_stats *s)
{
    memset(s, 0, sizeof *s);
    uint64_t covered = 0;
    for (size_t i = 0; i < d->count; i++) {
        const dump_block *b = &d->blocks[i];
        s->blocks[b->kind]++;
        s->bytes[b->kind] += b->size;
        covered += b->size;
        if (b->kind == DUMP_FREE && b->size > s->largest_free) {
            s->largest_free = b->size;
        }
    }
    s->uncovered = d->capacity - covered;
    uint64_t free_bytes = s->bytes[DUMP_FREE];
    s->fragmentation = free_bytes ? 1.0 - (double)s->largest_free / (double)free_bytes : 0.0;
}

/* Appends the pieces of block i (tiny or not, as asked) to l. */
static void cut_block(const dump *d, layout *l, size_t i, int want_tiny)
{
    const dump_block *b = &d->blocks[i];
    uint64_t a = b->offset, end = b->offset + b->size;
    while (a < end) {
        uint64_t row = a / l->row_bytes;
        uint64_t row_start = row * l->row_bytes;
        uint64_t row_end = row_start + l->row_bytes;
        uint64_t e = end < row_end ? end : row_end;
        uint64_t x0 = scale(a - row_start, (uint64_t)l->map_w, l->row_bytes);
        uint64_t x1 = scale(e - row_start, (uint64_t)l->map_w, l->row_bytes);
        int tiny = x1 == x0;
        if (tiny == want_tiny) {
            layout_piece *p = &l->pieces[l->count++];
            p->kind = b->kind;
            p->block = i;
            p->row = (int)row;
            p->x = l->map_x + (int)x0;
            p->w = tiny ? 1 : (int)(x1 - x0);
            p->y = layout_row_y(l, (int)row);
            p->h = LAYOUT_ROW_H;
            p->tiny = tiny;
            p->edge = a == b->offset && p->w >= 3;
        }
        a = e;
    }
}

int layout_make(const dump *d, int width, int rows, layout *out, char *why, size_t why_size)
{
    if (width < LAYOUT_MIN_WIDTH || width > LAYOUT_MAX_WIDTH) {
        snprintf(why, why_size, "width %d outside %d..%d", width, LAYOUT_MIN_WIDTH, LAYOUT_MAX_WIDTH);
        return 0;
    }
    if (rows < 1 || rows > LAYOUT_MAX_ROWS) {
        snprintf(why, why_size, "rows %d outside 1..%d", rows, LAYOUT_MAX_ROWS);
        return 0;
    }
    layout l;
    memset(&l, 0, sizeof l);
    l.width = width;
    l.map_x = LAYOUT_MARGIN + LAYOUT_GUTTER;
    l.map_w = width - 2 * LAYOUT_MARGIN - LAYOUT_GUTTER;
    l.map_y = layout_line_y(LAYOUT_HEADER_LINES) + 8;
    l.row_bytes = d->capacity / (uint64_t)rows + (d->capacity % (uint64_t)rows != 0);
    l.rows = (int)(d->capacity / l.row_bytes + (d->capacity % l.row_bytes != 0));
    l.height = layout_row_y(&l, l.rows) - LAYOUT_ROW_GAP + LAYOUT_MARGIN;

    /* at most one piece per block plus one per row boundary */
    size_t most = d->count + (size_t)l.rows;
    l.pieces = calloc(most, sizeof *l.pieces);
    if (l.pieces == NULL) {
        snprintf(why, why_size, "out of memory");
        return 0;
    }
    for (int tiny = 0; tiny <= 1; tiny++) {
        for (size_t i = 0; i < d->count; i++) {
            cut_block(d, &l, i, tiny);
        }
    }
    compute_stats(d, &l.stats);
    *out = l;
    return 1;
}

void layout_free(layout *l)
{
    free(l->pieces);
    l->pieces = NULL;
    l->count = 0;
}

/* 1234567 -> "1,234,567" */
static void grouped(uint64_t v, char *out, size_t out_size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < out_size; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void layout_header_line(const dump *d, const layout *l, int line, char *out, size_t out_size)
{
    static const char *const what[DUMP_KINDS] = {"live", "pending-free (waiting for their frame's fence)",
                                                 "free", "moving (destinations of defragmentation copies)"};
    char a[32], b[32];
    const layout_stats *s = &l->stats;
    if (line == 0) {
        grouped(d->capacity, a, sizeof a);
        snprintf(out, out_size, "glbuf megabuffer: %s bytes, GL name %llu, storage generation %llu, alignment %llu",
                 a, (unsigned long long)d->name, (unsigned long long)d->generation,
                 (unsigned long long)d->alignment);
    } else if (line >= 1 && line <= DUMP_KINDS) {
        int k = line - 1;
        grouped(s->bytes[k], a, sizeof a);
        snprintf(out, out_size, "%s: %zu block%s, %s bytes (%.1f%%)", what[k], s->blocks[k],
                 s->blocks[k] == 1 ? "" : "s", a, 100.0 * (double)s->bytes[k] / (double)d->capacity);
    } else {
        grouped(s->largest_free, a, sizeof a);
        grouped(l->row_bytes, b, sizeof b);
        int n = snprintf(out, out_size, "largest free block %s bytes, free-space fragmentation %.1f%%; %d row%s of %s bytes",
                         a, 100.0 * s->fragmentation, l->rows, l->rows == 1 ? "" : "s", b);
        if (s->uncovered > 0 && n > 0 && (size_t)n < out_size) {
            grouped(s->uncovered, a, sizeof a);
            snprintf(out + n, out_size - (size_t)n, "; %s bytes in no block", a);
        }
    }
}
