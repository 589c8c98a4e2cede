/* pool.c - glbuf_pool: tiered buffer pools, reuse behind the frame fence,
 * trimming and an idle budget (pool.h). */
#include <stdio.h>
#include <string.h>

#include "glbuf/pool.h"
#include "buffer_internal.h"
#include "gl_ops.h"
#include "host_alloc.h"

#define POOL_KIND 0x4C4F4F50u  /* "POOL" */
#define ENTRY_KIND 0x544E4550u /* "PENT" */
#define DEFAULT_IDLE_BUDGET ((uint64_t)64 << 20)

static const uint64_t default_limits[GLBUF_POOL_CLASSES] = {(uint64_t)16 << 10, (uint64_t)256 << 10,
                                                            (uint64_t)4 << 20};

/* One pooled GL buffer; the buffer object's `owner` points here for as long
 * as the pool holds the buffer, live or idle. */
typedef struct pool_entry pool_entry;
typedef struct glbuf_pool_obj glbuf_pool_obj;
struct pool_entry {
    uint32_t kind; /* ENTRY_KIND: owner pointers are recognised by it */
    glbuf_pool_obj *pool;
    glbuf_buffer buf;
    uint64_t capacity;      /* bytes, at creation */
    uint64_t requested;     /* bytes, while live */
    uint64_t release_frame; /* while idle: reusable once this frame completed */
    unsigned tier;
    int live;
    pool_entry *prev, *next;
};

typedef struct pool_list {
    pool_entry *head, *tail;
} pool_list;

typedef struct pool_tier {
    pool_list idle; /* by release frame, oldest at the head */
    pool_list live;
    glbuf_pool_tier_stats stats;
} pool_tier;

/* The object behind a glbuf_pool handle (in the context's object table). */
struct glbuf_pool_obj {
    uint32_t kind; /* POOL_KIND while alive */
    glbuf_ctx *ctx;
    uint64_t idle_budget; /* bytes */
    glbuf_target target;
    glbuf_usage usage;
    pool_tier tiers[GLBUF_POOL_TIERS];
    char label[40];
};

static glbuf_result check_pool(const glbuf_pool_obj *p)
{
    if (p == NULL) {
        return GLBUF_ERR_NULL;
    }
    return p->kind == POOL_KIND ? GLBUF_OK : GLBUF_ERR_WRONG_KIND;
}

static void list_push(pool_list *l, pool_entry *e)
{
    e->next = NULL;
    e->prev = l->tail;
    if (l->tail != NULL) {
        l->tail->next = e;
    } else {
        l->head = e;
    }
    l->tail = e;
}

static void list_unlink(pool_list *l, pool_entry *e)
{
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        l->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        l->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static unsigned tier_of(const glbuf_pool_obj *p, uint64_t size)
{
    for (unsigned i = 0; i < GLBUF_POOL_CLASSES; i++) {
        if (size <= p->tiers[i].stats.class_size) {
            return i;
        }
    }
    return GLBUF_POOL_OVERSIZED;
}

/* Deletes the GL buffer of an idle entry (if the app has not destroyed it
 * already) and forgets the entry. */
static void drop_idle(glbuf_pool_obj *p, pool_entry *e)
{
    pool_tier *t = &p->tiers[e->tier];
    list_unlink(&t->idle, e);
    t->stats.idle--;
    t->stats.bytes_idle -= e->capacity;
    t->stats.bytes_held -= e->capacity;
    glbuf_result why;
    glbuf_buffer_obj *b = glbuf_buffer_lookup(p->ctx, e->buf, &why);
    if (b != NULL && b->owner == e) {
        b->owner = NULL;
        (void)glbuf_buffer_destroy(p->ctx, e->buf);
    } else {
        glbuf_log(p->ctx, GLBUF_LOG_WARNING, "'%s': an idle pooled buffer was destroyed behind the pool's back",
                  p->label);
    }
    e->kind = 0;
    glbuf_host_free(&p->ctx->allocator, e);
}

static uint64_t idle_bytes(const glbuf_pool_obj *p)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
        n += p->tiers[i].stats.bytes_idle;
    }
    return n;
}

/* Deletes the oldest idle buffers until the idle bytes fit the budget. */
static void enforce_budget(glbuf_pool_obj *p)
{
    while (idle_bytes(p) > p->idle_budget) {
        pool_entry *oldest = NULL;
        for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
            pool_entry *e = p->tiers[i].idle.head;
            if (e != NULL && (oldest == NULL || e->release_frame < oldest->release_frame)) {
                oldest = e;
            }
        }
        p->tiers[oldest->tier].stats.evicted++;
        drop_idle(p, oldest);
    }
}

/* The newest idle buffer of tier `t` whose frame has completed (and, in the
 * oversized tier, of exactly `size` bytes); NULL when there is none. */
static pool_entry *find_reusable(glbuf_pool_obj *p, unsigned tier, uint64_t size)
{
    pool_tier *t = &p->tiers[tier];
    uint64_t completed = p->ctx->completed_frame;
    int polled = 0;
    pool_entry *e = t->idle.tail;
    while (e != NULL) {
        pool_entry *prev = e->prev;
        if (tier == GLBUF_POOL_OVERSIZED && e->capacity != size) {
            e = prev;
            continue;
        }
        if (e->release_frame > completed && !polled) {
            completed = glbuf_ctx_poll_completed(p->ctx);
            polled = 1;
        }
        if (e->release_frame <= completed) {
            glbuf_result why;
            glbuf_buffer_obj *b = glbuf_buffer_lookup(p->ctx, e->buf, &why);
            if (b != NULL && b->owner == e) {
                return e;
            }
            drop_idle(p, e); /* destroyed by the app: forget it */
        }
        e = prev;
    }
    return NULL;
}

static glbuf_result create_entry(glbuf_pool_obj *p, unsigned tier, uint64_t capacity, pool_entry **out)
{
    glbuf_ctx *ctx = p->ctx;
    pool_entry *e = glbuf_host_calloc(&ctx->allocator, 1, sizeof *e);
    if (e == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    char label[64];
    if (tier == GLBUF_POOL_OVERSIZED) {
        snprintf(label, sizeof label, "%s[exact]", p->label);
    } else {
        snprintf(label, sizeof label, "%s[%llu]", p->label, (unsigned long long)capacity);
    }
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
    e->pool = p;
    e->capacity = capacity;
    e->tier = tier;
    pool_tier *t = &p->tiers[tier];
    t->stats.created++;
    t->stats.bytes_held += capacity;
    *out = e;
    return GLBUF_OK;
}

/* ---- operations on a resolved pool (the public API at the end resolves handles) */

static glbuf_result pool_create(glbuf_ctx *ctx, const glbuf_pool_desc *desc, glbuf_pool_obj **out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if ((unsigned)desc->target >= GLBUF_TARGET_COUNT || (unsigned)desc->usage >= GLBUF_USAGE_COUNT) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint64_t limits[GLBUF_POOL_CLASSES];
    for (unsigned i = 0; i < GLBUF_POOL_CLASSES; i++) {
        limits[i] = desc->tier_limits[i] ? desc->tier_limits[i] : default_limits[i];
        if ((i > 0 && limits[i] <= limits[i - 1]) || !glbuf_fits_glsizeiptr(limits[i])) {
            return GLBUF_ERR_INVALID_ARGUMENT;
        }
    }
    glbuf_pool_obj *p = glbuf_host_calloc(&ctx->allocator, 1, sizeof *p);
    if (p == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    p->kind = POOL_KIND;
    p->ctx = ctx;
    p->idle_budget = desc->idle_budget ? desc->idle_budget : DEFAULT_IDLE_BUDGET;
    p->target = desc->target;
    p->usage = desc->usage;
    for (unsigned i = 0; i < GLBUF_POOL_CLASSES; i++) {
        p->tiers[i].stats.class_size = limits[i];
    }
    snprintf(p->label, sizeof p->label, "%s", desc->label ? desc->label : "pool");
    *out = p;
    return GLBUF_OK;
}

static void pool_destroy(glbuf_pool_obj **pp, int quiet)
{
    if (pp == NULL || check_pool(*pp) != GLBUF_OK) {
        return;
    }
    glbuf_pool_obj *p = *pp;
    glbuf_ctx *ctx = p->ctx;
    unsigned live = 0;
    for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
        pool_tier *t = &p->tiers[i];
        while (t->idle.head != NULL) {
            drop_idle(p, t->idle.head);
        }
        while (t->live.head != NULL) {
            pool_entry *e = t->live.head;
            list_unlink(&t->live, e);
            glbuf_result why;
            glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, e->buf, &why);
            if (b != NULL && b->owner == e) {
                b->owner = NULL; /* a plain buffer from now on */
                live++;
            }
            e->kind = 0;
            glbuf_host_free(&ctx->allocator, e);
        }
    }
    if (live > 0 && !quiet) {
        glbuf_log(ctx, GLBUF_LOG_WARNING,
                  "'%s' destroyed with %u buffers acquired: they are plain buffers now, destroy them", p->label,
                  live);
    }
    p->kind = 0;
    glbuf_host_free(&ctx->allocator, p);
    *pp = NULL;
}

static glbuf_result pool_acquire(glbuf_pool_obj *p, uint64_t size, glbuf_buffer *out)
{
    glbuf_result r = check_pool(p);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (!glbuf_fits_glsizeiptr(size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    unsigned tier = tier_of(p, size);
    pool_tier *t = &p->tiers[tier];
    pool_entry *e = find_reusable(p, tier, size);
    if (e != NULL) {
        list_unlink(&t->idle, e);
        t->stats.idle--;
        t->stats.bytes_idle -= e->capacity;
        t->stats.reused++;
    } else {
        r = create_entry(p, tier, tier == GLBUF_POOL_OVERSIZED ? size : t->stats.class_size, &e);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    glbuf_result why;
    glbuf_buffer_lookup(p->ctx, e->buf, &why)->size = size;
    e->live = 1;
    e->requested = size;
    list_push(&t->live, e);
    t->stats.live++;
    t->stats.bytes_requested += size;
    *out = e->buf;
    return GLBUF_OK;
}

static glbuf_result pool_release(glbuf_pool_obj *p, glbuf_buffer buf)
{
    glbuf_result r = check_pool(p);
    if (r != GLBUF_OK) {
        return r;
    }
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
    pool_tier *t = &p->tiers[e->tier];
    list_unlink(&t->live, e);
    e->live = 0;
    t->stats.live--;
    t->stats.bytes_requested -= e->requested;
    e->requested = 0;
    int resized = b->capacity != e->capacity; /* re-specified while acquired */
    if (resized || e->capacity > p->idle_budget) {
        /* Not kept: no longer of its class, or over the budget on its own. */
        if (resized) {
            t->stats.discarded++;
        } else {
            t->stats.evicted++;
        }
        t->stats.bytes_held -= e->capacity;
        b->owner = NULL;
        (void)glbuf_buffer_destroy(p->ctx, buf);
        e->kind = 0;
        glbuf_host_free(&p->ctx->allocator, e);
        return GLBUF_OK;
    }
    e->release_frame = p->ctx->frame;
    list_push(&t->idle, e);
    t->stats.idle++;
    t->stats.bytes_idle += e->capacity;
    enforce_budget(p);
    return GLBUF_OK;
}

static glbuf_result pool_trim(glbuf_pool_obj *p, uint64_t idle_frames)
{
    glbuf_result r = check_pool(p);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t now = p->ctx->frame;
    for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
        pool_tier *t = &p->tiers[i];
        while (t->idle.head != NULL && now - t->idle.head->release_frame > idle_frames) {
            t->stats.trimmed++;
            drop_idle(p, t->idle.head);
        }
    }
    return GLBUF_OK;
}

static glbuf_pool_stats pool_get_stats(const glbuf_pool_obj *p)
{
    glbuf_pool_stats s;
    memset(&s, 0, sizeof s);
    if (check_pool(p) != GLBUF_OK) {
        return s;
    }
    for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
        s.tiers[i] = p->tiers[i].stats;
        s.bytes_held += s.tiers[i].bytes_held;
        s.bytes_idle += s.tiers[i].bytes_idle;
        s.bytes_requested += s.tiers[i].bytes_requested;
    }
    s.idle_budget = p->idle_budget;
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
        pool_destroy(&p, 1);
        return r;
    }
    out->id = id;
    return GLBUF_OK;
}

glbuf_result glbuf_pool_destroy(glbuf_ctx *ctx, glbuf_pool pool)
{
    RESOLVE(ctx, pool, p);
    glbuf_objects_remove(&ctx->objects, pool.id);
    pool_destroy(&p, 0);
    return GLBUF_OK;
}

void glbuf_pool_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_result why;
    glbuf_pool_obj *p = glbuf_objects_get(&ctx->objects, id, GLBUF_KIND_POOL, &why);
    if (p != NULL) {
        glbuf_objects_remove(&ctx->objects, id);
        pool_destroy(&p, 1); /* the context counts what was left */
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
