/* gl_fixture.h - Check fixtures that make a fresh headless GL context and a
 * glbuf_ctx inside each test (never before Check forks), and the runner that
 * reports "skipped" (exit 77) when no GL context can be made. */
#ifndef GLBUF_GL_FIXTURE_H
#define GLBUF_GL_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include "ctx_internal.h"
#include "headless.h"

extern glbuf_headless *fx_headless;
extern glbuf_ctx *fx_ctx;
/* glbuf's own table: tests read back through it without being counted, and
 * replace entries in it to inject failures. */
extern GladGLContext *fx_gl;
/* Lines logged at GLBUF_LOG_ERROR since setup. */
extern int fx_errors_logged;

/* Checked-fixture setups: every capability, no DSA (bind-to-edit path),
 * no ARB_buffer_storage (fallback storage). */
void fx_setup(void);
void fx_setup_no_dsa(void);
void fx_setup_no_storage(void);
void fx_teardown(void);

/* Adds `tc` to `s` three times, once per fixture above, named
 * "<name>", "<name>/no-dsa", "<name>/no-storage" — or only the first when
 * all_paths is 0. Every TCase gets a 120 s timeout. */
void fx_add_tcases(Suite *s, const char *name, void (*add_tests)(TCase *tc), int all_paths);

/* Runs the suite; returns 77 without running when no GL context can be made. */
int fx_run(Suite *s);

/* GL_OUT_OF_MEMORY on demand: the storage calls (glBufferData,
 * glNamedBufferData, glBufferStorage, glNamedBufferStorage) of exactly `size`
 * bytes do not run, and the next glGetError reports GL_OUT_OF_MEMORY. With
 * `name` non-zero only that buffer's calls fail (the bind path is matched
 * through GL_COPY_WRITE_BUFFER, where glbuf edits). With `drop_store` a
 * failing glBufferData first shrinks the store to 1 byte, as a driver that
 * releases the old store does. fx_oom_hits counts the failed calls. */
void fx_inject_oom(GLsizeiptr size, GLuint name, int drop_store);
int fx_oom_hits(void);
void fx_stop_injecting(void);

/* A slow GPU: while on, a non-blocking fence poll (timeout 0) always finds
 * the fence pending; a blocking wait really waits. */
void fx_simulate_slow_gpu(int on);

/* Reads a buffer back through GL. */
void fx_read(uint32_t name, uint64_t offset, uint64_t size, void *out);

/* Fills `p` with a byte pattern that depends on `seed` and the position. */
void fx_pattern(void *p, uint64_t size, uint32_t seed);
/* Asserts `p` holds that pattern (with ck_assert; names the first bad byte). */
void fx_check_pattern(const void *p, uint64_t size, uint32_t seed);

#endif /* GLBUF_GL_FIXTURE_H */
