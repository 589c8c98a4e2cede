/* ranges.c - glbuf_ranges: TLSF-style O(1) range allocator over [0, capacity).
 *
 * Records (one per live allocation, plus the sentinel in slot 0 at offset 0
 * with size 0) form a doubly linked list in offset order. The free space
 * between the end of a record and the start of the next one (or capacity) is
 * that record's gap; every non-empty gap is a free block, linked into the
 * segregated list of its size class:
 *
 *     slot 0          b               n
 *     [sentinel][gap ][ b ][ gap(b) ][ n ][ gap(n) ......... capacity)
 *
 * Gaps are never stored: gap(b) = offset(next(b)) - end(b), so coalescing is
 * a matter of unlinking a record. Slot 1 is a scratch record that ends every
 * list. Unused record slots form a stack threaded through free_next, reused
 * last-freed first (cache-warm, and record indices stay dense). */
#include "glbuf/ranges.h"

#include <string.h>

#include "glbuf_assert.h"
#include "handle_id.h"
#include "host_alloc.h"
#include "owner_ids.h"
#include "ranges_internal.h"

/* ---- sizes of the class table ------------------------------------------ */

enum {
    SL_LOG2 = 5,             /* 32 second-level classes per power of two */
    SL_COUNT = 1 << SL_LOG2, /* sizes below SL_COUNT are classes of their own */
    FL_COUNT = 64 - SL_LOG2 + 1,
    CANDIDATES = 4           /* size classes a large allocation looks at, see take_good_fit */
};

/* Requests of at least this many bytes prefer low offsets (see take_good_fit). */
#define ORDERED_MIN 4096u

/* ---- record index and handle layout ------------------------------------- */

#define INDEX_BITS GLBUF_RANGES_INDEX_BITS
#define INDEX_MASK ((1u << INDEX_BITS) - 1u)
#define NIL INDEX_MASK            /* "no record"; never a valid index */
#define END 1u                    /* terminator of the size-class lists: the scratch record */
#define HEAD_FLAG 0x80000000u     /* free_prev of a list head: HEAD_FLAG | class */
#define FIRST_SLOT 2u             /* 0: the sentinel, 1: the scratch record */
#define MAX_SLOTS INDEX_MASK      /* indices 0 .. MAX_SLOTS - 1 */
#define GEN_MAX GLBUF_ID_GEN_MAX  /* generations 1 .. GEN_MAX are issued */
#define GEN_DEAD 0u               /* generation of the sentinel, the scratch record and unused slots */
#define ALIGN_SHIFT INDEX_BITS    /* log2(alignment) in next_align */
#define DEFAULT_SLOTS 64u

/* 40 bytes. For a live record or the sentinel:
 *   gen        the generation of the live allocation (GEN_DEAD for the sentinel)
 *   prev       [23:0] physical predecessor (NIL for the sentinel)
 *   next_align [29:24] log2(alignment), [23:0] physical successor or NIL
 *   free_prev/free_next: links of the size-class list, meaningful while gap > 0;
 *     free_prev is the record before in the list, or HEAD_FLAG | class for the
 *     first; free_next is the record after, or END.
 * For an unused slot (gen GEN_DEAD):
 *   free_prev: the generation to issue next (1 .. GEN_MAX) while the slot is
 *     on the stack of unused slots, 0 once it is retired;
 *   free_next: the next unused slot of the stack, or NIL.
 * The scratch record (slot 1, gen GEN_DEAD) ends every list, so list updates
 * write its free_prev instead of testing for the end: the list operations have
 * no branches to mispredict. */
typedef struct block {
    uint64_t offset; /* bytes */
    uint64_t size;   /* bytes, as requested */
    uint32_t prev;
    uint32_t next_align;
    uint32_t free_prev;
    uint32_t free_next;
    uint32_t gen;
    uint32_t unused_;
} block;

_Static_assert(sizeof(block) == GLBUF_RANGES_RECORD_BYTES, "record size as published");
_Static_assert(GLBUF_RANGES_MAX_ALLOCATIONS == MAX_SLOTS - FIRST_SLOT, "sentinel and scratch take two slots");
_Static_assert(GLBUF_RANGES_INDEX_BITS == GLBUF_ID_INDEX_BITS, "the shared handle layout");

struct glbuf_ranges {
    block *blocks;      /* slot_cap records; [0, slot_used) initialised; 64-byte aligned */
    void *blocks_mem;   /* what the allocator returned for blocks */
    uint32_t slot_cap;  /* records reserved */
    uint32_t slot_used; /* records ever handed out, the two internal ones included */
    uint32_t slot_free; /* top of the unused-slot stack, or NIL */
    uint32_t tail;      /* the record with the highest offset (0 when none is live) */
    uint32_t owner;     /* this instance's identity in every handle (owner_ids.c) */
    uint32_t retired;   /* slots whose generation reached GEN_MAX: never reused */
    uint32_t no_checks; /* debug builds: skip the per-operation invariant check */
    uint32_t live;      /* live allocations */
    uint32_t free_blocks;
    uint64_t capacity;  /* bytes */
    uint64_t used;      /* bytes in live allocations */
    uint64_t peak_used; /* bytes */
    uint64_t failed;    /* failed allocations */
    glbuf_allocator allocator;
    uint64_t fl_bitmap;                /* bit fl set iff sl_bitmap[fl] != 0 */
    uint32_t sl_bitmap[FL_COUNT];      /* bit sl set iff heads[fl][sl] != END */
    uint32_t heads[FL_COUNT][SL_COUNT]; /* first record of each size-class list, or END */
};

/* ---- bit helpers --------------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

#if defined(__GNUC__) || defined(__clang__)
static inline unsigned msb64(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }
static inline unsigned lsb64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
static inline unsigned lsb32(uint32_t x) { return (unsigned)__builtin_ctz(x); }
static inline unsigned msb32(uint32_t x) { return 31u - (unsigned)__builtin_clz(x); }
#else
static unsigned msb64(uint64_t x)
{
    unsigned n = 0;
    while (x >>= 1) {
        n++;
    }
    return n;
}
static unsigned lsb64(uint64_t x)
{
    unsigned n = 0;
    while ((x & 1u) == 0) {
        x >>= 1;
        n++;
    }
    return n;
}
static unsigned lsb32(uint32_t x) { return lsb64(x); }
static unsigned msb32(uint32_t x) { return msb64(x); }
#endif

/* ---- record field accessors ---------------------------------------------- */

static inline uint32_t prev_of(const block *b) { return b->prev; }
static inline uint32_t gen_of(const block *b) { return b->gen; }
static inline uint32_t next_of(const block *b) { return b->next_align & INDEX_MASK; }
static inline unsigned align_log2_of(const block *b) { return (b->next_align >> ALIGN_SHIFT) & 63u; }
static inline void set_prev(block *b, uint32_t p) { b->prev = p; }
static inline void set_next(block *b, uint32_t n) { b->next_align = (b->next_align & ~INDEX_MASK) | n; }
static inline uint64_t end_of(const block *b) { return b->offset + b->size; }

/* The offset where b's gap ends: the next record's offset or the capacity. */
static inline uint64_t gap_end(const glbuf_ranges *r, const block *b)
{
    uint32_t n = next_of(b);
    return n == NIL ? r->capacity : r->blocks[n].offset;
}

static inline glbuf_range handle_of(const glbuf_ranges *r, uint32_t i)
{
    glbuf_range h;
    h.id = glbuf_id_make(r->owner, gen_of(&r->blocks[i]), i);
    return h;
}

/* The slot of a live handle, or NIL: a bounds check and one compare of
 * owner and generation together. Unused slots, retired slots and the two
 * internal records have generation GEN_DEAD, which no handle carries. */
static inline uint32_t lookup(const glbuf_ranges *r, glbuf_range h)
{
    uint32_t i = glbuf_id_index(h.id);
    uint32_t g = glbuf_id_generation(h.id);
    if (i >= r->slot_used || g == GEN_DEAD ||
        (h.id >> INDEX_BITS) != (((uint64_t)r->owner << GLBUF_ID_GEN_BITS) | gen_of(&r->blocks[i]))) {
        return NIL;
    }
    return i;
}

/* ---- size classes -------------------------------------------------------- */

/* The class that holds a free block of `size` bytes (size > 0): sizes below
 * SL_COUNT are (0, size); others (log2(size) - SL_LOG2 + 1, the next SL_LOG2
 * bits below the leading one). Branch-free. */
static inline void mapping(uint64_t size, unsigned *fl, unsigned *sl)
{
    unsigned f = msb64(size | SL_COUNT);
    *fl = f - SL_LOG2 + (size >= SL_COUNT);
    *sl = (unsigned)(size >> (f - SL_LOG2)) & (SL_COUNT - 1);
}

/* The lowest class all of whose blocks hold `size` bytes; 0 if none exists
 * (size so large that rounding up overflows). */
static inline int mapping_up(uint64_t size, unsigned *fl, unsigned *sl)
{
    if (size >= SL_COUNT) {
        uint64_t round = (UINT64_C(1) << (msb64(size) - SL_LOG2)) - 1;
        if (size > UINT64_MAX - round) {
            return 0;
        }
        size += round;
    }
    mapping(size, fl, sl);
    return 1;
}

/* The first non-empty class at or after (fl, sl), or 0 if none. */
static inline int next_nonempty(const glbuf_ranges *r, unsigned *fl, unsigned *sl)
{
    uint32_t sl_map = r->sl_bitmap[*fl] & (~UINT32_C(0) << *sl);
    if (sl_map == 0) {
        if (*fl + 1 >= FL_COUNT) {
            return 0;
        }
        uint64_t fl_map = r->fl_bitmap & (~UINT64_C(0) << (*fl + 1));
        if (fl_map == 0) {
            return 0;
        }
        *fl = lsb64(fl_map);
        sl_map = r->sl_bitmap[*fl];
    }
    *sl = lsb32(sl_map);
    return 1;
}

/* Links record i, whose gap is `gap` bytes, first into its class list. */
static inline void list_insert(glbuf_ranges *r, uint32_t i, uint64_t gap)
{
    unsigned fl, sl;
    mapping(gap, &fl, &sl);
    uint32_t cls = fl * SL_COUNT + sl;
    uint32_t head = r->heads[fl][sl];
    block *b = &r->blocks[i];
    b->free_prev = HEAD_FLAG | cls;
    b->free_next = head;
    r->blocks[head].free_prev = i; /* END: the scratch record */
    r->heads[fl][sl] = i;
    r->sl_bitmap[fl] |= UINT32_C(1) << sl;
    r->fl_bitmap |= UINT64_C(1) << fl;
}

/* Unlinks record i from its class list, without branches: the link that
 * points at i is a head or the free_next of the record before. A record in
 * no list has free_prev = free_next = END, which makes this a no-op that
 * writes only the scratch record; removal leaves i in that state. */
static inline void list_remove(glbuf_ranges *r, uint32_t i)
{
    block *b = &r->blocks[i];
    uint32_t p = b->free_prev, n = b->free_next;
    b->free_prev = END;
    b->free_next = END;
    r->blocks[n].free_prev = p; /* END: the scratch record */
    uint32_t is_head = p >> 31;
    uint32_t head_mask = 0u - is_head; /* all ones iff i is first */
    uint32_t cls = p & ~HEAD_FLAG & head_mask;
    uint32_t before = p ^ ((p ^ END) & head_mask);
    /* Select the link with a mask: compilers turn the ternary into a branch. */
    uintptr_t pick = (uintptr_t)0 - is_head;
    uintptr_t link = ((uintptr_t)(&r->heads[0][0] + cls) & pick) | ((uintptr_t)&r->blocks[before].free_next & ~pick);
    *(uint32_t *)link = n;
    /* The list is empty now iff i was first and last: clear its bits. With
     * cls = 0 otherwise, both updates below are then no-ops. */
    uint32_t emptied = is_head & (n == END);
    unsigned fl = cls / SL_COUNT, sl = cls % SL_COUNT;
    r->sl_bitmap[fl] &= ~(emptied << sl);
    r->fl_bitmap &= ~((uint64_t)(r->sl_bitmap[fl] == 0) << fl);
}

/* ---- debug checking ------------------------------------------------------ */

#ifdef NDEBUG
#define CHECK_INVARIANTS(r) ((void)0)
#else
#define CHECK_INVARIANTS(r) GLBUF_ASSERT((r)->no_checks || glbuf_ranges_invariants_hold(r))
#endif

void glbuf_ranges_set_debug_checks(glbuf_ranges *r, int on)
{
    if (r != NULL) {
        r->no_checks = on ? 0u : 1u;
    }
}

/* ---- creation ------------------------------------------------------------ */

/* A record array of `count` records, aligned to a cache line so that no
 * record straddles two (malloc aligns to 16 only). *mem gets what to free. */
static block *alloc_records(const glbuf_allocator *a, uint32_t count, void **mem)
{
    *mem = glbuf_host_alloc(a, (size_t)count * sizeof(block) + 63);
    if (*mem == NULL) {
        return NULL;
    }
    uintptr_t p = ((uintptr_t)*mem + 63) & ~(uintptr_t)63;
    return (block *)p;
}

glbuf_result glbuf_ranges_create(const glbuf_ranges_desc *desc, glbuf_ranges **out)
{
    if (desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (desc->capacity == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    glbuf_allocator a;
    if (!glbuf_allocator_resolve(&a, &desc->allocator)) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint32_t slots = desc->initial_slots == 0 ? DEFAULT_SLOTS : desc->initial_slots;
    if (slots < FIRST_SLOT + 1) {
        slots = FIRST_SLOT + 1;
    }
    if (slots > MAX_SLOTS) {
        slots = MAX_SLOTS;
    }
    /* The identity first: with none free, nothing has been allocated. */
    uint32_t owner;
    if (glbuf_owner_acquire(&owner) != GLBUF_OK) {
        return GLBUF_ERR_FULL;
    }
    glbuf_ranges *r = glbuf_host_alloc(&a, sizeof *r);
    if (r == NULL) {
        glbuf_owner_release(owner);
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    void *blocks_mem;
    block *blocks = alloc_records(&a, slots, &blocks_mem);
    if (blocks == NULL) {
        glbuf_host_free(&a, r);
        glbuf_owner_release(owner);
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    memset(r, 0, sizeof *r);
    r->blocks = blocks;
    r->blocks_mem = blocks_mem;
    r->slot_cap = slots;
    r->slot_used = FIRST_SLOT;
    r->slot_free = NIL;
    r->tail = 0;
    r->owner = owner;
    r->capacity = desc->capacity;
    r->allocator = a;
    for (unsigned fl = 0; fl < FL_COUNT; fl++) {
        for (unsigned sl = 0; sl < SL_COUNT; sl++) {
            r->heads[fl][sl] = END;
        }
    }
    block *s = &blocks[0];
    s->offset = 0;
    s->size = 0;
    s->gen = GEN_DEAD;
    s->unused_ = 0;
    s->prev = NIL;
    s->next_align = NIL;
    s->free_prev = END;
    s->free_next = END;
    memset(&blocks[END], 0, sizeof(block)); /* gen GEN_DEAD */
    list_insert(r, 0, r->capacity);
    r->free_blocks = 1;
    CHECK_INVARIANTS(r);
    *out = r;
    return GLBUF_OK;
}

void glbuf_ranges_destroy(glbuf_ranges *r)
{
    if (r == NULL) {
        return;
    }
    glbuf_allocator a = r->allocator;
    uint32_t owner = r->owner;
    glbuf_host_free(&a, r->blocks_mem);
    glbuf_host_free(&a, r);
    glbuf_owner_release(owner);
}

/* ---- allocation ---------------------------------------------------------- */

/* Doubles the record array. Changes nothing on failure. */
static glbuf_result grow_slots(glbuf_ranges *r)
{
    uint32_t cap = r->slot_cap > MAX_SLOTS / 2 ? MAX_SLOTS : r->slot_cap * 2;
    void *mem;
    block *blocks = alloc_records(&r->allocator, cap, &mem);
    if (blocks == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    memcpy(blocks, r->blocks, (size_t)r->slot_used * sizeof(block));
    glbuf_host_free(&r->allocator, r->blocks_mem);
    r->blocks = blocks;
    r->blocks_mem = mem;
    r->slot_cap = cap;
    return GLBUF_OK;
}

static inline uint32_t take_slot(glbuf_ranges *r, uint32_t *gen)
{
    uint32_t i = r->slot_free;
    if (i != NIL) {
        r->slot_free = r->blocks[i].free_next;
        *gen = r->blocks[i].free_prev;
    } else {
        i = r->slot_used++;
        *gen = 1;
    }
    return i;
}

/* Whether b's gap holds size bytes at the alignment. */
static inline int gap_fits(const glbuf_ranges *r, const block *b, uint64_t size, uint64_t alignment)
{
    uint64_t from = end_of(b);
    uint64_t gap = gap_end(r, b) - from;
    uint64_t pad = (0 - from) & (alignment - 1);
    return pad <= gap && gap - pad >= size;
}

/* The constant-time search. Every block of a class at or above (fl, sl) fits
 * the request; takes one and unlinks it, NIL if all those classes are empty.
 *
 * A small request takes the first block of the first such class: the one
 * freed last, likely still in cache (TLSF's good fit). A request of
 * ORDERED_MIN bytes or more takes, of the first blocks of the first
 * CANDIDATES such classes, the one lowest in the range. Preferring low
 * offsets, like address-ordered first fit, keeps the free space together at
 * the top where large requests need it: on the mesh-churn trace (64 MiB,
 * 256 B .. 1 MiB at ~70 % use) plain good fit fails 10 allocations, this none
 * (also none on five more seeds); on small requests it only costs locality. */
static inline uint32_t take_good_fit(glbuf_ranges *r, unsigned fl, unsigned sl, uint64_t size)
{
    if (size < ORDERED_MIN) {
        if (!next_nonempty(r, &fl, &sl)) {
            return NIL;
        }
        uint32_t b = r->heads[fl][sl];
        list_remove(r, b);
        return b;
    }
    uint32_t map = r->sl_bitmap[fl] & (~UINT32_C(0) << sl);
    if (map == 0) {
        uint64_t fl_map = r->fl_bitmap & (~UINT64_C(0) << (fl + 1)); /* fl + 1 <= FL_COUNT < 64 */
        if (fl_map == 0) {
            return NIL;
        }
        fl = lsb64(fl_map);
        map = r->sl_bitmap[fl];
    }
    /* Gather the candidates' classes first, then compare their offsets
     * without branches: the loads overlap and nothing mispredicts. */
    unsigned cls[CANDIDATES];
    unsigned n = 0;
    for (;;) {
        cls[n++] = fl * SL_COUNT + lsb32(map);
        if (n == CANDIDATES) {
            break;
        }
        map &= map - 1;
        if (map == 0) {
            uint64_t fl_map = r->fl_bitmap & (~UINT64_C(0) << (fl + 1));
            if (fl_map == 0) {
                break;
            }
            fl = lsb64(fl_map);
            map = r->sl_bitmap[fl];
        }
    }
    const uint32_t *heads = &r->heads[0][0];
    unsigned best_cls = cls[0];
    uint64_t best_offset = r->blocks[heads[best_cls]].offset;
    for (unsigned k = 1; k < n; k++) {
        uint64_t offset = r->blocks[heads[cls[k]]].offset;
        int lower = offset < best_offset;
        best_cls = lower ? cls[k] : best_cls;
        best_offset = lower ? offset : best_offset;
    }
    uint32_t best = heads[best_cls];
    list_remove(r, best);
    return best;
}

/* The slow path, when no class is sure to fit: every list that may hold a
 * block of at least `size` bytes, scanned for one that fits at the
 * alignment. O(free blocks). Does not unlink. */
static uint32_t find_fallback(const glbuf_ranges *r, uint64_t size, uint64_t alignment)
{
    unsigned fl, sl;
    mapping(size, &fl, &sl);
    while (next_nonempty(r, &fl, &sl)) {
        for (uint32_t i = r->heads[fl][sl]; i != END; i = r->blocks[i].free_next) {
            if (gap_fits(r, &r->blocks[i], size, alignment)) {
                return i;
            }
        }
        if (++sl == SL_COUNT) {
            sl = 0;
            if (++fl == FL_COUNT) {
                break;
            }
        }
    }
    return NIL;
}

glbuf_result glbuf_ranges_alloc(glbuf_ranges *r, uint64_t size, uint64_t alignment, glbuf_range *out_handle,
                                uint64_t *out_offset)
{
    if (r == NULL || out_handle == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (size > UINT64_MAX - (alignment - 1)) {
        return GLBUF_ERR_OVERFLOW;
    }
    /* A record for the new allocation first, so that nothing can fail once a
     * block is taken; the array grows only if the request fits. */
    if (UNLIKELY(r->slot_free == NIL && r->slot_used == r->slot_cap)) {
        unsigned f, s;
        int fits = (mapping_up(size + (alignment - 1), &f, &s) && next_nonempty(r, &f, &s)) ||
                   find_fallback(r, size, alignment) != NIL;
        glbuf_result res = !fits || r->slot_cap == MAX_SLOTS ? GLBUF_ERR_FULL : grow_slots(r);
        if (res != GLBUF_OK) {
            r->failed++;
            return res;
        }
    }
    /* A block of size + alignment - 1 bytes fits whatever its start. */
    uint32_t b = NIL;
    unsigned fl, sl;
    if (LIKELY(mapping_up(size + (alignment - 1), &fl, &sl))) {
        b = take_good_fit(r, fl, sl, size);
    }
    if (UNLIKELY(b == NIL)) {
        b = find_fallback(r, size, alignment);
        if (b == NIL) {
            r->failed++;
            return GLBUF_ERR_FULL;
        }
        list_remove(r, b);
    }

    /* [ b ][ ------ gap ------ ]  =>  [ b ][ pad ][ n ][ rest ] */
    block *bb = &r->blocks[b];
    uint32_t after = next_of(bb);
    uint64_t from = end_of(bb);
    uint64_t to = after == NIL ? r->capacity : r->blocks[after].offset;
    uint64_t start = from + ((0 - from) & (alignment - 1));
    uint32_t gen;
    uint32_t n = take_slot(r, &gen);
    block *nb = &r->blocks[n];
    nb->offset = start;
    nb->size = size;
    nb->gen = gen;
    nb->prev = b;
    nb->next_align = ((uint32_t)lsb64(alignment) << ALIGN_SHIFT) | after;
    nb->free_prev = END;
    nb->free_next = END;
    set_next(bb, n);
    if (after != NIL) {
        set_prev(&r->blocks[after], n);
    } else {
        r->tail = n;
    }
    uint64_t pad = start - from;
    uint64_t rest = to - (start + size);
    r->free_blocks--;
    if (pad != 0) {
        list_insert(r, b, pad);
        r->free_blocks++;
    }
    if (rest != 0) {
        list_insert(r, n, rest);
        r->free_blocks++;
    }
    r->live++;
    r->used += size;
    if (r->used > r->peak_used) {
        r->peak_used = r->used;
    }
    CHECK_INVARIANTS(r);
    out_handle->id = glbuf_id_make(r->owner, gen, n);
    if (out_offset != NULL) {
        *out_offset = start;
    }
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_free(glbuf_ranges *r, glbuf_range h)
{
    if (r == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint32_t i = lookup(r, h);
    if (i == NIL) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    /* [ p ][ gap_p ][ n ][ gap_n ]  =>  [ p ][ ------- gap ------- ] */
    block *nb = &r->blocks[i];
    uint32_t p = prev_of(nb);
    uint32_t after = next_of(nb);
    block *pb = &r->blocks[p];
    uint64_t to = after == NIL ? r->capacity : r->blocks[after].offset;
    uint64_t n_end = end_of(nb);
    uint64_t p_end = end_of(pb);
    list_remove(r, i); /* no-ops when there is no gap */
    list_remove(r, p);
    r->free_blocks -= (uint32_t)(to != n_end) + (uint32_t)(nb->offset != p_end);
    set_next(pb, after);
    if (after != NIL) {
        set_prev(&r->blocks[after], p);
    } else {
        r->tail = p;
    }
    list_insert(r, p, to - p_end);
    r->free_blocks++;
    r->live--;
    r->used -= nb->size;

    /* The slot's next generation, unless it has issued the last one: then it
     * is retired for good, so that no handle it issued can match again. */
    uint32_t gen = gen_of(nb);
    nb->gen = GEN_DEAD;
    if (LIKELY(gen != GEN_MAX)) {
        nb->free_prev = gen + 1;
        nb->free_next = r->slot_free;
        r->slot_free = i;
    } else {
        nb->free_prev = 0;
        nb->free_next = NIL;
        r->retired++;
    }
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_offset(const glbuf_ranges *r, glbuf_range h, uint64_t *out)
{
    if (r == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint32_t i = lookup(r, h);
    if (i == NIL) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    *out = r->blocks[i].offset;
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_size(const glbuf_ranges *r, glbuf_range h, uint64_t *out)
{
    if (r == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint32_t i = lookup(r, h);
    if (i == NIL) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    *out = r->blocks[i].size;
    return GLBUF_OK;
}

/* ---- growth -------------------------------------------------------------- */

glbuf_result glbuf_ranges_grow(glbuf_ranges *r, uint64_t new_capacity)
{
    if (r == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (new_capacity < r->capacity) {
        return GLBUF_ERR_SHRINK;
    }
    if (new_capacity == r->capacity) {
        return GLBUF_OK;
    }
    /* Only the gap of the last record touches the end, whether it is empty
     * (the tail allocation is live up to the old end: a new free block) or not
     * (that free block is extended). Nothing else changes. */
    uint32_t t = r->tail;
    uint64_t t_end = end_of(&r->blocks[t]);
    if (r->capacity != t_end) {
        list_remove(r, t);
    } else {
        r->free_blocks++;
    }
    r->capacity = new_capacity;
    list_insert(r, t, new_capacity - t_end);
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_shrink(glbuf_ranges *r, uint64_t new_capacity)
{
    if (r == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (new_capacity > r->capacity) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint32_t t = r->tail;
    uint64_t t_end = end_of(&r->blocks[t]);
    if (new_capacity < t_end) {
        return GLBUF_ERR_BUSY;
    }
    if (new_capacity == r->capacity) {
        return GLBUF_OK;
    }
    /* The tail's gap is the free block at the end: [ tail ][ gap ... old end )
     * becomes [ tail ][ gap ... new end ), or goes when new_capacity == t_end. */
    list_remove(r, t);
    r->capacity = new_capacity;
    if (new_capacity == t_end) {
        r->free_blocks--;
    } else {
        list_insert(r, t, new_capacity - t_end);
    }
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}

uint64_t glbuf_ranges_used_extent(const glbuf_ranges *r)
{
    if (r == NULL) {
        return 0;
    }
    return end_of(&r->blocks[r->tail]);
}

/* ---- statistics and checking --------------------------------------------- */

glbuf_ranges_stats glbuf_ranges_get_stats(const glbuf_ranges *r)
{
    glbuf_ranges_stats s;
    memset(&s, 0, sizeof s);
    if (r == NULL) {
        return s;
    }
    s.capacity = r->capacity;
    s.used_bytes = r->used;
    s.free_bytes = r->capacity - r->used;
    s.peak_used_bytes = r->peak_used;
    s.metadata_bytes = (uint64_t)sizeof *r + (uint64_t)r->slot_cap * sizeof(block) + 63;
    s.failed_allocations = r->failed;
    s.free_blocks = r->free_blocks;
    s.live_allocations = r->live;
    if (r->fl_bitmap != 0) {
        unsigned fl = msb64(r->fl_bitmap);
        unsigned sl = msb32(r->sl_bitmap[fl]);
        for (uint32_t i = r->heads[fl][sl]; i != END; i = r->blocks[i].free_next) {
            const block *b = &r->blocks[i];
            uint64_t gap = gap_end(r, b) - end_of(b);
            if (gap > s.largest_free_block) {
                s.largest_free_block = gap;
            }
        }
    }
    return s;
}

int glbuf_ranges_invariants_hold(const glbuf_ranges *r)
{
    if (r == NULL || r->blocks == NULL || r->slot_used < FIRST_SLOT || r->slot_used > r->slot_cap ||
        r->slot_cap > MAX_SLOTS || r->capacity == 0 || r->used > r->capacity || r->peak_used < r->used) {
        return 0;
    }
    const block *bl = r->blocks;
    const uint32_t n_slots = r->slot_used;

    /* The sentinel and the scratch record. */
    if (bl[0].offset != 0 || bl[0].size != 0 || gen_of(&bl[0]) != GEN_DEAD || prev_of(&bl[0]) != NIL ||
        gen_of(&bl[END]) != GEN_DEAD) {
        return 0;
    }
    /* Walk the records in offset order: they tile [0, capacity). */
    uint32_t prev = 0, count = 0, gaps = 0;
    uint64_t used = 0;
    for (uint32_t i = next_of(&bl[0]); i != NIL; i = next_of(&bl[i])) {
        if (i < FIRST_SLOT || i >= n_slots || count >= n_slots) {
            return 0;
        }
        const block *b = &bl[i];
        if (gen_of(b) == GEN_DEAD || gen_of(b) > GEN_MAX || prev_of(b) != prev || b->size == 0 || b->offset < end_of(&bl[prev]) ||
            b->size > r->capacity || b->offset > r->capacity - b->size ||
            (b->offset & ((UINT64_C(1) << align_log2_of(b)) - 1)) != 0 || (b->next_align >> 30) != 0) {
            return 0;
        }
        if (b->offset != end_of(&bl[prev])) {
            gaps++;
        } else if (bl[prev].free_prev != END || bl[prev].free_next != END) {
            return 0; /* in no list: both links END */
        }
        used += b->size;
        count++;
        prev = i;
    }
    if (prev != r->tail || count != r->live || used != r->used) {
        return 0;
    }
    if (end_of(&bl[prev]) != r->capacity) {
        gaps++;
    } else if (bl[prev].free_prev != END || bl[prev].free_next != END) {
        return 0;
    }
    if (gaps != r->free_blocks) {
        return 0;
    }
    /* Unused slots: a stack of dead records, each with a generation still to
     * issue; retired slots have none. dead + retired + live + sentinel +
     * scratch = used slots. */
    uint32_t dead = 0, retired = 0;
    for (uint32_t i = r->slot_free; i != NIL; i = bl[i].free_next) {
        if (i < FIRST_SLOT || i >= n_slots || dead >= n_slots || gen_of(&bl[i]) != GEN_DEAD ||
            bl[i].free_prev == 0 || bl[i].free_prev > GEN_MAX) {
            return 0;
        }
        dead++;
    }
    for (uint32_t i = FIRST_SLOT; i < n_slots; i++) {
        retired += (uint32_t)(gen_of(&bl[i]) == GEN_DEAD && bl[i].free_prev == 0);
    }
    if (retired != r->retired || (uint64_t)dead + retired + r->live + FIRST_SLOT != n_slots) {
        return 0;
    }
    /* Size-class lists: bitmaps match heads, every node is a live record (or
     * the sentinel) whose gap is non-empty and of the list's class. With the
     * counts equal, the listed records are exactly the records with a gap. */
    uint32_t listed = 0;
    for (unsigned fl = 0; fl < FL_COUNT; fl++) {
        if (((r->fl_bitmap >> fl) & 1u) != (r->sl_bitmap[fl] != 0)) {
            return 0;
        }
        for (unsigned sl = 0; sl < SL_COUNT; sl++) {
            uint32_t head = r->heads[fl][sl];
            if (((r->sl_bitmap[fl] >> sl) & 1u) != (head != END)) {
                return 0;
            }
            uint32_t back = HEAD_FLAG | (fl * SL_COUNT + sl);
            for (uint32_t i = head; i != END; i = bl[i].free_next) {
                if (i >= n_slots || i == END || listed >= n_slots) {
                    return 0;
                }
                const block *b = &bl[i];
                if (b->free_prev != back || (i != 0 && gen_of(b) == GEN_DEAD)) {
                    return 0;
                }
                uint32_t nx = next_of(b);
                if (nx != NIL && nx >= n_slots) {
                    return 0;
                }
                uint64_t to = nx == NIL ? r->capacity : bl[nx].offset;
                if (to <= end_of(b)) {
                    return 0;
                }
                unsigned f, s;
                mapping(to - end_of(b), &f, &s);
                if (f != fl || s != sl) {
                    return 0;
                }
                listed++;
                back = i;
            }
        }
    }
    return listed == r->free_blocks;
}

/* ---- iteration and compaction -------------------------------------------- */

void glbuf_ranges_for_each(const glbuf_ranges *r, glbuf_ranges_live_fn fn, void *user)
{
    if (r == NULL || fn == NULL) {
        return;
    }
    for (uint32_t i = next_of(&r->blocks[0]); i != NIL; i = next_of(&r->blocks[i])) {
        if (fn(user, handle_of(r, i), r->blocks[i].offset, r->blocks[i].size) != 0) {
            return;
        }
    }
}

void glbuf_ranges_for_each_free(const glbuf_ranges *r, glbuf_ranges_free_fn fn, void *user)
{
    if (r == NULL || fn == NULL) {
        return;
    }
    for (uint32_t i = 0; i != NIL; i = next_of(&r->blocks[i])) {
        const block *b = &r->blocks[i];
        uint64_t from = end_of(b), to = gap_end(r, b);
        if (to != from && fn(user, from, to - from) != 0) {
            return;
        }
    }
}

static inline uint64_t align_up(uint64_t x, unsigned log2)
{
    uint64_t mask = (UINT64_C(1) << log2) - 1;
    return (x + mask) & ~mask; /* no overflow: x <= an offset that is aligned */
}

glbuf_result glbuf_ranges_plan_compaction(const glbuf_ranges *r, glbuf_range_move *moves, size_t capacity,
                                          size_t *out_count)
{
    if (r == NULL || out_count == NULL || (moves == NULL && capacity > 0)) {
        return GLBUF_ERR_NULL;
    }
    size_t k = 0;
    uint64_t cursor = 0;
    for (uint32_t i = next_of(&r->blocks[0]); i != NIL; i = next_of(&r->blocks[i])) {
        const block *b = &r->blocks[i];
        uint64_t dst = align_up(cursor, align_log2_of(b));
        if (dst < b->offset) {
            if (k < capacity) {
                moves[k].handle = handle_of(r, i);
                moves[k].src_offset = b->offset;
                moves[k].dst_offset = dst;
                moves[k].size = b->size;
            }
            k++;
        }
        cursor = dst + b->size;
    }
    *out_count = k;
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_apply_compaction(glbuf_ranges *r, const glbuf_range_move *moves, size_t count)
{
    if (r == NULL || (moves == NULL && count > 0)) {
        return GLBUF_ERR_NULL;
    }
    /* Validate the whole batch against the state it will meet: the record
     * before a moved one has moved already only if it was the previous move. */
    for (size_t k = 0; k < count; k++) {
        const glbuf_range_move *m = &moves[k];
        uint32_t i = lookup(r, m->handle);
        if (i == NIL) {
            return GLBUF_ERR_INVALID_HANDLE;
        }
        const block *b = &r->blocks[i];
        uint32_t p = prev_of(b);
        uint64_t p_end = end_of(&r->blocks[p]);
        if (k > 0 && lookup(r, moves[k - 1].handle) == p) {
            p_end = moves[k - 1].dst_offset + r->blocks[p].size;
        }
        if (m->src_offset != b->offset || m->size != b->size || m->dst_offset > m->src_offset ||
            m->dst_offset < p_end || (m->dst_offset & ((UINT64_C(1) << align_log2_of(b)) - 1)) != 0 ||
            (k > 0 && m->src_offset <= moves[k - 1].src_offset)) {
            return GLBUF_ERR_INVALID_ARGUMENT;
        }
    }
    /* [ p ][ gap_p ][ b ][ gap_b ]  =>  [ p ][pad][ b ][ ---- gap_b ---- ] */
    for (size_t k = 0; k < count; k++) {
        uint32_t i = lookup(r, moves[k].handle);
        block *b = &r->blocks[i];
        uint32_t p = prev_of(b);
        uint64_t p_end = end_of(&r->blocks[p]);
        uint64_t to = gap_end(r, b);
        uint64_t dst = moves[k].dst_offset;
        if (dst == b->offset) {
            continue;
        }
        if (b->offset != p_end) {
            list_remove(r, p);
            r->free_blocks--;
        }
        if (to != end_of(b)) {
            list_remove(r, i);
            r->free_blocks--;
        }
        b->offset = dst;
        if (dst != p_end) {
            list_insert(r, p, dst - p_end);
            r->free_blocks++;
        }
        list_insert(r, i, to - end_of(b));
        r->free_blocks++;
    }
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}
