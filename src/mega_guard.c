/* mega_guard.c - guard bytes after every megabuffer allocation (guard.h):
 * filled at allocation, checked at flush, free and glbuf_ctx_end_frame, and
 * carried across growth and defragmentation. The guards are read through
 * the mapping (made with GL_MAP_READ_BIT when guards are on) or the CPU
 * shadow of the fallback path: the CPU's own writes, never the GPU's. */
#include <stdio.h>

#include "mega_internal.h"

void glbuf_mega_guard_arm(glbuf_mega_obj *m, uint64_t offset, uint64_t held)
{
    if (m->map != NULL) { /* a store without a CPU view has no guard to fill */
        glbuf_guard_fill(m->map + offset + held - m->guard.bytes);
    }
}

typedef struct guard_walk {
    glbuf_mega_obj *m;
    const char *found_by; /* NULL: fill every guard instead of checking */
    uint32_t overruns;
} guard_walk;

static int walk_live(void *user, glbuf_range h, uint64_t offset, uint64_t held)
{
    guard_walk *w = user;
    glbuf_mega_obj *m = w->m;
    if (m->meta[glbuf_range_index(h)].pending) {
        return 0; /* checked when it was freed; nobody may write it since */
    }
    uint8_t *guard = m->map + offset + held - m->guard.bytes;
    if (w->found_by == NULL) {
        glbuf_guard_fill(guard);
        return 0;
    }
    glbuf_guard_site site;
    site.found_by = w->found_by;
    site.offset = offset;
    site.size = held - m->guard.bytes;
    snprintf(site.what, sizeof site.what, "megabuffer '%s' allocation 0x%016llx at [%llu, +%llu)", m->label,
             (unsigned long long)h.id, (unsigned long long)offset, (unsigned long long)site.size);
    w->overruns += (uint32_t)glbuf_guard_check(m->ctx, guard, &site);
    return 0;
}

/* Fills every live allocation's guard in the current storage. */
static void fill_all(glbuf_mega_obj *m)
{
    guard_walk w = {m, NULL, 0};
    glbuf_ranges_for_each(m->ranges, walk_live, &w);
    m->guard.generation = m->stats.storage_generation;
}

uint32_t glbuf_mega_guard_check_all(glbuf_mega_obj *m, const char *found_by)
{
    if (m->guard.bytes == 0 || m->map == NULL) {
        return 0;
    }
    if (m->guard.generation != m->stats.storage_generation) {
        /* The storage moved by a path that did not refill the guards: what
         * GPU copies left there is no evidence, start over. */
        fill_all(m);
        return 0;
    }
    guard_walk w = {m, found_by, 0};
    glbuf_ranges_for_each(m->ranges, walk_live, &w);
    return w.overruns;
}

int glbuf_mega_guard_check_one(glbuf_mega_obj *m, glbuf_mega_range r, const char *found_by)
{
    uint64_t offset = 0, size = 0;
    if (m->guard.bytes == 0 || m->map == NULL || m->guard.generation != m->stats.storage_generation ||
        glbuf_mega_lookup(m, r, &offset, &size) != GLBUF_OK) {
        return 0;
    }
    guard_walk w = {m, found_by, 0};
    glbuf_range h = {r.id};
    (void)walk_live(&w, h, offset, size + m->guard.bytes);
    return w.overruns != 0;
}

void glbuf_mega_guard_before_move(glbuf_mega_obj *m, const char *found_by)
{
    m->guard.unreturned += glbuf_mega_guard_check_all(m, found_by);
}

void glbuf_mega_guard_after_move(glbuf_mega_obj *m)
{
    if (m->guard.bytes != 0 && m->map != NULL && m->guard.generation != m->stats.storage_generation) {
        /* The GPU copied the guards with everything else; on a mapping that
         * is not coherent its writes need not be visible to CPU reads, so
         * the CPU writes them again. */
        fill_all(m);
    }
}

glbuf_result glbuf_mega_guard_result(glbuf_mega_obj *m, uint32_t found)
{
    uint32_t all = found + m->guard.unreturned;
    m->guard.unreturned = 0;
    return all != 0 ? GLBUF_ERR_GUARD_OVERRUN : GLBUF_OK;
}
