/* mega.h - glbuf_mega: one GL buffer suballocated by glbuf_ranges (the rend3
 * megabuffer, without its traps), in one of two placements.
 *
 * Placement
 * ---------
 *   - host-visible: glBufferStorage(MAP_WRITE | MAP_PERSISTENT [| MAP_COHERENT]),
 *     mapped once; writes go straight into the mapping and draws read it
 *     where it lies. Right where host memory is GPU memory (Mesa llvmpipe,
 *     integrated GPUs): nothing to copy.
 *   - device-local: glBufferStorage with flags 0 (no map bits: the driver
 *     puts it in GPU memory), never mapped. glbuf_mega_write and
 *     glbuf_mega_ptr write into a persistent-mapped staging ring (the
 *     glbuf_stream machinery, private to the megabuffer, fenced by the frame
 *     clock); glbuf_mega_flush and glbuf_ctx_end_frame copy what was written
 *     into place on the GPU, in the order it was written, with adjacent
 *     writes merged into one copy. Right on discrete GPUs, which read their
 *     own memory 50-80x faster than host memory across the bus (an H200
 *     reads 4,267 GB/s from storage with flags 0 and 51 GB/s from a
 *     persistent mapping).
 *   - auto (the default) picks device-local when the GPU has memory of its
 *     own, host-visible otherwise, from what the context shows, in this
 *     order (glbuf_ctx_get_gpu_memory reports the rule that applied):
 *       1. GL_RENDERER names a CPU rasterizer (llvmpipe, softpipe, swrast,
 *          SwiftShader, lavapipe): host-visible;
 *       2. the driver exposes GL_NVX_gpu_memory_info or GL_ATI_meminfo (it
 *          reports video memory: NVIDIA, AMD): device-local;
 *       3. otherwise (Intel and other integrated GPUs under Mesa, Apple, an
 *          unknown driver): host-visible.
 *     Caveats: an integrated GPU whose driver exposes those extensions (AMD
 *     APUs under Mesa) gets device-local, i.e. a copy into its carve-out of
 *     host RAM, correct but not faster; a discrete GPU whose driver exposes
 *     neither (Intel Arc under Mesa) gets host-visible. Name the placement
 *     in the desc to override. glbuf_mega_stats.placement says what was used.
 *   - without ARB_buffer_storage (or with GLBUF_CAP_BUFFER_STORAGE disabled,
 *     GL 4.1 on macOS): host-visible is mutable storage plus a CPU shadow
 *     (pointers point into the shadow and glbuf_mega_flush uploads what was
 *     written); device-local is a STATIC_DRAW store with no shadow, fed by
 *     GPU copies from the ring's fallback (a host staging area uploaded with
 *     glBufferSubData). Same API.
 *
 * Lifetime of the bytes
 * ---------------------
 *   - frees are deferred: a range freed during frame F returns to the
 *     allocator only once F's fence (glbuf_ctx_end_frame) has signalled, so
 *     no allocation ever overlaps memory the GPU may still read;
 *   - growth keeps every offset and handle: new storage, GPU copies of the
 *     live bytes, the allocator extended in place. The CPU never waits for
 *     the copies: device-local, nothing on the CPU touches the store;
 *     host-visible, a CPU write (glbuf_mega_write, glbuf_mega_ptr) over bytes
 *     a copy is still writing first waits for that copy's fence, and writes
 *     elsewhere (new allocations) go ahead. The old store is deleted at once
 *     and GL keeps it while queued commands use it. The GL name and, for
 *     host-visible storage, the mapped pointers change: compare
 *     glbuf_mega_storage_generation (or glbuf_mega_gl_name) with what you
 *     bound, and re-fetch pointers;
 *   - defragmentation is incremental and never waits: allocations move down
 *     into free blocks with GPU copies inside the same storage, a byte budget
 *     of copies per call, pipelined across frames; a move is reported
 *     (on_move) once its copy has landed, and the old place stays intact
 *     until the fence of the frame that reported it, so draws recorded with
 *     either offset in that frame read the same bytes; handles stay valid,
 *     offsets change (re-query them, or take them from on_move);
 *   - trim (glbuf_mega_trim, or the trim policy of the desc) gives memory
 *     back: the store is replaced by a smaller one that holds every live
 *     allocation at its offset; no offset ever moves;
 *   - a memory budget in the desc bounds what growth may hold.
 *
 * Handles
 * -------
 * A megabuffer is a glbuf_mega, a 64-bit value handle made in a context's
 * object table (the layout and guarantee of every glbuf handle, ctx.h): it
 * is accepted only by the context that created it and only until
 * glbuf_mega_destroy. 0, a destroyed megabuffer's handle (however many
 * objects were made since: a slot is retired before its generation could
 * wrap) and another context's handle give GLBUF_ERR_INVALID_HANDLE.
 * An allocation is a glbuf_mega_range whose id is its glbuf_range id in the
 * megabuffer's own glbuf_ranges (same layout; the owner is that allocator's
 * identity, ranges.h): 0, a freed range (however often its record was reused
 * since: a record is retired before its generation could wrap) and a range
 * of another live megabuffer give GLBUF_ERR_INVALID_HANDLE. As for every
 * handle (ctx.h), one caveat: a range kept after its megabuffer was destroyed
 * can match a megabuffer made after the registry has handed out every other
 * free identity.
 *
 * Errors common to every call, checked first, changing nothing:
 *   GLBUF_ERR_NULL            ctx (or a required out pointer) is NULL
 *   GLBUF_ERR_INVALID_HANDLE  the megabuffer or range handle is not live (above)
 *   GLBUF_ERR_WRONG_KIND      the id names another kind of object (a forged handle)
 * Every error leaves the megabuffer as it was.
 *
 * Threads
 * -------
 * Every call belongs to the thread the context belongs to (the GL thread).
 * The bytes behind a pointer from glbuf_mega_ptr may be written from any
 * thread - a loader thread filling a mesh, a pool of workers filling
 * thousands of ranges - under one handoff rule:
 *
 *     GL thread:  alloc, ptr --hand the pointer over--> worker: writes
 *     GL thread:  <--the writes happen-before-- flush / end_frame / free / ...
 *
 *   - every write through the pointer must happen-before (C11 sense) the GL
 *     thread's glbuf_mega_flush of that megabuffer and glbuf_ctx_end_frame,
 *     and before any call that reads, moves or frees the allocation's bytes
 *     or ends its pointer: glbuf_mega_free of it, glbuf_mega_defragment,
 *     glbuf_mega_trim, glbuf_mega_collect with GLBUF_MEGA_TRIM_AUTO,
 *     glbuf_mega_destroy, and glbuf_mega_alloc on a host-visible megabuffer
 *     whose policy may grow (device-local, a pointer is a staging span that
 *     growth keeps, and flush or end_frame end it). The app makes
 *     it so: pthread_join / thrd_join on the writer, or a mutex, condition
 *     variable or release-acquire atomic the GL thread acquires after the
 *     writer released it. Writes that race with those calls are lost or, after
 *     a growth or defragmentation, land in unmapped memory;
 *   - while workers write, the GL thread may keep calling glbuf_mega_alloc
 *     and glbuf_mega_ptr for other allocations, provided no allocation can
 *     grow a host-visible store: overflow policy WAIT or FAIL, growth NONE,
 *     or a glbuf_mega_predict that answers GLBUF_FIT_NOW or GLBUF_FIT_WAIT
 *     before each allocation. Nothing else moves storage;
 *   - two threads may write the same megabuffer at once, each through its own
 *     allocations (disjoint bytes); two threads writing one allocation's
 *     bytes is the app's data race;
 *   - glbuf_mega_write, like every other call, is the GL thread's.
 * glbuf_mega_ptr marks the allocation for the next flush when it is called,
 * so the workers never touch glbuf's state: only the bytes they were handed.
 * tests/test_threads.c does this from several threads under ThreadSanitizer. */
#ifndef GLBUF_MEGA_H
#define GLBUF_MEGA_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "overflow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A megabuffer; id 0 is invalid. */
typedef struct glbuf_mega {
    uint64_t id;
} glbuf_mega;

/* An allocation in a megabuffer; id 0 is invalid. */
typedef struct glbuf_mega_range {
    uint64_t id;
} glbuf_mega_range;

/* Starting sizes from the seed note's table, in bytes. */
#define GLBUF_MEGA_SIMPLE_2D (4ull << 20)
#define GLBUF_MEGA_COMPLEX_2D (16ull << 20)
#define GLBUF_MEGA_SCENE_3D (64ull << 20)
#define GLBUF_MEGA_LARGE_3D (128ull << 20)

typedef enum glbuf_mega_growth {
    GLBUF_MEGA_GROW_POW2 = 0,   /* default: double until the request fits */
    GLBUF_MEGA_GROW_FACTOR_1_5, /* x1.5 until it fits */
    GLBUF_MEGA_GROW_NONE,       /* never grow: GLBUF_ERR_FULL */
    GLBUF_MEGA_GROW_COUNT
} glbuf_mega_growth;

/* What the allocations hold; sets the minimum alignment of every allocation. */
typedef enum glbuf_mega_use {
    GLBUF_MEGA_USE_VERTEX = 0, /* default: 16 bytes */
    GLBUF_MEGA_USE_INDEX,      /* 4 bytes */
    GLBUF_MEGA_USE_UNIFORM,    /* GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT */
    GLBUF_MEGA_USE_STORAGE,    /* GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT */
    GLBUF_MEGA_USE_INDIRECT,   /* 4 bytes (draw commands are uint arrays) */
    GLBUF_MEGA_USE_COUNT
} glbuf_mega_use;

/* Where the store lives (the header comment says what each means). */
typedef enum glbuf_mega_placement {
    GLBUF_MEGA_PLACEMENT_AUTO = 0,     /* default: decided from the context */
    GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL, /* GPU memory, fed by a staging ring */
    GLBUF_MEGA_PLACEMENT_HOST_VISIBLE, /* a persistent mapping drawn from directly */
    GLBUF_MEGA_PLACEMENT_COUNT
} glbuf_mega_placement;

/* When the store gives memory back (glbuf_mega_trim says how far). */
typedef enum glbuf_mega_trim_policy {
    GLBUF_MEGA_TRIM_MANUAL = 0, /* default: only glbuf_mega_trim */
    GLBUF_MEGA_TRIM_AUTO        /* also after glbuf_mega_collect, glbuf_mega_wait_idle
                                   and a defragmentation that moved something, when
                                   the trimmed store would be at most half the size */
} glbuf_mega_trim_policy;

typedef struct glbuf_mega_desc {
    uint64_t capacity;          /* bytes; default GLBUF_MEGA_SIMPLE_2D */
    uint64_t max_capacity;      /* bytes; default max(capacity, 1 GiB) */
    glbuf_mega_growth growth;   /* default POW2 */
    int explicit_flush;         /* 0 (default): coherent mapping; 1: writes
                                   through ptr need glbuf_mega_flush (the
                                   staging ring's mapping, device-local) */
    glbuf_mega_use use;         /* default VERTEX */
    const char *label;          /* default "mega" */
    glbuf_mega_placement placement; /* default AUTO */
    /* Bytes of GL storage the megabuffer may hold at once: its store, the new
     * store beside the old one while growth copies, and (device-local) its
     * staging ring at the time. Growth that would pass it fails with
     * GLBUF_ERR_FULL and changes nothing. Default 0: no budget (max_capacity
     * still applies). Defragmentation and trim are not refused by it: they
     * never raise the steady-state footprint. */
    uint64_t memory_budget;
    glbuf_mega_trim_policy trim; /* default MANUAL */
    /* Device-local: bytes the staging ring may grow to (rounded down to a
     * power of two, at least 64 KiB; default 16 MiB). It starts at 4 MiB (or
     * this, if smaller) and grows as a glbuf_stream does. A frame that
     * writes more than it holds has the copies issued every quarter of the
     * ring and reuses it once the GPU has copied them (16 MiB at PCIe speed
     * is a fraction of a millisecond: a bulk load does not wait); a single
     * write larger than it goes through a temporary buffer. Ignored
     * host-visible. */
    uint64_t staging_max_capacity;
    glbuf_overflow overflow;    /* when a request does not fit (overflow.h);
                                   default WAIT_THEN_GROW */
} glbuf_mega_desc;

typedef struct glbuf_mega_stats {
    uint64_t capacity;             /* bytes of GL storage */
    uint64_t max_capacity;         /* bytes */
    uint64_t used_bytes;           /* bytes in live allocations (pending frees and the
                                      destinations of moves in flight included) */
    uint64_t free_bytes;           /* capacity - used */
    uint64_t largest_free_block;   /* bytes */
    uint32_t free_blocks;
    uint32_t allocations;          /* live allocations (pending frees and move destinations excluded) */
    uint32_t pending_frees;        /* freed, waiting for their frame's fence */
    uint64_t pending_free_bytes;
    uint64_t growths;
    uint64_t defragmentations;     /* glbuf_mega_defragment calls that copied or reported something */
    uint64_t bytes_copied_by_growth;
    uint64_t bytes_copied_by_defrag; /* bytes defragmentation had the GPU copy, each counted once,
                                        including copies of moves dropped later (see below) */
    uint64_t defrag_moves;         /* moves reported through on_move */
    uint64_t defrag_moves_dropped; /* moves whose allocation was freed or written while its copy
                                      was in flight: never reported */
    uint64_t compactions;          /* compactions carried to their end (see glbuf_mega_defragment) */
    uint32_t moves_in_flight;      /* moves copied or copying, not yet reported */
    uint64_t moving_bytes;         /* bytes reserved for them at their destinations (in used_bytes) */
    uint64_t failed_allocations;   /* GLBUF_ERR_FULL / out of memory */
    uint64_t storage_generation;   /* 1 at creation, +1 whenever the GL name and
                                      pointers change */
    uint32_t name;                 /* the current GL buffer name */
    uint64_t alignment;            /* minimum alignment of every allocation, bytes */
    int has_buffer_storage;        /* 0 on the fallback path */
    glbuf_mega_placement placement; /* DEVICE_LOCAL or HOST_VISIBLE: what AUTO decided */
    uint64_t bytes_device_local;   /* bytes of GL storage held in GPU memory: the
                                      device-local store */
    uint64_t bytes_host_visible;   /* bytes held in host-visible memory: the
                                      host-visible store (and its CPU shadow on the
                                      fallback path, counted once), or the staging
                                      ring (device-local: current + retired rings) */
    uint64_t staged_bytes;         /* device-local: written, copy not issued yet */
    uint64_t bytes_staged;         /* device-local: bytes written through staging, in all */
    uint64_t staged_copies;        /* device-local: copies issued for them, after merging */
    uint64_t staging_overflows;    /* device-local: writes that did not fit the ring
                                      (went through a temporary buffer) */
    uint64_t staging_cuts;         /* device-local: times a frame reused the ring
                                      before it ended (it wrote more than the ring) */
    uint64_t trims;                /* stores replaced by a smaller one */
    uint64_t bytes_copied_by_trim;
    uint64_t landing_waits;        /* host-visible: CPU writes that waited for a GPU
                                      copy still writing their bytes */
    uint64_t memory_budget;        /* bytes, as in the desc; 0 none */
} glbuf_mega_stats;

/* Creates the storage (and maps it, host-visible; device-local, creates the
 * staging ring: 4 MiB or staging_max_capacity if smaller, mapped
 * persistently); *out is written only on success.
 * Fails: GLBUF_ERR_NULL (ctx, desc, out), GLBUF_ERR_INVALID_ARGUMENT (growth,
 * use, placement or trim out of range, staging_max_capacity non-zero and
 * below 64 KiB or beyond GLsizeiptr), GLBUF_ERR_TOO_LARGE (capacity >
 * max_capacity, or capacity and staging ring above a non-zero memory_budget),
 * GLBUF_ERR_OVERFLOW (beyond GLsizeiptr), GLBUF_ERR_OUT_OF_HOST_MEMORY,
 * GLBUF_ERR_OUT_OF_GPU_MEMORY, GLBUF_ERR_MAP_FAILED, GLBUF_ERR_GL (another GL
 * error from the storage call), GLBUF_ERR_FULL (the context's object table
 * has no slot left, or 2^18 - 1 handle tables - contexts, megabuffers,
 * glbuf_ranges - are alive in the process: each megabuffer's allocator is one).
 * Nothing is left behind.
 * GL (DSA): glCreateBuffers, glNamedBufferStorage, glGetError,
 * glMapNamedBufferRange, glObjectLabel. */
GLBUF_API glbuf_result glbuf_mega_create(glbuf_ctx *ctx, const glbuf_mega_desc *desc, glbuf_mega *out);

/* Deletes the storage (GL keeps it alive for commands still reading it) and
 * frees the megabuffer. Every range handle dies with it, pointers too.
 * Fails only with the common errors (nothing destroyed). */
GLBUF_API glbuf_result glbuf_mega_destroy(glbuf_ctx *ctx, glbuf_mega mega);

/* What to allocate; zero-initialise, then set size (glbuf_mega_alloc_with). */
typedef struct glbuf_mega_alloc_desc {
    uint64_t size;      /* bytes; required, > 0; a multiple of stride when stride is set */
    uint64_t alignment; /* bytes, any positive value; 0 (default): the use's minimum; as
                           glbuf_mega_alloc */
    uint64_t stride;    /* bytes per element (a vertex size: 12, 24, 36, 56 ...); 0 (default):
                           none. The offset is then a multiple of it too, so that
                           offset / stride is the exact index of the first element
                           (a draw's baseVertex / first) */
    uint64_t user_data; /* the app's own (an index, a pointer cast to uintptr_t): read back
                           with glbuf_mega_user_data, passed to on_move and to the block
                           walk, kept through growth and defragmentation; default 0 */
} glbuf_mega_alloc_desc;

/* Allocates `size` bytes at an offset that is a multiple of both `alignment`
 * and the use's minimum (their least common multiple): any positive
 * alignment, e.g. a vertex size that is not a power of two (24 bytes with
 * the vertex use's 16 gives offsets that are multiples of 48), so that
 * offset / vertex size is exact. alignment 0 means "the minimum". The
 * padding the alignment skips stays free. When free bytes do not hold the
 * request (the frees of completed frames counted, the fences polled without
 * blocking), the desc's overflow policy decides (overflow.h): wait for the
 * frees of ended frames - only when they make room; the frees of the frame
 * being recorded never come back before glbuf_ctx_end_frame - or grow the
 * storage by the growth policy (see the header comment) up to max_capacity
 * and the memory budget, or neither. glbuf_mega_predict tells beforehand
 * which it will be. No GL call when free bytes hold it, besides one
 * non-blocking poll per pending frame fence when frees are pending.
 * out_offset may be NULL. With guard bytes (GLBUF_VALIDATION_GUARDS, ctx.h,
 * host-visible only) the allocator holds size + 16 bytes.
 * Arguments are checked first, and a request that can never fit (size above
 * max_capacity; with growth NONE, above the capacity) is refused with
 * GLBUF_ERR_FULL at once: neither fails after a free was reclaimed or a
 * fence waited on.
 * Fails: GLBUF_ERR_NULL (out), GLBUF_ERR_ZERO_SIZE, GLBUF_ERR_BAD_ALIGNMENT
 * (that least common multiple does not fit in 64 bits), GLBUF_ERR_OVERFLOW
 * (size plus it beyond GLsizeiptr), GLBUF_ERR_FULL (can never fit, or no
 * room under the overflow policy - glbuf_mega_predict's GLBUF_FIT_FULL: the
 * storage would exceed max_capacity or the memory budget, growth NONE, a
 * policy that may not wait or grow - or the wait for the fences failed;
 * nothing waited for, nothing grown), GLBUF_ERR_OUT_OF_GPU_MEMORY / MAP_FAILED /
 * GLBUF_ERR_GL (growth failed: the old storage, mapping and contents are
 * intact), GLBUF_ERR_OUT_OF_HOST_MEMORY. Every failure but bad input counts
 * in stats.failed_allocations, and that is all it changes, beside the frees
 * it may have reclaimed. */
GLBUF_API glbuf_result glbuf_mega_alloc(glbuf_ctx *ctx, glbuf_mega mega, uint64_t size, uint64_t alignment,
                                        glbuf_mega_range *out, uint64_t *out_offset);

/* glbuf_mega_alloc with the parameters of `desc`: its alignment, element
 * stride (the offset a multiple of lcm(alignment, stride, the use's
 * minimum)) and user data.
 * Fails: GLBUF_ERR_NULL (desc, out); GLBUF_ERR_ZERO_SIZE; GLBUF_ERR_INVALID_ARGUMENT
 * (stride set and size not a whole number of elements); then as
 * glbuf_mega_alloc. */
GLBUF_API glbuf_result glbuf_mega_alloc_with(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mega_alloc_desc *desc,
                                             glbuf_mega_range *out, uint64_t *out_offset);

/* The user data the allocation was made with (0 through glbuf_mega_alloc).
 * A result, not a value: 0 is valid user data. Fails: GLBUF_ERR_NULL (out),
 * the common errors. No GL call. */
GLBUF_API glbuf_result glbuf_mega_user_data(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r,
                                            uint64_t *out);

/* Frees an allocation. The handle is dead at once; the bytes become
 * allocatable after the fence of the current frame has signalled. A move of
 * it in flight is dropped (never reported), and its destination freed behind
 * the same fence. No GL call.
 * With guard bytes (GLBUF_VALIDATION_GUARDS, ctx.h) it checks the
 * allocation's guard first and, when something wrote past its end, logs it
 * and returns GLBUF_ERR_GUARD_OVERRUN - the allocation is freed all the same.
 * Fails: GLBUF_ERR_OUT_OF_HOST_MEMORY (the list of pending frees could not
 * grow; the allocation stays live, its guard unchecked). */
GLBUF_API glbuf_result glbuf_mega_free(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r);

/* Offset (bytes) and size of a live allocation. Results, not values: 0 is a
 * valid offset, so an invalid handle must be told apart. */
GLBUF_API glbuf_result glbuf_mega_offset(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r,
                                         uint64_t *out);
GLBUF_API glbuf_result glbuf_mega_size(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, uint64_t *out);

/* A write pointer to the allocation's first byte. Write only; do not read
 * through it (mapped memory may be uncached). Fetching it drops a move of the
 * allocation that is in flight (see glbuf_mega_defragment), as a write does.
 * Host-visible: a pointer into the store, valid until the next growth or
 * trim (storage_generation changes) or the next glbuf_mega_defragment call
 * (which may report the allocation moved). With explicit flush,
 * or on the fallback path, the whole allocation is marked for
 * glbuf_mega_flush, so write all of it after fetching the pointer (bytes you
 * skip are flushed as the CPU sees them). A pointer fetched while a GPU copy
 * of growth or trim is still writing the allocation's bytes waits for it
 * first.
 * Device-local: a write-only staging span of the allocation's size, valid
 * until the next glbuf_mega_flush, glbuf_ctx_end_frame, defragmentation or
 * trim of this megabuffer (growth keeps it: offsets do not move). The whole
 * span is copied into place by that flush, so write all of it: bytes you
 * skip arrive as whatever the span held. Two calls for the same allocation
 * with nothing staged in between give the same span; otherwise each call
 * gives a fresh span, copied after everything staged before it.
 * For part of an allocation use glbuf_mega_write.
 * Fails: the common errors, GLBUF_ERR_NULL (out); device-local also
 * GLBUF_ERR_OUT_OF_HOST_MEMORY, and the GPU errors of a temporary buffer
 * (GLBUF_ERR_OUT_OF_GPU_MEMORY, GLBUF_ERR_MAP_FAILED, GLBUF_ERR_GL) when the
 * ring has no room; nothing is staged then. */
GLBUF_API glbuf_result glbuf_mega_ptr(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, void **out);

/* Copies `size` bytes to [offset, offset + size) of the allocation. A write
 * of one byte or more drops a move of the allocation that is in flight (its
 * copy may have read the old bytes; see glbuf_mega_defragment).
 * Host-visible: into the mapping (after the GPU copy of a growth or trim
 * still writing those bytes, if any, has landed). With explicit flush it
 * flushes that range (one glFlushMappedNamedBufferRange); on the fallback
 * path the range is uploaded by glbuf_mega_flush.
 * Device-local: into the staging ring (no GL call unless the ring must
 * grow, or wait for copies of this frame); the copy into place is issued by
 * the next glbuf_mega_flush or glbuf_ctx_end_frame, after every write staged
 * before it, so a later write to the same bytes wins. Until then GL commands
 * see the old bytes. When the ring is full for this frame the writes staged
 * so far are copied and the ring is reused once the GPU has read them (a
 * wait only if the GPU is behind); when they cannot be (spans from
 * glbuf_mega_ptr not yet flushed) or the write is larger than the ring, the
 * data goes into a temporary GL buffer, copied and deleted at the flush.
 * Fails: GLBUF_ERR_NULL (data with size > 0), GLBUF_ERR_OVERFLOW,
 * GLBUF_ERR_OUT_OF_BOUNDS (outside the allocation), GLBUF_ERR_OUT_OF_HOST_MEMORY;
 * device-local also GLBUF_ERR_OUT_OF_GPU_MEMORY / GLBUF_ERR_GL (the
 * temporary buffer). Nothing is written or staged on failure. */
GLBUF_API glbuf_result glbuf_mega_write(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, uint64_t offset,
                                        const void *data, uint64_t size);

/* Makes every write made so far visible to GL commands issued after it.
 * Host-visible: flushes the marked ranges (explicit flush) or uploads them
 * with sub-data (fallback); no-op on coherent storage.
 * Device-local: issues the staged copies, in the order of the writes, one
 * glCopyBufferSubData per run of writes adjacent both in the ring and in the
 * store (after glFlushMappedBufferRange of the ring with explicit flush, or
 * its upload on the fallback path). No glMemoryBarrier is needed before the
 * draws: buffer copies are ordered with every later GL command, whatever
 * reads the bytes (vertex, index, indirect, uniform, storage). The one
 * barrier that is needed is the other way round: shader writes to the store
 * (USE_STORAGE) are incoherent, so for that use glbuf issues
 * glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT) before its copies (GL 4.2+),
 * keeping a staged write behind a shader write made before it.
 * glbuf_ctx_end_frame does the same for every megabuffer with writes not
 * flushed yet (marked ranges, uploads, staged copies), before its fence.
 * Call it before the draws that read this frame's writes, once every thread
 * writing through this megabuffer's pointers is done (see "Threads" above);
 * staging spans from glbuf_mega_ptr end here.
 * With guard bytes (ctx.h) it checks every live allocation's guard and
 * returns GLBUF_ERR_GUARD_OVERRUN, after flushing, when one was overwritten
 * (or when a growth, trim or defragmentation since the last check found
 * one). Fails otherwise only with the common errors. */
GLBUF_API glbuf_result glbuf_mega_flush(glbuf_ctx *ctx, glbuf_mega mega);

/* Returns to the allocator every range whose frame has completed (polls the
 * fences; alloc does this by itself when it runs out of room). With
 * GLBUF_MEGA_TRIM_AUTO it then trims when that would at least halve the
 * store; a failed trim is logged and changes nothing (the call succeeds). */
GLBUF_API glbuf_result glbuf_mega_collect(glbuf_ctx *ctx, glbuf_mega mega);

/* Waits for the GPU (glbuf_ctx_wait_idle) and collects every pending free.
 * Fails: the common errors; GLBUF_ERR_TIMEOUT / GLBUF_ERR_FENCE_FAILED from
 * the wait (what completed is still collected). */
GLBUF_API glbuf_result glbuf_mega_wait_idle(glbuf_ctx *ctx, glbuf_mega mega);

/* Gives memory back: replaces the store by one that holds every live (and
 * pending-free) allocation at its current offset, i.e. at least the used
 * extent (the end of the highest allocation), rounded up to the growth
 * sequence from the creation capacity: capacity x 2^k (POW2) or the x1.5
 * steps of FACTOR_1_5, the smallest that holds the extent, never below the
 * creation capacity. Frees of completed frames are retired first (no wait).
 * No offset moves and no handle changes; nothing is reported because
 * nothing moves. The GL name changes and storage_generation increments when
 * the store is replaced; when the rounded size is not below the current
 * capacity (or growth is NONE, which keeps the creation capacity) nothing
 * changes and it succeeds. The copy is a GPU copy of the live bytes and the
 * CPU does not wait for it (as growth). Device-local staged writes and
 * spans stay valid (they are copied into the new store by the next flush).
 * Frees pending in frames still in flight keep the extent up: defragment,
 * collect or wait first for a tighter trim.
 * Fails, changing nothing: the common errors, GLBUF_ERR_OUT_OF_GPU_MEMORY /
 * GLBUF_ERR_MAP_FAILED / GLBUF_ERR_GL (the new store), GLBUF_ERR_OUT_OF_HOST_MEMORY. */
GLBUF_API glbuf_result glbuf_mega_trim(glbuf_ctx *ctx, glbuf_mega mega);

typedef struct glbuf_mega_move {
    glbuf_mega_range range;
    uint64_t old_offset, new_offset, size; /* bytes */
    uint64_t user_data;                    /* the allocation's (glbuf_mega_alloc_desc) */
} glbuf_mega_move;

typedef struct glbuf_mega_defrag_report {
    uint32_t moves;           /* moves reported through on_move by this call */
    uint32_t moves_left;      /* moves of the compaction under way not yet reported (planned,
                                 copying, or waiting for their fence); 0: none under way */
    uint32_t moves_in_flight; /* of those, started: copying or waiting for their fence */
    uint64_t bytes_moved;     /* bytes of the moves reported by this call */
    uint64_t bytes_copied;    /* bytes this call had the GPU copy: at most the budget */
    int started;              /* 1: this call planned a new compaction that has work */
    int finished;             /* 1: this call ended a compaction (its last move reported) */
    uint32_t name;            /* the GL name after the call (changed only by an AUTO trim) */
} glbuf_mega_defrag_report;

/* One step of incremental defragmentation; call it once a frame (or when
 * the layout matters) until moves_left is 0. Never waits for the GPU: it
 * polls the frame fences.
 *
 * A compaction is planned when none is under way and allocations or frees
 * happened since the last plan (one walk over the layout, O(allocations)):
 * the watermark is the lowest allocation boundary with at least as much
 * free space below it as there are live bytes at or above it; those
 * allocations, largest first, are to move into free blocks below it (near
 * best fit); what no free block below holds goes to the lowest free block
 * above it that holds it and is lower than where it is, else stays. While a
 * compaction is under way, a new allocation that would land at or above the
 * watermark goes into such a free block instead (it was never used: no copy),
 * so that new allocations fill holes rather than the space being emptied.
 * Each call then
 *   1. reports the moves whose copies have landed (the fence of the frame of
 *      their last copy has signalled): the handle names the new place from
 *      then on, valid for draws; on_move gets the old and new offsets; the
 *      old place is freed behind the fence of the current frame, so what
 *      this frame's commands read there stays intact;
 *   2. copies at most `budget` bytes (0 = no limit) on the GPU, within the
 *      storage: the rest of a move copied in part before, then new moves,
 *      each into a reserved destination no frame in flight reads. A move
 *      larger than the budget copies over several calls. Only the bytes of
 *      moving allocations are copied.
 * A compaction ends (finished = 1, compactions + 1) once every planned move
 * is reported, dropped or found no room: with a budget B per frame and L
 * live bytes it takes about L / B frames plus the few frames a fence takes,
 * however much the app allocates and frees meanwhile (what those change is
 * for the next compaction).
 * A move is dropped, never reported, when the app frees the allocation or
 * writes to it (glbuf_mega_write, glbuf_mega_ptr) while it is in flight;
 * freed ranges are never copied or reported. Allocations the GPU itself
 * writes (transform feedback, image stores) must not be written while the
 * megabuffer is being defragmented: a copy would not see those writes.
 * Collects finished frees first, as glbuf_mega_collect; when no compaction is
 * under way at its end, trims as glbuf_mega_collect does with
 * GLBUF_MEGA_TRIM_AUTO.
 * on_move (may be NULL) is called once per reported move; inside it, the
 * app may query, write and free allocations of this megabuffer, but must not
 * call glbuf_mega_defragment or glbuf_mega_destroy on it. report may be NULL.
 * GL: glCopy(Named)BufferSubData per copy (bind-to-edit without DSA), and
 * uploads or flushes of pending writes before the first copy; fence polls.
 * Fails: the common errors; GLBUF_ERR_OUT_OF_HOST_MEMORY when a new
 * compaction cannot get the host memory to plan (nothing planned, copied or
 * reported; frees already finished are collected). */
GLBUF_API glbuf_result glbuf_mega_defragment(glbuf_ctx *ctx, glbuf_mega mega, uint64_t budget,
                                             void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                             glbuf_mega_defrag_report *report);

/* ---- overflow you can see coming (overflow.h) ----
 * Both poll the frame fences without blocking (as glbuf_mega_alloc does) and
 * change nothing else: no wait, no growth, no frees retired. Their answer
 * holds until the next call that allocates, frees, defragments or ends the
 * frame; the GPU finishing more in between only makes more room. */

/* The largest request at `alignment` (any positive value, as
 * glbuf_mega_alloc: the offset a multiple of it and of the use's minimum;
 * 0: the minimum) that fits now: glbuf_mega_alloc of at most *out bytes at
 * that alignment takes free bytes, neither waiting nor growing
 * (GLBUF_FIT_NOW); a larger one does not fit now. For glbuf_mega_alloc_with
 * pass lcm(alignment, stride). O(live allocations). Fails:
 * GLBUF_ERR_NULL (out), GLBUF_ERR_BAD_ALIGNMENT (that least common multiple
 * does not fit in 64 bits), GLBUF_ERR_OVERFLOW (alignment beyond GLsizeiptr). */
GLBUF_API glbuf_result glbuf_mega_room(glbuf_ctx *ctx, glbuf_mega mega, uint64_t alignment, uint64_t *out);

/* What glbuf_mega_alloc(size, alignment) would do now under the desc's
 * overflow policy: GLBUF_FIT_NOW, GLBUF_FIT_WAIT (for the frees of ended
 * frames), GLBUF_FIT_GROW (preceded by no wait; within max_capacity and the
 * memory budget) or GLBUF_FIT_FULL (a request that can never fit included).
 * O(live allocations). Fails as glbuf_mega_alloc does on bad input, changing
 * nothing: GLBUF_ERR_NULL (out), GLBUF_ERR_ZERO_SIZE, GLBUF_ERR_BAD_ALIGNMENT,
 * GLBUF_ERR_OVERFLOW. */
GLBUF_API glbuf_result glbuf_mega_predict(glbuf_ctx *ctx, glbuf_mega mega, uint64_t size, uint64_t alignment,
                                          glbuf_fit *out);

/* Statistics by value; a zeroed struct for a NULL ctx or an invalid handle.
 * No GL call. */
GLBUF_API glbuf_mega_stats glbuf_mega_get_stats(const glbuf_ctx *ctx, glbuf_mega mega);

/* The GL buffer name of the current storage (what to bind); it changes with
 * growth (defragmentation keeps it). 0 for a NULL ctx or an invalid handle. */
GLBUF_API uint32_t glbuf_mega_gl_name(const glbuf_ctx *ctx, glbuf_mega mega);

/* 1 at creation, +1 each time the GL name and the mapped pointers change
 * (growth; defragmentation keeps the storage): compare it with the value
 * seen when binding or fetching pointers. 0 for a NULL ctx or an invalid
 * handle. */
GLBUF_API uint64_t glbuf_mega_storage_generation(const glbuf_ctx *ctx, glbuf_mega mega);

/* Kinds of block in the layout. */
typedef enum glbuf_mega_block_kind {
    GLBUF_MEGA_BLOCK_LIVE = 0,
    GLBUF_MEGA_BLOCK_FREE,
    GLBUF_MEGA_BLOCK_PENDING, /* freed, waiting for its fence */
    GLBUF_MEGA_BLOCK_MOVING   /* the destination of a move in flight (defragmentation) */
} glbuf_mega_block_kind;

/* One block of the layout. */
typedef struct glbuf_mega_block {
    glbuf_mega_block_kind kind;
    uint64_t offset, size;   /* bytes */
    uint64_t frame;          /* the frame the allocation was made (live) or freed
                                (pending) in; 0 for free blocks */
    glbuf_mega_range range;  /* live: the allocation; moving: the allocation moving there;
                                id 0 otherwise */
    uint64_t user_data;      /* live, pending, moving: the allocation's; 0 for free blocks */
} glbuf_mega_block;

/* Calls fn for every block (live, pending or free) in offset order; stop by
 * returning non-zero. `block` is valid during the call. fn must not change
 * the megabuffer. Fails: GLBUF_ERR_NULL (fn), GLBUF_ERR_OUT_OF_HOST_MEMORY
 * (the walk needs a scratch list of the free blocks; fn not called). */
typedef int (*glbuf_mega_block_fn)(void *user, const glbuf_mega_block *block);
GLBUF_API glbuf_result glbuf_mega_for_each_block(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_block_fn fn,
                                                 void *user);

/* Writes the layout as JSON:
 *   {"capacity":N,"name":N,"generation":N,"alignment":N,
 *    "blocks":[{"kind":"live","offset":N,"size":N,"frame":N,"user_data":N},...]}
 * with kind live, pending, free or moving, in offset order; frame and
 * user_data as in glbuf_mega_for_each_block.
 * into out (out_size bytes, NUL-terminated when it fits). *out_len gets the
 * length without the NUL. Fails: GLBUF_ERR_NULL (out_len),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY (the walk needs a scratch list), GLBUF_ERR_TOO_LARGE
 * when out_size <= length (then call again with *out_len + 1 bytes). */
GLBUF_API glbuf_result glbuf_mega_dump_json(const glbuf_ctx *ctx, glbuf_mega mega, char *out, size_t out_size,
                                            size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_MEGA_H */
