/* buffer_batch.c - batched appends (Processing's cost model): appends land in
 * a CPU staging array and reach GL with one sub-data per buffer per flush,
 * the store grown once beforehand if the size passed it. The context keeps a
 * list of the buffers with staged bytes, which glbuf_ctx_end_frame flushes. */
#include <string.h>

#include "buffer_internal.h"
#include "gl_ops.h"
#include "host_alloc.h"

#define STAGING_MIN 256u /* bytes: the first staging array */

static void link_staged(glbuf_ctx *ctx, glbuf_buffer_obj *b)
{
    b->pending_prev = NULL;
    b->pending_next = ctx->staged_buffers;
    if (ctx->staged_buffers != NULL) {
        ctx->staged_buffers->pending_prev = b;
    }
    ctx->staged_buffers = b;
}

static void unlink_staged(glbuf_ctx *ctx, glbuf_buffer_obj *b)
{
    if (b->pending_prev != NULL) {
        b->pending_prev->pending_next = b->pending_next;
    } else {
        ctx->staged_buffers = b->pending_next;
    }
    if (b->pending_next != NULL) {
        b->pending_next->pending_prev = b->pending_prev;
    }
    b->pending_prev = b->pending_next = NULL;
}

uint64_t glbuf_buffer_settled_capacity(const glbuf_buffer_obj *b, uint64_t min_capacity)
{
    uint64_t need = b->size > min_capacity ? b->size : min_capacity;
    return glbuf_growth_next_capacity(b->growth, b->growth_step, b->capacity, need);
}

glbuf_result glbuf_buffer_settle(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t min_capacity)
{
    uint64_t capacity = glbuf_buffer_settled_capacity(b, min_capacity);
    uint64_t uploaded = b->size - b->pending_size;
    if (capacity > b->capacity) {
        glbuf_result r = glbuf_buffer_grow(ctx, b, capacity, uploaded);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    if (b->pending_size == 0) {
        return GLBUF_OK;
    }
    glbuf_gl_sub_data(ctx, b->name, (size_t)uploaded, b->pending_size, b->pending);
    glbuf_validate(ctx, "batched append upload", glbuf_buffer_label(b));
    b->pending_size = 0;
    unlink_staged(ctx, b);
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_stage(glbuf_ctx *ctx, glbuf_buffer_obj *b, const void *data, size_t size)
{
    size_t need = b->pending_size + size; /* the caller checked it against GLsizeiptr */
    if (need > b->pending_capacity) {
        /* Doubling, as Processing's arrays: a frame's appends cost O(1)
         * amortised host copies, and the array is kept for the next frame. */
        size_t capacity = b->pending_capacity > STAGING_MIN ? b->pending_capacity : STAGING_MIN;
        while (capacity < need) {
            capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
        }
        uint8_t *grown = glbuf_host_alloc(&ctx->allocator, capacity);
        if (grown == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
        if (b->pending_size > 0) {
            memcpy(grown, b->pending, b->pending_size);
        }
        glbuf_host_free(&ctx->allocator, b->pending);
        b->pending = grown;
        b->pending_capacity = capacity;
    }
    if (b->pending_size == 0) {
        link_staged(ctx, b);
    }
    memcpy(b->pending + b->pending_size, data, size);
    b->pending_size = need;
    b->size += size;
    return GLBUF_OK;
}

void glbuf_buffer_write_staged(glbuf_buffer_obj *b, size_t offset, const void *data, size_t size)
{
    memcpy(b->pending + offset, data, size);
}

void glbuf_buffer_drop_staged(glbuf_ctx *ctx, glbuf_buffer_obj *b)
{
    if (b->pending_size > 0) {
        b->pending_size = 0;
        unlink_staged(ctx, b);
    }
}

void glbuf_buffer_release_staging(glbuf_ctx *ctx, glbuf_buffer_obj *b)
{
    glbuf_buffer_drop_staged(ctx, b);
    glbuf_host_free(&ctx->allocator, b->pending);
    b->pending = NULL;
    b->pending_capacity = 0;
}

glbuf_result glbuf_buffers_flush_staged(glbuf_ctx *ctx)
{
    glbuf_result first_failure = GLBUF_OK;
    glbuf_buffer_obj *b = ctx->staged_buffers;
    while (b != NULL) {
        glbuf_buffer_obj *next = b->pending_next; /* settle unlinks b */
        glbuf_result r = glbuf_buffer_settle(ctx, b, 0);
        if (r != GLBUF_OK) {
            glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': %zu staged bytes could not be uploaded (%s); kept for the "
                      "next flush", glbuf_buffer_label(b), b->pending_size, glbuf_result_name(r));
            if (first_failure == GLBUF_OK) {
                first_failure = r;
            }
        }
        b = next;
    }
    return first_failure;
}

glbuf_result glbuf_buffer_flush_appends(glbuf_ctx *ctx, glbuf_buffer buf)
{
    glbuf_result r;
    glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, buf, &r);
    if (b == NULL) {
        return r;
    }
    if (b->pending_size == 0) {
        return GLBUF_OK;
    }
    glbuf_validate_begin(ctx);
    return glbuf_buffer_settle(ctx, b, 0);
}
