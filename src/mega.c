/* mega.c - glbuf_mega: persistent-mapped megabuffer over glbuf_ranges. */
#include <stdio.h>
#include <string.h>

#include "gl_ops.h"
#include "glbuf/mega.h"
#include "glbuf/ranges.h"
#include "host_alloc.h"

#define MEGA_KIND 0x4147454Du /* "MEGA" */
#define DEFAULT_MAX_CAPACITY (1ull << 30)

/* Per allocation record (indexed like glbuf_ranges' records). */
typedef struct mega_meta {
    uint32_t frame;  /* frame it was allocated in, or freed in while pending */
    uint8_t pending; /* freed, waiting for the fence of `frame` */
} mega_meta;

typedef struct pending_free {
    glbuf_range range;
    uint64_t frame;
} pending_free;

/* One byte range to upload (fallback) or flush (explicit flush). */
typedef struct dirty_range {
    uint64_t offset, size;
} dirty_range;

typedef struct glbuf_mega_obj glbuf_mega_obj;

/* The object behind a glbuf_mega handle (in the context's object table). */
struct glbuf_mega_obj {
    uint32_t kind;
    glbuf_ctx *ctx;
    glbuf_ranges *ranges;
    GLuint name;
    uint8_t *map;     /* persistent mapping, or the CPU shadow on the fallback path */
    int storage;      /* 1: glBufferStorage + persistent map; 0: mutable + shadow */
    int explicit_flush;
    uint64_t capacity, max_capacity, alignment;
    glbuf_mega_growth growth;
    char label[64];

    mega_meta *meta;
    uint32_t meta_count;

    pending_free *pending; /* FIFO ring, frames never decrease */
    uint32_t pending_head, pending_count, pending_capacity;
    uint64_t pending_bytes;

    dirty_range *dirty;
    uint32_t dirty_count, dirty_capacity;

    glbuf_mega_stats stats; /* the counters; the rest is derived on query */
};

/* ---- small helpers ---------------------------------------------------------- */

static glbuf_result check_mega(const glbuf_mega_obj *m)
{
    if (m == NULL) {
        return GLBUF_ERR_NULL;
    }
    return m->kind == MEGA_KIND ? GLBUF_OK : GLBUF_ERR_WRONG_KIND;
}

/* Mega handles are the allocator's handles: the same id, so the same record. */
static uint32_t record_index(glbuf_mega_range r)
{
    glbuf_range h = {r.id};
    return glbuf_range_index(h);
}

/* A live, not pending allocation: its offset and size. */
static glbuf_result lookup(const glbuf_mega_obj *m, glbuf_mega_range r, uint64_t *offset, uint64_t *size)
{
    glbuf_range h = {r.id};
    uint64_t off = 0, sz = 0;
    if (glbuf_ranges_offset(m->ranges, h, &off) != GLBUF_OK || glbuf_ranges_size(m->ranges, h, &sz) != GLBUF_OK) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    uint32_t i = record_index(r);
    if (i < m->meta_count && m->meta[i].pending) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    if (offset) {
        *offset = off;
    }
    if (size) {
        *size = sz;
    }
    return GLBUF_OK;
}

/* Grows a host array of `elem` bytes to hold at least `need` elements. */
static int reserve_array(glbuf_ctx *ctx, void **array, uint32_t *capacity, uint32_t used, uint32_t need,
                         size_t elem)
{
    if (need <= *capacity) {
        return 1;
    }
    uint32_t cap = *capacity ? *capacity : 64u;
    while (cap < need) {
        cap *= 2u;
    }
    void *fresh = glbuf_host_calloc(&ctx->allocator, cap, elem);
    if (fresh == NULL) {
        return 0;
    }
    if (*array != NULL) {
        memcpy(fresh, *array, (size_t)used * elem);
    }
    glbuf_host_free(&ctx->allocator, *array);
    *array = fresh;
    *capacity = cap;
    return 1;
}

static int reserve_meta(glbuf_mega_obj *m, uint32_t index)
{
    uint32_t cap = m->meta_count;
    if (!reserve_array(m->ctx, (void **)&m->meta, &cap, m->meta_count, index + 1u, sizeof *m->meta)) {
        return 0;
    }
    m->meta_count = cap;
    return 1;
}

/* Records [offset, offset + size) for the next flush, merging with the last
 * range when they touch. */
static glbuf_result mark_dirty(glbuf_mega_obj *m, uint64_t offset, uint64_t size)
{
    if (m->storage && !m->explicit_flush) {
        return GLBUF_OK;
    }
    if (m->dirty_count > 0) {
        dirty_range *last = &m->dirty[m->dirty_count - 1];
        if (offset <= last->offset + last->size && offset + size >= last->offset) {
            uint64_t lo = offset < last->offset ? offset : last->offset;
            uint64_t hi = offset + size > last->offset + last->size ? offset + size : last->offset + last->size;
            last->offset = lo;
            last->size = hi - lo;
            return GLBUF_OK;
        }
    }
    if (!reserve_array(m->ctx, (void **)&m->dirty, &m->dirty_capacity, m->dirty_count, m->dirty_count + 1u,
                       sizeof *m->dirty)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    m->dirty[m->dirty_count].offset = offset;
    m->dirty[m->dirty_count].size = size;
    m->dirty_count++;
    return GLBUF_OK;
}

/* ---- storage ------------------------------------------------------------------ */

typedef struct storage {
    GLuint name;
    uint8_t *map;
} storage;

/* New storage of `capacity` bytes: persistent-mapped, or mutable plus a
 * zeroed CPU shadow. On failure nothing is left behind. */
static glbuf_result storage_create(glbuf_mega_obj *m, uint64_t capacity, storage *out)
{
    glbuf_ctx *ctx = m->ctx;
    storage s = {0, NULL};
    glbuf_gl_drain(ctx);
    if (!m->storage) {
        s.map = glbuf_host_calloc(&ctx->allocator, 1, (size_t)capacity);
        if (s.map == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    s.name = glbuf_gl_create(ctx);
    if (m->storage) {
        GLbitfield flags = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | (m->explicit_flush ? 0 : GL_MAP_COHERENT_BIT);
        glbuf_gl_storage(ctx, s.name, (size_t)capacity, NULL, flags);
    } else {
        glbuf_gl_data(ctx, s.name, (size_t)capacity, NULL, GL_DYNAMIC_DRAW);
    }
    glbuf_result r = glbuf_gl_check(ctx, "megabuffer storage", m->label);
    if (s.name == 0 || r != GLBUF_OK) {
        glbuf_gl_delete(ctx, s.name);
        glbuf_host_free(&ctx->allocator, s.map);
        return r != GLBUF_OK ? r : GLBUF_ERR_GL;
    }
    if (m->storage) {
        GLbitfield access = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                            (m->explicit_flush ? GL_MAP_FLUSH_EXPLICIT_BIT : GL_MAP_COHERENT_BIT);
        s.map = glbuf_gl_map_range(ctx, s.name, 0, (size_t)capacity, access);
        (void)glbuf_gl_check(ctx, "megabuffer map", m->label);
        if (s.map == NULL) {
            glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': mapping the megabuffer storage failed", m->label);
            glbuf_gl_delete(ctx, s.name);
            return GLBUF_ERR_MAP_FAILED;
        }
    }
    glbuf_label_buffer(ctx, s.name, m->label);
    *out = s;
    return GLBUF_OK;
}

static void storage_release(glbuf_mega_obj *m, storage *s)
{
    /* Deleting unmaps; GL keeps the store alive while queued commands use it. */
    glbuf_gl_delete(m->ctx, s->name);
    if (!m->storage) {
        glbuf_host_free(&m->ctx->allocator, s->map);
    }
    s->name = 0;
    s->map = NULL;
}

/* Blocks until every GL command issued so far has completed: after a copy
 * into new storage, so that CPU writes through the new mapping cannot be
 * overwritten by the copy landing late. */
static glbuf_result wait_for_copies(glbuf_mega_obj *m)
{
    glbuf_ctx *ctx = m->ctx;
    GLsync sync = GLBUF_GL(ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (sync == NULL) {
        GLBUF_GL(ctx, Finish)();
        return GLBUF_OK;
    }
    GLenum r = GLBUF_GL(ctx, ClientWaitSync)(sync, GL_SYNC_FLUSH_COMMANDS_BIT, UINT64_MAX);
    GLBUF_GL(ctx, DeleteSync)(sync);
    ctx->stats.fence_waits++;
    if (r != GL_ALREADY_SIGNALED && r != GL_CONDITION_SATISFIED) { /* failed or timed out: wait anyway */
        GLBUF_GL(ctx, Finish)();
    }
    return GLBUF_OK;
}

/* Makes the old storage's pending writes visible to a GPU copy. */
static glbuf_result flush_dirty(glbuf_mega_obj *m)
{
    for (uint32_t i = 0; i < m->dirty_count; i++) {
        const dirty_range *d = &m->dirty[i];
        if (m->storage) {
            glbuf_gl_flush_range(m->ctx, m->name, (size_t)d->offset, (size_t)d->size);
        } else {
            glbuf_gl_sub_data(m->ctx, m->name, (size_t)d->offset, (size_t)d->size, m->map + d->offset);
        }
    }
    m->dirty_count = 0;
    return GLBUF_OK;
}

/* Swaps in new storage after its contents were copied. */
static void adopt(glbuf_mega_obj *m, storage *fresh, uint64_t capacity)
{
    storage old = {m->name, m->map};
    storage_release(m, &old);
    m->name = fresh->name;
    m->map = fresh->map;
    m->capacity = capacity;
    m->stats.storage_generation++;
}

/* Under the context's validation switch: the allocator's invariants after
 * every operation that changes it (O(allocations)), reported as errors. */
static void validate(glbuf_mega_obj *m, const char *what)
{
    if (m->ctx->validation && !glbuf_ranges_invariants_hold(m->ranges)) {
        glbuf_log(m->ctx, GLBUF_LOG_ERROR, "'%s': allocator invariants broken after %s", m->label, what);
    }
}

/* ---- retirement --------------------------------------------------------------- */

static void retire(glbuf_mega_obj *m, uint64_t completed)
{
    while (m->pending_count > 0) {
        pending_free *p = &m->pending[m->pending_head];
        if (p->frame > completed) {
            break;
        }
        uint64_t size = 0;
        (void)glbuf_ranges_size(m->ranges, p->range, &size);
        m->pending_bytes -= size;
        m->meta[glbuf_range_index(p->range)].pending = 0;
        (void)glbuf_ranges_free(m->ranges, p->range);
        m->pending_head = (m->pending_head + 1u) % m->pending_capacity;
        m->pending_count--;
    }
}

static int push_pending(glbuf_mega_obj *m, glbuf_range range, uint64_t frame)
{
    if (m->pending_count == m->pending_capacity) {
        /* unroll the ring into a larger array */
        uint32_t cap = m->pending_capacity ? m->pending_capacity * 2u : 64u;
        pending_free *fresh = glbuf_host_calloc(&m->ctx->allocator, cap, sizeof *fresh);
        if (fresh == NULL) {
            return 0;
        }
        for (uint32_t i = 0; i < m->pending_count; i++) {
            fresh[i] = m->pending[(m->pending_head + i) % m->pending_capacity];
        }
        glbuf_host_free(&m->ctx->allocator, m->pending);
        m->pending = fresh;
        m->pending_capacity = cap;
        m->pending_head = 0;
    }
    pending_free *p = &m->pending[(m->pending_head + m->pending_count) % m->pending_capacity];
    p->range = range;
    p->frame = frame;
    m->pending_count++;
    return 1;
}

/* ---- creation ------------------------------------------------------------------ */

static uint64_t use_alignment(const glbuf_ctx *ctx, glbuf_mega_use use)
{
    switch (use) {
    case GLBUF_MEGA_USE_UNIFORM: return ctx->caps.uniform_offset_alignment;
    case GLBUF_MEGA_USE_STORAGE: return ctx->caps.storage_offset_alignment;
    case GLBUF_MEGA_USE_INDEX:
    case GLBUF_MEGA_USE_INDIRECT: return 4;
    case GLBUF_MEGA_USE_VERTEX:
    case GLBUF_MEGA_USE_COUNT:
    default: return 16;
    }
}

static glbuf_result mega_create(glbuf_ctx *ctx, const glbuf_mega_desc *desc, glbuf_mega_obj **out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if ((unsigned)desc->growth >= GLBUF_MEGA_GROW_COUNT || (unsigned)desc->use >= GLBUF_MEGA_USE_COUNT) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint64_t capacity = desc->capacity ? desc->capacity : GLBUF_MEGA_SIMPLE_2D;
    uint64_t max_capacity = desc->max_capacity;
    if (max_capacity == 0) {
        max_capacity = capacity > DEFAULT_MAX_CAPACITY ? capacity : DEFAULT_MAX_CAPACITY;
    }
    if (!glbuf_fits_glsizeiptr(capacity) || !glbuf_fits_glsizeiptr(max_capacity) || capacity > SIZE_MAX) {
        return GLBUF_ERR_OVERFLOW;
    }
    if (capacity > max_capacity) {
        return GLBUF_ERR_TOO_LARGE;
    }
    glbuf_mega_obj *m = glbuf_host_calloc(&ctx->allocator, 1, sizeof *m);
    if (m == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    m->kind = MEGA_KIND;
    m->ctx = ctx;
    m->stats.storage_generation = 1; /* 0 is what an invalid handle reads */
    m->storage = glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE);
    m->explicit_flush = desc->explicit_flush != 0;
    m->max_capacity = max_capacity;
    m->alignment = use_alignment(ctx, desc->use);
    m->growth = desc->growth;
    snprintf(m->label, sizeof m->label, "%s", desc->label ? desc->label : "mega");

    glbuf_ranges_desc rd = {0};
    rd.capacity = capacity;
    rd.allocator = ctx->allocator;
    glbuf_result r = glbuf_ranges_create(&rd, &m->ranges);
    storage s = {0, NULL};
    if (r == GLBUF_OK) {
        r = storage_create(m, capacity, &s);
    }
    if (r != GLBUF_OK) {
        glbuf_ranges_destroy(m->ranges);
        glbuf_host_free(&ctx->allocator, m);
        return r;
    }
    m->name = s.name;
    m->map = s.map;
    m->capacity = capacity;
    *out = m;
    return GLBUF_OK;
}

static void mega_destroy(glbuf_mega_obj **pm)
{
    if (pm == NULL || *pm == NULL || (*pm)->kind != MEGA_KIND) {
        return;
    }
    glbuf_mega_obj *m = *pm;
    glbuf_ctx *ctx = m->ctx;
    storage s = {m->name, m->map};
    storage_release(m, &s);
    glbuf_ranges_destroy(m->ranges);
    glbuf_host_free(&ctx->allocator, m->meta);
    glbuf_host_free(&ctx->allocator, m->pending);
    glbuf_host_free(&ctx->allocator, m->dirty);
    m->kind = 0;
    glbuf_host_free(&ctx->allocator, m);
    *pm = NULL;
}

/* ---- growth --------------------------------------------------------------------- */

static uint64_t grown_capacity(const glbuf_mega_obj *m, uint64_t need)
{
    uint64_t c = m->capacity;
    /* The new tail alone must hold the request at its alignment. */
    while (c - m->capacity < need) {
        uint64_t next = m->growth == GLBUF_MEGA_GROW_FACTOR_1_5 ? c + c / 2 : c * 2;
        if (next <= c || next > m->max_capacity) {
            return m->capacity + need <= m->max_capacity ? m->max_capacity : 0;
        }
        c = next;
    }
    return c;
}

static glbuf_result grow(glbuf_mega_obj *m, uint64_t size, uint64_t alignment)
{
    if (m->growth == GLBUF_MEGA_GROW_NONE) {
        return GLBUF_ERR_FULL;
    }
    uint64_t need = size + alignment - 1;
    uint64_t capacity = grown_capacity(m, need);
    if (capacity == 0 || capacity > SIZE_MAX) {
        return GLBUF_ERR_FULL;
    }
    storage fresh;
    glbuf_result r = storage_create(m, capacity, &fresh);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t extent = glbuf_ranges_used_extent(m->ranges);
    flush_dirty(m);
    glbuf_gl_copy(m->ctx, m->name, fresh.name, 0, 0, (size_t)extent);
    if (!m->storage) {
        memcpy(fresh.map, m->map, (size_t)extent);
    } else {
        wait_for_copies(m);
    }
    r = glbuf_ranges_grow(m->ranges, capacity);
    if (r != GLBUF_OK) { /* cannot happen: capacity only grows */
        storage_release(m, &fresh);
        return r;
    }
    adopt(m, &fresh, capacity);
    m->stats.growths++;
    m->stats.bytes_copied_by_growth += extent;
    m->ctx->stats.reallocations++;
    m->ctx->stats.bytes_copied_by_growth += extent;
    glbuf_log(m->ctx, GLBUF_LOG_INFO, "'%s' grew to %llu bytes (copied %llu)", m->label,
              (unsigned long long)capacity, (unsigned long long)extent);
    return GLBUF_OK;
}

/* ---- allocation ----------------------------------------------------------------- */

/* Waits for the newest ended frame that still holds pending frees and
 * retires them. Growing would cost more: new storage, a GPU copy and a wait
 * for the whole pipeline. Frees of the frame being recorded cannot be
 * reclaimed before glbuf_ctx_end_frame. Returns 1 when something retired. */
static int reclaim_ended_frames(glbuf_mega_obj *m)
{
    uint64_t newest_ended = 0;
    for (uint32_t i = m->pending_count; i-- > 0;) {
        uint64_t f = m->pending[(m->pending_head + i) % m->pending_capacity].frame;
        if (f < m->ctx->frame) {
            newest_ended = f;
            break;
        }
    }
    if (newest_ended == 0 || glbuf_ctx_wait_frame(m->ctx, newest_ended, UINT64_MAX) != GLBUF_OK) {
        return 0;
    }
    uint32_t before = m->pending_count;
    retire(m, m->ctx->completed_frame);
    return m->pending_count < before;
}

static glbuf_result mega_alloc(glbuf_mega_obj *m, uint64_t size, uint64_t alignment, glbuf_mega_range *out,
                               uint64_t *out_offset)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (alignment != 0 && (alignment & (alignment - 1)) != 0) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (alignment < m->alignment) {
        alignment = m->alignment;
    }
    if (size > UINT64_MAX - alignment || !glbuf_fits_glsizeiptr(size + alignment)) {
        return GLBUF_ERR_OVERFLOW;
    }
    /* Retire what the last known completed frame allows: no GL call. */
    retire(m, m->ctx->completed_frame);
    glbuf_range h;
    uint64_t offset = 0;
    r = glbuf_ranges_alloc(m->ranges, size, alignment, &h, &offset);
    if (r == GLBUF_ERR_FULL && m->pending_count > 0) {
        retire(m, glbuf_ctx_poll_completed(m->ctx));
        r = glbuf_ranges_alloc(m->ranges, size, alignment, &h, &offset);
    }
    if (r == GLBUF_ERR_FULL && reclaim_ended_frames(m)) {
        r = glbuf_ranges_alloc(m->ranges, size, alignment, &h, &offset);
    }
    if (r == GLBUF_ERR_FULL) {
        r = grow(m, size, alignment);
        if (r == GLBUF_OK) {
            r = glbuf_ranges_alloc(m->ranges, size, alignment, &h, &offset);
        }
    }
    if (r == GLBUF_OK && !reserve_meta(m, glbuf_range_index(h))) {
        (void)glbuf_ranges_free(m->ranges, h);
        r = GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    if (r != GLBUF_OK) {
        m->stats.failed_allocations++;
        return r;
    }
    mega_meta *meta = &m->meta[glbuf_range_index(h)];
    meta->frame = (uint32_t)m->ctx->frame;
    meta->pending = 0;
    out->id = h.id;
    if (out_offset) {
        *out_offset = offset;
    }
    validate(m, "glbuf_mega_alloc");
    return GLBUF_OK;
}

static glbuf_result mega_free(glbuf_mega_obj *m, glbuf_mega_range range)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t size = 0;
    r = lookup(m, range, NULL, &size);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_range h = {range.id};
    if (!push_pending(m, h, m->ctx->frame)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    mega_meta *meta = &m->meta[record_index(range)];
    meta->pending = 1;
    meta->frame = (uint32_t)m->ctx->frame;
    m->pending_bytes += size;
    validate(m, "glbuf_mega_free");
    return GLBUF_OK;
}

static glbuf_result mega_offset(const glbuf_mega_obj *m, glbuf_mega_range range, uint64_t *out)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    return lookup(m, range, out, NULL);
}

static glbuf_result mega_size(const glbuf_mega_obj *m, glbuf_mega_range range, uint64_t *out)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    return lookup(m, range, NULL, out);
}

static glbuf_result mega_ptr(glbuf_mega_obj *m, glbuf_mega_range range, void **out)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t offset = 0, size = 0;
    r = lookup(m, range, &offset, &size);
    if (r == GLBUF_OK) {
        r = mark_dirty(m, offset, size);
    }
    if (r == GLBUF_OK) {
        *out = m->map + offset;
    }
    return r;
}

static glbuf_result mega_write(glbuf_mega_obj *m, glbuf_mega_range range, uint64_t offset, const void *data,
                               uint64_t size)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t base = 0, alloc_size = 0;
    r = lookup(m, range, &base, &alloc_size);
    if (r != GLBUF_OK) {
        return r;
    }
    if (data == NULL && size > 0) {
        return GLBUF_ERR_NULL;
    }
    if (offset > UINT64_MAX - size) {
        return GLBUF_ERR_OVERFLOW;
    }
    if (offset + size > alloc_size) {
        return GLBUF_ERR_OUT_OF_BOUNDS;
    }
    if (size == 0) {
        return GLBUF_OK;
    }
    if (!m->storage) {
        r = mark_dirty(m, base + offset, size);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    memcpy(m->map + base + offset, data, (size_t)size);
    if (m->storage && m->explicit_flush) {
        glbuf_gl_flush_range(m->ctx, m->name, (size_t)(base + offset), (size_t)size);
    }
    return GLBUF_OK;
}

static glbuf_result mega_flush(glbuf_mega_obj *m)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    flush_dirty(m);
    glbuf_validate(m->ctx, "glbuf_mega_flush", m->label);
    return GLBUF_OK;
}

static glbuf_result mega_collect(glbuf_mega_obj *m)
{
    glbuf_result r = check_mega(m);
    if (r == GLBUF_OK) {
        retire(m, glbuf_ctx_poll_completed(m->ctx));
    }
    return r;
}

static glbuf_result mega_wait_idle(glbuf_mega_obj *m)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    r = glbuf_ctx_wait_idle(m->ctx);
    retire(m, m->ctx->completed_frame);
    return r;
}

/* ---- defragmentation ------------------------------------------------------------ */

/* Copies live allocations from the old storage to fresh storage, moved ones
 * to their new offset, merging neighbours into as few copies as possible. */
typedef struct copier {
    glbuf_mega_obj *m;
    storage *fresh;
    const glbuf_range_move *moves;
    size_t move_count, next_move;
    uint64_t run_src, run_dst, run_size; /* the copy being gathered */
} copier;

static void copy_run(copier *c)
{
    if (c->run_size == 0) {
        return;
    }
    glbuf_mega_obj *m = c->m;
    glbuf_gl_copy(m->ctx, m->name, c->fresh->name, (size_t)c->run_src, (size_t)c->run_dst, (size_t)c->run_size);
    if (!m->storage) {
        memcpy(c->fresh->map + c->run_dst, m->map + c->run_src, (size_t)c->run_size);
    }
    c->run_size = 0;
}

static int copy_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    copier *c = user;
    uint64_t dst = offset;
    if (c->next_move < c->move_count && c->moves[c->next_move].handle.id == h.id) {
        dst = c->moves[c->next_move++].dst_offset;
    }
    if (c->m->meta[glbuf_range_index(h)].pending) {
        return 0; /* freed: nobody reads these bytes from the new storage */
    }
    int same_offset_run = c->run_src == c->run_dst && dst == offset;
    if (c->run_size > 0 && offset - c->run_src == dst - c->run_dst &&
        (same_offset_run || offset == c->run_src + c->run_size)) {
        c->run_size = offset + size - c->run_src; /* same shift: extend (over gaps) */
        return 0;
    }
    copy_run(c);
    c->run_src = offset;
    c->run_dst = dst;
    c->run_size = size;
    return 0;
}

static glbuf_result mega_defragment(glbuf_mega_obj *m, uint64_t budget,
                                    void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                    glbuf_mega_defrag_report *report)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    retire(m, glbuf_ctx_poll_completed(m->ctx));
    size_t total = 0;
    r = glbuf_ranges_plan_compaction(m->ranges, NULL, 0, &total);
    glbuf_mega_defrag_report rep = {0, (uint32_t)total, 0, m->name};
    if (r != GLBUF_OK || total == 0) {
        if (report) {
            *report = rep;
        }
        return r;
    }
    glbuf_ctx *ctx = m->ctx;
    glbuf_range_move *moves = glbuf_host_calloc(&ctx->allocator, total, sizeof *moves);
    if (moves == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    (void)glbuf_ranges_plan_compaction(m->ranges, moves, total, &total);
    size_t count = 0;
    uint64_t bytes = 0;
    while (count < total && (budget == 0 || count == 0 || bytes + moves[count].size <= budget)) {
        bytes += moves[count++].size;
    }
    storage fresh;
    r = storage_create(m, m->capacity, &fresh);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, moves);
        return r;
    }
    flush_dirty(m);
    copier c = {m, &fresh, moves, count, 0, 0, 0, 0};
    glbuf_ranges_for_each(m->ranges, copy_live, &c);
    copy_run(&c);
    r = glbuf_ranges_apply_compaction(m->ranges, moves, count);
    if (r != GLBUF_OK) { /* cannot happen: the plan is fresh */
        storage_release(m, &fresh);
        glbuf_host_free(&ctx->allocator, moves);
        return r;
    }
    if (m->storage) {
        wait_for_copies(m);
    }
    adopt(m, &fresh, m->capacity);
    for (size_t i = 0; i < count && on_move != NULL; i++) {
        glbuf_mega_move mv = {{moves[i].handle.id}, moves[i].src_offset, moves[i].dst_offset, moves[i].size};
        on_move(user, &mv);
    }
    glbuf_host_free(&ctx->allocator, moves);
    m->stats.defragmentations++;
    m->stats.bytes_copied_by_defrag += bytes;
    rep.moves = (uint32_t)count;
    rep.moves_left = (uint32_t)(total - count);
    rep.bytes_moved = bytes;
    rep.name = m->name;
    if (report) {
        *report = rep;
    }
    validate(m, "glbuf_mega_defragment");
    return GLBUF_OK;
}

/* ---- introspection -------------------------------------------------------------- */

static glbuf_mega_stats mega_get_stats(const glbuf_mega_obj *m)
{
    glbuf_mega_stats s;
    memset(&s, 0, sizeof s);
    if (check_mega(m) != GLBUF_OK) {
        return s;
    }
    s = m->stats;
    glbuf_ranges_stats rs = glbuf_ranges_get_stats(m->ranges);
    s.capacity = m->capacity;
    s.max_capacity = m->max_capacity;
    s.used_bytes = rs.used_bytes;
    s.free_bytes = rs.free_bytes;
    s.largest_free_block = rs.largest_free_block;
    s.free_blocks = rs.free_blocks;
    s.allocations = rs.live_allocations - m->pending_count;
    s.pending_frees = m->pending_count;
    s.pending_free_bytes = m->pending_bytes;
    s.name = m->name;
    s.alignment = m->alignment;
    s.has_buffer_storage = m->storage;
    return s;
}

/* Walks live and free blocks together in offset order: the free blocks are
 * gathered first, then emitted before the live block that follows them. */
typedef struct block_walk {
    const glbuf_mega_obj *m;
    glbuf_mega_block_fn fn;
    void *user;
    dirty_range *free_blocks; /* (offset, size) pairs in offset order */
    uint32_t free_count, next_free;
    int stopped;
} block_walk;

static int gather_free(void *user, uint64_t offset, uint64_t size)
{
    block_walk *w = user;
    w->free_blocks[w->free_count].offset = offset;
    w->free_blocks[w->free_count].size = size;
    w->free_count++;
    return 0;
}

static int emit_free_below(block_walk *w, uint64_t limit)
{
    while (!w->stopped && w->next_free < w->free_count && w->free_blocks[w->next_free].offset < limit) {
        const dirty_range *f = &w->free_blocks[w->next_free++];
        w->stopped = w->fn(w->user, GLBUF_MEGA_BLOCK_FREE, f->offset, f->size, 0);
    }
    return w->stopped;
}

static int walk_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    block_walk *w = user;
    if (emit_free_below(w, offset)) {
        return 1;
    }
    const mega_meta *meta = &w->m->meta[glbuf_range_index(h)];
    glbuf_mega_block_kind kind = meta->pending ? GLBUF_MEGA_BLOCK_PENDING : GLBUF_MEGA_BLOCK_LIVE;
    w->stopped = w->fn(w->user, kind, offset, size, meta->frame);
    return w->stopped;
}

static glbuf_result mega_for_each_block(const glbuf_mega_obj *m, glbuf_mega_block_fn fn, void *user)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (fn == NULL) {
        return GLBUF_ERR_NULL;
    }
    block_walk w = {m, fn, user, NULL, 0, 0, 0};
    uint32_t blocks = glbuf_ranges_get_stats(m->ranges).free_blocks;
    if (blocks > 0) {
        w.free_blocks = glbuf_host_calloc(&m->ctx->allocator, blocks, sizeof *w.free_blocks);
        if (w.free_blocks == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
        glbuf_ranges_for_each_free(m->ranges, gather_free, &w);
    }
    glbuf_ranges_for_each(m->ranges, walk_live, &w);
    emit_free_below(&w, UINT64_MAX);
    glbuf_host_free(&m->ctx->allocator, w.free_blocks);
    return GLBUF_OK;
}

typedef struct json_out {
    char *buf;
    size_t size, len;
    int first;
} json_out;

static void json_put(json_out *j, const char *fmt, unsigned long long a, unsigned long long b)
{
    char tmp[96];
    int n = snprintf(tmp, sizeof tmp, fmt, a, b);
    if (n <= 0) {
        return;
    }
    if (j->buf != NULL && j->len + (size_t)n < j->size) {
        memcpy(j->buf + j->len, tmp, (size_t)n + 1);
    }
    j->len += (size_t)n;
}

static int json_block(void *user, glbuf_mega_block_kind kind, uint64_t offset, uint64_t size, uint64_t frame)
{
    static const char *const kinds[] = {"live", "free", "pending"};
    json_out *j = user;
    char fmt[96];
    snprintf(fmt, sizeof fmt, "%s{\"kind\":\"%s\",\"offset\":%%llu,\"size\":%%llu", j->first ? "" : ",",
             kinds[kind]);
    json_put(j, fmt, offset, size);
    json_put(j, ",\"frame\":%llu}", frame, 0);
    j->first = 0;
    return 0;
}

static glbuf_result mega_dump_json(const glbuf_mega_obj *m, char *out, size_t out_size, size_t *out_len)
{
    glbuf_result r = check_mega(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out_len == NULL || (out == NULL && out_size > 0)) {
        return GLBUF_ERR_NULL;
    }
    json_out j = {out, out_size, 0, 1};
    if (out != NULL && out_size > 0) {
        out[0] = '\0';
    }
    json_put(&j, "{\"capacity\":%llu,\"name\":%llu", m->capacity, m->name);
    json_put(&j, ",\"generation\":%llu,\"alignment\":%llu,\"blocks\":[", m->stats.storage_generation, m->alignment);
    r = mega_for_each_block(m, json_block, &j);
    if (r != GLBUF_OK) { /* out of host memory: no partial layout passed off as whole */
        if (out != NULL && out_size > 0) {
            out[0] = '\0';
        }
        return r;
    }
    json_put(&j, "]}", 0, 0);
    *out_len = j.len;
    return j.len < out_size ? GLBUF_OK : GLBUF_ERR_TOO_LARGE;
}

/* ---- public API: the handle is resolved first, then the functions above ---- */

static glbuf_mega_obj *resolve(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, mega.id, GLBUF_KIND_MEGA, why);
}

#define RESOLVE(ctx, mega, m)                                  \
    glbuf_result resolve_result_;                              \
    glbuf_mega_obj *m = resolve(ctx, mega, &resolve_result_); \
    if (m == NULL) {                                           \
        return resolve_result_;                                \
    }

glbuf_result glbuf_mega_create(glbuf_ctx *ctx, const glbuf_mega_desc *desc, glbuf_mega *out)
{
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_mega_obj *m = NULL;
    glbuf_result r = mega_create(ctx, desc, &m);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t id = 0;
    r = glbuf_objects_insert(&ctx->objects, &ctx->allocator, GLBUF_KIND_MEGA, m, &id);
    if (r != GLBUF_OK) {
        mega_destroy(&m);
        return r;
    }
    out->id = id;
    return GLBUF_OK;
}

glbuf_result glbuf_mega_destroy(glbuf_ctx *ctx, glbuf_mega mega)
{
    RESOLVE(ctx, mega, m);
    glbuf_objects_remove(&ctx->objects, mega.id);
    mega_destroy(&m);
    return GLBUF_OK;
}

void glbuf_mega_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_mega mega = {id};
    (void)glbuf_mega_destroy(ctx, mega);
}

glbuf_result glbuf_mega_alloc(glbuf_ctx *ctx, glbuf_mega mega, uint64_t size, uint64_t alignment,
                              glbuf_mega_range *out, uint64_t *out_offset)
{
    RESOLVE(ctx, mega, m);
    return mega_alloc(m, size, alignment, out, out_offset);
}

glbuf_result glbuf_mega_free(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r)
{
    RESOLVE(ctx, mega, m);
    return mega_free(m, r);
}

glbuf_result glbuf_mega_offset(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, uint64_t *out)
{
    RESOLVE(ctx, mega, m);
    return mega_offset(m, r, out);
}

glbuf_result glbuf_mega_size(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, uint64_t *out)
{
    RESOLVE(ctx, mega, m);
    return mega_size(m, r, out);
}

glbuf_result glbuf_mega_ptr(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, void **out)
{
    RESOLVE(ctx, mega, m);
    return mega_ptr(m, r, out);
}

glbuf_result glbuf_mega_write(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, uint64_t offset,
                              const void *data, uint64_t size)
{
    RESOLVE(ctx, mega, m);
    return mega_write(m, r, offset, data, size);
}

glbuf_result glbuf_mega_flush(glbuf_ctx *ctx, glbuf_mega mega)
{
    RESOLVE(ctx, mega, m);
    return mega_flush(m);
}

glbuf_result glbuf_mega_collect(glbuf_ctx *ctx, glbuf_mega mega)
{
    RESOLVE(ctx, mega, m);
    return mega_collect(m);
}

glbuf_result glbuf_mega_wait_idle(glbuf_ctx *ctx, glbuf_mega mega)
{
    RESOLVE(ctx, mega, m);
    return mega_wait_idle(m);
}

glbuf_result glbuf_mega_defragment(glbuf_ctx *ctx, glbuf_mega mega, uint64_t budget,
                                   void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                   glbuf_mega_defrag_report *report)
{
    RESOLVE(ctx, mega, m);
    return mega_defragment(m, budget, on_move, user, report);
}

glbuf_result glbuf_mega_for_each_block(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_block_fn fn, void *user)
{
    RESOLVE(ctx, mega, m);
    return mega_for_each_block(m, fn, user);
}

glbuf_result glbuf_mega_dump_json(const glbuf_ctx *ctx, glbuf_mega mega, char *out, size_t out_size,
                                  size_t *out_len)
{
    RESOLVE(ctx, mega, m);
    return mega_dump_json(m, out, out_size, out_len);
}

glbuf_mega_stats glbuf_mega_get_stats(const glbuf_ctx *ctx, glbuf_mega mega)
{
    glbuf_result why;
    const glbuf_mega_obj *m = resolve(ctx, mega, &why);
    if (m == NULL) {
        glbuf_mega_stats none;
        memset(&none, 0, sizeof none);
        return none;
    }
    return mega_get_stats(m);
}

uint32_t glbuf_mega_gl_name(const glbuf_ctx *ctx, glbuf_mega mega)
{
    glbuf_result why;
    const glbuf_mega_obj *m = resolve(ctx, mega, &why);
    return m ? m->name : 0;
}

uint64_t glbuf_mega_storage_generation(const glbuf_ctx *ctx, glbuf_mega mega)
{
    glbuf_result why;
    const glbuf_mega_obj *m = resolve(ctx, mega, &why);
    return m ? m->stats.storage_generation : 0;
}
