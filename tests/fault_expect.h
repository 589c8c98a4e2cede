/* fault_expect.h - what a call of the fault sweeps may do when a fault was
 * injected during it (fault_workload.h):
 *   - return only the failure codes its own header documents: one table,
 *     per public function (fe_documented_codes), not one list for every call;
 *   - if it fails, leave the objects' statistics as they were, but for what
 *     its header says a failure still does (fe_expect_unchanged).
 * The sweeps hold each failed call to both. */
#ifndef GLBUF_FAULT_EXPECT_H
#define GLBUF_FAULT_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"

/* (1u << code) of every failure code the header of the public function
 * named in `call` documents for GPU, driver, fence and host failures (bad
 * input aside). `call` is the call's text, "glbuf_mega_alloc(ctx, ...)", or
 * any text holding it: the first "glbuf_<name>(" names the function. A
 * function missing from the table fails the test (ck_assert), so a call the
 * workload adds cannot go unchecked. */
uint32_t fe_documented_codes(const char *call);

/* The objects of the workload whose state a failed call must not change;
 * 0 handles are skipped. */
typedef struct fe_objects {
    glbuf_ctx *ctx;
    glbuf_buffer a, b;
    glbuf_mega m;
    glbuf_stream s;
    glbuf_pool p;
} fe_objects;

typedef struct fe_snapshot {
    glbuf_buffer_info a, b;
    glbuf_result a_ok, b_ok;
    glbuf_mega_stats mega;
    glbuf_stream_stats stream;
    glbuf_pool_stats pool;
    uint64_t buffers_alive; /* GL buffers the context holds */
} fe_snapshot;

void fe_take(const fe_objects *o, fe_snapshot *out);

/* After `call` failed with `r` (an injected fault): every statistic of
 * `after` equals `before`, except what a failure documents:
 *   - glbuf_mega_alloc counts itself in failed_allocations (+1 exactly);
 *   - frees of ended frames may have been retired first (a reclaim before
 *     a growth: pending_frees and the free layout move, live allocations
 *     and their bytes do not);
 *   - fence waits are counted whether or not they succeed (stream waits,
 *     wait_ns);
 *   - rings and idle buffers whose frame completed may have been given back
 *     (stream rings_retired / bytes_held down; pool idle buffers shed; the
 *     context's buffers_alive down, never up: a failure leaves nothing).
 * Failures name `call`, `run` and `line`. */
void fe_expect_unchanged(const fe_snapshot *before, const fe_snapshot *after, const char *call, glbuf_result r,
                         long run, int line);

#endif /* GLBUF_FAULT_EXPECT_H */
