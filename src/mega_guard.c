/* mega_guard.c - guard bytes after every megabuffer allocation (guard.h):
 * filled at allocation, checked at flush, free and glbuf_ctx_end_frame, and
 * carried across growth, trim and defragmentation. The guards are read
 * through the mapping (made with GL_MAP_READ_BIT when guards are on) or the
 * CPU shadow of the fallback path. A device-local store has no CPU view and
 * so no guards (guard.bytes 0).
 *
 * Moves. Growth and trim copy every live allocation with its guard into the
 * new store on the GPU, and the CPU does not wait for those copies
 * (mega_copy.c's landing runs): so the guards are checked in the old store
 * first (an overrun found then is returned by the next flush or
 * glbuf_ctx_end_frame), the GPU carries the pattern over, and while the copy
 * is landing no guard in its runs is read or written (a check skips them,
 * an allocation placed there waits for the copy before filling its guard).
 * On a coherent mapping the landed guards are then checked like any other;
 * on a mapping that is not coherent (explicit flush) the GPU's writes need
 * not be visible to CPU reads, so once landed every guard is filled again
 * instead, and an overrun written between the move and that refill goes
 * unreported. Defragmentation copies an allocation with its guard inside the
 * store; once the move is reported (its copy's fence has signalled) the
 * guard at the new place is filled by the CPU. */
#include <stdio.h>

#include "mega_internal.h"

static uint8_t *guard_at(const glbuf_mega_obj *m, uint64_t offset, uint64_t held)
{
    return m->map + offset + held - m->guard.bytes;
}

void glbuf_mega_guard_arm(glbuf_mega_obj *m, uint64_t offset, uint64_t held)
{
    if (m->guard.bytes == 0 || m->map == NULL) {
        return;
    }
    /* Bytes a growth's copy is still writing (a gap it copies over): the
     * copy would land on the pattern. Wait for it, as a write there does. */
    glbuf_mega_before_cpu_write(m, offset + held - m->guard.bytes, m->guard.bytes);
    glbuf_guard_fill(guard_at(m, offset, held));
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
    const mega_meta *meta = &m->meta[glbuf_range_index(h)];
    if (meta->pending || meta->reserved) {
        /* Freed: checked when it was freed, nobody may write it since. A
         * destination of defragmentation: its bytes are the GPU's until the
         * move is reported, when glbuf_mega_guard_moved fills its guard. */
        return 0;
    }
    uint64_t site_size = held - m->guard.bytes;
    if (glbuf_mega_landing_covers(m, offset + site_size, m->guard.bytes)) {
        return 0; /* a copy is still landing there: later */
    }
    uint8_t *guard = guard_at(m, offset, held);
    if (w->found_by == NULL) {
        glbuf_guard_fill(guard);
        return 0;
    }
    glbuf_guard_site site;
    site.found_by = w->found_by;
    site.offset = offset;
    site.size = site_size;
    snprintf(site.what, sizeof site.what,
             "megabuffer '%s' allocation 0x%016llx (user data %llu) at [%llu, +%llu)", m->label,
             (unsigned long long)h.id, (unsigned long long)meta->user_data, (unsigned long long)offset,
             (unsigned long long)site.size);
    if (glbuf_guard_check(m->ctx, guard, &site)) {
        w->overruns++;
        /* The pattern is back in the mapping; with explicit flush (or the
         * fallback's shadow) GL sees it at the next flush, so that a GPU copy
         * of the allocation (growth, trim, defragmentation) carries it. */
        (void)glbuf_mega_mark_dirty(m, offset + site.size, m->guard.bytes);
    }
    return 0;
}

/* Polls the landing copies once (no wait). On a mapping that is not
 * coherent, once a move's copies have landed, fills every guard again.
 * 1 when the guards outside runs still landing may be checked now. */
static int guards_checkable(glbuf_mega_obj *m)
{
    int landed = glbuf_mega_landing_poll(m);
    if (m->guard.generation == m->stats.storage_generation) {
        return 1;
    }
    if (!(m->storage && m->explicit_flush)) { /* coherent, or the fallback's shadow */
        if (landed) {
            m->guard.generation = m->stats.storage_generation;
        }
        return 1;
    }
    if (landed) {
        guard_walk w = {m, NULL, 0};
        glbuf_ranges_for_each(m->ranges, walk_live, &w);
        m->guard.generation = m->stats.storage_generation;
    }
    return 0; /* just filled, or not readable before that */
}

uint32_t glbuf_mega_guard_check_all(glbuf_mega_obj *m, const char *found_by)
{
    if (m->guard.bytes == 0 || m->map == NULL || !guards_checkable(m)) {
        return 0;
    }
    guard_walk w = {m, found_by, 0};
    glbuf_ranges_for_each(m->ranges, walk_live, &w);
    return w.overruns;
}

int glbuf_mega_guard_check_one(glbuf_mega_obj *m, glbuf_mega_range r, const char *found_by)
{
    uint64_t offset = 0, size = 0;
    if (m->guard.bytes == 0 || m->map == NULL || glbuf_mega_lookup(m, r, &offset, &size) != GLBUF_OK ||
        !guards_checkable(m)) {
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

void glbuf_mega_guard_moved(glbuf_mega_obj *m, uint64_t new_offset, uint64_t held)
{
    /* The move's copy has landed (its frame's fence signalled): the CPU may
     * write there, and writes the guard rather than reading what the GPU
     * copied, which a mapping that is not coherent need not show yet. One
     * exception, so that defragmentation never waits: a growth or trim since
     * the move's copy is still landing over the new place; that copy carries
     * the pattern the move copied there (it read the bytes after the move's
     * copy), and the guard is checked, or refilled, once it has landed. */
    if (m->guard.bytes == 0 || m->map == NULL ||
        glbuf_mega_landing_covers(m, new_offset + held - m->guard.bytes, m->guard.bytes)) {
        return;
    }
    glbuf_guard_fill(guard_at(m, new_offset, held));
}

glbuf_result glbuf_mega_guard_result(glbuf_mega_obj *m, uint32_t found)
{
    uint32_t all = found + m->guard.unreturned;
    m->guard.unreturned = 0;
    return all != 0 ? GLBUF_ERR_GUARD_OVERRUN : GLBUF_OK;
}
