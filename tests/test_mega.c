/* test_mega.c - glbuf_mega on a real headless context, in both placements
 * (host-visible: the persistent mapping; device-local: storage without map
 * bits fed by the staging ring), each on the persistent storage path
 * (coherent and explicit flush), the bind-to-edit path and the fallback
 * without ARB_buffer_storage: contents read back after growth,
 * defragmentation and fenced reuse, and a multi-draw-indirect picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"

static int explicit_flush; /* set per TCase through the fixture below */
static glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE; /* likewise */

static glbuf_mega make(uint64_t capacity, uint64_t max_capacity, glbuf_mega_growth growth)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = max_capacity;
    d.growth = growth;
    d.explicit_flush = explicit_flush;
    d.placement = placement;
    d.label = "test-mega";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range alloc_filled(glbuf_mega m, uint64_t size, uint32_t seed)
{
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, size, 0, &r, NULL), GLBUF_OK);
    void *p = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, r, &p), GLBUF_OK);
    fx_pattern(p, size, seed);
    return r;
}

static void expect_range(glbuf_mega m, glbuf_mega_range r, uint32_t seed)
{
    uint64_t offset = 0, size = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r, &offset), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_size(fx_ctx, m, r, &size), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint8_t *got = malloc((size_t)size);
    fx_read(glbuf_mega_get_stats(fx_ctx, m).name, offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

START_TEST(writes_through_ptr_and_write_reach_the_gpu)
{
    glbuf_mega m = make(1 << 20, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range a = alloc_filled(m, 1000, 1);
    glbuf_mega_range b = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 333, 0, &b, NULL), GLBUF_OK);
    uint8_t data[333];
    fx_pattern(data, sizeof data, 2);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, b, 0, data, 100), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, b, 100, data + 100, 233), GLBUF_OK);
    expect_range(m, a, 1);
    expect_range(m, b, 2);
    glbuf_mega_stats s = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(s.allocations, 2);
    ck_assert_uint_eq(s.used_bytes, 1333);
    ck_assert_int_eq(s.has_buffer_storage, (glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0);
    ck_assert_int_eq(s.placement, placement);
    if (s.has_buffer_storage && placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        /* no map bits at all: the driver may put it in GPU memory */
        GLint64 immutable = 0, flags = -1;
        fx_gl->GetNamedBufferParameteri64v(s.name, GL_BUFFER_IMMUTABLE_STORAGE, &immutable);
        fx_gl->GetNamedBufferParameteri64v(s.name, GL_BUFFER_STORAGE_FLAGS, &flags);
        ck_assert_int_eq(immutable, GL_TRUE);
        ck_assert_int_eq(flags, 0);
        ck_assert_uint_eq(s.bytes_device_local, s.capacity);
        ck_assert_uint_gt(s.bytes_host_visible, 0); /* the staging ring */
    } else if (s.has_buffer_storage) {
        GLint64 immutable = 0, flags = 0;
        fx_gl->GetNamedBufferParameteri64v(s.name, GL_BUFFER_IMMUTABLE_STORAGE, &immutable);
        fx_gl->GetNamedBufferParameteri64v(s.name, GL_BUFFER_STORAGE_FLAGS, &flags);
        ck_assert_int_eq(immutable, GL_TRUE);
        ck_assert(flags & GL_MAP_PERSISTENT_BIT);
        ck_assert_int_eq((flags & GL_MAP_COHERENT_BIT) != 0, !explicit_flush);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_ERR_INVALID_HANDLE);
}
END_TEST

START_TEST(allocations_without_growth_make_no_gl_call)
{
    glbuf_mega m = make(1 << 20, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_mega_range r[100];
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 256 + (uint64_t)i, 0, &r[i], NULL), GLBUF_OK);
    }
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
    }
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(offsets_follow_the_alignment_of_the_use)
{
    glbuf_mega_desc d = {0};
    d.use = GLBUF_MEGA_USE_UNIFORM;
    d.placement = placement;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    uint64_t align = glbuf_ctx_get_caps(fx_ctx).uniform_offset_alignment;
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).alignment, align);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).capacity, GLBUF_MEGA_SIMPLE_2D);
    for (int i = 0; i < 10; i++) {
        glbuf_mega_range r;
        uint64_t off = 1;
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 1 + (uint64_t)i * 7, 0, &r, &off), GLBUF_OK);
        ck_assert_uint_eq(off % align, 0);
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 8, 4096, &r, &off), GLBUF_OK);
        ck_assert_uint_eq(off % 4096, 0);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static PFNGLCLIENTWAITSYNCPROC real_wait;
static GLenum GLAD_API_PTR fence_never_signals(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    (void)sync;
    (void)flags;
    (void)timeout;
    return GL_TIMEOUT_EXPIRED;
}

START_TEST(a_freed_range_is_reused_only_after_its_fence)
{
    glbuf_mega m = make(4096, 4096, GLBUF_MEGA_GROW_NONE);
    glbuf_mega_range a, b;
    uint64_t off = 1;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 4096, 0, &a, &off), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).pending_frees, 1);
    /* the GPU may still read it: not handed out again in this frame */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 16, 0, &b, &off), GLBUF_ERR_FULL);
    /* nor after the frame ended while its fence has not signalled */
    real_wait = fx_lib_gl->ClientWaitSync;
    fx_lib_gl->ClientWaitSync = fence_never_signals;
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 16, 0, &b, &off), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_mega_collect(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).pending_frees, 1);
    fx_lib_gl->ClientWaitSync = real_wait;
    ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, 1, UINT64_MAX), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 4096, 0, &b, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).pending_frees, 0);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).failed_allocations, 2);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(frees_of_ended_frames_are_reclaimed_before_growing)
{
    glbuf_mega m = make(8192, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range a, b, c;
    uint64_t off = 1;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 8192, 0, &a, &off), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK);
    fx_simulate_slow_gpu(1);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    glbuf_ctx_stats before = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 8192, 0, &b, &off), GLBUF_OK);
    fx_simulate_slow_gpu(0);
    ck_assert_uint_eq(off, 0);
    glbuf_mega_stats st = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(st.growths, 0);
    ck_assert_uint_eq(st.capacity, 8192);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).fence_waits, before.fence_waits + 1);
    /* frees of the frame still being recorded cannot be reclaimed: it grows */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 8192, 0, &c, &off), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).growths, 1);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(growth_keeps_every_offset_handle_and_byte)
{
    glbuf_mega m = make(128 * 1024, 0, GLBUF_MEGA_GROW_POW2);
    enum { N = 40 };
    glbuf_mega_range r[N];
    uint64_t offsets[N];
    for (int i = 0; i < N; i++) {
        r[i] = alloc_filled(m, 1000 + (uint64_t)i * 50, (uint32_t)i);
        glbuf_mega_offset(fx_ctx, m, r[i], &offsets[i]);
    }
    for (int i = 0; i < N; i += 3) { /* leave holes, some still pending */
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
    }
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    /* written just before the growth, not flushed: must still arrive (rend3) */
    glbuf_mega_range last = alloc_filled(m, 5000, 99);
    glbuf_mega_range big = alloc_filled(m, 200 * 1024, 77); /* does not fit: grows */
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.growths, 1);
    ck_assert_uint_eq(after.capacity, 512 * 1024); /* 128K doubled until the tail holds 200K */
    ck_assert_uint_ne(after.name, before.name);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation + 1);
    ck_assert_uint_gt(after.bytes_copied_by_growth, 0);
    ck_assert_int_eq(fx_gl->IsBuffer(before.name), GL_FALSE);
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0) {
            continue;
        }
        uint64_t off;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r[i], &off), GLBUF_OK);
        ck_assert_uint_eq(off, offsets[i]);
        expect_range(m, r[i], (uint32_t)i);
    }
    expect_range(m, last, 99);
    expect_range(m, big, 77);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(growth_stops_at_the_maximum_with_full_and_changes_nothing)
{
    glbuf_mega m = make(4096, 16384, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range a = alloc_filled(m, 3000, 5);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    glbuf_mega_range b = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 20000, 0, &b, NULL), GLBUF_ERR_FULL);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.capacity, before.capacity);
    ck_assert_uint_eq(after.name, before.name);
    ck_assert_uint_eq(after.failed_allocations, 1);
    expect_range(m, a, 5);
    /* what fits under the maximum still grows */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 10000, 0, &b, NULL), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).capacity, 16384);
    expect_range(m, a, 5);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- fault injection: the new storage of a growth fails ---------------------------- */

/* A NULL map from glMapBufferRange, for the map-failure case. */
static PFNGLMAPNAMEDBUFFERRANGEPROC real_named_map;
static PFNGLMAPBUFFERRANGEPROC real_bound_map;

static void *GLAD_API_PTR fail_named_map(GLuint n, GLintptr o, GLsizeiptr len, GLbitfield a)
{
    (void)n;
    (void)o;
    (void)len;
    (void)a;
    return NULL;
}

static void *GLAD_API_PTR fail_bound_map(GLenum t, GLintptr o, GLsizeiptr len, GLbitfield a)
{
    (void)t;
    (void)o;
    (void)len;
    (void)a;
    return NULL;
}

/* The growth to `size` bytes fails: GL_OUT_OF_MEMORY, or a NULL map. */
static void inject(GLsizeiptr size, int fail_map)
{
    if (fail_map) {
        real_named_map = fx_lib_gl->MapNamedBufferRange;
        real_bound_map = fx_lib_gl->MapBufferRange;
        fx_lib_gl->MapNamedBufferRange = fail_named_map;
        fx_lib_gl->MapBufferRange = fail_bound_map;
    } else {
        fx_inject_oom(size, 0, 0);
    }
}

static void uninject(int fail_map)
{
    if (fail_map) {
        fx_lib_gl->MapNamedBufferRange = real_named_map;
        fx_lib_gl->MapBufferRange = real_bound_map;
    } else {
        fx_stop_injecting();
    }
}

static void failed_growth_keeps_everything(int fail_map, glbuf_result expected)
{
    glbuf_mega m = make(8192, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range a = alloc_filled(m, 6000, 61);
    void *pa = NULL;
    glbuf_mega_ptr(fx_ctx, m, a, &pa);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    int maps = before.has_buffer_storage && placement == GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    inject(16384, fail_map);
    glbuf_mega_range b = {0};
    glbuf_result r = glbuf_mega_alloc(fx_ctx, m, 5000, 0, &b, NULL);
    uninject(fail_map);
    if (fail_map && !maps) {
        /* the fallback path and a device-local store map nothing: the growth succeeds */
        ck_assert_int_eq(r, GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
        return;
    }
    ck_assert_int_eq(r, expected);
    ck_assert_uint_eq(b.id, 0);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.name, before.name);
    ck_assert_uint_eq(after.capacity, 8192);
    ck_assert_uint_eq(after.growths, 0);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(after.allocations, 1);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive); /* the failed one was deleted */
    void *pa2 = NULL;
    glbuf_mega_ptr(fx_ctx, m, a, &pa2);
    ck_assert_ptr_eq(pa, pa2); /* same mapping */
    expect_range(m, a, 61);
    /* and the next attempt works */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 5000, 0, &b, NULL), GLBUF_OK);
    expect_range(m, a, 61);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}

START_TEST(out_of_memory_on_the_grown_storage_keeps_storage_mapping_and_contents)
{
    failed_growth_keeps_everything(0, GLBUF_ERR_OUT_OF_GPU_MEMORY);
}
END_TEST

START_TEST(a_failed_map_of_the_grown_storage_keeps_everything)
{
    failed_growth_keeps_everything(1, GLBUF_ERR_MAP_FAILED);
}
END_TEST

/* ---- defragmentation ---------------------------------------------------------------- */

enum { DEFRAG_N = 30 };

static void fragment(glbuf_mega m, glbuf_mega_range *r)
{
    for (int i = 0; i < DEFRAG_N; i++) {
        r[i] = alloc_filled(m, 512 + (uint64_t)(i % 7) * 320, (uint32_t)(100 + i)); /* multiples of 16: no gaps */
    }
    for (int i = 0; i < DEFRAG_N; i += 2) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).pending_frees, 0);
}

static int moves_seen;
static void count_move(void *user, const glbuf_mega_move *mv)
{
    (void)user;
    ck_assert_uint_lt(mv->new_offset, mv->old_offset);
    moves_seen++;
}

/* Calls glbuf_mega_defragment once a frame until a call finds nothing to do
 * (no compaction under way, none planned); the test waits for each frame so
 * that its moves land in the next call. Returns the calls made. */
static int defragment_to_the_end(glbuf_mega m, uint64_t budget, void (*on_move)(void *, const glbuf_mega_move *),
                                 glbuf_mega_defrag_report *total)
{
    int calls = 0;
    memset(total, 0, sizeof *total);
    for (;;) {
        glbuf_mega_defrag_report rep;
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, budget, on_move, NULL, &rep), GLBUF_OK);
        calls++;
        ck_assert(budget == 0 || rep.bytes_copied <= budget);
        total->moves += rep.moves;
        total->bytes_moved += rep.bytes_moved;
        total->bytes_copied += rep.bytes_copied;
        total->finished += rep.finished;
        total->started += rep.started;
        if (rep.moves_left == 0 && !rep.started && rep.moves == 0) {
            return calls;
        }
        ck_assert_int_lt(calls, 200);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, glbuf_ctx_frame(fx_ctx) - 1, UINT64_MAX), GLBUF_OK);
    }
}

typedef struct layout {
    uint64_t extent; /* end of the last live block */
} layout;

static int extent_of(void *user, const glbuf_mega_block *b)
{
    layout *l = user;
    if (b->kind != GLBUF_MEGA_BLOCK_FREE) {
        l->extent = b->offset + b->size;
    }
    return 0;
}

static layout layout_of(glbuf_mega m)
{
    layout l = {0};
    ck_assert_int_eq(glbuf_mega_for_each_block(fx_ctx, m, extent_of, &l), GLBUF_OK);
    return l;
}

START_TEST(defragment_packs_allocations_and_keeps_their_bytes)
{
    glbuf_mega m = make(256 * 1024, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range r[DEFRAG_N];
    fragment(m, r);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_gt(before.free_blocks, 1);
    glbuf_mega_defrag_report total;
    moves_seen = 0;
    int calls = defragment_to_the_end(m, 0, count_move, &total);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_int_gt(calls, 2); /* moves land in a later call than their copies */
    ck_assert_uint_gt(total.moves, 0);
    ck_assert_int_gt(total.finished, 0);
    /* Packed: below the end of the last allocation, at most the 512 bytes
     * r[0] left at offset 0 (only a 512-byte allocation fits there, and
     * moving one from below the top would only move the hole); the rest is
     * one free block at the top. */
    layout l = layout_of(m);
    ck_assert_uint_le(l.extent - after.used_bytes, 512);
    ck_assert_uint_eq(after.largest_free_block, after.capacity - l.extent);
    ck_assert_int_eq(moves_seen, (int)total.moves);
    ck_assert_uint_eq(after.name, before.name); /* within the storage */
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(after.bytes_copied_by_defrag, total.bytes_moved);
    for (int i = 1; i < DEFRAG_N; i += 2) {
        expect_range(m, r[i], (uint32_t)(100 + i));
    }
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(defragment_within_a_budget_does_part_of_the_work_per_call)
{
    glbuf_mega m = make(256 * 1024, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range r[DEFRAG_N];
    fragment(m, r);
    glbuf_mega_defrag_report rep;
    int calls = 0;
    do {
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 2048, NULL, NULL, &rep), GLBUF_OK);
        ck_assert_uint_le(rep.bytes_copied, 2048);
        calls++;
        for (int i = 1; i < DEFRAG_N; i += 2) {
            expect_range(m, r[i], (uint32_t)(100 + i));
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    } while ((rep.moves_left > 0 || rep.started) && calls < 100);
    ck_assert_int_gt(calls, 2);
    ck_assert_uint_eq(rep.moves_left, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- handles and bad input ------------------------------------------------------------ */

START_TEST(stale_double_freed_and_foreign_handles_are_errors)
{
    glbuf_mega m = make(65536, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega other = make(65536, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range a = alloc_filled(m, 100, 1);
    glbuf_mega_range foreign = alloc_filled(other, 100, 2);
    glbuf_mega_range zero = {0};
    uint64_t off;
    void *p;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, zero, &off), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, foreign), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_ERR_INVALID_HANDLE); /* while pending */
    ck_assert_int_eq(glbuf_mega_ptr(fx_ctx, m, a, &p), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_ERR_INVALID_HANDLE); /* after retirement */
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, a, &off), GLBUF_ERR_INVALID_HANDLE);
    expect_range(other, foreign, 2);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, other), GLBUF_OK);
}
END_TEST

START_TEST(bad_input_returns_its_code_and_changes_nothing)
{
    glbuf_mega_desc d = {0};
    d.placement = placement;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(NULL, &d, &m), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, NULL, &m), GLBUF_ERR_NULL);
    d.growth = GLBUF_MEGA_GROW_COUNT;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_ERR_INVALID_ARGUMENT);
    d.growth = GLBUF_MEGA_GROW_POW2;
    d.use = GLBUF_MEGA_USE_COUNT;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_ERR_INVALID_ARGUMENT);
    d.use = GLBUF_MEGA_USE_VERTEX;
    d.capacity = 1 << 20;
    d.max_capacity = 1 << 10;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_ERR_TOO_LARGE);
    d.capacity = UINT64_MAX;
    d.max_capacity = 0;
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(m.id, 0);

    m = make(65536, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range a = alloc_filled(m, 64, 3);
    glbuf_mega_range r = {0};
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    uint8_t data[8] = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 0, 0, &r, NULL), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 16, UINT64_MAX, &r, NULL), GLBUF_ERR_BAD_ALIGNMENT); /* lcm with 16 */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, UINT64_MAX - 4, 0, &r, NULL), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 16, 0, NULL, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_mega_alloc(NULL, m, 16, 0, &r, NULL), GLBUF_ERR_NULL);
    glbuf_mega none = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, none, 16, 0, &r, NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, a, 60, data, 8), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, a, UINT64_MAX, data, 8), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, a, 0, NULL, 8), GLBUF_ERR_NULL);
    glbuf_buffer_desc bd = {0};
    bd.size = 16;
    glbuf_buffer buf = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &bd, &buf), GLBUF_OK);
    glbuf_mega not_a_mega = {buf.id}; /* a buffer's id forged into a megabuffer handle */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, not_a_mega, 16, 0, &r, NULL), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, not_a_mega), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, buf), GLBUF_OK);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(after.used_bytes, before.used_bytes);
    ck_assert_uint_eq(r.id, 0);
    expect_range(m, a, 3);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(the_json_layout_covers_the_whole_buffer_in_offset_order)
{
    glbuf_mega m = make(65536, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range r[6];
    for (int i = 0; i < 6; i++) {
        r[i] = alloc_filled(m, 1000, (uint32_t)i);
    }
    glbuf_mega_free(fx_ctx, m, r[1]);
    glbuf_mega_free(fx_ctx, m, r[4]);
    size_t len = 0;
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, NULL, 0, &len), GLBUF_ERR_TOO_LARGE);
    char *json = malloc(len + 1);
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, json, len + 1, &len), GLBUF_OK);
    ck_assert_uint_eq(strlen(json), len);
    ck_assert_ptr_nonnull(strstr(json, "\"capacity\":65536"));
    /* walk the blocks: contiguous from 0 to the capacity */
    uint64_t expect = 0;
    int live = 0, pending = 0, freeb = 0;
    for (const char *p = strstr(json, "\"kind\""); p; p = strstr(p + 1, "\"kind\"")) {
        unsigned long long off = 0, size = 0;
        const char *o = strstr(p, "\"offset\":");
        const char *s = strstr(p, "\"size\":");
        ck_assert(o && s);
        off = strtoull(o + 9, NULL, 10);
        size = strtoull(s + 7, NULL, 10);
        ck_assert_uint_eq(off, expect);
        expect = off + size;
        live += strncmp(p, "\"kind\":\"live\"", 13) == 0;
        pending += strncmp(p, "\"kind\":\"pending\"", 16) == 0;
        freeb += strncmp(p, "\"kind\":\"free\"", 13) == 0;
    }
    ck_assert_uint_eq(expect, 65536);
    ck_assert_int_eq(live, 4);
    ck_assert_int_eq(pending, 2);
    ck_assert_int_ge(freeb, 1);
    free(json);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- drawing from the megabuffer ------------------------------------------------------- */

static GLuint compile(GLenum type, const char *src)
{
    GLuint s = fx_gl->CreateShader(type);
    fx_gl->ShaderSource(s, 1, &src, NULL);
    fx_gl->CompileShader(s);
    GLint ok = 0;
    fx_gl->GetShaderiv(s, GL_COMPILE_STATUS, &ok);
    char log[512] = "";
    fx_gl->GetShaderInfoLog(s, sizeof log, NULL, log);
    ck_assert_msg(ok, "shader: %s", log);
    return s;
}

typedef struct draw_cmd {
    uint32_t count, instance_count, first_index;
    int32_t base_vertex;
    uint32_t base_instance;
} draw_cmd;

/* Four quads, one per quadrant, each its own vertex and index allocation
 * among freed junk; one indirect allocation with the four commands. */
START_TEST(meshes_in_one_buffer_draw_with_one_multi_draw_indirect)
{
    FX_REQUIRE(FX_GL_4_3, "glMultiDrawElementsIndirect");
    glbuf_mega m = make(64 * 1024, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range junk[8], verts[4], idx[4], cmds;
    for (int i = 0; i < 8; i++) {
        junk[i] = alloc_filled(m, 700, 0);
    }
    for (int q = 0; q < 4; q++) {
        float x0 = (q & 1) ? 0.1f : -0.9f, y0 = (q & 2) ? 0.1f : -0.9f;
        float v[16] = {x0, y0, (float)q, 0, x0 + 0.8f, y0, (float)q, 0,
                       x0 + 0.8f, y0 + 0.8f, (float)q, 0, x0, y0 + 0.8f, (float)q, 0};
        uint32_t ix[6] = {0, 1, 2, 0, 2, 3};
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, sizeof v, 16, &verts[q], NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, verts[q], 0, v, sizeof v), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, sizeof ix, 4, &idx[q], NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, idx[q], 0, ix, sizeof ix), GLBUF_OK);
        glbuf_mega_free(fx_ctx, m, junk[q * 2]);
    }
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 4 * sizeof(draw_cmd), 4, &cmds, NULL), GLBUF_OK);
    /* compact first, so the draw uses offsets that moved */
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    glbuf_mega_defrag_report rep;
    defragment_to_the_end(m, 0, NULL, &rep);
    ck_assert_uint_gt(rep.moves, 0);
    draw_cmd c[4];
    for (int q = 0; q < 4; q++) {
        uint64_t vo, io;
        glbuf_mega_offset(fx_ctx, m, verts[q], &vo);
        glbuf_mega_offset(fx_ctx, m, idx[q], &io);
        c[q] = (draw_cmd){6, 1, (uint32_t)(io / 4), (int32_t)(vo / 16), 0};
    }
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, cmds, 0, c, sizeof c), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint64_t cmd_offset;
    glbuf_mega_offset(fx_ctx, m, cmds, &cmd_offset);
    GLuint name = glbuf_mega_get_stats(fx_ctx, m).name;

    const char *vs = "#version 330 core\n"
                     "layout(location = 0) in vec4 p;\n"
                     "flat out int id;\n"
                     "void main() { gl_Position = vec4(p.xy, 0.0, 1.0); id = int(p.z); }\n";
    const char *fs = "#version 330 core\n"
                     "flat in int id;\n"
                     "out vec4 color;\n"
                     "const vec4 colors[4] = vec4[4](vec4(1,0,0,1), vec4(0,1,0,1), vec4(0,0,1,1), vec4(1,1,0,1));\n"
                     "void main() { color = colors[id]; }\n";
    GLuint prog = fx_gl->CreateProgram();
    fx_gl->AttachShader(prog, compile(GL_VERTEX_SHADER, vs));
    fx_gl->AttachShader(prog, compile(GL_FRAGMENT_SHADER, fs));
    fx_gl->LinkProgram(prog);
    GLint linked = 0;
    fx_gl->GetProgramiv(prog, GL_LINK_STATUS, &linked);
    ck_assert(linked);

    GLuint fbo, rb, vao;
    fx_gl->GenFramebuffers(1, &fbo);
    fx_gl->GenRenderbuffers(1, &rb);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, rb);
    fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, 64, 64);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, fbo);
    fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb);
    ck_assert_int_eq(fx_gl->CheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
    fx_gl->Viewport(0, 0, 64, 64);
    fx_gl->ClearColor(0, 0, 0, 1);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);

    fx_gl->GenVertexArrays(1, &vao);
    fx_gl->BindVertexArray(vao);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, name);
    fx_gl->VertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, 16, NULL);
    fx_gl->EnableVertexAttribArray(0);
    fx_gl->BindBuffer(GL_ELEMENT_ARRAY_BUFFER, name);
    fx_gl->BindBuffer(GL_DRAW_INDIRECT_BUFFER, name);
    fx_gl->UseProgram(prog);
    fx_gl->MultiDrawElementsIndirect(GL_TRIANGLES, GL_UNSIGNED_INT, (const void *)(uintptr_t)cmd_offset, 4, 0);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);

    uint8_t px[64 * 64 * 4];
    fx_gl->ReadPixels(0, 0, 64, 64, GL_RGBA, GL_UNSIGNED_BYTE, px);
    const uint8_t expect[5][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {0, 0, 0}};
    const int at[5][2] = {{16, 16}, {48, 16}, {16, 48}, {48, 48}, {32, 32}};
    for (int i = 0; i < 5; i++) {
        const uint8_t *p = &px[(at[i][1] * 64 + at[i][0]) * 4];
        ck_assert_msg(p[0] == expect[i][0] && p[1] == expect[i][1] && p[2] == expect[i][2],
                      "pixel %d,%d is %u,%u,%u", at[i][0], at[i][1], p[0], p[1], p[2]);
    }
    /* every pixel is a quad colour or the background: nothing drawn from stale offsets */
    int coloured = 0;
    for (int i = 0; i < 64 * 64; i++) {
        coloured += px[i * 4] != 0 || px[i * 4 + 1] != 0 || px[i * 4 + 2] != 0;
    }
    ck_assert_int_eq(coloured, 4 * 26 * 26);
    fx_gl->BindVertexArray(0);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST


static void never_called(void *user, const glbuf_mega_move *move)
{
    (void)user;
    ck_abort_msg("on_move saw a freed range (record %llu)", (unsigned long long)move->range.id);
}

static void count_live_move(void *user, const glbuf_mega_move *move)
{
    (void)move;
    (*(int *)user)++;
}

/* Ranges the app freed (pending their frame's fence) are neither copied,
 * counted nor reported; with nothing else to move nothing happens at all. */
START_TEST(defragmentation_ignores_ranges_already_freed)
{
    glbuf_mega m = make(64 * 1024, 0, GLBUF_MEGA_GROW_POW2);
    glbuf_mega_range gap, a, b, keep;
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 4096, 0, &gap, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 256, 0, &a, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 256, 0, &b, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, gap), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_collect(fx_ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK); /* pending: this frame has not ended */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, b), GLBUF_OK);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    glbuf_mega_defrag_report rep;
    ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, never_called, NULL, &rep), GLBUF_OK);
    ck_assert_uint_eq(rep.moves, 0);
    ck_assert_uint_eq(rep.moves_left, 0);
    ck_assert_uint_eq(rep.bytes_moved, 0);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.storage_generation, before.storage_generation);
    ck_assert_uint_eq(after.name, before.name);
    ck_assert_uint_eq(after.defragmentations, before.defragmentations);
    ck_assert_uint_eq(after.bytes_copied_by_defrag, before.bytes_copied_by_defrag);

    /* one live allocation behind the pending ones: only it is reported */
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 512, 0, &keep, NULL), GLBUF_OK);
    uint64_t off = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, keep, &off), GLBUF_OK);
    int moved = 0, calls = 0;
    uint64_t bytes_moved = 0;
    do { /* incremental: a move is reported once its copy's frame has completed */
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 0, count_live_move, &moved, &rep), GLBUF_OK);
        bytes_moved += rep.bytes_moved;
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
        ck_assert_int_lt(++calls, 10);
    } while (rep.moves_left > 0);
    if (off > 0) {
        ck_assert_int_eq(moved, 1);
        ck_assert_uint_eq(bytes_moved, 512);
        ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).bytes_copied_by_defrag, before.bytes_copied_by_defrag + 512);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, writes_through_ptr_and_write_reach_the_gpu);
    tcase_add_test(tc, allocations_without_growth_make_no_gl_call);
    tcase_add_test(tc, offsets_follow_the_alignment_of_the_use);
    tcase_add_test(tc, a_freed_range_is_reused_only_after_its_fence);
    tcase_add_test(tc, frees_of_ended_frames_are_reclaimed_before_growing);
    tcase_add_test(tc, growth_keeps_every_offset_handle_and_byte);
    tcase_add_test(tc, growth_stops_at_the_maximum_with_full_and_changes_nothing);
    tcase_add_test(tc, out_of_memory_on_the_grown_storage_keeps_storage_mapping_and_contents);
    tcase_add_test(tc, a_failed_map_of_the_grown_storage_keeps_everything);
    tcase_add_test(tc, defragment_packs_allocations_and_keeps_their_bytes);
    tcase_add_test(tc, defragment_within_a_budget_does_part_of_the_work_per_call);
    tcase_add_test(tc, stale_double_freed_and_foreign_handles_are_errors);
    tcase_add_test(tc, bad_input_returns_its_code_and_changes_nothing);
    tcase_add_test(tc, the_json_layout_covers_the_whole_buffer_in_offset_order);
    tcase_add_test(tc, meshes_in_one_buffer_draw_with_one_multi_draw_indirect);
    tcase_add_test(tc, defragmentation_ignores_ranges_already_freed);
}

static void setup_explicit(void)
{
    explicit_flush = 1;
    fx_setup();
}

static void setup_device_local_explicit(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
    setup_explicit();
}

static void teardown_explicit(void)
{
    fx_teardown();
    explicit_flush = 0;
}

static void device_local(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
}

/* Every test in both placements, on every path of the profile. */
int main(void)
{
    Suite *s = suite_create("mega");
    fx_add_tcases(s, "mega", add_tests, 1);
    fx_add_tcase(s, "mega/explicit-flush", setup_explicit, teardown_explicit, add_tests);
    fx_add_tcases_with(s, "mega/device-local", add_tests, 1, device_local);
    fx_add_tcase(s, "mega/device-local/explicit-flush", setup_device_local_explicit, teardown_explicit, add_tests);
    return fx_run(s);
}
