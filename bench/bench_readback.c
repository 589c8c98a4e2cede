/* bench_readback.c - GPU -> CPU readback throughput: glbuf_readback with each
 * ring memory choice and on the PBO-style path, against glGetBufferSubData of
 * the same bytes and a plain host memcpy, at 64 KiB, 1 MiB, 16 MiB and 64 MiB.
 *
 *   glbuf-bench-readback [--quick] [--driver-messages]
 *
 * --driver-messages runs on a debug context with a logger and prints, at the
 * end, the driver's debug messages glbuf logged (with glbuf's explanation
 * lines): what the driver says about the rings' placement. A debug context
 * costs time: figures of such a run are not for comparison.
 *
 * Every iteration the GPU writes the source range (glClearNamedBufferSubData
 * with a value that changes every time, into a GL_DYNAMIC_COPY buffer, one
 * per method), then the bytes are brought back and read by the CPU (a memcpy
 * into host memory), and the first and last words are checked against the
 * value written, so no figure comes from stale data. Three tables:
 *   pipelined   three requests in flight: write, request, end the frame,
 *               then wait for the request of two frames back, read it, release
 *               it. Bytes / median frame time in the steady state. For
 *               glGetBufferSubData (which cannot overlap): write, read back,
 *               end the frame.
 *   one at a time  write, request, wait, read, release: the latency-bound
 *               case (median of iterations).
 *   render thread  in the pipelined run, the median time per frame spent
 *               inside the readback calls and the read-out (copy, wait,
 *               memcpy, release; glGetBufferSubData): what the frame loop
 *               loses to readback while the GPU works in parallel.
 *   CPU read    the memcpy out of a completed request's pointer alone
 *               (median): what the ring memory's caching costs the reader.
 *               The PBO-style path reads its host mirror here; its map and
 *               copy happen inside the wait.
 * GB/s = 1e9 bytes/s (render thread: microseconds per frame). The last
 * lines name the fastest persistent memory choice, from the pipelined table
 * at 16 and 64 MiB (the default of glbuf_readback_desc.memory follows these
 * measurements: readback.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glbuf/buffer.h"
#include "glbuf/readback.h"
#include "bench_util.h"
#include "headless.h"

/* GL enums for glClearNamedBufferSubData (the bench sees no GL headers). */
#define BENCH_GL_R32UI 0x8236u
#define BENCH_GL_RED_INTEGER 0x8D94u
#define BENCH_GL_UNSIGNED_INT 0x1405u

#define SIZES 4
#define IN_FLIGHT 3
#define WARMUP 2

typedef void (*clear_named_fn)(unsigned int buffer, unsigned int internalformat, intptr_t offset, ptrdiff_t size,
                               unsigned int format, unsigned int type, const void *data);

static const uint64_t sizes[SIZES] = {(uint64_t)64 << 10, (uint64_t)1 << 20, (uint64_t)16 << 20,
                                      (uint64_t)64 << 20};
static const char *const size_names[SIZES] = {"64 KiB", "1 MiB", "16 MiB", "64 MiB"};

enum {
    M_MEMCPY,
    M_GET_SUB_DATA,
    M_COHERENT,
    M_BARRIER,
    M_CLIENT_COHERENT,
    M_CLIENT_BARRIER,
    M_PBO,
    METHODS
};
static const char *const method_names[METHODS] = {
    "host memcpy (reference)",
    "glGetBufferSubData",
    "glbuf_readback, COHERENT",
    "glbuf_readback, BARRIER",
    "glbuf_readback, CLIENT_COHERENT",
    "glbuf_readback, CLIENT_BARRIER",
    "glbuf_readback, PBO-style (no buffer storage)",
};
static const glbuf_readback_memory method_memory[METHODS] = {
    GLBUF_READBACK_MEMORY_DEFAULT,        GLBUF_READBACK_MEMORY_DEFAULT,         GLBUF_READBACK_MEMORY_COHERENT,
    GLBUF_READBACK_MEMORY_BARRIER,        GLBUF_READBACK_MEMORY_CLIENT_COHERENT, GLBUF_READBACK_MEMORY_CLIENT_BARRIER,
    GLBUF_READBACK_MEMORY_DEFAULT,
};

typedef struct bench {
    glbuf_ctx *ctx;     /* every capability */
    glbuf_ctx *ctx_pbo; /* ARB_buffer_storage disabled: the PBO-style path */
    clear_named_fn clear;
    uint8_t *host;       /* where the CPU copies what it reads */
    uint8_t *host_src;   /* the memcpy reference's source */
    uint32_t seq;        /* the value the GPU writes next */
} bench;

/* Distinct lines glbuf logged from the driver (--driver-messages). */
#define MAX_MESSAGES 48
static char *messages[MAX_MESSAGES];
static int message_count, messages_dropped;

static void collect(glbuf_log_level level, const char *message, void *user)
{
    (void)level;
    (void)user;
    if (strncmp(message, "GL [", 4) != 0) {
        return;
    }
    for (int i = 0; i < message_count; i++) {
        if (strcmp(messages[i], message) == 0) {
            return;
        }
    }
    if (message_count == MAX_MESSAGES) {
        messages_dropped++;
        return;
    }
    messages[message_count] = bench_xmalloc(strlen(message) + 1);
    memcpy(messages[message_count++], message, strlen(message) + 1);
}

typedef struct result {
    double pipelined; /* median seconds per frame, steady state */
    double render;    /* median seconds per frame inside the readback calls and the read-out, pipelined */
    double one;       /* median seconds of one write-request-wait-read */
    double cpu_read;  /* median seconds of the memcpy out of a completed request; NAN where none */
} result;

typedef struct job {
    glbuf_readback_request req;
    uint32_t value;
} job;

/* The GPU writes `value` over [0, size) of `name`. */
static void gpu_write(bench *b, uint32_t name, uint64_t size, uint32_t value)
{
    b->clear(name, BENCH_GL_R32UI, 0, (ptrdiff_t)size, BENCH_GL_RED_INTEGER, BENCH_GL_UNSIGNED_INT, &value);
}

static uint32_t next_value(bench *b)
{
    b->seq++;
    return b->seq * 2654435761u | 1u; /* never 0: a ring's fresh bytes cannot pass */
}

static void verify(const uint8_t *p, uint64_t size, uint32_t value, const char *what)
{
    uint32_t first, last;
    memcpy(&first, p, 4);
    memcpy(&last, p + size - 4, 4);
    if (first != value || last != value) {
        fprintf(stderr, "glbuf-bench-readback: %s read 0x%08x / 0x%08x, the GPU wrote 0x%08x\n", what, first, last,
                value);
        exit(1);
    }
}

/* Reads a completed request out and gives it back; returns the memcpy's seconds. */
static double consume(bench *b, glbuf_ctx *ctx, glbuf_readback rb, const job *j, uint64_t size)
{
    const void *data = NULL;
    bench_check("readback_wait", glbuf_readback_wait(ctx, rb, j->req, UINT64_MAX, &data));
    double t0 = bench_now_s();
    memcpy(b->host, data, (size_t)size);
    double t1 = bench_now_s();
    verify(b->host, size, j->value, "glbuf_readback");
    bench_check("readback_release", glbuf_readback_release(ctx, rb, j->req));
    return t1 - t0;
}

static result run_memcpy(bench *b, uint64_t size, int iters)
{
    double *t = bench_xcalloc((size_t)iters, sizeof *t);
    for (int i = 0; i < WARMUP + iters; i++) {
        double t0 = bench_now_s();
        memcpy(b->host, b->host_src, (size_t)size);
        double t1 = bench_now_s();
        if (i >= WARMUP) {
            t[i - WARMUP] = t1 - t0;
        }
    }
    result r;
    r.one = r.cpu_read = r.pipelined = r.render = bench_median(t, (size_t)iters);
    free(t);
    return r;
}

static result run_get_sub_data(bench *b, uint64_t size, int iters)
{
    glbuf_buffer_desc d = {0};
    d.size = size;
    d.usage = GLBUF_USAGE_DYNAMIC_COPY;
    d.label = "bench-readback-source";
    glbuf_buffer src;
    bench_check("buffer_create", glbuf_buffer_create(b->ctx, &d, &src));
    uint32_t name = glbuf_buffer_name(b->ctx, src);
    double *t = bench_xcalloc((size_t)iters, sizeof *t);
    double *frame = bench_xcalloc((size_t)iters, sizeof *frame);
    double *inside = bench_xcalloc((size_t)iters, sizeof *inside);
    bench_check("wait_idle", glbuf_ctx_wait_idle(b->ctx));
    for (int i = 0; i < WARMUP + iters; i++) {
        double t0 = bench_now_s();
        uint32_t value = next_value(b);
        gpu_write(b, name, size, value);
        double tg = bench_now_s();
        bench_check("get_sub_data", glbuf_buffer_get_sub_data(b->ctx, src, 0, size, b->host));
        double t1 = bench_now_s();
        verify(b->host, size, value, "glGetBufferSubData");
        bench_check("end_frame", glbuf_ctx_end_frame(b->ctx));
        double t2 = bench_now_s();
        if (i >= WARMUP) {
            t[i - WARMUP] = t1 - t0;
            inside[i - WARMUP] = t1 - tg;
            frame[i - WARMUP] = t2 - t0;
        }
    }
    result r;
    r.pipelined = bench_median(frame, (size_t)iters);
    r.render = bench_median(inside, (size_t)iters);
    r.one = bench_median(t, (size_t)iters);
    free(frame);
    free(inside);
    r.cpu_read = NAN;
    free(t);
    bench_check("buffer_destroy", glbuf_buffer_destroy(b->ctx, src));
    return r;
}

static result run_readback(bench *b, int m, uint64_t size, int iters)
{
    glbuf_ctx *ctx = m == M_PBO ? b->ctx_pbo : b->ctx;
    glbuf_buffer_desc d = {0};
    d.size = size;
    d.usage = GLBUF_USAGE_DYNAMIC_COPY;
    d.label = "bench-readback-source";
    glbuf_buffer src;
    bench_check("buffer_create", glbuf_buffer_create(ctx, &d, &src));
    uint32_t name = glbuf_buffer_name(ctx, src);
    glbuf_readback_desc rd = {0};
    rd.capacity = size * (IN_FLIGHT + 1); /* no growth while measuring */
    rd.max_capacity = rd.capacity;
    rd.memory = method_memory[m];
    rd.label = "bench-readback";
    glbuf_readback rb;
    bench_check("readback_create", glbuf_readback_create(ctx, &rd, &rb));
    if (m != M_PBO && glbuf_readback_get_stats(ctx, rb).memory != method_memory[m]) {
        fprintf(stderr, "  (%s runs as %d on this driver)\n", method_names[m], glbuf_readback_get_stats(ctx, rb).memory);
    }
    double *one = bench_xcalloc((size_t)iters, sizeof *one);
    double *cpu = bench_xcalloc((size_t)iters, sizeof *cpu);

    /* one at a time */
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    for (int i = 0; i < WARMUP + iters; i++) {
        double t0 = bench_now_s();
        job j;
        j.value = next_value(b);
        gpu_write(b, name, size, j.value);
        bench_check("readback_copy", glbuf_readback_copy(ctx, rb, name, 0, size, &j.req));
        double read = consume(b, ctx, rb, &j, size);
        double t1 = bench_now_s();
        bench_check("end_frame", glbuf_ctx_end_frame(ctx));
        if (i >= WARMUP) {
            one[i - WARMUP] = t1 - t0;
            cpu[i - WARMUP] = read;
        }
    }

    /* pipelined: IN_FLIGHT requests in flight */
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    job q[IN_FLIGHT];
    int head = 0, count = 0, n = 0;
    double *frame = bench_xcalloc((size_t)iters, sizeof *frame);
    double *inside = bench_xcalloc((size_t)iters, sizeof *inside);
    /* Steady state from the frame that first reads a request out; WARMUP
     * such frames are not timed. */
    for (int f = 0; n < iters; f++) {
        double t0 = bench_now_s();
        job *j = &q[(head + count) % IN_FLIGHT];
        j->value = next_value(b);
        gpu_write(b, name, size, j->value);
        double tc = bench_now_s();
        bench_check("readback_copy", glbuf_readback_copy(ctx, rb, name, 0, size, &j->req));
        double in = bench_now_s() - tc;
        count++;
        bench_check("end_frame", glbuf_ctx_end_frame(ctx));
        if (count == IN_FLIGHT) {
            double t1 = bench_now_s();
            (void)consume(b, ctx, rb, &q[head], size);
            in += bench_now_s() - t1;
            head = (head + 1) % IN_FLIGHT;
            count--;
        }
        if (f >= IN_FLIGHT - 1 + WARMUP) {
            frame[n] = bench_now_s() - t0;
            inside[n++] = in;
        }
    }
    while (count > 0) {
        (void)consume(b, ctx, rb, &q[head], size);
        head = (head + 1) % IN_FLIGHT;
        count--;
    }
    result r;
    r.pipelined = bench_median(frame, (size_t)iters);
    r.render = bench_median(inside, (size_t)iters);
    free(frame);
    free(inside);
    r.one = bench_median(one, (size_t)iters);
    r.cpu_read = bench_median(cpu, (size_t)iters);
    glbuf_readback_stats st = glbuf_readback_get_stats(ctx, rb);
    if (st.growths != 0) {
        bench_die("the readback ring grew while measuring");
    }
    free(one);
    free(cpu);
    bench_check("readback_destroy", glbuf_readback_destroy(ctx, rb));
    bench_check("buffer_destroy", glbuf_buffer_destroy(ctx, src));
    return r;
}

static void print_table(const char *title, result res[METHODS][SIZES], int which)
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
            double secs = which == 0   ? res[m][s].pipelined
                          : which == 1 ? res[m][s].one
                          : which == 2 ? res[m][s].cpu_read
                                       : res[m][s].render;
            if (isnan(secs)) {
                printf(" — |");
            } else if (which == 3) {
                printf(" %.0f µs |", secs * 1e6);
            } else {
                printf(" %.2f GB/s |", (double)sizes[s] / secs * 1e-9);
            }
        }
        printf("\n");
    }
    if (which != 2 && which != 3) {
        printf("| default (COHERENT) / glGetBufferSubData |");
        for (int s = 0; s < SIZES; s++) {
            double a = which == 0 ? res[M_GET_SUB_DATA][s].pipelined : res[M_GET_SUB_DATA][s].one;
            double c = which == 0 ? res[M_COHERENT][s].pipelined : res[M_COHERENT][s].one;
            printf(" %.2fx |", a / c);
        }
        printf("\n");
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    int quick = 0, driver_messages = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--driver-messages") == 0) {
            driver_messages = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick] [--driver-messages]\n", argv[0]);
            return 2;
        }
    }
    char why[256] = "";
    glbuf_headless_desc hd = {4, 5, driver_messages};
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "glbuf-bench-readback: skipped: no headless GL 4.5 context: %s\n", why);
        return 77;
    }
    bench b;
    memset(&b, 0, sizeof b);
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    if (driver_messages) {
        cd.logger.log = collect;
    }
    bench_check("ctx_create", glbuf_ctx_create(&cd, &b.ctx));
    cd.logger.log = NULL; /* one callback: the first context's */
    cd.disable_caps = GLBUF_CAP_BUFFER_STORAGE;
    bench_check("ctx_create (no buffer storage)", glbuf_ctx_create(&cd, &b.ctx_pbo));
    b.clear = (clear_named_fn)glbuf_headless_get_proc("glClearNamedBufferSubData");
    if (b.clear == NULL) {
        bench_die("glClearNamedBufferSubData missing");
    }
    glbuf_caps caps = glbuf_ctx_get_caps(b.ctx);
    if (!(caps.caps & GLBUF_CAP_BUFFER_STORAGE)) {
        bench_die("ARB_buffer_storage missing: nothing to compare");
    }
    printf("GL_VENDOR:   %s\nGL_RENDERER: %s\nGL_VERSION:  %s\n", caps.vendor, caps.renderer, caps.version);
    printf("glbuf_readback default memory: COHERENT (MAP_READ | MAP_PERSISTENT | MAP_COHERENT)\n\n");

    uint64_t max_size = sizes[SIZES - 1];
    b.host = bench_xmalloc((size_t)max_size);
    b.host_src = bench_xmalloc((size_t)max_size);
    memset(b.host, 0, (size_t)max_size); /* touched: no page faults inside the timings */
    memset(b.host_src, 7, (size_t)max_size);

    /* iterations per size: about 1 GiB (16 MiB with --quick), 16 (4) to 2000 */
    result res[METHODS][SIZES];
    for (int s = 0; s < SIZES; s++) {
        uint64_t budget = quick ? (uint64_t)16 << 20 : (uint64_t)1 << 30;
        int iters = (int)(budget / sizes[s]);
        int least = quick ? 4 : 16;
        iters = iters < least ? least : iters > 2000 ? 2000 : iters;
        for (int m = 0; m < METHODS; m++) {
            if (m == M_MEMCPY) {
                res[m][s] = run_memcpy(&b, sizes[s], iters);
            } else if (m == M_GET_SUB_DATA) {
                res[m][s] = run_get_sub_data(&b, sizes[s], iters);
            } else {
                res[m][s] = run_readback(&b, m, sizes[s], iters);
            }
        }
    }
    printf("GB/s = 1e9 bytes/s; the GPU writes the source every iteration; the CPU copies every byte out.\n\n");
    print_table("Pipelined: 3 requests in flight, each read out after its fence (glGetBufferSubData: "
                "write, read back, end frame); bytes / median frame time",
                res, 0);
    print_table("One at a time: GPU write, request, wait, read out, release (median)", res, 1);
    print_table("Render thread, pipelined: time per frame inside the readback calls and the read-out", res, 3);
    print_table("CPU read: memcpy out of a completed request's pointer (median)", res, 2);

    int best = M_COHERENT;
    double best_secs = INFINITY;
    for (int m = M_COHERENT; m <= M_CLIENT_BARRIER; m++) {
        double secs = res[m][2].pipelined + res[m][3].pipelined;
        printf("pipelined 16 MiB + 64 MiB, %s: %.2f ms\n", method_names[m], secs * 1e3);
        if (secs < best_secs) {
            best_secs = secs;
            best = m;
        }
    }
    printf("fastest persistent memory here (pipelined, 16 MiB + 64 MiB): %s\n", method_names[best]);
    if (driver_messages) {
        printf("\nDriver messages glbuf logged (debug context: the figures above are not for comparison):\n\n");
        for (int i = 0; i < message_count; i++) {
            printf("    %s\n", messages[i]);
            free(messages[i]);
        }
        if (message_count == 0) {
            printf("    (none)\n");
        }
        if (messages_dropped > 0) {
            printf("    (%d more distinct lines not kept)\n", messages_dropped);
        }
    }

    free(b.host);
    free(b.host_src);
    glbuf_ctx_destroy(b.ctx_pbo);
    glbuf_ctx_destroy(b.ctx);
    glbuf_headless_destroy(h);
    return 0;
}
