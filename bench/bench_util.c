/* bench_util.c - see bench_util.h. */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (n == 0) {
        return NAN;
    }
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_die(const char *what)
{
    fprintf(stderr, "glbuf-bench: %s\n", what);
    exit(1);
}

void *bench_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        bench_die("out of host memory");
    }
    return p;
}

void *bench_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL) {
        bench_die("out of host memory");
    }
    return p;
}

void bench_check(const char *what, glbuf_result r)
{
    if (r != GLBUF_OK) {
        fprintf(stderr, "glbuf-bench: %s: %s\n", what, glbuf_result_name(r));
        exit(1);
    }
}

double bench_rnd(bench_rng *r)
{
    r->state ^= r->state << 13;
    r->state ^= r->state >> 7;
    r->state ^= r->state << 17;
    return (double)(r->state >> 11) / 9007199254740992.0;
}

uint64_t bench_log_uniform(bench_rng *r, uint64_t lo, uint64_t hi)
{
    double v = exp(log((double)lo) + bench_rnd(r) * (log((double)hi + 1) - log((double)lo)));
    uint64_t u = (uint64_t)v;
    return u < lo ? lo : u > hi ? hi : u;
}
