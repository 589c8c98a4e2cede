/* bench_stream.c - per-frame upload throughput: one frame's data of 64 KiB,
 * 1 MiB and 16 MiB through sub-data into one buffer, orphan then sub-data,
 * map with invalidate, and the persistent ring (glbuf_stream: alloc +
 * memcpy, the same with explicit flush, and glbuf_stream_write), next to a
 * plain host memcpy of the same bytes and a memcpy into the ring's own kind
 * of memory (a persistent mapping the GPU does not read), measured in the
 * same run.
 *
 *   glbuf-bench-stream [--quick]
 *
 * Every GL frame uploads the bytes, has the GPU consume them (a
 * glCopyNamedBufferSubData into a sink buffer, so no driver can skip the
 * upload), ends the frame (the context's fence) and keeps at most three
 * frames in flight by waiting for the fence of the frame three back. A
 * frame's time runs from its first call to the end of that wait, so waits
 * and stalls count. Two tables: the upload calls alone (ring waits and driver
 * stalls inside them included), and the whole frame. Figures are medians;
 * GB/s = bytes / median. The memcpy baseline copies into a host ring of
 * three frames, as the GL ring does. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glbuf/buffer.h"
#include "glbuf/stream.h"
#include "bench_util.h"
#include "headless.h"

#define FRAMES_IN_FLIGHT 3
#define WARMUP 3
#define SIZES 3
#define METHODS 8

typedef void (*copy_named_fn)(unsigned int src, unsigned int dst, intptr_t src_offset, intptr_t dst_offset,
                              ptrdiff_t size);

static const uint64_t sizes[SIZES] = {(uint64_t)64 << 10, (uint64_t)1 << 20, (uint64_t)16 << 20};
static const char *const size_names[SIZES] = {"64 KiB", "1 MiB", "16 MiB"};
enum { M_MEMCPY, M_MAPPED, M_SUB_DATA, M_ORPHAN, M_INVALIDATE, M_RING, M_RING_EXPLICIT, M_RING_WRITE };
static const char *const method_names[METHODS] = {
    "host memcpy",
    "memcpy into a persistent mapping (no GPU reads)",
    "sub-data, one buffer",
    "orphan + sub-data",
    "map + INVALIDATE_BUFFER",
    "persistent ring: glbuf_stream_alloc + memcpy",
    "persistent ring, explicit flush: alloc + memcpy",
    "persistent ring: glbuf_stream_write"};

typedef struct bench {
    glbuf_ctx *ctx;
    copy_named_fn copy;
    glbuf_buffer sink;
    uint32_t sink_name;
    uint8_t *src;
} bench;

static void die(const char *what, glbuf_result r)
{
    fprintf(stderr, "%s: %s\n", what, glbuf_result_name(r));
    exit(1);
}

static void check(const char *what, glbuf_result r)
{
    if (r != GLBUF_OK) {
        die(what, r);
    }
}

/* The GPU reads the frame's bytes; then the frame ends and at most
 * FRAMES_IN_FLIGHT frames stay in flight. */
static void consume_and_end_frame(bench *b, uint32_t name, uint64_t offset, uint64_t size)
{
    b->copy(name, b->sink_name, (intptr_t)offset, 0, (ptrdiff_t)size);
    check("end_frame", glbuf_ctx_end_frame(b->ctx));
    uint64_t frame = glbuf_ctx_frame(b->ctx);
    if (frame > FRAMES_IN_FLIGHT + 1) {
        check("wait_frame", glbuf_ctx_wait_frame(b->ctx, frame - 1 - FRAMES_IN_FLIGHT, UINT64_MAX));
    }
}

typedef struct timing {
    double upload; /* median seconds in the upload calls (waits and stalls included) */
    double frame;  /* median seconds per frame, end to end */
} timing;

/* Medians for method `m` moving `size` bytes a frame. */
static timing run(bench *b, int m, uint64_t size, int frames)
{
    double *t = malloc((size_t)frames * sizeof *t);
    double *u = malloc((size_t)frames * sizeof *u);
    uint8_t *host = NULL;
    glbuf_buffer buf = {0};
    glbuf_stream stream = {0};
    void *mapped[FRAMES_IN_FLIGHT] = {NULL};
    if (m == M_MEMCPY) {
        host = malloc((size_t)(size * FRAMES_IN_FLIGHT));
        memset(host, 1, (size_t)(size * FRAMES_IN_FLIGHT));
    } else if (m == M_MAPPED) {
        /* The ring's memory without the ring: three slots handed out once,
         * written over and over, never read by the GPU. */
        glbuf_stream_desc d = {0};
        d.capacity = size * FRAMES_IN_FLIGHT;
        d.label = "bench-mapped";
        check("stream_create", glbuf_stream_create(b->ctx, &d, &stream));
        for (int k = 0; k < FRAMES_IN_FLIGHT; k++) {
            glbuf_stream_allocation a;
            check("stream_alloc", glbuf_stream_alloc(b->ctx, stream, size, 256, &a));
            mapped[k] = a.ptr;
            memset(a.ptr, 1, (size_t)size);
        }
    } else if (m <= M_INVALIDATE) {
        glbuf_buffer_desc d = {0};
        d.size = size;
        d.usage = GLBUF_USAGE_STREAM_DRAW;
        d.label = "bench-upload";
        check("buffer_create", glbuf_buffer_create(b->ctx, &d, &buf));
    } else {
        glbuf_stream_desc d = {0};
        d.capacity = size * FRAMES_IN_FLIGHT; /* rounded up to a power of two */
        d.explicit_flush = m == M_RING_EXPLICIT;
        d.label = "bench-ring";
        check("stream_create", glbuf_stream_create(b->ctx, &d, &stream));
    }
    uint32_t name = glbuf_buffer_name(b->ctx, buf);
    check("wait_idle", glbuf_ctx_wait_idle(b->ctx));
    for (int f = 0; f < WARMUP + frames; f++) {
        double t0 = bench_now_s(), t1 = 0;
        switch (m) {
        case M_MEMCPY:
            memcpy(host + (uint64_t)(f % FRAMES_IN_FLIGHT) * size, b->src, (size_t)size);
            t1 = bench_now_s();
            break;
        case M_MAPPED:
            memcpy(mapped[f % FRAMES_IN_FLIGHT], b->src, (size_t)size);
            t1 = bench_now_s();
            break;
        case M_SUB_DATA:
            check("sub_data", glbuf_buffer_sub_data(b->ctx, buf, 0, size, b->src));
            t1 = bench_now_s();
            consume_and_end_frame(b, name, 0, size);
            break;
        case M_ORPHAN:
            check("orphan", glbuf_buffer_orphan(b->ctx, buf));
            check("sub_data", glbuf_buffer_sub_data(b->ctx, buf, 0, size, b->src));
            t1 = bench_now_s();
            consume_and_end_frame(b, name, 0, size);
            break;
        case M_INVALIDATE: {
            void *p = NULL;
            check("map_replace", glbuf_buffer_map_replace(b->ctx, buf, &p));
            memcpy(p, b->src, (size_t)size);
            check("unmap", glbuf_buffer_unmap(b->ctx, buf));
            t1 = bench_now_s();
            consume_and_end_frame(b, name, 0, size);
            break;
        }
        default: {
            glbuf_stream_allocation a;
            if (m == M_RING_WRITE) {
                check("stream_write", glbuf_stream_write(b->ctx, stream, b->src, size, 256, &a));
            } else {
                check("stream_alloc", glbuf_stream_alloc(b->ctx, stream, size, 256, &a));
                memcpy(a.ptr, b->src, (size_t)size);
            }
            check("stream_flush", glbuf_stream_flush(b->ctx, stream));
            t1 = bench_now_s();
            consume_and_end_frame(b, a.name, a.offset, size);
            break;
        }
        }
        double t2 = bench_now_s();
        if (f >= WARMUP) {
            u[f - WARMUP] = t1 - t0;
            t[f - WARMUP] = t2 - t0;
        }
    }
    check("wait_idle", glbuf_ctx_wait_idle(b->ctx));
    if (stream.id != 0 && m != M_MAPPED) {
        glbuf_stream_stats st = glbuf_stream_get_stats(b->ctx, stream);
        if (st.growths != 0 || st.waits != 0) {
            fprintf(stderr, "  (ring %s: %llu growths, %llu waits, %.3f ms waited)\n",
                    size_names[size == sizes[0] ? 0 : size == sizes[1] ? 1 : 2], (unsigned long long)st.growths,
                    (unsigned long long)st.waits, (double)st.wait_ns * 1e-6);
        }
    }
    if (stream.id != 0) {
        check("stream_destroy", glbuf_stream_destroy(b->ctx, stream));
    }
    if (buf.id != 0) {
        glbuf_buffer_destroy(b->ctx, buf);
    }
    free(host);
    timing r;
    r.upload = bench_median(u, (size_t)(frames));
    r.frame = bench_median(t, (size_t)(frames));
    free(u);
    free(t);
    return r;
}

static void print_table(const char *title, double secs[METHODS][SIZES])
{
    printf("%s\n\n| method |", title);
    for (int s = 0; s < SIZES; s++) {
        printf(" %s |", size_names[s]);
    }
    printf("\n|---|");
    for (int s = 0; s < SIZES; s++) {
        printf("---|");
    }
    printf("\n");
    for (int m = 0; m < METHODS; m++) {
        printf("| %s |", method_names[m]);
        for (int s = 0; s < SIZES; s++) {
            double gbs = (double)sizes[s] / secs[m][s] * 1e-9;
            double pct = 100.0 * secs[0][s] / secs[m][s];
            printf(" %.2f GB/s (%.0f%%) |", gbs, pct);
        }
        printf("\n");
    }
    /* The best ring against the best of the other GL methods, and against
     * a memcpy into the same kind of memory. */
    printf("| best ring / best other GL method |");
    for (int s = 0; s < SIZES; s++) {
        double ring = secs[M_RING][s], other = secs[M_SUB_DATA][s];
        for (int m = M_RING; m <= M_RING_WRITE; m++) {
            ring = secs[m][s] < ring ? secs[m][s] : ring;
        }
        for (int m = M_SUB_DATA; m <= M_INVALIDATE; m++) {
            other = secs[m][s] < other ? secs[m][s] : other;
        }
        printf(" %.2fx |", other / ring);
    }
    printf("\n| best ring / memcpy into a persistent mapping |");
    for (int s = 0; s < SIZES; s++) {
        double ring = secs[M_RING][s];
        for (int m = M_RING; m <= M_RING_WRITE; m++) {
            ring = secs[m][s] < ring ? secs[m][s] : ring;
        }
        printf(" %.0f%% |", 100.0 * secs[M_MAPPED][s] / ring);
    }
    printf("\n\n");
}

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }
    char why[256] = "";
    glbuf_headless_desc hd = {4, 5, 0};
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "no headless GL 4.5 context: %s\n", why);
        return 77;
    }
    bench b;
    memset(&b, 0, sizeof b);
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    check("ctx_create", glbuf_ctx_create(&cd, &b.ctx));
    b.copy = (copy_named_fn)glbuf_headless_get_proc("glCopyNamedBufferSubData");
    if (b.copy == NULL) {
        fprintf(stderr, "glCopyNamedBufferSubData missing\n");
        return 1;
    }
    glbuf_caps caps = glbuf_ctx_get_caps(b.ctx);
    printf("GL_VENDOR:   %s\nGL_RENDERER: %s\nGL_VERSION:  %s\n", caps.vendor, caps.renderer, caps.version);
    printf("persistent ring: %s\n\n",
           (caps.caps & GLBUF_CAP_BUFFER_STORAGE) ? "yes (ARB_buffer_storage, coherent)" : "no (orphaning fallback)");

    uint64_t max_size = sizes[SIZES - 1];
    glbuf_buffer_desc sd = {0};
    sd.size = max_size;
    sd.usage = GLBUF_USAGE_STATIC_COPY;
    sd.label = "bench-sink";
    check("sink", glbuf_buffer_create(b.ctx, &sd, &b.sink));
    b.sink_name = glbuf_buffer_name(b.ctx, b.sink);
    b.src = malloc((size_t)max_size);
    for (uint64_t i = 0; i < max_size; i++) {
        b.src[i] = (uint8_t)(i * 2654435761u >> 24);
    }

    /* frames per size: about 1 GiB (32 MiB with --quick) each, 50 (10) to 2000 */
    double upload[METHODS][SIZES], frame[METHODS][SIZES];
    for (int s = 0; s < SIZES; s++) {
        uint64_t budget = quick ? (uint64_t)32 << 20 : (uint64_t)1 << 30;
        int frames = (int)(budget / sizes[s]);
        int least = quick ? 10 : 50;
        if (frames < least) {
            frames = least;
        }
        if (frames > 2000) {
            frames = 2000;
        }
        for (int m = 0; m < METHODS; m++) {
            timing t = run(&b, m, sizes[s], frames);
            upload[m][s] = t.upload;
            frame[m][s] = t.frame;
        }
    }
    printf("%d frames in flight; medians; GB/s = 1e9 bytes/s; %% of the host memcpy of the same bytes.\n\n",
           FRAMES_IN_FLIGHT);
    print_table("Upload: time in the upload calls (alloc/map + memcpy + flush/unmap, or sub-data), "
                "stalls and ring waits included",
                upload);
    print_table("Frame, end to end: upload + GPU copy into a sink + fence + wait for the frame 3 back", frame);

    glbuf_buffer_destroy(b.ctx, b.sink);
    free(b.src);
    glbuf_ctx_destroy(b.ctx);
    glbuf_headless_destroy(h);
    return 0;
}
