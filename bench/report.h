/* report.h - glbuf-bench's results and their three text forms: the seed
 * note's comparison matrix in Markdown, JSON and CSV.
 *
 * JSON (version 1), one object:
 *   tool         "glbuf-bench"
 *   version      1
 *   gl_vendor, gl_renderer, gl_version   strings from the driver
 *   date         "YYYY-MM-DD" (UTC)
 *   quick        true for --quick
 *   trace        where the mesh-churn trace came from
 *   memcpy_gbps  host memcpy of the streaming workload's bytes, GB/s
 *   growth_target_bytes  the growth workload's target; a growth row with
 *                fewer bytes_requested was stopped by the time limit
 *   rows         one object per (workload, strategy) that applies, with
 *                exactly the fields of BENCH_FIELDS below: "workload" and
 *                "strategy" strings, then numbers (null where the figure
 *                does not apply to that workload or strategy).
 * CSV: a header line with the row fields, then one line per row; empty
 * cells where the JSON has null. */
#ifndef GLBUF_BENCH_REPORT_H
#define GLBUF_BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

typedef enum bench_workload {
    BENCH_CHURN = 0,
    BENCH_GROWTH,
    BENCH_STREAMING,
    BENCH_DRAWING,
    BENCH_WORKLOAD_COUNT
} bench_workload;

typedef enum bench_strategy {
    BENCH_PER_RESOURCE = 0,
    BENCH_EXACT,
    BENCH_POW2,
    BENCH_FACTOR_1_5,
    BENCH_FIXED_STEP,
    BENCH_MEGABUFFER,
    BENCH_TIERED_POOLS,
    BENCH_STREAM_RING,
    BENCH_STRATEGY_COUNT
} bench_strategy;

/* X(enum suffix, JSON/CSV name, unit or description) - the numeric fields of
 * a row, in output order. */
#define BENCH_FIELDS(X)                                                                                     \
    X(OPERATIONS, "operations", "allocations (churn), appends (growth), frames (streaming, drawing)")       \
    X(BYTES_REQUESTED, "bytes_requested", "bytes the workload asked for in all")                            \
    X(NS_PER_ALLOC, "ns_per_alloc", "ns per operation, wall clock, GPU completion included")               \
    X(GL_CALLS_PER_ALLOC, "gl_calls_per_alloc", "GL calls glbuf made per operation (context counters)")    \
    X(BYTES_HELD_PER_BYTE_REQUESTED, "bytes_held_per_byte_requested", "GL storage held / live bytes asked") \
    X(EXTERNAL_FRAGMENTATION, "external_fragmentation", "1 - largest free block / free bytes")             \
    X(REALLOCATIONS, "reallocations", "data stores re-specified to grow")                                   \
    X(BYTES_COPIED_BY_GROWTH, "bytes_copied_by_growth", "bytes moved on the GPU to keep contents")          \
    X(UPLOAD_GBPS, "upload_gbps", "bytes uploaded / time in the upload calls, 1e9 B/s")                     \
    X(UPLOAD_FRACTION_OF_MEMCPY, "upload_fraction_of_memcpy", "upload_gbps / host memcpy GB/s")             \
    X(FRAME_CPU_MS, "frame_cpu_ms", "median CPU ms to issue one frame")                                     \
    X(FRAME_GPU_MS, "frame_gpu_ms", "median GPU ms per frame (GL_TIME_ELAPSED)")                            \
    X(BUFFERS_CREATED_PER_1K, "buffers_created_per_1k", "GL buffers created per 1000 operations")           \
    X(BUFFERS_DELETED_PER_1K, "buffers_deleted_per_1k", "GL buffers deleted per 1000 operations")           \
    X(GL_CALLS_BESIDES_UPLOAD, "gl_calls_per_alloc_besides_upload",                                         \
      "GL calls per operation other than the uploads (gl[Named]BufferSubData)")                             \
    X(REUSE_RATE, "reuse_rate", "pools: acquisitions served by an idle buffer / acquisitions")              \
    X(STEADY_REUSE_RATE, "steady_reuse_rate", "pools: the same over the second half of the operations")     \
    X(LIVE_BYTES_HELD_PER_BYTE_REQUESTED, "live_bytes_held_per_byte_requested",                             \
      "pools: capacity of the acquired buffers / their requested bytes, at peak")

typedef enum bench_field {
#define BENCH_FIELD_ENUM(id, name, desc) BENCH_F_##id,
    BENCH_FIELDS(BENCH_FIELD_ENUM)
#undef BENCH_FIELD_ENUM
    BENCH_FIELD_COUNT
} bench_field;

typedef struct bench_row {
    int present;               /* the strategy applies to the workload */
    double v[BENCH_FIELD_COUNT]; /* NAN: n/a */
} bench_row;

typedef struct bench_results {
    const char *vendor, *renderer, *version;
    char date[16];
    int quick;
    char trace[256];
    double memcpy_gbps;
    uint64_t growth_target_bytes;
    char params[BENCH_WORKLOAD_COUNT][200]; /* one line per workload for the legend */
    bench_row rows[BENCH_WORKLOAD_COUNT][BENCH_STRATEGY_COUNT];
} bench_results;

extern const char *const bench_workload_names[BENCH_WORKLOAD_COUNT];
extern const char *const bench_strategy_names[BENCH_STRATEGY_COUNT];
extern const char *const bench_field_names[BENCH_FIELD_COUNT];
extern const char *const bench_field_descs[BENCH_FIELD_COUNT];

/* A row with every figure n/a, marked present. */
void bench_row_init(bench_row *row);

void bench_report_markdown(const bench_results *r, FILE *out);
/* 0 on a write error. */
int bench_report_json(const bench_results *r, const char *path);
int bench_report_csv(const bench_results *r, const char *path);

#endif /* GLBUF_BENCH_REPORT_H */
