/* svg.h - bar charts of glbuf-bench's figures as plain SVG text: one file per
 * figure (DIR/<workload>-<field>.svg, e.g. churn-ns-per-alloc.svg), the
 * strategies that have the figure side by side, a labelled value axis from 0
 * and the value printed over each bar. */
#ifndef GLBUF_BENCH_SVG_H
#define GLBUF_BENCH_SVG_H

#include "report.h"

/* Creates DIR if needed and writes every chart; the number of files written,
 * or -1 on an error (reported on stderr). */
int bench_svg_write_all(const bench_results *r, const char *dir);

#endif /* GLBUF_BENCH_SVG_H */
