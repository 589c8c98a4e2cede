/* test_guard.c - guard bytes (GLBUF_VALIDATION_GUARDS) on a real headless
 * context, on every path the profile has: writes past the end of megabuffer
 * and stream allocations, made on purpose, are reported - by the call that
 * checks (flush, free, glbuf_ctx_end_frame) with GLBUF_ERR_GUARD_OVERRUN, and
 * in one log line naming the object's label, the allocation and the first
 * changed byte - once per write, across growth, trim and incremental
 * defragmentation; a device-local store has none; writes
 * that stay in bounds never are; the data the GPU sees is what was written;
 * and without the bit nothing is added (offsets, sizes, storage flags). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/mesh.h"
#include "glbuf/stream.h"

/* ---- a context with guard bytes, logging into a list -------------------------------- */

#define MAX_LINES 16
static struct {
    int errors;
    char line[MAX_LINES][512];
} logged;

static void capture(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (level != GLBUF_LOG_ERROR) {
        return;
    }
    if (getenv("GLBUF_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "[captured] %s\n", message);
    }
    if (logged.errors < MAX_LINES) {
        snprintf(logged.line[logged.errors], sizeof logged.line[0], "%s", message);
    }
    logged.errors++;
}

/* The fixture's paths (capabilities it disabled stay disabled), with guards. */
static glbuf_ctx *guarded_ctx(int validation)
{
    glbuf_ctx_desc d = {0};
    d.get_proc_address = glbuf_headless_get_proc;
    d.logger.log = capture;
    d.keep_debug_callback = 1; /* the fixture's context routes driver messages */
    d.validation = validation;
    uint32_t all = GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE | GLBUF_CAP_DEBUG;
    d.disable_caps = all & ~glbuf_ctx_get_caps(fx_ctx).caps;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&d, &ctx), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_caps(ctx).caps, glbuf_ctx_get_caps(fx_ctx).caps);
    memset(&logged, 0, sizeof logged);
    return ctx;
}

static int persistent(glbuf_ctx *ctx)
{
    return (glbuf_ctx_get_caps(ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0;
}

static void expect_logged(int index, const char *part)
{
    ck_assert_int_gt(logged.errors, index);
    ck_assert_msg(strstr(logged.line[index], part) != NULL, "log line %d lacks \"%s\": %s", index, part,
                  logged.line[index]);
}

static glbuf_mega make_mega(glbuf_ctx *ctx, uint64_t capacity, const char *label)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.label = label;
    /* Guards need the CPU view of a host-visible store; AUTO is device-local
     * (no guards, tested below) where the GPU has memory of its own. */
    d.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range alloc_filled(glbuf_ctx *ctx, glbuf_mega m, uint64_t size, uint32_t seed, uint8_t **ptr)
{
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(ctx, m, size, 0, &r, NULL), GLBUF_OK);
    void *p = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(ctx, m, r, &p), GLBUF_OK);
    fx_pattern(p, size, seed);
    if (ptr != NULL) {
        *ptr = p;
    }
    return r;
}

/* What the GPU has at the allocation is the pattern written. */
static void expect_mega_range(glbuf_ctx *ctx, glbuf_mega m, glbuf_mega_range r, uint32_t seed)
{
    uint64_t offset = 0, size = 0;
    ck_assert_int_eq(glbuf_mega_offset(ctx, m, r, &offset), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_size(ctx, m, r, &size), GLBUF_OK);
    uint8_t *got = malloc((size_t)size);
    fx_read(glbuf_mega_gl_name(ctx, m), offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

static char *hex_id(uint64_t id, char out[24])
{
    snprintf(out, 24, "0x%016llx", (unsigned long long)id);
    return out;
}

/* ---- megabuffer ------------------------------------------------------------------------ */

START_TEST(a_mega_overrun_is_reported_at_flush_with_label_and_offset)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 1 << 16, "terrain");
    glbuf_mega_range a = alloc_filled(ctx, m, 100, 1, NULL);
    uint8_t *pb = NULL;
    glbuf_mega_range b = alloc_filled(ctx, m, 64, 2, &pb);
    glbuf_mega_range c = alloc_filled(ctx, m, 300, 3, NULL);
    uint64_t b_offset = 0;
    ck_assert_int_eq(glbuf_mega_offset(ctx, m, b, &b_offset), GLBUF_OK);
    ck_assert_uint_eq(b_offset, 128); /* a's 100 bytes and 16 of guard, 16-aligned */
    pb[64] = 0x00;                    /* three bytes past b's end */
    pb[65] = 0x11;
    pb[66] = 0x22;
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 1);
    char id[24];
    expect_logged(0, "glbuf_mega_flush");
    expect_logged(0, "megabuffer 'terrain'");
    expect_logged(0, hex_id(b.id, id));
    expect_logged(0, "at [128, +64)");
    expect_logged(0, "3 of the 16 guard bytes changed");
    expect_logged(0, "the first at byte 64 of the allocation (offset 192 of the buffer): 0x00");
    /* the flush did its work: every allocation reaches the GPU as written */
    expect_mega_range(ctx, m, a, 1);
    expect_mega_range(ctx, m, b, 2);
    expect_mega_range(ctx, m, c, 3);
    /* reported once: the guard was filled again */
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    ck_assert_int_eq(logged.errors, 1);
    /* a second overrun of the same allocation is a second report */
    pb[64 + 15] = 0;
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 2);
    expect_logged(1, "found by glbuf_ctx_end_frame");
    expect_logged(1, "1 of the 16 guard bytes changed, the first at byte 79 of the allocation (offset 207");
    ck_assert_uint_eq(glbuf_ctx_frame(ctx), 3); /* both frames ended */
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

START_TEST(a_mega_overrun_is_reported_at_free_and_the_range_is_freed)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 1 << 16, "particles");
    uint8_t *p = NULL;
    glbuf_mega_range r = alloc_filled(ctx, m, 1000, 4, &p);
    glbuf_mega_range keep = alloc_filled(ctx, m, 200, 5, NULL);
    ck_assert_int_eq(glbuf_mega_write(ctx, m, keep, 0, p, 200), GLBUF_OK); /* glbuf_mega_write stays in bounds */
    memset(p + 1000, 0xEE, 4);
    ck_assert_int_eq(glbuf_mega_free(ctx, m, r), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 1);
    expect_logged(0, "found by glbuf_mega_free");
    expect_logged(0, "megabuffer 'particles'");
    expect_logged(0, "the first at byte 1000 of the allocation (offset 1000 of the buffer): 0xee");
    glbuf_mega_stats st = glbuf_mega_get_stats(ctx, m);
    ck_assert_uint_eq(st.pending_frees, 1);
    ck_assert_uint_eq(st.pending_free_bytes, 1016); /* with its guard */
    ck_assert_uint_eq(st.allocations, 1);
    ck_assert_int_eq(glbuf_mega_free(ctx, m, r), GLBUF_ERR_INVALID_HANDLE); /* freed all the same */
    /* the freed range is not checked again, the rest is intact */
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_collect(ctx, m), GLBUF_OK);
    ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).pending_free_bytes, 0);
    ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).used_bytes, 216);
    expect_mega_range(ctx, m, keep, 4);
    ck_assert_int_eq(logged.errors, 1);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* Growth moves the storage: an overrun made before it is found before the
 * move and returned by the next flush; guards in the new storage catch the
 * next one; the contents are intact. */
START_TEST(overruns_are_caught_across_growth)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 4096, "grows");
    uint8_t *p = NULL;
    glbuf_mega_range a = alloc_filled(ctx, m, 1000, 6, &p);
    p[1001] = 0;
    glbuf_mega_range big = alloc_filled(ctx, m, 8000, 7, NULL); /* grows */
    ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).growths, 1);
    ck_assert_int_eq(logged.errors, 1);
    expect_logged(0, "found by glbuf_mega_alloc (before growing)");
    expect_logged(0, "the first at byte 1001 of the allocation");
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN); /* returned here */
    ck_assert_int_eq(logged.errors, 1);                                  /* not logged twice */
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    expect_mega_range(ctx, m, a, 6);
    expect_mega_range(ctx, m, big, 7);
    void *q = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(ctx, m, big, &q), GLBUF_OK); /* the new storage */
    ((uint8_t *)q)[8000] = 0;
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 2);
    expect_logged(1, "the first at byte 8000 of the allocation");
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

static glbuf_mega_range moved;
static uint64_t moved_to;
static void note_move(void *user, const glbuf_mega_move *mv)
{
    (void)user;
    if (mv->range.id == moved.id) {
        moved_to = mv->new_offset;
    }
}

/* Defragmentation is incremental: a move's copy is made by one call and
 * reported by a later one, once its frame's fence has signalled. An overrun
 * made before the copy is found before it (and returned by the next flush);
 * the guard belongs to the allocation at its new place once the move is
 * reported, and catches the next overrun there. */
START_TEST(overruns_are_caught_across_defragmentation)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 1 << 16, "defrag");
    glbuf_mega_range a = alloc_filled(ctx, m, 5000, 8, NULL);
    uint8_t *pc = NULL;
    moved = alloc_filled(ctx, m, 3000, 9, &pc);
    ck_assert_int_eq(glbuf_mega_free(ctx, m, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(ctx), GLBUF_OK);
    pc[3000] = 0; /* before the move */
    moved_to = UINT64_MAX;
    glbuf_mega_defrag_report rep;
    ck_assert_int_eq(glbuf_mega_defragment(ctx, m, 0, note_move, NULL, &rep), GLBUF_OK);
    ck_assert_uint_eq(rep.moves, 0); /* copied, not reported yet */
    ck_assert_uint_eq(rep.moves_in_flight, 1);
    ck_assert_int_eq(logged.errors, 1);
    expect_logged(0, "found by glbuf_mega_defragment");
    expect_logged(0, "at [5024, +3000)");
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    for (int i = 0; i < 8 && moved_to == UINT64_MAX; i++) {
        ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK); /* the source's guard, checked each frame, is whole */
        ck_assert_int_eq(glbuf_ctx_wait_idle(ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_defragment(ctx, m, 0, note_move, NULL, &rep), GLBUF_OK);
    }
    ck_assert_uint_eq(moved_to, 0);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK); /* the guard at the new place is whole */
    ck_assert_int_eq(logged.errors, 1);
    expect_mega_range(ctx, m, moved, 9);
    void *q = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(ctx, m, moved, &q), GLBUF_OK);
    ((uint8_t *)q)[3002] = 0; /* after the move */
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN);
    expect_logged(1, "at [0, +3000)");
    expect_logged(1, "the first at byte 3002 of the allocation (offset 3002 of the buffer)");
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* Trim replaces the store by a smaller one (GPU copies the CPU does not wait
 * for): an overrun made before is found before the copy; once the copies
 * have landed the guards in the new store catch the next one. */
START_TEST(overruns_are_caught_across_trim)
{
    for (int explicit_flush = 0; explicit_flush < 2; explicit_flush++) { /* coherent, then not */
        glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
        glbuf_mega_desc d = {0};
        d.capacity = 4096;
        d.label = "trims";
        d.explicit_flush = explicit_flush;
        d.placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
        glbuf_mega m = {0};
        ck_assert_int_eq(glbuf_mega_create(ctx, &d, &m), GLBUF_OK);
        uint8_t *p = NULL;
        glbuf_mega_range a = alloc_filled(ctx, m, 1000, 10, &p);
        glbuf_mega_range big = alloc_filled(ctx, m, 30000, 11, NULL); /* grows to 32 KiB or more */
        ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).growths, 1);
        ck_assert_int_eq(glbuf_mega_free(ctx, m, big), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_ptr(ctx, m, a, (void **)&p), GLBUF_OK);
        p[1003] = 0x11; /* before the trim */
        ck_assert_int_eq(glbuf_mega_trim(ctx, m), GLBUF_OK);
        ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).trims, 1);
        ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).capacity, 4096);
        ck_assert_int_eq(logged.errors, 1);
        expect_logged(0, "found by glbuf_mega_trim");
        expect_logged(0, "the first at byte 1003 of the allocation");
        ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN); /* returned here */
        ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(ctx), GLBUF_OK); /* the trim's copies have landed */
        ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK); /* the carried guard is whole (or refilled) */
        expect_mega_range(ctx, m, a, 10);
        ck_assert_int_eq(glbuf_mega_ptr(ctx, m, a, (void **)&p), GLBUF_OK); /* the new store */
        p[1015] = 0x22;
        ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN);
        ck_assert_int_eq(logged.errors, 2);
        expect_logged(1, "the first at byte 1015 of the allocation");
        ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
        glbuf_ctx_destroy(ctx);
    }
}
END_TEST

/* The report names the megabuffer's label, the allocation's user data
 * (glbuf_mega_alloc_with) and the offsets. */
START_TEST(an_overrun_report_names_the_user_data)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 1 << 16, "meshes");
    glbuf_mega_alloc_desc ad = {0};
    ad.size = 24 * 10;
    ad.stride = 24;
    ad.user_data = 4242;
    glbuf_mega_range first = {0}, r = {0};
    uint64_t offset = 0;
    ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 40, 0, &first, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc_with(ctx, m, &ad, &r, &offset), GLBUF_OK);
    ck_assert_uint_eq(offset % 48, 0);
    ck_assert_uint_ge(offset, 40 + 16); /* after the first allocation's guard */
    void *p = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(ctx, m, r, &p), GLBUF_OK);
    memset(p, 0, 240 + 2);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 1);
    char where[96];
    snprintf(where, sizeof where, "(user data 4242) at [%llu, +240)", (unsigned long long)offset);
    expect_logged(0, "megabuffer 'meshes'");
    expect_logged(0, where);
    snprintf(where, sizeof where, "the first at byte 240 of the allocation (offset %llu of the buffer)",
             (unsigned long long)offset + 240);
    expect_logged(0, where);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* A device-local store has no CPU view: no guards there, nothing added
 * (offsets and sizes as without the bit), nothing reported. */
START_TEST(a_device_local_megabuffer_has_no_guards)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega_desc d = {0};
    d.capacity = 4096;
    d.label = "device";
    d.placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(ctx, &d, &m), GLBUF_OK);
    uint64_t room = 0, offset = 0;
    ck_assert_int_eq(glbuf_mega_room(ctx, m, 0, &room), GLBUF_OK);
    ck_assert_uint_eq(room, 4096);
    glbuf_mega_range a = {0}, b = {0};
    ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 96, 0, &a, &offset), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 96, 0, &b, &offset), GLBUF_OK);
    ck_assert_uint_eq(offset, 96);
    ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).used_bytes, 192);
    uint8_t data[96];
    fx_pattern(data, sizeof data, 12);
    ck_assert_int_eq(glbuf_mega_write(ctx, m, b, 0, data, sizeof data), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    expect_mega_range(ctx, m, b, 12);
    ck_assert_int_eq(logged.errors, 0);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* ---- stream ------------------------------------------------------------------------------ */

static glbuf_stream make_stream(glbuf_ctx *ctx, uint64_t capacity, uint64_t max_capacity)
{
    glbuf_stream_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = max_capacity;
    d.label = "immediate";
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(ctx, &d, &s), GLBUF_OK);
    return s;
}

START_TEST(a_stream_overrun_is_reported_at_flush_and_end_frame)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_stream s = make_stream(ctx, 1 << 16, 1 << 20);
    enum { N = 5 };
    glbuf_stream_allocation a[N];
    const uint64_t size[N] = {100, 256, 4, 1000, 48};
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(glbuf_stream_alloc(ctx, s, size[i], 16, &a[i]), GLBUF_OK);
        fx_pattern(a[i].ptr, size[i], 20u + (uint32_t)i);
    }
    ck_assert_uint_eq(a[1].offset, 128); /* 100 + 16 guard bytes, aligned */
    ((uint8_t *)a[3].ptr)[1000] = 0x5A;
    ck_assert_int_eq(glbuf_stream_flush(ctx, s), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 1);
    char where[64];
    snprintf(where, sizeof where, "at [%llu, +1000) of GL buffer %u", (unsigned long long)a[3].offset, a[3].name);
    expect_logged(0, "found by glbuf_stream_flush");
    expect_logged(0, "stream 'immediate' allocation of frame 1");
    expect_logged(0, where);
    expect_logged(0, "the first at byte 1000 of the allocation");
    /* the flush did its work */
    for (int i = 0; i < N; i++) {
        uint8_t got[1000];
        fx_read(a[i].name, a[i].offset, size[i], got);
        fx_check_pattern(got, size[i], 20u + (uint32_t)i);
    }
    ck_assert_int_eq(glbuf_stream_flush(ctx, s), GLBUF_OK); /* once */
    ((uint8_t *)a[2].ptr)[4] = 0;                           /* after the last flush: found at the frame's end */
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 2);
    expect_logged(1, "found by glbuf_ctx_end_frame");
    /* the next frame checks only its own allocations */
    glbuf_stream_allocation b;
    ck_assert_int_eq(glbuf_stream_alloc(ctx, s, 32, 16, &b), GLBUF_OK);
    memset(b.ptr, 1, 32);
    ck_assert_int_eq(glbuf_stream_flush(ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    ck_assert_int_eq(logged.errors, 2);
    ck_assert_int_eq(glbuf_stream_destroy(ctx, s), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* A ring that grows in the frame keeps the old ring's allocations checked. */
START_TEST(stream_guards_hold_across_growth)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_stream s = make_stream(ctx, 4096, 1 << 20);
    glbuf_stream_allocation a, b;
    ck_assert_int_eq(glbuf_stream_alloc(ctx, s, 3000, 16, &a), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(ctx, s, 3000, 16, &b), GLBUF_OK); /* grows */
    ck_assert_uint_eq(glbuf_stream_get_stats(ctx, s).growths, 1);
    ck_assert_uint_ne(a.name, b.name);
    ((uint8_t *)a.ptr)[3000] = 0;
    ((uint8_t *)b.ptr)[3010] = 0;
    ck_assert_int_eq(glbuf_stream_flush(ctx, s), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_int_eq(logged.errors, 2);
    expect_logged(0, "at [0, +3000) of GL buffer");
    expect_logged(1, "the first at byte 3010 of the allocation");
    ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(ctx, s), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* ---- no false alarms, and no cost without the bit ------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t next(rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(r->s >> 33);
}

START_TEST(writes_that_stay_in_bounds_are_never_reported)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 1 << 14, "in-bounds"); /* small: it grows on the way */
    glbuf_stream s = make_stream(ctx, 4096, 1 << 22);
    rng g = {42};
    enum { LIVE = 48 };
    glbuf_mega_range live[LIVE];
    uint32_t seed[LIVE];
    int count = 0;
    for (int frame = 0; frame < 40; frame++) {
        for (int k = 0; k < 12; k++) {
            if (count > 0 && next(&g) % 3u == 0) {
                int i = (int)(next(&g) % (uint32_t)count);
                ck_assert_int_eq(glbuf_mega_free(ctx, m, live[i]), GLBUF_OK);
                live[i] = live[--count];
                seed[i] = seed[count];
            } else if (count < LIVE) {
                uint64_t size = 1u + next(&g) % 3000u;
                seed[count] = next(&g);
                ck_assert_int_eq(glbuf_mega_alloc(ctx, m, size, (uint64_t)1 << (next(&g) % 8u), &live[count], NULL),
                                 GLBUF_OK);
                if (next(&g) % 2u) {
                    void *p = NULL;
                    ck_assert_int_eq(glbuf_mega_ptr(ctx, m, live[count], &p), GLBUF_OK);
                    fx_pattern(p, size, seed[count]); /* every byte, up to the last */
                } else {
                    uint8_t *data = malloc((size_t)size);
                    fx_pattern(data, size, seed[count]);
                    ck_assert_int_eq(glbuf_mega_write(ctx, m, live[count], 0, data, size), GLBUF_OK);
                    free(data);
                }
                count++;
            }
            glbuf_stream_allocation a;
            uint64_t size = 1u + next(&g) % 700u;
            ck_assert_int_eq(glbuf_stream_alloc(ctx, s, size, (uint64_t)1 << (next(&g) % 9u), &a), GLBUF_OK);
            memset(a.ptr, (int)(next(&g) & 0xFFu), (size_t)size);
        }
        if (frame % 7 == 3) {
            ck_assert_int_eq(glbuf_mega_defragment(ctx, m, 4096, NULL, NULL, NULL), GLBUF_OK);
        }
        ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_flush(ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
    }
    ck_assert_uint_ge(glbuf_mega_get_stats(ctx, m).growths, 1);
    ck_assert_uint_ge(glbuf_stream_get_stats(ctx, s).growths, 1);
    for (int i = 0; i < count; i++) {
        expect_mega_range(ctx, m, live[i], seed[i]);
        ck_assert_int_eq(glbuf_mega_free(ctx, m, live[i]), GLBUF_OK);
    }
    ck_assert_int_eq(logged.errors, 0);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(ctx, s), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

/* Guard bytes change only what they must; without the bit, not even that. */
START_TEST(guards_cost_nothing_without_the_bit)
{
    const int modes[2] = {GLBUF_VALIDATION_CHECKS, GLBUF_VALIDATION_ALL};
    for (int k = 0; k < 2; k++) {
        glbuf_ctx *ctx = guarded_ctx(modes[k]);
        uint64_t guard = modes[k] == GLBUF_VALIDATION_ALL ? 16 : 0;
        glbuf_mega m = make_mega(ctx, 4096, "cost");
        glbuf_mega_range a, b;
        uint64_t offset = 0, size = 0, room = 0;
        ck_assert_int_eq(glbuf_mega_room(ctx, m, 0, &room), GLBUF_OK);
        ck_assert_uint_eq(room, 4096 - guard);
        ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 96, 0, &a, &offset), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 96, 0, &b, &offset), GLBUF_OK);
        ck_assert_uint_eq(offset, 96 + guard);
        ck_assert_int_eq(glbuf_mega_size(ctx, m, b, &size), GLBUF_OK);
        ck_assert_uint_eq(size, 96);
        ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).used_bytes, 192 + 2 * guard);
        ck_assert_int_eq(glbuf_mega_write(ctx, m, b, 0, "x", 97), GLBUF_ERR_OUT_OF_BOUNDS); /* the guard is not the app's */
        if (persistent(ctx)) {
            GLint64 flags = 0;
            fx_gl->GetNamedBufferParameteri64v(glbuf_mega_gl_name(ctx, m), GL_BUFFER_STORAGE_FLAGS, &flags);
            ck_assert_int_eq((flags & GL_MAP_READ_BIT) != 0, guard != 0);
        }
        glbuf_stream s = make_stream(ctx, 4096, 4096);
        glbuf_stream_allocation sa;
        ck_assert_int_eq(glbuf_stream_room(ctx, s, 16, &room), GLBUF_OK);
        ck_assert_uint_eq(room, 4096 - guard);
        ck_assert_int_eq(glbuf_stream_alloc(ctx, s, 4097 - guard, 16, &sa), GLBUF_ERR_TOO_LARGE);
        ck_assert_int_eq(glbuf_stream_alloc(ctx, s, 100, 16, &sa), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_alloc(ctx, s, 100, 4, &sa), GLBUF_OK);
        ck_assert_uint_eq(sa.offset, 100 + guard);
        ((uint8_t *)sa.ptr)[100] = 0xFF; /* only a guard sees this */
        ck_assert_int_eq(glbuf_stream_flush(ctx, s), guard ? GLBUF_ERR_GUARD_OVERRUN : GLBUF_OK);
        ck_assert_int_eq(logged.errors, guard ? 1 : 0);
        ck_assert_int_eq(glbuf_ctx_end_frame(ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_destroy(ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
        glbuf_ctx_destroy(ctx);
    }
}
END_TEST

/* A mesh's free reports what its frees found; and an alignment near 2^64
 * with guards on is refused before anything happens. */
START_TEST(a_mesh_free_reports_an_overrun_and_huge_alignments_are_refused)
{
    glbuf_ctx *ctx = guarded_ctx(GLBUF_VALIDATION_ALL);
    glbuf_mega m = make_mega(ctx, 64 * 1024, "meshes");
    glbuf_mesh_desc md = {0};
    md.vertex_count = 3;
    md.vertex_stride = 24;
    md.index_count = 3;
    md.index_type = GLBUF_INDEX_UINT16;
    glbuf_mesh mesh;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(ctx, m, &md, &mesh), GLBUF_OK);
    void *p = NULL;
    ck_assert_int_eq(glbuf_mega_ptr(ctx, m, mesh.vertices, &p), GLBUF_OK);
    memset(p, 0x5A, 72 + 1); /* one byte past the vertices */
    ck_assert_int_eq(glbuf_mega_mesh_free(ctx, m, &mesh), GLBUF_ERR_GUARD_OVERRUN);
    ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).allocations, 0); /* both freed */

    glbuf_mega_stats before = glbuf_mega_get_stats(ctx, m);
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(ctx, m, 100, 0xFFFFFFFFFFFFFFF0ull, &r, NULL), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(glbuf_mega_get_stats(ctx, m).failed_allocations, before.failed_allocations);
    ck_assert_int_eq(glbuf_mega_destroy(ctx, m), GLBUF_OK);
    glbuf_ctx_destroy(ctx);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, a_mega_overrun_is_reported_at_flush_with_label_and_offset);
    tcase_add_test(tc, a_mega_overrun_is_reported_at_free_and_the_range_is_freed);
    tcase_add_test(tc, overruns_are_caught_across_growth);
    tcase_add_test(tc, overruns_are_caught_across_defragmentation);
    tcase_add_test(tc, overruns_are_caught_across_trim);
    tcase_add_test(tc, an_overrun_report_names_the_user_data);
    tcase_add_test(tc, a_device_local_megabuffer_has_no_guards);
    tcase_add_test(tc, a_stream_overrun_is_reported_at_flush_and_end_frame);
    tcase_add_test(tc, stream_guards_hold_across_growth);
    tcase_add_test(tc, writes_that_stay_in_bounds_are_never_reported);
    tcase_add_test(tc, guards_cost_nothing_without_the_bit);
    tcase_add_test(tc, a_mesh_free_reports_an_overrun_and_huge_alignments_are_refused);
}

int main(void)
{
    Suite *s = suite_create("guard");
    fx_add_tcases(s, "guard", add_tests, 1);
    return fx_run(s);
}
