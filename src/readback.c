/* readback.c - glbuf_readback: the object, its request handles and slots, and
 * the public API (readback.h). The rings (storage, placement, growth, trim)
 * are readback_ring.c. */
#include <stdio.h>
#include <string.h>

#include "gl_ops.h"
#include "glbuf_assert.h"
#include "handle_id.h"
#include "host_alloc.h"
#include "objects.h"
#include "owner_ids.h"
#include "pow2.h"
#include "readback_internal.h"

#define DEFAULT_CAPACITY ((uint64_t)1 << 20)
#define DEFAULT_MAX_CAPACITY ((uint64_t)256 << 20)
#define DEFAULT_TRIM_FRAMES 120u
#define MAX_TRIM_FRAMES 100000u
/* Chosen from bench/bench_readback.c (readback.h, "Measured"). */
#define DEFAULT_MEMORY GLBUF_READBACK_MEMORY_COHERENT
#define FIRST_SLOTS 16u
#define NONE GLBUF_READBACK_NONE

/* ---- the context's object table ---------------------------------------------- */

static glbuf_result table_insert(glbuf_ctx *ctx, glbuf_readback_obj *rb, glbuf_readback *out)
{
    uint64_t id = 0;
    glbuf_result r = glbuf_objects_insert(&ctx->objects, &ctx->allocator, GLBUF_KIND_READBACK, rb, &id);
    if (r == GLBUF_OK) {
        out->id = id;
    }
    return r;
}

static glbuf_readback_obj *table_get(const glbuf_ctx *ctx, glbuf_readback h, glbuf_result *why)
{
    return glbuf_objects_get(&ctx->objects, h.id, GLBUF_KIND_READBACK, why);
}

static void table_remove(glbuf_ctx *ctx, glbuf_readback h)
{
    glbuf_objects_remove(&ctx->objects, h.id);
}

/* ---- resolving handles --------------------------------------------------------- */

static glbuf_readback_obj *resolve(const glbuf_ctx *ctx, glbuf_readback h, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return table_get(ctx, h, why);
}

/* The live slot of `req`, or NULL: 0, another owner, a slot never issued, a
 * released or reissued slot (state or generation differ). */
static readback_slot *lookup_request(const glbuf_readback_obj *rb, glbuf_readback_request req)
{
    uint32_t index = glbuf_id_index(req.id);
    if (req.id == 0 || glbuf_id_owner(req.id) != rb->owner || index >= rb->slot_count) {
        return NULL;
    }
    readback_slot *s = &rb->slots[index];
    if (s->state != SLOT_LIVE || s->generation != glbuf_id_generation(req.id)) {
        return NULL;
    }
    return s;
}

/* ---- request slots ------------------------------------------------------------- */

/* Makes sure a slot can be taken (growing the array if need be) and says
 * which; nothing observable changes. */
static glbuf_result reserve_slot(glbuf_ctx *ctx, glbuf_readback_obj *rb, uint32_t *out)
{
    if (rb->free_head != NONE) {
        *out = rb->free_head;
        return GLBUF_OK;
    }
    if (rb->slot_count == GLBUF_ID_INDEX_COUNT) {
        return GLBUF_ERR_FULL;
    }
    if (rb->slot_count == rb->slot_capacity) {
        uint32_t cap = rb->slot_capacity ? rb->slot_capacity * 2u : FIRST_SLOTS;
        if (cap > GLBUF_ID_INDEX_COUNT) {
            cap = GLBUF_ID_INDEX_COUNT;
        }
        readback_slot *slots = glbuf_host_alloc(&ctx->allocator, (size_t)cap * sizeof *slots);
        if (slots == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
        if (rb->slots != NULL) {
            memcpy(slots, rb->slots, (size_t)rb->slot_count * sizeof *slots);
        }
        glbuf_host_free(&ctx->allocator, rb->slots);
        rb->slots = slots;
        rb->slot_capacity = cap;
    }
    *out = rb->slot_count;
    return GLBUF_OK;
}

/* Takes the slot reserve_slot named, with its next generation. */
static readback_slot *take_slot(glbuf_readback_obj *rb, uint32_t index)
{
    readback_slot *s = &rb->slots[index];
    uint32_t generation;
    if (index == rb->free_head) {
        rb->free_head = s->next;
        generation = s->generation + 1u; /* < GLBUF_ID_GEN_MAX + 1: full slots are never freed */
    } else {
        GLBUF_ASSERT(index == rb->slot_count);
        rb->slot_count++;
        generation = 1;
    }
    memset(s, 0, sizeof *s);
    s->generation = generation;
    s->next = NONE;
    s->state = SLOT_LIVE;
    return s;
}

/* A slot whose generation is spent is retired: never on the free list again,
 * so its last handle can never be accepted. */
static void free_slot(glbuf_readback_obj *rb, uint32_t index)
{
    readback_slot *s = &rb->slots[index];
    s->state = SLOT_FREE;
    s->ring = NULL;
    s->sync = NULL;
    if (s->generation < GLBUF_ID_GEN_MAX) {
        s->next = rb->free_head;
        rb->free_head = index;
    }
}

/* ---- rings ---------------------------------------------------------------------- */

/* Gives back the bytes of released requests at the front of `g`. */
static void give_back_front(glbuf_readback_obj *rb, readback_ring *g)
{
    while (g->first != NONE && rb->slots[g->first].state == SLOT_RELEASED) {
        uint32_t index = g->first;
        readback_slot *s = &rb->slots[index];
        g->first = s->next;
        g->entries--;
        g->tail = s->at + s->size;
        free_slot(rb, index);
    }
    if (g->first == NONE) {
        g->last = NONE;
        g->tail = g->head;
    }
}

/* ---- creation ------------------------------------------------------------------------ */

static void choose_memory(const glbuf_ctx *ctx, glbuf_readback_obj *rb, glbuf_readback_memory memory)
{
    if (memory == GLBUF_READBACK_MEMORY_DEFAULT) {
        memory = DEFAULT_MEMORY;
    }
    int client = memory == GLBUF_READBACK_MEMORY_CLIENT_COHERENT || memory == GLBUF_READBACK_MEMORY_CLIENT_BARRIER;
    int barrier = memory == GLBUF_READBACK_MEMORY_BARRIER || memory == GLBUF_READBACK_MEMORY_CLIENT_BARRIER;
    if (barrier && ctx->gl.MemoryBarrier == NULL) {
        barrier = 0; /* no way to make non-coherent writes visible: coherent it is */
    }
    rb->barrier = barrier;
    rb->storage_flags = GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | (barrier ? 0 : GL_MAP_COHERENT_BIT) |
                        (client ? GL_CLIENT_STORAGE_BIT : 0);
    rb->map_access = GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | (barrier ? 0 : GL_MAP_COHERENT_BIT);
    rb->stats.memory = client ? (barrier ? GLBUF_READBACK_MEMORY_CLIENT_BARRIER : GLBUF_READBACK_MEMORY_CLIENT_COHERENT)
                              : (barrier ? GLBUF_READBACK_MEMORY_BARRIER : GLBUF_READBACK_MEMORY_COHERENT);
}

void glbuf_readback_free_object(glbuf_ctx *ctx, glbuf_readback_obj *rb)
{
    for (uint32_t i = 0; i < rb->slot_count; i++) {
        if (rb->slots[i].state != SLOT_FREE && rb->slots[i].sync != NULL) {
            GLBUF_GL(ctx, DeleteSync)(rb->slots[i].sync);
        }
    }
    while (rb->retired != NULL) {
        readback_ring *g = rb->retired;
        rb->retired = g->next;
        glbuf_readback_ring_destroy(ctx, rb, g);
    }
    glbuf_readback_ring_destroy(ctx, rb, rb->ring);
    glbuf_owner_release(rb->owner);
    glbuf_host_free(&ctx->allocator, rb->slots);
    glbuf_host_free(&ctx->allocator, rb);
}

glbuf_result glbuf_readback_create(glbuf_ctx *ctx, const glbuf_readback_desc *desc, glbuf_readback *out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t max_capacity = desc->max_capacity ? glbuf_pow2_floor(desc->max_capacity) : DEFAULT_MAX_CAPACITY;
    uint64_t capacity = DEFAULT_CAPACITY;
    if (desc->capacity != 0) {
        capacity = glbuf_pow2_ceil(desc->capacity < GLBUF_READBACK_ALIGN ? GLBUF_READBACK_ALIGN : desc->capacity);
    } else if (capacity > max_capacity) {
        capacity = max_capacity;
    }
    if ((unsigned)desc->memory >= (unsigned)GLBUF_READBACK_MEMORY_COUNT || desc->trim_frames > MAX_TRIM_FRAMES ||
        capacity > max_capacity || capacity < GLBUF_READBACK_ALIGN || !glbuf_fits_glsizeiptr(max_capacity) ||
        (uint64_t)(size_t)max_capacity != max_capacity || max_capacity > SIZE_MAX - GLBUF_READBACK_ALIGN) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_readback_obj *rb = glbuf_host_calloc(&ctx->allocator, 1, sizeof *rb);
    if (rb == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    glbuf_result r = glbuf_owner_acquire(&rb->owner);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, rb);
        return r;
    }
    rb->persistent = glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE);
    if (rb->persistent) {
        choose_memory(ctx, rb, desc->memory);
    } else {
        rb->stats.memory = GLBUF_READBACK_MEMORY_COHERENT; /* a plain mapping after the fence: nothing to choose */
    }
    rb->initial_capacity = capacity;
    rb->max_capacity = max_capacity;
    rb->trim_frames = desc->trim_frames ? desc->trim_frames : DEFAULT_TRIM_FRAMES;
    rb->free_head = NONE;
    rb->frame = ctx->frame;
    snprintf(rb->label, sizeof rb->label, "%s", desc->label ? desc->label : "readback");
    r = glbuf_readback_ring_create(ctx, rb, capacity, &rb->ring);
    if (r != GLBUF_OK) {
        glbuf_owner_release(rb->owner);
        glbuf_host_free(&ctx->allocator, rb);
        return r;
    }
    glbuf_readback handle = {0};
    r = table_insert(ctx, rb, &handle);
    if (r != GLBUF_OK) {
        glbuf_readback_free_object(ctx, rb);
        return r;
    }
    rb->stats.persistent = rb->persistent;
    rb->stats.capacity = capacity;
    rb->stats.bytes_held = capacity;
    *out = handle;
    glbuf_validate(ctx, "glbuf_readback_create", rb->label);
    return GLBUF_OK;
}

void glbuf_readback_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_readback h = {id};
    (void)glbuf_readback_destroy(ctx, h);
}

glbuf_result glbuf_readback_destroy(glbuf_ctx *ctx, glbuf_readback h)
{
    glbuf_result r;
    glbuf_readback_obj *rb = resolve(ctx, h, &r);
    if (rb == NULL) {
        return r;
    }
    table_remove(ctx, h);
    glbuf_readback_free_object(ctx, rb);
    return GLBUF_OK;
}

/* ---- requests --------------------------------------------------------------------------- */

glbuf_result glbuf_readback_copy(glbuf_ctx *ctx, glbuf_readback h, uint32_t src_name, uint64_t offset, uint64_t size,
                                 glbuf_readback_request *out)
{
    glbuf_result r;
    glbuf_readback_obj *rb = resolve(ctx, h, &r);
    if (rb == NULL) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (src_name == 0) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (offset > UINT64_MAX - size || !glbuf_fits_glsizeiptr(offset + size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    if (size > rb->max_capacity) {
        return GLBUF_ERR_TOO_LARGE;
    }
    uint32_t index = 0;
    r = reserve_slot(ctx, rb, &index);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_readback_trim_check(ctx, rb, size);
    uint64_t at = 0;
    r = glbuf_readback_place(ctx, rb, size, &at);
    if (r != GLBUF_OK) {
        return r;
    }
    readback_ring *g = rb->ring;
    /* A copy allocates nothing: glGetError around it only under validation
     * (ctx.h, "GL errors"). */
    glbuf_validate_begin(ctx);
    glbuf_gl_copy(ctx, src_name, g->name, (size_t)offset, (size_t)(at & (g->capacity - 1u)), (size_t)size);
    r = ctx->validation ? glbuf_gl_check(ctx, "glCopyBufferSubData (readback request)", rb->label) : GLBUF_OK;
    if (r != GLBUF_OK) {
        /* Nothing placed: head has not moved. */
        return r;
    }
    if (rb->barrier) {
        GLBUF_GL(ctx, MemoryBarrier)(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    }
    GLsync sync = GLBUF_GL(ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (sync == NULL) {
        /* The copy still runs; the next request placed over its bytes runs
         * after it, so the bytes are free again at once. */
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glFenceSync failed after a readback copy", rb->label);
        return GLBUF_ERR_FENCE_FAILED;
    }
    readback_slot *s = take_slot(rb, index);
    s->ring = g;
    s->sync = sync;
    s->at = at;
    s->size = size;
    if (g->last == NONE) {
        g->first = index;
    } else {
        rb->slots[g->last].next = index;
    }
    g->last = index;
    g->entries++;
    g->head = at + size;
    if (g->head - g->tail > rb->frame_peak) {
        rb->frame_peak = g->head - g->tail;
    }
    rb->stats.requests++;
    rb->stats.bytes_requested += size;
    rb->stats.bytes_live += size;
    rb->stats.live_requests++;
    out->id = glbuf_id_make(rb->owner, s->generation, index);
    glbuf_readback_check_invariants(ctx, rb);
    glbuf_validate(ctx, "glbuf_readback_copy", rb->label);
    return GLBUF_OK;
}

/* The fence has signalled: the bytes are readable (after the PBO-style fetch). */
static void mark_complete(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_slot *s)
{
    GLBUF_GL(ctx, DeleteSync)(s->sync);
    s->sync = NULL;
    s->complete = 1;
    rb->stats.completed++;
}

static glbuf_result deliver(glbuf_ctx *ctx, glbuf_readback_obj *rb, readback_slot *s, const void **out_data)
{
    if (!rb->persistent && !s->fetched) {
        if (s->lost) {
            return GLBUF_ERR_CONTENTS_LOST;
        }
        glbuf_result r = glbuf_readback_ring_fetch(ctx, rb, s);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    if (out_data != NULL) {
        *out_data = s->ring->base + (s->at & (s->ring->capacity - 1u));
    }
    return GLBUF_OK;
}

/* The readback and the slot of one of its requests: NULL (and *why) when
 * either handle is bad. */
static glbuf_readback_obj *resolve_request(glbuf_ctx *ctx, glbuf_readback h, glbuf_readback_request req,
                                           readback_slot **out_slot, glbuf_result *why)
{
    glbuf_readback_obj *rb = resolve(ctx, h, why);
    if (rb == NULL) {
        return NULL;
    }
    *out_slot = lookup_request(rb, req);
    if (*out_slot == NULL) {
        *why = GLBUF_ERR_INVALID_HANDLE;
        return NULL;
    }
    return rb;
}

glbuf_result glbuf_readback_poll(glbuf_ctx *ctx, glbuf_readback h, glbuf_readback_request req, const void **out_data)
{
    glbuf_result r;
    readback_slot *s = NULL;
    glbuf_readback_obj *rb = resolve_request(ctx, h, req, &s, &r);
    if (rb == NULL) {
        return r;
    }
    glbuf_validate_begin(ctx);
    if (!s->complete) {
        r = glbuf_sync_poll(ctx, s->sync);
        if (r == GLBUF_ERR_TIMEOUT) {
            rb->stats.polls_pending++;
            return r;
        }
        if (r != GLBUF_OK) {
            glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glClientWaitSync failed polling a readback request", rb->label);
            return r;
        }
        mark_complete(ctx, rb, s);
    }
    r = deliver(ctx, rb, s, out_data);
    glbuf_validate(ctx, "glbuf_readback_poll", rb->label);
    return r;
}

glbuf_result glbuf_readback_wait(glbuf_ctx *ctx, glbuf_readback h, glbuf_readback_request req, uint64_t timeout_ns,
                                 const void **out_data)
{
    glbuf_result r;
    readback_slot *s = NULL;
    glbuf_readback_obj *rb = resolve_request(ctx, h, req, &s, &r);
    if (rb == NULL) {
        return r;
    }
    glbuf_validate_begin(ctx);
    if (!s->complete) {
        uint64_t ns_before = ctx->stats.fence_wait_ns;
        r = glbuf_sync_wait(ctx, s->sync, timeout_ns);
        rb->stats.waits++;
        rb->stats.wait_ns += ctx->stats.fence_wait_ns - ns_before;
        if (r == GLBUF_ERR_TIMEOUT) {
            rb->stats.timeouts++;
            return r;
        }
        if (r != GLBUF_OK) {
            glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glClientWaitSync failed waiting for a readback request",
                      rb->label);
            return r;
        }
        mark_complete(ctx, rb, s);
    }
    r = deliver(ctx, rb, s, out_data);
    glbuf_validate(ctx, "glbuf_readback_wait", rb->label);
    return r;
}

glbuf_result glbuf_readback_release(glbuf_ctx *ctx, glbuf_readback h, glbuf_readback_request req)
{
    glbuf_result r;
    readback_slot *s = NULL;
    glbuf_readback_obj *rb = resolve_request(ctx, h, req, &s, &r);
    if (rb == NULL) {
        return r;
    }
    glbuf_validate_begin(ctx);
    if (s->sync != NULL) {
        /* Deleting a pending fence is allowed: GL drops it once signalled. */
        GLBUF_GL(ctx, DeleteSync)(s->sync);
        s->sync = NULL;
    }
    s->state = SLOT_RELEASED;
    rb->stats.live_requests--;
    rb->stats.bytes_live -= s->size;
    readback_ring *g = s->ring;
    give_back_front(rb, g);
    if (g != rb->ring && g->first == NONE) {
        readback_ring **link = &rb->retired;
        while (*link != g) {
            link = &(*link)->next;
        }
        *link = g->next;
        rb->stats.rings_retired--;
        glbuf_readback_ring_drop(ctx, rb, g);
    }
    glbuf_readback_check_invariants(ctx, rb);
    glbuf_validate(ctx, "glbuf_readback_release", rb->label);
    return GLBUF_OK;
}

glbuf_readback_stats glbuf_readback_get_stats(const glbuf_ctx *ctx, glbuf_readback h)
{
    glbuf_readback_stats st;
    memset(&st, 0, sizeof st);
    glbuf_result why;
    const glbuf_readback_obj *rb = resolve(ctx, h, &why);
    return rb ? rb->stats : st;
}
