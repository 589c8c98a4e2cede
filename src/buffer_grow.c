/* buffer_grow.c - growing a buffer's GL store while keeping its used bytes,
 * in one of two ways:
 *
 *   keeping the name (default, Cinder):       renaming (growth_may_rename):
 *     [name: used|....]                          [old: used|....]
 *        | copy 1                                   | copy (once)
 *     [temp: used]                               [new: used|..........]
 *        | re-specify name, copy 2                  delete old, name = new
 *     [name: used|..........]
 *
 * Either way a failure leaves the old store, name and bytes as they were. */
#include "buffer_internal.h"
#include "gl_ops.h"

/* The growth-copy workaround (ctx.c, quirk_wait_after_growth_copies): a
 * fence after the copies and a wait for it, so no later update of the store
 * can overtake them; glFinish when the fence cannot be made or waited on. */
static void wait_for_growth_copies(glbuf_ctx *ctx)
{
    if (!ctx->quirk_wait_after_growth_copies) {
        return;
    }
    GLsync sync = GLBUF_GL(ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    glbuf_result r = sync != NULL ? glbuf_sync_wait(ctx, sync, UINT64_MAX) : GLBUF_ERR_FENCE_FAILED;
    if (sync != NULL) {
        GLBUF_GL(ctx, DeleteSync)(sync);
    }
    if (r != GLBUF_OK) {
        GLBUF_GL(ctx, Finish)();
    }
}

/* Nothing to keep: one re-specification in place, whatever the policy. On
 * failure the capacity follows what the driver kept (nothing to lose). */
static glbuf_result grow_empty(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t capacity)
{
    glbuf_gl_drain(ctx);
    glbuf_gl_data(ctx, b->name, (size_t)capacity, NULL, glbuf_buffer_gl_usage(b->usage));
    glbuf_result r = glbuf_gl_check(ctx, "glBufferData (growth)", glbuf_buffer_label(b));
    if (r != GLBUF_OK) {
        b->capacity = glbuf_gl_query_size(ctx, b->name);
        return r;
    }
    b->capacity = capacity;
    b->reallocations++;
    ctx->stats.reallocations++;
    return GLBUF_OK;
}

/* used bytes -> temporary buffer -> re-specified store. If the
 * re-specification fails the old capacity is re-specified and the bytes come
 * back from the temporary, so nothing is lost. */
static glbuf_result grow_keeping_name(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t capacity, uint64_t keep)
{
    const char *label = glbuf_buffer_label(b);
    const GLenum usage = glbuf_buffer_gl_usage(b->usage);
    uint64_t old_capacity = b->capacity;
    glbuf_gl_drain(ctx);
    GLuint temp = glbuf_gl_create(ctx);
    glbuf_gl_data(ctx, temp, (size_t)keep, NULL, GL_STREAM_COPY);
    glbuf_result r = glbuf_gl_check(ctx, "glBufferData (growth staging)", label);
    if (temp == 0 || r != GLBUF_OK) {
        glbuf_gl_delete(ctx, temp);
        return r != GLBUF_OK ? r : GLBUF_ERR_GL;
    }
    glbuf_label_buffer(ctx, temp, "growth staging");
    glbuf_gl_copy(ctx, b->name, temp, 0, 0, (size_t)keep);
    glbuf_gl_data(ctx, b->name, (size_t)capacity, NULL, usage);
    r = glbuf_gl_check(ctx, "glBufferData (growth)", label);
    uint64_t restored_capacity = capacity;
    if (r != GLBUF_OK) {
        glbuf_gl_data(ctx, b->name, (size_t)old_capacity, NULL, usage);
        if (glbuf_gl_check(ctx, "glBufferData (restore after failed growth)", label) != GLBUF_OK) {
            glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': could not restore the store after a failed growth", label);
            glbuf_gl_delete(ctx, temp);
            b->capacity = glbuf_gl_query_size(ctx, b->name);
            /* The uploaded bytes are gone: staged bytes have no place after them. */
            glbuf_buffer_drop_staged(ctx, b);
            b->size = 0;
            return r;
        }
        restored_capacity = old_capacity;
    }
    glbuf_gl_copy(ctx, temp, b->name, 0, 0, (size_t)keep);
    glbuf_gl_delete(ctx, temp);
    wait_for_growth_copies(ctx);
    ctx->stats.bytes_copied_by_growth += 2 * keep;
    b->capacity = restored_capacity;
    if (r == GLBUF_OK) {
        b->reallocations++;
        ctx->stats.reallocations++;
    }
    return r;
}

/* A new buffer at the new capacity, one copy of the used bytes, the old
 * buffer deleted. The old one is touched only once the new one exists, so a
 * failure deletes the new one and nothing else. */
static glbuf_result grow_renaming(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t capacity, uint64_t keep)
{
    const char *label = glbuf_buffer_label(b);
    glbuf_gl_drain(ctx);
    GLuint fresh = glbuf_gl_create(ctx);
    if (fresh == 0) {
        glbuf_result r = glbuf_gl_check(ctx, "glCreateBuffers (growth)", label);
        return r != GLBUF_OK ? r : GLBUF_ERR_GL;
    }
    glbuf_gl_data(ctx, fresh, (size_t)capacity, NULL, glbuf_buffer_gl_usage(b->usage));
    glbuf_result r = glbuf_gl_check(ctx, "glBufferData (growth into a new name)", label);
    if (r != GLBUF_OK) {
        glbuf_gl_delete(ctx, fresh);
        return r;
    }
    glbuf_gl_copy(ctx, b->name, fresh, 0, 0, (size_t)keep);
    wait_for_growth_copies(ctx);
    /* GL keeps the old store alive for commands already queued and for
     * vertex arrays still pointing at it. */
    glbuf_gl_delete(ctx, b->name);
    b->name = fresh;
    glbuf_label_buffer(ctx, fresh, label);
    ctx->stats.bytes_copied_by_growth += keep;
    b->capacity = capacity;
    b->storage_generation++;
    b->reallocations++;
    ctx->stats.reallocations++;
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_grow(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t capacity, uint64_t keep)
{
    if (keep == 0) {
        return grow_empty(ctx, b, capacity);
    }
    return b->growth_may_rename ? grow_renaming(ctx, b, capacity, keep) : grow_keeping_name(ctx, b, capacity, keep);
}
