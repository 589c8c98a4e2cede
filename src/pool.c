/* pool.c - glbuf_pool: the public calls (handles resolved first), buffer
 * creation and release; the idle buffers live in pool_idle.c (pool.h,
 * pool_internal.h). */
#include <stdio.h>
#include <string.h>

#include "gl_ops.h"
#include "host_alloc.h"
#include "pool_internal.h"

#define DEFAULT_IDLE_BUDGET ((uint64_t)256 << 20)
#define DEFAULT_DEMAND_FRAMES 16u

static const uint64_t default_limits[GLBUF_POOL_TIER_LIMITS] = {(uint64_t)16 << 10, (uint64_t)256 << 10,
                                                                (uint64_t)4 << 20};

static void live_push(glbuf_pool_obj *p, pool_entry *e)
{
    e->next = NULL;
    e->prev = p->live_tail;
    if (p->live_tail != NULL) {
        p->live_tail->next = e;
    } else {
        p->live_head = e;
    }
    p->live_tail = e;
}

static void live_unlink(glbuf_pool_obj *p, pool_entry *e)
{
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        p->live_head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        p->live_tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static unsigned tier_of(const glbuf_pool_obj *p, uint64_t capacity)
{
    for (unsigned i = 0; i < GLBUF_POOL_TIER_LIMITS; i++) {
        if (capacity <= p->tiers[i].limit) {
            return i;
        }
    }
    return GLBUF_POOL_OVERSIZED;
}

static glbuf_result create_entry(glbuf_pool_obj *p, uint32_t cls, uint64_t capacity, pool_entry **out)
{
    glbuf_ctx *ctx = p->ctx;
    pool_entry *e = glbuf_host_calloc(&ctx->allocator, 1, sizeof *e);
    if (e == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    char label[64];
    snprintf(label, sizeof label, "%s[%llu]", p->label, (unsigned long long)capacity);
    glbuf_buffer_desc d;
    memset(&d, 0, sizeof d);
    d.target = p->target;
    d.usage = p->usage;
    d.size = capacity;
    d.label = label;
    glbuf_result r = glbuf_buffer_create(ctx, &d, &e->buf);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, e);
        return r;
    }
    glbuf_result why;
    glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, e->buf, &why);
    b->owner = e;
    e->kind = ENTRY_KIND;
    e->cls = cls;
    e->pool = p;
    e->capacity = capacity;
    e->tier = tier_of(p, capacity);
    glbuf_pool_tier_stats *t = &p->tiers[e->tier];
    t->created++;
    t->bytes_held += capacity;
    *out = e;
    return GLBUF_OK;
}

/* ---- operations on a resolved pool (the public API at the end resolves handles) */

static glbuf_result pool_create(glbuf_ctx *ctx, const glbuf_pool_desc *desc, glbuf_pool_obj **out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if ((unsigned)desc->target >= GLBUF_TARGET_COUNT || (unsigned)desc->usage >= GLBUF_USAGE_COUNT ||
        desc->demand_frames > GLBUF_POOL_MAX_DEMAND_FRAMES) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint64_t limits[GLBUF_POOL_TIER_LIMITS];
    for (unsigned i = 0; i < GLBUF_POOL_TIER_LIMITS; i++) {
        limits[i] = desc->tier_limits[i] ? desc->tier_limits[i] : default_limits[i];
        if ((i > 0 && limits[i] <= limits[i - 1]) || !glbuf_fits_glsizeiptr(limits[i])) {
            return GLBUF_ERR_INVALID_ARGUMENT;
        }
    }
    uint32_t frames = desc->demand_frames ? desc->demand_frames : DEFAULT_DEMAND_FRAMES;
    size_t demand_bytes = ((size_t)frames + 1u) * POOL_CLASS_COUNT * sizeof(uint32_t);
    glbuf_pool_obj *p = glbuf_host_calloc(&ctx->allocator, 1, sizeof *p + demand_bytes);
    if (p == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    p->kind = POOL_KIND;
    p->ctx = ctx;
    p->idle_budget = desc->idle_budget ? desc->idle_budget : DEFAULT_IDLE_BUDGET;
    p->demand_frames = frames;
    p->policy_frame = ctx->frame;
    p->target = desc->target;
    p->usage = desc->usage;
    for (unsigned i = 0; i < GLBUF_POOL_TIER_LIMITS; i++) {
        p->tiers[i].limit = limits[i];
    }
    snprintf(p->label, sizeof p->label, "%s", desc->label ? desc->label : "pool");
    *out = p;
    return GLBUF_OK;
}

/* Quiet: the context counts what was left (teardown, a failed create). */
static void pool_destroy(glbuf_pool_obj *p, int quiet)
{
    glbuf_ctx *ctx = p->ctx;
    glbuf_pool_drop_all_idle(p);
    unsigned live = 0;
    while (p->live_head != NULL) {
        pool_entry *e = p->live_head;
        live_unlink(p, e);
        glbuf_result why;
        glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, e->buf, &why);
        if (b != NULL && b->owner == e) {
            b->owner = NULL; /* a plain buffer from now on */
            live++;
        }
        e->kind = 0;
        glbuf_host_free(&ctx->allocator, e);
    }
    if (live > 0 && !quiet) {
        glbuf_log(ctx, GLBUF_LOG_WARNING,
                  "'%s' destroyed with %u buffers acquired: they are plain buffers now, destroy them", p->label,
                  live);
    }
    p->kind = 0;
    glbuf_host_free(&ctx->allocator, p);
}

static glbuf_result pool_acquire(glbuf_pool_obj *p, uint64_t size, glbuf_buffer *out)
{
    glbuf_result r = GLBUF_OK;
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (!glbuf_fits_glsizeiptr(size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    glbuf_pool_apply_demand(p);
    uint64_t class_size = 0;
    uint32_t cls = pool_class_of(size, &class_size);
    pool_entry *e = glbuf_pool_idle_take(p, cls, size);
    if (e != NULL) {
        p->tiers[e->tier].reused++;
    } else {
        /* A class size beyond GLsizeiptr: exactly the request (deleted at
         * release, as it is not of its class). */
        r = create_entry(p, cls, glbuf_fits_glsizeiptr(class_size) ? class_size : size, &e);
        if (r != GLBUF_OK) {
            glbuf_pool_validate(p, "a failed acquire");
            return r;
        }
    }
    glbuf_result why;
    glbuf_buffer_lookup(p->ctx, e->buf, &why)->size = size;
    e->live = 1;
    e->requested = size;
    live_push(p, e);
    glbuf_pool_tier_stats *t = &p->tiers[e->tier];
    t->live++;
    t->bytes_requested += size;
    p->acquired++;
    size_t row = (size_t)(p->ctx->frame % ((uint64_t)p->demand_frames + 1u));
    uint32_t *demand = &p->demand[row * POOL_CLASS_COUNT + cls];
    *demand += *demand < UINT32_MAX; /* saturates */
    glbuf_pool_validate(p, "acquire");
    *out = e->buf;
    return GLBUF_OK;
}

static glbuf_result pool_release(glbuf_pool_obj *p, glbuf_buffer buf)
{
    glbuf_result r = GLBUF_OK;
    glbuf_buffer_obj *b = glbuf_buffer_lookup(p->ctx, buf, &r);
    if (b == NULL) {
        return r;
    }
    pool_entry *e = (pool_entry *)b->owner;
    if (e == NULL || e->kind != ENTRY_KIND || e->pool != p || !e->live) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    if (b->mapped) {
        return GLBUF_ERR_ALREADY_MAPPED;
    }
    glbuf_pool_apply_demand(p);
    glbuf_pool_tier_stats *t = &p->tiers[e->tier];
    live_unlink(p, e);
    e->live = 0;
    t->live--;
    t->bytes_requested -= e->requested;
    e->requested = 0;
    /* Re-specified while acquired, or made at exactly an unclassable size:
     * not of its class any more. */
    int discard = b->capacity != e->capacity || e->capacity != pool_class_size(e->cls);
    if (discard || e->capacity > p->idle_budget) {
        if (discard) {
            t->discarded++;
        } else {
            t->evicted++;
        }
        t->bytes_held -= e->capacity;
        glbuf_pool_delete_entry(p, e);
    } else {
        glbuf_pool_idle_push(p, e);
        glbuf_pool_enforce_budget(p);
    }
    glbuf_pool_validate(p, "release");
    return GLBUF_OK;
}

static glbuf_result pool_trim(glbuf_pool_obj *p, uint64_t idle_frames)
{
    glbuf_pool_apply_demand(p);
    glbuf_pool_trim_idle(p, idle_frames);
    glbuf_pool_validate(p, "trim");
    return GLBUF_OK;
}

static glbuf_pool_stats pool_get_stats(const glbuf_pool_obj *p)
{
    glbuf_pool_stats s;
    memset(&s, 0, sizeof s);
    for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
        s.tiers[i] = p->tiers[i];
        s.bytes_held += s.tiers[i].bytes_held;
        s.bytes_idle += s.tiers[i].bytes_idle;
        s.bytes_requested += s.tiers[i].bytes_requested;
    }
    s.acquired = p->acquired;
    s.idle_budget = p->idle_budget;
    s.demand_frames = p->demand_frames;
    return s;
}

/* ---- public API: the handle is resolved first, then the functions above ---- */

static glbuf_pool_obj *resolve(const glbuf_ctx *ctx, glbuf_pool pool, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, pool.id, GLBUF_KIND_POOL, why);
}

#define RESOLVE(ctx, pool, p)                                  \
    glbuf_result resolve_result_;                              \
    glbuf_pool_obj *p = resolve(ctx, pool, &resolve_result_); \
    if (p == NULL) {                                           \
        return resolve_result_;                                \
    }

glbuf_result glbuf_pool_create(glbuf_ctx *ctx, const glbuf_pool_desc *desc, glbuf_pool *out)
{
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_pool_obj *p = NULL;
    glbuf_result r = pool_create(ctx, desc, &p);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t id = 0;
    r = glbuf_objects_insert(&ctx->objects, &ctx->allocator, GLBUF_KIND_POOL, p, &id);
    if (r != GLBUF_OK) {
        pool_destroy(p, 1);
        return r;
    }
    out->id = id;
    return GLBUF_OK;
}

glbuf_result glbuf_pool_destroy(glbuf_ctx *ctx, glbuf_pool pool)
{
    RESOLVE(ctx, pool, p);
    glbuf_objects_remove(&ctx->objects, pool.id);
    pool_destroy(p, 0);
    return GLBUF_OK;
}

void glbuf_pool_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_result why;
    glbuf_pool_obj *p = glbuf_objects_get(&ctx->objects, id, GLBUF_KIND_POOL, &why);
    if (p != NULL) {
        glbuf_objects_remove(&ctx->objects, id);
        pool_destroy(p, 1); /* the context counts what was left */
    }
}

glbuf_result glbuf_pool_acquire(glbuf_ctx *ctx, glbuf_pool pool, uint64_t size, glbuf_buffer *out)
{
    RESOLVE(ctx, pool, p);
    return pool_acquire(p, size, out);
}

glbuf_result glbuf_pool_release(glbuf_ctx *ctx, glbuf_pool pool, glbuf_buffer buf)
{
    RESOLVE(ctx, pool, p);
    return pool_release(p, buf);
}

glbuf_result glbuf_pool_trim(glbuf_ctx *ctx, glbuf_pool pool, uint64_t idle_frames)
{
    RESOLVE(ctx, pool, p);
    return pool_trim(p, idle_frames);
}

glbuf_pool_stats glbuf_pool_get_stats(const glbuf_ctx *ctx, glbuf_pool pool)
{
    glbuf_result why;
    const glbuf_pool_obj *p = resolve(ctx, pool, &why);
    if (p == NULL) {
        glbuf_pool_stats none;
        memset(&none, 0, sizeof none);
        return none;
    }
    return pool_get_stats(p);
}
