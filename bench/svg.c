/* svg.c - see svg.h. */
#define _POSIX_C_SOURCE 200809L
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define BAR_W 90
#define LEFT 90
#define RIGHT 30
#define TOP 70
#define PLOT_H 260
#define BOTTOM 60

/* XML text: escapes the five special characters. */
static void text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A 1, 2 or 5 times a power of ten at least x. */
static double nice_step(double x)
{
    double p = pow(10.0, floor(log10(x)));
    double m = x / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p;
}

static void value_text(char *buf, size_t n, double v)
{
    if (v != 0.0 && (fabs(v) >= 1e6 || fabs(v) < 0.01)) {
        snprintf(buf, n, "%.3g", v);
    } else if (fabs(v) >= 100.0 || v == floor(v)) {
        snprintf(buf, n, "%.0f", v);
    } else {
        snprintf(buf, n, "%.3g", v);
    }
}

static int chart(const bench_results *r, bench_workload w, bench_field fld, const char *dir)
{
    int idx[BENCH_STRATEGY_COUNT], n = 0;
    double max = 0.0;
    for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
        const bench_row *row = &r->rows[w][s];
        if (row->present && isfinite(row->v[fld])) {
            idx[n++] = s;
            max = row->v[fld] > max ? row->v[fld] : max;
        }
    }
    if (n == 0) {
        return 0;
    }
    char field[64];
    snprintf(field, sizeof field, "%s", bench_field_names[fld]);
    for (char *p = field; *p; p++) {
        *p = *p == '_' ? '-' : *p;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s-%s.svg", dir, bench_workload_names[w], field);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "glbuf-bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    double step = max > 0.0 ? nice_step(max / 5.0) : 1.0;
    double top = max > 0.0 ? step * ceil(max / step) : 1.0;
    int width = LEFT + n * BAR_W + RIGHT, height = TOP + PLOT_H + BOTTOM;
    if (width < 480) {
        width = 480;
    }
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n",
            width, height, width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", LEFT);
    text(f, bench_workload_names[w]);
    fputs(": ", f);
    text(f, bench_field_names[fld]);
    fprintf(f, "</text>\n<text x=\"%d\" y=\"40\" fill=\"#555\">", LEFT);
    text(f, bench_field_descs[fld]);
    fprintf(f, "</text>\n<text x=\"%d\" y=\"56\" fill=\"#555\">", LEFT);
    text(f, r->renderer ? r->renderer : "?");
    fprintf(f, ", %s, %s run</text>\n", r->date, r->quick ? "quick" : "full");
    /* value axis: ticks, grid lines, label */
    int y0 = TOP + PLOT_H;
    for (double t = 0.0; t <= top * 1.0000001; t += step) {
        double y = y0 - t / top * PLOT_H;
        char buf[32];
        value_text(buf, sizeof buf, t);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT, y,
                LEFT + n * BAR_W, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, y + 4, buf);
    }
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, TOP, LEFT, y0);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, y0, LEFT + n * BAR_W,
            y0);
    fprintf(f, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">", TOP + PLOT_H / 2);
    text(f, bench_field_names[fld]);
    fputs("</text>\n", f);
    /* bars */
    static const char *const colours[BENCH_STRATEGY_COUNT] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                               "#59a14f", "#edc948", "#b07aa1", "#9c755f"};
    for (int i = 0; i < n; i++) {
        double v = r->rows[w][idx[i]].v[fld];
        double h = v / top * PLOT_H;
        if (v > 0.0 && h < 1.0) {
            h = 1.0;
        }
        int x = LEFT + i * BAR_W + 15;
        char buf[32];
        value_text(buf, sizeof buf, v);
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", x, y0 - h, BAR_W - 30,
                h, colours[idx[i]]);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x + (BAR_W - 30) / 2,
                y0 - h - 5, buf);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + (BAR_W - 30) / 2, y0 + 18);
        text(f, bench_strategy_names[idx[i]]);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">strategy</text>\n", LEFT + n * BAR_W / 2,
            y0 + 44);
    fputs("</svg>\n", f);
    if (fclose(f) != 0) {
        fprintf(stderr, "glbuf-bench: cannot write %s\n", path);
        return -1;
    }
    return 1;
}

int bench_svg_write_all(const bench_results *r, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "glbuf-bench: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int files = 0;
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        for (int fld = BENCH_F_NS_PER_ALLOC; fld < BENCH_FIELD_COUNT; fld++) {
            int k = chart(r, (bench_workload)w, (bench_field)fld, dir);
            if (k < 0) {
                return -1;
            }
            files += k;
        }
    }
    return files;
}
