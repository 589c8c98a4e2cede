/* stream.h - glbuf_stream: a fenced per-frame streaming ring for data written
 * once by the CPU and read by the GPU in the same frame (immediate-mode
 * vertices, per-draw uniforms, instance data).
 *
 * What Processing's immediate mode and Cinder's default draw buffers should
 * have been: Processing re-specifies the whole buffer on every flush, Cinder
 * streams through one STREAM_DRAW buffer with sub-data (its 4-buffer rotation
 * is commented out). glbuf_stream is Mesa's u_upload_mgr pattern instead.
 *
 * How it works
 * ------------
 * With ARB_buffer_storage (GL 4.4) the ring is one buffer with immutable
 * storage, mapped once, persistently (MAP_PERSISTENT | MAP_WRITE, coherent by
 * default). glbuf_stream_alloc bump-allocates inside it and returns a write
 * pointer, the offset and the GL name. Every frame's allocations form one
 * region; the region is retired against the context's frame fence (the one
 * glbuf_ctx_end_frame inserts):
 *
 *     tail                       frame start   head
 *     v                          v             v
 *     [ frame F-2 ][ frame F-1 ][ frame F ....][ free ...... )[ wraps to 0
 *
 * An allocation that would overwrite a region whose fence has not signalled
 * waits for that fence (glClientWaitSync, counted in the stream's and the
 * context's statistics); nothing else ever blocks. A request that does not
 * fit in the bytes left before the end of the ring starts at offset 0 (the
 * skipped tail belongs to the current frame). A frame whose first request
 * finds nothing in flight (every earlier frame known complete) starts over
 * at offset 0: where the GPU keeps up, every frame writes the same bytes,
 * still in the CPU's caches (on llvmpipe this is what makes the ring faster
 * than re-specifying one buffer at 16 MiB a frame). The first request of a
 * frame makes no GL call: it retires what the frame clock already knows to
 * be complete (glbuf_ctx_end_frame polls the fences); the fences are polled
 * only when the ring is short of room.
 *
 * A frame that alone needs more than the ring holds grows it: the request
 * goes into a new ring of a power-of-two capacity big enough for
 * frames_in_flight frames of that size (capped at max_capacity), and the old
 * ring stays mapped and alive, with everything already handed out in it,
 * until the fence of the last frame that used it has signalled; it is then
 * unmapped and deleted. The GL name therefore changes on growth: always use
 * the name of the allocation.
 *
 * A ring that grew for a burst gives the memory back: when every frame of
 * the last trim_after_frames frames (frames that streamed nothing count)
 * needed at most a quarter of the ring, frames_in_flight times over, the
 * ring is replaced at the first allocation of the next frame by one of
 * frames_in_flight times the largest of those frames (a power of two, never
 * below the first ring's capacity); the old ring is released as after
 * growth. So a ring of 64 MiB that streams 1 MiB a frame again is back at
 * 4 MiB (the default first ring) 240 frames later.
 *
 * That is the default overflow policy, GLBUF_OVERFLOW_WAIT_THEN_GROW; the
 * desc's overflow field chooses another (overflow.h): GROW replaces the ring
 * by a bigger one (at least twice the size) instead of waiting for frames in
 * flight, and waits only at max_capacity; WAIT never grows (the ring stays
 * at its capacity; a frame that alone outgrows it gets GLBUF_ERR_FULL);
 * FAIL neither waits nor grows. glbuf_stream_room and glbuf_stream_predict
 * say beforehand what fits and what an allocation would do.
 *
 * Without ARB_buffer_storage (or with GLBUF_CAP_BUFFER_STORAGE disabled) the
 * same API runs on a mutable buffer: the write pointer points into a host
 * staging area, glbuf_stream_flush uploads what was written since the last
 * flush with glBufferSubData, and the first allocation of every frame orphans
 * the store (glBufferData(NULL), STREAM_DRAW) so the driver hands out fresh
 * memory while the GPU still reads the old. That path never waits.
 *
 * Frames
 * ------
 * The stream learns frame boundaries from the context's frame clock: the
 * first allocation after glbuf_ctx_end_frame starts a new region. The data of
 * an allocation must be read by GL commands issued in the frame it was
 * allocated in (before the glbuf_ctx_end_frame that ends it).
 *
 * The one rule of use
 * -------------------
 *     alloc -> write through ptr -> glbuf_stream_flush -> GL commands that read
 * Call glbuf_stream_flush after writing and before issuing the GL commands
 * that read the data (draws, dispatches, copies). On the coherent persistent
 * path it makes no GL call; with explicit_flush it calls
 * glFlushMappedBufferRange; on the fallback path it is the upload. Portable
 * code always calls it, once per batch of allocations.
 *
 * Handles
 * -------
 * A stream is a glbuf_stream, a 64-bit value handle made in a context's
 * object table (the layout and guarantee of every glbuf handle, ctx.h): it
 * is accepted only by the context that created it and only until
 * glbuf_stream_destroy. 0, a destroyed stream's handle (however many objects
 * were made since: a slot is retired before its generation could wrap) and
 * another context's handle give GLBUF_ERR_INVALID_HANDLE.
 *
 * Errors common to every call taking a stream, checked first, changing nothing:
 *   GLBUF_ERR_NULL            ctx (or a required out pointer) is NULL
 *   GLBUF_ERR_INVALID_HANDLE  the stream handle is not live (above)
 *   GLBUF_ERR_WRONG_KIND      the id names another kind of object (a forged handle)
 *
 * Threads
 * -------
 * Every call belongs to the thread the context belongs to (the GL thread).
 * The bytes behind an allocation's ptr may be written from any thread (a
 * pool of workers filling this frame's instance data), under one handoff
 * rule: every write through the pointer happens-before (C11 sense) the GL
 * thread's glbuf_stream_flush that covers the allocation, and so before the
 * glbuf_ctx_end_frame that ends its frame - the writer joined, or a mutex,
 * condition variable or release-acquire atomic the GL thread acquires after
 * the writer released it. A write after that flush never reaches GL (see
 * "The one rule of use"); one after glbuf_ctx_end_frame lands in memory the
 * ring hands out again. While workers write, the GL thread may keep
 * allocating from the same stream, whatever the overflow policy: growth
 * leaves the old ring mapped until the frame's fence, so no pointer of the
 * frame moves. Workers write only the bytes they were handed (disjoint
 * allocations may be written at once); glbuf's own state is the GL
 * thread's. tests/test_threads.c does this under ThreadSanitizer. */
#ifndef GLBUF_STREAM_H
#define GLBUF_STREAM_H

#include <stdint.h>

#include "ctx.h"
#include "overflow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A streaming ring; id 0 is invalid. */
typedef struct glbuf_stream {
    uint64_t id;
} glbuf_stream;

typedef struct glbuf_stream_desc {
    /* Bytes of the first ring, rounded up to a power of two. Default 4 MiB. */
    uint64_t capacity;
    /* Bytes; the ring never grows past it and no single request may exceed
     * it. Rounded down to a power of two. Default 256 MiB. */
    uint64_t max_capacity;
    /* Frames the ring is sized to hold when it grows: a frame that needs N
     * bytes grows the ring to a power of two >= N * frames_in_flight.
     * Default 3, at most 16 (the context's fence ring). */
    uint32_t frames_in_flight;
    /* Non-zero: map without MAP_COHERENT and flush written ranges with
     * glFlushMappedBufferRange in glbuf_stream_flush. Default 0 (coherent).
     * Ignored on the fallback path. */
    int explicit_flush;
    /* Names the GL buffers in glObjectLabel and log lines; copied (at most 47
     * bytes kept). Default "stream". */
    const char *label;
    /* Frames a grown ring waits, every one well under its capacity (see "How
     * it works"), before it shrinks. Default 240; GLBUF_STREAM_NO_TRIM: keep
     * the peak. */
    uint32_t trim_after_frames;
    /* When a request does not fit (overflow.h, "How it works" above).
     * Default GLBUF_OVERFLOW_WAIT_THEN_GROW. */
    glbuf_overflow overflow;
} glbuf_stream_desc;

/* glbuf_stream_desc.trim_after_frames: never shrink the ring. */
#define GLBUF_STREAM_NO_TRIM UINT32_MAX

/* One allocation: write `size` bytes at ptr, then read them in GL from buffer
 * `name` at `offset` (bind with glBindBufferRange, glVertexArrayVertexBuffer,
 * ... ). ptr is valid until the frame it was allocated in ends
 * (glbuf_ctx_end_frame); write only, never read through it (write-combined
 * memory on discrete GPUs). */
typedef struct glbuf_stream_allocation {
    void *ptr;
    uint64_t offset; /* bytes from the start of the GL buffer; a multiple of align */
    uint32_t name;   /* GL buffer name; changes when the ring grows */
} glbuf_stream_allocation;

typedef struct glbuf_stream_stats {
    uint64_t bytes_streamed; /* bytes requested by successful allocations */
    uint64_t bytes_skipped;  /* bytes lost to alignment and to wrapping at the end */
    uint64_t allocations;    /* successful allocations */
    uint64_t frames;         /* frames in which the stream handed out memory */
    uint64_t waits;          /* blocking waits on frame fences */
    uint64_t wait_ns;        /* nanoseconds spent in them */
    uint64_t growths;        /* rings replaced by a bigger one */
    uint64_t orphans;        /* fallback: stores re-specified at a frame start */
    uint64_t flushes;        /* glFlushMappedBufferRange / glBufferSubData calls */
    uint64_t capacity;       /* bytes of the current ring */
    uint64_t bytes_held;     /* bytes of GL storage held: current + retired rings */
    uint32_t rings_retired;  /* old rings waiting for their fence */
    int persistent;          /* 1: persistent-mapped ring; 0: orphaning fallback */
    uint64_t shrinks;        /* rings replaced by a smaller one after a quiet spell */
    uint64_t cuts;           /* regions closed before their frame ended (megabuffer staging) */
} glbuf_stream_stats;

/* Creates the stream and its first ring; *out is written only on success.
 * GL calls (DSA, buffer storage): glCreateBuffers, glNamedBufferStorage,
 * glGetError, glMapNamedBufferRange, glObjectLabel; fallback: glCreateBuffers,
 * glNamedBufferData, glGetError, glObjectLabel (without DSA the bind-to-edit
 * equivalents, bindings restored).
 * Fails: GLBUF_ERR_NULL (ctx, desc or out NULL), GLBUF_ERR_INVALID_ARGUMENT
 * (capacity > max_capacity after rounding, frames_in_flight > 16,
 * max_capacity beyond GLsizeiptr, overflow out of range), GLBUF_ERR_OUT_OF_HOST_MEMORY,
 * GLBUF_ERR_OUT_OF_GPU_MEMORY or GLBUF_ERR_GL (storage), GLBUF_ERR_MAP_FAILED,
 * GLBUF_ERR_FULL (the context's object table has no slot left).
 * On failure nothing is left behind and *out is untouched. */
GLBUF_API glbuf_result glbuf_stream_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, glbuf_stream *out);

/* Unmaps and deletes every ring and frees the stream. Does not wait: GL
 * keeps a deleted buffer's storage until the commands already issued that
 * read it have completed, so destroying with frames in flight is safe;
 * allocation pointers die here. Fails only with the common errors (nothing
 * destroyed). */
GLBUF_API glbuf_result glbuf_stream_destroy(glbuf_ctx *ctx, glbuf_stream stream);

/* Hands out `size` bytes at an offset that is a multiple of `align`, any
 * positive value. Pass the GL alignment of the use: glbuf_ctx_get_caps(ctx).
 * uniform_offset_alignment for glBindBufferRange(GL_UNIFORM_BUFFER ...),
 * storage_offset_alignment for SSBOs; for vertices drawn with a first
 * vertex / baseVertex of offset / vertex size, the vertex size (12, 24, 56
 * ...: the offset is then an exact multiple of it), or the least common
 * multiple of it and another alignment you need.
 * O(1) unless it retires or waits (one glClientWaitSync per frame retired).
 * GL calls: none in the common case; when the ring is short of room a
 * non-blocking glClientWaitSync per pending frame fence (through the frame
 * clock); glClientWaitSync with an infinite timeout when it must wait; on
 * growth those of glbuf_stream_create; on the fallback path, at the first
 * allocation of a frame, glBufferData(NULL) (glGetError after it only under
 * validation: ctx.h, "GL errors").
 * Bad input and GLBUF_ERR_FULL are refused before anything else happens (no
 * retiring, no waiting). Fails, changing nothing but what a wait does
 * (stats.waits / wait_ns count every blocking wait, and the frames it waited
 * for are retired):
 *   GLBUF_ERR_ZERO_SIZE        size is 0
 *   GLBUF_ERR_BAD_ALIGNMENT    align is 0 or > max_capacity
 *   GLBUF_ERR_TOO_LARGE        size > max_capacity (with guard bytes, ctx.h:
 *                              size + 16 > max_capacity): no ring could ever hold it
 *   GLBUF_ERR_FULL             no room under the overflow policy
 *                              (glbuf_stream_predict's GLBUF_FIT_FULL): by
 *                              default, the ring is at max_capacity and the current
 *                              frame has filled it (end the frame, or raise
 *                              max_capacity); nothing waited for, nothing grown
 *   GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_OUT_OF_GPU_MEMORY, GLBUF_ERR_GL,
 *   GLBUF_ERR_MAP_FAILED       growth failed: the old ring is kept and works
 *   GLBUF_ERR_FENCE_FAILED     waiting on a frame fence failed
 *   GLBUF_ERR_TIMEOUT          a fence wait without a time limit said it
 *                              timed out (a broken driver)
 * Fallback only, with validation on: GLBUF_ERR_OUT_OF_GPU_MEMORY /
 * GLBUF_ERR_GL when orphaning at the frame start failed; the next allocation
 * tries again. Without validation the orphaning is not checked: its GL
 * error, if any, stays in GL for the app. */
GLBUF_API glbuf_result glbuf_stream_alloc(glbuf_ctx *ctx, glbuf_stream stream, uint64_t size, uint64_t align,
                                          glbuf_stream_allocation *out);

/* glbuf_stream_alloc, then `size` bytes of `data` copied in, the way that is
 * fastest for the ring's memory: streaming (non-temporal) stores where the
 * GPU has memory of its own (glbuf_ctx_get_gpu_memory(ctx).dedicated: the
 * driver maps the ring write-combined, and full-line streaming stores reach
 * it without a read and without splitting lines), memcpy elsewhere (host
 * memory is GPU memory: the bytes stay in the caches the GPU reads them
 * from). On the fallback path, memcpy into the staging area. Flush as after
 * glbuf_stream_alloc. *out is written only on success.
 * Fails: as glbuf_stream_alloc, and GLBUF_ERR_NULL (data or out); nothing
 * is allocated then. */
GLBUF_API glbuf_result glbuf_stream_write(glbuf_ctx *ctx, glbuf_stream stream, const void *data, uint64_t size,
                                          uint64_t align, glbuf_stream_allocation *out);

/* Makes the allocations handed out since the last flush (in this frame)
 * visible to GL commands issued after it, with what was written into them by
 * then. Call it after writing and before the GL commands that read (see "The
 * one rule of use"): an allocation is covered by the first flush after it
 * only, so on the explicit-flush and fallback paths bytes written into it
 * after that flush never reach GL (the coherent path shows them anyway; do
 * not rely on it).
 * GL calls: none (coherent); glFlushMappedNamedBufferRange per written range
 * (explicit_flush; two when the range wraps); glNamedBufferSubData per
 * written range (fallback). Written ranges of rings replaced during this
 * frame are flushed too. Fails: only the common errors.
 * With guard bytes (GLBUF_VALIDATION_GUARDS, ctx.h) it checks the guard of
 * every allocation of this frame and returns GLBUF_ERR_GUARD_OVERRUN, after
 * flushing, when something wrote past the end of one. */
GLBUF_API glbuf_result glbuf_stream_flush(glbuf_ctx *ctx, glbuf_stream stream);

/* ---- overflow you can see coming (overflow.h) ----
 * Both poll the frame fences without blocking (as glbuf_stream_alloc does)
 * and change nothing else. Their answer holds until the next allocation from
 * this stream or glbuf_ctx_end_frame; the GPU finishing more in between
 * only makes more room. They answer with the allocation's own placement
 * code, run on the state the next allocation would find: at a frame's
 * first allocation that includes the ring shrinking (trim_after_frames). */

/* The largest request at `align` (any positive value, as glbuf_stream_alloc)
 * that fits now: glbuf_stream_alloc of at most *out bytes at that alignment
 * neither waits nor grows (GLBUF_FIT_NOW); a larger one does not fit now.
 * The first allocation of a frame sees the whole ring when no frame is in
 * flight (always on the fallback path). O(log capacity).
 * Fails: GLBUF_ERR_NULL (out), GLBUF_ERR_BAD_ALIGNMENT (as glbuf_stream_alloc). */
GLBUF_API glbuf_result glbuf_stream_room(glbuf_ctx *ctx, glbuf_stream stream, uint64_t align, uint64_t *out);

/* What glbuf_stream_alloc(size, align) would do now under the desc's
 * overflow policy: GLBUF_FIT_NOW, GLBUF_FIT_WAIT (for the oldest frames in
 * flight), GLBUF_FIT_GROW or GLBUF_FIT_FULL. O(1). Fails as
 * glbuf_stream_alloc does on bad input, changing nothing (GLBUF_ERR_NULL
 * for out, GLBUF_ERR_ZERO_SIZE, GLBUF_ERR_BAD_ALIGNMENT, GLBUF_ERR_TOO_LARGE). */
GLBUF_API glbuf_result glbuf_stream_predict(glbuf_ctx *ctx, glbuf_stream stream, uint64_t size, uint64_t align,
                                            glbuf_fit *out);

/* Statistics by value; a zeroed struct for a NULL ctx or an invalid handle.
 * Makes no GL call. */
GLBUF_API glbuf_stream_stats glbuf_stream_get_stats(const glbuf_ctx *ctx, glbuf_stream stream);

/* One frame's bytes in the current ring: [offset, offset + size) of the
 * ring's GL buffer, handed out in glbuf frame `frame`. Return non-zero to
 * stop the walk. */
typedef int (*glbuf_stream_region_fn)(void *user, uint64_t frame, uint64_t offset, uint64_t size);

/* The ring's layout, for memory views: calls fn, oldest first, for each frame
 * whose bytes the current ring still holds - the ended frames whose fence had
 * not signalled when the stream last looked (it looks at its first allocation
 * of a frame; this call makes no GL call and does not look), then the newest
 * frame that allocated. Every byte from the oldest one held to the next free
 * one belongs to exactly one frame: a frame's bytes run from the end of the
 * previous frame's (alignment padding, and bytes skipped at the ring's end,
 * count as its own). A frame whose bytes wrap past the ring's end comes as
 * two calls: up to the end, then from offset 0. Rings replaced by growth and
 * still waiting for their fence (stats.rings_retired) are not walked. On the
 * fallback path only the newest frame's bytes are held (the store is
 * orphaned each frame).
 * Fails: GLBUF_ERR_NULL (fn) and the common errors, changing nothing. */
GLBUF_API glbuf_result glbuf_stream_for_each_region(const glbuf_ctx *ctx, glbuf_stream stream,
                                                    glbuf_stream_region_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_STREAM_H */
