/* view_internal.h - what the view's files share: the view object, its
 * sources, its vertex list, and the functions of each file:
 *   view.c         the public API: creation, sources, text, draw, queries
 *   view_gl.c      GL: the program, font, vertex array; drawing with the
 *                  state saved and put back
 *   view_layout.c  the vertices of a frame: primitives, the figures panel,
 *                  the sources' sections
 *   view_map.c     the memory maps: block walks into columns, colours */
#ifndef GLBUF_VIEW_INTERNAL_H
#define GLBUF_VIEW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <glad/gl.h>

#include "glbuf/view.h"

#define VIEW_HISTORY 240    /* frames in the frame-time trace */
#define VIEW_TITLE_BYTES 48
#define VIEW_LINE_BYTES 128
#define VIEW_MAX_SIDE 16384 /* pixels */

/* Pixels x right, y down; atlas texels; colour. */
typedef struct view_vertex {
    float x, y;
    float u, v;
    uint8_t rgba[4];
} view_vertex;

typedef enum view_source_kind { SOURCE_MEGA, SOURCE_STREAM, SOURCE_POOL, SOURCE_BLOCKS } view_source_kind;

typedef struct view_source {
    view_source_kind kind;
    glbuf_mega mega;
    glbuf_stream stream;
    glbuf_pool pool;
    glbuf_view_blocks blocks;
    char title[VIEW_TITLE_BYTES];
    glbuf_view_map_rect rect;   /* where the last draw put the map */
    int drawn;                  /* rect is from a draw */
    uint64_t streamed_before;   /* stream: bytes_streamed at the previous draw */
    int streamed_known;
} view_source;

typedef struct view_line {
    uint32_t rgba;
    char text[VIEW_LINE_BYTES];
} view_line;

struct glbuf_view {
    glbuf_ctx *ctx;
    glbuf_allocator allocator;
    GladGLContext gl;
    GLuint program, vao, vbo, font;
    GLint u_view;
    uint64_t vbo_bytes;          /* bytes of the vertex buffer's store */
    int has_debug;               /* KHR_debug: labels */
    int text_scale;              /* 0: auto */
    uint32_t map_rows, map_row_height, hide;

    view_source sources[GLBUF_VIEW_MAX_SOURCES];
    uint32_t source_count;
    view_line lines[GLBUF_VIEW_MAX_LINES];
    uint32_t line_count;

    /* The frame being laid out. */
    view_vertex *verts;
    uint32_t count, capacity;
    int out_of_memory;           /* a primitive could not be added */
    int scale;                   /* text scale in effect */
    /* Map columns: r, g, b (0..1) times coverage, and coverage. */
    float (*col)[4];
    uint8_t *edge;
    uint32_t col_capacity;

    /* Figures. */
    double last_time_ms;         /* of the previous draw; < 0 before the first */
    double frame_ms;             /* smoothed */
    double calls_per_frame, bytes_per_frame, waits_per_frame; /* smoothed */
    glbuf_ctx_stats last_stats;
    float history_ms[VIEW_HISTORY];
    uint32_t history_rgba[VIEW_HISTORY];
    uint32_t history_head;
    uint32_t trace_rgba;
    char renderer[96];
};

/* view.c: host memory through the view's allocator. */
void *glbuf_view_alloc(glbuf_view *v, size_t bytes);
void glbuf_view_free(glbuf_view *v, void *p);

/* view_gl.c */
/* The GL table, program, font texture, vertex array and buffer; the GL
 * state as found on return, whatever the result. */
glbuf_result glbuf_view_gl_create(glbuf_view *v, glbuf_get_proc_address_fn get_proc_address,
                                  const char *label_prefix);
void glbuf_view_gl_destroy(glbuf_view *v);
/* Uploads v->verts[0..count) and draws them over a width x height
 * framebuffer, the GL state saved first and put back after. */
void glbuf_view_gl_draw(glbuf_view *v, int width, int height);

/* view_layout.c */
/* Lays the whole frame out into v->verts; 0 when host memory ran out. */
int glbuf_view_layout(glbuf_view *v, int width, int height);
/* Primitives, also used by the maps. */
void glbuf_view_rect(glbuf_view *v, float x, float y, float w, float h, uint32_t rgba);
float glbuf_view_text_at(glbuf_view *v, float x, float y, uint32_t rgba, const char *text);
/* "12.3 KiB", "4.00 MiB". */
void glbuf_view_bytes(char *out, size_t n, uint64_t bytes);

/* view_map.c */
/* Draws source s's map into the rectangle `r` (capacity set by it; 0 if the
 * source's object is gone) and writes its figures line into `figures`. */
void glbuf_view_map(glbuf_view *v, view_source *s, glbuf_view_map_rect *r, char *figures, size_t figures_size);
/* The legend (age ramp, free, pending, idle) from x at y; returns its
 * width. With v NULL it only measures. */
float glbuf_view_legend(glbuf_view *v, float x, float y, float line_height);

#endif /* GLBUF_VIEW_INTERNAL_H */
