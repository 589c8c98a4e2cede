/* mega_copy.c - the megabuffer's copy primitive (bytes from store A to store
 * B, in either placement) and the landing copies: host-visible, the CPU does
 * not wait for a GPU copy into the store unless it writes bytes that copy is
 * still writing. */
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"
#include "wc_copy.h"

/* Live runs closer than this are copied as one (fewer GL calls); the gap's
 * bytes count as landing, so a write there waits like one over a run. */
#define MERGE_GAP ((uint64_t)64 << 10)

void glbuf_mega_copy_in(const glbuf_mega_obj *m, void *dst, const void *src, uint64_t size)
{
    if (m->write_combined) {
        glbuf_copy_streaming(dst, src, (size_t)size);
    } else {
        memcpy(dst, src, (size_t)size);
    }
}

/* ---- landing runs ------------------------------------------------------------ */

void glbuf_mega_landing_clear(glbuf_mega_obj *m)
{
    mega_landing *l = &m->landing;
    if (l->sync != NULL) {
        GLBUF_GL(m->ctx, DeleteSync)(l->sync);
        l->sync = NULL;
    }
    l->count = 0;
    l->unfenced = 0;
    l->sorted = 1;
}

/* Records [offset, +size) as landing; merges with the last run when they
 * touch. Without host memory for the run it waits for the GPU instead (the
 * landing is then over before any CPU write can race it). */
static void landing_add(glbuf_mega_obj *m, uint64_t offset, uint64_t size)
{
    mega_landing *l = &m->landing;
    if (l->count > 0) {
        dirty_range *last = &l->runs[l->count - 1];
        if (offset >= last->offset && offset <= last->offset + last->size) {
            uint64_t end = offset + size;
            if (end > last->offset + last->size) {
                last->size = end - last->offset;
            }
            l->unfenced++;
            return;
        }
    }
    if (!glbuf_mega_reserve_array(m->ctx, (void **)&l->runs, &l->capacity, l->count, l->count + 1u,
                                  sizeof *l->runs)) {
        glbuf_mega_wait_for_copies(m);
        glbuf_mega_landing_clear(m);
        return;
    }
    if (l->count == 0) {
        l->sorted = 1;
    } else if (offset < l->runs[l->count - 1].offset + l->runs[l->count - 1].size) {
        l->sorted = 0;
    }
    l->runs[l->count].offset = offset;
    l->runs[l->count].size = size;
    l->count++;
    l->unfenced++;
}

void glbuf_mega_copies_fence(glbuf_mega_obj *m)
{
    mega_landing *l = &m->landing;
    if (l->unfenced == 0) {
        return;
    }
    /* One fence covers every run: GL signals fences in order, so the newest
     * one signalling means every copy before it has landed. */
    GLsync sync = GLBUF_GL(m->ctx, FenceSync)(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (sync == NULL) {
        glbuf_mega_wait_for_copies(m); /* no fence to defer to: land them now */
        glbuf_mega_landing_clear(m);
        return;
    }
    if (l->sync != NULL) {
        GLBUF_GL(m->ctx, DeleteSync)(l->sync);
    }
    l->sync = sync;
    l->unfenced = 0;
}

static int overlaps(const dirty_range *run, uint64_t lo, uint64_t hi)
{
    return run->offset < hi && lo < run->offset + run->size;
}

static int landing_hit(const mega_landing *l, uint64_t offset, uint64_t size)
{
    /* Bytes, not lines: a copy engine writes host memory with byte enables,
     * and CPU stores to other bytes of the same line are other locations, so
     * a write next to a landing run does not race it. */
    uint64_t lo = offset;
    uint64_t hi = offset + size;
    if (!l->sorted) {
        for (uint32_t i = 0; i < l->count; i++) {
            if (overlaps(&l->runs[i], lo, hi)) {
                return 1;
            }
        }
        return 0;
    }
    /* The first run that ends after lo, by bisection. */
    uint32_t a = 0, b = l->count;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2u;
        if (l->runs[mid].offset + l->runs[mid].size <= lo) {
            a = mid + 1u;
        } else {
            b = mid;
        }
    }
    return a < l->count && overlaps(&l->runs[a], lo, hi);
}

int glbuf_mega_landing_poll(glbuf_mega_obj *m)
{
    mega_landing *l = &m->landing;
    if (l->sync != NULL && glbuf_sync_poll(m->ctx, l->sync) == GLBUF_OK) {
        glbuf_mega_landing_clear(m);
    }
    return l->sync == NULL;
}

int glbuf_mega_landing_covers(const glbuf_mega_obj *m, uint64_t offset, uint64_t size)
{
    return m->landing.sync != NULL && landing_hit(&m->landing, offset, size);
}

void glbuf_mega_before_cpu_write(glbuf_mega_obj *m, uint64_t offset, uint64_t size)
{
    mega_landing *l = &m->landing;
    if (l->sync == NULL || !landing_hit(l, offset, size)) {
        return;
    }
    if (glbuf_sync_poll(m->ctx, l->sync) != GLBUF_OK) {
        m->stats.landing_waits++;
        if (glbuf_sync_wait(m->ctx, l->sync, UINT64_MAX) != GLBUF_OK) {
            GLBUF_GL(m->ctx, Finish)(); /* the wait failed: the pipeline drains anyway */
        }
    }
    glbuf_mega_landing_clear(m);
}

/* ---- the copy primitive ------------------------------------------------------- */

/* The copy: on the GPU, and in the fallback's CPU shadows. Returns 1 when
 * the destination is a persistent mapping the CPU writes (what lands there
 * can race a CPU write). */
static int copy_bytes(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst,
                      uint64_t src_offset, uint64_t dst_offset, uint64_t size)
{
    glbuf_gl_copy(m->ctx, src->name, dst->name, (size_t)src_offset, (size_t)dst_offset, (size_t)size);
    if (m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL) {
        return 0; /* the CPU never writes the store: nothing can race the copy */
    }
    if (!m->storage) {
        /* The fallback's CPU shadows are the truth the next upload sends. */
        memmove(dst->map + dst_offset, src->map + src_offset, (size_t)size);
        return 0;
    }
    return 1;
}

void glbuf_mega_store_copy(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst,
                           uint64_t src_offset, uint64_t dst_offset, uint64_t size)
{
    if (size > 0 && copy_bytes(m, src, dst, src_offset, dst_offset, size)) {
        landing_add(m, dst_offset, size);
    }
}

void glbuf_mega_store_copy_fenced(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst,
                                  uint64_t src_offset, uint64_t dst_offset, uint64_t size)
{
    if (size > 0) {
        (void)copy_bytes(m, src, dst, src_offset, dst_offset, size);
    }
}

typedef struct live_copier {
    glbuf_mega_obj *m;
    const glbuf_mega_store *src, *dst;
    uint64_t run_offset, run_size, copied;
    uint64_t gap; /* runs closer than this merge */
} live_copier;

static void copy_run(live_copier *c)
{
    if (c->run_size > 0) {
        glbuf_mega_store_copy(c->m, c->src, c->dst, c->run_offset, c->run_offset, c->run_size);
        c->copied += c->run_size;
        c->run_size = 0;
    }
}

static int copy_live_one(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    live_copier *c = user;
    if (c->m->meta[glbuf_range_index(h)].pending) {
        return 0; /* freed: nobody reads these bytes from the new store */
    }
    uint64_t run_end = c->run_offset + c->run_size;
    if (c->run_size > 0 && offset >= run_end && offset - run_end <= c->gap) {
        c->run_size = offset + size - c->run_offset;
        return 0;
    }
    copy_run(c);
    c->run_offset = offset;
    c->run_size = size;
    return 0;
}

uint64_t glbuf_mega_copy_live(glbuf_mega_obj *m, const glbuf_mega_store *src, const glbuf_mega_store *dst)
{
    /* Device-local, nothing on the CPU can race a copy over a gap: one copy
     * of everything up to the last live byte is the fewest GL calls. */
    uint64_t gap = m->placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL ? UINT64_MAX : MERGE_GAP;
    live_copier c = {m, src, dst, 0, 0, 0, gap};
    glbuf_ranges_for_each(m->ranges, copy_live_one, &c);
    copy_run(&c);
    return c.copied;
}
