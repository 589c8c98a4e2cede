/* strategies.c - the five mesh storage strategies behind one interface
 * (strategies.h). */
#include "strategies.h"

#include <glad/gl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/mesh.h"
#include "glbuf/pool.h"

#define MEGA_START_CAPACITY (1ull << 20) /* small on purpose: growth shows */
#define MEGA_DEFRAG_BUDGET (192ull << 10) /* bytes moved per frame: compaction shows */
#define POW2_MIN_DEAD (64ull << 10)       /* repack only once this much is dead */

typedef struct slot_state {
    int used;
    glbuf_buffer buf;     /* per-resource, exact, pool */
    glbuf_mesh mesh;      /* mega: vertices and indices, with the slot as user data */
    uint64_t offset;      /* pow2: bytes into the arena */
    const void *bytes;    /* pow2: the scene's mesh, for repacks */
    uint32_t size;        /* bytes of the mesh */
    uint32_t vertex_count, index_count;
    uint64_t frame;       /* glbuf frame of the upload */
} slot_state;

struct strategy {
    demo_strategy_kind kind;
    glbuf_ctx *ctx;
    slot_state *slots;
    uint32_t slot_count;
    uint64_t growths;
    /* pow2 */
    glbuf_buffer arena;
    uint64_t arena_live, arena_dead; /* bytes */
    /* pool */
    glbuf_pool pool;
    /* mega */
    glbuf_mega mega;
    glbuf_mesh *draw_list; /* the live meshes in draw order, for the commands */
    int compacting;
};

static const char *const names[STRATEGY_COUNT] = {"per-resource", "exact", "pow2", "pool", "mega"};
static const char *const blurbs[STRATEGY_COUNT] = {
    "a GL buffer per shape, new on change; a draw per shape",
    "a buffer per shape, GROWTH_EXACT copy_data (Cinder); a draw per shape",
    "one shared buffer, GROWTH_POW2 append + repack (Processing); 1 multi-draw",
    "glbuf_pool tiers 1/4/16 KiB, fenced reuse; a draw per shape",
    "glbuf_mega suballocations, fenced frees; 1 glMultiDrawElementsIndirect",
};

const char *strategy_name(demo_strategy_kind kind)
{
    return (unsigned)kind < STRATEGY_COUNT ? names[kind] : "?";
}

const char *strategy_blurb(demo_strategy_kind kind)
{
    return (unsigned)kind < STRATEGY_COUNT ? blurbs[kind] : "?";
}

int strategy_parse(const char *name, demo_strategy_kind *out)
{
    for (int k = 0; k < STRATEGY_COUNT; k++) {
        char num[2] = {(char)('1' + k), 0};
        if (strcmp(name, names[k]) == 0 || strcmp(name, num) == 0) {
            *out = (demo_strategy_kind)k;
            return 1;
        }
    }
    if (strcmp(name, "megabuffer") == 0 || strcmp(name, "pools") == 0) {
        *out = name[0] == 'm' ? STRATEGY_MEGA : STRATEGY_POOL;
        return 1;
    }
    return 0;
}

demo_strategy_kind strategy_kind(const strategy *s)
{
    return s->kind;
}

strategy *strategy_create(glbuf_ctx *ctx, demo_strategy_kind kind, uint32_t slots, char *why, size_t why_size)
{
    strategy *s = calloc(1, sizeof *s);
    slot_state *st = calloc(slots, sizeof *st);
    if (s == NULL || st == NULL) {
        snprintf(why, why_size, "out of memory");
        free(s);
        free(st);
        return NULL;
    }
    s->kind = kind;
    s->ctx = ctx;
    s->slots = st;
    s->slot_count = slots;
    if (kind == STRATEGY_MEGA && (s->draw_list = calloc(slots ? slots : 1, sizeof *s->draw_list)) == NULL) {
        snprintf(why, why_size, "out of memory");
        free(st);
        free(s);
        return NULL;
    }
    glbuf_result r = GLBUF_OK;
    if (kind == STRATEGY_POW2) {
        glbuf_buffer_desc d = {0};
        d.usage = GLBUF_USAGE_DYNAMIC_DRAW;
        d.growth = GLBUF_GROWTH_POW2;
        d.label = "demo-pow2-arena";
        r = glbuf_buffer_create(ctx, &d, &s->arena);
    } else if (kind == STRATEGY_POOL) {
        glbuf_pool_desc d = {0};
        d.tier_limits[0] = 1u << 10;
        d.tier_limits[1] = 4u << 10;
        d.tier_limits[2] = 16u << 10;
        d.idle_budget = 4u << 20;
        d.usage = GLBUF_USAGE_DYNAMIC_DRAW;
        d.label = "demo-pool";
        r = glbuf_pool_create(ctx, &d, &s->pool);
    } else if (kind == STRATEGY_MEGA) {
        glbuf_mega_desc d = {0};
        d.capacity = MEGA_START_CAPACITY;
        d.label = "demo-meshes";
        r = glbuf_mega_create(ctx, &d, &s->mega);
    }
    if (r != GLBUF_OK) {
        snprintf(why, why_size, "%s: %s", names[kind], glbuf_result_str(r));
        free(st);
        free(s);
        return NULL;
    }
    return s;
}

void strategy_destroy(strategy *s)
{
    if (s == NULL) {
        return;
    }
    for (uint32_t i = 0; i < s->slot_count; i++) {
        if (s->slots[i].used) {
            strategy_release(s, i);
        }
    }
    if (s->kind == STRATEGY_POW2) {
        glbuf_buffer_destroy(s->ctx, s->arena);
    }
    if (s->pool.id != 0) {
        glbuf_pool_destroy(s->ctx, s->pool);
    }
    if (s->mega.id != 0) {
        glbuf_mega_destroy(s->ctx, s->mega);
    }
    free(s->draw_list);
    free(s->slots);
    free(s);
}

/* ---- upload / release --------------------------------------------------- */

static glbuf_result make_buffer(strategy *s, const demo_mesh *m, glbuf_growth growth, glbuf_buffer *out)
{
    glbuf_buffer_desc d = {0};
    d.size = m->size;
    d.data = m->bytes;
    d.growth = growth;
    d.usage = growth == GLBUF_GROWTH_EXACT && s->kind == STRATEGY_EXACT ? GLBUF_USAGE_DYNAMIC_DRAW
                                                                         : GLBUF_USAGE_STATIC_DRAW;
    d.label = "demo-shape";
    return glbuf_buffer_create(s->ctx, &d, out);
}

glbuf_result strategy_upload(strategy *s, uint32_t slot, const demo_mesh *m)
{
    slot_state *st = &s->slots[slot];
    glbuf_result r = GLBUF_OK;
    switch (s->kind) {
    case STRATEGY_PER_RESOURCE: /* a resource never changes size: a new one */
        if (st->used) {
            glbuf_buffer_destroy(s->ctx, st->buf);
        }
        r = make_buffer(s, m, GLBUF_GROWTH_EXACT, &st->buf);
        break;
    case STRATEGY_EXACT:
        if (st->used) {
            uint64_t before = glbuf_buffer_capacity(s->ctx, st->buf);
            r = glbuf_buffer_copy_data(s->ctx, st->buf, m->size, m->bytes);
            s->growths += glbuf_buffer_capacity(s->ctx, st->buf) > before;
        } else {
            r = make_buffer(s, m, GLBUF_GROWTH_EXACT, &st->buf);
        }
        break;
    case STRATEGY_POW2: {
        uint64_t before = glbuf_buffer_capacity(s->ctx, s->arena);
        uint64_t offset = glbuf_buffer_size(s->ctx, s->arena);
        r = glbuf_buffer_append(s->ctx, s->arena, m->bytes, m->size);
        if (r != GLBUF_OK) {
            break;
        }
        s->growths += glbuf_buffer_capacity(s->ctx, s->arena) > before;
        if (st->used) {
            s->arena_live -= st->size;
            s->arena_dead += st->size;
        }
        s->arena_live += m->size;
        st->offset = offset;
        st->bytes = m->bytes;
        break;
    }
    case STRATEGY_POOL:
        if (st->used) {
            glbuf_pool_release(s->ctx, s->pool, st->buf);
        }
        r = glbuf_pool_acquire(s->ctx, s->pool, m->size, &st->buf);
        if (r == GLBUF_OK) {
            r = glbuf_buffer_sub_data(s->ctx, st->buf, 0, m->size, m->bytes);
        }
        break;
    case STRATEGY_MEGA: {
        if (st->used) {
            glbuf_mega_mesh_free(s->ctx, s->mega, &st->mesh);
        }
        uint64_t growths = glbuf_mega_get_stats(s->ctx, s->mega).growths;
        glbuf_mesh_desc d = {0};
        d.vertex_count = m->vertex_count;
        d.vertex_stride = SCENE_VERTEX_SIZE;
        d.index_count = m->index_count;
        d.index_type = GLBUF_INDEX_UINT32;
        d.user_data = slot;
        uint64_t vertex_bytes = (uint64_t)m->vertex_count * SCENE_VERTEX_SIZE;
        r = glbuf_mega_mesh_alloc(s->ctx, s->mega, &d, &st->mesh);
        if (r == GLBUF_OK) {
            r = glbuf_mega_write(s->ctx, s->mega, st->mesh.vertices, 0, m->bytes, vertex_bytes);
        }
        if (r == GLBUF_OK) {
            r = glbuf_mega_write(s->ctx, s->mega, st->mesh.indices, 0, (const uint8_t *)m->bytes + vertex_bytes,
                                 (uint64_t)m->index_count * 4u);
        }
        s->growths += glbuf_mega_get_stats(s->ctx, s->mega).growths - growths;
        break;
    }
    default:
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    st->used = r == GLBUF_OK;
    st->size = m->size;
    st->vertex_count = m->vertex_count;
    st->index_count = m->index_count;
    st->frame = glbuf_ctx_frame(s->ctx);
    return r;
}

glbuf_result strategy_release(strategy *s, uint32_t slot)
{
    slot_state *st = &s->slots[slot];
    if (!st->used) {
        return GLBUF_ERR_INVALID_HANDLE;
    }
    st->used = 0;
    switch (s->kind) {
    case STRATEGY_PER_RESOURCE:
    case STRATEGY_EXACT:
        return glbuf_buffer_destroy(s->ctx, st->buf);
    case STRATEGY_POW2:
        s->arena_live -= st->size;
        s->arena_dead += st->size;
        st->bytes = NULL;
        return GLBUF_OK;
    case STRATEGY_POOL:
        return glbuf_pool_release(s->ctx, s->pool, st->buf);
    case STRATEGY_MEGA:
        return glbuf_mega_mesh_free(s->ctx, s->mega, &st->mesh);
    default:
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
}

/* ---- compaction --------------------------------------------------------- */

void strategy_defragment(strategy *s)
{
    s->compacting = s->kind == STRATEGY_MEGA || s->kind == STRATEGY_POW2;
}

/* Processing-style: orphan the arena and upload every live mesh packed from
 * offset 0 (one sub-data); the capacity stays. */
static glbuf_result repack(strategy *s)
{
    uint8_t *packed = malloc(s->arena_live ? s->arena_live : 1);
    if (packed == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    uint64_t at = 0;
    for (uint32_t i = 0; i < s->slot_count; i++) {
        slot_state *st = &s->slots[i];
        if (st->used) {
            memcpy(packed + at, st->bytes, st->size);
            st->offset = at;
            at += st->size;
        }
    }
    glbuf_result r = glbuf_buffer_orphan(s->ctx, s->arena);
    if (r == GLBUF_OK && at > 0) {
        r = glbuf_buffer_copy_data(s->ctx, s->arena, at, packed);
    } else if (r == GLBUF_OK) {
        r = glbuf_buffer_resize(s->ctx, s->arena, 0);
    }
    free(packed);
    s->arena_dead = 0;
    return r;
}

glbuf_result strategy_update(strategy *s)
{
    if (s->kind == STRATEGY_POW2 &&
        (s->compacting || (s->arena_dead > s->arena_live && s->arena_dead > POW2_MIN_DEAD))) {
        s->compacting = 0;
        return repack(s);
    }
    if (s->kind == STRATEGY_MEGA && s->compacting) {
        glbuf_mega_defrag_report rep;
        glbuf_result r = glbuf_mega_defragment(s->ctx, s->mega, MEGA_DEFRAG_BUDGET, NULL, NULL, &rep);
        if (r != GLBUF_OK || rep.moves_left == 0) {
            s->compacting = 0;
        }
        return r;
    }
    return GLBUF_OK;
}

/* ---- drawing ------------------------------------------------------------ */

typedef struct draw_command {
    uint32_t count, instance_count, first_index;
    int32_t base_vertex;
    uint32_t base_instance;
} draw_command;

/* One glMultiDrawElementsIndirect over a shared buffer holding every mesh;
 * the commands go through the stream ring. mega: glbuf_mega_mesh_commands
 * writes them from each mesh's draw parameters; pow2: each mesh is its
 * vertices then its indices at a multiple of 16 bytes of the arena. */
static glbuf_result draw_shared(strategy *s, uint32_t vao, uint32_t name, const demo_scene *scene,
                                glbuf_stream stream, demo_gl_counts *counts)
{
    uint32_t n = scene->live_count;
    if (n == 0) {
        return GLBUF_OK;
    }
    glbuf_stream_allocation a;
    glbuf_result r = glbuf_stream_alloc(s->ctx, stream, (uint64_t)n * sizeof(draw_command), 4, &a);
    if (r != GLBUF_OK) {
        return r;
    }
    if (s->kind == STRATEGY_MEGA) {
        for (uint32_t k = 0; k < n; k++) {
            s->draw_list[k] = s->slots[scene->live[k]].mesh;
        }
        /* baseInstance k: instance k is live shape k */
        r = glbuf_mega_mesh_commands(s->ctx, s->mega, s->draw_list, n, 0, a.ptr, (uint64_t)n * sizeof(draw_command),
                                     NULL);
        if (r != GLBUF_OK) {
            return r;
        }
    } else {
        draw_command *cmd = a.ptr;
        for (uint32_t k = 0; k < n; k++) {
            const slot_state *st = &s->slots[scene->live[k]];
            uint64_t offset = st->offset;
            draw_command c = {st->index_count, 1,
                              (uint32_t)((offset + (uint64_t)st->vertex_count * SCENE_VERTEX_SIZE) / 4),
                              (int32_t)(offset / SCENE_VERTEX_SIZE), k};
            cmd[k] = c; /* write-only memory: one store per command */
        }
    }
    if ((r = glbuf_stream_flush(s->ctx, stream)) != GLBUF_OK) {
        return r;
    }
    glVertexArrayVertexBuffer(vao, 0, name, 0, SCENE_VERTEX_SIZE);
    glVertexArrayElementBuffer(vao, name);
    glBindBuffer(GL_DRAW_INDIRECT_BUFFER, a.name);
    glMultiDrawElementsIndirect(GL_TRIANGLES, GL_UNSIGNED_INT, (const void *)(uintptr_t)a.offset, (GLsizei)n, 0);
    glBindBuffer(GL_DRAW_INDIRECT_BUFFER, 0);
    counts->calls += 5;
    counts->draws += 1;
    return GLBUF_OK;
}

glbuf_result strategy_draw(strategy *s, uint32_t vao, const demo_scene *scene, glbuf_stream stream,
                           demo_gl_counts *counts)
{
    if (s->kind == STRATEGY_MEGA) {
        glbuf_mega_flush(s->ctx, s->mega);
        return draw_shared(s, vao, glbuf_mega_gl_name(s->ctx, s->mega), scene, stream, counts);
    }
    if (s->kind == STRATEGY_POW2) {
        return draw_shared(s, vao, glbuf_buffer_name(s->ctx, s->arena), scene, stream, counts);
    }
    /* A buffer per shape: bind it, draw it. */
    for (uint32_t k = 0; k < scene->live_count; k++) {
        const slot_state *st = &s->slots[scene->live[k]];
        uint32_t name = glbuf_buffer_name(s->ctx, st->buf);
        glVertexArrayVertexBuffer(vao, 0, name, 0, SCENE_VERTEX_SIZE);
        glVertexArrayElementBuffer(vao, name);
        glDrawElementsInstancedBaseInstance(GL_TRIANGLES, (GLsizei)st->index_count, GL_UNSIGNED_INT,
                                            (const void *)(uintptr_t)(st->vertex_count * SCENE_VERTEX_SIZE), 1,
                                            k);
    }
    counts->calls += 3 * scene->live_count;
    counts->draws += scene->live_count;
    return GLBUF_OK;
}

/* ---- figures and the map ------------------------------------------------ */

demo_memory strategy_memory(const strategy *s)
{
    demo_memory m = {0};
    m.growths = s->growths;
    m.compacting = (uint32_t)s->compacting;
    if (s->kind == STRATEGY_MEGA) {
        glbuf_mega_stats ms = glbuf_mega_get_stats(s->ctx, s->mega);
        m.used = ms.used_bytes;
        m.capacity = ms.capacity;
        m.fragmentation = ms.free_bytes ? 1.0 - (double)ms.largest_free_block / (double)ms.free_bytes : 0.0;
        m.buffers = 1;
        return m;
    }
    if (s->kind == STRATEGY_POW2) {
        /* Holes are not reusable; the only usable free block is the tail. */
        uint64_t cap = glbuf_buffer_capacity(s->ctx, s->arena), size = glbuf_buffer_size(s->ctx, s->arena);
        m.used = s->arena_live;
        m.capacity = cap;
        uint64_t free_bytes = cap - s->arena_live;
        m.fragmentation = free_bytes ? 1.0 - (double)(cap - size) / (double)free_bytes : 0.0;
        m.buffers = 1;
        return m;
    }
    for (uint32_t i = 0; i < s->slot_count; i++) {
        if (s->slots[i].used) {
            m.used += s->slots[i].size;
            m.capacity += glbuf_buffer_capacity(s->ctx, s->slots[i].buf);
            m.buffers++;
        }
    }
    if (s->kind == STRATEGY_POOL) {
        glbuf_pool_stats ps = glbuf_pool_get_stats(s->ctx, s->pool);
        m.capacity = ps.bytes_held;
        m.buffers = 0;
        for (int t = 0; t < GLBUF_POOL_TIERS; t++) {
            m.buffers += (uint32_t)(ps.tiers[t].live + ps.tiers[t].idle);
        }
    }
    return m;
}

typedef struct arena_piece {
    uint64_t offset, size, frame;
} arena_piece;

static int by_offset(const void *a, const void *b)
{
    const arena_piece *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The memory map of the buffer strategies (glbuf_view_blocks): pow2's arena
 * in offset order, dead meshes shown as pending; the per-buffer strategies
 * lay their buffers end to end in slot order, each mesh then its slack. */
static void walk_blocks(void *user, glbuf_view_emit_fn emit, void *emit_user)
{
    const strategy *s = user;
    if (s->kind == STRATEGY_POW2) {
        /* Live meshes in offset order; the gaps are dead meshes (pending a
         * repack); the tail past the size is free. */
        arena_piece *p = malloc(sizeof *p * (s->slot_count ? s->slot_count : 1));
        if (p == NULL) {
            return;
        }
        uint32_t n = 0;
        for (uint32_t i = 0; i < s->slot_count; i++) {
            if (s->slots[i].used) {
                arena_piece piece = {s->slots[i].offset, s->slots[i].size, s->slots[i].frame};
                p[n++] = piece;
            }
        }
        qsort(p, n, sizeof *p, by_offset);
        uint64_t at = 0;
        for (uint32_t k = 0; k < n; k++) {
            if (p[k].offset > at) {
                emit(emit_user, GLBUF_VIEW_BLOCK_PENDING, at, p[k].offset - at, 0);
            }
            emit(emit_user, GLBUF_VIEW_BLOCK_LIVE, p[k].offset, p[k].size, p[k].frame);
            at = p[k].offset + p[k].size;
        }
        uint64_t size = glbuf_buffer_size(s->ctx, s->arena), cap = glbuf_buffer_capacity(s->ctx, s->arena);
        if (size > at) {
            emit(emit_user, GLBUF_VIEW_BLOCK_PENDING, at, size - at, 0);
        }
        if (cap > size) {
            emit(emit_user, GLBUF_VIEW_BLOCK_FREE, size, cap - size, 0);
        }
        free(p);
        return;
    }
    uint64_t at = 0;
    for (uint32_t i = 0; i < s->slot_count; i++) {
        const slot_state *st = &s->slots[i];
        if (!st->used) {
            continue;
        }
        uint64_t cap = glbuf_buffer_capacity(s->ctx, st->buf);
        emit(emit_user, GLBUF_VIEW_BLOCK_LIVE, at, st->size, st->frame);
        if (cap > st->size) {
            emit(emit_user, GLBUF_VIEW_BLOCK_FREE, at + st->size, cap - st->size, 0);
        }
        at += cap > st->size ? cap : st->size;
    }
}

static uint64_t blocks_capacity(void *user)
{
    return strategy_memory(user).capacity;
}

glbuf_result strategy_show(strategy *s, glbuf_view *view)
{
    switch (s->kind) {
    case STRATEGY_MEGA:
        return glbuf_view_show_mega(view, s->mega, "megabuffer");
    case STRATEGY_POOL:
        return glbuf_view_show_pool(view, s->pool, "pool tiers");
    default: {
        glbuf_view_blocks b = {blocks_capacity, walk_blocks, s};
        return glbuf_view_show_blocks(view, &b,
                                      s->kind == STRATEGY_POW2 ? "pow2 arena (dead meshes: pending)"
                                                               : "buffers end to end");
    }
    }
}
