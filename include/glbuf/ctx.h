/* ctx.h - glbuf_ctx: one per GL context. Loads glbuf's own GL function table,
 * queries the capabilities once, counts every GL call glbuf makes, and owns the
 * frame clock that every module retires GPU-visible memory against.
 *
 * One convention for the whole library
 * ------------------------------------
 * Roots are pointers: glbuf_ctx (one per GL context) and glbuf_ranges (the
 * GL-free allocator). Everything made inside a root is a typed 64-bit value
 * handle { uint64_t id; }, id 0 invalid: glbuf_buffer, glbuf_mega,
 * glbuf_stream, glbuf_pool, and the sub-allocations glbuf_mega_range and
 * glbuf_range. Every function takes its root first. glbuf_X_create(ctx,
 * &desc, &out) and glbuf_X_destroy(ctx, x) both return a glbuf_result; what
 * can fail returns a glbuf_result and writes its out-parameters only on
 * success; queries that cannot fail (stats, GL names, sizes) return by value
 * and give zero / a zeroed struct for a NULL root or an invalid handle.
 *
 * Handles
 * -------
 *     id = [ owner : 18 ][ generation : 22 ][ index : 24 ]
 * The owner is the identity of the table that issued the handle (this
 * context's object table; for ranges, the allocator instance), from a
 * process-wide registry: no two live tables share one. The generation counts
 * the reuses of the slot `index`; a slot whose generation reaches 2^22 - 1 is
 * retired, never reused, so a table never issues the same id twice. Hence:
 *   - a handle is accepted only by the root that issued it, and only while
 *     its object is alive; 0, a destroyed object's handle and another live
 *     root's handle give GLBUF_ERR_INVALID_HANDLE and change nothing, however
 *     many objects were made and destroyed since;
 *   - an id forged from another kind (a glbuf_mega's id in a glbuf_stream)
 *     gives GLBUF_ERR_WRONG_KIND;
 *   - the one caveat: a handle kept after its root was destroyed may match a
 *     root created later once the registry hands that identity out again,
 *     which it does only after every other free identity (of 2^18 - 1) has
 *     been handed out since.
 *
 * Thread safety: a glbuf_ctx and everything created from it belong to the
 * thread on which its GL context is current. Every call that touches GL needs
 * that context current. The one exception is memory glbuf hands out for
 * writing - glbuf_mega_ptr and glbuf_stream_allocation.ptr - which any
 * thread may fill, under the handoff rule of mega.h and stream.h ("Threads"). */
#ifndef GLBUF_CTX_H
#define GLBUF_CTX_H

#include <stdint.h>

#include "export.h"
#include "hooks.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct glbuf_ctx glbuf_ctx;

/* A GL entry point as returned by glfwGetProcAddress, eglGetProcAddress,
 * SDL_GL_GetProcAddress (cast) ... */
typedef void (*glbuf_gl_proc)(void);
typedef glbuf_gl_proc (*glbuf_get_proc_address_fn)(const char *name);

/* Capabilities; used as a mask in glbuf_ctx_desc.disable_caps to force the
 * fallback paths (tests run every module with and without them). */
typedef enum glbuf_cap {
    GLBUF_CAP_DSA = 1u << 0,            /* GL 4.5 or ARB_direct_state_access */
    GLBUF_CAP_BUFFER_STORAGE = 1u << 1, /* GL 4.4 or ARB_buffer_storage */
    GLBUF_CAP_DEBUG = 1u << 2           /* GL 4.3 or KHR_debug: labels, messages */
} glbuf_cap;

/* glbuf_ctx_desc.validation: debugging aids, each costing time. */
typedef enum glbuf_validation {
    /* Every module runs its invariant checks after every operation, and
     * every public call that makes GL calls reads glGetError when it starts
     * (errors found are the app's: kept, see "GL errors") and when it ends
     * (errors found are glbuf's: logged and counted). Costs time, and a
     * round trip per check on threaded drivers. */
    GLBUF_VALIDATION_CHECKS = 1,
    /* The checks, and guard bytes: every megabuffer and stream allocation is
     * followed by 16 bytes of a fixed pattern, checked by glbuf_mega_flush
     * (every live allocation), glbuf_mega_free (the one freed),
     * glbuf_stream_flush (the stream's allocations of this frame) and
     * glbuf_ctx_end_frame (all of them). A changed guard byte - a write past
     * the end of an allocation - is logged at GLBUF_LOG_ERROR, naming the
     * object by its label, the allocation (megabuffer: its handle, user data,
     * offset and size; stream: its frame, GL buffer, offset and size) and the
     * offset of the first changed byte; the guard is filled again, so an
     * overrun is reported once per write; and the call that found it does its
     * work as usual and returns GLBUF_ERR_GUARD_OVERRUN. An overrun found by a
     * call that cannot return it (a megabuffer's growth, trim or
     * defragmentation checks before copying) is returned by the megabuffer's
     * next flush or glbuf_ctx_end_frame. What guards change: each allocation
     * takes 16 more bytes of its megabuffer or ring, so later allocations land
     * elsewhere and storage grows sooner (used_bytes, the block walk, the JSON
     * dump and defragmentation moves count the guard with its allocation;
     * glbuf_mega_size does not), and mappings are made with GL_MAP_READ_BIT
     * too, so that the guards can be read. Hence a bit of their own: the
     * checks alone never change where allocations land.
     * Caveats: a device-local megabuffer (mega.h, "Placement") has no CPU view
     * of its store, so it gets no guard bytes at all (nothing added, nothing
     * checked; a write past the end of a staging span is not seen). After a
     * growth or trim, guards in bytes the GPU copy is still writing are
     * checked once it has landed (an allocation placed there waits for the
     * copy before its guard is filled); with explicit_flush (a mapping that is
     * not coherent) they are filled again instead, so an overrun made between
     * the growth or trim and that refill is not reported. Writes that skip
     * the guard and land further on are not seen. */
    GLBUF_VALIDATION_GUARDS = 2,
    GLBUF_VALIDATION_ALL = 3
} glbuf_validation;

typedef struct glbuf_ctx_desc {
    /* Required. Called only inside glbuf_ctx_create, with the context current. */
    glbuf_get_proc_address_fn get_proc_address;
    /* Default: malloc/free. */
    glbuf_allocator allocator;
    /* Default: no logging. When set and the context has KHR_debug, GL debug
     * messages are routed here (glDebugMessageCallback, GL_DEBUG_OUTPUT enabled)
     * unless keep_debug_callback is non-zero; glbuf_ctx_destroy puts the
     * app's previous callback back and GL_DEBUG_OUTPUT as glbuf_ctx_create
     * found it (glbuf never touches GL_DEBUG_OUTPUT_SYNCHRONOUS). */
    glbuf_logger logger;
    int keep_debug_callback;
    /* glbuf_validation bits; default 0 (off, no cost). Any bit turns the
     * checks (GLBUF_VALIDATION_CHECKS) on. Other bits:
     * GLBUF_ERR_INVALID_ARGUMENT. */
    int validation;
    /* glbuf_cap bits to treat as absent even when the driver has them. */
    uint32_t disable_caps;
    /* Prefix of every GL object label glbuf sets. Default "glbuf". */
    const char *label_prefix;
} glbuf_ctx_desc;

/* Queried once at creation; the strings belong to the GL driver and live as
 * long as the context. Alignments are in bytes. */
typedef struct glbuf_caps {
    int gl_major, gl_minor;
    uint32_t caps;                      /* glbuf_cap bits in effect */
    const char *vendor, *renderer, *version;
    uint64_t uniform_offset_alignment;  /* GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT */
    uint64_t storage_offset_alignment;  /* GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT */
    uint64_t texture_offset_alignment;  /* GL_TEXTURE_BUFFER_OFFSET_ALIGNMENT */
    uint64_t map_alignment;             /* GL_MIN_MAP_BUFFER_ALIGNMENT */
    int max_label_length;               /* GL_MAX_LABEL_LENGTH, 0 without KHR_debug */
} glbuf_caps;

/* Every GL entry point glbuf calls, counted one by one. X(name): glName. */
#define GLBUF_GL_CALL_TABLE(X)                                                                  \
    X(GetError) X(GetString) X(GetStringi) X(GetIntegerv) X(GetInteger64v)                      \
    X(GenBuffers) X(CreateBuffers) X(DeleteBuffers) X(BindBuffer)                               \
    X(BufferData) X(NamedBufferData) X(BufferStorage) X(NamedBufferStorage)                     \
    X(BufferSubData) X(NamedBufferSubData) X(GetBufferSubData) X(GetNamedBufferSubData)         \
    X(CopyBufferSubData) X(CopyNamedBufferSubData)                                              \
    X(MapBufferRange) X(MapNamedBufferRange) X(UnmapBuffer) X(UnmapNamedBuffer)                 \
    X(FlushMappedBufferRange) X(FlushMappedNamedBufferRange)                                    \
    X(InvalidateBufferData) X(InvalidateBufferSubData)                                          \
    X(GetBufferParameteri64v) X(GetNamedBufferParameteri64v)                                    \
    X(ObjectLabel) X(DebugMessageCallback) X(GetPointerv) X(Enable)                             \
    X(FenceSync) X(ClientWaitSync) X(DeleteSync) X(Finish) X(MemoryBarrier)                     \
    X(IsEnabled) X(Disable)

typedef enum glbuf_gl_call {
#define GLBUF_GL_CALL_ENUM(name) GLBUF_GL_##name,
    GLBUF_GL_CALL_TABLE(GLBUF_GL_CALL_ENUM)
#undef GLBUF_GL_CALL_ENUM
    GLBUF_GL_CALL_COUNT
} glbuf_gl_call;

/* "glBufferData" for GLBUF_GL_BufferData; "?" outside the table. */
GLBUF_API const char *glbuf_gl_call_name(glbuf_gl_call call);

/* Counters since creation (or the last glbuf_ctx_reset_stats). */
typedef struct glbuf_ctx_stats {
    uint64_t calls[GLBUF_GL_CALL_COUNT]; /* GL calls glbuf made, by entry point */
    uint64_t calls_total;                /* sum of calls[] */
    uint64_t bytes_uploaded;             /* bytes glbuf passed to GL as data */
    uint64_t buffers_created;            /* GL buffer names created */
    uint64_t buffers_deleted;            /* GL buffer names deleted */
    uint64_t buffers_alive;              /* created - deleted */
    uint64_t reallocations;              /* data stores re-specified to grow */
    uint64_t bytes_copied_by_growth;     /* bytes moved on the GPU to keep contents */
    uint64_t gl_errors;                  /* GL errors glbuf's own calls raised */
    uint64_t app_gl_errors;              /* GL errors not glbuf's that it read out of GL
                                            and kept for glbuf_ctx_take_app_gl_error */
    uint64_t fence_waits;                /* blocking waits on frame fences */
    uint64_t fence_wait_ns;              /* time spent in them, nanoseconds */
} glbuf_ctx_stats;

/* Creates a context wrapper for the GL context current on this thread.
 * Fails with GLBUF_ERR_NULL (desc, out or get_proc_address NULL),
 * GLBUF_ERR_INVALID_ARGUMENT (only one of allocator.alloc/free set, unknown
 * disable_caps or validation bits), GLBUF_ERR_OUT_OF_HOST_MEMORY, GLBUF_ERR_LOAD_FAILED (no
 * current context, or glGetString unavailable), GLBUF_ERR_UNSUPPORTED
 * (GL_VERSION below 3.3) or GLBUF_ERR_FULL (2^18 - 1 handle tables -
 * contexts and allocators - are alive in the process). Any GL 3.3 or later context is accepted, core or
 * compatibility profile: glbuf uses nothing either profile lacks. A refused
 * context is left as it was found (no GL error raised). On failure *out is
 * untouched. */
GLBUF_API glbuf_result glbuf_ctx_create(const glbuf_ctx_desc *desc, glbuf_ctx **out);

/* Waits for the GPU, frees every object still alive in the context (pools
 * first, then streams, megabuffers and buffers, each as its destroy call
 * does), deletes the fences, puts the app's debug callback back and
 * GL_DEBUG_OUTPUT as glbuf_ctx_create found it (if glbuf installed its
 * callback), and frees the context. GL errors still kept for the app
 * (glbuf_ctx_take_app_gl_error) go with it; each was logged when read. If objects were left alive it logs one warning line counting
 * each kind, e.g.
 *     context destroyed with objects alive, freed: 2 buffers (+1 pooled), 1 megabuffers, 0 streams, 1 pools
 * where "buffers" are the app's own and "+N pooled" the buffers its pools
 * still held (idle or acquired). Every handle of the context dies with it.
 * NULL is ignored. The GL context must still be current. */
GLBUF_API void glbuf_ctx_destroy(glbuf_ctx *ctx);

/* Capabilities by value. A NULL ctx gives a zeroed struct. */
GLBUF_API glbuf_caps glbuf_ctx_get_caps(const glbuf_ctx *ctx);
GLBUF_API glbuf_ctx_stats glbuf_ctx_get_stats(const glbuf_ctx *ctx);
/* Zeroes the counters except buffers_alive. No-op on NULL. */
GLBUF_API void glbuf_ctx_reset_stats(glbuf_ctx *ctx);

/* ---- GPU memory ------------------------------------------------------------
 * What the driver says about the GPU's memory, and whether the GPU has memory
 * of its own (the answer glbuf_mega's GLBUF_MEGA_PLACEMENT_AUTO follows; mega.h
 * says how it is decided). */

typedef enum glbuf_gpu_memory_source {
    GLBUF_GPU_MEMORY_UNKNOWN = 0, /* the driver exposes neither extension: sizes are 0 */
    GLBUF_GPU_MEMORY_NVX,         /* GL_NVX_gpu_memory_info (NVIDIA; Mesa on AMD) */
    GLBUF_GPU_MEMORY_ATI          /* GL_ATI_meminfo only (AMD): no total */
} glbuf_gpu_memory_source;

typedef struct glbuf_gpu_memory {
    glbuf_gpu_memory_source source;
    uint64_t total_bytes;     /* NVX: GPU_MEMORY_INFO_DEDICATED_VIDMEM; 0 unknown (ATI, none) */
    uint64_t available_bytes; /* NVX: CURRENT_AVAILABLE_VIDMEM; ATI: VBO_FREE_MEMORY's
                                 total free; 0 unknown */
    uint64_t evicted_bytes;   /* NVX: EVICTED_MEMORY since the context was made; else 0 */
    uint32_t evictions;       /* NVX: EVICTION_COUNT; else 0 */
    int dedicated;            /* 1: the GPU has memory of its own (AUTO places
                                 megabuffers device-local); 0: host memory is
                                 GPU memory, or nothing says otherwise */
    const char *why;          /* the rule that decided `dedicated`, a static string */
} glbuf_gpu_memory;

/* The GPU memory as the driver reports it now: total and available bytes
 * (queried on each call: available changes as anything on the machine
 * allocates), and the placement decision made at glbuf_ctx_create. Cannot
 * fail: without GL_NVX_gpu_memory_info and GL_ATI_meminfo the sizes are 0
 * and source is GLBUF_GPU_MEMORY_UNKNOWN. A zeroed struct for a NULL ctx.
 * GL calls: glGetIntegerv (4 with NVX, 1 with ATI, none otherwise), then
 * glGetError (the queries must leave no error behind). */
GLBUF_API glbuf_gpu_memory glbuf_ctx_get_gpu_memory(glbuf_ctx *ctx);

/* ---- GL errors -------------------------------------------------------------
 * glGetError is a round trip to the driver's thread on threaded drivers
 * (NVIDIA, Mesa glthread), so glbuf calls it only where it must know whether
 * a GL call of its own failed: right before and right after the calls that
 * allocate GL storage (buffer creation, re-specification and growth; the
 * storage of megabuffers, stream and readback rings) - two glGetError calls
 * each when nothing is wrong - and, with desc.validation on, at the start and
 * the end of every public call that makes GL calls. Nowhere else: mapping,
 * orphaning a store at its own size, sub-data, flushes, copies and fences
 * make none. Every one is counted in glbuf_ctx_stats.calls[GLBUF_GL_GetError].
 *
 * GL keeps an error flag until glGetError reads it, so a check right after
 * glbuf's call could read an error the app raised before it. The read before
 * the call takes those out: each error found then is not glbuf's. glbuf logs
 * it (a warning: "... was pending before a glbuf call") and keeps it for the
 * app, counted in app_gl_errors; glbuf_ctx_take_app_gl_error hands the kept
 * errors back, oldest first. No GL error of the app disappears: an app that
 * checks errors reads glbuf's keep first, then GL's:
 *     GLenum e = glbuf_ctx_take_app_gl_error(ctx);
 *     if (e == GL_NO_ERROR) e = glGetError();
 * Errors glbuf's own calls raise are reported by their result codes
 * (GLBUF_ERR_OUT_OF_GPU_MEMORY, GLBUF_ERR_GL ...), logged and counted in
 * gl_errors, and not kept. A call that checks no error and fails by its
 * return value (glMapBufferRange returning NULL: GLBUF_ERR_MAP_FAILED) leaves
 * its GL error pending in GL, as the same GL call made by the app would; a
 * later check reads it as one left before a glbuf call. */

/* The oldest GL error (GL_INVALID_ENUM, GL_OUT_OF_MEMORY ... as a uint32_t)
 * that glbuf read out of GL before a checked call of its own and kept for
 * the app, and forgets it; 0 (GL_NO_ERROR) when none is kept, or for a NULL
 * ctx. As GL keeps one flag per error, glbuf keeps each error value once
 * until it is taken (at most 8 values; a further distinct value, which no GL
 * implementation has, is logged and dropped). No GL call. */
GLBUF_API uint32_t glbuf_ctx_take_app_gl_error(glbuf_ctx *ctx);

/* ---- frame clock ----------------------------------------------------------
 * Frame numbers start at 1. Memory freed during frame F may still be read by
 * the GPU until the fence inserted by the glbuf_ctx_end_frame that ends F has
 * signalled; every module retires memory against that. */

/* The frame now being recorded. 0 for a NULL ctx. */
GLBUF_API uint64_t glbuf_ctx_frame(const glbuf_ctx *ctx);

/* Inserts the fence for the current frame and starts the next one. First
 * flushes every megabuffer with writes not flushed yet (as glbuf_mega_flush:
 * device-local staged copies issued, marked ranges flushed or uploaded;
 * this cannot fail) and uploads the staged batched appends of every buffer
 * (glbuf_buffer_flush_appends);
 * a buffer whose upload fails keeps its bytes staged for the next flush and
 * that failure is returned when nothing below failed (the frame advances).
 * GLBUF_ERR_FENCE_FAILED when glFenceSync returns 0: the frame still advances
 * and its memory is retired by the next fence that signals (GL executes in
 * order), so nothing is reused early. With guard bytes
 * (GLBUF_VALIDATION_GUARDS) it first checks every megabuffer's and stream's
 * guards and returns GLBUF_ERR_GUARD_OVERRUN when one was overwritten and
 * nothing else failed (the frame advances all the same). Blocks (counted in fence_waits) only
 * when 16 frames are in flight; if that wait fails (GLBUF_ERR_FENCE_FAILED or
 * GLBUF_ERR_TIMEOUT) the frame does not advance and no fence is inserted. */
GLBUF_API glbuf_result glbuf_ctx_end_frame(glbuf_ctx *ctx);

/* The newest frame whose fence has signalled (0 if none), polling without
 * blocking. Every frame at or below it is complete on the GPU. */
GLBUF_API uint64_t glbuf_ctx_completed_frame(glbuf_ctx *ctx);

/* Blocks until frame `frame` is complete or timeout_ns passes.
 * GLBUF_ERR_INVALID_ARGUMENT if frame is not yet ended (>= glbuf_ctx_frame),
 * GLBUF_ERR_TIMEOUT, GLBUF_ERR_FENCE_FAILED (the wait itself failed). */
GLBUF_API glbuf_result glbuf_ctx_wait_frame(glbuf_ctx *ctx, uint64_t frame, uint64_t timeout_ns);

/* Ends the current frame and waits until every frame is complete: after it,
 * nothing glbuf handed out is in use by the GPU. For shutdown and tests.
 * Fails: GLBUF_ERR_NULL; what glbuf_ctx_end_frame and glbuf_ctx_wait_frame
 * return (the wait's failure first). */
GLBUF_API glbuf_result glbuf_ctx_wait_idle(glbuf_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_CTX_H */
