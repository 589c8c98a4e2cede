/* strategies.h - the five ways the demo keeps its shape meshes in GL buffers,
 * behind one small interface, so that the scene can switch while it runs:
 *
 *   per-resource  one glbuf_buffer per shape, made at birth, deleted at death,
 *                 a new one when the mesh changes (wgpu); one draw per shape
 *   exact         one glbuf_buffer per shape, GLBUF_GROWTH_EXACT: a changed
 *                 mesh goes through copy_data, re-specified at exactly its
 *                 size when it does not fit (Cinder); one draw per shape
 *   pow2          one shared glbuf_buffer, GLBUF_GROWTH_POW2: meshes are
 *                 appended, the buffer doubles (Processing); dead meshes stay
 *                 as holes until the arena is repacked (when half of it is
 *                 dead, or on D); one glMultiDrawElementsIndirect
 *   pool          glbuf_pool: a buffer per shape from 1/4/16 KiB tiers,
 *                 reused behind the frame fence; one draw per shape
 *   mega          glbuf_mega: suballocations of one persistent-mapped buffer,
 *                 fenced frees, growth that keeps offsets, budgeted
 *                 compaction (D); one glMultiDrawElementsIndirect
 *
 * Per-frame data (instances, the indirect commands) goes through the
 * glbuf_stream ring in every strategy. */
#ifndef DEMO_STRATEGIES_H
#define DEMO_STRATEGIES_H

#include <stddef.h>
#include <stdint.h>

#include "glbuf/ctx.h"
#include "glbuf/stream.h"
#include "glbuf/view.h"
#include "scene.h"

typedef enum demo_strategy_kind {
    STRATEGY_PER_RESOURCE = 0,
    STRATEGY_EXACT,
    STRATEGY_POW2,
    STRATEGY_POOL,
    STRATEGY_MEGA,
    STRATEGY_COUNT
} demo_strategy_kind;

/* "per-resource", "exact", "pow2", "pool", "mega". */
const char *strategy_name(demo_strategy_kind kind);
/* One line on what it does, for the overlay. */
const char *strategy_blurb(demo_strategy_kind kind);
/* Returns 1 and sets *out for a name above (or its number 1..5), else 0. */
int strategy_parse(const char *name, demo_strategy_kind *out);

/* GL calls the demo itself makes while drawing (glbuf counts its own). */
typedef struct demo_gl_counts {
    uint32_t draws;    /* draw calls */
    uint32_t calls;    /* every GL call, draws included */
} demo_gl_counts;

typedef struct demo_memory {
    uint64_t used;          /* bytes of live meshes (mega: pending frees too) */
    uint64_t capacity;      /* bytes of GL storage held for meshes */
    uint64_t growths;       /* stores re-specified to grow, since creation */
    double fragmentation;   /* 1 - largest free block / free bytes; 0 for separate buffers */
    uint32_t buffers;       /* GL buffers holding meshes */
    uint32_t compacting;    /* non-zero while a compaction is under way */
} demo_memory;

typedef struct strategy strategy;

/* For `slots` shape slots. NULL on failure, with the reason in why. */
strategy *strategy_create(glbuf_ctx *ctx, demo_strategy_kind kind, uint32_t slots, char *why, size_t why_size);
void strategy_destroy(strategy *s);
demo_strategy_kind strategy_kind(const strategy *s);

/* The mesh of a slot, born or changed (replaces the old one). The strategy may
 * keep the pointer to mesh->bytes until the next upload or release of the
 * slot. */
glbuf_result strategy_upload(strategy *s, uint32_t slot, const demo_mesh *mesh);
glbuf_result strategy_release(strategy *s, uint32_t slot);

/* Starts a compaction (mega: budgeted, a few frames; pow2: a repack). */
void strategy_defragment(strategy *s);
/* Once a frame before drawing: compaction steps, repacks. */
glbuf_result strategy_update(strategy *s);

/* Draws the scene's live shapes with the bound program; `vao` has the mesh
 * format on binding 0 and the instances (instance k = live shape k) bound on
 * binding 1. */
glbuf_result strategy_draw(strategy *s, uint32_t vao, const demo_scene *scene, glbuf_stream stream,
                           demo_gl_counts *counts);

demo_memory strategy_memory(const strategy *s);
/* Shows the strategy's memory in the memory view: the megabuffer and the
 * pool as glbuf objects; pow2's arena in offset order and the per-buffer
 * strategies' buffers laid end to end, through a block walk. The view
 * reads the strategy at each draw: clear it before destroying s. */
glbuf_result strategy_show(strategy *s, glbuf_view *view);

#endif /* DEMO_STRATEGIES_H */
