/* mega_trim.c - giving memory back: the store replaced by a smaller one that
 * holds every allocation at its offset (glbuf_mega_trim and the AUTO policy). */
#include "mega_internal.h"

/* The smallest capacity of the growth sequence from the creation capacity
 * that holds `extent` bytes; the current capacity when none is smaller. */
static uint64_t trimmed_capacity(const glbuf_mega_obj *m, uint64_t extent)
{
    if (m->growth == GLBUF_MEGA_GROW_NONE) {
        return m->capacity;
    }
    uint64_t c = m->initial_capacity;
    while (c < extent) {
        uint64_t next = m->growth == GLBUF_MEGA_GROW_FACTOR_1_5 ? c + c / 2 : c * 2;
        if (next <= c) {
            return m->capacity;
        }
        c = next;
    }
    return c < m->capacity ? c : m->capacity;
}

static glbuf_result trim_to(glbuf_mega_obj *m, uint64_t capacity)
{
    glbuf_mega_store fresh;
    glbuf_result r = glbuf_mega_storage_create(m, capacity, &fresh);
    if (r != GLBUF_OK) {
        return r;
    }
    /* As growth: live bytes only (with their guards, checked first), no CPU
     * wait, staged device-local writes stay staged (every one of them lies
     * below the extent). */
    glbuf_mega_guard_before_move(m, "glbuf_mega_trim");
    glbuf_mega_flush_dirty(m);
    glbuf_mega_store old = {m->name, m->map};
    uint64_t copied = glbuf_mega_copy_live(m, &old, &fresh);
    glbuf_mega_copies_fence(m);
    r = glbuf_ranges_shrink(m->ranges, capacity);
    if (r != GLBUF_OK) { /* cannot happen: the capacity holds the extent */
        glbuf_mega_storage_release(m, &fresh);
        return r;
    }
    uint64_t before = m->capacity;
    glbuf_mega_adopt(m, &fresh, capacity);
    m->stats.trims++;
    m->stats.bytes_copied_by_trim += copied;
    glbuf_log(m->ctx, GLBUF_LOG_INFO, "'%s' trimmed from %llu to %llu bytes (copied %llu)", m->label,
              (unsigned long long)before, (unsigned long long)capacity, (unsigned long long)copied);
    glbuf_mega_validate(m, "glbuf_mega_trim");
    return GLBUF_OK;
}

static glbuf_result mega_trim(glbuf_mega_obj *m)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_mega_retire(m, glbuf_ctx_poll_completed(m->ctx));
    uint64_t capacity = trimmed_capacity(m, glbuf_ranges_used_extent(m->ranges));
    if (capacity >= m->capacity) {
        return GLBUF_OK;
    }
    return trim_to(m, capacity);
}

void glbuf_mega_trim_by_policy(glbuf_mega_obj *m, const char *after)
{
    if (m->trim != GLBUF_MEGA_TRIM_AUTO) {
        return;
    }
    uint64_t capacity = trimmed_capacity(m, glbuf_ranges_used_extent(m->ranges));
    if (capacity > m->capacity / 2) {
        return; /* not worth a new store: and growth would soon undo a small trim */
    }
    glbuf_result r = trim_to(m, capacity);
    if (r != GLBUF_OK) {
        glbuf_log(m->ctx, GLBUF_LOG_WARNING, "'%s': trim after %s failed (%s); the store is kept", m->label, after,
                  glbuf_result_name(r));
    }
}

glbuf_result glbuf_mega_trim(glbuf_ctx *ctx, glbuf_mega mega)
{
    RESOLVE(ctx, mega, m);
    return mega_trim(m);
}
