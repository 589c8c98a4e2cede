/* headless.c - EGL surfaceless / device-platform GL context (headless.h). */
#define _GNU_SOURCE /* dl_iterate_phdr, RTLD_NODELETE */
#include "headless.h"

#include <dlfcn.h>
#include <link.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>

struct glbuf_headless {
    EGLDisplay display;
    EGLContext context;
};

static void say(char *why, size_t n, const char *msg)
{
    if (why != NULL && n > 0) {
        snprintf(why, n, "%s (EGL error 0x%x)", msg, (unsigned)eglGetError());
    }
}

static int has_ext(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && (p = strstr(p, name)) != NULL; p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

/* Mesa's surfaceless platform first, then the first EGL device. */
static EGLDisplay open_display(void)
{
    const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (client == NULL || get_platform_display == NULL) {
        return eglGetDisplay(EGL_DEFAULT_DISPLAY);
    }
    if (has_ext(client, "EGL_MESA_platform_surfaceless")) {
        EGLDisplay d = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
        if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) {
            return d;
        }
    }
    if (has_ext(client, "EGL_EXT_device_enumeration") || has_ext(client, "EGL_EXT_device_base")) {
        PFNEGLQUERYDEVICESEXTPROC query_devices =
            (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
        EGLDeviceEXT devices[8];
        EGLint count = 0;
        if (query_devices && query_devices(8, devices, &count) && count > 0) {
            for (EGLint i = 0; i < count; i++) {
                EGLDisplay d = get_platform_display(EGL_PLATFORM_DEVICE_EXT, devices[i], NULL);
                if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) {
                    return d;
                }
            }
        }
    }
    return EGL_NO_DISPLAY;
}

/* Keeps the GL driver's modules loaded after eglTerminate, so that a
 * LeakSanitizer report names the module a leak comes from (one unloaded
 * before exit shows as <unknown module>). No suppression file is needed:
 * the sanitizer runs of .ci/run report no leak of the driver's. */
static int pin_module(struct dl_phdr_info *info, size_t size, void *user)
{
    (void)size;
    (void)user;
    const char *n = info->dlpi_name;
    if (n && (strstr(n, "/dri/") || strstr(n, "libLLVM") || strstr(n, "libgallium") || strstr(n, "_mesa"))) {
        (void)dlopen(n, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    }
    return 0;
}

/* GL versions a context may be asked for, newest first. */
static const int gl_versions[][2] = {{4, 6}, {4, 5}, {4, 4}, {4, 3}, {4, 2}, {4, 1}, {4, 0}, {3, 3},
                                     {3, 2}, {3, 1}, {3, 0}, {2, 1}, {2, 0}};

static EGLContext create_context(EGLDisplay d, int major, int minor, int compatibility, int debug)
{
    EGLint attribs[16];
    int n = 0;
    attribs[n++] = EGL_CONTEXT_MAJOR_VERSION;
    attribs[n++] = major;
    attribs[n++] = EGL_CONTEXT_MINOR_VERSION;
    attribs[n++] = minor;
    /* Profiles exist from 3.2 on; an older request gets a legacy context. */
    if (major * 10 + minor >= 32) {
        attribs[n++] = EGL_CONTEXT_OPENGL_PROFILE_MASK;
        attribs[n++] = compatibility ? EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT
                                     : EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT;
    }
    attribs[n++] = EGL_CONTEXT_OPENGL_DEBUG;
    attribs[n++] = debug ? EGL_TRUE : EGL_FALSE;
    attribs[n++] = EGL_NONE;
    return eglCreateContext(d, (EGLConfig)0 /* EGL_NO_CONFIG_KHR */, EGL_NO_CONTEXT, attribs);
}

static glbuf_headless *create(const glbuf_headless_desc *desc, int compatibility, char *why, size_t why_size)
{
    int major = desc && desc->gl_major ? desc->gl_major : 4;
    int minor = desc && desc->gl_major ? desc->gl_minor : 5;
    int debug = desc ? desc->debug : 0;
    EGLDisplay d = open_display();
    if (d == EGL_NO_DISPLAY) {
        say(why, why_size, "no EGL display (surfaceless or device platform)");
        return NULL;
    }
    if (!eglBindAPI(EGL_OPENGL_API)) {
        say(why, why_size, "eglBindAPI(EGL_OPENGL_API) failed");
        eglTerminate(d);
        return NULL;
    }
    /* The newest version at or below the one asked for: a driver that only
     * offers 4.1 (Mesa with MESA_GL_VERSION_OVERRIDE=4.1, macOS-class
     * hardware) refuses a 4.5 request outright. Core profiles stop at 3.2. */
    EGLContext c = EGL_NO_CONTEXT;
    for (size_t i = 0; i < sizeof gl_versions / sizeof gl_versions[0] && c == EGL_NO_CONTEXT; i++) {
        int v = gl_versions[i][0] * 10 + gl_versions[i][1];
        if (v > major * 10 + minor || (!compatibility && v < 32)) {
            continue;
        }
        c = create_context(d, gl_versions[i][0], gl_versions[i][1], compatibility, debug);
    }
    if (c == EGL_NO_CONTEXT) {
        char msg[128];
        snprintf(msg, sizeof msg, "eglCreateContext (GL %s, %d.%d or older, no config) failed",
                 compatibility ? "compatibility" : "core", major, minor);
        say(why, why_size, msg);
        eglTerminate(d);
        return NULL;
    }
    if (!eglMakeCurrent(d, EGL_NO_SURFACE, EGL_NO_SURFACE, c)) {
        say(why, why_size, "eglMakeCurrent without a surface failed");
        eglDestroyContext(d, c);
        eglTerminate(d);
        return NULL;
    }
    dl_iterate_phdr(pin_module, NULL);
    glbuf_headless *h = calloc(1, sizeof *h);
    if (h == NULL) {
        eglMakeCurrent(d, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(d, c);
        eglTerminate(d);
        return NULL;
    }
    h->display = d;
    h->context = c;
    return h;
}

glbuf_headless *glbuf_headless_create(const glbuf_headless_desc *desc, char *why, size_t why_size)
{
    return create(desc, 0, why, why_size);
}

glbuf_headless *glbuf_headless_create_compatibility(const glbuf_headless_desc *desc, char *why, size_t why_size)
{
    return create(desc, 1, why, why_size);
}

void glbuf_headless_destroy(glbuf_headless *h)
{
    if (h == NULL) {
        return;
    }
    eglMakeCurrent(h->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(h->display, h->context);
    eglTerminate(h->display);
    eglReleaseThread();
    free(h);
}

glbuf_gl_proc glbuf_headless_get_proc(const char *name)
{
    return (glbuf_gl_proc)eglGetProcAddress(name);
}

int glbuf_headless_available(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        return 0;
    }
    if (pid == 0) {
        char why[256] = "";
        glbuf_headless *h = glbuf_headless_create(NULL, why, sizeof why);
        if (h == NULL) {
            fprintf(stderr, "no headless GL context (4.5 or older, core): %s\n", why);
            _exit(1);
        }
        glbuf_headless_destroy(h);
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
