/* fuzz_ranges.c - libFuzzer target: random operation sequences on
 * glbuf_ranges, checked against a shadow model after every operation.
 *
 * Built from the allocator's sources with assertions on, so the allocator
 * also checks its own invariants after every operation. The input is a byte
 * stream of operations, and every public function of ranges.h is called:
 * create (also above the maximum capacity, and with its host allocation
 * failing), destroy, allocate (power-of-two, element-stride and raw 64-bit
 * arguments), free, offset and size of live, stale, foreign and forged
 * handles, grow (also smaller and too large), shrink (also below the used
 * extent and above the capacity), used_extent, get_stats (every
 * field against the model), invariants_hold, for_each and for_each_free
 * (with early stops and NULL callbacks), plan_compaction (also into a short
 * array) and apply_compaction (a prefix; a tampered plan changes nothing),
 * alloc_after, swap and alignment (a move into a chosen gap),
 * glbuf_range_index, and a failing host allocation.
 * Seed corpus: tests/fuzz/corpus/ranges (minimised; see CMakeLists.txt). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glbuf/ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                   \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "fuzz_ranges: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* ---- input reader -------------------------------------------------------- */

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static uint64_t take(input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && in->n > 0; i++) {
        v |= (uint64_t)*in->p << (8 * i);
        in->p++;
        in->n--;
    }
    return v;
}

/* ---- host allocator with injected failures -------------------------------- */

typedef struct host {
    int fail_next;
    long live;
} host;

static void *host_alloc(size_t size, void *user)
{
    host *h = user;
    if (h->fail_next) {
        h->fail_next = 0;
        return NULL;
    }
    h->live++;
    return malloc(size);
}

static void host_free(void *ptr, void *user)
{
    host *h = user;
    h->live--;
    free(ptr);
}

/* ---- the model: live ranges sorted by offset ------------------------------ */

typedef struct live {
    uint64_t offset, size, alignment;
    uint64_t id;
} live;

#define MAX_LIVE 4096

typedef struct model {
    live v[MAX_LIVE];
    size_t n;
    uint64_t capacity, used, failed, peak;
} model;

static model m;

static size_t lower_bound(uint64_t offset)
{
    size_t lo = 0, hi = m.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m.v[mid].offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The gap before live range i (i == m.n: the gap at the end). */
static void gap_before(size_t i, uint64_t *from, uint64_t *to)
{
    *from = i > 0 ? m.v[i - 1].offset + m.v[i - 1].size : 0;
    *to = i < m.n ? m.v[i].offset : m.capacity;
}

static int fits(uint64_t size, uint64_t alignment)
{
    for (size_t i = 0; i <= m.n; i++) {
        uint64_t from, to;
        gap_before(i, &from, &to);
        uint64_t rem = from % alignment;
        if (rem != 0 && alignment - rem > to - from) {
            continue;
        }
        uint64_t start = rem == 0 ? from : from + (alignment - rem);
        if (to - start >= size) {
            return 1;
        }
    }
    return 0;
}

static int live_with_id(uint64_t id)
{
    for (size_t i = 0; i < m.n; i++) {
        if (m.v[i].id == id) {
            return 1;
        }
    }
    return 0;
}

typedef struct cursor {
    size_t i, stop_after; /* stop_after 0: never */
    uint64_t from;
} cursor;

static int check_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    cursor *c = user;
    REQUIRE(c->i < m.n);
    REQUIRE(h.id == m.v[c->i].id && offset == m.v[c->i].offset && size == m.v[c->i].size);
    c->i++;
    return c->stop_after != 0 && c->i == c->stop_after;
}

/* Free blocks are exactly the model's gaps: maximal and in offset order. */
static int check_free(void *user, uint64_t offset, uint64_t size)
{
    cursor *c = user;
    for (;;) {
        REQUIRE(c->i <= m.n);
        uint64_t from, to;
        gap_before(c->i, &from, &to);
        c->i++;
        if (to > from) {
            REQUIRE(offset == from && size == to - from);
            c->from++; /* blocks seen */
            return c->stop_after != 0 && c->from == c->stop_after;
        }
    }
}

static int must_not_run(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    (void)user, (void)h, (void)offset, (void)size;
    REQUIRE(0);
    return 1;
}

static void check(const glbuf_ranges *r)
{
    REQUIRE(glbuf_ranges_invariants_hold(r));
    cursor c = {0, 0, 0};
    glbuf_ranges_for_each(r, check_live, &c);
    REQUIRE(c.i == m.n);
    cursor f = {0, 0, 0};
    glbuf_ranges_for_each_free(r, check_free, &f);
    uint64_t blocks = 0, largest = 0;
    for (size_t i = 0; i <= m.n; i++) {
        uint64_t from, to;
        gap_before(i, &from, &to);
        blocks += to > from;
        largest = to - from > largest ? to - from : largest;
    }
    REQUIRE(f.from == blocks);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    REQUIRE(s.capacity == m.capacity && s.used_bytes == m.used && s.used_bytes + s.free_bytes == s.capacity);
    REQUIRE(s.live_allocations == m.n && s.failed_allocations == m.failed && s.peak_used_bytes == m.peak);
    REQUIRE(s.free_blocks == blocks && s.largest_free_block == largest && s.metadata_bytes > 0);
    REQUIRE(glbuf_ranges_used_extent(r) == (m.n ? m.v[m.n - 1].offset + m.v[m.n - 1].size : 0));
    for (size_t i = 0; i < m.n; i++) {
        REQUIRE(m.v[i].offset % m.v[i].alignment == 0);
        REQUIRE(i == 0 || m.v[i - 1].offset + m.v[i - 1].size <= m.v[i].offset);
    }
}

/* ---- operations ---------------------------------------------------------- */

static void do_alloc(glbuf_ranges *r, host *h, uint64_t size, uint64_t alignment)
{
    glbuf_result expect = GLBUF_OK;
    if (size == 0) {
        expect = GLBUF_ERR_ZERO_SIZE;
    } else if (alignment == 0) {
        expect = GLBUF_ERR_BAD_ALIGNMENT;
    } else if (size > UINT64_MAX - (alignment - 1)) {
        expect = GLBUF_ERR_OVERFLOW;
    }
    glbuf_range hd = {0};
    uint64_t off = 0;
    int injected = h->fail_next;
    glbuf_result res = glbuf_ranges_alloc(r, size, alignment, &hd, &off);
    h->fail_next = 0;
    if (expect != GLBUF_OK) {
        REQUIRE(res == expect && hd.id == 0);
        return;
    }
    if (res == GLBUF_ERR_FULL) {
        REQUIRE(!fits(size, alignment)); /* never full while a gap fits */
        REQUIRE(hd.id == 0);
        m.failed++;
        return;
    }
    if (res == GLBUF_ERR_OUT_OF_HOST_MEMORY) { /* only when made to fail; check() sees no change */
        REQUIRE(injected && hd.id == 0);
        m.failed++;
        return;
    }
    REQUIRE(res == GLBUF_OK && hd.id != 0);
    REQUIRE(off % alignment == 0 && off <= m.capacity && size <= m.capacity - off);
    uint32_t index = glbuf_range_index(hd);
    REQUIRE(index >= 2 && index < GLBUF_RANGES_MAX_ALLOCATIONS + 2);
    if (m.n == MAX_LIVE) { /* the model is full: give it back */
        REQUIRE(glbuf_ranges_free(r, hd) == GLBUF_OK);
        return;
    }
    size_t i = lower_bound(off);
    REQUIRE(i == 0 || m.v[i - 1].offset + m.v[i - 1].size <= off);
    REQUIRE(i == m.n || off + size <= m.v[i].offset);
    memmove(&m.v[i + 1], &m.v[i], (m.n - i) * sizeof m.v[0]);
    m.v[i].offset = off;
    m.v[i].size = size;
    m.v[i].alignment = alignment;
    m.v[i].id = hd.id;
    m.n++;
    m.used += size;
    m.peak = m.used > m.peak ? m.used : m.peak;
}

static void do_free(glbuf_ranges *r, size_t i, uint64_t *stale)
{
    glbuf_range hd = {m.v[i].id};
    REQUIRE(glbuf_ranges_free(r, hd) == GLBUF_OK);
    m.used -= m.v[i].size;
    memmove(&m.v[i], &m.v[i + 1], (m.n - i - 1) * sizeof m.v[0]);
    m.n--;
    *stale = hd.id;
}

/* A handle that is not live here is rejected by every call that takes one,
 * and changes nothing (check() runs after). */
static void require_rejected(glbuf_ranges *r, glbuf_range h)
{
    uint64_t v = 7;
    REQUIRE(glbuf_ranges_free(r, h) == GLBUF_ERR_INVALID_HANDLE);
    REQUIRE(glbuf_ranges_offset(r, h, &v) == GLBUF_ERR_INVALID_HANDLE);
    REQUIRE(glbuf_ranges_size(r, h, &v) == GLBUF_ERR_INVALID_HANDLE && v == 7);
}

static void do_compact(glbuf_ranges *r, size_t k, uint8_t tamper)
{
    static glbuf_range_move moves[MAX_LIVE];
    size_t total = 0, short_count = 0;
    REQUIRE(glbuf_ranges_plan_compaction(r, NULL, 0, &total) == GLBUF_OK);
    REQUIRE(total <= m.n);
    REQUIRE(glbuf_ranges_plan_compaction(r, moves, total / 2, &short_count) == GLBUF_OK && short_count == total);
    REQUIRE(glbuf_ranges_plan_compaction(r, moves, MAX_LIVE, &short_count) == GLBUF_OK && short_count == total);
    k = total ? k % (total + 1) : 0;
    if (k > 0 && (tamper & 1)) { /* a plan that no longer matches is rejected whole */
        glbuf_range_move *t = &moves[tamper % k];
        glbuf_range_move saved = *t;
        glbuf_result want = GLBUF_ERR_INVALID_ARGUMENT;
        switch ((tamper >> 1) % 4) {
        case 0: t->src_offset++; break;
        case 1: t->size++; break;
        case 2: t->dst_offset = t->src_offset + 1; break; /* upward */
        default: t->handle.id ^= UINT64_C(1) << 30; want = GLBUF_ERR_INVALID_HANDLE; break;
        }
        REQUIRE(glbuf_ranges_apply_compaction(r, moves, k) == want);
        check(r); /* unchanged */
        *t = saved;
    }
    REQUIRE(glbuf_ranges_apply_compaction(r, moves, k) == GLBUF_OK);
    size_t j = 0;
    for (size_t i = 0; i < k; i++) {
        while (j < m.n && m.v[j].id != moves[i].handle.id) {
            j++;
        }
        REQUIRE(j < m.n && m.v[j].offset == moves[i].src_offset && m.v[j].size == moves[i].size);
        REQUIRE(moves[i].dst_offset < moves[i].src_offset && moves[i].dst_offset % m.v[j].alignment == 0);
        REQUIRE(moves[i].dst_offset >= (j ? m.v[j - 1].offset + m.v[j - 1].size : 0));
        m.v[j].offset = moves[i].dst_offset;
    }
    /* A prefix that was applied cannot be applied twice. */
    if (k > 0) {
        REQUIRE(glbuf_ranges_apply_compaction(r, moves, k) == GLBUF_ERR_INVALID_ARGUMENT);
    }
}

/* Moves live range i into the gap before live range g (g == m.n: the gap at
 * the end) as defragmentation does: reserve with alloc_after, swap, free the
 * reservation (now the old place). With `fail`, the host allocation the
 * reservation may need fails first. */
static void do_move(glbuf_ranges *r, host *h, size_t i, size_t g, int fail)
{
    uint64_t from, to;
    gap_before(g, &from, &to);
    live *l = &m.v[i];
    uint64_t align = 0;
    glbuf_range hd = {l->id}, after = {g == 0 ? 0 : m.v[g - 1].id}, res = {0};
    REQUIRE(glbuf_ranges_alignment(r, hd, &align) == GLBUF_OK && align == l->alignment);
    REQUIRE(glbuf_ranges_alignment(r, hd, NULL) == GLBUF_ERR_NULL);
    uint64_t rem = from % align;
    int fit = !(rem != 0 && align - rem > to - from) && to - (rem == 0 ? from : from + (align - rem)) >= l->size;
    uint64_t start = fit ? (rem == 0 ? from : from + (align - rem)) : 0;
    uint64_t off = 0;
    h->fail_next = fail;
    glbuf_result got = glbuf_ranges_alloc_after(r, after, l->size, align, &res, &off);
    int injected = h->fail_next == 0 && fail;
    h->fail_next = 0;
    if (!fit) {
        REQUIRE(got == GLBUF_ERR_FULL && res.id == 0);
        return;
    }
    if (got == GLBUF_ERR_OUT_OF_HOST_MEMORY) {
        REQUIRE(injected && res.id == 0);
        return;
    }
    REQUIRE(got == GLBUF_OK && off == start);
    m.peak = m.used + l->size > m.peak ? m.used + l->size : m.peak; /* the reservation counts while it lives */
    REQUIRE(glbuf_ranges_swap(r, hd, hd) == GLBUF_ERR_INVALID_ARGUMENT);
    REQUIRE(glbuf_ranges_swap(r, hd, res) == GLBUF_OK);
    REQUIRE(glbuf_ranges_free(r, res) == GLBUF_OK);
    live moved = *l;
    moved.offset = start;
    memmove(&m.v[i], &m.v[i + 1], (m.n - i - 1) * sizeof m.v[0]);
    m.n--;
    size_t k = lower_bound(start);
    memmove(&m.v[k + 1], &m.v[k], (m.n - k) * sizeof m.v[0]);
    m.v[k] = moved;
    m.n++;
}

static const uint64_t strides[] = {3, 12, 24, 36, 56, 100, 768, 1536, 3000, 65535};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    host h = {0, 0};
    memset(&m, 0, sizeof m);
    uint8_t head = (uint8_t)take(&in, 1);
    m.capacity = 1 + take(&in, 3);
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.initial_slots = (uint32_t)take(&in, 1);
    desc.allocator.alloc = host_alloc;
    desc.allocator.free = host_free;
    desc.allocator.user = &h;
    glbuf_ranges *r = NULL;
    desc.capacity = GLBUF_RANGES_MAX_CAPACITY + 1 + (head & 7);
    REQUIRE(glbuf_ranges_create(&desc, &r) == GLBUF_ERR_TOO_LARGE && r == NULL);
    desc.capacity = m.capacity;
    if (head & 8) { /* the host allocator fails: nothing is held */
        h.fail_next = 1;
        REQUIRE(glbuf_ranges_create(&desc, &r) == GLBUF_ERR_OUT_OF_HOST_MEMORY && r == NULL && h.live == 0);
    }
    REQUIRE(glbuf_ranges_create(&desc, &r) == GLBUF_OK);
    glbuf_ranges *other = NULL; /* another instance, for foreign handles */
    glbuf_range foreign = {0};
    uint64_t stale = 0;
    while (in.n > 0) {
        uint8_t op = (uint8_t)take(&in, 1);
        switch (op % 16) {
        case 0:
        case 1:
        case 2: { /* a power-of-two allocation: small sizes, alignment up to 2^15 */
            uint64_t sz = 1 + take(&in, 2);
            sz <<= (op >> 4) & 7;
            do_alloc(r, &h, sz, UINT64_C(1) << (take(&in, 1) % 16));
            break;
        }
        case 3: { /* an element stride, or any alignment up to 2^16 */
            uint64_t sz = 1 + take(&in, 2);
            uint64_t a = (op & 0x10) ? 1 + take(&in, 2) : strides[take(&in, 1) % (sizeof strides / sizeof strides[0])];
            do_alloc(r, &h, sz, a);
            break;
        }
        case 4: /* raw arguments: validation and overflow */
            do_alloc(r, &h, take(&in, 8), take(&in, 8));
            break;
        case 5:
        case 6:
            if (m.n > 0) {
                do_free(r, (size_t)(take(&in, 2) % m.n), &stale);
            }
            break;
        case 7: { /* stale, forged and foreign handles change nothing */
            glbuf_range forged = {take(&in, 8)};
            if (op & 0x10) {
                forged.id = stale;
            }
            if (op & 0x20) { /* a live index with another generation */
                forged.id = m.n ? m.v[forged.id % m.n].id ^ ((uint64_t)(1 + (op >> 6)) << 24) : forged.id;
            }
            if (forged.id != 0 && live_with_id(forged.id)) {
                break;
            }
            require_rejected(r, forged);
            break;
        }
        case 8: { /* queries on a live handle, and NULL out-parameters */
            if (m.n == 0) {
                break;
            }
            const live *l = &m.v[take(&in, 2) % m.n];
            glbuf_range hd = {l->id};
            uint64_t v = 0;
            REQUIRE(glbuf_ranges_offset(r, hd, &v) == GLBUF_OK && v == l->offset);
            REQUIRE(glbuf_ranges_size(r, hd, &v) == GLBUF_OK && v == l->size);
            REQUIRE(glbuf_ranges_offset(r, hd, NULL) == GLBUF_ERR_NULL);
            REQUIRE(glbuf_ranges_size(r, hd, NULL) == GLBUF_ERR_NULL);
            REQUIRE(glbuf_ranges_free(NULL, hd) == GLBUF_ERR_NULL);
            REQUIRE(glbuf_range_index(hd) >= 2);
            break;
        }
        case 9: { /* grow, shrink (and grow to a smaller size), or grow past the maximum */
            uint64_t delta = take(&in, 3);
            if (op & 0x10) {
                if (delta > 0 && delta <= m.capacity) {
                    REQUIRE(glbuf_ranges_grow(r, m.capacity - delta) == GLBUF_ERR_SHRINK);
                    uint64_t extent = 0;
                    for (size_t i = 0; i < (size_t)m.n; i++) {
                        uint64_t end = m.v[i].offset + m.v[i].size;
                        extent = end > extent ? end : extent;
                    }
                    REQUIRE(glbuf_ranges_shrink(r, m.capacity + 1) == GLBUF_ERR_INVALID_ARGUMENT);
                    glbuf_result sr = glbuf_ranges_shrink(r, m.capacity - delta);
                    REQUIRE(sr == (m.capacity - delta >= extent ? GLBUF_OK : GLBUF_ERR_BUSY));
                    if (sr == GLBUF_OK) {
                        m.capacity -= delta;
                    }
                }
            } else if (op & 0x20) {
                REQUIRE(glbuf_ranges_grow(r, GLBUF_RANGES_MAX_CAPACITY + 1 + delta) == GLBUF_ERR_TOO_LARGE);
            } else {
                REQUIRE(glbuf_ranges_grow(r, m.capacity + delta) == GLBUF_OK);
                m.capacity += delta;
            }
            break;
        }
        case 10:
            do_compact(r, (size_t)take(&in, 2), (uint8_t)take(&in, 1));
            break;
        case 11: /* the next host allocation fails */
            h.fail_next = 1;
            break;
        case 12: { /* iteration: early stops and NULL callbacks */
            cursor c = {0, 1 + take(&in, 1), 0};
            glbuf_ranges_for_each(r, check_live, &c);
            REQUIRE(c.i == (m.n < c.stop_after ? m.n : c.stop_after));
            cursor f = {0, 1 + take(&in, 1), 0};
            glbuf_ranges_for_each_free(r, check_free, &f);
            glbuf_ranges_for_each(r, NULL, &c);
            glbuf_ranges_for_each_free(r, NULL, &f);
            glbuf_ranges_for_each(NULL, must_not_run, &c);
            break;
        }
        case 13: { /* another instance's handles, even with the same index and generation */
            if (other == NULL) {
                glbuf_ranges_desc od;
                memset(&od, 0, sizeof od);
                od.capacity = 1 + take(&in, 2);
                REQUIRE(glbuf_ranges_create(&od, &other) == GLBUF_OK);
            }
            if (foreign.id == 0 || (op & 0x10)) {
                if (foreign.id != 0) {
                    REQUIRE(glbuf_ranges_free(other, foreign) == GLBUF_OK);
                }
                foreign.id = 0;
                (void)glbuf_ranges_alloc(other, 1, 1, &foreign, NULL); /* may be FULL: then id stays 0 */
            }
            if (foreign.id != 0) {
                require_rejected(r, foreign);
                for (size_t i = 0; i < m.n; i++) {
                    glbuf_range mine = {m.v[i].id};
                    uint64_t v;
                    REQUIRE(glbuf_ranges_offset(other, mine, &v) == GLBUF_ERR_INVALID_HANDLE);
                }
            }
            break;
        }
        case 14: /* a move into a chosen gap; or NULL instance and stats of nothing */
            if ((op & 0x10) && m.n > 0) {
                size_t i = (size_t)(take(&in, 2) % m.n), g = (size_t)(take(&in, 2) % (m.n + 1));
                do_move(r, &h, i, g, (op & 0x20) != 0);
                break;
            }
            REQUIRE(glbuf_ranges_get_stats(NULL).capacity == 0);
            REQUIRE(glbuf_ranges_invariants_hold(NULL) == 0);
            REQUIRE(glbuf_ranges_used_extent(NULL) == 0);
            glbuf_ranges_destroy(NULL);
            break;
        case 15: /* free everything in a random order, then go on */
            while (m.n > 0 && (op & 0x10)) {
                do_free(r, (size_t)(take(&in, 2) % m.n), &stale);
            }
            break;
        }
        check(r);
    }
    /* Coalescing is complete: freeing everything leaves one block. */
    while (m.n > 0) {
        do_free(r, m.n / 2, &stale);
    }
    check(r);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    REQUIRE(s.free_blocks == 1 && s.largest_free_block == m.capacity);
    glbuf_ranges_destroy(r);
    glbuf_ranges_destroy(other);
    REQUIRE(h.live == 0);
    return 0;
}
