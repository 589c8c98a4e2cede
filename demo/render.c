/* render.c - background, trails and glowing shapes (render.h). */
#include "render.h"

#include <glad/gl.h>
#include <stdio.h>
#include <stdlib.h>

#include "shader.h"

struct render {
    GLuint shapes, trails, background;
    GLint shapes_scale, trails_scale, background_view;
    GLuint shape_vao, trail_vao, empty_vao;
};

static const char *const shape_vs =
    "#version 450 core\n"
    "layout(location = 0) in vec4 v;      /* x, y, edge */\n"
    "layout(location = 1) in vec4 xform;  /* x, y, angle, scale: per instance */\n"
    "layout(location = 2) in vec4 colour; /* per instance */\n"
    "uniform vec2 u_scale;\n"
    "out vec4 v_colour;\n"
    "out float v_edge;\n"
    "void main() {\n"
    "    float c = cos(xform.z), s = sin(xform.z);\n"
    "    vec2 p = mat2(c, s, -s, c) * v.xy * xform.w + xform.xy;\n"
    "    gl_Position = vec4(p * u_scale, 0.0, 1.0);\n"
    "    v_colour = colour;\n"
    "    v_edge = v.z;\n"
    "}\n";

/* A hot white core, the colour in the body, a bright rim line. */
static const char *const shape_fs =
    "#version 450 core\n"
    "in vec4 v_colour;\n"
    "in float v_edge;\n"
    "out vec4 o;\n"
    "void main() {\n"
    "    float core = 1.0 - smoothstep(0.0, 0.45, v_edge);\n"
    "    float rim = smoothstep(0.82, 1.0, v_edge);\n"
    "    vec3 rgb = mix(v_colour.rgb, vec3(1.0), core * 0.7);\n"
    "    float glow = 0.22 + 0.9 * core + 0.75 * rim;\n"
    "    o = vec4(rgb, v_colour.a * glow);\n"
    "}\n";

static const char *const trail_vs =
    "#version 450 core\n"
    "layout(location = 0) in vec2 p;\n"
    "layout(location = 1) in vec4 c;\n"
    "uniform vec2 u_scale;\n"
    "out vec4 v_c;\n"
    "void main() { gl_Position = vec4(p * u_scale, 0.0, 1.0); v_c = c; }\n";

static const char *const trail_fs =
    "#version 450 core\n"
    "in vec4 v_c;\n"
    "out vec4 o;\n"
    "void main() { o = v_c; }\n";

/* A full-screen triangle: deep blue-violet fading to black at the edges. */
static const char *const background_vs =
    "#version 450 core\n"
    "out vec2 v_p;\n"
    "void main() {\n"
    "    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2) * 2.0 - 1.0;\n"
    "    v_p = p;\n"
    "    gl_Position = vec4(p, 0.0, 1.0);\n"
    "}\n";

static const char *const background_fs =
    "#version 450 core\n"
    "in vec2 v_p;\n"
    "uniform vec2 u_view;\n"
    "out vec4 o;\n"
    "void main() {\n"
    "    vec2 q = v_p * vec2(u_view.x / u_view.y, 1.0);\n"
    "    float d = length(q * vec2(0.8, 1.0));\n"
    "    vec3 centre = vec3(0.060, 0.040, 0.110), edge = vec3(0.006, 0.006, 0.014);\n"
    "    o = vec4(mix(centre, edge, smoothstep(0.0, 1.5, d)), 1.0);\n"
    "}\n";

render *render_create(char *why, size_t why_size)
{
    render *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    r->shapes = shader_program(shape_vs, shape_fs, why, why_size);
    r->trails = r->shapes ? shader_program(trail_vs, trail_fs, why, why_size) : 0;
    r->background = r->trails ? shader_program(background_vs, background_fs, why, why_size) : 0;
    if (r->background == 0) {
        render_destroy(r);
        return NULL;
    }
    r->shapes_scale = glGetUniformLocation(r->shapes, "u_scale");
    r->trails_scale = glGetUniformLocation(r->trails, "u_scale");
    r->background_view = glGetUniformLocation(r->background, "u_view");

    /* Shapes: binding 0 the mesh (the strategy binds it), binding 1 the
     * instances (one per shape, divisor 1). */
    glCreateVertexArrays(1, &r->shape_vao);
    GLuint v = r->shape_vao;
    glEnableVertexArrayAttrib(v, 0);
    glEnableVertexArrayAttrib(v, 1);
    glEnableVertexArrayAttrib(v, 2);
    glVertexArrayAttribFormat(v, 0, 4, GL_FLOAT, GL_FALSE, 0);
    glVertexArrayAttribFormat(v, 1, 4, GL_FLOAT, GL_FALSE, (GLuint)offsetof(demo_instance, x));
    glVertexArrayAttribFormat(v, 2, 4, GL_FLOAT, GL_FALSE, (GLuint)offsetof(demo_instance, r));
    glVertexArrayAttribBinding(v, 0, 0);
    glVertexArrayAttribBinding(v, 1, 1);
    glVertexArrayAttribBinding(v, 2, 1);
    glVertexArrayBindingDivisor(v, 1, 1);

    glCreateVertexArrays(1, &r->trail_vao);
    v = r->trail_vao;
    glEnableVertexArrayAttrib(v, 0);
    glEnableVertexArrayAttrib(v, 1);
    glVertexArrayAttribFormat(v, 0, 2, GL_FLOAT, GL_FALSE, (GLuint)offsetof(demo_trail_vertex, x));
    glVertexArrayAttribFormat(v, 1, 4, GL_UNSIGNED_BYTE, GL_TRUE, (GLuint)offsetof(demo_trail_vertex, rgba));
    glVertexArrayAttribBinding(v, 0, 0);
    glVertexArrayAttribBinding(v, 1, 0);

    glCreateVertexArrays(1, &r->empty_vao);
    return r;
}

void render_destroy(render *r)
{
    if (r == NULL) {
        return;
    }
    glDeleteProgram(r->shapes);
    glDeleteProgram(r->trails);
    glDeleteProgram(r->background);
    glDeleteVertexArrays(1, &r->shape_vao);
    glDeleteVertexArrays(1, &r->trail_vao);
    glDeleteVertexArrays(1, &r->empty_vao);
    free(r);
}

glbuf_result render_scene(render *r, const demo_scene *scene, strategy *strat, glbuf_ctx *ctx, glbuf_stream stream,
                          int width, int height, demo_gl_counts *counts, uint64_t *stream_bytes)
{
    *stream_bytes = 0;
    glbuf_result res;
    /* This frame's instances and trails, into the stream ring. */
    glbuf_stream_allocation inst = {0}, trail = {0};
    uint32_t trail_count = 0;
    if (scene->live_count > 0) {
        uint64_t bytes = (uint64_t)scene->live_count * sizeof(demo_instance);
        if ((res = glbuf_stream_alloc(ctx, stream, bytes, 16, &inst)) != GLBUF_OK) {
            return res;
        }
        scene_write_instances(scene, inst.ptr);
        *stream_bytes += bytes;
        bytes = (uint64_t)scene->live_count * SCENE_TRAIL_VERTICES * sizeof(demo_trail_vertex);
        if ((res = glbuf_stream_alloc(ctx, stream, bytes, 16, &trail)) != GLBUF_OK) {
            return res;
        }
        trail_count = scene_write_trails(scene, trail.ptr);
        *stream_bytes += (uint64_t)trail_count * sizeof(demo_trail_vertex);
        if ((res = glbuf_stream_flush(ctx, stream)) != GLBUF_OK) {
            return res;
        }
    }
    float sx = (float)height / (float)width;

    glViewport(0, 0, width, height);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_BLEND);
    glUseProgram(r->background);
    glUniform2f(r->background_view, (float)width, (float)height);
    glBindVertexArray(r->empty_vao);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    counts->calls += 6;
    counts->draws += 1;

    /* Light adds up: overlapping shapes glow. */
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE);
    if (trail_count > 0) {
        glUseProgram(r->trails);
        glUniform2f(r->trails_scale, sx, 1.0f);
        glBindVertexArray(r->trail_vao);
        glVertexArrayVertexBuffer(r->trail_vao, 0, trail.name, (GLintptr)trail.offset, sizeof(demo_trail_vertex));
        glDrawArrays(GL_LINES, 0, (GLsizei)trail_count);
        counts->calls += 5;
        counts->draws += 1;
    }
    if (scene->live_count == 0) {
        return GLBUF_OK;
    }
    glUseProgram(r->shapes);
    glUniform2f(r->shapes_scale, sx, 1.0f);
    glBindVertexArray(r->shape_vao);
    glVertexArrayVertexBuffer(r->shape_vao, 1, inst.name, (GLintptr)inst.offset, sizeof(demo_instance));
    counts->calls += 6;
    res = strategy_draw(strat, r->shape_vao, scene, stream, counts);
    glBindVertexArray(0);
    return res;
}
