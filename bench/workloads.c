/* workloads.c - see workloads.h. Every figure is measured on the context's
 * counters (glbuf_ctx_get_stats) and CLOCK_MONOTONIC; each timed section ends
 * with glbuf_ctx_wait_idle so that work the driver deferred is counted. */
#define _POSIX_C_SOURCE 200809L
#include "workloads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/mesh.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"

#define FIXED_STEP ((uint64_t)1 << 20) /* fixed-step growth: 1 MiB, glbuf's default */
#define END_FRAME_EVERY 1000           /* churn: operations per frame */
#define FRAMES_IN_FLIGHT 3
#define STREAM_MIN ((uint64_t)64 << 10)
#define STREAM_MAX ((uint64_t)16 << 20)
#define DRAW_VERTICES 6  /* a quad, two triangles */
#define DRAW_STRIDE 8    /* vec2 of float */
#define DRAW_WARMUP 3
#define DRAW_FB_SIZE 256

static int is_policy(int s)
{
    return s >= BENCH_EXACT && s <= BENCH_FIXED_STEP;
}

static glbuf_growth policy_of(int s)
{
    switch (s) {
    case BENCH_POW2:
        return GLBUF_GROWTH_POW2;
    case BENCH_FACTOR_1_5:
        return GLBUF_GROWTH_FACTOR_1_5;
    case BENCH_FIXED_STEP:
        return GLBUF_GROWTH_FIXED_STEP;
    default:
        return GLBUF_GROWTH_EXACT;
    }
}

static void progress(const char *workload, int s)
{
    fprintf(stderr, "glbuf-bench: %s / %s\n", workload, bench_strategy_names[s]);
}

/* Ends the frame and keeps at most FRAMES_IN_FLIGHT frames in flight. */
static void end_frame_bounded(glbuf_ctx *ctx)
{
    bench_check("end_frame", glbuf_ctx_end_frame(ctx));
    uint64_t frame = glbuf_ctx_frame(ctx);
    if (frame > FRAMES_IN_FLIGHT + 1) {
        bench_check("wait_frame", glbuf_ctx_wait_frame(ctx, frame - 1 - FRAMES_IN_FLIGHT, UINT64_MAX));
    }
}

static glbuf_buffer new_buffer(glbuf_ctx *ctx, uint64_t size, const void *data, glbuf_growth growth,
                               glbuf_usage usage, const char *label)
{
    glbuf_buffer_desc d = {0};
    d.size = size;
    d.data = data;
    d.growth = growth;
    d.growth_step = FIXED_STEP;
    d.usage = usage;
    d.label = label;
    glbuf_buffer b = {0};
    bench_check("glbuf_buffer_create", glbuf_buffer_create(ctx, &d, &b));
    return b;
}

static glbuf_mega new_mega(glbuf_ctx *ctx, uint64_t capacity, const char *label)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = (uint64_t)4 << 30;
    d.label = label;
    glbuf_mega m = {0};
    bench_check("glbuf_mega_create", glbuf_mega_create(ctx, &d, &m));
    return m;
}

static glbuf_pool new_pool(const bench_env *e, const char *label)
{
    glbuf_pool_desc d = {0};
    d.usage = GLBUF_USAGE_DYNAMIC_DRAW; /* reused buffers are rewritten */
    d.demand_frames = e->pool_demand_frames;
    d.label = label;
    glbuf_pool p = {0};
    bench_check("glbuf_pool_create", glbuf_pool_create(e->ctx, &d, &p));
    return p;
}

/* Figures of every churn and streaming row, from the context's counters:
 * buffers created and deleted per 1000 operations, and the GL calls that are
 * not the uploads themselves (gl[Named]BufferSubData). */
static void buffer_figures(const glbuf_ctx_stats *st, double ops, bench_row *row)
{
    uint64_t uploads = st->calls[GLBUF_GL_NamedBufferSubData] + st->calls[GLBUF_GL_BufferSubData];
    row->v[BENCH_F_BUFFERS_CREATED_PER_1K] = (double)st->buffers_created * 1000.0 / ops;
    row->v[BENCH_F_BUFFERS_DELETED_PER_1K] = (double)st->buffers_deleted * 1000.0 / ops;
    row->v[BENCH_F_GL_CALLS_BESIDES_UPLOAD] = (double)(st->calls_total - uploads) / ops;
}

/* A pool's acquisition counters at one point of a run. */
typedef struct pool_mark {
    uint64_t acquired, reused;
} pool_mark;

static pool_mark pool_mark_of(const glbuf_ctx *ctx, glbuf_pool pool)
{
    glbuf_pool_stats ps = glbuf_pool_get_stats(ctx, pool);
    pool_mark m = {ps.acquired, 0};
    for (int i = 0; i < GLBUF_POOL_TIERS; i++) {
        m.reused += ps.tiers[i].reused;
    }
    return m;
}

/* The pool's reuse rates (whole run; since `half`, the second half), and on
 * stderr what its buffers went through, with the GL calls per acquisition by
 * entry point, to read its rows by. */
static void pool_figures(const glbuf_ctx *ctx, glbuf_pool pool, pool_mark half, const glbuf_ctx_stats *st,
                         bench_row *row)
{
    glbuf_pool_stats ps = glbuf_pool_get_stats(ctx, pool);
    pool_mark end = pool_mark_of(ctx, pool);
    row->v[BENCH_F_REUSE_RATE] = end.acquired ? (double)end.reused / (double)end.acquired : NAN;
    row->v[BENCH_F_STEADY_REUSE_RATE] =
        end.acquired > half.acquired ? (double)(end.reused - half.reused) / (double)(end.acquired - half.acquired)
                                     : NAN;
    uint64_t created = 0, shed = 0, trimmed = 0, evicted = 0, discarded = 0;
    for (int i = 0; i < GLBUF_POOL_TIERS; i++) {
        created += ps.tiers[i].created;
        shed += ps.tiers[i].shed;
        trimmed += ps.tiers[i].trimmed;
        evicted += ps.tiers[i].evicted;
        discarded += ps.tiers[i].discarded;
    }
    fprintf(stderr,
            "glbuf-bench:   pool: %llu acquisitions, %llu reused, %llu buffers created; deleted: %llu shed by the "
            "demand rule, %llu trimmed, %llu evicted over the idle budget, %llu discarded\n",
            (unsigned long long)end.acquired, (unsigned long long)end.reused, (unsigned long long)created,
            (unsigned long long)shed, (unsigned long long)trimmed, (unsigned long long)evicted,
            (unsigned long long)discarded);
    fprintf(stderr, "glbuf-bench:   GL calls per acquisition:");
    for (int c = 0; c < GLBUF_GL_CALL_COUNT; c++) {
        if (st->calls[c] != 0 && end.acquired != 0) {
            fprintf(stderr, " %s %.4f", glbuf_gl_call_name((glbuf_gl_call)c),
                    (double)st->calls[c] / (double)end.acquired);
        }
    }
    fputc('\n', stderr);
}

static double mega_fragmentation(glbuf_ctx *ctx, glbuf_mega m)
{
    glbuf_mega_stats ms = glbuf_mega_get_stats(ctx, m);
    return ms.free_bytes ? 1.0 - (double)ms.largest_free_block / (double)ms.free_bytes : 0.0;
}

/* ---- churn ------------------------------------------------------------------- */

static void churn_one(bench_env *e, const bench_trace *t, int s, bench_row *row)
{
    glbuf_ctx *ctx = e->ctx;
    glbuf_buffer *buf = bench_xcalloc(t->n_ids, sizeof *buf);
    glbuf_mega_range *mr = bench_xcalloc(t->n_ids, sizeof *mr);
    glbuf_buffer *spare = bench_xcalloc(t->n_ids, sizeof *spare);
    uint8_t *live = bench_xcalloc(t->n_ids, 1);
    size_t n_spare = 0;
    glbuf_mega mega = s == BENCH_MEGABUFFER ? new_mega(ctx, t->capacity, "churn") : (glbuf_mega){0};
    glbuf_pool pool = s == BENCH_TIERED_POOLS ? new_pool(e, "churn") : (glbuf_pool){0};
    glbuf_growth policy = policy_of(s);
    double held = NAN, live_held = NAN, frag = NAN, paused = 0.0;
    uint64_t requested = 0;
    pool_mark half = {0, 0};

    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    glbuf_ctx_reset_stats(ctx);
    double t0 = bench_now_s();
    for (size_t i = 0; i < t->n_ops; i++) {
        const bench_op *o = &t->ops[i];
        uint32_t id = o->id;
        if (!o->free) {
            requested += o->size;
            switch (s) {
            case BENCH_PER_RESOURCE:
                buf[id] = new_buffer(ctx, o->size, e->src, GLBUF_GROWTH_EXACT, GLBUF_USAGE_STATIC_DRAW, "churn");
                break;
            case BENCH_MEGABUFFER:
                bench_check("glbuf_mega_alloc", glbuf_mega_alloc(ctx, mega, o->size, o->align, &mr[id], NULL));
                bench_check("glbuf_mega_write", glbuf_mega_write(ctx, mega, mr[id], 0, e->src, o->size));
                break;
            case BENCH_TIERED_POOLS:
                bench_check("glbuf_pool_acquire", glbuf_pool_acquire(ctx, pool, o->size, &buf[id]));
                bench_check("glbuf_buffer_sub_data", glbuf_buffer_sub_data(ctx, buf[id], 0, o->size, e->src));
                break;
            default:
                if (n_spare > 0) {
                    buf[id] = spare[--n_spare];
                    bench_check("glbuf_buffer_copy_data", glbuf_buffer_copy_data(ctx, buf[id], o->size, e->src));
                } else {
                    uint64_t first = glbuf_growth_next_capacity(policy, FIXED_STEP, 0, o->size);
                    buf[id] = new_buffer(ctx, first, NULL, policy, GLBUF_USAGE_DYNAMIC_DRAW, "churn");
                    bench_check("glbuf_buffer_sub_data", glbuf_buffer_sub_data(ctx, buf[id], 0, o->size, e->src));
                }
                break;
            }
            live[id] = 1;
        } else {
            switch (s) {
            case BENCH_PER_RESOURCE:
                bench_check("glbuf_buffer_destroy", glbuf_buffer_destroy(ctx, buf[id]));
                break;
            case BENCH_MEGABUFFER:
                bench_check("glbuf_mega_free", glbuf_mega_free(ctx, mega, mr[id]));
                break;
            case BENCH_TIERED_POOLS:
                bench_check("glbuf_pool_release", glbuf_pool_release(ctx, pool, buf[id]));
                break;
            default:
                spare[n_spare++] = buf[id];
                break;
            }
            live[id] = 0;
        }
        if ((i + 1) % END_FRAME_EVERY == 0) {
            bench_check("end_frame", glbuf_ctx_end_frame(ctx));
        }
        if (i == t->peak_index) { /* untimed: what is held when the most is live */
            double p0 = bench_now_s();
            uint64_t bytes = 0;
            if (mega.id != 0) {
                bytes = glbuf_mega_get_stats(ctx, mega).capacity;
                frag = mega_fragmentation(ctx, mega);
            } else if (pool.id != 0) {
                glbuf_pool_stats ps = glbuf_pool_get_stats(ctx, pool);
                bytes = ps.bytes_held;
                live_held = (double)(ps.bytes_held - ps.bytes_idle) / (double)ps.bytes_requested;
            } else {
                for (uint32_t k = 0; k < t->n_ids; k++) {
                    bytes += live[k] ? glbuf_buffer_capacity(ctx, buf[k]) : 0;
                }
                for (size_t k = 0; k < n_spare; k++) {
                    bytes += glbuf_buffer_capacity(ctx, spare[k]);
                }
            }
            held = (double)bytes / (double)t->peak_bytes;
            paused += bench_now_s() - p0;
        }
        if (pool.id != 0 && i + 1 == t->n_ops / 2) { /* untimed: the steady half starts */
            double p0 = bench_now_s();
            half = pool_mark_of(ctx, pool);
            paused += bench_now_s() - p0;
        }
    }
    if (mega.id != 0) {
        bench_check("glbuf_mega_flush", glbuf_mega_flush(ctx, mega));
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    double elapsed = bench_now_s() - t0 - paused;
    glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);

    double n = (double)t->allocations;
    row->v[BENCH_F_OPERATIONS] = n;
    row->v[BENCH_F_BYTES_REQUESTED] = (double)requested;
    row->v[BENCH_F_NS_PER_ALLOC] = elapsed * 1e9 / n;
    row->v[BENCH_F_GL_CALLS_PER_ALLOC] = (double)st.calls_total / n;
    row->v[BENCH_F_BYTES_HELD_PER_BYTE_REQUESTED] = held;
    row->v[BENCH_F_EXTERNAL_FRAGMENTATION] = frag;
    row->v[BENCH_F_REALLOCATIONS] = (double)st.reallocations;
    row->v[BENCH_F_BYTES_COPIED_BY_GROWTH] = (double)st.bytes_copied_by_growth;
    buffer_figures(&st, n, row);
    if (pool.id != 0) {
        row->v[BENCH_F_LIVE_BYTES_HELD_PER_BYTE_REQUESTED] = live_held;
        pool_figures(ctx, pool, half, &st, row);
    }
    for (uint32_t k = 0; k < t->n_ids; k++) {
        if (!live[k]) {
            continue;
        }
        if (mega.id != 0) {
            glbuf_mega_free(ctx, mega, mr[k]);
        } else if (pool.id != 0) {
            glbuf_pool_release(ctx, pool, buf[k]);
        } else {
            glbuf_buffer_destroy(ctx, buf[k]);
        }
    }
    for (size_t k = 0; k < n_spare; k++) {
        glbuf_buffer_destroy(ctx, spare[k]);
    }
    if (mega.id != 0) {
        bench_check("glbuf_mega_destroy", glbuf_mega_destroy(ctx, mega));
    }
    if (pool.id != 0) {
        bench_check("glbuf_pool_destroy", glbuf_pool_destroy(ctx, pool));
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    free(buf);
    free(mr);
    free(spare);
    free(live);
}

void bench_churn(bench_env *e, const bench_params *p, bench_results *r)
{
    const bench_trace *t = p->trace;
    char demand[24] = "default";
    if (e->pool_demand_frames != 0) {
        snprintf(demand, sizeof demand, "%u", e->pool_demand_frames);
    }
    snprintf(r->params[BENCH_CHURN], sizeof r->params[BENCH_CHURN],
             "mesh-churn trace, %zu operations (%zu allocations, 256 B .. 1 MiB), peak %.1f MiB live; "
             "frame ends every %d operations; pool demand_frames %s",
             t->n_ops, t->allocations, (double)t->peak_bytes / 1048576.0, END_FRAME_EVERY, demand);
    for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
        if (s == BENCH_STREAM_RING) {
            continue;
        }
        progress("churn", s);
        bench_row_init(&r->rows[BENCH_CHURN][s]);
        churn_one(e, t, s, &r->rows[BENCH_CHURN][s]);
    }
}

/* ---- growth ------------------------------------------------------------------ */

/* Sampled after every append (inside the timed loop, as the buffer's cached
 * capacity is): the stats scan the free list, one or two blocks here. */
static uint64_t mega_capacity(glbuf_ctx *ctx, glbuf_mega m)
{
    return glbuf_mega_get_stats(ctx, m).capacity;
}

static void growth_one(bench_env *e, const uint64_t *chunks, size_t n, double seconds, int s, bench_row *row)
{
    glbuf_ctx *ctx = e->ctx;
    glbuf_buffer b = {0};
    glbuf_mega m = {0};
    if (s == BENCH_MEGABUFFER) {
        m = new_mega(ctx, GLBUF_MEGA_SIMPLE_2D, "growth");
    } else {
        b = new_buffer(ctx, 0, NULL, policy_of(s), GLBUF_USAGE_DYNAMIC_DRAW, "growth");
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    glbuf_ctx_reset_stats(ctx);
    double t0 = bench_now_s();
    uint64_t total = 0;
    size_t done = 0;
    double held_sum = 0.0, asked_sum = 0.0; /* capacity and bytes appended, summed over the appends */
    for (size_t i = 0; i < n; i++) {
        if ((i & 15) == 0 && bench_now_s() - t0 > seconds) {
            fprintf(stderr, "glbuf-bench: growth / %s stopped by the time limit (%.0f s) at %.1f MiB\n",
                    bench_strategy_names[s], seconds, (double)total / 1048576.0);
            break;
        }
        total += chunks[i];
        done++;
        if (m.id != 0) {
            glbuf_mega_range rr;
            bench_check("glbuf_mega_alloc", glbuf_mega_alloc(ctx, m, chunks[i], 0, &rr, NULL));
            bench_check("glbuf_mega_write", glbuf_mega_write(ctx, m, rr, 0, e->src, chunks[i]));
        } else {
            bench_check("glbuf_buffer_append", glbuf_buffer_append(ctx, b, e->src, chunks[i]));
        }
        uint64_t cap = m.id != 0 ? mega_capacity(ctx, m) : glbuf_buffer_capacity(ctx, b);
        held_sum += (double)cap;
        asked_sum += (double)total;
    }
    if (m.id != 0) {
        bench_check("glbuf_mega_flush", glbuf_mega_flush(ctx, m));
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    double elapsed = bench_now_s() - t0;
    glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);
    row->v[BENCH_F_OPERATIONS] = (double)done;
    row->v[BENCH_F_BYTES_REQUESTED] = (double)total;
    row->v[BENCH_F_NS_PER_ALLOC] = elapsed * 1e9 / (double)done;
    row->v[BENCH_F_GL_CALLS_PER_ALLOC] = (double)st.calls_total / (double)done;
    row->v[BENCH_F_BYTES_HELD_PER_BYTE_REQUESTED] = held_sum / asked_sum;
    row->v[BENCH_F_REALLOCATIONS] = (double)st.reallocations;
    row->v[BENCH_F_BYTES_COPIED_BY_GROWTH] = (double)st.bytes_copied_by_growth;
    if (m.id != 0) {
        row->v[BENCH_F_EXTERNAL_FRAGMENTATION] = mega_fragmentation(ctx, m);
        if (m.id != 0) {
            bench_check("glbuf_mega_destroy", glbuf_mega_destroy(ctx, m));
        }
    } else {
        glbuf_buffer_destroy(ctx, b);
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
}

void bench_growth(bench_env *e, const bench_params *p, bench_results *r)
{
    bench_rng rng = {0x5EED0100u};
    size_t cap = 1024, n = 0;
    uint64_t *chunks = bench_xmalloc(cap * sizeof *chunks);
    uint64_t total = 0;
    while (total < p->growth_bytes) {
        uint64_t c = bench_log_uniform(&rng, 1, (uint64_t)64 << 10);
        if (c > p->growth_bytes - total) {
            c = p->growth_bytes - total;
        }
        if (n == cap) {
            cap *= 2;
            uint64_t *grown = realloc(chunks, cap * sizeof *grown);
            if (grown == NULL) {
                bench_die("out of host memory");
            }
            chunks = grown;
        }
        chunks[n++] = c;
        total += c;
    }
    snprintf(r->params[BENCH_GROWTH], sizeof r->params[BENCH_GROWTH],
             "%zu appends of 1 B .. 64 KiB (log-uniform) up to %.0f MiB, from an empty buffer (megabuffer: "
             "from 4 MiB); fixed step %.0f MiB; a run stops after %.0f s",
             n, (double)total / 1048576.0, (double)FIXED_STEP / 1048576.0, p->growth_seconds);
    r->growth_target_bytes = total;
    for (int s = BENCH_EXACT; s <= BENCH_MEGABUFFER; s++) {
        progress("growth", s);
        bench_row_init(&r->rows[BENCH_GROWTH][s]);
        growth_one(e, chunks, n, p->growth_seconds, s, &r->rows[BENCH_GROWTH][s]);
    }
    free(chunks);
}

/* ---- streaming ------------------------------------------------------------------ */

typedef struct stream_setup {
    const uint64_t *sizes;
    int frames;
    uint64_t max_size;
    uint32_t sink;
} stream_setup;

static double stream_memcpy(bench_env *e, const stream_setup *ss)
{
    uint8_t *host = bench_xmalloc((size_t)(ss->max_size * FRAMES_IN_FLIGHT));
    memset(host, 1, (size_t)(ss->max_size * FRAMES_IN_FLIGHT)); /* fault the pages in */
    double secs = 0.0;
    uint64_t bytes = 0;
    for (int f = 0; f < ss->frames; f++) {
        double t0 = bench_now_s();
        memcpy(host + (uint64_t)(f % FRAMES_IN_FLIGHT) * ss->max_size, e->src, (size_t)ss->sizes[f]);
        secs += bench_now_s() - t0;
        bytes += ss->sizes[f];
    }
    volatile uint8_t sink = host[ss->max_size / 2];
    (void)sink;
    free(host);
    return (double)bytes / secs * 1e-9;
}

static void stream_one(bench_env *e, const stream_setup *ss, int s, double memcpy_gbps, bench_row *row)
{
    glbuf_ctx *ctx = e->ctx;
    glbuf_buffer b = {0};
    glbuf_mega m = {0};
    glbuf_pool pool = {0};
    glbuf_stream ring = {0};
    if (is_policy(s)) {
        b = new_buffer(ctx, 0, NULL, policy_of(s), GLBUF_USAGE_STREAM_DRAW, "streaming");
    } else if (s == BENCH_MEGABUFFER) {
        m = new_mega(ctx, 0, "streaming");
    } else if (s == BENCH_TIERED_POOLS) {
        pool = new_pool(e, "streaming");
    } else if (s == BENCH_STREAM_RING) {
        glbuf_stream_desc d = {0};
        d.label = "streaming";
        bench_check("glbuf_stream_create", glbuf_stream_create(ctx, &d, &ring));
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    glbuf_ctx_reset_stats(ctx);
    double upload = 0.0;
    uint64_t bytes = 0, held_peak = 0;
    pool_mark half = {0, 0};
    for (int f = 0; f < ss->frames; f++) {
        if (pool.id != 0 && f == ss->frames / 2) {
            half = pool_mark_of(ctx, pool); /* untimed: the steady half starts */
        }
        uint64_t size = ss->sizes[f];
        uint32_t name = 0;
        uint64_t offset = 0, held = 0;
        glbuf_buffer fb = {0};
        glbuf_mega_range mr = {0};
        double t0 = bench_now_s();
        switch (s) {
        case BENCH_PER_RESOURCE:
            fb = new_buffer(ctx, size, e->src, GLBUF_GROWTH_EXACT, GLBUF_USAGE_STREAM_DRAW, "streaming");
            break;
        case BENCH_MEGABUFFER:
            bench_check("glbuf_mega_alloc", glbuf_mega_alloc(ctx, m, size, 256, &mr, &offset));
            bench_check("glbuf_mega_write", glbuf_mega_write(ctx, m, mr, 0, e->src, size));
            bench_check("glbuf_mega_flush", glbuf_mega_flush(ctx, m));
            break;
        case BENCH_TIERED_POOLS:
            bench_check("glbuf_pool_acquire", glbuf_pool_acquire(ctx, pool, size, &fb));
            bench_check("glbuf_buffer_sub_data", glbuf_buffer_sub_data(ctx, fb, 0, size, e->src));
            break;
        case BENCH_STREAM_RING: {
            glbuf_stream_allocation a;
            bench_check("glbuf_stream_alloc", glbuf_stream_alloc(ctx, ring, size, 256, &a));
            memcpy(a.ptr, e->src, (size_t)size);
            bench_check("glbuf_stream_flush", glbuf_stream_flush(ctx, ring));
            name = a.name;
            offset = a.offset;
            break;
        }
        default:
            bench_check("glbuf_buffer_copy_data", glbuf_buffer_copy_data(ctx, b, size, e->src));
            break;
        }
        double t1 = bench_now_s();
        /* untimed: the name to read from and what is held */
        switch (s) {
        case BENCH_PER_RESOURCE:
            name = glbuf_buffer_name(ctx, fb);
            held = glbuf_buffer_capacity(ctx, fb);
            break;
        case BENCH_TIERED_POOLS:
            name = glbuf_buffer_name(ctx, fb);
            held = glbuf_pool_get_stats(ctx, pool).bytes_held;
            break;
        case BENCH_MEGABUFFER: {
            glbuf_mega_stats ms = glbuf_mega_get_stats(ctx, m);
            name = ms.name;
            held = ms.capacity;
            break;
        }
        case BENCH_STREAM_RING:
            held = glbuf_stream_get_stats(ctx, ring).bytes_held;
            break;
        default:
            name = glbuf_buffer_name(ctx, b);
            held = glbuf_buffer_capacity(ctx, b);
            break;
        }
        held_peak = held > held_peak ? held : held_peak;
        e->gl.CopyNamedBufferSubData(name, ss->sink, (intptr_t)offset, 0, (ptrdiff_t)size);
        double t2 = bench_now_s();
        if (s == BENCH_PER_RESOURCE) {
            bench_check("glbuf_buffer_destroy", glbuf_buffer_destroy(ctx, fb));
        } else if (s == BENCH_TIERED_POOLS) {
            bench_check("glbuf_pool_release", glbuf_pool_release(ctx, pool, fb));
        } else if (s == BENCH_MEGABUFFER) {
            bench_check("glbuf_mega_free", glbuf_mega_free(ctx, m, mr));
        }
        double t3 = bench_now_s();
        upload += (t1 - t0) + (t3 - t2);
        bytes += size;
        end_frame_bounded(ctx);
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);
    double gbps = (double)bytes / upload * 1e-9;
    row->v[BENCH_F_OPERATIONS] = ss->frames;
    row->v[BENCH_F_BYTES_REQUESTED] = (double)bytes;
    row->v[BENCH_F_NS_PER_ALLOC] = upload * 1e9 / ss->frames;
    row->v[BENCH_F_GL_CALLS_PER_ALLOC] = (double)st.calls_total / ss->frames;
    row->v[BENCH_F_BYTES_HELD_PER_BYTE_REQUESTED] = (double)held_peak / (double)ss->max_size;
    row->v[BENCH_F_REALLOCATIONS] = (double)st.reallocations;
    row->v[BENCH_F_BYTES_COPIED_BY_GROWTH] = (double)st.bytes_copied_by_growth;
    row->v[BENCH_F_UPLOAD_GBPS] = gbps;
    row->v[BENCH_F_UPLOAD_FRACTION_OF_MEMCPY] = gbps / memcpy_gbps;
    buffer_figures(&st, ss->frames, row);
    if (ring.id != 0) {
        glbuf_stream_stats rs = glbuf_stream_get_stats(ctx, ring);
        fprintf(stderr, "glbuf-bench:   ring: %llu growths, %llu waits (%.1f ms), %s\n",
                (unsigned long long)rs.growths, (unsigned long long)rs.waits, (double)rs.wait_ns * 1e-6,
                rs.persistent ? "persistent" : "orphaning fallback");
    }
    if (pool.id != 0) {
        pool_figures(ctx, pool, half, &st, row);
    }
    if (b.id != 0) {
        glbuf_buffer_destroy(ctx, b);
    }
    if (m.id != 0) {
        bench_check("glbuf_mega_destroy", glbuf_mega_destroy(ctx, m));
    }
    if (pool.id != 0) {
        bench_check("glbuf_pool_destroy", glbuf_pool_destroy(ctx, pool));
    }
    if (ring.id != 0) {
        bench_check("glbuf_stream_destroy", glbuf_stream_destroy(ctx, ring));
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
}

void bench_streaming(bench_env *e, const bench_params *p, bench_results *r)
{
    bench_rng rng = {0x5EED0200u};
    uint64_t *sizes = bench_xmalloc((size_t)p->stream_frames * sizeof *sizes);
    stream_setup ss = {sizes, p->stream_frames, 0, 0};
    uint64_t total = 0;
    for (int f = 0; f < p->stream_frames; f++) {
        sizes[f] = bench_log_uniform(&rng, STREAM_MIN, STREAM_MAX);
        ss.max_size = sizes[f] > ss.max_size ? sizes[f] : ss.max_size;
        total += sizes[f];
    }
    snprintf(r->params[BENCH_STREAMING], sizeof r->params[BENCH_STREAMING],
             "%d frames, one upload each of 64 KiB .. 16 MiB (log-uniform, %.1f MiB in all), copied by the GPU "
             "into a sink, %d frames in flight",
             p->stream_frames, (double)total / 1048576.0, FRAMES_IN_FLIGHT);
    glbuf_buffer sink = new_buffer(e->ctx, STREAM_MAX, NULL, GLBUF_GROWTH_EXACT, GLBUF_USAGE_STATIC_COPY, "sink");
    ss.sink = glbuf_buffer_name(e->ctx, sink);
    r->memcpy_gbps = stream_memcpy(e, &ss);
    for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
        progress("streaming", s);
        bench_row_init(&r->rows[BENCH_STREAMING][s]);
        stream_one(e, &ss, s, r->memcpy_gbps, &r->rows[BENCH_STREAMING][s]);
    }
    glbuf_buffer_destroy(e->ctx, sink);
    free(sizes);
}

/* ---- drawing ----------------------------------------------------------------------- */

static const char *const vs_src = "#version 330 core\n"
                                  "layout(location = 0) in vec2 p;\n"
                                  "void main() { gl_Position = vec4(p, 0.0, 1.0); }\n";
static const char *const fs_src = "#version 330 core\n"
                                  "out vec4 color;\n"
                                  "void main() { color = vec4(1.0, 0.5, 0.2, 1.0); }\n";

typedef struct draw_cmd {
    uint32_t count, instance_count, first, base_instance;
} draw_cmd;

typedef struct draw_setup {
    const float *verts; /* DRAW_VERTICES * 2 floats per object */
    int objects, frames;
    unsigned int vao, fbo;
} draw_setup;

static void draw_one(bench_env *e, const draw_setup *ds, int s, bench_row *row)
{
    glbuf_ctx *ctx = e->ctx;
    const bench_gl *gl = &e->gl;
    const uint64_t obj_bytes = DRAW_VERTICES * DRAW_STRIDE;
    int k = ds->objects;
    glbuf_buffer *bufs = bench_xcalloc((size_t)k, sizeof *bufs);
    unsigned int *names = bench_xcalloc((size_t)k, sizeof *names);
    glbuf_pool pool = {0};
    glbuf_mega m = {0};
    glbuf_buffer indirect = {0};
    unsigned int mega_name = 0;
    uint64_t held = 0;
    if (s == BENCH_MEGABUFFER) {
        m = new_mega(ctx, 0, "drawing");
        draw_cmd *cmds = bench_xmalloc((size_t)k * sizeof *cmds);
        glbuf_mesh *meshes = bench_xmalloc((size_t)k * sizeof *meshes);
        for (int i = 0; i < k; i++) {
            glbuf_mesh_desc md = {0};
            md.vertex_count = DRAW_VERTICES;
            md.vertex_stride = DRAW_STRIDE;
            bench_check("glbuf_mega_mesh_alloc", glbuf_mega_mesh_alloc(ctx, m, &md, &meshes[i]));
            bench_check("glbuf_mega_write", glbuf_mega_write(ctx, m, meshes[i].vertices, 0,
                                                             ds->verts + (size_t)i * DRAW_VERTICES * 2, obj_bytes));
        }
        /* DrawArraysIndirectCommand per mesh: first = its offset / DRAW_STRIDE */
        bench_check("glbuf_mega_mesh_commands", glbuf_mega_mesh_commands(ctx, m, meshes, (uint32_t)k, 0, cmds,
                                                                         (uint64_t)k * sizeof *cmds, NULL));
        free(meshes);
        bench_check("glbuf_mega_flush", glbuf_mega_flush(ctx, m));
        glbuf_mega_stats ms = glbuf_mega_get_stats(ctx, m);
        mega_name = ms.name;
        held = ms.capacity;
        glbuf_buffer_desc d = {0};
        d.target = GLBUF_TARGET_DRAW_INDIRECT;
        d.size = (uint64_t)k * sizeof *cmds;
        d.data = cmds;
        d.label = "indirect";
        bench_check("glbuf_buffer_create", glbuf_buffer_create(ctx, &d, &indirect));
        free(cmds);
    } else {
        pool = s == BENCH_TIERED_POOLS ? new_pool(e, "drawing") : (glbuf_pool){0};
        for (int i = 0; i < k; i++) {
            const float *v = ds->verts + (size_t)i * DRAW_VERTICES * 2;
            if (pool.id != 0) {
                bench_check("glbuf_pool_acquire", glbuf_pool_acquire(ctx, pool, obj_bytes, &bufs[i]));
                bench_check("glbuf_buffer_sub_data", glbuf_buffer_sub_data(ctx, bufs[i], 0, obj_bytes, v));
            } else {
                bufs[i] = new_buffer(ctx, obj_bytes, v, GLBUF_GROWTH_EXACT, GLBUF_USAGE_STATIC_DRAW, "drawing");
                held += glbuf_buffer_capacity(ctx, bufs[i]);
            }
            names[i] = glbuf_buffer_name(ctx, bufs[i]);
        }
        if (pool.id != 0) {
            held = glbuf_pool_get_stats(ctx, pool).bytes_held;
        }
    }
    int total_frames = DRAW_WARMUP + ds->frames;
    unsigned int *queries = bench_xcalloc((size_t)total_frames, sizeof *queries);
    double *cpu = bench_xcalloc((size_t)ds->frames, sizeof *cpu);
    double *gpu = bench_xcalloc((size_t)ds->frames, sizeof *gpu);
    gl->GenQueries(total_frames, queries);
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    for (int f = 0; f < total_frames; f++) {
        double t0 = bench_now_s();
        gl->BeginQuery(BENCH_GL_TIME_ELAPSED, queries[f]);
        gl->Clear(BENCH_GL_COLOR_BUFFER_BIT);
        if (m.id != 0) {
            gl->VertexArrayVertexBuffer(ds->vao, 0, mega_name, 0, DRAW_STRIDE);
            gl->BindBuffer(BENCH_GL_DRAW_INDIRECT_BUFFER, glbuf_buffer_name(ctx, indirect));
            gl->MultiDrawArraysIndirect(BENCH_GL_TRIANGLES, NULL, k, 0);
        } else {
            for (int i = 0; i < k; i++) {
                gl->VertexArrayVertexBuffer(ds->vao, 0, names[i], 0, DRAW_STRIDE);
                gl->DrawArrays(BENCH_GL_TRIANGLES, 0, DRAW_VERTICES);
            }
        }
        gl->EndQuery(BENCH_GL_TIME_ELAPSED);
        double t1 = bench_now_s();
        end_frame_bounded(ctx);
        if (f >= DRAW_WARMUP) {
            cpu[f - DRAW_WARMUP] = (t1 - t0) * 1e3;
        }
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    for (int f = DRAW_WARMUP; f < total_frames; f++) {
        uint64_t ns = 0;
        gl->GetQueryObjectui64v(queries[f], BENCH_GL_QUERY_RESULT, &ns);
        gpu[f - DRAW_WARMUP] = (double)ns * 1e-6;
    }
    unsigned int err = gl->GetError();
    if (err != 0) {
        fprintf(stderr, "glbuf-bench: GL error 0x%x in the draw workload\n", err);
        exit(1);
    }
    gl->DeleteQueries(total_frames, queries);
    row->v[BENCH_F_OPERATIONS] = ds->frames;
    row->v[BENCH_F_BYTES_REQUESTED] = (double)obj_bytes * k;
    row->v[BENCH_F_BYTES_HELD_PER_BYTE_REQUESTED] = (double)held / ((double)obj_bytes * k);
    row->v[BENCH_F_FRAME_CPU_MS] = bench_median(cpu, (size_t)ds->frames);
    row->v[BENCH_F_FRAME_GPU_MS] = bench_median(gpu, (size_t)ds->frames);

    if (m.id != 0) {
        glbuf_buffer_destroy(ctx, indirect);
        if (m.id != 0) {
            bench_check("glbuf_mega_destroy", glbuf_mega_destroy(ctx, m));
        }
    } else {
        for (int i = 0; i < k; i++) {
            if (pool.id != 0) {
                glbuf_pool_release(ctx, pool, bufs[i]);
            } else {
                glbuf_buffer_destroy(ctx, bufs[i]);
            }
        }
        if (pool.id != 0) {
            bench_check("glbuf_pool_destroy", glbuf_pool_destroy(ctx, pool));
        }
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    free(queries);
    free(cpu);
    free(gpu);
    free(bufs);
    free(names);
}

void bench_drawing(bench_env *e, const bench_params *p, bench_results *r)
{
    const bench_gl *gl = &e->gl;
    snprintf(r->params[BENCH_DRAWING], sizeof r->params[BENCH_DRAWING],
             "%d quads (%d vertices, %d B each) drawn per frame into a %dx%d RGBA8 framebuffer, median of %d "
             "frames",
             p->draw_objects, DRAW_VERTICES, DRAW_VERTICES * DRAW_STRIDE, DRAW_FB_SIZE, DRAW_FB_SIZE,
             p->draw_frames);
    /* geometry: a small quad per object at a random place */
    bench_rng rng = {0x5EED0300u};
    float *verts = bench_xmalloc((size_t)p->draw_objects * DRAW_VERTICES * 2 * sizeof *verts);
    for (int i = 0; i < p->draw_objects; i++) {
        float x = (float)(bench_rnd(&rng) * 1.9 - 0.95), y = (float)(bench_rnd(&rng) * 1.9 - 0.95), d = 0.02f;
        const float quad[DRAW_VERTICES * 2] = {x, y, x + d, y, x + d, y + d, x, y, x + d, y + d, x, y + d};
        memcpy(verts + (size_t)i * DRAW_VERTICES * 2, quad, sizeof quad);
    }
    unsigned int rbo = 0, fbo = 0, vao = 0;
    gl->CreateRenderbuffers(1, &rbo);
    gl->NamedRenderbufferStorage(rbo, BENCH_GL_RGBA8, DRAW_FB_SIZE, DRAW_FB_SIZE);
    gl->CreateFramebuffers(1, &fbo);
    gl->NamedFramebufferRenderbuffer(fbo, BENCH_GL_COLOR_ATTACHMENT0, BENCH_GL_RENDERBUFFER, rbo);
    if (gl->CheckNamedFramebufferStatus(fbo, BENCH_GL_FRAMEBUFFER) != BENCH_GL_FRAMEBUFFER_COMPLETE) {
        bench_die("framebuffer incomplete");
    }
    gl->BindFramebuffer(BENCH_GL_FRAMEBUFFER, fbo);
    gl->Viewport(0, 0, DRAW_FB_SIZE, DRAW_FB_SIZE);
    unsigned int vs = bench_gl_compile(gl, BENCH_GL_VERTEX_SHADER, vs_src), fs = bench_gl_compile(gl, BENCH_GL_FRAGMENT_SHADER, fs_src);
    unsigned int prog = gl->CreateProgram();
    gl->AttachShader(prog, vs);
    gl->AttachShader(prog, fs);
    gl->LinkProgram(prog);
    int ok = 0;
    gl->GetProgramiv(prog, BENCH_GL_LINK_STATUS, &ok);
    if (!ok) {
        bench_die("program link failed");
    }
    gl->DeleteShader(vs);
    gl->DeleteShader(fs);
    gl->UseProgram(prog);
    gl->CreateVertexArrays(1, &vao);
    gl->EnableVertexArrayAttrib(vao, 0);
    gl->VertexArrayAttribFormat(vao, 0, 2, BENCH_GL_FLOAT, BENCH_GL_FALSE, 0);
    gl->VertexArrayAttribBinding(vao, 0, 0);
    gl->BindVertexArray(vao);

    draw_setup ds = {verts, p->draw_objects, p->draw_frames, vao, fbo};
    const int strategies[] = {BENCH_PER_RESOURCE, BENCH_TIERED_POOLS, BENCH_MEGABUFFER};
    for (size_t i = 0; i < sizeof strategies / sizeof strategies[0]; i++) {
        int s = strategies[i];
        progress("drawing", s);
        bench_row_init(&r->rows[BENCH_DRAWING][s]);
        draw_one(e, &ds, s, &r->rows[BENCH_DRAWING][s]);
    }
    gl->BindVertexArray(0);
    gl->DeleteVertexArrays(1, &vao);
    gl->UseProgram(0);
    gl->DeleteProgram(prog);
    gl->BindFramebuffer(BENCH_GL_FRAMEBUFFER, 0);
    gl->DeleteFramebuffers(1, &fbo);
    gl->DeleteRenderbuffers(1, &rbo);
    free(verts);
}
