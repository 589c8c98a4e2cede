/* bench_mega.c - create-and-fill N objects through the megabuffer (in each
 * placement, pre-sized and grown from 4 MiB) and through one GL buffer per
 * object, then free them: ns and GL calls per object, and the fill
 * throughput next to a plain host memcpy of the same bytes and a memcpy
 * into the host-visible store's own kind of memory (one allocation of all
 * the bytes, written through glbuf_mega_ptr).
 *
 *   glbuf-bench-mega [--quick] [--runs R] [--mix small|mesh] [--max-n N]
 *
 * Mixes: "small" (log-uniform 256 B .. 16 KiB: uniform blocks, small meshes)
 * and "mesh" (the mesh-churn trace's log-uniform 256 B .. 1 MiB).
 * A fill's time ends when the data is in place for the GPU: glbuf_mega_flush
 * and a wait for the GPU (device-local: the staged copies have run). */
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

static result run_mega(glbuf_ctx *ctx, const uint64_t *sizes, int n, const uint8_t *src, uint64_t capacity,
                       glbuf_mega_placement placement)
{
    glbuf_mega_range *r = malloc((size_t)n * sizeof *r);
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = 1ull << 36;
    d.placement = placement;
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

/* The same bytes memcpy'd into a fresh host-visible store of the same size
 * (one allocation, one pointer): the speed of that kind of memory, first
 * touch included, as the pre-sized megabuffer sees it. */
static double run_memcpy_mapped(glbuf_ctx *ctx, const uint64_t *sizes, int n, const uint8_t *src, uint64_t total)
{
    glbuf_mega_desc d = {0};
    d.capacity = total;
    d.max_capacity = total;
    d.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    glbuf_mega m = {0};
    glbuf_mega_range all = {0};
    void *p = NULL;
    if (glbuf_mega_create(ctx, &d, &m) != GLBUF_OK || glbuf_mega_alloc(ctx, m, total, 0, &all, NULL) != GLBUF_OK ||
        glbuf_mega_ptr(ctx, m, all, &p) != GLBUF_OK) {
        fprintf(stderr, "mapped store failed\n");
        exit(1);
    }
    uint8_t *dst = p;
    double t0 = bench_now_s();
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(dst + off, src, (size_t)sizes[i]);
        off += sizes[i];
    }
    glbuf_mega_flush(ctx, m);
    double t1 = bench_now_s();
    glbuf_mega_destroy(ctx, m);
    finish(ctx);
    return (t1 - t0) * 1e9 / n;
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
    int quick = 0, runs = 3, max_n = 100000;
    const char *only_mix = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--mix") == 0 && i + 1 < argc) {
            only_mix = argv[++i];
        } else if (strcmp(argv[i], "--max-n") == 0 && i + 1 < argc) {
            max_n = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--quick] [--runs R] [--mix small|mesh] [--max-n N]\n", argv[0]);
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
    glbuf_gpu_memory gm = glbuf_ctx_get_gpu_memory(ctx);
    printf("GL_VENDOR: %s\nGL_RENDERER: %s\nGL_VERSION: %s\n", caps.vendor, caps.renderer, caps.version);
    printf("AUTO placement here: %s (%s)\n\n", gm.dedicated ? "device-local" : "host-visible", gm.why);
    printf("Medians of %d runs. vs memcpy: host memcpy time / this time. vs pre-sized: the pre-sized fill's time\n"
           "/ this time, same placement.\n\n",
           runs);
    printf("| mix | N | strategy | fill ns/object | free ns/object | GL calls/object | fill GB/s | vs memcpy | vs pre-sized |\n");
    printf("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");

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
        if (only_mix != NULL && strcmp(only_mix, mixes[mi].name) != 0) {
            continue;
        }
        for (int k = 0; k < 3; k++) {
            int n = ns[k];
            if (n > mixes[mi].max_n || n > max_n || (quick && n > 10000)) {
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
            enum { PR, HV_PRE, HV_GROWN, DL_PRE, DL_GROWN, COPY, MAPPED, ROWS };
            static const char *const names[ROWS] = {
                "per-resource", "megabuffer host-visible (pre-sized)", "megabuffer host-visible grown from 4 MiB",
                "megabuffer device-local (pre-sized)", "megabuffer device-local grown from 4 MiB", "host memcpy",
                "memcpy into a host-visible store (one block)"};
            double fill[ROWS][15], freed[ROWS][15], calls[ROWS];
            memset(calls, 0, sizeof calls);
            for (int r = 0; r < runs; r++) {
                result res[ROWS];
                memset(res, 0, sizeof res);
                res[PR] = run_per_resource(ctx, sizes, n, src);
                res[HV_PRE] = run_mega(ctx, sizes, n, src, presized, GLBUF_MEGA_PLACEMENT_HOST_VISIBLE);
                res[HV_GROWN] = run_mega(ctx, sizes, n, src, GLBUF_MEGA_SIMPLE_2D, GLBUF_MEGA_PLACEMENT_HOST_VISIBLE);
                res[DL_PRE] = run_mega(ctx, sizes, n, src, presized, GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL);
                res[DL_GROWN] = run_mega(ctx, sizes, n, src, GLBUF_MEGA_SIMPLE_2D, GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL);
                res[COPY].fill_ns = run_memcpy(sizes, n, src, dst);
                res[MAPPED].fill_ns = run_memcpy_mapped(ctx, sizes, n, src, total);
                for (int row = 0; row < ROWS; row++) {
                    fill[row][r] = res[row].fill_ns;
                    freed[row][r] = res[row].free_ns;
                    calls[row] = res[row].calls;
                }
            }
            double med[ROWS], med_free[ROWS];
            for (int row = 0; row < ROWS; row++) {
                med[row] = bench_median(fill[row], (size_t)runs);
                med_free[row] = bench_median(freed[row], (size_t)runs);
            }
            double bytes_per_obj = (double)total / n;
            for (int row = 0; row < ROWS; row++) {
                printf("| %s | %d | %s | %.0f |", mixes[mi].name, n, names[row], med[row]);
                if (row == COPY || row == MAPPED) {
                    printf(" - | - |");
                } else {
                    printf(" %.0f | %.4f |", med_free[row], calls[row]);
                }
                printf(" %.2f | %.0f%% |", bytes_per_obj / med[row], 100.0 * med[COPY] / med[row]);
                if (row == HV_GROWN || row == DL_GROWN) {
                    printf(" %.0f%% |\n", 100.0 * med[row - 1] / med[row]);
                } else {
                    printf(" |\n");
                }
            }
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
