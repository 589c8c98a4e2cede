// test_cpp.cpp - the C++ layer (include/glbuf/glbuf.hpp) on a real headless
// context: every owner creates, moves and destroys its object (counted by
// glbuf), typed writes and appends land in GL (read back with the test's own
// GL table, not through glbuf), and the error policy holds: glbuf::Error
// carries the C call's code and name, the try_ spelling returns the same
// code, and a failed call changes nothing.
//
// Exit status: 0 all passed, 1 a failure, 77 no GL context here (skipped).
// The profile comes from GLBUF_TEST_GL like the Check suites'.
#include <glbuf/glbuf.hpp>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "gl_profile.h"
#include "headless.h"
#include "own_gl.h"
}

namespace {

int failures;
GladGLContext *gl;

#define CHECK(cond)                                                                                      \
    do {                                                                                                 \
        if (!(cond)) {                                                                                   \
            std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                         \
            failures++;                                                                                  \
        }                                                                                                \
    } while (0)

struct Vertex {
    float x, y;
    std::uint32_t rgba, pad;
};
static_assert(sizeof(Vertex) == 16, "a 16-byte vertex");

// Bytes of GL buffer `name` at `offset`, read with the test's own table.
template <class T>
std::vector<T> gl_read(std::uint32_t name, std::uint64_t offset, std::size_t count)
{
    std::vector<T> out(count);
    gl->GetNamedBufferSubData(name, static_cast<GLintptr>(offset), static_cast<GLsizeiptr>(count * sizeof(T)),
                              out.data());
    return out;
}

template <class T>
bool same(const std::vector<T> &a, const std::vector<T> &b)
{
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

std::vector<Vertex> make_vertices(std::size_t n, std::uint32_t seed)
{
    std::vector<Vertex> v(n);
    for (std::size_t i = 0; i < n; i++) {
        v[i] = Vertex{static_cast<float>(i) * 0.5f, static_cast<float>(seed), static_cast<std::uint32_t>(i * 2654435761u ^ seed), 0};
    }
    return v;
}

std::uint64_t alive(const glbuf::Context &ctx) { return ctx.stats().buffers_alive; }

void buffer_create_from_vector_with_gl_enums(glbuf::Context &ctx)
{
    auto verts = make_vertices(100, 1);
    std::uint64_t before = alive(ctx);
    {
        // Cinder: gl::Vbo::create(GL_ARRAY_BUFFER, verts, GL_DYNAMIC_DRAW)
        auto vbo = glbuf::Buffer::create(ctx, 0x8892u /* GL_ARRAY_BUFFER */, verts, 0x88E8u /* GL_DYNAMIC_DRAW */);
        CHECK(vbo.size() == verts.size() * sizeof(Vertex));
        CHECK(vbo.count<Vertex>() == verts.size());
        glbuf_buffer_info info = vbo.info();
        CHECK(info.target == GLBUF_TARGET_ARRAY && info.usage == GLBUF_USAGE_DYNAMIC_DRAW);
        CHECK(same(gl_read<Vertex>(vbo.name(), 0, verts.size()), verts));
        CHECK(alive(ctx) == before + 1);
        // glbuf's enums work too, and every usage maps.
        auto ubo = glbuf::Buffer::create(ctx, GLBUF_TARGET_UNIFORM, std::uint64_t{256}, 0x88E2u /* GL_STREAM_COPY */);
        CHECK(ubo.info().usage == GLBUF_USAGE_STREAM_COPY && ubo.size() == 256 && ubo.info().target == GLBUF_TARGET_UNIFORM);
    }
    CHECK(alive(ctx) == before); // both destroyed by their destructors
}

void unknown_gl_enum_fails_and_leaves_nothing(glbuf::Context &ctx)
{
    std::vector<float> data(4, 1.0f);
    std::uint64_t before = alive(ctx);
    glbuf_result code = GLBUF_OK;
    std::string call;
    try {
        auto b = glbuf::Buffer::create(ctx, 0x1234u, data, GLBUF_USAGE_STATIC_DRAW);
    } catch (const glbuf::Error &e) {
        code = e.code();
        call = e.call();
        CHECK(std::string(e.what()).find("GLBUF_ERR_INVALID_ARGUMENT") != std::string::npos);
    }
    CHECK(code == GLBUF_ERR_INVALID_ARGUMENT);
    CHECK(call == "glbuf_buffer_create");
    auto r = glbuf::Buffer::try_create(ctx, GLBUF_TARGET_ARRAY, data, 0x9999u);
    CHECK(!r && r.code() == GLBUF_ERR_INVALID_ARGUMENT);
    CHECK(alive(ctx) == before);
}

void typed_appends_land_in_order(glbuf::Context &ctx)
{
    glbuf_buffer_desc d{};
    d.growth = GLBUF_GROWTH_POW2;
    glbuf::Buffer trail(ctx, d);
    auto a = make_vertices(5, 2);
    std::array<Vertex, 3> b{{Vertex{1, 2, 3, 0}, Vertex{4, 5, 6, 0}, Vertex{7, 8, 9, 0}}};
    Vertex one{10, 11, 12, 0};
    trail.append(a);                 // a vector
    trail.append(b);                 // a std::array
    trail.append_value(one);         // one struct
    trail.append(a.data() + 1, 2);   // pointer + count
    trail.append(glbuf::Span<const Vertex>(b.data(), 1));
    std::vector<Vertex> want(a);
    want.insert(want.end(), b.begin(), b.end());
    want.push_back(one);
    want.insert(want.end(), a.begin() + 1, a.begin() + 3);
    want.push_back(b[0]);
    CHECK(trail.count<Vertex>() == want.size());
    CHECK(trail.capacity() >= trail.size());
    CHECK(same(gl_read<Vertex>(trail.name(), 0, want.size()), want));
    CHECK(same(trail.read<Vertex>(0, want.size()), want)); // glbuf's own readback agrees
    // sub_data at a byte offset, typed
    std::array<Vertex, 1> patch{{Vertex{-1, -2, 0xABCDu, 0}}};
    trail.sub_data(2 * sizeof(Vertex), patch);
    want[2] = patch[0];
    CHECK(same(gl_read<Vertex>(trail.name(), 0, want.size()), want));
}

void batched_appends_upload_once(glbuf::Context &ctx)
{
    glbuf_buffer_desc d{};
    d.growth = GLBUF_GROWTH_POW2;
    d.batch_appends = 1;
    glbuf::Buffer trail(ctx, d);
    std::vector<float> want;
    glbuf_ctx_stats s0 = ctx.stats();
    for (int i = 0; i < 50; i++) {
        float p[2] = {static_cast<float>(i), static_cast<float>(-i)};
        trail.append(p);
        want.insert(want.end(), p, p + 2);
    }
    glbuf_ctx_stats s1 = ctx.stats();
    CHECK(s1.calls_total == s0.calls_total); // staged on the CPU: no GL call
    trail.flush_appends();
    CHECK(same(gl_read<float>(trail.name(), 0, want.size()), want));
}

void moves_transfer_ownership(glbuf::Context &ctx)
{
    std::uint64_t before = alive(ctx);
    std::vector<int> data{1, 2, 3, 4};
    glbuf::Buffer a = glbuf::Buffer::create(ctx, GLBUF_TARGET_ARRAY, data);
    glbuf_buffer h = a.handle();
    glbuf::Buffer b(std::move(a));
    CHECK(!a && b && b.handle().id == h.id); // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    glbuf::Buffer c;
    c = std::move(b);
    CHECK(!b && c.handle().id == h.id);
    CHECK(alive(ctx) == before + 1);
    c = glbuf::Buffer::create(ctx, GLBUF_TARGET_ARRAY, data); // the old one is destroyed
    CHECK(alive(ctx) == before + 1);
    CHECK(glbuf_buffer_name(ctx, h) == 0); // dead
    glbuf_buffer kept = c.release();
    CHECK(!c && glbuf_buffer_name(ctx, kept) != 0);
    CHECK(glbuf_buffer_destroy(ctx, kept) == GLBUF_OK);
    CHECK(alive(ctx) == before);
}

void failed_calls_change_nothing(glbuf::Context &ctx)
{
    std::vector<std::uint32_t> data{10, 20, 30, 40};
    auto b = glbuf::Buffer::create(ctx, GLBUF_TARGET_ARRAY, data);
    std::vector<std::uint32_t> patch{7, 7};
    auto r = b.try_sub_data(3 * sizeof(std::uint32_t), patch); // runs past the size
    CHECK(r.code() == GLBUF_ERR_OUT_OF_BOUNDS && std::string(r.call()) == "glbuf_buffer_sub_data");
    glbuf_result thrown = GLBUF_OK;
    try {
        b.sub_data(3 * sizeof(std::uint32_t), patch);
    } catch (const glbuf::Error &e) {
        thrown = e.code();
    }
    CHECK(thrown == GLBUF_ERR_OUT_OF_BOUNDS);
    CHECK(same(gl_read<std::uint32_t>(b.name(), 0, 4), data));
    CHECK(b.size() == data.size() * sizeof(std::uint32_t));
    // A Result's value() throws the same Error.
    glbuf::Result<glbuf::Buffer> bad = glbuf::Buffer::try_create(ctx, 0x1u, data);
    thrown = GLBUF_OK;
    try {
        (void)std::move(bad).value();
    } catch (const glbuf::Error &e) {
        thrown = e.code();
    }
    CHECK(thrown == GLBUF_ERR_INVALID_ARGUMENT);
}

void mega_store_draw_parameters_and_frees(glbuf::Context &ctx, glbuf::Readback &rb)
{
    glbuf_mega_desc md{};
    md.capacity = 1u << 16;
    glbuf::Mega mega(ctx, md);
    CHECK(mega.storage_generation() == 1 && mega.name() != 0);
    auto a = make_vertices(7, 3), b = make_vertices(13, 4);
    glbuf::MegaRange ra = mega.store(a);
    glbuf::MegaRange rbr = mega.store(b);
    CHECK(ra.count<Vertex>() == 7 && rbr.count<Vertex>() == 13);
    CHECK(rbr.offset() == rbr.first<Vertex>() * sizeof(Vertex));
    mega.flush();
    // Read through a GPU copy (glbuf::Readback) and through the test's table.
    glbuf::ReadbackRequest q = rb.copy(mega.name(), rbr.offset(), rbr.size());
    glbuf::Span<const Vertex> got = q.wait<Vertex>();
    CHECK(got.size() == b.size() && std::memcmp(got.data(), b.data(), b.size() * sizeof(Vertex)) == 0);
    CHECK(same(gl_read<Vertex>(mega.name(), ra.offset(), a.size()), a));
    // A typed write into part of the allocation.
    std::array<Vertex, 1> patch{{Vertex{9, 9, 9, 9}}};
    ra.write(sizeof(Vertex), patch);
    mega.flush();
    a[1] = patch[0];
    CHECK(same(gl_read<Vertex>(mega.name(), ra.offset(), a.size()), a));
    // Destructors free (fenced): pending until the frame ends.
    CHECK(mega.stats().allocations == 2);
    { glbuf::MegaRange dropped = std::move(ra); }
    CHECK(mega.stats().allocations == 1 && mega.stats().pending_frees == 1);
    // Blocks walk, typed.
    int live = 0;
    mega.for_each_block([&](const glbuf_mega_block &blk) {
        live += blk.kind == GLBUF_MEGA_BLOCK_LIVE;
        return false;
    });
    CHECK(live == 1);
    std::string json = mega.dump_json();
    CHECK(json.find("\"blocks\"") != std::string::npos && json.find("pending") != std::string::npos);
    // A range outliving its megabuffer is harmless.
    glbuf::MegaRange survivor = mega.alloc(64);
    mega.reset();
    CHECK(!mega);
    survivor.reset(); // finds the handle dead, does nothing
    CHECK(!survivor);
}

void mega_full_is_a_result_in_try_spelling(glbuf::Context &ctx)
{
    glbuf_mega_desc md{};
    md.capacity = 4096;
    md.growth = GLBUF_MEGA_GROW_NONE;
    glbuf::Mega mega(ctx, md);
    glbuf::Result<glbuf::MegaRange> big = mega.try_alloc(8192);
    CHECK(!big && big.code() == GLBUF_ERR_FULL && std::string(big.call()) == "glbuf_mega_alloc");
    CHECK(mega.stats().allocations == 0 && mega.stats().capacity == 4096);
    std::vector<std::uint16_t> odd(3); // 6-byte element: not a power of two
    glbuf::MegaRange r = mega.store(odd);
    CHECK(r.try_first<std::uint16_t>().ok()); // 2 divides every offset
    struct Six {
        std::uint16_t a, b, c;
    };
    std::vector<Six> six(2);
    glbuf::MegaRange s = mega.store(six, 77); // 6 is the stride: the offset a multiple of 6 and of 16
    glbuf::Result<std::uint64_t> f = s.try_first<Six>();
    CHECK(f.ok() && s.offset() % 48 == 0 && *f * sizeof(Six) == s.offset() && s.user_data() == 77);
    // A plain alloc at the minimum alignment: first<Six> is refused when 6 does not divide the offset.
    glbuf::MegaRange p = mega.alloc(sizeof(Six) * 2);
    CHECK(p.try_first<Six>().ok() == (p.offset() % sizeof(Six) == 0));
    glbuf_mega_alloc_desc bad{};
    bad.size = 10;
    bad.stride = 6; // not whole elements
    glbuf::Result<glbuf::MegaRange> b = mega.try_alloc_with(bad);
    CHECK(!b && b.code() == GLBUF_ERR_INVALID_ARGUMENT && std::string(b.call()) == "glbuf_mega_alloc_with");
}

// 24-byte vertices (position + normal): a size that is not a power of two.
struct Vertex24 {
    float p[3], n[3];
};

void mesh_create_draw_and_commands(glbuf::Context &ctx)
{
    glbuf_mega_desc md{};
    md.capacity = 1u << 16;
    glbuf::Mega mega(ctx, md);
    glbuf::MegaRange pad = mega.alloc(40); // the next allocation starts off any multiple of 24
    std::vector<Vertex24> v(5);
    for (std::size_t i = 0; i < v.size(); i++) {
        for (int k = 0; k < 3; k++) {
            v[i].p[k] = static_cast<float>(i * 10 + static_cast<std::size_t>(k));
            v[i].n[k] = -v[i].p[k];
        }
    }
    std::vector<std::uint16_t> idx = {0, 1, 2, 2, 3, 4};
    glbuf::Mesh a = glbuf::Mesh::create(mega, v, idx, 11);
    glbuf::Mesh b = glbuf::Mesh::create(mega, v, idx, 12);
    glbuf_mesh_draw da = a.draw(), db = b.draw();
    CHECK(da.count == 6 && da.vertex_offset % sizeof(Vertex24) == 0 &&
          static_cast<std::uint64_t>(da.base_vertex) * sizeof(Vertex24) == da.vertex_offset &&
          static_cast<std::uint64_t>(da.first_index) * 2 == da.index_offset);
    mega.flush();
    CHECK(same(gl_read<Vertex24>(mega.name(), db.vertex_offset, v.size()), v));
    CHECK(same(gl_read<std::uint16_t>(mega.name(), db.index_offset, idx.size()), idx));
    // Commands for both: 20-byte DrawElementsIndirectCommand each.
    std::vector<glbuf_mesh> list = {a.get(), b.get()};
    std::uint32_t cmd[10] = {};
    CHECK(glbuf::write_mesh_commands(mega, list, 3, cmd, sizeof cmd) == 40);
    CHECK(cmd[0] == 6 && cmd[1] == 1 && cmd[2] == da.first_index && static_cast<std::int32_t>(cmd[3]) == da.base_vertex &&
          cmd[4] == 3);
    CHECK(cmd[5] == 6 && cmd[7] == db.first_index && static_cast<std::int32_t>(cmd[8]) == db.base_vertex && cmd[9] == 4);
    glbuf::Result<std::uint64_t> small = glbuf::try_write_mesh_commands(mega, list, 0, cmd, 20);
    CHECK(!small && small.code() == GLBUF_ERR_TOO_LARGE);
    // Meshes free both allocations when they die.
    std::uint64_t before = mega.stats().allocations;
    a.reset();
    CHECK(mega.stats().allocations == before - 2 && !a);
    glbuf::Mesh arrays = glbuf::Mesh::create(mega, v, 5);
    CHECK(arrays.draw().count == 5 && arrays.get().indices.id == 0);
}

void stream_alloc_at_any_vertex_size(glbuf::Context &ctx)
{
    glbuf_stream_desc sd{};
    sd.capacity = 1u << 16;
    glbuf::Stream stream(ctx, sd);
    for (int i = 0; i < 5; i++) {
        glbuf::StreamSlice<Vertex24> s = stream.alloc<Vertex24>(3); // offsets multiples of lcm(16, 24) = 48
        CHECK(s.offset % 48 == 0);
    }
    ctx.end_frame();
}

void stream_push_reaches_gl(glbuf::Context &ctx)
{
    glbuf_stream_desc sd{};
    sd.capacity = 1u << 16;
    glbuf::Stream stream(ctx, sd);
    auto v = make_vertices(40, 5);
    glbuf::StreamSlice<Vertex> slice = stream.push(v);
    CHECK(slice.count == v.size() && slice.offset % 16 == 0 && slice.name != 0);
    glbuf::StreamSlice<float> f = stream.alloc<float>(8, 256);
    for (int i = 0; i < 8; i++) {
        f.data[i] = static_cast<float>(i) * 1.5f;
    }
    CHECK(f.offset % 256 == 0);
    stream.flush();
    CHECK(same(gl_read<Vertex>(slice.name, slice.offset, v.size()), v));
    auto fl = gl_read<float>(f.name, f.offset, 8);
    CHECK(fl[7] == 10.5f);
    CHECK(stream.stats().allocations == 2);
    ctx.end_frame();
}

// room / predict (overflow.h) through the C++ layer: the answers the C calls
// give, the allocation doing what was predicted, bad input as a Result.
void overflow_queries_answer_before_allocating(glbuf::Context &ctx)
{
    glbuf_stream_desc sd{};
    sd.capacity = 4096;
    sd.max_capacity = 4096;
    sd.overflow = GLBUF_OVERFLOW_FAIL;
    glbuf::Stream stream(ctx, sd);
    CHECK(stream.room() == 4096);
    stream.alloc<std::uint8_t>(1000);
    CHECK(stream.room(1) == 3096);
    CHECK(stream.predict(3096, 1) == GLBUF_FIT_NOW && stream.predict(3097, 1) == GLBUF_FIT_FULL);
    glbuf::Result<glbuf::StreamSlice<std::uint8_t>> full = stream.try_alloc<std::uint8_t>(3097, 1);
    CHECK(!full && full.code() == GLBUF_ERR_FULL);
    glbuf::Result<glbuf_fit> bad = stream.try_predict(0);
    CHECK(!bad && bad.code() == GLBUF_ERR_ZERO_SIZE && std::string(bad.call()) == "glbuf_stream_predict");
    stream.flush();

    glbuf_mega_desc md{};
    md.capacity = 4096;
    md.max_capacity = 1u << 16;
    md.overflow = GLBUF_OVERFLOW_GROW;
    glbuf::Mega mega(ctx, md);
    glbuf::MegaRange r = mega.alloc(1000);
    CHECK(mega.room() == 4096 - 1008 && mega.room(24) == 4096 - 1008);
    CHECK(mega.predict(3088) == GLBUF_FIT_NOW && mega.predict(3089) == GLBUF_FIT_GROW);
    glbuf::MegaRange g = mega.alloc(3089);
    CHECK(mega.stats().growths == 1 && r.offset() == 0);
    try {
        (void)mega.room(UINT64_MAX); // lcm(16, 2^64 - 1) does not fit in 64 bits
        CHECK(false);
    } catch (const glbuf::Error &e) {
        CHECK(e.code() == GLBUF_ERR_BAD_ALIGNMENT && std::string(e.call()) == "glbuf_mega_room");
    }
    ctx.end_frame();
}

void pool_buffers_go_back_when_they_die(glbuf::Context &ctx)
{
    glbuf::Pool pool(ctx, glbuf_pool_desc{});
    std::uint64_t before = alive(ctx);
    {
        glbuf::PooledBuffer b = pool.acquire(1000);
        CHECK(b.size() == 1000 && b.capacity() >= 1000 && b.capacity() < 1000 + 1000 / 8); // its size class
        std::vector<std::uint8_t> bytes(1000, 0x5A);
        b.sub_data(0, bytes);
        CHECK(same(gl_read<std::uint8_t>(b.name(), 0, bytes.size()), bytes));
        CHECK(pool.stats().tiers[0].live == 1);
    }
    CHECK(pool.stats().tiers[0].live == 0 && pool.stats().tiers[0].idle == 1);
    CHECK(alive(ctx) == before + 1); // kept idle for reuse
    // The idle one was released in this frame, whose fence has not
    // signalled: a second buffer is made.
    glbuf::PooledBuffer survivor = pool.acquire(100);
    CHECK(alive(ctx) == before + 2);
    pool.reset(); // the idle buffer is deleted; the acquired one becomes a plain buffer
    CHECK(alive(ctx) == before + 1 && survivor.name() != 0);
    survivor.reset(); // its pool is gone: destroyed instead of released
    CHECK(alive(ctx) == before);
}

void readback_poll_is_empty_until_done(glbuf::Context &ctx, glbuf::Readback &rb)
{
    std::vector<std::uint32_t> data(1024);
    for (std::size_t i = 0; i < data.size(); i++) {
        data[i] = static_cast<std::uint32_t>(i * 7u);
    }
    auto b = glbuf::Buffer::create(ctx, GLBUF_TARGET_ARRAY, data);
    glbuf::ReadbackRequest q = rb.copy(b, 0, 4096);
    CHECK(q.size() == 4096);
    glbuf::Span<const std::uint32_t> got = q.poll<std::uint32_t>(); // may or may not be ready
    if (got.empty()) {
        got = q.wait<std::uint32_t>();
    }
    CHECK(got.size() == 1024 && std::memcmp(got.data(), data.data(), 4096) == 0);
    CHECK(rb.stats().live_requests == 1);
    q.reset();
    CHECK(rb.stats().live_requests == 0);
    // After reset the request is empty: the try_ spelling reports the dead
    // handle (0), the throwing one throws the same code.
    auto r = q.try_poll();
    CHECK(!r && r.code() == GLBUF_ERR_INVALID_HANDLE);
    glbuf_result thrown = GLBUF_OK;
    try {
        (void)q.wait();
    } catch (const glbuf::Error &e) {
        thrown = e.code();
    }
    CHECK(thrown == GLBUF_ERR_INVALID_HANDLE);
}

void ranges_free_on_destruction()
{
    glbuf::Ranges r(1024);
    {
        glbuf::RangeAlloc a = r.alloc(100, 16);
        glbuf::RangeAlloc b = r.alloc(200, 64);
        CHECK(a.offset() % 16 == 0 && b.offset() % 64 == 0 && r.stats().live_allocations == 2);
    }
    CHECK(r.stats().live_allocations == 0 && r.stats().used_bytes == 0);
    auto full = r.try_alloc(4096);
    CHECK(!full && full.code() == GLBUF_ERR_FULL);
}

} // namespace

int main()
{
    char why[256] = "";
    glbuf_headless_desc hd = fx_profile_headless_desc(0);
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    if (h == nullptr) {
        std::fprintf(stderr, "SKIP: no headless GL context: %s\n", why);
        return 77;
    }
    gl = fx_own_gl_load();
    if (gl == nullptr) {
        std::fprintf(stderr, "FAIL: cannot load the test's GL table\n");
        glbuf_headless_destroy(h);
        return 1;
    }
    {
        glbuf::Context ctx(glbuf_headless_get_proc);
        glbuf_caps caps = ctx.caps();
        std::printf("test_cpp: GL %d.%d (%s), caps 0x%x\n", caps.gl_major, caps.gl_minor, caps.renderer,
                    static_cast<unsigned>(caps.caps));
        glbuf::Readback rb(ctx, glbuf_readback_desc{});
        buffer_create_from_vector_with_gl_enums(ctx);
        unknown_gl_enum_fails_and_leaves_nothing(ctx);
        typed_appends_land_in_order(ctx);
        batched_appends_upload_once(ctx);
        moves_transfer_ownership(ctx);
        failed_calls_change_nothing(ctx);
        mega_store_draw_parameters_and_frees(ctx, rb);
        mega_full_is_a_result_in_try_spelling(ctx);
        mesh_create_draw_and_commands(ctx);
        stream_alloc_at_any_vertex_size(ctx);
        stream_push_reaches_gl(ctx);
        overflow_queries_answer_before_allocating(ctx);
        pool_buffers_go_back_when_they_die(ctx);
        readback_poll_is_empty_until_done(ctx, rb);
        ranges_free_on_destruction();
        ctx.wait_idle();
        CHECK(ctx.stats().gl_errors == 0);
    } // rb, then ctx: destroyed in reverse order
    glbuf_headless_destroy(h);
    if (failures == 0) {
        std::printf("test_cpp: OK\n");
    }
    return failures == 0 ? 0 : 1;
}
