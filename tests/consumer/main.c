/* main.c - an outside application of an installed glbuf.
 *
 * Makes its own headless GL 4.5 core context with EGL (Mesa's surfaceless
 * platform, else the first EGL device), hands eglGetProcAddress to glbuf,
 * creates a buffer with data and reads it back, and a megabuffer with one
 * allocation (the handle convention through the installed headers). Exit status: 0 on success,
 * 77 when no GL context can be made here (reported as skipped), 1 on failure.
 * It uses only the installed public headers: no glad, no glbuf test support
 * (headless_egl.h is the consumer's own EGL setup, shared with main.cpp). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glbuf/buffer.h>
#include <glbuf/ctx.h>
#include <glbuf/mega.h>

#include "headless_egl.h"

/* eglGetProcAddress in the type glbuf wants. */
static glbuf_gl_proc get_proc(const char *name)
{
    return (glbuf_gl_proc)eglGetProcAddress(name);
}

static int fail(const char *what, glbuf_result r)
{
    fprintf(stderr, "FAIL: %s: %s (%s)\n", what, glbuf_result_name(r), glbuf_result_str(r));
    return 1;
}

/* A megabuffer: one allocation written, then the handle is dead after destroy. */
static int run_mega(glbuf_ctx *ctx, const uint8_t *data)
{
    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    md.capacity = 1u << 16;
    glbuf_mega mega = {0};
    glbuf_mega_range range = {0};
    uint64_t offset = 1, size = 0;
    glbuf_result r = glbuf_mega_create(ctx, &md, &mega);
    if (r != GLBUF_OK) {
        return fail("glbuf_mega_create", r);
    }
    int status = 1;
    if ((r = glbuf_mega_alloc(ctx, mega, 256, 0, &range, &offset)) != GLBUF_OK) {
        status = fail("glbuf_mega_alloc", r);
    } else if ((r = glbuf_mega_write(ctx, mega, range, 0, data, 256)) != GLBUF_OK) {
        status = fail("glbuf_mega_write", r);
    } else if ((r = glbuf_mega_size(ctx, mega, range, &size)) != GLBUF_OK || size != 256 || offset != 0) {
        fprintf(stderr, "FAIL: glbuf_mega_size/offset\n");
    } else if (glbuf_mega_gl_name(ctx, mega) == 0 || glbuf_mega_storage_generation(ctx, mega) != 1) {
        fprintf(stderr, "FAIL: glbuf_mega_gl_name/storage_generation\n");
    } else {
        status = 0;
    }
    if ((r = glbuf_mega_destroy(ctx, mega)) != GLBUF_OK) {
        status = fail("glbuf_mega_destroy", r);
    } else if (glbuf_mega_destroy(ctx, mega) != GLBUF_ERR_INVALID_HANDLE || glbuf_mega_gl_name(ctx, mega) != 0) {
        fprintf(stderr, "FAIL: a destroyed megabuffer's handle is still accepted\n");
        status = 1;
    }
    return status;
}

static int run(void)
{
    glbuf_ctx_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.get_proc_address = get_proc;
    glbuf_ctx *ctx = NULL;
    glbuf_result r = glbuf_ctx_create(&desc, &ctx);
    if (r != GLBUF_OK) {
        return fail("glbuf_ctx_create", r);
    }
    glbuf_caps caps = glbuf_ctx_get_caps(ctx);
    printf("glbuf on GL %d.%d (%s)\n", caps.gl_major, caps.gl_minor, caps.renderer ? caps.renderer : "?");

    enum { N = 4096 };
    static uint8_t data[N], back[N];
    for (uint32_t i = 0; i < N; i++) {
        data[i] = (uint8_t)(i * 131u + 7u);
    }
    glbuf_buffer_desc bd;
    memset(&bd, 0, sizeof bd);
    bd.size = N;
    bd.data = data;
    bd.label = "consumer";
    glbuf_buffer buf = {0};
    int status = 1;
    if ((r = glbuf_buffer_create(ctx, &bd, &buf)) != GLBUF_OK) {
        status = fail("glbuf_buffer_create", r);
    } else if ((r = glbuf_buffer_get_sub_data(ctx, buf, 0, N, back)) != GLBUF_OK) {
        status = fail("glbuf_buffer_get_sub_data", r);
    } else if (memcmp(data, back, N) != 0) {
        fprintf(stderr, "FAIL: the buffer read back differs from the data it was created with\n");
    } else if (glbuf_buffer_name(ctx, buf) == 0 || glbuf_buffer_size(ctx, buf) != N) {
        fprintf(stderr, "FAIL: glbuf_buffer_name/size\n");
    } else {
        status = 0;
    }
    if (buf.id != 0 && (r = glbuf_buffer_destroy(ctx, buf)) != GLBUF_OK) {
        status = fail("glbuf_buffer_destroy", r);
    }
    if (status == 0) {
        status = run_mega(ctx, data);
    }
    glbuf_ctx_destroy(ctx);
    return status;
}

int main(void)
{
    consumer_egl egl;
    int skip = consumer_egl_begin(&egl);
    if (skip != 0) {
        return skip;
    }
    int status = run();
    consumer_egl_end(&egl);
    if (status == 0) {
        printf("consumer: OK\n");
    }
    return status;
}
