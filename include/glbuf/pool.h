/* pool.h - glbuf_pool: pooled glbuf_buffers in size classes, reused behind the
 * frame fence, kept as recent frames need them and given back to GL when not.
 *
 * The tiered pool of game engines (seed note: up to 16 KiB, 256 KiB, 4 MiB,
 * and oversized), with buffers of many sizes inside each tier, and without
 * the leak users hit in wgpu's upload ring (the StagingBelt never frees a
 * chunk: wgpu #1441).
 *
 * Size classes and the waste bound
 * --------------------------------
 * There are 8 size classes per power of two. A new buffer for a request of
 * `size` bytes gets the capacity of the request's class: `size` rounded up
 * to a multiple of 2^(floor(log2 size) - 3) (sizes below 16 are exact), so
 *
 *     size <= capacity  and  capacity - size < size / 8   (new buffers).
 *
 * An idle buffer is reused for a request it fits within a quarter:
 *
 *     size <= capacity  and  capacity - size < size / 4   (every buffer handed out),
 *
 * the smallest such class first (the request's class and up to 3 above it).
 * The one exception: a request above 2^63 - 2^59 bytes, whose class size
 * passes GLsizeiptr, gets exactly `size` bytes and is deleted at release.
 * Tiers (desc.tier_limits) group the buffers for the statistics and labels
 * only: a buffer belongs to the first tier whose limit is >= its capacity,
 * else to the oversized tier.
 *
 *     tier 0 (<= 16 KiB)   class 1280 B:  live [b]     idle [b f=7]
 *                          class 9 KiB:   live []      idle [b f=6][b f=8]
 *     tier 1 (<= 256 KiB)  class 160 KiB: live [b][b]  idle []
 *     oversized            class 10 MiB:  live []      idle [b f=8]
 *
 * Reuse behind the fence
 * ----------------------
 * glbuf_pool_release files the buffer as idle with the current frame number
 * f. glbuf_pool_acquire reuses, in the smallest class that fits, the most
 * recently released idle buffer whose frame has completed on the GPU (the
 * fence inserted by the glbuf_ctx_end_frame ending f has signalled), so it
 * never hands out memory the GPU may still read; a buffer released in the
 * current frame is never reused before that frame ends. With none, it
 * creates one.
 *
 * The idle policy follows demand
 * ------------------------------
 * The pool counts, per class, the acquisitions of each frame (counted in the
 * class of the requested size, whichever buffer served it). At its first
 * acquire, release or trim in a frame F it gives back, class by class, the
 * oldest idle buffers beyond the most acquisitions the class had in one of
 * the frames F - W .. F - 1 (W = desc.demand_frames): steady churn finds its
 * buffers again every frame, and buffers that recent frames did not need are
 * deleted within W frames of the demand's end (counted as `shed`). Frames in
 * which the pool was not called count as frames without acquisitions. On top
 * of that, the idle bytes never exceed the idle budget (the oldest idle
 * buffers of any class are deleted at release: `evicted`), and
 * glbuf_pool_trim deletes buffers idle for longer than a number of frames.
 *
 * Buffers are ordinary glbuf_buffer handles (mutable storage, glBufferData),
 * used with every glbuf_buffer_* call: the size is the requested size (so
 * sub_data is bounds-checked against the request), the capacity the class
 * size. The contents of an acquired buffer are undefined: a reused buffer
 * holds what its previous user wrote. Give a pooled buffer back with
 * glbuf_pool_release, never with glbuf_buffer_destroy. A buffer whose storage
 * was re-specified to another capacity while acquired is deleted on release
 * instead of being kept (`discarded`).
 *
 * Handles
 * -------
 * A pool is a glbuf_pool, a 64-bit value handle made in a context's object
 * table (the layout and guarantee of every glbuf handle, ctx.h): it is
 * accepted only by the context that created it and only until
 * glbuf_pool_destroy. 0, a destroyed pool's handle (however many objects were
 * made since: a slot is retired before its generation could wrap) and another
 * context's handle give GLBUF_ERR_INVALID_HANDLE. Pooled buffers are
 * glbuf_buffer handles of the same table, with the same guarantee.
 *
 * Errors common to every call taking a pool, checked first, changing nothing:
 *   GLBUF_ERR_NULL            ctx (or a required out pointer) is NULL
 *   GLBUF_ERR_INVALID_HANDLE  the pool handle is not live (above)
 *   GLBUF_ERR_WRONG_KIND      the id names another kind of object (a forged handle)
 *
 * Thread safety: as the context it was created from (one thread). */
#ifndef GLBUF_POOL_H
#define GLBUF_POOL_H

#include <stdint.h>

#include "buffer.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A tiered pool; id 0 is invalid. */
typedef struct glbuf_pool {
    uint64_t id;
} glbuf_pool;

/* Tier limits, then the oversized tier. */
#define GLBUF_POOL_TIER_LIMITS 3
#define GLBUF_POOL_TIERS (GLBUF_POOL_TIER_LIMITS + 1)
#define GLBUF_POOL_OVERSIZED GLBUF_POOL_TIER_LIMITS
/* Largest desc.demand_frames. */
#define GLBUF_POOL_MAX_DEMAND_FRAMES 64

typedef struct glbuf_pool_desc {
    /* Largest capacity of each tier in bytes, strictly increasing; each 0
     * takes its default: 16 KiB, 256 KiB, 4 MiB. For statistics and labels. */
    uint64_t tier_limits[GLBUF_POOL_TIER_LIMITS];
    /* Bytes of idle buffers the pool keeps at most; beyond it the oldest idle
     * buffers are deleted at release, and a buffer bigger than the budget on
     * its own is deleted at once. Default 256 MiB; UINT64_MAX: no cap; 1:
     * keep nothing idle. */
    uint64_t idle_budget;
    /* Frames of demand the idle policy follows (W above): each class keeps
     * as many idle buffers as its busiest of the last W frames acquired.
     * A longer window reuses more and holds more (glbuf-bench
     * --pool-demand-frames measures both). Default 16; 1 ..
     * GLBUF_POOL_MAX_DEMAND_FRAMES. */
    uint32_t demand_frames;
    glbuf_target target; /* default ARRAY: the binding the buffers are made with */
    glbuf_usage usage;   /* default STATIC_DRAW; pick DYNAMIC_DRAW or STREAM_DRAW
                            for buffers rewritten after reuse (wgpu #3371) */
    /* Prefix of the buffers' labels ("<label>[<capacity>]"); copied (at most
     * 39 bytes kept). Default "pool". */
    const char *label;
} glbuf_pool_desc;

typedef struct glbuf_pool_tier_stats {
    uint64_t limit;           /* largest capacity in the tier, bytes; 0 for the oversized tier */
    uint64_t live;            /* buffers acquired and not yet released */
    uint64_t idle;            /* released buffers kept for reuse */
    uint64_t created;         /* GL buffers created */
    uint64_t reused;          /* acquisitions served by an idle buffer */
    uint64_t shed;            /* idle buffers deleted because recent frames did not need them */
    uint64_t trimmed;         /* idle buffers deleted by glbuf_pool_trim */
    uint64_t evicted;         /* idle buffers deleted to stay within the idle budget */
    uint64_t discarded;       /* released buffers deleted because their capacity changed
                                 (or was not a class size: the exception above) */
    uint64_t bytes_held;      /* capacity of the live and idle buffers */
    uint64_t bytes_idle;      /* capacity of the idle buffers */
    uint64_t bytes_requested; /* sizes requested by the live buffers */
} glbuf_pool_tier_stats;

typedef struct glbuf_pool_stats {
    glbuf_pool_tier_stats tiers[GLBUF_POOL_TIERS];
    uint64_t acquired;        /* successful acquisitions: the sum of created and reused */
    uint64_t bytes_held;      /* sums over the tiers */
    uint64_t bytes_idle;
    uint64_t bytes_requested;
    uint64_t idle_budget;     /* bytes, as configured */
    uint64_t demand_frames;   /* as configured */
} glbuf_pool_stats;

/* Creates an empty pool (no GL call). Host memory: one allocation, about
 * 15 KiB for the size classes plus 1.9 KiB for each of the W + 1 rows of
 * per-class demand counters (about 48 KiB with the defaults).
 * Fails: GLBUF_ERR_NULL (ctx, desc or out), GLBUF_ERR_INVALID_ARGUMENT (tier
 * limits not strictly increasing or beyond GLsizeiptr, demand_frames above
 * GLBUF_POOL_MAX_DEMAND_FRAMES, target or usage out of range),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_FULL (the context's object table
 * has no slot left). *out is untouched on failure. */
GLBUF_API glbuf_result glbuf_pool_create(glbuf_ctx *ctx, const glbuf_pool_desc *desc, glbuf_pool *out);

/* Deletes every idle buffer and frees the pool. Buffers still acquired are
 * not deleted: they become plain buffers the app destroys with
 * glbuf_buffer_destroy (their count is logged as a warning). Does not wait:
 * GL keeps a deleted buffer's storage until the commands that read it
 * complete. Fails only with the common errors (nothing destroyed). */
GLBUF_API glbuf_result glbuf_pool_destroy(glbuf_ctx *ctx, glbuf_pool pool);

/* A buffer of at least `size` bytes: size = `size`, capacity within the
 * waste bound above (a reused idle buffer, else a new one of the request's
 * class size). Contents undefined. Counts the acquisition in the demand of
 * the request's class (only on success).
 * Time: O(1) amortized (at most 4 classes looked at), plus the frame's
 * first-call work (below) and the deletion of idle buffers destroyed
 * behind the pool's back.
 * GL calls: none when a buffer of a completed frame is idle in a class that
 * fits. When the fitting idle buffers are all of frames that have ended but
 * are not yet known complete: non-blocking glClientWaitSync polls of the
 * context's frame fences (glbuf_ctx_completed_frame), once per call; never
 * for buffers released in the current frame. Creation: those of
 * glbuf_buffer_create (glCreateBuffers, glNamedBufferData, glGetError,
 * glObjectLabel). At the first acquire, release or trim of a frame: one
 * glDeleteBuffers per idle buffer the demand rule gives back.
 * Fails: GLBUF_ERR_ZERO_SIZE, GLBUF_ERR_OVERFLOW (size beyond GLsizeiptr),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_OUT_OF_GPU_MEMORY / GLBUF_ERR_GL
 * (creation failed, nothing left behind), GLBUF_ERR_FULL (the context's
 * handle table is full). *out is untouched on failure. */
GLBUF_API glbuf_result glbuf_pool_acquire(glbuf_ctx *ctx, glbuf_pool pool, uint64_t size, glbuf_buffer *out);

/* Gives an acquired buffer back. It becomes reusable once the current frame
 * has completed on the GPU; the handle must not be used any more. If the idle
 * bytes then exceed the budget, the oldest idle buffers are deleted
 * (glDeleteBuffers), possibly this one. O(1) plus the deletions and the
 * frame's first-call work (see acquire).
 * Fails, changing nothing: GLBUF_ERR_INVALID_HANDLE (0, destroyed, a plain
 * buffer, a buffer of another pool, or already released),
 * GLBUF_ERR_WRONG_KIND (the handle names another kind of object),
 * GLBUF_ERR_ALREADY_MAPPED (unmap it first). */
GLBUF_API glbuf_result glbuf_pool_release(glbuf_ctx *ctx, glbuf_pool pool, glbuf_buffer buf);

/* Deletes the idle buffers released more than `idle_frames` frames ago
 * (released in frame f and glbuf_ctx_frame(ctx) - f > idle_frames): 0 deletes
 * everything released before the current frame. Applies the demand rule
 * first when it is the pool's first call of the frame. GL calls:
 * glDeleteBuffers per buffer. Fails: only the common errors. */
GLBUF_API glbuf_result glbuf_pool_trim(glbuf_ctx *ctx, glbuf_pool pool, uint64_t idle_frames);

/* Statistics by value; a zeroed struct for a NULL ctx or an invalid handle.
 * Makes no GL call and applies no policy: idle buffers the demand rule will
 * give back at the frame's first call are still counted. */
GLBUF_API glbuf_pool_stats glbuf_pool_get_stats(const glbuf_ctx *ctx, glbuf_pool pool);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_POOL_H */
