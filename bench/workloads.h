/* workloads.h - glbuf-bench's four workloads, each run through every strategy
 * that applies to it; each fills its rows of a bench_results.
 *
 *   churn      the mesh-churn trace: every allocation creates and fills an
 *              object of the trace's size, every free destroys it; the frame
 *              ends every 1000 operations so that deferred frees retire.
 *              per-resource: glbuf_buffer_create with the data / destroy.
 *              exact, pow2, 1.5x, fixed-step: buffer objects recycled the
 *              Cinder way: a free keeps the buffer on a spare list, an
 *              allocation takes the newest spare and glbuf_buffer_copy_data's
 *              it (the store grows by the policy when too small, never
 *              shrinks); with no spare, a new buffer of the policy's first
 *              capacity.
 *              megabuffer: glbuf_mega (64 MiB, the trace's arena, POW2
 *              growth), alloc + write / fenced free.
 *              tiered-pools: glbuf_pool with its defaults (size classes,
 *              demand-following idle policy), acquire + sub-data / release.
 *   growth     one stream of appends, log-uniform 1 B .. 64 KiB, to 64 MiB:
 *              glbuf_buffer_append on a buffer with each growth policy
 *              (contents kept by GPU copies), and glbuf_mega_alloc + write
 *              into a megabuffer starting at 4 MiB. A run that passes
 *              growth_seconds stops there (exact growth copies O(n^2) bytes:
 *              minutes on llvmpipe); its bytes_requested says how far it got
 *              and the Markdown marks it.
 *   streaming  one upload a frame, log-uniform 64 KiB .. 16 MiB, read by the
 *              GPU (a copy into a sink), 3 frames in flight:
 *              per-resource: a new buffer with the data each frame;
 *              exact .. fixed-step: one buffer, copy_data each frame;
 *              megabuffer: alloc + write, freed after the frame;
 *              tiered-pools: acquire + sub-data, released after the frame;
 *              stream-ring: glbuf_stream alloc + memcpy + flush.
 *              The same bytes memcpy'd into a host ring are the reference.
 *   drawing    K small meshes drawn each frame: one buffer and one
 *              glDrawArrays each (per-resource, tiered-pools), or one
 *              megabuffer and one glMultiDrawArraysIndirect (megabuffer). */
#ifndef GLBUF_BENCH_WORKLOADS_H
#define GLBUF_BENCH_WORKLOADS_H

#include <stdint.h>

#include "gl_app.h"
#include "glbuf/ctx.h"
#include "report.h"
#include "trace.h"

typedef struct bench_env {
    glbuf_ctx *ctx;
    bench_gl gl;
    uint8_t *src;      /* source bytes for every upload */
    uint64_t src_size; /* 16 MiB */
    uint32_t pool_demand_frames; /* glbuf_pool_desc.demand_frames of every pool; 0: the default */
} bench_env;

typedef struct bench_params {
    const bench_trace *trace;
    uint64_t growth_bytes;  /* growth target */
    double growth_seconds;  /* a growth run stops after this long (exact on a
                               software driver); the row then covers fewer bytes */
    int stream_frames;
    int draw_objects;
    int draw_frames;
} bench_params;

void bench_churn(bench_env *e, const bench_params *p, bench_results *r);
void bench_growth(bench_env *e, const bench_params *p, bench_results *r);
/* Sets r->memcpy_gbps too. */
void bench_streaming(bench_env *e, const bench_params *p, bench_results *r);
void bench_drawing(bench_env *e, const bench_params *p, bench_results *r);

#endif /* GLBUF_BENCH_WORKLOADS_H */
