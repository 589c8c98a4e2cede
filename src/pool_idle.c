/* pool_idle.c - glbuf_pool's idle buffers: reuse behind the frame fence, the
 * demand rule, the idle budget and trimming (pool.h, pool_internal.h). */
#include "host_alloc.h"
#include "pool_internal.h"

/* ---- lists ----------------------------------------------------------------- */

static void class_push(pool_class *c, pool_entry *e)
{
    e->next = NULL;
    e->prev = c->tail;
    if (c->tail != NULL) {
        c->tail->next = e;
    } else {
        c->head = e;
    }
    c->tail = e;
    c->idle++;
}

static void class_unlink(pool_class *c, pool_entry *e)
{
    if (c->pending == e) {
        c->pending = e->next; /* the rest is newer: still not known complete */
    }
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        c->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        c->tail = e->prev;
    }
    e->prev = e->next = NULL;
    c->idle--;
}

static void age_push(glbuf_pool_obj *p, pool_entry *e)
{
    e->newer = NULL;
    e->older = p->newest;
    if (p->newest != NULL) {
        p->newest->newer = e;
    } else {
        p->oldest = e;
    }
    p->newest = e;
}

static void age_unlink(glbuf_pool_obj *p, pool_entry *e)
{
    if (e->older != NULL) {
        e->older->newer = e->newer;
    } else {
        p->oldest = e->newer;
    }
    if (e->newer != NULL) {
        e->newer->older = e->older;
    } else {
        p->newest = e->older;
    }
    e->older = e->newer = NULL;
}

/* Takes an idle entry out of its lists and the idle counters (it stays in
 * bytes_held: the caller reuses or deletes it). */
static void unlink_idle(glbuf_pool_obj *p, pool_entry *e)
{
    class_unlink(&p->classes[e->cls], e);
    age_unlink(p, e);
    glbuf_pool_tier_stats *t = &p->tiers[e->tier];
    t->idle--;
    t->bytes_idle -= e->capacity;
    p->idle_bytes -= e->capacity;
}

void glbuf_pool_delete_entry(glbuf_pool_obj *p, pool_entry *e)
{
    glbuf_result why;
    glbuf_buffer_obj *b = glbuf_buffer_lookup(p->ctx, e->buf, &why);
    if (b != NULL && b->owner == e) {
        b->owner = NULL;
        (void)glbuf_buffer_destroy(p->ctx, e->buf);
    } else {
        glbuf_log(p->ctx, GLBUF_LOG_WARNING, "'%s': an idle pooled buffer was destroyed behind the pool's back",
                  p->label);
    }
    e->kind = 0;
    glbuf_host_free(&p->ctx->allocator, e);
}

/* Deletes an idle buffer, counting it in *counter (a field of its tier's
 * stats, or NULL). */
static void drop_idle(glbuf_pool_obj *p, pool_entry *e, uint64_t *counter)
{
    unlink_idle(p, e);
    p->tiers[e->tier].bytes_held -= e->capacity;
    if (counter != NULL) {
        (*counter)++;
    }
    glbuf_pool_delete_entry(p, e);
}

void glbuf_pool_idle_push(glbuf_pool_obj *p, pool_entry *e)
{
    pool_class *c = &p->classes[e->cls];
    e->release_frame = p->ctx->frame;
    class_push(c, e);
    if (c->pending == NULL) {
        c->pending = e; /* the current frame is never complete */
    }
    age_push(p, e);
    glbuf_pool_tier_stats *t = &p->tiers[e->tier];
    t->idle++;
    t->bytes_idle += e->capacity;
    p->idle_bytes += e->capacity;
}

/* ---- fenced reuse ---------------------------------------------------------- */

/* Moves the class's ready boundary past every buffer of a completed frame. */
static void promote(pool_class *c, uint64_t completed)
{
    while (c->pending != NULL && c->pending->release_frame <= completed) {
        c->pending = c->pending->next;
    }
}

/* The newest ready buffer of class `c` still owned by the pool, unlinked;
 * NULL when there is none. Buffers the app destroyed are forgotten. */
static pool_entry *take_ready(glbuf_pool_obj *p, pool_class *c)
{
    for (;;) {
        pool_entry *e = c->pending != NULL ? c->pending->prev : c->tail;
        if (e == NULL) {
            return NULL;
        }
        glbuf_result why;
        glbuf_buffer_obj *b = glbuf_buffer_lookup(p->ctx, e->buf, &why);
        if (b != NULL && b->owner == e) {
            unlink_idle(p, e);
            return e;
        }
        drop_idle(p, e, NULL); /* destroyed by the app: forget it (logged) */
    }
}

/* Classes from `cls` up whose size fits `size`; one past the last in *end. */
static uint32_t fitting_classes_end(uint32_t cls, uint64_t size)
{
    uint32_t end = cls + 1;
    while (end < POOL_CLASS_COUNT && pool_fits(pool_class_size(end), size)) {
        end++;
    }
    return end;
}

static pool_entry *take_from(glbuf_pool_obj *p, uint32_t cls, uint32_t end, uint64_t completed)
{
    for (uint32_t i = cls; i < end; i++) {
        pool_class *c = &p->classes[i];
        if (c->idle == 0) {
            continue;
        }
        promote(c, completed);
        pool_entry *e = take_ready(p, c);
        if (e != NULL) {
            return e;
        }
    }
    return NULL;
}

pool_entry *glbuf_pool_idle_take(glbuf_pool_obj *p, uint32_t cls, uint64_t size)
{
    glbuf_ctx *ctx = p->ctx;
    uint32_t end = fitting_classes_end(cls, size);
    pool_entry *e = take_from(p, cls, end, ctx->completed_frame);
    if (e != NULL) {
        return e;
    }
    /* Poll only when a fitting buffer waits on a frame that has ended: the
     * current frame has no fence yet, so a poll could not free anything. */
    for (uint32_t i = cls; i < end; i++) {
        const pool_entry *w = p->classes[i].pending;
        if (w != NULL && w->release_frame < ctx->frame) {
            return take_from(p, cls, end, glbuf_ctx_poll_completed(ctx));
        }
    }
    return NULL;
}

/* ---- giving memory back ------------------------------------------------------ */

void glbuf_pool_apply_demand(glbuf_pool_obj *p)
{
    uint64_t now = p->ctx->frame;
    if (now == p->policy_frame) {
        return;
    }
    const uint64_t rows = (uint64_t)p->demand_frames + 1u;
    /* Frames since the last call had no acquisitions; this one starts at 0. */
    uint64_t fresh = now - p->policy_frame < rows ? now - p->policy_frame : rows;
    for (uint64_t f = now - fresh + 1u; f <= now; f++) {
        uint32_t *row = &p->demand[(size_t)(f % rows) * POOL_CLASS_COUNT];
        for (uint32_t i = 0; i < POOL_CLASS_COUNT; i++) {
            row[i] = 0;
        }
    }
    p->policy_frame = now;
    for (uint32_t i = 0; i < POOL_CLASS_COUNT; i++) {
        pool_class *c = &p->classes[i];
        if (c->idle == 0) {
            continue;
        }
        /* The busiest of frames now - W .. now - 1: every row but this
         * frame's, which was just zeroed. */
        uint32_t keep = 0;
        for (uint64_t r = 0; r < rows; r++) {
            uint32_t n = p->demand[(size_t)r * POOL_CLASS_COUNT + i];
            keep = n > keep ? n : keep;
        }
        while (c->idle > keep) {
            drop_idle(p, c->head, &p->tiers[c->head->tier].shed);
        }
    }
}

void glbuf_pool_enforce_budget(glbuf_pool_obj *p)
{
    while (p->idle_bytes > p->idle_budget) {
        pool_entry *e = p->oldest;
        drop_idle(p, e, &p->tiers[e->tier].evicted);
    }
}

void glbuf_pool_trim_idle(glbuf_pool_obj *p, uint64_t idle_frames)
{
    uint64_t now = p->ctx->frame;
    while (p->oldest != NULL && now - p->oldest->release_frame > idle_frames) {
        drop_idle(p, p->oldest, &p->tiers[p->oldest->tier].trimmed);
    }
}

void glbuf_pool_drop_all_idle(glbuf_pool_obj *p)
{
    while (p->oldest != NULL) {
        drop_idle(p, p->oldest, NULL);
    }
}

/* ---- validation ---------------------------------------------------------------- */

void glbuf_pool_validate(glbuf_pool_obj *p, const char *what)
{
    if (!p->ctx->validation) {
        return;
    }
    uint64_t idle = 0, bytes = 0, in_classes = 0;
    uint64_t tier_idle[GLBUF_POOL_TIERS] = {0}, tier_bytes[GLBUF_POOL_TIERS] = {0};
    int ok = 1;
    uint64_t last = 0;
    for (const pool_entry *e = p->oldest; e != NULL; e = e->newer) {
        ok &= e->kind == ENTRY_KIND && !e->live && e->release_frame >= last && e->cls < POOL_CLASS_COUNT;
        last = e->release_frame;
        idle++;
        bytes += e->capacity;
        tier_idle[e->tier]++;
        tier_bytes[e->tier] += e->capacity;
    }
    for (uint32_t i = 0; i < POOL_CLASS_COUNT; i++) {
        const pool_class *c = &p->classes[i];
        uint32_t n = 0;
        int ready = 1; /* before `pending`: of a completed frame */
        last = 0;
        for (const pool_entry *e = c->head; e != NULL; e = e->next) {
            ready &= e != c->pending;
            ok &= e->cls == i && e->release_frame >= last;
            ok &= !ready || e->release_frame <= p->ctx->completed_frame;
            last = e->release_frame;
            n++;
        }
        ok &= n == c->idle && (c->pending == NULL || !ready);
        in_classes += n;
    }
    ok &= idle == in_classes && bytes == p->idle_bytes;
    for (unsigned t = 0; t < GLBUF_POOL_TIERS; t++) {
        ok &= tier_idle[t] == p->tiers[t].idle && tier_bytes[t] == p->tiers[t].bytes_idle;
    }
    if (!ok) {
        glbuf_log(p->ctx, GLBUF_LOG_ERROR, "'%s': pool invariants broken after %s", p->label, what);
    }
}
