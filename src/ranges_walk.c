/* ranges_walk.c - glbuf_ranges operations that walk the records: statistics,
 * the invariant check, iteration and compaction. */
#include <string.h>

#include "ranges_impl.h"

/* ---- statistics ---------------------------------------------------------- */

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
    if (r->odd_align != NULL) {
        s.metadata_bytes += (uint64_t)r->slot_cap * sizeof *r->odd_align;
    }
    s.failed_allocations = r->failed;
    s.free_blocks = r->free_blocks;
    s.live_allocations = r->live;
    if (r->fl_bitmap != 0) {
        /* The largest gap is in the highest non-empty class. */
        unsigned fl = msb64(r->fl_bitmap);
        unsigned cls = fl * SL_COUNT + msb32(r->sl_bitmap[fl]);
        for (uint32_t i = r->heads[cls]; i != END; i = r->blocks[i].free_next) {
            uint64_t gap = gap_of(&r->blocks[i]);
            if (gap > s.largest_free_block) {
                s.largest_free_block = gap;
            }
        }
    } else if (r->free_blocks != 0) {
        /* Only crumbs are free, and they are in no list. */
        for (uint32_t i = SENTINEL; i != END; i = r->blocks[i].next) {
            uint64_t gap = gap_of(&r->blocks[i]);
            if (gap > s.largest_free_block) {
                s.largest_free_block = gap;
            }
        }
    }
    return s;
}

/* ---- checking ------------------------------------------------------------ */

static int is_pow2(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* Whether live record b, at `offset`, has consistent metadata. */
static int record_ok(const glbuf_ranges *r, uint32_t i, uint64_t offset)
{
    const block *b = &r->blocks[i];
    uint32_t gen = gen_of(b);
    if (gen == 0 || gen > GEN_MAX || (b->gap_meta >> 61) != 0) {
        return 0;
    }
    uint64_t a;
    if (b->gap_meta & ODD_ALIGN_FLAG) {
        if (r->odd_align == NULL || ((b->gap_meta >> ALIGN_SHIFT) & 63u) != 0) {
            return 0;
        }
        a = r->odd_align[i];
        if (a < 3 || is_pow2(a)) {
            return 0;
        }
    } else {
        a = UINT64_C(1) << ((b->gap_meta >> ALIGN_SHIFT) & 63u);
    }
    return offset % a == 0 && end_of(b) > offset && end_of(b) <= r->capacity && gap_end(b) <= r->capacity;
}

/* Whether record b is in a list exactly when its gap should be. */
static int listing_ok(const block *b)
{
    if (gap_of(b) >= GAP_LISTED) {
        return b->link != END_LINK; /* and the list walk below checks where */
    }
    return b->link == END_LINK && b->free_next == END;
}

int glbuf_ranges_invariants_hold(const glbuf_ranges *r)
{
    if (r == NULL || r->blocks == NULL || r->slot_used < FIRST_SLOT || r->slot_used > r->slot_cap ||
        r->slot_cap > MAX_SLOTS || r->capacity == 0 || r->capacity > GLBUF_RANGES_MAX_CAPACITY ||
        r->used > r->capacity || r->peak_used < r->used) {
        return 0;
    }
    const block *bl = r->blocks;
    const uint32_t n_slots = r->slot_used;

    /* The internal records. */
    const block *s = &bl[SENTINEL];
    if (s->end_gen != 0 || (s->gap_meta & META_MASK) != 0 || s->prev != NIL || gen_of(&bl[END]) != 0 ||
        gap_end(s) > r->capacity || !listing_ok(s)) {
        return 0;
    }
    /* Walk the records in offset order: they tile [0, capacity). */
    uint32_t prev = SENTINEL, count = 0, gaps = gap_of(s) != 0, listed_gaps = gap_of(s) >= GAP_LISTED;
    uint64_t used = 0, pos = gap_end(s);
    for (uint32_t i = s->next; i != END; i = bl[i].next) {
        if (i < FIRST_SLOT || i >= n_slots || count >= n_slots) {
            return 0;
        }
        const block *b = &bl[i];
        if (b->prev != prev || !record_ok(r, i, pos) || !listing_ok(b)) {
            return 0;
        }
        gaps += gap_of(b) != 0;
        listed_gaps += gap_of(b) >= GAP_LISTED;
        used += end_of(b) - pos;
        count++;
        prev = i;
        pos = gap_end(b);
    }
    if (bl[END].prev != prev || pos != r->capacity || count != r->live || used != r->used ||
        gaps != r->free_blocks) {
        return 0;
    }
    /* Unused slots: a stack of dead records, each with a generation still to
     * issue; retired slots have none. dead + retired + live + the two
     * internal records = used slots. */
    uint32_t dead = 0, retired = 0;
    for (uint32_t i = r->slot_free; i != NIL; i = bl[i].free_next) {
        if (i < FIRST_SLOT || i >= n_slots || dead >= n_slots || bl[i].end_gen != 0 || bl[i].gap_meta != 0 ||
            bl[i].link == 0 || bl[i].link > GEN_MAX) {
            return 0;
        }
        dead++;
    }
    for (uint32_t i = FIRST_SLOT; i < n_slots; i++) {
        retired += (uint32_t)(bl[i].end_gen == 0 && bl[i].gap_meta == 0 && bl[i].link == 0);
    }
    if (retired != r->retired || (uint64_t)dead + retired + r->live + FIRST_SLOT != n_slots) {
        return 0;
    }
    /* Size-class lists: bitmaps match heads; every node is the sentinel or a
     * live record whose gap belongs to the list's class. With the counts
     * equal, the listed records are exactly those with a gap to list. */
    uint32_t listed = 0;
    for (unsigned fl = 0; fl < FL_COUNT; fl++) {
        if (((r->fl_bitmap >> fl) & 1u) != (r->sl_bitmap[fl] != 0)) {
            return 0;
        }
        for (unsigned sl = 0; sl < SL_COUNT; sl++) {
            unsigned cls = fl * SL_COUNT + sl;
            uint32_t head = r->heads[cls];
            if (((r->sl_bitmap[fl] >> sl) & 1u) != (head != END)) {
                return 0;
            }
            uint32_t back = cls * 4u;
            for (uint32_t i = head; i != END; i = bl[i].free_next) {
                if (i >= n_slots || listed >= n_slots) {
                    return 0;
                }
                const block *b = &bl[i];
                if (b->link != back || (i != SENTINEL && gen_of(b) == 0) || gap_of(b) < GAP_LISTED ||
                    class_of(gap_of(b)) != cls) {
                    return 0;
                }
                listed++;
                back = LINK_OF(i);
            }
        }
    }
    return (r->fl_bitmap >> FL_COUNT) == 0 && listed == listed_gaps;
}

/* ---- iteration ----------------------------------------------------------- */

void glbuf_ranges_for_each(const glbuf_ranges *r, glbuf_ranges_live_fn fn, void *user)
{
    if (r == NULL || fn == NULL) {
        return;
    }
    const block *bl = r->blocks;
    uint64_t pos = gap_end(&bl[SENTINEL]);
    for (uint32_t i = bl[SENTINEL].next; i != END; i = bl[i].next) {
        if (fn(user, handle_of(r, i), pos, end_of(&bl[i]) - pos) != 0) {
            return;
        }
        pos = gap_end(&bl[i]);
    }
}

void glbuf_ranges_for_each_free(const glbuf_ranges *r, glbuf_ranges_free_fn fn, void *user)
{
    if (r == NULL || fn == NULL) {
        return;
    }
    for (uint32_t i = SENTINEL; i != END; i = r->blocks[i].next) {
        const block *b = &r->blocks[i];
        if (gap_of(b) != 0 && fn(user, end_of(b), gap_of(b)) != 0) {
            return;
        }
    }
}

/* ---- compaction ---------------------------------------------------------- */

/* x (< 2^48) rounded up to a multiple of a; UINT64_MAX when that overflows. */
static uint64_t round_up(uint64_t x, uint64_t a)
{
    uint64_t rem = x % a;
    if (rem == 0) {
        return x;
    }
    return a - rem > UINT64_MAX - x ? UINT64_MAX : x + (a - rem);
}

glbuf_result glbuf_ranges_plan_compaction(const glbuf_ranges *r, glbuf_range_move *moves, size_t capacity,
                                          size_t *out_count)
{
    if (r == NULL || out_count == NULL || (moves == NULL && capacity > 0)) {
        return GLBUF_ERR_NULL;
    }
    const block *bl = r->blocks;
    size_t k = 0;
    uint64_t cursor = 0, pos = gap_end(&bl[SENTINEL]);
    for (uint32_t i = bl[SENTINEL].next; i != END; i = bl[i].next) {
        uint64_t size = end_of(&bl[i]) - pos;
        uint64_t dst = round_up(cursor, alignment_of(r, i)); /* <= pos: pos is aligned and >= cursor */
        if (dst < pos) {
            if (k < capacity) {
                moves[k].handle = handle_of(r, i);
                moves[k].src_offset = pos;
                moves[k].dst_offset = dst;
                moves[k].size = size;
            }
            k++;
        }
        cursor = dst + size;
        pos = gap_end(&bl[i]);
    }
    *out_count = k;
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_apply_compaction(glbuf_ranges *r, const glbuf_range_move *moves, size_t count)
{
    if (r == NULL || (moves == NULL && count > 0)) {
        return GLBUF_ERR_NULL;
    }
    block *bl = r->blocks;
    /* Validate the whole batch against the state it will meet: the record
     * before a moved one has moved already only if it was the previous move
     * (records between two moved ones would lie between their offsets). */
    for (size_t k = 0; k < count; k++) {
        const glbuf_range_move *m = &moves[k];
        uint32_t i = lookup(r, m->handle);
        if (i == NIL) {
            return GLBUF_ERR_INVALID_HANDLE;
        }
        uint32_t p = bl[i].prev;
        uint64_t offset = offset_of(r, i);
        uint64_t p_end = end_of(&bl[p]);
        if (k > 0 && lookup(r, moves[k - 1].handle) == p) {
            p_end = moves[k - 1].dst_offset + moves[k - 1].size;
        }
        if (m->src_offset != offset || m->size != end_of(&bl[i]) - offset || m->dst_offset > m->src_offset ||
            m->dst_offset < p_end || m->dst_offset % alignment_of(r, i) != 0 ||
            (k > 0 && m->src_offset <= moves[k - 1].src_offset)) {
            return GLBUF_ERR_INVALID_ARGUMENT;
        }
    }
    /* [ p ][ gap_p ][ b ][ gap_b ]  =>  [ p ][pad][ b ][ ---- gap_b ---- ] */
    for (size_t k = 0; k < count; k++) {
        uint64_t shift = moves[k].src_offset - moves[k].dst_offset;
        if (shift == 0) {
            continue;
        }
        uint32_t i = lookup(r, moves[k].handle);
        block *b = &bl[i];
        uint32_t p = b->prev;
        block *pb = &bl[p];
        uint64_t p_gap = gap_of(pb), b_gap = gap_of(b);
        list_update(r, p, p_gap, p_gap - shift);
        set_gap(pb, p_gap - shift);
        list_update(r, i, b_gap, b_gap + shift);
        set_gap(b, b_gap + shift);
        set_end(b, end_of(b) - shift);
        r->free_blocks = r->free_blocks - (uint32_t)(p_gap == shift) + (uint32_t)(b_gap == 0);
    }
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}
