/* pool.h - glbuf_pool: tiered pools of glbuf_buffers that are reused behind
 * the frame fence and given back to GL when idle.
 *
 * The tiered pool of game engines (seed note: up to 16 KiB, 256 KiB, 4 MiB,
 * and oversized), without the leak users hit in wgpu's upload ring (the
 * StagingBelt never frees a chunk: wgpu #1441): idle buffers are deleted by
 * glbuf_pool_trim and whenever the idle bytes pass the budget.
 *
 * How it works
 * ------------
 * A request of `size` bytes goes to the first tier whose class size is >=
 * size; every buffer of a tier has exactly the class size. Requests above the
 * last class are oversized and get a buffer of exactly `size` bytes.
 *
 *     tier 0 (16 KiB)   live: [b][b]      idle: [b f=7][b f=9]
 *     tier 1 (256 KiB)  live: [b]         idle: []
 *     tier 2 (4 MiB)    live: []          idle: [b f=8]
 *     oversized         live: [b 9 MiB]   idle: [b 6 MiB f=3]
 *
 * glbuf_pool_release files the buffer as idle with the current frame number
 * f. glbuf_pool_acquire reuses the most recently released idle buffer whose
 * frame has completed on the GPU (the fence inserted by the
 * glbuf_ctx_end_frame ending f has signalled), so it never hands out memory
 * the GPU may still read; oversized buffers are reused only for a request of
 * exactly their size. With none, it creates one. Idle buffers are deleted by
 * glbuf_pool_trim once idle for more than a number of frames, and oldest
 * first whenever the idle bytes exceed the pool's idle budget.
 *
 * Buffers are ordinary glbuf_buffer handles (mutable storage, glBufferData),
 * used with every glbuf_buffer_* call: the size is the requested size (so
 * sub_data is bounds-checked against the request), the capacity is the class
 * size. The contents of an acquired buffer are undefined: a reused buffer
 * holds what its previous user wrote. Give a pooled buffer back with
 * glbuf_pool_release, never with glbuf_buffer_destroy. A buffer whose storage
 * was re-specified to another capacity while acquired is deleted on release
 * instead of being kept.
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

/* Size-class tiers, then the oversized tier (exact sizes). */
#define GLBUF_POOL_CLASSES 3
#define GLBUF_POOL_TIERS (GLBUF_POOL_CLASSES + 1)
#define GLBUF_POOL_OVERSIZED GLBUF_POOL_CLASSES

typedef struct glbuf_pool_desc {
    /* Class sizes in bytes, strictly increasing; each 0 takes its default:
     * 16 KiB, 256 KiB, 4 MiB. */
    uint64_t tier_limits[GLBUF_POOL_CLASSES];
    /* Bytes of idle buffers the pool keeps at most; beyond it the oldest idle
     * buffers are deleted at release, and a buffer bigger than the budget on
     * its own is deleted at once. Default 64 MiB; UINT64_MAX: no cap; 1:
     * keep nothing idle. */
    uint64_t idle_budget;
    glbuf_target target; /* default ARRAY: the binding the buffers are made with */
    glbuf_usage usage;   /* default STATIC_DRAW; pick DYNAMIC_DRAW or STREAM_DRAW
                            for buffers rewritten after reuse (wgpu #3371) */
    /* Prefix of the buffers' labels ("<label>[16384]", "<label>[exact]");
     * copied (at most 39 bytes kept). Default "pool". */
    const char *label;
} glbuf_pool_desc;

typedef struct glbuf_pool_tier_stats {
    uint64_t class_size;      /* bytes of each buffer; 0 for the oversized tier */
    uint64_t live;            /* buffers acquired and not yet released */
    uint64_t idle;            /* released buffers kept for reuse */
    uint64_t created;         /* GL buffers created */
    uint64_t reused;          /* acquisitions served by an idle buffer */
    uint64_t trimmed;         /* idle buffers deleted by glbuf_pool_trim */
    uint64_t evicted;         /* idle buffers deleted to stay within the idle budget */
    uint64_t discarded;       /* released buffers deleted because their capacity changed */
    uint64_t bytes_held;      /* capacity of the live and idle buffers */
    uint64_t bytes_idle;      /* capacity of the idle buffers */
    uint64_t bytes_requested; /* sizes requested by the live buffers */
} glbuf_pool_tier_stats;

typedef struct glbuf_pool_stats {
    glbuf_pool_tier_stats tiers[GLBUF_POOL_TIERS];
    uint64_t bytes_held;      /* sums over the tiers */
    uint64_t bytes_idle;
    uint64_t bytes_requested;
    uint64_t idle_budget;     /* bytes, as configured */
} glbuf_pool_stats;

/* Creates an empty pool (no GL call).
 * Fails: GLBUF_ERR_NULL (ctx, desc or out), GLBUF_ERR_INVALID_ARGUMENT (tier
 * limits not strictly increasing or beyond GLsizeiptr, target or usage out of
 * range), GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_FULL (the context's object
 * table has no slot left). *out is untouched on failure. */
GLBUF_API glbuf_result glbuf_pool_create(glbuf_ctx *ctx, const glbuf_pool_desc *desc, glbuf_pool *out);

/* Deletes every idle buffer and frees the pool. Buffers still acquired are
 * not deleted: they become plain buffers the app destroys with
 * glbuf_buffer_destroy (their count is logged as a warning). Does not wait:
 * GL keeps a deleted buffer's storage until the commands that read it
 * complete. Fails only with the common errors (nothing destroyed). */
GLBUF_API glbuf_result glbuf_pool_destroy(glbuf_ctx *ctx, glbuf_pool pool);

/* A buffer of at least `size` bytes: size = `size`, capacity = the class
 * size, or exactly `size` in the oversized tier. Contents undefined.
 * O(1) for class tiers when a reusable buffer is the newest idle one; at
 * worst linear in the tier's idle buffers released since the last completed
 * frame (oversized: in its idle buffers).
 * GL calls: reuse: a non-blocking glClientWaitSync per pending frame fence
 * when the candidate's frame is not yet known to be complete; creation:
 * those of glbuf_buffer_create (glCreateBuffers, glNamedBufferData,
 * glGetError, glObjectLabel).
 * Fails: GLBUF_ERR_ZERO_SIZE, GLBUF_ERR_OVERFLOW (size beyond GLsizeiptr),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_OUT_OF_GPU_MEMORY / GLBUF_ERR_GL
 * (creation failed, nothing left behind), GLBUF_ERR_FULL (the context's
 * handle table is full). *out is untouched on failure. */
GLBUF_API glbuf_result glbuf_pool_acquire(glbuf_ctx *ctx, glbuf_pool pool, uint64_t size, glbuf_buffer *out);

/* Gives an acquired buffer back. It becomes reusable once the current frame
 * has completed on the GPU; the handle must not be used any more. If the idle
 * bytes then exceed the budget, the oldest idle buffers are deleted
 * (glDeleteBuffers), possibly this one.
 * Fails, changing nothing: GLBUF_ERR_INVALID_HANDLE (0, destroyed, a plain
 * buffer, a buffer of another pool, or already released),
 * GLBUF_ERR_WRONG_KIND (the handle names another kind of object),
 * GLBUF_ERR_ALREADY_MAPPED (unmap it first). */
GLBUF_API glbuf_result glbuf_pool_release(glbuf_ctx *ctx, glbuf_pool pool, glbuf_buffer buf);

/* Deletes the idle buffers released more than `idle_frames` frames ago
 * (released in frame f and glbuf_ctx_frame(ctx) - f > idle_frames): 0 deletes
 * everything released before the current frame. GL calls: glDeleteBuffers
 * per buffer. Fails: only the common errors. */
GLBUF_API glbuf_result glbuf_pool_trim(glbuf_ctx *ctx, glbuf_pool pool, uint64_t idle_frames);

/* Statistics by value; a zeroed struct for a NULL ctx or an invalid handle.
 * Makes no GL call. */
GLBUF_API glbuf_pool_stats glbuf_pool_get_stats(const glbuf_ctx *ctx, glbuf_pool pool);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_POOL_H */
