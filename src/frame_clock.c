/* frame_clock.c - the context's frame fences: one glFenceSync per frame, and
 * the "newest completed frame" every module retires memory against. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "ctx_internal.h"
#include "guard.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t glbuf_ctx_frame(const glbuf_ctx *ctx)
{
    return ctx ? ctx->frame : 0;
}

static void pop_oldest(glbuf_ctx *ctx)
{
    glbuf_frame_fence *f = &ctx->fences[ctx->fence_head];
    if (f->frame > ctx->completed_frame) {
        ctx->completed_frame = f->frame;
    }
    GLBUF_GL(ctx, DeleteSync)(f->sync);
    ctx->fence_head = (ctx->fence_head + 1u) % GLBUF_MAX_FENCES;
    ctx->fence_count--;
}

static glbuf_result sync_result(GLenum r)
{
    if (r == GL_ALREADY_SIGNALED || r == GL_CONDITION_SATISFIED) {
        return GLBUF_OK;
    }
    return r == GL_TIMEOUT_EXPIRED ? GLBUF_ERR_TIMEOUT : GLBUF_ERR_FENCE_FAILED;
}

glbuf_result glbuf_sync_poll(glbuf_ctx *ctx, GLsync sync)
{
    /* The flush bit makes sure the fence reaches the GPU: without it a
     * driver may keep it queued, and a poll would never see it signal. */
    return sync_result(GLBUF_GL(ctx, ClientWaitSync)(sync, GL_SYNC_FLUSH_COMMANDS_BIT, 0));
}

glbuf_result glbuf_sync_wait(glbuf_ctx *ctx, GLsync sync, uint64_t timeout_ns)
{
    uint64_t t0 = now_ns();
    GLenum r = GLBUF_GL(ctx, ClientWaitSync)(sync, GL_SYNC_FLUSH_COMMANDS_BIT, timeout_ns);
    ctx->stats.fence_waits++;
    ctx->stats.fence_wait_ns += now_ns() - t0;
    return sync_result(r);
}

void glbuf_finish(glbuf_ctx *ctx)
{
    uint64_t t0 = now_ns();
    GLBUF_GL(ctx, Finish)();
    ctx->stats.fence_waits++;
    ctx->stats.fence_wait_ns += now_ns() - t0;
}

/* Waits on the oldest fence. GLBUF_OK once it signalled (and was popped). */
static glbuf_result wait_oldest(glbuf_ctx *ctx, uint64_t timeout_ns)
{
    glbuf_frame_fence *f = &ctx->fences[ctx->fence_head];
    glbuf_result r = glbuf_sync_wait(ctx, f->sync, timeout_ns);
    if (r == GLBUF_OK) {
        pop_oldest(ctx);
    } else if (r == GLBUF_ERR_FENCE_FAILED) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "glClientWaitSync failed on the fence of frame %llu",
                  (unsigned long long)f->frame);
    }
    return r;
}

uint64_t glbuf_ctx_poll_completed(glbuf_ctx *ctx)
{
    while (ctx->fence_count > 0) {
        if (glbuf_sync_poll(ctx, ctx->fences[ctx->fence_head].sync) != GLBUF_OK) {
            break;
        }
        pop_oldest(ctx);
    }
    return ctx->completed_frame;
}

uint64_t glbuf_ctx_completed_frame(glbuf_ctx *ctx)
{
    return ctx ? glbuf_ctx_poll_completed(ctx) : 0;
}

glbuf_result glbuf_ctx_end_frame(glbuf_ctx *ctx)
{
    if (ctx == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_validate_begin(ctx);
    /* Before the fence, so the uploads belong to the frame that ends. */
    glbuf_result uploaded = glbuf_buffers_flush_staged(ctx);
    /* Guards first: a guard filled again after an overrun is flushed with the rest. */
    glbuf_result guarded = glbuf_guards_end_frame(ctx); /* GLBUF_OK at once without guard bytes */
    glbuf_megas_flush_staged(ctx);
    glbuf_result result = GLBUF_OK;
    if (ctx->fence_count == GLBUF_MAX_FENCES) {
        result = wait_oldest(ctx, UINT64_MAX);
        if (result != GLBUF_OK) {
            return result;
        }
    }
    GLsync sync = GLBUF_GL(ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (sync == NULL) {
        /* The frame's memory is retired by the next fence that signals. */
        glbuf_log(ctx, GLBUF_LOG_ERROR, "glFenceSync failed at the end of frame %llu",
                  (unsigned long long)ctx->frame);
        result = GLBUF_ERR_FENCE_FAILED;
    } else {
        unsigned tail = (ctx->fence_head + ctx->fence_count) % GLBUF_MAX_FENCES;
        ctx->fences[tail].frame = ctx->frame;
        ctx->fences[tail].sync = sync;
        ctx->fence_count++;
    }
    ctx->frame++;
    (void)glbuf_ctx_poll_completed(ctx);
    return result != GLBUF_OK ? result : uploaded != GLBUF_OK ? uploaded : guarded;
}

glbuf_result glbuf_ctx_wait_frame(glbuf_ctx *ctx, uint64_t frame, uint64_t timeout_ns)
{
    if (ctx == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (frame >= ctx->frame) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    while (glbuf_ctx_poll_completed(ctx) < frame) {
        if (ctx->fence_count == 0) {
            /* Every fence up to `frame` failed to be created: nothing to wait
             * on but the whole pipeline. */
            glbuf_finish(ctx);
            ctx->completed_frame = ctx->frame - 1;
            break;
        }
        glbuf_result r = wait_oldest(ctx, timeout_ns);
        if (r != GLBUF_OK) {
            return r;
        }
    }
    return GLBUF_OK;
}

glbuf_result glbuf_ctx_wait_idle(glbuf_ctx *ctx)
{
    if (ctx == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_result ended = glbuf_ctx_end_frame(ctx);
    glbuf_result waited = glbuf_ctx_wait_frame(ctx, ctx->frame - 1, UINT64_MAX);
    return waited != GLBUF_OK ? waited : ended;
}
