/* stream.c - glbuf_stream: the fenced per-frame streaming ring (stream.h). */
#include <stdio.h>
#include <string.h>

#include "glbuf/buffer.h"
#include "glbuf/stream.h"
#include "gl_ops.h"
#include "glbuf_assert.h"
#include "host_alloc.h"
#include "pow2.h"

#define STREAM_KIND 0x4D525453u /* "STRM" */
#define DEFAULT_CAPACITY ((uint64_t)4 << 20)
#define DEFAULT_MAX_CAPACITY ((uint64_t)256 << 20)
#define DEFAULT_FRAMES_IN_FLIGHT 3u
#define MAX_REGIONS 32u

/* Positions are virtual: they only grow, and the byte at position p lives at
 * offset p & (capacity - 1) of the ring (capacities are powers of two). The
 * bytes in use are [tail, head); a request never straddles the end of the
 * ring, so every allocation is contiguous in GL. */
typedef struct stream_ring stream_ring;
struct stream_ring {
    GLuint name;
    uint64_t capacity;    /* bytes, a power of two */
    uint8_t *base;        /* the persistent mapping, or host staging (fallback) */
    uint64_t head;        /* position of the next free byte */
    uint64_t flushed;     /* position up to which writes were flushed/uploaded */
    uint64_t last_frame;  /* retired rings: deleted once this frame completed */
    int needs_orphan;     /* fallback: written in an earlier frame, not yet orphaned */
    stream_ring *next;    /* retired list */
};

/* The allocations of one ended frame: [previous region's end, end). */
typedef struct stream_region {
    uint64_t frame;
    uint64_t end; /* position */
} stream_region;

typedef struct glbuf_stream_obj glbuf_stream_obj;

/* The object behind a glbuf_stream handle (in the context's object table). */
struct glbuf_stream_obj {
    uint32_t kind; /* STREAM_KIND while alive: first, so any manager can be told apart */
    glbuf_ctx *ctx;
    int persistent;
    int explicit_flush;
    uint32_t frames_in_flight;
    uint64_t max_capacity;   /* bytes, a power of two */
    stream_ring *ring;       /* where allocations go */
    stream_ring *retired;    /* replaced rings waiting for their last frame's fence */
    uint64_t frame;          /* frame of the open region; 0 before the first allocation */
    uint64_t frame_begin;    /* position where the open region starts */
    uint64_t frame_bytes;    /* bytes the open frame asked for, for growth sizing */
    int frame_counted;
    uint64_t tail;           /* position: everything before it is retired */
    stream_region regions[MAX_REGIONS]; /* ended frames of `ring`, oldest first */
    unsigned region_head, region_count;
    glbuf_stream_stats stats;
    char label[48];
};

static glbuf_result check_stream(const glbuf_stream_obj *s)
{
    if (s == NULL) {
        return GLBUF_ERR_NULL;
    }
    return s->kind == STREAM_KIND ? GLBUF_OK : GLBUF_ERR_WRONG_KIND;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}

/* ---- rings ---------------------------------------------------------------- */

static void destroy_ring(glbuf_stream_obj *s, stream_ring *g)
{
    glbuf_ctx *ctx = s->ctx;
    if (s->persistent && g->base != NULL) {
        (void)glbuf_gl_unmap(ctx, g->name);
    }
    glbuf_gl_delete(ctx, g->name);
    if (!s->persistent) {
        glbuf_host_free(&ctx->allocator, g->base);
    }
    glbuf_host_free(&ctx->allocator, g);
}

/* A ring of `capacity` bytes with its storage (and mapping); nothing is left
 * behind on failure. */
static glbuf_result create_ring(glbuf_stream_obj *s, uint64_t capacity, stream_ring **out)
{
    glbuf_ctx *ctx = s->ctx;
    stream_ring *g = glbuf_host_calloc(&ctx->allocator, 1, sizeof *g);
    if (g == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    g->capacity = capacity;
    if (!s->persistent) {
        g->base = glbuf_host_alloc(&ctx->allocator, (size_t)capacity);
        if (g->base == NULL) {
            glbuf_host_free(&ctx->allocator, g);
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    glbuf_gl_store_desc store = {(size_t)capacity, 0, 0, GL_STREAM_DRAW, "stream ring", s->label};
    if (s->persistent) {
        GLbitfield coherence = s->explicit_flush ? 0 : GL_MAP_COHERENT_BIT;
        store.storage_flags = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | coherence;
        store.map_access = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                           (s->explicit_flush ? GL_MAP_FLUSH_EXPLICIT_BIT : GL_MAP_COHERENT_BIT);
    }
    void *map = NULL;
    glbuf_result r = glbuf_gl_create_store(ctx, &store, &g->name, &map);
    if (r != GLBUF_OK) {
        destroy_ring(s, g);
        return r;
    }
    if (s->persistent) {
        g->base = map;
    }
    *out = g;
    return GLBUF_OK;
}

/* ---- frames --------------------------------------------------------------- */

/* Retires the regions and rings whose frame has completed (no blocking). */
static void retire(glbuf_stream_obj *s)
{
    uint64_t done = glbuf_ctx_poll_completed(s->ctx);
    while (s->region_count > 0 && s->regions[s->region_head].frame <= done) {
        s->tail = s->regions[s->region_head].end;
        s->region_head = (s->region_head + 1u) % MAX_REGIONS;
        s->region_count--;
    }
    stream_ring **link = &s->retired;
    while (*link != NULL) {
        stream_ring *g = *link;
        if (g->last_frame <= done) {
            *link = g->next;
            s->stats.rings_retired--;
            s->stats.bytes_held -= g->capacity;
            destroy_ring(s, g);
        } else {
            link = &g->next;
        }
    }
}

/* Blocks until the oldest region's frame is complete, then retires. */
static glbuf_result wait_oldest(glbuf_stream_obj *s)
{
    glbuf_ctx *ctx = s->ctx;
    uint64_t ns_before = ctx->stats.fence_wait_ns;
    glbuf_result r = glbuf_ctx_wait_frame(ctx, s->regions[s->region_head].frame, UINT64_MAX);
    s->stats.waits++;
    s->stats.wait_ns += ctx->stats.fence_wait_ns - ns_before;
    if (r != GLBUF_OK) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': waiting for frame %llu failed: %s", s->label,
                  (unsigned long long)s->regions[s->region_head].frame, glbuf_result_name(r));
        return r;
    }
    retire(s);
    return GLBUF_OK;
}

/* The first allocation after the frame clock moved: closes the previous
 * frame's region and opens one for the current frame. */
static glbuf_result begin_frame(glbuf_stream_obj *s)
{
    glbuf_ctx *ctx = s->ctx;
    stream_ring *g = s->ring;
    retire(s);
    int close = s->persistent && s->frame != 0 && g->head != s->frame_begin;
    while (close && s->region_count == MAX_REGIONS) {
        glbuf_result r = wait_oldest(s);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    if (ctx->validation) {
        for (stream_ring *r = g; r != NULL; r = (r == g ? s->retired : r->next)) {
            if (r->flushed != r->head) {
                glbuf_log(ctx, GLBUF_LOG_WARNING,
                          "'%s': %llu bytes written in frame %llu were never passed to glbuf_stream_flush",
                          s->label, (unsigned long long)(r->head - r->flushed), (unsigned long long)s->frame);
            }
        }
    }
    for (stream_ring *r = s->retired; r != NULL; r = r->next) {
        r->flushed = r->head;
    }
    if (close) {
        unsigned tail = (s->region_head + s->region_count) % MAX_REGIONS;
        s->regions[tail].frame = s->frame;
        s->regions[tail].end = g->head;
        s->region_count++;
    }
    if (!s->persistent) {
        /* The store is orphaned, so the new frame starts from a fresh one. */
        if (g->head != 0) {
            g->needs_orphan = 1;
        }
        g->head = 0;
        s->tail = 0;
    }
    g->flushed = g->head;
    s->frame = ctx->frame;
    s->frame_begin = g->head;
    s->frame_bytes = 0;
    s->frame_counted = 0;
    return GLBUF_OK;
}

/* Fallback: gives the GL store up so this frame writes to fresh memory. */
static glbuf_result orphan(glbuf_stream_obj *s)
{
    stream_ring *g = s->ring;
    glbuf_gl_drain(s->ctx);
    glbuf_gl_data(s->ctx, g->name, (size_t)g->capacity, NULL, GL_STREAM_DRAW);
    glbuf_result r = glbuf_gl_check(s->ctx, "glBufferData (stream orphan)", s->label);
    if (r != GLBUF_OK) {
        return r;
    }
    g->needs_orphan = 0;
    s->stats.orphans++;
    return GLBUF_OK;
}

/* Replaces the ring by a bigger one. The old ring lives on, mapped, until
 * the newest frame that used it has completed. */
static glbuf_result grow(glbuf_stream_obj *s, uint64_t size)
{
    stream_ring *old = s->ring;
    if (old->capacity >= s->max_capacity) {
        return GLBUF_ERR_FULL;
    }
    uint64_t need = s->frame_bytes > UINT64_MAX - size ? UINT64_MAX : s->frame_bytes + size;
    if (s->persistent) {
        need = sat_mul(need, s->frames_in_flight);
    }
    uint64_t capacity = glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, old->capacity, need);
    if (capacity > s->max_capacity || !glbuf_is_pow2(capacity)) {
        capacity = s->max_capacity;
    }
    stream_ring *g = NULL;
    glbuf_result r = create_ring(s, capacity, &g);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t last = 0;
    if (s->region_count > 0) {
        last = s->regions[(s->region_head + s->region_count - 1u) % MAX_REGIONS].frame;
    }
    if (old->head != s->frame_begin) {
        last = s->frame;
    }
    old->last_frame = last;
    old->next = s->retired;
    s->retired = old;
    s->ring = g;
    s->region_head = s->region_count = 0;
    s->tail = s->frame_begin = 0;
    s->stats.growths++;
    s->stats.rings_retired++;
    s->stats.bytes_held += capacity;
    s->stats.capacity = capacity;
    glbuf_log(s->ctx, GLBUF_LOG_INFO, "'%s': ring grown from %llu to %llu bytes in frame %llu", s->label,
              (unsigned long long)old->capacity, (unsigned long long)capacity, (unsigned long long)s->frame);
    retire(s); /* an old ring nobody is reading goes at once */
    return GLBUF_OK;
}

/* The position for `size` bytes in the current ring whose offset in the
 * ring is a multiple of `align` (any positive value: a vertex size of 24
 * bytes too), not straddling its end: [ ... head | pad | size ] or, when
 * that crosses the end, [ size ... at 0 of the next lap. A mask for a power
 * of two, a division otherwise. */
static uint64_t fit(const stream_ring *g, uint64_t size, uint64_t align)
{
    uint64_t off = g->head & (g->capacity - 1u);
    uint64_t rem = glbuf_is_pow2(align) ? off & (align - 1u) : off % align;
    uint64_t pad = rem == 0 ? 0 : align - rem;
    if (pad > g->capacity - off || size > g->capacity - off - pad) {
        return (g->head | (g->capacity - 1u)) + 1u;
    }
    return g->head + pad;
}

/* Finds room for the request: waits for old frames, or grows. */
static glbuf_result place(glbuf_stream_obj *s, uint64_t size, uint64_t align, uint64_t *out_at)
{
    for (;;) {
        stream_ring *g = s->ring;
        if (g->head == s->frame_begin) {
            /* Nothing allocated in this frame yet: skip to the aligned (or
             * wrapped) position now, so the bytes skipped at the ring's end
             * are not counted as this frame's need. */
            uint64_t start = fit(g, size, align);
            s->stats.bytes_skipped += start - g->head;
            if (s->region_count == 0) {
                s->tail = start;
            }
            g->head = g->flushed = s->frame_begin = start;
        }
        uint64_t at = fit(g, size, align);
        uint64_t end = at + size;
        if (end - s->tail <= g->capacity) {
            *out_at = at;
            return GLBUF_OK;
        }
        glbuf_result r;
        if (end - s->frame_begin > g->capacity) {
            r = grow(s, size); /* this frame alone needs more than the ring */
        } else {
            retire(s);
            if (s->region_count == 0) {
                s->tail = s->frame_begin; /* nothing in flight: only this frame's bytes count */
            }
            r = GLBUF_OK;
            if (end - s->tail > g->capacity) {
                /* With no ended region left, tail == frame_begin and the
                 * branch above would have been taken. */
                GLBUF_ASSERT(s->region_count > 0);
                r = wait_oldest(s);
            }
        }
        if (r != GLBUF_OK) {
            return r;
        }
    }
}

/* ---- operations on a resolved stream (the public API at the end resolves handles) */

static glbuf_result stream_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, glbuf_stream_obj **out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t max_capacity = desc->max_capacity ? glbuf_pow2_floor(desc->max_capacity) : DEFAULT_MAX_CAPACITY;
    uint64_t capacity = desc->capacity ? glbuf_pow2_ceil(desc->capacity) : DEFAULT_CAPACITY;
    if (desc->capacity == 0 && capacity > max_capacity) {
        capacity = max_capacity;
    }
    uint32_t frames = desc->frames_in_flight ? desc->frames_in_flight : DEFAULT_FRAMES_IN_FLIGHT;
    if (capacity > max_capacity || !glbuf_fits_glsizeiptr(max_capacity) || frames > GLBUF_MAX_FENCES ||
        (uint64_t)(size_t)max_capacity != max_capacity) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_stream_obj *s = glbuf_host_calloc(&ctx->allocator, 1, sizeof *s);
    if (s == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    s->kind = STREAM_KIND;
    s->ctx = ctx;
    s->persistent = glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE);
    s->explicit_flush = desc->explicit_flush != 0;
    s->frames_in_flight = frames;
    s->max_capacity = max_capacity;
    snprintf(s->label, sizeof s->label, "%s", desc->label ? desc->label : "stream");
    glbuf_result r = create_ring(s, capacity, &s->ring);
    if (r != GLBUF_OK) {
        s->kind = 0;
        glbuf_host_free(&ctx->allocator, s);
        return r;
    }
    s->stats.persistent = s->persistent;
    s->stats.capacity = capacity;
    s->stats.bytes_held = capacity;
    *out = s;
    return GLBUF_OK;
}

static void stream_destroy(glbuf_stream_obj **ps)
{
    if (ps == NULL || check_stream(*ps) != GLBUF_OK) {
        return;
    }
    glbuf_stream_obj *s = *ps;
    glbuf_ctx *ctx = s->ctx;
    while (s->retired != NULL) {
        stream_ring *g = s->retired;
        s->retired = g->next;
        destroy_ring(s, g);
    }
    destroy_ring(s, s->ring);
    s->kind = 0;
    glbuf_host_free(&ctx->allocator, s);
    *ps = NULL;
}

static glbuf_result stream_alloc(glbuf_stream_obj *s, uint64_t size, uint64_t align, glbuf_stream_allocation *out)
{
    glbuf_result r = check_stream(s);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (size == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (align == 0 || align > s->max_capacity) {
        return GLBUF_ERR_BAD_ALIGNMENT;
    }
    if (size > s->max_capacity) {
        return GLBUF_ERR_TOO_LARGE;
    }
    if (s->ctx->frame != s->frame) {
        r = begin_frame(s);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    uint64_t at = 0;
    r = place(s, size, align, &at);
    if (r == GLBUF_OK && s->ring->needs_orphan) {
        r = orphan(s);
    }
    if (r != GLBUF_OK) {
        return r;
    }
    stream_ring *g = s->ring;
    uint64_t offset = at & (g->capacity - 1u);
    s->stats.bytes_skipped += at - g->head;
    g->head = at + size;
    s->frame_bytes += size;
    s->stats.bytes_streamed += size;
    s->stats.allocations++;
    if (!s->frame_counted) {
        s->frame_counted = 1;
        s->stats.frames++;
    }
    out->ptr = g->base + offset;
    out->offset = offset;
    out->name = g->name;
    glbuf_validate(s->ctx, "glbuf_stream_alloc", s->label);
    return GLBUF_OK;
}

/* Flushes or uploads [flushed, head) of one ring: one GL call, two when the
 * range wraps past the end of the ring. */
static void flush_ring(glbuf_stream_obj *s, stream_ring *g)
{
    uint64_t from = g->flushed;
    uint64_t to = g->head;
    g->flushed = to;
    if (s->persistent && !s->explicit_flush) {
        return;
    }
    while (from < to) {
        uint64_t offset = from & (g->capacity - 1u);
        uint64_t n = to - from;
        if (n > g->capacity - offset) {
            n = g->capacity - offset;
        }
        if (s->persistent) {
            glbuf_gl_flush_range(s->ctx, g->name, (size_t)offset, (size_t)n);
        } else {
            glbuf_gl_sub_data(s->ctx, g->name, (size_t)offset, (size_t)n, g->base + offset);
        }
        s->stats.flushes++;
        from += n;
    }
}

static glbuf_result stream_flush(glbuf_stream_obj *s)
{
    glbuf_result r = check_stream(s);
    if (r != GLBUF_OK) {
        return r;
    }
    for (stream_ring *g = s->retired; g != NULL; g = g->next) {
        flush_ring(s, g);
    }
    flush_ring(s, s->ring);
    glbuf_validate(s->ctx, "glbuf_stream_flush", s->label);
    return GLBUF_OK;
}

static glbuf_stream_stats stream_get_stats(const glbuf_stream_obj *s)
{
    glbuf_stream_stats st;
    memset(&st, 0, sizeof st);
    if (check_stream(s) != GLBUF_OK) {
        return st;
    }
    return s->stats;
}

/* ---- public API: the handle is resolved first, then the functions above ---- */

static glbuf_stream_obj *resolve(const glbuf_ctx *ctx, glbuf_stream stream, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, stream.id, GLBUF_KIND_STREAM, why);
}

#define RESOLVE(ctx, stream, s)                                  \
    glbuf_result resolve_result_;                                \
    glbuf_stream_obj *s = resolve(ctx, stream, &resolve_result_); \
    if (s == NULL) {                                             \
        return resolve_result_;                                  \
    }

glbuf_result glbuf_stream_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, glbuf_stream *out)
{
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_stream_obj *s = NULL;
    glbuf_result r = stream_create(ctx, desc, &s);
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t id = 0;
    r = glbuf_objects_insert(&ctx->objects, &ctx->allocator, GLBUF_KIND_STREAM, s, &id);
    if (r != GLBUF_OK) {
        stream_destroy(&s);
        return r;
    }
    out->id = id;
    return GLBUF_OK;
}

glbuf_result glbuf_stream_destroy(glbuf_ctx *ctx, glbuf_stream stream)
{
    RESOLVE(ctx, stream, s);
    glbuf_objects_remove(&ctx->objects, stream.id);
    stream_destroy(&s);
    return GLBUF_OK;
}

void glbuf_stream_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_stream stream = {id};
    (void)glbuf_stream_destroy(ctx, stream);
}

glbuf_result glbuf_stream_alloc(glbuf_ctx *ctx, glbuf_stream stream, uint64_t size, uint64_t align,
                                glbuf_stream_allocation *out)
{
    RESOLVE(ctx, stream, s);
    return stream_alloc(s, size, align, out);
}

glbuf_result glbuf_stream_flush(glbuf_ctx *ctx, glbuf_stream stream)
{
    RESOLVE(ctx, stream, s);
    return stream_flush(s);
}

glbuf_stream_stats glbuf_stream_get_stats(const glbuf_ctx *ctx, glbuf_stream stream)
{
    glbuf_result why;
    const glbuf_stream_obj *s = resolve(ctx, stream, &why);
    if (s == NULL) {
        glbuf_stream_stats none;
        memset(&none, 0, sizeof none);
        return none;
    }
    return stream_get_stats(s);
}
