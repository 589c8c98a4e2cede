/* scene.h - the living scene: procedurally generated glowing shapes (polygons,
 * stars, rings, flowers of 3..200 vertices) that are born, drift through a
 * flow field leaving trails, sometimes morph, and die. Pure CPU: it makes the
 * meshes and the per-frame data; strategies.h puts them in GL buffers. */
#ifndef DEMO_SCENE_H
#define DEMO_SCENE_H

#include <stdint.h>

/* A mesh: vertex_count vertices of 4 floats (x, y local; edge 0 at the centre
 * .. 1 at the rim; unused), then index_count uint32 indices (triangles), then
 * zero padding up to `size`, a multiple of 16 bytes. */
#define SCENE_VERTEX_SIZE 16u
typedef struct demo_mesh {
    void *bytes;
    uint32_t size; /* bytes */
    uint32_t vertex_count, index_count;
} demo_mesh;

/* Per-shape data for one frame, one per drawn shape (instance attribute). */
typedef struct demo_instance {
    float x, y, angle, scale;
    float r, g, b, a;
} demo_instance;

/* A trail vertex (GL_LINES): position and RGBA8 colour. */
typedef struct demo_trail_vertex {
    float x, y;
    uint8_t rgba[4];
} demo_trail_vertex;

#define SCENE_TRAIL 10 /* positions kept per shape */
#define SCENE_TRAIL_VERTICES ((SCENE_TRAIL - 1) * 2)

typedef struct demo_shape {
    int alive;
    demo_mesh mesh;
    int kind;
    float x, y, vx, vy, angle, spin, radius, hue, intensity;
    uint64_t born, lifetime; /* frames */
    float trail[SCENE_TRAIL][2];
    uint32_t trail_len, trail_head;
} demo_shape;

typedef struct demo_scene {
    demo_shape *shapes;
    uint32_t capacity;    /* slots */
    uint32_t population;  /* shapes wanted alive */
    uint64_t frame;       /* simulation frames done; the clock is fixed at 60 Hz */
    uint64_t rng;
    float aspect;         /* width / height: the world is [-aspect, aspect] x [-1, 1] */
    uint32_t burst;       /* shapes to add at once at the next update */
    /* Filled by scene_update: */
    uint32_t *died, died_count;       /* slots that died: release their meshes */
    uint32_t *born, born_count;       /* slots born: upload their meshes */
    uint32_t *morphed, morphed_count; /* slots whose mesh changed: upload again */
    uint32_t *live, live_count;       /* slots alive, in draw order */
} demo_scene;

/* Returns 1, or 0 when out of memory. `population` shapes, up to `burst_max`
 * more during a burst. */
int scene_init(demo_scene *s, uint32_t population, uint32_t burst_max, uint64_t seed, float aspect);
void scene_free(demo_scene *s);

/* One simulation step (1/60 s): deaths, births, morphs, motion. Meshes of
 * shapes that died stay valid until the next call. Returns 0 when out of
 * memory. */
int scene_update(demo_scene *s);

/* Asks for `n` extra shapes born together at the next update (a firework). */
void scene_burst(demo_scene *s, uint32_t n);

/* Writes live_count instances, in draw order. */
void scene_write_instances(const demo_scene *s, demo_instance *out);
/* Writes at most live_count * SCENE_TRAIL_VERTICES trail vertices; returns
 * how many. */
uint32_t scene_write_trails(const demo_scene *s, demo_trail_vertex *out);

/* Sum of the live shapes' mesh sizes, bytes. */
uint64_t scene_mesh_bytes(const demo_scene *s);

#endif /* DEMO_SCENE_H */
