/* gpu_memory.c - what the driver says about GPU memory (GL_NVX_gpu_memory_info,
 * GL_ATI_meminfo) and whether the GPU has memory of its own: the rule behind
 * GLBUF_MEGA_PLACEMENT_AUTO (documented in mega.h). */
#include <string.h>

#include "ctx_internal.h"

/* glad is generated without these two extensions; their enums, from the
 * registry (NVX_gpu_memory_info.txt, ATI_meminfo.txt). Values in KiB. */
#define GLBUF_GPU_MEMORY_INFO_DEDICATED_VIDMEM_NVX 0x9047
#define GLBUF_GPU_MEMORY_INFO_TOTAL_AVAILABLE_MEMORY_NVX 0x9048
#define GLBUF_GPU_MEMORY_INFO_CURRENT_AVAILABLE_VIDMEM_NVX 0x9049
#define GLBUF_GPU_MEMORY_INFO_EVICTION_COUNT_NVX 0x904A
#define GLBUF_GPU_MEMORY_INFO_EVICTED_MEMORY_NVX 0x904B
#define GLBUF_VBO_FREE_MEMORY_ATI 0x87FB

/* Renderers that rasterize on the CPU: their "GPU memory" is host memory. */
static const char *const software_renderers[] = {"llvmpipe", "softpipe", "swrast", "SwiftShader", "lavapipe"};

static int has_extension(glbuf_ctx *ctx, const char *name)
{
    if (ctx->gl.GetStringi == NULL) {
        return 0;
    }
    GLint count = 0;
    GLBUF_GL(ctx, GetIntegerv)(GL_NUM_EXTENSIONS, &count);
    for (GLint i = 0; i < count; i++) {
        const char *e = (const char *)GLBUF_GL(ctx, GetStringi)(GL_EXTENSIONS, (GLuint)i);
        if (e != NULL && strcmp(e, name) == 0) {
            return 1;
        }
    }
    return 0;
}

void glbuf_gpu_memory_detect(glbuf_ctx *ctx)
{
    if (has_extension(ctx, "GL_NVX_gpu_memory_info")) {
        ctx->memory_source = GLBUF_GPU_MEMORY_NVX;
    } else if (has_extension(ctx, "GL_ATI_meminfo")) {
        ctx->memory_source = GLBUF_GPU_MEMORY_ATI;
    } else {
        ctx->memory_source = GLBUF_GPU_MEMORY_UNKNOWN;
    }
    const char *renderer = ctx->caps.renderer ? ctx->caps.renderer : "";
    for (size_t i = 0; i < sizeof software_renderers / sizeof software_renderers[0]; i++) {
        if (strstr(renderer, software_renderers[i]) != NULL) {
            ctx->dedicated_memory = 0;
            ctx->dedicated_why = "software renderer (GL_RENDERER names a CPU rasterizer): host memory is GPU memory";
            return;
        }
    }
    if (ctx->memory_source != GLBUF_GPU_MEMORY_UNKNOWN) {
        ctx->dedicated_memory = 1;
        ctx->dedicated_why = ctx->memory_source == GLBUF_GPU_MEMORY_NVX
                                 ? "GL_NVX_gpu_memory_info: the driver reports video memory of its own"
                                 : "GL_ATI_meminfo: the driver reports video memory of its own";
        return;
    }
    ctx->dedicated_memory = 0;
    ctx->dedicated_why = "no GPU memory reported (neither GL_NVX_gpu_memory_info nor GL_ATI_meminfo): "
                         "treated as host memory shared with the GPU";
}

static uint64_t kib(GLint v)
{
    return v > 0 ? (uint64_t)v * 1024u : 0;
}

glbuf_gpu_memory glbuf_ctx_get_gpu_memory(glbuf_ctx *ctx)
{
    glbuf_gpu_memory m;
    memset(&m, 0, sizeof m);
    if (ctx == NULL) {
        return m;
    }
    m.source = ctx->memory_source;
    m.dedicated = ctx->dedicated_memory;
    m.why = ctx->dedicated_why;
    if (ctx->memory_source == GLBUF_GPU_MEMORY_UNKNOWN) {
        return m;
    }
    glbuf_gl_drain(ctx);
    if (ctx->memory_source == GLBUF_GPU_MEMORY_NVX) {
        GLint v = 0;
        GLBUF_GL(ctx, GetIntegerv)(GLBUF_GPU_MEMORY_INFO_DEDICATED_VIDMEM_NVX, &v);
        m.total_bytes = kib(v);
        v = 0;
        GLBUF_GL(ctx, GetIntegerv)(GLBUF_GPU_MEMORY_INFO_CURRENT_AVAILABLE_VIDMEM_NVX, &v);
        m.available_bytes = kib(v);
        v = 0;
        GLBUF_GL(ctx, GetIntegerv)(GLBUF_GPU_MEMORY_INFO_EVICTION_COUNT_NVX, &v);
        m.evictions = v > 0 ? (uint32_t)v : 0;
        v = 0;
        GLBUF_GL(ctx, GetIntegerv)(GLBUF_GPU_MEMORY_INFO_EVICTED_MEMORY_NVX, &v);
        m.evicted_bytes = kib(v);
    } else {
        /* [0] total free, [1] largest free block, [2] total auxiliary
         * (host) free, [3] largest auxiliary block, in KiB. */
        GLint v[4] = {0, 0, 0, 0};
        GLBUF_GL(ctx, GetIntegerv)(GLBUF_VBO_FREE_MEMORY_ATI, v);
        m.available_bytes = kib(v[0]);
    }
    (void)glbuf_gl_check(ctx, "GPU memory query", "context");
    return m;
}
