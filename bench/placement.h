/* placement.h - glbuf-bench's placement figures, printed as Markdown after
 * the matrix: the placement table (placement_probe.c) and the heavy drawing
 * workload (heavy_draw.c). */
#ifndef GLBUF_BENCH_PLACEMENT_H
#define GLBUF_BENCH_PLACEMENT_H

#include <stdint.h>

#include "workloads.h"

/* GPU read and CPU write GB/s per placement, buffers of `bytes`. */
void bench_placement_table(bench_env *e, uint64_t bytes, int reps);

typedef struct bench_heavy_params {
    uint64_t bytes; /* vertex data in all (64-byte vertices) */
    int meshes;
    int frames;     /* timed frames; the median is printed */
} bench_heavy_params;

/* `meshes` meshes of `bytes` in all, drawn every frame (GL_POINTS, every
 * vertex fetched once) and read by a compute pass: GPU ms per frame for
 * per-resource STATIC_DRAW buffers (a draw and a dispatch each), the
 * megabuffer host-visible and device-local (one glMultiDrawArraysIndirect,
 * compute over the store), and one storage-flags-0 buffer (reference). */
void bench_heavy_drawing(bench_env *e, const bench_heavy_params *p);

#endif /* GLBUF_BENCH_PLACEMENT_H */
