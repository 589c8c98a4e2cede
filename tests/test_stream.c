/* test_stream.c - glbuf_stream on a real headless context, on the DSA path, the
 * bind-to-edit path and the orphaning fallback (no ARB_buffer_storage): what
 * a vertex shader fetches from the ring is what was written, across
 * wrap-around and growth; regions are not reused before their fence. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"

/* ---- the GPU reader: vertex fetch from a ring range --------------------------
 * Streamed data is mostly vertices, so the reader draws the range as points
 * with one uint attribute each, and transform feedback writes what the vertex
 * shader fetched into a result buffer. GL 3.3 core has all of it. */

static const char *const fetch_source =
    "#version 330 core\n"
    "layout(location = 0) in uint word;\n"
    "flat out uint copied;\n"
    "void main() {\n"
    "    copied = word;\n"
    "    gl_Position = vec4(0.0);\n"
    "}\n";

/* What the test wrote, and where the GPU copied it. */
typedef struct expected {
    uint32_t seed;
    uint64_t size;       /* bytes, a multiple of 4 */
    uint64_t dst_offset; /* in the result buffer */
} expected;

typedef struct reader {
    GLuint program, vao;
    GLuint fbo, rb; /* a context without a surface draws only into a framebuffer object */
    GLuint result; /* what transform feedback wrote */
    uint64_t result_size, used;
    uint64_t align; /* offsets the tests allocate at (SSBO alignment: the strictest use) */
    expected *expect;
    int count, cap;
} reader;

static reader make_reader(uint64_t result_size, int max_copies)
{
    reader r;
    memset(&r, 0, sizeof r);
    GLuint vs = fx_gl->CreateShader(GL_VERTEX_SHADER);
    fx_gl->ShaderSource(vs, 1, &fetch_source, NULL);
    fx_gl->CompileShader(vs);
    r.program = fx_gl->CreateProgram();
    fx_gl->AttachShader(r.program, vs);
    const char *varying = "copied";
    fx_gl->TransformFeedbackVaryings(r.program, 1, &varying, GL_INTERLEAVED_ATTRIBS);
    fx_gl->LinkProgram(r.program);
    fx_gl->DeleteShader(vs);
    GLint linked = 0;
    fx_gl->GetProgramiv(r.program, GL_LINK_STATUS, &linked);
    if (!linked) {
        char log[1024] = "";
        fx_gl->GetProgramInfoLog(r.program, sizeof log, NULL, log);
        ck_abort_msg("fetch shader: %s", log);
    }
    fx_gl->GenVertexArrays(1, &r.vao);
    fx_gl->GenRenderbuffers(1, &r.rb);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, r.rb);
    fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, 1, 1);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, 0);
    fx_gl->GenFramebuffers(1, &r.fbo);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, r.fbo);
    fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, r.rb);
    ck_assert_int_eq(fx_gl->CheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    r.result = fx_new_buffer(result_size);
    r.result_size = result_size;
    r.align = glbuf_ctx_get_caps(fx_ctx).storage_offset_alignment;
    r.expect = calloc((size_t)max_copies, sizeof *r.expect);
    r.cap = max_copies;
    return r;
}

static void free_reader(reader *r)
{
    fx_gl->DeleteProgram(r->program);
    fx_gl->DeleteVertexArrays(1, &r->vao);
    fx_gl->DeleteFramebuffers(1, &r->fbo);
    fx_gl->DeleteRenderbuffers(1, &r->rb);
    fx_gl->DeleteBuffers(1, &r->result);
    free(r->expect);
}

/* The GPU fetches [offset, offset + size) of `name` as vertices and copies
 * it into the result buffer; `seed` is the pattern it must find there. Issue
 * after glbuf_stream_flush. */
static void gpu_read(reader *r, uint32_t name, uint64_t offset, uint64_t size, uint32_t seed)
{
    ck_assert_int_lt(r->count, r->cap);
    ck_assert_uint_eq(offset % r->align, 0);
    uint64_t dst = (r->used + r->align - 1) / r->align * r->align;
    ck_assert_uint_le(dst + size, r->result_size);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, r->fbo);
    fx_gl->BindVertexArray(r->vao);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, name);
    fx_gl->VertexAttribIPointer(0, 1, GL_UNSIGNED_INT, 4, (const void *)(uintptr_t)offset);
    fx_gl->EnableVertexAttribArray(0);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, 0);
    fx_gl->BindBufferRange(GL_TRANSFORM_FEEDBACK_BUFFER, 0, r->result, (GLintptr)dst, (GLsizeiptr)size);
    fx_gl->Enable(GL_RASTERIZER_DISCARD);
    fx_gl->UseProgram(r->program);
    fx_gl->BeginTransformFeedback(GL_POINTS);
    fx_gl->DrawArrays(GL_POINTS, 0, (GLsizei)(size / 4));
    fx_gl->EndTransformFeedback();
    fx_gl->UseProgram(0);
    fx_gl->Disable(GL_RASTERIZER_DISCARD);
    fx_gl->BindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, 0);
    fx_gl->BindVertexArray(0);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
    r->expect[r->count].seed = seed;
    r->expect[r->count].size = size;
    r->expect[r->count].dst_offset = dst;
    r->count++;
    r->used = dst + size;
}

/* Waits for the GPU and checks every copy. */
static void check_reads(reader *r)
{
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    uint8_t *got = malloc((size_t)r->result_size);
    fx_read(r->result, 0, r->result_size, got);
    for (int i = 0; i < r->count; i++) {
        fx_check_pattern(got + r->expect[i].dst_offset, r->expect[i].size, r->expect[i].seed);
    }
    free(got);
}

/* ---- helpers ----------------------------------------------------------------- */

static glbuf_stream make_stream(uint64_t capacity, uint64_t max_capacity, int explicit_flush)
{
    glbuf_stream_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = max_capacity;
    d.explicit_flush = explicit_flush;
    d.label = "test-stream";
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_OK);
    ck_assert_uint_ne(s.id, 0);
    return s;
}

static int persistent(void)
{
    return (glbuf_ctx_get_caps(fx_ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0;
}

static glbuf_stream_allocation alloc_pattern(glbuf_stream s, uint64_t size, uint64_t align, uint32_t seed)
{
    glbuf_stream_allocation a;
    memset(&a, 0, sizeof a);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, size, align, &a), GLBUF_OK);
    ck_assert_ptr_nonnull(a.ptr);
    ck_assert_uint_eq(a.offset % align, 0);
    fx_pattern(a.ptr, size, seed);
    return a;
}

/* Streams `frames` frames of `per_frame` allocations of `size` bytes, each
 * read by the GPU, and checks the data; returns the stats. */
static glbuf_stream_stats stream_frames(glbuf_stream s, int frames, int per_frame, uint64_t size, int *wrapped)
{
    reader r = make_reader((uint64_t)frames * (uint64_t)per_frame * (size + 256), frames * per_frame);
    uint64_t last_offset = 0;
    *wrapped = 0;
    for (int f = 0; f < frames; f++) {
        glbuf_stream_allocation a[8];
        ck_assert_int_le(per_frame, 8);
        for (int k = 0; k < per_frame; k++) {
            a[k] = alloc_pattern(s, size, r.align, (uint32_t)(f * 100 + k));
            if (a[k].offset < last_offset) {
                *wrapped = 1;
            }
            last_offset = a[k].offset;
        }
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
        for (int k = 0; k < per_frame; k++) {
            gpu_read(&r, a[k].name, a[k].offset, size, (uint32_t)(f * 100 + k));
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    check_reads(&r);
    free_reader(&r);
    ck_assert_int_eq(fx_errors_logged, 0);
    return glbuf_stream_get_stats(fx_ctx, s);
}

/* ---- fault injection: pending fences, failing storage ------------------------- */

/* ---- creation ------------------------------------------------------------------ */

START_TEST(create_applies_the_documented_defaults)
{
    glbuf_stream_desc d = {0};
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_OK);
    glbuf_stream_stats st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.capacity, 4u << 20);
    ck_assert_uint_eq(st.bytes_held, 4u << 20);
    ck_assert_int_eq(st.persistent, persistent());
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 16, 4, &a), GLBUF_OK);
    char label[64] = "";
    if (fx_has(FX_DEBUG)) { /* labels need KHR_debug */
        fx_gl->GetObjectLabel(GL_BUFFER, a.name, sizeof label, NULL, label);
        ck_assert_str_eq(label, "glbuf:stream");
    }
    GLint64 size = 0;
    fx_gl->GetNamedBufferParameteri64v(a.name, GL_BUFFER_SIZE, &size);
    ck_assert_int_eq(size, 4 << 20);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_ERR_INVALID_HANDLE);
}
END_TEST

START_TEST(create_rejects_bad_descs)
{
    glbuf_stream_desc d = {0};
    glbuf_stream s = {0x5151}; /* must stay untouched */
    ck_assert_int_eq(glbuf_stream_create(NULL, &d, &s), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, NULL, &s), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, NULL), GLBUF_ERR_NULL);
    d.capacity = 1u << 20;
    d.max_capacity = 1u << 19;
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_ERR_INVALID_ARGUMENT);
    d.max_capacity = 0;
    d.frames_in_flight = 17;
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(s.id, 0x5151);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, 0);
}
END_TEST

START_TEST(capacities_are_rounded_to_powers_of_two)
{
    glbuf_stream s = make_stream(3000, 100000, 0); /* 4096 and 65536 */
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).capacity, 4096);
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 65537, 4, &a), GLBUF_ERR_TOO_LARGE);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 65536, 4, &a), GLBUF_OK);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).capacity, 65536);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* ---- allocation ---------------------------------------------------------------- */

START_TEST(bad_arguments_are_rejected_and_change_nothing)
{
    glbuf_stream s = make_stream(1u << 16, 1u << 20, 0);
    glbuf_stream_allocation a;
    glbuf_ctx_reset_stats(fx_ctx);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 0, 4, &a), GLBUF_ERR_ZERO_SIZE);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 16, 0, &a), GLBUF_ERR_BAD_ALIGNMENT);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 16, (1u << 20) + 3, &a), GLBUF_ERR_BAD_ALIGNMENT);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 16, 2u << 20, &a), GLBUF_ERR_BAD_ALIGNMENT);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, (1u << 20) + 1, 4, &a), GLBUF_ERR_TOO_LARGE);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, UINT64_MAX, 4, &a), GLBUF_ERR_TOO_LARGE);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 16, 4, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_stream_alloc(NULL, s, 16, 4, &a), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_stream_flush(NULL, s), GLBUF_ERR_NULL);
    glbuf_stream none = {0};
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, none, 16, 4, &a), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, none), GLBUF_ERR_INVALID_HANDLE);
    glbuf_stream_stats st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.allocations, 0);
    ck_assert_uint_eq(st.bytes_streamed, 0);
    ck_assert_uint_eq(st.frames, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).calls_total, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_ERR_INVALID_HANDLE); /* changes nothing */
    ck_assert_int_eq(glbuf_stream_destroy(NULL, s), GLBUF_ERR_NULL);
}
END_TEST

START_TEST(a_pool_is_not_a_stream)
{
    glbuf_pool_desc pd = {0};
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &pd, &p), GLBUF_OK);
    glbuf_stream wrong = {p.id}; /* a pool's id forged into a stream handle */
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, wrong, 16, 4, &a), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, wrong), GLBUF_ERR_WRONG_KIND);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, wrong).capacity, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, wrong), GLBUF_ERR_WRONG_KIND); /* left alone */
    ck_assert_uint_ne(glbuf_pool_get_stats(fx_ctx, p).idle_budget, 0);            /* still alive */
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
}
END_TEST

START_TEST(allocations_in_a_frame_are_aligned_disjoint_bump_allocations)
{
    glbuf_stream s = make_stream(1u << 16, 1u << 20, 0);
    uint64_t sizes[5] = {1, 100, 256, 3, 1000};
    uint64_t aligns[5] = {4, 256, 16, 1, 64};
    glbuf_stream_allocation prev = {0};
    uint64_t prev_end = 0;
    for (int i = 0; i < 5; i++) {
        glbuf_stream_allocation a = alloc_pattern(s, sizes[i], aligns[i], (uint32_t)i);
        if (i > 0) {
            ck_assert_uint_eq(a.name, prev.name);
            ck_assert_uint_ge(a.offset, prev_end);                 /* disjoint, in order */
            ck_assert_uint_lt(a.offset, prev_end + aligns[i]);     /* no more than the padding */
            ck_assert_ptr_eq((uint8_t *)a.ptr - a.offset, (uint8_t *)prev.ptr - prev.offset);
        }
        prev = a;
        prev_end = a.offset + sizes[i];
    }
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    glbuf_stream_stats st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.allocations, 5);
    ck_assert_uint_eq(st.bytes_streamed, 1 + 100 + 256 + 3 + 1000);
    ck_assert_uint_eq(st.frames, 1);
    ck_assert_uint_eq(st.waits, 0);
    ck_assert_uint_eq(st.growths, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(gpu_reads_what_was_written_across_wrap_around)
{
    glbuf_stream s = make_stream(1u << 16, 1u << 16, 0);
    int wrapped = 0;
    glbuf_stream_stats st = stream_frames(s, 20, 3, 7000, &wrapped);
    ck_assert(wrapped || !persistent()); /* the fallback restarts at 0 every frame */
    ck_assert_uint_eq(st.frames, 20);
    ck_assert_uint_eq(st.allocations, 60);
    ck_assert_uint_eq(st.bytes_streamed, 60u * 7000u);
    ck_assert_uint_eq(st.growths, 0);
    if (persistent()) {
        ck_assert_uint_eq(st.flushes, 0); /* coherent: flush makes no GL call */
        ck_assert_uint_eq(st.orphans, 0);
    } else {
        ck_assert_uint_ge(st.flushes, 20); /* one upload per flush */
        ck_assert_uint_eq(st.orphans, 19); /* every frame but the first */
    }
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(explicit_flush_ring_delivers_what_was_flushed)
{
    glbuf_stream s = make_stream(1u << 16, 1u << 16, 1);
    int wrapped = 0;
    glbuf_ctx_reset_stats(fx_ctx);
    glbuf_stream_stats st = stream_frames(s, 20, 3, 7000, &wrapped);
    ck_assert_uint_ge(st.flushes, 20);
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(fx_ctx);
    if (persistent()) {
        ck_assert_uint_eq(cs.calls[GLBUF_GL_FlushMappedNamedBufferRange] + cs.calls[GLBUF_GL_FlushMappedBufferRange],
                          st.flushes);
    } else {
        ck_assert_uint_eq(cs.calls[GLBUF_GL_NamedBufferSubData] + cs.calls[GLBUF_GL_BufferSubData], st.flushes);
    }
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* Every allocation, for the shadow model below. */
typedef struct shadow {
    uint32_t name;
    uint64_t offset, size, frame;
} shadow;

START_TEST(region_is_not_reused_before_its_fence_signals)
{
    /* 64 KiB ring, 2 x 12 KiB per frame: three frames in flight need more
     * than one ring's worth, and polls never see a fence signal, so the
     * stream must block on the oldest frame to go on. */
    enum { FRAMES = 16, PER_FRAME = 2, SIZE = 12 * 1024 };
    glbuf_stream s = make_stream(1u << 16, 1u << 16, 0);
    reader r = make_reader((uint64_t)FRAMES * PER_FRAME * (SIZE + 256), FRAMES * PER_FRAME);
    shadow log[FRAMES * PER_FRAME];
    int n = 0;
    uint64_t ctx_waits_before = glbuf_ctx_get_stats(fx_ctx).fence_waits;
    fx_simulate_slow_gpu(1);
    for (int f = 0; f < FRAMES; f++) {
        glbuf_stream_allocation a[PER_FRAME];
        for (int k = 0; k < PER_FRAME; k++) {
            a[k] = alloc_pattern(s, SIZE, r.align, (uint32_t)(f * 10 + k));
            uint64_t frame = glbuf_ctx_frame(fx_ctx);
            /* the newest frame the stream knew complete when it handed this out */
            uint64_t completed = fx_ctx->completed_frame;
            for (int j = 0; j < n; j++) {
                int pending = log[j].frame > completed;
                int overlaps = log[j].name == a[k].name && log[j].offset < a[k].offset + SIZE &&
                               a[k].offset < log[j].offset + log[j].size;
                /* The fallback orphans the store every frame: only the
                 * current frame's allocations share it. */
                if (!persistent() && log[j].frame != frame) {
                    continue;
                }
                ck_assert_msg(!(pending && overlaps),
                              "frame %llu got [%llu, +%d) over frame %llu's pending [%llu, +%llu)",
                              (unsigned long long)frame, (unsigned long long)a[k].offset, SIZE,
                              (unsigned long long)log[j].frame, (unsigned long long)log[j].offset,
                              (unsigned long long)log[j].size);
            }
            log[n].name = a[k].name;
            log[n].offset = a[k].offset;
            log[n].size = SIZE;
            log[n].frame = frame;
            n++;
        }
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
        for (int k = 0; k < PER_FRAME; k++) {
            gpu_read(&r, a[k].name, a[k].offset, SIZE, (uint32_t)(f * 10 + k));
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    fx_simulate_slow_gpu(0);
    check_reads(&r);
    free_reader(&r);
    glbuf_stream_stats st = glbuf_stream_get_stats(fx_ctx, s);
    uint64_t ctx_waits = glbuf_ctx_get_stats(fx_ctx).fence_waits - ctx_waits_before;
    ck_assert_uint_eq(st.growths, 0);
    if (persistent()) {
        /* 5 allocations fill the ring; from then on about one wait a frame */
        ck_assert_uint_ge(st.waits, FRAMES - 3);
        ck_assert_uint_ge(ctx_waits, st.waits);
    } else {
        ck_assert_uint_eq(st.waits, 0);
        ck_assert_uint_eq(st.orphans, FRAMES - 1);
    }
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(no_wait_happens_when_the_fences_have_signalled)
{
    glbuf_stream s = make_stream(1u << 16, 1u << 16, 0);
    for (int f = 0; f < 20; f++) {
        (void)alloc_pattern(s, 40000, 256, (uint32_t)f); /* most of the ring each frame */
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK); /* ends the frame, GPU idle */
    }
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).waits, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(a_frame_larger_than_the_ring_grows_it_and_keeps_the_old_ring_until_its_fence)
{
    glbuf_stream s = make_stream(16u << 10, 1u << 20, 0);
    reader r = make_reader(64u << 10, 16);
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    glbuf_stream_allocation a[6];
    for (int k = 0; k < 6; k++) { /* 24 KiB in one frame through a 16 KiB ring */
        a[k] = alloc_pattern(s, 4096, r.align, (uint32_t)(70 + k));
    }
    glbuf_stream_stats st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.growths, 1);
    ck_assert_uint_ne(a[0].name, a[5].name);
    ck_assert_uint_eq(a[0].name, a[3].name); /* 4 x 4 KiB fill the first ring */
    ck_assert_uint_eq(a[4].name, a[5].name);
    /* pow2 >= 20 KiB x 3 frames in flight; the fallback holds one frame */
    uint64_t grown = persistent() ? 64u << 10 : 32u << 10;
    ck_assert_uint_eq(st.capacity, grown);
    ck_assert_uint_eq(st.rings_retired, 1);
    ck_assert_uint_eq(st.bytes_held, grown + (16u << 10));
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive + 1); /* both alive */
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    for (int k = 0; k < 6; k++) {
        gpu_read(&r, a[k].name, a[k].offset, 4096, (uint32_t)(70 + k));
    }
    check_reads(&r); /* ends the frame and waits for its fence */
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive + 1);
    glbuf_stream_allocation b = alloc_pattern(s, 4096, 256, 80); /* next frame: retires */
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_uint_eq(b.name, a[5].name);
    st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.rings_retired, 0);
    ck_assert_uint_eq(st.bytes_held, grown);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive);
    ck_assert_int_eq(fx_gl->IsBuffer(a[0].name), GL_FALSE);
    free_reader(&r);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(gpu_reads_what_was_written_across_growth_and_wrap_around)
{
    glbuf_stream s = make_stream(8u << 10, 1u << 20, 1);
    int wrapped = 0;
    glbuf_stream_stats st = stream_frames(s, 24, 4, 5000, &wrapped); /* 20 KiB a frame */
    ck_assert_uint_ge(st.growths, 1);
    ck_assert_uint_eq(st.capacity, 32u << 10);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(a_frame_that_fills_the_largest_ring_gets_full)
{
    glbuf_stream s = make_stream(16u << 10, 64u << 10, 0);
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 48u << 10, 256, &a), GLBUF_OK); /* grows to 64 KiB */
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 16u << 10, 256, &a), GLBUF_OK); /* fills it */
    glbuf_stream_stats before = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(before.capacity, 64u << 10);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 4, 4, &a), GLBUF_ERR_FULL);
    glbuf_stream_stats after = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(after.capacity, before.capacity);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    /* the next frame goes on, once the previous one is done with the ring */
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 4, 4, &a), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* A frame's first request that must wrap needs only its own bytes: the end
 * of the ring it skips is nobody's, so an idle ring neither grows nor is full. */
START_TEST(a_wrapping_first_request_of_a_frame_needs_only_its_own_bytes)
{
    glbuf_stream s = make_stream(1u << 20, 1u << 20, 0);
    reader rd = make_reader(2u << 20, 2);
    glbuf_stream_allocation a = alloc_pattern(s, 512u << 10, 256, 71);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    gpu_read(&rd, a.name, a.offset, 512u << 10, 71);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    glbuf_stream_allocation b = alloc_pattern(s, 768u << 10, 256, 72);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    gpu_read(&rd, b.name, b.offset, 768u << 10, 72);
    glbuf_stream_stats st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.growths, 0);
    ck_assert_uint_eq(st.capacity, 1u << 20);
    check_reads(&rd);
    free_reader(&rd);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* ---- the region walk (memory views) ----------------------------------------------
 * Fences are held back through glbuf's GL table: only the first
 * `signal_upto` fences made since hold_fences() may complete. */
static PFNGLFENCESYNCPROC real_fence_sync;
static PFNGLCLIENTWAITSYNCPROC real_client_wait_sync;
static GLsync held_fences[16];
static int held_count, signal_upto;

static GLsync GLAD_API_PTR counting_fence_sync(GLenum condition, GLbitfield flags)
{
    GLsync s = real_fence_sync(condition, flags);
    if (held_count < 16) {
        held_fences[held_count++] = s;
    }
    return s;
}

static GLenum GLAD_API_PTR holding_client_wait_sync(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    for (int k = 0; k < held_count && k < signal_upto; k++) {
        if (held_fences[k] == sync) {
            return real_client_wait_sync(sync, flags, timeout);
        }
    }
    return GL_TIMEOUT_EXPIRED;
}

static void hold_fences(void)
{
    real_fence_sync = fx_lib_gl->FenceSync;
    real_client_wait_sync = fx_lib_gl->ClientWaitSync;
    fx_lib_gl->FenceSync = counting_fence_sync;
    fx_lib_gl->ClientWaitSync = holding_client_wait_sync;
    held_count = signal_upto = 0;
}

static void release_fences(void)
{
    fx_lib_gl->FenceSync = real_fence_sync;
    fx_lib_gl->ClientWaitSync = real_client_wait_sync;
}

typedef struct walked {
    uint64_t frame[8], offset[8], size[8];
    int count, stop_after;
} walked;

static int record_region(void *user, uint64_t frame, uint64_t offset, uint64_t size)
{
    walked *w = user;
    ck_assert_int_lt(w->count, 8);
    w->frame[w->count] = frame;
    w->offset[w->count] = offset;
    w->size[w->count] = size;
    w->count++;
    return w->stop_after != 0 && w->count >= w->stop_after;
}

START_TEST(the_region_walk_gives_every_frame_in_flight_oldest_first_split_at_the_wrap)
{
    glbuf_stream s = make_stream(1u << 16, 1u << 16, 0);
    hold_fences();
    uint64_t f1 = glbuf_ctx_frame(fx_ctx);
    glbuf_stream_allocation a = alloc_pattern(s, 30000, 16, 1);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    glbuf_stream_allocation b = alloc_pattern(s, 30000, 16, 2);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    fx_gl->Finish();
    signal_upto = 1; /* frame f1 completes; f1 + 1 stays in flight */
    glbuf_stream_allocation c = alloc_pattern(s, 10000, 16, 3);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    walked w;
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(glbuf_stream_for_each_region(fx_ctx, s, record_region, &w), GLBUF_OK);
    if (persistent()) {
        /* [ c ....... ][ f1 (retired) ][ f1+1: b ][ f1+2: skipped tail, then c at 0 of the next lap ] */
        ck_assert_uint_eq(a.offset, 0);
        ck_assert_uint_eq(b.offset, 30000);
        ck_assert_uint_eq(c.offset, 0);
        ck_assert_int_eq(w.count, 3);
        ck_assert_uint_eq(w.frame[0], f1 + 1);
        ck_assert_uint_eq(w.offset[0], 30000);
        ck_assert_uint_eq(w.size[0], 30000);
        ck_assert_uint_eq(w.frame[1], f1 + 2);
        ck_assert_uint_eq(w.offset[1], 60000);
        ck_assert_uint_eq(w.size[1], (1u << 16) - 60000);
        ck_assert_uint_eq(w.frame[2], f1 + 2);
        ck_assert_uint_eq(w.offset[2], 0);
        ck_assert_uint_eq(w.size[2], 10000);
        /* stopping early */
        memset(&w, 0, sizeof w);
        w.stop_after = 2;
        ck_assert_int_eq(glbuf_stream_for_each_region(fx_ctx, s, record_region, &w), GLBUF_OK);
        ck_assert_int_eq(w.count, 2);
    } else {
        /* Orphaning: the store is fresh each frame; only this frame's bytes are held. */
        ck_assert_int_eq(w.count, 1);
        ck_assert_uint_eq(w.frame[0], f1 + 2);
        ck_assert_uint_eq(w.offset[0], c.offset);
        ck_assert_uint_eq(w.size[0], 10000);
    }
    release_fences();
    ck_assert_int_eq(glbuf_stream_for_each_region(fx_ctx, s, NULL, NULL), GLBUF_ERR_NULL);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(failed_growth_keeps_the_old_ring_working)
{
    glbuf_stream s = make_stream(16u << 10, 1u << 20, 0);
    glbuf_stream_allocation a = alloc_pattern(s, 12u << 10, 256, 5);
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    glbuf_stream_stats before = glbuf_stream_get_stats(fx_ctx, s);
    fx_inject_oom(persistent() ? 64 << 10 : 32 << 10, 0, 0); /* the ring it would grow to */
    glbuf_stream_allocation b;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 8u << 10, 256, &b), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    fx_stop_injecting();
    ck_assert_int_eq(fx_oom_hits(), 1);
    glbuf_stream_stats after = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(after.growths, 0);
    ck_assert_uint_eq(after.capacity, before.capacity);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive); /* nothing left behind */
    /* what was handed out still reaches the GPU, and smaller requests fit */
    reader r = make_reader(32u << 10, 4);
    glbuf_stream_allocation c = alloc_pattern(s, 2u << 10, r.align, 6);
    ck_assert_uint_eq(c.name, a.name);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    gpu_read(&r, a.name, a.offset, 12u << 10, 5);
    gpu_read(&r, c.name, c.offset, 2u << 10, 6);
    check_reads(&r);
    free_reader(&r);
    fx_errors_logged = 0; /* the injected GL_OUT_OF_MEMORY was logged */
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

/* A frame's first request that skips the end of the ring and then fails
 * (its growth runs out of GPU memory) changes nothing: not the skipped
 * bytes, not where the next request goes. */
START_TEST(a_failed_first_request_of_a_frame_changes_nothing)
{
    glbuf_stream s = make_stream(16u << 10, 1u << 20, 0);
    alloc_pattern(s, 12u << 10, 256, 8);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    glbuf_stream_stats before = glbuf_stream_get_stats(fx_ctx, s);
    fx_inject_oom(persistent() ? 64 << 10 : 32 << 10, 0, 0); /* 20 KiB > the ring: growth, refused */
    glbuf_stream_allocation b;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 20u << 10, 256, &b), GLBUF_ERR_OUT_OF_GPU_MEMORY);
    fx_stop_injecting();
    ck_assert_int_eq(fx_oom_hits(), 1);
    glbuf_stream_stats after = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(after.bytes_skipped, before.bytes_skipped);
    ck_assert_int_eq(memcmp(&after, &before, sizeof after), 0);
    /* where the frame's first request goes is as before: a small one that
     * fits before the end is not pushed past it (the fallback's frames start
     * at 0 of a fresh store) */
    reader r = make_reader(32u << 10, 2);
    glbuf_stream_allocation c = alloc_pattern(s, 2u << 10, r.align, 9);
    /* With nothing in flight a frame starts over at offset 0 of the next lap
     * (persistent) or of a fresh store (fallback): nothing skipped either way. */
    ck_assert_uint_eq(c.offset, 0);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s).bytes_skipped, before.bytes_skipped);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    gpu_read(&r, c.name, c.offset, 2u << 10, 9);
    check_reads(&r);
    free_reader(&r);
    fx_errors_logged = 0; /* the injected GL_OUT_OF_MEMORY was logged */
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(destroy_deletes_every_ring_and_clears_the_pointer)
{
    uint64_t alive = glbuf_ctx_get_stats(fx_ctx).buffers_alive;
    glbuf_stream s = make_stream(16u << 10, 1u << 20, 0);
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 12u << 10, 4, &a), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, s, 12u << 10, 4, &a), GLBUF_OK); /* grows: two rings */
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive + 2);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK); /* mid-frame, old ring still retired */
    ck_assert_uint_eq(glbuf_ctx_get_stats(fx_ctx).buffers_alive, alive);
    ck_assert_int_eq(fx_gl->IsBuffer(a.name), GL_FALSE);
    ck_assert_int_eq(fx_errors_logged, 0);
}
END_TEST

/* ---- shrinking after a burst ----------------------------------------------------- */

static glbuf_stream make_trimming(uint32_t trim_after_frames)
{
    glbuf_stream_desc d = {0};
    d.capacity = 64 << 10;
    d.trim_after_frames = trim_after_frames;
    d.label = "test-trim";
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &d, &s), GLBUF_OK);
    return s;
}

/* One frame of 1 MiB (grows the ring), then `quiet` frames of 1 KiB, every
 * allocation read back by the GPU. */
static glbuf_stream_stats burst_then_quiet(glbuf_stream s, int quiet)
{
    reader r = make_reader((uint64_t)(quiet + 1) * (4 << 10) + (1 << 20) + 4096, quiet + 2);
    glbuf_stream_allocation big = alloc_pattern(s, 1 << 20, r.align, 1);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    gpu_read(&r, big.name, big.offset, 1 << 20, 1);
    ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    ck_assert_uint_ge(glbuf_stream_get_stats(fx_ctx, s).capacity, 1 << 20);
    for (int f = 0; f < quiet; f++) {
        glbuf_stream_allocation a = alloc_pattern(s, 1024, r.align, (uint32_t)(10 + f));
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
        gpu_read(&r, a.name, a.offset, 1024, (uint32_t)(10 + f));
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    check_reads(&r);
    free_reader(&r);
    return glbuf_stream_get_stats(fx_ctx, s);
}

START_TEST(a_grown_ring_shrinks_after_frames_well_under_its_capacity)
{
    glbuf_stream s = make_trimming(10);
    glbuf_stream_stats st = burst_then_quiet(s, 9);
    ck_assert_uint_eq(st.shrinks, 0); /* not yet: 9 quiet frames */
    glbuf_stream_allocation a = alloc_pattern(s, 1024, 256, 3); /* the first allocation of the 11th */
    (void)a;
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.shrinks, 1);
    ck_assert_uint_eq(st.capacity, 64 << 10); /* 3 x 1 KiB is below the first ring */
    ck_assert_int_eq(glbuf_ctx_wait_idle(fx_ctx), GLBUF_OK);
    (void)burst_then_quiet(s, 12); /* it grows again, reads right, and shrinks again */
    /* every frame has completed (burst_then_quiet waited): the next
     * allocation retires the grown rings */
    (void)alloc_pattern(s, 1024, 256, 4);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
    st = glbuf_stream_get_stats(fx_ctx, s);
    ck_assert_uint_eq(st.shrinks, 2);
    ck_assert_uint_eq(st.bytes_held, 64 << 10); /* the grown rings are gone */
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(a_ring_that_never_trims_keeps_its_peak)
{
    glbuf_stream s = make_trimming(GLBUF_STREAM_NO_TRIM);
    glbuf_stream_stats st = burst_then_quiet(s, 30);
    ck_assert_uint_eq(st.shrinks, 0);
    ck_assert_uint_ge(st.capacity, 1 << 20);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

START_TEST(stream_write_delivers_the_bytes_it_was_given)
{
    glbuf_stream s = make_stream(64 << 10, 0, 0);
    reader r = make_reader(8 * 48 * 1024, 8 * 3);
    uint8_t data[20000];
    for (int f = 0; f < 8; f++) {
        glbuf_stream_allocation a[3];
        for (int k = 0; k < 3; k++) {
            uint64_t size = 4u * (uint64_t)(1000 + 1500 * k + 7 * f); /* odd sizes, and the ring wraps */
            fx_pattern(data, size, (uint32_t)(f * 10 + k));
            ck_assert_int_eq(glbuf_stream_write(fx_ctx, s, data, size, r.align, &a[k]), GLBUF_OK);
        }
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, s), GLBUF_OK);
        for (int k = 0; k < 3; k++) {
            gpu_read(&r, a[k].name, a[k].offset, 4u * (uint64_t)(1000 + 1500 * k + 7 * f), (uint32_t)(f * 10 + k));
        }
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    check_reads(&r);
    free_reader(&r);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, create_applies_the_documented_defaults);
    tcase_add_test(tc, create_rejects_bad_descs);
    tcase_add_test(tc, capacities_are_rounded_to_powers_of_two);
    tcase_add_test(tc, bad_arguments_are_rejected_and_change_nothing);
    tcase_add_test(tc, a_pool_is_not_a_stream);
    tcase_add_test(tc, allocations_in_a_frame_are_aligned_disjoint_bump_allocations);
    tcase_add_test(tc, gpu_reads_what_was_written_across_wrap_around);
    tcase_add_test(tc, explicit_flush_ring_delivers_what_was_flushed);
    tcase_add_test(tc, region_is_not_reused_before_its_fence_signals);
    tcase_add_test(tc, no_wait_happens_when_the_fences_have_signalled);
    tcase_add_test(tc, a_frame_larger_than_the_ring_grows_it_and_keeps_the_old_ring_until_its_fence);
    tcase_add_test(tc, gpu_reads_what_was_written_across_growth_and_wrap_around);
    tcase_add_test(tc, a_frame_that_fills_the_largest_ring_gets_full);
    tcase_add_test(tc, a_wrapping_first_request_of_a_frame_needs_only_its_own_bytes);
    tcase_add_test(tc, failed_growth_keeps_the_old_ring_working);
    tcase_add_test(tc, a_failed_first_request_of_a_frame_changes_nothing);
    tcase_add_test(tc, the_region_walk_gives_every_frame_in_flight_oldest_first_split_at_the_wrap);
    tcase_add_test(tc, destroy_deletes_every_ring_and_clears_the_pointer);
    tcase_add_test(tc, a_grown_ring_shrinks_after_frames_well_under_its_capacity);
    tcase_add_test(tc, stream_write_delivers_the_bytes_it_was_given);
    tcase_add_test(tc, a_ring_that_never_trims_keeps_its_peak);
}

int main(void)
{
    Suite *s = suite_create("stream");
    fx_add_tcases(s, "stream", add_tests, 1);
    return fx_run(s);
}
