/* headless.h - a GL core context with no window: EGL on Mesa's
 * surfaceless platform, or on the device platform (NVIDIA). Shared by the
 * tests, the benchmark and the demo's --headless mode. */
#ifndef GLBUF_HEADLESS_H
#define GLBUF_HEADLESS_H

#include "glbuf/ctx.h"

typedef struct glbuf_headless glbuf_headless;

typedef struct glbuf_headless_desc {
    int gl_major, gl_minor; /* the newest version wanted; default 4.5 */
    int debug;              /* non-zero: a debug context */
} glbuf_headless_desc;

/* Creates the newest core-profile context the driver offers at or below
 * gl_major.gl_minor (down to 3.2) and makes it current on this thread. A
 * driver may still hand out a newer version than asked for (EGL allows a
 * backward-compatible one): read GL_VERSION. NULL on failure, with the reason
 * in `why` (may be NULL), why_size bytes. */
glbuf_headless *glbuf_headless_create(const glbuf_headless_desc *desc, char *why, size_t why_size);
/* The same with the compatibility profile (a legacy context below 3.2),
 * down to GL 2.0. */
glbuf_headless *glbuf_headless_create_compatibility(const glbuf_headless_desc *desc, char *why, size_t why_size);
void glbuf_headless_destroy(glbuf_headless *h);

/* eglGetProcAddress, in the type glbuf_ctx_desc wants. */
glbuf_gl_proc glbuf_headless_get_proc(const char *name);

/* Whether a context can be made at all, probed in a child process so that no
 * context exists in this one (a context made before Check forks hangs
 * llvmpipe). Returns 1 or 0; prints the reason to stderr when 0. */
int glbuf_headless_available(void);

#endif /* GLBUF_HEADLESS_H */
