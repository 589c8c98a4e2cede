/* fault_workload.c - the scripted workload of the fault sweeps (fault_workload.h). */
#include "fault_workload.h"
#include "fault_expect.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"
#include "headless.h"
#include "own_gl.h"

#define FRAMES 6u
#define A_MAX 32768u
#define B_SIZE 2048u
#define MEGA_MAX 32
#define STREAM_MAX 16
#define POOL_MAX 16
#define NAMES_CHECKED 1024u

/* ---- counting host allocator ----------------------------------------------- */

void *fw_host_alloc(size_t size, void *user)
{
    fw_host *h = user;
    h->calls++;
    if (h->fail_at != 0 && h->calls == h->fail_at) {
        h->injected++;
        return NULL;
    }
    void *p = malloc(size);
    if (p != NULL) {
        h->live++;
        if (h->live > h->peak) {
            h->peak = h->live;
        }
    }
    return p;
}

void fw_host_free(void *ptr, void *user)
{
    fw_host *h = user;
    if (ptr != NULL) {
        h->live--;
        free(ptr);
    }
}

/* ---- model ------------------------------------------------------------------ */

typedef struct mega_model {
    glbuf_mega_range h;
    uint64_t size;
    uint8_t *bytes;
    int written; /* 0 until the first write succeeded: contents undefined */
} mega_model;

typedef struct stream_model {
    uint32_t name;
    uint64_t offset, size;
    uint32_t seed;
} stream_model;

typedef struct pool_model {
    glbuf_buffer buf;
    uint64_t size;
    uint32_t seed;
    uint32_t frame;
} pool_model;

typedef struct wl {
    const fw_config *cfg;
    fw_result *res;
    glbuf_ctx *ctx;
    GladGLContext *gl;

    glbuf_buffer a, b;
    int a_live, b_live, b_mapped, b_undefined;
    uint64_t a_size;
    uint8_t a_model[A_MAX];
    uint8_t b_model[B_SIZE];

    glbuf_mega m;
    mega_model mr[MEGA_MAX];
    int mr_count;
    int last_ok;   /* the call being settled returned GLBUF_OK */
    int verify_pending; /* a call absorbed a fault: verify once the model has its effect */
    int mr_adding; /* 1 while glbuf_mega_alloc runs: the new range is not in the model yet */

    glbuf_stream s;
    stream_model sa[STREAM_MAX];
    int sa_count;

    glbuf_pool p;
    pool_model pb[POOL_MAX];
    int pb_count;
} wl;

static uint8_t pat(uint32_t seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xBF58476D1CE4E5B9ull);
    x ^= x >> 31;
    return (uint8_t)(x ^ (x >> 13));
}

static void fill(void *dst, uint64_t n, uint32_t seed)
{
    uint8_t *d = dst;
    for (uint64_t i = 0; i < n; i++) {
        d[i] = pat(seed, i);
    }
}

static long injected_now(const wl *w)
{
    return *w->cfg->injected;
}

/* Reads [offset, offset + n) of GL buffer `name` through the unwrapped
 * readback entry and compares it with `model`. */
static void expect_bytes(wl *w, uint32_t name, uint64_t offset, const uint8_t *model, uint64_t n, const char *what)
{
    if (n == 0) {
        return;
    }
    uint8_t *got = malloc((size_t)n);
    ck_assert_ptr_nonnull(got);
    memset(got, 0xA5, (size_t)n);
    w->gl->GetNamedBufferSubData(name, (GLintptr)offset, (GLsizeiptr)n, got);
    GLenum e = w->gl->GetError();
    uint64_t lost = 0, first = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (got[i] != model[i]) {
            if (lost == 0) {
                first = i;
            }
            lost++;
        }
    }
    free(got);
    w->res->bytes_verified += n;
    w->res->bytes_lost += lost;
    ck_assert_msg(e == GL_NO_ERROR, "run %ld: reading back %s (GL name %u) raised GL error 0x%04x", w->cfg->run,
                  what, name, e);
    ck_assert_msg(lost == 0, "run %ld: %s: %llu of %llu bytes lost, the first at byte %llu", w->cfg->run, what,
                  (unsigned long long)lost, (unsigned long long)n, (unsigned long long)first);
}

/* Every byte the model holds, read back from the GPU. */
static void verify_all(wl *w)
{
    if (w->ctx == NULL) {
        return;
    }
    w->verify_pending = 0;
    w->res->verifications++;
    if (w->a_live) {
        ck_assert_uint_eq(glbuf_buffer_size(w->ctx, w->a), w->a_size);
        expect_bytes(w, glbuf_buffer_name(w->ctx, w->a), 0, w->a_model, w->a_size, "buffer A");
    }
    if (w->b_live && !w->b_mapped && !w->b_undefined) {
        ck_assert_uint_eq(glbuf_buffer_size(w->ctx, w->b), B_SIZE);
        expect_bytes(w, glbuf_buffer_name(w->ctx, w->b), 0, w->b_model, B_SIZE, "buffer B");
    }
    if (w->m.id != 0) {
        /* the fallback path keeps writes in a shadow until flushed */
        ck_assert_int_eq(glbuf_mega_flush(w->ctx, w->m), GLBUF_OK);
        glbuf_mega_stats st = glbuf_mega_get_stats(w->ctx, w->m);
        ck_assert_uint_eq(st.allocations, (uint32_t)(w->mr_count + (w->mr_adding && w->last_ok)));
        for (int i = 0; i < w->mr_count; i++) {
            uint64_t off = 0, size = 0;
            ck_assert_int_eq(glbuf_mega_offset(w->ctx, w->m, w->mr[i].h, &off), GLBUF_OK);
            ck_assert_int_eq(glbuf_mega_size(w->ctx, w->m, w->mr[i].h, &size), GLBUF_OK);
            ck_assert_uint_eq(size, w->mr[i].size);
            if (w->mr[i].written) {
                expect_bytes(w, st.name, off, w->mr[i].bytes, size, "megabuffer allocation");
            }
        }
    }
    uint8_t tmp[4096];
    if (w->s.id != 0) {
        /* the one rule of use: written data reaches GL at the flush */
        ck_assert_int_eq(glbuf_stream_flush(w->ctx, w->s), GLBUF_OK);
    }
    for (int i = 0; i < w->sa_count; i++) {
        const stream_model *a = &w->sa[i];
        ck_assert_uint_le(a->size, sizeof tmp);
        fill(tmp, a->size, a->seed);
        expect_bytes(w, a->name, a->offset, tmp, a->size, "stream allocation of this frame");
    }
    uint8_t *big = malloc(65536);
    ck_assert_ptr_nonnull(big);
    for (int i = 0; i < w->pb_count; i++) {
        const pool_model *pm = &w->pb[i];
        ck_assert_uint_eq(glbuf_buffer_size(w->ctx, pm->buf), pm->size);
        fill(big, pm->size, pm->seed);
        expect_bytes(w, glbuf_buffer_name(w->ctx, pm->buf), 0, big, pm->size, "pooled buffer");
    }
    free(big);
}

/* The state a failed call must leave (fault_expect.h), taken before it. */
static void snap(const wl *w, fe_snapshot *out)
{
    fe_objects o = {w->ctx, {w->a_live ? w->a.id : 0}, {w->b_live ? w->b.id : 0}, w->m, w->s, w->p};
    fe_take(&o, out);
}

/* The one check every call goes through. Returns 1 when the call failed
 * because of an injected fault (the caller verifies and retries): then it
 * returned one of the codes its header documents for such failures, and
 * changed none of the statistics a failure must leave (`before`). */
static int settle(wl *w, glbuf_result r, long injected_before, const char *what, int line,
                  const fe_snapshot *before)
{
    w->res->steps++;
    int injected = injected_now(w) != injected_before;
    if (!injected) {
        ck_assert_msg(r == GLBUF_OK, "run %ld, line %d: %s failed with %s although no fault was injected",
                      w->cfg->run, line, what, glbuf_result_name(r));
        return 0;
    }
    w->res->injected_steps++;
    w->last_ok = r == GLBUF_OK;
    if (getenv("GLBUF_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "run %ld, line %d: fault injected in %s -> %s\n", w->cfg->run, line, what,
                glbuf_result_name(r));
    }
    if (r == GLBUF_OK) {
        /* The call's effect reaches the model after it returns: verify at
         * the next step (or the run's end), not now. */
        w->res->absorbed++;
        w->verify_pending = 1;
        return 0;
    }
    uint32_t allowed = fe_documented_codes(what) & w->cfg->allowed;
    ck_assert_msg((unsigned)r < 32u && (allowed & (1u << r)) != 0,
                  "run %ld, line %d: %s returned %s for an injected fault, not one its header documents", w->cfg->run,
                  line, what, glbuf_result_name(r));
    fe_snapshot after;
    snap(w, &after);
    fe_expect_unchanged(before, &after, what, r, w->cfg->run, line);
    w->res->errors++;
    w->res->codes |= 1u << r;
    return 1;
}

/* Verifies what an absorbed fault left, once the model holds its effect. */
static void verify_if_pending(wl *w)
{
    if (w->verify_pending) {
        w->verify_pending = 0;
        /* The call about to run (an allocation, perhaps) has not run yet:
         * the model's count is the truth. */
        int adding = w->mr_adding;
        w->mr_adding = 0;
        verify_all(w);
        w->mr_adding = adding;
    }
}

#define DO(w, call)                                                                                            \
    do {                                                                                                       \
        verify_if_pending(w);                                                                                  \
        fe_snapshot before_;                                                                                   \
        snap((w), &before_);                                                                                   \
        long inj_ = injected_now(w);                                                                           \
        glbuf_result r_ = (call);                                                                              \
        if (settle((w), r_, inj_, #call, __LINE__, &before_)) {                                                \
            verify_all(w);                                                                                     \
            r_ = (call);                                                                                       \
            ck_assert_msg(r_ == GLBUF_OK, "run %ld, line %d: %s failed again (%s) after the injected fault",   \
                          (w)->cfg->run, __LINE__, #call, glbuf_result_name(r_));                              \
            (w)->res->retries++;                                                                               \
        }                                                                                                      \
    } while (0)

/* ---- a GPU of fixed speed ----------------------------------------------------
 * A non-blocking fence poll (timeout 0) finds a fence pending the first time,
 * as on a GPU still busy with the frame just ended (an H200 always is,
 * llvmpipe often is not), and waits for it the next time (the GPU got there
 * meanwhile). Left to the driver, how many polls a run makes, and what glbuf
 * retires and allocates after them, depends on the GPU's speed: the N-th
 * fallible call or host allocation would be another call on another driver,
 * or in another run (run 23 of the GL fallback sweep was a poll on the H200
 * and a glBufferData on llvmpipe; the host sweep's counting run and its run
 * 43 differed on the H200). */

static struct {
    GLsync polled[GLBUF_MAX_FENCES + 4]; /* fences polled once already */
    int count;
    PFNGLCLIENTWAITSYNCPROC wait;
    PFNGLDELETESYNCPROC delete_sync;
} fixed_gpu;

static GLenum GLAD_API_PTR fixed_wait(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    if (timeout == 0) {
        int seen = 0;
        for (int i = 0; i < fixed_gpu.count && !seen; i++) {
            seen = fixed_gpu.polled[i] == sync;
        }
        if (!seen) {
            ck_assert_int_lt(fixed_gpu.count, (int)(sizeof fixed_gpu.polled / sizeof fixed_gpu.polled[0]));
            fixed_gpu.polled[fixed_gpu.count++] = sync;
            return GL_TIMEOUT_EXPIRED;
        }
        timeout = GL_TIMEOUT_IGNORED;
    }
    return fixed_gpu.wait(sync, flags, timeout);
}

static void GLAD_API_PTR fixed_delete_sync(GLsync sync)
{
    for (int i = 0; i < fixed_gpu.count; i++) {
        if (fixed_gpu.polled[i] == sync) { /* a later fence may get the same handle */
            fixed_gpu.polled[i] = fixed_gpu.polled[--fixed_gpu.count];
            break;
        }
    }
    fixed_gpu.delete_sync(sync);
}

static void install_fixed_gpu(glbuf_ctx *ctx)
{
    GladGLContext *gl = glbuf_ctx_gl_table(ctx);
    memset(&fixed_gpu, 0, sizeof fixed_gpu);
    fixed_gpu.wait = gl->ClientWaitSync;
    fixed_gpu.delete_sync = gl->DeleteSync;
    gl->ClientWaitSync = fixed_wait;
    gl->DeleteSync = fixed_delete_sync;
}

static void quiet_log(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (getenv("GLBUF_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "[glbuf %d] %s\n", (int)level, message);
    }
}

/* ---- the script ---------------------------------------------------------------- */

static void buffers_frame(wl *w, uint32_t f, uint32_t seed)
{
    uint8_t tmp[B_SIZE];
    /* A: append (POW2 growth keeps the contents through a temporary) */
    uint64_t n = 700 + 400 * (uint64_t)f;
    fill(w->a_model + w->a_size, n, seed + 1);
    DO(w, glbuf_buffer_append(w->ctx, w->a, w->a_model + w->a_size, n));
    w->a_size += n;
    if (f == 0) {
        DO(w, glbuf_buffer_set_label(w->ctx, w->a, "fault-A-renamed"));
    }
    /* A: sub-data in the middle */
    uint64_t at = 100 + 37 * (uint64_t)f;
    fill(tmp, 256, seed + 2);
    DO(w, glbuf_buffer_sub_data(w->ctx, w->a, at, 256, tmp));
    memcpy(w->a_model + at, tmp, 256);
    if (f == 3) {
        DO(w, glbuf_buffer_reserve(w->ctx, w->a, w->a_size * 2));
    }
    if (f == 4) {
        /* fits: sub-data at 0, the size shrinks */
        fill(w->a_model, w->a_size - 500, seed + 3);
        DO(w, glbuf_buffer_copy_data(w->ctx, w->a, w->a_size - 500, w->a_model));
        w->a_size -= 500;
    }
    /* B: re-specify, orphan, map and unmap */
    if (f == 1) {
        fill(tmp, B_SIZE, seed + 5);
        DO(w, glbuf_buffer_data(w->ctx, w->b, B_SIZE, tmp, GLBUF_USAGE_DYNAMIC_DRAW));
        memcpy(w->b_model, tmp, B_SIZE);
    }
    if (f == 2) {
        DO(w, glbuf_buffer_orphan(w->ctx, w->b));
        w->b_undefined = 1;
        DO(w, glbuf_buffer_sub_data(w->ctx, w->b, 0, B_SIZE, w->b_model));
        w->b_undefined = 0;
    }
    uint64_t map_at = 64 * (uint64_t)f;
    void *ptr = NULL;
    DO(w, glbuf_buffer_map_range(w->ctx, w->b, map_at, 512, GLBUF_MAP_WRITE | GLBUF_MAP_INVALIDATE_RANGE, &ptr));
    w->b_mapped = 1;
    fill(ptr, 512, seed + 4);
    fill(w->b_model + map_at, 512, seed + 4);
    fe_snapshot before;
    snap(w, &before);
    before.b.mapped = 0; /* a failed unmap unmaps too (buffer.h) */
    long inj = injected_now(w);
    glbuf_result r = glbuf_buffer_unmap(w->ctx, w->b);
    w->b_mapped = 0;
    if (settle(w, r, inj, "glbuf_buffer_unmap()", __LINE__, &before)) {
        ck_assert_int_eq(r, GLBUF_ERR_CONTENTS_LOST);
        /* the documented recovery: write the contents again */
        DO(w, glbuf_buffer_sub_data(w->ctx, w->b, 0, B_SIZE, w->b_model));
        verify_all(w);
    }
}

static void mega_forget(wl *w, int i)
{
    free(w->mr[i].bytes);
    memmove(&w->mr[i], &w->mr[i + 1], (size_t)(w->mr_count - i - 1) * sizeof w->mr[0]);
    w->mr_count--;
}

static int count_live(void *user, const glbuf_mega_block *b)
{
    *(int *)user += b->kind == GLBUF_MEGA_BLOCK_LIVE;
    return 0;
}

static int count_substr(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = strstr(s, sub); p != NULL; p = strstr(p + 1, sub)) {
        n++;
    }
    return n;
}

/* The layout walk and its JSON dump list every live allocation. */
static void check_layout(wl *w)
{
    int live = 0;
    DO(w, (live = 0, glbuf_mega_for_each_block(w->ctx, w->m, count_live, &live)));
    ck_assert_int_eq(live, w->mr_count);
    static char js[16384];
    size_t len = 0;
    fe_snapshot before;
    snap(w, &before);
    long inj = injected_now(w);
    glbuf_result r = glbuf_mega_dump_json(w->ctx, w->m, js, sizeof js, &len);
    if (settle(w, r, inj, "glbuf_mega_dump_json()", __LINE__, &before)) {
        verify_all(w);
        r = glbuf_mega_dump_json(w->ctx, w->m, js, sizeof js, &len);
        ck_assert_int_eq(r, GLBUF_OK);
        w->res->retries++;
    }
    int listed = count_substr(js, "\"live\"");
    ck_assert_msg(listed == w->mr_count, "run %ld: glbuf_mega_dump_json returned %s listing %d of %d live blocks",
                  w->cfg->run, glbuf_result_name(r), listed, w->mr_count);
}

static void mega_frame(wl *w, uint32_t f, uint32_t seed)
{
    const uint64_t sizes[3] = {300 + 250 * (uint64_t)f, 72, 1200 + 100 * (uint64_t)f};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_lt(w->mr_count, MEGA_MAX);
        mega_model *mm = &w->mr[w->mr_count];
        mm->size = sizes[i];
        mm->written = 0;
        mm->bytes = malloc((size_t)mm->size);
        ck_assert_ptr_nonnull(mm->bytes);
        glbuf_fit fit = GLBUF_FIT_FULL;
        uint64_t room = 0;
        DO(w, glbuf_mega_room(w->ctx, w->m, i == 1 ? 64 : 0, &room));
        DO(w, glbuf_mega_predict(w->ctx, w->m, mm->size, i == 1 ? 64 : 0, &fit));
        ck_assert(fit != GLBUF_FIT_FULL); /* the default policy, far below max_capacity */
        ck_assert(room < mm->size || fit == GLBUF_FIT_NOW); /* asked first: the GPU only adds room */
        w->mr_adding = 1;
        DO(w, glbuf_mega_alloc(w->ctx, w->m, mm->size, i == 1 ? 64 : 0, &mm->h, NULL));
        w->mr_adding = 0;
        w->mr_count++;
        /* the model takes the bytes only once a write succeeded */
        uint8_t *data = malloc((size_t)mm->size);
        ck_assert_ptr_nonnull(data);
        fill(data, mm->size, seed + 10 + (uint32_t)i);
        if (i == 2) {
            void *ptr = NULL;
            DO(w, glbuf_mega_ptr(w->ctx, w->m, mm->h, &ptr));
            memcpy(ptr, data, (size_t)mm->size);
        } else {
            DO(w, glbuf_mega_write(w->ctx, w->m, mm->h, 0, data, mm->size));
        }
        memcpy(mm->bytes, data, (size_t)mm->size);
        mm->written = 1;
        if (i == 1) {
            fill(data, 32, seed + 20);
            DO(w, glbuf_mega_write(w->ctx, w->m, mm->h, 8, data, 32));
            memcpy(mm->bytes + 8, data, 32);
        }
        free(data);
    }
    DO(w, glbuf_mega_flush(w->ctx, w->m));
    /* free the oldest and, on odd frames, one in the middle: holes to defragment */
    while (w->mr_count > 6) {
        DO(w, glbuf_mega_free(w->ctx, w->m, w->mr[0].h));
        mega_forget(w, 0);
    }
    if (f % 2 == 1 && w->mr_count > 2) {
        DO(w, glbuf_mega_free(w->ctx, w->m, w->mr[1].h));
        mega_forget(w, 1);
    }
    if (f == 3) {
        DO(w, glbuf_mega_collect(w->ctx, w->m));
    }
    if (f == 2 || f == 4) {
        DO(w, glbuf_mega_defragment(w->ctx, w->m, 0, NULL, NULL, NULL));
    }
    if (f == 5) {
        check_layout(w);
        glbuf_mega_defrag_report rep;
        DO(w, glbuf_mega_defragment(w->ctx, w->m, 1, NULL, NULL, &rep));
    }
}

/* Writes a fresh stream allocation and puts it in the model. */
static void stream_written(wl *w, const glbuf_stream_allocation *al, uint64_t size, uint32_t seed)
{
    ck_assert_int_lt(w->sa_count, STREAM_MAX);
    stream_model *sm = &w->sa[w->sa_count++];
    sm->name = al->name;
    sm->offset = al->offset;
    sm->size = size;
    sm->seed = seed;
    fill(al->ptr, size, seed);
}

static void stream_frame(wl *w, uint32_t f, uint32_t seed)
{
    uint64_t ubo = glbuf_ctx_get_caps(w->ctx).uniform_offset_alignment;
    const uint64_t sizes[5] = {100 + 30 * (uint64_t)f, 256, 64, 400, 3000};
    const uint64_t aligns[5] = {16, ubo, 4, 16, 256};
    int count = f == 3 ? 5 : 4; /* frame 3 alone needs more than the ring: growth */
    for (int i = 0; i < count; i++) {
        /* Not DO(): the allocation is written before settle() verifies,
         * because verifying flushes the stream, and the rule of use is
         * alloc -> write -> flush. A flush between an allocation and its
         * write uploads the allocation unwritten on the fallback path
         * (explicit flush: flushes it unwritten) and no later flush covers
         * it again. */
        glbuf_stream_allocation al;
        uint32_t al_seed = seed + 30 + (uint32_t)i;
        glbuf_fit fit = GLBUF_FIT_FULL;
        uint64_t room = 0;
        DO(w, glbuf_stream_room(w->ctx, w->s, aligns[i], &room));
        DO(w, glbuf_stream_predict(w->ctx, w->s, sizes[i], aligns[i], &fit));
        ck_assert(room < sizes[i] || fit == GLBUF_FIT_NOW); /* asked first: the GPU only adds room */
        fe_snapshot before;
        snap(w, &before);
        long inj = injected_now(w);
        glbuf_result r = glbuf_stream_alloc(w->ctx, w->s, sizes[i], aligns[i], &al);
        if (r == GLBUF_OK) {
            stream_written(w, &al, sizes[i], al_seed);
        }
        if (settle(w, r, inj, "glbuf_stream_alloc()", __LINE__, &before)) {
            verify_all(w);
            r = glbuf_stream_alloc(w->ctx, w->s, sizes[i], aligns[i], &al);
            ck_assert_msg(r == GLBUF_OK, "run %ld: glbuf_stream_alloc failed again (%s) after the injected fault",
                          w->cfg->run, glbuf_result_name(r));
            w->res->retries++;
            stream_written(w, &al, sizes[i], al_seed);
        }
    }
    DO(w, glbuf_stream_flush(w->ctx, w->s));
}

static void pool_frame(wl *w, uint32_t f, uint32_t seed)
{
    for (int i = 0; i < w->pb_count;) {
        if (w->pb[i].frame + 2 <= f) {
            DO(w, glbuf_pool_release(w->ctx, w->p, w->pb[i].buf));
            memmove(&w->pb[i], &w->pb[i + 1], (size_t)(w->pb_count - i - 1) * sizeof w->pb[0]);
            w->pb_count--;
        } else {
            i++;
        }
    }
    const uint64_t sizes[3] = {500 + 100 * (uint64_t)f, 3000, 20000};
    int count = f == 2 ? 3 : 2;
    uint8_t *tmp = malloc(65536);
    ck_assert_ptr_nonnull(tmp);
    for (int i = 0; i < count; i++) {
        ck_assert_int_lt(w->pb_count, POOL_MAX);
        pool_model *pm = &w->pb[w->pb_count];
        pm->size = sizes[i];
        pm->seed = seed + 40 + (uint32_t)i;
        pm->frame = f;
        DO(w, glbuf_pool_acquire(w->ctx, w->p, pm->size, &pm->buf));
        w->pb_count++;
        fill(tmp, pm->size, pm->seed);
        DO(w, glbuf_buffer_sub_data(w->ctx, pm->buf, 0, pm->size, tmp));
    }
    free(tmp);
    if (f == 4) {
        DO(w, glbuf_pool_trim(w->ctx, w->p, 0));
    }
}

static void end_frame(wl *w)
{
    fe_snapshot before;
    snap(w, &before);
    long inj = injected_now(w);
    glbuf_result r = glbuf_ctx_end_frame(w->ctx);
    w->sa_count = 0; /* stream memory of the ended frame is dead */
    if (settle(w, r, inj, "glbuf_ctx_end_frame()", __LINE__, &before)) {
        /* the frame advanced anyway; its memory is retired by the next fence */
        ck_assert_int_eq(r, GLBUF_ERR_FENCE_FAILED);
        verify_all(w);
    }
}

static void create_all(wl *w)
{
    glbuf_buffer_desc ad;
    memset(&ad, 0, sizeof ad);
    ad.size = 3000;
    fill(w->a_model, ad.size, 1);
    ad.data = w->a_model;
    ad.growth = GLBUF_GROWTH_POW2;
    ad.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    ad.label = "fault-A";
    DO(w, glbuf_buffer_create(w->ctx, &ad, &w->a));
    w->a_live = 1;
    w->a_size = ad.size;

    glbuf_buffer_desc bd;
    memset(&bd, 0, sizeof bd);
    bd.size = B_SIZE;
    fill(w->b_model, B_SIZE, 2);
    bd.data = w->b_model;
    bd.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    bd.label = "fault-B";
    DO(w, glbuf_buffer_create(w->ctx, &bd, &w->b));
    w->b_live = 1;

    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    md.capacity = 4096;
    md.max_capacity = 1u << 20;
    md.label = "fault-M";
    /* CTest runs the sweeps again with the megabuffer device-local (staging
     * ring, GPU copies); by default it takes the context's AUTO placement. */
    const char *placement = getenv("GLBUF_TEST_MEGA_PLACEMENT");
    if (placement != NULL && strcmp(placement, "device-local") == 0) {
        md.placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
    } else if (placement != NULL && strcmp(placement, "host-visible") == 0) {
        md.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    }
    DO(w, glbuf_mega_create(w->ctx, &md, &w->m));

    glbuf_stream_desc sd;
    memset(&sd, 0, sizeof sd);
    sd.capacity = 1024;
    sd.max_capacity = 1u << 16;
    sd.frames_in_flight = 3;
    sd.label = "fault-S";
    DO(w, glbuf_stream_create(w->ctx, &sd, &w->s));

    glbuf_pool_desc pd;
    memset(&pd, 0, sizeof pd);
    pd.tier_limits[0] = 1024;
    pd.tier_limits[1] = 4096;
    pd.tier_limits[2] = 16384;
    pd.idle_budget = 1u << 16;
    pd.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    pd.label = "fault-P";
    DO(w, glbuf_pool_create(w->ctx, &pd, &w->p));
}

static void destroy_all(wl *w)
{
    while (w->pb_count > 0) {
        DO(w, glbuf_pool_release(w->ctx, w->p, w->pb[w->pb_count - 1].buf));
        w->pb_count--;
    }
    ck_assert_int_eq(glbuf_pool_destroy(w->ctx, w->p), GLBUF_OK);
    w->p.id = 0;
    ck_assert_int_eq(glbuf_stream_destroy(w->ctx, w->s), GLBUF_OK);
    w->s.id = 0;
    ck_assert_int_eq(glbuf_mega_destroy(w->ctx, w->m), GLBUF_OK);
    w->m.id = 0;
    while (w->mr_count > 0) {
        mega_forget(w, w->mr_count - 1);
    }
    DO(w, glbuf_buffer_destroy(w->ctx, w->a));
    w->a_live = 0;
    DO(w, glbuf_buffer_destroy(w->ctx, w->b));
    w->b_live = 0;
    glbuf_ctx_stats st = glbuf_ctx_get_stats(w->ctx);
    ck_assert_msg(st.buffers_alive == 0, "run %ld: %llu GL buffers left alive", w->cfg->run,
                  (unsigned long long)st.buffers_alive);
    ck_assert_uint_eq(st.buffers_created, st.buffers_deleted);
    /* and GL agrees: no buffer object is left in the context */
    for (GLuint name = 1; name < NAMES_CHECKED; name++) {
        ck_assert_msg(w->gl->IsBuffer(name) == GL_FALSE, "run %ld: GL buffer %u leaked", w->cfg->run, name);
    }
    glbuf_ctx_destroy(w->ctx);
    w->ctx = NULL;
}

void fw_run(const fw_config *cfg, fw_result *res)
{
    wl *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    w->cfg = cfg;
    w->res = res;

    glbuf_ctx_desc cd;
    memset(&cd, 0, sizeof cd);
    cd.get_proc_address = glbuf_headless_get_proc;
    cd.allocator.alloc = fw_host_alloc;
    cd.allocator.free = fw_host_free;
    cd.allocator.user = cfg->host;
    cd.logger.log = quiet_log;
    cd.disable_caps = cfg->disable_caps;
    cd.validation = 1;
    DO(w, glbuf_ctx_create(&cd, &w->ctx));
    w->gl = fx_own_gl_load(); /* the test's own: readbacks are never wrapped */
    install_fixed_gpu(w->ctx);
    if (cfg->install != NULL) {
        cfg->install(w->ctx, cfg->user);
    }

    create_all(w);
    verify_all(w);
    for (uint32_t f = 0; f < FRAMES; f++) {
        uint32_t seed = 1000 * (f + 1);
        buffers_frame(w, f, seed);
        mega_frame(w, f, seed);
        stream_frame(w, f, seed);
        pool_frame(w, f, seed);
        verify_all(w);
        end_frame(w);
    }
    DO(w, glbuf_mega_wait_idle(w->ctx, w->m));
    verify_all(w);
    destroy_all(w);
    free(w);
}

void fw_result_add(fw_result *a, const fw_result *b)
{
    a->steps += b->steps;
    a->injected_steps += b->injected_steps;
    a->errors += b->errors;
    a->absorbed += b->absorbed;
    a->retries += b->retries;
    a->verifications += b->verifications;
    a->bytes_verified += b->bytes_verified;
    a->bytes_lost += b->bytes_lost;
    a->codes |= b->codes;
    a->faults_injected += b->faults_injected;
    a->blocks_leaked += b->blocks_leaked;
}

void fw_codes_str(uint32_t codes, char *out, size_t out_size)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned c = 1; c < (unsigned)GLBUF_RESULT_COUNT && c < 32u; c++) {
        if ((codes & (1u << c)) != 0 && len < out_size) {
            int n = snprintf(out + len, out_size - len, "%s%s", len ? " " : "", glbuf_result_name((glbuf_result)c));
            if (n > 0) {
                len += (size_t)n;
            }
        }
    }
}

long fw_sweep(const fw_sweep_fns *f, fw_result *counting, fw_result *total, long *runs)
{
    memset(counting, 0, sizeof *counting);
    memset(total, 0, sizeof *total);
    f->run(f->user, 0, counting);
    long points = f->points(f->user);
    ck_assert_int_eq(f->injected(f->user), 0);
    ck_assert_int_gt(points, 0);
    const char *only = getenv("GLBUF_FAULT_RUN"); /* replay one run */
    long from = only ? atol(only) : 1, to = only ? atol(only) : points;
    *runs = 0;
    for (long n = from; n <= to; n++) {
        fw_result res;
        memset(&res, 0, sizeof res);
        f->run(f->user, n, &res);
        ck_assert_msg(f->injected(f->user) == 1, "run %ld: the %ld-th %s was never reached", n, n, f->what);
        fw_result_add(total, &res);
        (*runs)++;
    }
    return points;
}
