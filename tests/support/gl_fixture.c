/* gl_fixture.c - per-test headless GL context and glbuf_ctx (gl_fixture.h). */
#include "gl_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

glbuf_headless *fx_headless;
glbuf_ctx *fx_ctx;
GladGLContext *fx_gl;
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
    glbuf_headless_desc hd = {4, 5, 1};
    fx_headless = glbuf_headless_create(&hd, why, sizeof why);
    ck_assert_msg(fx_headless != NULL, "headless context: %s", why);
    glbuf_ctx_desc desc = {0};
    desc.get_proc_address = glbuf_headless_get_proc;
    desc.logger.log = fx_log;
    desc.disable_caps = disable_caps;
    desc.validation = 1;
    fx_errors_logged = 0;
    glbuf_result r = glbuf_ctx_create(&desc, &fx_ctx);
    ck_assert_msg(r == GLBUF_OK, "glbuf_ctx_create: %s", glbuf_result_str(r));
    fx_gl = glbuf_ctx_gl_table(fx_ctx);
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
}

void fx_add_tcases(Suite *s, const char *name, void (*add_tests)(TCase *tc), int all_paths)
{
    static char names[64][96];
    static int used;
    void (*setups[3])(void) = {fx_setup, fx_setup_no_dsa, fx_setup_no_storage};
    const char *suffix[3] = {"", "/no-dsa", "/no-storage"};
    for (int i = 0; i < (all_paths ? 3 : 1) && used < 64; i++) {
        snprintf(names[used], sizeof names[used], "%s%s", name, suffix[i]);
        TCase *tc = tcase_create(names[used++]);
        tcase_add_checked_fixture(tc, setups[i], fx_teardown);
        tcase_set_timeout(tc, 120);
        add_tests(tc);
        suite_add_tcase(s, tc);
    }
}

int fx_run(Suite *s)
{
    if (!glbuf_headless_available()) {
        fprintf(stderr, "SKIP: no headless GL 4.5 context on this machine\n");
        srunner_free(srunner_create(s)); /* frees the suite */
        return 77;
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void fx_read(uint32_t name, uint64_t offset, uint64_t size, void *out)
{
    fx_gl->GetNamedBufferSubData(name, (GLintptr)offset, (GLsizeiptr)size, out);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
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
        fx_gl->GetIntegerv(GL_COPY_WRITE_BUFFER_BINDING, &bound);
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
    oom.named_storage = fx_gl->NamedBufferStorage;
    oom.bound_storage = fx_gl->BufferStorage;
    oom.named_data = fx_gl->NamedBufferData;
    oom.bound_data = fx_gl->BufferData;
    oom.get_error = fx_gl->GetError;
    fx_gl->NamedBufferStorage = oom_named_storage;
    fx_gl->BufferStorage = oom_bound_storage;
    fx_gl->NamedBufferData = oom_named_data;
    fx_gl->BufferData = oom_bound_data;
    fx_gl->GetError = oom_get_error;
}

int fx_oom_hits(void)
{
    return oom.hits;
}

void fx_stop_injecting(void)
{
    fx_gl->NamedBufferStorage = oom.named_storage;
    fx_gl->BufferStorage = oom.bound_storage;
    fx_gl->NamedBufferData = oom.named_data;
    fx_gl->BufferData = oom.bound_data;
    fx_gl->GetError = oom.get_error;
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
        real_client_wait = fx_gl->ClientWaitSync;
        fx_gl->ClientWaitSync = slow_gpu_client_wait;
    } else {
        fx_gl->ClientWaitSync = real_client_wait;
    }
}
