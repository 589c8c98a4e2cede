/* ranges.h - glbuf_ranges, a constant-time range (offset) allocator.
 *
 * glbuf_ranges hands out byte ranges of [0, capacity) and touches no memory of
 * its own: it knows offsets, not pointers, and has no GL in it. It is the heart
 * of the megabuffer (glbuf_mega), usable on its own for any suballocation.
 *
 * How it works
 * ------------
 * Every live allocation has one 32-byte record (two to a cache line) holding
 * where it ends and the free bytes after it, its "gap"; a sentinel record at
 * offset 0 owns the gap before the first allocation. Records are linked in
 * offset order, and every gap of 16 bytes or more sits in a segregated free
 * list by size class (TLSF: first level log2, second level 32 linear
 * subdivisions, one bitmap per level), so a fitting list is found with two
 * bit scans:
 *
 *     [sentinel][ gap ][ A ][ gap ][ B ][ gap ..................... capacity)
 *
 * Allocating carves the request out of a gap; freeing B merges the gap before
 * B, B and the gap after B in one step, so free blocks are always coalesced
 * with both neighbours:
 *
 *     [ A ][ gap ][ B ][ gap ][ C ]   =>   [ A ][ ------- gap ------- ][ C ]
 *
 * A free reads only the freed record and the one before it; an allocation
 * the record whose gap it takes, after looking at a bounded few candidates
 * (see glbuf_ranges_alloc), and the record it fills (the unused one freed
 * last). Offsets are derived, not stored; the neighbours an operation
 * relinks (in offset order and in the size-class lists) are only written,
 * never read first.
 *
 * The granted size is exactly the requested size, and every byte of the range
 * is in a live allocation or in a free block, alignment padding included:
 * used + free = capacity. Free blocks under 16 bytes (the padding crumbs that
 * odd sizes leave) are in no list: they stay free and coalesce like any other,
 * and a request under 16 bytes that fits nowhere else finds them by a walk
 * over the records (see glbuf_ranges_alloc).
 *
 * Alignment
 * ---------
 * Any positive alignment works, not only powers of two: an element size such
 * as 12, 24, 36 or 56 bytes, or lcm(stride, GL alignment), gives an offset
 * that is a multiple of it. A gap of size + alignment - 1 bytes holds such a
 * request wherever the gap starts, which keeps the search O(1) whatever the
 * alignment: the lists are indexed by size alone, the lowest list whose gaps
 * all hold size + alignment - 1 bytes is found with the same two bit scans,
 * and testing or placing in one gap is a rounding (masks for a power of two;
 * one or two integer divisions otherwise, never for a power of two). The
 * padding the alignment skips stays free. Alignments that are not powers of two are
 * remembered (for compaction) in a side table of 8 bytes per record,
 * allocated with the first such request; power-of-two ones cost nothing.
 *
 * Handles
 * -------
 * An allocation is named by a glbuf_range, a 64-bit id laid out as every
 * glbuf handle is:
 *
 *     id = [ owner : 18 ][ generation : 22 ][ index : 24 ]
 *
 * owner is this instance's identity, taken from a process-wide registry at
 * glbuf_ranges_create and given back at glbuf_ranges_destroy; no two live
 * instances (nor any other live glbuf handle table) share one, so a handle of
 * another live instance is always rejected, even when its index and
 * generation match an allocation here. At most 2^18 - 1 = 262,143 handle
 * tables are live at once in a process (glbuf_ranges_create fails with
 * GLBUF_ERR_FULL beyond). A destroyed instance's identity is reissued only
 * after every other free identity has been used (round robin); a handle that
 * outlives its instance is meaningless, and such a handle shown to the
 * instance that later receives the same identity is accepted only if its
 * index and generation name a live allocation there.
 * generation counts the uses of the allocation record, 1 .. 2^22 - 1
 * (4,194,303). A record that has issued generation 2^22 - 1 is retired when
 * that allocation is freed: it is never reused, so a handle, once freed, is
 * never accepted again by its instance (no wrap). Each retirement withdraws
 * one record for the instance's lifetime (its 32 bytes stay reserved); it
 * takes 4,194,303 allocations through that one record.
 * index is the record: 0 and 1 are internal, so live handles have indices
 * 2 .. 2^24 - 2 (glbuf_range_index).
 * Id 0 is never issued (owner and generation are never 0). A handle is checked
 * with a bounds check and a compare of owner and generation; a stale,
 * double-freed, foreign or forged handle is never dereferenced out of bounds.
 * At most GLBUF_RANGES_MAX_ALLOCATIONS = 2^24 - 3 allocations are live at
 * once, fewer by the number of retired records.
 *
 * Errors
 * ------
 * Every function that returns a glbuf_result leaves the allocator exactly as it
 * was when it returns an error, except that a failed glbuf_ranges_alloc
 * (GLBUF_ERR_FULL, GLBUF_ERR_OUT_OF_HOST_MEMORY) increments the failure count.
 * Out-parameters are written only on success, except where noted.
 *
 * Debug builds (NDEBUG not defined) check glbuf_ranges_invariants_hold after
 * every operation that changes the allocator, through GLBUF_ASSERT; this makes
 * each such operation O(n).
 *
 * Thread safety: none. One thread at a time per instance; distinct instances
 * may be used from distinct threads (the identity registry is thread-safe). */
#ifndef GLBUF_RANGES_H
#define GLBUF_RANGES_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "hooks.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most allocations that can be live at once: 24-bit record index, index
 * 2^24 - 1 means "none" and two records are internal; each retired record
 * (see Handles) lowers the reachable count by one. */
#define GLBUF_RANGES_MAX_ALLOCATIONS 16777213u

/* The low GLBUF_RANGES_INDEX_BITS bits of a handle's id are its record index
 * (see Handles for the whole layout). */
#define GLBUF_RANGES_INDEX_BITS 24u

/* Bytes of host memory per allocation record (one per live allocation). */
#define GLBUF_RANGES_RECORD_BYTES 32u

/* The largest capacity, 2^48 - 1 bytes (256 TiB): offsets are kept in 48 bits
 * so that a record stays 32 bytes. */
#define GLBUF_RANGES_MAX_CAPACITY ((UINT64_C(1) << 48) - 1u)

typedef struct glbuf_ranges glbuf_ranges;

/* A live allocation. id 0 is invalid ("no allocation"). */
typedef struct glbuf_range {
    uint64_t id;
} glbuf_range;

/* The record index of a handle, for side tables indexed like the allocator's
 * records: for a live handle in [2, GLBUF_RANGES_MAX_ALLOCATIONS + 2), dense
 * (freed records are reused first, so indices stay below the peak number of
 * live allocations + retired records + 2) and unique among live handles of
 * one instance. Does not validate h. */
static inline uint32_t glbuf_range_index(glbuf_range h)
{
    return (uint32_t)(h.id & ((UINT64_C(1) << GLBUF_RANGES_INDEX_BITS) - 1u));
}

/* Creation parameters; zero-initialise, then set capacity. */
typedef struct glbuf_ranges_desc {
    /* Size of the managed range in bytes; required, > 0. */
    uint64_t capacity;
    /* Host memory for the records; zero = malloc/free. */
    glbuf_allocator allocator;
    /* Allocation records reserved up front, two of them internal; 0 = 64,
     * at least 3. Records then grow on demand (doubling), so this is only a
     * hint that avoids growth steps. */
    uint32_t initial_slots;
} glbuf_ranges_desc;

/* A snapshot, by value. */
typedef struct glbuf_ranges_stats {
    uint64_t capacity;           /* bytes managed */
    uint64_t used_bytes;         /* bytes in live allocations (granted == requested) */
    uint64_t free_bytes;         /* capacity - used_bytes, alignment gaps included */
    uint64_t largest_free_block; /* bytes in the largest free block */
    uint64_t peak_used_bytes;    /* highest used_bytes since creation */
    uint64_t metadata_bytes;     /* host bytes held: the object, the list heads (~6 KiB in all), every
                                    reserved record, and the side table of alignments if made */
    uint64_t failed_allocations; /* glbuf_ranges_alloc calls that returned FULL or OUT_OF_HOST_MEMORY */
    uint32_t free_blocks;        /* number of free blocks (maximal free ranges) */
    uint32_t live_allocations;   /* number of live allocations */
} glbuf_ranges_stats;

/* One step of a compaction plan: move size bytes from src_offset down to
 * dst_offset (dst_offset <= src_offset; the two ranges may overlap, so copy as
 * memmove does). */
typedef struct glbuf_range_move {
    glbuf_range handle;
    uint64_t src_offset; /* bytes, the allocation's offset before the move */
    uint64_t dst_offset; /* bytes, its offset after the move */
    uint64_t size;       /* bytes */
} glbuf_range_move;

/* Iteration callbacks; return nonzero to stop the iteration early. They must
 * not change the allocator they iterate. */
typedef int (*glbuf_ranges_live_fn)(void *user, glbuf_range handle, uint64_t offset, uint64_t size);
typedef int (*glbuf_ranges_free_fn)(void *user, uint64_t offset, uint64_t size);

/* Creates an allocator whose whole range [0, desc->capacity) is one free block.
 * O(1) (two host allocations; the first holds the object, the second the list
 * heads, 5.5 KiB, and the records).
 * Takes an owner identity from the process-wide registry (see Handles).
 * Errors: GLBUF_ERR_NULL if desc or out is NULL; GLBUF_ERR_ZERO_SIZE if
 * desc->capacity is 0; GLBUF_ERR_TOO_LARGE if desc->capacity exceeds
 * GLBUF_RANGES_MAX_CAPACITY; GLBUF_ERR_INVALID_ARGUMENT if exactly one of
 * allocator.alloc/free is set; GLBUF_ERR_FULL if 2^18 - 1 handle tables are
 * live in the process (no host memory is requested then);
 * GLBUF_ERR_OUT_OF_HOST_MEMORY if the allocator returns NULL. *out is set only
 * on success; on failure nothing is held. */
GLBUF_API glbuf_result glbuf_ranges_create(const glbuf_ranges_desc *desc, glbuf_ranges **out);

/* Frees the allocator's host memory and gives its owner identity back; every
 * handle becomes meaningless. NULL is ignored. O(1). */
GLBUF_API void glbuf_ranges_destroy(glbuf_ranges *r);

/* Allocates size bytes at an offset that is a multiple of alignment (any
 * positive value, see Alignment) and returns its handle and offset. Exactly
 * size bytes are granted; the padding the alignment skips remains free.
 * out_offset may be NULL.
 * Placement, with need = size + alignment - 1 (a gap of need bytes holds the
 * request wherever it starts):
 *  - a request of at least capacity / 4096 bytes takes, of the first free
 *    blocks of the first 4 non-empty size classes whose blocks all hold need
 *    bytes, the one lowest in the range (address-ordered: keeps large free
 *    regions together for large requests);
 *  - a smaller request whose alignment is at least 64 bytes and at most
 *    half its size (plus one) first tries the tightest blocks: up to 8 blocks
 *    (2 per class) of the classes holding blocks of size .. need bytes,
 *    lowest class first, taking the first that fits at its alignment;
 *  - otherwise, or when none of those fits, the first block (the one freed
 *    last) of the lowest non-empty class whose blocks all hold need bytes.
 * Inside the chosen block, the allocation goes to the aligned start or the
 * aligned end, whichever leaves the smaller padding (the start in the block
 * that ends the range, to keep glbuf_ranges_used_extent low).
 * Complexity: O(1) (bitmap searches and at most 8 records examined) when a
 * block of at least need bytes, rounded up to its size class, exists, which is
 * the usual case. Otherwise the classes that may hold a block of size .. need
 * bytes are scanned, O(free blocks), and for a request under 16 bytes the
 * records, O(live allocations), before failing, so the call fails with
 * GLBUF_ERR_FULL only if no free block can hold size bytes at that alignment.
 * Amortized: when every record is taken, the record array doubles
 * (O(live allocations), once per doubling; never for a request that does not
 * fit).
 * Errors: GLBUF_ERR_NULL if r or out_handle is NULL; GLBUF_ERR_ZERO_SIZE if
 * size is 0; GLBUF_ERR_BAD_ALIGNMENT if alignment is 0;
 * GLBUF_ERR_OVERFLOW if size + alignment - 1 exceeds UINT64_MAX;
 * GLBUF_ERR_FULL if size exceeds the capacity, no free block fits, or every
 * record is live or retired (GLBUF_RANGES_MAX_ALLOCATIONS at most);
 * GLBUF_ERR_OUT_OF_HOST_MEMORY if the record array had to grow, or the side
 * table of alignments that are not powers of two had to be made or grow, and
 * the allocator returned NULL. FULL and OUT_OF_HOST_MEMORY are counted in
 * failed_allocations. */
GLBUF_API glbuf_result glbuf_ranges_alloc(glbuf_ranges *r, uint64_t size, uint64_t alignment,
                                          glbuf_range *out_handle, uint64_t *out_offset);

/* Frees an allocation; its bytes join the free blocks on both sides. The
 * handle becomes stale. O(1).
 * Errors: GLBUF_ERR_NULL if r is NULL; GLBUF_ERR_INVALID_HANDLE if h is 0,
 * stale, already freed or from another allocator. */
GLBUF_API glbuf_result glbuf_ranges_free(glbuf_ranges *r, glbuf_range h);

/* The offset (bytes) of a live allocation. O(1) (reads the record before it).
 * Errors: GLBUF_ERR_NULL if r or out is NULL; GLBUF_ERR_INVALID_HANDLE as for
 * glbuf_ranges_free. */
GLBUF_API glbuf_result glbuf_ranges_offset(const glbuf_ranges *r, glbuf_range h, uint64_t *out);

/* The size (bytes, as requested) of a live allocation. O(1).
 * Errors: as glbuf_ranges_offset. */
GLBUF_API glbuf_result glbuf_ranges_size(const glbuf_ranges *r, glbuf_range h, uint64_t *out);

/* Extends the range to [0, new_capacity) in place. The free block that touches
 * the old end grows; if the allocation at the old end is live, the new bytes
 * become a new free block. No offset and no handle changes. O(1), no host
 * memory. Growing to the current capacity does nothing and succeeds.
 * Errors: GLBUF_ERR_NULL if r is NULL; GLBUF_ERR_SHRINK if new_capacity is
 * below the current capacity; GLBUF_ERR_TOO_LARGE if it exceeds
 * GLBUF_RANGES_MAX_CAPACITY. */
GLBUF_API glbuf_result glbuf_ranges_grow(glbuf_ranges *r, uint64_t new_capacity);

/* Shrinks the range to [0, new_capacity) in place, the inverse of
 * glbuf_ranges_grow: only the free block that touches the end gets smaller
 * (or goes). No offset and no handle changes. O(1), no host memory.
 * Shrinking to the current capacity does nothing and succeeds.
 * Errors: GLBUF_ERR_NULL if r is NULL; GLBUF_ERR_INVALID_ARGUMENT if
 * new_capacity is above the current capacity; GLBUF_ERR_BUSY if a live
 * allocation ends beyond new_capacity (glbuf_ranges_used_extent). Nothing
 * changes on error. */
GLBUF_API glbuf_result glbuf_ranges_shrink(glbuf_ranges *r, uint64_t new_capacity);

/* The end offset (bytes) of the highest live allocation, 0 if none: the prefix
 * of the range that holds every live byte (what growth needs to copy). O(1).
 * r must not be NULL. */
GLBUF_API uint64_t glbuf_ranges_used_extent(const glbuf_ranges *r);

/* Statistics by value. O(1), except largest_free_block, which scans the list
 * of the highest non-empty size class (blocks within about 3 % of each other
 * in size; usually a handful), or, when every free block is under 16 bytes,
 * walks the records. A NULL r yields all zeros. */
GLBUF_API glbuf_ranges_stats glbuf_ranges_get_stats(const glbuf_ranges *r);

/* 1 if every internal invariant holds, 0 otherwise (also for NULL): records
 * tile the range in offset order, links agree both ways, every free block is
 * in the list of its size class and the bitmaps match the lists, the counters
 * match, every allocation is inside the range and aligned. Never asserts and
 * never reads out of bounds, even on a corrupted allocator.
 * O(live allocations + reserved records + size classes). */
GLBUF_API int glbuf_ranges_invariants_hold(const glbuf_ranges *r);

/* Calls fn for every live allocation in increasing offset order until fn
 * returns nonzero. O(live allocations). Does nothing when r or fn is NULL. */
GLBUF_API void glbuf_ranges_for_each(const glbuf_ranges *r, glbuf_ranges_live_fn fn, void *user);

/* Calls fn for every free block (offset, size in bytes) in increasing offset
 * order until fn returns nonzero. O(live allocations). Does nothing when r or
 * fn is NULL. */
GLBUF_API void glbuf_ranges_for_each_free(const glbuf_ranges *r, glbuf_ranges_free_fn fn, void *user);

/* Plans a compaction: the moves that pack the live allocations toward offset 0
 * in their current order, each at the lowest offset that is a multiple of its
 * alignment and follows the previous one. Allocations already in place get no move.
 * Writes the first min(count, capacity) moves to moves (moves may be NULL when
 * capacity is 0) and sets *out_count to the number of moves of the whole plan.
 * Moves come in increasing offset order, each with dst_offset < src_offset;
 * any prefix of the plan is itself a valid plan (see apply). Changes nothing.
 * O(live allocations).
 * Errors: GLBUF_ERR_NULL if r or out_count is NULL, or moves is NULL and
 * capacity > 0. */
GLBUF_API glbuf_result glbuf_ranges_plan_compaction(const glbuf_ranges *r, glbuf_range_move *moves, size_t capacity,
                                                    size_t *out_count);

/* Applies moves[0..count) of a plan made by glbuf_ranges_plan_compaction with
 * no change to the allocator since: each allocation's offset becomes its
 * dst_offset, handles stay valid, the space left behind joins the free block
 * that follows the moved allocation. Applying the first K moves of a plan
 * (for example those that fit a per-frame copy budget) leaves a consistent,
 * coalesced allocator; planning again later continues the work. The caller
 * copies the bytes (src to dst, memmove semantics) before or after; the
 * allocator only updates its bookkeeping. O(count). count 0 succeeds.
 * Every move is validated before any is applied.
 * Errors: GLBUF_ERR_NULL if r is NULL, or moves is NULL and count > 0;
 * GLBUF_ERR_INVALID_HANDLE if a move names a handle that is not live;
 * GLBUF_ERR_INVALID_ARGUMENT if a move does not match the allocator (src_offset
 * or size differ from the allocation's, dst_offset is above src_offset, is not
 * a multiple of the allocation's alignment or overlaps the allocation before
 * it) or the moves are not in strictly increasing src_offset order.
 * Validation is O(count) too: each move's record and the one before it. */
GLBUF_API glbuf_result glbuf_ranges_apply_compaction(glbuf_ranges *r, const glbuf_range_move *moves, size_t count);

/* ---- moving one allocation at a time ---------------------------------------
 * For a caller that moves allocations itself, one by one, while the old
 * place must stay reserved until it has finished copying (a GPU copy that
 * frames in flight may still read from): reserve the destination with
 * glbuf_ranges_alloc_after, copy, then glbuf_ranges_swap the allocation with
 * the reservation and free the reservation, which now names the old place. */

/* Allocates size bytes inside the free block that directly follows the live
 * allocation `after` (id 0: the free block at offset 0, before the first
 * allocation), at the lowest offset there that is a multiple of alignment
 * (any positive value). The rest of the block stays free on both sides.
 * out_offset may be NULL. O(1) (amortized, as glbuf_ranges_alloc's record
 * array).
 * Errors: GLBUF_ERR_NULL if r or out_handle is NULL; GLBUF_ERR_ZERO_SIZE;
 * GLBUF_ERR_BAD_ALIGNMENT if alignment is 0; GLBUF_ERR_OVERFLOW if size +
 * alignment - 1 exceeds UINT64_MAX; GLBUF_ERR_INVALID_HANDLE if `after` is
 * neither 0 nor live; GLBUF_ERR_FULL if that free block does not hold the
 * request (also when there is none) or every record is live or retired;
 * GLBUF_ERR_OUT_OF_HOST_MEMORY as glbuf_ranges_alloc. Unlike
 * glbuf_ranges_alloc, a refusal is not counted in failed_allocations: it
 * says where not to place, not that the range is full. */
GLBUF_API glbuf_result glbuf_ranges_alloc_after(glbuf_ranges *r, glbuf_range after, uint64_t size,
                                                uint64_t alignment, glbuf_range *out_handle, uint64_t *out_offset);

/* Exchanges the places of two live allocations of the same size: afterwards
 * a names the range b had and b the range a had. Handles, sizes and
 * alignments stay with their allocations; free blocks are unchanged. O(1),
 * no host memory.
 * Errors: GLBUF_ERR_NULL if r is NULL; GLBUF_ERR_INVALID_HANDLE if a or b is
 * not live; GLBUF_ERR_INVALID_ARGUMENT if a and b are the same allocation,
 * their sizes differ, or a place is not a multiple of the alignment of the
 * allocation that would move there. */
GLBUF_API glbuf_result glbuf_ranges_swap(glbuf_ranges *r, glbuf_range a, glbuf_range b);

/* The alignment (bytes) a live allocation was made with. O(1).
 * Errors: as glbuf_ranges_offset. */
GLBUF_API glbuf_result glbuf_ranges_alignment(const glbuf_ranges *r, glbuf_range h, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_RANGES_H */
