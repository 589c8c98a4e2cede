/* gl_fixture.c - per-test headless GL context and glbuf_ctx, and the runner
 * that reports the profile and its skips (gl_fixture.h). */
#define _GNU_SOURCE
#include "gl_fixture.h"

#include <errno.h> /* program_invocation_short_name */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

glbuf_headless *fx_headless;
glbuf_ctx *fx_ctx;
GladGLContext *fx_gl;
GladGLContext *fx_lib_gl;
int fx_errors_logged;

static void fx_log(glbuf_log_level level, const char *message, void *user)
{
    (void)user;
    if (level == GLBUF_LOG_ERROR) {
        fx_errors_logged++;
    }
    if (level <= GLBUF_LOG_WARNING || getenv("GLBUF_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "[glbuf %d] %s\n", (int)level, message);
    }
}

static void setup_with(uint32_t disable_caps)
{
    char why[256] = "";
    glbuf_headless_desc hd = fx_profile_headless_desc(1);
    fx_headless = glbuf_headless_create(&hd, why, sizeof why);
    ck_assert_msg(fx_headless != NULL, "headless context: %s", why);
    fx_gl = fx_own_gl_load();
    ck_assert_msg(fx_gl != NULL, "glad could not load the test's GL table");
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.logger.log = fx_log;
    desc.disable_caps = disable_caps;
    desc.validation = 1;
    fx_errors_logged = 0;
    glbuf_result r = glbuf_ctx_create(&desc, &fx_ctx);
    ck_assert_msg(r == GLBUF_OK, "glbuf_ctx_create: %s", glbuf_result_str(r));
    fx_lib_gl = glbuf_ctx_gl_table(fx_ctx);
}

void fx_setup(void) { setup_with(0); }
void fx_setup_no_dsa(void) { setup_with(GLBUF_CAP_DSA); }
void fx_setup_no_storage(void) { setup_with(GLBUF_CAP_BUFFER_STORAGE); }

void fx_teardown(void)
{
    glbuf_ctx_destroy(fx_ctx);
    fx_ctx = NULL;
    glbuf_headless_destroy(fx_headless);
    fx_headless = NULL;
    fx_gl = NULL;
    fx_lib_gl = NULL;
}

/* ---- TCases per path ------------------------------------------------------- */

/* TCase names must outlive the suite: Check keeps the pointer. */
static char tcase_names[64][96];
static int tcase_names_used;
/* The paths the suite runs, for the report: "dsa+storage, no-dsa, ...". */
static char paths_run[160];

static void note_path(const char *path)
{
    if (strstr(paths_run, path) == NULL) {
        size_t len = strlen(paths_run);
        snprintf(paths_run + len, sizeof paths_run - len, "%s%s", len ? ", " : "", path);
    }
}

/* Check's fixtures take no argument and tcase_name() names the test, not
 * the TCase: each TCase gets a setup of its own that records its name (for
 * skip lines) and calls the real setup. */
static void (*tcase_setups[64])(void);
static void (*tcase_prepares[64])(void);
static const char *tcase_running = "?";

#define FX_ENTER(i)                                                                                             \
    static void enter_##i(void)                                                                                 \
    {                                                                                                           \
        tcase_running = tcase_names[i];                                                                         \
        if (tcase_prepares[i] != NULL) {                                                                        \
            tcase_prepares[i]();                                                                                \
        }                                                                                                       \
        tcase_setups[i]();                                                                                      \
    }
#define FX_ENTER10(t) FX_ENTER(t##0) FX_ENTER(t##1) FX_ENTER(t##2) FX_ENTER(t##3) FX_ENTER(t##4) FX_ENTER(t##5) \
    FX_ENTER(t##6) FX_ENTER(t##7) FX_ENTER(t##8) FX_ENTER(t##9)
FX_ENTER(0) FX_ENTER(1) FX_ENTER(2) FX_ENTER(3) FX_ENTER(4) FX_ENTER(5) FX_ENTER(6) FX_ENTER(7) FX_ENTER(8) FX_ENTER(9)
FX_ENTER10(1) FX_ENTER10(2) FX_ENTER10(3) FX_ENTER10(4) FX_ENTER10(5)
FX_ENTER(60) FX_ENTER(61) FX_ENTER(62) FX_ENTER(63)
#define FX_ENTRY10(t) enter_##t##0, enter_##t##1, enter_##t##2, enter_##t##3, enter_##t##4, enter_##t##5, \
    enter_##t##6, enter_##t##7, enter_##t##8, enter_##t##9
static void (*const tcase_enter[64])(void) = {
    enter_0, enter_1, enter_2, enter_3, enter_4, enter_5, enter_6, enter_7, enter_8, enter_9,
    FX_ENTRY10(1), FX_ENTRY10(2), FX_ENTRY10(3), FX_ENTRY10(4), FX_ENTRY10(5),
    enter_60, enter_61, enter_62, enter_63};

static void (*next_prepare)(void); /* for the TCases fx_add_tcases_with adds */

void fx_add_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void),
                  void (*add_tests)(TCase *tc))
{
    if (tcase_names_used == 64) { /* outside a test: ck_assert would not report */
        fprintf(stderr, "fx_add_tcase: more than 64 TCases\n");
        abort();
    }
    int i = tcase_names_used++;
    snprintf(tcase_names[i], sizeof tcase_names[i], "%s", name);
    tcase_setups[i] = setup;
    tcase_prepares[i] = next_prepare;
    TCase *tc = tcase_create(tcase_names[i]);
    tcase_add_checked_fixture(tc, tcase_enter[i], teardown);
    tcase_set_timeout(tc, 120);
    add_tests(tc);
    suite_add_tcase(s, tc);
}

void fx_add_tcases_with(Suite *s, const char *name, void (*add_tests)(TCase *tc), int all_paths,
                        void (*prepare)(void))
{
    next_prepare = prepare;
    fx_add_tcases(s, name, add_tests, all_paths);
    next_prepare = NULL;
}

void fx_add_tcases(Suite *s, const char *name, void (*add_tests)(TCase *tc), int all_paths)
{
    const fx_profile *p = fx_profile_get();
    void (*setups[3])(void) = {fx_setup, fx_setup_no_dsa, fx_setup_no_storage};
    const char *suffix[3] = {"", "/no-dsa", "/no-storage"};
    /* A variant that disables what the profile lacks is the plain case again. */
    const uint32_t needs[3] = {0, FX_DSA, FX_BUFFER_STORAGE};
    for (int i = 0; i < (all_paths ? 3 : 1); i++) {
        if ((p->features & needs[i]) != needs[i]) {
            continue;
        }
        char full[96];
        snprintf(full, sizeof full, "%s%s", name, suffix[i]);
        fx_add_tcase(s, full, setups[i], fx_teardown, add_tests);
    }
    note_path((p->features & FX_DSA) ? "dsa" : "bind-to-edit");
    note_path((p->features & FX_BUFFER_STORAGE) ? "storage" : "mutable");
    if (all_paths && (p->features & FX_DSA)) {
        note_path("bind-to-edit");
    }
    if (all_paths && (p->features & FX_BUFFER_STORAGE)) {
        note_path("mutable");
    }
}

/* ---- skips ------------------------------------------------------------------
 * Check runs each test in a child process; a skip is appended to a file the
 * runner made before forking, one line per skip, and read back at the end. */

static FILE *skip_log;

int fx_has(uint32_t features)
{
    return (fx_profile_get()->features & features) == features;
}

void fx_skip(const char *test_fn, const char *fmt, ...)
{
    char name[128];
    snprintf(name, sizeof name, "%s", test_fn);
    size_t len = strlen(name);
    if (len > 3 && strcmp(name + len - 3, "_fn") == 0) { /* START_TEST's function suffix */
        name[len - 3] = '\0';
    }
    char why[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    char line[512];
    int n = snprintf(line, sizeof line, "%s:%s\t%s\n", tcase_running, name, why);
    if (skip_log != NULL && n > 0) {
        /* one write per line: the children append one after the other */
        (void)!write(fileno(skip_log), line, strlen(line));
    }
}

int fx_skip_unless(uint32_t features, const char *test_fn, const char *what)
{
    if (fx_has(features)) {
        return 0;
    }
    const fx_profile *p = fx_profile_get();
    fx_skip(test_fn, "%s needs %s; GL %d.%d here", what, fx_feature_name(features & ~p->features), p->major,
            p->minor);
    return 1;
}

/* ---- the runner ------------------------------------------------------------- */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fprintf(out, "\\%c", *s);
        } else if ((unsigned char)*s < 0x20) {
            fprintf(out, "\\u%04x", (unsigned)(unsigned char)*s);
        } else {
            fputc(*s, out);
        }
    }
    fputc('"', out);
}

static int give_up(const char *why)
{
    int required = getenv("GLBUF_TEST_REQUIRE_GL") != NULL;
    fprintf(stderr, "%s: %s\n", required ? "FAIL (GLBUF_TEST_REQUIRE_GL is set)" : "SKIP", why);
    return required ? EXIT_FAILURE : 77;
}

int fx_run(Suite *s)
{
    const fx_profile *p = fx_profile_get();
    const char *suite_name = program_invocation_short_name;
    if (!p->available) {
        printf("glbuf-profile: {\"suite\": ");
        json_string(stdout, suite_name);
        printf(", \"asked\": \"%d.%d\", \"available\": false, \"why\": ", p->asked_major, p->asked_minor);
        json_string(stdout, p->why);
        printf("}\n");
        fflush(stdout);
        srunner_free(srunner_create(s)); /* frees the suite */
        return give_up(p->why);
    }
    printf("GL profile: asked for %d.%d or older, got %s (%s); %s%s%s%s\n", p->asked_major, p->asked_minor,
           p->version, p->renderer, p->core ? "core" : "compatibility", (p->features & FX_DSA) ? ", DSA" : "",
           (p->features & FX_BUFFER_STORAGE) ? ", ARB_buffer_storage" : "", (p->features & FX_DEBUG) ? ", KHR_debug" : "");
    fflush(stdout);
    skip_log = tmpfile();
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int run = srunner_ntests_run(sr);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    /* the skip lines, printed and counted */
    int skipped = 0;
    printf("glbuf-profile: {\"suite\": ");
    json_string(stdout, suite_name);
    printf(", \"asked\": \"%d.%d\", \"available\": true, \"gl\": \"%d.%d\", \"core\": %s, \"version\": ", p->asked_major,
           p->asked_minor, p->major, p->minor, p->core ? "true" : "false");
    json_string(stdout, p->version);
    printf(", \"renderer\": ");
    json_string(stdout, p->renderer);
    printf(", \"paths\": ");
    if (paths_run[0] == '\0') { /* suites that pick their own paths take them all */
        note_path((p->features & FX_DSA) ? "dsa" : "bind-to-edit");
        note_path((p->features & FX_BUFFER_STORAGE) ? "storage" : "mutable");
        note_path("bind-to-edit");
        note_path("mutable");
    }
    json_string(stdout, paths_run);
    printf(", \"skips\": [");
    if (skip_log != NULL) {
        char line[512];
        rewind(skip_log);
        while (fgets(line, sizeof line, skip_log) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            char *tab = strchr(line, '\t');
            if (tab == NULL) {
                continue;
            }
            *tab = '\0';
            printf("%s{\"test\": ", skipped ? ", " : "");
            json_string(stdout, line);
            printf(", \"why\": ");
            json_string(stdout, tab + 1);
            printf("}");
            fprintf(stderr, "SKIP %s: %s\n", line, tab + 1);
            skipped++;
        }
        fclose(skip_log);
        skip_log = NULL;
    }
    printf("], \"run\": %d, \"passed\": %d, \"failed\": %d, \"skipped\": %d}\n", run, run - failed - skipped, failed,
           skipped);
    fflush(stdout);
    fprintf(stderr, "%d tests on GL %d.%d: %d passed, %d failed, %d skipped\n", run, p->major, p->minor,
            run - failed - skipped, failed, skipped);
    if (failed != 0) {
        return EXIT_FAILURE;
    }
    if (run > 0 && skipped == run) {
        return give_up("every test of the suite was skipped on this profile");
    }
    return EXIT_SUCCESS;
}

void fx_read(uint32_t name, uint64_t offset, uint64_t size, void *out)
{
    fx_gl->GetNamedBufferSubData(name, (GLintptr)offset, (GLsizeiptr)size, out);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
}

GLuint fx_new_buffer(uint64_t size)
{
    GLuint name = fx_own_gl_new_buffer(fx_gl, size);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    return name;
}

static uint8_t pattern_byte(uint64_t i, uint32_t seed)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xBF58476D1CE4E5B9ull);
    x ^= x >> 29;
    return (uint8_t)(x ^ (x >> 17));
}

void fx_pattern(void *p, uint64_t size, uint32_t seed)
{
    uint8_t *b = p;
    for (uint64_t i = 0; i < size; i++) {
        b[i] = pattern_byte(i, seed);
    }
}

void fx_check_pattern(const void *p, uint64_t size, uint32_t seed)
{
    const uint8_t *b = p;
    for (uint64_t i = 0; i < size; i++) {
        if (b[i] != pattern_byte(i, seed)) {
            ck_abort_msg("byte %llu is 0x%02x, expected 0x%02x (seed %u)", (unsigned long long)i, b[i],
                         pattern_byte(i, seed), seed);
        }
    }
}

/* ---- GL_OUT_OF_MEMORY injection ---------------------------------------------- */

static struct {
    GLsizeiptr size;
    GLuint name;
    int drop_store;
    int pending, hits;
    PFNGLNAMEDBUFFERSTORAGEPROC named_storage;
    PFNGLBUFFERSTORAGEPROC bound_storage;
    PFNGLNAMEDBUFFERDATAPROC named_data;
    PFNGLBUFFERDATAPROC bound_data;
    PFNGLGETERRORPROC get_error;
} oom;

static int oom_named_hit(GLuint name, GLsizeiptr size)
{
    if (size != oom.size || (oom.name != 0 && name != oom.name)) {
        return 0;
    }
    oom.hits++;
    oom.pending = 1;
    return 1;
}

static int oom_bound_hit(GLenum target, GLsizeiptr size)
{
    GLint bound = 0;
    if (oom.name != 0) {
        fx_lib_gl->GetIntegerv(GL_COPY_WRITE_BUFFER_BINDING, &bound);
        if (target != GL_COPY_WRITE_BUFFER || (GLuint)bound != oom.name) {
            return 0;
        }
    }
    return oom_named_hit(oom.name, size);
}

static void GLAD_API_PTR oom_named_storage(GLuint name, GLsizeiptr size, const void *data, GLbitfield flags)
{
    if (!oom_named_hit(name, size)) {
        oom.named_storage(name, size, data, flags);
    }
}

static void GLAD_API_PTR oom_bound_storage(GLenum target, GLsizeiptr size, const void *data, GLbitfield flags)
{
    if (!oom_bound_hit(target, size)) {
        oom.bound_storage(target, size, data, flags);
    }
}

static void GLAD_API_PTR oom_named_data(GLuint name, GLsizeiptr size, const void *data, GLenum usage)
{
    if (!oom_named_hit(name, size)) {
        oom.named_data(name, size, data, usage);
    } else if (oom.drop_store) {
        oom.named_data(name, 1, NULL, usage);
    }
}

static void GLAD_API_PTR oom_bound_data(GLenum target, GLsizeiptr size, const void *data, GLenum usage)
{
    if (!oom_bound_hit(target, size)) {
        oom.bound_data(target, size, data, usage);
    } else if (oom.drop_store) {
        oom.bound_data(target, 1, NULL, usage);
    }
}

static GLenum GLAD_API_PTR oom_get_error(void)
{
    if (oom.pending) {
        oom.pending = 0;
        return GL_OUT_OF_MEMORY;
    }
    return oom.get_error();
}

void fx_inject_oom(GLsizeiptr size, GLuint name, int drop_store)
{
    memset(&oom, 0, sizeof oom);
    oom.size = size;
    oom.name = name;
    oom.drop_store = drop_store;
    oom.named_storage = fx_lib_gl->NamedBufferStorage;
    oom.bound_storage = fx_lib_gl->BufferStorage;
    oom.named_data = fx_lib_gl->NamedBufferData;
    oom.bound_data = fx_lib_gl->BufferData;
    oom.get_error = fx_lib_gl->GetError;
    fx_lib_gl->NamedBufferStorage = oom_named_storage;
    fx_lib_gl->BufferStorage = oom_bound_storage;
    fx_lib_gl->NamedBufferData = oom_named_data;
    fx_lib_gl->BufferData = oom_bound_data;
    fx_lib_gl->GetError = oom_get_error;
}

int fx_oom_hits(void)
{
    return oom.hits;
}

void fx_stop_injecting(void)
{
    fx_lib_gl->NamedBufferStorage = oom.named_storage;
    fx_lib_gl->BufferStorage = oom.bound_storage;
    fx_lib_gl->NamedBufferData = oom.named_data;
    fx_lib_gl->BufferData = oom.bound_data;
    fx_lib_gl->GetError = oom.get_error;
}

/* ---- a slow GPU ------------------------------------------------------------------ */

static PFNGLCLIENTWAITSYNCPROC real_client_wait;

static GLenum GLAD_API_PTR slow_gpu_client_wait(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    if (timeout == 0) {
        return GL_TIMEOUT_EXPIRED;
    }
    return real_client_wait(sync, flags, timeout);
}

void fx_simulate_slow_gpu(int on)
{
    if (on) {
        real_client_wait = fx_lib_gl->ClientWaitSync;
        fx_lib_gl->ClientWaitSync = slow_gpu_client_wait;
    } else {
        fx_lib_gl->ClientWaitSync = real_client_wait;
    }
}
