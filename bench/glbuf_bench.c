/* glbuf_bench.c - glbuf-bench: the seed note's comparison matrix of buffer
 * allocation strategies (per-resource, exact, pow2, 1.5x, fixed-step,
 * megabuffer, tiered pools, stream ring), measured on this machine's GL
 * driver. `glbuf-bench --help` says what is measured and how; workloads.h
 * how each strategy maps to glbuf calls; report.h the JSON and CSV fields. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "glbuf/ctx.h"
#include "headless.h"
#include "placement.h"
#include "report.h"
#include "svg.h"
#include "trace.h"
#include "workloads.h"

#ifndef GLBUF_BENCH_TRACE_DIR
#define GLBUF_BENCH_TRACE_DIR "."
#endif

static const char usage_text[] =
    "usage: glbuf-bench [--quick] [--json FILE] [--csv FILE] [--svg DIR] [--traces DIR]\n"
    "                   [--scale S] [--growth-mib N] [--growth-seconds S]\n"
    "                   [--stream-frames N] [--draw-objects K]\n"
    "                   [--draw-frames N] [--pool-demand-frames N] [--only LIST]\n"
    "                   [--write-trace FILE] [--probe-mib N] [--heavy-mib N] [--heavy-meshes K]\n"
    "                   [--heavy-frames N]\n"
    "\n"
    "Runs four workloads through every buffer allocation strategy that applies, on a\n"
    "headless GL 4.5 context of this machine's driver (EGL), and prints the seed note's\n"
    "comparison matrix with measured numbers as Markdown on stdout (GL vendor, renderer\n"
    "and version first). Progress goes to stderr. Exit 77: no GL context could be made.\n"
    "\n"
    "  --quick          a run of a few seconds (small scales; for CI, not for decisions)\n"
    "  --json FILE      every figure as JSON (fields below)\n"
    "  --csv FILE       the same rows as CSV (empty cell = n/a)\n"
    "  --svg DIR        one bar chart per figure: DIR/<workload>-<field>.svg\n"
    "  --traces DIR     read DIR/mesh-churn.trace (shared/traces/gen.py --only mesh-churn)\n"
    "                   when it has the scale's operation count; otherwise the trace is\n"
    "                   generated in C by gen.py's rules and seed, which gives the same\n"
    "                   operations (default DIR: BUILD/traces, where bench-ranges-run\n"
    "                   has gen.py write them)\n"
    "  --scale S        mesh-churn scale, as gen.py --scale (default 0.5; quick 0.002)\n"
    "  --growth-mib N   growth target (default 64; quick 2)\n"
    "  --growth-seconds S  a growth run stops after S seconds, marked in the output\n"
    "                   (default 120; quick 3): exact growth to 64 MiB copies ~0.7 TB\n"
    "  --stream-frames N  (default 240; quick 12)\n"
    "  --draw-objects K   (default 10000; quick 500)\n"
    "  --draw-frames N    (default 60; quick 10)\n"
    "  --pool-demand-frames N  glbuf_pool_desc.demand_frames of the pools, 1..64\n"
    "                   (default: the pool's default, 16)\n"
    "  --only LIST      comma-separated workloads: churn,growth,streaming,drawing,placement,heavy\n"
    "  --probe-mib N    placement table: buffer size (default 256; quick 8)\n"
    "  --heavy-mib N    heavy drawing: vertex data in all (default 256; quick 4)\n"
    "  --heavy-meshes K heavy drawing: meshes (default 10000; quick 500)\n"
    "  --heavy-frames N heavy drawing: timed frames (default 20; quick 3)\n"
    "  --write-trace FILE  write the C-generated mesh-churn trace (gen.py's format) and exit\n"
    "\n"
    "Strategies and the glbuf calls they are:\n"
    "  per-resource   one glbuf_buffer per object: create with the data, destroy\n"
    "  exact, pow2, 1.5x, fixed-step   glbuf_buffer with that growth policy (fixed step\n"
    "                 1 MiB). churn: buffers are recycled the Cinder way (a freed object's\n"
    "                 buffer goes on a spare list; the next allocation copy_data's into the\n"
    "                 newest spare, growing it by the policy, never shrinking it); growth:\n"
    "                 glbuf_buffer_append; streaming: copy_data into one buffer each frame\n"
    "  megabuffer     glbuf_mega: alloc + write, fenced free; draws: one multi-draw-indirect\n"
    "  tiered-pools   glbuf_pool with its defaults (8 size classes per power of two, reuse\n"
    "                 within a quarter of the request, idle buffers kept as the last 16 frames\n"
    "                 needed, 256 MiB idle budget): acquire + sub-data, release\n"
    "  stream-ring    glbuf_stream: alloc + memcpy + flush (streaming only)\n"
    "\n"
    "Workloads:\n"
    "  churn      objects created and destroyed in the order and sizes of the mesh-churn\n"
    "             trace (256 B .. 1 MiB, ~70% of 64 MiB live); the frame ends every 1000 ops\n"
    "  growth     one stream of appends of 1 B .. 64 KiB up to 64 MiB (per-resource, pools\n"
    "             and the ring do not grow a store: n/a)\n"
    "  streaming  one upload a frame of 64 KiB .. 16 MiB, read by a GPU copy, 3 frames in\n"
    "             flight, against a host memcpy of the same bytes\n"
    "  drawing    K small quads per frame: a buffer and a glDrawArrays each (per-resource,\n"
    "             tiered-pools) or one megabuffer and one glMultiDrawArraysIndirect\n"
    "\n";

/* A string of its own: C99 guarantees string literals up to 4095 bytes. */
static const char usage_placement[] =
    "Printed after the matrix (JSON and CSV keep the matrix only):\n"
    "  placement  GPU read GB/s (a compute pass) and CPU write GB/s (glbuf_mega_write until the\n"
    "             data is in place) per megabuffer placement, and two references: storage\n"
    "             flags 0, and STATIC_DRAW + glBufferSubData\n"
    "  heavy      N MiB of 64-byte vertices in K meshes, drawn every frame (GL_POINTS) and read\n"
    "             by a compute pass: GPU ms (GL_TIME_ELAPSED) for per-resource STATIC_DRAW (a\n"
    "             draw each), megabuffer host-visible and device-local (one multi-draw-indirect\n"
    "             each), and one storage-flags-0 buffer (reference)\n";

static const char usage_figures[] =
    "\n"
    "Figures (JSON/CSV row fields; null / empty / n/a where they do not apply):\n"
    "  workload, strategy   names as above\n";

static const char usage_tail[] =
    "Definitions: ns per operation is wall-clock time including a final wait for the GPU\n"
    "(churn: allocations and frees, per allocation; streaming: the upload calls only).\n"
    "GL calls are glbuf's own (glbuf_ctx_stats.calls_total), frame fences included.\n"
    "Bytes held per byte requested: churn, GL storage held (spares, idle pool buffers and\n"
    "megabuffer capacity included) over live requested bytes at the trace's peak; growth,\n"
    "capacity over bytes appended so far, both summed over the appends; streaming, peak\n"
    "storage over the largest frame; drawing, storage over vertex bytes. External\n"
    "fragmentation (megabuffer only: other strategies leave placement to the driver):\n"
    "1 - largest free block / free bytes, at the churn peak and at the end of growth.\n"
    "Buffers created / deleted per 1000 operations and GL calls besides the uploads come\n"
    "from the same counters (churn and streaming). Pools: reuse rate = acquisitions served\n"
    "by an idle buffer / acquisitions, over the whole run (warm-up included) and over its\n"
    "second half (steady state); live bytes held = capacity of the acquired buffers over\n"
    "their requested bytes at the churn peak (the size-class waste; the idle buffers make\n"
    "the rest of bytes held per byte requested).\n"
    "Timings are this run's; compare strategies within one run, not runs across machines.\n"
    "\n"
    "JSON top level: tool, version, gl_vendor, gl_renderer, gl_version, date, quick,\n"
    "trace, memcpy_gbps, growth_target_bytes, rows.\n";

static void usage(FILE *f)
{
    fputs(usage_text, f);
    fputs(usage_placement, f);
    fputs(usage_figures, f);
    for (int i = 0; i < BENCH_FIELD_COUNT; i++) {
        fprintf(f, "  %-34s %s\n", bench_field_names[i], bench_field_descs[i]);
    }
    fputs(usage_tail, f);
}

static int parse_int(const char *s, int lo, int hi)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "glbuf-bench: %s: expected an integer in [%d, %d]\n", s, lo, hi);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    int quick = 0;
    const char *json = NULL, *csv = NULL, *svg = NULL, *traces = GLBUF_BENCH_TRACE_DIR, *write_trace = NULL;
    const char *only = NULL;
    double scale = -1.0, growth_seconds = -1.0;
    int growth_mib = -1, stream_frames = -1, draw_objects = -1, draw_frames = -1, pool_demand_frames = 0;
    int probe_mib = -1, heavy_mib = -1, heavy_meshes = -1, heavy_frames = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quick") == 0) {
            quick = 1;
            continue;
        }
        if (v == NULL) {
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--json") == 0) {
            json = v;
        } else if (strcmp(a, "--csv") == 0) {
            csv = v;
        } else if (strcmp(a, "--svg") == 0) {
            svg = v;
        } else if (strcmp(a, "--traces") == 0) {
            traces = v;
        } else if (strcmp(a, "--write-trace") == 0) {
            write_trace = v;
        } else if (strcmp(a, "--only") == 0) {
            only = v;
        } else if (strcmp(a, "--scale") == 0) {
            scale = atof(v);
            if (!(scale > 0.0 && scale <= 10.0)) {
                fprintf(stderr, "glbuf-bench: --scale must be in (0, 10]\n");
                return 2;
            }
        } else if (strcmp(a, "--growth-mib") == 0) {
            growth_mib = parse_int(v, 1, 4096);
        } else if (strcmp(a, "--growth-seconds") == 0) {
            growth_seconds = atof(v);
            if (!(growth_seconds > 0.0)) {
                fprintf(stderr, "glbuf-bench: --growth-seconds must be positive\n");
                return 2;
            }
        } else if (strcmp(a, "--stream-frames") == 0) {
            stream_frames = parse_int(v, 1, 100000);
        } else if (strcmp(a, "--draw-objects") == 0) {
            draw_objects = parse_int(v, 1, 1000000);
        } else if (strcmp(a, "--draw-frames") == 0) {
            draw_frames = parse_int(v, 1, 100000);
        } else if (strcmp(a, "--probe-mib") == 0) {
            probe_mib = parse_int(v, 1, 65536);
        } else if (strcmp(a, "--heavy-mib") == 0) {
            heavy_mib = parse_int(v, 1, 65536);
        } else if (strcmp(a, "--heavy-meshes") == 0) {
            heavy_meshes = parse_int(v, 1, 10000000);
        } else if (strcmp(a, "--heavy-frames") == 0) {
            heavy_frames = parse_int(v, 1, 200);
        } else if (strcmp(a, "--pool-demand-frames") == 0) {
            pool_demand_frames = parse_int(v, 1, 64);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (scale < 0.0) {
        scale = quick ? 0.002 : 0.5;
    }
    bench_params p;
    memset(&p, 0, sizeof p);
    p.growth_bytes = (uint64_t)(growth_mib > 0 ? growth_mib : quick ? 2 : 64) << 20;
    p.growth_seconds = growth_seconds > 0.0 ? growth_seconds : quick ? 3.0 : 120.0;
    p.stream_frames = stream_frames > 0 ? stream_frames : quick ? 12 : 240;
    p.draw_objects = draw_objects > 0 ? draw_objects : quick ? 500 : 10000;
    p.draw_frames = draw_frames > 0 ? draw_frames : quick ? 10 : 60;
    int run[BENCH_WORKLOAD_COUNT];
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        run[w] = only == NULL || strstr(only, bench_workload_names[w]) != NULL;
    }

    /* the mesh-churn trace: a file when one of this scale is there, else C */
    bench_trace trace;
    char path[1024];
    snprintf(path, sizeof path, "%s/mesh-churn.trace", traces);
    size_t want_ops = (size_t)(1000000.0 * scale);
    if (write_trace != NULL || !run[BENCH_CHURN] || !bench_trace_load(path, &trace) || trace.n_ops != want_ops) {
        bench_trace_generate_mesh_churn(scale, &trace);
    }
    if (write_trace != NULL) {
        int ok = bench_trace_write(&trace, write_trace);
        bench_trace_free(&trace);
        if (!ok) {
            fprintf(stderr, "glbuf-bench: cannot write %s\n", write_trace);
            return 1;
        }
        return 0;
    }
    p.trace = &trace;

    char why[256] = "";
    glbuf_headless_desc hd = {4, 5, 0};
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "glbuf-bench: skipped: no headless GL 4.5 context: %s\n", why);
        bench_trace_free(&trace);
        return 77;
    }
    bench_env e;
    memset(&e, 0, sizeof e);
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    bench_check("glbuf_ctx_create", glbuf_ctx_create(&cd, &e.ctx));
    const char *missing = NULL;
    if (!bench_gl_load(&e.gl, &missing)) {
        fprintf(stderr, "glbuf-bench: %s is missing\n", missing);
        return 1;
    }
    glbuf_caps caps = glbuf_ctx_get_caps(e.ctx);
    printf("GL_VENDOR: %s  \nGL_RENDERER: %s  \nGL_VERSION: %s\n\n", caps.vendor, caps.renderer, caps.version);
    fflush(stdout);

    static bench_results r;
    r.vendor = caps.vendor;
    r.renderer = caps.renderer;
    r.version = caps.version;
    r.quick = quick;
    r.memcpy_gbps = NAN;
    snprintf(r.trace, sizeof r.trace, "%s", trace.source);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r.date, sizeof r.date, "%Y-%m-%d", &tm);
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        snprintf(r.params[w], sizeof r.params[w], "not run");
    }

    e.pool_demand_frames = (uint32_t)pool_demand_frames;
    e.src_size = (uint64_t)16 << 20;
    e.src = bench_xmalloc((size_t)e.src_size);
    for (uint64_t i = 0; i < e.src_size; i++) {
        e.src[i] = (uint8_t)((i * 2654435761u) >> 24);
    }
    double t0 = bench_now_s();
    if (run[BENCH_CHURN]) {
        bench_churn(&e, &p, &r);
    }
    if (run[BENCH_GROWTH]) {
        bench_growth(&e, &p, &r);
    }
    if (run[BENCH_STREAMING]) {
        bench_streaming(&e, &p, &r);
    }
    if (run[BENCH_DRAWING]) {
        bench_drawing(&e, &p, &r);
    }
    int run_matrix = 0;
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        run_matrix |= run[w];
    }
    if (run_matrix) {
        bench_report_markdown(&r, stdout);
    }
    /* The placement figures need compute shaders (GL 4.3), which the 4.5
     * context has. */
    if (only == NULL || strstr(only, "placement") != NULL) {
        bench_placement_table(&e, (uint64_t)(probe_mib > 0 ? probe_mib : quick ? 8 : 256) << 20, quick ? 2 : 5);
    }
    if (only == NULL || strstr(only, "heavy") != NULL) {
        bench_heavy_params hp;
        hp.bytes = (uint64_t)(heavy_mib > 0 ? heavy_mib : quick ? 4 : 256) << 20;
        hp.meshes = heavy_meshes > 0 ? heavy_meshes : quick ? 500 : 10000;
        hp.frames = heavy_frames > 0 ? heavy_frames : quick ? 3 : 20;
        bench_heavy_drawing(&e, &hp);
    }
    fprintf(stderr, "glbuf-bench: done in %.1f s\n", bench_now_s() - t0);

    int status = 0;
    if (json != NULL && !bench_report_json(&r, json)) {
        fprintf(stderr, "glbuf-bench: cannot write %s\n", json);
        status = 1;
    }
    if (csv != NULL && !bench_report_csv(&r, csv)) {
        fprintf(stderr, "glbuf-bench: cannot write %s\n", csv);
        status = 1;
    }
    if (svg != NULL && bench_svg_write_all(&r, svg) < 0) {
        status = 1;
    }
    free(e.src);
    glbuf_ctx_destroy(e.ctx);
    glbuf_headless_destroy(h);
    bench_trace_free(&trace);
    return status;
}
