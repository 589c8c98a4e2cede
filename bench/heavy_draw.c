/* heavy_draw.c - glbuf-bench's heavy drawing workload: `bytes` of vertex data
 * (64-byte vertices: four vec4 attributes) in `meshes` meshes of log-uniform
 * sizes, drawn every frame as GL_POINTS into a small framebuffer (every
 * vertex fetched once; the positions fall outside the view, so the figure is
 * the vertex fetch, not the rasterizer), then read whole by a compute pass.
 * GPU ms per frame by GL_TIME_ELAPSED, separately for the draws and the
 * compute pass, medians over the frames after one warm-up frame:
 *
 *   per-resource   one STATIC_DRAW glbuf_buffer per mesh: a draw each, and a
 *                  dispatch each for the compute pass;
 *   megabuffer host-visible / device-local
 *                  one glbuf_mega (64-byte aligned allocations), one
 *                  glMultiDrawArraysIndirect, one compute pass over the store;
 *   reference      the same bytes in one buffer with storage flags 0 (a GPU
 *                  copy of the device-local store), drawn the same way: the
 *                  fastest the GPU reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "gpu_read.h"
#include "placement.h"

#define VERTEX 64u
#define FB 64
#define MAX_FRAMES 200

static const char *const vs_src =
    "#version 430 core\n"
    "layout(location = 0) in vec4 a;\n"
    "layout(location = 1) in vec4 b;\n"
    "layout(location = 2) in vec4 c;\n"
    "layout(location = 3) in vec4 d;\n"
    "void main() {\n"
    "    float s = dot(a + b + c + d, vec4(1.0));\n"
    "    gl_Position = vec4(4.0 + 1e-30 * s, 4.0, 0.0, 1.0); /* outside the view */\n"
    "}\n";
static const char *const fs_src = "#version 430 core\n"
                                  "out vec4 color;\n"
                                  "void main() { color = vec4(1.0); }\n";

typedef struct draw_cmd {
    uint32_t count, instance_count, first, base_instance;
} draw_cmd;

typedef struct heavy {
    bench_env *e;
    const bench_heavy_params *p;
    uint32_t *counts;  /* vertices per mesh */
    uint64_t total;    /* bytes in all */
    unsigned int program, vao, fbo, rbo;
    unsigned int q_draw, q_compute;
    bench_reader reader;
} heavy;

typedef struct heavy_row {
    double draw_ms, compute_ms, issue_ms;
    int draws;
    uint64_t read_bytes; /* what the compute pass reads */
} heavy_row;

static glbuf_ctx *heavy_ctx; /* for the write callbacks */

/* Writes mesh i's bytes (from the 16 MiB source, cyclically) with `put`. */
static void mesh_bytes(const heavy *h, uint64_t bytes, uint64_t seed,
                       void (*put)(void *user, uint64_t at, const void *data, uint64_t n), void *user)
{
    const bench_env *e = h->e;
    uint64_t from = (seed * 4096u) % (e->src_size / 2);
    for (uint64_t at = 0; at < bytes;) {
        uint64_t n = bytes - at;
        if (n > e->src_size / 2) {
            n = e->src_size / 2;
        }
        put(user, at, e->src + from, n);
        at += n;
    }
}

/* One timed frame: the draws, then the compute pass. */
typedef void (*draw_fn)(heavy *h, void *user);
typedef void (*compute_fn)(heavy *h, void *user);

static heavy_row run_frames(heavy *h, draw_fn draw, compute_fn compute, void *user, int draws)
{
    const bench_gl *gl = &h->e->gl;
    double d[MAX_FRAMES], c[MAX_FRAMES], issue[MAX_FRAMES];
    int frames = h->p->frames;
    for (int f = 0; f <= frames; f++) {
        gl->BindFramebuffer(BENCH_GL_FRAMEBUFFER, h->fbo);
        gl->Viewport(0, 0, FB, FB);
        gl->UseProgram(h->program);
        gl->BindVertexArray(h->vao);
        double t0 = 0, tc = 0;
        bench_timer_begin(gl, h->q_draw, &t0);
        draw(h, user);
        double issued = bench_now_s();
        double draw_ms = bench_timer_end_ms(gl, h->q_draw, t0);
        gl->BindVertexArray(0);
        bench_timer_begin(gl, h->q_compute, &tc);
        compute(h, user);
        double compute_ms = bench_timer_end_ms(gl, h->q_compute, tc);
        bench_check("end_frame", glbuf_ctx_end_frame(h->e->ctx));
        if (f > 0) { /* frame 0 warms up */
            d[f - 1] = draw_ms;
            c[f - 1] = compute_ms;
            issue[f - 1] = (issued - t0) * 1e3;
        }
    }
    if (gl->GetError() != 0) {
        bench_die("heavy drawing raised a GL error");
    }
    heavy_row r;
    r.draw_ms = bench_median(d, (size_t)frames);
    r.compute_ms = bench_median(c, (size_t)frames);
    r.issue_ms = bench_median(issue, (size_t)frames);
    r.draws = draws;
    return r;
}

/* ---- per-resource ------------------------------------------------------------------------ */

typedef struct per_resource {
    glbuf_buffer *bufs;
    unsigned int *names;
} per_resource;

static void put_sub_data(void *user, uint64_t at, const void *data, uint64_t n)
{
    const glbuf_buffer *b = user;
    bench_check("sub_data", glbuf_buffer_sub_data(heavy_ctx, *b, at, n, data));
}

static void draw_per_resource(heavy *h, void *user)
{
    const per_resource *pr = user;
    const bench_gl *gl = &h->e->gl;
    for (int i = 0; i < h->p->meshes; i++) {
        gl->VertexArrayVertexBuffer(h->vao, 0, pr->names[i], 0, (int)VERTEX);
        gl->DrawArrays(BENCH_GL_POINTS, 0, (int)h->counts[i]);
    }
}

static void compute_per_resource(heavy *h, void *user)
{
    const per_resource *pr = user;
    for (int i = 0; i < h->p->meshes; i++) {
        bench_read_range(&h->e->gl, &h->reader, pr->names[i], 0, (uint64_t)h->counts[i] * VERTEX);
    }
}

static heavy_row run_per_resource(heavy *h)
{
    glbuf_ctx *ctx = h->e->ctx;
    int k = h->p->meshes;
    per_resource pr = {bench_xcalloc((size_t)k, sizeof(glbuf_buffer)), bench_xcalloc((size_t)k, sizeof(unsigned int))};
    for (int i = 0; i < k; i++) {
        glbuf_buffer_desc d = {0};
        d.size = (uint64_t)h->counts[i] * VERTEX;
        d.usage = GLBUF_USAGE_STATIC_DRAW;
        d.label = "heavy-mesh";
        bench_check("buffer_create", glbuf_buffer_create(ctx, &d, &pr.bufs[i]));
        mesh_bytes(h, d.size, (uint64_t)i, put_sub_data, &pr.bufs[i]);
        pr.names[i] = glbuf_buffer_name(ctx, pr.bufs[i]);
    }
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    heavy_row r = run_frames(h, draw_per_resource, compute_per_resource, &pr, k);
    r.read_bytes = h->total;
    for (int i = 0; i < k; i++) {
        glbuf_buffer_destroy(ctx, pr.bufs[i]);
    }
    free(pr.bufs);
    free(pr.names);
    return r;
}

/* ---- one buffer, one multi-draw-indirect --------------------------------------------------- */

typedef struct one_buffer {
    unsigned int name;      /* what the draws and the compute pass read */
    unsigned int indirect;  /* the draw commands */
    uint64_t extent;        /* bytes the compute pass reads */
} one_buffer;

static void draw_one_buffer(heavy *h, void *user)
{
    const one_buffer *ob = user;
    const bench_gl *gl = &h->e->gl;
    gl->VertexArrayVertexBuffer(h->vao, 0, ob->name, 0, (int)VERTEX);
    gl->BindBuffer(BENCH_GL_DRAW_INDIRECT_BUFFER, ob->indirect);
    gl->MultiDrawArraysIndirect(BENCH_GL_POINTS, NULL, h->p->meshes, 0);
    gl->BindBuffer(BENCH_GL_DRAW_INDIRECT_BUFFER, 0);
}

static void compute_one_buffer(heavy *h, void *user)
{
    const one_buffer *ob = user;
    bench_read_range(&h->e->gl, &h->reader, ob->name, 0, ob->extent);
}

typedef struct mega_put {
    glbuf_mega m;
    glbuf_mega_range r;
} mega_put;

static void put_mega(void *user, uint64_t at, const void *data, uint64_t n)
{
    const mega_put *mp = user;
    bench_check("mega_write", glbuf_mega_write(heavy_ctx, mp->m, mp->r, at, data, n));
}

/* The meshes in a megabuffer of `placement`; *out_commands gets the draw
 * commands' buffer (the caller destroys it). */
static glbuf_mega fill_mega(heavy *h, glbuf_mega_placement placement, glbuf_buffer *out_commands,
                            uint64_t *out_extent)
{
    glbuf_ctx *ctx = h->e->ctx;
    int k = h->p->meshes;
    uint64_t capacity = GLBUF_MEGA_SIMPLE_2D;
    while (capacity < h->total + (uint64_t)k * VERTEX) {
        capacity *= 2;
    }
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.max_capacity = capacity;
    d.placement = placement;
    d.label = "heavy";
    glbuf_mega m = {0};
    bench_check("mega_create", glbuf_mega_create(ctx, &d, &m));
    draw_cmd *cmds = bench_xcalloc((size_t)k, sizeof *cmds);
    uint64_t extent = 0;
    for (int i = 0; i < k; i++) {
        mega_put mp = {m, {0}};
        uint64_t offset = 0, bytes = (uint64_t)h->counts[i] * VERTEX;
        bench_check("mega_alloc", glbuf_mega_alloc(ctx, m, bytes, VERTEX, &mp.r, &offset));
        mesh_bytes(h, bytes, (uint64_t)i, put_mega, &mp);
        cmds[i].count = h->counts[i];
        cmds[i].instance_count = 1;
        cmds[i].first = (uint32_t)(offset / VERTEX);
        extent = offset + bytes > extent ? offset + bytes : extent;
    }
    bench_check("mega_flush", glbuf_mega_flush(ctx, m));
    glbuf_buffer_desc bd = {0};
    bd.size = (uint64_t)k * sizeof *cmds;
    bd.data = cmds;
    bd.usage = GLBUF_USAGE_STATIC_DRAW;
    bd.label = "heavy-commands";
    bench_check("commands", glbuf_buffer_create(ctx, &bd, out_commands));
    free(cmds);
    *out_extent = extent; /* up to the last mesh's end: a multiple of 64 */
    bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
    return m;
}

static heavy_row run_mega(heavy *h, glbuf_mega_placement placement, heavy_row *reference)
{
    glbuf_ctx *ctx = h->e->ctx;
    glbuf_buffer commands = {0};
    one_buffer ob;
    glbuf_mega m = fill_mega(h, placement, &commands, &ob.extent);
    ob.name = glbuf_mega_gl_name(ctx, m);
    ob.indirect = glbuf_buffer_name(ctx, commands);
    heavy_row r = run_frames(h, draw_one_buffer, compute_one_buffer, &ob, 1);
    r.read_bytes = ob.extent;
    if (reference != NULL) {
        /* the same bytes, copied into plain flags-0 storage */
        const bench_gl *gl = &h->e->gl;
        one_buffer ref = ob;
        gl->CreateBuffers(1, &ref.name);
        gl->NamedBufferStorage(ref.name, (ptrdiff_t)ob.extent, NULL, 0);
        gl->CopyNamedBufferSubData(ob.name, ref.name, 0, 0, (ptrdiff_t)ob.extent);
        bench_check("wait_idle", glbuf_ctx_wait_idle(ctx));
        *reference = run_frames(h, draw_one_buffer, compute_one_buffer, &ref, 1);
        reference->read_bytes = ob.extent;
        gl->DeleteBuffers(1, &ref.name);
    }
    glbuf_buffer_destroy(ctx, commands);
    bench_check("mega_destroy", glbuf_mega_destroy(ctx, m));
    return r;
}

/* ---- the workload ------------------------------------------------------------------------- */

static void print_row(const char *name, const heavy_row *r)
{
    printf("| %s | %d | %.3f | %.3f | %.1f | %.3f |\n", name, r->draws, r->draw_ms, r->compute_ms,
           (double)r->read_bytes / (r->compute_ms * 1e-3) * 1e-9, r->issue_ms);
}

void bench_heavy_drawing(bench_env *e, const bench_heavy_params *p)
{
    const bench_gl *gl = &e->gl;
    heavy h;
    memset(&h, 0, sizeof h);
    h.e = e;
    h.p = p;
    heavy_ctx = e->ctx;
    int k = p->meshes;
    /* mesh sizes: log-uniform weights, scaled to `bytes` in all */
    double *w = bench_xcalloc((size_t)k, sizeof *w);
    double sum = 0;
    bench_rng rng = {0x5EED0700u};
    for (int i = 0; i < k; i++) {
        w[i] = (double)bench_log_uniform(&rng, 1, 64);
        sum += w[i];
    }
    h.counts = bench_xcalloc((size_t)k, sizeof *h.counts);
    uint64_t vertices = p->bytes / VERTEX;
    for (int i = 0; i < k; i++) {
        uint64_t c = (uint64_t)((double)vertices * w[i] / sum);
        h.counts[i] = (uint32_t)(c > 0 ? c : 1);
        h.total += (uint64_t)h.counts[i] * VERTEX;
    }
    free(w);

    h.program = bench_program(gl, vs_src, fs_src);
    gl->CreateVertexArrays(1, &h.vao);
    for (unsigned int a = 0; a < 4; a++) {
        gl->EnableVertexArrayAttrib(h.vao, a);
        gl->VertexArrayAttribFormat(h.vao, a, 4, BENCH_GL_FLOAT, BENCH_GL_FALSE, a * 16u);
        gl->VertexArrayAttribBinding(h.vao, a, 0);
    }
    gl->CreateRenderbuffers(1, &h.rbo);
    gl->NamedRenderbufferStorage(h.rbo, BENCH_GL_RGBA8, FB, FB);
    gl->CreateFramebuffers(1, &h.fbo);
    gl->NamedFramebufferRenderbuffer(h.fbo, BENCH_GL_COLOR_ATTACHMENT0, BENCH_GL_RENDERBUFFER, h.rbo);
    gl->GenQueries(1, &h.q_draw);
    gl->GenQueries(1, &h.q_compute);
    bench_reader_init(gl, &h.reader);

    fprintf(stderr, "glbuf-bench: heavy drawing (%llu MiB, %d meshes): per-resource\n",
            (unsigned long long)(h.total >> 20), k);
    heavy_row pr = run_per_resource(&h);
    fprintf(stderr, "glbuf-bench: heavy drawing: megabuffer host-visible\n");
    heavy_row hv = run_mega(&h, GLBUF_MEGA_PLACEMENT_HOST_VISIBLE, NULL);
    fprintf(stderr, "glbuf-bench: heavy drawing: megabuffer device-local, reference\n");
    heavy_row ref = {0, 0, 0, 0, 0};
    heavy_row dl = run_mega(&h, GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL, &ref);

    printf("### Heavy drawing (%.1f MiB of 64-byte vertices in %d meshes, every vertex drawn and read each "
           "frame)\n\n",
           (double)h.total / (1u << 20), k);
    printf("GPU ms %s, medians of %d frames. Draws: GL_POINTS, every vertex fetched once.\n"
           "Compute: one pass reading every byte (per-resource: a dispatch per buffer; one buffer: the whole\n"
           "store). CPU ms: issuing the draws.\n\n",
           bench_timer_used_wall() ? "as wall time between glFinish calls (this driver's GL_TIME_ELAPSED reads ~0)"
                                   : "by GL_TIME_ELAPSED",
           p->frames);
    printf("| strategy | draw calls / frame | draw GPU ms | compute GPU ms | compute GB/s | CPU ms (draws) |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    print_row("per-resource STATIC_DRAW, a draw each", &pr);
    print_row("megabuffer host-visible + one multi-draw-indirect", &hv);
    print_row("megabuffer device-local + one multi-draw-indirect", &dl);
    print_row("reference: one storage-flags-0 buffer + one multi-draw-indirect", &ref);
    printf("\nDevice-local draw time: %.0f%% of per-resource's, %.0f%% of host-visible's. Device-local compute "
           "rate: %.0f%% of the storage-flags-0 reference's.\n\n",
           100.0 * dl.draw_ms / pr.draw_ms, 100.0 * dl.draw_ms / hv.draw_ms,
           100.0 * (ref.compute_ms / (double)ref.read_bytes) / (dl.compute_ms / (double)dl.read_bytes));
    fflush(stdout);

    bench_reader_free(gl, &h.reader);
    gl->DeleteQueries(1, &h.q_draw);
    gl->DeleteQueries(1, &h.q_compute);
    gl->DeleteFramebuffers(1, &h.fbo);
    gl->DeleteRenderbuffers(1, &h.rbo);
    gl->DeleteVertexArrays(1, &h.vao);
    gl->DeleteProgram(h.program);
    gl->BindFramebuffer(BENCH_GL_FRAMEBUFFER, 0);
    free(h.counts);
}
