/* mega_staging.c - device-local writes: staged in a private streaming ring
 * (stream.c's machinery, fenced by the frame clock) and copied into the
 * store by the GPU, in order, at glbuf_mega_flush or glbuf_ctx_end_frame.
 *
 *   glbuf_mega_write(A), glbuf_mega_write(B), glbuf_mega_ptr(C):
 *
 *     ring  [ A | B | C .... ]            copies  A+B -> store (adjacent: one copy)
 *                                                 C   -> store
 *
 * A write that finds the ring full for this frame first has the copies
 * staged so far issued and the ring cut (stream_internal.h): those bytes
 * are reused once the GPU has read them, before the frame ends. Spans from
 * glbuf_mega_ptr may still be written by the app until the flush, so while
 * one is outstanding the ring is never cut; a write that does not fit then
 * (or one larger than the ring) goes through a temporary GL buffer. */
#include <stdio.h>
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"
#include "stream_internal.h"

/* With the ring at its largest, the staged copies are issued and the ring
 * cut every quarter of it: the GPU copies one quarter while the CPU fills
 * the next, and the CPU waits only when the GPU falls 3/4 of a ring behind. */
#define CUT_FRACTION 4u

/* One copy to issue: [src_offset, +size) of buffer src to [dst_offset, +size)
 * of the store. */
typedef struct staged_copy {
    GLuint src;             /* the ring's buffer, or a temporary one (owned) */
    uint64_t src_offset, dst_offset, size;
    uint8_t *ptr;           /* where the CPU writes the bytes (spans are handed out again) */
    uint8_t *host;          /* fallback span overflow: uploaded into src first (owned) */
    uint8_t owned;          /* src is a temporary buffer, deleted once copied */
    uint8_t span;           /* from glbuf_mega_ptr: the app may still be writing it */
    uint8_t ends_allocation; /* the last bytes are an allocation's last bytes */
} staged_copy;

struct mega_staging {
    glbuf_stream_obj *ring;
    staged_copy *copies;
    uint32_t count, capacity;
    uint32_t spans;       /* copies[] entries that are spans */
    uint64_t bytes;       /* bytes in copies[] */
    uint64_t bytes_total, issued, overflows;
};

/* ---- the context's list of megabuffers with writes to flush -----------------------
 * Staged copies (device-local) and marked ranges (host-visible explicit flush,
 * fallback uploads): glbuf_ctx_end_frame flushes every megabuffer on it. */

void glbuf_mega_list(glbuf_mega_obj *m)
{
    if (!m->listed) {
        m->next_staged = m->ctx->staged_megas;
        m->ctx->staged_megas = m;
        m->listed = 1;
    }
}

static void list_remove(glbuf_mega_obj *m)
{
    if (!m->listed) {
        return;
    }
    for (glbuf_mega_obj **link = &m->ctx->staged_megas; *link != NULL; link = &(*link)->next_staged) {
        if (*link == m) {
            *link = m->next_staged;
            break;
        }
    }
    m->next_staged = NULL;
    m->listed = 0;
}

/* ---- lifetime ----------------------------------------------------------------------- */

glbuf_result glbuf_mega_staging_create(glbuf_mega_obj *m, uint64_t max_capacity)
{
    glbuf_ctx *ctx = m->ctx;
    mega_staging *st = glbuf_host_calloc(&ctx->allocator, 1, sizeof *st);
    if (st == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    char label[80];
    snprintf(label, sizeof label, "%s staging", m->label);
    glbuf_stream_desc d = {0};
    d.max_capacity = max_capacity ? max_capacity : GLBUF_MEGA_STAGING_DEFAULT_MAX;
    d.capacity = glbuf_mega_staging_first(max_capacity);
    d.explicit_flush = m->explicit_flush;
    d.label = label;
    glbuf_result r = glbuf_stream_obj_create(ctx, &d, &st->ring);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, st);
        return r;
    }
    m->staging = st;
    return GLBUF_OK;
}

static void drop_copy(glbuf_mega_obj *m, staged_copy *c)
{
    if (c->owned) {
        glbuf_gl_delete(m->ctx, c->src); /* unmaps a persistent temporary too */
    }
    glbuf_host_free(&m->ctx->allocator, c->host);
    c->host = NULL;
    c->owned = 0;
}

void glbuf_mega_staging_destroy(glbuf_mega_obj *m)
{
    mega_staging *st = m->staging;
    list_remove(m);
    if (st == NULL) {
        return;
    }
    for (uint32_t i = 0; i < st->count; i++) {
        drop_copy(m, &st->copies[i]);
    }
    glbuf_stream_obj_destroy(&st->ring);
    glbuf_host_free(&m->ctx->allocator, st->copies);
    glbuf_host_free(&m->ctx->allocator, st);
    m->staging = NULL;
}

/* ---- issuing the copies ---------------------------------------------------------- */

void glbuf_mega_staging_flush(glbuf_mega_obj *m)
{
    mega_staging *st = m->staging;
    if (st == NULL || st->count == 0) {
        return;
    }
    glbuf_ctx *ctx = m->ctx;
    /* The ring's bytes become visible to the copies: glFlushMappedBufferRange
     * (explicit flush) or the upload (fallback). */
    (void)glbuf_stream_obj_flush(st->ring);
    /* Shader writes to the store are incoherent: without this barrier a copy
     * could land before a write a shader made earlier, and lose to it. */
    if (m->shader_writable && ctx->gl.MemoryBarrier != NULL && ctx->caps.gl_major * 10 + ctx->caps.gl_minor >= 42) {
        GLBUF_GL(ctx, MemoryBarrier)(GL_BUFFER_UPDATE_BARRIER_BIT);
    }
    for (uint32_t i = 0; i < st->count; i++) {
        staged_copy *c = &st->copies[i];
        if (c->host != NULL) {
            glbuf_gl_sub_data(ctx, c->src, 0, (size_t)c->size, c->host);
        }
        glbuf_gl_copy(ctx, c->src, m->name, (size_t)c->src_offset, (size_t)c->dst_offset, (size_t)c->size);
        drop_copy(m, c);
    }
    st->issued += st->count;
    st->count = 0;
    st->spans = 0;
    st->bytes = 0;
}

void glbuf_mega_flush_pending(glbuf_mega_obj *m)
{
    glbuf_mega_flush_dirty(m);
    glbuf_mega_staging_flush(m);
    list_remove(m);
}

void glbuf_megas_flush_staged(glbuf_ctx *ctx)
{
    while (ctx->staged_megas != NULL) {
        glbuf_mega_flush_pending(ctx->staged_megas);
    }
}

/* ---- staging ------------------------------------------------------------------------ */

/* With the ring at its largest and a quarter of it (or, when asked, any of
 * it) staged in this frame, and no span outstanding: issues the copies and
 * cuts the ring, so the bytes come back once the GPU has read them. */
static int make_room(glbuf_mega_obj *m, int when_full)
{
    mega_staging *st = m->staging;
    uint64_t open = glbuf_stream_obj_open_bytes(st->ring);
    if (st->spans > 0 || open == 0 || !glbuf_stream_obj_at_max(st->ring)) {
        return 0;
    }
    uint64_t capacity = glbuf_stream_obj_stats(st->ring).capacity;
    if (!when_full && open < capacity / CUT_FRACTION) {
        return 0;
    }
    glbuf_mega_staging_flush(m);
    return glbuf_stream_obj_cut(st->ring) == GLBUF_OK;
}

/* A temporary buffer for what the ring cannot take: filled with `data` now
 * (a write), or mapped for the app (a span; on the fallback path a host
 * block uploaded at the flush). Nothing is left behind on failure. */
static glbuf_result overflow(glbuf_mega_obj *m, const void *data, uint64_t size, staged_copy *c, void **out_ptr)
{
    glbuf_ctx *ctx = m->ctx;
    if (data != NULL || !m->storage) {
        uint8_t *host = NULL;
        if (data == NULL) {
            host = glbuf_host_alloc(&ctx->allocator, (size_t)size);
            if (host == NULL) {
                return GLBUF_ERR_OUT_OF_HOST_MEMORY;
            }
        }
        glbuf_gl_store_desc d = {(size_t)size, 0, 0, GL_STREAM_COPY, "staging overflow", m->label};
        void *unused = NULL;
        glbuf_result r = glbuf_gl_create_store(ctx, &d, &c->src, &unused);
        if (r == GLBUF_OK && data != NULL) {
            glbuf_gl_sub_data(ctx, c->src, 0, (size_t)size, data);
        }
        if (r != GLBUF_OK) {
            glbuf_host_free(&ctx->allocator, host);
            return r;
        }
        c->host = host;
        *out_ptr = host;
    } else {
        glbuf_gl_store_desc d = {(size_t)size, GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT,
                                 GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT, 0,
                                 "staging overflow", m->label};
        void *map = NULL;
        glbuf_result r = glbuf_gl_create_store(ctx, &d, &c->src, &map);
        if (r != GLBUF_OK) {
            return r;
        }
        *out_ptr = map;
    }
    c->owned = 1;
    c->src_offset = 0;
    m->staging->overflows++;
    return GLBUF_OK;
}

/* How the next write lies against the last staged copy: the bytes between
 * (0 when it starts where the last one ended), or -1 when they cannot be
 * merged. A gap is merged only when it is alignment padding between two
 * allocations: the last write reached the end of its allocation, this one
 * starts an allocation, and that start is the first multiple of the
 * megabuffer's alignment after the end. No allocation can begin in such a
 * gap (every offset is a multiple of that alignment) and none can reach into
 * it from below (the one below ends there), so the staging bytes copied over
 * it land on bytes nobody owns. Guard bytes never lie there: a device-local
 * megabuffer has none, and its staging ring is made without them
 * (mega_guard.c, stream.c). */
static int64_t gap_before(const glbuf_mega_obj *m, const staged_copy *last, int span, uint64_t dst,
                          int starts_allocation)
{
    if (last == NULL || last->owned || last->span != span) {
        return -1;
    }
    uint64_t end = last->dst_offset + last->size;
    if (dst == end) {
        return 0;
    }
    uint64_t padded = (end + m->alignment - 1u) & ~(m->alignment - 1u);
    if (last->ends_allocation && starts_allocation && dst > end && dst == padded) {
        return (int64_t)(dst - end);
    }
    return -1;
}

/* Finds staging room for `size` bytes bound for [dst, +size) and records the
 * copy, merged into the last one when they are adjacent both in the store
 * (or separated by padding, see gap_before) and in the ring. `data`: a
 * write, copied in here; NULL: a span, returned in *out_ptr. */
static glbuf_result stage(glbuf_mega_obj *m, uint64_t dst, const void *data, uint64_t size, int starts_allocation,
                          int ends_allocation, void **out_ptr)
{
    mega_staging *st = m->staging;
    if (!glbuf_mega_reserve_array(m->ctx, (void **)&st->copies, &st->capacity, st->count, st->count + 1u,
                                  sizeof *st->copies)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    int span = data == NULL;
    (void)make_room(m, 0);
    staged_copy *last = st->count > 0 ? &st->copies[st->count - 1] : NULL;
    /* Mergeable: ask for the ring's next byte (and the gap's bytes before
     * the data), so that the two copies may become one. */
    int64_t gap = gap_before(m, last, span, dst, starts_allocation);
    uint64_t pad = gap > 0 ? (uint64_t)gap : 0;
    glbuf_stream_allocation a;
    glbuf_result r = glbuf_stream_obj_alloc(st->ring, pad + size, gap >= 0 ? 1u : 16u, &a);
    if (r == GLBUF_ERR_FULL && make_room(m, 1)) {
        last = NULL; /* issued */
        gap = -1;
        pad = 0;
        r = glbuf_stream_obj_alloc(st->ring, size, 16u, &a);
    }
    staged_copy c;
    memset(&c, 0, sizeof c);
    c.dst_offset = dst;
    c.size = size;
    c.span = (uint8_t)span;
    c.ends_allocation = (uint8_t)ends_allocation;
    if (r == GLBUF_OK) {
        c.src = a.name;
        c.src_offset = a.offset + pad;
        c.ptr = (uint8_t *)a.ptr + pad;
    } else {
        /* FULL with spans outstanding, TOO_LARGE, or the ring could not
         * grow or wait: a temporary buffer takes it (a write's data goes in
         * with its creation). */
        void *where = NULL;
        glbuf_result o = overflow(m, data, size, &c, &where);
        if (o != GLBUF_OK) {
            return o;
        }
        c.ptr = where;
        data = NULL;
    }
    uint8_t *ptr = c.ptr;
    if (data != NULL) {
        glbuf_mega_copy_in(m, ptr, data, size);
    }
    if (gap >= 0 && !c.owned && last->src == c.src && last->src_offset + last->size + pad == c.src_offset) {
        last->size += pad + size;
        last->ends_allocation = c.ends_allocation;
    } else {
        st->copies[st->count++] = c;
        st->spans += (uint32_t)span;
    }
    st->bytes += size;
    st->bytes_total += size;
    glbuf_mega_list(m);
    if (out_ptr != NULL) {
        *out_ptr = ptr;
    }
    return GLBUF_OK;
}

glbuf_result glbuf_mega_stage_write(glbuf_mega_obj *m, uint64_t base, uint64_t alloc_size, uint64_t offset,
                                    const void *data, uint64_t size)
{
    return stage(m, base + offset, data, size, offset == 0, offset + size == alloc_size, NULL);
}

glbuf_result glbuf_mega_stage_span(glbuf_mega_obj *m, uint64_t dst, uint64_t size, void **out)
{
    mega_staging *st = m->staging;
    /* The same allocation again with nothing staged since: the same span. */
    if (st->count > 0) {
        const staged_copy *last = &st->copies[st->count - 1];
        if (last->span && dst >= last->dst_offset && dst + size == last->dst_offset + last->size) {
            *out = last->ptr + (dst - last->dst_offset);
            return GLBUF_OK;
        }
    }
    return stage(m, dst, NULL, size, 1, 1, out);
}

void glbuf_mega_staging_stats(const glbuf_mega_obj *m, glbuf_mega_stats *s)
{
    const mega_staging *st = m->staging;
    if (st == NULL) {
        return;
    }
    glbuf_stream_stats rs = glbuf_stream_obj_stats(st->ring);
    s->bytes_host_visible = rs.bytes_held;
    s->staged_bytes = st->bytes;
    s->bytes_staged = st->bytes_total;
    s->staged_copies = st->issued;
    s->staging_overflows = st->overflows;
    s->staging_cuts = rs.cuts;
}
