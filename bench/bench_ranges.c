/* bench_ranges.c - glbuf_ranges benchmark: trace replay and a scaling workload.
 *
 * usage: glbuf-bench-ranges [--runs N] [--no-scaling] [--best-fit] TRACE_OR_DIR...
 *
 * Traces: shared/traces/gen.py (mesh-churn, particles-small) and
 * bench/gen_range_traces.py (stream-frames, adversarial-pack*). Alignments
 * may be any positive value. Failures are also counted per "# phase".
 * --best-fit adds a reference column: the failures of exact best fit with
 * alignment (the smallest free block that holds the request at its
 * alignment, placed at the block's aligned start; a simple O(free blocks)
 * scan per request, so slow on large traces), the bar that issue 15 sets
 * for packing.
 *
 * Each trace (format: shared/reference/trace-format.md; made by
 * shared/traces/gen.py) is parsed into memory first; only the replay is timed
 * (CLOCK_MONOTONIC), median of N runs (default 5), each on a fresh allocator
 * with default settings. "of which replay loop" times the same loop over
 * stand-ins that do nothing: the part of ns/op that is the harness (mostly
 * the unpredictable allocate-or-free branch), not the allocator. A separate,
 * untimed replay measures failures, the high-water mark, fragmentation at the
 * peak (1 - largest free block / free bytes, when used bytes peak), bytes
 * granted beyond those requested and metadata per live allocation (at the
 * peak live count; includes the ~8 KiB object and unused reserved records).
 *
 * The scaling workload keeps N live allocations (1K .. 1M) in a fragmented
 * range (about as many free blocks as allocations) and times steady-state
 * churn, each step one free and one allocation (sizes 16..1024 B, align 16):
 *   hot:     the step frees a random allocation among the 1024 most recent,
 *            so the working set stays in cache and the time shows the
 *            algorithm's dependence on N (the O(1) claim);
 *   uniform: the step frees a random allocation among all N: the same
 *            algorithm plus the cache misses of touching random records. */
#define _POSIX_C_SOURCE 199309L
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glbuf/ranges.h"

/* 8 bytes, so that streaming the trace evicts little of the allocator's
 * records from the cache. */
typedef struct op {
    uint32_t id;    /* bit 31: free */
    uint32_t shape; /* allocation: size << 6 | log2(alignment); OP_BIG: see trace.big */
} op;

#define OP_FREE 0x80000000u
#define SIZE_BITS 26u
#define OP_BIG (((1u << SIZE_BITS) - 1) << 6) /* size: the next of trace.big */
#define ALIGN_ODD 63u /* log2 field: the alignment is the next of trace.odd */

typedef struct trace {
    char name[64];
    uint64_t capacity;
    op *ops;
    size_t n_ops;
    uint32_t n_ids;
    uint64_t *big; /* sizes of 2^26 - 1 bytes or more, in trace order (rare) */
    size_t n_big, cap_big;
    uint64_t *odd; /* alignments that are not powers of two (or 2^63), in trace order */
    size_t n_odd, cap_odd;
    char phase[8][64]; /* names of "# phase" markers; phase_at[k]: the first op of phase k + 1 */
    size_t phase_at[8];
    unsigned n_phases;
} trace;

/* The size of allocation o; *next_big walks trace.big. */
static inline uint64_t op_size(const trace *t, const op *o, size_t *next_big)
{
    return (o->shape & OP_BIG) == OP_BIG ? t->big[(*next_big)++] : o->shape >> 6;
}

/* Its alignment; *next_odd walks trace.odd. */
static inline uint64_t op_align(const trace *t, const op *o, size_t *next_odd)
{
    unsigned log2 = o->shape & 63u;
    return log2 == ALIGN_ODD ? t->odd[(*next_odd)++] : UINT64_C(1) << log2;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "glbuf-bench-ranges: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(EXIT_FAILURE);
}

static void push_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *v = realloc(*v, *cap * sizeof **v);
        if (*v == NULL) {
            die("out of memory", NULL);
        }
    }
    (*v)[(*n)++] = x;
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        die("out of memory", NULL);
    }
    return p;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- trace parsing ------------------------------------------------------- */

static int load_trace(const char *path, trace *t)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    memset(t, 0, sizeof *t);
    const char *base = strrchr(path, '/');
    snprintf(t->name, sizeof t->name, "%s", base ? base + 1 : path);
    size_t cap = 1 << 20;
    t->ops = xmalloc(cap * sizeof *t->ops);
    char line[256];
    unsigned long long lineno = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *p = line;
        if (*p == '#') {
            unsigned long long v;
            char name[64];
            if (sscanf(p, "# capacity %llu", &v) == 1) {
                t->capacity = v;
            } else if (sscanf(p, "# trace %63s", name) == 1) {
                snprintf(t->name, sizeof t->name, "%s", name);
            } else if (sscanf(p, "# phase %63s", name) == 1 && t->n_phases < 8) {
                snprintf(t->phase[t->n_phases], sizeof t->phase[0], "%s", name);
                t->phase_at[t->n_phases++] = t->n_ops;
            }
            continue;
        }
        if (*p == '\n' || *p == '\0') {
            continue;
        }
        if (t->n_ops == cap) {
            cap *= 2;
            op *grown = realloc(t->ops, cap * sizeof *t->ops);
            if (grown == NULL) {
                die("out of memory", NULL);
            }
            t->ops = grown;
        }
        op *o = &t->ops[t->n_ops];
        char *end;
        if (p[0] == 'a' && p[1] == ' ') {
            unsigned long id = strtoul(p + 2, &end, 10);
            unsigned long long size = strtoull(end, &end, 10);
            unsigned long long align = strtoull(end, &end, 10);
            if (align == 0 || id >= OP_FREE) {
                fprintf(stderr, "%s:%llu: bad alignment or id\n", path, lineno);
                fclose(f);
                return 0;
            }
            unsigned log2 = 0;
            while (log2 < 63 && (1ull << log2) < align) {
                log2++;
            }
            if ((align & (align - 1)) != 0 || log2 == ALIGN_ODD) {
                log2 = ALIGN_ODD;
                push_u64(&t->odd, &t->n_odd, &t->cap_odd, align);
            }
            o->id = (uint32_t)id;
            if (size < (1u << SIZE_BITS) - 1) {
                o->shape = (uint32_t)size << 6 | log2;
            } else {
                push_u64(&t->big, &t->n_big, &t->cap_big, size);
                o->shape = OP_BIG | log2;
            }
        } else if (p[0] == 'f' && p[1] == ' ') {
            unsigned long id = strtoul(p + 2, &end, 10);
            o->id = (uint32_t)id | OP_FREE;
            o->shape = 0;
        } else {
            fprintf(stderr, "%s:%llu: bad line\n", path, lineno);
            fclose(f);
            return 0;
        }
        uint32_t id = o->id & ~OP_FREE;
        if (id + 1 > t->n_ids) {
            t->n_ids = id + 1;
        }
        t->n_ops++;
    }
    fclose(f);
    if (t->capacity == 0) {
        fprintf(stderr, "%s: no '# capacity' header\n", path);
        return 0;
    }
    return 1;
}

/* ---- replay -------------------------------------------------------------- */

static glbuf_ranges *make(uint64_t capacity)
{
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = capacity;
    glbuf_ranges *r = NULL;
    glbuf_result res = glbuf_ranges_create(&desc, &r);
    if (res != GLBUF_OK) {
        die("glbuf_ranges_create", glbuf_result_str(res));
    }
    return r;
}

/* The timed loop: nothing but the allocator calls and the id table. */
static double replay_timed(const trace *t, glbuf_range *handles)
{
    glbuf_ranges *r = make(t->capacity);
    memset(handles, 0, t->n_ids * sizeof *handles);
    const op *ops = t->ops;
    const size_t n = t->n_ops;
    size_t next_big = 0, next_odd = 0;
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        if (o->id & OP_FREE) {
            glbuf_range *h = &handles[o->id & ~OP_FREE];
            if (h->id != 0) {
                glbuf_ranges_free(r, *h);
            }
        } else if (glbuf_ranges_alloc(r, op_size(t, o, &next_big), op_align(t, o, &next_odd), &handles[o->id],
                                      NULL) != GLBUF_OK) {
            handles[o->id].id = 0;
        }
    }
    double t1 = now_ns();
    glbuf_ranges_destroy(r);
    return (t1 - t0) / (double)n;
}

/* The replay loop alone: the same loop over stand-ins that do nothing, called
 * through volatile pointers so that they stay calls. What remains is the
 * loop's own cost, mostly the unpredictable allocate-or-free branch. */
static glbuf_result stub_alloc(glbuf_ranges *r, uint64_t size, uint64_t alignment, glbuf_range *h, uint64_t *off)
{
    (void)r;
    (void)size;
    (void)alignment;
    (void)off;
    h->id = 1;
    return GLBUF_OK;
}

static glbuf_result stub_free(glbuf_ranges *r, glbuf_range h)
{
    (void)r;
    (void)h;
    return GLBUF_OK;
}

static glbuf_result (*volatile alloc_stub)(glbuf_ranges *, uint64_t, uint64_t, glbuf_range *, uint64_t *) = stub_alloc;
static glbuf_result (*volatile free_stub)(glbuf_ranges *, glbuf_range) = stub_free;

static double replay_loop_only(const trace *t, glbuf_range *handles)
{
    glbuf_result (*alloc_fn)(glbuf_ranges *, uint64_t, uint64_t, glbuf_range *, uint64_t *) = alloc_stub;
    glbuf_result (*free_fn)(glbuf_ranges *, glbuf_range) = free_stub;
    memset(handles, 0, t->n_ids * sizeof *handles);
    const op *ops = t->ops;
    const size_t n = t->n_ops;
    size_t next_big = 0, next_odd = 0;
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        if (o->id & OP_FREE) {
            glbuf_range *h = &handles[o->id & ~OP_FREE];
            if (h->id != 0) {
                free_fn(NULL, *h);
            }
        } else if (alloc_fn(NULL, op_size(t, o, &next_big), op_align(t, o, &next_odd), &handles[o->id], NULL) !=
                   GLBUF_OK) {
            handles[o->id].id = 0;
        }
    }
    return (now_ns() - t0) / (double)n;
}

typedef struct replay_metrics {
    uint64_t failed;
    uint64_t high_water;       /* bytes: the largest end offset */
    double frag_at_peak;       /* 1 - largest free / total free, at peak used bytes */
    uint64_t granted_beyond;   /* bytes granted beyond bytes requested */
    double metadata_per_live;  /* bytes, at peak live allocations */
    uint64_t peak_used;        /* bytes */
    uint32_t peak_live;
    int invariants_ok;
    uint64_t failed_in_phase[9]; /* [0]: before the first marker */
} replay_metrics;

/* The phase op i belongs to (0: before the first marker). */
static unsigned phase_of(const trace *t, size_t i)
{
    unsigned k = 0;
    while (k < t->n_phases && t->phase_at[k] <= i) {
        k++;
    }
    return k;
}

static replay_metrics replay_measured(const trace *t, glbuf_range *handles)
{
    replay_metrics m;
    memset(&m, 0, sizeof m);
    glbuf_ranges *r = make(t->capacity);
    memset(handles, 0, t->n_ids * sizeof *handles);
    uint64_t used = 0;
    uint32_t live = 0;
    size_t next_big = 0, next_odd = 0;
    for (size_t i = 0; i < t->n_ops; i++) {
        const op *o = &t->ops[i];
        if (o->id & OP_FREE) {
            glbuf_range *h = &handles[o->id & ~OP_FREE];
            if (h->id != 0) {
                uint64_t size = 0;
                glbuf_ranges_size(r, *h, &size);
                glbuf_ranges_free(r, *h);
                used -= size;
                live--;
                h->id = 0;
            }
            continue;
        }
        uint64_t off = 0;
        uint64_t requested = op_size(t, o, &next_big);
        uint64_t alignment = op_align(t, o, &next_odd);
        if (glbuf_ranges_alloc(r, requested, alignment, &handles[o->id], &off) != GLBUF_OK) {
            handles[o->id].id = 0;
            m.failed++;
            m.failed_in_phase[phase_of(t, i)]++;
            continue;
        }
        if (off % alignment != 0) {
            die("misaligned offset", t->name);
        }
        uint64_t granted = 0;
        glbuf_ranges_size(r, handles[o->id], &granted);
        m.granted_beyond += granted - requested;
        if (off + granted > m.high_water) {
            m.high_water = off + granted;
        }
        used += granted;
        live++;
        if (used > m.peak_used) {
            m.peak_used = used;
            glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
            m.frag_at_peak = s.free_bytes ? 1.0 - (double)s.largest_free_block / (double)s.free_bytes : 0.0;
        }
        if (live > m.peak_live) {
            m.peak_live = live;
            glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
            m.metadata_per_live = (double)s.metadata_bytes / (double)live;
        }
    }
    m.invariants_ok = glbuf_ranges_invariants_hold(r);
    glbuf_ranges_destroy(r);
    return m;
}

/* ---- exact best fit, the packing reference -------------------------------- */

typedef struct fblock {
    uint64_t offset, size;
} fblock;

/* Failures of exact best fit with alignment over the trace (ids of failed
 * allocations are skipped at their free, like the allocator's). Free blocks
 * in offset order in an array: O(free blocks) per operation. */
static uint64_t best_fit_failures(const trace *t, uint64_t *in_phase)
{
    size_t n = 1, cap = 1024;
    fblock *fb = xmalloc(cap * sizeof *fb);
    fb[0].offset = 0;
    fb[0].size = t->capacity;
    fblock *live = xmalloc(t->n_ids * sizeof *live);
    memset(live, 0, t->n_ids * sizeof *live);
    uint64_t failed = 0;
    size_t next_big = 0, next_odd = 0;
    for (size_t i = 0; i < t->n_ops; i++) {
        const op *o = &t->ops[i];
        if (o->id & OP_FREE) {
            fblock *l = &live[o->id & ~OP_FREE];
            if (l->size == 0) {
                continue;
            }
            size_t k = 0; /* the first free block after it */
            while (k < n && fb[k].offset < l->offset) {
                k++;
            }
            int left = k > 0 && fb[k - 1].offset + fb[k - 1].size == l->offset;
            int right = k < n && l->offset + l->size == fb[k].offset;
            if (left && right) {
                fb[k - 1].size += l->size + fb[k].size;
                memmove(&fb[k], &fb[k + 1], (n - k - 1) * sizeof *fb);
                n--;
            } else if (left) {
                fb[k - 1].size += l->size;
            } else if (right) {
                fb[k].offset = l->offset;
                fb[k].size += l->size;
            } else {
                if (n == cap) {
                    cap *= 2;
                    fb = realloc(fb, cap * sizeof *fb);
                    if (fb == NULL) {
                        die("out of memory", NULL);
                    }
                }
                memmove(&fb[k + 1], &fb[k], (n - k) * sizeof *fb);
                fb[k] = *l;
                n++;
            }
            l->size = 0;
            continue;
        }
        uint64_t size = op_size(t, o, &next_big), alignment = op_align(t, o, &next_odd);
        size_t best = n;
        for (size_t k = 0; k < n; k++) {
            uint64_t rem = fb[k].offset % alignment;
            uint64_t pad = rem ? alignment - rem : 0;
            if (pad <= fb[k].size && fb[k].size - pad >= size && (best == n || fb[k].size < fb[best].size)) {
                best = k;
            }
        }
        if (best == n) {
            failed++;
            in_phase[phase_of(t, i)]++;
            live[o->id].size = 0;
            continue;
        }
        uint64_t rem = fb[best].offset % alignment;
        uint64_t start = fb[best].offset + (rem ? alignment - rem : 0);
        uint64_t end = fb[best].offset + fb[best].size;
        live[o->id].offset = start;
        live[o->id].size = size;
        if (start + size == end) { /* the tail is used up */
            fb[best].size = start - fb[best].offset;
            if (fb[best].size == 0) {
                memmove(&fb[best], &fb[best + 1], (n - best - 1) * sizeof *fb);
                n--;
            }
        } else if (start == fb[best].offset) {
            fb[best].offset = start + size;
            fb[best].size = end - (start + size);
        } else { /* padding before, rest after: two blocks */
            if (n == cap) {
                cap *= 2;
                fb = realloc(fb, cap * sizeof *fb);
                if (fb == NULL) {
                    die("out of memory", NULL);
                }
            }
            memmove(&fb[best + 2], &fb[best + 1], (n - best - 1) * sizeof *fb);
            fb[best].size = start - fb[best].offset;
            fb[best + 1].offset = start + size;
            fb[best + 1].size = end - (start + size);
            n++;
        }
    }
    free(fb);
    free(live);
    return failed;
}

static int want_best_fit;

static int bench_trace(const char *path, int runs)
{
    trace t;
    if (!load_trace(path, &t)) {
        fprintf(stderr, "glbuf-bench-ranges: cannot load %s\n", path);
        return 0;
    }
    glbuf_range *handles = xmalloc(t.n_ids * sizeof *handles);
    replay_timed(&t, handles); /* warm-up */
    double ns[64], loop_ns[64];
    for (int i = 0; i < runs; i++) {
        ns[i] = replay_timed(&t, handles);
        loop_ns[i] = replay_loop_only(&t, handles);
    }
    replay_metrics m = replay_measured(&t, handles);
    uint64_t bf_in_phase[9] = {0};
    uint64_t bf = want_best_fit ? best_fit_failures(&t, bf_in_phase) : 0;
    char phases[256] = "", best[256] = "-";
    size_t used = 0, used_bf = 0;
    for (unsigned k = 1; k <= t.n_phases; k++) {
        used += (size_t)snprintf(phases + used, sizeof phases - used, "%s%s %" PRIu64, k > 1 ? ", " : "",
                                 t.phase[k - 1], m.failed_in_phase[k]);
        if (used >= sizeof phases) {
            break;
        }
    }
    if (want_best_fit) {
        used_bf = (size_t)snprintf(best, sizeof best, "%" PRIu64, bf);
        for (unsigned k = 1; k <= t.n_phases && used_bf < sizeof best; k++) {
            used_bf += (size_t)snprintf(best + used_bf, sizeof best - used_bf, "%s%s %" PRIu64, k > 1 ? ", " : " (",
                                        t.phase[k - 1], bf_in_phase[k]);
        }
        if (t.n_phases > 0 && used_bf < sizeof best) {
            snprintf(best + used_bf, sizeof best - used_bf, ")");
        }
    }
    printf("| %s | %zu | %.1f | %.1f | %" PRIu64 "%s%s%s | %s | %" PRIu64 " | %.3f | %" PRIu64
           " | %.1f (%u live, %u B records) | %s |\n",
           t.name, t.n_ops, median(ns, runs), median(loop_ns, runs), m.failed, t.n_phases ? " (" : "", phases,
           t.n_phases ? ")" : "", best, m.high_water, m.frag_at_peak, m.granted_beyond, m.metadata_per_live,
           m.peak_live, GLBUF_RANGES_RECORD_BYTES, m.invariants_ok ? "yes" : "NO");
    fflush(stdout);
    free(handles);
    free(t.ops);
    free(t.big);
    free(t.odd);
    return 1;
}

/* ---- scaling workload ---------------------------------------------------- */

static uint64_t rng_state = UINT64_C(0x5CA1AB1E);

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

#define HOT_WINDOW 1024u
#define SCALE_STEPS 1000000u

typedef struct step {
    uint32_t victim; /* index into the live table */
    uint32_t size;   /* bytes */
} step;

/* Times `steps` free+alloc pairs; returns ns per operation. */
static double churn(glbuf_ranges *r, glbuf_range *live, const step *steps, size_t n_steps)
{
    double t0 = now_ns();
    for (size_t i = 0; i < n_steps; i++) {
        glbuf_range *h = &live[steps[i].victim];
        glbuf_ranges_free(r, *h);
        if (glbuf_ranges_alloc(r, steps[i].size, 16, h, NULL) != GLBUF_OK) {
            die("scaling workload: allocation failed", NULL);
        }
    }
    return (now_ns() - t0) / (double)(2 * n_steps);
}

static void bench_scaling(int runs)
{
    static const uint32_t counts[] = {1000, 10000, 100000, 1000000};
    double hot_ns[4], uni_ns[4];
    printf("\n| live allocations | free blocks | ns/op hot (median of %d) | ns/op uniform (median of %d) |\n", runs,
           runs);
    printf("|---:|---:|---:|---:|\n");
    step *steps = xmalloc(SCALE_STEPS * sizeof *steps);
    for (size_t c = 0; c < 4; c++) {
        uint32_t n = counts[c];
        /* 2n allocations of 16..1024 B into 4n KiB, then every other one
         * freed: n live, about n free blocks, half the range free. */
        glbuf_ranges *r = make((uint64_t)n * 4096);
        glbuf_range *all = xmalloc(2 * (size_t)n * sizeof *all);
        for (size_t i = 0; i < 2 * (size_t)n; i++) {
            if (glbuf_ranges_alloc(r, 16 + rng_next() % 1009, 16, &all[i], NULL) != GLBUF_OK) {
                die("scaling workload: setup failed", NULL);
            }
        }
        glbuf_range *live = xmalloc((size_t)n * sizeof *live);
        for (size_t i = 0; i < n; i++) {
            glbuf_ranges_free(r, all[2 * i]);
            live[i] = all[2 * i + 1];
        }
        free(all);
        /* Shuffle so that "the most recent" are spread over the range. */
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(rng_next() % (i + 1));
            glbuf_range tmp = live[i];
            live[i] = live[j];
            live[j] = tmp;
        }
        uint32_t window = n < HOT_WINDOW ? n : HOT_WINDOW;
        double ns_hot[64], ns_uni[64];
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < SCALE_STEPS; i++) {
                uint64_t x = rng_next();
                steps[i].victim = pass == 0 ? (uint32_t)(x % window) : (uint32_t)(x % n);
                steps[i].size = 16 + (uint32_t)((x >> 32) % 1009);
            }
            double *out = pass == 0 ? ns_hot : ns_uni;
            churn(r, live, steps, SCALE_STEPS / 4); /* warm-up */
            for (int k = 0; k < runs; k++) {
                out[k] = churn(r, live, steps, SCALE_STEPS);
            }
        }
        glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
        if (!glbuf_ranges_invariants_hold(r)) {
            die("scaling workload: invariants do not hold", NULL);
        }
        hot_ns[c] = median(ns_hot, runs);
        uni_ns[c] = median(ns_uni, runs);
        printf("| %u | %u | %.1f | %.1f |\n", s.live_allocations, s.free_blocks, hot_ns[c], uni_ns[c]);
        fflush(stdout);
        free(live);
        glbuf_ranges_destroy(r);
    }
    free(steps);
    printf("\nns/op ratio 1M / 1K: hot %.2f, uniform %.2f\n", hot_ns[3] / hot_ns[0], uni_ns[3] / uni_ns[0]);
}

/* ---- main ---------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Benchmarks a trace file, or every *.trace of a directory in name order. */
static int bench_path(const char *path, int runs)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        return errno == ENOTDIR ? bench_trace(path, runs) : (fprintf(stderr, "%s: %s\n", path, strerror(errno)), 0);
    }
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 256;) {
        if (has_suffix(e->d_name, ".trace")) {
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            names[n] = xmalloc(len);
            snprintf(names[n], len, "%s/%s", path, e->d_name);
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int ok = n > 0;
    for (size_t i = 0; i < n; i++) {
        ok &= bench_trace(names[i], runs);
        free(names[i]);
    }
    if (n == 0) {
        fprintf(stderr, "%s: no *.trace files\n", path);
    }
    return ok;
}

int main(int argc, char **argv)
{
    int runs = 5, scaling = 1, n_paths = 0, ok = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > 64) {
                die("--runs takes 1..64", NULL);
            }
        } else if (strcmp(argv[i], "--no-scaling") == 0) {
            scaling = 0;
        } else if (strcmp(argv[i], "--best-fit") == 0) {
            want_best_fit = 1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--runs N] [--no-scaling] [--best-fit] TRACE_OR_DIR...\n", argv[0]);
            return EXIT_FAILURE;
        } else {
            n_paths++;
        }
    }
    if (n_paths > 0) {
        printf("| trace | ops | ns/op (median of %d) | of which replay loop | failed allocs (by phase) | "
               "exact best fit: failed (by phase) | high-water (B) | ext. frag at peak | "
               "granted beyond requested (B) | metadata B per live alloc at peak | invariants |\n",
               runs);
        printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (int i = 1; i < argc; i++) {
            if (strcmp(argv[i], "--runs") == 0) {
                i++;
            } else if (argv[i][0] != '-') {
                ok &= bench_path(argv[i], runs);
            }
        }
    }
    if (scaling) {
        bench_scaling(runs);
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
