/* view_gl.c - the view's GL side: its own function table, one program, the
 * font texture, one vertex array and buffer; each draw saves the GL state
 * it changes and puts it back (view.h lists it). GL 3.3 core: no DSA. */
#include <stdio.h>
#include <string.h>

#include "font.h"
#include "view_internal.h"

static const char *const vertex_source =
    "#version 330 core\n"
    "layout(location = 0) in vec2 p;\n"
    "layout(location = 1) in vec2 uv;\n"
    "layout(location = 2) in vec4 c;\n"
    "uniform vec2 u_view;\n"
    "out vec2 v_uv;\n"
    "out vec4 v_c;\n"
    "void main() {\n"
    "    v_uv = uv;\n"
    "    v_c = c;\n"
    "    gl_Position = vec4(p.x / u_view.x * 2.0 - 1.0, 1.0 - p.y / u_view.y * 2.0, 0.0, 1.0);\n"
    "}\n";

/* texelFetch: no filtering, and unit 0's sampler object is unbound while
 * drawing, so the font texture is complete whatever the app's samplers. */
static const char *const fragment_source =
    "#version 330 core\n"
    "uniform sampler2D u_font;\n"
    "in vec2 v_uv;\n"
    "in vec4 v_c;\n"
    "out vec4 o;\n"
    "void main() {\n"
    "    float lit = texelFetch(u_font, ivec2(v_uv), 0).r;\n"
    "    o = vec4(v_c.rgb, v_c.a * lit);\n"
    "}\n";

#define INITIAL_VBO_BYTES ((uint64_t)64 << 10)

static void label(glbuf_view *v, GLenum kind, GLuint name, const char *prefix, const char *what)
{
    if (v->has_debug) {
        char text[96];
        snprintf(text, sizeof text, "%s view %s", prefix, what);
        v->gl.ObjectLabel(kind, name, -1, text);
    }
}

static GLuint compile(GladGLContext *gl, GLenum stage, const char *source)
{
    GLuint s = gl->CreateShader(stage);
    gl->ShaderSource(s, 1, &source, NULL);
    gl->CompileShader(s);
    GLint ok = 0;
    gl->GetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        gl->DeleteShader(s);
        return 0;
    }
    return s;
}

static GLuint link_program(GladGLContext *gl)
{
    GLuint vs = compile(gl, GL_VERTEX_SHADER, vertex_source);
    GLuint fs = compile(gl, GL_FRAGMENT_SHADER, fragment_source);
    GLuint p = 0;
    if (vs != 0 && fs != 0) {
        p = gl->CreateProgram();
        gl->AttachShader(p, vs);
        gl->AttachShader(p, fs);
        gl->LinkProgram(p);
        GLint ok = 0;
        gl->GetProgramiv(p, GL_LINK_STATUS, &ok);
        if (!ok) {
            gl->DeleteProgram(p);
            p = 0;
        }
    }
    gl->DeleteShader(vs); /* 0 is ignored; attached shaders go with the program */
    gl->DeleteShader(fs);
    return p;
}

/* The font atlas as an R8 texture on unit 0, with the unpack state and the
 * bindings put back. */
static GLuint make_font(GladGLContext *gl)
{
    static uint8_t atlas[FONT_ATLAS_W * FONT_ATLAS_H];
    glbuf_font_atlas(atlas);
    GLint active = 0, bound = 0, unpack_buffer = 0, alignment = 0, row_length = 0, skip_rows = 0, skip_pixels = 0;
    gl->GetIntegerv(GL_ACTIVE_TEXTURE, &active);
    gl->ActiveTexture(GL_TEXTURE0);
    gl->GetIntegerv(GL_TEXTURE_BINDING_2D, &bound);
    gl->GetIntegerv(GL_PIXEL_UNPACK_BUFFER_BINDING, &unpack_buffer);
    gl->GetIntegerv(GL_UNPACK_ALIGNMENT, &alignment);
    gl->GetIntegerv(GL_UNPACK_ROW_LENGTH, &row_length);
    gl->GetIntegerv(GL_UNPACK_SKIP_ROWS, &skip_rows);
    gl->GetIntegerv(GL_UNPACK_SKIP_PIXELS, &skip_pixels);
    gl->BindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
    gl->PixelStorei(GL_UNPACK_ALIGNMENT, 1);
    gl->PixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    gl->PixelStorei(GL_UNPACK_SKIP_ROWS, 0);
    gl->PixelStorei(GL_UNPACK_SKIP_PIXELS, 0);
    GLuint t = 0;
    gl->GenTextures(1, &t);
    gl->BindTexture(GL_TEXTURE_2D, t);
    gl->TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    gl->TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    gl->TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
    gl->TexImage2D(GL_TEXTURE_2D, 0, GL_R8, FONT_ATLAS_W, FONT_ATLAS_H, 0, GL_RED, GL_UNSIGNED_BYTE, atlas);
    gl->BindTexture(GL_TEXTURE_2D, (GLuint)bound);
    gl->BindBuffer(GL_PIXEL_UNPACK_BUFFER, (GLuint)unpack_buffer);
    gl->PixelStorei(GL_UNPACK_ALIGNMENT, alignment);
    gl->PixelStorei(GL_UNPACK_ROW_LENGTH, row_length);
    gl->PixelStorei(GL_UNPACK_SKIP_ROWS, skip_rows);
    gl->PixelStorei(GL_UNPACK_SKIP_PIXELS, skip_pixels);
    gl->ActiveTexture((GLenum)active);
    return t;
}

/* The vertex array (view_vertex on binding 0) and its buffer, bindings put back. */
static void make_vertex_array(glbuf_view *v)
{
    GladGLContext *gl = &v->gl;
    GLint vao = 0, array_buffer = 0;
    gl->GetIntegerv(GL_VERTEX_ARRAY_BINDING, &vao);
    gl->GetIntegerv(GL_ARRAY_BUFFER_BINDING, &array_buffer);
    gl->GenVertexArrays(1, &v->vao);
    gl->GenBuffers(1, &v->vbo);
    gl->BindVertexArray(v->vao);
    gl->BindBuffer(GL_ARRAY_BUFFER, v->vbo);
    gl->BufferData(GL_ARRAY_BUFFER, (GLsizeiptr)INITIAL_VBO_BYTES, NULL, GL_STREAM_DRAW);
    v->vbo_bytes = INITIAL_VBO_BYTES;
    const GLsizei stride = (GLsizei)sizeof(view_vertex);
    gl->EnableVertexAttribArray(0);
    gl->EnableVertexAttribArray(1);
    gl->EnableVertexAttribArray(2);
    gl->VertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, (const void *)offsetof(view_vertex, x));
    gl->VertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, stride, (const void *)offsetof(view_vertex, u));
    gl->VertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, stride, (const void *)offsetof(view_vertex, rgba));
    gl->BindVertexArray((GLuint)vao);
    gl->BindBuffer(GL_ARRAY_BUFFER, (GLuint)array_buffer);
}

glbuf_result glbuf_view_gl_create(glbuf_view *v, glbuf_get_proc_address_fn get_proc_address,
                                  const char *label_prefix)
{
    GladGLContext *gl = &v->gl;
    /* glad's loader, renamed for the view by view/CMakeLists.txt */
    int version = gladLoadGLContext(gl, get_proc_address);
    if (version == 0 || gl->GetIntegerv == NULL || gl->GetString == NULL) {
        return GLBUF_ERR_LOAD_FAILED;
    }
    if (GLAD_VERSION_MAJOR(version) * 10 + GLAD_VERSION_MINOR(version) < 33) {
        return GLBUF_ERR_UNSUPPORTED;
    }
    v->has_debug = (gl->VERSION_4_3 || gl->KHR_debug) && gl->ObjectLabel != NULL;
    v->program = link_program(gl);
    if (v->program == 0) {
        return GLBUF_ERR_GL;
    }
    v->u_view = gl->GetUniformLocation(v->program, "u_view");
    v->font = make_font(gl);
    make_vertex_array(v);
    const char *prefix = label_prefix ? label_prefix : "glbuf";
    label(v, GL_PROGRAM, v->program, prefix, "program");
    label(v, GL_TEXTURE, v->font, prefix, "font");
    label(v, GL_VERTEX_ARRAY, v->vao, prefix, "vertex array");
    label(v, GL_BUFFER, v->vbo, prefix, "vertices");
    const char *renderer = (const char *)gl->GetString(GL_RENDERER);
    snprintf(v->renderer, sizeof v->renderer, "GL %d.%d %s", GLAD_VERSION_MAJOR(version), GLAD_VERSION_MINOR(version),
             renderer ? renderer : "");
    return GLBUF_OK;
}

void glbuf_view_gl_destroy(glbuf_view *v)
{
    GladGLContext *gl = &v->gl;
    if (gl->DeleteProgram == NULL) {
        return; /* never loaded */
    }
    gl->DeleteProgram(v->program);
    gl->DeleteTextures(1, &v->font);
    gl->DeleteVertexArrays(1, &v->vao);
    gl->DeleteBuffers(1, &v->vbo);
}

/* ---- the state a draw changes ---------------------------------------------------- */

static const GLenum switches[] = {GL_BLEND,        GL_DEPTH_TEST,        GL_STENCIL_TEST,   GL_SCISSOR_TEST,
                                  GL_CULL_FACE,    GL_RASTERIZER_DISCARD, GL_FRAMEBUFFER_SRGB, GL_COLOR_LOGIC_OP,
                                  GL_CLIP_DISTANCE0, GL_CLIP_DISTANCE1, GL_CLIP_DISTANCE2, GL_CLIP_DISTANCE3,
                                  GL_CLIP_DISTANCE4, GL_CLIP_DISTANCE5, GL_CLIP_DISTANCE6, GL_CLIP_DISTANCE7};
#define SWITCHES (sizeof switches / sizeof switches[0])

typedef struct saved_state {
    GLint viewport[4];
    GLint program, vao, array_buffer, active_texture, texture0, sampler0;
    GLint blend_src_rgb, blend_dst_rgb, blend_src_alpha, blend_dst_alpha, blend_eq_rgb, blend_eq_alpha;
    GLboolean enabled[SWITCHES];
    GLboolean colour_mask[4];
    GLint polygon_mode[2];
} saved_state;

static void save(GladGLContext *gl, saved_state *s)
{
    gl->GetIntegerv(GL_VIEWPORT, s->viewport);
    gl->GetIntegerv(GL_CURRENT_PROGRAM, &s->program);
    gl->GetIntegerv(GL_VERTEX_ARRAY_BINDING, &s->vao);
    gl->GetIntegerv(GL_ARRAY_BUFFER_BINDING, &s->array_buffer);
    gl->GetIntegerv(GL_ACTIVE_TEXTURE, &s->active_texture);
    gl->ActiveTexture(GL_TEXTURE0);
    gl->GetIntegerv(GL_TEXTURE_BINDING_2D, &s->texture0);
    gl->GetIntegerv(GL_SAMPLER_BINDING, &s->sampler0);
    gl->GetIntegerv(GL_BLEND_SRC_RGB, &s->blend_src_rgb);
    gl->GetIntegerv(GL_BLEND_DST_RGB, &s->blend_dst_rgb);
    gl->GetIntegerv(GL_BLEND_SRC_ALPHA, &s->blend_src_alpha);
    gl->GetIntegerv(GL_BLEND_DST_ALPHA, &s->blend_dst_alpha);
    gl->GetIntegerv(GL_BLEND_EQUATION_RGB, &s->blend_eq_rgb);
    gl->GetIntegerv(GL_BLEND_EQUATION_ALPHA, &s->blend_eq_alpha);
    for (size_t k = 0; k < SWITCHES; k++) {
        s->enabled[k] = gl->IsEnabled(switches[k]);
    }
    gl->GetBooleanv(GL_COLOR_WRITEMASK, s->colour_mask);
    s->polygon_mode[0] = s->polygon_mode[1] = GL_FILL;
    /* NVIDIA's core profile writes one value (core has no separate faces):
     * the second starts as the first's stand-in. */
    s->polygon_mode[0] = s->polygon_mode[1] = -1;
    gl->GetIntegerv(GL_POLYGON_MODE, s->polygon_mode);
    if (s->polygon_mode[1] == -1) {
        s->polygon_mode[1] = s->polygon_mode[0];
    }
}

static void restore(GladGLContext *gl, const saved_state *s)
{
    gl->Viewport(s->viewport[0], s->viewport[1], s->viewport[2], s->viewport[3]);
    gl->UseProgram((GLuint)s->program);
    gl->BindVertexArray((GLuint)s->vao);
    gl->BindBuffer(GL_ARRAY_BUFFER, (GLuint)s->array_buffer);
    gl->BindTexture(GL_TEXTURE_2D, (GLuint)s->texture0); /* unit 0 is active */
    gl->BindSampler(0, (GLuint)s->sampler0);
    gl->ActiveTexture((GLenum)s->active_texture);
    gl->BlendFuncSeparate((GLenum)s->blend_src_rgb, (GLenum)s->blend_dst_rgb, (GLenum)s->blend_src_alpha,
                          (GLenum)s->blend_dst_alpha);
    gl->BlendEquationSeparate((GLenum)s->blend_eq_rgb, (GLenum)s->blend_eq_alpha);
    for (size_t k = 0; k < SWITCHES; k++) {
        if (s->enabled[k]) {
            gl->Enable(switches[k]);
        } else {
            gl->Disable(switches[k]);
        }
    }
    gl->ColorMask(s->colour_mask[0], s->colour_mask[1], s->colour_mask[2], s->colour_mask[3]);
    if (s->polygon_mode[0] == s->polygon_mode[1]) {
        gl->PolygonMode(GL_FRONT_AND_BACK, (GLenum)s->polygon_mode[0]);
    } else { /* compatibility profile only: front and back differ */
        gl->PolygonMode(GL_FRONT, (GLenum)s->polygon_mode[0]);
        gl->PolygonMode(GL_BACK, (GLenum)s->polygon_mode[1]);
    }
}

void glbuf_view_gl_draw(glbuf_view *v, int width, int height)
{
    if (v->count == 0) {
        return;
    }
    GladGLContext *gl = &v->gl;
    saved_state s;
    save(gl, &s); /* leaves unit 0 active */
    gl->Viewport(0, 0, width, height);
    gl->UseProgram(v->program);
    gl->BindVertexArray(v->vao);
    gl->BindBuffer(GL_ARRAY_BUFFER, v->vbo);
    gl->BindTexture(GL_TEXTURE_2D, v->font);
    gl->BindSampler(0, 0);
    for (size_t k = 0; k < SWITCHES; k++) {
        if (switches[k] != GL_BLEND && s.enabled[k]) {
            gl->Disable(switches[k]);
        }
    }
    gl->Enable(GL_BLEND);
    gl->BlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    gl->BlendEquationSeparate(GL_FUNC_ADD, GL_FUNC_ADD);
    gl->ColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    gl->PolygonMode(GL_FRONT_AND_BACK, GL_FILL);

    /* Orphan and refill: the driver hands out fresh memory while the GPU may
     * still read the previous frame's vertices. */
    uint64_t bytes = (uint64_t)v->count * sizeof(view_vertex);
    while (v->vbo_bytes < bytes) {
        v->vbo_bytes *= 2;
    }
    gl->BufferData(GL_ARRAY_BUFFER, (GLsizeiptr)v->vbo_bytes, NULL, GL_STREAM_DRAW);
    gl->BufferSubData(GL_ARRAY_BUFFER, 0, (GLsizeiptr)bytes, v->verts);
    gl->Uniform2f(v->u_view, (GLfloat)width, (GLfloat)height);
    gl->DrawArrays(GL_TRIANGLES, 0, (GLsizei)v->count);
    restore(gl, &s);
}
