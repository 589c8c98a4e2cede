/* gl_profile.c - probing the GL profile of a test run (gl_profile.h). */
#include "gl_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "own_gl.h"

static fx_profile profile;
static int probed;

static void parse_asked(fx_profile *p)
{
    p->asked_major = 4;
    p->asked_minor = 5;
    const char *env = getenv("GLBUF_TEST_GL");
    int major = 0, minor = 0;
    if (env != NULL && sscanf(env, "%d.%d", &major, &minor) == 2 && major >= 2 && minor >= 0 && minor <= 9) {
        p->asked_major = major;
        p->asked_minor = minor;
    } else if (env != NULL) {
        fprintf(stderr, "GLBUF_TEST_GL=%s is not MAJOR.MINOR: asking for 4.5\n", env);
    }
}

glbuf_headless_desc fx_profile_headless_desc(int debug)
{
    const fx_profile *p = fx_profile_get();
    glbuf_headless_desc d;
    memset(&d, 0, sizeof d);
    d.gl_major = p->asked_major;
    d.gl_minor = p->asked_minor;
    d.debug = debug;
    return d;
}

/* Runs in the probing child: fills *p from a real context. */
static void probe_here(fx_profile *p)
{
    glbuf_headless_desc d;
    memset(&d, 0, sizeof d);
    d.gl_major = p->asked_major;
    d.gl_minor = p->asked_minor;
    char why[200] = "";
    glbuf_headless *h = glbuf_headless_create(&d, why, sizeof why);
    if (h == NULL) {
        snprintf(p->why, sizeof p->why, "no headless GL %d.%d-or-older core context: %s", p->asked_major,
                 p->asked_minor, why);
        return;
    }
    GladGLContext *gl = fx_own_gl_load();
    if (gl == NULL) {
        snprintf(p->why, sizeof p->why, "glad could not load GL from the context");
        glbuf_headless_destroy(h);
        return;
    }
    GLint major = 0, minor = 0, mask = 0;
    gl->GetIntegerv(GL_MAJOR_VERSION, &major);
    gl->GetIntegerv(GL_MINOR_VERSION, &minor);
    gl->GetIntegerv(GL_CONTEXT_PROFILE_MASK, &mask);
    p->major = major;
    p->minor = minor;
    p->core = (mask & GL_CONTEXT_CORE_PROFILE_BIT) != 0;
    snprintf(p->version, sizeof p->version, "%s", (const char *)gl->GetString(GL_VERSION));
    snprintf(p->renderer, sizeof p->renderer, "%s", (const char *)gl->GetString(GL_RENDERER));
    p->features = ((gl->VERSION_4_5 || gl->ARB_direct_state_access) ? FX_DSA : 0u) |
                  ((gl->VERSION_4_4 || gl->ARB_buffer_storage) ? FX_BUFFER_STORAGE : 0u) |
                  ((gl->VERSION_4_3 || gl->KHR_debug) ? FX_DEBUG : 0u) | (gl->VERSION_4_3 ? FX_GL_4_3 : 0u);
    if (major * 10 + minor > p->asked_major * 10 + p->asked_minor) {
        /* EGL lets a driver give a newer, compatible version: then this is
         * not the profile the run is labelled with. */
        snprintf(p->why, sizeof p->why,
                 "asked for GL %d.%d or older, the driver gave %s (only Mesa, through "
                 "MESA_GL_VERSION_OVERRIDE, poses as an older driver)",
                 p->asked_major, p->asked_minor, p->version);
    } else if (major * 10 + minor < 33) {
        snprintf(p->why, sizeof p->why, "GL %s is below 3.3, the oldest glbuf supports", p->version);
    } else {
        p->available = 1;
    }
    glbuf_headless_destroy(h);
}

const fx_profile *fx_profile_get(void)
{
    if (probed) {
        return &profile;
    }
    probed = 1;
    memset(&profile, 0, sizeof profile);
    parse_asked(&profile);
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(profile.why, sizeof profile.why, "pipe() failed");
        return &profile;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        snprintf(profile.why, sizeof profile.why, "fork() failed");
        return &profile;
    }
    if (pid == 0) {
        close(fds[0]);
        fx_profile p = profile;
        probe_here(&p);
        ssize_t n = write(fds[1], &p, sizeof p);
        _exit(n == (ssize_t)sizeof p ? 0 : 1);
    }
    close(fds[1]);
    fx_profile p;
    size_t got = 0;
    while (got < sizeof p) {
        ssize_t n = read(fds[0], (char *)&p + got, sizeof p - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got == sizeof p) {
        profile = p;
    } else {
        snprintf(profile.why, sizeof profile.why, "the probing process died (status 0x%x) making a GL context",
                 (unsigned)status);
    }
    return &profile;
}

const char *fx_feature_name(uint32_t feature)
{
    switch (feature) {
    case FX_DSA: return "DSA (GL 4.5 or ARB_direct_state_access)";
    case FX_BUFFER_STORAGE: return "immutable storage (GL 4.4 or ARB_buffer_storage)";
    case FX_DEBUG: return "KHR_debug (GL 4.3)";
    case FX_GL_4_3: return "GL 4.3";
    default: return "several features";
    }
}
