/* test_ranges.c - glbuf_ranges, the GL-free range allocator: one behaviour per
 * test, plus a randomized run against a shadow model (seed: GLBUF_SEED). */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glbuf/ranges.h"
#include "handle_id.h"
#include "owner_ids.h"
#include "ranges_internal.h"

#define KiB UINT64_C(1024)
#define MiB (KiB * 1024)

/* ---- helpers ------------------------------------------------------------- */

static glbuf_ranges *make(uint64_t capacity)
{
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = capacity;
    glbuf_ranges *r = NULL;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_OK);
    ck_assert_ptr_nonnull(r);
    return r;
}

static glbuf_range alloc_at(glbuf_ranges *r, uint64_t size, uint64_t alignment, uint64_t expected_offset)
{
    glbuf_range h = {0};
    uint64_t off = UINT64_MAX;
    ck_assert_int_eq(glbuf_ranges_alloc(r, size, alignment, &h, &off), GLBUF_OK);
    ck_assert_uint_ne(h.id, 0);
    ck_assert_uint_eq(off, expected_offset);
    return h;
}

static uint64_t offset_of(const glbuf_ranges *r, glbuf_range h)
{
    uint64_t off = UINT64_MAX;
    ck_assert_int_eq(glbuf_ranges_offset(r, h, &off), GLBUF_OK);
    return off;
}

/* Everything observable: statistics, live allocations and free blocks. */
typedef struct span {
    uint64_t offset, size;
    uint64_t id;
    uint64_t align; /* the shadow model's: the allocation's alignment */
} span;

typedef struct snapshot {
    glbuf_ranges_stats stats;
    span live[64], free[64];
    size_t n_live, n_free;
} snapshot;

static int snap_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    snapshot *s = user;
    ck_assert_uint_lt(s->n_live, 64);
    s->live[s->n_live].offset = offset;
    s->live[s->n_live].size = size;
    s->live[s->n_live].id = h.id;
    s->live[s->n_live].align = 0;
    s->n_live++;
    return 0;
}

static int snap_free(void *user, uint64_t offset, uint64_t size)
{
    snapshot *s = user;
    ck_assert_uint_lt(s->n_free, 64);
    s->free[s->n_free].offset = offset;
    s->free[s->n_free].size = size;
    s->free[s->n_free].id = 0;
    s->free[s->n_free].align = 0;
    s->n_free++;
    return 0;
}

static snapshot take(const glbuf_ranges *r)
{
    snapshot s;
    memset(&s, 0, sizeof s);
    s.stats = glbuf_ranges_get_stats(r);
    glbuf_ranges_for_each(r, snap_live, &s);
    glbuf_ranges_for_each_free(r, snap_free, &s);
    return s;
}

static void assert_unchanged(const glbuf_ranges *r, const snapshot *before)
{
    snapshot now = take(r);
    ck_assert_int_eq(memcmp(&now, before, sizeof now), 0);
    ck_assert(glbuf_ranges_invariants_hold(r));
}

/* A host allocator that fails once `fail_after` more allocations succeeded. */
typedef struct counting_alloc {
    long fail_after; /* < 0: never fail */
    long live;
} counting_alloc;

static void *counting_alloc_fn(size_t size, void *user)
{
    counting_alloc *c = user;
    if (c->fail_after == 0) {
        return NULL;
    }
    if (c->fail_after > 0) {
        c->fail_after--;
    }
    c->live++;
    return malloc(size);
}

static void counting_free_fn(void *ptr, void *user)
{
    counting_alloc *c = user;
    c->live--;
    free(ptr);
}

static glbuf_ranges *make_counting(uint64_t capacity, uint32_t initial_slots, counting_alloc *c)
{
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = capacity;
    desc.initial_slots = initial_slots;
    desc.allocator.alloc = counting_alloc_fn;
    desc.allocator.free = counting_free_fn;
    desc.allocator.user = c;
    glbuf_ranges *r = NULL;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_OK);
    return r;
}

/* ---- creation ------------------------------------------------------------ */

START_TEST(create_rejects_null_zero_capacity_and_half_set_hooks)
{
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    glbuf_ranges *r = NULL;
    ck_assert_int_eq(glbuf_ranges_create(NULL, &r), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_create(&desc, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_ERR_ZERO_SIZE);
    desc.capacity = GLBUF_RANGES_MAX_CAPACITY + 1;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_ERR_TOO_LARGE);
    desc.capacity = UINT64_MAX;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_ERR_TOO_LARGE);
    desc.capacity = 1024;
    desc.allocator.alloc = counting_alloc_fn;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(r);
    desc.allocator.alloc = NULL;
    desc.capacity = GLBUF_RANGES_MAX_CAPACITY;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_OK);
    alloc_at(r, GLBUF_RANGES_MAX_CAPACITY - 1, 1, 0);
    alloc_at(r, 1, 1, GLBUF_RANGES_MAX_CAPACITY - 1);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(a_new_allocator_is_one_free_block_spanning_the_capacity)
{
    glbuf_ranges *r = make(1000);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.capacity, 1000);
    ck_assert_uint_eq(s.used_bytes, 0);
    ck_assert_uint_eq(s.free_bytes, 1000);
    ck_assert_uint_eq(s.largest_free_block, 1000);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert_uint_eq(s.live_allocations, 0);
    ck_assert_uint_eq(s.failed_allocations, 0);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 0);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(create_failure_of_the_host_allocator_is_reported_and_leaks_nothing)
{
    for (long k = 0; k < 2; k++) {
        counting_alloc c = {k, 0};
        glbuf_ranges_desc desc;
        memset(&desc, 0, sizeof desc);
        desc.capacity = 4096;
        desc.allocator.alloc = counting_alloc_fn;
        desc.allocator.free = counting_free_fn;
        desc.allocator.user = &c;
        glbuf_ranges *r = NULL;
        ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_ERR_OUT_OF_HOST_MEMORY);
        ck_assert_ptr_null(r);
        ck_assert_int_eq(c.live, 0);
    }
}
END_TEST

START_TEST(destroy_returns_every_byte_to_the_host_allocator)
{
    counting_alloc c = {-1, 0};
    glbuf_ranges *r = make_counting(1 * MiB, 2, &c);
    glbuf_range h;
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(glbuf_ranges_alloc(r, 100, 1, &h, NULL), GLBUF_OK);
    }
    ck_assert_int_gt(c.live, 0);
    glbuf_ranges_destroy(r);
    ck_assert_int_eq(c.live, 0);
    glbuf_ranges_destroy(NULL);
}
END_TEST

/* ---- allocation ---------------------------------------------------------- */

START_TEST(alloc_packs_from_offset_zero_and_grants_exactly_the_requested_size)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 1, 1, 0);
    glbuf_range b = alloc_at(r, 333, 1, 1);
    glbuf_range c = alloc_at(r, 7, 1, 334);
    uint64_t size = 0;
    ck_assert_int_eq(glbuf_ranges_size(r, b, &size), GLBUF_OK);
    ck_assert_uint_eq(size, 333);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.used_bytes, 341);
    ck_assert_uint_eq(s.free_bytes, 1000 - 341);
    ck_assert_uint_eq(s.live_allocations, 3);
    ck_assert_uint_ne(a.id, b.id);
    ck_assert_uint_ne(b.id, c.id);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(alloc_honours_every_power_of_two_alignment)
{
    glbuf_ranges *r = make(GLBUF_RANGES_MAX_CAPACITY);
    glbuf_range h;
    uint64_t off;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 3, 1, &h, &off), GLBUF_OK); /* misalign the cursor */
    for (unsigned k = 0; k < 47; k++) {
        uint64_t alignment = UINT64_C(1) << k;
        ck_assert_int_eq(glbuf_ranges_alloc(r, 5, alignment, &h, &off), GLBUF_OK);
        ck_assert_uint_eq(off % alignment, 0);
        ck_assert_uint_eq(offset_of(r, h), off);
    }
    /* From 2^48 up, the only multiple inside the range is 0, which is taken. */
    for (unsigned k = 48; k < 64; k++) {
        ck_assert_int_eq(glbuf_ranges_alloc(r, 5, UINT64_C(1) << k, &h, &off), GLBUF_ERR_FULL);
    }
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
    r = make(GLBUF_RANGES_MAX_CAPACITY);
    alloc_at(r, 5, UINT64_C(1) << 63, 0);
    alloc_at(r, 5, UINT64_C(1) << 47, UINT64_C(1) << 47);
    glbuf_ranges_destroy(r);
}
END_TEST

/* Element sizes of vertices, and the lcm of one with a GL alignment. */
START_TEST(alloc_honours_alignments_that_are_not_powers_of_two)
{
    static const uint64_t alignments[] = {3, 12, 24, 36, 56, 768, 1000, 1000003, UINT64_C(3) << 40};
    glbuf_ranges *r = make(UINT64_C(1) << 44);
    glbuf_range h;
    uint64_t off, used = 0;
    for (int round = 0; round < 3; round++) {
        for (size_t k = 0; k < sizeof alignments / sizeof alignments[0]; k++) {
            uint64_t size = 1 + (uint64_t)round * 37 + k;
            ck_assert_int_eq(glbuf_ranges_alloc(r, size, alignments[k], &h, &off), GLBUF_OK);
            ck_assert_uint_eq(off % alignments[k], 0);
            ck_assert_uint_eq(offset_of(r, h), off);
            uint64_t granted = 0;
            ck_assert_int_eq(glbuf_ranges_size(r, h, &granted), GLBUF_OK);
            ck_assert_uint_eq(granted, size); /* exact: the padding is not granted */
            used += size;
        }
    }
    /* The padding stays free: used + free = capacity, and the free blocks
     * add up to the free bytes. */
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.used_bytes, used);
    ck_assert_uint_eq(s.free_bytes, s.capacity - used);
    snapshot snap = take(r);
    uint64_t free_sum = 0;
    for (size_t i = 0; i < snap.n_free; i++) {
        free_sum += snap.free[i].size;
    }
    ck_assert_uint_eq(free_sum, s.free_bytes);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

/* A 24-byte vertex after a 5-byte block starts at 24; the 19 bytes skipped
 * take a 19-byte request later. */
START_TEST(non_power_of_two_padding_returns_to_the_free_list)
{
    glbuf_ranges *r = make(4096);
    alloc_at(r, 5, 1, 0);
    glbuf_range v = alloc_at(r, 24 * 5, 24, 24);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 2);
    ck_assert_uint_eq(s.free_bytes, 4096 - 125);
    alloc_at(r, 19, 1, 5);
    ck_assert_uint_eq(glbuf_ranges_get_stats(r).free_blocks, 1);
    ck_assert_int_eq(glbuf_ranges_free(r, v), GLBUF_OK);
    alloc_at(r, 36, 36, 36);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

/* Alignments that are not powers of two keep their side table: it is
 * allocated with the first of them, grows with the records, and a failure
 * to allocate it fails that request only, changing nothing. */
START_TEST(the_first_non_power_of_two_alignment_can_fail_for_host_memory_and_changes_nothing)
{
    counting_alloc c = {-1, 0};
    glbuf_ranges *r = make_counting(1 * MiB, 5, &c); /* two internal records and three allocations */
    alloc_at(r, 10, 16, 0);
    snapshot before = take(r);
    c.fail_after = 0;
    glbuf_range h = {0};
    ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 24, &h, NULL), GLBUF_ERR_OUT_OF_HOST_MEMORY);
    ck_assert_uint_eq(h.id, 0);
    before.stats.failed_allocations = 1;
    assert_unchanged(r, &before);
    c.fail_after = -1;
    uint64_t meta = glbuf_ranges_get_stats(r).metadata_bytes;
    alloc_at(r, 10, 24, 24);
    ck_assert_uint_gt(glbuf_ranges_get_stats(r).metadata_bytes, meta); /* the side table */
    /* Growing the records grows the side table too; a failure of either
     * changes nothing. */
    ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 1, &h, NULL), GLBUF_OK); /* the last spare record */
    before = take(r);
    c.fail_after = 1; /* the records succeed, the side table fails */
    ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 36, &h, NULL), GLBUF_ERR_OUT_OF_HOST_MEMORY);
    before.stats.failed_allocations = 2;
    assert_unchanged(r, &before);
    c.fail_after = -1;
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 36, &h, NULL), GLBUF_OK);
        ck_assert_uint_eq(offset_of(r, h) % 36, 0);
    }
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

/* The allocation goes to whichever end of the gap leaves the smaller crumb
 * of alignment padding (a gap at the end of the range: always its start). */
START_TEST(alloc_takes_the_end_of_the_gap_that_wastes_less)
{
    glbuf_ranges *r = make(16 * MiB);
    alloc_at(r, 16, 1, 0);                       /* [0, 16) */
    glbuf_range gap = alloc_at(r, 1008, 1, 16);  /* [16, 1024), freed below */
    alloc_at(r, 1024, 256, 1024);                /* [1024, 2048) */
    ck_assert_int_eq(glbuf_ranges_free(r, gap), GLBUF_OK); /* gap [16, 1024) */
    /* 200 bytes at 256: low at 256 leaves 240 bytes before it, high at 768
     * leaves 56 after it. The high end wastes less. */
    alloc_at(r, 200, 256, 768);
    /* 100 bytes at 16 in [16, 768): the low end wastes nothing. */
    alloc_at(r, 100, 16, 16);
    /* In the gap at the end of the range, the start, although the high end
     * would leave 96 bytes against 2048. */
    alloc_at(r, 4000, 4096, 4096);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

/* Gaps under 16 bytes are in no size-class list, but a request they fit
 * still finds them when nothing else holds it. */
START_TEST(a_small_request_finds_a_crumb_when_nothing_else_fits)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 10, 1, 0);
    glbuf_range crumb = alloc_at(r, 12, 1, 10);
    alloc_at(r, 978, 1, 22);
    ck_assert_int_eq(glbuf_ranges_free(r, crumb), GLBUF_OK); /* the only free bytes: [10, 22) */
    glbuf_range h;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 13, 1, &h, NULL), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 4, 8, &h, NULL), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, h), 16);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 6, 1, &h, NULL), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, h), 10);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 2, 1, &h, NULL), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, h), 20);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1, 1, &h, NULL), GLBUF_ERR_FULL);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_bytes, 0);
    ck_assert_uint_eq(s.largest_free_block, 0);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(largest_free_block_is_exact_when_only_crumbs_are_free)
{
    glbuf_ranges *r = make(100);
    alloc_at(r, 10, 1, 0);
    glbuf_range a = alloc_at(r, 7, 1, 10);
    alloc_at(r, 20, 1, 17);
    glbuf_range b = alloc_at(r, 9, 1, 37);
    alloc_at(r, 54, 1, 46);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 2);
    ck_assert_uint_eq(s.largest_free_block, 9);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(alignment_padding_returns_to_the_free_list)
{
    glbuf_ranges *r = make(4096);
    alloc_at(r, 10, 1, 0);
    alloc_at(r, 100, 64, 64); /* skips [10, 64) */
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.used_bytes, 110);
    ck_assert_uint_eq(s.free_bytes, 4096 - 110);
    ck_assert_uint_eq(s.free_blocks, 2);
    /* The padding is a free block: a request of its size lands there. */
    alloc_at(r, 54, 1, 10);
    s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(bad_sizes_and_alignments_are_rejected_and_change_nothing)
{
    glbuf_ranges *r = make(1 * MiB);
    alloc_at(r, 100, 16, 0);
    snapshot before = take(r);
    glbuf_range h = {0};
    uint64_t off = 0;
    ck_assert_int_eq(glbuf_ranges_alloc(NULL, 1, 1, &h, &off), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1, 1, NULL, &off), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 0, 1, &h, &off), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1, 0, &h, &off), GLBUF_ERR_BAD_ALIGNMENT);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 2, UINT64_MAX, &h, &off), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_ranges_alloc(r, UINT64_MAX, 2, &h, &off), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_ranges_alloc(r, (UINT64_C(1) << 63) + 1, UINT64_C(1) << 63, &h, &off), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_ranges_alloc(r, UINT64_MAX - 14, 16, &h, &off), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(h.id, 0);
    assert_unchanged(r, &before);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(full_is_reported_and_counted_when_no_free_block_fits)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 100, 1, 0);
    glbuf_range a = alloc_at(r, 400, 1, 100);
    alloc_at(r, 200, 1, 500);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK); /* free: [100,500) and [700,1000) */
    snapshot before = take(r);
    glbuf_range h = {0};
    ck_assert_int_eq(glbuf_ranges_alloc(r, 401, 1, &h, NULL), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 5000, 1, &h, NULL), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 300, 256, &h, NULL), GLBUF_ERR_FULL); /* 256 and 768 do not fit */
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1, 1024, &h, NULL), GLBUF_ERR_FULL);  /* only 0 is 1024-aligned */
    ck_assert_uint_eq(h.id, 0);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.failed_allocations, 4);
    before.stats.failed_allocations = 4;
    assert_unchanged(r, &before);
    /* ... while 300 at alignment 128 fits at 128. */
    alloc_at(r, 300, 128, 128);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(never_full_while_a_fitting_gap_exists)
{
    /* Free blocks whose size class is below the one the constant-time search
     * asks for (size + alignment - 1, rounded up) but that do fit. */
    glbuf_ranges *r = make(64 * KiB);
    glbuf_range a = alloc_at(r, 256, 256, 0);
    alloc_at(r, 1, 1, 256);
    glbuf_range c = alloc_at(r, 1000, 1, 257);
    alloc_at(r, 64 * KiB - 1257, 1, 1257); /* the range is full */
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, c), GLBUF_OK);
    /* [257,1257) is free, exactly 1000 bytes: the class-rounded search for
     * 1000 starts above its class. */
    alloc_at(r, 1000, 1, 257);
    /* [0,256) is free and 256-aligned; 256 at 256 needs 511 for a sure fit. */
    alloc_at(r, 256, 256, 0);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.failed_allocations, 0);
    ck_assert_uint_eq(s.free_bytes, 0);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(the_whole_capacity_can_be_allocated_exactly)
{
    glbuf_ranges *r = make(12345);
    alloc_at(r, 12345, 1, 0);
    glbuf_range h;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1, 1, &h, NULL), GLBUF_ERR_FULL);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 0);
    ck_assert_uint_eq(s.largest_free_block, 0);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 12345);
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- free ---------------------------------------------------------------- */

START_TEST(free_coalesces_with_both_neighbours)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    glbuf_range b = alloc_at(r, 100, 1, 100);
    glbuf_range c = alloc_at(r, 100, 1, 200);
    alloc_at(r, 700, 1, 300);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, c), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ranges_get_stats(r).free_blocks, 2);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert_uint_eq(s.largest_free_block, 300);
    alloc_at(r, 300, 1, 0);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(free_coalesces_with_the_left_neighbour_only_when_the_right_is_live)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    glbuf_range b = alloc_at(r, 100, 1, 100);
    alloc_at(r, 800, 1, 200);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert_uint_eq(s.largest_free_block, 200);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(free_coalesces_with_the_right_neighbour_only_when_the_left_is_live)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 100, 1, 0);
    glbuf_range b = alloc_at(r, 100, 1, 100);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert_uint_eq(s.largest_free_block, 900);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 100);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(freeing_everything_leaves_one_block_spanning_the_capacity)
{
    glbuf_ranges *r = make(1 * MiB);
    glbuf_range h[100];
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(glbuf_ranges_alloc(r, (uint64_t)(i * 37 + 1), (uint64_t)1 << (i % 9), &h[i], NULL),
                         GLBUF_OK);
    }
    for (int i = 0; i < 100; i += 2) {
        ck_assert_int_eq(glbuf_ranges_free(r, h[i]), GLBUF_OK);
    }
    for (int i = 99; i > 0; i -= 2) {
        ck_assert_int_eq(glbuf_ranges_free(r, h[i]), GLBUF_OK);
    }
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert_uint_eq(s.largest_free_block, 1 * MiB);
    ck_assert_uint_eq(s.used_bytes, 0);
    ck_assert_uint_eq(s.live_allocations, 0);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 0);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- handles ------------------------------------------------------------- */

START_TEST(stale_handle_is_rejected_and_changes_nothing)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    alloc_at(r, 100, 1, 100);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    glbuf_range again = alloc_at(r, 50, 1, 0); /* reuses a's record */
    snapshot before = take(r);
    uint64_t v = 7;
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_offset(r, a, &v), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_size(r, a, &v), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(v, 7);
    assert_unchanged(r, &before);
    ck_assert_uint_eq(offset_of(r, again), 0);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(double_free_is_rejected_and_changes_nothing)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    alloc_at(r, 100, 1, 100);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    snapshot before = take(r);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_ERR_INVALID_HANDLE);
    glbuf_range dead = {a.id ^ (UINT64_C(3) << GLBUF_ID_INDEX_BITS)}; /* the freed record, another generation */
    ck_assert_int_eq(glbuf_ranges_free(r, dead), GLBUF_ERR_INVALID_HANDLE);
    assert_unchanged(r, &before);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(zero_and_forged_handles_are_rejected_and_change_nothing)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    snapshot before = take(r);
    uint64_t gen_field = (uint64_t)GLBUF_ID_GEN_MAX << GLBUF_ID_INDEX_BITS;
    glbuf_range forged[] = {{0},
                            {1},
                            {UINT64_MAX},
                            {0xFFFFFFu},
                            {a.id + 1},
                            {a.id ^ (UINT64_C(1) << 63)},  /* another owner */
                            {a.id & ~gen_field},           /* generation 0 */
                            {a.id | gen_field},            /* another generation */
                            {a.id & (gen_field | 0xFFFFFFu)}}; /* owner 0 */
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        uint64_t v;
        ck_assert_int_eq(glbuf_ranges_free(r, forged[i]), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_ranges_offset(r, forged[i], &v), GLBUF_ERR_INVALID_HANDLE);
    }
    ck_assert_int_eq(glbuf_ranges_free(NULL, a), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_offset(r, a, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_size(NULL, a, NULL), GLBUF_ERR_NULL);
    assert_unchanged(r, &before);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(record_indices_are_dense_and_unique_among_live_handles)
{
    glbuf_ranges *r = make(1 * MiB);
    glbuf_range h[100];
    int seen[102] = {0};
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 1, &h[i], NULL), GLBUF_OK);
        uint32_t k = glbuf_range_index(h[i]);
        ck_assert_uint_ge(k, 2);
        ck_assert_uint_le(k, 101);
        ck_assert_int_eq(seen[k]++, 0);
    }
    uint32_t freed = glbuf_range_index(h[42]);
    ck_assert_int_eq(glbuf_ranges_free(r, h[42]), GLBUF_OK);
    glbuf_range again;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 1, &again, NULL), GLBUF_OK);
    ck_assert_uint_eq(glbuf_range_index(again), freed); /* reused, so indices stay dense */
    ck_assert_uint_ne(again.id, h[42].id);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(foreign_handle_from_another_instance_is_rejected)
{
    glbuf_ranges *r1 = make(1000);
    glbuf_ranges *r2 = make(1000);
    glbuf_range h1 = alloc_at(r1, 100, 1, 0);
    glbuf_range h2 = alloc_at(r2, 100, 1, 0); /* same record index in its own instance */
    snapshot before = take(r2);
    uint64_t v;
    ck_assert_int_eq(glbuf_ranges_offset(r2, h1, &v), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_free(r2, h1), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_free(r1, h2), GLBUF_ERR_INVALID_HANDLE);
    assert_unchanged(r2, &before);
    ck_assert_int_eq(glbuf_ranges_free(r1, h1), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r2, h2), GLBUF_OK);
    glbuf_ranges_destroy(r1);
    glbuf_ranges_destroy(r2);
}
END_TEST

/* Handles of two instances that agree in index and generation differ only in
 * the owner, and each instance rejects the other's, also after many reuses
 * and after many instances were created and destroyed in between. */
START_TEST(foreign_handles_with_identical_index_and_generation_are_rejected)
{
    glbuf_ranges *a = make(1000);
    glbuf_ranges *b = make(1000);
    glbuf_range hb = alloc_at(b, 100, 1, 0);
    glbuf_range ha = {0};
    for (int i = 0; i < 1100; i++) { /* a's record 2 walks through generations 1 .. 1100 */
        ha = alloc_at(a, 100, 1, 0);
        if (i == 0) {
            ck_assert_uint_eq(ha.id & ((UINT64_C(1) << 46) - 1), hb.id & ((UINT64_C(1) << 46) - 1));
            ck_assert_uint_ne(glbuf_id_owner(ha.id), glbuf_id_owner(hb.id));
        }
        snapshot before = take(b);
        uint64_t v = 7;
        ck_assert_int_eq(glbuf_ranges_offset(b, ha, &v), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_ranges_size(b, ha, &v), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_ranges_free(b, ha), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_uint_eq(v, 7);
        assert_unchanged(b, &before);
        ck_assert_int_eq(glbuf_ranges_free(a, hb), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_ranges_free(a, ha), GLBUF_OK);
    }
    /* Instances made and destroyed in between never receive a live owner. */
    ha = alloc_at(a, 100, 1, 0);
    for (int i = 0; i < 1100; i++) {
        glbuf_ranges *c = make(1000);
        glbuf_range hc = alloc_at(c, 100, 1, 0);
        ck_assert_uint_ne(hc.id, ha.id);
        ck_assert_uint_ne(hc.id, hb.id);
        ck_assert_int_eq(glbuf_ranges_free(c, ha), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_ranges_free(c, hb), GLBUF_ERR_INVALID_HANDLE);
        glbuf_ranges_destroy(c);
    }
    ck_assert_uint_eq(offset_of(a, ha), 0);
    ck_assert_uint_eq(offset_of(b, hb), 0);
    glbuf_ranges_destroy(a);
    glbuf_ranges_destroy(b);
}
END_TEST

/* 2^16 + 1 instances live at once: every one has its own owner, and each
 * rejects the handle of the one made before it (same index and generation). */
START_TEST(many_live_instances_have_distinct_owners)
{
    enum { COUNT = (1 << 16) + 1 };
    glbuf_ranges **rs = calloc(COUNT, sizeof *rs);
    glbuf_range *hs = calloc(COUNT, sizeof *hs);
    unsigned char *seen = calloc((size_t)GLBUF_ID_OWNER_MAX + 1, 1);
    ck_assert(rs != NULL && hs != NULL && seen != NULL);
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = 1;
    desc.initial_slots = 3;
    for (int i = 0; i < COUNT; i++) {
        ck_assert_int_eq(glbuf_ranges_create(&desc, &rs[i]), GLBUF_OK);
        glbuf_ranges_set_debug_checks(rs[i], 0); /* each check walks every size class */
        ck_assert_int_eq(glbuf_ranges_alloc(rs[i], 1, 1, &hs[i], NULL), GLBUF_OK);
        uint32_t owner = glbuf_id_owner(hs[i].id);
        ck_assert_uint_ne(owner, 0);
        ck_assert_int_eq(seen[owner]++, 0);
        if (i > 0) {
            ck_assert_uint_eq(hs[i].id << 18, hs[i - 1].id << 18); /* same index and generation */
            ck_assert_int_eq(glbuf_ranges_free(rs[i], hs[i - 1]), GLBUF_ERR_INVALID_HANDLE);
            ck_assert_int_eq(glbuf_ranges_free(rs[i - 1], hs[i]), GLBUF_ERR_INVALID_HANDLE);
        }
    }
    for (int i = 0; i < COUNT; i++) {
        ck_assert_int_eq(glbuf_ranges_free(rs[i], hs[i]), GLBUF_OK);
        ck_assert(glbuf_ranges_invariants_hold(rs[i]));
        glbuf_ranges_destroy(rs[i]);
    }
    free(rs);
    free(hs);
    free(seen);
}
END_TEST

START_TEST(create_takes_an_owner_and_destroy_gives_it_back)
{
    uint32_t base = glbuf_owner_live_count();
    glbuf_ranges *r = make(1000);
    ck_assert_uint_eq(glbuf_owner_live_count(), base + 1);
    glbuf_ranges_destroy(r);
    ck_assert_uint_eq(glbuf_owner_live_count(), base);
}
END_TEST

START_TEST(create_fails_with_full_when_no_owner_is_free_and_holds_nothing)
{
    uint32_t base = glbuf_owner_live_count();
    uint32_t n = GLBUF_ID_OWNER_MAX - base;
    uint32_t *held = malloc((size_t)n * sizeof *held);
    ck_assert_ptr_nonnull(held);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_int_eq(glbuf_owner_acquire(&held[i]), GLBUF_OK);
    }
    counting_alloc c = {-1, 0};
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = 1000;
    desc.allocator.alloc = counting_alloc_fn;
    desc.allocator.free = counting_free_fn;
    desc.allocator.user = &c;
    glbuf_ranges *r = (glbuf_ranges *)&desc; /* must stay untouched */
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_ERR_FULL);
    ck_assert_ptr_eq(r, (glbuf_ranges *)&desc);
    ck_assert_int_eq(c.live, 0);
    ck_assert_uint_eq(glbuf_owner_live_count(), GLBUF_ID_OWNER_MAX);
    glbuf_owner_release(held[n / 2]); /* one free identity: creation works again */
    r = NULL;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &r), GLBUF_OK);
    glbuf_range h = alloc_at(r, 10, 1, 0);
    ck_assert_uint_eq(glbuf_id_owner(h.id), held[n / 2]);
    glbuf_ranges_destroy(r);
    ck_assert_int_eq(c.live, 0);
    for (uint32_t i = 0; i < n; i++) {
        glbuf_owner_release(held[i]);
    }
    ck_assert_uint_eq(glbuf_owner_live_count(), base);
    free(held);
}
END_TEST

/* A real wrap: one record allocated and freed through every generation,
 * 1 .. 2^22 - 1. It is then retired: the next allocation takes another
 * record, and no handle the retired record ever issued is accepted. */
START_TEST(a_record_that_issued_its_last_generation_is_retired)
{
    glbuf_ranges *r = make(1000);
    glbuf_ranges_set_debug_checks(r, 0); /* 8.4 M operations; checked below */
    glbuf_range first = {0}, last = {0}, h;
    uint64_t off;
    for (uint32_t g = 1; g <= GLBUF_ID_GEN_MAX; g++) {
        if (glbuf_ranges_alloc(r, 10, 1, &h, &off) != GLBUF_OK || glbuf_range_index(h) != 2 ||
            glbuf_id_generation(h.id) != g || off != 0) {
            ck_abort_msg("generation %u: not record 2 at offset 0", (unsigned)g);
        }
        if (g == 1) {
            first = h;
        }
        last = h;
        if (glbuf_ranges_free(r, h) != GLBUF_OK) {
            ck_abort_msg("generation %u: free failed", (unsigned)g);
        }
        if ((g & 0xFFFFFu) == 0) {
            ck_assert(glbuf_ranges_invariants_hold(r));
        }
    }
    ck_assert(glbuf_ranges_invariants_hold(r));
    ck_assert_uint_eq(glbuf_id_generation(last.id), GLBUF_ID_GEN_MAX);
    ck_assert_uint_eq(last.id & ~((uint64_t)GLBUF_ID_GEN_MAX << GLBUF_ID_INDEX_BITS),
                      first.id & ~((uint64_t)GLBUF_ID_GEN_MAX << GLBUF_ID_INDEX_BITS));
    glbuf_ranges_set_debug_checks(r, 1);

    glbuf_range next = alloc_at(r, 10, 1, 0);
    ck_assert_uint_eq(glbuf_range_index(next), 3); /* record 2 is retired */
    ck_assert_uint_eq(glbuf_id_generation(next.id), 1);
    ck_assert_uint_eq(glbuf_ranges_free(r, next), GLBUF_OK);
    next = alloc_at(r, 10, 1, 0);
    ck_assert_uint_eq(glbuf_range_index(next), 3);
    ck_assert_uint_eq(glbuf_id_generation(next.id), 2);

    /* Every handle record 2 could ever carry is rejected, and changes nothing. */
    snapshot before = take(r);
    uint64_t gen_field = (uint64_t)GLBUF_ID_GEN_MAX << GLBUF_ID_INDEX_BITS;
    for (uint64_t g = 0; g <= GLBUF_ID_GEN_MAX; g++) {
        glbuf_range old = {(first.id & ~gen_field) | (g << GLBUF_ID_INDEX_BITS)};
        if (glbuf_ranges_offset(r, old, &off) != GLBUF_ERR_INVALID_HANDLE) {
            ck_abort_msg("generation %u of the retired record accepted", (unsigned)g);
        }
    }
    uint64_t v = 7;
    ck_assert_int_eq(glbuf_ranges_free(r, first), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_free(r, last), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_size(r, last, &v), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(v, 7);
    assert_unchanged(r, &before);
    ck_assert_uint_eq(offset_of(r, next), 0);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(a_reused_record_does_not_revive_old_handles)
{
    glbuf_ranges *r = make(1000);
    glbuf_range old[100];
    for (int i = 0; i < 100; i++) { /* one record, reused over and over */
        ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 1, &old[i], NULL), GLBUF_OK);
        for (int j = 0; j < i; j++) {
            ck_assert_uint_ne(old[j].id, old[i].id);
            ck_assert_int_eq(glbuf_ranges_free(r, old[j]), GLBUF_ERR_INVALID_HANDLE);
        }
        ck_assert_int_eq(glbuf_ranges_free(r, old[i]), GLBUF_OK);
    }
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- growth -------------------------------------------------------------- */

START_TEST(grow_extends_a_free_block_touching_the_old_end)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 600, 1, 0);
    ck_assert_int_eq(glbuf_ranges_grow(r, 3000), GLBUF_OK);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.capacity, 3000);
    ck_assert_uint_eq(s.free_blocks, 1);
    ck_assert_uint_eq(s.largest_free_block, 2400);
    ck_assert_uint_eq(offset_of(r, a), 0);
    alloc_at(r, 2400, 1, 600);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(grow_adds_a_new_block_when_the_tail_is_allocated)
{
    /* rend3's range allocator once marked the allocated tail as free when the
     * last free block was not at the end. Here [0,100) is free, [100,1000)
     * live up to the old end; growth must add [1000,1500) and nothing else. */
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    glbuf_range tail = alloc_at(r, 900, 1, 100);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_grow(r, 1500), GLBUF_OK);
    snapshot s = take(r);
    ck_assert_uint_eq(s.n_free, 2);
    ck_assert_uint_eq(s.free[0].offset, 0);
    ck_assert_uint_eq(s.free[0].size, 100);
    ck_assert_uint_eq(s.free[1].offset, 1000);
    ck_assert_uint_eq(s.free[1].size, 500);
    ck_assert_uint_eq(s.stats.used_bytes, 900);
    ck_assert_uint_eq(s.stats.free_bytes, 600);
    /* Every free byte can be taken, and none of it is the tail's. */
    glbuf_range h;
    uint64_t off;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 500, 1, &h, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 1000);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 100, 1, &h, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 0);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1, 1, &h, &off), GLBUF_ERR_FULL);
    ck_assert_uint_eq(offset_of(r, tail), 100);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(grow_keeps_every_offset_and_handle)
{
    glbuf_ranges *r = make(10000);
    glbuf_range h[20];
    uint64_t off[20];
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(glbuf_ranges_alloc(r, 300, 64, &h[i], &off[i]), GLBUF_OK);
    }
    for (int i = 0; i < 20; i += 3) {
        ck_assert_int_eq(glbuf_ranges_free(r, h[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_ranges_grow(r, 1 * MiB), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_grow(r, 1 * MiB + 1), GLBUF_OK);
    for (int i = 0; i < 20; i++) {
        if (i % 3 != 0) {
            ck_assert_uint_eq(offset_of(r, h[i]), off[i]);
        }
    }
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(grow_to_a_smaller_capacity_is_rejected_and_changes_nothing)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 10, 1, 0);
    snapshot before = take(r);
    ck_assert_int_eq(glbuf_ranges_grow(r, 999), GLBUF_ERR_SHRINK);
    ck_assert_int_eq(glbuf_ranges_grow(r, 0), GLBUF_ERR_SHRINK);
    ck_assert_int_eq(glbuf_ranges_grow(NULL, 2000), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_grow(r, GLBUF_RANGES_MAX_CAPACITY + 1), GLBUF_ERR_TOO_LARGE);
    assert_unchanged(r, &before);
    ck_assert_int_eq(glbuf_ranges_grow(r, 1000), GLBUF_OK); /* same capacity: nothing to do */
    assert_unchanged(r, &before);
    ck_assert_int_eq(glbuf_ranges_grow(r, GLBUF_RANGES_MAX_CAPACITY), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ranges_get_stats(r).largest_free_block, GLBUF_RANGES_MAX_CAPACITY - 10);
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- shrinking ----------------------------------------------------------- */

START_TEST(shrink_cuts_the_free_block_at_the_end_and_moves_nothing)
{
    glbuf_ranges *r = make(10000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    glbuf_range b = alloc_at(r, 900, 1, 100);
    glbuf_range c = alloc_at(r, 1000, 1, 1000);
    ck_assert_int_eq(glbuf_ranges_free(r, c), GLBUF_OK); /* [1000, 10000) free again */
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK); /* [0, 100) free */
    ck_assert_int_eq(glbuf_ranges_shrink(r, 4000), GLBUF_OK);
    snapshot s = take(r);
    ck_assert_uint_eq(s.stats.capacity, 4000);
    ck_assert_uint_eq(s.n_free, 2);
    ck_assert_uint_eq(s.free[1].offset, 1000);
    ck_assert_uint_eq(s.free[1].size, 3000);
    ck_assert_uint_eq(s.stats.free_bytes, 3100);
    ck_assert_uint_eq(offset_of(r, b), 100);
    /* exactly to the extent: the end block goes */
    ck_assert_int_eq(glbuf_ranges_shrink(r, 1000), GLBUF_OK);
    s = take(r);
    ck_assert_uint_eq(s.n_free, 1);
    ck_assert_uint_eq(s.stats.free_blocks, 1);
    glbuf_range h;
    uint64_t off;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 101, 1, &h, &off), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 100, 1, &h, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 0);
    /* and it grows back like any other */
    ck_assert_int_eq(glbuf_ranges_grow(r, 2000), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_alloc(r, 1000, 1, &h, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 1000);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(shrink_below_a_live_allocation_or_above_the_capacity_changes_nothing)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 10, 1, 0);
    glbuf_range gap = alloc_at(r, 490, 1, 10);
    alloc_at(r, 10, 1, 500);
    ck_assert_int_eq(glbuf_ranges_free(r, gap), GLBUF_OK);
    snapshot before = take(r);
    ck_assert_int_eq(glbuf_ranges_shrink(r, 509), GLBUF_ERR_BUSY);
    ck_assert_int_eq(glbuf_ranges_shrink(r, 0), GLBUF_ERR_BUSY);
    ck_assert_int_eq(glbuf_ranges_shrink(r, 1001), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_ranges_shrink(NULL, 100), GLBUF_ERR_NULL);
    assert_unchanged(r, &before);
    ck_assert_int_eq(glbuf_ranges_shrink(r, 1000), GLBUF_OK); /* same capacity: nothing to do */
    assert_unchanged(r, &before);
    ck_assert_int_eq(glbuf_ranges_shrink(r, 510), GLBUF_OK);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- statistics and metadata --------------------------------------------- */

START_TEST(stats_track_used_free_live_peak_and_failures)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 300, 1, 0);
    glbuf_range b = alloc_at(r, 300, 1, 300);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    glbuf_range h;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 999, 1, &h, NULL), GLBUF_ERR_FULL);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.used_bytes, 300);
    ck_assert_uint_eq(s.free_bytes, 700);
    ck_assert_uint_eq(s.used_bytes + s.free_bytes, s.capacity);
    ck_assert_uint_eq(s.peak_used_bytes, 600);
    ck_assert_uint_eq(s.largest_free_block, 400);
    ck_assert_uint_eq(s.free_blocks, 2);
    ck_assert_uint_eq(s.live_allocations, 1);
    ck_assert_uint_eq(s.failed_allocations, 1);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.peak_used_bytes, 600);
    glbuf_ranges_stats zero = glbuf_ranges_get_stats(NULL);
    ck_assert_uint_eq(zero.capacity, 0);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(metadata_is_one_record_per_allocation)
{
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = 1 * MiB;
    desc.initial_slots = 100;
    glbuf_ranges *small = NULL, *large = NULL;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &small), GLBUF_OK);
    desc.initial_slots = 1100;
    ck_assert_int_eq(glbuf_ranges_create(&desc, &large), GLBUF_OK);
    uint64_t per_record =
        (glbuf_ranges_get_stats(large).metadata_bytes - glbuf_ranges_get_stats(small).metadata_bytes) / 1000;
    ck_assert_uint_le(per_record, 32);
    ck_assert_uint_eq(per_record, GLBUF_RANGES_RECORD_BYTES);
    /* 1098 allocations (plus two internal records) fit without growth. */
    uint64_t before = glbuf_ranges_get_stats(large).metadata_bytes;
    glbuf_range h;
    for (int i = 0; i < 1098; i++) {
        ck_assert_int_eq(glbuf_ranges_alloc(large, 16, 16, &h, NULL), GLBUF_OK);
    }
    ck_assert_uint_eq(glbuf_ranges_get_stats(large).metadata_bytes, before);
    glbuf_ranges_destroy(small);
    glbuf_ranges_destroy(large);
}
END_TEST

START_TEST(metadata_grows_on_demand_through_the_allocator_hooks)
{
    counting_alloc c = {-1, 0};
    glbuf_ranges *r = make_counting(16 * MiB, 2, &c);
    uint64_t before = glbuf_ranges_get_stats(r).metadata_bytes;
    glbuf_range h;
    for (int i = 0; i < 5000; i++) { /* debug builds check every step: O(n^2) */
        ck_assert_int_eq(glbuf_ranges_alloc(r, 100, 1, &h, NULL), GLBUF_OK);
    }
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.live_allocations, 5000);
    ck_assert_uint_gt(s.metadata_bytes, before);
    ck_assert_uint_le(s.metadata_bytes, before + 2 * 5001 * GLBUF_RANGES_RECORD_BYTES); /* doubling: at most 2x */
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

START_TEST(failed_metadata_growth_returns_out_of_host_memory_and_changes_nothing)
{
    counting_alloc c = {-1, 0};
    glbuf_ranges *r = make_counting(1 * MiB, 3, &c); /* two internal records and one allocation */
    glbuf_range a = alloc_at(r, 10, 1, 0);
    snapshot before = take(r);
    c.fail_after = 0;
    glbuf_range h = {0};
    ck_assert_int_eq(glbuf_ranges_alloc(r, 10, 1, &h, NULL), GLBUF_ERR_OUT_OF_HOST_MEMORY);
    ck_assert_uint_eq(h.id, 0);
    ck_assert_uint_eq(glbuf_ranges_get_stats(r).failed_allocations, 1);
    before.stats.failed_allocations = 1;
    assert_unchanged(r, &before);
    ck_assert_uint_eq(offset_of(r, a), 0);
    c.fail_after = -1;
    alloc_at(r, 10, 1, 10);
    glbuf_ranges_destroy(r);
    ck_assert_int_eq(c.live, 0);
}
END_TEST

START_TEST(a_request_that_does_not_fit_never_grows_the_record_array)
{
    counting_alloc c = {-1, 0};
    glbuf_ranges *r = make_counting(1000, 3, &c); /* room for one allocation record */
    alloc_at(r, 10, 1, 0);
    snapshot before = take(r);
    long host_allocs = c.live;
    glbuf_range h;
    ck_assert_int_eq(glbuf_ranges_alloc(r, 991, 1, &h, NULL), GLBUF_ERR_FULL);
    ck_assert_int_eq(c.live, host_allocs);
    before.stats.failed_allocations = 1;
    assert_unchanged(r, &before);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(invariants_hold_is_false_for_null)
{
    ck_assert_int_eq(glbuf_ranges_invariants_hold(NULL), 0);
}
END_TEST

/* ---- iteration ----------------------------------------------------------- */

static int stop_after_two(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    (void)h;
    (void)offset;
    (void)size;
    int *calls = user;
    return ++*calls == 2;
}

static int stop_after_one_free(void *user, uint64_t offset, uint64_t size)
{
    (void)offset;
    (void)size;
    int *calls = user;
    return ++*calls == 1;
}

static int must_not_be_called(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    (void)user, (void)h, (void)offset, (void)size;
    ck_abort_msg("for_each called a callback it was not given");
    return 1;
}

/* A NULL callback (or allocator) is documented as ignored: nothing is called,
 * nothing changes, and iteration with a callback still works after. */
START_TEST(iteration_with_a_null_callback_or_allocator_does_nothing)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 100, 1, 0);
    glbuf_range b = alloc_at(r, 100, 1, 100);
    alloc_at(r, 100, 1, 200);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    snapshot before = take(r);
    int sentinel = 0;
    glbuf_ranges_for_each(r, NULL, &sentinel);
    glbuf_ranges_for_each_free(r, NULL, &sentinel);
    glbuf_ranges_for_each(NULL, must_not_be_called, &sentinel);
    glbuf_ranges_for_each_free(NULL, NULL, &sentinel);
    ck_assert_int_eq(sentinel, 0);
    assert_unchanged(r, &before);
    ck_assert_uint_eq(before.n_live, 2);
    ck_assert_uint_eq(before.n_free, 2);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(for_each_visits_live_allocations_in_offset_order)
{
    glbuf_ranges *r = make(1000);
    glbuf_range h[5];
    for (int i = 0; i < 5; i++) {
        h[i] = alloc_at(r, 100, 1, (uint64_t)i * 100);
    }
    ck_assert_int_eq(glbuf_ranges_free(r, h[1]), GLBUF_OK);
    glbuf_range late = alloc_at(r, 50, 1, 100); /* a newer record at a lower offset */
    snapshot s = take(r);
    ck_assert_uint_eq(s.n_live, 5);
    uint64_t expect[] = {0, 100, 200, 300, 400};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(s.live[i].offset, expect[i]);
    }
    ck_assert_uint_eq(s.live[1].id, late.id);
    ck_assert_uint_eq(s.live[1].size, 50);
    int calls = 0;
    glbuf_ranges_for_each(r, stop_after_two, &calls);
    ck_assert_int_eq(calls, 2);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(for_each_free_visits_free_blocks_in_offset_order)
{
    glbuf_ranges *r = make(1000);
    alloc_at(r, 10, 1, 0);
    alloc_at(r, 10, 64, 64);
    alloc_at(r, 10, 256, 256);
    snapshot s = take(r);
    ck_assert_uint_eq(s.n_free, 3);
    ck_assert_uint_eq(s.free[0].offset, 10);
    ck_assert_uint_eq(s.free[0].size, 54);
    ck_assert_uint_eq(s.free[1].offset, 74);
    ck_assert_uint_eq(s.free[1].size, 182);
    ck_assert_uint_eq(s.free[2].offset, 266);
    ck_assert_uint_eq(s.free[2].size, 734);
    int calls = 0;
    glbuf_ranges_for_each_free(r, stop_after_one_free, &calls);
    ck_assert_int_eq(calls, 1);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(used_extent_is_the_end_of_the_highest_allocation)
{
    glbuf_ranges *r = make(1000);
    glbuf_range a = alloc_at(r, 100, 1, 0);
    glbuf_range b = alloc_at(r, 50, 128, 128);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 178);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 178);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 0);
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- compaction ---------------------------------------------------------- */

/* Live at 100, 256 (align 64), 512 (align 256), 642; holes before each. */
static glbuf_ranges *fragmented(glbuf_range h[4])
{
    glbuf_ranges *r = make(1000);
    glbuf_range hole[4];
    hole[0] = alloc_at(r, 100, 1, 0);
    h[0] = alloc_at(r, 50, 1, 100);
    hole[1] = alloc_at(r, 106, 1, 150);
    h[1] = alloc_at(r, 100, 64, 256);
    hole[2] = alloc_at(r, 156, 1, 356);
    h[2] = alloc_at(r, 30, 256, 512);
    hole[3] = alloc_at(r, 100, 1, 542);
    h[3] = alloc_at(r, 10, 1, 642);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(glbuf_ranges_free(r, hole[i]), GLBUF_OK);
    }
    return r;
}

START_TEST(compaction_plan_packs_live_allocations_toward_zero_in_order)
{
    glbuf_range h[4];
    glbuf_ranges *r = fragmented(h);
    snapshot before = take(r);
    glbuf_range_move m[8];
    size_t n = 0;
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 8, &n), GLBUF_OK);
    ck_assert_uint_eq(n, 4);
    uint64_t src[] = {100, 256, 512, 642}, dst[] = {0, 64, 256, 286}, size[] = {50, 100, 30, 10};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(m[i].handle.id, h[i].id);
        ck_assert_uint_eq(m[i].src_offset, src[i]);
        ck_assert_uint_eq(m[i].dst_offset, dst[i]);
        ck_assert_uint_eq(m[i].size, size[i]);
    }
    assert_unchanged(r, &before); /* planning changes nothing */
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(applying_the_plan_updates_every_offset_and_keeps_handles_valid)
{
    glbuf_range h[4];
    glbuf_ranges *r = fragmented(h);
    glbuf_range_move m[8];
    size_t n = 0;
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 8, &n), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, m, n), GLBUF_OK);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(offset_of(r, h[i]), m[i].dst_offset);
    }
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.used_bytes, 190);
    ck_assert_uint_eq(s.free_blocks, 3); /* [50,64), [164,256), [296,1000) */
    ck_assert_uint_eq(s.largest_free_block, 704);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 296);
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, NULL, 0, &n), GLBUF_OK);
    ck_assert_uint_eq(n, 0); /* nothing left to move */
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(applying_a_prefix_of_the_plan_leaves_a_consistent_coalesced_state)
{
    for (size_t k = 0; k <= 4; k++) {
        glbuf_range h[4];
        glbuf_ranges *r = fragmented(h);
        glbuf_range_move m[4];
        size_t n = 0;
        ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 4, &n), GLBUF_OK);
        ck_assert_int_eq(glbuf_ranges_apply_compaction(r, m, k), GLBUF_OK);
        ck_assert(glbuf_ranges_invariants_hold(r));
        for (size_t i = 0; i < 4; i++) {
            ck_assert_uint_eq(offset_of(r, h[i]), i < k ? m[i].dst_offset : m[i].src_offset);
        }
        /* Free blocks are maximal: none touches another, sizes add up. */
        snapshot s = take(r);
        uint64_t total = 0;
        for (size_t i = 0; i < s.n_free; i++) {
            total += s.free[i].size;
            if (i > 0) {
                ck_assert_uint_lt(s.free[i - 1].offset + s.free[i - 1].size, s.free[i].offset);
            }
        }
        ck_assert_uint_eq(total, s.stats.free_bytes);
        ck_assert_uint_eq(s.n_free, s.stats.free_blocks);
        /* Planning again continues where the prefix stopped. */
        glbuf_range_move rest[4];
        size_t n2 = 0;
        ck_assert_int_eq(glbuf_ranges_plan_compaction(r, rest, 4, &n2), GLBUF_OK);
        ck_assert_uint_eq(n2, 4 - k);
        ck_assert_int_eq(glbuf_ranges_apply_compaction(r, rest, n2), GLBUF_OK);
        for (size_t i = 0; i < 4; i++) {
            ck_assert_uint_eq(offset_of(r, h[i]), m[i].dst_offset);
        }
        glbuf_ranges_destroy(r);
    }
}
END_TEST

START_TEST(compaction_keeps_each_allocations_alignment)
{
    glbuf_ranges *r = make(1 * MiB);
    glbuf_range hole = alloc_at(r, 4096, 1, 0);
    glbuf_range a = alloc_at(r, 3, 4096, 4096);
    glbuf_range b = alloc_at(r, 5, 8, 4104);
    ck_assert_int_eq(glbuf_ranges_free(r, hole), GLBUF_OK);
    glbuf_range_move m[2];
    size_t n = 0;
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 2, &n), GLBUF_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, m, n), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, a), 0);
    ck_assert_uint_eq(offset_of(r, b), 8);
    glbuf_ranges_destroy(r);
}
END_TEST

/* Vertex strides of 24 and 56 bytes: every move lands on a multiple of the
 * allocation's stride, and a move that would not is rejected. */
START_TEST(compaction_keeps_alignments_that_are_not_powers_of_two)
{
    glbuf_ranges *r = make(1 * MiB);
    glbuf_range hole = alloc_at(r, 1000, 1, 0);
    glbuf_range a = alloc_at(r, 24 * 3, 24, 1008);
    glbuf_range b = alloc_at(r, 56 * 2, 56, 1120);
    glbuf_range c = alloc_at(r, 10, 36, 1260);
    ck_assert_int_eq(glbuf_ranges_free(r, hole), GLBUF_OK);
    glbuf_range_move m[3];
    size_t n = 0;
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 3, &n), GLBUF_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(m[0].dst_offset, 0);
    ck_assert_uint_eq(m[1].dst_offset, 112); /* the first multiple of 56 at or after 72 */
    ck_assert_uint_eq(m[2].dst_offset, 252); /* of 36 at or after 224 */
    snapshot before = take(r);
    glbuf_range_move bad[3];
    memcpy(bad, m, sizeof bad);
    bad[1].dst_offset = 96; /* a multiple of 16 and 24, not of 56 */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 3), GLBUF_ERR_INVALID_ARGUMENT);
    assert_unchanged(r, &before);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, m, n), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, a), 0);
    ck_assert_uint_eq(offset_of(r, b), 112);
    ck_assert_uint_eq(offset_of(r, c), 252);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(plan_reports_the_full_count_when_the_array_is_short)
{
    glbuf_range h[4];
    glbuf_ranges *r = fragmented(h);
    glbuf_range_move m[2];
    size_t n = 0;
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, NULL, 0, &n), GLBUF_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 2, &n), GLBUF_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(m[1].handle.id, h[1].id);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, m, 2), GLBUF_OK); /* the written prefix is valid */
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, NULL, 1, &n), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 2, NULL), GLBUF_ERR_NULL);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(apply_rejects_a_plan_that_no_longer_matches_and_changes_nothing)
{
    glbuf_range h[4];
    glbuf_ranges *r = fragmented(h);
    glbuf_range_move m[4];
    size_t n = 0;
    ck_assert_int_eq(glbuf_ranges_plan_compaction(r, m, 4, &n), GLBUF_OK);
    snapshot before = take(r);
    glbuf_range_move bad[4];

    memcpy(bad, m, sizeof bad);
    bad[3].handle.id ^= 1u << 30; /* stale generation */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 4), GLBUF_ERR_INVALID_HANDLE);
    memcpy(bad, m, sizeof bad);
    bad[2].src_offset++; /* the allocation is not where the plan says */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 4), GLBUF_ERR_INVALID_ARGUMENT);
    memcpy(bad, m, sizeof bad);
    bad[1].dst_offset = 32; /* misaligned (alignment 64) */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 4), GLBUF_ERR_INVALID_ARGUMENT);
    memcpy(bad, m, sizeof bad);
    bad[1].dst_offset = 0; /* overlaps the allocation moved before it */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 4), GLBUF_ERR_INVALID_ARGUMENT);
    memcpy(bad, m, sizeof bad);
    bad[0].dst_offset = bad[0].src_offset + 10; /* upward */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 4), GLBUF_ERR_INVALID_ARGUMENT);
    memcpy(bad, m, sizeof bad);
    bad[0] = m[1]; /* out of order */
    bad[1] = m[0];
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 2), GLBUF_ERR_INVALID_ARGUMENT);
    memcpy(bad, m, sizeof bad);
    bad[1] = m[0]; /* the same allocation twice */
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, bad, 2), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, NULL, 1), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, NULL, 0), GLBUF_OK);
    assert_unchanged(r, &before);

    /* A free since planning invalidates the moves that name it. */
    ck_assert_int_eq(glbuf_ranges_free(r, h[2]), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_apply_compaction(r, m, 4), GLBUF_ERR_INVALID_HANDLE);
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- moving one allocation at a time ------------------------------------------ */

/*  [A 100][gap 156][B 100][gap 156][C 100][gap ... 4096) */
static glbuf_ranges *three_with_gaps(glbuf_range h[3])
{
    glbuf_ranges *r = make(4096);
    glbuf_range pad[2];
    h[0] = alloc_at(r, 100, 1, 0);
    pad[0] = alloc_at(r, 156, 1, 100);
    h[1] = alloc_at(r, 100, 1, 256);
    pad[1] = alloc_at(r, 156, 1, 356);
    h[2] = alloc_at(r, 100, 1, 512);
    ck_assert_int_eq(glbuf_ranges_free(r, pad[0]), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, pad[1]), GLBUF_OK);
    return r;
}

START_TEST(alloc_after_takes_the_lowest_aligned_offset_of_the_chosen_gap)
{
    glbuf_range h[3];
    glbuf_ranges *r = three_with_gaps(h);
    glbuf_range a = {0}, b = {0}, c = {0}, none = {0};
    uint64_t off = 0;
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[1], 50, 24, &a, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 360); /* the first multiple of 24 after B's end, 356 */
    ck_assert_uint_eq(offset_of(r, a), 360);
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], 150, 4, &b, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 100);
    /* the gap at offset 0: there is none (A starts there) */
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, none, 1, 1, &c, &off), GLBUF_ERR_FULL);
    /* the gap after C is the end of the range */
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[2], 3000, 1, &c, &off), GLBUF_OK);
    ck_assert_uint_eq(off, 612);
    ck_assert(glbuf_ranges_invariants_hold(r));
    uint64_t align = 0;
    ck_assert_int_eq(glbuf_ranges_alignment(r, a, &align), GLBUF_OK);
    ck_assert_uint_eq(align, 24);
    ck_assert_int_eq(glbuf_ranges_alignment(r, b, &align), GLBUF_OK);
    ck_assert_uint_eq(align, 4);
    ck_assert_uint_eq(glbuf_ranges_get_stats(r).failed_allocations, 0); /* a refusal is not a failure */
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(alloc_after_refuses_what_the_gap_cannot_hold_and_changes_nothing)
{
    glbuf_range h[3];
    glbuf_ranges *r = three_with_gaps(h);
    snapshot before = take(r);
    glbuf_range out = {0}, stale = h[1];
    stale.id ^= UINT64_C(1) << 30;
    uint64_t off = 7;
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], 157, 1, &out, &off), GLBUF_ERR_FULL);
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], 150, 16, &out, &off), GLBUF_ERR_FULL); /* 112 + 150 > 256 */
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, stale, 16, 1, &out, &off), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], 0, 1, &out, &off), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], 16, 0, &out, &off), GLBUF_ERR_BAD_ALIGNMENT);
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], UINT64_MAX, 2, &out, &off), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_ranges_alloc_after(r, h[0], 16, 1, NULL, &off), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ranges_alloc_after(NULL, h[0], 16, 1, &out, &off), GLBUF_ERR_NULL);
    ck_assert_uint_eq(out.id, 0);
    ck_assert_uint_eq(off, 7);
    assert_unchanged(r, &before);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(swap_exchanges_places_of_neighbours_and_of_distant_allocations)
{
    glbuf_ranges *r = make(4096);
    glbuf_range a = alloc_at(r, 64, 16, 0);
    glbuf_range b = alloc_at(r, 64, 16, 64);
    glbuf_range gap = alloc_at(r, 100, 1, 128);
    glbuf_range c = alloc_at(r, 64, 16, 240);
    ck_assert_int_eq(glbuf_ranges_free(r, gap), GLBUF_OK);
    /* neighbours, in both orders */
    ck_assert_int_eq(glbuf_ranges_swap(r, a, b), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, a), 64);
    ck_assert_uint_eq(offset_of(r, b), 0);
    ck_assert(glbuf_ranges_invariants_hold(r));
    ck_assert_int_eq(glbuf_ranges_swap(r, a, b), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, a), 0);
    ck_assert_uint_eq(offset_of(r, b), 64);
    /* across a free block: the free block stays where it was */
    ck_assert_int_eq(glbuf_ranges_swap(r, c, b), GLBUF_OK);
    ck_assert_uint_eq(offset_of(r, b), 240);
    ck_assert_uint_eq(offset_of(r, c), 64);
    ck_assert(glbuf_ranges_invariants_hold(r));
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    ck_assert_uint_eq(s.free_blocks, 2);
    ck_assert_uint_eq(s.used_bytes, 192);
    /* the allocation at the end of the range too, then free both: one block */
    ck_assert_int_eq(glbuf_ranges_swap(r, a, b), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ranges_used_extent(r), 304);
    ck_assert_int_eq(glbuf_ranges_free(r, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, c), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ranges_get_stats(r).free_blocks, 1);
    glbuf_ranges_destroy(r);
}
END_TEST

START_TEST(swap_refuses_other_sizes_misaligned_places_and_dead_handles)
{
    glbuf_ranges *r = make(4096);
    glbuf_range a = alloc_at(r, 64, 64, 0);
    glbuf_range filler = alloc_at(r, 8, 1, 64);
    glbuf_range b = alloc_at(r, 64, 8, 72); /* 72 is not a multiple of 64 */
    glbuf_range c = alloc_at(r, 32, 8, 136); /* another size */
    glbuf_range d = alloc_at(r, 64, 8, 168);
    glbuf_range dead = alloc_at(r, 8, 8, 232);
    ck_assert_int_eq(glbuf_ranges_free(r, dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(r, filler), GLBUF_OK);
    snapshot before = take(r);
    ck_assert_int_eq(glbuf_ranges_swap(r, a, b), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_ranges_swap(r, b, c), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_ranges_swap(r, b, b), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_ranges_swap(r, b, dead), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ranges_swap(NULL, b, d), GLBUF_ERR_NULL);
    assert_unchanged(r, &before);
    ck_assert_int_eq(glbuf_ranges_swap(r, b, d), GLBUF_OK);
    glbuf_ranges_destroy(r);
}
END_TEST

/* ---- randomized run against a shadow model -------------------------------- */

/* Check's ck_assert talks to the parent process on every call; in the hot
 * loop, only a failure does. */
#define REQUIRE(cond)                                                 \
    do {                                                              \
        if (!(cond)) {                                                \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);     \
        }                                                             \
    } while (0)

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n) { return rng_next() % n; }

/* The model: live ranges sorted by offset. */
typedef struct model {
    span *v;
    size_t n, cap;
    uint64_t capacity, used;
} model;

static size_t model_lower_bound(const model *m, uint64_t offset)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid].offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void model_insert(model *m, uint64_t offset, uint64_t size, uint64_t id, uint64_t align)
{
    REQUIRE(offset + size >= offset);
    REQUIRE(offset + size <= m->capacity);
    size_t i = model_lower_bound(m, offset);
    if (i > 0) { /* no overlap with the range before */
        REQUIRE(m->v[i - 1].offset + m->v[i - 1].size <= offset);
    }
    if (i < m->n) { /* nor with the one after */
        REQUIRE(offset + size <= m->v[i].offset);
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
        REQUIRE(m->v != NULL);
    }
    memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof *m->v);
    m->v[i].offset = offset;
    m->v[i].size = size;
    m->v[i].id = id;
    m->v[i].align = align;
    m->n++;
    m->used += size;
}

static void model_remove(model *m, size_t i)
{
    m->used -= m->v[i].size;
    memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof *m->v);
    m->n--;
}

/* Whether any gap of the model holds size bytes at the alignment. */
static int model_fits(const model *m, uint64_t size, uint64_t alignment)
{
    uint64_t from = 0;
    for (size_t i = 0; i <= m->n; i++) {
        uint64_t to = i < m->n ? m->v[i].offset : m->capacity;
        uint64_t start = from % alignment == 0 ? from : from + (alignment - from % alignment);
        if (start >= from && start <= to && to - start >= size) {
            return 1;
        }
        if (i < m->n) {
            from = m->v[i].offset + m->v[i].size;
        }
    }
    return 0;
}

typedef struct walk {
    const model *m;
    size_t i;
} walk;

static int check_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    walk *w = user;
    REQUIRE(w->i < w->m->n);
    REQUIRE(h.id == w->m->v[w->i].id);
    REQUIRE(offset == w->m->v[w->i].offset);
    REQUIRE(size == w->m->v[w->i].size);
    w->i++;
    return 0;
}

static void model_check(const glbuf_ranges *r, const model *m)
{
    REQUIRE(glbuf_ranges_invariants_hold(r));
    walk w = {m, 0};
    glbuf_ranges_for_each(r, check_live, &w);
    REQUIRE(w.i == m->n);
    /* Free blocks are the model's gaps, coalesced. */
    uint64_t from = 0, largest = 0;
    uint32_t blocks = 0;
    for (size_t i = 0; i <= m->n; i++) {
        uint64_t to = i < m->n ? m->v[i].offset : m->capacity;
        if (to > from) {
            blocks++;
            largest = to - from > largest ? to - from : largest;
        }
        if (i < m->n) {
            from = m->v[i].offset + m->v[i].size;
        }
    }
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    REQUIRE(s.capacity == m->capacity);
    REQUIRE(s.used_bytes == m->used);
    REQUIRE(s.used_bytes + s.free_bytes == s.capacity);
    REQUIRE(s.live_allocations == m->n);
    REQUIRE(s.free_blocks == blocks);
    REQUIRE(s.largest_free_block == largest);
    REQUIRE(glbuf_ranges_used_extent(r) == (m->n ? m->v[m->n - 1].offset + m->v[m->n - 1].size : 0));
    /* The queries by handle agree too. */
    for (size_t i = 0; i < m->n; i += 1 + m->n / 16) {
        glbuf_range h = {m->v[i].id};
        uint64_t v = 0;
        REQUIRE(glbuf_ranges_offset(r, h, &v) == GLBUF_OK && v == m->v[i].offset);
        REQUIRE(glbuf_ranges_size(r, h, &v) == GLBUF_OK && v == m->v[i].size);
    }
}

static uint64_t random_size(void)
{
    switch (rng_below(8)) {
    case 0:
        return 1 + rng_below(16);
    case 1:
        return 1 + rng_below(20 * KiB);
    default:
        return 1 + rng_below(2 * KiB);
    }
}

static uint64_t random_alignment(void)
{
    /* A quarter are element sizes (vertex strides) or their lcm with a GL
     * alignment: not powers of two. */
    static const uint64_t strides[] = {3, 12, 24, 36, 56, 100, 768, 1536, 3000};
    if (rng_below(4) == 0) {
        return strides[rng_below(sizeof strides / sizeof strides[0])];
    }
    uint64_t k = rng_below(16);
    return UINT64_C(1) << (k < 8 ? k % 5 : k - 4); /* mostly small, up to 2048 */
}

START_TEST(randomized_operations_agree_with_a_shadow_model)
{
    uint64_t seed = UINT64_C(0x61B0F5EED);
    const char *env = getenv("GLBUF_SEED");
    if (env != NULL && *env != '\0') {
        seed = strtoull(env, NULL, 0);
    }
    printf("randomized_operations_agree_with_a_shadow_model: seed 0x%" PRIx64 " (replay: GLBUF_SEED=0x%" PRIx64
           ")\n",
           seed, seed);
    fflush(stdout);
    rng_state = seed;

    model m = {NULL, 0, 0, 256 * KiB, 0};
    glbuf_ranges *r = make(m.capacity);
    const int ops = 200000;
    uint64_t stale = 0;
    uint64_t fulls = 0;
    for (int op = 0; op < ops; op++) {
        uint64_t dice = rng_below(1000);
        double fill = (double)m.used / (double)m.capacity;
        if (dice < 1 && m.capacity < 1 * MiB) { /* grow */
            uint64_t cap = m.capacity + 1 + rng_below(m.capacity / 2);
            REQUIRE(glbuf_ranges_grow(r, cap) == GLBUF_OK);
            m.capacity = cap;
        } else if (dice < 7) { /* compact a random prefix of the plan */
            size_t total = 0;
            REQUIRE(glbuf_ranges_plan_compaction(r, NULL, 0, &total) == GLBUF_OK);
            glbuf_range_move *mv = malloc((total + 1) * sizeof *mv);
            size_t n = 0;
            REQUIRE(glbuf_ranges_plan_compaction(r, mv, total, &n) == GLBUF_OK);
            REQUIRE(n == total);
            size_t k = (size_t)rng_below(n + 1);
            REQUIRE(glbuf_ranges_apply_compaction(r, mv, k) == GLBUF_OK);
            for (size_t i = 0, j = 0; i < k; i++) { /* the model's ranges keep their order */
                while (m.v[j].id != mv[i].handle.id) {
                    j++;
                }
                REQUIRE(m.v[j].offset == mv[i].src_offset);
                REQUIRE(mv[i].dst_offset < mv[i].src_offset);
                REQUIRE(mv[i].dst_offset >= (j > 0 ? m.v[j - 1].offset + m.v[j - 1].size : 0));
                REQUIRE(mv[i].dst_offset % m.v[j].align == 0);
                m.v[j].offset = mv[i].dst_offset;
            }
            free(mv);
            model_check(r, &m);
        } else if (dice < 12 && m.n > 0) { /* move one allocation into a chosen gap, as defragmentation does */
            size_t i = (size_t)rng_below(m.n), g = (size_t)rng_below(m.n + 1);
            uint64_t size = m.v[i].size, align = m.v[i].align;
            uint64_t from = g == 0 ? 0 : m.v[g - 1].offset + m.v[g - 1].size;
            uint64_t to = g < m.n ? m.v[g].offset : m.capacity;
            uint64_t start = from % align == 0 ? from : from + (align - from % align);
            glbuf_range after = {g == 0 ? 0 : m.v[g - 1].id}, res = {0};
            uint64_t off = 0;
            glbuf_result got = glbuf_ranges_alloc_after(r, after, size, align, &res, &off);
            if (start + size > to) {
                REQUIRE(got == GLBUF_ERR_FULL);
            } else {
                REQUIRE(got == GLBUF_OK && off == start);
                glbuf_range moved = {m.v[i].id};
                uint64_t old_offset = m.v[i].offset;
                REQUIRE(glbuf_ranges_swap(r, moved, res) == GLBUF_OK);
                REQUIRE(glbuf_ranges_free(r, res) == GLBUF_OK); /* now the old place */
                m.v[i].offset = start;
                span keep = m.v[i];
                model_remove(&m, i);
                model_insert(&m, keep.offset, keep.size, keep.id, keep.align);
                uint64_t v = 0;
                REQUIRE(glbuf_ranges_offset(r, moved, &v) == GLBUF_OK && v == start && v != old_offset);
                if (op % 64 == 0) {
                    model_check(r, &m);
                }
            }
        } else if (dice < 20 && stale != 0) { /* a stale handle changes nothing */
            glbuf_range h = {stale};
            REQUIRE(glbuf_ranges_free(r, h) == GLBUF_ERR_INVALID_HANDLE);
        } else if (m.n == 0 || (double)rng_below(1000) / 1000.0 > fill - 0.35) { /* allocate, to ~85 % */
            uint64_t size = random_size(), alignment = random_alignment();
            glbuf_range h = {0};
            uint64_t off = 0;
            glbuf_result res = glbuf_ranges_alloc(r, size, alignment, &h, &off);
            if (res == GLBUF_ERR_FULL) {
                ck_assert_msg(!model_fits(&m, size, alignment), "FULL although a gap fits (op %d)", op);
                fulls++;
            } else {
                REQUIRE(res == GLBUF_OK);
                REQUIRE(off % alignment == 0);
                model_insert(&m, off, size, h.id, alignment);
            }
        } else { /* free a random live allocation */
            size_t i = (size_t)rng_below(m.n);
            glbuf_range h = {m.v[i].id};
            REQUIRE(glbuf_ranges_free(r, h) == GLBUF_OK);
            model_remove(&m, i);
            stale = h.id;
        }
        if (op % 2000 == 0) {
            model_check(r, &m);
        }
    }
    model_check(r, &m);
    REQUIRE(glbuf_ranges_get_stats(r).failed_allocations == fulls);
    /* Coalescing is complete: freeing everything leaves one block. */
    while (m.n > 0) {
        size_t i = (size_t)rng_below(m.n);
        glbuf_range h = {m.v[i].id};
        REQUIRE(glbuf_ranges_free(r, h) == GLBUF_OK);
        model_remove(&m, i);
    }
    model_check(r, &m);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    REQUIRE(s.free_blocks == 1);
    REQUIRE(s.largest_free_block == m.capacity);
    printf("randomized_operations_agree_with_a_shadow_model: %d ops, %" PRIu64 " full, capacity %" PRIu64
           ", peak %" PRIu64 " bytes\n",
           ops, fulls, m.capacity, s.peak_used_bytes);
    free(m.v);
    glbuf_ranges_destroy(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ranges");
    TCase *tc = tcase_create("create");
    tcase_add_test(tc, create_rejects_null_zero_capacity_and_half_set_hooks);
    tcase_add_test(tc, a_new_allocator_is_one_free_block_spanning_the_capacity);
    tcase_add_test(tc, create_failure_of_the_host_allocator_is_reported_and_leaks_nothing);
    tcase_add_test(tc, destroy_returns_every_byte_to_the_host_allocator);
    suite_add_tcase(s, tc);

    tc = tcase_create("alloc");
    tcase_add_test(tc, alloc_packs_from_offset_zero_and_grants_exactly_the_requested_size);
    tcase_add_test(tc, alloc_honours_every_power_of_two_alignment);
    tcase_add_test(tc, alloc_honours_alignments_that_are_not_powers_of_two);
    tcase_add_test(tc, non_power_of_two_padding_returns_to_the_free_list);
    tcase_add_test(tc, the_first_non_power_of_two_alignment_can_fail_for_host_memory_and_changes_nothing);
    tcase_add_test(tc, alloc_takes_the_end_of_the_gap_that_wastes_less);
    tcase_add_test(tc, a_small_request_finds_a_crumb_when_nothing_else_fits);
    tcase_add_test(tc, largest_free_block_is_exact_when_only_crumbs_are_free);
    tcase_add_test(tc, alignment_padding_returns_to_the_free_list);
    tcase_add_test(tc, bad_sizes_and_alignments_are_rejected_and_change_nothing);
    tcase_add_test(tc, full_is_reported_and_counted_when_no_free_block_fits);
    tcase_add_test(tc, never_full_while_a_fitting_gap_exists);
    tcase_add_test(tc, the_whole_capacity_can_be_allocated_exactly);
    suite_add_tcase(s, tc);

    tc = tcase_create("free");
    tcase_add_test(tc, free_coalesces_with_both_neighbours);
    tcase_add_test(tc, free_coalesces_with_the_left_neighbour_only_when_the_right_is_live);
    tcase_add_test(tc, free_coalesces_with_the_right_neighbour_only_when_the_left_is_live);
    tcase_add_test(tc, freeing_everything_leaves_one_block_spanning_the_capacity);
    suite_add_tcase(s, tc);

    tc = tcase_create("handles");
    tcase_add_test(tc, stale_handle_is_rejected_and_changes_nothing);
    tcase_add_test(tc, double_free_is_rejected_and_changes_nothing);
    tcase_add_test(tc, zero_and_forged_handles_are_rejected_and_change_nothing);
    tcase_add_test(tc, record_indices_are_dense_and_unique_among_live_handles);
    tcase_add_test(tc, foreign_handle_from_another_instance_is_rejected);
    tcase_add_test(tc, a_reused_record_does_not_revive_old_handles);
    tcase_add_test(tc, foreign_handles_with_identical_index_and_generation_are_rejected);
    tcase_add_test(tc, many_live_instances_have_distinct_owners);
    tcase_add_test(tc, create_takes_an_owner_and_destroy_gives_it_back);
    tcase_add_test(tc, create_fails_with_full_when_no_owner_is_free_and_holds_nothing);
    tcase_add_test(tc, a_record_that_issued_its_last_generation_is_retired);
    tcase_set_timeout(tc, 60); /* the real generation wrap: 8.4 M operations */
    suite_add_tcase(s, tc);

    tc = tcase_create("grow");
    tcase_add_test(tc, grow_extends_a_free_block_touching_the_old_end);
    tcase_add_test(tc, grow_adds_a_new_block_when_the_tail_is_allocated);
    tcase_add_test(tc, grow_keeps_every_offset_and_handle);
    tcase_add_test(tc, grow_to_a_smaller_capacity_is_rejected_and_changes_nothing);
    tcase_add_test(tc, shrink_cuts_the_free_block_at_the_end_and_moves_nothing);
    tcase_add_test(tc, shrink_below_a_live_allocation_or_above_the_capacity_changes_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_test(tc, stats_track_used_free_live_peak_and_failures);
    tcase_add_test(tc, metadata_is_one_record_per_allocation);
    tcase_add_test(tc, metadata_grows_on_demand_through_the_allocator_hooks);
    tcase_add_test(tc, failed_metadata_growth_returns_out_of_host_memory_and_changes_nothing);
    tcase_add_test(tc, a_request_that_does_not_fit_never_grows_the_record_array);
    tcase_add_test(tc, invariants_hold_is_false_for_null);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("iterate");
    tcase_add_test(tc, iteration_with_a_null_callback_or_allocator_does_nothing);
    tcase_add_test(tc, for_each_visits_live_allocations_in_offset_order);
    tcase_add_test(tc, for_each_free_visits_free_blocks_in_offset_order);
    tcase_add_test(tc, used_extent_is_the_end_of_the_highest_allocation);
    suite_add_tcase(s, tc);

    tc = tcase_create("compaction");
    tcase_add_test(tc, compaction_plan_packs_live_allocations_toward_zero_in_order);
    tcase_add_test(tc, applying_the_plan_updates_every_offset_and_keeps_handles_valid);
    tcase_add_test(tc, applying_a_prefix_of_the_plan_leaves_a_consistent_coalesced_state);
    tcase_add_test(tc, compaction_keeps_each_allocations_alignment);
    tcase_add_test(tc, compaction_keeps_alignments_that_are_not_powers_of_two);
    tcase_add_test(tc, plan_reports_the_full_count_when_the_array_is_short);
    tcase_add_test(tc, apply_rejects_a_plan_that_no_longer_matches_and_changes_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("move");
    tcase_add_test(tc, alloc_after_takes_the_lowest_aligned_offset_of_the_chosen_gap);
    tcase_add_test(tc, alloc_after_refuses_what_the_gap_cannot_hold_and_changes_nothing);
    tcase_add_test(tc, swap_exchanges_places_of_neighbours_and_of_distant_allocations);
    tcase_add_test(tc, swap_refuses_other_sizes_misaligned_places_and_dead_handles);
    suite_add_tcase(s, tc);

    tc = tcase_create("randomized");
    tcase_add_test(tc, randomized_operations_agree_with_a_shadow_model);
    tcase_set_timeout(tc, 600);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
