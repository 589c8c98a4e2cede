/* test_readback.c - glbuf_readback on a real headless context, on the DSA
 * path, the bind-to-edit path and the PBO-style path (no ARB_buffer_storage),
 * on every GL profile: a GPU pass (a compute shader where the profile has
 * GL 4.3, transform feedback everywhere) writes a pattern that depends on the
 * frame into a buffer, its ranges are requested back with several frames in flight, and every
 * byte read through a request's pointer is checked against the pattern;
 * polls never block, waits time out, released bytes are reused, the ring
 * grows under requests in flight and trims after frames of low use; bad
 * input and stale handles change nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/buffer.h"
#include "glbuf/readback.h"

/* ---- the GPU writer: a pass whose output depends on the frame ------------------------
 * Two writers produce the same words: a compute shader into an SSBO (GL 4.3)
 * and, on every profile, a vertex shader whose output transform feedback
 * captures (GL 3.0; one point per word, rasterizer discarded). Either way
 * the bytes are written by the GPU, never seen by the CPU before readback. */

static const char *const compute_source =
    "#version 430\n"
    "layout(local_size_x = 64) in;\n"
    "layout(std430, binding = 0) writeonly buffer Out { uint v[]; };\n"
    "layout(location = 0) uniform uint frame;\n"
    "layout(location = 1) uniform uint count;\n"
    "void main() {\n"
    "    uint i = gl_GlobalInvocationID.x;\n"
    "    if (i < count) v[i] = (i * 2654435761u) ^ (frame * 40503u + 7u);\n"
    "}\n";

static const char *const feedback_source =
    "#version 330 core\n"
    "uniform uint frame;\n"
    "flat out uint v;\n"
    "void main() {\n"
    "    uint i = uint(gl_VertexID);\n"
    "    v = (i * 2654435761u) ^ (frame * 40503u + 7u);\n"
    "    gl_Position = vec4(0.0);\n"
    "}\n";

static uint32_t expected_word(uint32_t i, uint32_t frame)
{
    return (i * 2654435761u) ^ (frame * 40503u + 7u);
}

#define SSBO_WORDS 65536u
#define SSBO_BYTES ((uint64_t)SSBO_WORDS * 4u)

typedef enum writer_kind { WRITER_COMPUTE, WRITER_FEEDBACK } writer_kind;

typedef struct writer {
    writer_kind kind;
    GLuint program;
    GLint frame_location;
    GLuint vao, fbo, rb; /* transform feedback draws: a surfaceless context needs a framebuffer object */
    GLuint ssbo;         /* what the GPU writes (an SSBO or the feedback buffer) */
} writer;

static void check_linked(GLuint program, const char *what)
{
    GLint linked = 0;
    fx_gl->GetProgramiv(program, GL_LINK_STATUS, &linked);
    if (!linked) {
        char log[1024] = "";
        fx_gl->GetProgramInfoLog(program, sizeof log, NULL, log);
        ck_abort_msg("%s shader: %s", what, log);
    }
}

static writer make_writer_of(writer_kind kind)
{
    writer w;
    memset(&w, 0, sizeof w);
    w.kind = kind;
    if (kind == WRITER_COMPUTE) {
        GLuint cs = fx_gl->CreateShader(GL_COMPUTE_SHADER);
        fx_gl->ShaderSource(cs, 1, &compute_source, NULL);
        fx_gl->CompileShader(cs);
        w.program = fx_gl->CreateProgram();
        fx_gl->AttachShader(w.program, cs);
        fx_gl->LinkProgram(w.program);
        fx_gl->DeleteShader(cs);
        check_linked(w.program, "compute writer");
        w.frame_location = 0;
    } else {
        GLuint vs = fx_gl->CreateShader(GL_VERTEX_SHADER);
        fx_gl->ShaderSource(vs, 1, &feedback_source, NULL);
        fx_gl->CompileShader(vs);
        w.program = fx_gl->CreateProgram();
        fx_gl->AttachShader(w.program, vs);
        const char *varying = "v";
        fx_gl->TransformFeedbackVaryings(w.program, 1, &varying, GL_INTERLEAVED_ATTRIBS);
        fx_gl->LinkProgram(w.program);
        fx_gl->DeleteShader(vs);
        check_linked(w.program, "transform feedback writer");
        w.frame_location = fx_gl->GetUniformLocation(w.program, "frame");
        ck_assert_int_ge(w.frame_location, 0);
        fx_gl->GenVertexArrays(1, &w.vao);
        fx_gl->GenRenderbuffers(1, &w.rb);
        fx_gl->BindRenderbuffer(GL_RENDERBUFFER, w.rb);
        fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, 1, 1);
        fx_gl->BindRenderbuffer(GL_RENDERBUFFER, 0);
        fx_gl->GenFramebuffers(1, &w.fbo);
        fx_gl->BindFramebuffer(GL_FRAMEBUFFER, w.fbo);
        fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, w.rb);
        ck_assert_int_eq(fx_gl->CheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
        fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    }
    w.ssbo = fx_new_buffer(SSBO_BYTES); /* mutable storage, every profile */
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    return w;
}

/* The compute writer where the profile has compute shaders, else transform
 * feedback. */
static writer make_writer(void)
{
    return make_writer_of(fx_has(FX_GL_4_3) ? WRITER_COMPUTE : WRITER_FEEDBACK);
}

static void free_writer(writer *w)
{
    fx_gl->DeleteProgram(w->program);
    fx_gl->DeleteBuffers(1, &w->ssbo);
    if (w->kind == WRITER_FEEDBACK) {
        fx_gl->DeleteVertexArrays(1, &w->vao);
        fx_gl->DeleteFramebuffers(1, &w->fbo);
        fx_gl->DeleteRenderbuffers(1, &w->rb);
    }
}

/* The GPU writes frame `frame`'s pattern over the whole buffer. After a
 * compute pass the barrier makes its writes visible to the copies issued
 * after it; transform feedback writes are ordered before later commands. */
static void gpu_write(const writer *w, uint32_t frame)
{
    fx_gl->UseProgram(w->program);
    fx_gl->Uniform1ui(w->frame_location, frame);
    if (w->kind == WRITER_COMPUTE) {
        fx_gl->Uniform1ui(1, SSBO_WORDS);
        fx_gl->BindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, w->ssbo);
        fx_gl->DispatchCompute(SSBO_WORDS / 64u, 1, 1);
        fx_gl->BindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, 0);
        fx_gl->MemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    } else {
        fx_gl->BindFramebuffer(GL_FRAMEBUFFER, w->fbo);
        fx_gl->BindVertexArray(w->vao);
        fx_gl->BindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, w->ssbo);
        fx_gl->Enable(GL_RASTERIZER_DISCARD);
        fx_gl->BeginTransformFeedback(GL_POINTS);
        fx_gl->DrawArrays(GL_POINTS, 0, (GLsizei)SSBO_WORDS);
        fx_gl->EndTransformFeedback();
        fx_gl->Disable(GL_RASTERIZER_DISCARD);
        fx_gl->BindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, 0);
        fx_gl->BindVertexArray(0);
        fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    }
    fx_gl->UseProgram(0);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
}

/* Every byte of a request of [offset, offset + size) of frame `frame`. */
static void check_bytes(const void *data, uint64_t offset, uint64_t size, uint32_t frame)
{
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq((uintptr_t)data % 64u, 0);
    const uint8_t *p = data;
    for (uint64_t b = 0; b < size; b++) {
        uint64_t at = offset + b;
        uint32_t word = expected_word((uint32_t)(at / 4u), frame);
        uint8_t want = (uint8_t)(word >> (8u * (unsigned)(at % 4u))); /* little-endian */
        if (p[b] != want) {
            ck_abort_msg("byte %llu of a request at %llu (frame %u) is 0x%02x, expected 0x%02x",
                         (unsigned long long)b, (unsigned long long)offset, frame, p[b], want);
        }
    }
}

/* ---- helpers ------------------------------------------------------------------------ */

static glbuf_readback make(uint64_t capacity, uint64_t max_capacity, uint32_t trim_frames)
{
    glbuf_readback_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = max_capacity;
    d.trim_frames = trim_frames;
    d.label = "test-readback";
    glbuf_readback rb = {0};
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &rb), GLBUF_OK);
    ck_assert_uint_ne(rb.id, 0);
    return rb;
}

static int persistent(void)
{
    return (glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0;
}

static glbuf_readback_request request(glbuf_readback rb, const writer *w, uint64_t offset, uint64_t size)
{
    glbuf_readback_request req = {0};
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w->ssbo, offset, size, &req), GLBUF_OK);
    ck_assert_uint_ne(req.id, 0);
    return req;
}

static const void *wait_data(glbuf_readback rb, glbuf_readback_request req)
{
    const void *data = NULL;
    ck_assert_int_eq(glbuf_readback_wait(fx_ctx, rb, req, UINT64_MAX, &data), GLBUF_OK);
    return data;
}

static int same_stats(glbuf_readback_stats a, glbuf_readback_stats b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- results of a compute pass, several frames in flight ------------------------------ */

typedef struct pending {
    glbuf_readback_request req;
    uint64_t offset, size;
    uint32_t frame;
} pending;

static void results_come_back_with_several_frames_in_flight(writer_kind kind)
{
    writer w = make_writer_of(kind);
    glbuf_readback rb = make(0, 0, 0);
    enum { FRAMES = 24, IN_FLIGHT = 4 };
    pending q[IN_FLIGHT];
    int head = 0, count = 0, most = 0, checked = 0;
    for (uint32_t f = 1; f <= FRAMES; f++) {
        gpu_write(&w, f);
        pending p;
        p.offset = (uint64_t)(f * 4096u) % (SSBO_BYTES / 2u) + (f % 3u) * 4u; /* not always 64-aligned */
        p.size = 8192u + f * 260u;
        p.frame = f;
        p.req = request(rb, &w, p.offset, p.size);
        q[(head + count) % IN_FLIGHT] = p;
        count++;
        most = count > most ? count : most;
        /* every frame: poll everything in flight, never an error */
        for (int i = 0; i < count; i++) {
            glbuf_result r = glbuf_readback_poll(fx_ctx, rb, q[(head + i) % IN_FLIGHT].req, NULL);
            ck_assert(r == GLBUF_OK || r == GLBUF_ERR_TIMEOUT);
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        if (count == IN_FLIGHT) {
            pending *o = &q[head];
            check_bytes(wait_data(rb, o->req), o->offset, o->size, o->frame);
            ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, o->req), GLBUF_OK);
            head = (head + 1) % IN_FLIGHT;
            count--;
            checked++;
        }
    }
    while (count > 0) {
        pending *o = &q[head];
        check_bytes(wait_data(rb, o->req), o->offset, o->size, o->frame);
        ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, o->req), GLBUF_OK);
        head = (head + 1) % IN_FLIGHT;
        count--;
        checked++;
    }
    ck_assert_int_eq(checked, FRAMES);
    ck_assert_int_eq(most, IN_FLIGHT);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.requests, FRAMES);
    ck_assert_uint_eq(st.completed, FRAMES);
    ck_assert_uint_eq(st.live_requests, 0);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_int_eq(st.persistent, persistent());
    ck_assert_uint_eq(st.fetches, persistent() ? 0 : FRAMES);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 0);
    ck_assert_int_eq(fx_errors_logged, 0);
    free_writer(&w);
}

START_TEST(compute_results_come_back_with_several_frames_in_flight)
{
    FX_REQUIRE(FX_GL_4_3, "a compute pass");
    results_come_back_with_several_frames_in_flight(WRITER_COMPUTE);
}
END_TEST

START_TEST(transform_feedback_results_come_back_with_several_frames_in_flight)
{
    results_come_back_with_several_frames_in_flight(WRITER_FEEDBACK);
}
END_TEST

START_TEST(every_memory_choice_reads_back)
{
    writer w = make_writer();
    for (int m = GLBUF_READBACK_MEMORY_DEFAULT; m < GLBUF_READBACK_MEMORY_COUNT; m++) {
        glbuf_readback_desc d = {0};
        d.memory = (glbuf_readback_memory)m;
        glbuf_readback rb = {0};
        ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &rb), GLBUF_OK);
        glbuf_readback_memory effective = glbuf_readback_get_stats(fx_ctx, rb).memory;
        if (!persistent()) {
            ck_assert_int_eq(effective, GLBUF_READBACK_MEMORY_COHERENT);
        } else if (m == GLBUF_READBACK_MEMORY_DEFAULT) {
            ck_assert_int_eq(effective, GLBUF_READBACK_MEMORY_COHERENT);
        } else {
            /* a barrier choice needs glMemoryBarrier (GL 4.2): coherent without it */
            glbuf_readback_memory want = (glbuf_readback_memory)m;
            if (fx_lib_gl->MemoryBarrier == NULL) {
                want = m == GLBUF_READBACK_MEMORY_BARRIER          ? GLBUF_READBACK_MEMORY_COHERENT
                       : m == GLBUF_READBACK_MEMORY_CLIENT_BARRIER ? GLBUF_READBACK_MEMORY_CLIENT_COHERENT
                                                                   : want;
            }
            ck_assert_int_eq(effective, want);
        }
        for (uint32_t f = 1; f <= 3; f++) {
            gpu_write(&w, 100u * (uint32_t)m + f);
            glbuf_readback_request req = request(rb, &w, 1024u * f, 40000u);
            ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
            check_bytes(wait_data(rb, req), 1024u * f, 40000u, 100u * (uint32_t)m + f);
            ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, req), GLBUF_OK);
        }
        uint64_t barriers = glbuf_ctx_get_stats(fx_ctx).calls[GLBUF_GL_MemoryBarrier];
        glbuf_readback_request req = request(rb, &w, 0, 64);
        int barrier = effective == GLBUF_READBACK_MEMORY_BARRIER || effective == GLBUF_READBACK_MEMORY_CLIENT_BARRIER;
        ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls[GLBUF_GL_MemoryBarrier],
                          barriers + (persistent() && barrier ? 1u : 0u));
        ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
        ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, req, NULL), GLBUF_ERR_INVALID_HANDLE);
    }
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 0);
    free_writer(&w);
}
END_TEST

/* ---- never blocking, and waiting with a timeout ------------------------------------- */

START_TEST(poll_never_blocks_while_the_gpu_works)
{
    writer w = make_writer();
    glbuf_readback rb = make(0, 0, 0);
    gpu_write(&w, 5);
    glbuf_readback_request req = request(rb, &w, 256, 4096);
    glbuf_ctx_stats before = glbuf_ctx_get_stats(fx_ctx);
    /* A slow GPU: a poll (timeout 0) always finds the fence pending; a poll
     * that blocked would get past the fake and see it signalled. */
    fx_simulate_slow_gpu(1);
    const void *data = (const void *)&data;
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, req, &data), GLBUF_ERR_TIMEOUT);
    }
    fx_simulate_slow_gpu(0);
    ck_assert_ptr_eq(data, (const void *)&data); /* untouched while pending */
    glbuf_ctx_stats after = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(after.fence_waits, before.fence_waits);
    ck_assert_uint_eq(after.calls[GLBUF_GL_ClientWaitSync], before.calls[GLBUF_GL_ClientWaitSync] + 100);
    ck_assert_uint_eq(after.calls[GLBUF_GL_Finish], before.calls[GLBUF_GL_Finish]);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.polls_pending, 100);
    ck_assert_uint_eq(st.waits, 0);
    ck_assert_uint_eq(st.completed, 0);
    /* the GPU catches up: the same poll now delivers */
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, req, &data), GLBUF_OK);
    check_bytes(data, 256, 4096, 5);
    /* complete: later polls make no GL call */
    glbuf_ctx_stats done = glbuf_ctx_get_stats(fx_ctx);
    const void *again = NULL;
    ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, req, &again), GLBUF_OK);
    ck_assert_ptr_eq(again, data);
    glbuf_ctx_stats later = glbuf_ctx_get_stats(fx_ctx); /* validation's glGetError aside */
    ck_assert_uint_eq(later.calls_total - later.calls[GLBUF_GL_GetError], done.calls_total - done.calls[GLBUF_GL_GetError]);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, req), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

/* A GPU that never finishes: every wait, whatever its timeout, expires. */
static PFNGLCLIENTWAITSYNCPROC real_client_wait;
static GLuint64 last_timeout;

static GLenum GLAD_API_PTR stuck_gpu_client_wait(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    (void)sync;
    (void)flags;
    last_timeout = timeout;
    return GL_TIMEOUT_EXPIRED;
}

START_TEST(wait_times_out_and_changes_nothing)
{
    writer w = make_writer();
    glbuf_readback rb = make(0, 0, 0);
    gpu_write(&w, 9);
    glbuf_readback_request req = request(rb, &w, 0, 65536);
    glbuf_readback_stats before = glbuf_readback_get_stats(fx_ctx, rb);
    real_client_wait = fx_lib_gl->ClientWaitSync;
    fx_lib_gl->ClientWaitSync = stuck_gpu_client_wait;
    const void *data = NULL;
    ck_assert_int_eq(glbuf_readback_wait(fx_ctx, rb, req, 1000000u, &data), GLBUF_ERR_TIMEOUT);
    ck_assert_uint_eq(last_timeout, 1000000u); /* the caller's timeout reached GL */
    ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, req, &data), GLBUF_ERR_TIMEOUT);
    fx_lib_gl->ClientWaitSync = real_client_wait;
    ck_assert_ptr_null(data);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.waits, before.waits + 1);
    ck_assert_uint_eq(st.timeouts, before.timeouts + 1);
    ck_assert_uint_eq(st.live_requests, 1);
    ck_assert_uint_eq(st.completed, 0);
    /* still in flight and intact: a real wait delivers it */
    ck_assert_int_eq(glbuf_readback_wait(fx_ctx, rb, req, 10u * 1000000000u, &data), GLBUF_OK);
    check_bytes(data, 0, 65536, 9);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, req), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

/* ---- release and reuse ---------------------------------------------------------------- */

START_TEST(released_bytes_are_reused)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 4096, 0);
    gpu_write(&w, 1);
    glbuf_readback_request a = request(rb, &w, 0, 4096);
    const void *pa = wait_data(rb, a);
    check_bytes(pa, 0, 4096, 1);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, a), GLBUF_OK);
    /* the whole ring again, the same bytes, new contents */
    gpu_write(&w, 2);
    glbuf_readback_request b = request(rb, &w, 8192, 4096);
    const void *pb = wait_data(rb, b);
    ck_assert_ptr_eq(pb, pa);
    check_bytes(pb, 8192, 4096, 2);
    ck_assert_uint_eq(glbuf_readback_get_stats(fx_ctx, rb).growths, 0);
    /* a released handle is stale: refused everywhere, nothing changes */
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, a, NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_readback_wait(fx_ctx, rb, a, 0, NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, a), GLBUF_ERR_INVALID_HANDLE);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, b), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

START_TEST(out_of_order_release_reuses_bytes_once_the_older_ones_go)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 4096, 0);
    gpu_write(&w, 3);
    glbuf_readback_request a = request(rb, &w, 0, 1024);
    glbuf_readback_request b = request(rb, &w, 1024, 1024);
    glbuf_readback_request c = request(rb, &w, 2048, 1024);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, b), GLBUF_OK);
    /* b's bytes sit behind a: 1 KiB is left after c, not 2 */
    glbuf_readback_request d = {0};
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, 2048, &d), GLBUF_ERR_FULL);
    ck_assert_uint_eq(d.id, 0);
    d = request(rb, &w, 3072, 1024);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, a), GLBUF_OK); /* a and b go back */
    gpu_write(&w, 4);
    glbuf_readback_request e = request(rb, &w, 4096, 2048);
    check_bytes(wait_data(rb, c), 2048, 1024, 3);
    check_bytes(wait_data(rb, d), 3072, 1024, 3);
    check_bytes(wait_data(rb, e), 4096, 2048, 4);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.live_requests, 3);
    ck_assert_uint_eq(st.bytes_live, 4096);
    ck_assert_uint_eq(st.growths, 0);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

START_TEST(full_at_max_capacity_changes_nothing)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 4096, 0);
    gpu_write(&w, 6);
    glbuf_readback_request a = request(rb, &w, 0, 2048);
    glbuf_readback_request b = request(rb, &w, 2048, 2048);
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    glbuf_readback_request c = {0};
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, 64, &c), GLBUF_ERR_FULL);
    ck_assert_uint_eq(c.id, 0);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, cs.calls_total);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, a), GLBUF_OK);
    gpu_write(&w, 7);
    c = request(rb, &w, 4096, 2048);
    check_bytes(wait_data(rb, b), 2048, 2048, 6);
    check_bytes(wait_data(rb, c), 4096, 2048, 7);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

/* ---- growth and trim ---------------------------------------------------------------------- */

START_TEST(the_ring_grows_with_requests_in_flight)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 1u << 20, 0);
    enum { N = 12 };
    glbuf_readback_request req[N];
    for (uint32_t i = 0; i < N; i++) {
        gpu_write(&w, 50u + i);
        req[i] = request(rb, &w, 4096u * i, 3000u + 100u * i);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_ge(st.growths, 2);
    ck_assert_uint_ge(st.rings_retired, 1);
    ck_assert_uint_gt(st.capacity, 4096);
    ck_assert_uint_eq(st.live_requests, N);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 1u + st.rings_retired);
    /* every request, in the old rings too, reads back its own frame */
    for (uint32_t i = 0; i < N; i++) {
        check_bytes(wait_data(rb, req[i]), 4096u * i, 3000u + 100u * i, 50u + i);
    }
    for (uint32_t i = 0; i < N; i++) {
        ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, req[i]), GLBUF_OK);
    }
    st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.rings_retired, 0);
    ck_assert_uint_eq(st.bytes_held, st.capacity);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 1);
    /* one request bigger than the ring and everything in it */
    gpu_write(&w, 99);
    glbuf_readback_request big = request(rb, &w, 0, SSBO_BYTES);
    check_bytes(wait_data(rb, big), 0, SSBO_BYTES, 99);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 0);
    free_writer(&w);
}
END_TEST

START_TEST(the_ring_trims_after_frames_of_low_use)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 1u << 20, 8);
    gpu_write(&w, 1);
    glbuf_readback_request big = request(rb, &w, 0, 100000);
    check_bytes(wait_data(rb, big), 0, 100000, 1);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, big), GLBUF_OK);
    uint64_t grown = glbuf_readback_get_stats(fx_ctx, rb).capacity;
    ck_assert_uint_ge(grown, 131072);
    for (uint32_t f = 2; f <= 12; f++) {
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        gpu_write(&w, f);
        glbuf_readback_request small = request(rb, &w, 64u * f, 512);
        check_bytes(wait_data(rb, small), 64u * f, 512, f);
        ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, small), GLBUF_OK);
    }
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.trims, 1);
    ck_assert_uint_eq(st.capacity, 4096); /* twice the 512 bytes in use, but not below the first ring */
    ck_assert_uint_eq(st.bytes_held, 4096);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

START_TEST(a_ring_in_use_does_not_trim)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 1u << 20, 4);
    gpu_write(&w, 1);
    glbuf_readback_request big = request(rb, &w, 0, 60000);
    uint64_t grown = glbuf_readback_get_stats(fx_ctx, rb).capacity;
    for (uint32_t f = 2; f <= 12; f++) { /* more than a quarter stays held */
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        glbuf_readback_request small = request(rb, &w, 0, 256);
        ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, small), GLBUF_OK);
    }
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    ck_assert_uint_eq(st.trims, 0);
    ck_assert_uint_eq(st.capacity, grown);
    check_bytes(wait_data(rb, big), 0, 60000, 1);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

/* ---- handles and bad input ------------------------------------------------------------------ */

START_TEST(stale_and_foreign_handles_are_rejected)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 0, 0);
    glbuf_readback other = make(4096, 0, 0);
    gpu_write(&w, 1);
    glbuf_readback_request released = request(rb, &w, 256, 256);
    glbuf_readback_request mine = request(rb, &w, 0, 256);
    glbuf_readback_request theirs = request(other, &w, 0, 256);
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, released), GLBUF_OK);
    /* the released request (the oldest, so given back at once) leaves its
     * slot to the next request: the old handle names the same slot with an
     * older generation */
    glbuf_readback_request reuse = request(rb, &w, 512, 256);
    ck_assert_uint_eq(reuse.id & 0xFFFFFFu, released.id & 0xFFFFFFu);
    ck_assert_uint_ne(reuse.id, released.id);
    const glbuf_readback_request bad[] = {
        {0},
        released,
        theirs,                          /* another readback object's */
        {mine.id ^ ((uint64_t)1 << 24)}, /* another generation */
        {mine.id + 1000u},               /* a slot never issued */
        {UINT64_MAX},
    };
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const void *data = NULL;
        ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, bad[i], &data), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_readback_wait(fx_ctx, rb, bad[i], UINT64_MAX, &data), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, bad[i]), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_ptr_null(data);
    }
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, cs.calls_total);
    /* readback handles: 0, forged, a buffer's, a destroyed one */
    glbuf_buffer_desc bd = {0};
    bd.size = 64;
    glbuf_buffer buf;
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &bd, &buf), GLBUF_OK);
    glbuf_readback dead = make(4096, 0, 0);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, dead), GLBUF_OK);
    cs = glbuf_ctx_get_stats(fx_ctx);
    const glbuf_readback bad_rb[] = {{0}, {UINT64_MAX}, {0xFFFFFFFFu}, dead};
    for (size_t i = 0; i < sizeof bad_rb / sizeof bad_rb[0]; i++) {
        glbuf_readback_request out = {0};
        ck_assert_int_eq(glbuf_readback_copy(fx_ctx, bad_rb[i], w.ssbo, 0, 64, &out), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_readback_poll(fx_ctx, bad_rb[i], mine, NULL), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_readback_wait(fx_ctx, bad_rb[i], mine, 0, NULL), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_readback_release(fx_ctx, bad_rb[i], mine), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, bad_rb[i]), GLBUF_ERR_INVALID_HANDLE);
        ck_assert_uint_eq(glbuf_readback_get_stats(fx_ctx, bad_rb[i]).capacity, 0);
        ck_assert_uint_eq(out.id, 0);
    }
    glbuf_readback as_rb = {buf.id};
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, as_rb), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_readback_poll(fx_ctx, as_rb, mine, NULL), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_readback_destroy(NULL, rb), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_readback_poll(NULL, rb, mine, NULL), GLBUF_ERR_NULL);
    ck_assert_uint_eq(glbuf_readback_get_stats(NULL, rb).capacity, 0);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, cs.calls_total);
    check_bytes(wait_data(rb, mine), 0, 256, 1);
    check_bytes(wait_data(other, theirs), 0, 256, 1);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, buf), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, other), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

START_TEST(bad_input_changes_nothing)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 1u << 16, 0);
    gpu_write(&w, 1);
    glbuf_readback_request live = request(rb, &w, 0, 1024);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
    glbuf_readback_request out = {0};
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, 64, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_readback_copy(NULL, rb, w.ssbo, 0, 64, &out), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, 0, 0, 64, &out), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, 0, &out), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, UINT64_MAX, 2, &out), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, (uint64_t)PTRDIFF_MAX, 1, &out), GLBUF_ERR_OVERFLOW);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, (1u << 16) + 1u, &out), GLBUF_ERR_TOO_LARGE);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, UINT64_MAX, &out), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(out.id, 0);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, cs.calls_total);

    glbuf_readback_desc d = {0};
    glbuf_readback made = {0};
    ck_assert_int_eq(glbuf_readback_create(NULL, &d, &made), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, NULL, &made), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, NULL), GLBUF_ERR_NULL);
    d.memory = GLBUF_READBACK_MEMORY_COUNT;
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    d.memory = (glbuf_readback_memory)-1;
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    d.memory = GLBUF_READBACK_MEMORY_DEFAULT;
    d.trim_frames = 100001;
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    d.trim_frames = 0;
    d.capacity = 8192;
    d.max_capacity = 4096;
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    d.capacity = 0;
    d.max_capacity = 32; /* below the 64-byte alignment */
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    d.max_capacity = UINT64_MAX; /* beyond GLsizeiptr */
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    d.max_capacity = 0;
    d.capacity = UINT64_MAX;
    ck_assert_int_eq(glbuf_readback_create(fx_ctx, &d, &made), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(made.id, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, cs.calls_total);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, cs.buffers_alive);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    check_bytes(wait_data(rb, live), 0, 1024, 1);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

/* ---- GL failures ------------------------------------------------------------------------------ */

START_TEST(a_copy_gl_rejects_keeps_nothing)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 0, 0);
    gpu_write(&w, 2);
    glbuf_readback_request live = request(rb, &w, 0, 1024);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    glbuf_readback_request out = {0};
    GLuint never = 0;
    fx_gl->GenBuffers(1, &never);
    fx_gl->DeleteBuffers(1, &never); /* a name that is no buffer */
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, never, 0, 64, &out), GLBUF_ERR_GL);
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, SSBO_BYTES - 64, 128, &out), GLBUF_ERR_GL);
    ck_assert_uint_eq(out.id, 0);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR); /* glbuf took its errors */
    fx_errors_logged = 0;
    /* the bytes the rejected copies would have had go to the next request */
    gpu_write(&w, 3);
    glbuf_readback_request next = request(rb, &w, 2048, 1024);
    check_bytes(wait_data(rb, live), 0, 1024, 2);
    check_bytes(wait_data(rb, next), 2048, 1024, 3);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

static GLsync GLAD_API_PTR failing_fence(GLenum condition, GLbitfield flags)
{
    (void)condition;
    (void)flags;
    return NULL;
}

START_TEST(a_failed_fence_keeps_nothing)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 0, 0);
    gpu_write(&w, 4);
    glbuf_readback_request live = request(rb, &w, 0, 1024);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    PFNGLFENCESYNCPROC real = fx_lib_gl->FenceSync;
    fx_lib_gl->FenceSync = failing_fence;
    glbuf_readback_request out = {0};
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 4096, 1024, &out), GLBUF_ERR_FENCE_FAILED);
    fx_lib_gl->FenceSync = real;
    ck_assert_uint_eq(out.id, 0);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    fx_errors_logged = 0;
    gpu_write(&w, 5); /* the next request lands on the same bytes, after the orphaned copy */
    glbuf_readback_request next = request(rb, &w, 8192, 1024);
    check_bytes(wait_data(rb, live), 0, 1024, 4);
    check_bytes(wait_data(rb, next), 8192, 1024, 5);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

START_TEST(a_failed_growth_keeps_the_old_ring)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 1u << 20, 0);
    gpu_write(&w, 8);
    glbuf_readback_request a = request(rb, &w, 0, 3000);
    glbuf_readback_stats st = glbuf_readback_get_stats(fx_ctx, rb);
    fx_inject_oom(16384, 0, 0); /* the ring it would grow to */
    glbuf_readback_request out = {0};
    ck_assert_int_eq(glbuf_readback_copy(fx_ctx, rb, w.ssbo, 0, 3000, &out), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    ck_assert_int_eq(fx_oom_hits(), 1);
    fx_stop_injecting();
    ck_assert_uint_eq(out.id, 0);
    ck_assert(same_stats(st, glbuf_readback_get_stats(fx_ctx, rb)));
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 1);
    fx_errors_logged = 0;
    gpu_write(&w, 9);
    glbuf_readback_request b = request(rb, &w, 4096, 3000);
    ck_assert_uint_eq(glbuf_readback_get_stats(fx_ctx, rb).growths, 1);
    check_bytes(wait_data(rb, a), 0, 3000, 8);
    check_bytes(wait_data(rb, b), 4096, 3000, 9);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

/* PBO-style only: the map after the fence fails, then works on the next
 * poll; a lost unmap is reported for good. */
static PFNGLMAPNAMEDBUFFERRANGEPROC real_map_named;
static PFNGLMAPBUFFERRANGEPROC real_map_bound;
static PFNGLUNMAPNAMEDBUFFERPROC real_unmap_named;
static PFNGLUNMAPBUFFERPROC real_unmap_bound;

static void *GLAD_API_PTR failing_map_named(GLuint n, GLintptr o, GLsizeiptr l, GLbitfield a)
{
    (void)n, (void)o, (void)l, (void)a;
    return NULL;
}
static void *GLAD_API_PTR failing_map_bound(GLenum t, GLintptr o, GLsizeiptr l, GLbitfield a)
{
    (void)t, (void)o, (void)l, (void)a;
    return NULL;
}
static GLboolean GLAD_API_PTR losing_unmap_named(GLuint n)
{
    real_unmap_named(n);
    return GL_FALSE;
}
static GLboolean GLAD_API_PTR losing_unmap_bound(GLenum t)
{
    real_unmap_bound(t);
    return GL_FALSE;
}

START_TEST(pbo_style_fetch_failures_are_reported)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 0, 0);
    gpu_write(&w, 11);
    glbuf_readback_request a = request(rb, &w, 0, 1024);
    glbuf_readback_request b = request(rb, &w, 1024, 1024);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    real_map_named = fx_lib_gl->MapNamedBufferRange;
    real_map_bound = fx_lib_gl->MapBufferRange;
    fx_lib_gl->MapNamedBufferRange = failing_map_named;
    fx_lib_gl->MapBufferRange = failing_map_bound;
    const void *data = NULL;
    glbuf_result r = glbuf_readback_poll(fx_ctx, rb, a, &data);
    fx_lib_gl->MapNamedBufferRange = real_map_named;
    fx_lib_gl->MapBufferRange = real_map_bound;
    if (persistent()) { /* nothing to map: the ring is mapped for good */
        ck_assert_int_eq(r, GLBUF_OK);
        ck_assert_uint_eq(glbuf_readback_get_stats(fx_ctx, rb).fetches, 0);
    } else {
        ck_assert_int_eq(r, GLBUF_ERR_MAP_FAILED);
        ck_assert_ptr_null(data);
        ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, a, &data), GLBUF_OK);
        ck_assert_uint_eq(glbuf_readback_get_stats(fx_ctx, rb).fetches, 1);
    }
    check_bytes(data, 0, 1024, 11);
    real_unmap_named = fx_lib_gl->UnmapNamedBuffer;
    real_unmap_bound = fx_lib_gl->UnmapBuffer;
    fx_lib_gl->UnmapNamedBuffer = losing_unmap_named;
    fx_lib_gl->UnmapBuffer = losing_unmap_bound;
    data = NULL;
    r = glbuf_readback_wait(fx_ctx, rb, b, UINT64_MAX, &data);
    glbuf_result again = glbuf_readback_poll(fx_ctx, rb, b, &data);
    fx_lib_gl->UnmapNamedBuffer = real_unmap_named;
    fx_lib_gl->UnmapBuffer = real_unmap_bound;
    if (persistent()) {
        ck_assert_int_eq(r, GLBUF_OK);
        ck_assert_int_eq(again, GLBUF_OK);
        check_bytes(data, 1024, 1024, 11);
    } else {
        ck_assert_int_eq(r, GLBUF_ERR_CONTENTS_LOST);
        ck_assert_int_eq(again, GLBUF_ERR_CONTENTS_LOST);
        ck_assert_ptr_null(data);
    }
    fx_errors_logged = 0;
    ck_assert_int_eq(glbuf_readback_release(fx_ctx, rb, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    free_writer(&w);
}
END_TEST

START_TEST(destroy_with_requests_in_flight)
{
    writer w = make_writer();
    glbuf_readback rb = make(4096, 1u << 20, 0);
    glbuf_readback_request req[6];
    for (uint32_t i = 0; i < 6; i++) {
        gpu_write(&w, i);
        req[i] = request(rb, &w, 0, 2000); /* grows on the way */
    }
    ck_assert_uint_ge(glbuf_readback_get_stats(fx_ctx, rb).rings_retired, 1);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 0);
    ck_assert_int_eq(glbuf_readback_poll(fx_ctx, rb, req[0], NULL), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_readback_destroy(fx_ctx, rb), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
    free_writer(&w);
}
END_TEST

/* ---- host allocation failures: a small sweep ---------------------------------------------- */

static struct {
    long calls, fail_at, injected, live;
} host;

static void *host_alloc(size_t size, void *user)
{
    (void)user;
    host.calls++;
    if (host.fail_at != 0 && host.calls == host.fail_at) {
        host.injected++;
        return NULL;
    }
    void *p = malloc(size);
    host.live += p != NULL;
    return p;
}

static void host_free(void *p, void *user)
{
    (void)user;
    host.live -= p != NULL;
    free(p);
}

/* A call that may meet the injected failure: it returns
 * GLBUF_ERR_OUT_OF_HOST_MEMORY once, and then, retried, succeeds. */
#define STEP(expr)                                                                                          \
    do {                                                                                                    \
        glbuf_result r_ = (expr);                                                                           \
        if (r_ == GLBUF_ERR_OUT_OF_HOST_MEMORY) {                                                           \
            r_ = (expr);                                                                                    \
        }                                                                                                   \
        ck_assert_msg(r_ == GLBUF_OK, "fail_at %ld: %s returned %s", host.fail_at, #expr,                    \
                      glbuf_result_name(r_));                                                               \
    } while (0)

/* Creates a context with the failing allocator, a readback object, 16
 * requests that grow the ring twice with four in flight, reads every one
 * back, and destroys it all. */
static void host_script(const writer *w, long fail_at)
{
    memset(&host, 0, sizeof host);
    host.fail_at = fail_at;
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    cd.allocator.alloc = host_alloc;
    cd.allocator.free = host_free;
    cd.disable_caps = glbuf_ctx_get_caps(fx_ctx).caps ^ (GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE | GLBUF_CAP_DEBUG);
    glbuf_ctx *ctx = NULL;
    STEP(glbuf_ctx_create(&cd, &ctx));
    glbuf_readback_desc d = {0};
    d.capacity = 4096;
    glbuf_readback rb = {0};
    STEP(glbuf_readback_create(ctx, &d, &rb));
    pending q[16];
    for (uint32_t i = 0; i < 16; i++) {
        gpu_write(w, 300u + i);
        q[i].offset = 512u * i;
        q[i].size = 1000u + 100u * i;
        q[i].frame = 300u + i;
        STEP(glbuf_readback_copy(ctx, rb, w->ssbo, q[i].offset, q[i].size, &q[i].req));
        if (i >= 4) {
            const void *data = NULL;
            STEP(glbuf_readback_wait(ctx, rb, q[i - 4].req, UINT64_MAX, &data));
            check_bytes(data, q[i - 4].offset, q[i - 4].size, q[i - 4].frame);
            STEP(glbuf_readback_release(ctx, rb, q[i - 4].req));
        }
        STEP(glbuf_ctx_end_frame(ctx));
    }
    for (uint32_t i = 12; i < 16; i++) {
        const void *data = NULL;
        STEP(glbuf_readback_wait(ctx, rb, q[i].req, UINT64_MAX, &data));
        check_bytes(data, q[i].offset, q[i].size, q[i].frame);
    }
    ck_assert_uint_ge(glbuf_readback_get_stats(ctx, rb).growths, 1);
    STEP(glbuf_readback_destroy(ctx, rb));
    ck_assert_uint_eq(glbuf_ctx_get_stats(ctx).buffers_alive, 0);
    glbuf_ctx_destroy(ctx);
    ck_assert_int_eq(host.live, 0);
}

START_TEST(host_allocation_failures_lose_nothing)
{
    writer w = make_writer();
    host_script(&w, 0);
    long points = host.calls;
    ck_assert_int_ge(points, 6); /* context, object table, readback, ring (+ mirror), slots, grown ring */
    long injected = 0;
    for (long n = 1; n <= points; n++) {
        host_script(&w, n);
        ck_assert_int_eq(host.injected, 1);
        injected += host.injected;
    }
    ck_assert_int_eq(injected, points);
    free_writer(&w);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, compute_results_come_back_with_several_frames_in_flight);
    tcase_add_test(tc, transform_feedback_results_come_back_with_several_frames_in_flight);
    tcase_add_test(tc, every_memory_choice_reads_back);
    tcase_add_test(tc, poll_never_blocks_while_the_gpu_works);
    tcase_add_test(tc, wait_times_out_and_changes_nothing);
    tcase_add_test(tc, released_bytes_are_reused);
    tcase_add_test(tc, out_of_order_release_reuses_bytes_once_the_older_ones_go);
    tcase_add_test(tc, full_at_max_capacity_changes_nothing);
    tcase_add_test(tc, the_ring_grows_with_requests_in_flight);
    tcase_add_test(tc, the_ring_trims_after_frames_of_low_use);
    tcase_add_test(tc, a_ring_in_use_does_not_trim);
    tcase_add_test(tc, stale_and_foreign_handles_are_rejected);
    tcase_add_test(tc, bad_input_changes_nothing);
    tcase_add_test(tc, a_copy_gl_rejects_keeps_nothing);
    tcase_add_test(tc, a_failed_fence_keeps_nothing);
    tcase_add_test(tc, a_failed_growth_keeps_the_old_ring);
    tcase_add_test(tc, pbo_style_fetch_failures_are_reported);
    tcase_add_test(tc, destroy_with_requests_in_flight);
    tcase_add_test(tc, host_allocation_failures_lose_nothing);
}

int main(void)
{
    Suite *s = suite_create("readback");
    fx_add_tcases(s, "readback", add_tests, 1);
    return fx_run(s);
}
