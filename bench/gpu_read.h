/* gpu_read.h - what glbuf-bench's placement table and heavy drawing workload
 * share: a compute pass that reads every byte of a buffer range (grid-stride
 * uvec4 loads, XOR-folded into one word per invocation so nothing can be
 * skipped), timed on the GPU by GL_TIME_ELAPSED, and program helpers. */
#ifndef GLBUF_BENCH_GPU_READ_H
#define GLBUF_BENCH_GPU_READ_H

#include <stdint.h>

#include "gl_app.h"

typedef struct bench_reader {
    unsigned int program;   /* the compute shader */
    int count_location;     /* uniform uint count (uvec4s to read) */
    unsigned int sink;      /* one uint per invocation */
    unsigned int query;     /* GL_TIME_ELAPSED */
    uint64_t max_range;     /* bytes one binding may cover (GL_MAX_SHADER_STORAGE_BLOCK_SIZE) */
    uint64_t align;         /* GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT */
} bench_reader;

/* Compiles and links, exiting on failure. */
unsigned int bench_program(const bench_gl *gl, const char *vs, const char *fs);

void bench_reader_init(const bench_gl *gl, bench_reader *r);
void bench_reader_free(const bench_gl *gl, bench_reader *r);

/* Issues a compute pass that reads [offset, offset + bytes) of `buffer` (in
 * bindings of at most max_range bytes), with no timing. bytes: a multiple
 * of 16. */
void bench_read_range(const bench_gl *gl, const bench_reader *r, unsigned int buffer, uint64_t offset,
                      uint64_t bytes);

/* The same, timed (bench_timer): milliseconds of the pass. */
double bench_read_range_ms(const bench_gl *gl, const bench_reader *r, unsigned int buffer, uint64_t offset,
                           uint64_t bytes);

/* GPU time of the commands between begin and end: GL_TIME_ELAPSED where the
 * driver measures it, else the wall time from a glFinish before the
 * commands to a glFinish after them. llvmpipe's timer query reads ~0 (its
 * work runs outside the query's window), so there the wall time is taken,
 * and bench_timer_used_wall says so for the tables' headings. */
void bench_timer_begin(const bench_gl *gl, unsigned int query, double *t0);
double bench_timer_end_ms(const bench_gl *gl, unsigned int query, double t0);
int bench_timer_used_wall(void);

#endif /* GLBUF_BENCH_GPU_READ_H */
