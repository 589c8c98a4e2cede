/* mega_report.c - what a megabuffer looks like from outside: stats, the
 * block walk in address order, the JSON dump and the GL name. */
#include <stdio.h>
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"

/* ---- introspection -------------------------------------------------------------- */

static glbuf_mega_stats mega_get_stats(const glbuf_mega_obj *m)
{
    glbuf_mega_stats s;
    memset(&s, 0, sizeof s);
    if (glbuf_mega_check(m) != GLBUF_OK) {
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
    s.allocations = rs.live_allocations - m->pending_count - m->defrag.in_flight;
    s.moves_in_flight = m->defrag.in_flight;
    s.moving_bytes = m->defrag.moving_bytes;
    s.pending_frees = m->pending_count;
    s.pending_free_bytes = m->pending_bytes;
    s.name = m->name;
    s.alignment = m->alignment;
    s.has_buffer_storage = m->storage;
    glbuf_mega_placement_stats(m, &s);
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
        glbuf_mega_block b;
        memset(&b, 0, sizeof b);
        b.kind = GLBUF_MEGA_BLOCK_FREE;
        b.offset = f->offset;
        b.size = f->size;
        w->stopped = w->fn(w->user, &b);
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
    glbuf_mega_block b;
    memset(&b, 0, sizeof b);
    b.kind = meta->pending    ? GLBUF_MEGA_BLOCK_PENDING
             : meta->reserved ? GLBUF_MEGA_BLOCK_MOVING
                              : GLBUF_MEGA_BLOCK_LIVE;
    b.offset = offset;
    b.size = size;
    b.frame = meta->frame;
    if (b.kind == GLBUF_MEGA_BLOCK_LIVE) {
        b.range.id = h.id;
    } else if (b.kind == GLBUF_MEGA_BLOCK_MOVING) {
        b.range.id = w->m->defrag.moves[meta->move - 1].range.id;
    }
    b.user_data = meta->user_data;
    w->stopped = w->fn(w->user, &b);
    return w->stopped;
}

static glbuf_result mega_for_each_block(const glbuf_mega_obj *m, glbuf_mega_block_fn fn, void *user)
{
    glbuf_result r = glbuf_mega_check(m);
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

static int json_block(void *user, const glbuf_mega_block *b)
{
    static const char *const kinds[] = {"live", "free", "pending", "moving"};
    json_out *j = user;
    char fmt[96];
    snprintf(fmt, sizeof fmt, "%s{\"kind\":\"%s\",\"offset\":%%llu,\"size\":%%llu", j->first ? "" : ",",
             kinds[b->kind]);
    json_put(j, fmt, b->offset, b->size);
    json_put(j, ",\"frame\":%llu,\"user_data\":%llu}", b->frame, b->user_data);
    j->first = 0;
    return 0;
}

static glbuf_result mega_dump_json(const glbuf_mega_obj *m, char *out, size_t out_size, size_t *out_len)
{
    glbuf_result r = glbuf_mega_check(m);
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
    const glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &why);
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
    const glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &why);
    return m ? m->name : 0;
}

uint64_t glbuf_mega_storage_generation(const glbuf_ctx *ctx, glbuf_mega mega)
{
    glbuf_result why;
    const glbuf_mega_obj *m = glbuf_mega_resolve(ctx, mega, &why);
    return m ? m->stats.storage_generation : 0;
}
