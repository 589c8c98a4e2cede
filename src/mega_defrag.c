/* mega_defrag.c - defragmentation: moves allocations toward offset 0 with
 * GPU copies into fresh storage, within a byte budget per call. */
#include <string.h>

#include "host_alloc.h"
#include "mega_internal.h"

/* ---- defragmentation ------------------------------------------------------------ */

/* Copies live allocations from the old storage to fresh storage, moved ones
 * to their new offset, merging neighbours into as few copies as possible. */
typedef struct copier {
    glbuf_mega_obj *m;
    glbuf_mega_store *fresh;
    const glbuf_range_move *moves;
    size_t move_count, next_move;
    uint64_t run_src, run_dst, run_size; /* the copy being gathered */
} copier;

static void copy_run(copier *c)
{
    if (c->run_size == 0) {
        return;
    }
    glbuf_mega_obj *m = c->m;
    glbuf_gl_copy(m->ctx, m->name, c->fresh->name, (size_t)c->run_src, (size_t)c->run_dst, (size_t)c->run_size);
    if (!m->storage) {
        memcpy(c->fresh->map + c->run_dst, m->map + c->run_src, (size_t)c->run_size);
    }
    c->run_size = 0;
}

static int copy_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    copier *c = user;
    uint64_t dst = offset;
    if (c->next_move < c->move_count && c->moves[c->next_move].handle.id == h.id) {
        dst = c->moves[c->next_move++].dst_offset;
    }
    if (c->m->meta[glbuf_range_index(h)].pending) {
        return 0; /* freed: nobody reads these bytes from the new glbuf_mega_store */
    }
    int same_offset_run = c->run_src == c->run_dst && dst == offset;
    if (c->run_size > 0 && offset - c->run_src == dst - c->run_dst &&
        (same_offset_run || offset == c->run_src + c->run_size)) {
        c->run_size = offset + size - c->run_src; /* same shift: extend (over gaps) */
        return 0;
    }
    copy_run(c);
    c->run_src = offset;
    c->run_dst = dst;
    c->run_size = size;
    return 0;
}

static glbuf_result mega_defragment(glbuf_mega_obj *m, uint64_t budget,
                                    void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                    glbuf_mega_defrag_report *report)
{
    glbuf_result r = glbuf_mega_check(m);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_mega_retire(m, glbuf_ctx_poll_completed(m->ctx));
    size_t total = 0;
    r = glbuf_ranges_plan_compaction(m->ranges, NULL, 0, &total);
    glbuf_mega_defrag_report rep = {0, (uint32_t)total, 0, m->name};
    if (r != GLBUF_OK || total == 0) {
        if (report) {
            *report = rep;
        }
        return r;
    }
    glbuf_ctx *ctx = m->ctx;
    glbuf_range_move *moves = glbuf_host_calloc(&ctx->allocator, total, sizeof *moves);
    if (moves == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    (void)glbuf_ranges_plan_compaction(m->ranges, moves, total, &total);
    size_t count = 0;
    uint64_t bytes = 0;
    while (count < total && (budget == 0 || count == 0 || bytes + moves[count].size <= budget)) {
        bytes += moves[count++].size;
    }
    glbuf_mega_store fresh;
    r = glbuf_mega_storage_create(m, m->capacity, &fresh);
    if (r != GLBUF_OK) {
        glbuf_host_free(&ctx->allocator, moves);
        return r;
    }
    glbuf_mega_flush_dirty(m);
    copier c = {m, &fresh, moves, count, 0, 0, 0, 0};
    glbuf_ranges_for_each(m->ranges, copy_live, &c);
    copy_run(&c);
    r = glbuf_ranges_apply_compaction(m->ranges, moves, count);
    if (r != GLBUF_OK) { /* cannot happen: the plan is fresh */
        glbuf_mega_storage_release(m, &fresh);
        glbuf_host_free(&ctx->allocator, moves);
        return r;
    }
    if (m->storage) {
        glbuf_mega_wait_for_copies(m);
    }
    glbuf_mega_adopt(m, &fresh, m->capacity);
    for (size_t i = 0; i < count && on_move != NULL; i++) {
        glbuf_mega_move mv = {{moves[i].handle.id}, moves[i].src_offset, moves[i].dst_offset, moves[i].size,
                              m->meta[glbuf_range_index(moves[i].handle)].user_data};
        on_move(user, &mv);
    }
    glbuf_host_free(&ctx->allocator, moves);
    m->stats.defragmentations++;
    m->stats.bytes_copied_by_defrag += bytes;
    rep.moves = (uint32_t)count;
    rep.moves_left = (uint32_t)(total - count);
    rep.bytes_moved = bytes;
    rep.name = m->name;
    if (report) {
        *report = rep;
    }
    glbuf_mega_validate(m, "glbuf_mega_defragment");
    return GLBUF_OK;
}


glbuf_result glbuf_mega_defragment(glbuf_ctx *ctx, glbuf_mega mega, uint64_t budget,
                                   void (*on_move)(void *user, const glbuf_mega_move *move), void *user,
                                   glbuf_mega_defrag_report *report)
{
    RESOLVE(ctx, mega, m);
    return mega_defragment(m, budget, on_move, user, report);
}
