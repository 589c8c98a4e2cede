/* ctx.c - glbuf_ctx: loading the GL table, capabilities, counters, logging. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buffer_internal.h"
#include "ctx_internal.h"
#include "glbuf_assert.h"
#include "driver_messages.h"
#include "host_alloc.h"

#define KNOWN_CAPS ((uint32_t)(GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE | GLBUF_CAP_DEBUG))

static const char *const gl_call_names[GLBUF_GL_CALL_COUNT] = {
#define GLBUF_GL_CALL_NAME(name) "gl" #name,
    GLBUF_GL_CALL_TABLE(GLBUF_GL_CALL_NAME)
#undef GLBUF_GL_CALL_NAME
};

const char *glbuf_gl_call_name(glbuf_gl_call call)
{
    if ((unsigned)call >= (unsigned)GLBUF_GL_CALL_COUNT) {
        return "?";
    }
    return gl_call_names[call];
}

void glbuf_log(const glbuf_ctx *ctx, glbuf_log_level level, const char *fmt, ...)
{
    if (ctx == NULL || ctx->logger.log == NULL) {
        return;
    }
    char line[1024]; /* room for a driver message and its explanation */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ctx->logger.log(level, line, ctx->logger.user);
}

static const char *gl_error_name(GLenum e)
{
    switch (e) {
    case GL_INVALID_ENUM: return "GL_INVALID_ENUM";
    case GL_INVALID_VALUE: return "GL_INVALID_VALUE";
    case GL_INVALID_OPERATION: return "GL_INVALID_OPERATION";
    case GL_OUT_OF_MEMORY: return "GL_OUT_OF_MEMORY";
    case GL_INVALID_FRAMEBUFFER_OPERATION: return "GL_INVALID_FRAMEBUFFER_OPERATION";
    default: return "GL error";
    }
}

glbuf_result glbuf_gl_check(glbuf_ctx *ctx, const char *what, const char *label)
{
    glbuf_result result = GLBUF_OK;
    /* GL queues at most one flag per error kind; bound the loop anyway in
     * case a broken table keeps returning an error. */
    for (int i = 0; i < 8; i++) {
        GLenum e = GLBUF_GL(ctx, GetError)();
        if (e == GL_NO_ERROR) {
            break;
        }
        ctx->stats.gl_errors++;
        glbuf_log(ctx, GLBUF_LOG_ERROR, "%s on '%s': %s (0x%04x)", what, label ? label : "?",
                  gl_error_name(e), e);
        if (e == GL_OUT_OF_MEMORY) {
            result = GLBUF_ERR_OUT_OF_GPU_MEMORY;
        } else if (result == GLBUF_OK) {
            result = GLBUF_ERR_GL;
        }
    }
    return result;
}

/* Keeps an error for glbuf_ctx_take_app_gl_error: once per value, as GL
 * keeps one flag per error. */
static void keep_app_error(glbuf_ctx *ctx, GLenum e)
{
    for (unsigned i = 0; i < ctx->app_error_count; i++) {
        if (ctx->app_errors[i] == e) {
            return;
        }
    }
    if (ctx->app_error_count == GLBUF_MAX_APP_ERRORS) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "GL error 0x%04x dropped: %d distinct errors are kept for the app already",
                  e, GLBUF_MAX_APP_ERRORS);
        return;
    }
    ctx->app_errors[ctx->app_error_count++] = e;
}

void glbuf_gl_drain(glbuf_ctx *ctx)
{
    /* GL has one flag per error kind: eight reads see them all. */
    for (int i = 0; i < 8; i++) {
        GLenum e = GLBUF_GL(ctx, GetError)();
        if (e == GL_NO_ERROR) {
            return;
        }
        ctx->stats.app_gl_errors++;
        keep_app_error(ctx, e);
        glbuf_log(ctx, GLBUF_LOG_WARNING,
                  "%s (0x%04x) was pending before a glbuf call: not glbuf's, kept for "
                  "glbuf_ctx_take_app_gl_error",
                  gl_error_name(e), e);
    }
}

uint32_t glbuf_ctx_take_app_gl_error(glbuf_ctx *ctx)
{
    if (ctx == NULL || ctx->app_error_count == 0) {
        return GL_NO_ERROR;
    }
    uint32_t e = ctx->app_errors[0];
    ctx->app_error_count--;
    memmove(ctx->app_errors, ctx->app_errors + 1, ctx->app_error_count * sizeof ctx->app_errors[0]);
    return e;
}

void glbuf_validate_begin(glbuf_ctx *ctx)
{
    if (ctx->validation) {
        glbuf_gl_drain(ctx);
    }
}

void glbuf_validate(glbuf_ctx *ctx, const char *what, const char *label)
{
    if (ctx->validation) {
        (void)glbuf_gl_check(ctx, what, label);
    }
}

void glbuf_label_buffer(glbuf_ctx *ctx, GLuint name, const char *label)
{
    if (!glbuf_ctx_has(ctx, GLBUF_CAP_DEBUG) || name == 0) {
        return;
    }
    char text[256];
    int n = snprintf(text, sizeof text, "%s:%s", ctx->label_prefix, label ? label : "buffer");
    if (n < 0) {
        return;
    }
    size_t len = strlen(text);
    size_t max = ctx->caps.max_label_length > 1 ? (size_t)ctx->caps.max_label_length - 1 : 0;
    if (len > max) {
        len = max;
    }
    GLBUF_GL(ctx, ObjectLabel)(GL_BUFFER, name, (GLsizei)len, text);
}

GladGLContext *glbuf_ctx_gl_table(glbuf_ctx *ctx)
{
    return ctx ? &ctx->gl : NULL;
}

/* ---- creation ------------------------------------------------------------ */

static GLADapiproc load_through(void *user, const char *name)
{
    glbuf_get_proc_address_fn get = *(glbuf_get_proc_address_fn *)user;
    return (GLADapiproc)get(name);
}

static const char *debug_source_name(GLenum source)
{
    switch (source) {
    case GL_DEBUG_SOURCE_API: return "API";
    case GL_DEBUG_SOURCE_WINDOW_SYSTEM: return "WINDOW_SYSTEM";
    case GL_DEBUG_SOURCE_SHADER_COMPILER: return "SHADER_COMPILER";
    case GL_DEBUG_SOURCE_THIRD_PARTY: return "THIRD_PARTY";
    case GL_DEBUG_SOURCE_APPLICATION: return "APPLICATION";
    default: return "OTHER";
    }
}

static const char *debug_type_name(GLenum type)
{
    switch (type) {
    case GL_DEBUG_TYPE_ERROR: return "ERROR";
    case GL_DEBUG_TYPE_DEPRECATED_BEHAVIOR: return "DEPRECATED";
    case GL_DEBUG_TYPE_UNDEFINED_BEHAVIOR: return "UNDEFINED";
    case GL_DEBUG_TYPE_PORTABILITY: return "PORTABILITY";
    case GL_DEBUG_TYPE_PERFORMANCE: return "PERFORMANCE";
    case GL_DEBUG_TYPE_MARKER: return "MARKER";
    case GL_DEBUG_TYPE_PUSH_GROUP: return "PUSH_GROUP";
    case GL_DEBUG_TYPE_POP_GROUP: return "POP_GROUP";
    default: return "OTHER";
    }
}

static const char *debug_severity_name(GLenum severity)
{
    switch (severity) {
    case GL_DEBUG_SEVERITY_HIGH: return "HIGH";
    case GL_DEBUG_SEVERITY_MEDIUM: return "MEDIUM";
    case GL_DEBUG_SEVERITY_LOW: return "LOW";
    default: return "NOTIFICATION";
    }
}

/* The driver's messages, one logger line each with source, type, severity
 * and ID; a message about the placement of one of glbuf's buffers gets a
 * second line naming the object and saying what it means. The driver may
 * call this from its own thread: it reads only what never changes after
 * creation (logger, label prefix) and makes no GL call. */
static void GLAD_API_PTR debug_message(GLenum source, GLenum type, GLuint id, GLenum severity,
                                       GLsizei length, const GLchar *message, const void *user)
{
    (void)length;
    const glbuf_ctx *ctx = user;
    glbuf_log_level level = GLBUF_LOG_DEBUG;
    if (type == GL_DEBUG_TYPE_PERFORMANCE || type == GL_DEBUG_TYPE_OTHER) {
        level = severity == GL_DEBUG_SEVERITY_NOTIFICATION ? GLBUF_LOG_DEBUG : GLBUF_LOG_INFO;
    } else if (type == GL_DEBUG_TYPE_ERROR || severity == GL_DEBUG_SEVERITY_HIGH) {
        level = GLBUF_LOG_ERROR;
    } else if (severity == GL_DEBUG_SEVERITY_MEDIUM) {
        level = GLBUF_LOG_WARNING;
    } else if (severity == GL_DEBUG_SEVERITY_LOW) {
        level = GLBUF_LOG_INFO;
    }
    glbuf_log(ctx, level, "GL [%s %s %s id %u] %s", debug_source_name(source), debug_type_name(type),
              debug_severity_name(severity), id, message);
    glbuf_driver_note note;
    if (glbuf_driver_explain(message, ctx->label_prefix, &note) && note.glbuf_owned) {
        glbuf_log(ctx, level, "GL [id %u] glbuf buffer '%s': %s", id, note.object, note.explanation);
    }
}

static uint64_t query_alignment(glbuf_ctx *ctx, GLenum pname, uint64_t fallback)
{
    GLint v = 0;
    GLBUF_GL(ctx, GetIntegerv)(pname, &v);
    return v > 0 ? (uint64_t)v : fallback;
}

/* `version` is what glad parsed from GL_VERSION. GL_MAJOR_VERSION is not
 * asked for: it does not exist before GL 3.0, and the query would leave
 * GL_INVALID_ENUM behind in a context glbuf then refuses. Core and
 * compatibility profiles are treated alike: glbuf uses nothing either lacks.
 * Every value is asked for only where its GL version has it, so that the
 * queries raise no error (the check after them would log it as glbuf's). */
static void query_caps(glbuf_ctx *ctx, uint32_t disabled)
{
    glbuf_caps *c = &ctx->caps;
    const GladGLContext *gl = &ctx->gl;
    int major = c->gl_major;
    int minor = c->gl_minor;
    c->vendor = (const char *)GLBUF_GL(ctx, GetString)(GL_VENDOR);
    c->renderer = (const char *)GLBUF_GL(ctx, GetString)(GL_RENDERER);
    c->version = (const char *)GLBUF_GL(ctx, GetString)(GL_VERSION);
    /* NVIDIA's driver (580.159.04 on an H200 through EGL, 2026-11-30) loses a
     * glBufferSubData whose offset or size is not a multiple of 4 when GPU
     * copies (growth, defragmentation) read or write the buffer around it,
     * even with a fence wait in between; writes through glMapBufferRange are
     * kept. gl_ops.c routes such updates through a map on that driver. In
     * a store that GPU copies move bytes within (the megabuffer's fallback
     * store under defragmentation) aligned updates are lost as well, with
     * a glFinish after each copy too (test_mega_defrag, no-storage, churn:
     * deterministic there): those go through a map whatever their
     * alignment (glbuf_gl_sub_data_copied_within).
     * The same driver lets a glBufferSubData overtake a GPU copy into a store
     * re-specified through a bound target just before (a buffer's growth on
     * the bind-to-edit path: 10 of 10 updates of 64 B..64 KiB lost there),
     * so a growth waits for its copies on it (buffer_grow.c). */
    int nvidia = c->vendor != NULL && strstr(c->vendor, "NVIDIA") != NULL;
    ctx->quirk_unaligned_sub_data = nvidia;
    ctx->quirk_wait_after_growth_copies = nvidia;

    uint32_t caps = 0;
    if ((gl->VERSION_4_5 || gl->ARB_direct_state_access) && gl->CreateBuffers && gl->NamedBufferData) {
        caps |= GLBUF_CAP_DSA;
    }
    if ((gl->VERSION_4_4 || gl->ARB_buffer_storage) && gl->BufferStorage) {
        caps |= GLBUF_CAP_BUFFER_STORAGE;
    }
    if ((gl->VERSION_4_3 || gl->KHR_debug) && gl->ObjectLabel) {
        caps |= GLBUF_CAP_DEBUG;
    }
    /* DSA buffer storage needs both; drop DSA storage use via the DSA bit. */
    c->caps = caps & ~disabled;

    int version = major * 10 + minor;
    c->uniform_offset_alignment = query_alignment(ctx, GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, 256);
    /* GL 4.3 (texture buffer ranges, SSBOs) and 4.2 (map alignment); before,
     * the limits GL guarantees. */
    c->texture_offset_alignment = version >= 43 ? query_alignment(ctx, GL_TEXTURE_BUFFER_OFFSET_ALIGNMENT, 16) : 16;
    c->storage_offset_alignment = version >= 43 ? query_alignment(ctx, GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, 256) : 256;
    c->map_alignment = version >= 42 ? query_alignment(ctx, GL_MIN_MAP_BUFFER_ALIGNMENT, 64) : 64;
    c->max_label_length = 0;
    if (c->caps & GLBUF_CAP_DEBUG) {
        GLint v = 0;
        GLBUF_GL(ctx, GetIntegerv)(GL_MAX_LABEL_LENGTH, &v);
        c->max_label_length = v;
    }
    glbuf_gpu_memory_detect(ctx);
    /* Capability queries must not leave an error behind for the app. */
    (void)glbuf_gl_check(ctx, "capability query", "context");
}

glbuf_result glbuf_ctx_create(const glbuf_ctx_desc *desc, glbuf_ctx **out)
{
    if (desc == NULL || out == NULL || desc->get_proc_address == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_allocator allocator;
    if (!glbuf_allocator_resolve(&allocator, &desc->allocator) || (desc->disable_caps & ~KNOWN_CAPS) != 0 ||
        (desc->validation & ~GLBUF_VALIDATION_ALL) != 0) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_ctx *ctx = glbuf_host_calloc(&allocator, 1, sizeof *ctx);
    if (ctx == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    ctx->allocator = allocator;
    ctx->logger = desc->logger;
    ctx->validation = desc->validation;
    snprintf(ctx->label_prefix, sizeof ctx->label_prefix, "%s",
             desc->label_prefix ? desc->label_prefix : "glbuf");
    ctx->frame = 1;

    glbuf_get_proc_address_fn get = desc->get_proc_address;
    int version = glbuf_glad_load_context_userptr(&ctx->gl, load_through, &get);
    if (version == 0) {
        glbuf_host_free(&allocator, ctx);
        return GLBUF_ERR_LOAD_FAILED;
    }
    ctx->caps.gl_major = GLAD_VERSION_MAJOR(version);
    ctx->caps.gl_minor = GLAD_VERSION_MINOR(version);
    /* Every refusal before the first GL query: a refused context is left as
     * it was found, with the app's pending GL errors still in GL. */
    glbuf_result r = ctx->caps.gl_major * 10 + ctx->caps.gl_minor < 33 ? GLBUF_ERR_UNSUPPORTED : GLBUF_OK;
    if (r == GLBUF_OK) {
        /* The table's owner identity is the only thing to give back. */
        r = glbuf_objects_init(&ctx->objects);
    }
    if (r != GLBUF_OK) {
        glbuf_host_free(&allocator, ctx);
        return r;
    }
    glbuf_gl_drain(ctx); /* the app's errors, kept: the queries' check is glbuf's */
    query_caps(ctx, desc->disable_caps);
    if (glbuf_ctx_has(ctx, GLBUF_CAP_DEBUG) && ctx->logger.log != NULL && !desc->keep_debug_callback &&
        ctx->gl.DebugMessageCallback != NULL) {
        GLBUF_GL(ctx, GetPointerv)(GL_DEBUG_CALLBACK_FUNCTION, (void **)&ctx->app_debug_callback);
        GLBUF_GL(ctx, GetPointerv)(GL_DEBUG_CALLBACK_USER_PARAM, (void **)&ctx->app_debug_user);
        ctx->app_debug_output = GLBUF_GL(ctx, IsEnabled)(GL_DEBUG_OUTPUT);
        GLBUF_GL(ctx, DebugMessageCallback)(debug_message, ctx);
        GLBUF_GL(ctx, Enable)(GL_DEBUG_OUTPUT);
        ctx->installed_debug_callback = 1;
    }
    glbuf_log(ctx, GLBUF_LOG_INFO, "glbuf on GL %d.%d, %s (%s)%s%s%s", ctx->caps.gl_major, ctx->caps.gl_minor,
              ctx->caps.renderer ? ctx->caps.renderer : "?", ctx->caps.vendor ? ctx->caps.vendor : "?",
              glbuf_ctx_has(ctx, GLBUF_CAP_DSA) ? " DSA" : "",
              glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE) ? " buffer_storage" : "",
              glbuf_ctx_has(ctx, GLBUF_CAP_DEBUG) ? " debug" : "");
    *out = ctx;
    return GLBUF_OK;
}

/* Logs one line counting what the app left alive, by kind. Buffers held by a
 * pool (idle or acquired) are the pool's and counted apart. */
static void log_objects_left(const glbuf_ctx *ctx)
{
    const glbuf_objects *t = &ctx->objects;
    if (t->live == 0) {
        return;
    }
    uint32_t pooled = 0;
    for (uint32_t i = 0; i < t->used; i++) {
        if (t->slots[i].kind == GLBUF_KIND_BUFFER && ((const glbuf_buffer_obj *)t->slots[i].ptr)->owner != NULL) {
            pooled++;
        }
    }
    glbuf_log(ctx, GLBUF_LOG_WARNING,
              "context destroyed with objects alive, freed: %u buffers (+%u pooled), %u megabuffers, %u streams, "
              "%u pools, %u readbacks",
              t->live_by_kind[GLBUF_KIND_BUFFER] - pooled, pooled, t->live_by_kind[GLBUF_KIND_MEGA],
              t->live_by_kind[GLBUF_KIND_STREAM], t->live_by_kind[GLBUF_KIND_POOL],
              t->live_by_kind[GLBUF_KIND_READBACK]);
}

/* Frees every live object of `kind`. A teardown may free other objects too
 * (a pool its idle buffers), so each slot is looked at when it is reached. */
static void free_objects_of_kind(glbuf_ctx *ctx, glbuf_object_kind kind, void (*teardown)(glbuf_ctx *, uint64_t))
{
    for (uint32_t i = 0; i < ctx->objects.used && ctx->objects.live_by_kind[kind] > 0; i++) {
        if (ctx->objects.slots[i].kind == (uint8_t)kind) {
            teardown(ctx, glbuf_objects_id_at(&ctx->objects, i));
        }
    }
}

void glbuf_ctx_destroy(glbuf_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    (void)glbuf_ctx_wait_idle(ctx);
    log_objects_left(ctx);
    /* Pools first: their acquired buffers become plain buffers, freed last. */
    free_objects_of_kind(ctx, GLBUF_KIND_POOL, glbuf_pool_teardown);
    free_objects_of_kind(ctx, GLBUF_KIND_READBACK, glbuf_readback_teardown);
    free_objects_of_kind(ctx, GLBUF_KIND_STREAM, glbuf_stream_teardown);
    free_objects_of_kind(ctx, GLBUF_KIND_MEGA, glbuf_mega_teardown);
    free_objects_of_kind(ctx, GLBUF_KIND_BUFFER, glbuf_buffer_teardown);
    GLBUF_ASSERT(ctx->objects.live == 0);
    for (unsigned i = 0; i < ctx->fence_count; i++) {
        glbuf_frame_fence *f = &ctx->fences[(ctx->fence_head + i) % GLBUF_MAX_FENCES];
        if (f->sync != NULL) {
            GLBUF_GL(ctx, DeleteSync)(f->sync);
        }
    }
    if (ctx->installed_debug_callback) {
        GLBUF_GL(ctx, DebugMessageCallback)(ctx->app_debug_callback, ctx->app_debug_user);
        if (!ctx->app_debug_output) {
            GLBUF_GL(ctx, Disable)(GL_DEBUG_OUTPUT);
        }
    }
    glbuf_allocator allocator = ctx->allocator;
    glbuf_objects_release(&ctx->objects, &allocator);
    glbuf_host_free(&allocator, ctx);
}

glbuf_caps glbuf_ctx_get_caps(const glbuf_ctx *ctx)
{
    glbuf_caps none;
    memset(&none, 0, sizeof none);
    return ctx ? ctx->caps : none;
}

glbuf_ctx_stats glbuf_ctx_get_stats(const glbuf_ctx *ctx)
{
    glbuf_ctx_stats s;
    memset(&s, 0, sizeof s);
    if (ctx == NULL) {
        return s;
    }
    s = ctx->stats;
    s.calls_total = 0;
    for (int i = 0; i < GLBUF_GL_CALL_COUNT; i++) {
        s.calls_total += s.calls[i];
    }
    return s;
}

void glbuf_ctx_reset_stats(glbuf_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    uint64_t alive = ctx->stats.buffers_alive;
    memset(&ctx->stats, 0, sizeof ctx->stats);
    ctx->stats.buffers_alive = alive;
}
