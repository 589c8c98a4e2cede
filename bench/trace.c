/* trace.c - see trace.h. */
#define _POSIX_C_SOURCE 200809L
#include "trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

/* ---- the operations array ------------------------------------------------ */

typedef struct op_vec {
    bench_op *v;
    size_t n, cap;
} op_vec;

static void push(op_vec *o, bench_op op)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 4096;
        bench_op *grown = realloc(o->v, o->cap * sizeof *grown);
        if (grown == NULL) {
            bench_die("out of host memory");
        }
        o->v = grown;
    }
    o->v[o->n++] = op;
}

/* n_ids, allocation count and the peak of live requested bytes. */
static int finish(bench_trace *t)
{
    uint32_t n_ids = 0;
    for (size_t i = 0; i < t->n_ops; i++) {
        if (t->ops[i].id + 1 > n_ids) {
            n_ids = t->ops[i].id + 1;
        }
    }
    uint64_t *live = bench_xcalloc(n_ids, sizeof *live);
    uint64_t bytes = 0;
    t->n_ids = n_ids;
    t->allocations = 0;
    t->peak_bytes = 0;
    t->peak_index = 0;
    for (size_t i = 0; i < t->n_ops; i++) {
        const bench_op *o = &t->ops[i];
        if (o->free) {
            if (live[o->id] == 0) {
                free(live);
                return 0; /* free of an id that is not live */
            }
            bytes -= live[o->id];
            live[o->id] = 0;
        } else {
            if (live[o->id] != 0 || o->size == 0) {
                free(live);
                return 0;
            }
            live[o->id] = o->size;
            bytes += o->size;
            t->allocations++;
            if (bytes > t->peak_bytes) {
                t->peak_bytes = bytes;
                t->peak_index = i;
            }
        }
    }
    free(live);
    return t->allocations > 0;
}

int bench_trace_load(const char *path, bench_trace *t)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    memset(t, 0, sizeof *t);
    op_vec o = {0};
    char line[256];
    int ok = 1;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long a = 0, b = 0, c = 0;
        if (line[0] == '#') {
            if (sscanf(line, "# capacity %llu", &a) == 1) {
                t->capacity = a;
            }
        } else if (sscanf(line, "a %llu %llu %llu", &a, &b, &c) == 3) {
            bench_op op = {(uint32_t)a, 0, b, c};
            ok = ok && a < 0x7fffffffull && b > 0 && c > 0 && (c & (c - 1)) == 0;
            push(&o, op);
        } else if (sscanf(line, "f %llu", &a) == 1) {
            bench_op op = {(uint32_t)a, 1, 0, 0};
            ok = ok && a < 0x7fffffffull;
            push(&o, op);
        } else if (line[0] != '\n') {
            ok = 0;
        }
    }
    fclose(f);
    t->ops = o.v;
    t->n_ops = o.n;
    if (!ok || t->capacity == 0 || !finish(t)) {
        free(o.v);
        memset(t, 0, sizeof *t);
        return 0;
    }
    snprintf(t->source, sizeof t->source, "%s", path);
    return 1;
}

/* ---- Python's random.Random, the parts gen.py uses ------------------------ */

#define MT_N 624
#define MT_M 397

typedef struct mt19937 {
    uint32_t mt[MT_N];
    int i;
} mt19937;

static void mt_init_genrand(mt19937 *m, uint32_t s)
{
    m->mt[0] = s;
    for (int i = 1; i < MT_N; i++) {
        m->mt[i] = 1812433253u * (m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) + (uint32_t)i;
    }
    m->i = MT_N;
}

/* random.Random(seed) for a seed below 2**32: init_by_array with one key word. */
static void mt_seed(mt19937 *m, uint32_t seed)
{
    const uint32_t key[1] = {seed};
    const int key_length = 1;
    mt_init_genrand(m, 19650218u);
    int i = 1, j = 0;
    for (int k = MT_N > key_length ? MT_N : key_length; k; k--) {
        m->mt[i] = (m->mt[i] ^ ((m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            m->mt[0] = m->mt[MT_N - 1];
            i = 1;
        }
        if (j >= key_length) {
            j = 0;
        }
    }
    for (int k = MT_N - 1; k; k--) {
        m->mt[i] = (m->mt[i] ^ ((m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            m->mt[0] = m->mt[MT_N - 1];
            i = 1;
        }
    }
    m->mt[0] = 0x80000000u;
    m->i = MT_N;
}

static uint32_t mt_next(mt19937 *m)
{
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    if (m->i >= MT_N) {
        int k;
        uint32_t y;
        for (k = 0; k < MT_N - MT_M; k++) {
            y = (m->mt[k] & 0x80000000u) | (m->mt[k + 1] & 0x7fffffffu);
            m->mt[k] = m->mt[k + MT_M] ^ (y >> 1) ^ mag01[y & 1u];
        }
        for (; k < MT_N - 1; k++) {
            y = (m->mt[k] & 0x80000000u) | (m->mt[k + 1] & 0x7fffffffu);
            m->mt[k] = m->mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1u];
        }
        y = (m->mt[MT_N - 1] & 0x80000000u) | (m->mt[0] & 0x7fffffffu);
        m->mt[MT_N - 1] = m->mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1u];
        m->i = 0;
    }
    uint32_t y = m->mt[m->i++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

/* random.random(): 53 bits. */
static double py_random(mt19937 *m)
{
    uint32_t a = mt_next(m) >> 5, b = mt_next(m) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

/* random.randrange(n), n > 0: getrandbits(n.bit_length()) until below n. */
static uint32_t py_randrange(mt19937 *m, uint32_t n)
{
    int k = 0;
    for (uint32_t v = n; v; v >>= 1) {
        k++;
    }
    uint32_t r;
    do {
        r = mt_next(m) >> (32 - k);
    } while (r >= n);
    return r;
}

/* gen.py loguniform: int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1)))). */
static uint64_t py_loguniform(mt19937 *m, uint64_t lo, uint64_t hi)
{
    double a = log((double)lo), b = log((double)(hi + 1));
    return (uint64_t)exp(a + (b - a) * py_random(m));
}

/* ---- gen.py mesh_churn ------------------------------------------------------ */

void bench_trace_generate_mesh_churn(double scale, bench_trace *t)
{
    const uint64_t MiB = 1u << 20;
    const uint64_t cap = 64 * MiB;
    const double target = 0.70 * 64.0 * (double)MiB;
    const size_t nops = (size_t)(1000000.0 * scale);
    mt19937 m;
    mt_seed(&m, 0x5EED0001u);
    memset(t, 0, sizeof *t);
    t->capacity = cap;
    op_vec o = {0};
    /* the generator's own bookkeeping: free-id stack, live ids (swap removal) */
    uint32_t *free_ids = bench_xmalloc(sizeof *free_ids * (nops + 1));
    uint32_t *ids = bench_xmalloc(sizeof *ids * (nops + 1));
    uint64_t *live_size = NULL;
    size_t n_free = 0, n_ids = 0, live_cap = 0;
    uint32_t next_id = 0;
    uint64_t live_bytes = 0;
    while (o.n < nops) {
        double p_alloc = 0.5 + 4.0 * (target - (double)live_bytes) / (double)cap;
        p_alloc = p_alloc < 0.05 ? 0.05 : p_alloc;
        p_alloc = p_alloc > 0.95 ? 0.95 : p_alloc;
        if (n_ids == 0 || py_random(&m) < p_alloc) {
            uint64_t size = py_loguniform(&m, 256, MiB);
            if ((double)(live_bytes + size) > 0.85 * (double)cap && n_ids != 0) {
                /* hard ceiling: turn it into a free */
            } else {
                uint32_t id = n_free ? free_ids[--n_free] : next_id++;
                if (id >= live_cap) {
                    live_cap = live_cap ? live_cap * 2 : 1024;
                    uint64_t *grown = realloc(live_size, live_cap * sizeof *grown);
                    if (grown == NULL) {
                        bench_die("out of host memory");
                    }
                    live_size = grown;
                }
                live_size[id] = size;
                live_bytes += size;
                bench_op op = {id, 0, size, 256};
                push(&o, op);
                ids[n_ids++] = id;
                continue;
            }
        }
        uint32_t k = py_randrange(&m, (uint32_t)n_ids);
        uint32_t tmp = ids[k];
        ids[k] = ids[n_ids - 1];
        ids[n_ids - 1] = tmp;
        uint32_t id = ids[--n_ids];
        bench_op op = {id, 1, 0, 0};
        push(&o, op);
        live_bytes -= live_size[id];
        free_ids[n_free++] = id;
    }
    free(free_ids);
    free(ids);
    free(live_size);
    t->ops = o.v;
    t->n_ops = o.n;
    if (!finish(t)) {
        bench_die("generated trace is inconsistent");
    }
    snprintf(t->source, sizeof t->source, "mesh-churn generated in C (gen.py rules, scale %g)", scale);
}

int bench_trace_write(const bench_trace *t, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return 0;
    }
    fprintf(f, "# capacity %llu\n# trace mesh-churn\n# %s\n", (unsigned long long)t->capacity,
            "sizes loguniform 256..1MiB align 256; ~70% full; random alloc/free");
    for (size_t i = 0; i < t->n_ops; i++) {
        const bench_op *o = &t->ops[i];
        if (o->free) {
            fprintf(f, "f %u\n", o->id);
        } else {
            fprintf(f, "a %u %llu %llu\n", o->id, (unsigned long long)o->size, (unsigned long long)o->align);
        }
    }
    return fclose(f) == 0;
}

void bench_trace_free(bench_trace *t)
{
    free(t->ops);
    memset(t, 0, sizeof *t);
}
