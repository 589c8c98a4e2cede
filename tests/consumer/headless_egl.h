/* headless_egl.h - the consumers' own headless GL 4.5 core context (EGL:
 * Mesa's surfaceless platform, else the first EGL device), for main.c and
 * main.cpp alike: an outside app's setup, nothing of glbuf's test support.
 * consumer_egl_begin returns 0 with the context current, or 77 (SKIP) with
 * the reason printed when no context can be made here. */
#ifndef GLBUF_CONSUMER_HEADLESS_EGL_H
#define GLBUF_CONSUMER_HEADLESS_EGL_H

#include <stdio.h>
#include <string.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>

#define SKIP 77

typedef struct consumer_egl {
    EGLDisplay display;
    EGLContext context;
} consumer_egl;

static int consumer_has_ext(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && (p = strstr(p, name)) != NULL; p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

static EGLDisplay consumer_open_display(void)
{
    const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (client == NULL || get_display == NULL) {
        return EGL_NO_DISPLAY;
    }
    if (consumer_has_ext(client, "EGL_MESA_platform_surfaceless")) {
        EGLDisplay d = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
        if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) {
            return d;
        }
    }
    PFNEGLQUERYDEVICESEXTPROC query_devices = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
    EGLDeviceEXT devices[8];
    EGLint count = 0;
    if (consumer_has_ext(client, "EGL_EXT_platform_device") && query_devices != NULL &&
        query_devices(8, devices, &count)) {
        for (EGLint i = 0; i < count; i++) {
            EGLDisplay d = get_display(EGL_PLATFORM_DEVICE_EXT, devices[i], NULL);
            if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) {
                return d;
            }
        }
    }
    return EGL_NO_DISPLAY;
}

static int consumer_egl_begin(consumer_egl *e)
{
    e->display = consumer_open_display();
    e->context = EGL_NO_CONTEXT;
    if (e->display == EGL_NO_DISPLAY) {
        fprintf(stderr, "SKIP: no EGL display (surfaceless or device platform)\n");
        return SKIP;
    }
    const EGLint attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4,
        EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
        EGL_NONE,
    };
    if (eglBindAPI(EGL_OPENGL_API)) {
        e->context = eglCreateContext(e->display, (EGLConfig)0 /* EGL_NO_CONFIG_KHR */, EGL_NO_CONTEXT, attribs);
    }
    if (e->context == EGL_NO_CONTEXT || !eglMakeCurrent(e->display, EGL_NO_SURFACE, EGL_NO_SURFACE, e->context)) {
        fprintf(stderr, "SKIP: no surfaceless GL 4.5 core context (EGL error 0x%x)\n", (unsigned)eglGetError());
        if (e->context != EGL_NO_CONTEXT) {
            eglDestroyContext(e->display, e->context);
        }
        eglTerminate(e->display);
        return SKIP;
    }
    return 0;
}

static void consumer_egl_end(consumer_egl *e)
{
    eglMakeCurrent(e->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(e->display, e->context);
    eglTerminate(e->display);
    eglReleaseThread();
}

#endif /* GLBUF_CONSUMER_HEADLESS_EGL_H */
