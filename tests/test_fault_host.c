/* test_fault_host.c - the host-allocation fault sweep: the scripted workload
 * (fault_workload.h) runs once to count the host allocations glbuf makes
 * through its allocator hooks, then once for every N in 1 .. that count with
 * the N-th allocation returning NULL. Each run: the call that needed the
 * memory returns GLBUF_ERR_OUT_OF_HOST_MEMORY (or succeeds), every byte
 * written before reads back unchanged, the call retried succeeds, and the
 * allocator's live count is back to 0 once everything is destroyed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_workload.h"
#include "gl_fixture.h"

static void run_once(uint32_t disable_caps, long fail_at, fw_host *host, fw_result *res)
{
    memset(host, 0, sizeof *host);
    host->fail_at = fail_at;
    fw_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.disable_caps = disable_caps;
    cfg.host = host;
    cfg.injected = &host->injected;
    cfg.allowed = 1u << GLBUF_ERR_OUT_OF_HOST_MEMORY;
    cfg.run = fail_at;
    fw_run(&cfg, res);
    res->faults_injected = host->injected;
    res->blocks_leaked = host->live;
    ck_assert_msg(host->live == 0, "run %ld: %ld host blocks leaked", fail_at, host->live);
}

typedef struct host_sweep_user {
    uint32_t disable_caps;
    fw_host host;
    long peak; /* live blocks at most in the counting run */
} host_sweep_user;

static void host_run(void *user, long fail_at, fw_result *res)
{
    host_sweep_user *u = user;
    run_once(u->disable_caps, fail_at, &u->host, res);
}

static long host_points(void *user)
{
    host_sweep_user *u = user;
    u->peak = u->host.peak;
    return u->host.calls;
}

static long host_injected(void *user)
{
    return ((host_sweep_user *)user)->host.injected;
}

static void sweep(uint32_t disable_caps, const char *path)
{
    char why[256] = "";
    glbuf_headless_desc hd = {4, 5, 0};
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    ck_assert_msg(h != NULL, "headless context: %s", why);

    host_sweep_user u;
    memset(&u, 0, sizeof u);
    u.disable_caps = disable_caps;
    fw_sweep_fns fns = {host_run, host_points, host_injected, "host allocation", &u};
    fw_result counting, total;
    long runs = 0;
    long points = fw_sweep(&fns, &counting, &total, &runs);
    long peak = u.peak;
    glbuf_headless_destroy(h);

    char codes[256];
    fw_codes_str(total.codes, codes, sizeof codes);
    printf("fault sweep host [%s]: %ld injection points (peak %ld live blocks), %ld runs, %ld failed allocations; "
           "%ld calls returned an error [%s], %ld absorbed, %ld retried OK; %ld checked calls, %ld full readbacks, "
           "%llu bytes verified, %llu bytes lost, %ld blocks leaked\n",
           path, points, peak, runs, total.faults_injected + counting.faults_injected, total.errors, codes,
           total.absorbed, total.retries, total.steps + counting.steps, total.verifications + counting.verifications,
           (unsigned long long)(total.bytes_verified + counting.bytes_verified),
           (unsigned long long)(total.bytes_lost + counting.bytes_lost), total.blocks_leaked + counting.blocks_leaked);
    fflush(stdout);
    ck_assert_uint_eq(total.bytes_lost, 0);
}

START_TEST(host_fault_sweep_loses_nothing)
{
    sweep(0, "dsa+storage");
}
END_TEST

START_TEST(host_fault_sweep_loses_nothing_bind_path)
{
    sweep(GLBUF_CAP_DSA, "no-dsa");
}
END_TEST

START_TEST(host_fault_sweep_loses_nothing_fallback_storage)
{
    sweep(GLBUF_CAP_BUFFER_STORAGE, "no-storage");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fault_host");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, host_fault_sweep_loses_nothing);
    tcase_add_test(tc, host_fault_sweep_loses_nothing_bind_path);
    tcase_add_test(tc, host_fault_sweep_loses_nothing_fallback_storage);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
