/* fuzz_gl.c - libFuzzer target: operation sequences on a megabuffer and a
 * stream ring on a real headless GL context, checked against a CPU model.
 *
 * The headless context is made once (LLVMFuzzerInitialize; libFuzzer does not
 * fork). Each input gets a fresh glbuf_ctx with a counting allocator: its
 * first byte picks the path (DSA or bind-to-edit, buffer storage or the
 * mutable fallback, coherent or explicit flush), the rest is a stream of
 * operations: allocate (written in full at once; a quarter at an element
 * stride that is not a power of two, with user data), free, write, write
 * through the pointer, free a stale or forged handle, defragment with a
 * budget (every move reported must name a live allocation of the model, with
 * its user data, at an offset that keeps its stride), flush, collect, stream
 * allocate + write (any alignment), stream flush, end the frame. After
 * every end of frame, and at the end, every live megabuffer allocation and
 * every stream allocation of the frame is read back through GL and compared
 * with the model. Finally everything is destroyed and the allocator's live
 * count and glbuf's live GL buffer count must be 0. Built from the library's
 * sources with assertions on (-UNDEBUG) and validation on. */
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
    glbuf_result res = glbuf_mega_alloc_with(ctx, mega, &d, &r->h, &off);
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
    glbuf_result r = glbuf_stream_alloc(ctx, stream, size, align, &al);
    if (r == GLBUF_ERR_FULL) {
        return; /* this frame filled the ring at max_capacity */
    }
    REQUIRE(r == GLBUF_OK);
    REQUIRE(al.offset % align == 0);
    stream_model *s = &streamed[stream_count++];
    s->name = al.name;
    s->offset = al.offset;
    s->size = size;
    s->seed = take(in, 2) ^ 0xA5A50000u;
    fill(scratch, size, s->seed);
    memcpy(al.ptr, scratch, size);
}

static void op_end_frame(void)
{
    verify();
    REQUIRE(glbuf_ctx_end_frame(ctx) == GLBUF_OK);
    stream_count = 0;
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

    for (int ops = 0; in.n > 0 && ops < MAX_OPS; ops++) {
        switch (take(&in, 1) % 12u) {
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
        default: op_end_frame(); break;
        }
    }
    op_end_frame();
    REQUIRE(glbuf_mega_wait_idle(ctx, mega) == GLBUF_OK);
    verify();

    REQUIRE(glbuf_stream_destroy(ctx, stream) == GLBUF_OK);
    REQUIRE(glbuf_mega_destroy(ctx, mega) == GLBUF_OK);
    REQUIRE(glbuf_ctx_get_stats(ctx).buffers_alive == 0);
    glbuf_ctx_destroy(ctx);
    REQUIRE(host_live == 0);
    return 0;
}
