/* test_bad_input.c - every public function against bad input: NULLs,
 * destroyed objects, objects of the wrong kind, zero and overflowing sizes,
 * bad alignments, stale, double-freed, forged and foreign handles.
 *
 * One table, read top to bottom: each BAD() line is one bad input, the code
 * the header documents for it, and the call. Around every line the whole
 * observable state is snapshotted (every counter of the context including
 * the GL call counts, its frame clock and the GL errors kept for the app;
 * every statistic of every object; the layout of every megabuffer and
 * allocator, block by block; every byte of every buffer and allocation read
 * back through GL; the host allocator's live count) and must be identical
 * afterwards: bad input changes nothing and makes no GL call. The only
 * change allowed is the one a header documents: a refused allocation counts
 * in failed_allocations (BAD_COUNTED rows, exactly +1).
 *
 * The table runs on objects in use, not fresh ones: frames have ended with
 * their fences pending or signalled but not yet polled, megabuffers hold
 * frees of ended frames (one of a frame known complete, not yet retired)
 * and of the current frame, a stream is in the middle of a frame after
 * regions of ended ones, a pool holds idle buffers of ended frames, a buffer
 * holds batched appends not yet uploaded. Stale handles are handles whose
 * slot now holds a live object of the same kind (the slot was reused), and
 * foreign ones are live handles of another context, megabuffer, allocator
 * or readback object with the very index and generation of a live one here.
 * A meta-check compares the functions the table covers with every GLBUF_API
 * declaration in include/glbuf/ (listed at configure time into
 * bad_input_api.h), so a new public function cannot be forgotten. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad_input_api.h"
#include "buffer_internal.h"
#include "ctx_internal.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/mesh.h"
#include "glbuf/pool.h"
#include "glbuf/ranges.h"
#include "glbuf/readback.h"
#include "glbuf/stream.h"
#include "gl_fixture.h"
#include "handle_id.h"

#define BIG ((uint64_t)PTRDIFF_MAX + 1u) /* beyond GLsizeiptr */

/* ---- the world the bad inputs are thrown at ----------------------------------- */

static struct {
    long live; /* host blocks */
} host;

static void *count_alloc(size_t size, void *user)
{
    (void)user;
    void *p = malloc(size);
    host.live += p != NULL;
    return p;
}

static void count_free(void *p, void *user)
{
    (void)user;
    host.live -= p != NULL;
    free(p);
}

typedef struct world {
    glbuf_ctx *ctx, *ctx2; /* ctx2: another context wrapper, without buffer storage */
    GladGLContext *gl;
    glbuf_buffer buf;     /* mutable, 1024 bytes, pattern */
    glbuf_buffer imm;     /* immutable, MAP_WRITE only, 256 bytes */
    glbuf_buffer empty;   /* mutable, no store */
    glbuf_buffer mapped;  /* mapped READ|WRITE, not persistent */
    glbuf_buffer flushy;  /* mapped WRITE|FLUSH_EXPLICIT over [0, 256) */
    glbuf_buffer dead;    /* destroyed */
    glbuf_buffer foreign; /* a live buffer of ctx2 */
    glbuf_buffer pooled, released, pooled2;
    glbuf_mega m, m2, m_none; /* m2: another megabuffer; m_none: GROW_NONE, full */
    glbuf_mega m_dead, m_foreign; /* destroyed; a live megabuffer of ctx2 */
    glbuf_mega_range r, freed, other;
    glbuf_mesh mesh, mesh_freed;
    glbuf_stream s, s_small;
    glbuf_stream s_dead, s_foreign;
    glbuf_pool p, p2;
    glbuf_pool p_dead, p_foreign;
    glbuf_ranges *rg, *rg2;
    glbuf_range h, h_freed, h_other;
    /* rb: full (4096 of 4096 bytes held by req); rb2 holds req_other;
     * rb_foreign: ctx2's; rb_dead: destroyed; req_released: given back */
    glbuf_readback rb, rb2, rb_foreign, rb_dead;
    glbuf_readback_request req, req_released, req_other;

    /* Slots reused (stale: the handle that had the slot; reuser: the live
     * object of the same kind now in it) and twins (a live handle of the
     * other context or object with the reuser's index and generation). */
    glbuf_buffer buf_stale, buf_reuser, buf_twin;
    glbuf_mega m_stale, m_reuser, m_twin;
    glbuf_stream s_stale, s_reuser, s_twin;
    glbuf_pool p_stale, p_reuser, p_twin;
    glbuf_readback rb_stale, rb_reuser, rb_twin;
    glbuf_mega_range r_stale, r_reuser, r_twin; /* in m; r_twin in m2 */
    glbuf_range h_stale, h_reuser, h_twin;      /* in rg; h_twin in rg2 */
    glbuf_range h_moved;                        /* in rg, after a hole: can move down */

    glbuf_buffer batched; /* batched appends staged, not uploaded */
    /* Frees of ended frames and of this one, pending in m. */
    glbuf_mega_range pend_done, pend_ended, pend_now;
    uint64_t frame_done; /* the newest frame known complete */

    /* Refused allocations each documented as counted (BAD_COUNTED). */
    uint64_t counted_m, counted_m_none, counted_rg;
} world;

static world W;
static long bad_count;

/* ---- snapshots ------------------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, unsigned long long a, unsigned long long c)
{
    char tmp[160];
    int n = snprintf(tmp, sizeof tmp, fmt, a, c);
    ck_assert_int_gt(n, 0);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    memcpy(b->p + b->len, tmp, (size_t)n + 1);
    b->len += (size_t)n;
}

static unsigned long long fnv(const uint8_t *p, size_t n)
{
    unsigned long long h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ull;
    }
    return h;
}

static void snap_gl(sbuf *b, uint32_t name, uint64_t size)
{
    if (name == 0 || size == 0) {
        return;
    }
    uint8_t *tmp = malloc((size_t)size);
    ck_assert_ptr_nonnull(tmp);
    W.gl->GetNamedBufferSubData(name, 0, (GLsizeiptr)size, tmp);
    ck_assert_int_eq(W.gl->GetError(), GL_NO_ERROR);
    put(b, " gl%llu=%llx", name, fnv(tmp, (size_t)size));
    free(tmp);
}

static void snap_ctx(sbuf *b, glbuf_ctx *ctx)
{
    glbuf_ctx_stats st = glbuf_ctx_get_stats(ctx);
    put(b, "ctx calls=%llu by_entry=%llx", st.calls_total, fnv((const uint8_t *)st.calls, sizeof st.calls));
    put(b, " frame=%llu completed=%llu", glbuf_ctx_frame(ctx), ctx->completed_frame); /* not polled */
    put(b, " fences=%llu kept_errors=%llu", ctx->fence_count, ctx->app_error_count);
    put(b, " created=%llu deleted=%llu", st.buffers_created, st.buffers_deleted);
    put(b, " alive=%llu errors=%llu", st.buffers_alive, st.gl_errors);
    put(b, " app_errors=%llu uploaded=%llu", st.app_gl_errors, st.bytes_uploaded);
    put(b, " realloc=%llu growth_copied=%llu", st.reallocations, st.bytes_copied_by_growth);
    put(b, " waits=%llu wait_ns=%llu", st.fence_waits, st.fence_wait_ns);
    put(b, " live=%llu\n", (unsigned long long)ctx->objects.live, 0);
}

static void snap_buffer(sbuf *b, glbuf_ctx *ctx, glbuf_buffer buf, int read)
{
    glbuf_buffer_info in;
    memset(&in, 0, sizeof in);
    glbuf_result r = glbuf_buffer_get_info(ctx, buf, &in);
    put(b, "buf %llx r=%llu", buf.id, (unsigned long long)r);
    if (r != GLBUF_OK) {
        put(b, "\n", 0, 0);
        return;
    }
    put(b, " name=%llu size=%llu", in.name, in.size);
    put(b, " cap=%llu mapped=%llu", in.capacity, (unsigned long long)in.mapped);
    put(b, " target=%llu usage=%llu", (unsigned long long)in.target, (unsigned long long)in.usage);
    put(b, " growth=%llu realloc=%llu", (unsigned long long)in.growth, in.reallocations);
    put(b, " label=%llx flags=%llu", fnv((const uint8_t *)in.label, strlen(in.label)), in.storage_flags);
    put(b, " pending=%llu generation=%llu", in.pending_bytes, in.storage_generation);
    if (in.pending_bytes > 0) { /* the staged bytes themselves, not yet in GL */
        glbuf_result why;
        const glbuf_buffer_obj *o = glbuf_buffer_lookup(ctx, buf, &why);
        put(b, " staged=%llx", fnv(o->pending, o->pending_size), 0);
    }
    if (read && !in.mapped) {
        snap_gl(b, in.name, in.capacity);
    }
    put(b, "\n", 0, 0);
}

static int snap_block(void *user, const glbuf_mega_block *k)
{
    sbuf *b = user;
    put(b, " [%llu %llu", (unsigned long long)k->kind, k->offset);
    put(b, " %llu %llu", k->size, k->frame);
    put(b, " %llx %llu]", k->range.id, k->user_data);
    return 0;
}

/* Every statistic; failed_allocations less the refusals the table counted
 * on purpose (BAD_COUNTED), so that any other change shows. */
static void snap_mega(sbuf *b, glbuf_ctx *ctx, glbuf_mega m, uint64_t counted)
{
    glbuf_mega_stats st = glbuf_mega_get_stats(ctx, m);
    put(b, "mega cap=%llu max=%llu", st.capacity, st.max_capacity);
    put(b, " used=%llu free=%llu", st.used_bytes, st.free_bytes);
    put(b, " largest=%llu blocks=%llu", st.largest_free_block, st.free_blocks);
    put(b, " allocs=%llu pending=%llu", st.allocations, st.pending_frees);
    put(b, " pending_bytes=%llu growths=%llu", st.pending_free_bytes, st.growths);
    put(b, " defrags=%llu growth_copied=%llu", st.defragmentations, st.bytes_copied_by_growth);
    put(b, " defrag_copied=%llu failed=%llu", st.bytes_copied_by_defrag, st.failed_allocations - counted);
    put(b, " gen=%llu name=%llu", st.storage_generation, st.name);
    put(b, " align=%llu storage=%llu", st.alignment, (unsigned long long)st.has_buffer_storage);
    ck_assert_int_eq(glbuf_mega_for_each_block(ctx, m, snap_block, b), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(ctx, m), GLBUF_OK);
    snap_gl(b, st.name, st.capacity);
    put(b, "\n", 0, 0);
}

static void snap_stream(sbuf *b, glbuf_ctx *ctx, glbuf_stream s)
{
    glbuf_stream_stats st = glbuf_stream_get_stats(ctx, s);
    put(b, "stream streamed=%llu skipped=%llu", st.bytes_streamed, st.bytes_skipped);
    put(b, " allocs=%llu frames=%llu", st.allocations, st.frames);
    put(b, " waits=%llu wait_ns=%llu", st.waits, st.wait_ns);
    put(b, " growths=%llu orphans=%llu", st.growths, st.orphans);
    put(b, " flushes=%llu cap=%llu", st.flushes, st.capacity);
    put(b, " held=%llu retired=%llu", st.bytes_held, st.rings_retired);
    put(b, " persistent=%llu\n", (unsigned long long)st.persistent, 0);
}

static void snap_pool(sbuf *b, glbuf_ctx *ctx, glbuf_pool p)
{
    glbuf_pool_stats st = glbuf_pool_get_stats(ctx, p);
    put(b, "pool held=%llu idle=%llu", st.bytes_held, st.bytes_idle);
    put(b, " requested=%llu budget=%llu", st.bytes_requested, st.idle_budget);
    put(b, " acquired=%llu demand_frames=%llu", st.acquired, st.demand_frames);
    for (unsigned i = 0; i < GLBUF_POOL_TIERS; i++) {
        const glbuf_pool_tier_stats *t = &st.tiers[i];
        put(b, " [%llu %llu", t->limit, t->live);
        put(b, " %llu %llu", t->idle, t->created);
        put(b, " %llu %llu", t->reused, t->shed);
        put(b, " %llu %llu", t->trimmed, t->evicted);
        put(b, " %llu %llu", t->discarded, t->bytes_held);
        put(b, " %llu %llu]", t->bytes_idle, t->bytes_requested);
    }
    put(b, "\n", 0, 0);
}

static int snap_live_range(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    sbuf *b = user;
    put(b, " [%llx %llu", h.id, offset);
    put(b, " %llu]", size, 0);
    return 0;
}

static int snap_free_range(void *user, uint64_t offset, uint64_t size)
{
    sbuf *b = user;
    put(b, " (%llu %llu)", offset, size);
    return 0;
}

static void snap_ranges(sbuf *b, glbuf_ranges *r, uint64_t counted)
{
    glbuf_ranges_stats st = glbuf_ranges_get_stats(r);
    ck_assert_int_eq(glbuf_ranges_invariants_hold(r), 1);
    put(b, "ranges cap=%llu used=%llu", st.capacity, st.used_bytes);
    put(b, " free=%llu largest=%llu", st.free_bytes, st.largest_free_block);
    put(b, " peak=%llu meta=%llu", st.peak_used_bytes, st.metadata_bytes);
    put(b, " failed=%llu blocks=%llu", st.failed_allocations - counted, st.free_blocks);
    put(b, " live=%llu extent=%llu", st.live_allocations, glbuf_ranges_used_extent(r));
    glbuf_ranges_for_each(r, snap_live_range, b);
    glbuf_ranges_for_each_free(r, snap_free_range, b);
    put(b, "\n", 0, 0);
}

static void snap_readback(sbuf *b, glbuf_ctx *ctx, glbuf_readback rb, glbuf_readback_request req, uint64_t size)
{
    glbuf_readback_stats st = glbuf_readback_get_stats(ctx, rb);
    put(b, "readback requests=%llu bytes_requested=%llu", st.requests, st.bytes_requested);
    put(b, " completed=%llu pending=%llu", st.completed, st.polls_pending);
    put(b, " waits=%llu wait_ns=%llu", st.waits, st.wait_ns);
    put(b, " timeouts=%llu growths=%llu", st.timeouts, st.growths);
    put(b, " trims=%llu fetches=%llu", st.trims, st.fetches);
    put(b, " cap=%llu held=%llu", st.capacity, st.bytes_held);
    put(b, " live=%llu live_requests=%llu", st.bytes_live, st.live_requests);
    put(b, " retired=%llu memory=%llu", st.rings_retired, (unsigned long long)st.memory);
    put(b, " persistent=%llu", (unsigned long long)st.persistent, 0);
    if (req.id != 0) {
        /* complete since setup: a poll makes no GL call and changes nothing */
        const void *data = NULL;
        ck_assert_int_eq(glbuf_readback_poll(ctx, rb, req, &data), GLBUF_OK);
        put(b, " data=%llx", fnv(data, (size_t)size), 0);
    }
    put(b, "\n", 0, 0);
}

/* Everything observable. */
static char *snapshot(void)
{
    sbuf b = {NULL, 0, 0};
    put(&b, "host live=%llu\n", (unsigned long long)host.live, 0);
    snap_ctx(&b, W.ctx);
    snap_ctx(&b, W.ctx2);
    const glbuf_buffer bufs[] = {W.buf, W.imm, W.empty, W.mapped, W.flushy, W.pooled, W.pooled2, W.buf_reuser,
                                 W.batched};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        snap_buffer(&b, W.ctx, bufs[i], 1);
    }
    snap_buffer(&b, W.ctx2, W.foreign, 1);
    snap_buffer(&b, W.ctx2, W.buf_twin, 1);
    snap_mega(&b, W.ctx, W.m, W.counted_m);
    snap_mega(&b, W.ctx, W.m2, 0);
    snap_mega(&b, W.ctx, W.m_none, W.counted_m_none);
    snap_mega(&b, W.ctx, W.m_reuser, 0);
    snap_mega(&b, W.ctx2, W.m_foreign, 0);
    snap_mega(&b, W.ctx2, W.m_twin, 0);
    const glbuf_stream streams[] = {W.s, W.s_small, W.s_reuser};
    for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
        snap_stream(&b, W.ctx, streams[i]);
    }
    snap_stream(&b, W.ctx2, W.s_foreign);
    snap_stream(&b, W.ctx2, W.s_twin);
    const glbuf_pool pools[] = {W.p, W.p2, W.p_reuser};
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        snap_pool(&b, W.ctx, pools[i]);
    }
    snap_pool(&b, W.ctx2, W.p_foreign);
    snap_pool(&b, W.ctx2, W.p_twin);
    snap_ranges(&b, W.rg, W.counted_rg);
    snap_ranges(&b, W.rg2, 0);
    snap_readback(&b, W.ctx, W.rb, W.req, 1024);
    snap_readback(&b, W.ctx, W.rb2, W.req_other, 256);
    snap_readback(&b, W.ctx, W.rb_reuser, (glbuf_readback_request){0}, 0);
    snap_readback(&b, W.ctx2, W.rb_foreign, (glbuf_readback_request){0}, 0);
    snap_readback(&b, W.ctx2, W.rb_twin, (glbuf_readback_request){0}, 0);
    return b.p;
}

/* ---- the table machinery ---------------------------------------------------------- */

static const char *covered[256];
static int covered_count;

static void cover(const char *fn)
{
    for (int i = 0; i < covered_count; i++) {
        if (strcmp(covered[i], fn) == 0) {
            return;
        }
    }
    ck_assert_int_lt(covered_count, 256);
    covered[covered_count++] = fn;
}

static void unchanged(char *before, const char *what, int line)
{
    char *after = snapshot();
    if (strcmp(before, after) != 0) {
        fprintf(stderr, "line %d: %s changed the state\n--- before\n%s--- after\n%s", line, what, before, after);
    }
    ck_assert_msg(strcmp(before, after) == 0, "line %d: %s changed the state", line, what);
    free(before);
    free(after);
}

/* One bad input: `expr` must return `expected` and change nothing. */
#define BAD(fn, expected, expr)                                                                             \
    do {                                                                                                    \
        (void)&fn;                                                                                          \
        cover(#fn);                                                                                         \
        char *before_ = snapshot();                                                                         \
        glbuf_result got_ = (expr);                                                                         \
        bad_count++;                                                                                        \
        ck_assert_msg(got_ == (expected), "line %d: %s returned %s, documented: %s", __LINE__, #expr,        \
                      glbuf_result_name(got_), glbuf_result_name(expected));                                \
        unchanged(before_, #expr, __LINE__);                                                                \
    } while (0)

/* A refusal the header documents as counted in a failed-allocations
 * statistic: `expr` must return `expected`, bump `tally`'s counter by
 * exactly one (the snapshot shows the counter less the tally) and change
 * nothing else. */
#define BAD_COUNTED(fn, expected, tally, expr)                                                              \
    do {                                                                                                    \
        (void)&fn;                                                                                          \
        cover(#fn);                                                                                         \
        char *before_ = snapshot();                                                                         \
        glbuf_result got_ = (expr);                                                                         \
        bad_count++;                                                                                        \
        (tally)++;                                                                                          \
        ck_assert_msg(got_ == (expected), "line %d: %s returned %s, documented: %s", __LINE__, #expr,        \
                      glbuf_result_name(got_), glbuf_result_name(expected));                                \
        unchanged(before_, #expr, __LINE__);                                                                \
    } while (0)

/* A bad input thrown at the immutable buffer, which only a profile with
 * ARB_buffer_storage has. */
#define BAD_IMM(fn, expected, expr)                                                                         \
    do {                                                                                                    \
        if (W.imm.id != 0) {                                                                                \
            BAD(fn, expected, expr);                                                                        \
        }                                                                                                   \
    } while (0)

/* One bad input to a function that returns no code: `cond` must hold
 * afterwards (evaluated after the call) and nothing may change. */
#define BADV(fn, call, cond)                                                                                \
    do {                                                                                                    \
        (void)&fn;                                                                                          \
        cover(#fn);                                                                                         \
        char *before_ = snapshot();                                                                         \
        call;                                                                                               \
        bad_count++;                                                                                        \
        ck_assert_msg(cond, "line %d: %s: %s does not hold", __LINE__, #call, #cond);                        \
        unchanged(before_, #call, __LINE__);                                                                \
    } while (0)

/* The handles every buffer call must refuse, with the code for each: a NULL
 * context, 0, a destroyed buffer, a forged id, a buffer of another context,
 * a buffer whose slot now holds another buffer, and the live buffer of the
 * other context with that one's index and generation. Each call site uses
 * C (context) and H (handle). */
#define BUF_COMMON(fn, expr)                                                                                \
    do {                                                                                                    \
        const glbuf_buffer hs_[7] = {W.buf, {0}, W.dead, {UINT64_MAX}, W.foreign, W.buf_stale, W.buf_twin}; \
        const glbuf_result want_[7] = {GLBUF_ERR_NULL,           GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE};                                           \
        for (int k_ = 0; k_ < 7; k_++) {                                                                    \
            glbuf_ctx *C = k_ == 0 ? NULL : W.ctx;                                                          \
            glbuf_buffer H = hs_[k_];                                                                       \
            (void)C;                                                                                        \
            (void)H;                                                                                        \
            BAD(fn, want_[k_], expr);                                                                       \
        }                                                                                                   \
    } while (0)

/* The same for megabuffers, streams and pools: a NULL context, 0, a destroyed
 * object, a forged id, another context's object, the ids of two objects of
 * other kinds, an object whose slot now holds another of its kind, and the
 * other context's live object with that one's index and generation. Each
 * call site uses C (context) and H (handle). */
#define OBJ_COMMON(type, live, dead, foreign, other1, other2, stale, twin, fn, expr)                        \
    do {                                                                                                    \
        const type hs_[9] = {live, {0}, dead, {UINT64_MAX}, foreign, {other1.id}, {other2.id}, stale, twin}; \
        const glbuf_result want_[9] = {GLBUF_ERR_NULL,           GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_WRONG_KIND,                      \
                                       GLBUF_ERR_WRONG_KIND,     GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE};                                           \
        for (int k_ = 0; k_ < 9; k_++) {                                                                    \
            glbuf_ctx *C = k_ == 0 ? NULL : W.ctx;                                                          \
            type H = hs_[k_];                                                                               \
            (void)C;                                                                                        \
            (void)H;                                                                                        \
            BAD(fn, want_[k_], expr);                                                                       \
        }                                                                                                   \
    } while (0)
/* Queries that cannot fail: every one of those handles gives `cond`. */
#define OBJ_QUERY(type, live, dead, foreign, other1, other2, stale, twin, fn, call, cond)                   \
    do {                                                                                                    \
        const type hs_[9] = {live, {0}, dead, {UINT64_MAX}, foreign, {other1.id}, {other2.id}, stale, twin}; \
        for (int k_ = 0; k_ < 9; k_++) {                                                                    \
            glbuf_ctx *C = k_ == 0 ? NULL : W.ctx;                                                          \
            type H = hs_[k_];                                                                               \
            (void)C;                                                                                        \
            (void)H;                                                                                        \
            BADV(fn, call, cond);                                                                           \
        }                                                                                                   \
    } while (0)
#define MEGA_ARGS glbuf_mega, W.m, W.m_dead, W.m_foreign, W.s, W.p, W.m_stale, W.m_twin
#define STREAM_ARGS glbuf_stream, W.s, W.s_dead, W.s_foreign, W.m, W.p, W.s_stale, W.s_twin
#define POOL_ARGS glbuf_pool, W.p, W.p_dead, W.p_foreign, W.m, W.s, W.p_stale, W.p_twin
/* (the indirection expands the *_ARGS lists before the macro counts them) */
#define OBJ_QUERY_(...) OBJ_QUERY(__VA_ARGS__)
#define OBJ_COMMON_(...) OBJ_COMMON(__VA_ARGS__)
#define MEGA_QUERY(fn, call, cond) OBJ_QUERY_(MEGA_ARGS, fn, call, cond)
#define STREAM_QUERY(fn, call, cond) OBJ_QUERY_(STREAM_ARGS, fn, call, cond)
#define POOL_QUERY(fn, call, cond) OBJ_QUERY_(POOL_ARGS, fn, call, cond)
#define MEGA_COMMON(fn, expr) OBJ_COMMON_(MEGA_ARGS, fn, expr)
#define STREAM_COMMON(fn, expr) OBJ_COMMON_(STREAM_ARGS, fn, expr)
#define POOL_COMMON(fn, expr) OBJ_COMMON_(POOL_ARGS, fn, expr)

/* ---- setup ----------------------------------------------------------------------------- */

static glbuf_headless *headless;

static glbuf_ctx *make_ctx(uint32_t disable_caps)
{
    glbuf_ctx_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    d.allocator.alloc = count_alloc;
    d.allocator.free = count_free;
    d.disable_caps = disable_caps;
    glbuf_ctx *ctx = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&d, &ctx), GLBUF_OK);
    return ctx;
}

static glbuf_buffer make_buffer(glbuf_ctx *ctx, uint64_t size, uint32_t storage_flags)
{
    uint8_t data[1024];
    fx_pattern(data, sizeof data, (uint32_t)size);
    glbuf_buffer_desc d;
    memset(&d, 0, sizeof d);
    d.size = size;
    d.data = size <= sizeof data && size > 0 ? data : NULL;
    d.storage_flags = storage_flags;
    glbuf_buffer b = {0};
    ck_assert_int_eq(glbuf_buffer_create(ctx, &d, &b), GLBUF_OK);
    return b;
}

static glbuf_mega make_mega(glbuf_ctx *ctx, uint64_t capacity, glbuf_mega_growth growth)
{
    glbuf_mega_desc d;
    memset(&d, 0, sizeof d);
    d.capacity = capacity;
    d.max_capacity = 1u << 20;
    d.growth = growth;
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(ctx, &d, &m), GLBUF_OK);
    return m;
}

/* ---- slots reused, and twins in the other context ------------------------------- */

typedef uint64_t (*make_fn)(glbuf_ctx *ctx);
typedef void (*drop_fn)(glbuf_ctx *ctx, uint64_t id);

static uint64_t make_buffer_id(glbuf_ctx *ctx) { return make_buffer(ctx, 32, 0).id; }
static void drop_buffer_id(glbuf_ctx *ctx, uint64_t id)
{
    ck_assert_int_eq(glbuf_buffer_destroy(ctx, (glbuf_buffer){id}), GLBUF_OK);
}
static uint64_t make_mega_id(glbuf_ctx *ctx) { return make_mega(ctx, 1024, GLBUF_MEGA_GROW_NONE).id; }
static void drop_mega_id(glbuf_ctx *ctx, uint64_t id)
{
    ck_assert_int_eq(glbuf_mega_destroy(ctx, (glbuf_mega){id}), GLBUF_OK);
}
static uint64_t make_stream_id(glbuf_ctx *ctx)
{
    glbuf_stream_desc d;
    memset(&d, 0, sizeof d);
    d.capacity = 1024;
    d.max_capacity = 1024;
    glbuf_stream s = {0};
    ck_assert_int_eq(glbuf_stream_create(ctx, &d, &s), GLBUF_OK);
    return s.id;
}
static void drop_stream_id(glbuf_ctx *ctx, uint64_t id)
{
    ck_assert_int_eq(glbuf_stream_destroy(ctx, (glbuf_stream){id}), GLBUF_OK);
}
static uint64_t make_pool_id(glbuf_ctx *ctx)
{
    glbuf_pool_desc d;
    memset(&d, 0, sizeof d);
    glbuf_pool p = {0};
    ck_assert_int_eq(glbuf_pool_create(ctx, &d, &p), GLBUF_OK);
    return p.id;
}
static void drop_pool_id(glbuf_ctx *ctx, uint64_t id)
{
    ck_assert_int_eq(glbuf_pool_destroy(ctx, (glbuf_pool){id}), GLBUF_OK);
}
static uint64_t make_readback_id(glbuf_ctx *ctx)
{
    glbuf_readback_desc d;
    memset(&d, 0, sizeof d);
    d.capacity = 4096;
    d.max_capacity = 4096;
    glbuf_readback rb = {0};
    ck_assert_int_eq(glbuf_readback_create(ctx, &d, &rb), GLBUF_OK);
    return rb.id;
}
static void drop_readback_id(glbuf_ctx *ctx, uint64_t id)
{
    ck_assert_int_eq(glbuf_readback_destroy(ctx, (glbuf_readback){id}), GLBUF_OK);
}

/* `stale` the handle of an object destroyed so that `reuser`, made next,
 * takes its slot (index kept, generation + 1): a lookup of `stale` reaches
 * the slot of a live object of the very same kind. */
static void reuse_slot(glbuf_ctx *ctx, make_fn make, drop_fn drop, uint64_t *stale, uint64_t *reuser)
{
    *stale = make(ctx);
    drop(ctx, *stale);
    *reuser = make(ctx);
    ck_assert_uint_eq(glbuf_id_index(*reuser), glbuf_id_index(*stale));
    ck_assert_uint_eq(glbuf_id_generation(*reuser), glbuf_id_generation(*stale) + 1u);
}

/* Objects made on the way to a twin, kept until every twin is made (so
 * that each twin's slot is a fresh one: targets come in increasing index
 * order), then destroyed. */
static struct {
    uint64_t id[256];
    drop_fn drop[256];
    int count;
} kept;

/* A live object of `ctx` (made by `make`) with the index and generation of
 * `target`, a live handle of another table. */
static uint64_t twin_of(glbuf_ctx *ctx, uint64_t target, make_fn make, drop_fn drop)
{
    uint64_t id = make(ctx);
    while (glbuf_id_index(id) < glbuf_id_index(target)) {
        ck_assert_int_lt(kept.count, 256);
        kept.id[kept.count] = id;
        kept.drop[kept.count++] = drop;
        id = make(ctx);
    }
    ck_assert_uint_eq(glbuf_id_index(id), glbuf_id_index(target));
    while (glbuf_id_generation(id) < glbuf_id_generation(target)) {
        drop(ctx, id); /* the slot is the next one made again */
        id = make(ctx);
        ck_assert_uint_eq(glbuf_id_index(id), glbuf_id_index(target));
    }
    ck_assert_uint_eq(glbuf_id_generation(id), glbuf_id_generation(target));
    ck_assert_uint_ne(glbuf_id_owner(id), glbuf_id_owner(target));
    return id;
}

static void drop_kept(glbuf_ctx *ctx)
{
    while (kept.count > 0) {
        kept.count--;
        kept.drop[kept.count](ctx, kept.id[kept.count]);
    }
}

/* The context's stale handles and reusers, one kind after the other at the
 * end of its table (increasing indices), and their twins in ctx2. */
static void make_reused_slots_and_twins(void)
{
    reuse_slot(W.ctx, make_buffer_id, drop_buffer_id, &W.buf_stale.id, &W.buf_reuser.id);
    reuse_slot(W.ctx, make_mega_id, drop_mega_id, &W.m_stale.id, &W.m_reuser.id);
    reuse_slot(W.ctx, make_stream_id, drop_stream_id, &W.s_stale.id, &W.s_reuser.id);
    reuse_slot(W.ctx, make_pool_id, drop_pool_id, &W.p_stale.id, &W.p_reuser.id);
    reuse_slot(W.ctx, make_readback_id, drop_readback_id, &W.rb_stale.id, &W.rb_reuser.id);
    W.buf_twin.id = twin_of(W.ctx2, W.buf_reuser.id, make_buffer_id, drop_buffer_id);
    W.m_twin.id = twin_of(W.ctx2, W.m_reuser.id, make_mega_id, drop_mega_id);
    W.s_twin.id = twin_of(W.ctx2, W.s_reuser.id, make_stream_id, drop_stream_id);
    W.p_twin.id = twin_of(W.ctx2, W.p_reuser.id, make_pool_id, drop_pool_id);
    W.rb_twin.id = twin_of(W.ctx2, W.rb_reuser.id, make_readback_id, drop_readback_id);
    drop_kept(W.ctx2);
}

/* A range of m freed, retired and its record reused by r_reuser; r_twin, a
 * live range of m2 with r_reuser's index and generation. */
static void make_mega_ranges_reused(void)
{
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 64, 0, &W.r_stale, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(W.ctx, W.m, W.r_stale), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(W.ctx, W.m), GLBUF_OK); /* retired: its record is free */
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 64, 0, &W.r_reuser, NULL), GLBUF_OK);
    const uint64_t target = W.r_reuser.id;
    ck_assert_uint_eq(glbuf_id_index(target), glbuf_id_index(W.r_stale.id));
    ck_assert_uint_eq(glbuf_id_generation(target), glbuf_id_generation(W.r_stale.id) + 1u);
    glbuf_mega_range r;
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m2, 16, 0, &r, NULL), GLBUF_OK);
    while (glbuf_id_index(r.id) < glbuf_id_index(target)) { /* kept live */
        ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m2, 16, 0, &r, NULL), GLBUF_OK);
    }
    while (glbuf_id_generation(r.id) < glbuf_id_generation(target)) {
        ck_assert_int_eq(glbuf_mega_free(W.ctx, W.m2, r), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_wait_idle(W.ctx, W.m2), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m2, 16, 0, &r, NULL), GLBUF_OK);
    }
    ck_assert_uint_eq(glbuf_id_index(r.id), glbuf_id_index(target));
    ck_assert_uint_eq(glbuf_id_generation(r.id), glbuf_id_generation(target));
    W.r_twin = r;
}

/* The same for the allocators: h_stale / h_reuser in rg, h_twin in rg2; and
 * h_moved, with free bytes before it (a compaction would move it down). */
static void make_ranges_reused(void)
{
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg, 64, 16, &W.h_stale, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(W.rg, W.h_stale), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg, 64, 16, &W.h_reuser, NULL), GLBUF_OK);
    const uint64_t target = W.h_reuser.id;
    ck_assert_uint_eq(glbuf_id_index(target), glbuf_id_index(W.h_stale.id));
    ck_assert_uint_eq(glbuf_id_generation(target), glbuf_id_generation(W.h_stale.id) + 1u);
    glbuf_range h;
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg2, 16, 16, &h, NULL), GLBUF_OK);
    while (glbuf_id_index(h.id) < glbuf_id_index(target)) {
        ck_assert_int_eq(glbuf_ranges_alloc(W.rg2, 16, 16, &h, NULL), GLBUF_OK);
    }
    while (glbuf_id_generation(h.id) < glbuf_id_generation(target)) {
        ck_assert_int_eq(glbuf_ranges_free(W.rg2, h), GLBUF_OK);
        ck_assert_int_eq(glbuf_ranges_alloc(W.rg2, 16, 16, &h, NULL), GLBUF_OK);
    }
    ck_assert_uint_eq(glbuf_id_index(h.id), glbuf_id_index(target));
    ck_assert_uint_eq(glbuf_id_generation(h.id), glbuf_id_generation(target));
    W.h_twin = h;
    glbuf_range hole;
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg, 4096, 16, &hole, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg, 256, 16, &W.h_moved, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(W.rg, hole), GLBUF_OK);
}

/* Frames in flight: frame A ends and is waited for (complete, its frees not
 * yet retired anywhere), frame B ends (its fence pending or signalled, not
 * polled since), and the current frame C has allocations and frees of its
 * own, a stream in the middle of it and batched appends staged. */
static void make_frames_in_flight(void)
{
    uint8_t data[256];
    fx_pattern(data, sizeof data, 11);
    glbuf_stream_allocation al;
    glbuf_buffer pb;
    /* A */
    uint64_t frame_a = glbuf_ctx_frame(W.ctx);
    /* allocated now: an allocation retires what the frame clock allows */
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 96, 0, &W.pend_done, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 80, 0, &W.pend_ended, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 48, 0, &W.pend_now, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(W.ctx, W.m, W.pend_done), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(W.ctx, W.s, 1000, 16, &al), GLBUF_OK);
    memset(al.ptr, 0xA1, 1000);
    ck_assert_int_eq(glbuf_pool_acquire(W.ctx, W.p2, 3000, &pb), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(W.ctx, W.p2, pb), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_flush(W.ctx, W.s), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(W.ctx), GLBUF_OK);
    /* B */
    ck_assert_int_eq(glbuf_mega_free(W.ctx, W.m, W.pend_ended), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(W.ctx, W.s, 1000, 16, &al), GLBUF_OK);
    memset(al.ptr, 0xB2, 1000);
    ck_assert_int_eq(glbuf_stream_flush(W.ctx, W.s), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_acquire(W.ctx, W.p2, 5000, &pb), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(W.ctx, W.p2, pb), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_end_frame(W.ctx), GLBUF_OK);
    ck_assert_int_eq(glbuf_ctx_wait_frame(W.ctx, frame_a, UINT64_MAX), GLBUF_OK);
    W.frame_done = frame_a;
    /* C, the current one */
    ck_assert_int_eq(glbuf_mega_free(W.ctx, W.m, W.pend_now), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(W.ctx, W.s, 1000, 16, &al), GLBUF_OK);
    memset(al.ptr, 0xC3, 1000);
    ck_assert_int_eq(glbuf_stream_flush(W.ctx, W.s), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_alloc(W.ctx, W.s_small, 1024, 16, &al), GLBUF_OK); /* the frame filled it */
    ck_assert_int_eq(glbuf_buffer_append(W.ctx, W.batched, data, 100), GLBUF_OK); /* staged */
    /* the state the table relies on */
    glbuf_mega_stats ms = glbuf_mega_get_stats(W.ctx, W.m);
    ck_assert_uint_eq(ms.pending_frees, 3); /* A, B, C */
    ck_assert_uint_ge(W.ctx->completed_frame, frame_a);
    ck_assert_uint_lt(W.ctx->completed_frame, glbuf_ctx_frame(W.ctx));
    ck_assert_uint_ge(glbuf_stream_get_stats(W.ctx, W.s).frames, 3);
    glbuf_buffer_info bi;
    ck_assert_int_eq(glbuf_buffer_get_info(W.ctx, W.batched, &bi), GLBUF_OK);
    ck_assert_uint_eq(bi.pending_bytes, 100);
}

static void setup(void)
{
    char why[256] = "";
    glbuf_headless_desc hd = fx_profile_headless_desc(0);
    headless = glbuf_headless_create(&hd, why, sizeof why);
    ck_assert_msg(headless != NULL, "headless context: %s", why);
    memset(&W, 0, sizeof W);
    W.ctx = make_ctx(0);
    W.ctx2 = make_ctx(GLBUF_CAP_BUFFER_STORAGE);
    W.gl = fx_own_gl_load();

    W.foreign = make_buffer(W.ctx2, 64, 0);
    W.buf = make_buffer(W.ctx, 1024, 0);
    if (fx_has(FX_BUFFER_STORAGE)) {
        W.imm = make_buffer(W.ctx, 256, GLBUF_STORAGE_MAP_WRITE);
    }
    W.empty = make_buffer(W.ctx, 0, 0);
    W.mapped = make_buffer(W.ctx, 512, 0);
    void *ptr = NULL;
    ck_assert_int_eq(glbuf_buffer_map(W.ctx, W.mapped, GLBUF_MAP_READ | GLBUF_MAP_WRITE, &ptr), GLBUF_OK);
    W.flushy = make_buffer(W.ctx, 512, 0);
    ck_assert_int_eq(
        glbuf_buffer_map_range(W.ctx, W.flushy, 0, 256, GLBUF_MAP_WRITE | GLBUF_MAP_FLUSH_EXPLICIT, &ptr), GLBUF_OK);
    W.dead = make_buffer(W.ctx, 16, 0);
    ck_assert_int_eq(glbuf_buffer_destroy(W.ctx, W.dead), GLBUF_OK);

    W.m = make_mega(W.ctx, 4096, GLBUF_MEGA_GROW_POW2);
    W.m2 = make_mega(W.ctx, 4096, GLBUF_MEGA_GROW_POW2);
    W.m_none = make_mega(W.ctx, 1024, GLBUF_MEGA_GROW_NONE);
    W.m_dead = make_mega(W.ctx, 1024, GLBUF_MEGA_GROW_NONE);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx, W.m_dead), GLBUF_OK);
    W.m_foreign = make_mega(W.ctx2, 1024, GLBUF_MEGA_GROW_NONE);
    uint8_t data[256];
    fx_pattern(data, sizeof data, 7);
    glbuf_mega_range full;
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m_none, 1024, 0, &full, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 256, 0, &W.r, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_write(W.ctx, W.m, W.r, 0, data, 256), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m, 128, 0, &W.freed, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(W.ctx, W.m, W.freed), GLBUF_OK);
    glbuf_mesh_desc mesh_desc;
    memset(&mesh_desc, 0, sizeof mesh_desc);
    mesh_desc.vertex_count = 4;
    mesh_desc.vertex_stride = 24;
    mesh_desc.index_count = 6;
    mesh_desc.index_type = GLBUF_INDEX_UINT16;
    ck_assert_int_eq(glbuf_mega_mesh_alloc(W.ctx, W.m, &mesh_desc, &W.mesh), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_mesh_alloc(W.ctx, W.m, &mesh_desc, &W.mesh_freed), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_mesh_free(W.ctx, W.m, &W.mesh_freed), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_alloc(W.ctx, W.m2, 512, 0, &W.other, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_write(W.ctx, W.m2, W.other, 0, data, 256), GLBUF_OK);
    /* settled before the table: without ARB_buffer_storage the first flush uploads */
    ck_assert_int_eq(glbuf_mega_flush(W.ctx, W.m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_flush(W.ctx, W.m2), GLBUF_OK);

    glbuf_stream_desc sd;
    memset(&sd, 0, sizeof sd);
    sd.capacity = 4096;
    sd.max_capacity = 1u << 16;
    ck_assert_int_eq(glbuf_stream_create(W.ctx, &sd, &W.s), GLBUF_OK);
    sd.capacity = 1024;
    sd.max_capacity = 1024;
    ck_assert_int_eq(glbuf_stream_create(W.ctx, &sd, &W.s_small), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_create(W.ctx, &sd, &W.s_dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(W.ctx, W.s_dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_create(W.ctx2, &sd, &W.s_foreign), GLBUF_OK);

    glbuf_pool_desc pd;
    memset(&pd, 0, sizeof pd);
    ck_assert_int_eq(glbuf_pool_create(W.ctx, &pd, &W.p), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_create(W.ctx, &pd, &W.p2), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_create(W.ctx, &pd, &W.p_dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(W.ctx, W.p_dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_create(W.ctx2, &pd, &W.p_foreign), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_acquire(W.ctx, W.p, 100, &W.pooled), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_acquire(W.ctx, W.p, 100, &W.released), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(W.ctx, W.p, W.released), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_acquire(W.ctx, W.p2, 100, &W.pooled2), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_sub_data(W.ctx, W.pooled, 0, 100, data), GLBUF_OK);

    glbuf_ranges_desc rd;
    memset(&rd, 0, sizeof rd);
    rd.capacity = 1u << 20;
    ck_assert_int_eq(glbuf_ranges_create(&rd, &W.rg), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_create(&rd, &W.rg2), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg, 100, 16, &W.h, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg, 100, 16, &W.h_freed, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_free(W.rg, W.h_freed), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_alloc(W.rg2, 100, 16, &W.h_other, NULL), GLBUF_OK);

    glbuf_readback_desc rbd;
    memset(&rbd, 0, sizeof rbd);
    rbd.capacity = 4096;
    rbd.max_capacity = 4096;
    ck_assert_int_eq(glbuf_readback_create(W.ctx, &rbd, &W.rb), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_create(W.ctx, &rbd, &W.rb2), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_create(W.ctx, &rbd, &W.rb_dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(W.ctx, W.rb_dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_create(W.ctx2, &rbd, &W.rb_foreign), GLBUF_OK);
    uint32_t src = glbuf_buffer_name(W.ctx, W.buf);
    ck_assert_int_eq(glbuf_readback_copy(W.ctx, W.rb, src, 0, 1024, &W.req_released), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_release(W.ctx, W.rb, W.req_released), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_copy(W.ctx, W.rb, src, 0, 1024, &W.req), GLBUF_OK);
    glbuf_readback_request rest[3];
    for (int i = 0; i < 3; i++) { /* the ring full */
        ck_assert_int_eq(glbuf_readback_copy(W.ctx, W.rb, src, 0, 1024, &rest[i]), GLBUF_OK);
    }
    /* rb2's request is W.req's twin: slot 0, second generation */
    ck_assert_int_eq(glbuf_readback_copy(W.ctx, W.rb2, src, 256, 256, &W.req_other), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_release(W.ctx, W.rb2, W.req_other), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_copy(W.ctx, W.rb2, src, 256, 256, &W.req_other), GLBUF_OK);
    ck_assert_uint_eq(glbuf_id_index(W.req_other.id), glbuf_id_index(W.req.id));
    ck_assert_uint_eq(glbuf_id_generation(W.req_other.id), glbuf_id_generation(W.req.id));
    ck_assert_int_eq(glbuf_readback_wait(W.ctx, W.rb, W.req, UINT64_MAX, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_wait(W.ctx, W.rb2, W.req_other, UINT64_MAX, NULL), GLBUF_OK);

    glbuf_buffer_desc bd;
    memset(&bd, 0, sizeof bd);
    bd.size = 256;
    bd.data = data;
    bd.batch_appends = 1;
    ck_assert_int_eq(glbuf_buffer_create(W.ctx, &bd, &W.batched), GLBUF_OK);
    make_reused_slots_and_twins();
    make_mega_ranges_reused();
    make_ranges_reused();
    make_frames_in_flight();
}

static void teardown(void)
{
    ck_assert_int_eq(glbuf_buffer_destroy(W.ctx, W.buf_reuser), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(W.ctx, W.batched), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx, W.m_reuser), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(W.ctx, W.s_reuser), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(W.ctx, W.p_reuser), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(W.ctx, W.rb_reuser), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(W.ctx2, W.buf_twin), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx2, W.m_twin), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(W.ctx2, W.s_twin), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(W.ctx2, W.p_twin), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(W.ctx2, W.rb_twin), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(W.ctx, W.rb), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(W.ctx, W.rb2), GLBUF_OK);
    ck_assert_int_eq(glbuf_readback_destroy(W.ctx2, W.rb_foreign), GLBUF_OK);
    glbuf_ranges_destroy(W.rg);
    glbuf_ranges_destroy(W.rg2);
    ck_assert_int_eq(glbuf_pool_release(W.ctx, W.p, W.pooled), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_release(W.ctx, W.p2, W.pooled2), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(W.ctx, W.p), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(W.ctx, W.p2), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(W.ctx2, W.p_foreign), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(W.ctx, W.s), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(W.ctx, W.s_small), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(W.ctx2, W.s_foreign), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx, W.m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx, W.m2), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx, W.m_none), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(W.ctx2, W.m_foreign), GLBUF_OK);
    const glbuf_buffer bufs[] = {W.buf, W.imm, W.empty, W.mapped, W.flushy};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        ck_assert_int_eq(glbuf_buffer_destroy(W.ctx, bufs[i]), bufs[i].id ? GLBUF_OK : GLBUF_ERR_INVALID_HANDLE);
    }
    ck_assert_int_eq(glbuf_buffer_destroy(W.ctx2, W.foreign), GLBUF_OK);
    ck_assert_uint_eq(glbuf_ctx_get_stats(W.ctx).buffers_alive, 0);
    ck_assert_uint_eq(glbuf_ctx_get_stats(W.ctx2).buffers_alive, 0);
    glbuf_ctx_destroy(W.ctx);
    glbuf_ctx_destroy(W.ctx2);
    W.ctx = W.ctx2 = NULL;
    ck_assert_int_eq(host.live, 0);
    glbuf_headless_destroy(headless);
}

/* ---- the table ------------------------------------------------------------------------ */

static int never_block(void *user, const glbuf_mega_block *b)
{
    (void)user;
    (void)b;
    return 0;
}

/* Every byte 0: what a query that cannot fail returns for a bad handle. */
static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return 0;
        }
    }
    return 1;
}

/* A region callback that must never run (the call fails first). */
static int never_region(void *user, uint64_t frame, uint64_t offset, uint64_t size)
{
    (void)user;
    (void)frame;
    (void)offset;
    (void)size;
    ck_abort_msg("a failing glbuf_stream_for_each_region called its callback");
    return 1;
}

static glbuf_gl_proc no_proc(const char *name)
{
    (void)name;
    return NULL;
}

static void table_result_and_ctx(void)
{
    BADV(glbuf_result_str, const char *s = glbuf_result_str((glbuf_result)-1), s != NULL && strcmp(s, "unknown glbuf_result") == 0);
    BADV(glbuf_result_str, const char *s = glbuf_result_str(GLBUF_RESULT_COUNT), strcmp(s, "unknown glbuf_result") == 0);
    BADV(glbuf_result_name, const char *s = glbuf_result_name((glbuf_result)-1), strcmp(s, "unknown glbuf_result") == 0);
    BADV(glbuf_result_name, const char *s = glbuf_result_name(GLBUF_RESULT_COUNT), strcmp(s, "unknown glbuf_result") == 0);
    BADV(glbuf_gl_call_name, const char *s = glbuf_gl_call_name((glbuf_gl_call)-1), strcmp(s, "?") == 0);
    BADV(glbuf_gl_call_name, const char *s = glbuf_gl_call_name(GLBUF_GL_CALL_COUNT), strcmp(s, "?") == 0);

    glbuf_ctx_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *out = (glbuf_ctx *)(uintptr_t)0x1;
    BAD(glbuf_ctx_create, GLBUF_ERR_NULL, glbuf_ctx_create(NULL, &out));
    BAD(glbuf_ctx_create, GLBUF_ERR_NULL, glbuf_ctx_create(&d, NULL));
    d.get_proc_address = NULL;
    BAD(glbuf_ctx_create, GLBUF_ERR_NULL, glbuf_ctx_create(&d, &out));
    d.get_proc_address = glbuf_headless_get_proc;
    d.allocator.alloc = count_alloc;
    BAD(glbuf_ctx_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_create(&d, &out));
    d.allocator.alloc = NULL;
    d.allocator.free = count_free;
    BAD(glbuf_ctx_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_create(&d, &out));
    d.allocator.free = NULL;
    d.disable_caps = 1u << 7;
    BAD(glbuf_ctx_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_create(&d, &out));
    d.disable_caps = 0;
    d.validation = 4; /* no such glbuf_validation bit */
    BAD(glbuf_ctx_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_create(&d, &out));
    d.validation = -1;
    BAD(glbuf_ctx_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_create(&d, &out));
    d.validation = 0;
    d.allocator.alloc = count_alloc;
    d.allocator.free = count_free;
    d.get_proc_address = no_proc;
    BAD(glbuf_ctx_create, GLBUF_ERR_LOAD_FAILED, glbuf_ctx_create(&d, &out));
    ck_assert_ptr_eq(out, (glbuf_ctx *)(uintptr_t)0x1); /* untouched on failure */

    BADV(glbuf_ctx_destroy, glbuf_ctx_destroy(NULL), 1);
    BADV(glbuf_ctx_get_caps, glbuf_caps c = glbuf_ctx_get_caps(NULL), all_zero(&c, sizeof c));
    BADV(glbuf_ctx_get_gpu_memory, glbuf_gpu_memory gm = glbuf_ctx_get_gpu_memory(NULL), all_zero(&gm, sizeof gm));
    BADV(glbuf_ctx_get_stats, glbuf_ctx_stats st = glbuf_ctx_get_stats(NULL), all_zero(&st, sizeof st));
    BADV(glbuf_ctx_reset_stats, glbuf_ctx_reset_stats(NULL), 1);
    BADV(glbuf_ctx_take_app_gl_error, uint32_t e = glbuf_ctx_take_app_gl_error(NULL), e == 0);
    BADV(glbuf_ctx_frame, uint64_t f = glbuf_ctx_frame(NULL), f == 0);
    BADV(glbuf_ctx_completed_frame, uint64_t f = glbuf_ctx_completed_frame(NULL), f == 0);
    BAD(glbuf_ctx_end_frame, GLBUF_ERR_NULL, glbuf_ctx_end_frame(NULL));
    BAD(glbuf_ctx_wait_frame, GLBUF_ERR_NULL, glbuf_ctx_wait_frame(NULL, 0, 0));
    BAD(glbuf_ctx_wait_frame, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_wait_frame(W.ctx, glbuf_ctx_frame(W.ctx), 0));
    BAD(glbuf_ctx_wait_frame, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ctx_wait_frame(W.ctx, UINT64_MAX, 0));
    BAD(glbuf_ctx_wait_idle, GLBUF_ERR_NULL, glbuf_ctx_wait_idle(NULL));
}

static void table_buffer(void)
{
    uint8_t data[64] = {0};
    uint8_t out[64];
    void *ptr = NULL;
    glbuf_buffer b = {0};
    glbuf_buffer_info info;
    glbuf_buffer_desc d;
    memset(&d, 0, sizeof d);
    d.size = 16;

    BAD(glbuf_buffer_create, GLBUF_ERR_NULL, glbuf_buffer_create(NULL, &d, &b));
    BAD(glbuf_buffer_create, GLBUF_ERR_NULL, glbuf_buffer_create(W.ctx, NULL, &b));
    BAD(glbuf_buffer_create, GLBUF_ERR_NULL, glbuf_buffer_create(W.ctx, &d, NULL));
    d.target = GLBUF_TARGET_COUNT;
    BAD(glbuf_buffer_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_create(W.ctx, &d, &b));
    d.target = (glbuf_target)-1;
    BAD(glbuf_buffer_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_create(W.ctx, &d, &b));
    d.target = GLBUF_TARGET_ARRAY;
    d.usage = GLBUF_USAGE_COUNT;
    BAD(glbuf_buffer_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_create(W.ctx, &d, &b));
    d.usage = GLBUF_USAGE_STATIC_DRAW;
    d.growth = GLBUF_GROWTH_COUNT;
    BAD(glbuf_buffer_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_create(W.ctx, &d, &b));
    d.growth = GLBUF_GROWTH_EXACT;
    d.storage_flags = 1u << 6;
    BAD(glbuf_buffer_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_create(W.ctx, &d, &b));
    d.storage_flags = GLBUF_STORAGE_DYNAMIC;
    d.size = 0; /* immutable storage is refused first where the profile has none */
    BAD(glbuf_buffer_create, fx_has(FX_BUFFER_STORAGE) ? GLBUF_ERR_ZERO_SIZE : GLBUF_ERR_UNSUPPORTED,
        glbuf_buffer_create(W.ctx, &d, &b));
    d.size = 16;
    BAD(glbuf_buffer_create, GLBUF_ERR_UNSUPPORTED, glbuf_buffer_create(W.ctx2, &d, &b));
    d.storage_flags = 0;
    d.size = BIG;
    BAD(glbuf_buffer_create, GLBUF_ERR_OVERFLOW, glbuf_buffer_create(W.ctx, &d, &b));
    d.size = UINT64_MAX;
    BAD(glbuf_buffer_create, GLBUF_ERR_OVERFLOW, glbuf_buffer_create(W.ctx, &d, &b));
    ck_assert_uint_eq(b.id, 0); /* untouched */

    /* the common handle errors, call by call */
    BUF_COMMON(glbuf_buffer_destroy, glbuf_buffer_destroy(C, H));
    BUF_COMMON(glbuf_buffer_data, glbuf_buffer_data(C, H, 16, data, GLBUF_USAGE_STATIC_DRAW));
    BUF_COMMON(glbuf_buffer_sub_data, glbuf_buffer_sub_data(C, H, 0, 16, data));
    BUF_COMMON(glbuf_buffer_get_sub_data, glbuf_buffer_get_sub_data(C, H, 0, 16, out));
    BUF_COMMON(glbuf_buffer_copy_data, glbuf_buffer_copy_data(C, H, 16, data));
    BUF_COMMON(glbuf_buffer_ensure_min_size, glbuf_buffer_ensure_min_size(C, H, 4096));
    BUF_COMMON(glbuf_buffer_reserve, glbuf_buffer_reserve(C, H, 4096));
    BUF_COMMON(glbuf_buffer_resize, glbuf_buffer_resize(C, H, 4096));
    BUF_COMMON(glbuf_buffer_append, glbuf_buffer_append(C, H, data, 16));
    BUF_COMMON(glbuf_buffer_flush_appends, glbuf_buffer_flush_appends(C, H));
    BUF_COMMON(glbuf_buffer_map_range, glbuf_buffer_map_range(C, H, 0, 16, GLBUF_MAP_WRITE, &ptr));
    BUF_COMMON(glbuf_buffer_map, glbuf_buffer_map(C, H, GLBUF_MAP_WRITE, &ptr));
    BUF_COMMON(glbuf_buffer_map_replace, glbuf_buffer_map_replace(C, H, &ptr));
    BUF_COMMON(glbuf_buffer_flush_range, glbuf_buffer_flush_range(C, H, 0, 16));
    BUF_COMMON(glbuf_buffer_unmap, glbuf_buffer_unmap(C, H));
    BUF_COMMON(glbuf_buffer_orphan, glbuf_buffer_orphan(C, H));
    BUF_COMMON(glbuf_buffer_set_label, glbuf_buffer_set_label(C, H, "x"));
    BUF_COMMON(glbuf_buffer_get_info, glbuf_buffer_get_info(C, H, &info));
    /* +500: a slot never used */
    const glbuf_buffer invalid[6] = {{0}, W.dead, {UINT64_MAX}, {W.buf.id + 500u}, W.buf_stale, W.buf_twin};
    for (int k = 0; k < 6; k++) {
        BADV(glbuf_buffer_name, uint32_t v = glbuf_buffer_name(W.ctx, invalid[k]), v == 0);
        BADV(glbuf_buffer_size, uint64_t v = glbuf_buffer_size(W.ctx, invalid[k]), v == 0);
        BADV(glbuf_buffer_capacity, uint64_t v = glbuf_buffer_capacity(W.ctx, invalid[k]), v == 0);
    }
    BADV(glbuf_buffer_name, uint32_t v = glbuf_buffer_name(NULL, W.buf), v == 0);
    BADV(glbuf_buffer_size, uint64_t v = glbuf_buffer_size(NULL, W.buf), v == 0);
    BADV(glbuf_buffer_capacity, uint64_t v = glbuf_buffer_capacity(NULL, W.buf), v == 0);
    BADV(glbuf_target_gl_enum, uint32_t v = glbuf_target_gl_enum(GLBUF_TARGET_COUNT), v == 0);
    BADV(glbuf_target_gl_enum, uint32_t v = glbuf_target_gl_enum((glbuf_target)-1), v == 0);
    BADV(glbuf_growth_next_capacity, uint64_t v = glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, (1ull << 62) + 1, (1ull << 62) + 2), v == (1ull << 62) + 2);
    BADV(glbuf_growth_next_capacity, uint64_t v = glbuf_growth_next_capacity(GLBUF_GROWTH_FACTOR_1_5, 0, UINT64_MAX - 1, UINT64_MAX), v == UINT64_MAX);
    /* a step beyond GLsizeiptr, and a policy outside the enum: the request itself */
    BADV(glbuf_growth_next_capacity, uint64_t v = glbuf_growth_next_capacity(GLBUF_GROWTH_FIXED_STEP, UINT64_MAX, 10, 11), v == 11);
    BADV(glbuf_growth_next_capacity, uint64_t v = glbuf_growth_next_capacity(GLBUF_GROWTH_COUNT, 0, 10, 11), v == 11);

    /* per-call domains */
    BAD(glbuf_buffer_data, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_data(W.ctx, W.buf, 16, data, GLBUF_USAGE_COUNT));
    BAD(glbuf_buffer_data, GLBUF_ERR_OVERFLOW, glbuf_buffer_data(W.ctx, W.buf, BIG, NULL, GLBUF_USAGE_STATIC_DRAW));
    BAD_IMM(glbuf_buffer_data, GLBUF_ERR_IMMUTABLE, glbuf_buffer_data(W.ctx, W.imm, 16, data, GLBUF_USAGE_STATIC_DRAW));
    BAD(glbuf_buffer_data, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_data(W.ctx, W.mapped, 16, data, GLBUF_USAGE_STATIC_DRAW));

    BAD(glbuf_buffer_sub_data, GLBUF_ERR_NULL, glbuf_buffer_sub_data(W.ctx, W.buf, 0, 16, NULL));
    BAD(glbuf_buffer_sub_data, GLBUF_ERR_OVERFLOW, glbuf_buffer_sub_data(W.ctx, W.buf, UINT64_MAX, 2, data));
    BAD(glbuf_buffer_sub_data, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_sub_data(W.ctx, W.buf, 1023, 2, data));
    BAD(glbuf_buffer_sub_data, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_sub_data(W.ctx, W.buf, 1025, 0, data));
    BAD(glbuf_buffer_sub_data, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_sub_data(W.ctx, W.empty, 0, 1, data));
    BAD(glbuf_buffer_sub_data, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_sub_data(W.ctx, W.mapped, 0, 16, data));
    BAD_IMM(glbuf_buffer_sub_data, GLBUF_ERR_IMMUTABLE, glbuf_buffer_sub_data(W.ctx, W.imm, 0, 16, data));

    BAD(glbuf_buffer_get_sub_data, GLBUF_ERR_NULL, glbuf_buffer_get_sub_data(W.ctx, W.buf, 0, 16, NULL));
    BAD(glbuf_buffer_get_sub_data, GLBUF_ERR_OVERFLOW, glbuf_buffer_get_sub_data(W.ctx, W.buf, 2, UINT64_MAX, out));
    BAD(glbuf_buffer_get_sub_data, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_get_sub_data(W.ctx, W.buf, 1000, 64, out));
    BAD(glbuf_buffer_get_sub_data, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_get_sub_data(W.ctx, W.mapped, 0, 16, out));

    BAD(glbuf_buffer_copy_data, GLBUF_ERR_NULL, glbuf_buffer_copy_data(W.ctx, W.buf, 16, NULL));
    BAD(glbuf_buffer_copy_data, GLBUF_ERR_OVERFLOW, glbuf_buffer_copy_data(W.ctx, W.buf, BIG, data));
    BAD(glbuf_buffer_copy_data, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_copy_data(W.ctx, W.mapped, 16, data));
    BAD_IMM(glbuf_buffer_copy_data, GLBUF_ERR_IMMUTABLE, glbuf_buffer_copy_data(W.ctx, W.imm, 16, data));

    BAD(glbuf_buffer_ensure_min_size, GLBUF_ERR_OVERFLOW, glbuf_buffer_ensure_min_size(W.ctx, W.buf, BIG));
    BAD_IMM(glbuf_buffer_ensure_min_size, GLBUF_ERR_IMMUTABLE, glbuf_buffer_ensure_min_size(W.ctx, W.imm, 4096));
    BAD(glbuf_buffer_ensure_min_size, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_ensure_min_size(W.ctx, W.mapped, 4096));

    BAD(glbuf_buffer_reserve, GLBUF_ERR_OVERFLOW, glbuf_buffer_reserve(W.ctx, W.buf, BIG));
    BAD(glbuf_buffer_reserve, GLBUF_ERR_OVERFLOW, glbuf_buffer_reserve(W.ctx, W.buf, UINT64_MAX));
    BAD_IMM(glbuf_buffer_reserve, GLBUF_ERR_IMMUTABLE, glbuf_buffer_reserve(W.ctx, W.imm, 4096));
    BAD(glbuf_buffer_reserve, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_reserve(W.ctx, W.mapped, 4096));
    BAD(glbuf_buffer_resize, GLBUF_ERR_OVERFLOW, glbuf_buffer_resize(W.ctx, W.buf, BIG));
    BAD_IMM(glbuf_buffer_resize, GLBUF_ERR_IMMUTABLE, glbuf_buffer_resize(W.ctx, W.imm, 4096));

    BAD(glbuf_buffer_append, GLBUF_ERR_NULL, glbuf_buffer_append(W.ctx, W.buf, NULL, 16));
    BAD(glbuf_buffer_append, GLBUF_ERR_OVERFLOW, glbuf_buffer_append(W.ctx, W.buf, data, UINT64_MAX));
    BAD(glbuf_buffer_append, GLBUF_ERR_OVERFLOW, glbuf_buffer_append(W.ctx, W.buf, data, BIG));
    BAD(glbuf_buffer_append, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_append(W.ctx, W.mapped, data, 16));
    BAD_IMM(glbuf_buffer_append, GLBUF_ERR_IMMUTABLE, glbuf_buffer_append(W.ctx, W.imm, data, 16));

    BAD(glbuf_buffer_map_range, GLBUF_ERR_NULL, glbuf_buffer_map_range(W.ctx, W.buf, 0, 16, GLBUF_MAP_WRITE, NULL));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_ZERO_SIZE, glbuf_buffer_map_range(W.ctx, W.buf, 0, 0, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_ZERO_SIZE, glbuf_buffer_map_range(W.ctx, W.empty, 0, 16, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_OVERFLOW, glbuf_buffer_map_range(W.ctx, W.buf, UINT64_MAX, 2, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_map_range(W.ctx, W.buf, 1000, 64, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_map_range(W.ctx, W.buf, 0, 16, 0, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_map_range(W.ctx, W.buf, 0, 16, GLBUF_MAP_INVALIDATE_RANGE, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_map_range(W.ctx, W.buf, 0, 16, GLBUF_MAP_WRITE | (1u << 8), &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_map_range(W.ctx, W.mapped, 0, 16, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map, GLBUF_ERR_NULL, glbuf_buffer_map(W.ctx, W.buf, GLBUF_MAP_WRITE, NULL));
    BAD(glbuf_buffer_map, GLBUF_ERR_ZERO_SIZE, glbuf_buffer_map(W.ctx, W.empty, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_map(W.ctx, W.buf, 0, &ptr));
    BAD(glbuf_buffer_map, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_map(W.ctx, W.mapped, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map_replace, GLBUF_ERR_NULL, glbuf_buffer_map_replace(W.ctx, W.buf, NULL));
    BAD(glbuf_buffer_map_replace, GLBUF_ERR_ZERO_SIZE, glbuf_buffer_map_replace(W.ctx, W.empty, &ptr));
    BAD(glbuf_buffer_map_replace, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_map_replace(W.ctx, W.mapped, &ptr));

    BAD(glbuf_buffer_flush_range, GLBUF_ERR_NOT_MAPPED, glbuf_buffer_flush_range(W.ctx, W.buf, 0, 16));
    BAD(glbuf_buffer_flush_range, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_flush_range(W.ctx, W.mapped, 0, 16));
    BAD(glbuf_buffer_flush_range, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_flush_range(W.ctx, W.flushy, 200, 100));
    BAD(glbuf_buffer_flush_range, GLBUF_ERR_OVERFLOW, glbuf_buffer_flush_range(W.ctx, W.flushy, UINT64_MAX, 2));
    BAD(glbuf_buffer_unmap, GLBUF_ERR_NOT_MAPPED, glbuf_buffer_unmap(W.ctx, W.buf));
    BAD(glbuf_buffer_unmap, GLBUF_ERR_NOT_MAPPED, glbuf_buffer_unmap(W.ctx, W.empty));
    BAD_IMM(glbuf_buffer_orphan, GLBUF_ERR_IMMUTABLE, glbuf_buffer_orphan(W.ctx, W.imm));
    BAD(glbuf_buffer_orphan, GLBUF_ERR_ALREADY_MAPPED, glbuf_buffer_orphan(W.ctx, W.mapped));
    BAD(glbuf_buffer_get_info, GLBUF_ERR_NULL, glbuf_buffer_get_info(W.ctx, W.buf, NULL));

    /* batched appends staged (size 356, 256 of them uploaded): refused
     * without uploading them */
    BAD(glbuf_buffer_sub_data, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_sub_data(W.ctx, W.batched, 350, 10, data));
    BAD(glbuf_buffer_get_sub_data, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_get_sub_data(W.ctx, W.batched, 300, 64, out));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_buffer_map_range(W.ctx, W.batched, 300, 64, GLBUF_MAP_WRITE, &ptr));
    BAD(glbuf_buffer_map_range, GLBUF_ERR_INVALID_ARGUMENT, glbuf_buffer_map_range(W.ctx, W.batched, 0, 16, GLBUF_MAP_READ | GLBUF_MAP_INVALIDATE_RANGE, &ptr));
    BAD(glbuf_buffer_append, GLBUF_ERR_NULL, glbuf_buffer_append(W.ctx, W.batched, NULL, 16));
    BAD(glbuf_buffer_append, GLBUF_ERR_OVERFLOW, glbuf_buffer_append(W.ctx, W.batched, data, BIG));
    BAD(glbuf_buffer_copy_data, GLBUF_ERR_NULL, glbuf_buffer_copy_data(W.ctx, W.batched, 16, NULL));
    BAD(glbuf_buffer_ensure_min_size, GLBUF_ERR_OVERFLOW, glbuf_buffer_ensure_min_size(W.ctx, W.batched, BIG));
    BAD(glbuf_buffer_resize, GLBUF_ERR_OVERFLOW, glbuf_buffer_resize(W.ctx, W.batched, BIG));
}

static void table_mega(void)
{
    /* 0, freed (double free), forged, another megabuffer's first range, a
     * stale generation, a range whose record now holds a live one, and
     * m2's live range with that one's index and generation */
    const glbuf_mega_range bad_handles[7] = {{0}, W.freed, {0xFFFFFFFFu}, W.other, {W.r.id ^ (1u << 22)},
                                             W.r_stale, W.r_twin};
    uint8_t data[64] = {0};
    uint64_t v = 0;
    void *ptr = NULL;
    size_t len = 0;
    char json[16];
    glbuf_mega_range out = {0};
    glbuf_mega mout = {0};
    glbuf_fit fit = GLBUF_FIT_NOW;
    glbuf_mega_desc d;
    memset(&d, 0, sizeof d);

    BAD(glbuf_mega_create, GLBUF_ERR_NULL, glbuf_mega_create(NULL, &d, &mout));
    BAD(glbuf_mega_create, GLBUF_ERR_NULL, glbuf_mega_create(W.ctx, NULL, &mout));
    BAD(glbuf_mega_create, GLBUF_ERR_NULL, glbuf_mega_create(W.ctx, &d, NULL));
    d.growth = GLBUF_MEGA_GROW_COUNT;
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.growth = GLBUF_MEGA_GROW_POW2;
    d.use = GLBUF_MEGA_USE_COUNT;
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.use = GLBUF_MEGA_USE_VERTEX;
    d.overflow = GLBUF_OVERFLOW_COUNT;
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.overflow = (glbuf_overflow)-1;
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.overflow = GLBUF_OVERFLOW_WAIT_THEN_GROW;
    d.capacity = 8192;
    d.max_capacity = 4096;
    BAD(glbuf_mega_create, GLBUF_ERR_TOO_LARGE, glbuf_mega_create(W.ctx, &d, &mout));
    d.capacity = BIG;
    d.max_capacity = 0;
    BAD(glbuf_mega_create, GLBUF_ERR_OVERFLOW, glbuf_mega_create(W.ctx, &d, &mout));
    d.capacity = 4096;
    d.max_capacity = UINT64_MAX;
    BAD(glbuf_mega_create, GLBUF_ERR_OVERFLOW, glbuf_mega_create(W.ctx, &d, &mout));
    d.max_capacity = 0;
    d.placement = GLBUF_MEGA_PLACEMENT_COUNT;
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.placement = GLBUF_MEGA_PLACEMENT_AUTO;
    d.trim = (glbuf_mega_trim_policy)2;
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.trim = GLBUF_MEGA_TRIM_MANUAL;
    d.staging_max_capacity = 1000; /* below 64 KiB */
    BAD(glbuf_mega_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_create(W.ctx, &d, &mout));
    d.staging_max_capacity = 0;
    d.memory_budget = 2048; /* below the capacity */
    BAD(glbuf_mega_create, GLBUF_ERR_TOO_LARGE, glbuf_mega_create(W.ctx, &d, &mout));
    d.placement = GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL;
    d.memory_budget = 8192; /* the capacity fits, the 4 MiB staging ring does not */
    BAD(glbuf_mega_create, GLBUF_ERR_TOO_LARGE, glbuf_mega_create(W.ctx, &d, &mout));
    ck_assert_uint_eq(mout.id, 0); /* untouched */

    /* the common handle errors, call by call */
    MEGA_COMMON(glbuf_mega_destroy, glbuf_mega_destroy(C, H));
    MEGA_COMMON(glbuf_mega_alloc, glbuf_mega_alloc(C, H, 16, 0, &out, NULL));
    glbuf_mega_alloc_desc ad;
    memset(&ad, 0, sizeof ad);
    ad.size = 16;
    ad.user_data = 77;
    MEGA_COMMON(glbuf_mega_alloc_with, glbuf_mega_alloc_with(C, H, &ad, &out, NULL));
    MEGA_COMMON(glbuf_mega_user_data, glbuf_mega_user_data(C, H, W.r, &v));
    MEGA_COMMON(glbuf_mega_free, glbuf_mega_free(C, H, W.r));
    glbuf_mesh_desc md;
    memset(&md, 0, sizeof md);
    md.vertex_count = 3;
    md.vertex_stride = 12;
    glbuf_mesh mesh_out;
    memset(&mesh_out, 0, sizeof mesh_out);
    glbuf_mesh_draw draw;
    uint8_t cmd_out[64];
    uint64_t cmd_bytes = 0;
    MEGA_COMMON(glbuf_mega_mesh_alloc, glbuf_mega_mesh_alloc(C, H, &md, &mesh_out));
    MEGA_COMMON(glbuf_mega_mesh_free, glbuf_mega_mesh_free(C, H, &W.mesh));
    MEGA_COMMON(glbuf_mega_mesh_draw, glbuf_mega_mesh_draw(C, H, &W.mesh, &draw));
    MEGA_COMMON(glbuf_mega_mesh_commands, glbuf_mega_mesh_commands(C, H, &W.mesh, 1, 0, cmd_out, sizeof cmd_out, &cmd_bytes));
    MEGA_COMMON(glbuf_mega_mesh_write_commands, glbuf_mega_mesh_write_commands(C, H, &W.mesh, 1, 0, W.r, 0));
    MEGA_COMMON(glbuf_mega_offset, glbuf_mega_offset(C, H, W.r, &v));
    MEGA_COMMON(glbuf_mega_size, glbuf_mega_size(C, H, W.r, &v));
    MEGA_COMMON(glbuf_mega_ptr, glbuf_mega_ptr(C, H, W.r, &ptr));
    MEGA_COMMON(glbuf_mega_write, glbuf_mega_write(C, H, W.r, 0, data, 16));
    MEGA_COMMON(glbuf_mega_flush, glbuf_mega_flush(C, H));
    MEGA_COMMON(glbuf_mega_collect, glbuf_mega_collect(C, H));
    MEGA_COMMON(glbuf_mega_wait_idle, glbuf_mega_wait_idle(C, H));
    MEGA_COMMON(glbuf_mega_defragment, glbuf_mega_defragment(C, H, 0, NULL, NULL, NULL));
    MEGA_COMMON(glbuf_mega_trim, glbuf_mega_trim(C, H));
    MEGA_COMMON(glbuf_mega_for_each_block, glbuf_mega_for_each_block(C, H, never_block, NULL));
    MEGA_COMMON(glbuf_mega_dump_json, glbuf_mega_dump_json(C, H, json, sizeof json, &len));
    MEGA_COMMON(glbuf_mega_room, glbuf_mega_room(C, H, 0, &v));
    MEGA_COMMON(glbuf_mega_predict, glbuf_mega_predict(C, H, 16, 0, &fit));
    MEGA_QUERY(glbuf_mega_get_stats, glbuf_mega_stats st = glbuf_mega_get_stats(C, H), all_zero(&st, sizeof st));
    MEGA_QUERY(glbuf_mega_gl_name, uint32_t name = glbuf_mega_gl_name(C, H), name == 0);
    MEGA_QUERY(glbuf_mega_storage_generation, uint64_t g = glbuf_mega_storage_generation(C, H), g == 0);
    for (int k = 0; k < 7; k++) {
        glbuf_mega_range R = bad_handles[k];
        BAD(glbuf_mega_free, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_free(W.ctx, W.m, R));
        BAD(glbuf_mega_offset, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_offset(W.ctx, W.m, R, &v));
        BAD(glbuf_mega_size, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_size(W.ctx, W.m, R, &v));
        BAD(glbuf_mega_user_data, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_user_data(W.ctx, W.m, R, &v));
        BAD(glbuf_mega_ptr, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_ptr(W.ctx, W.m, R, &ptr));
        BAD(glbuf_mega_write, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_write(W.ctx, W.m, R, 0, data, 16));
    }
    BAD(glbuf_mega_alloc, GLBUF_ERR_NULL, glbuf_mega_alloc(W.ctx, W.m, 16, 0, NULL, NULL));
    BAD(glbuf_mega_alloc, GLBUF_ERR_ZERO_SIZE, glbuf_mega_alloc(W.ctx, W.m, 0, 0, &out, NULL));
    BAD(glbuf_mega_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_mega_alloc(W.ctx, W.m, 16, (1ull << 63) + 1, &out, NULL));
    BAD(glbuf_mega_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_mega_alloc(W.ctx, W.m, 16, UINT64_MAX, &out, NULL));
    BAD(glbuf_mega_alloc, GLBUF_ERR_OVERFLOW, glbuf_mega_alloc(W.ctx, W.m, UINT64_MAX, 0, &out, NULL));
    BAD(glbuf_mega_alloc, GLBUF_ERR_OVERFLOW, glbuf_mega_alloc(W.ctx, W.m, 16, 1ull << 63, &out, NULL));
    /* can never fit: refused before any retiring (A's free is retirable) or waiting */
    BAD_COUNTED(glbuf_mega_alloc, GLBUF_ERR_FULL, W.counted_m, glbuf_mega_alloc(W.ctx, W.m, (1u << 20) + 1, 0, &out, NULL));
    BAD_COUNTED(glbuf_mega_alloc, GLBUF_ERR_FULL, W.counted_m, glbuf_mega_alloc(W.ctx, W.m, 2u << 20, 4096, &out, NULL));
    BAD_COUNTED(glbuf_mega_alloc, GLBUF_ERR_FULL, W.counted_m_none, glbuf_mega_alloc(W.ctx, W.m_none, 1025, 0, &out, NULL));
    /* full, and frees nowhere to reclaim */
    BAD_COUNTED(glbuf_mega_alloc, GLBUF_ERR_FULL, W.counted_m_none, glbuf_mega_alloc(W.ctx, W.m_none, 16, 0, &out, NULL));
    BAD(glbuf_mega_alloc_with, GLBUF_ERR_NULL, glbuf_mega_alloc_with(W.ctx, W.m, NULL, &out, NULL));
    BAD(glbuf_mega_alloc_with, GLBUF_ERR_NULL, glbuf_mega_alloc_with(W.ctx, W.m, &ad, NULL, NULL));
    ad.size = 0;
    BAD(glbuf_mega_alloc_with, GLBUF_ERR_ZERO_SIZE, glbuf_mega_alloc_with(W.ctx, W.m, &ad, &out, NULL));
    ad.size = 2u << 20;
    BAD_COUNTED(glbuf_mega_alloc_with, GLBUF_ERR_FULL, W.counted_m, glbuf_mega_alloc_with(W.ctx, W.m, &ad, &out, NULL));
    ad.size = 100;
    ad.stride = 24; /* not whole vertices */
    BAD(glbuf_mega_alloc_with, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_alloc_with(W.ctx, W.m, &ad, &out, NULL));
    ad.size = ad.stride = (1ull << 62) + 1; /* one element, but lcm(16, stride) is beyond 64 bits */
    BAD(glbuf_mega_alloc_with, GLBUF_ERR_BAD_ALIGNMENT, glbuf_mega_alloc_with(W.ctx, W.m, &ad, &out, NULL));
    ad.size = 96;
    ad.stride = 24;
    ad.alignment = (1ull << 63) + 1;
    BAD(glbuf_mega_alloc_with, GLBUF_ERR_BAD_ALIGNMENT, glbuf_mega_alloc_with(W.ctx, W.m, &ad, &out, NULL));
    BAD(glbuf_mega_user_data, GLBUF_ERR_NULL, glbuf_mega_user_data(W.ctx, W.m, W.r, NULL));

    /* meshes */
    BAD(glbuf_mega_mesh_alloc, GLBUF_ERR_NULL, glbuf_mega_mesh_alloc(W.ctx, W.m, NULL, &mesh_out));
    BAD(glbuf_mega_mesh_alloc, GLBUF_ERR_NULL, glbuf_mega_mesh_alloc(W.ctx, W.m, &md, NULL));
    md.vertex_stride = 0;
    BAD(glbuf_mega_mesh_alloc, GLBUF_ERR_ZERO_SIZE, glbuf_mega_mesh_alloc(W.ctx, W.m, &md, &mesh_out));
    md.vertex_stride = 12;
    md.index_count = 3;
    BAD(glbuf_mega_mesh_alloc, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_mesh_alloc(W.ctx, W.m, &md, &mesh_out));
    md.index_type = GLBUF_INDEX_UINT16;
    md.index_count = 1ull << 33;
    BAD(glbuf_mega_mesh_alloc, GLBUF_ERR_OVERFLOW, glbuf_mega_mesh_alloc(W.ctx, W.m, &md, &mesh_out));
    md.index_count = 3;
    md.vertex_count = 1ull << 62;
    BAD(glbuf_mega_mesh_alloc, GLBUF_ERR_OVERFLOW, glbuf_mega_mesh_alloc(W.ctx, W.m, &md, &mesh_out));
    md.vertex_count = 1000;
    BAD_COUNTED(glbuf_mega_mesh_alloc, GLBUF_ERR_FULL, W.counted_m_none, glbuf_mega_mesh_alloc(W.ctx, W.m_none, &md, &mesh_out));
    ck_assert_uint_eq(mesh_out.vertices.id, 0);
    BAD(glbuf_mega_mesh_free, GLBUF_ERR_NULL, glbuf_mega_mesh_free(W.ctx, W.m, NULL));
    BAD(glbuf_mega_mesh_free, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_mesh_free(W.ctx, W.m, &W.mesh_freed));
    glbuf_mesh half = W.mesh; /* live vertices, freed indices: neither freed */
    half.indices = W.mesh_freed.indices;
    BAD(glbuf_mega_mesh_free, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_mesh_free(W.ctx, W.m, &half));
    BAD(glbuf_mega_mesh_draw, GLBUF_ERR_NULL, glbuf_mega_mesh_draw(W.ctx, W.m, NULL, &draw));
    BAD(glbuf_mega_mesh_draw, GLBUF_ERR_NULL, glbuf_mega_mesh_draw(W.ctx, W.m, &W.mesh, NULL));
    BAD(glbuf_mega_mesh_draw, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_mesh_draw(W.ctx, W.m, &W.mesh_freed, &draw));
    glbuf_mesh wrong = W.mesh;
    wrong.vertex_stride = 8;
    BAD(glbuf_mega_mesh_draw, GLBUF_ERR_INVALID_ARGUMENT, glbuf_mega_mesh_draw(W.ctx, W.m, &wrong, &draw));
    BAD(glbuf_mega_mesh_commands, GLBUF_ERR_ZERO_SIZE, glbuf_mega_mesh_commands(W.ctx, W.m, &W.mesh, 0, 0, cmd_out, sizeof cmd_out, &cmd_bytes));
    BAD(glbuf_mega_mesh_commands, GLBUF_ERR_NULL, glbuf_mega_mesh_commands(W.ctx, W.m, NULL, 1, 0, cmd_out, sizeof cmd_out, &cmd_bytes));
    BAD(glbuf_mega_mesh_commands, GLBUF_ERR_NULL, glbuf_mega_mesh_commands(W.ctx, W.m, &W.mesh, 1, 0, NULL, sizeof cmd_out, &cmd_bytes));
    BAD(glbuf_mega_mesh_commands, GLBUF_ERR_TOO_LARGE, glbuf_mega_mesh_commands(W.ctx, W.m, &W.mesh, 1, 0, cmd_out, 19, &cmd_bytes));
    BAD(glbuf_mega_mesh_commands, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_mesh_commands(W.ctx, W.m, &W.mesh_freed, 1, 0, cmd_out, sizeof cmd_out, &cmd_bytes));
    glbuf_mesh pair[2] = {W.mesh, W.mesh};
    BAD(glbuf_mega_mesh_commands, GLBUF_ERR_OVERFLOW, glbuf_mega_mesh_commands(W.ctx, W.m, pair, 2, UINT32_MAX, cmd_out, sizeof cmd_out, &cmd_bytes));
    ck_assert_uint_eq(cmd_bytes, 0);
    BAD(glbuf_mega_mesh_write_commands, GLBUF_ERR_INVALID_HANDLE, glbuf_mega_mesh_write_commands(W.ctx, W.m, &W.mesh, 1, 0, W.freed, 0));
    BAD(glbuf_mega_mesh_write_commands, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_mega_mesh_write_commands(W.ctx, W.m, &W.mesh, 1, 0, W.r, 240));
    BAD(glbuf_mega_mesh_write_commands, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_mega_mesh_write_commands(W.ctx, W.m, &W.mesh, 1, 0, W.r, UINT64_MAX));
    BAD(glbuf_mega_mesh_write_commands, GLBUF_ERR_ZERO_SIZE, glbuf_mega_mesh_write_commands(W.ctx, W.m, &W.mesh, 0, 0, W.r, 0));
    ck_assert_uint_eq(out.id, 0);
    BAD(glbuf_mega_offset, GLBUF_ERR_NULL, glbuf_mega_offset(W.ctx, W.m, W.r, NULL));
    BAD(glbuf_mega_size, GLBUF_ERR_NULL, glbuf_mega_size(W.ctx, W.m, W.r, NULL));
    BAD(glbuf_mega_ptr, GLBUF_ERR_NULL, glbuf_mega_ptr(W.ctx, W.m, W.r, NULL));
    BAD(glbuf_mega_write, GLBUF_ERR_NULL, glbuf_mega_write(W.ctx, W.m, W.r, 0, NULL, 16));
    BAD(glbuf_mega_write, GLBUF_ERR_OVERFLOW, glbuf_mega_write(W.ctx, W.m, W.r, UINT64_MAX, data, 2));
    BAD(glbuf_mega_write, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_mega_write(W.ctx, W.m, W.r, 250, data, 16));
    BAD(glbuf_mega_write, GLBUF_ERR_OUT_OF_BOUNDS, glbuf_mega_write(W.ctx, W.m, W.r, 257, data, 0));
    BAD(glbuf_mega_for_each_block, GLBUF_ERR_NULL, glbuf_mega_for_each_block(W.ctx, W.m, NULL, NULL));
    BAD(glbuf_mega_dump_json, GLBUF_ERR_NULL, glbuf_mega_dump_json(W.ctx, W.m, json, sizeof json, NULL));
    BAD(glbuf_mega_dump_json, GLBUF_ERR_NULL, glbuf_mega_dump_json(W.ctx, W.m, NULL, 16, &len));
    BAD(glbuf_mega_dump_json, GLBUF_ERR_TOO_LARGE, glbuf_mega_dump_json(W.ctx, W.m, json, sizeof json, &len));
    /* the overflow queries refuse what glbuf_mega_alloc refuses, before polling a fence */
    BAD(glbuf_mega_room, GLBUF_ERR_NULL, glbuf_mega_room(W.ctx, W.m, 0, NULL));
    BAD(glbuf_mega_room, GLBUF_ERR_BAD_ALIGNMENT, glbuf_mega_room(W.ctx, W.m, UINT64_MAX, &v));
    BAD(glbuf_mega_room, GLBUF_ERR_OVERFLOW, glbuf_mega_room(W.ctx, W.m, 1ull << 63, &v));
    BAD(glbuf_mega_predict, GLBUF_ERR_NULL, glbuf_mega_predict(W.ctx, W.m, 16, 0, NULL));
    BAD(glbuf_mega_predict, GLBUF_ERR_ZERO_SIZE, glbuf_mega_predict(W.ctx, W.m, 0, 0, &fit));
    BAD(glbuf_mega_predict, GLBUF_ERR_BAD_ALIGNMENT, glbuf_mega_predict(W.ctx, W.m, 16, UINT64_MAX, &fit));
    BAD(glbuf_mega_predict, GLBUF_ERR_OVERFLOW, glbuf_mega_predict(W.ctx, W.m, UINT64_MAX, 0, &fit));
    BAD(glbuf_mega_predict, GLBUF_ERR_OVERFLOW, glbuf_mega_predict(W.ctx, W.m, 16, 1ull << 63, &fit));
    ck_assert_uint_gt(len, sizeof json);
}

static void table_stream_pool(void)
{
    glbuf_stream_allocation al, sa;
    const uint8_t data[16] = {0};
    glbuf_buffer b = {0};

    glbuf_stream sout = {0};
    glbuf_stream_desc sd;
    memset(&sd, 0, sizeof sd);
    BAD(glbuf_stream_create, GLBUF_ERR_NULL, glbuf_stream_create(NULL, &sd, &sout));
    BAD(glbuf_stream_create, GLBUF_ERR_NULL, glbuf_stream_create(W.ctx, NULL, &sout));
    BAD(glbuf_stream_create, GLBUF_ERR_NULL, glbuf_stream_create(W.ctx, &sd, NULL));
    sd.capacity = 2u << 20;
    sd.max_capacity = 1u << 20;
    BAD(glbuf_stream_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_stream_create(W.ctx, &sd, &sout));
    sd.capacity = 0;
    sd.max_capacity = 0;
    sd.frames_in_flight = 17;
    BAD(glbuf_stream_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_stream_create(W.ctx, &sd, &sout));
    sd.frames_in_flight = 0;
    sd.max_capacity = UINT64_MAX;
    BAD(glbuf_stream_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_stream_create(W.ctx, &sd, &sout));
    sd.capacity = UINT64_MAX;
    BAD(glbuf_stream_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_stream_create(W.ctx, &sd, &sout));
    sd.capacity = 0;
    sd.max_capacity = 0;
    sd.overflow = GLBUF_OVERFLOW_COUNT;
    BAD(glbuf_stream_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_stream_create(W.ctx, &sd, &sout));
    sd.overflow = (glbuf_overflow)-1;
    BAD(glbuf_stream_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_stream_create(W.ctx, &sd, &sout));
    ck_assert_uint_eq(sout.id, 0); /* untouched */
    STREAM_COMMON(glbuf_stream_destroy, glbuf_stream_destroy(C, H));
    STREAM_COMMON(glbuf_stream_alloc, glbuf_stream_alloc(C, H, 16, 16, &al));
    STREAM_COMMON(glbuf_stream_flush, glbuf_stream_flush(C, H));
    uint64_t v = 0;
    glbuf_fit fit = GLBUF_FIT_NOW;
    STREAM_COMMON(glbuf_stream_room, glbuf_stream_room(C, H, 16, &v));
    STREAM_COMMON(glbuf_stream_predict, glbuf_stream_predict(C, H, 16, 16, &fit));
    BAD(glbuf_stream_room, GLBUF_ERR_NULL, glbuf_stream_room(W.ctx, W.s, 16, NULL));
    BAD(glbuf_stream_room, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_room(W.ctx, W.s, 0, &v));
    BAD(glbuf_stream_room, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_room(W.ctx, W.s, 1u << 17, &v));
    BAD(glbuf_stream_predict, GLBUF_ERR_NULL, glbuf_stream_predict(W.ctx, W.s, 16, 16, NULL));
    BAD(glbuf_stream_predict, GLBUF_ERR_ZERO_SIZE, glbuf_stream_predict(W.ctx, W.s, 0, 16, &fit));
    BAD(glbuf_stream_predict, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_predict(W.ctx, W.s, 16, 0, &fit));
    BAD(glbuf_stream_predict, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_predict(W.ctx, W.s, 16, 1u << 17, &fit));
    BAD(glbuf_stream_predict, GLBUF_ERR_TOO_LARGE, glbuf_stream_predict(W.ctx, W.s, (1u << 16) + 1, 16, &fit));
    BAD(glbuf_stream_predict, GLBUF_ERR_TOO_LARGE, glbuf_stream_predict(W.ctx, W.s, UINT64_MAX, 16, &fit));
    STREAM_COMMON(glbuf_stream_write, glbuf_stream_write(C, H, data, 16, 16, &sa));
    BAD(glbuf_stream_write, GLBUF_ERR_NULL, glbuf_stream_write(W.ctx, W.s, NULL, 16, 16, &sa));
    BAD(glbuf_stream_write, GLBUF_ERR_NULL, glbuf_stream_write(W.ctx, W.s, data, 16, 16, NULL));
    BAD(glbuf_stream_write, GLBUF_ERR_ZERO_SIZE, glbuf_stream_write(W.ctx, W.s, data, 0, 16, &sa));
    BAD(glbuf_stream_write, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_write(W.ctx, W.s, data, 16, (1u << 16) + 3, &sa));
    BAD(glbuf_stream_write, GLBUF_ERR_FULL, glbuf_stream_write(W.ctx, W.s_small, data, 16, 16, &sa));
    STREAM_QUERY(glbuf_stream_get_stats, glbuf_stream_stats st = glbuf_stream_get_stats(C, H), all_zero(&st, sizeof st));
    STREAM_COMMON(glbuf_stream_for_each_region, glbuf_stream_for_each_region(C, H, never_region, NULL));
    BAD(glbuf_stream_for_each_region, GLBUF_ERR_NULL, glbuf_stream_for_each_region(W.ctx, W.s, NULL, NULL));
    BAD(glbuf_stream_alloc, GLBUF_ERR_NULL, glbuf_stream_alloc(W.ctx, W.s, 16, 16, NULL));
    BAD(glbuf_stream_alloc, GLBUF_ERR_ZERO_SIZE, glbuf_stream_alloc(W.ctx, W.s, 0, 16, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_alloc(W.ctx, W.s, 16, 0, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_alloc(W.ctx, W.s, 16, (1u << 16) + 3, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_alloc(W.ctx, W.s, 16, 1u << 17, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_stream_alloc(W.ctx, W.s, 16, UINT64_MAX, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_TOO_LARGE, glbuf_stream_alloc(W.ctx, W.s, (1u << 16) + 1, 16, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_TOO_LARGE, glbuf_stream_alloc(W.ctx, W.s, UINT64_MAX, 16, &al));
    BAD(glbuf_stream_alloc, GLBUF_ERR_FULL, glbuf_stream_alloc(W.ctx, W.s_small, 16, 16, &al));

    glbuf_pool pout = {0};
    glbuf_pool_desc pd;
    memset(&pd, 0, sizeof pd);
    BAD(glbuf_pool_create, GLBUF_ERR_NULL, glbuf_pool_create(NULL, &pd, &pout));
    BAD(glbuf_pool_create, GLBUF_ERR_NULL, glbuf_pool_create(W.ctx, NULL, &pout));
    BAD(glbuf_pool_create, GLBUF_ERR_NULL, glbuf_pool_create(W.ctx, &pd, NULL));
    pd.tier_limits[0] = 4096;
    pd.tier_limits[1] = 4096;
    BAD(glbuf_pool_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_pool_create(W.ctx, &pd, &pout));
    pd.tier_limits[1] = 0;
    pd.tier_limits[2] = BIG;
    BAD(glbuf_pool_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_pool_create(W.ctx, &pd, &pout));
    pd.tier_limits[0] = 0;
    pd.tier_limits[2] = 0;
    pd.target = GLBUF_TARGET_COUNT;
    BAD(glbuf_pool_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_pool_create(W.ctx, &pd, &pout));
    pd.target = GLBUF_TARGET_ARRAY;
    pd.usage = GLBUF_USAGE_COUNT;
    BAD(glbuf_pool_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_pool_create(W.ctx, &pd, &pout));
    ck_assert_uint_eq(pout.id, 0); /* untouched */
    POOL_COMMON(glbuf_pool_destroy, glbuf_pool_destroy(C, H));
    POOL_COMMON(glbuf_pool_acquire, glbuf_pool_acquire(C, H, 16, &b));
    POOL_COMMON(glbuf_pool_release, glbuf_pool_release(C, H, W.pooled));
    POOL_COMMON(glbuf_pool_trim, glbuf_pool_trim(C, H, 0));
    POOL_QUERY(glbuf_pool_get_stats, glbuf_pool_stats st = glbuf_pool_get_stats(C, H), all_zero(&st, sizeof st));
    BAD(glbuf_pool_acquire, GLBUF_ERR_NULL, glbuf_pool_acquire(W.ctx, W.p, 16, NULL));
    BAD(glbuf_pool_acquire, GLBUF_ERR_ZERO_SIZE, glbuf_pool_acquire(W.ctx, W.p, 0, &b));
    BAD(glbuf_pool_acquire, GLBUF_ERR_OVERFLOW, glbuf_pool_acquire(W.ctx, W.p, BIG, &b));
    BAD(glbuf_pool_acquire, GLBUF_ERR_OVERFLOW, glbuf_pool_acquire(W.ctx, W.p, UINT64_MAX, &b));
    ck_assert_uint_eq(b.id, 0);
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, (glbuf_buffer){0}));
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, W.buf));      /* plain buffer */
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, W.pooled2));  /* another pool's */
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, W.released)); /* released twice */
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, W.dead));     /* destroyed */
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, (glbuf_buffer){UINT64_MAX}));
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, W.buf_stale)); /* slot reused */
    BAD(glbuf_pool_release, GLBUF_ERR_INVALID_HANDLE, glbuf_pool_release(W.ctx, W.p, W.buf_twin));  /* ctx2's */
}

static int count_live(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    (void)h;
    (void)offset;
    (void)size;
    ++*(int *)user;
    return 0;
}

static int count_free_blocks(void *user, uint64_t offset, uint64_t size)
{
    (void)offset;
    (void)size;
    ++*(int *)user;
    return 0;
}

/* The end of the last live allocation below `limit`. */
typedef struct live_end_below {
    uint64_t limit, end;
} live_end_below;

static int end_of_live_below(void *user, glbuf_range h, uint64_t offset, uint64_t size)
{
    (void)h;
    live_end_below *b = user;
    if (offset + size <= b->limit && offset + size > b->end) {
        b->end = offset + size;
    }
    return 0;
}

static void table_ranges(void)
{
    glbuf_ranges *rout = NULL;
    glbuf_ranges_desc rd;
    memset(&rd, 0, sizeof rd);
    glbuf_range h = {0};
    uint64_t v = 0;
    size_t count = 0;
    glbuf_range_move mv[4];
    /* 0, freed, forged, another allocator's first, a stale generation, a
     * handle whose record now holds a live one, and rg2's live handle with
     * that one's index and generation */
    const glbuf_range bad_handles[7] = {{0},       W.h_freed, {0xFFFFFFFFu}, W.h_other, {W.h.id ^ (1u << 22)},
                                        W.h_stale, W.h_twin};

    BAD(glbuf_ranges_create, GLBUF_ERR_NULL, glbuf_ranges_create(NULL, &rout));
    BAD(glbuf_ranges_create, GLBUF_ERR_NULL, glbuf_ranges_create(&rd, NULL));
    BAD(glbuf_ranges_create, GLBUF_ERR_ZERO_SIZE, glbuf_ranges_create(&rd, &rout));
    rd.capacity = GLBUF_RANGES_MAX_CAPACITY + 1;
    BAD(glbuf_ranges_create, GLBUF_ERR_TOO_LARGE, glbuf_ranges_create(&rd, &rout));
    rd.capacity = 4096;
    rd.allocator.alloc = count_alloc;
    BAD(glbuf_ranges_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_create(&rd, &rout));
    rd.allocator.alloc = NULL;
    rd.allocator.free = count_free;
    BAD(glbuf_ranges_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_create(&rd, &rout));
    ck_assert_ptr_null(rout);
    BADV(glbuf_ranges_destroy, glbuf_ranges_destroy(NULL), 1);

    BAD(glbuf_ranges_alloc, GLBUF_ERR_NULL, glbuf_ranges_alloc(NULL, 16, 16, &h, NULL));
    BAD(glbuf_ranges_alloc, GLBUF_ERR_NULL, glbuf_ranges_alloc(W.rg, 16, 16, NULL, NULL));
    BAD(glbuf_ranges_alloc, GLBUF_ERR_ZERO_SIZE, glbuf_ranges_alloc(W.rg, 0, 16, &h, NULL));
    BAD(glbuf_ranges_alloc, GLBUF_ERR_BAD_ALIGNMENT, glbuf_ranges_alloc(W.rg, 16, 0, &h, NULL));
    /* Any positive alignment is valid; one whose only multiple in range is 0 (taken) is FULL. */
    BAD_COUNTED(glbuf_ranges_alloc, GLBUF_ERR_FULL, W.counted_rg, glbuf_ranges_alloc(W.rg, 16, 3ull << 62, &h, NULL));
    BAD(glbuf_ranges_alloc, GLBUF_ERR_OVERFLOW, glbuf_ranges_alloc(W.rg, UINT64_MAX, 2, &h, NULL));
    BAD(glbuf_ranges_alloc, GLBUF_ERR_OVERFLOW, glbuf_ranges_alloc(W.rg, (1ull << 63) + 1, 1ull << 63, &h, NULL));
    BAD_COUNTED(glbuf_ranges_alloc, GLBUF_ERR_FULL, W.counted_rg, glbuf_ranges_alloc(W.rg, 2, 1ull << 63, &h, NULL));
    BAD_COUNTED(glbuf_ranges_alloc, GLBUF_ERR_FULL, W.counted_rg, glbuf_ranges_alloc(W.rg, 2u << 20, 16, &h, NULL));
    ck_assert_uint_eq(h.id, 0);
    for (int k = 0; k < 7; k++) {
        glbuf_range R = bad_handles[k];
        BAD(glbuf_ranges_free, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_free(W.rg, R));
        BAD(glbuf_ranges_offset, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_offset(W.rg, R, &v));
        BAD(glbuf_ranges_size, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_size(W.rg, R, &v));
        BAD(glbuf_ranges_alignment, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_alignment(W.rg, R, &v));
        if (R.id != 0) { /* 0 names the free block at offset 0 */
            BAD(glbuf_ranges_alloc_after, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_alloc_after(W.rg, R, 16, 16, &h, NULL));
        }
        BAD(glbuf_ranges_swap, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_swap(W.rg, W.h, R));
        BAD(glbuf_ranges_swap, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_swap(W.rg, R, W.h));
    }
    BAD(glbuf_ranges_alloc_after, GLBUF_ERR_NULL, glbuf_ranges_alloc_after(NULL, W.h, 16, 16, &h, NULL));
    BAD(glbuf_ranges_alloc_after, GLBUF_ERR_NULL, glbuf_ranges_alloc_after(W.rg, W.h, 16, 16, NULL, NULL));
    BAD(glbuf_ranges_alloc_after, GLBUF_ERR_ZERO_SIZE, glbuf_ranges_alloc_after(W.rg, W.h, 0, 16, &h, NULL));
    BAD(glbuf_ranges_alloc_after, GLBUF_ERR_BAD_ALIGNMENT, glbuf_ranges_alloc_after(W.rg, W.h, 16, 0, &h, NULL));
    BAD(glbuf_ranges_alloc_after, GLBUF_ERR_OVERFLOW, glbuf_ranges_alloc_after(W.rg, W.h, UINT64_MAX, 2, &h, NULL));
    BAD(glbuf_ranges_alloc_after, GLBUF_ERR_FULL, glbuf_ranges_alloc_after(W.rg, W.h, 2u << 20, 16, &h, NULL));
    ck_assert_uint_eq(h.id, 0);
    BAD(glbuf_ranges_swap, GLBUF_ERR_NULL, glbuf_ranges_swap(NULL, W.h, W.h));
    BAD(glbuf_ranges_swap, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_swap(W.rg, W.h, W.h));
    BAD(glbuf_ranges_alignment, GLBUF_ERR_NULL, glbuf_ranges_alignment(NULL, W.h, &v));
    BAD(glbuf_ranges_alignment, GLBUF_ERR_NULL, glbuf_ranges_alignment(W.rg, W.h, NULL));
    BAD(glbuf_ranges_free, GLBUF_ERR_NULL, glbuf_ranges_free(NULL, W.h));
    BAD(glbuf_ranges_offset, GLBUF_ERR_NULL, glbuf_ranges_offset(NULL, W.h, &v));
    BAD(glbuf_ranges_offset, GLBUF_ERR_NULL, glbuf_ranges_offset(W.rg, W.h, NULL));
    BAD(glbuf_ranges_size, GLBUF_ERR_NULL, glbuf_ranges_size(NULL, W.h, &v));
    BAD(glbuf_ranges_size, GLBUF_ERR_NULL, glbuf_ranges_size(W.rg, W.h, NULL));
    BAD(glbuf_ranges_grow, GLBUF_ERR_NULL, glbuf_ranges_grow(NULL, 1u << 21));
    BAD(glbuf_ranges_grow, GLBUF_ERR_SHRINK, glbuf_ranges_grow(W.rg, 4096));
    BAD(glbuf_ranges_grow, GLBUF_ERR_SHRINK, glbuf_ranges_grow(W.rg, 0));
    BAD(glbuf_ranges_shrink, GLBUF_ERR_NULL, glbuf_ranges_shrink(NULL, 4096));
    BAD(glbuf_ranges_shrink, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_shrink(W.rg, 2u << 20));
    BAD(glbuf_ranges_shrink, GLBUF_ERR_BUSY, glbuf_ranges_shrink(W.rg, 50)); /* W.h ends at 100 */
    BAD(glbuf_ranges_shrink, GLBUF_ERR_BUSY, glbuf_ranges_shrink(W.rg, 0));
    BAD(glbuf_ranges_grow, GLBUF_ERR_TOO_LARGE, glbuf_ranges_grow(W.rg, GLBUF_RANGES_MAX_CAPACITY + 1));
    BADV(glbuf_ranges_get_stats, glbuf_ranges_stats st = glbuf_ranges_get_stats(NULL), all_zero(&st, sizeof st));
    BADV(glbuf_ranges_invariants_hold, int ok = glbuf_ranges_invariants_hold(NULL), ok == 0);
    /* Documented preconditions ("must not be NULL"): called with valid
     * arguments only, so that the table covers them. */
    live_end_below top = {UINT64_MAX, 0};
    glbuf_ranges_for_each(W.rg2, end_of_live_below, &top);
    const glbuf_ranges_stats rs2 = glbuf_ranges_get_stats(W.rg2);
    BADV(glbuf_ranges_used_extent, uint64_t e = glbuf_ranges_used_extent(W.rg2), e == top.end);
    int n = 0;
    BADV(glbuf_ranges_for_each, glbuf_ranges_for_each(W.rg2, count_live, &n), n == (int)rs2.live_allocations);
    n = 0;
    BADV(glbuf_ranges_for_each_free, glbuf_ranges_for_each_free(W.rg2, count_free_blocks, &n), n == (int)rs2.free_blocks);
    /* NULL callbacks and allocators are documented as ignored: nothing is
     * called (n stays), nothing changes */
    n = 7;
    BADV(glbuf_ranges_for_each, glbuf_ranges_for_each(W.rg, NULL, &n), n == 7);
    BADV(glbuf_ranges_for_each, glbuf_ranges_for_each(NULL, count_live, &n), n == 7);
    BADV(glbuf_ranges_for_each_free, glbuf_ranges_for_each_free(W.rg, NULL, &n), n == 7);
    BADV(glbuf_ranges_for_each_free, glbuf_ranges_for_each_free(NULL, count_free_blocks, &n), n == 7);
    BAD(glbuf_ranges_plan_compaction, GLBUF_ERR_NULL, glbuf_ranges_plan_compaction(NULL, mv, 4, &count));
    BAD(glbuf_ranges_plan_compaction, GLBUF_ERR_NULL, glbuf_ranges_plan_compaction(W.rg, mv, 4, NULL));
    BAD(glbuf_ranges_plan_compaction, GLBUF_ERR_NULL, glbuf_ranges_plan_compaction(W.rg, NULL, 4, &count));
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_NULL, glbuf_ranges_apply_compaction(NULL, mv, 1));
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_NULL, glbuf_ranges_apply_compaction(W.rg, NULL, 1));
    glbuf_range_move forged = {W.h_freed, 128, 0, 100};
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_apply_compaction(W.rg, &forged, 1));
    /* Moves of h_moved, which has 4096 free bytes before it: the plan moves
     * it down, so each wrong move below, applied, would show in the layout. */
    uint64_t off = 0, size = 0;
    ck_assert_int_eq(glbuf_ranges_offset(W.rg, W.h_moved, &off), GLBUF_OK);
    ck_assert_int_eq(glbuf_ranges_size(W.rg, W.h_moved, &size), GLBUF_OK);
    live_end_below below = {off, 0};
    glbuf_ranges_for_each(W.rg, end_of_live_below, &below);
    uint64_t dst = (below.end + 15u) & ~(uint64_t)15u; /* right after the allocation before it */
    ck_assert_uint_lt(dst, off);
    glbuf_range_move wrong_src = {W.h_moved, off + 16, dst, size};
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_apply_compaction(W.rg, &wrong_src, 1));
    glbuf_range_move upward = {W.h_moved, off, off + 4096, size};
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_apply_compaction(W.rg, &upward, 1));
    glbuf_range_move wrong_size = {W.h_moved, off, dst, size - 1};
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_apply_compaction(W.rg, &wrong_size, 1));
    glbuf_range_move misaligned = {W.h_moved, off, dst + 8, size}; /* allocated at 16 */
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_apply_compaction(W.rg, &misaligned, 1));
    glbuf_range_move overlapping = {W.h_moved, off, dst - 16, size}; /* into the allocation before the hole */
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_apply_compaction(W.rg, &overlapping, 1));
    glbuf_range_move stale = {W.h_stale, off, dst, size};
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_HANDLE, glbuf_ranges_apply_compaction(W.rg, &stale, 1));
    /* one good move, then a bad one: validated as a batch, nothing applied */
    glbuf_range_move batch[2] = {{W.h_moved, off, dst, size}, {W.h_moved, off, dst, size}};
    BAD(glbuf_ranges_apply_compaction, GLBUF_ERR_INVALID_ARGUMENT, glbuf_ranges_apply_compaction(W.rg, batch, 2));
}

/* The (ctx, readback) pairs every readback call must refuse, with the code
 * for each: a NULL context, 0, a destroyed object, a forged id, another
 * context's readback, a buffer's id, a readback whose slot now holds
 * another, and the other context's live readback with that one's index and
 * generation. Call sites use C and R. */
#define RB_COMMON(fn, expr)                                                                                 \
    do {                                                                                                    \
        const glbuf_readback rs_[8] = {W.rb,        {0},      W.rb_dead,  {0xFFFFFFFFu},                     \
                                       W.rb_foreign, {W.buf.id}, W.rb_stale, W.rb_twin};                     \
        const glbuf_result want_[8] = {GLBUF_ERR_NULL,           GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_INVALID_HANDLE,                  \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_WRONG_KIND,                      \
                                       GLBUF_ERR_INVALID_HANDLE, GLBUF_ERR_INVALID_HANDLE};                 \
        for (int k_ = 0; k_ < 8; k_++) {                                                                    \
            glbuf_ctx *C = k_ == 0 ? NULL : W.ctx;                                                          \
            glbuf_readback R = rs_[k_];                                                                     \
            (void)C;                                                                                        \
            (void)R;                                                                                        \
            BAD(fn, want_[k_], expr);                                                                       \
        }                                                                                                   \
    } while (0)

static void table_readback(void)
{
    glbuf_readback made = {0};
    glbuf_readback_request out = {0};
    const void *data = NULL;
    uint32_t src = glbuf_buffer_name(W.ctx, W.buf);
    glbuf_readback_desc d;
    memset(&d, 0, sizeof d);

    BAD(glbuf_readback_create, GLBUF_ERR_NULL, glbuf_readback_create(NULL, &d, &made));
    BAD(glbuf_readback_create, GLBUF_ERR_NULL, glbuf_readback_create(W.ctx, NULL, &made));
    BAD(glbuf_readback_create, GLBUF_ERR_NULL, glbuf_readback_create(W.ctx, &d, NULL));
    d.memory = GLBUF_READBACK_MEMORY_COUNT;
    BAD(glbuf_readback_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_readback_create(W.ctx, &d, &made));
    d.memory = GLBUF_READBACK_MEMORY_DEFAULT;
    d.trim_frames = 100001;
    BAD(glbuf_readback_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_readback_create(W.ctx, &d, &made));
    d.trim_frames = 0;
    d.capacity = 8192;
    d.max_capacity = 4096;
    BAD(glbuf_readback_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_readback_create(W.ctx, &d, &made));
    d.capacity = 0;
    d.max_capacity = UINT64_MAX;
    BAD(glbuf_readback_create, GLBUF_ERR_INVALID_ARGUMENT, glbuf_readback_create(W.ctx, &d, &made));
    ck_assert_uint_eq(made.id, 0);

    RB_COMMON(glbuf_readback_destroy, glbuf_readback_destroy(C, R));
    RB_COMMON(glbuf_readback_copy, glbuf_readback_copy(C, R, src, 0, 64, &out));
    RB_COMMON(glbuf_readback_poll, glbuf_readback_poll(C, R, W.req, &data));
    RB_COMMON(glbuf_readback_wait, glbuf_readback_wait(C, R, W.req, 0, &data));
    RB_COMMON(glbuf_readback_release, glbuf_readback_release(C, R, W.req));
    const glbuf_readback invalid[4] = {{0}, W.rb_dead, {0xFFFFFFFFu}, {W.buf.id}};
    for (int k = 0; k < 4; k++) {
        BADV(glbuf_readback_get_stats, glbuf_readback_stats st = glbuf_readback_get_stats(W.ctx, invalid[k]),
             st.capacity == 0 && st.requests == 0);
    }
    BADV(glbuf_readback_get_stats, glbuf_readback_stats st = glbuf_readback_get_stats(NULL, W.rb), st.capacity == 0);

    BAD(glbuf_readback_copy, GLBUF_ERR_NULL, glbuf_readback_copy(W.ctx, W.rb2, src, 0, 64, NULL));
    BAD(glbuf_readback_copy, GLBUF_ERR_INVALID_ARGUMENT, glbuf_readback_copy(W.ctx, W.rb2, 0, 0, 64, &out));
    BAD(glbuf_readback_copy, GLBUF_ERR_ZERO_SIZE, glbuf_readback_copy(W.ctx, W.rb2, src, 0, 0, &out));
    BAD(glbuf_readback_copy, GLBUF_ERR_OVERFLOW, glbuf_readback_copy(W.ctx, W.rb2, src, UINT64_MAX, 2, &out));
    BAD(glbuf_readback_copy, GLBUF_ERR_OVERFLOW, glbuf_readback_copy(W.ctx, W.rb2, src, BIG - 1, 1, &out));
    BAD(glbuf_readback_copy, GLBUF_ERR_TOO_LARGE, glbuf_readback_copy(W.ctx, W.rb2, src, 0, 4097, &out));
    BAD(glbuf_readback_copy, GLBUF_ERR_FULL, glbuf_readback_copy(W.ctx, W.rb, src, 0, 64, &out));
    ck_assert_uint_eq(out.id, 0);

    const glbuf_readback_request bad_req[5] = {
        {0}, W.req_released, W.req_other, {W.req.id ^ ((uint64_t)1 << 24)}, {W.req.id + 100u}};
    for (int k = 0; k < 5; k++) {
        glbuf_readback_request Q = bad_req[k];
        BAD(glbuf_readback_poll, GLBUF_ERR_INVALID_HANDLE, glbuf_readback_poll(W.ctx, W.rb, Q, &data));
        BAD(glbuf_readback_wait, GLBUF_ERR_INVALID_HANDLE, glbuf_readback_wait(W.ctx, W.rb, Q, UINT64_MAX, &data));
        BAD(glbuf_readback_release, GLBUF_ERR_INVALID_HANDLE, glbuf_readback_release(W.ctx, W.rb, Q));
    }
    ck_assert_ptr_null(data);
}

/* ---- tests ------------------------------------------------------------------------------- */

START_TEST(every_public_function_refuses_bad_input_and_changes_nothing)
{
    setup();
    table_result_and_ctx();
    table_buffer();
    table_mega();
    table_stream_pool();
    table_ranges();
    table_readback();
    teardown();

    /* the meta-check: every GLBUF_API function is in the table */
    int missing = 0;
    for (size_t i = 0; i < sizeof glbuf_api_functions / sizeof glbuf_api_functions[0]; i++) {
        int found = 0;
        for (int k = 0; k < covered_count && !found; k++) {
            found = strcmp(covered[k], glbuf_api_functions[i]) == 0;
        }
        if (!found) {
            fprintf(stderr, "bad-input table: %s (a GLBUF_API function) has no entry\n", glbuf_api_functions[i]);
            missing++;
        }
    }
    printf("bad input: %ld bad inputs tried over %d of %zu public functions, each returned its documented code "
           "and changed nothing\n",
           bad_count, covered_count, sizeof glbuf_api_functions / sizeof glbuf_api_functions[0]);
    fflush(stdout);
    ck_assert_msg(missing == 0, "%d public functions are missing from the bad-input table", missing);
}
END_TEST

/* Buffer handles carry their context's owner identity: the first buffer of
 * another context (same slot, same generation) is refused. */
START_TEST(foreign_buffer_handles_are_rejected)
{
    setup();
    glbuf_buffer first2 = W.foreign; /* ctx2's first buffer */
    glbuf_buffer_info info;
    glbuf_result r = glbuf_buffer_get_info(W.ctx, first2, &info);
    uint32_t ids_differ = first2.id != W.buf.id;
    teardown();
    ck_assert_msg(ids_differ, "the first buffers of two contexts have the same id");
    ck_assert_msg(r == GLBUF_ERR_INVALID_HANDLE, "another context's buffer handle got %s", glbuf_result_name(r));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_public_function_refuses_bad_input_and_changes_nothing);
    tcase_add_test(tc, foreign_buffer_handles_are_rejected);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
