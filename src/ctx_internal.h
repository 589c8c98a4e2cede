/* ctx_internal.h - the glbuf_ctx behind the public header, shared by every
 * module: the GL table, the counted-call macro, labels, logging and errors. */
#ifndef GLBUF_CTX_INTERNAL_H
#define GLBUF_CTX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <glad/gl.h>

#include "glbuf/ctx.h"
#include "objects.h"

#define GLBUF_MAX_FENCES 16
#define GLBUF_MAX_APP_ERRORS 8 /* distinct GL error values kept for the app */

typedef struct glbuf_frame_fence {
    uint64_t frame; /* the frame this fence ends */
    GLsync sync;
} glbuf_frame_fence;

struct glbuf_ctx {
    GladGLContext gl; /* glbuf's own table: the fault-injection seam */
    glbuf_allocator allocator;
    glbuf_logger logger;
    int validation;
    int installed_debug_callback;
    GLDEBUGPROC app_debug_callback; /* what was installed before ours, restored on destroy */
    const void *app_debug_user;
    GLboolean app_debug_output; /* GL_DEBUG_OUTPUT as found at creation, restored on destroy */
    /* GL errors raised outside glbuf that a drain read out of GL, oldest
     * first, each value once (glbuf_ctx_take_app_gl_error). */
    uint32_t app_errors[GLBUF_MAX_APP_ERRORS];
    unsigned app_error_count;
    char label_prefix[32];
    glbuf_caps caps;
    glbuf_ctx_stats stats;
    glbuf_objects objects;

    uint64_t frame;           /* frame being recorded, from 1 */
    uint64_t completed_frame; /* newest frame known complete */
    glbuf_frame_fence fences[GLBUF_MAX_FENCES]; /* ring, oldest at fence_head */
    unsigned fence_head, fence_count;

    struct glbuf_buffer_obj *staged_buffers; /* buffers with batched appends not yet in GL */
    struct glbuf_mega_obj *staged_megas;     /* device-local megabuffers with copies not yet issued */

    glbuf_gpu_memory_source memory_source; /* what glbuf_ctx_get_gpu_memory queries */
    int dedicated_memory;                  /* the GPU has memory of its own (gpu_memory.c) */
    const char *dedicated_why;

    /* Driver workarounds, decided once at creation (ctx.c, quirks). */
    int quirk_unaligned_sub_data; /* unaligned glBufferSubData goes through a map (gl_ops.c) */
    int quirk_wait_after_growth_copies; /* buffer growth waits for its GPU copies (buffer_grow.c) */
};

/* Calls GL entry point `fn` through the context's table and counts it:
 *     GLBUF_GL(ctx, BufferData)(GL_ARRAY_BUFFER, size, data, usage); */
#define GLBUF_GL(ctx, fn) ((ctx)->stats.calls[GLBUF_GL_##fn]++, (ctx)->gl.fn)

static inline int glbuf_ctx_has(const glbuf_ctx *ctx, glbuf_cap cap)
{
    return (ctx->caps.caps & (uint32_t)cap) != 0;
}

/* printf-style line to the logger, if any. */
void glbuf_log(const glbuf_ctx *ctx, glbuf_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Reads glGetError after a GL call of glbuf's own (always preceded by
 * glbuf_gl_drain in the same public call, so what it reads is glbuf's).
 * GLBUF_OK when clean; GLBUF_ERR_OUT_OF_GPU_MEMORY when GL_OUT_OF_MEMORY was
 * among the errors, else GLBUF_ERR_GL. Logs what it saw, naming `what` and
 * `label`, and counts it in gl_errors. */
glbuf_result glbuf_gl_check(glbuf_ctx *ctx, const char *what, const char *label);

/* Reads the GL errors pending before a checked call of glbuf's (raised by
 * the app, or by a glbuf call that checks nothing) and keeps them for the
 * app (ctx.h, "GL errors"), logging each, so that glbuf_gl_check after the
 * call sees only what that call raised. */
void glbuf_gl_drain(glbuf_ctx *ctx);

/* Under validation, at the start of a public call that makes GL calls (after
 * its arguments were validated): glbuf_gl_drain. No GL call otherwise. */
void glbuf_validate_begin(glbuf_ctx *ctx);

/* Under validation, at the end of such a call: glbuf_gl_check, logged. */
void glbuf_validate(glbuf_ctx *ctx, const char *what, const char *label);

/* glObjectLabel(GL_BUFFER, name, "<prefix>:<label>") when KHR_debug is there;
 * truncated to the driver's maximum. */
void glbuf_label_buffer(glbuf_ctx *ctx, GLuint name, const char *label);

/* Polls the frame fences without blocking and returns the newest completed
 * frame; modules retire what was freed at or before it. */
uint64_t glbuf_ctx_poll_completed(glbuf_ctx *ctx);

/* For glbuf_ctx_destroy: each module frees its live object `id` as its
 * destroy call does (the pool without its log line: the context counts what
 * was left in one line). */
void glbuf_buffer_teardown(glbuf_ctx *ctx, uint64_t id);
void glbuf_mega_teardown(glbuf_ctx *ctx, uint64_t id);
void glbuf_stream_teardown(glbuf_ctx *ctx, uint64_t id);
void glbuf_pool_teardown(glbuf_ctx *ctx, uint64_t id);
void glbuf_readback_teardown(glbuf_ctx *ctx, uint64_t id);

/* At creation: looks for GL_NVX_gpu_memory_info / GL_ATI_meminfo and decides
 * whether the GPU has memory of its own (gpu_memory.c; the rule is in mega.h). */
void glbuf_gpu_memory_detect(glbuf_ctx *ctx);

/* Issues the staged copies of every device-local megabuffer that has some
 * (mega_staging.c), for glbuf_ctx_end_frame: before the frame's fence, so the
 * staging bytes are retired with it. Cannot fail. */
void glbuf_megas_flush_staged(glbuf_ctx *ctx);

/* Uploads the batched appends of every buffer that has some (buffer_batch.c),
 * for glbuf_ctx_end_frame. Returns the first failure; failed buffers keep
 * their bytes staged. */
glbuf_result glbuf_buffers_flush_staged(glbuf_ctx *ctx);

/* One fence, polled without blocking (glClientWaitSync, timeout 0, flush
 * bit; not counted as a wait): GLBUF_OK when it has signalled,
 * GLBUF_ERR_TIMEOUT while pending, GLBUF_ERR_FENCE_FAILED (GL_WAIT_FAILED). */
glbuf_result glbuf_sync_poll(glbuf_ctx *ctx, GLsync sync);

/* The same, blocking up to timeout_ns; counted in fence_waits and
 * fence_wait_ns. */
glbuf_result glbuf_sync_wait(glbuf_ctx *ctx, GLsync sync, uint64_t timeout_ns);

/* glFinish, where no fence is there to wait on: a wait for the whole
 * pipeline, counted in fence_waits and fence_wait_ns like one. */
void glbuf_finish(glbuf_ctx *ctx);

/* Test seam: the table glbuf calls through. Tests replace entries in it to
 * inject failures. Exported so tests can link the shared library too. */
GLBUF_API GladGLContext *glbuf_ctx_gl_table(glbuf_ctx *ctx);

#endif /* GLBUF_CTX_INTERNAL_H */
