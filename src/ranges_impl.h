/* ranges_impl.h - the data structure of glbuf_ranges, shared by its source
 * files (ranges.c: create, allocate, free, grow; ranges_place.c: where an
 * allocation goes; ranges_walk.c: statistics, checking, iteration and
 * compaction). Not public.
 *
 * Records (one per live allocation, plus two internal ones) form a doubly
 * linked list in offset order. Each record stores where its allocation ends
 * and the free bytes after it, its "gap"; every non-empty gap is a free block:
 *
 *     slot 0                 b                   n
 *     [sentinel][ gap(0) ][ b ][ gap(b) ][ n ][ gap(n) ........ capacity)
 *
 * Offsets are not stored: offset(n) = end(prev(n)) + gap(prev(n)). A free
 * touches only the freed record and the one before it (the gap that grows);
 * an allocation only the record whose gap it takes. Slot 0, the sentinel,
 * ends at 0 and owns the gap before the first allocation. Slot 1 (END) ends
 * the offset-ordered list (next of the last record; its prev is the last
 * record) and every size-class list, so no list update tests for an end.
 *
 * Gaps of GAP_LISTED bytes or more sit in segregated lists by size class
 * (TLSF: first level log2, 32 linear second-level classes, one bitmap per
 * level). Smaller gaps (the alignment crumbs that nearly every allocation of
 * an odd size leaves) are in no list: they stay free and coalesce like any
 * gap, and a request under GAP_LISTED bytes that fits nowhere else walks the
 * records for them. */
#ifndef GLBUF_RANGES_IMPL_H
#define GLBUF_RANGES_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/ranges.h"
#include "handle_id.h"

/* ---- bit helpers --------------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
static inline unsigned msb64(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }
static inline unsigned lsb64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
static inline unsigned lsb32(uint32_t x) { return (unsigned)__builtin_ctz(x); }
static inline unsigned msb32(uint32_t x) { return 31u - (unsigned)__builtin_clz(x); }
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
static inline unsigned msb64(uint64_t x)
{
    unsigned n = 0;
    while (x >>= 1) {
        n++;
    }
    return n;
}
static inline unsigned lsb64(uint64_t x)
{
    unsigned n = 0;
    while ((x & 1u) == 0) {
        x >>= 1;
        n++;
    }
    return n;
}
static inline unsigned lsb32(uint32_t x) { return lsb64(x); }
static inline unsigned msb32(uint32_t x) { return msb64(x); }
#endif

/* ---- sizes --------------------------------------------------------------- */

enum {
    SL_LOG2 = 5,             /* 32 second-level classes per power of two */
    SL_COUNT = 1 << SL_LOG2, /* sizes below SL_COUNT are classes of their own */
    FL_COUNT = 44,           /* gaps below 2^48: first levels 0 .. 43 */
    CLASS_COUNT = FL_COUNT * SL_COUNT
};

#define GAP_LISTED 16u /* gaps of fewer bytes are in no size-class list */

#define INDEX_BITS GLBUF_ID_INDEX_BITS
#define INDEX_MASK ((UINT32_C(1) << INDEX_BITS) - 1u)
#define NIL INDEX_MASK        /* "no record" in the unused-slot stack */
#define SENTINEL 0u           /* ends at 0, owns the gap before the first allocation */
#define END 1u                /* after the last record; terminator of the size-class lists */
#define FIRST_SLOT 2u
#define MAX_SLOTS INDEX_MASK  /* indices 0 .. MAX_SLOTS - 1 */
#define GEN_MAX GLBUF_ID_GEN_MAX

/* ---- the record ---------------------------------------------------------- */

#define VALUE_BITS 48u
#define VALUE_MASK ((UINT64_C(1) << VALUE_BITS) - 1u)
#define GEN_LO_BITS 6u
#define ALIGN_SHIFT 54u                  /* gap_meta [59:54]: log2(alignment) */
#define ODD_ALIGN_FLAG (UINT64_C(1) << 60) /* the alignment is in the side table */
#define META_MASK (~VALUE_MASK)

/* 32 bytes, two to a cache line.
 *   end_gen   [47:0] end of the allocation (offset + size); [63:48]
 *             generation >> 6 (0 for the internal records and unused slots)
 *   gap_meta  [47:0] gap; [53:48] generation & 63; [59:54] log2(alignment)
 *             when it is a power of two; [60] ODD_ALIGN_FLAG
 *   prev/next physical neighbours (next of the last record: END)
 *   link/free_next
 *             size-class list links while the gap is listed: link names the
 *             field that points at this record (a list head, or free_next
 *             of the record before; see link_at), free_next is the record
 *             after (END at the end). While the gap is in no list, link is
 *             END_LINK and free_next END.
 * An unused slot has end_gen = gap_meta = 0 (generation 0), link = the
 * generation to issue next (0 once the slot is retired) and free_next = the
 * next unused slot of the stack (NIL at its bottom).
 * Fields that a neighbour's operation writes (prev, link, free_next) hold
 * nothing else, so those writes are plain stores to a record that need not be
 * read first. */
typedef struct block {
    uint64_t end_gen;
    uint64_t gap_meta;
    uint32_t prev;
    uint32_t next;
    uint32_t link;
    uint32_t free_next;
} block;

/* The list heads and the records share one allocation, heads first, so that a
 * list link is a byte offset from the heads: the head of class c at 4 c, the
 * free_next of record i at LINK_OF(i). Unlinking then writes through the link
 * whatever it names, with no test for "first in its list". */
#define HEADS_BYTES ((uint32_t)CLASS_COUNT * 4u) /* a multiple of 64 */
#define LINK_OF(i) (HEADS_BYTES + (uint32_t)(i) * (uint32_t)sizeof(block) + (uint32_t)offsetof(block, free_next))
#define END_LINK LINK_OF(END)

struct glbuf_ranges {
    block *blocks;       /* slot_cap records; [0, slot_used) initialised; 64-byte aligned */
    uint32_t *heads;     /* CLASS_COUNT list heads (first record or END), just before blocks */
    uint32_t slot_used;  /* records ever handed out, the two internal ones included */
    uint32_t slot_free;  /* top of the unused-slot stack, or NIL */
    uint64_t capacity;   /* bytes */
    uint64_t used;       /* bytes in live allocations */
    uint64_t ordered_min;/* capacity >> ORDERED_SHIFT: see find_gap in ranges.c */
    uint64_t fl_bitmap;  /* bit fl set iff sl_bitmap[fl] != 0 */
    uint32_t sl_bitmap[FL_COUNT];  /* bit sl set iff heads[fl * SL_COUNT + sl] != END */
    /* Colder: not read by allocate or free on their common path. */
    uint32_t slot_cap;   /* records reserved */
    uint32_t owner;      /* this instance's identity in every handle (owner_ids.c) */
    uint32_t live;       /* live allocations */
    uint32_t free_blocks;/* non-empty gaps, listed or not */
    uint32_t retired;    /* slots whose generation reached GEN_MAX: never reused */
    uint32_t no_checks;  /* debug builds: skip the per-operation invariant check */
    uint64_t peak_used;  /* bytes */
    uint64_t failed;     /* failed allocations */
    uint64_t *odd_align; /* slot_cap alignments, for allocations whose alignment is
                            not a power of two; NULL until the first one */
    void *blocks_mem;    /* what the allocator returned for heads and blocks */
    glbuf_allocator allocator;
};

/* ---- record fields ------------------------------------------------------- */

static inline uint64_t end_of(const block *b) { return b->end_gen & VALUE_MASK; }
static inline uint64_t gap_of(const block *b) { return b->gap_meta & VALUE_MASK; }
static inline uint32_t gen_of(const block *b)
{
    return (uint32_t)((b->end_gen >> VALUE_BITS) << GEN_LO_BITS) |
           (uint32_t)((b->gap_meta >> VALUE_BITS) & ((1u << GEN_LO_BITS) - 1u));
}
static inline void set_end(block *b, uint64_t end) { b->end_gen = (b->end_gen & META_MASK) | end; }
static inline void set_gap(block *b, uint64_t gap) { b->gap_meta = (b->gap_meta & META_MASK) | gap; }

/* Where b's gap ends: the offset of the record after b, or the capacity. */
static inline uint64_t gap_end(const block *b) { return end_of(b) + gap_of(b); }

/* The offset of live record i: where the gap of the record before it ends. */
static inline uint64_t offset_of(const glbuf_ranges *r, uint32_t i) { return gap_end(&r->blocks[r->blocks[i].prev]); }

/* The alignment record i was allocated with. */
static inline uint64_t alignment_of(const glbuf_ranges *r, uint32_t i)
{
    const block *b = &r->blocks[i];
    if (b->gap_meta & ODD_ALIGN_FLAG) {
        return r->odd_align[i];
    }
    return UINT64_C(1) << ((b->gap_meta >> ALIGN_SHIFT) & 63u);
}

static inline glbuf_range handle_of(const glbuf_ranges *r, uint32_t i)
{
    glbuf_range h;
    h.id = glbuf_id_make(r->owner, gen_of(&r->blocks[i]), i);
    return h;
}

/* The slot of a live handle, or NIL: a bounds check and a compare of owner and
 * generation. Unused and retired slots and the two internal records have
 * generation 0, which no handle carries. */
static inline uint32_t lookup(const glbuf_ranges *r, glbuf_range h)
{
    uint32_t i = glbuf_id_index(h.id);
    uint32_t g = glbuf_id_generation(h.id);
    if (i >= r->slot_used || g == 0 || glbuf_id_owner(h.id) != r->owner || gen_of(&r->blocks[i]) != g) {
        return NIL;
    }
    return i;
}

/* ---- size classes -------------------------------------------------------- */

/* The class that holds a gap of `size` bytes (0 < size < 2^48): sizes below
 * SL_COUNT are classes 0 .. SL_COUNT - 1 of their own; a larger size is in
 * first level log2(size) - SL_LOG2 + 1, second level the SL_LOG2 bits below
 * its leading one. With f = log2(size | SL_COUNT), both cases are
 * (f - SL_LOG2) * SL_COUNT + (size >> (f - SL_LOG2)): the shifted size
 * carries the leading one as the extra SL_COUNT. */
static inline unsigned class_of(uint64_t size)
{
    unsigned f = msb64(size | SL_COUNT) - SL_LOG2;
    return (f << SL_LOG2) + (unsigned)(size >> f);
}

/* The lowest class all of whose gaps hold `size` bytes, or CLASS_COUNT when
 * no class does (size above 2^48 - 2^43: rounded up, it leaves the table). */
static inline unsigned class_up(uint64_t size)
{
    if (UNLIKELY(size > VALUE_MASK - (VALUE_MASK >> SL_LOG2))) {
        return CLASS_COUNT;
    }
    /* Round up to the next class boundary (nothing to round below SL_COUNT). */
    size += (UINT64_C(1) << (msb64(size | SL_COUNT) - SL_LOG2)) - 1;
    return class_of(size);
}

/* The first non-empty class at or after cls, or CLASS_COUNT. */
static inline unsigned next_nonempty(const glbuf_ranges *r, unsigned cls)
{
    if (cls >= CLASS_COUNT) {
        return CLASS_COUNT;
    }
    unsigned fl = cls / SL_COUNT;
    uint32_t sl_map = r->sl_bitmap[fl] & (~UINT32_C(0) << (cls % SL_COUNT));
    if (sl_map == 0) {
        uint64_t fl_map = r->fl_bitmap & (~UINT64_C(0) << fl << 1); /* fl + 1 <= FL_COUNT < 64 */
        if (fl_map == 0) {
            return CLASS_COUNT;
        }
        fl = lsb64(fl_map);
        sl_map = r->sl_bitmap[fl];
    }
    return fl * SL_COUNT + lsb32(sl_map);
}

/* The field a list link names: a head or a record's free_next. */
static inline uint32_t *link_at(glbuf_ranges *r, uint32_t link)
{
    return (uint32_t *)(void *)((char *)r->heads + link);
}

/* Links record i first into the list of class cls. */
static inline void list_insert_in(glbuf_ranges *r, uint32_t i, unsigned cls)
{
    uint32_t head = r->heads[cls];
    block *b = &r->blocks[i];
    b->link = cls * 4u;
    b->free_next = head;
    r->blocks[head].link = LINK_OF(i); /* END when the list was empty: a scratch field */
    r->heads[cls] = i;
    r->sl_bitmap[cls / SL_COUNT] |= UINT32_C(1) << (cls % SL_COUNT);
    r->fl_bitmap |= UINT64_C(1) << (cls / SL_COUNT);
}

/* Links record i, whose gap is `gap` >= GAP_LISTED bytes, first into its list. */
static inline void list_insert(glbuf_ranges *r, uint32_t i, uint64_t gap) { list_insert_in(r, i, class_of(gap)); }

/* Unlinks record i from its list: the field that points at i now points at
 * the record after it. A record in no list (link END_LINK, free_next END)
 * makes this a no-op that writes only END's scratch fields; removal leaves i
 * in that state. */
static inline void list_remove(glbuf_ranges *r, uint32_t i)
{
    block *b = &r->blocks[i];
    uint32_t link = b->link, n = b->free_next;
    *link_at(r, link) = n;
    r->blocks[n].link = link;
    b->link = END_LINK;
    b->free_next = END;
    /* The list is empty now iff i was its only record: clear the bits of its
     * class. Without a branch (cls is 0 and both updates no-ops otherwise):
     * with short lists, whether a removal empties one is a coin toss. */
    uint32_t emptied = (uint32_t)(n == END) & (uint32_t)(link < HEADS_BYTES);
    uint32_t cls = (link / 4u) & (0u - emptied);
    unsigned fl = cls / SL_COUNT;
    r->sl_bitmap[fl] &= ~(emptied << (cls % SL_COUNT));
    r->fl_bitmap &= ~((uint64_t)(r->sl_bitmap[fl] == 0) << fl);
}

/* Record i's gap changes from `from` to `to` bytes: relink it unless it stays
 * in the same list (or in none). */
static inline void list_update(glbuf_ranges *r, uint32_t i, uint64_t from, uint64_t to)
{
    if (to < GAP_LISTED) {
        list_remove(r, i); /* a no-op if it was in no list */
        return;
    }
    unsigned cls = class_of(to);
    if (from >= GAP_LISTED && class_of(from) == cls) {
        return;
    }
    list_remove(r, i);
    list_insert_in(r, i, cls);
}

/* ---- checking ------------------------------------------------------------ */

#ifdef NDEBUG
#define CHECK_INVARIANTS(r) ((void)0)
#else
#include "glbuf_assert.h"
#define CHECK_INVARIANTS(r) GLBUF_ASSERT((r)->no_checks || glbuf_ranges_invariants_hold(r))
#endif

/* ---- alignment ----------------------------------------------------------- */

/* x (< 2^48) rounded up / down to a multiple of a (> 0): masks for a power
 * of two, one division otherwise. align_up saturates at UINT64_MAX, which
 * no gap reaches. */
static inline uint64_t align_up(uint64_t x, uint64_t a)
{
    if (LIKELY((a & (a - 1)) == 0)) {
        return (x + (a - 1)) & ~(a - 1); /* x < 2^48, a <= 2^63: no overflow */
    }
    uint64_t rem = x % a;
    if (rem == 0) {
        return x;
    }
    return a - rem > UINT64_MAX - x ? UINT64_MAX : x + (a - rem);
}

static inline uint64_t align_down(uint64_t x, uint64_t a)
{
    if (LIKELY((a & (a - 1)) == 0)) {
        return x & ~(a - 1);
    }
    return x - x % a;
}

/* Whether record b's gap holds size bytes at the alignment. */
static inline int gap_fits(const block *b, uint64_t size, uint64_t alignment)
{
    uint64_t from = end_of(b), gap = gap_of(b);
    return gap >= size && align_down(from + gap - size, alignment) >= from;
}

/* ---- carving an allocation out of a gap ----------------------------------- */

/* Room for one more allocation (ranges.c): a record, and the side table for
 * an alignment that is not a power of two (odd). Changes nothing on failure:
 * GLBUF_ERR_OUT_OF_HOST_MEMORY, or GLBUF_ERR_FULL when every record is live
 * or retired. */
glbuf_result glbuf_ranges_make_room(glbuf_ranges *r, int odd);

/* Allocates [start, start + size) inside record b's gap, which holds it
 * (start a multiple of alignment), in a record from the unused stack (room
 * made first); b_cls is the class b is listed in (CLASS_COUNT: in none).
 *
 *     [ b ][ ------ gap ------ ]  =>  [ b ][ before ][ n ][ after ]
 */
static inline glbuf_range glbuf_ranges_carve(glbuf_ranges *r, uint32_t b, unsigned b_cls, uint64_t size,
                                             uint64_t alignment, uint64_t start)
{
    block *bl = r->blocks;
    block *bb = &bl[b];
    uint64_t from = end_of(bb), to = from + gap_of(bb);
    uint32_t succ = bb->next;
    uint64_t before = start - from, after = to - (start + size);
    uint32_t n = r->slot_free, gen;
    if (LIKELY(n != NIL)) {
        r->slot_free = bl[n].free_next;
        gen = bl[n].link;
    } else {
        n = r->slot_used++;
        gen = 1;
    }
    block *nb = &bl[n];
    int odd = (alignment & (alignment - 1)) != 0;
    uint64_t align_bits = odd ? ODD_ALIGN_FLAG : (uint64_t)lsb64(alignment) << ALIGN_SHIFT;
    nb->end_gen = ((uint64_t)(gen >> GEN_LO_BITS) << VALUE_BITS) | (start + size);
    nb->gap_meta = ((uint64_t)(gen & ((1u << GEN_LO_BITS) - 1u)) << VALUE_BITS) | align_bits | after;
    nb->prev = b;
    nb->next = succ;
    nb->link = END_LINK;
    nb->free_next = END;
    if (after >= GAP_LISTED) {
        list_insert(r, n, after);
    }
    if (UNLIKELY(odd)) {
        r->odd_align[n] = alignment;
    }
    bb->next = n;
    bl[succ].prev = n; /* END's prev: the last record */
    if (before < GAP_LISTED) {
        list_remove(r, b); /* a no-op for a crumb */
    } else {
        unsigned cls = class_of(before);
        if (cls != b_cls) {
            list_remove(r, b);
            list_insert_in(r, b, cls);
        }
    }
    set_gap(bb, before);
    r->free_blocks = r->free_blocks - 1u + (uint32_t)(before != 0) + (uint32_t)(after != 0);
    r->live++;
    r->used += size;
    if (r->used > r->peak_used) {
        r->peak_used = r->used;
    }
    CHECK_INVARIANTS(r);
    glbuf_range h;
    h.id = glbuf_id_make(r->owner, gen, n);
    return h;
}

/* ---- placement, slow path (ranges_place.c) ------------------------------- */

/* When no list is sure to hold the request: a gap of the classes from
 * class_of(size) up to (not including) `sure` that fits, else, for a request
 * under GAP_LISTED bytes, a crumb that fits, else NIL. Changes nothing. */
uint32_t glbuf_ranges_find_gap_exhaustive(const glbuf_ranges *r, uint64_t size, uint64_t alignment, unsigned sure);

#endif /* GLBUF_RANGES_IMPL_H */
