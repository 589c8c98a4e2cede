/* mega_placement.c - where a megabuffer's store lives: the desc's placement
 * checked and AUTO resolved (the rule is in mega.h, the facts it reads in
 * gpu_memory.c), the bytes held per placement, the budget's arithmetic. */
#include "mega_internal.h"
#include "pow2.h"

glbuf_result glbuf_mega_placement_check(glbuf_mega_obj *m, const glbuf_mega_desc *desc, uint64_t capacity)
{
    if ((unsigned)desc->placement >= GLBUF_MEGA_PLACEMENT_COUNT ||
        (unsigned)desc->trim > (unsigned)GLBUF_MEGA_TRIM_AUTO) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint64_t staging_max = desc->staging_max_capacity;
    if (staging_max != 0 && (staging_max < GLBUF_MEGA_STAGING_MIN || !glbuf_fits_glsizeiptr(staging_max))) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_mega_placement p = desc->placement;
    if (p == GLBUF_MEGA_PLACEMENT_AUTO) {
        p = m->ctx->dedicated_memory ? GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL : GLBUF_MEGA_PLACEMENT_HOST_VISIBLE;
    }
    m->placement = p;
    /* A discrete GPU's driver maps its persistent buffers write-combined:
     * the store (host-visible) or the staging ring (device-local). On the
     * fallback path the CPU writes into an ordinary host shadow or staging
     * area. */
    m->write_combined = m->ctx->dedicated_memory && m->storage;
    m->shader_writable = desc->use == GLBUF_MEGA_USE_STORAGE;
    m->memory_budget = desc->memory_budget;
    m->trim = desc->trim;
    uint64_t staging = p == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL ? glbuf_mega_staging_first(staging_max) : 0;
    if (m->memory_budget != 0 && (capacity > m->memory_budget || staging > m->memory_budget - capacity)) {
        return GLBUF_ERR_TOO_LARGE;
    }
    return GLBUF_OK;
}

uint64_t glbuf_mega_staging_first(uint64_t staging_max_capacity)
{
    uint64_t max = staging_max_capacity ? glbuf_pow2_floor(staging_max_capacity) : GLBUF_MEGA_STAGING_DEFAULT_MAX;
    return max < GLBUF_MEGA_STAGING_FIRST ? max : GLBUF_MEGA_STAGING_FIRST;
}

int glbuf_mega_within_budget(const glbuf_mega_obj *m, uint64_t capacity)
{
    if (m->memory_budget == 0) {
        return 1;
    }
    uint64_t held = glbuf_mega_bytes_held(m);
    return held <= m->memory_budget && capacity <= m->memory_budget - held;
}

static uint64_t staging_bytes(const glbuf_mega_obj *m)
{
    glbuf_mega_stats s = {0};
    glbuf_mega_staging_stats(m, &s);
    return s.bytes_host_visible;
}

uint64_t glbuf_mega_bytes_held(const glbuf_mega_obj *m)
{
    return m->capacity + staging_bytes(m);
}

void glbuf_mega_placement_stats(const glbuf_mega_obj *m, glbuf_mega_stats *s)
{
    s->placement = m->placement;
    s->memory_budget = m->memory_budget;
    if (m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        s->bytes_device_local = m->capacity;
        glbuf_mega_staging_stats(m, s); /* bytes_host_visible: the ring */
    } else {
        s->bytes_device_local = 0;
        s->bytes_host_visible = m->capacity;
    }
}
