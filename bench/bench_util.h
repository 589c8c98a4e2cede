/* bench_util.h - small helpers shared by glbuf-bench's files: a monotonic
 * clock, medians, a deterministic generator, and fail-fast checks. */
#ifndef GLBUF_BENCH_UTIL_H
#define GLBUF_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/result.h"

/* Seconds on CLOCK_MONOTONIC. */
double bench_now_s(void);

/* Median of v[0..n) (sorts v); NAN when n == 0. */
double bench_median(double *v, size_t n);

/* malloc that exits on failure. */
void *bench_xmalloc(size_t size);
void *bench_xcalloc(size_t n, size_t size);

/* Prints "glbuf-bench: what: <result name>" and exits 1 when r != GLBUF_OK. */
void bench_check(const char *what, glbuf_result r);
/* Prints "glbuf-bench: what" and exits 1. */
void bench_die(const char *what);

/* xorshift64: deterministic, seeded per workload. */
typedef struct bench_rng {
    uint64_t state;
} bench_rng;
double bench_rnd(bench_rng *r); /* [0, 1) */
/* log-uniform integer in [lo, hi]. */
uint64_t bench_log_uniform(bench_rng *r, uint64_t lo, uint64_t hi);

#endif /* GLBUF_BENCH_UTIL_H */
