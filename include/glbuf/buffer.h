/* buffer.h - glbuf_buffer: one GL buffer object with the semantics of Cinder's
 * gl::BufferObj and Processing's growth, with their traps fixed.
 *
 * A buffer has a size (bytes in use) and a capacity (bytes of GL storage).
 * Creation, data() and copy_data() set both; reserve(), append() and resize()
 * grow the capacity by the buffer's growth policy while keeping the contents
 * and (unless growth_may_rename) the GL name.
 *
 * Handles: a buffer is a glbuf_buffer, a 64-bit value handle made in a
 * context's object table (the layout and guarantee of every glbuf handle,
 * ctx.h): it is accepted only by the context that created it and only until
 * glbuf_buffer_destroy. 0, a destroyed buffer's handle (however many buffers
 * were made since: a slot is retired before its generation could wrap) and
 * another context's handle give GLBUF_ERR_INVALID_HANDLE.
 *
 * Every call takes the context it was created with (current on this thread).
 * Errors common to every call below, checked first and changing nothing:
 *   GLBUF_ERR_NULL            ctx (or a required out pointer) is NULL
 *   GLBUF_ERR_INVALID_HANDLE  the buffer handle is not live (above)
 *   GLBUF_ERR_WRONG_KIND      the id names another kind of object (a forged handle)
 * GPU failures: GLBUF_ERR_OUT_OF_GPU_MEMORY from reserve, resize and append
 * leaves the old storage and its contents intact (read them back), even on a
 * driver that releases the old store. data, copy_data, ensure_min_size and
 * orphan replace the contents anyway: on GL_OUT_OF_MEMORY glbuf re-reads the
 * size the driver kept, so size and capacity stay true, but bytes the driver
 * dropped are gone. GLBUF_ERR_GL reports any other GL error raised by glbuf's
 * own call; errors the app left pending are read out first, logged and kept
 * for the app (glbuf_ctx_take_app_gl_error), never blamed on glbuf. glbuf
 * reads GL errors only around the calls that allocate storage (ctx.h, "GL
 * errors"): the GPU failures above are seen there; a call that allocates
 * nothing and fails by its return value (map_range) leaves its GL error in
 * GL for the app.
 *
 * Where glbuf deliberately differs from Cinder:
 *   - immutable storage (glBufferStorage) is tracked: re-specification
 *     returns GLBUF_ERR_IMMUTABLE instead of raising a GL error;
 *   - the default usage is STATIC_DRAW (Cinder's no-size default, GL_READ_WRITE,
 *     is not a usage at all);
 *   - unmap reports GL_FALSE (contents lost) as GLBUF_ERR_CONTENTS_LOST;
 *   - sub_data is bounds-checked against the size.
 * Where it differs from Processing: POW2 growth from capacity 0 starts at 1
 * and growth that would overflow clamps to the request, never loops forever.
 *
 * Batched appends (desc.batch_appends; Processing's cost model). append
 * copies the bytes into a CPU staging array and makes no GL call; size grows
 * at once, the GL store does not. The staged bytes reach GL, grown into the
 * store by the policy if needed, with exactly one sub-data call per buffer
 * however many appends were made, at the first of:
 *   - glbuf_buffer_flush_appends on this buffer (call it before a draw that
 *     must see this frame's appends, then bind glbuf_buffer_name: it may have
 *     changed);
 *   - glbuf_ctx_end_frame (or glbuf_ctx_wait_idle), for every buffer, before
 *     the frame's fence: appends not flushed explicitly are drawn from the
 *     next frame on;
 *   - a call on this buffer that reads or writes the GL contents or changes
 *     the size: get_sub_data, copy_data, ensure_min_size, reserve (when it
 *     grows), resize, map_range / map / map_replace. Those calls then cost
 *     that upload as well.
 * sub_data into staged bytes updates the staging copy (GL is written only for
 * the part already uploaded); data and orphan discard them with the rest of
 * the contents; destroy drops them. While bytes are staged, size may exceed
 * capacity (the store grows at the upload) and info.pending_bytes counts them.
 * When the upload fails (GLBUF_ERR_OUT_OF_GPU_MEMORY / GLBUF_ERR_GL from the
 * growth) the staged bytes stay staged, the store is as before, and the next
 * upload retries: nothing is lost.
 *
 * Growth that may rename (desc.growth_may_rename). Default (0, Cinder): growth
 * keeps the GL name; the used bytes travel twice on the GPU (to a temporary
 * buffer and back). With 1: growth creates a new GL buffer, copies the used
 * bytes into it once, deletes the old one and takes the new name;
 * info.storage_generation increments. After a rename, binding points of the
 * current context that held the old name hold 0 (glDeleteBuffers), and other
 * vertex array objects keep the old storage alive and keep drawing from it
 * until re-pointed: re-bind glbuf_buffer_name after any call that may grow
 * (reserve, resize, append, flush_appends, end_frame with batched appends)
 * when storage_generation changed. A failed growth deletes only the new
 * buffer: the old name, store and contents stay. */
#ifndef GLBUF_BUFFER_H
#define GLBUF_BUFFER_H

#include <stdint.h>

#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct glbuf_buffer {
    uint64_t id;
} glbuf_buffer;

/* Binding targets; glbuf_target_gl_enum gives the GL value for glBindBuffer. */
typedef enum glbuf_target {
    GLBUF_TARGET_ARRAY = 0, /* default */
    GLBUF_TARGET_ELEMENT_ARRAY,
    GLBUF_TARGET_UNIFORM,
    GLBUF_TARGET_SHADER_STORAGE,
    GLBUF_TARGET_DRAW_INDIRECT,
    GLBUF_TARGET_DISPATCH_INDIRECT,
    GLBUF_TARGET_COPY_READ,
    GLBUF_TARGET_COPY_WRITE,
    GLBUF_TARGET_PIXEL_PACK,
    GLBUF_TARGET_PIXEL_UNPACK,
    GLBUF_TARGET_TEXTURE,
    GLBUF_TARGET_TRANSFORM_FEEDBACK,
    GLBUF_TARGET_ATOMIC_COUNTER,
    GLBUF_TARGET_QUERY,
    GLBUF_TARGET_COUNT
} glbuf_target;

typedef enum glbuf_usage {
    GLBUF_USAGE_STATIC_DRAW = 0, /* default */
    GLBUF_USAGE_DYNAMIC_DRAW,
    GLBUF_USAGE_STREAM_DRAW,
    GLBUF_USAGE_STATIC_READ,
    GLBUF_USAGE_DYNAMIC_READ,
    GLBUF_USAGE_STREAM_READ,
    GLBUF_USAGE_STATIC_COPY,
    GLBUF_USAGE_DYNAMIC_COPY,
    GLBUF_USAGE_STREAM_COPY,
    GLBUF_USAGE_COUNT
} glbuf_usage;

/* How reserve/append/resize pick the new capacity for a request `need`
 * larger than the capacity `cap`. */
typedef enum glbuf_growth {
    GLBUF_GROWTH_EXACT = 0,   /* default; Cinder: exactly `need` */
    GLBUF_GROWTH_POW2,        /* Processing expandArraySize: double cap until >= need */
    GLBUF_GROWTH_FACTOR_1_5,  /* cap += cap / 2 until >= need */
    GLBUF_GROWTH_FIXED_STEP,  /* cap + k * step, the smallest k that fits */
    GLBUF_GROWTH_COUNT
} glbuf_growth;

/* Immutable-storage flags (glBufferStorage), our names for GL's bits. */
typedef enum glbuf_storage_flag {
    GLBUF_STORAGE_DYNAMIC = 1u << 0,    /* GL_DYNAMIC_STORAGE_BIT: sub_data allowed */
    GLBUF_STORAGE_MAP_READ = 1u << 1,
    GLBUF_STORAGE_MAP_WRITE = 1u << 2,
    GLBUF_STORAGE_PERSISTENT = 1u << 3,
    GLBUF_STORAGE_COHERENT = 1u << 4,
    GLBUF_STORAGE_CLIENT = 1u << 5
} glbuf_storage_flag;

/* Map access bits, our names for glMapBufferRange's. */
typedef enum glbuf_map_flag {
    GLBUF_MAP_READ = 1u << 0,
    GLBUF_MAP_WRITE = 1u << 1,
    GLBUF_MAP_INVALIDATE_RANGE = 1u << 2,
    GLBUF_MAP_INVALIDATE_BUFFER = 1u << 3,
    GLBUF_MAP_FLUSH_EXPLICIT = 1u << 4,
    GLBUF_MAP_UNSYNCHRONIZED = 1u << 5,
    GLBUF_MAP_PERSISTENT = 1u << 6,
    GLBUF_MAP_COHERENT = 1u << 7
} glbuf_map_flag;

typedef struct glbuf_buffer_desc {
    glbuf_target target;       /* default ARRAY */
    glbuf_usage usage;         /* default STATIC_DRAW; ignored for immutable storage */
    uint64_t size;             /* bytes; 0 allowed for mutable storage (no store yet) */
    const void *data;          /* initial contents, `size` bytes, or NULL */
    glbuf_growth growth;       /* default EXACT */
    uint64_t growth_step;      /* bytes, FIXED_STEP only; default 1 MiB */
    uint32_t storage_flags;    /* glbuf_storage_flag bits; non-zero = immutable
                                  storage (needs GLBUF_CAP_BUFFER_STORAGE) */
    const char *label;         /* copied; default "buffer" */
    int batch_appends;         /* default 0: append uploads at once (one
                                  sub-data per call). Non-zero: appends are
                                  staged on the CPU, one upload per flush
                                  (see "Batched appends" above) */
    int growth_may_rename;     /* default 0: growth keeps the GL name (used
                                  bytes copied twice). Non-zero: growth moves
                                  to a new GL name (copied once; see above) */
} glbuf_buffer_desc;

/* Creates the GL buffer and its storage.
 * Fails: GLBUF_ERR_INVALID_ARGUMENT (target/usage/growth out of range, unknown
 * storage flags), GLBUF_ERR_ZERO_SIZE (immutable storage of size 0),
 * GLBUF_ERR_OVERFLOW (size beyond GLsizeiptr), GLBUF_ERR_UNSUPPORTED
 * (immutable storage without ARB_buffer_storage), GLBUF_ERR_OUT_OF_HOST_MEMORY,
 * GLBUF_ERR_FULL (the context's object table has no slot left: 2^24 slots, live
 * or retired),
 * GLBUF_ERR_OUT_OF_GPU_MEMORY / GLBUF_ERR_GL (nothing is left behind).
 * GL calls (DSA): glCreateBuffers, glNamedBufferData or glNamedBufferStorage,
 * glGetError, glObjectLabel. */
GLBUF_API glbuf_result glbuf_buffer_create(glbuf_ctx *ctx, const glbuf_buffer_desc *desc, glbuf_buffer *out);

/* Deletes the GL buffer (unmapping it if mapped). Fails only with the common
 * errors (nothing destroyed). A buffer acquired from a pool goes back with
 * glbuf_pool_release instead. */
GLBUF_API glbuf_result glbuf_buffer_destroy(glbuf_ctx *ctx, glbuf_buffer buf);

/* Cinder bufferData: re-specifies the store at exactly `size` bytes with
 * `usage`; size = capacity = `size`; data may be NULL (contents undefined).
 * Staged batched appends are discarded on success (kept on failure unless
 * the driver dropped the store under them).
 * Fails: GLBUF_ERR_IMMUTABLE, GLBUF_ERR_ALREADY_MAPPED, GLBUF_ERR_INVALID_ARGUMENT
 * (usage), GLBUF_ERR_OVERFLOW, GPU failures. GL: glNamedBufferData, glGetError. */
GLBUF_API glbuf_result glbuf_buffer_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t size, const void *data,
                                         glbuf_usage usage);

/* Cinder bufferSubData, bounds-checked: writes [offset, offset + size) which
 * must lie within the buffer's size. size 0 is a no-op success. The part
 * that falls on staged batched appends is written into the staging copy.
 * Fails: GLBUF_ERR_NULL (data NULL with size > 0), GLBUF_ERR_OVERFLOW,
 * GLBUF_ERR_OUT_OF_BOUNDS, GLBUF_ERR_ALREADY_MAPPED (mapped, not persistent),
 * GLBUF_ERR_IMMUTABLE (immutable without GLBUF_STORAGE_DYNAMIC).
 * GL: glNamedBufferSubData. */
GLBUF_API glbuf_result glbuf_buffer_sub_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset, uint64_t size,
                                             const void *data);

/* Synchronous readback of [offset, offset + size) within the capacity (with
 * batched appends staged: the capacity their upload gives, done first).
 * Fails as sub_data (bounds against that capacity), and with the upload's GPU
 * failures (nothing read). GL: glGetNamedBufferSubData. */
GLBUF_API glbuf_result glbuf_buffer_get_sub_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset,
                                                 uint64_t size, void *out);

/* Cinder copyData: if size <= capacity, sub-data at offset 0 and keep the
 * larger store (bytes past `size` keep their old values); else re-specify: at
 * exactly `size` under EXACT (one glBufferData with the data, as Cinder), at
 * the policy's capacity otherwise (glBufferData(NULL) then sub-data). The
 * size becomes `size`. data must not be NULL when size > 0. Staged batched
 * appends are uploaded first, so the bytes past `size` are as Cinder's.
 * Fails: GLBUF_ERR_NULL, GLBUF_ERR_IMMUTABLE (would re-specify),
 * GLBUF_ERR_ALREADY_MAPPED, GLBUF_ERR_OVERFLOW, GPU failures. */
GLBUF_API glbuf_result glbuf_buffer_copy_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t size, const void *data);

/* Cinder ensureMinimumSize: if capacity < min, re-specify at exactly `min`
 * bytes with contents discarded (size = capacity = min); never shrinks.
 * Staged batched appends are uploaded first (then capacity is compared).
 * Fails: GLBUF_ERR_IMMUTABLE (would re-specify), GLBUF_ERR_ALREADY_MAPPED,
 * GLBUF_ERR_OVERFLOW, GPU failures. */
GLBUF_API glbuf_result glbuf_buffer_ensure_min_size(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t min_size);

/* Grows the capacity to at least `capacity` by the growth policy, keeping the
 * first `size` bytes: by default also the GL name (GPU copies through a
 * temporary buffer), with growth_may_rename in a new GL buffer (one GPU copy).
 * No-op when it already fits. With batched appends staged and a growth
 * needed, the staged bytes are uploaded with it. Fails: GLBUF_ERR_IMMUTABLE,
 * GLBUF_ERR_ALREADY_MAPPED, GLBUF_ERR_OVERFLOW, GPU failures (old storage,
 * name and contents intact, staged bytes still staged). */
GLBUF_API glbuf_result glbuf_buffer_reserve(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t capacity);

/* Sets the size, growing as reserve does; new bytes are undefined. Uploads
 * staged batched appends first. */
GLBUF_API glbuf_result glbuf_buffer_resize(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t size);

/* Writes `size` bytes at the end of the used part, growing as reserve does.
 * Fails as reserve and sub_data; GLBUF_ERR_NULL when data is NULL and size > 0.
 * With batch_appends: copies the bytes into the CPU staging array, no GL call
 * (see "Batched appends"); fails only on bad input (as above, and
 * GLBUF_ERR_OVERFLOW when the size would pass GLsizeiptr) or with
 * GLBUF_ERR_OUT_OF_HOST_MEMORY (the staging array could not grow), changing
 * nothing. */
GLBUF_API glbuf_result glbuf_buffer_append(glbuf_ctx *ctx, glbuf_buffer buf, const void *data, uint64_t size);

/* Uploads the batched appends staged on this buffer: growing the store by the
 * policy if the size passed the capacity (keeping the bytes already uploaded,
 * renaming under growth_may_rename), then one sub-data of all staged bytes.
 * No GL call when nothing is staged (always so without batch_appends).
 * Fails: GPU failures of the growth (the store, name and contents are as
 * before and the bytes stay staged for the next flush). */
GLBUF_API glbuf_result glbuf_buffer_flush_appends(glbuf_ctx *ctx, glbuf_buffer buf);

/* Maps [offset, offset + length) with glbuf_map_flag access bits.
 * Fails: GLBUF_ERR_NULL (out), GLBUF_ERR_ZERO_SIZE (length 0 or an empty
 * buffer: processing4 #353), GLBUF_ERR_OVERFLOW, GLBUF_ERR_OUT_OF_BOUNDS
 * (beyond the capacity; with batched appends staged, the capacity their
 * upload gives: they are uploaded first, and that upload's GPU failures are
 * returned with nothing mapped), GLBUF_ERR_INVALID_ARGUMENT (unknown bits, or a
 * combination glMapBufferRange refuses: neither READ nor WRITE; READ with
 * INVALIDATE_* or UNSYNCHRONIZED; FLUSH_EXPLICIT without WRITE; PERSISTENT or
 * COHERENT on storage made without them; on immutable storage, an access its
 * storage flags do not allow), GLBUF_ERR_ALREADY_MAPPED, GLBUF_ERR_MAP_FAILED
 * (GL returned NULL; the GL error the map raised stays in GL, as for a
 * direct call: no glGetError here unless validation is on). The pointer is
 * valid until unmap. GL: glMapNamedBufferRange. */
GLBUF_API glbuf_result glbuf_buffer_map_range(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset, uint64_t length,
                                              uint32_t access, void **out);

/* The whole capacity with `access` (Cinder map / mapWriteOnly). */
GLBUF_API glbuf_result glbuf_buffer_map(glbuf_ctx *ctx, glbuf_buffer buf, uint32_t access, void **out);

/* Cinder mapReplace: invalidate the whole store, then map it for writing
 * (one glMapNamedBufferRange with WRITE | INVALIDATE_BUFFER). */
GLBUF_API glbuf_result glbuf_buffer_map_replace(glbuf_ctx *ctx, glbuf_buffer buf, void **out);

/* Flushes [offset, offset + length) of a FLUSH_EXPLICIT mapping, relative to
 * the start of the mapped range. Fails: GLBUF_ERR_NOT_MAPPED,
 * GLBUF_ERR_INVALID_ARGUMENT (not mapped with FLUSH_EXPLICIT), GLBUF_ERR_OVERFLOW,
 * GLBUF_ERR_OUT_OF_BOUNDS. */
GLBUF_API glbuf_result glbuf_buffer_flush_range(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset,
                                                uint64_t length);

/* Fails: GLBUF_ERR_NOT_MAPPED; GLBUF_ERR_CONTENTS_LOST when GL reports the
 * store was corrupted while mapped (the buffer is unmapped either way; write
 * the contents again). */
GLBUF_API glbuf_result glbuf_buffer_unmap(glbuf_ctx *ctx, glbuf_buffer buf);

/* Orphans the store: glBufferData(capacity, NULL) with the same usage, so the
 * driver can hand out fresh memory while the GPU reads the old. Contents
 * become undefined; size and capacity stay (staged batched appends are
 * discarded, and the capacity is the one their upload would have given).
 * Fails: GLBUF_ERR_IMMUTABLE, GLBUF_ERR_ALREADY_MAPPED; GPU failures where
 * glbuf checks: when the orphan grows the store (staged appends) or
 * validation is on. An orphan at the store's own capacity, once a frame in a
 * typical loop, makes no glGetError (ctx.h, "GL errors"): a GL_OUT_OF_MEMORY
 * it raises stays in GL for the app, and glbuf keeps size and capacity as
 * they were. */
GLBUF_API glbuf_result glbuf_buffer_orphan(glbuf_ctx *ctx, glbuf_buffer buf);

/* Stores a copy of `label` (NULL clears to "buffer") and sets glObjectLabel.
 * Fails: GLBUF_ERR_OUT_OF_HOST_MEMORY. */
GLBUF_API glbuf_result glbuf_buffer_set_label(glbuf_ctx *ctx, glbuf_buffer buf, const char *label);

/* Everything known about a buffer, from glbuf's cache (no GL query). */
typedef struct glbuf_buffer_info {
    uint32_t name;           /* GL name; stable across growth unless growth_may_rename */
    uint64_t size;           /* bytes in use, staged batched appends included */
    uint64_t capacity;       /* bytes of GL storage (may be below size while
                                batched appends are staged) */
    glbuf_target target;
    glbuf_usage usage;
    glbuf_growth growth;
    uint32_t storage_flags;  /* 0 for mutable storage */
    uint64_t reallocations;  /* re-specifications that grew the store */
    int mapped;              /* non-zero while mapped */
    const char *label;       /* valid until the label changes or the buffer dies */
    uint64_t pending_bytes;      /* batched appends staged, not yet in GL */
    uint64_t storage_generation; /* +1 whenever growth changed the GL name */
} glbuf_buffer_info;

GLBUF_API glbuf_result glbuf_buffer_get_info(const glbuf_ctx *ctx, glbuf_buffer buf, glbuf_buffer_info *out);

/* Shortcuts for the info fields; 0 for a NULL ctx or an invalid handle. */
GLBUF_API uint32_t glbuf_buffer_name(const glbuf_ctx *ctx, glbuf_buffer buf);
GLBUF_API uint64_t glbuf_buffer_size(const glbuf_ctx *ctx, glbuf_buffer buf);
GLBUF_API uint64_t glbuf_buffer_capacity(const glbuf_ctx *ctx, glbuf_buffer buf);

/* The GL enum of a target (GL_ARRAY_BUFFER ...), 0 outside the enum. */
GLBUF_API uint32_t glbuf_target_gl_enum(glbuf_target target);

/* The capacity the policy picks for `need` bytes from capacity `cap`
 * (need > cap). Pure arithmetic, exposed for tests and tools.
 * Returns `need` where growing further would overflow GLsizeiptr. */
GLBUF_API uint64_t glbuf_growth_next_capacity(glbuf_growth policy, uint64_t step, uint64_t cap, uint64_t need);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_BUFFER_H */
