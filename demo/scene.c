/* scene.c - the living scene: shape meshes, birth, death, morphs, motion in a
 * flow field, trails and colours (scene.h). */
#include "scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TAU 6.28318530718f
#define DT (1.0f / 60.0f)
#define MAX_VERTICES 200u
#define FIRST_FRAME 1000u

enum { KIND_POLYGON, KIND_STAR, KIND_RING, KIND_FLOWER, KIND_COUNT };

/* splitmix64: small, fast, replayable from the seed. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float rnd(uint64_t *state) /* [0, 1) */
{
    return (float)(next_u64(state) >> 40) * (1.0f / 16777216.0f);
}

static uint32_t rnd_range(uint64_t *state, uint32_t lo, uint32_t hi) /* [lo, hi] */
{
    return lo + (uint32_t)(next_u64(state) % (uint64_t)(hi - lo + 1));
}

/* ---- meshes ----------------------------------------------------------- */

typedef struct mesh_builder {
    float *v;
    uint32_t *i;
    uint32_t nv, ni;
} mesh_builder;

static void put_vertex(mesh_builder *b, float x, float y, float edge)
{
    float *p = b->v + 4 * b->nv++;
    p[0] = x;
    p[1] = y;
    p[2] = edge;
    p[3] = 0.0f;
}

static void put_triangle(mesh_builder *b, uint32_t a, uint32_t c, uint32_t d)
{
    b->i[b->ni++] = a;
    b->i[b->ni++] = c;
    b->i[b->ni++] = d;
}

/* A fan around a centre vertex: rim(k) gives the radius of rim vertex k. */
static void build_fan(mesh_builder *b, uint32_t rim, int kind, uint32_t petals, float inner)
{
    put_vertex(b, 0.0f, 0.0f, 0.0f);
    for (uint32_t k = 0; k < rim; k++) {
        float t = (float)k / (float)rim;
        float r = 1.0f;
        if (kind == KIND_STAR) {
            r = (k & 1u) ? inner : 1.0f;
        } else if (kind == KIND_FLOWER) {
            r = 0.55f + 0.45f * fabsf(cosf(0.5f * TAU * t * (float)petals));
        }
        put_vertex(b, r * cosf(TAU * t), r * sinf(TAU * t), 1.0f);
        put_triangle(b, 0, 1 + k, 1 + (k + 1) % rim);
    }
}

static void build_ring(mesh_builder *b, uint32_t segments, float inner)
{
    for (uint32_t k = 0; k < segments; k++) {
        float t = TAU * (float)k / (float)segments;
        put_vertex(b, inner * cosf(t), inner * sinf(t), 0.35f);
        put_vertex(b, cosf(t), sinf(t), 1.0f);
        uint32_t a = 2 * k, n = 2 * ((k + 1) % segments);
        put_triangle(b, a, a + 1, n + 1);
        put_triangle(b, a, n + 1, n);
    }
}

/* Vertex counts 3..200, mostly small: a few big flowers and rings. */
static int make_mesh(demo_shape *sh, uint64_t *rng)
{
    float u = rnd(rng);
    uint32_t want = 3u + (uint32_t)(197.0f * u * u * u); /* vertices, skewed small */
    sh->kind = (int)rnd_range(rng, 0, KIND_COUNT - 1);
    uint32_t rim = want < 4 ? 3 : want - 1; /* fan: rim + centre */
    if (sh->kind == KIND_STAR) {
        rim = rim < 6 ? 6 : rim & ~1u;
    } else if (sh->kind == KIND_RING) {
        rim = want < 12 ? 6 : want / 2; /* segments: 2 vertices each */
    } else if (sh->kind == KIND_FLOWER && rim < 24) {
        rim = 24;
    }
    uint32_t nv = sh->kind == KIND_RING ? 2 * rim : rim + 1;
    uint32_t ni = sh->kind == KIND_RING ? 6 * rim : 3 * rim;
    uint32_t size = nv * SCENE_VERTEX_SIZE + ni * 4u;
    size = (size + 15u) & ~15u;
    void *bytes = calloc(1, size);
    if (bytes == NULL) {
        return 0;
    }
    mesh_builder b = {(float *)bytes, (uint32_t *)((char *)bytes + nv * SCENE_VERTEX_SIZE), 0, 0};
    if (sh->kind == KIND_RING) {
        build_ring(&b, rim, 0.55f + 0.3f * rnd(rng));
    } else {
        build_fan(&b, rim, sh->kind, rnd_range(rng, 3, 9), 0.35f + 0.25f * rnd(rng));
    }
    free(sh->mesh.bytes);
    sh->mesh.bytes = bytes;
    sh->mesh.size = size;
    sh->mesh.vertex_count = nv;
    sh->mesh.index_count = ni;
    /* Bigger meshes make bigger shapes. */
    sh->radius = 0.010f + 0.055f * sqrtf((float)nv / (float)MAX_VERTICES) * (0.7f + 0.6f * rnd(rng));
    return 1;
}

/* ---- life ------------------------------------------------------------- */

static float seconds(const demo_scene *s)
{
    return (float)s->frame * DT;
}

/* Three emitters orbit the centre on Lissajous paths; shapes are born near
 * them and take their colour family. */
static void emitter(const demo_scene *s, uint32_t e, float *x, float *y, float *hue)
{
    float t = seconds(s) * 0.11f + (float)e * TAU / 3.0f;
    *x = 0.62f * s->aspect * sinf(1.3f * t + (float)e);
    *y = 0.62f * cosf(0.9f * t * (1.0f + 0.2f * (float)e));
    static const float hues[3] = {0.52f, 0.88f, 0.10f}; /* cyan, magenta, amber */
    *hue = hues[e % 3];
}

static int birth(demo_scene *s, demo_shape *sh, int burst, float bx, float by, float bhue)
{
    if (!make_mesh(sh, &s->rng)) {
        return 0;
    }
    float ex, ey, hue;
    emitter(s, rnd_range(&s->rng, 0, 2), &ex, &ey, &hue);
    float spread = 0.25f + 0.5f * rnd(&s->rng);
    float a = TAU * rnd(&s->rng);
    if (burst) {
        ex = bx;
        ey = by;
        hue = bhue;
        spread = 0.02f;
    } else if (rnd(&s->rng) < 0.25f) { /* some anywhere */
        ex = (2.0f * rnd(&s->rng) - 1.0f) * s->aspect;
        ey = 2.0f * rnd(&s->rng) - 1.0f;
        spread = 0.0f;
    }
    sh->x = ex + spread * cosf(a) * rnd(&s->rng);
    sh->y = ey + spread * sinf(a) * rnd(&s->rng);
    float speed = burst ? 0.6f + 0.8f * rnd(&s->rng) : 0.05f + 0.1f * rnd(&s->rng);
    sh->vx = speed * cosf(a);
    sh->vy = speed * sinf(a);
    sh->angle = TAU * rnd(&s->rng);
    sh->spin = (rnd(&s->rng) - 0.5f) * 2.0f;
    sh->hue = hue + (rnd(&s->rng) - 0.5f) * 0.12f;
    sh->intensity = 0.25f + 0.45f * rnd(&s->rng);
    sh->born = s->frame;
    sh->lifetime = burst ? rnd_range(&s->rng, 90, 240) : rnd_range(&s->rng, 60, 720);
    sh->trail_len = 0;
    sh->trail_head = 0;
    sh->alive = 1;
    return 1;
}

int scene_init(demo_scene *s, uint32_t population, uint32_t burst_max, uint64_t seed, float aspect)
{
    memset(s, 0, sizeof *s);
    s->capacity = population + burst_max;
    s->population = population;
    s->rng = seed;
    s->aspect = aspect;
    s->frame = FIRST_FRAME - 1; /* room below for the first population's birth dates */
    s->shapes = calloc(s->capacity, sizeof *s->shapes);
    s->died = calloc(s->capacity, sizeof *s->died);
    s->born = calloc(s->capacity, sizeof *s->born);
    s->morphed = calloc(s->capacity, sizeof *s->morphed);
    s->live = calloc(s->capacity, sizeof *s->live);
    if (!s->shapes || !s->died || !s->born || !s->morphed || !s->live) {
        scene_free(s);
        return 0;
    }
    return 1;
}

void scene_free(demo_scene *s)
{
    for (uint32_t i = 0; s->shapes && i < s->capacity; i++) {
        free(s->shapes[i].mesh.bytes);
    }
    free(s->shapes);
    free(s->died);
    free(s->born);
    free(s->morphed);
    free(s->live);
    memset(s, 0, sizeof *s);
}

void scene_burst(demo_scene *s, uint32_t n)
{
    s->burst += n;
}

static float flow_angle(float x, float y, float t)
{
    return 2.2f * sinf(1.7f * x + 0.31f * t) + 2.0f * cosf(2.3f * y - 0.23f * t) + 0.8f * sinf(0.9f * (x + y));
}

int scene_update(demo_scene *s)
{
    /* Meshes of the shapes that died last step go now. */
    for (uint32_t k = 0; k < s->died_count; k++) {
        demo_shape *sh = &s->shapes[s->died[k]];
        free(sh->mesh.bytes);
        memset(&sh->mesh, 0, sizeof sh->mesh);
    }
    s->died_count = s->born_count = s->morphed_count = 0;
    s->frame++;
    int first = s->frame == FIRST_FRAME;

    uint32_t alive = 0;
    for (uint32_t i = 0; i < s->capacity; i++) {
        demo_shape *sh = &s->shapes[i];
        if (sh->alive && s->frame - sh->born >= sh->lifetime) {
            sh->alive = 0;
            s->died[s->died_count++] = i;
        } else if (sh->alive) {
            alive++;
            if (rnd(&s->rng) < 0.0015f) { /* a shape grows a new body */
                float keep = sh->radius;
                if (!make_mesh(sh, &s->rng)) {
                    return 0;
                }
                sh->radius = 0.5f * (sh->radius + keep);
                s->morphed[s->morphed_count++] = i;
            }
        }
    }
    /* Births: back up to the population (a few per step so deaths and births
     * interleave), plus a burst. */
    uint32_t want = alive < s->population ? s->population - alive : 0;
    uint32_t burst = s->burst;
    s->burst = 0;
    float bx = 0, by = 0, bhue = 0;
    if (burst) {
        bx = (2.0f * rnd(&s->rng) - 1.0f) * s->aspect * 0.6f;
        by = (2.0f * rnd(&s->rng) - 1.0f) * 0.6f;
        bhue = rnd(&s->rng);
    }
    for (uint32_t i = 0; i < s->capacity && (want > 0 || burst > 0); i++) {
        demo_shape *sh = &s->shapes[i];
        if (sh->alive || sh->mesh.bytes != NULL) { /* alive, or died this step */
            continue;
        }
        int is_burst = want == 0;
        if (!birth(s, sh, is_burst, bx, by, bhue)) {
            return 0;
        }
        if (first) { /* the first population starts at random ages */
            sh->born = s->frame - (uint64_t)((float)sh->lifetime * rnd(&s->rng));
        }
        s->born[s->born_count++] = i;
        if (is_burst) {
            burst--;
        } else {
            want--;
        }
    }

    /* Motion and trails. */
    float t = seconds(s);
    s->live_count = 0;
    for (uint32_t i = 0; i < s->capacity; i++) {
        demo_shape *sh = &s->shapes[i];
        if (!sh->alive) {
            continue;
        }
        float a = flow_angle(sh->x, sh->y, t);
        float speed = 0.12f + 0.25f * (1.0f - sh->radius * 12.0f > 0.0f ? 1.0f - sh->radius * 12.0f : 0.0f);
        sh->vx += (speed * cosf(a) - sh->vx) * 0.02f;
        sh->vy += (speed * sinf(a) - sh->vy) * 0.02f;
        sh->x += sh->vx * DT;
        sh->y += sh->vy * DT;
        sh->angle += sh->spin * DT;
        float lim = s->aspect + 0.1f;
        int wrapped = 0;
        if (sh->x < -lim || sh->x > lim) {
            sh->x = sh->x < 0 ? lim : -lim;
            wrapped = 1;
        }
        if (sh->y < -1.1f || sh->y > 1.1f) {
            sh->y = sh->y < 0 ? 1.1f : -1.1f;
            wrapped = 1;
        }
        if (wrapped) {
            sh->trail_len = 0;
        }
        if (s->frame % 3 == 0 || sh->trail_len == 0) {
            sh->trail_head = (sh->trail_head + 1) % SCENE_TRAIL;
            sh->trail[sh->trail_head][0] = sh->x;
            sh->trail[sh->trail_head][1] = sh->y;
            if (sh->trail_len < SCENE_TRAIL) {
                sh->trail_len++;
            }
        }
        s->live[s->live_count++] = i;
    }
    return 1;
}

/* ---- per-frame data --------------------------------------------------- */

static void hsv(float h, float sat, float v, float *r, float *g, float *b)
{
    h = h - floorf(h);
    float x = h * 6.0f;
    float c = v * sat;
    float m = v - c;
    float rr = fabsf(x - 3.0f) - 1.0f, gg = 2.0f - fabsf(x - 2.0f), bb = 2.0f - fabsf(x - 4.0f);
    rr = rr < 0 ? 0 : rr > 1 ? 1 : rr;
    gg = gg < 0 ? 0 : gg > 1 ? 1 : gg;
    bb = bb < 0 ? 0 : bb > 1 ? 1 : bb;
    *r = m + c * rr;
    *g = m + c * gg;
    *b = m + c * bb;
}

/* 0 -> 1 over the first half second, 1 -> 0 over the last second. */
static float envelope(const demo_scene *s, const demo_shape *sh)
{
    float age = (float)(s->frame - sh->born), left = (float)(sh->born + sh->lifetime - s->frame);
    float in = age / 30.0f, out = left / 60.0f;
    float e = in < out ? in : out;
    return e > 1.0f ? 1.0f : e < 0.0f ? 0.0f : e;
}

void scene_write_instances(const demo_scene *s, demo_instance *out)
{
    float t = seconds(s);
    for (uint32_t k = 0; k < s->live_count; k++) {
        const demo_shape *sh = &s->shapes[s->live[k]];
        float e = envelope(s, sh);
        float pulse = 1.0f + 0.08f * sinf(3.0f * t + (float)s->live[k]);
        demo_instance *o = &out[k];
        o->x = sh->x;
        o->y = sh->y;
        o->angle = sh->angle;
        o->scale = sh->radius * pulse * (0.6f + 0.4f * e);
        hsv(sh->hue + 0.03f * sinf(0.2f * t), 0.75f, 1.0f, &o->r, &o->g, &o->b);
        o->a = sh->intensity * e;
    }
}

uint32_t scene_write_trails(const demo_scene *s, demo_trail_vertex *out)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < s->live_count; k++) {
        const demo_shape *sh = &s->shapes[s->live[k]];
        if (sh->trail_len < 2) {
            continue;
        }
        float r, g, b;
        hsv(sh->hue, 0.6f, 1.0f, &r, &g, &b);
        float e = envelope(s, sh) * sh->intensity;
        /* Newest first; alpha fades along the trail. */
        for (uint32_t j = 0; j + 1 < sh->trail_len; j++) {
            for (uint32_t end = 0; end < 2; end++) {
                uint32_t idx = (sh->trail_head + SCENE_TRAIL - j - end) % SCENE_TRAIL;
                float fade = e * (1.0f - (float)(j + end) / (float)SCENE_TRAIL) * 0.55f;
                demo_trail_vertex *v = &out[n++];
                v->x = end == 0 && j == 0 ? sh->x : sh->trail[idx][0];
                v->y = end == 0 && j == 0 ? sh->y : sh->trail[idx][1];
                v->rgba[0] = (uint8_t)(255.0f * r);
                v->rgba[1] = (uint8_t)(255.0f * g);
                v->rgba[2] = (uint8_t)(255.0f * b);
                v->rgba[3] = (uint8_t)(255.0f * fade);
            }
        }
    }
    return n;
}

uint64_t scene_mesh_bytes(const demo_scene *s)
{
    uint64_t sum = 0;
    for (uint32_t k = 0; k < s->live_count; k++) {
        sum += s->shapes[s->live[k]].mesh.size;
    }
    return sum;
}
