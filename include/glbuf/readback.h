/* readback.h - glbuf_readback: fenced asynchronous GPU -> CPU readback of
 * buffer ranges (compute results, GPU particle states, PBO-style downloads)
 * without stalling the render thread.
 *
 * What Processing's three-PBO pixel readback and the openFrameworks / Cinder
 * "PBO download" recipes do by hand, as one module: glGetBufferSubData
 * stalls until the GPU has finished everything queued before it; a request
 * here is a GPU copy into a readback ring, a fence, and a pointer the CPU
 * reads once the fence has signalled, frames later if need be.
 *
 * How it works
 * ------------
 *     glbuf_readback_copy(ctx, rb, name, offset, size, &req)
 *         -> glCopyBufferSubData(name -> ring) ; glFenceSync   (returns at once)
 *     ... render more frames ...
 *     glbuf_readback_poll(ctx, rb, req, &data)     never blocks: GLBUF_OK once done
 *     glbuf_readback_wait(ctx, rb, req, timeout, &data)   or block, with a timeout
 *     ... read `size` bytes at data ...
 *     glbuf_readback_release(ctx, rb, req)         data dies, the space is reused
 *
 * With ARB_buffer_storage (GL 4.4) the ring is one buffer with immutable
 * storage, mapped once, persistently, for reading; `data` points straight
 * into that mapping. Requests are placed one after another at 64-byte
 * aligned offsets and never straddle the ring's end:
 *
 *     tail (oldest request not released)        head
 *     v                                          v
 *     [ req 3 ][ req 4 (released) ][ req 5 ]....[ free .......... )[ wraps to 0
 *
 * A released request's bytes are reused once every older request is
 * released too (the ring is FIFO; releasing out of order is allowed and
 * only delays reuse). Reuse never waits for the GPU: a new copy into
 * released bytes runs after the copy that was there (GL executes in order),
 * and the new request's fence covers both.
 *
 * Each request gets its own fence, inserted right after its copy, rather
 * than riding the frame fence (glbuf_ctx_end_frame): a request completes as
 * soon as the GPU has done its copy, and glbuf_readback_wait works in
 * programs that never end a frame (one-shot compute tools, tests). A fence is
 * one glFenceSync, a small fraction of the copy it guards.
 *
 * Growth and trim: a request that does not fit in the bytes not held by
 * unreleased requests replaces the ring by one twice as big (at least twice
 * the bytes in use plus the request, a power of two, at most max_capacity).
 * The old ring stays mapped, with every request in it readable, until the
 * last of them is released; then it is unmapped and deleted. After
 * trim_frames frames (the context's frame clock) in which the bytes in use
 * never exceeded a quarter of the ring, the next request moves to a ring of
 * twice the largest use seen in those frames (never below the initial
 * capacity, nor below twice that request), the same way. So the GL name of
 * a request's storage is not fixed; only `data` matters to the reader.
 *
 * Memory for fast CPU reads
 * -------------------------
 * GPU copies into host memory through the bus, and the CPU then reads that
 * memory: whether it is CPU-cached decides how fast the reading is (reading
 * write-combined memory is many times slower than reading cached memory). The
 * ring's storage flags are a choice (glbuf_readback_memory), measured by
 * bench/bench_readback.c on each driver. The default, GLBUF_READBACK_MEMORY_COHERENT,
 * was chosen from those measurements: see "Measured" at the end of this
 * comment.
 *
 * Without ARB_buffer_storage (or with GLBUF_CAP_BUFFER_STORAGE disabled)
 * the same API runs PBO-style: the ring is a mutable GL_STREAM_READ buffer,
 * and when poll or wait first finds a request's fence signalled, glbuf maps
 * the request's range for reading (no stall: the copy is done), copies the
 * bytes into a host mirror of the ring and unmaps; `data` points into the
 * mirror. The memory choice is ignored there.
 *
 * Sources
 * -------
 * The source is any GL buffer name with an offset: glbuf_buffer_name(ctx, b)
 * for a glbuf buffer, the megabuffer's GL name and a range's offset for a
 * megabuffer range, an SSBO of the app's own. If shaders wrote the source
 * (SSBO writes, image stores, atomic counters), issue
 * glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT) before glbuf_readback_copy,
 * as GL requires before any glCopyBufferSubData that reads shader writes;
 * one barrier covers every request issued after it.
 *
 * Handles
 * -------
 * glbuf_readback is a handle in the context's object table;
 * glbuf_readback_request is a handle issued by its readback object:
 *     id = [ owner : 18 ][ generation : 22 ][ index : 24 ]
 * owner identifies the readback object among all live handle tables of the
 * process, so a request of another readback object is rejected; generation
 * is bumped each time a request slot is reused, and a slot whose generation
 * reaches its maximum (2^22 - 1) is retired, never reissued, so a released
 * (stale) request handle is never accepted again. Id 0 is never valid.
 *
 * Errors common to every call taking (ctx, rb), checked first, changing
 * nothing:
 *   GLBUF_ERR_NULL            ctx is NULL (or a required out pointer is)
 *   GLBUF_ERR_INVALID_HANDLE  rb is 0, destroyed, or of another context
 *   GLBUF_ERR_WRONG_KIND      rb is the id of another kind of object
 * and, for calls taking a request:
 *   GLBUF_ERR_INVALID_HANDLE  req is 0, released, forged, or of another
 *                             readback object
 *
 * Thread safety: as the context it was created from (one thread). The bytes
 * at `data` may be read from any thread until the request is released.
 *
 * Measured (bench/bench_readback.c; GB/s = 1e9 bytes/s; three requests in
 * flight, each read out with memcpy after its fence; glGetBufferSubData of
 * the same bytes in the same run):
 *   Mesa llvmpipe 22.3.6 (LLVM 15), 2 shared cores, 2026-11-30, three runs
 *   (bench/results/2026-11-30-llvmpipe-readback.md). Pipelined, 16 MiB:
 *   COHERENT 4.54, BARRIER 4.50, CLIENT_COHERENT 4.15, CLIENT_BARRIER 2.07,
 *   PBO-style 1.71, glGetBufferSubData 10.45 GB/s (run 2). No choice was
 *   ahead in every run (the fastest: CLIENT_COHERENT, BARRIER,
 *   CLIENT_COHERENT) and one choice moved by up to 41% between runs: every
 *   llvmpipe buffer is plain host memory, and the flags make no difference
 *   these runs can measure.
 *   The default is therefore COHERENT, the choice that costs no
 *   glMemoryBarrier per request. (llvmpipe's "GPU" copy is CPU work too, so
 *   readback there costs two CPU copies against glGetBufferSubData's one;
 *   the gain, a render thread that does not wait for the GPU, needs a GPU
 *   that works in parallel.)
 *   NVIDIA H200: not measured yet. The bench prints the fastest persistent
 *   choice; if the H200 figures show another choice faster at 16 and 64 MiB,
 *   the default follows them (DEFAULT_MEMORY in src/readback.c).
 */
#ifndef GLBUF_READBACK_H
#define GLBUF_READBACK_H

#include <stdint.h>

#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct glbuf_readback {
    uint64_t id;
} glbuf_readback;

typedef struct glbuf_readback_request {
    uint64_t id;
} glbuf_readback_request;

/* Storage flags of the persistent ring. Every choice maps with MAP_READ |
 * MAP_PERSISTENT; they differ in coherence and in GL_CLIENT_STORAGE_BIT (a
 * hint to keep the storage in client, i.e. host, memory). */
typedef enum glbuf_readback_memory {
    GLBUF_READBACK_MEMORY_DEFAULT = 0,     /* GLBUF_READBACK_MEMORY_COHERENT (measured) */
    GLBUF_READBACK_MEMORY_COHERENT,        /* MAP_COHERENT: the copy's writes are visible
                                              once its fence signals */
    GLBUF_READBACK_MEMORY_BARRIER,         /* not coherent: glMemoryBarrier(
                                              GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT) after
                                              each copy, before its fence, as GL requires */
    GLBUF_READBACK_MEMORY_CLIENT_COHERENT, /* COHERENT + GL_CLIENT_STORAGE_BIT */
    GLBUF_READBACK_MEMORY_CLIENT_BARRIER,  /* BARRIER + GL_CLIENT_STORAGE_BIT */
    GLBUF_READBACK_MEMORY_COUNT
} glbuf_readback_memory;

typedef struct glbuf_readback_desc {
    /* Bytes of the first ring, rounded up to a power of two (at least 64).
     * Trimming never goes below it. Default 1 MiB. */
    uint64_t capacity;
    /* Bytes; the ring never grows past it and no single request may exceed
     * it. Rounded down to a power of two. Default 256 MiB. */
    uint64_t max_capacity;
    /* Default GLBUF_READBACK_MEMORY_DEFAULT. The BARRIER choices need
     * glMemoryBarrier (GL 4.2); without it they run as their COHERENT
     * counterparts (stats.memory says which is in effect). Ignored without
     * ARB_buffer_storage. */
    glbuf_readback_memory memory;
    /* Frames of low use (never more than a quarter of the ring in use)
     * before the ring shrinks. Default 120; at most 100000. */
    uint32_t trim_frames;
    /* Names the GL buffers in glObjectLabel and log lines; copied (at most 47
     * bytes kept). Default "readback". */
    const char *label;
} glbuf_readback_desc;

typedef struct glbuf_readback_stats {
    uint64_t requests;        /* successful glbuf_readback_copy calls */
    uint64_t bytes_requested; /* bytes they asked for */
    uint64_t completed;       /* requests poll or wait found complete */
    uint64_t polls_pending;   /* polls that found the request still running */
    uint64_t waits;           /* blocking waits (glbuf_readback_wait on a pending request) */
    uint64_t wait_ns;         /* nanoseconds spent in them */
    uint64_t timeouts;        /* waits that timed out */
    uint64_t growths;         /* rings replaced by a bigger one */
    uint64_t trims;           /* rings replaced by a smaller one */
    uint64_t fetches;         /* PBO-style path: map-and-copy of completed requests */
    uint64_t capacity;        /* bytes of the current ring */
    uint64_t bytes_held;      /* bytes of GL storage held: current + retired rings */
    uint64_t bytes_live;      /* bytes of the requests not yet released */
    uint32_t live_requests;   /* requests not yet released */
    uint32_t rings_retired;   /* replaced rings kept for their unreleased requests */
    glbuf_readback_memory memory; /* the storage in effect (never DEFAULT) */
    int persistent;           /* 1: persistent-mapped ring; 0: PBO-style mapping */
} glbuf_readback_stats;

/* Creates a readback object and its first ring.
 * GL calls (DSA, buffer storage): glCreateBuffers, glNamedBufferStorage,
 * glGetError, glMapNamedBufferRange, glObjectLabel; PBO-style: glCreateBuffers,
 * glNamedBufferData, glGetError, glObjectLabel (without DSA the bind-to-edit
 * equivalents, bindings restored).
 * Fails: GLBUF_ERR_NULL (ctx, desc or out NULL), GLBUF_ERR_INVALID_ARGUMENT
 * (memory outside the enum, trim_frames > 100000, capacity > max_capacity
 * after rounding, max_capacity beyond GLsizeiptr or size_t),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_FULL (the context's object table
 * or the process's handle owners are exhausted), GLBUF_ERR_OUT_OF_GPU_MEMORY
 * or GLBUF_ERR_GL (storage), GLBUF_ERR_MAP_FAILED. On failure nothing is left
 * behind and *out is untouched. */
GLBUF_API glbuf_result glbuf_readback_create(glbuf_ctx *ctx, const glbuf_readback_desc *desc, glbuf_readback *out);

/* Deletes every ring (unmapping it) and every fence, and frees the object.
 * Does not wait: GL finishes copies into deleted buffers on its own. Every
 * request handle of it is invalid afterwards and every data pointer dies.
 * Fails only with the common errors, changing nothing. */
GLBUF_API glbuf_result glbuf_readback_destroy(glbuf_ctx *ctx, glbuf_readback rb);

/* Requests the `size` bytes at `offset` of GL buffer `src_name`: issues the
 * GPU copy into the ring and its fence, and returns at once (never waits for
 * the GPU). *out is valid until glbuf_readback_release.
 * GL calls: glCopyNamedBufferSubData (bind path: glCopyBufferSubData,
 * bindings restored), glMemoryBarrier (BARRIER memory only), glFenceSync;
 * under validation glGetError before and after the copy (errors found before
 * are the app's: kept, ctx.h "GL errors"); on growth or trim those of
 * glbuf_readback_create, and glUnmapNamedBuffer + glDeleteBuffers for a
 * replaced ring no request holds.
 * Fails, changing nothing:
 *   GLBUF_ERR_INVALID_ARGUMENT  src_name is 0
 *   GLBUF_ERR_ZERO_SIZE         size is 0
 *   GLBUF_ERR_OVERFLOW          offset + size overflows, or exceeds GLintptr
 *   GLBUF_ERR_TOO_LARGE         size > max_capacity: no ring could hold it
 *   GLBUF_ERR_FULL              the ring is at max_capacity and unreleased
 *                               requests hold the bytes the request needs
 *                               (release some, or raise max_capacity)
 *   GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_OUT_OF_GPU_MEMORY, GLBUF_ERR_GL,
 *   GLBUF_ERR_MAP_FAILED        growing the ring failed: the old ring is kept
 *                               with every request in it
 * Fails after the copy was issued, keeping nothing of the request (its bytes
 * are free for the next one; the ring may have grown for it):
 *   GLBUF_ERR_GL                (validation on) GL rejected the copy:
 *                               src_name is not a buffer, the range is
 *                               outside its store, or it is mapped without
 *                               MAP_PERSISTENT
 *   GLBUF_ERR_OUT_OF_GPU_MEMORY (validation on) GL reported GL_OUT_OF_MEMORY
 *                               for the copy
 *   GLBUF_ERR_FENCE_FAILED      glFenceSync returned 0
 * Without validation glbuf does not ask GL whether the copy ran (a round
 * trip per request on threaded drivers): a copy GL rejects leaves its error
 * in GL for the app, and the request's bytes are undefined. */
GLBUF_API glbuf_result glbuf_readback_copy(glbuf_ctx *ctx, glbuf_readback rb, uint32_t src_name, uint64_t offset,
                                           uint64_t size, glbuf_readback_request *out);

/* Never blocks. GLBUF_OK when the request's copy has completed: then
 * *out_data (if out_data is not NULL) points at its `size` bytes, aligned to
 * 64 bytes, valid until glbuf_readback_release (or destroy); read only.
 * GLBUF_ERR_TIMEOUT while the GPU has not finished the copy (out_data untouched).
 * GL calls: none once the request was found complete; before, one
 * glClientWaitSync(timeout 0, flush bit); on the PBO-style path, when the
 * request is first found complete, glMapNamedBufferRange(READ) and
 * glUnmapNamedBuffer (bind path equivalents); under validation glGetError
 * when it starts and after the map.
 * Also fails, changing nothing: GLBUF_ERR_FENCE_FAILED (glClientWaitSync
 * failed; ask again); PBO-style only: GLBUF_ERR_MAP_FAILED (ask again),
 * GLBUF_ERR_CONTENTS_LOST (glUnmapBuffer returned GL_FALSE: the bytes are
 * undefined, and every later poll or wait of this request says so; release
 * it and copy again). */
GLBUF_API glbuf_result glbuf_readback_poll(glbuf_ctx *ctx, glbuf_readback rb, glbuf_readback_request req,
                                           const void **out_data);

/* As glbuf_readback_poll, but blocks up to timeout_ns nanoseconds
 * (UINT64_MAX: no limit) for a request still in flight: one
 * glClientWaitSync, counted in stats.waits / wait_ns and in the context's
 * fence_waits. GLBUF_ERR_TIMEOUT when it expired first; the request stays
 * in flight and nothing else changed. */
GLBUF_API glbuf_result glbuf_readback_wait(glbuf_ctx *ctx, glbuf_readback rb, glbuf_readback_request req,
                                           uint64_t timeout_ns, const void **out_data);

/* Ends a request, complete or not: its handle becomes invalid, its data
 * pointer dies, and its bytes return to the ring (once every older request
 * is released too). A retired ring whose last request this was is unmapped
 * and deleted here. Never waits for the GPU.
 * GL calls: glDeleteSync for a request still in flight; glUnmapNamedBuffer +
 * glDeleteBuffers for an emptied retired ring. Fails only with the common
 * errors, changing nothing. */
GLBUF_API glbuf_result glbuf_readback_release(glbuf_ctx *ctx, glbuf_readback rb, glbuf_readback_request req);

/* Statistics by value; zeroed for a NULL ctx or an invalid rb. No GL call. */
GLBUF_API glbuf_readback_stats glbuf_readback_get_stats(const glbuf_ctx *ctx, glbuf_readback rb);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_READBACK_H */
