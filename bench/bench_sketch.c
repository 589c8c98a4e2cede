/* bench_sketch.c - the Processing-style trail sketch of issue 16: EMITTERS
 * emitters each append the two new vertices of their ribbon (2 x 32 bytes,
 * one append per emitter) to one growing trail buffer every frame, for
 * FRAMES frames; the buffer grows by POW2 (Processing's expandArraySize).
 * Every frame the GPU reads the frame's new segment (the app copies it into a
 * sink buffer with its own glCopyNamedBufferSubData, as a draw would read
 * it), the frame ends (glbuf's fence) and at most three frames stay in
 * flight.
 *
 *   glbuf-bench-sketch [--frames N] [--emitters N]
 *
 * Four configurations of the same buffer, each on a fresh glbuf_ctx:
 *   before: immediate appends (one sub-data each), name-keeping growth;
 *   batched appends only; renaming growth only;
 *   after:  batched appends (flushed once before the frame's draw),
 *           renaming growth.
 * Measured per frame from the context's counters: every GL call glbuf made
 * (fence polls and waits included), the upload calls (sub-data), growths and
 * the bytes growth copied on the GPU; and the frame's wall time, from its
 * first append to the end of its in-flight wait. At the end the whole buffer
 * is read back and compared with a CPU copy of every vertex (exit 1 on a
 * mismatch). Times are reported, never judged. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "glbuf/buffer.h"
#include "headless.h"

#define FRAMES_IN_FLIGHT 3

typedef void (*copy_named_fn)(unsigned int src, unsigned int dst, intptr_t src_offset, intptr_t dst_offset,
                              ptrdiff_t size);

typedef struct vertex {
    float x, y, z, w;
    float r, g, b, a;
} vertex;

typedef struct config {
    const char *name;
    int batch, rename;
} config;

static const config configs[] = {
    {"before: immediate appends, name-keeping growth", 0, 0},
    {"batched appends, name-keeping growth", 1, 0},
    {"immediate appends, renaming growth", 0, 1},
    {"after: batched appends, renaming growth", 1, 1},
};
#define CONFIGS (sizeof configs / sizeof configs[0])

typedef struct result {
    double calls_mean, calls_median, calls_max;
    double calls_steady_median; /* frames without a growth */
    double uploads_mean, uploads_max;
    uint64_t growths, bytes_copied, gpu_copies, renames;
    uint64_t final_size, final_capacity;
    double ms_median, ms_max, ms_growth_max;
    uint64_t by_call[GLBUF_GL_CALL_COUNT]; /* the whole run, by entry point */
} result;

static uint64_t uploads_of(const glbuf_ctx_stats *s)
{
    return s->calls[GLBUF_GL_NamedBufferSubData] + s->calls[GLBUF_GL_BufferSubData];
}

static uint64_t copies_of(const glbuf_ctx_stats *s)
{
    return s->calls[GLBUF_GL_CopyNamedBufferSubData] + s->calls[GLBUF_GL_CopyBufferSubData];
}

/* Emitter e's two ribbon vertices at frame f: deterministic, so the final
 * read-back can be checked. */
static void ribbon(uint32_t e, uint32_t f, vertex v[2])
{
    float t = (float)f * 0.02f + (float)e;
    for (int k = 0; k < 2; k++) {
        v[k] = (vertex){t, (float)e * 0.5f, (float)k, 1.0f, (float)(e % 11) / 11.0f, (float)(f % 13) / 13.0f,
                        (float)k, 1.0f};
    }
}

static double max_of(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        m = v[i] > m ? v[i] : m;
    }
    return m;
}

static double mean_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        s += v[i];
    }
    return n ? s / (double)n : 0;
}

static result run(const config *c, uint32_t frames, uint32_t emitters, copy_named_fn copy)
{
    const uint64_t per_frame = (uint64_t)emitters * 2 * sizeof(vertex);
    uint8_t *model = bench_xmalloc((size_t)(per_frame * frames));
    double *calls = bench_xcalloc(frames, sizeof *calls), *uploads = bench_xcalloc(frames, sizeof *uploads);
    double *ms = bench_xcalloc(frames, sizeof *ms), *steady = bench_xcalloc(frames, sizeof *steady);
    double *growth_ms = bench_xcalloc(frames, sizeof *growth_ms);
    size_t steady_n = 0, growth_n = 0;

    glbuf_ctx *ctx = NULL;
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    bench_check("glbuf_ctx_create", glbuf_ctx_create(&cd, &ctx));
    glbuf_buffer_desc sd = {0};
    sd.size = per_frame;
    sd.usage = GLBUF_USAGE_STATIC_COPY;
    sd.label = "sketch-sink";
    glbuf_buffer sink, trail;
    bench_check("sink", glbuf_buffer_create(ctx, &sd, &sink));
    uint32_t sink_name = glbuf_buffer_name(ctx, sink);
    glbuf_buffer_desc td = {0};
    td.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    td.growth = GLBUF_GROWTH_POW2;
    td.batch_appends = c->batch;
    td.growth_may_rename = c->rename;
    td.label = "trail";
    bench_check("trail", glbuf_buffer_create(ctx, &td, &trail));
    glbuf_ctx_reset_stats(ctx);

    uint64_t used = 0;
    for (uint32_t f = 0; f < frames; f++) {
        glbuf_ctx_stats s0 = glbuf_ctx_get_stats(ctx);
        uint64_t capacity = glbuf_buffer_capacity(ctx, trail);
        double t0 = bench_now_s();
        for (uint32_t e = 0; e < emitters; e++) {
            vertex v[2];
            ribbon(e, f, v);
            bench_check("append", glbuf_buffer_append(ctx, trail, v, sizeof v));
            memcpy(model + used, v, sizeof v);
            used += sizeof v;
        }
        if (c->batch) {
            /* this frame's draw reads this frame's vertices */
            bench_check("flush_appends", glbuf_buffer_flush_appends(ctx, trail));
        }
        copy(glbuf_buffer_name(ctx, trail), sink_name, (intptr_t)(used - per_frame), 0, (ptrdiff_t)per_frame);
        bench_check("end_frame", glbuf_ctx_end_frame(ctx));
        uint64_t frame = glbuf_ctx_frame(ctx);
        if (frame > FRAMES_IN_FLIGHT + 1) {
            bench_check("wait_frame", glbuf_ctx_wait_frame(ctx, frame - 1 - FRAMES_IN_FLIGHT, UINT64_MAX));
        }
        double t1 = bench_now_s();
        glbuf_ctx_stats s1 = glbuf_ctx_get_stats(ctx);
        calls[f] = (double)(s1.calls_total - s0.calls_total);
        uploads[f] = (double)(uploads_of(&s1) - uploads_of(&s0));
        ms[f] = (t1 - t0) * 1e3;
        if (glbuf_buffer_capacity(ctx, trail) != capacity) {
            growth_ms[growth_n++] = ms[f];
        } else {
            steady[steady_n++] = calls[f];
        }
    }

    result r;
    memset(&r, 0, sizeof r);
    glbuf_ctx_stats s = glbuf_ctx_get_stats(ctx);
    glbuf_buffer_info info;
    bench_check("get_info", glbuf_buffer_get_info(ctx, trail, &info));
    r.growths = s.reallocations;
    r.bytes_copied = s.bytes_copied_by_growth;
    r.gpu_copies = copies_of(&s);
    r.renames = info.storage_generation;
    r.final_size = info.size;
    r.final_capacity = info.capacity;
    memcpy(r.by_call, s.calls, sizeof r.by_call);
    r.calls_mean = mean_of(calls, frames);
    r.calls_max = max_of(calls, frames);
    r.uploads_mean = mean_of(uploads, frames);
    r.uploads_max = max_of(uploads, frames);
    r.ms_max = max_of(ms, frames);
    r.ms_growth_max = max_of(growth_ms, growth_n);
    r.calls_median = bench_median(calls, frames);
    r.calls_steady_median = bench_median(steady, steady_n);
    r.ms_median = bench_median(ms, frames);

    /* every vertex of every frame is in the GL buffer */
    uint8_t *got = bench_xmalloc((size_t)used);
    bench_check("get_sub_data", glbuf_buffer_get_sub_data(ctx, trail, 0, used, got));
    if (used != info.size || memcmp(got, model, (size_t)used) != 0) {
        bench_die("the trail buffer does not hold the appended vertices");
    }
    free(got);
    bench_check("destroy", glbuf_buffer_destroy(ctx, trail));
    bench_check("destroy", glbuf_buffer_destroy(ctx, sink));
    glbuf_ctx_destroy(ctx);
    free(model);
    free(calls);
    free(uploads);
    free(ms);
    free(steady);
    free(growth_ms);
    return r;
}

static uint32_t parse_count(const char *s, const char *what)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || v == 0 || v > 100000) {
        fprintf(stderr, "glbuf-bench-sketch: bad %s '%s' (1..100000)\n", what, s);
        exit(2);
    }
    return (uint32_t)v;
}

int main(int argc, char **argv)
{
    uint32_t frames = 600, emitters = 260;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
            frames = parse_count(argv[++i], "frame count");
        } else if (strcmp(argv[i], "--emitters") == 0 && i + 1 < argc) {
            emitters = parse_count(argv[++i], "emitter count");
        } else {
            fprintf(stderr, "usage: %s [--frames N] [--emitters N]\n", argv[0]);
            return 2;
        }
    }
    char why[256] = "";
    glbuf_headless_desc hd = {4, 5, 0};
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "glbuf-bench-sketch: skipped: no headless GL 4.5 context: %s\n", why);
        return 77;
    }
    copy_named_fn copy = (copy_named_fn)glbuf_headless_get_proc("glCopyNamedBufferSubData");
    if (copy == NULL) {
        bench_die("glCopyNamedBufferSubData missing");
    }
    {
        glbuf_ctx *probe = NULL;
        glbuf_ctx_desc cd = {0};
        cd.get_proc_address = glbuf_headless_get_proc;
        bench_check("glbuf_ctx_create", glbuf_ctx_create(&cd, &probe));
        glbuf_caps caps = glbuf_ctx_get_caps(probe);
        printf("GL_RENDERER: %s\nGL_VERSION:  %s\n", caps.renderer, caps.version);
        glbuf_ctx_destroy(probe);
    }
    const uint64_t per_frame = (uint64_t)emitters * 2 * sizeof(vertex);
    printf("trail sketch: %u emitters x 2 vertices x %zu bytes = %llu bytes appended per frame in %u appends, "
           "%u frames (%.2f MB at the end), POW2 growth, %d frames in flight\n\n",
           emitters, sizeof(vertex), (unsigned long long)per_frame, emitters, frames,
           (double)(per_frame * frames) / 1e6, FRAMES_IN_FLIGHT);

    result r[CONFIGS];
    for (size_t i = 0; i < CONFIGS; i++) {
        r[i] = run(&configs[i], frames, emitters, copy);
    }

    printf("| configuration | glbuf GL calls / frame: mean | median | median without growth | max "
           "| uploads / frame: mean | max | growths | renames | bytes copied by growth | GPU copy calls "
           "| frame ms: median | max | max of growth frames |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < CONFIGS; i++) {
        printf("| %s | %.2f | %.0f | %.0f | %.0f | %.2f | %.0f | %llu | %llu | %llu (%.2f MB) | %llu | %.3f | %.2f | "
               "%.2f |\n",
               configs[i].name, r[i].calls_mean, r[i].calls_median, r[i].calls_steady_median, r[i].calls_max,
               r[i].uploads_mean, r[i].uploads_max, (unsigned long long)r[i].growths,
               (unsigned long long)r[i].renames, (unsigned long long)r[i].bytes_copied,
               (double)r[i].bytes_copied / 1e6, (unsigned long long)r[i].gpu_copies, r[i].ms_median, r[i].ms_max,
               r[i].ms_growth_max);
    }
    printf("\nglbuf GL calls over the %u frames, by entry point:\n\n| entry point |", frames);
    for (size_t i = 0; i < CONFIGS; i++) {
        printf(" %s |", configs[i].name);
    }
    printf("\n|---|");
    for (size_t i = 0; i < CONFIGS; i++) {
        printf("---:|");
    }
    printf("\n");
    for (int k = 0; k < GLBUF_GL_CALL_COUNT; k++) {
        uint64_t any = 0;
        for (size_t i = 0; i < CONFIGS; i++) {
            any |= r[i].by_call[k];
        }
        if (any == 0) {
            continue;
        }
        printf("| %s |", glbuf_gl_call_name((glbuf_gl_call)k));
        for (size_t i = 0; i < CONFIGS; i++) {
            printf(" %llu |", (unsigned long long)r[i].by_call[k]);
        }
        printf("\n");
    }
    printf("\nfinal size %llu bytes, capacity %llu bytes (every configuration; read back and checked)\n",
           (unsigned long long)r[0].final_size, (unsigned long long)r[0].final_capacity);
    const result *before = &r[0], *after = &r[CONFIGS - 1];
    printf("before -> after: %.2f -> %.2f glbuf GL calls per frame (mean), %llu -> %llu bytes copied by growth\n",
           before->calls_mean, after->calls_mean, (unsigned long long)before->bytes_copied,
           (unsigned long long)after->bytes_copied);
    glbuf_headless_destroy(h);
    return 0;
}
