/* gl_fixture.h - Check fixtures that make a fresh headless GL context and a
 * glbuf_ctx inside each test (never before Check forks), on the GL profile
 * of the run (gl_profile.h: the newest context at or below GLBUF_TEST_GL),
 * and the runner that reports what ran, what was skipped and why. */
#ifndef GLBUF_GL_FIXTURE_H
#define GLBUF_GL_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include "ctx_internal.h"
#include "gl_profile.h"
#include "headless.h"
#include "own_gl.h"

extern glbuf_headless *fx_headless;
extern glbuf_ctx *fx_ctx;
/* The test's own GL table (own_gl.h): read back, draw and query with it.
 * It has what the profile has (plus bind-to-read stand-ins for the DSA
 * readback entry points), whatever glbuf's capability mask says. */
extern GladGLContext *fx_gl;
/* glbuf's table: replace entries in it to inject failures into glbuf. */
extern GladGLContext *fx_lib_gl;
/* Lines logged at GLBUF_LOG_ERROR since setup. */
extern int fx_errors_logged;

/* Checked-fixture setups: every capability the profile has, no DSA
 * (bind-to-edit path), no ARB_buffer_storage (fallback storage). */
void fx_setup(void);
void fx_setup_no_dsa(void);
void fx_setup_no_storage(void);
void fx_teardown(void);

/* Adds the tests of `add_tests` to `s` once per path the profile can take,
 * as TCases "<name>", "<name>/no-dsa" (only when the profile has DSA) and
 * "<name>/no-storage" (only when it has ARB_buffer_storage): on a profile
 * without a capability the plain case already runs that fallback. With
 * all_paths 0, only "<name>". Every TCase gets a 120 s timeout. */
void fx_add_tcases(Suite *s, const char *name, void (*add_tests)(TCase *tc), int all_paths);
/* The same, with `prepare` called in each test's process before the setup:
 * it sets the test file's own variables for that variant (a megabuffer
 * placement, a flag), so one add_tests runs once per variant and path. */
void fx_add_tcases_with(Suite *s, const char *name, void (*add_tests)(TCase *tc), int all_paths,
                        void (*prepare)(void));
/* One TCase of that name with its own checked fixture. */
void fx_add_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void),
                  void (*add_tests)(TCase *tc));

/* Runs the suite and prints one "glbuf-profile:" JSON line (suite, profile
 * asked and given, renderer, paths, tests run / passed / failed / skipped
 * with each skip's test and reason; tools/tested-on.py reads it).
 * Returns 77 (CTest: skipped) without running when the profile has no usable
 * context, or when every test was skipped; with GLBUF_TEST_REQUIRE_GL set
 * (CI) those are failures (1) instead. */
int fx_run(Suite *s);

/* Whether the profile of this run has every fx_feature bit in `features`. */
int fx_has(uint32_t features);

/* In a test: skips it, by name and with the reason, unless the profile has
 * `features`; `what` names what the test needs them for. Returns from the
 * test. */
#define FX_REQUIRE(features, what)                                                                              \
    do {                                                                                                        \
        if (fx_skip_unless((features), __func__, (what))) {                                                     \
            return;                                                                                             \
        }                                                                                                       \
    } while (0)
int fx_skip_unless(uint32_t features, const char *test_fn, const char *what);
/* In a test: skips it, by name, for the reason given (printf format). */
#define FX_SKIP(...)                                                                                            \
    do {                                                                                                        \
        fx_skip(__func__, __VA_ARGS__);                                                                         \
        return;                                                                                                 \
    } while (0)
void fx_skip(const char *test_fn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* Reads a buffer back through the test's table (bind-to-read without DSA). */
void fx_read(uint32_t name, uint64_t offset, uint64_t size, void *out);
/* A scratch GL buffer of `size` bytes for the GPU to write results into. */
GLuint fx_new_buffer(uint64_t size);

/* Fills `p` with a byte pattern that depends on `seed` and the position. */
void fx_pattern(void *p, uint64_t size, uint32_t seed);
/* Asserts `p` holds that pattern (with ck_assert; names the first bad byte). */
void fx_check_pattern(const void *p, uint64_t size, uint32_t seed);

#endif /* GLBUF_GL_FIXTURE_H */
