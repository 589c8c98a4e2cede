/* fuzz_gl.c - libFuzzer target: operation sequences on a megabuffer and a
 * stream ring on a real headless GL context, checked against a CPU model.
 *
 * The headless context is made once (LLVMFuzzerInitialize; libFuzzer does not
 * fork). Each input gets a fresh glbuf_ctx with a counting allocator: its
 * first byte picks the path (DSA or bind-to-edit, buffer storage or the
 * mutable fallback, coherent or explicit flush, and a GPU that is never done
 * when polled, so that the stream and the megabuffer must block on fences),
 * the rest is a stream of operations: allocate (written in full at once; a
 * quarter at an element stride that is not a power of two, with user data),
 * free, write, write through the pointer, free a stale or forged handle,
 * defragment with a budget (every move reported must name a live allocation
 * of the model, with its user data, at an offset that keeps its stride, and
 * the call never waits), flush, collect, stream allocate + write (any
 * alignment), stream flush, walk the megabuffer's blocks (stopping early,
 * too), dump its layout as JSON (into too small a buffer, too), check the
 * stream's statistics, end the frame. Before every megabuffer and stream
 * allocation, glbuf_X_predict and glbuf_X_room are asked, and the allocation
 * must do what was predicted (or fit at once, when the GPU finished frames
 * in between) and fit when the room said so. After every end of frame, and at the
 * end, every live megabuffer allocation and every stream allocation of the
 * frame is read back through GL and compared with the model; the block walk,
 * the JSON dump and the statistics are checked against the model whenever
 * they are asked for. Finally everything is destroyed and the allocator's
 * live count and glbuf's live GL buffer count must be 0. Built from the
 * library's sources with assertions on (-UNDEBUG) and validation on. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"
#include "glbuf/mega.h"
#include "glbuf/stream.h"
#include "headless.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                               \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_gl: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                \
        }                                                                           \
    } while (0)

#define MAX_RANGES 64
#define MAX_STREAM 64
#define MAX_RANGE_SIZE 4096u
#define MAX_STREAM_SIZE 2048u
#define MAX_OPS 512

/* ---- input reader ---------------------------------------------------------------- */

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static uint32_t take(input *in, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes && in->n > 0; i++) {
        v |= (uint32_t)*in->p << (8 * i);
        in->p++;
        in->n--;
    }
    return v;
}

/* ---- host allocator ------------------------------------------------------------------ */

static long host_live;

static void *host_alloc(size_t size, void *user)
{
    (void)user;
    void *p = malloc(size);
    host_live += p != NULL;
    return p;
}

static void host_free(void *p, void *user)
{
    (void)user;
    host_live -= p != NULL;
    free(p);
}

/* ---- model ------------------------------------------------------------------------------ */

typedef struct range_model {
    glbuf_mega_range h;
    uint32_t size;
    uint32_t stride;    /* 0: none */
    uint64_t user_data;
    uint8_t bytes[MAX_RANGE_SIZE];
} range_model;

typedef struct stream_model {
    uint32_t name;
    uint64_t offset;
    uint32_t size;
    uint32_t seed;
} stream_model;

static glbuf_headless *headless;
static glbuf_ctx *ctx;
static glbuf_mega mega;
static glbuf_stream stream;
static range_model ranges[MAX_RANGES];
static int range_count;
static glbuf_mega_range dead[8]; /* freed handles, for stale frees */
static unsigned dead_count;
static stream_model streamed[MAX_STREAM];
static int stream_count;
static uint64_t stream_bytes, stream_allocs; /* the whole input's successful stream allocations */
static uint64_t stream_waits_seen;           /* blocking waits the stream reported, for the final check */
static uint8_t scratch[MAX_RANGE_SIZE * 4];
static uint8_t readback[MAX_RANGE_SIZE * 4];

static uint8_t pat(uint32_t seed, uint32_t i)
{
    uint32_t x = (i + 1u) * 2654435761u ^ seed * 2246822519u;
    x ^= x >> 15;
    return (uint8_t)(x ^ (x >> 7));
}

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++) {
        p[i] = pat(seed, i);
    }
}

static void read_gl(uint32_t name, uint64_t offset, uint32_t size, uint8_t *out)
{
    GladGLContext *gl = glbuf_ctx_gl_table(ctx);
    gl->GetNamedBufferSubData(name, (GLintptr)offset, (GLsizeiptr)size, out);
    REQUIRE(gl->GetError() == GL_NO_ERROR);
}

static void verify(void)
{
    REQUIRE(glbuf_mega_flush(ctx, mega) == GLBUF_OK);
    REQUIRE(glbuf_stream_flush(ctx, stream) == GLBUF_OK);
    glbuf_mega_stats st = glbuf_mega_get_stats(ctx, mega);
    REQUIRE(st.allocations == (uint32_t)range_count);
    REQUIRE(glbuf_mega_gl_name(ctx, mega) == st.name);
    REQUIRE(glbuf_mega_storage_generation(ctx, mega) == st.storage_generation);
    for (int i = 0; i < range_count; i++) {
        uint64_t off = 0, size = 0;
        REQUIRE(glbuf_mega_offset(ctx, mega, ranges[i].h, &off) == GLBUF_OK);
        REQUIRE(glbuf_mega_size(ctx, mega, ranges[i].h, &size) == GLBUF_OK);
        REQUIRE(size == ranges[i].size);
        REQUIRE(off % st.alignment == 0);
        REQUIRE(ranges[i].stride == 0 || off % ranges[i].stride == 0);
        uint64_t user_data = 0;
        REQUIRE(glbuf_mega_user_data(ctx, mega, ranges[i].h, &user_data) == GLBUF_OK);
        REQUIRE(user_data == ranges[i].user_data);
        REQUIRE(off + size <= st.capacity);
        read_gl(st.name, off, ranges[i].size, readback);
        REQUIRE(memcmp(readback, ranges[i].bytes, ranges[i].size) == 0);
    }
    for (int i = 0; i < stream_count; i++) {
        const stream_model *s = &streamed[i];
        fill(scratch, s->size, s->seed);
        read_gl(s->name, s->offset, s->size, readback);
        REQUIRE(memcmp(readback, scratch, s->size) == 0);
    }
}

static void forget_range(int i)
{
    dead[dead_count++ % 8] = ranges[i].h;
    ranges[i] = ranges[range_count - 1];
    range_count--;
}

/* ---- overflow queries: the prediction is the allocation's decision -------------- */

static uint64_t lcm64(uint64_t a, uint64_t b)
{
    uint64_t x = a, y = b;
    while (y != 0) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return a / x * b; /* small operands here */
}

/* The query's answer and what the allocation then did, from the counters:
 * the same, or NOW when the GPU finished frames in between (overflow.h). */
static void expect_predicted(glbuf_fit fit, uint64_t room, uint64_t size, glbuf_result r, int grew, int waited)
{
    glbuf_fit did = r == GLBUF_ERR_FULL ? GLBUF_FIT_FULL : grew ? GLBUF_FIT_GROW : waited ? GLBUF_FIT_WAIT
                                                                                         : GLBUF_FIT_NOW;
    REQUIRE(r == GLBUF_OK || r == GLBUF_ERR_FULL);
    REQUIRE(size > room || fit == GLBUF_FIT_NOW); /* room asked first: the GPU only adds to it */
    REQUIRE(did == fit || did == GLBUF_FIT_NOW);
}

/* ---- operations ------------------------------------------------------------------------- */

static void op_alloc(input *in)
{
    uint32_t size = take(in, 2) % MAX_RANGE_SIZE + 1u;
    uint32_t align_log = take(in, 1) % 10u;
    uint64_t align = align_log == 0 ? 0 : (uint64_t)1 << align_log;
    if (range_count == MAX_RANGES) {
        return;
    }
    range_model *r = &ranges[range_count];
    uint64_t off = 0;
    static const uint32_t strides[4] = {12, 24, 36, 56};
    uint32_t pick = take(in, 1);
    r->stride = (pick & 3u) == 0 ? strides[(pick >> 2) & 3u] : 0;
    r->user_data = ((uint64_t)pick << 40) ^ (uint64_t)range_count;
    if (r->stride != 0) {
        size = size / r->stride * r->stride + r->stride; /* whole elements */
        if (size > MAX_RANGE_SIZE) {
            size -= r->stride;
        }
    }
    glbuf_mega_alloc_desc d;
    memset(&d, 0, sizeof d);
    d.size = size;
    d.alignment = align;
    d.stride = r->stride;
    d.user_data = r->user_data;
    uint64_t query_align = lcm64(align ? align : 1u, r->stride ? r->stride : 1u);
    glbuf_fit fit = GLBUF_FIT_FULL;
    uint64_t room = 0;
    REQUIRE(glbuf_mega_room(ctx, mega, query_align, &room) == GLBUF_OK);
    REQUIRE(glbuf_mega_predict(ctx, mega, size, query_align, &fit) == GLBUF_OK);
    glbuf_mega_stats mb = glbuf_mega_get_stats(ctx, mega);
    uint64_t waits = glbuf_ctx_get_stats(ctx).fence_waits;
    glbuf_result res = glbuf_mega_alloc_with(ctx, mega, &d, &r->h, &off);
    expect_predicted(fit, room, size, res, glbuf_mega_get_stats(ctx, mega).growths != mb.growths,
                     glbuf_ctx_get_stats(ctx).fence_waits != waits);
    if (res == GLBUF_ERR_FULL) {
        return; /* past max_capacity */
    }
    REQUIRE(res == GLBUF_OK);
    REQUIRE(align == 0 || off % align == 0);
    REQUIRE(r->stride == 0 || off % r->stride == 0);
    r->size = size;
    fill(r->bytes, size, (uint32_t)take(in, 2) ^ 0x5A5A0000u);
    REQUIRE(glbuf_mega_write(ctx, mega, r->h, 0, r->bytes, size) == GLBUF_OK);
    range_count++;
}

static void op_free(input *in)
{
    if (range_count == 0) {
        return;
    }
    int i = (int)(take(in, 1) % (uint32_t)range_count);
    REQUIRE(glbuf_mega_free(ctx, mega, ranges[i].h) == GLBUF_OK);
    glbuf_mega_range h = ranges[i].h;
    forget_range(i);
    REQUIRE(glbuf_mega_free(ctx, mega, h) == GLBUF_ERR_INVALID_HANDLE); /* double free */
}

static void op_write(input *in, int through_ptr)
{
    if (range_count == 0) {
        return;
    }
    range_model *r = &ranges[take(in, 1) % (uint32_t)range_count];
    uint32_t off = take(in, 2) % r->size;
    uint32_t len = take(in, 2) % (r->size - off) + 1u;
    fill(scratch, len, take(in, 2));
    if (through_ptr) {
        void *p = NULL;
        REQUIRE(glbuf_mega_ptr(ctx, mega, r->h, &p) == GLBUF_OK);
        memcpy((uint8_t *)p + off, scratch, len);
    } else {
        REQUIRE(glbuf_mega_write(ctx, mega, r->h, off, scratch, len) == GLBUF_OK);
    }
    memcpy(r->bytes + off, scratch, len);
    /* out of bounds by one byte: refused, nothing written */
    REQUIRE(glbuf_mega_write(ctx, mega, r->h, r->size - len + 1u, scratch, len) == GLBUF_ERR_OUT_OF_BOUNDS);
}

static void op_bad_handle(input *in)
{
    glbuf_mega_range h = {take(in, 4)};
    if (dead_count > 0 && (h.id & 1u)) {
        h = dead[(h.id >> 1) % (dead_count < 8 ? dead_count : 8)];
    }
    for (int i = 0; i < range_count; i++) {
        if (ranges[i].h.id == h.id) {
            return; /* forged a live one by chance */
        }
    }
    uint64_t v = 0;
    glbuf_result r = glbuf_mega_offset(ctx, mega, h, &v);
    REQUIRE(r == GLBUF_ERR_INVALID_HANDLE);
    REQUIRE(glbuf_mega_free(ctx, mega, h) == GLBUF_ERR_INVALID_HANDLE);
}

/* A reported move names a live allocation of the model, with its user data,
 * already at the new offset, which keeps its stride. */
static void on_move(void *user, const glbuf_mega_move *mv)
{
    (void)user;
    int found = 0;
    for (int i = 0; i < range_count; i++) {
        if (ranges[i].h.id == mv->range.id) {
            found = 1;
            REQUIRE(mv->user_data == ranges[i].user_data && mv->size == ranges[i].size);
            REQUIRE(ranges[i].stride == 0 || mv->new_offset % ranges[i].stride == 0);
        }
    }
    REQUIRE(found);
    uint64_t off = 0;
    REQUIRE(glbuf_mega_offset(ctx, mega, mv->range, &off) == GLBUF_OK && off == mv->new_offset);
    REQUIRE(mv->new_offset < mv->old_offset);
}

static void op_defragment(input *in)
{
    uint32_t b = take(in, 2);
    glbuf_mega_defrag_report rep;
    glbuf_ctx_stats before = glbuf_ctx_get_stats(ctx);
    REQUIRE(glbuf_mega_defragment(ctx, mega, (b & 1u) ? 0 : b, on_move, NULL, &rep) == GLBUF_OK);
    REQUIRE(glbuf_ctx_get_stats(ctx).fence_waits == before.fence_waits); /* never waits */
    REQUIRE((b & 1u) || b == 0 || rep.bytes_copied <= b); /* 0: no limit */
}

static void op_stream(input *in)
{
    uint32_t size = take(in, 2) % MAX_STREAM_SIZE + 1u;
    uint32_t a = take(in, 1);
    uint64_t align = (a & 0x80u) ? 1u + (a & 0x3Fu) : (uint64_t)1 << (a % 9u); /* any positive alignment */
    if (stream_count == MAX_STREAM) {
        return;
    }
    glbuf_stream_allocation al;
    glbuf_fit fit = GLBUF_FIT_FULL;
    uint64_t room = 0;
    REQUIRE(glbuf_stream_room(ctx, stream, align, &room) == GLBUF_OK);
    REQUIRE(glbuf_stream_predict(ctx, stream, size, align, &fit) == GLBUF_OK);
    glbuf_stream_stats sb = glbuf_stream_get_stats(ctx, stream);
    glbuf_result r = glbuf_stream_alloc(ctx, stream, size, align, &al);
    glbuf_stream_stats sa = glbuf_stream_get_stats(ctx, stream);
    expect_predicted(fit, room, size, r, sa.growths != sb.growths, sa.waits != sb.waits);
    if (r == GLBUF_ERR_FULL) {
        return; /* this frame filled the ring at max_capacity */
    }
    REQUIRE(r == GLBUF_OK);
    REQUIRE(al.offset % align == 0);
    stream_bytes += size;
    stream_allocs++;
    stream_model *s = &streamed[stream_count++];
    s->name = al.name;
    s->offset = al.offset;
    s->size = size;
    s->seed = take(in, 2) ^ 0xA5A50000u;
    fill(scratch, size, s->seed);
    memcpy(al.ptr, scratch, size);
}

/* ---- the megabuffer's layout: block walk and JSON ------------------------------- */

typedef struct walk {
    uint64_t next_offset; /* where the next block must start */
    uint32_t live, pending, free_blocks, moving;
    uint64_t live_bytes, pending_bytes, free_bytes, moving_bytes;
    uint32_t calls, stop_after;
} walk;

/* The model's allocation with this handle, or NULL. */
static const range_model *model_of(glbuf_mega_range h)
{
    for (int i = 0; i < range_count; i++) {
        if (ranges[i].h.id == h.id) {
            return &ranges[i];
        }
    }
    return NULL;
}

static int walk_block(void *user, const glbuf_mega_block *b)
{
    walk *w = user;
    REQUIRE(b->offset == w->next_offset); /* blocks tile the storage in offset order */
    REQUIRE(b->size > 0);
    w->next_offset = b->offset + b->size;
    const range_model *r = NULL;
    switch (b->kind) {
    case GLBUF_MEGA_BLOCK_LIVE:
        REQUIRE(b->frame >= 1 && b->frame <= glbuf_ctx_frame(ctx));
        r = model_of(b->range); /* a live block names a live allocation, with its user data */
        REQUIRE(r != NULL && r->size == b->size && r->user_data == b->user_data);
        w->live++;
        w->live_bytes += b->size;
        break;
    case GLBUF_MEGA_BLOCK_PENDING:
        REQUIRE(b->frame >= 1 && b->frame <= glbuf_ctx_frame(ctx) && b->range.id == 0);
        w->pending++;
        w->pending_bytes += b->size;
        break;
    case GLBUF_MEGA_BLOCK_MOVING: /* the destination of a live allocation's move */
        r = model_of(b->range);
        REQUIRE(r != NULL && r->size == b->size && r->user_data == b->user_data);
        w->moving++;
        w->moving_bytes += b->size;
        break;
    default:
        REQUIRE(b->kind == GLBUF_MEGA_BLOCK_FREE && b->frame == 0 && b->range.id == 0 && b->user_data == 0);
        w->free_blocks++;
        w->free_bytes += b->size;
        break;
    }
    return ++w->calls == w->stop_after;
}

/* Walks every block (or stops after the number the input asks for) and
 * checks the walk against the model and the statistics. */
static void op_walk(input *in)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.stop_after = take(in, 1) % 8u; /* 0: never stop */
    REQUIRE(glbuf_mega_for_each_block(ctx, mega, walk_block, &w) == GLBUF_OK);
    glbuf_mega_stats st = glbuf_mega_get_stats(ctx, mega);
    if (w.stop_after != 0 && w.calls == w.stop_after) {
        return; /* stopped: only what it saw is checked */
    }
    uint64_t model_bytes = 0;
    for (int i = 0; i < range_count; i++) {
        model_bytes += ranges[i].size;
    }
    REQUIRE(w.next_offset == st.capacity);
    REQUIRE(w.live == (uint32_t)range_count && w.live == st.allocations);
    REQUIRE(w.live_bytes == model_bytes);
    REQUIRE(w.pending == st.pending_frees && w.pending_bytes == st.pending_free_bytes);
    REQUIRE(w.free_blocks == st.free_blocks && w.free_bytes == st.free_bytes);
    REQUIRE(w.moving == st.moves_in_flight && w.moving_bytes == st.moving_bytes);
    REQUIRE(w.live_bytes + w.pending_bytes + w.moving_bytes == st.used_bytes);
}

static unsigned count_text(const char *s, const char *what)
{
    unsigned n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what)) {
        n++;
    }
    return n;
}

/* The JSON dump into a buffer of the size the input picks: too small gives
 * GLBUF_ERR_TOO_LARGE with the length needed, and that length plus one
 * works; the dump lists every block the walk does. */
static char json[1 << 16];

static void op_dump(input *in)
{
    size_t size = (size_t)take(in, 2) % sizeof json;
    size_t len = 0;
    glbuf_result r = glbuf_mega_dump_json(ctx, mega, size ? json : NULL, size, &len);
    if (r == GLBUF_ERR_TOO_LARGE) {
        REQUIRE(len >= size);
        if (len + 1 > sizeof json) {
            return;
        }
        size_t again = 0;
        REQUIRE(glbuf_mega_dump_json(ctx, mega, json, len + 1, &again) == GLBUF_OK);
        REQUIRE(again == len);
    } else {
        REQUIRE(r == GLBUF_OK && len < size);
    }
    REQUIRE(strlen(json) == len);
    REQUIRE(json[0] == '{' && json[len - 1] == '}');
    walk w;
    memset(&w, 0, sizeof w);
    REQUIRE(glbuf_mega_for_each_block(ctx, mega, walk_block, &w) == GLBUF_OK);
    REQUIRE(count_text(json, "\"kind\":\"live\"") == w.live);
    REQUIRE(count_text(json, "\"kind\":\"pending\"") == w.pending);
    REQUIRE(count_text(json, "\"kind\":\"free\"") == w.free_blocks);
    REQUIRE(count_text(json, "\"kind\":\"moving\"") == w.moving);
}

/* The stream's statistics against what the model handed out. */
static void op_stream_stats(void)
{
    glbuf_stream_stats st = glbuf_stream_get_stats(ctx, stream);
    REQUIRE(st.allocations == stream_allocs);
    REQUIRE(st.bytes_streamed == stream_bytes);
    REQUIRE(st.capacity >= 1024 && st.capacity <= (1u << 16) && (st.capacity & (st.capacity - 1)) == 0);
    REQUIRE(st.bytes_held >= st.capacity);
    REQUIRE((st.rings_retired == 0) == (st.bytes_held == st.capacity));
    REQUIRE(st.waits >= stream_waits_seen);
    stream_waits_seen = st.waits;
    REQUIRE(st.persistent == ((glbuf_ctx_get_caps(ctx).caps & GLBUF_CAP_BUFFER_STORAGE) != 0));
}

static void op_end_frame(void)
{
    verify();
    REQUIRE(glbuf_ctx_end_frame(ctx) == GLBUF_OK);
    stream_count = 0;
}

/* ---- a GPU that is never done when polled ------------------------------------------
 * A non-blocking fence poll (timeout 0) always finds the fence pending, as on
 * a GPU far behind; a blocking wait really waits. Memory of ended frames then
 * comes back only through the blocking waits: the stream's, the
 * megabuffer's reclaim, the frame clock's. */
static PFNGLCLIENTWAITSYNCPROC real_client_wait;

static GLenum GLAD_API_PTR never_done_when_polled(GLsync sync, GLbitfield flags, GLuint64 timeout)
{
    return timeout == 0 ? GL_TIMEOUT_EXPIRED : real_client_wait(sync, flags, timeout);
}

/* ---- entry points -------------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char why[256] = "";
    headless = glbuf_headless_create(NULL, why, sizeof why);
    if (headless == NULL) {
        fprintf(stderr, "fuzz_gl: no headless GL 4.5 context: %s\n", why);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    uint32_t mode = take(&in, 1);
    static const uint32_t caps[4] = {0, GLBUF_CAP_DSA, GLBUF_CAP_BUFFER_STORAGE,
                                     GLBUF_CAP_DSA | GLBUF_CAP_BUFFER_STORAGE};
    glbuf_ctx_desc cd;
    memset(&cd, 0, sizeof cd);
    cd.get_proc_address = glbuf_headless_get_proc;
    cd.allocator.alloc = host_alloc;
    cd.allocator.free = host_free;
    cd.disable_caps = caps[mode & 3u];
    cd.validation = 1;
    REQUIRE(glbuf_ctx_create(&cd, &ctx) == GLBUF_OK);
    if (mode & 0x80u) {
        GladGLContext *gl = glbuf_ctx_gl_table(ctx);
        real_client_wait = gl->ClientWaitSync;
        gl->ClientWaitSync = never_done_when_polled;
    }

    glbuf_mega_desc md;
    memset(&md, 0, sizeof md);
    md.capacity = 1024u << ((mode >> 2) & 3u);
    md.max_capacity = 1u << 20;
    md.explicit_flush = (mode >> 4) & 1u;
    md.growth = (mode >> 5) & 1u ? GLBUF_MEGA_GROW_FACTOR_1_5 : GLBUF_MEGA_GROW_POW2;
    REQUIRE(glbuf_mega_create(ctx, &md, &mega) == GLBUF_OK);
    glbuf_stream_desc sd;
    memset(&sd, 0, sizeof sd);
    sd.capacity = 1024;
    sd.max_capacity = 1u << 16;
    sd.explicit_flush = (mode >> 6) & 1u;
    REQUIRE(glbuf_stream_create(ctx, &sd, &stream) == GLBUF_OK);
    range_count = 0;
    stream_count = 0;
    dead_count = 0;
    stream_bytes = stream_allocs = stream_waits_seen = 0;

    for (int ops = 0; in.n > 0 && ops < MAX_OPS; ops++) {
        switch (take(&in, 1) % 15u) {
        case 0:
        case 1: op_alloc(&in); break;
        case 2: op_free(&in); break;
        case 3: op_write(&in, 0); break;
        case 4: op_write(&in, 1); break;
        case 5: op_bad_handle(&in); break;
        case 6: op_defragment(&in); break;
        case 7: REQUIRE(glbuf_mega_flush(ctx, mega) == GLBUF_OK); break;
        case 8: REQUIRE(glbuf_mega_collect(ctx, mega) == GLBUF_OK); break;
        case 9: op_stream(&in); break;
        case 10: REQUIRE(glbuf_stream_flush(ctx, stream) == GLBUF_OK); break;
        case 11: op_walk(&in); break;
        case 12: op_dump(&in); break;
        case 13: op_stream_stats(); break;
        default: op_end_frame(); break;
        }
    }
    op_end_frame();
    REQUIRE(glbuf_mega_wait_idle(ctx, mega) == GLBUF_OK);
    verify();
    op_stream_stats();
    walk w;
    memset(&w, 0, sizeof w);
    REQUIRE(glbuf_mega_for_each_block(ctx, mega, walk_block, &w) == GLBUF_OK);
    REQUIRE(w.pending == 0 && w.live == (uint32_t)range_count); /* every free retired */

    REQUIRE(glbuf_stream_destroy(ctx, stream) == GLBUF_OK);
    REQUIRE(glbuf_mega_destroy(ctx, mega) == GLBUF_OK);
    REQUIRE(glbuf_ctx_get_stats(ctx).buffers_alive == 0);
    glbuf_ctx_destroy(ctx);
    REQUIRE(host_live == 0);
    return 0;
}
