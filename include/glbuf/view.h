/* view.h - glbuf_view: a drop-in memory view. One call a frame draws, over
 * whatever the current framebuffer holds, the context's figures (frame time,
 * glbuf's GL calls and uploads per frame, buffers alive) with a frame-time
 * trace, and the memory map of every megabuffer, stream and pool it was told
 * to show: each allocation and free block along the storage, live blocks
 * coloured by age, so that fragmentation, growth, ring wrap-around and
 * compaction show as they happen.
 *
 *     glbuf_view_desc vd = {0};
 *     vd.get_proc_address = glfwGetProcAddress;
 *     glbuf_view *view;
 *     glbuf_view_create(ctx, &vd, &view);
 *     glbuf_view_show_mega(view, mega, "meshes");
 *     ... each frame, after drawing the scene:
 *     glbuf_view_draw(view, width, height);
 *
 * An optional library beside glbuf: CMake glbuf::view
 * (find_package(glbuf COMPONENTS view)), pkg-config glbuf-view.
 *
 * GL
 * --
 * Any GL 3.3 or later context, core or compatibility. The view loads its own
 * GL function table with desc.get_proc_address (it lives beside any loader,
 * glbuf's included) and makes its GL calls outside glbuf's counters, so it
 * does not change the figures it shows. It owns one program, one vertex
 * array, one buffer (re-filled each draw) and one texture (its 5x7 font),
 * labelled "<label_prefix> view ..." where KHR_debug is present.
 *
 * glbuf_view_draw leaves the GL state as it found it. It sets, and puts back
 * afterwards: the viewport; the program; the vertex array; the
 * GL_ARRAY_BUFFER binding; the active texture unit, the 2D texture and the
 * sampler object of unit 0; GL_BLEND with the blend functions and equations;
 * GL_DEPTH_TEST, GL_STENCIL_TEST, GL_SCISSOR_TEST, GL_CULL_FACE,
 * GL_RASTERIZER_DISCARD, GL_FRAMEBUFFER_SRGB and GL_COLOR_LOGIC_OP (all
 * disabled while it draws); the colour write mask; the polygon mode.
 * glbuf_view_create also puts back the pixel-unpack state it changes to
 * upload the font (GL_PIXEL_UNPACK_BUFFER binding, GL_UNPACK_ALIGNMENT,
 * ROW_LENGTH, SKIP_ROWS, SKIP_PIXELS). It draws into the framebuffer bound to
 * GL_DRAW_FRAMEBUFFER at the time of the call, never binds another.
 *
 * Layout
 * ------
 * Pixels, x to the right and y down from the top-left corner of a width x
 * height framebuffer. The figures sit in a panel at the top left; the
 * sources' maps are stacked along the bottom in the order they were shown,
 * the last one lowest. Each map is a title line, then `rows` rows of
 * `row_height` pixels, `row_pitch` apart, each `width` pixels wide (whole
 * pixels): the source's bytes [0, capacity) run left to right along the
 * first row, then the second, like text, one column per capacity / (width x
 * rows) bytes. A column's colour is the average of the blocks that cover it,
 * weighted by how much of it each covers (glbuf_view_block_rgba gives the
 * colour of each kind), and the free colour where no block covers it; the
 * first column of a live block three or more columns wide is darkened, so
 * neighbouring blocks stay apart.
 * glbuf_view_map_layout says where the last draw put a source's map.
 *
 * What each source maps (read at every draw, no GL call):
 *   megabuffer  its blocks in offset order (glbuf_mega_for_each_block): live
 *               (age: frames since the allocation was made), pending free,
 *               free; capacity: the storage's capacity.
 *   stream      the current ring (glbuf_stream_for_each_region): each frame
 *               still held is live, its age the frames since it was handed
 *               out; the rest is free; capacity: the ring's.
 *   pool        one segment per tier in tier order, its live (acquired)
 *               bytes then its idle bytes; capacity: the bytes the pool holds.
 *   blocks      whatever the app's walk emits (glbuf_view_blocks): the demo
 *               maps its per-resource buffers, laid end to end, this way.
 *
 * Ownership: a view is a root of its own, a pointer, created for one glbuf
 * context and destroyed before it (glbuf_view_destroy), with that context's
 * GL context current. A source whose object dies stays listed, drawn as
 * "gone" with an empty map, until glbuf_view_clear.
 *
 * Thread safety: as the context (one thread). */
#ifndef GLBUF_VIEW_H
#define GLBUF_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "mega.h"
#include "pool.h"
#include "stream.h"

/* The view is its own library: its own export macro (glbuf's GLBUF_STATIC
 * covers both, as they are built together). */
#if defined(GLBUF_STATIC)
#  define GLBUF_VIEW_API
#elif defined(_WIN32)
#  if defined(GLBUF_VIEW_BUILDING)
#    define GLBUF_VIEW_API __declspec(dllexport)
#  else
#    define GLBUF_VIEW_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define GLBUF_VIEW_API __attribute__((visibility("default")))
#else
#  define GLBUF_VIEW_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct glbuf_view glbuf_view;

/* At most this many sources (show calls) per view, and text lines per frame. */
#define GLBUF_VIEW_MAX_SOURCES 8
#define GLBUF_VIEW_MAX_LINES 32

/* Kinds of block in a map. LIVE, FREE and PENDING have the values of
 * glbuf_mega_block_kind's. */
typedef enum glbuf_view_block_kind {
    GLBUF_VIEW_BLOCK_LIVE = 0, /* in use; coloured by age */
    GLBUF_VIEW_BLOCK_FREE,     /* free space */
    GLBUF_VIEW_BLOCK_PENDING,  /* freed, waiting for its frame's fence */
    GLBUF_VIEW_BLOCK_IDLE,     /* pool: released buffers kept for reuse */
    GLBUF_VIEW_BLOCK_KIND_COUNT
} glbuf_view_block_kind;

/* Parts of the view to leave out (glbuf_view_desc.hide). */
typedef enum glbuf_view_part {
    GLBUF_VIEW_HIDE_FIGURES = 1u << 0, /* the figures panel (text lines, trace) */
    GLBUF_VIEW_HIDE_TRACE = 1u << 1,   /* the frame-time trace only */
    GLBUF_VIEW_HIDE_LEGEND = 1u << 2   /* the colour legend (right end of the first map title
                                          line it fits on) */
} glbuf_view_part;

typedef struct glbuf_view_desc {
    /* Required: the app's GL loader function (glfwGetProcAddress ...). */
    glbuf_get_proc_address_fn get_proc_address;
    /* Default malloc/free: the view's vertices and sources. */
    glbuf_allocator allocator;
    /* Pixels per font pixel, 1..4; default 0: 2 on framebuffers at least
     * 1000 x 560, else 1. */
    int text_scale;
    /* Rows per map, 1..16; default 0: 3 on framebuffers at least 500 high,
     * else 2. */
    uint32_t map_rows;
    /* Pixels per map row, 1..64; default 0: 14 on framebuffers at least 500
     * high, else 6. */
    uint32_t map_row_height;
    /* glbuf_view_part bits. Default 0: everything. */
    uint32_t hide;
    /* GL object labels: "<label_prefix> view program" ...; default "glbuf". */
    const char *label_prefix;
} glbuf_view_desc;

/* An app-defined source: `walk` calls emit(emit_user, kind, offset, size,
 * frame) for each block, in any order (frame: when a live block was
 * written, for its age; 0 otherwise); blocks beyond `capacity(user)` bytes
 * are clipped. Both callbacks run inside glbuf_view_draw. */
typedef void (*glbuf_view_emit_fn)(void *emit_user, glbuf_view_block_kind kind, uint64_t offset, uint64_t size,
                                   uint64_t frame);
typedef struct glbuf_view_blocks {
    uint64_t (*capacity)(void *user);
    void (*walk)(void *user, glbuf_view_emit_fn emit, void *emit_user);
    void *user;
} glbuf_view_blocks;

/* Where the last draw put a source's map (see Layout); pixels. */
typedef struct glbuf_view_map_rect {
    int x, y;              /* top-left of the first row */
    int width;             /* of every row */
    int row_height, row_pitch;
    uint32_t rows;
    uint64_t capacity;     /* bytes the map spans; 0: nothing drawn */
} glbuf_view_map_rect;

/* Creates a view for `ctx` with the GL context current: loads the view's GL
 * table, compiles its program, uploads its font. *out is written only on
 * success; on failure nothing is left behind and the GL state is as it was.
 * Fails: GLBUF_ERR_NULL (ctx, desc, out, get_proc_address),
 * GLBUF_ERR_INVALID_ARGUMENT (only one of allocator.alloc/free, text_scale,
 * map_rows or map_row_height out of range, unknown hide bits),
 * GLBUF_ERR_LOAD_FAILED (the GL functions could not be loaded),
 * GLBUF_ERR_UNSUPPORTED (GL below 3.3), GLBUF_ERR_GL (the driver did not
 * compile or link the view's program), GLBUF_ERR_OUT_OF_HOST_MEMORY. */
GLBUF_VIEW_API glbuf_result glbuf_view_create(glbuf_ctx *ctx, const glbuf_view_desc *desc, glbuf_view **out);

/* Deletes the view's GL objects and frees it. NULL is ignored. Its GL
 * context must be current; its glbuf context must still be alive. */
GLBUF_VIEW_API void glbuf_view_destroy(glbuf_view *view);

/* Adds a source to map at every draw, under `title` (copied, at most 47
 * bytes kept; NULL: "megabuffer" / "stream" / "pool" / "blocks").
 * Fails, changing nothing: GLBUF_ERR_NULL (view; blocks or its callbacks for
 * show_blocks), GLBUF_ERR_INVALID_HANDLE (not a live object of the view's
 * context), GLBUF_ERR_FULL (GLBUF_VIEW_MAX_SOURCES shown already). */
GLBUF_VIEW_API glbuf_result glbuf_view_show_mega(glbuf_view *view, glbuf_mega mega, const char *title);
GLBUF_VIEW_API glbuf_result glbuf_view_show_stream(glbuf_view *view, glbuf_stream stream, const char *title);
GLBUF_VIEW_API glbuf_result glbuf_view_show_pool(glbuf_view *view, glbuf_pool pool, const char *title);
GLBUF_VIEW_API glbuf_result glbuf_view_show_blocks(glbuf_view *view, const glbuf_view_blocks *blocks,
                                                   const char *title);

/* Forgets every source. No-op on NULL. */
GLBUF_VIEW_API void glbuf_view_clear(glbuf_view *view);

/* Adds a line of the app's own to the figures panel of the next draw only
 * (copied; at most 127 bytes kept), in colour 0xRRGGBBAA.
 * Fails, changing nothing: GLBUF_ERR_NULL (view, text), GLBUF_ERR_FULL
 * (GLBUF_VIEW_MAX_LINES lines already waiting). */
GLBUF_VIEW_API glbuf_result glbuf_view_text(glbuf_view *view, uint32_t rgba, const char *text);

/* The colour (0xRRGGBBAA) of the frame-time trace's samples from the next
 * draw on (default 0x4DD9FFD9): an app marks phases with it. No-op on NULL. */
GLBUF_VIEW_API void glbuf_view_set_trace_rgba(glbuf_view *view, uint32_t rgba);

/* Draws the view over the current framebuffer, `width` x `height` pixels,
 * and ends the view's frame: the frame time is the time since the previous
 * draw, the per-frame figures are the context's counters since then, and
 * the text lines are consumed. One glDrawArrays; the GL state is left as
 * found (see GL).
 * GL calls: glGet* for the state above, the state changes and their undoing,
 * glBufferData + glBufferSubData (the vertices), glUniform2f, glDrawArrays.
 * Fails, drawing nothing and changing no GL state: GLBUF_ERR_NULL (view),
 * GLBUF_ERR_INVALID_ARGUMENT (width or height below 1 or above 16384),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY (the vertex array could not grow; the text
 * lines stay for the next draw). */
GLBUF_VIEW_API glbuf_result glbuf_view_draw(glbuf_view *view, int width, int height);

/* Where the last glbuf_view_draw put the map of source `index` (0 = the
 * first shown). Fails: GLBUF_ERR_NULL (view, out), GLBUF_ERR_INVALID_ARGUMENT
 * (no such source, or no draw since it was shown). */
GLBUF_VIEW_API glbuf_result glbuf_view_map_layout(const glbuf_view *view, uint32_t index, glbuf_view_map_rect *out);

/* The colour of a block of `kind` in a map, 0xRRGGBBAA (alpha 0xFF). LIVE
 * blocks go from white-cyan (age 0) through violet to deep blue (360 frames
 * and older); the others ignore age. 0 for a kind outside the enum. */
GLBUF_VIEW_API uint32_t glbuf_view_block_rgba(glbuf_view_block_kind kind, uint64_t age_frames);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_VIEW_H */
