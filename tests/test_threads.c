/* test_threads.c - writes from worker threads (mega.h and stream.h,
 * "Threads"), on a real headless context, every path the profile has:
 * the GL thread allocates and hands pointers over through a queue, six
 * workers fill thousands of megabuffer and stream ranges at once while the
 * GL thread keeps allocating (and, for the stream, the ring grows under
 * them), the workers are joined, the GL thread flushes, and every byte is
 * checked where the GPU reads it: read back from the megabuffer, and copied
 * by the GPU out of the stream ring. With guard bytes on, the flushes and
 * frame ends check every guard after the join and find all of them whole.
 * CI runs this suite under ThreadSanitizer (.ci/run): the handoff rule the
 * headers state is all the synchronisation there is. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/stream.h"

#define WORKERS 6

/* ---- the handoff: a queue of pointers, filled by the GL thread ---------------------- */

typedef struct job {
    uint8_t *ptr;
    uint64_t size;
    uint32_t seed;
} job;

typedef struct queue {
    pthread_mutex_t lock;
    pthread_cond_t more;
    job *jobs; /* sized for every job up front: workers never see it move */
    int published, taken, closed;
    int done_by[WORKERS];
} queue;

typedef struct worker {
    queue *q;
    int index;
} worker;

static void queue_init(queue *q, int capacity)
{
    memset(q, 0, sizeof *q);
    ck_assert_int_eq(pthread_mutex_init(&q->lock, NULL), 0);
    ck_assert_int_eq(pthread_cond_init(&q->more, NULL), 0);
    q->jobs = calloc((size_t)capacity, sizeof *q->jobs);
    ck_assert_ptr_nonnull(q->jobs);
}

static void queue_free(queue *q)
{
    pthread_cond_destroy(&q->more);
    pthread_mutex_destroy(&q->lock);
    free(q->jobs);
}

/* GL thread: hands jobs [from, to) over (they were written into q->jobs
 * before the lock: the unlock publishes them). */
static void publish(queue *q, int to)
{
    pthread_mutex_lock(&q->lock);
    q->published = to;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
}

static void close_queue(queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
}

/* Worker: writes every byte of each range it takes, nothing else. No glbuf
 * call, no Check call (neither is for this thread). */
static void *work(void *arg)
{
    worker *w = arg;
    queue *q = w->q;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (q->taken == q->published && !q->closed) {
            pthread_cond_wait(&q->more, &q->lock);
        }
        if (q->taken == q->published) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        job j = q->jobs[q->taken++];
        pthread_mutex_unlock(&q->lock);
        fx_pattern(j.ptr, j.size, j.seed);
        q->done_by[w->index]++; /* this worker's own counter */
    }
}

typedef struct crew {
    pthread_t thread[WORKERS];
    worker w[WORKERS];
} crew;

static void start_crew(crew *c, queue *q)
{
    for (int i = 0; i < WORKERS; i++) {
        c->w[i].q = q;
        c->w[i].index = i;
        ck_assert_int_eq(pthread_create(&c->thread[i], NULL, work, &c->w[i]), 0);
    }
}

/* The handoff back: after the joins every write happened-before what the GL
 * thread does next. Returns how many workers took part. */
static int join_crew(crew *c, queue *q)
{
    close_queue(q);
    int busy = 0;
    for (int i = 0; i < WORKERS; i++) {
        ck_assert_int_eq(pthread_join(c->thread[i], NULL), 0);
        busy += q->done_by[i] > 0;
    }
    return busy;
}

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t next(rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(r->s >> 33);
}

/* A context on the fixture's paths with guard bytes on; errors counted in
 * fx_errors_logged through the fixture's logger is not available here, so
 * this one counts its own. */
static int guarded_errors;

static void count_errors(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (level == GLBUF_LOG_ERROR) {
        guarded_errors++;
        fprintf(stderr, "[glbuf] %s\n", message);
    }
}

static glbuf_ctx *guarded_ctx(void)
{
    glbuf_ctx_desc d = {0};
    d.get_proc_address = glbuf_headless_get_proc;
    d.logger.log = count_errors;
    d.keep_debug_callback = 1;
    d.validation = GLBUF_VALIDATION_ALL;
    uint32_t all = GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE | GLBUF_CAP_DEBUG;
    d.disable_caps = all & ~glbuf_ctx_get_caps(fx_ctx).caps;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&d, &ctx), GLBUF_OK);
    guarded_errors = 0;
    return ctx;
}

/* ---- megabuffer ranges ------------------------------------------------------------------- */

enum { MEGA_RANGES = 4096, MEGA_BATCH = 256 };

/* The GL thread allocates 4096 ranges in batches and hands each batch over
 * while the workers fill the earlier ones; every 8th range it writes itself
 * with glbuf_mega_write. Host-visible, overflow FAIL: no allocation can move
 * the storage under the workers (mega.h, "Threads"), which predict confirms
 * each time. Device-local, the pointers are staging spans that growth keeps:
 * the store starts at 1 MiB and grows while the workers write. */
static void fill_megabuffer_from_workers(glbuf_ctx *ctx, int explicit_flush, int device_local)
{
    glbuf_mega_desc d = {0};
    d.capacity = device_local ? 1u << 20 : 8u << 20;
    d.overflow = device_local ? GLBUF_OVERFLOW_WAIT_THEN_GROW : GLBUF_OVERFLOW_FAIL;
    d.placement = device_local ? GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL : GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    d.explicit_flush = explicit_flush;
    d.label = "loaded-by-workers";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(ctx, &d, &m), GLBUF_OK);
    uint64_t generation = glbuf_mega_storage_generation(ctx, m);

    static glbuf_mega_range ranges[MEGA_RANGES];
    static uint64_t sizes[MEGA_RANGES];
    queue q;
    queue_init(&q, MEGA_RANGES);
    crew c;
    start_crew(&c, &q);
    rng g = {1234};
    int queued = 0;
    uint8_t scratch[2048];
    for (int i = 0; i < MEGA_RANGES; i++) {
        sizes[i] = 1u + next(&g) % 2048u;
        uint64_t align = (uint64_t)16 << (next(&g) % 4u);
        glbuf_fit fit;
        ck_assert_int_eq(glbuf_mega_predict(ctx, m, sizes[i], align, &fit), GLBUF_OK);
        ck_assert(fit == GLBUF_FIT_NOW || (device_local && fit == GLBUF_FIT_GROW));
        ck_assert_int_eq(glbuf_mega_alloc(ctx, m, sizes[i], align, &ranges[i], NULL), GLBUF_OK);
        if (i % 8 == 7) {
            fx_pattern(scratch, sizes[i], (uint32_t)i);
            ck_assert_int_eq(glbuf_mega_write(ctx, m, ranges[i], 0, scratch, sizes[i]), GLBUF_OK);
        } else {
            void *p = NULL;
            ck_assert_int_eq(glbuf_mega_ptr(ctx, m, ranges[i], &p), GLBUF_OK);
            q.jobs[queued].ptr = p;
            q.jobs[queued].size = sizes[i];
            q.jobs[queued].seed = (uint32_t)i;
            queued++;
        }
        if (i % MEGA_BATCH == MEGA_BATCH - 1) {
            publish(&q, queued);
        }
    }
    publish(&q, queued);
    int busy = join_crew(&c, &q);
    ck_assert_int_eq(q.taken, queued);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    if (device_local) {
        ck_assert_uint_gt(glbuf_mega_get_stats(ctx, m).growths, 0); /* it grew under the workers */
    } else {
        ck_assert_uint_eq(glbuf_mega_storage_generation(ctx, m), generation); /* nothing moved */
    }

    /* what the GPU has, every byte */
    glbuf_mega_stats st = glbuf_mega_get_stats(ctx, m);
    ck_assert_uint_eq(st.allocations, MEGA_RANGES);
    uint8_t *got = malloc((size_t)st.capacity);
    fx_read(st.name, 0, st.capacity, got);
    for (int i = 0; i < MEGA_RANGES; i++) {
        uint64_t offset = 0;
        ck_assert_int_eq(glbuf_mega_offset(ctx, m, ranges[i], &offset), GLBUF_OK);
        fx_check_pattern(got + offset, sizes[i], (uint32_t)i);
    }
    free(got);
    for (int i = 0; i < MEGA_RANGES; i++) {
        ck_assert_int_eq(glbuf_mega_free(ctx, m, ranges[i]), GLBUF_OK); /* checks each guard, when on */
    }
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    queue_free(&q);
    printf("megabuffer (%s): %d ranges, %d filled by %d workers, the rest by the GL thread; every byte read back\n",
           device_local ? "device-local, growing" : "host-visible", MEGA_RANGES, queued, busy);
}

START_TEST(workers_fill_thousands_of_megabuffer_ranges)
{
    fill_megabuffer_from_workers(fx_ctx, 0, 0);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(workers_fill_device_local_staging_spans_while_the_store_grows)
{
    fill_megabuffer_from_workers(fx_ctx, 0, 1);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(workers_fill_megabuffer_ranges_with_guard_bytes_checked)
{
    glbuf_ctx *ctx = guarded_ctx();
    fill_megabuffer_from_workers(ctx, 1, 0);
    glbuf_ctx_destroy(ctx);
    ck_assert_int_eq(guarded_errors, 0);
}
END_TEST

/* ---- stream ranges, frame after frame --------------------------------------------------- */

enum { FRAMES = 3, STREAM_RANGES = 1500, STREAM_BATCH = 100 };

typedef struct copied {
    uint64_t dst, size;
    uint32_t seed;
} copied;

/* Each frame: 1500 allocations from a ring that starts small and grows while
 * the workers write into the old ring (its pointers stay valid through the
 * frame), handed over in batches; join, flush, and a GPU copy of every
 * allocation into a result buffer, read back at the end. */
static void fill_stream_from_workers(glbuf_ctx *ctx)
{
    glbuf_stream_desc d = {0};
    d.capacity = 64 * 1024;
    d.label = "instances-by-workers";
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(ctx, &d, &s), GLBUF_OK);
    static copied expect[FRAMES * STREAM_RANGES];
    uint64_t result_size = (uint64_t)FRAMES * STREAM_RANGES * 1024u;
    GLuint result = fx_new_buffer(result_size);
    uint64_t used = 0;
    rng g = {99};
    int busy_most = 0;
    for (int f = 0; f < FRAMES; f++) {
        queue q;
        queue_init(&q, STREAM_RANGES);
        crew c;
        start_crew(&c, &q);
        glbuf_stream_allocation a[STREAM_RANGES];
        for (int i = 0; i < STREAM_RANGES; i++) {
            uint64_t size = 4u + next(&g) % 1021u;
            uint64_t align = (uint64_t)4 << (next(&g) % 4u);
            ck_assert_int_eq(glbuf_stream_alloc(ctx, s, size, align, &a[i]), GLBUF_OK);
            q.jobs[i].ptr = a[i].ptr;
            q.jobs[i].size = size;
            q.jobs[i].seed = (uint32_t)(f * STREAM_RANGES + i);
            if (i % STREAM_BATCH == STREAM_BATCH - 1) {
                publish(&q, i + 1);
            }
        }
        int busy = join_crew(&c, &q);
        busy_most = busy > busy_most ? busy : busy_most;
        ck_assert_int_eq(q.taken, STREAM_RANGES);
        ck_assert_int_eq(glbuf_stream_flush(ctx, s), GLBUF_OK);
        for (int i = 0; i < STREAM_RANGES; i++) {
            copied *e = &expect[f * STREAM_RANGES + i];
            e->dst = used;
            e->size = q.jobs[i].size;
            e->seed = q.jobs[i].seed;
            fx_gl->CopyNamedBufferSubData(a[i].name, result, (GLintptr)a[i].offset, (GLintptr)used,
                                          (GLsizeiptr)e->size);
            used += e->size;
        }
        ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
        ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
        queue_free(&q);
    }
    uint64_t growths = glbuf_stream_get_stats(ctx, s).growths;
    ck_assert_uint_ge(growths, 1); /* it grew under the workers */
    uint8_t *got = malloc((size_t)used);
    fx_read(result, 0, used, got);
    for (int i = 0; i < FRAMES * STREAM_RANGES; i++) {
        fx_check_pattern(got + expect[i].dst, expect[i].size, expect[i].seed);
    }
    free(got);
    fx_gl->DeleteBuffers(1, &result);
    ck_assert_int_eq(glbuf_stream_destroy(ctx, s), GLBUF_OK);
    printf("stream: %d frames of %d allocations filled by up to %d workers while the ring grew %llu times; "
           "every byte copied by the GPU and read back\n",
           FRAMES, STREAM_RANGES, busy_most, (unsigned long long)growths);
}

START_TEST(workers_fill_stream_ranges_every_frame)
{
    fill_stream_from_workers(fx_ctx);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

START_TEST(workers_fill_stream_ranges_with_guard_bytes_checked)
{
    glbuf_ctx *ctx = guarded_ctx();
    fill_stream_from_workers(ctx);
    glbuf_ctx_destroy(ctx);
    ck_assert_int_eq(guarded_errors, 0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, workers_fill_thousands_of_megabuffer_ranges);
    tcase_add_test(tc, workers_fill_device_local_staging_spans_while_the_store_grows);
    tcase_add_test(tc, workers_fill_megabuffer_ranges_with_guard_bytes_checked);
    tcase_add_test(tc, workers_fill_stream_ranges_every_frame);
    tcase_add_test(tc, workers_fill_stream_ranges_with_guard_bytes_checked);
}

int main(void)
{
    Suite *s = suite_create("threads");
    fx_add_tcases(s, "threads", add_tests, 1);
    return fx_run(s);
}
