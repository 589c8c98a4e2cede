/* handle_id.h - the one bit layout of every 64-bit handle glbuf issues
 * (objects of a context, megabuffer ranges, glbuf_ranges allocations).
 *
 *     id = [ owner : 18 ][ generation : 22 ][ index : 24 ]
 *
 * owner       the issuing table's identity from the process-wide registry
 *             (owner_ids.c): unique among live tables, so a handle of another
 *             context / megabuffer / allocator is never accepted.
 * generation  1 .. GLBUF_ID_GEN_MAX, bumped on every reuse of the slot. A slot
 *             whose generation reaches GLBUF_ID_GEN_MAX is retired, never
 *             reissued, so a stale handle is never accepted again (no wrap).
 * index       the slot.
 * Neither owner nor generation is ever 0, so id 0 is never valid. */
#ifndef GLBUF_HANDLE_ID_H
#define GLBUF_HANDLE_ID_H

#include <stdint.h>

#define GLBUF_ID_INDEX_BITS 24u
#define GLBUF_ID_GEN_BITS 22u
#define GLBUF_ID_OWNER_BITS 18u

#define GLBUF_ID_INDEX_COUNT (UINT32_C(1) << GLBUF_ID_INDEX_BITS)
#define GLBUF_ID_GEN_MAX ((UINT32_C(1) << GLBUF_ID_GEN_BITS) - 1u)
#define GLBUF_ID_OWNER_MAX ((UINT32_C(1) << GLBUF_ID_OWNER_BITS) - 1u)

static inline uint64_t glbuf_id_make(uint32_t owner, uint32_t generation, uint32_t index)
{
    return ((uint64_t)owner << (GLBUF_ID_GEN_BITS + GLBUF_ID_INDEX_BITS)) |
           ((uint64_t)generation << GLBUF_ID_INDEX_BITS) | (uint64_t)index;
}

static inline uint32_t glbuf_id_index(uint64_t id)
{
    return (uint32_t)(id & (GLBUF_ID_INDEX_COUNT - 1u));
}

static inline uint32_t glbuf_id_generation(uint64_t id)
{
    return (uint32_t)((id >> GLBUF_ID_INDEX_BITS) & GLBUF_ID_GEN_MAX);
}

static inline uint32_t glbuf_id_owner(uint64_t id)
{
    return (uint32_t)(id >> (GLBUF_ID_GEN_BITS + GLBUF_ID_INDEX_BITS));
}

#endif /* GLBUF_HANDLE_ID_H */
