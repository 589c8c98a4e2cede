/* test_mega_meshes.c - meshes in the megabuffer on a real headless context:
 * per-allocation user data (kept by handle, through growth, in the block
 * walk and the JSON dump), allocations at any vertex stride, and meshes of
 * 12-, 24-, 36- and 56-byte vertices drawn with one multi-draw-indirect
 * whose pixels must equal a per-mesh reference render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"
#include "glbuf/mesh.h"
#include "glbuf/stream.h"

static glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_HOST_VISIBLE; /* set per TCase */

static glbuf_mega make(uint64_t capacity)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.placement = placement;
    d.label = "test-meshes";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range alloc_user(glbuf_mega m, uint64_t size, uint64_t user_data)
{
    glbuf_mega_alloc_desc d = {0};
    d.size = size;
    d.user_data = user_data;
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc_with(fx_ctx, m, &d, &r, NULL), GLBUF_OK);
    return r;
}

static uint64_t user_data_of(glbuf_mega m, glbuf_mega_range r)
{
    uint64_t v = 0;
    ck_assert_int_eq(glbuf_mega_user_data(fx_ctx, m, r, &v), GLBUF_OK);
    return v;
}

/* ---- user data ------------------------------------------------------------------ */

START_TEST(user_data_is_read_back_by_handle_and_survives_growth)
{
    glbuf_mega m = make(4096);
    glbuf_mega_range a = alloc_user(m, 1000, 0xfeedface12345678ull);
    glbuf_mega_range plain = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 100, 0, &plain, NULL), GLBUF_OK);
    ck_assert_uint_eq(user_data_of(m, a), 0xfeedface12345678ull);
    ck_assert_uint_eq(user_data_of(m, plain), 0);
    uint64_t before = glbuf_mega_get_stats(fx_ctx, m).growths;
    glbuf_mega_range big = alloc_user(m, 64 * 1024, 42); /* does not fit: grows */
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).growths, before + 1);
    ck_assert_uint_eq(user_data_of(m, a), 0xfeedface12345678ull);
    ck_assert_uint_eq(user_data_of(m, big), 42);
    /* freed: the handle and its user data are gone at once */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK);
    uint64_t v = 7;
    ck_assert_int_eq(glbuf_mega_user_data(fx_ctx, m, a, &v), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(v, 7);
    /* the record reused: the new allocation's, not the old one's */
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    glbuf_mega_range again = alloc_user(m, 1000, 5);
    ck_assert_uint_eq(user_data_of(m, again), 5);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

typedef struct walk {
    int live, pending, free;
    uint64_t user_sum;
    glbuf_mega_range ranges[16];
    uint64_t users[16];
} walk;

static int gather(void *user, const glbuf_mega_block *b)
{
    walk *w = user;
    if (b->kind == GLBUF_MEGA_BLOCK_LIVE) {
        ck_assert_uint_ne(b->range.id, 0);
        ck_assert_int_lt(w->live, 16);
        w->ranges[w->live] = b->range;
        w->users[w->live] = b->user_data;
        w->live++;
    } else if (b->kind == GLBUF_MEGA_BLOCK_PENDING) {
        ck_assert_uint_eq(b->range.id, 0); /* dead handles are not handed out */
        w->pending++;
    } else {
        ck_assert_uint_eq(b->range.id, 0);
        ck_assert_uint_eq(b->user_data, 0);
        w->free++;
    }
    w->user_sum += b->user_data;
    return 0;
}

START_TEST(the_block_walk_and_the_json_dump_carry_user_data)
{
    glbuf_mega m = make(65536);
    glbuf_mega_range r[5];
    for (int i = 0; i < 5; i++) {
        r[i] = alloc_user(m, 512, 1000 + (uint64_t)i);
    }
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[2]), GLBUF_OK);
    walk w;
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(glbuf_mega_for_each_block(fx_ctx, m, gather, &w), GLBUF_OK);
    ck_assert_int_eq(w.live, 4);
    ck_assert_int_eq(w.pending, 1);
    ck_assert_int_ge(w.free, 1);
    ck_assert_uint_eq(w.user_sum, 1000 + 1001 + 1002 + 1003 + 1004); /* the pending one keeps its own */
    for (int k = 0; k < w.live; k++) {
        ck_assert_uint_eq(user_data_of(m, w.ranges[k]), w.users[k]);
    }
    size_t len = 0;
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, NULL, 0, &len), GLBUF_ERR_TOO_LARGE);
    char *json = malloc(len + 1);
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, json, len + 1, &len), GLBUF_OK);
    for (int i = 0; i < 5; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"user_data\":%d}", 1000 + i);
        ck_assert_msg(strstr(json, want) != NULL, "%s not in %s", want, json);
    }
    ck_assert_ptr_nonnull(strstr(json, "\"kind\":\"free\",\"offset\":"));
    free(json);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST


/* ---- any stride ---------------------------------------------------------------- */

static const uint64_t strides[] = {12, 24, 36, 56, 3, 100};

START_TEST(allocations_at_any_stride_start_at_a_multiple_of_it_and_of_the_use)
{
    glbuf_mega m = make(1u << 20);
    uint64_t use = glbuf_mega_get_stats(fx_ctx, m).alignment;
    glbuf_mega_range keep[64];
    int n = 0;
    for (int round = 0; round < 8; round++) {
        for (size_t k = 0; k < sizeof strides / sizeof strides[0]; k++) {
            uint64_t stride = strides[k];
            glbuf_mega_alloc_desc d = {0};
            d.size = stride * (1 + (uint64_t)(round * 7 + (int)k) % 50);
            d.stride = stride;
            glbuf_mega_range r = {0};
            uint64_t off = 1;
            ck_assert_int_eq(glbuf_mega_alloc_with(fx_ctx, m, &d, &r, &off), GLBUF_OK);
            ck_assert_msg(off % stride == 0 && off % use == 0, "stride %llu at %llu", (unsigned long long)stride,
                          (unsigned long long)off);
            if ((round + (int)k) % 3 == 0) {
                ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r), GLBUF_OK); /* holes of odd sizes */
            } else if (n < 64) {
                keep[n++] = r;
            }
        }
        ck_assert_int_eq(glbuf_mega_collect(fx_ctx, m), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    for (int i = 0; i < n; i++) { /* still live, still where they were */
        uint64_t off = 1;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, keep[i], &off), GLBUF_OK);
    }
    /* The plain call with the vertex size as alignment: the same guarantee. */
    for (int i = 0; i < 10; i++) {
        glbuf_mega_range r = {0};
        uint64_t off = 1;
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 24 * 7, 24, &r, &off), GLBUF_OK);
        ck_assert_uint_eq(off % 48, 0); /* lcm(24, 16) */
    }
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(a_size_that_is_not_whole_elements_is_refused_and_changes_nothing)
{
    glbuf_mega m = make(65536);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    glbuf_mega_alloc_desc d = {0};
    d.size = 100;
    d.stride = 24;
    glbuf_mega_range r = {0};
    uint64_t off = 7;
    ck_assert_int_eq(glbuf_mega_alloc_with(fx_ctx, m, &d, &r, &off), GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(r.id, 0);
    ck_assert_uint_eq(off, 7);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(after.failed_allocations, before.failed_allocations);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- meshes and their draw parameters ---------------------------------------------- */

START_TEST(mesh_draw_parameters_name_exact_elements)
{
    glbuf_mega m = make(1u << 20);
    static const uint32_t types[] = {GLBUF_INDEX_UINT8, GLBUF_INDEX_UINT16, GLBUF_INDEX_UINT32};
    static const uint64_t index_size[] = {1, 2, 4};
    for (int i = 0; i < 24; i++) {
        glbuf_mesh_desc d = {0};
        d.vertex_count = 3 + (uint64_t)i * 5;
        d.vertex_stride = strides[i % 4];
        d.index_count = (i % 5 == 4) ? 0 : 3 * (uint64_t)(i + 1);
        d.index_type = d.index_count ? types[i % 3] : 0;
        d.user_data = 500 + (uint64_t)i;
        glbuf_mesh mesh;
        ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &mesh), GLBUF_OK);
        glbuf_mesh_draw dr;
        ck_assert_int_eq(glbuf_mega_mesh_draw(fx_ctx, m, &mesh, &dr), GLBUF_OK);
        uint64_t v = 0;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, mesh.vertices, &v), GLBUF_OK);
        ck_assert_uint_eq(dr.vertex_offset, v);
        ck_assert_uint_eq((uint64_t)dr.base_vertex * d.vertex_stride, v);
        ck_assert_uint_eq(dr.first_vertex, (uint32_t)dr.base_vertex);
        ck_assert_int_eq(glbuf_mega_size(fx_ctx, m, mesh.vertices, &v), GLBUF_OK);
        ck_assert_uint_eq(v, d.vertex_count * d.vertex_stride);
        ck_assert_uint_eq(user_data_of(m, mesh.vertices), 500 + (uint64_t)i);
        if (d.index_count) {
            ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, mesh.indices, &v), GLBUF_OK);
            ck_assert_uint_eq(dr.index_offset, v);
            ck_assert_uint_eq((uint64_t)dr.first_index * index_size[i % 3], v);
            ck_assert_uint_eq(dr.count, d.index_count);
            ck_assert_uint_eq(user_data_of(m, mesh.indices), 500 + (uint64_t)i);
        } else {
            ck_assert_uint_eq(mesh.indices.id, 0);
            ck_assert_uint_eq(dr.count, d.vertex_count);
        }
        if (i % 3 == 0) {
            ck_assert_int_eq(glbuf_mega_mesh_free(fx_ctx, m, &mesh), GLBUF_OK);
            ck_assert_int_eq(glbuf_mega_mesh_draw(fx_ctx, m, &mesh, &dr), GLBUF_ERR_INVALID_HANDLE);
        }
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(mesh_calls_refuse_what_is_not_one_multi_draw_and_change_nothing)
{
    glbuf_mega m = make(65536);
    glbuf_mesh_desc d = {0};
    d.vertex_count = 4;
    d.vertex_stride = 24;
    d.index_count = 6;
    d.index_type = GLBUF_INDEX_UINT16;
    glbuf_mesh a, b, c;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &a), GLBUF_OK);
    d.index_type = GLBUF_INDEX_UINT32;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &b), GLBUF_OK);
    d.index_count = 0;
    d.index_type = 0;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &c), GLBUF_OK);
    glbuf_mega_stats before = glbuf_mega_get_stats(fx_ctx, m);
    uint8_t out[64];
    memset(out, 0xAB, sizeof out);
    uint64_t bytes = 99;
    glbuf_mesh mixed_types[2] = {a, b}, mixed_kinds[2] = {a, c};
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, mixed_types, 2, 0, out, sizeof out, &bytes),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, mixed_kinds, 2, 0, out, sizeof out, &bytes),
                     GLBUF_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, &a, 1, 0, out, 19, &bytes), GLBUF_ERR_TOO_LARGE);
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, &a, 1, UINT32_MAX, out, sizeof out, &bytes),
                     GLBUF_OK); /* the last instance there is */
    glbuf_mesh two[2] = {a, a};
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, two, 2, UINT32_MAX, out, sizeof out, &bytes),
                     GLBUF_ERR_OVERFLOW);
    /* a mesh whose format does not match its ranges */
    glbuf_mesh forged = a;
    forged.vertex_stride = 12;
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, &forged, 1, 0, out, sizeof out, &bytes),
                     GLBUF_ERR_INVALID_ARGUMENT);
    /* bad descriptions allocate nothing */
    glbuf_mesh none;
    memset(&none, 0, sizeof none);
    d.index_count = 3; /* no type */
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &none), GLBUF_ERR_INVALID_ARGUMENT);
    d.index_type = 0x1404; /* GL_INT: not an index type */
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &none), GLBUF_ERR_INVALID_ARGUMENT);
    d.index_count = 0;
    d.index_type = GLBUF_INDEX_UINT8; /* a type without indices */
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &none), GLBUF_ERR_INVALID_ARGUMENT);
    d.index_type = 0;
    d.vertex_count = 1ull << 33; /* more than one command can count */
    d.vertex_stride = 1;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &none), GLBUF_ERR_OVERFLOW);
    ck_assert_uint_eq(none.vertices.id, 0);
    glbuf_mega_stats after = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(after.allocations, before.allocations);
    ck_assert_uint_eq(after.used_bytes, before.used_bytes);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(a_mesh_whose_indices_do_not_fit_leaves_no_vertices_behind)
{
    glbuf_mega_desc md = {0};
    md.capacity = 4096;
    md.max_capacity = 4096;
    md.growth = GLBUF_MEGA_GROW_NONE;
    md.placement = placement;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &m), GLBUF_OK);
    glbuf_mesh_desc d = {0};
    d.vertex_count = 100;
    d.vertex_stride = 24; /* 2400 bytes fit */
    d.index_count = 1000;
    d.index_type = GLBUF_INDEX_UINT32; /* 4000 do not */
    glbuf_mesh mesh;
    memset(&mesh, 0, sizeof mesh);
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &mesh), GLBUF_ERR_FULL);
    ck_assert_uint_eq(mesh.vertices.id, 0);
    glbuf_mega_stats st = glbuf_mega_get_stats(fx_ctx, m);
    ck_assert_uint_eq(st.allocations, 0);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.pending_frees, 0); /* taken back at once: never used */
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- one multi-draw-indirect per vertex size against a per-mesh reference ------------ */

enum { GROUPS = 4, PER_GROUP = 6, MESHES = GROUPS * PER_GROUP, FB = 128 };
static const uint64_t group_stride[GROUPS] = {12, 24, 36, 56};
static const uint32_t group_index[GROUPS] = {GLBUF_INDEX_UINT16, GLBUF_INDEX_UINT32, GLBUF_INDEX_UINT16,
                                             GLBUF_INDEX_UINT32};

typedef struct scene_mesh {
    uint8_t *vertices, *indices;
    uint64_t vertex_bytes, index_bytes;
    uint32_t vertex_count, index_count;
} scene_mesh;

/* Mesh k of group g: a convex polygon (a fan of triangles) in its own cell
 * of a 6 x 4 grid; position (3 floats) first, then a colour (3 floats) for
 * vertices of 24 bytes or more, then junk that would draw garbage if a
 * vertex were read from the wrong place. */
static scene_mesh make_scene_mesh(int g, int k)
{
    scene_mesh sm;
    uint64_t stride = group_stride[g];
    uint32_t n = 3 + (uint32_t)((k * 5 + g * 3) % 12); /* rim vertices */
    sm.vertex_count = n + 1;
    sm.index_count = 3 * n;
    sm.vertex_bytes = sm.vertex_count * stride;
    uint64_t isz = group_index[g] == GLBUF_INDEX_UINT16 ? 2 : 4;
    sm.index_bytes = sm.index_count * isz;
    sm.vertices = calloc(1, (size_t)sm.vertex_bytes);
    sm.indices = calloc(1, (size_t)sm.index_bytes);
    int cell = g * PER_GROUP + k;
    float cx = -1.0f + (2.0f / 6.0f) * ((float)(cell % 6) + 0.5f);
    float cy = -1.0f + (2.0f / 4.0f) * ((float)(cell / 6) + 0.5f);
    float rad = 0.13f;
    float col[3] = {(float)((cell * 37) % 256) / 255.0f, (float)((cell * 91 + 40) % 256) / 255.0f,
                    (float)((cell * 53 + 100) % 256) / 255.0f};
    for (uint32_t v = 0; v < sm.vertex_count; v++) {
        float pos[3] = {cx, cy, 0.0f};
        if (v > 0) {
            float a = 6.2831853f * (float)(v - 1) / (float)n;
            /* a polygon without trig: points on a square-ish ring */
            float x = a < 3.1415926f ? 1.0f - a / 1.5707963f : -3.0f + a / 1.5707963f;
            float y = a < 1.5707963f ? a / 1.5707963f : a < 4.712389f ? 2.0f - a / 1.5707963f : -4.0f + a / 1.5707963f;
            pos[0] = cx + rad * x;
            pos[1] = cy + rad * y;
        }
        uint8_t *at = sm.vertices + v * stride;
        memcpy(at, pos, 12);
        if (stride >= 24) {
            memcpy(at + 12, col, 12);
        }
        for (uint64_t b = 24; b < stride; b++) {
            at[b] = (uint8_t)(0x7F ^ (b * 29)); /* large floats if read as a position */
        }
    }
    for (uint32_t t = 0; t < n; t++) {
        uint32_t tri[3] = {0, 1 + t, 1 + (t + 1) % n};
        for (int j = 0; j < 3; j++) {
            if (isz == 2) {
                uint16_t x = (uint16_t)tri[j];
                memcpy(sm.indices + (t * 3 + (uint32_t)j) * 2, &x, 2);
            } else {
                memcpy(sm.indices + (t * 3 + (uint32_t)j) * 4, &tri[j], 4);
            }
        }
    }
    return sm;
}

static GLuint compile(GLenum type, const char *src)
{
    GLuint sh = fx_gl->CreateShader(type);
    fx_gl->ShaderSource(sh, 1, &src, NULL);
    fx_gl->CompileShader(sh);
    GLint ok = 0;
    fx_gl->GetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    char log[512] = "";
    fx_gl->GetShaderInfoLog(sh, sizeof log, NULL, log);
    ck_assert_msg(ok, "shader: %s", log);
    return sh;
}

typedef struct painter {
    GLuint prog, vao, fbo, rb;
} painter;

static painter make_painter(void)
{
    const char *vs = "#version 330 core\n"
                     "layout(location = 0) in vec3 p;\n"
                     "layout(location = 1) in vec3 c;\n"
                     "out vec3 colour;\n"
                     "void main() { gl_Position = vec4(p, 1.0); colour = c; }\n";
    const char *fs = "#version 330 core\n"
                     "in vec3 colour;\n"
                     "out vec4 o;\n"
                     "void main() { o = vec4(colour, 1.0); }\n";
    painter p;
    p.prog = fx_gl->CreateProgram();
    fx_gl->AttachShader(p.prog, compile(GL_VERTEX_SHADER, vs));
    fx_gl->AttachShader(p.prog, compile(GL_FRAGMENT_SHADER, fs));
    fx_gl->LinkProgram(p.prog);
    GLint linked = 0;
    fx_gl->GetProgramiv(p.prog, GL_LINK_STATUS, &linked);
    ck_assert(linked);
    fx_gl->GenFramebuffers(1, &p.fbo);
    fx_gl->GenRenderbuffers(1, &p.rb);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, p.rb);
    fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, FB, FB);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, p.fbo);
    fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, p.rb);
    ck_assert_int_eq(fx_gl->CheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
    fx_gl->GenVertexArrays(1, &p.vao);
    fx_gl->Viewport(0, 0, FB, FB);
    fx_gl->UseProgram(p.prog);
    return p;
}

/* The vertex format of group g, reading buffer `name` from offset 0. */
static void bind_format(const painter *p, int g, GLuint name)
{
    GLsizei stride = (GLsizei)group_stride[g];
    fx_gl->BindVertexArray(p->vao);
    fx_gl->BindBuffer(GL_ARRAY_BUFFER, name);
    fx_gl->VertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, stride, NULL);
    fx_gl->EnableVertexAttribArray(0);
    if (stride >= 24) {
        fx_gl->VertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, stride, (const void *)(uintptr_t)12);
        fx_gl->EnableVertexAttribArray(1);
    } else {
        fx_gl->DisableVertexAttribArray(1);
        fx_gl->VertexAttrib3f(1, 1.0f, 1.0f, 1.0f); /* 12-byte vertices: white */
    }
}

static void read_picture(uint8_t *px)
{
    fx_gl->ReadPixels(0, 0, FB, FB, GL_RGBA, GL_UNSIGNED_BYTE, px);
    ck_assert_int_eq(fx_gl->GetError(), GL_NO_ERROR);
}

/* Every mesh from its own plain GL buffers, one glDrawElements each. */
static void reference_picture(const painter *p, scene_mesh *sm, uint8_t *px)
{
    fx_gl->ClearColor(0, 0, 0, 1);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);
    for (int g = 0; g < GROUPS; g++) {
        for (int k = 0; k < PER_GROUP; k++) {
            scene_mesh *s = &sm[g * PER_GROUP + k];
            GLuint vb = 0, ib = 0;
            fx_gl->GenBuffers(1, &vb);
            fx_gl->GenBuffers(1, &ib);
            bind_format(p, g, vb);
            fx_gl->BufferData(GL_ARRAY_BUFFER, (GLsizeiptr)s->vertex_bytes, s->vertices, GL_STATIC_DRAW);
            bind_format(p, g, vb);
            fx_gl->BindBuffer(GL_ELEMENT_ARRAY_BUFFER, ib);
            fx_gl->BufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)s->index_bytes, s->indices, GL_STATIC_DRAW);
            fx_gl->DrawElements(GL_TRIANGLES, (GLsizei)s->index_count, (GLenum)group_index[g], NULL);
            fx_gl->BindVertexArray(0);
            fx_gl->DeleteBuffers(1, &vb);
            fx_gl->DeleteBuffers(1, &ib);
        }
    }
    read_picture(px);
}

/* Every group with one glMultiDrawElementsIndirect from the megabuffer, the
 * commands written into it by glbuf_mega_mesh_write_commands. */
static void megabuffer_picture(const painter *p, glbuf_mega m, const glbuf_mesh *meshes,
                               const glbuf_mega_range *cmds, uint8_t *px)
{
    for (int g = 0; g < GROUPS; g++) {
        ck_assert_int_eq(glbuf_mega_mesh_write_commands(fx_ctx, m, meshes + g * PER_GROUP, PER_GROUP, 0, cmds[g], 0),
                         GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    GLuint name = glbuf_mega_gl_name(fx_ctx, m);
    fx_gl->ClearColor(0, 0, 0, 1);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);
    fx_gl->BindBuffer(GL_DRAW_INDIRECT_BUFFER, name);
    for (int g = 0; g < GROUPS; g++) {
        uint64_t at = 0;
        ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, cmds[g], &at), GLBUF_OK);
        bind_format(p, g, name);
        fx_gl->BindBuffer(GL_ELEMENT_ARRAY_BUFFER, name);
        fx_gl->MultiDrawElementsIndirect(GL_TRIANGLES, (GLenum)group_index[g], (const void *)(uintptr_t)at,
                                         PER_GROUP, 0);
        fx_gl->BindVertexArray(0);
    }
    fx_gl->BindBuffer(GL_DRAW_INDIRECT_BUFFER, 0);
    read_picture(px);
}

static void expect_same_picture(const uint8_t *got, const uint8_t *want, const char *when)
{
    int differ = 0, lit = 0;
    for (int i = 0; i < FB * FB; i++) {
        differ += memcmp(got + i * 4, want + i * 4, 4) != 0;
        lit += want[i * 4] != 0 || want[i * 4 + 1] != 0 || want[i * 4 + 2] != 0;
    }
    ck_assert_msg(lit > FB * FB / 10, "the reference draws little: %d pixels", lit);
    ck_assert_msg(differ == 0, "%s: %d of %d pixels differ from the per-mesh reference", when, differ, FB * FB);
}

START_TEST(meshes_of_12_24_36_and_56_byte_vertices_draw_like_a_per_mesh_reference)
{
    FX_REQUIRE(FX_GL_4_3, "glMultiDrawElementsIndirect");
    glbuf_mega_desc md = {0};
    md.capacity = 16 * 1024; /* small: the meshes make it grow */
    md.placement = placement;
    md.label = "test-meshes-mdi";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &m), GLBUF_OK);
    scene_mesh sm[MESHES];
    glbuf_mesh meshes[MESHES];
    glbuf_mega_range junk[MESHES], cmds[GROUPS];
    /* Meshes of the four groups interleaved, with junk between them that is
     * freed later: holes for defragmentation to fill. */
    for (int k = 0; k < PER_GROUP; k++) {
        for (int g = 0; g < GROUPS; g++) {
            int i = g * PER_GROUP + k;
            sm[i] = make_scene_mesh(g, k);
            glbuf_mesh_desc d = {0};
            d.vertex_count = sm[i].vertex_count;
            d.vertex_stride = group_stride[g];
            d.index_count = sm[i].index_count;
            d.index_type = group_index[g];
            d.user_data = (uint64_t)i;
            ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &meshes[i]), GLBUF_OK);
            ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, meshes[i].vertices, 0, sm[i].vertices, sm[i].vertex_bytes),
                             GLBUF_OK);
            ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, meshes[i].indices, 0, sm[i].indices, sm[i].index_bytes),
                             GLBUF_OK);
            ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 200 + (uint64_t)i * 40, 0, &junk[i], NULL), GLBUF_OK);
        }
    }
    for (int g = 0; g < GROUPS; g++) {
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, PER_GROUP * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES, 0, &cmds[g], NULL),
                         GLBUF_OK);
    }
    painter p = make_painter();
    static uint8_t want[FB * FB * 4], got[FB * FB * 4];
    reference_picture(&p, sm, want);

    megabuffer_picture(&p, m, meshes, cmds, got);
    expect_same_picture(got, want, "as allocated");

    /* growth: new storage, every offset kept */
    uint64_t growths = glbuf_mega_get_stats(fx_ctx, m).growths;
    glbuf_mega_range big = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 256 * 1024, 0, &big, NULL), GLBUF_OK);
    ck_assert_uint_gt(glbuf_mega_get_stats(fx_ctx, m).growths, growths);
    megabuffer_picture(&p, m, meshes, cmds, got);
    expect_same_picture(got, want, "after growth");

    /* holes everywhere, then incremental defragmentation at a small budget:
     * the picture after every step */
    for (int i = 0; i < MESHES; i++) {
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, junk[i]), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, big), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    int steps = 0, moved = 0;
    glbuf_mega_defrag_report rep;
    do {
        ck_assert_int_eq(glbuf_mega_defragment(fx_ctx, m, 1024, NULL, NULL, &rep), GLBUF_OK);
        moved += (int)rep.moves;
        char when[64];
        snprintf(when, sizeof when, "after defragmentation step %d", steps);
        megabuffer_picture(&p, m, meshes, cmds, got);
        expect_same_picture(got, want, when);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_wait_frame(fx_ctx, glbuf_ctx_frame(fx_ctx) - 1, UINT64_MAX), GLBUF_OK);
        ck_assert_int_lt(++steps, 400);
    } while (rep.moves_left > 0 || rep.started || rep.moves > 0);
    ck_assert_int_gt(moved, MESHES / 2);
    ck_assert_int_gt(steps, 5);
    /* user data survived the moves */
    for (int i = 0; i < MESHES; i++) {
        ck_assert_uint_eq(user_data_of(m, meshes[i].vertices), (uint64_t)i);
        ck_assert_uint_eq(user_data_of(m, meshes[i].indices), (uint64_t)i);
        free(sm[i].vertices);
        free(sm[i].indices);
    }
    printf("meshes: 4 multi-draws of %d meshes equal the reference as allocated, after growth and after each of %d "
           "defragmentation steps (%d moves)\n",
           PER_GROUP, steps, moved);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    ck_assert_int_eq(fx_errors_logged, 0);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

START_TEST(commands_written_to_memory_and_into_the_megabuffer_agree)
{
    glbuf_mega m = make(65536);
    glbuf_mesh meshes[5];
    for (int i = 0; i < 5; i++) {
        glbuf_mesh_desc d = {0};
        d.vertex_count = 10 + (uint64_t)i;
        d.vertex_stride = 56;
        d.index_count = 30;
        d.index_type = GLBUF_INDEX_UINT32;
        ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &meshes[i]), GLBUF_OK);
    }
    uint32_t cmd[5][5];
    uint64_t bytes = 0;
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, meshes, 5, 7, cmd, sizeof cmd, &bytes), GLBUF_OK);
    ck_assert_uint_eq(bytes, 5 * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES);
    for (int i = 0; i < 5; i++) {
        glbuf_mesh_draw d;
        ck_assert_int_eq(glbuf_mega_mesh_draw(fx_ctx, m, &meshes[i], &d), GLBUF_OK);
        ck_assert_uint_eq(cmd[i][0], 30);
        ck_assert_uint_eq(cmd[i][1], 1);
        ck_assert_uint_eq(cmd[i][2], d.first_index);
        ck_assert_int_eq((int32_t)cmd[i][3], d.base_vertex);
        ck_assert_uint_eq(cmd[i][4], 7 + (uint32_t)i);
    }
    glbuf_mega_range dst = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 8 + sizeof cmd, 0, &dst, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_mesh_write_commands(fx_ctx, m, meshes, 5, 7, dst, 8), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_mesh_write_commands(fx_ctx, m, meshes, 5, 7, dst, 9), GLBUF_ERR_OUT_OF_BOUNDS);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint64_t at = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, dst, &at), GLBUF_OK);
    uint32_t back[5][5];
    fx_read(glbuf_mega_gl_name(fx_ctx, m), at + 8, sizeof back, back);
    ck_assert_int_eq(memcmp(back, cmd, sizeof cmd), 0);
    /* meshes without indices: DrawArraysIndirectCommand */
    glbuf_mesh_desc d = {0};
    d.vertex_count = 9;
    d.vertex_stride = 36;
    glbuf_mesh arrays;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &arrays), GLBUF_OK);
    uint32_t acmd[4];
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, &arrays, 1, 0, acmd, sizeof acmd, &bytes), GLBUF_OK);
    ck_assert_uint_eq(bytes, GLBUF_DRAW_ARRAYS_COMMAND_BYTES);
    glbuf_mesh_draw ad;
    ck_assert_int_eq(glbuf_mega_mesh_draw(fx_ctx, m, &arrays, &ad), GLBUF_OK);
    ck_assert_uint_eq(acmd[0], 9);
    ck_assert_uint_eq(acmd[2], ad.first_vertex);
    ck_assert_uint_eq((uint64_t)ad.first_vertex * 36, ad.vertex_offset);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* Stream ranges at vertex sizes: per-frame vertices drawn with first =
 * offset / vertex size, and a mesh list's commands written into one. */
START_TEST(stream_ranges_at_any_vertex_size_and_commands_written_into_one)
{
    glbuf_stream_desc sd = {0};
    sd.capacity = 16384; /* small: laps and wraps at its end */
    sd.max_capacity = 16384;
    glbuf_stream st = {0};
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &sd, &st), GLBUF_OK);
    for (int f = 0; f < 20; f++) {
        for (int k = 0; k < 6; k++) {
            uint64_t stride = strides[(f + k) % 4];
            glbuf_stream_allocation a;
            ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, st, stride * (3 + (uint64_t)k * 5), stride, &a), GLBUF_OK);
            ck_assert_msg(a.offset % stride == 0, "stride %llu at %llu", (unsigned long long)stride,
                          (unsigned long long)a.offset);
            memset(a.ptr, 0x5A, (size_t)(stride * 3));
        }
        ck_assert_int_eq(glbuf_stream_flush(fx_ctx, st), GLBUF_OK);
        ck_assert_int_eq(glbuf_ctx_end_frame(fx_ctx), GLBUF_OK);
    }
    glbuf_mega m = make(65536);
    glbuf_mesh meshes[3];
    for (int i = 0; i < 3; i++) {
        glbuf_mesh_desc d = {0};
        d.vertex_count = 7;
        d.vertex_stride = 36;
        d.index_count = 9;
        d.index_type = GLBUF_INDEX_UINT16;
        ck_assert_int_eq(glbuf_mega_mesh_alloc(fx_ctx, m, &d, &meshes[i]), GLBUF_OK);
    }
    glbuf_stream_allocation a;
    ck_assert_int_eq(glbuf_stream_alloc(fx_ctx, st, 3 * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES, 4, &a), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_mesh_commands(fx_ctx, m, meshes, 3, 0, a.ptr, 3 * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES,
                                              NULL),
                     GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_flush(fx_ctx, st), GLBUF_OK);
    uint32_t back[3][5];
    fx_read(a.name, a.offset, sizeof back, back);
    for (int i = 0; i < 3; i++) {
        glbuf_mesh_draw d;
        ck_assert_int_eq(glbuf_mega_mesh_draw(fx_ctx, m, &meshes[i], &d), GLBUF_OK);
        ck_assert_uint_eq(back[i][0], 9);
        ck_assert_uint_eq(back[i][2], d.first_index);
        ck_assert_int_eq((int32_t)back[i][3], d.base_vertex);
        ck_assert_uint_eq(back[i][4], (uint32_t)i);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, st), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, user_data_is_read_back_by_handle_and_survives_growth);
    tcase_add_test(tc, the_block_walk_and_the_json_dump_carry_user_data);
    tcase_add_test(tc, allocations_at_any_stride_start_at_a_multiple_of_it_and_of_the_use);
    tcase_add_test(tc, a_size_that_is_not_whole_elements_is_refused_and_changes_nothing);
    tcase_add_test(tc, mesh_draw_parameters_name_exact_elements);
    tcase_add_test(tc, mesh_calls_refuse_what_is_not_one_multi_draw_and_change_nothing);
    tcase_add_test(tc, a_mesh_whose_indices_do_not_fit_leaves_no_vertices_behind);
    tcase_add_test(tc, commands_written_to_memory_and_into_the_megabuffer_agree);
    tcase_add_test(tc, stream_ranges_at_any_vertex_size_and_commands_written_into_one);
    tcase_add_test(tc, meshes_of_12_24_36_and_56_byte_vertices_draw_like_a_per_mesh_reference);
}

static void device_local(void)
{
    placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
}

int main(void)
{
    Suite *s = suite_create("mega_meshes");
    fx_add_tcases(s, "mega_meshes", add_tests, 1);
    fx_add_tcases_with(s, "mega_meshes/device-local", add_tests, 1, device_local);
    return fx_run(s);
}
