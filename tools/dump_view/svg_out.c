/* svg_out.c - the SVG picture of a dump (picture.h). */
#include <inttypes.h>
#include <stdio.h>

#include "picture.h"

static void put_escaped(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

static void text(FILE *f, int x, int y, const char *cls, const char *s)
{
    fprintf(f, "<text class=\"%s\" x=\"%d\" y=\"%d\">", cls, x, y);
    put_escaped(f, s);
    fputs("</text>\n", f);
}

int picture_write_svg(FILE *f, const dump *d, const layout *l, const char *title)
{
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"monospace\" font-size=\"12\" fill=\"#%06" PRIX32 "\">\n",
            l->width, l->height, l->width, l->height, (uint32_t)LAYOUT_TEXT_RGB);
    fputs("<title>glbuf megabuffer layout", f);
    if (title != NULL) {
        fputs(": ", f);
        put_escaped(f, title);
    }
    fputs("</title>\n", f);
    fprintf(f, "<rect class=\"background\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#%06" PRIX32 "\"/>\n",
            l->width, l->height, (uint32_t)LAYOUT_BACKGROUND_RGB);

    /* header: title, legend with each kind's figures, summary */
    fputs("<g id=\"header\">\n", f);
    for (int line = 0; line < LAYOUT_HEADER_LINES; line++) {
        char s[256];
        layout_header_line(d, l, line, s, sizeof s);
        int y = layout_line_y(line);
        int x = LAYOUT_MARGIN;
        if (line >= 1 && line <= DUMP_KINDS) {
            dump_kind k = (dump_kind)(line - 1);
            fprintf(f, "<rect class=\"swatch %s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06" PRIX32
                       "\"/>\n",
                    dump_kind_name(k), x, y + 2, LAYOUT_SWATCH, LAYOUT_SWATCH, layout_kind_rgb[k]);
            x += LAYOUT_SWATCH + 6;
        }
        text(f, x, y + 12, "header", s);
    }
    fputs("</g>\n", f);

    /* row frames (1 px just outside each row) and first offsets */
    fprintf(f, "<g id=\"rows\" fill=\"none\" stroke=\"#%06" PRIX32 "\" stroke-width=\"1\">\n",
            (uint32_t)LAYOUT_FRAME_RGB);
    for (int r = 0; r < l->rows; r++) {
        int y = layout_row_y(l, r);
        fprintf(f, "<rect class=\"row\" data-row=\"%d\" x=\"%d.5\" y=\"%d.5\" width=\"%d\" height=\"%d\"/>\n", r,
                l->map_x - 1, y - 1, layout_row_w(l, d, r) + 1, LAYOUT_ROW_H + 1);
    }
    fputs("</g>\n<g id=\"offsets\">\n", f);
    for (int r = 0; r < l->rows; r++) {
        char s[32];
        snprintf(s, sizeof s, "0x%08" PRIX64, (uint64_t)r * l->row_bytes);
        text(f, LAYOUT_MARGIN, layout_row_y(l, r) + 14, "offset", s);
    }
    fputs("</g>\n", f);

    /* the blocks, in painting order */
    fputs("<g id=\"blocks\">\n", f);
    for (size_t i = 0; i < l->count; i++) {
        const layout_piece *p = &l->pieces[i];
        const dump_block *b = &d->blocks[p->block];
        fprintf(f,
                "<rect class=\"block %s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06" PRIX32
                "\" data-block=\"%zu\" data-offset=\"%" PRIu64 "\" data-size=\"%" PRIu64 "\" data-frame=\"%" PRIu64
                "\"><title>%s [%" PRIu64 ", +%" PRIu64 ") frame %" PRIu64 "</title></rect>\n",
                dump_kind_name(p->kind), p->x, p->y, p->w, p->h, layout_kind_rgb[p->kind], p->block, b->offset,
                b->size, b->frame, dump_kind_name(p->kind), b->offset, b->size, b->frame);
        if (p->edge) {
            fprintf(f, "<rect class=\"edge %s\" x=\"%d\" y=\"%d\" width=\"1\" height=\"%d\" fill=\"#%06" PRIX32 "\"/>\n",
                    dump_kind_name(p->kind), p->x, p->y, p->h, layout_edge_rgb(p->kind));
        }
    }
    fputs("</g>\n</svg>\n", f);
    return !ferror(f);
}
