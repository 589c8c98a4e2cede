/* mega.c - glbuf_mega: lifetime, allocation, writes and frees of a
 * persistent-mapped megabuffer over glbuf_ranges. */
#include <stdio.h>
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"

#define DEFAULT_MAX_CAPACITY (1ull << 30)

/* ---- small helpers ---------------------------------------------------------- */

glbuf_result glbuf_mega_check(const glbuf_mega_obj *m)
{
    if (m == NULL) {
        return GLBUF_ERR_NULL;
    }
    return m->kind == MEGA_KIND ? GLBUF_OK : GLBUF_ERR_WRONG_KIND;
}

/* Mega handles are the allocator's handles: the same id, so the same record. */
uint32_t glbuf_mega_record_index(glbuf_mega_range r)
{
    glbuf_range h = {r.id};
    return glbuf_range_index(h);
}

/* A live, not pending allocation: its offset and size. */
glbuf_result glbuf_mega_lookup(const glbuf_mega_obj *m, glbuf_mega_range r, uint64_t *offset, uint64_t *size)
{
    glbuf_range h = {r.id};
    uint64_t off = 0, sz = 0;
    if (glbuf_ranges_offset(m->ranges, h, &off) != GLBUF_OK || glbuf_ranges_size(m->ranges, h, &sz) != GLBUF_OK) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    uint32_t i = glbuf_mega_record_index(r);
    if (i < m->meta_count && (m->meta[i].pending || m->meta[i].reserved)) {
        return GLBUF_ERR_INVALID_HANDLE; /* freed, or a destination of defragmentation */
    }
    if (offset) {
        *offset = off;
    }
    if (size) {
        *size = sz - m->guard.bytes; /* the allocator's record holds the guard too */
    }
    return GLBUF_OK;
}

/* Grows a host array of `elem` bytes to hold at least `need` elements. */
int glbuf_mega_reserve_array(glbuf_ctx *ctx, void **array, uint32_t *capacity, uint32_t used, uint32_t need,
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

int glbuf_mega_reserve_meta(glbuf_mega_obj *m, uint32_t index)
{
    uint32_t cap = m->meta_count;
    if (!glbuf_mega_reserve_array(m->ctx, (void **)&m->meta, &cap, m->meta_count, index + 1u, sizeof *m->meta)) {
        return 0;
    }
    m->meta_count = cap;
    return 1;
}

/* Records [offset, offset + size) for the next flush, merging with the last
 * range when they touch. */
glbuf_result glbuf_mega_mark_dirty(glbuf_mega_obj *m, uint64_t offset, uint64_t size)
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
    if (!glbuf_mega_reserve_array(m->ctx, (void **)&m->dirty, &m->dirty_capacity, m->dirty_count, m->dirty_count + 1u,
                       sizeof *m->dirty)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    m->dirty[m->dirty_count].offset = offset;
    m->dirty[m->dirty_count].size = size;
    m->dirty_count++;
    glbuf_mega_list(m); /* glbuf_ctx_end_frame flushes what glbuf_mega_flush was not called for */
    return GLBUF_OK;
}

/* ---- retirement --------------------------------------------------------------- */

void glbuf_mega_retire(glbuf_mega_obj *m, uint64_t completed)
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

void glbuf_mega_take_back(glbuf_mega_obj *m, glbuf_mega_range r)
{
    glbuf_range h = {r.id};
    (void)glbuf_ranges_free(m->ranges, h);
    glbuf_mega_validate(m, "taking back an allocation");
}

int glbuf_mega_reserve_pending(glbuf_mega_obj *m, uint32_t extra)
{
    if (m->pending_count + extra <= m->pending_capacity) {
        return 1;
    }
    /* unroll the ring into a larger array */
    uint32_t cap = m->pending_capacity ? m->pending_capacity : 64u;
    while (cap < m->pending_count + extra) {
        cap *= 2u;
    }
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
    return 1;
}

int glbuf_mega_push_pending(glbuf_mega_obj *m, glbuf_range range, uint64_t frame)
{
    if (!glbuf_mega_reserve_pending(m, 1)) {
        return 0;
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
    if ((unsigned)desc->growth >= GLBUF_MEGA_GROW_COUNT || (unsigned)desc->use >= GLBUF_MEGA_USE_COUNT ||
        (unsigned)desc->overflow >= GLBUF_OVERFLOW_COUNT) {
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
    m->initial_capacity = capacity;
    m->overflow = desc->overflow;
    snprintf(m->label, sizeof m->label, "%s", desc->label ? desc->label : "mega");
    glbuf_result r = glbuf_mega_placement_check(m, desc, capacity);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, m);
        return r;
    }
    /* A device-local store has no CPU view to read guards from: none there
     * (ctx.h, GLBUF_VALIDATION_GUARDS). */
    m->guard.bytes = m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL ? 0 : glbuf_guard_size(ctx);
    m->guard.generation = m->stats.storage_generation;

    glbuf_ranges_desc rd = {0};
    rd.capacity = capacity;
    rd.allocator = ctx->allocator;
    r = glbuf_ranges_create(&rd, &m->ranges);
    glbuf_mega_store s = {0, NULL};
    if (r == GLBUF_OK) {
        r = glbuf_mega_storage_create(m, capacity, &s);
    }
    if (r == GLBUF_OK && m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        r = glbuf_mega_staging_create(m, desc->staging_max_capacity);
        if (r != GLBUF_OK) {
            glbuf_mega_storage_release(m, &s);
        }
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
    glbuf_mega_store s = {m->name, m->map};
    glbuf_mega_staging_destroy(m);
    glbuf_mega_landing_clear(m);
    glbuf_host_free(&ctx->allocator, m->landing.runs);
    glbuf_mega_storage_release(m, &s);
    glbuf_mega_defrag_release(m);
    glbuf_ranges_destroy(m->ranges);
    glbuf_host_free(&ctx->allocator, m->meta);
    glbuf_host_free(&ctx->allocator, m->pending);
    glbuf_host_free(&ctx->allocator, m->dirty);
    m->kind = 0;
    glbuf_host_free(&ctx->allocator, m);
    *pm = NULL;
}

/* ---- allocation ----------------------------------------------------------------- */

/* *a = lcm(*a, b) (b 0: unchanged); 0 when it does not fit in 64 bits. */
static int lcm(uint64_t *a, uint64_t b)
{
    if (b == 0) {
        return 1;
    }
    uint64_t x = *a, y = b;
    while (y != 0) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    uint64_t q = *a / x; /* x = gcd */
    if (q > UINT64_MAX / b) {
        return 0;
    }
    *a = q * b;
    return 1;
}

glbuf_result glbuf_mega_request(const glbuf_mega_obj *m, const glbuf_mega_alloc_desc *desc, uint64_t *held,
                                uint64_t *out_alignment)
{
    uint64_t size = desc->size, alignment = m->alignment;
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (desc->stride != 0 && size % desc->stride != 0) {
        return GLBUF_ERR_INVALID_ARGUMENT; /* not whole elements: a misdraw waiting to happen */
    }
    if (!lcm(&alignment, desc->alignment) || !lcm(&alignment, desc->stride)) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (alignment > UINT64_MAX - m->guard.bytes || size > UINT64_MAX - alignment - m->guard.bytes ||
        !glbuf_fits_glsizeiptr(size + alignment + m->guard.bytes)) {
        return GLBUF_ERR_OVERFLOW;
    }
    *held = size + m->guard.bytes; /* the allocator's record holds the guard too */
    *out_alignment = alignment;
    return GLBUF_OK;
}

int glbuf_mega_never_fits(const glbuf_mega_obj *m, uint64_t held)
{
    /* Offset 0 has every alignment, so a request never fits exactly when it
     * is larger than the storage can ever be. */
    return held > (m->growth == GLBUF_MEGA_GROW_NONE ? m->capacity : m->max_capacity);
}

static glbuf_result mega_alloc(glbuf_mega_obj *m, const glbuf_mega_alloc_desc *desc, glbuf_mega_range *out,
                               uint64_t *out_offset)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t held = 0, alignment = 0;
    r = glbuf_mega_request(m, desc, &held, &alignment);
    if (r != GLBUF_OK) {
        return r;
    }
    /* A request that can never fit is refused before anything moves: no
     * pending free retired, no fence waited on, no growth. */
    if (glbuf_mega_never_fits(m, held)) {
        m->stats.failed_allocations++;
        return GLBUF_ERR_FULL;
    }
    /* Retire what the last known completed frame allows: no GL call. */
    glbuf_mega_retire(m, m->ctx->completed_frame);
    glbuf_range h;
    uint64_t offset = 0;
    r = glbuf_ranges_alloc(m->ranges, held, alignment, &h, &offset);
    if (r == GLBUF_ERR_FULL && m->pending_count > 0) {
        glbuf_mega_retire(m, glbuf_ctx_poll_completed(m->ctx));
        r = glbuf_ranges_alloc(m->ranges, held, alignment, &h, &offset);
    }
    if (r == GLBUF_ERR_FULL) {
        r = glbuf_mega_make_room(m, held, alignment); /* waits or grows, as the overflow policy says */
        if (r == GLBUF_OK) {
            r = glbuf_ranges_alloc(m->ranges, held, alignment, &h, &offset);
        }
    }
    if (r == GLBUF_OK) {
        glbuf_mega_defrag_place_low(m, &h, &offset, held, alignment);
    }
    if (r == GLBUF_OK && !glbuf_mega_reserve_meta(m, glbuf_range_index(h))) {
        (void)glbuf_ranges_free(m->ranges, h);
        r = GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    if (r != GLBUF_OK) {
        m->stats.failed_allocations++;
        return r;
    }
    mega_meta *meta = &m->meta[glbuf_range_index(h)];
    meta->user_data = desc->user_data;
    meta->frame = (uint32_t)m->ctx->frame;
    meta->move = 0;
    meta->pending = 0;
    meta->reserved = 0;
    m->defrag.dirty = 1;
    glbuf_mega_guard_arm(m, offset, held);
    out->id = h.id;
    if (out_offset) {
        *out_offset = offset;
    }
    glbuf_mega_validate(m, "glbuf_mega_alloc");
    return GLBUF_OK;
}

static glbuf_result mega_free(glbuf_mega_obj *m, glbuf_mega_range range)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t size = 0;
    r = glbuf_mega_lookup(m, range, NULL, &size);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_range h = {range.id};
    uint32_t index = glbuf_mega_record_index(range);
    /* Its move in flight, if any, frees the reservation too: room for both. */
    if (!glbuf_mega_reserve_pending(m, m->meta[index].move ? 2u : 1u)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    int overrun = glbuf_mega_guard_check_one(m, range, "glbuf_mega_free");
    glbuf_mega_defrag_drop(m, index);
    (void)glbuf_mega_push_pending(m, h, m->ctx->frame);
    mega_meta *meta = &m->meta[index];
    meta->pending = 1;
    meta->frame = (uint32_t)m->ctx->frame;
    m->pending_bytes += size + m->guard.bytes;
    m->defrag.dirty = 1;
    glbuf_mega_validate(m, "glbuf_mega_free");
    return overrun ? GLBUF_ERR_GUARD_OVERRUN : GLBUF_OK;
}

static glbuf_result mega_offset(const glbuf_mega_obj *m, glbuf_mega_range range, uint64_t *out)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    return glbuf_mega_lookup(m, range, out, NULL);
}

static glbuf_result mega_user_data(const glbuf_mega_obj *m, glbuf_mega_range range, uint64_t *out)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    r = glbuf_mega_lookup(m, range, NULL, NULL);
    if (r == GLBUF_OK) {
        *out = m->meta[glbuf_mega_record_index(range)].user_data;
    }
    return r;
}

static glbuf_result mega_size(const glbuf_mega_obj *m, glbuf_mega_range range, uint64_t *out)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    return glbuf_mega_lookup(m, range, NULL, out);
}

/* A write to an allocation whose move is in flight goes to where it is now,
 * which the copy may already have read: the move is dropped (the
 * allocation stays, and a later compaction may move it again). */
static glbuf_result keep_in_place(glbuf_mega_obj *m, glbuf_mega_range range)
{
    uint32_t index = glbuf_mega_record_index(range);
    if (m->meta[index].move == 0) {
        return GLBUF_OK;
    }
    if (!glbuf_mega_reserve_pending(m, 1)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    glbuf_mega_defrag_drop(m, index);
    return GLBUF_OK;
}

static glbuf_result mega_ptr(glbuf_mega_obj *m, glbuf_mega_range range, void **out)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t offset = 0, size = 0;
    r = glbuf_mega_lookup(m, range, &offset, &size);
    if (r == GLBUF_OK) {
        r = keep_in_place(m, range);
    }
    if (r == GLBUF_OK && m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        return glbuf_mega_stage_span(m, offset, size, out);
    }
    if (r == GLBUF_OK) {
        r = glbuf_mega_mark_dirty(m, offset, size);
    }
    if (r == GLBUF_OK && m->storage) {
        glbuf_mega_before_cpu_write(m, offset, size);
    }
    if (r == GLBUF_OK) {
        *out = m->map + offset;
    }
    return r;
}

static glbuf_result mega_write(glbuf_mega_obj *m, glbuf_mega_range range, uint64_t offset, const void *data,
                               uint64_t size)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t base = 0, alloc_size = 0;
    r = glbuf_mega_lookup(m, range, &base, &alloc_size);
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
    r = keep_in_place(m, range);
    if (r != GLBUF_OK) {
        return r;
    }
    if (m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        return glbuf_mega_stage_write(m, base, alloc_size, offset, data, size);
    }
    if (!m->storage) {
        r = glbuf_mega_mark_dirty(m, base + offset, size);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    if (m->storage) {
        glbuf_mega_before_cpu_write(m, base + offset, size);
    }
    glbuf_mega_copy_in(m, m->map + base + offset, data, size);
    if (m->storage && m->explicit_flush) {
        glbuf_validate_begin(m->ctx);
        glbuf_gl_flush_range(m->ctx, m->name, (size_t)(base + offset), (size_t)size);
        glbuf_validate(m->ctx, "glbuf_mega_write", m->label);
    }
    return GLBUF_OK;
}

static glbuf_result mega_flush(glbuf_mega_obj *m)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_validate_begin(m->ctx);
    uint32_t overruns = glbuf_mega_guard_check_all(m, "glbuf_mega_flush");
    glbuf_mega_flush_pending(m);
    glbuf_validate(m->ctx, "glbuf_mega_flush", m->label);
    return glbuf_mega_guard_result(m, overruns);
}

static glbuf_result mega_collect(glbuf_mega_obj *m)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r == GLBUF_OK) {
        glbuf_mega_retire(m, glbuf_ctx_poll_completed(m->ctx));
        glbuf_mega_trim_by_policy(m, "glbuf_mega_collect");
    }
    return r;
}

static glbuf_result mega_wait_idle(glbuf_mega_obj *m)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    r = glbuf_ctx_wait_idle(m->ctx);
    glbuf_mega_retire(m, m->ctx->completed_frame);
    glbuf_mega_trim_by_policy(m, "glbuf_mega_wait_idle");
    return r;
}

/* ---- public API: the handle is resolved first, then the functions above ---- */

glbuf_mega_obj *glbuf_mega_resolve(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, mega.id, GLBUF_KIND_MEGA, why);
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
    glbuf_mega_alloc_desc desc = {size, alignment, 0, 0};
    return mega_alloc(m, &desc, out, out_offset);
}

glbuf_result glbuf_mega_alloc_with(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mega_alloc_desc *desc,
                                   glbuf_mega_range *out, uint64_t *out_offset)
{
    RESOLVE(ctx, mega, m);
    return mega_alloc(m, desc, out, out_offset);
}

glbuf_result glbuf_mega_user_data(const glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range r, uint64_t *out)
{
    RESOLVE(ctx, mega, m);
    return mega_user_data(m, r, out);
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
