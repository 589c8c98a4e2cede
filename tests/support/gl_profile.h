/* gl_profile.h - the GL profile a test run gets: the newest context the
 * driver offers at or below the version asked for in GLBUF_TEST_GL ("4.1";
 * default 4.5), and the features it has. CTest runs every GL suite once per
 * profile (tests/CMakeLists.txt); Mesa is made to pose as an older driver
 * there with MESA_GL_VERSION_OVERRIDE and MESA_EXTENSION_OVERRIDE. */
#ifndef GLBUF_GL_PROFILE_H
#define GLBUF_GL_PROFILE_H

#include <stdint.h>

#include "headless.h"

typedef enum fx_feature {
    FX_DSA = 1u << 0,            /* GL 4.5 or ARB_direct_state_access */
    FX_BUFFER_STORAGE = 1u << 1, /* GL 4.4 or ARB_buffer_storage */
    FX_DEBUG = 1u << 2,          /* GL 4.3 or KHR_debug: object labels, debug messages */
    FX_GL_4_3 = 1u << 3          /* GL 4.3: compute shaders, SSBOs, multi-draw indirect */
} fx_feature;

typedef struct fx_profile {
    int available;                /* 0: no usable context; `why` says why */
    int asked_major, asked_minor; /* GLBUF_TEST_GL */
    int major, minor;             /* what the driver gave */
    int core;                     /* 1: core profile */
    uint32_t features;            /* fx_feature bits */
    char version[128], renderer[128];
    char why[256];
} fx_profile;

/* Probed once per process, in a child (a context made before Check forks
 * hangs llvmpipe); later calls return the same. Never NULL. */
const fx_profile *fx_profile_get(void);

/* What to pass to glbuf_headless_create for the profile. */
glbuf_headless_desc fx_profile_headless_desc(int debug);

/* "DSA", "ARB_buffer_storage", ... for one bit; "features" for several. */
const char *fx_feature_name(uint32_t feature);

#endif /* GLBUF_GL_PROFILE_H */
