/* ranges.c - glbuf_ranges: creation, allocation, free, queries and growth.
 * The data structure is described in ranges_impl.h; where an allocation goes
 * is decided in ranges_place.c. */
#include <string.h>

#include "host_alloc.h"
#include "owner_ids.h"
#include "ranges_impl.h"
#include "ranges_internal.h"

#define DEFAULT_SLOTS 64u

/* The search (see find_gap): at most PROBES gaps of the "maybe" classes (at
 * most PROBES_PER_CLASS of each), for requests with an alignment of
 * PROBE_MIN_ALIGNMENT bytes or more and at most half their size; requests of
 * at least capacity >> ORDERED_SHIFT bytes compare the first gaps of the
 * first CANDIDATES sure classes instead. */
#define PROBES 8u
#define PROBES_PER_CLASS 2u
#define PROBE_MIN_ALIGNMENT 64u
#define ORDERED_SHIFT 12u
#define CANDIDATES 4u

_Static_assert(sizeof(block) == GLBUF_RANGES_RECORD_BYTES, "record size as published");
_Static_assert(GLBUF_RANGES_MAX_ALLOCATIONS == MAX_SLOTS - FIRST_SLOT, "sentinel and END take two slots");
_Static_assert(GLBUF_RANGES_INDEX_BITS == GLBUF_ID_INDEX_BITS, "the shared handle layout");
_Static_assert(GLBUF_RANGES_MAX_CAPACITY == VALUE_MASK, "offsets and gaps are 48-bit fields");
_Static_assert(GLBUF_ID_GEN_BITS == 16u + GEN_LO_BITS, "the generation is split over two fields");

void glbuf_ranges_set_debug_checks(glbuf_ranges *r, int on)
{
    if (r != NULL) {
        r->no_checks = on ? 0u : 1u;
    }
}

/* ---- host memory --------------------------------------------------------- */

/* The list heads followed by `count` records, aligned to a cache line so
 * that no record straddles two (malloc aligns to 16 only). Returns the heads;
 * *mem gets what to free. */
static uint32_t *alloc_records(const glbuf_allocator *a, uint32_t count, void **mem)
{
    *mem = glbuf_host_alloc(a, HEADS_BYTES + (size_t)count * sizeof(block) + 63);
    if (*mem == NULL) {
        return NULL;
    }
    uintptr_t p = ((uintptr_t)*mem + 63) & ~(uintptr_t)63;
    return (uint32_t *)p;
}

static block *records_after(uint32_t *heads) { return (block *)(void *)((char *)heads + HEADS_BYTES); }

/* Makes room for one more allocation: a record (the array doubles when every
 * record is taken) and, for an alignment that is not a power of two, the side
 * table of such alignments. Everything is allocated before anything changes,
 * so a failure changes nothing. */
glbuf_result glbuf_ranges_make_room(glbuf_ranges *r, int odd)
{
    int need_slot = r->slot_free == NIL && r->slot_used == r->slot_cap;
    if (need_slot && r->slot_cap == MAX_SLOTS) {
        return GLBUF_ERR_FULL;
    }
    uint32_t cap = !need_slot ? r->slot_cap : r->slot_cap > MAX_SLOTS / 2 ? MAX_SLOTS : r->slot_cap * 2;
    void *mem = NULL;
    uint32_t *heads = NULL;
    if (need_slot) {
        heads = alloc_records(&r->allocator, cap, &mem);
        if (heads == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    uint64_t *aligns = NULL;
    if ((odd && r->odd_align == NULL) || (need_slot && r->odd_align != NULL)) {
        aligns = glbuf_host_alloc(&r->allocator, (size_t)cap * sizeof *aligns);
        if (aligns == NULL) {
            if (mem != NULL) {
                glbuf_host_free(&r->allocator, mem);
            }
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    if (need_slot) {
        /* Links are offsets from the heads, so they survive the move. */
        memcpy(heads, r->heads, HEADS_BYTES + (size_t)r->slot_used * sizeof(block));
        glbuf_host_free(&r->allocator, r->blocks_mem);
        r->heads = heads;
        r->blocks = records_after(heads);
        r->blocks_mem = mem;
        r->slot_cap = cap;
    }
    if (aligns != NULL) {
        if (r->odd_align != NULL) {
            memcpy(aligns, r->odd_align, (size_t)r->slot_used * sizeof *aligns);
            glbuf_host_free(&r->allocator, r->odd_align);
        }
        r->odd_align = aligns;
    }
    return GLBUF_OK;
}

/* ---- creation ------------------------------------------------------------ */

glbuf_result glbuf_ranges_create(const glbuf_ranges_desc *desc, glbuf_ranges **out)
{
    if (desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (desc->capacity == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (desc->capacity > GLBUF_RANGES_MAX_CAPACITY) {
        return GLBUF_ERR_TOO_LARGE;
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
    uint32_t *heads = alloc_records(&a, slots, &blocks_mem);
    if (heads == NULL) {
        glbuf_host_free(&a, r);
        glbuf_owner_release(owner);
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    memset(r, 0, sizeof *r);
    block *blocks = records_after(heads);
    r->heads = heads;
    r->blocks = blocks;
    r->blocks_mem = blocks_mem;
    r->slot_cap = slots;
    r->slot_used = FIRST_SLOT;
    r->slot_free = NIL;
    r->owner = owner;
    r->capacity = desc->capacity;
    r->ordered_min = desc->capacity >> ORDERED_SHIFT;
    r->allocator = a;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        r->heads[c] = END;
    }
    memset(blocks, 0, FIRST_SLOT * sizeof(block)); /* generation 0: never a handle */
    blocks[SENTINEL].prev = NIL;
    blocks[SENTINEL].next = END;
    blocks[SENTINEL].link = END_LINK;
    blocks[SENTINEL].free_next = END;
    blocks[END].prev = SENTINEL;
    blocks[END].next = NIL;
    blocks[END].link = END_LINK;
    blocks[END].free_next = END;
    set_gap(&blocks[SENTINEL], r->capacity);
    if (r->capacity >= GAP_LISTED) {
        list_insert(r, SENTINEL, r->capacity);
    }
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
    if (r->odd_align != NULL) {
        glbuf_host_free(&a, r->odd_align);
    }
    glbuf_host_free(&a, r->blocks_mem);
    glbuf_host_free(&a, r);
    glbuf_owner_release(owner);
}

/* ---- allocation ---------------------------------------------------------- */

/* The record whose gap the allocation goes into, or NIL if no gap holds it;
 * *cls gets the class that gap is listed in (CLASS_COUNT: in none).
 * need = size + alignment - 1: a gap of need bytes holds the request
 * wherever it starts ("sure" classes hold only such gaps); a gap of at least
 * size bytes holds it or not depending on where it starts ("maybe" classes).
 * In this order:
 * 1. A request of at least 1/4096 of the capacity (a large one) takes, of
 *    the first gaps of the first CANDIDATES non-empty sure classes, the one
 *    lowest in the range. For requests that large, external fragmentation is
 *    what makes later ones fail, and splitting low gaps (address-ordered fit)
 *    keeps the free space at the top together.
 * 2. A smaller request whose alignment is PROBE_MIN_ALIGNMENT bytes or more
 *    but at most about half its size takes the first gap that fits among the
 *    first PROBES gaps of the maybe classes (PROBES_PER_CLASS of each), lowest
 *    class first: the tightest fits there are, where the alignment makes the
 *    sure classes wasteful (up to alignment - 1 bytes more than the request).
 *    When the alignment is larger than that next to the size, the maybe
 *    classes are many (size .. size + alignment - 1 spans more than half a
 *    power of two) and mostly hold gaps too small for an aligned fit, so
 *    probing would mostly cost; a smaller alignment wastes too little to be
 *    worth a probe.
 * 3. Otherwise, or if no probed gap fits: the first gap of the lowest
 *    non-empty sure class (TLSF's good fit: within 1/32 of the best fit by
 *    size, and freed last, so likely in cache).
 * 4. The exhaustive search (ranges_place.c), when no sure class has a gap.
 * Steps 1 to 3 are O(1): bitmap searches and at most PROBES + CANDIDATES
 * records. Best fit is what packs a nearly full range; on the adversarial
 * traces of bench/gen_range_traces.py this order fails fewer requests than
 * exact best fit does, and none on mesh-churn (bench/results). */
static inline uint32_t find_gap(const glbuf_ranges *r, uint64_t size, uint64_t alignment, uint64_t need,
                                unsigned *cls)
{
    const block *bl = r->blocks;
    unsigned want = class_up(need);
    unsigned c = next_nonempty(r, want);
    if (size >= r->ordered_min) {
        if (UNLIKELY(c == CLASS_COUNT)) {
            goto exhaustive;
        }
        /* Gather the candidates' classes first, then compare their gaps'
         * starts without branches: the loads overlap and nothing
         * mispredicts (which gap is lowest is a coin toss). */
        unsigned cand[CANDIDATES] = {c};
        unsigned n = 1, fl = c / SL_COUNT;
        uint32_t map = r->sl_bitmap[fl] & (~UINT32_C(1) << (c % SL_COUNT)); /* the classes after c */
        while (n < CANDIDATES) {
            if (map == 0) {
                uint64_t fl_map = r->fl_bitmap & (~UINT64_C(0) << fl << 1);
                if (fl_map == 0) {
                    break;
                }
                fl = lsb64(fl_map);
                map = r->sl_bitmap[fl];
            }
            cand[n++] = fl * SL_COUNT + lsb32(map);
            map &= map - 1;
        }
        unsigned best_cls = cand[0];
        uint64_t best_at = end_of(&bl[r->heads[best_cls]]);
        for (unsigned k = 1; k < n; k++) {
            uint64_t at = end_of(&bl[r->heads[cand[k]]]);
            uint64_t lower = (uint64_t)0 - (uint64_t)(at < best_at);
            best_cls = (unsigned)((cand[k] & lower) | (best_cls & ~lower));
            best_at = (at & lower) | (best_at & ~lower);
        }
        *cls = best_cls;
        return r->heads[best_cls];
    }
    if (alignment >= PROBE_MIN_ALIGNMENT && alignment - 1 <= size / 2) {
        unsigned probes = PROBES;
        for (unsigned m = next_nonempty(r, class_of(size)); m < want; m = next_nonempty(r, m + 1)) {
            uint32_t i = r->heads[m];
            for (unsigned k = 0; k < PROBES_PER_CLASS && i != END; k++, i = bl[i].free_next) {
                if (gap_fits(&bl[i], size, alignment)) {
                    *cls = m;
                    return i;
                }
                if (--probes == 0) {
                    goto sure;
                }
            }
        }
    }
sure:
    if (LIKELY(c != CLASS_COUNT)) {
        *cls = c;
        return r->heads[c];
    }
exhaustive:;
    uint32_t i = glbuf_ranges_find_gap_exhaustive(r, size, alignment, want);
    *cls = i == NIL || gap_of(&bl[i]) < GAP_LISTED ? CLASS_COUNT : class_of(gap_of(&bl[i]));
    return i;
}

/* The cold half of validation: which documented error a rejected request
 * gets (and the failure count for one that can never fit). */
static glbuf_result reject(glbuf_ranges *r, uint64_t size, uint64_t alignment)
{
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (alignment == 0) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (size > UINT64_MAX - (alignment - 1)) {
        return GLBUF_ERR_OVERFLOW;
    }
    r->failed++; /* larger than the capacity */
    return GLBUF_ERR_FULL;
}

static glbuf_result fail(glbuf_ranges *r, glbuf_result res)
{
    r->failed++;
    return res;
}

glbuf_result glbuf_ranges_alloc(glbuf_ranges *r, uint64_t size, uint64_t alignment, glbuf_range *out_handle,
                                uint64_t *out_offset)
{
    if (UNLIKELY(r == NULL || out_handle == NULL)) {
        return GLBUF_ERR_NULL;
    }
    uint64_t need = size + (alignment - 1);
    /* size - 1 wraps for 0; need wraps (or alignment is 0) for a bad pair. */
    if (UNLIKELY(size - 1 >= r->capacity || alignment == 0 || need < size)) {
        return reject(r, size, alignment);
    }
    unsigned b_cls;
    uint32_t b = find_gap(r, size, alignment, need, &b_cls);
    if (UNLIKELY(b == NIL)) {
        return fail(r, GLBUF_ERR_FULL);
    }
    int odd = (alignment & (alignment - 1)) != 0;
    /* Host memory only for a request that fits, and before any change. */
    if (UNLIKELY((r->slot_free == NIL && r->slot_used == r->slot_cap) || (odd && r->odd_align == NULL))) {
        glbuf_result res = glbuf_ranges_make_room(r, odd);
        if (res != GLBUF_OK) {
            return fail(r, res);
        }
    }

    /* The aligned start or the aligned end of the gap, whichever leaves the
     * smaller crumb (in the gap at the end of the range, the start: that
     * keeps the used extent low). A crumb stays free, but one smaller than
     * the requests around it is rarely of use: on a nearly full range, the
     * smaller crumb packs measurably more. */
    const block *bb = &r->blocks[b];
    uint64_t from = end_of(bb), to = from + gap_of(bb);
    uint64_t start = align_up(from, alignment);
    if (bb->next != END) {
        uint64_t high = align_down(to - size, alignment);
        uint64_t take_high = (uint64_t)0 - (uint64_t)(to - (high + size) < start - from);
        start = (high & take_high) | (start & ~take_high); /* no branch: a coin toss */
    }
    *out_handle = glbuf_ranges_carve(r, b, b_cls, size, alignment, start);
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
    /* [ p ][ gap_p ][ i ][ gap_i ]  =>  [ p ][ ------- merged ------- ]
     * Only i and p are read; the record after i gets one store. */
    block *bl = r->blocks;
    block *nb = &bl[i];
    uint32_t p = nb->prev, succ = nb->next;
    block *pb = &bl[p];
    uint64_t p_end = end_of(pb), p_gap = gap_of(pb);
    uint64_t i_end = end_of(nb), i_gap = gap_of(nb);
    uint64_t merged = i_end + i_gap - p_end;
    if (i_gap >= GAP_LISTED) {
        list_remove(r, i);
    }
    list_update(r, p, p_gap, merged);
    set_gap(pb, merged);
    pb->next = succ;
    bl[succ].prev = p;
    r->free_blocks = r->free_blocks + 1u - (uint32_t)(p_gap != 0) - (uint32_t)(i_gap != 0);
    r->live--;
    r->used -= i_end - (p_end + p_gap);

    /* The slot's next generation, unless it has issued the last one: then it
     * is retired for good, so that no handle it issued can match again. */
    uint32_t gen = gen_of(nb);
    nb->end_gen = 0;
    nb->gap_meta = 0;
    if (LIKELY(gen != GEN_MAX)) {
        nb->link = gen + 1;
        nb->free_next = r->slot_free;
        r->slot_free = i;
    } else {
        nb->link = 0;
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
    *out = offset_of(r, i);
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
    *out = end_of(&r->blocks[i]) - offset_of(r, i);
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
    if (new_capacity > GLBUF_RANGES_MAX_CAPACITY) {
        return GLBUF_ERR_TOO_LARGE;
    }
    if (new_capacity == r->capacity) {
        return GLBUF_OK;
    }
    /* Only the gap of the last record touches the end: it grows (from empty
     * when the last allocation ends at the old capacity). */
    uint32_t t = r->blocks[END].prev;
    block *tb = &r->blocks[t];
    uint64_t gap = gap_of(tb);
    uint64_t grown = gap + (new_capacity - r->capacity);
    list_update(r, t, gap, grown);
    set_gap(tb, grown);
    r->free_blocks += (uint32_t)(gap == 0);
    r->capacity = new_capacity;
    r->ordered_min = new_capacity >> ORDERED_SHIFT;
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
    uint32_t t = r->blocks[END].prev;
    block *tb = &r->blocks[t];
    if (new_capacity < end_of(tb)) {
        return GLBUF_ERR_BUSY;
    }
    if (new_capacity == r->capacity) {
        return GLBUF_OK;
    }
    /* The inverse of growth: only the last record's gap touches the end, and
     * it gets shorter (or empty when the last allocation ends at the new
     * capacity). */
    uint64_t gap = gap_of(tb);
    uint64_t shrunk = gap - (r->capacity - new_capacity);
    list_update(r, t, gap, shrunk);
    set_gap(tb, shrunk);
    r->free_blocks -= (uint32_t)(shrunk == 0);
    r->capacity = new_capacity;
    r->ordered_min = new_capacity >> ORDERED_SHIFT;
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}

uint64_t glbuf_ranges_used_extent(const glbuf_ranges *r)
{
    if (r == NULL) {
        return 0;
    }
    return end_of(&r->blocks[r->blocks[END].prev]);
}
