/* bench_mega.c - create-and-fill N objects through the megabuffer and through
 * one GL buffer per object, then free them: ns and GL calls per object, and
 * the fill throughput next to a plain host memcpy of the same bytes.
 *
 *   glbuf-bench-mega [--quick] [--runs R]
 *
 * Mixes: "small" (log-uniform 256 B .. 16 KiB: uniform blocks, small meshes)
 * and "mesh" (the mesh-churn trace's log-uniform 256 B .. 1 MiB). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "bench_util.h"
#include "headless.h"

typedef struct result {
    double fill_ns, free_ns, calls;
} result;

static void finish(glbuf_ctx *ctx)
{
    glbuf_ctx_wait_idle(ctx);
}

static result run_per_resource(glbuf_ctx *ctx, const uint64_t *sizes, int n, const uint8_t *src)
{
    glbuf_buffer *b = malloc((size_t)n * sizeof *b);
    glbuf_ctx_reset_stats(ctx);
    double t0 = bench_now_s();
    for (int i = 0; i < n; i++) {
        glbuf_buffer_desc d = {0};
        d.size = sizes[i];
        d.data = src;
        if (glbuf_buffer_create(ctx, &d, &b[i]) != GLBUF_OK) {
            fprintf(stderr, "per-resource create failed at %d\n", i);
            exit(1);
        }
    }
    finish(ctx);
    double t1 = bench_now_s();
    uint64_t calls = glbuf_ctx_get_stats(ctx).calls_total;
    for (int i = 0; i < n; i++) {
        glbuf_buffer_destroy(ctx, b[i]);
    }
    finish(ctx);
    double t2 = bench_now_s();
    free(b);
    result r = {(t1 - t0) * 1e9 / n, (t2 - t1) * 1e9 / n, (double)calls / n};
    return r;
}

static result run_mega(glbuf_ctx *ctx, const uint64_t *sizes, int n, const uint8_t *src, uint64_t capacity)
{
    glbuf_mega_range *r = malloc((size_t)n * sizeof *r);
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = 1ull << 36;
    glbuf_mega m = {0};
    if (glbuf_mega_create(ctx, &d, &m) != GLBUF_OK) {
        fprintf(stderr, "mega create failed\n");
        exit(1);
    }
    glbuf_ctx_reset_stats(ctx);
    double t0 = bench_now_s();
    for (int i = 0; i < n; i++) {
        if (glbuf_mega_alloc(ctx, m, sizes[i], 0, &r[i], NULL) != GLBUF_OK ||
            glbuf_mega_write(ctx, m, r[i], 0, src, sizes[i]) != GLBUF_OK) {
            fprintf(stderr, "mega alloc failed at %d\n", i);
            exit(1);
        }
    }
    glbuf_mega_flush(ctx, m);
    finish(ctx);
    double t1 = bench_now_s();
    uint64_t calls = glbuf_ctx_get_stats(ctx).calls_total;
    for (int i = 0; i < n; i++) {
        glbuf_mega_free(ctx, m, r[i]);
    }
    glbuf_mega_wait_idle(ctx, m);
    double t2 = bench_now_s();
    glbuf_mega_destroy(ctx, m);
    free(r);
    result res = {(t1 - t0) * 1e9 / n, (t2 - t1) * 1e9 / n, (double)calls / n};
    return res;
}

static double run_memcpy(const uint64_t *sizes, int n, const uint8_t *src, uint8_t *dst)
{
    double t0 = bench_now_s();
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(dst + off, src, (size_t)sizes[i]);
        off += sizes[i];
    }
    double t1 = bench_now_s();
    volatile uint8_t sink = dst[off / 2];
    (void)sink;
    return (t1 - t0) * 1e9 / n;
}

int main(int argc, char **argv)
{
    int quick = 0, runs = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--quick] [--runs R]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > 15) {
        runs = 3;
    }
    char why[256];
    glbuf_headless *h = glbuf_headless_create(NULL, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "no headless GL context: %s\n", why);
        return 1;
    }
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *ctx = NULL;
    if (glbuf_ctx_create(&cd, &ctx) != GLBUF_OK) {
        return 1;
    }
    glbuf_caps caps = glbuf_ctx_get_caps(ctx);
    printf("GL_VENDOR: %s\nGL_RENDERER: %s\nGL_VERSION: %s\n\n", caps.vendor, caps.renderer, caps.version);
    printf("| mix | N | strategy | fill ns/object | free ns/object | GL calls/object | fill GB/s | vs memcpy |\n");
    printf("|---|---:|---|---:|---:|---:|---:|---:|\n");

    struct { const char *name; uint64_t lo, hi; int max_n; } mixes[] = {
        {"small", 256, 16 * 1024, 100000},
        {"mesh", 256, 1024 * 1024, quick ? 1000 : 10000}, /* 100K would be ~12 GB */
    };
    const int ns[] = {1000, 10000, 100000};
    uint8_t *src = malloc(1u << 20);
    for (size_t i = 0; i < (1u << 20); i++) {
        src[i] = (uint8_t)(i * 131u);
    }
    for (int mi = 0; mi < 2; mi++) {
        for (int k = 0; k < 3; k++) {
            int n = ns[k];
            if (n > mixes[mi].max_n || (quick && n > 10000)) {
                continue;
            }
            uint64_t *sizes = malloc((size_t)n * sizeof *sizes);
            uint64_t total = 0;
            bench_rng rng = {0x5EED0005u + (uint64_t)mi};
            for (int i = 0; i < n; i++) {
                sizes[i] = bench_log_uniform(&rng, mixes[mi].lo, mixes[mi].hi);
                total += sizes[i];
            }
            uint8_t *dst = malloc((size_t)total);
            memset(dst, 1, (size_t)total); /* fault the pages in */
            /* pre-sized: the preset an app would pick for this much data */
            uint64_t presized = GLBUF_MEGA_SIMPLE_2D;
            while (presized < total + (uint64_t)n * 16) {
                presized *= 2;
            }
            double pr_fill[15], pr_free[15], mg_fill[15], mg_free[15], gr_fill[15], gr_free[15], cp[15];
            double pr_calls = 0, mg_calls = 0, gr_calls = 0;
            for (int r = 0; r < runs; r++) {
                result a = run_per_resource(ctx, sizes, n, src);
                result b = run_mega(ctx, sizes, n, src, presized);
                result g = run_mega(ctx, sizes, n, src, GLBUF_MEGA_SIMPLE_2D);
                pr_fill[r] = a.fill_ns;
                pr_free[r] = a.free_ns;
                mg_fill[r] = b.fill_ns;
                mg_free[r] = b.free_ns;
                gr_fill[r] = g.fill_ns;
                gr_free[r] = g.free_ns;
                pr_calls = a.calls;
                mg_calls = b.calls;
                gr_calls = g.calls;
                cp[r] = run_memcpy(sizes, n, src, dst);
            }
            double prf = bench_median(pr_fill, (size_t)runs), prd = bench_median(pr_free, (size_t)runs);
            double mgf = bench_median(mg_fill, (size_t)runs), mgd = bench_median(mg_free, (size_t)runs), cpy = bench_median(cp, (size_t)runs);
            double grf = bench_median(gr_fill, (size_t)runs), grd = bench_median(gr_free, (size_t)runs);
            double bytes_per_obj = (double)total / n;
            printf("| %s | %d | per-resource | %.0f | %.0f | %.2f | %.2f | %.0f%% |\n", mixes[mi].name, n, prf, prd,
                   pr_calls, bytes_per_obj / prf, 100.0 * cpy / prf);
            printf("| %s | %d | megabuffer (pre-sized) | %.0f | %.0f | %.4f | %.2f | %.0f%% |\n", mixes[mi].name, n, mgf, mgd,
                   mg_calls, bytes_per_obj / mgf, 100.0 * cpy / mgf);
            printf("| %s | %d | megabuffer grown from 4 MiB | %.0f | %.0f | %.4f | %.2f | %.0f%% |\n", mixes[mi].name, n,
                   grf, grd, gr_calls, bytes_per_obj / grf, 100.0 * cpy / grf);
            printf("| %s | %d | host memcpy | %.0f | - | - | %.2f | 100%% |\n", mixes[mi].name, n, cpy,
                   bytes_per_obj / cpy);
            printf("| %s | %d | **ratio per-resource / megabuffer** | **%.1fx** time | **%.1fx** | **%.0fx** calls | | |\n",
                   mixes[mi].name, n, prf / mgf, prd / (mgd > 0 ? mgd : 1), pr_calls / (mg_calls > 0 ? mg_calls : 1.0 / n));
            fflush(stdout);
            free(dst);
            free(sizes);
        }
    }
    free(src);
    glbuf_ctx_destroy(ctx);
    glbuf_headless_destroy(h);
    return 0;
}
