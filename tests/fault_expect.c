/* fault_expect.c - the documented failure codes of every public function, and
 * the statistics a failed call must leave alone (fault_expect.h). */
#include "fault_expect.h"

#include <check.h>
#include <string.h>

#define C(code) (1u << GLBUF_ERR_##code)
/* GPU failures of a store's allocation (creation, re-specification, growth). */
#define STORE (C(OUT_OF_GPU_MEMORY) | C(GL))
/* ... of a persistently mapped one. */
#define MAPPED_STORE (STORE | C(MAP_FAILED))
/* A blocking wait on a fence. */
#define WAIT (C(FENCE_FAILED) | C(TIMEOUT))

/* From include/glbuf/<module>.h, function by function: the codes a GPU,
 * driver, fence or host failure may make it return. Bad-input codes are
 * test_bad_input's. Keep in step with the headers. */
static const struct {
    const char *fn;
    uint32_t codes;
} documented[] = {
    /* ctx.h */
    {"glbuf_ctx_create", C(OUT_OF_HOST_MEMORY) | C(LOAD_FAILED) | C(UNSUPPORTED) | C(FULL)},
    {"glbuf_ctx_end_frame", C(FENCE_FAILED) | WAIT | STORE}, /* + the staged appends' uploads */
    {"glbuf_ctx_wait_frame", WAIT},
    {"glbuf_ctx_wait_idle", WAIT | STORE},
    /* buffer.h */
    {"glbuf_buffer_create", C(OUT_OF_HOST_MEMORY) | C(FULL) | STORE},
    {"glbuf_buffer_destroy", 0},
    {"glbuf_buffer_data", STORE},
    {"glbuf_buffer_sub_data", 0},
    {"glbuf_buffer_get_sub_data", STORE},
    {"glbuf_buffer_copy_data", STORE},
    {"glbuf_buffer_ensure_min_size", STORE},
    {"glbuf_buffer_reserve", STORE},
    {"glbuf_buffer_resize", STORE},
    {"glbuf_buffer_append", STORE | C(OUT_OF_HOST_MEMORY)},
    {"glbuf_buffer_flush_appends", STORE},
    {"glbuf_buffer_map_range", C(MAP_FAILED) | STORE},
    {"glbuf_buffer_map", C(MAP_FAILED) | STORE},
    {"glbuf_buffer_map_replace", C(MAP_FAILED) | STORE},
    {"glbuf_buffer_flush_range", 0},
    {"glbuf_buffer_unmap", C(CONTENTS_LOST)},
    {"glbuf_buffer_orphan", STORE},
    {"glbuf_buffer_set_label", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_buffer_get_info", 0},
    /* mega.h */
    {"glbuf_mega_create", C(OUT_OF_HOST_MEMORY) | C(FULL) | MAPPED_STORE},
    {"glbuf_mega_destroy", 0},
    {"glbuf_mega_alloc", C(FULL) | MAPPED_STORE | C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_alloc_with", C(FULL) | MAPPED_STORE | C(OUT_OF_HOST_MEMORY)}, /* as glbuf_mega_alloc */
    {"glbuf_mega_user_data", 0},
    {"glbuf_mega_free", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_offset", 0},
    {"glbuf_mega_size", 0},
    {"glbuf_mega_ptr", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_write", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_flush", 0},
    {"glbuf_mega_collect", 0},
    {"glbuf_mega_wait_idle", WAIT},
    {"glbuf_mega_defragment", C(OUT_OF_HOST_MEMORY)}, /* copies within the store: no store to make */
    {"glbuf_mega_for_each_block", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_dump_json", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_trim", MAPPED_STORE | C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_room", 0},    /* bad input only: a fence poll never fails it */
    {"glbuf_mega_predict", 0},
    /* mesh.h */
    {"glbuf_mega_mesh_alloc", C(FULL) | MAPPED_STORE | C(OUT_OF_HOST_MEMORY)}, /* as glbuf_mega_alloc */
    {"glbuf_mega_mesh_free", C(OUT_OF_HOST_MEMORY)},
    {"glbuf_mega_mesh_draw", 0},
    {"glbuf_mega_mesh_commands", 0},
    {"glbuf_mega_mesh_write_commands", C(OUT_OF_HOST_MEMORY)}, /* as glbuf_mega_write */
    /* stream.h */
    {"glbuf_stream_create", C(OUT_OF_HOST_MEMORY) | C(FULL) | MAPPED_STORE},
    {"glbuf_stream_destroy", 0},
    {"glbuf_stream_alloc", C(FULL) | C(OUT_OF_HOST_MEMORY) | MAPPED_STORE | WAIT},
    {"glbuf_stream_write", C(FULL) | C(OUT_OF_HOST_MEMORY) | MAPPED_STORE | WAIT}, /* as glbuf_stream_alloc */
    {"glbuf_stream_flush", 0},
    {"glbuf_stream_room", 0},    /* bad input only: a fence poll never fails it */
    {"glbuf_stream_predict", 0},
    /* pool.h */
    {"glbuf_pool_create", C(OUT_OF_HOST_MEMORY) | C(FULL)},
    {"glbuf_pool_destroy", 0},
    {"glbuf_pool_acquire", C(OUT_OF_HOST_MEMORY) | C(FULL) | STORE},
    {"glbuf_pool_release", 0},
    {"glbuf_pool_trim", 0},
    /* readback.h */
    {"glbuf_readback_create", C(OUT_OF_HOST_MEMORY) | C(FULL) | MAPPED_STORE},
    {"glbuf_readback_destroy", 0},
    {"glbuf_readback_copy", C(FULL) | C(OUT_OF_HOST_MEMORY) | MAPPED_STORE | C(FENCE_FAILED)},
    {"glbuf_readback_poll", C(TIMEOUT) | C(FENCE_FAILED) | C(MAP_FAILED) | C(CONTENTS_LOST)},
    {"glbuf_readback_wait", C(TIMEOUT) | C(FENCE_FAILED) | C(MAP_FAILED) | C(CONTENTS_LOST)},
    {"glbuf_readback_release", 0},
};

uint32_t fe_documented_codes(const char *call)
{
    const char *at = strstr(call, "glbuf_");
    ck_assert_msg(at != NULL, "fault sweep: no glbuf function in \"%s\"", call);
    size_t len = strspn(at, "abcdefghijklmnopqrstuvwxyz0123456789_");
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++) {
        if (strlen(documented[i].fn) == len && strncmp(documented[i].fn, at, len) == 0) {
            return documented[i].codes;
        }
    }
    ck_abort_msg("fault sweep: %.*s has no row in the table of documented codes (fault_expect.c)", (int)len, at);
    return 0;
}

void fe_take(const fe_objects *o, fe_snapshot *out)
{
    memset(out, 0, sizeof *out);
    out->a_ok = o->a.id ? glbuf_buffer_get_info(o->ctx, o->a, &out->a) : GLBUF_ERR_INVALID_HANDLE;
    out->b_ok = o->b.id ? glbuf_buffer_get_info(o->ctx, o->b, &out->b) : GLBUF_ERR_INVALID_HANDLE;
    out->mega = glbuf_mega_get_stats(o->ctx, o->m);
    out->stream = glbuf_stream_get_stats(o->ctx, o->s);
    out->pool = glbuf_pool_get_stats(o->ctx, o->p);
    out->buffers_alive = glbuf_ctx_get_stats(o->ctx).buffers_alive;
}

#define SAME(field, what)                                                                                     \
    ck_assert_msg(after->field == before->field,                                                              \
                  "run %ld, line %d: %s failed with %s and changed %s %s from %llu to %llu", run, line, call,     \
                  glbuf_result_name(r), what, #field, (unsigned long long)before->field,                      \
                  (unsigned long long)after->field)
#define NOT_UP(field, what)                                                                                   \
    ck_assert_msg(after->field <= before->field,                                                              \
                  "run %ld, line %d: %s failed with %s and raised %s %s from %llu to %llu", run, line, call,      \
                  glbuf_result_name(r), what, #field, (unsigned long long)before->field,                      \
                  (unsigned long long)after->field)
#define NOT_DOWN(field, what)                                                                                 \
    ck_assert_msg(after->field >= before->field,                                                              \
                  "run %ld, line %d: %s failed with %s and lowered %s %s from %llu to %llu", run, line, call,     \
                  glbuf_result_name(r), what, #field, (unsigned long long)before->field,                      \
                  (unsigned long long)after->field)

static void buffer_same(const glbuf_buffer_info *before, const glbuf_buffer_info *after, const char *call,
                        glbuf_result r, long run, int line, const char *what)
{
    SAME(name, what);
    SAME(size, what);
    SAME(capacity, what);
    SAME(usage, what);
    SAME(storage_flags, what);
    SAME(reallocations, what);
    SAME(mapped, what);
    SAME(pending_bytes, what);
    SAME(storage_generation, what);
    ck_assert_msg(strcmp(before->label, after->label) == 0, "run %ld, line %d: %s changed %s's label", run, line,
                  call, what);
}

static void mega_same(const glbuf_mega_stats *before, const glbuf_mega_stats *after, const char *call,
                      glbuf_result r, long run, int line)
{
    const char *what = "the megabuffer's";
    SAME(capacity, what);
    SAME(max_capacity, what);
    SAME(allocations, what);
    SAME(growths, what);
    SAME(defragmentations, what);
    SAME(bytes_copied_by_growth, what);
    SAME(bytes_copied_by_defrag, what);
    SAME(storage_generation, what);
    SAME(name, what);
    SAME(alignment, what);
    SAME(has_buffer_storage, what);
    uint64_t live_before = before->used_bytes - before->pending_free_bytes;
    uint64_t live_after = after->used_bytes - after->pending_free_bytes;
    ck_assert_msg(live_after == live_before, "run %ld, line %d: %s failed and changed the live bytes (%llu -> %llu)",
                  run, line, call, (unsigned long long)live_before, (unsigned long long)live_after);
    NOT_UP(pending_frees, what); /* a reclaim may retire ended frames' frees */
    if (after->pending_frees == before->pending_frees) {
        SAME(used_bytes, what);
        SAME(free_bytes, what);
        SAME(largest_free_block, what);
        SAME(free_blocks, what);
        SAME(pending_free_bytes, what);
    }
    uint64_t counted = strstr(call, "glbuf_mega_alloc") != NULL ? 1u : 0u;
    ck_assert_msg(after->failed_allocations == before->failed_allocations + counted,
                  "run %ld, line %d: %s failed with %s: failed_allocations went from %llu to %llu, documented +%llu",
                  run, line, call, glbuf_result_name(r), (unsigned long long)before->failed_allocations,
                  (unsigned long long)after->failed_allocations, (unsigned long long)counted);
}

static void stream_same(const glbuf_stream_stats *before, const glbuf_stream_stats *after, const char *call,
                        glbuf_result r, long run, int line)
{
    const char *what = "the stream's";
    SAME(bytes_streamed, what);
    SAME(bytes_skipped, what);
    SAME(allocations, what);
    SAME(frames, what);
    SAME(growths, what);
    SAME(orphans, what);
    SAME(flushes, what);
    SAME(capacity, what);
    SAME(persistent, what);
    NOT_DOWN(waits, what);
    NOT_DOWN(wait_ns, what);
    NOT_UP(rings_retired, what); /* completed rings go */
    NOT_UP(bytes_held, what);
}

static void pool_same(const glbuf_pool_stats *before, const glbuf_pool_stats *after, const char *call,
                      glbuf_result r, long run, int line)
{
    const char *what = "the pool's";
    SAME(acquired, what);
    SAME(bytes_requested, what);
    /* the live buffers' bytes; idle ones may be shed */
    ck_assert_msg(after->bytes_held - after->bytes_idle == before->bytes_held - before->bytes_idle,
                  "run %ld, line %d: %s failed with %s and changed the pool's live bytes", run, line, call,
                  glbuf_result_name(r));
    for (int i = 0; i < GLBUF_POOL_TIERS; i++) {
        SAME(tiers[i].live, what);
        SAME(tiers[i].created, what);
        SAME(tiers[i].reused, what);
        SAME(tiers[i].trimmed, what);
        SAME(tiers[i].evicted, what);
        SAME(tiers[i].discarded, what);
        SAME(tiers[i].bytes_requested, what);
        NOT_UP(tiers[i].idle, what);
    }
}

void fe_expect_unchanged(const fe_snapshot *before, const fe_snapshot *after, const char *call, glbuf_result r,
                         long run, int line)
{
    NOT_UP(buffers_alive, "the context's"); /* nothing left behind; retired rings may go */
    ck_assert_int_eq(after->a_ok, before->a_ok);
    ck_assert_int_eq(after->b_ok, before->b_ok);
    if (before->a_ok == GLBUF_OK) {
        buffer_same(&before->a, &after->a, call, r, run, line, "buffer A");
    }
    if (before->b_ok == GLBUF_OK) {
        buffer_same(&before->b, &after->b, call, r, run, line, "buffer B");
    }
    mega_same(&before->mega, &after->mega, call, r, run, line);
    stream_same(&before->stream, &after->stream, call, r, run, line);
    pool_same(&before->pool, &after->pool, call, r, run, line);
}
