/* fault_workload.h - the scripted workload of the fault sweeps (test_fault_gl,
 * test_fault_host): one run creates a glbuf_ctx, a growing buffer, a mapped
 * buffer, a megabuffer, a stream ring and a pool, drives them through six
 * frames (write, append, grow, re-specify, orphan, map/unmap, allocate, free,
 * defragment, stream, acquire/release/trim, end frames) and destroys
 * everything, keeping a CPU model of every byte it wrote. Fence polls are
 * answered as by a GPU of fixed speed (first poll of a fence: pending; later
 * ones: wait for it), so a run makes the same calls on every driver.
 *
 * Every call goes through one check: a call during which no fault was
 * injected must succeed; a call during which one was injected must return
 * GLBUF_OK (the library absorbed it) or one of the sweep's allowed codes.
 * After every injected fault the whole model is read back through GL
 * (through the test's own GL table, never the wrapped one) and must
 * match byte for byte; then the failed call is retried and must succeed, so
 * the objects are shown to keep working. At the end every GL buffer is gone
 * (glbuf's count and glIsBuffer) and the caller checks the host allocator's
 * live count is back to 0. */
#ifndef GLBUF_FAULT_WORKLOAD_H
#define GLBUF_FAULT_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/ctx.h"

/* A counting host allocator; with fail_at = N its N-th call returns NULL. */
typedef struct fw_host {
    long calls;    /* alloc calls this run */
    long fail_at;  /* 0: never fail */
    long injected; /* NULLs returned on purpose */
    long live;     /* blocks allocated and not yet freed */
    long peak;
} fw_host;

void *fw_host_alloc(size_t size, void *user);
void fw_host_free(void *ptr, void *user);

typedef struct fw_config {
    uint32_t disable_caps;
    fw_host *host;         /* installed as the context's allocator */
    const long *injected;  /* bumped by the fault layer at each injected fault */
    /* Called right after the context exists (GL sweep: wrap the table). */
    void (*install)(glbuf_ctx *ctx, void *user);
    void *user;
    /* glbuf_result codes (1u << code) a call may return when a fault was
     * injected during it. */
    uint32_t allowed;
    long run; /* named in failure messages */
} fw_config;

typedef struct fw_result {
    long steps;            /* checked calls */
    long injected_steps;   /* calls during which a fault was injected */
    long errors;           /* ... that returned an error code */
    long absorbed;         /* ... that returned GLBUF_OK */
    long retries;          /* failed calls retried successfully */
    long verifications;    /* full readbacks of the model */
    uint64_t bytes_verified;
    uint64_t bytes_lost;   /* bytes that read back different: must stay 0 */
    uint32_t codes;        /* (1u << code) of every error code seen */
    long faults_injected;  /* faults the fault layer injected (measured, per run) */
    long blocks_leaked;    /* host blocks still live after the run (must stay 0) */
} fw_result;

/* Runs the workload once on the GL context current on this thread. Failures
 * are reported with ck_assert, naming cfg->run. */
void fw_run(const fw_config *cfg, fw_result *res);

/* One sweep: what it runs and how it counts. */
typedef struct fw_sweep_fns {
    void (*run)(void *user, long fail_at, fw_result *res); /* one run; fail_at 0 injects nothing */
    long (*points)(void *user);   /* injection points the last run passed */
    long (*injected)(void *user); /* faults injected in the last run */
    const char *what;             /* "fallible GL call", "host allocation" */
    void *user;
} fw_sweep_fns;

/* Counts the injection points with a run that injects nothing (into
 * *counting), then makes one run per point, the N-th failing, or only the run
 * named by GLBUF_FAULT_RUN (replay), checking each reached its fault; sums
 * them into *total. Returns the number of points; *runs gets the runs made. */
long fw_sweep(const fw_sweep_fns *f, fw_result *counting, fw_result *total, long *runs);

/* Adds b into a. */
void fw_result_add(fw_result *a, const fw_result *b);

/* "GLBUF_ERR_X GLBUF_ERR_Y" for a (1u << code) set, into out. */
void fw_codes_str(uint32_t codes, char *out, size_t out_size);

#endif /* GLBUF_FAULT_WORKLOAD_H */
