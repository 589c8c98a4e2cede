/* main.c - an outside application of an installed glbuf.
 *
 * Makes its own headless GL 4.5 core context with EGL (Mesa's surfaceless
 * platform, else the first EGL device), hands eglGetProcAddress to glbuf,
 * creates a buffer with data and reads it back, and a megabuffer with one
 * allocation (the handle convention through the installed headers). Exit status: 0 on success,
 * 77 when no GL context can be made here (reported as skipped), 1 on failure.
 * It uses only the installed public headers: no glad, no glbuf test support. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <glbuf/buffer.h>
#include <glbuf/ctx.h>
#include <glbuf/mega.h>

#define SKIP 77

static int has_ext(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && (p = strstr(p, name)) != NULL; p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

static EGLDisplay open_display(void)
{
    const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (client == NULL || get_display == NULL) {
        return EGL_NO_DISPLAY;
    }
    if (has_ext(client, "EGL_MESA_platform_surfaceless")) {
        EGLDisplay d = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
        if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) {
            return d;
        }
    }
    PFNEGLQUERYDEVICESEXTPROC query_devices = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
    EGLDeviceEXT devices[8];
    EGLint count = 0;
    if (has_ext(client, "EGL_EXT_platform_device") && query_devices != NULL && query_devices(8, devices, &count)) {
        for (EGLint i = 0; i < count; i++) {
            EGLDisplay d = get_display(EGL_PLATFORM_DEVICE_EXT, devices[i], NULL);
            if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) {
                return d;
            }
        }
    }
    return EGL_NO_DISPLAY;
}

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
    EGLDisplay d = open_display();
    if (d == EGL_NO_DISPLAY) {
        fprintf(stderr, "SKIP: no EGL display (surfaceless or device platform)\n");
        return SKIP;
    }
    const EGLint attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4,
        EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
        EGL_NONE,
    };
    EGLContext c = EGL_NO_CONTEXT;
    if (eglBindAPI(EGL_OPENGL_API)) {
        c = eglCreateContext(d, (EGLConfig)0 /* EGL_NO_CONFIG_KHR */, EGL_NO_CONTEXT, attribs);
    }
    if (c == EGL_NO_CONTEXT || !eglMakeCurrent(d, EGL_NO_SURFACE, EGL_NO_SURFACE, c)) {
        fprintf(stderr, "SKIP: no surfaceless GL 4.5 core context (EGL error 0x%x)\n", (unsigned)eglGetError());
        if (c != EGL_NO_CONTEXT) {
            eglDestroyContext(d, c);
        }
        eglTerminate(d);
        return SKIP;
    }
    int status = run();
    eglMakeCurrent(d, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(d, c);
    eglTerminate(d);
    eglReleaseThread();
    if (status == 0) {
        printf("consumer: OK\n");
    }
    return status;
}
