/* ranges_move.c - glbuf_ranges operations for moving allocations one at a
 * time (what incremental defragmentation needs): allocating in a chosen free
 * block, exchanging the places of two allocations, and an allocation's
 * alignment. */
#include "ranges_impl.h"

glbuf_result glbuf_ranges_alloc_after(glbuf_ranges *r, glbuf_range after, uint64_t size, uint64_t alignment,
                                      glbuf_range *out_handle, uint64_t *out_offset)
{
    if (r == NULL || out_handle == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (alignment == 0) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (size > UINT64_MAX - (alignment - 1)) {
        return GLBUF_ERR_OVERFLOW;
    }
    uint32_t b = after.id == 0 ? SENTINEL : lookup(r, after);
    if (b == NIL) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    const block *bb = &r->blocks[b];
    if (!gap_fits(bb, size, alignment)) {
        return GLBUF_ERR_FULL;
    }
    int odd = (alignment & (alignment - 1)) != 0;
    if ((r->slot_free == NIL && r->slot_used == r->slot_cap) || (odd && r->odd_align == NULL)) {
        glbuf_result res = glbuf_ranges_make_room(r, odd);
        if (res != GLBUF_OK) {
            return res;
        }
        bb = &r->blocks[b]; /* the records may have moved */
    }
    uint64_t gap = gap_of(bb);
    unsigned cls = gap >= GAP_LISTED ? class_of(gap) : CLASS_COUNT;
    uint64_t start = align_up(end_of(bb), alignment);
    *out_handle = glbuf_ranges_carve(r, b, cls, size, alignment, start);
    if (out_offset != NULL) {
        *out_offset = start;
    }
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_swap(glbuf_ranges *r, glbuf_range ha, glbuf_range hb)
{
    if (r == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint32_t a = lookup(r, ha), b = lookup(r, hb);
    if (a == NIL || b == NIL) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    block *bl = r->blocks;
    uint64_t at_a = offset_of(r, a), at_b = offset_of(r, b);
    uint64_t end_a = end_of(&bl[a]), end_b = end_of(&bl[b]);
    if (a == b || end_a - at_a != end_b - at_b || at_b % alignment_of(r, a) != 0 || at_a % alignment_of(r, b) != 0) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    /* The places (end, gap, neighbours, list membership) change records; the
     * generation and the alignment stay with each record, so with its
     * handle. Unlisted first, relisted by the gap each ends up with. */
    uint64_t gap_a = gap_of(&bl[a]), gap_b = gap_of(&bl[b]);
    list_remove(r, a);
    list_remove(r, b);
    uint32_t pa = bl[a].prev, na = bl[a].next, pb = bl[b].prev, nb = bl[b].next;
    if (na == b) {
        /* [ pa ][ a ][ b ][ nb ]  =>  [ pa ][ b ][ a ][ nb ] */
        bl[pa].next = b;
        bl[b].prev = pa;
        bl[b].next = a;
        bl[a].prev = b;
        bl[a].next = nb;
        bl[nb].prev = a;
    } else if (nb == a) {
        bl[pb].next = a;
        bl[a].prev = pb;
        bl[a].next = b;
        bl[b].prev = a;
        bl[b].next = na;
        bl[na].prev = b;
    } else {
        bl[pa].next = b;
        bl[b].prev = pa;
        bl[b].next = na;
        bl[na].prev = b;
        bl[pb].next = a;
        bl[a].prev = pb;
        bl[a].next = nb;
        bl[nb].prev = a;
    }
    set_end(&bl[a], end_b);
    set_gap(&bl[a], gap_b);
    set_end(&bl[b], end_a);
    set_gap(&bl[b], gap_a);
    if (gap_b >= GAP_LISTED) {
        list_insert(r, a, gap_b);
    }
    if (gap_a >= GAP_LISTED) {
        list_insert(r, b, gap_a);
    }
    CHECK_INVARIANTS(r);
    return GLBUF_OK;
}

glbuf_result glbuf_ranges_alignment(const glbuf_ranges *r, glbuf_range h, uint64_t *out)
{
    if (r == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint32_t i = lookup(r, h);
    if (i == NIL) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    *out = alignment_of(r, i);
    return GLBUF_OK;
}
