/* ranges_place.c - the slow path of glbuf_ranges' search for a free block:
 * taken only when no size-class list is sure to hold the request, so that an
 * allocation fails only if no gap at all can hold it. */
#include "ranges_impl.h"

uint32_t glbuf_ranges_find_gap_exhaustive(const glbuf_ranges *r, uint64_t size, uint64_t alignment, unsigned sure)
{
    const block *bl = r->blocks;
    /* Listed gaps of at least `size` bytes are in classes from class_of(size)
     * up; those from `sure` up are empty, or the caller would not be here. */
    unsigned low = class_of(size < GAP_LISTED ? GAP_LISTED : size);
    for (unsigned c = next_nonempty(r, low); c < sure; c = next_nonempty(r, c + 1)) {
        for (uint32_t i = r->heads[c]; i != END; i = bl[i].free_next) {
            if (gap_fits(&bl[i], size, alignment)) {
                return i;
            }
        }
    }
    /* Crumbs are in no list: only a request smaller than GAP_LISTED can use
     * one, and it finds it by walking the records. */
    if (size < GAP_LISTED) {
        for (uint32_t i = SENTINEL; i != END; i = bl[i].next) {
            if (gap_of(&bl[i]) < GAP_LISTED && gap_fits(&bl[i], size, alignment)) {
                return i;
            }
        }
    }
    return NIL;
}
