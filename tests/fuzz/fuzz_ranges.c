/* fuzz_ranges.c - libFuzzer target: random operation sequences on
 * glbuf_ranges, checked against a shadow model after every operation.
 *
 * Built from the allocator's sources with assertions on, so the allocator
 * also checks its own invariants after every operation. The input is a byte
 * stream of operations: allocate (sane or raw 64-bit arguments), free, free
 * a stale or forged handle, grow, compact a prefix of the plan, and make the
 * next host allocation fail. */
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
    uint64_t capacity, used, failed;
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

static int fits(uint64_t size, uint64_t alignment)
{
    uint64_t from = 0;
    for (size_t i = 0; i <= m.n; i++) {
        uint64_t to = i < m.n ? m.v[i].offset : m.capacity;
        uint64_t pad = (0 - from) & (alignment - 1);
        if (pad <= to - from && to - from - pad >= size) {
            return 1;
        }
        if (i < m.n) {
            from = m.v[i].offset + m.v[i].size;
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
    size_t i;
    uint64_t from;
} cursor;

static int check_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    cursor *c = user;
    REQUIRE(c->i < m.n);
    REQUIRE(h.id == m.v[c->i].id && offset == m.v[c->i].offset && size == m.v[c->i].size);
    c->i++;
    return 0;
}

/* Free blocks are exactly the model's gaps: maximal and in offset order. */
static int check_free(void *user, uint64_t offset, uint64_t size)
{
    cursor *c = user;
    for (;;) {
        uint64_t to = c->i < m.n ? m.v[c->i].offset : m.capacity;
        if (to > c->from) {
            REQUIRE(offset == c->from && size == to - c->from);
            c->from = c->i < m.n ? m.v[c->i].offset + m.v[c->i].size : m.capacity;
            c->i++;
            return 0;
        }
        REQUIRE(c->i < m.n);
        c->from = m.v[c->i].offset + m.v[c->i].size;
        c->i++;
    }
}

static void check(const glbuf_ranges *r)
{
    REQUIRE(glbuf_ranges_invariants_hold(r));
    cursor c = {0, 0};
    glbuf_ranges_for_each(r, check_live, &c);
    REQUIRE(c.i == m.n);
    cursor f = {0, 0};
    glbuf_ranges_for_each_free(r, check_free, &f);
    glbuf_ranges_stats s = glbuf_ranges_get_stats(r);
    REQUIRE(s.capacity == m.capacity && s.used_bytes == m.used && s.used_bytes + s.free_bytes == s.capacity);
    REQUIRE(s.live_allocations == m.n && s.failed_allocations == m.failed);
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
    } else if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
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
        REQUIRE(res == expect);
        return;
    }
    if (res == GLBUF_ERR_FULL) {
        REQUIRE(!fits(size, alignment) || m.n == MAX_LIVE); /* never full while a gap fits */
        m.failed++;
        return;
    }
    if (res == GLBUF_ERR_OUT_OF_HOST_MEMORY) { /* only when made to fail; check() sees no change */
        REQUIRE(injected);
        m.failed++;
        return;
    }
    REQUIRE(res == GLBUF_OK && hd.id != 0);
    REQUIRE(off % alignment == 0 && off <= m.capacity && size <= m.capacity - off);
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

static void do_compact(glbuf_ranges *r, size_t k)
{
    static glbuf_range_move moves[MAX_LIVE];
    size_t total = 0;
    REQUIRE(glbuf_ranges_plan_compaction(r, moves, MAX_LIVE, &total) == GLBUF_OK);
    REQUIRE(total <= m.n);
    k = total ? k % (total + 1) : 0;
    REQUIRE(glbuf_ranges_apply_compaction(r, moves, k) == GLBUF_OK);
    size_t j = 0;
    for (size_t i = 0; i < k; i++) {
        while (j < m.n && m.v[j].id != moves[i].handle.id) {
            j++;
        }
        REQUIRE(j < m.n && m.v[j].offset == moves[i].src_offset && m.v[j].size == moves[i].size);
        REQUIRE(moves[i].dst_offset < moves[i].src_offset);
        REQUIRE(moves[i].dst_offset >= (j ? m.v[j - 1].offset + m.v[j - 1].size : 0));
        m.v[j].offset = moves[i].dst_offset;
    }
    /* A prefix that was applied cannot be applied twice. */
    if (k > 0) {
        REQUIRE(glbuf_ranges_apply_compaction(r, moves, k) == GLBUF_ERR_INVALID_ARGUMENT);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    host h = {0, 0};
    memset(&m, 0, sizeof m);
    m.capacity = 1 + take(&in, 3);
    glbuf_ranges_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.capacity = m.capacity;
    desc.initial_slots = (uint32_t)take(&in, 1);
    desc.allocator.alloc = host_alloc;
    desc.allocator.free = host_free;
    desc.allocator.user = &h;
    glbuf_ranges *r = NULL;
    REQUIRE(glbuf_ranges_create(&desc, &r) == GLBUF_OK);
    uint64_t stale = 0;
    while (in.n > 0) {
        uint8_t op = (uint8_t)take(&in, 1);
        switch (op % 10) {
        case 0:
        case 1:
        case 2: { /* a sane allocation: small sizes, alignment up to 2^15 */
            uint64_t sz = 1 + take(&in, 2);
            sz <<= (op >> 4) & 7;
            do_alloc(r, &h, sz, UINT64_C(1) << (take(&in, 1) % 16));
            break;
        }
        case 3: /* raw arguments: validation and overflow */
            do_alloc(r, &h, take(&in, 8), take(&in, 8));
            break;
        case 4:
        case 5:
            if (m.n > 0) {
                do_free(r, (size_t)(take(&in, 2) % m.n), &stale);
            }
            break;
        case 6: { /* a stale or forged handle changes nothing */
            glbuf_range forged = {(op & 0x10) ? stale : take(&in, 8)};
            if (op & 0x20) { /* the generation that marks unused records */
                forged.id |= 0xFFC00000u;
            }
            if (forged.id != 0 && live_with_id(forged.id)) {
                break;
            }
            REQUIRE(glbuf_ranges_free(r, forged) == GLBUF_ERR_INVALID_HANDLE);
            uint64_t v;
            REQUIRE(glbuf_ranges_offset(r, forged, &v) == GLBUF_ERR_INVALID_HANDLE);
            break;
        }
        case 7: { /* grow, or try to shrink */
            uint64_t delta = take(&in, 3);
            if (op & 0x10) {
                if (delta > 0 && delta <= m.capacity) {
                    REQUIRE(glbuf_ranges_grow(r, m.capacity - delta) == GLBUF_ERR_SHRINK);
                }
            } else if (m.capacity <= UINT64_MAX - delta) {
                REQUIRE(glbuf_ranges_grow(r, m.capacity + delta) == GLBUF_OK);
                m.capacity += delta;
            }
            break;
        }
        case 8:
            do_compact(r, (size_t)take(&in, 2));
            break;
        case 9: /* the next host allocation fails */
            h.fail_next = 1;
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
    REQUIRE(h.live == 0);
    return 0;
}
