/* mega_storage.c - the megabuffer's GL storage: creation, release, growth
 * with one GPU copy, and the waits that keep CPU writes behind GPU copies. */
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"

/* ---- storage ------------------------------------------------------------------ */

/* New storage of `capacity` bytes. Host-visible: persistent-mapped, or
 * mutable plus a zeroed CPU shadow. Device-local: immutable with no map bits
 * (the driver places it in GPU memory), or a STATIC_DRAW mutable store; no
 * mapping, no shadow (map NULL). On failure nothing is left behind. */
glbuf_result glbuf_mega_storage_create(glbuf_mega_obj *m, uint64_t capacity, glbuf_mega_store *out)
{
    glbuf_ctx *ctx = m->ctx;
    glbuf_mega_store s = {0, NULL};
    int device_local = m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
    glbuf_gl_drain(ctx);
    if (!m->storage && !device_local) {
        s.map = glbuf_host_calloc(&ctx->allocator, 1, (size_t)capacity);
        if (s.map == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    s.name = glbuf_gl_create(ctx);
    GLbitfield readable = m->guard.bytes ? GL_MAP_READ_BIT : 0; /* guard bytes are read back */
    if (m->storage && device_local) {
        glbuf_gl_storage(ctx, s.name, (size_t)capacity, NULL, 0);
    } else if (m->storage) {
        GLbitfield flags = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | (m->explicit_flush ? 0 : GL_MAP_COHERENT_BIT) |
                           readable;
        glbuf_gl_storage(ctx, s.name, (size_t)capacity, NULL, flags);
    } else {
        glbuf_gl_data(ctx, s.name, (size_t)capacity, NULL, device_local ? GL_STATIC_DRAW : GL_DYNAMIC_DRAW);
    }
    glbuf_result r = glbuf_gl_check(ctx, "megabuffer storage", m->label);
    if (s.name == 0 || r != GLBUF_OK) {
        glbuf_gl_delete(ctx, s.name);
        glbuf_host_free(&ctx->allocator, s.map);
        return r != GLBUF_OK ? r : GLBUF_ERR_GL;
    }
    if (m->storage && !device_local) {
        GLbitfield access = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                            (m->explicit_flush ? GL_MAP_FLUSH_EXPLICIT_BIT : GL_MAP_COHERENT_BIT) | readable;
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

void glbuf_mega_storage_release(glbuf_mega_obj *m, glbuf_mega_store *s)
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
glbuf_result glbuf_mega_wait_for_copies(glbuf_mega_obj *m)
{
    glbuf_ctx *ctx = m->ctx;
    GLsync sync = GLBUF_GL(ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (sync == NULL) {
        glbuf_finish(ctx);
        return GLBUF_OK;
    }
    glbuf_result r = glbuf_sync_wait(ctx, sync, UINT64_MAX); /* counted, with its time */
    GLBUF_GL(ctx, DeleteSync)(sync);
    if (r != GLBUF_OK) { /* failed or timed out: wait anyway */
        glbuf_finish(ctx);
    }
    glbuf_mega_landing_clear(m); /* everything issued has landed */
    return GLBUF_OK;
}

/* Makes the old storage's pending writes visible to a GPU copy. */
glbuf_result glbuf_mega_flush_dirty(glbuf_mega_obj *m)
{
    for (uint32_t i = 0; i < m->dirty_count; i++) {
        const dirty_range *d = &m->dirty[i];
        if (m->storage) {
            glbuf_gl_flush_range(m->ctx, m->name, (size_t)d->offset, (size_t)d->size);
        } else {
            glbuf_gl_sub_data_copied_within(m->ctx, m->name, (size_t)d->offset, (size_t)d->size, m->map + d->offset);
        }
    }
    m->dirty_count = 0;
    return GLBUF_OK;
}

/* Swaps in new storage after its contents were copied. */
void glbuf_mega_adopt(glbuf_mega_obj *m, glbuf_mega_store *fresh, uint64_t capacity)
{
    glbuf_mega_store old = {m->name, m->map};
    glbuf_mega_storage_release(m, &old);
    m->name = fresh->name;
    m->map = fresh->map;
    m->capacity = capacity;
    m->stats.storage_generation++;
}

/* Under the context's validation switch: the allocator's invariants after
 * every operation that changes it (O(allocations)), reported as errors. */
void glbuf_mega_validate(glbuf_mega_obj *m, const char *what)
{
    if (m->ctx->validation && !glbuf_ranges_invariants_hold(m->ranges)) {
        glbuf_log(m->ctx, GLBUF_LOG_ERROR, "'%s': allocator invariants broken after %s", m->label, what);
    }
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

/* The capacity growth would take for `size` bytes at `alignment` in the
 * new tail, 0 when no growth can hold them (growth NONE, past
 * max_capacity). glbuf_mega_can_grow and glbuf_mega_grow both ask it and
 * the memory budget, so a prediction is the growth's own decision. */
static uint64_t growth_target(const glbuf_mega_obj *m, uint64_t size, uint64_t alignment)
{
    if (m->growth == GLBUF_MEGA_GROW_NONE || size > UINT64_MAX - (alignment - 1)) {
        return 0;
    }
    uint64_t capacity = grown_capacity(m, size + alignment - 1);
    return capacity <= SIZE_MAX ? capacity : 0;
}

int glbuf_mega_can_grow(const glbuf_mega_obj *m, uint64_t size, uint64_t alignment)
{
    uint64_t capacity = growth_target(m, size, alignment);
    return capacity != 0 && glbuf_mega_within_budget(m, capacity);
}

glbuf_result glbuf_mega_grow(glbuf_mega_obj *m, uint64_t size, uint64_t alignment)
{
    uint64_t capacity = growth_target(m, size, alignment);
    if (capacity == 0) {
        return GLBUF_ERR_FULL;
    }
    if (!glbuf_mega_within_budget(m, capacity)) {
        glbuf_log(m->ctx, GLBUF_LOG_INFO, "'%s': growth to %llu bytes refused: over the memory budget of %llu",
                  m->label, (unsigned long long)capacity, (unsigned long long)m->memory_budget);
        return GLBUF_ERR_FULL;
    }
    glbuf_mega_store fresh;
    glbuf_result r = glbuf_mega_storage_create(m, capacity, &fresh);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_mega_guard_before_move(m, "glbuf_mega_alloc (before growing)");
    /* Only live bytes move (a freed range's bytes are read by nobody from
     * the new store), and the CPU does not wait for them: device-local,
     * it never writes the store; host-visible, a write over bytes still
     * landing waits for them then (glbuf_mega_before_cpu_write). Staged
     * device-local writes stay staged: offsets do not move, and their copies,
     * issued later, land after this one. */
    glbuf_mega_flush_dirty(m);
    glbuf_mega_store old = {m->name, m->map};
    uint64_t extent = glbuf_mega_copy_live(m, &old, &fresh);
    glbuf_mega_copies_fence(m);
    r = glbuf_ranges_grow(m->ranges, capacity);
    if (r != GLBUF_OK) { /* cannot happen: capacity only grows */
        glbuf_mega_storage_release(m, &fresh);
        return r;
    }
    glbuf_mega_adopt(m, &fresh, capacity);
    m->stats.growths++;
    m->stats.bytes_copied_by_growth += extent;
    m->ctx->stats.reallocations++;
    m->ctx->stats.bytes_copied_by_growth += extent;
    glbuf_log(m->ctx, GLBUF_LOG_INFO, "'%s' grew to %llu bytes (copied %llu)", m->label,
              (unsigned long long)capacity, (unsigned long long)extent);
    return GLBUF_OK;
}

