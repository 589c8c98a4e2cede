/* test_fault_gl.c - the GL fault sweep: the scripted workload (fault_workload.h)
 * runs once to count the GL calls that can fail, then once for every N in
 * 1 .. that count with the N-th such call failing:
 *   glNamedBufferData / glBufferData / glNamedBufferStorage / glBufferStorage
 *       skip the call and raise GL_OUT_OF_MEMORY (old store kept);
 *   glCreateBuffers / glGenBuffers   no name (0) and GL_OUT_OF_MEMORY;
 *   glMapNamedBufferRange / glMapBufferRange   NULL and GL_OUT_OF_MEMORY;
 *   glUnmapNamedBuffer / glUnmapBuffer   unmap, then return GL_FALSE;
 *   glFenceSync   NULL;
 *   glClientWaitSync   GL_TIMEOUT_EXPIRED (odd N) or GL_WAIT_FAILED (even N).
 * Under this layer the workload answers fence polls alike on every driver
 * (fault_workload.h), so the N-th call is the same call on every GPU.
 * Each run: the failing call returns an error code (or absorbs the fault),
 * every byte written before reads back unchanged, the call retried succeeds,
 * the rest of the script succeeds, every GL buffer and every host block is
 * given back. The three capability paths (DSA + buffer storage, bind-to-edit,
 * mutable-storage fallback) are swept separately. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_workload.h"
#include "gl_fixture.h"

/* ---- the fault layer over the context's GL table ---------------------------- */

static struct {
    long calls;    /* fallible calls seen this run */
    long fail_at;  /* 0: never */
    long injected; /* faults injected this run */
    int oom_pending;
    long by_entry[16];
    GladGLContext real;
} F;

enum { E_DATA, E_STORAGE, E_CREATE, E_MAP, E_UNMAP, E_FENCE, E_WAIT, E_COUNT };
static const char *const entry_names[E_COUNT] = {"buffer data",  "buffer storage", "create buffers", "map",
                                                 "unmap",        "fence sync",     "client wait sync"};

static int hit(int entry)
{
    F.calls++;
    if (F.fail_at != 0 && F.calls == F.fail_at) {
        F.injected++;
        F.by_entry[entry]++;
        return 1;
    }
    return 0;
}

static void GLAD_API_PTR f_named_data(GLuint name, GLsizeiptr size, const void *data, GLenum usage)
{
    if (hit(E_DATA)) {
        F.oom_pending = 1;
        return;
    }
    F.real.NamedBufferData(name, size, data, usage);
}

static void GLAD_API_PTR f_data(GLenum target, GLsizeiptr size, const void *data, GLenum usage)
{
    if (hit(E_DATA)) {
        F.oom_pending = 1;
        return;
    }
    F.real.BufferData(target, size, data, usage);
}

static void GLAD_API_PTR f_named_storage(GLuint name, GLsizeiptr size, const void *data, GLbitfield flags)
{
    if (hit(E_STORAGE)) {
        F.oom_pending = 1;
        return;
    }
    F.real.NamedBufferStorage(name, size, data, flags);
}

static void GLAD_API_PTR f_storage(GLenum target, GLsizeiptr size, const void *data, GLbitfield flags)
{
    if (hit(E_STORAGE)) {
        F.oom_pending = 1;
        return;
    }
    F.real.BufferStorage(target, size, data, flags);
}

static void GLAD_API_PTR f_create(GLsizei n, GLuint *names)
{
    if (hit(E_CREATE)) {
        memset(names, 0, (size_t)n * sizeof *names);
        F.oom_pending = 1;
        return;
    }
    F.real.CreateBuffers(n, names);
}

static void GLAD_API_PTR f_gen(GLsizei n, GLuint *names)
{
    if (hit(E_CREATE)) {
        memset(names, 0, (size_t)n * sizeof *names);
        F.oom_pending = 1;
        return;
    }
    F.real.GenBuffers(n, names);
}

static void *GLAD_API_PTR f_map_named(GLuint name, GLintptr offset, GLsizeiptr length, GLbitfield access)
{
    if (hit(E_MAP)) {
        F.oom_pending = 1;
        return NULL;
    }
    return F.real.MapNamedBufferRange(name, offset, length, access);
}

static void *GLAD_API_PTR f_map(GLenum target, GLintptr offset, GLsizeiptr length, GLbitfield access)
{
    if (hit(E_MAP)) {
        F.oom_pending = 1;
        return NULL;
    }
    return F.real.MapBufferRange(target, offset, length, access);
}

static GLboolean GLAD_API_PTR f_unmap_named(GLuint name)
{
    GLboolean ok = F.real.UnmapNamedBuffer(name);
    return hit(E_UNMAP) ? GL_FALSE : ok;
}

static GLboolean GLAD_API_PTR f_unmap(GLenum target)
{
    GLboolean ok = F.real.UnmapBuffer(target);
    return hit(E_UNMAP) ? GL_FALSE : ok;
}

static GLsync GLAD_API_PTR f_fence(GLenum condition, GLbitfield flags)
{
    if (hit(E_FENCE)) {
        return NULL;
    }
    return F.real.FenceSync(condition, flags);
}

static GLenum GLAD_API_PTR f_wait(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    if (hit(E_WAIT)) {
        return (F.fail_at % 2) ? GL_TIMEOUT_EXPIRED : GL_WAIT_FAILED;
    }
    return F.real.ClientWaitSync(sync, flags, timeout);
}

static GLenum GLAD_API_PTR f_get_error(void)
{
    if (F.oom_pending) {
        F.oom_pending = 0;
        return GL_OUT_OF_MEMORY;
    }
    return F.real.GetError();
}

static void install(glbuf_ctx *ctx, void *user)
{
    (void)user;
    GladGLContext *gl = glbuf_ctx_gl_table(ctx);
    F.real = *gl;
    gl->NamedBufferData = f_named_data;
    gl->BufferData = f_data;
    gl->NamedBufferStorage = f_named_storage;
    gl->BufferStorage = f_storage;
    gl->CreateBuffers = f_create;
    gl->GenBuffers = f_gen;
    gl->MapNamedBufferRange = f_map_named;
    gl->MapBufferRange = f_map;
    gl->UnmapNamedBuffer = f_unmap_named;
    gl->UnmapBuffer = f_unmap;
    gl->FenceSync = f_fence;
    gl->ClientWaitSync = f_wait;
    gl->GetError = f_get_error;
}

/* ---- the sweep ------------------------------------------------------------------ */

static void run_once(uint32_t disable_caps, long fail_at, fw_host *host, fw_result *res)
{
    long by_entry[16];
    memcpy(by_entry, F.by_entry, sizeof by_entry);
    memset(&F, 0, sizeof F);
    memcpy(F.by_entry, by_entry, sizeof by_entry);
    F.fail_at = fail_at;
    memset(host, 0, sizeof *host);
    fw_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.disable_caps = disable_caps;
    cfg.host = host;
    cfg.injected = &F.injected;
    cfg.install = install;
    cfg.allowed = (1u << GLBUF_ERR_OUT_OF_GPU_MEMORY) | (1u << GLBUF_ERR_GL) | (1u << GLBUF_ERR_MAP_FAILED) |
                  (1u << GLBUF_ERR_CONTENTS_LOST) | (1u << GLBUF_ERR_FENCE_FAILED) | (1u << GLBUF_ERR_TIMEOUT);
    cfg.run = fail_at;
    fw_run(&cfg, res);
    res->faults_injected = F.injected;
    res->blocks_leaked = host->live;
    ck_assert_msg(host->live == 0, "run %ld: %ld host blocks leaked", fail_at, host->live);
    ck_assert_msg(F.oom_pending == 0, "run %ld: an injected GL_OUT_OF_MEMORY was never read", fail_at);
}

typedef struct gl_sweep_user {
    uint32_t disable_caps;
    fw_host host;
} gl_sweep_user;

static void gl_run(void *user, long fail_at, fw_result *res)
{
    gl_sweep_user *u = user;
    run_once(u->disable_caps, fail_at, &u->host, res);
}

static long gl_points(void *user)
{
    (void)user;
    return F.calls;
}

static long gl_injected(void *user)
{
    (void)user;
    return F.injected;
}

static void sweep(uint32_t disable_caps, const char *path)
{
    char why[256] = "";
    glbuf_headless_desc hd = {4, 5, 0};
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    ck_assert_msg(h != NULL, "headless context: %s", why);

    memset(F.by_entry, 0, sizeof F.by_entry);
    gl_sweep_user u = {disable_caps, {0}};
    fw_sweep_fns fns = {gl_run, gl_points, gl_injected, "fallible GL call", &u};
    fw_result counting, total;
    long runs = 0;
    long points = fw_sweep(&fns, &counting, &total, &runs);
    glbuf_headless_destroy(h);

    char codes[512];
    fw_codes_str(total.codes, codes, sizeof codes);
    printf("fault sweep GL [%s]: %ld injection points, %ld runs, %ld faults injected "
           "(%ld data, %ld storage, %ld create, %ld map, %ld unmap, %ld fence, %ld wait); "
           "%ld calls returned an error [%s], %ld absorbed, %ld retried OK; "
           "%ld checked calls, %ld full readbacks, %llu bytes verified, %llu bytes lost, %ld host blocks leaked\n",
           path, points, runs, total.faults_injected + counting.faults_injected, F.by_entry[E_DATA],
           F.by_entry[E_STORAGE], F.by_entry[E_CREATE], F.by_entry[E_MAP], F.by_entry[E_UNMAP],
           F.by_entry[E_FENCE], F.by_entry[E_WAIT], total.errors, codes, total.absorbed, total.retries, total.steps + counting.steps, total.verifications + counting.verifications,
           (unsigned long long)(total.bytes_verified + counting.bytes_verified),
           (unsigned long long)(total.bytes_lost + counting.bytes_lost), total.blocks_leaked + counting.blocks_leaked);
    fflush(stdout);
    (void)entry_names;
    ck_assert_uint_eq(total.bytes_lost, 0);
}

START_TEST(gl_fault_sweep_loses_nothing)
{
    sweep(0, "dsa+storage");
}
END_TEST

START_TEST(gl_fault_sweep_loses_nothing_bind_path)
{
    sweep(GLBUF_CAP_DSA, "no-dsa");
}
END_TEST

START_TEST(gl_fault_sweep_loses_nothing_fallback_storage)
{
    sweep(GLBUF_CAP_BUFFER_STORAGE, "no-storage");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fault_gl");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, gl_fault_sweep_loses_nothing);
    tcase_add_test(tc, gl_fault_sweep_loses_nothing_bind_path);
    tcase_add_test(tc, gl_fault_sweep_loses_nothing_fallback_storage);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
