/* trace.h - the mesh-churn allocation trace (shared/reference/trace-format.md)
 * in memory: read from a trace file made by shared/traces/gen.py, or made here
 * by a C port of gen.py's mesh_churn that gives the same operations (the same
 * Mersenne Twister, seeded and drawn as Python's random.Random(0x5EED0001);
 * `glbuf-bench --write-trace FILE` writes it in gen.py's format for a diff). */
#ifndef GLBUF_BENCH_TRACE_H
#define GLBUF_BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_op {
    uint32_t id;   /* dense, reused after its free */
    uint32_t free; /* 1: free, 0: allocate */
    uint64_t size; /* bytes (allocations) */
    uint64_t align;
} bench_op;

typedef struct bench_trace {
    uint64_t capacity;     /* the trace's "# capacity" */
    bench_op *ops;
    size_t n_ops;
    uint32_t n_ids;        /* ids are < n_ids */
    size_t allocations;
    size_t peak_index;     /* index of the op after which the live requested bytes peak */
    uint64_t peak_bytes;   /* live requested bytes there */
    char source[256];      /* where it came from, for the report */
} bench_trace;

/* Reads a trace file; 0 when it cannot be opened or parsed. */
int bench_trace_load(const char *path, bench_trace *t);

/* gen.py's mesh_churn(scale) in C. */
void bench_trace_generate_mesh_churn(double scale, bench_trace *t);

/* Writes t in gen.py's format (header lines, then "a ID SIZE ALIGN" / "f ID").
 * 0 on failure. */
int bench_trace_write(const bench_trace *t, const char *path);

void bench_trace_free(bench_trace *t);

#endif /* GLBUF_BENCH_TRACE_H */
