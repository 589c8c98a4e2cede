/* placement_probe.c - glbuf-bench's placement table: for each place the
 * bytes of a megabuffer can live, how fast the GPU reads them (a compute
 * pass over the whole buffer, GL_TIME_ELAPSED) and how fast the CPU writes
 * them (glbuf_mega_write of the whole buffer in 4 MiB pieces, flush, and the
 * GPU finished with the copies: the data in place), next to two references
 * without glbuf: storage with flags 0 (the fastest the GPU can read), and a
 * STATIC_DRAW buffer written with glBufferSubData (per-resource buffers).
 * Medians of `reps` after one warm-up. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "gpu_read.h"
#include "placement.h"

#define PIECE ((uint64_t)4 << 20)
#define MAX_REPS 15

typedef struct probe {
    double read_gbps, write_gbps; /* NAN: n/a */
} probe;

static double gbps(uint64_t bytes, double seconds)
{
    return seconds > 0.0 ? (double)bytes / seconds * 1e-9 : NAN;
}

/* GPU read GB/s of [0, bytes) of `name`: median of reps timed passes. */
static double read_rate(const bench_env *e, const bench_reader *r, unsigned int name, uint64_t bytes, int reps)
{
    double ms[MAX_REPS];
    bench_read_range(&e->gl, r, name, 0, bytes); /* warm-up */
    for (int i = 0; i < reps; i++) {
        ms[i] = bench_read_range_ms(&e->gl, r, name, 0, bytes);
    }
    return gbps(bytes, bench_median(ms, (size_t)reps) * 1e-3);
}

static probe probe_mega(bench_env *e, const bench_reader *r, glbuf_mega_placement placement, uint64_t bytes,
                        int reps)
{
    glbuf_ctx *ctx = e->ctx;
    glbuf_mega_desc d = {0};
    d.capacity = bytes;
    d.max_capacity = bytes;
    d.placement = placement;
    d.label = "probe";
    glbuf_mega m = {0};
    bench_check("mega_create", glbuf_mega_create(ctx, &d, &m));
    glbuf_mega_range all = {0};
    bench_check("mega_alloc", glbuf_mega_alloc(ctx, m, bytes, 0, &all, NULL));
    double s[MAX_REPS + 1];
    for (int i = 0; i <= reps; i++) {
        bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
        double t0 = bench_now_s();
        for (uint64_t at = 0; at < bytes; at += PIECE) {
            uint64_t n = bytes - at < PIECE ? bytes - at : PIECE;
            bench_check("mega_write", glbuf_mega_write(ctx, m, all, at, e->src + at % e->src_size, n));
        }
        bench_check("mega_flush", glbuf_mega_flush(ctx, m));
        e->gl.Finish();
        s[i] = bench_now_s() - t0;
    }
    probe p;
    p.write_gbps = gbps(bytes, bench_median(s + 1, (size_t)reps)); /* s[0]: warm-up (first touch) */
    p.read_gbps = read_rate(e, r, glbuf_mega_gl_name(ctx, m), bytes, reps);
    bench_check("mega_destroy", glbuf_mega_destroy(ctx, m));
    return p;
}

/* The references, without glbuf's placement: flags-0 storage (GPU read
 * only: the CPU cannot write it but through copies), and
 * glBufferData(STATIC_DRAW) written with glBufferSubData. */
static probe probe_storage_zero(bench_env *e, const bench_reader *r, uint64_t bytes, int reps)
{
    unsigned int name = 0;
    e->gl.CreateBuffers(1, &name);
    e->gl.NamedBufferStorage(name, (ptrdiff_t)bytes, NULL, 0);
    probe p;
    p.write_gbps = NAN;
    p.read_gbps = read_rate(e, r, name, bytes, reps);
    e->gl.DeleteBuffers(1, &name);
    return p;
}

static probe probe_static_draw(bench_env *e, const bench_reader *r, uint64_t bytes, int reps)
{
    glbuf_ctx *ctx = e->ctx;
    glbuf_buffer_desc d = {0};
    d.size = bytes;
    d.usage = GLBUF_USAGE_STATIC_DRAW;
    d.label = "probe-static";
    glbuf_buffer b = {0};
    bench_check("buffer_create", glbuf_buffer_create(ctx, &d, &b));
    double s[MAX_REPS + 1];
    for (int i = 0; i <= reps; i++) {
        bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
        double t0 = bench_now_s();
        for (uint64_t at = 0; at < bytes; at += PIECE) {
            uint64_t n = bytes - at < PIECE ? bytes - at : PIECE;
            bench_check("sub_data", glbuf_buffer_sub_data(ctx, b, at, n, e->src + at % e->src_size));
        }
        e->gl.Finish();
        s[i] = bench_now_s() - t0;
    }
    probe p;
    p.write_gbps = gbps(bytes, bench_median(s + 1, (size_t)reps));
    p.read_gbps = read_rate(e, r, glbuf_buffer_name(ctx, b), bytes, reps);
    glbuf_buffer_destroy(ctx, b);
    return p;
}

static void cell(double v)
{
    if (v == v) {
        printf(" %.1f |", v);
    } else {
        printf(" - |");
    }
}

void bench_placement_table(bench_env *e, uint64_t bytes, int reps)
{
    if (reps < 1 || reps > MAX_REPS) {
        reps = 3;
    }
    bytes -= bytes % 16u;
    bench_reader r;
    bench_reader_init(&e->gl, &r);
    glbuf_gpu_memory gm = glbuf_ctx_get_gpu_memory(e->ctx);
    fprintf(stderr, "glbuf-bench: placement table (%llu MiB)\n", (unsigned long long)(bytes >> 20));
    probe dl = probe_mega(e, &r, GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL, bytes, reps);
    probe hv = probe_mega(e, &r, GLBUF_MEGA_PLACEMENT_HOST_VISIBLE, bytes, reps);
    probe zero = probe_storage_zero(e, &r, bytes, reps);
    probe st = probe_static_draw(e, &r, bytes, reps);
    bench_reader_free(&e->gl, &r);

    printf("### Placement (%llu MiB buffers)\n\n", (unsigned long long)(bytes >> 20));
    printf("AUTO here: %s: %s.", gm.dedicated ? "device-local" : "host-visible", gm.why);
    if (gm.source != GLBUF_GPU_MEMORY_UNKNOWN) {
        printf(" GPU memory: %.1f GiB total, %.1f GiB available.", (double)gm.total_bytes / (1u << 30),
               (double)gm.available_bytes / (1u << 30));
    }
    printf("\nGPU read: a compute pass over the whole buffer (%s); CPU write: glbuf_mega_write\n"
           "(references: glBufferSubData) in 4 MiB pieces until the GPU has the data in place. Medians of %d.\n\n",
           bench_timer_used_wall() ? "wall time between glFinish calls: GL_TIME_ELAPSED reads ~0 here"
                                   : "GL_TIME_ELAPSED",
           reps);
    printf("| placement | GPU read GB/s | CPU write GB/s |\n|---|---:|---:|\n");
    printf("| megabuffer device-local (storage flags 0 + staging ring) |");
    cell(dl.read_gbps);
    cell(dl.write_gbps);
    printf("\n| megabuffer host-visible (MAP_WRITE, PERSISTENT, COHERENT) |");
    cell(hv.read_gbps);
    cell(hv.write_gbps);
    printf("\n| reference: storage flags 0 (no glbuf) |");
    cell(zero.read_gbps);
    cell(zero.write_gbps);
    printf("\n| reference: glBufferData STATIC_DRAW + glBufferSubData |");
    cell(st.read_gbps);
    cell(st.write_gbps);
    printf("\n\n");
    fflush(stdout);
}
