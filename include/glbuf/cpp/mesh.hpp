// mesh.hpp - glbuf::Mesh, the owner of a mesh in a megabuffer (mesh.h):
// vertices of any vertex size and, optionally, indices, allocated in one
// step, written from ranges, drawn through indirect commands.
//
//     glbuf::Mesh m = glbuf::Mesh::create(mega, vertices, indices, id);
//     glbuf_mesh_draw d = m.draw();          // baseVertex, firstIndex, count
//     std::vector<glbuf_mesh> list = {m.get(), ...};
//     glbuf::write_mesh_commands(mega, list, 0, stream_slice.data, bytes);
//
// A Mesh frees both allocations when it dies (glbuf_mega_mesh_free: fenced,
// as MegaRange). Like a MegaRange it may outlive its Mega, not its Context.
// Its offsets change when defragmentation moves it: ask draw() again, or
// write the commands again, after a move was reported.
//
// Every call is the C call of mesh.h; try_X returns a Result, X throws
// glbuf::Error.
#ifndef GLBUF_CPP_MESH_HPP
#define GLBUF_CPP_MESH_HPP

#include <cstdint>
#include <type_traits>
#include <utility>

#include "../mesh.h"
#include "error.hpp"
#include "mega.hpp"
#include "span.hpp"

namespace glbuf {

namespace detail {
// The GLBUF_INDEX_* of an index element type; 0 for a type that is none.
template <class I>
constexpr std::uint32_t index_type_of() noexcept
{
    return std::is_same<I, std::uint8_t>::value    ? GLBUF_INDEX_UINT8
           : std::is_same<I, std::uint16_t>::value ? GLBUF_INDEX_UINT16
           : std::is_same<I, std::uint32_t>::value ? GLBUF_INDEX_UINT32
                                                   : 0u;
}
} // namespace detail

class Mesh {
public:
    Mesh() noexcept = default;
    // glbuf_mega_mesh_alloc: room for the mesh, nothing written yet.
    static Result<Mesh> try_alloc(const Mega &mega, const glbuf_mesh_desc &desc)
    {
        glbuf_mesh m{};
        glbuf_result r = glbuf_mega_mesh_alloc(mega.context(), mega.handle(), &desc, &m);
        return r == GLBUF_OK ? Result<Mesh>(Mesh(mega.context(), mega.handle(), m))
                             : Result<Mesh>(r, "glbuf_mega_mesh_alloc");
    }
    // Allocates a mesh for `vertices` (sizeof(V) is the vertex size) and
    // `indices` (uint8_t, uint16_t or uint32_t; an empty range: none) and
    // writes both. Nothing is kept on failure.
    template <class CV, class CI, detail::if_range<CV> = 0, detail::if_range<CI> = 0>
    static Result<Mesh> try_create(const Mega &mega, const CV &vertices, const CI &indices,
                                   std::uint64_t user_data = 0)
    {
        auto v = detail::view(vertices);
        auto i = detail::view(indices);
        using I = std::remove_cv_t<typename decltype(i)::element_type>;
        static_assert(detail::index_type_of<I>() != 0, "glbuf: indices are uint8_t, uint16_t or uint32_t");
        glbuf_mesh_desc d{};
        d.vertex_count = v.size();
        d.vertex_stride = sizeof(typename decltype(v)::element_type);
        d.index_count = i.size();
        d.index_type = i.empty() ? 0u : detail::index_type_of<I>();
        d.user_data = user_data;
        Result<Mesh> m = try_alloc(mega, d);
        if (!m) {
            return m;
        }
        Result<void> w = m->try_write_vertices(0, v.data(), v.size_bytes());
        if (w && !i.empty()) {
            w = m->try_write_indices(0, i.data(), i.size_bytes());
        }
        if (!w) {
            return Result<Mesh>(w.code(), w.call()); // the mesh is freed here
        }
        return m;
    }
    // A mesh without indices (drawn with DrawArrays commands).
    template <class CV, detail::if_range<CV> = 0>
    static Result<Mesh> try_create(const Mega &mega, const CV &vertices, std::uint64_t user_data = 0)
    {
        return try_create(mega, vertices, Span<const std::uint32_t>(), user_data);
    }
    ~Mesh() { reset(); }
    Mesh(Mesh &&o) noexcept : ctx_(o.ctx_), mega_(o.mega_), mesh_(std::exchange(o.mesh_, glbuf_mesh{})) {}
    Mesh &operator=(Mesh &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            mega_ = o.mega_;
            mesh_ = std::exchange(o.mesh_, glbuf_mesh{});
        }
        return *this;
    }
    Mesh(const Mesh &) = delete;
    Mesh &operator=(const Mesh &) = delete;

    // The C value (for glbuf_mega_mesh_commands and write_mesh_commands).
    const glbuf_mesh &get() const noexcept { return mesh_; }
    explicit operator bool() const noexcept { return mesh_.vertices.id != 0; }

    // glbuf_mega_mesh_free now (fenced); empty after.
    void reset() noexcept
    {
        if (mesh_.vertices.id != 0) {
            // A dead handle: nothing to free. An overrun found (guard bytes): freed, and logged.
            // Out of host memory: the ranges stay until their megabuffer dies.
            (void)glbuf_mega_mesh_free(ctx_, mega_, &mesh_);
            mesh_ = glbuf_mesh{};
        }
    }
    // Gives up ownership (free it with glbuf_mega_mesh_free).
    glbuf_mesh release() noexcept { return std::exchange(mesh_, glbuf_mesh{}); }

    Result<glbuf_mesh_draw> try_draw() const
    {
        glbuf_mesh_draw d{};
        glbuf_result r = glbuf_mega_mesh_draw(ctx_, mega_, &mesh_, &d);
        return r == GLBUF_OK ? Result<glbuf_mesh_draw>(d) : Result<glbuf_mesh_draw>(r, "glbuf_mega_mesh_draw");
    }
    // Bytes at byte `offset` of the vertices or of the indices (glbuf_mega_write).
    Result<void> try_write_vertices(std::uint64_t offset, const void *data, std::uint64_t bytes)
    {
        return detail::check(glbuf_mega_write(ctx_, mega_, mesh_.vertices, offset, data, bytes), "glbuf_mega_write");
    }
    Result<void> try_write_indices(std::uint64_t offset, const void *data, std::uint64_t bytes)
    {
        return detail::check(glbuf_mega_write(ctx_, mega_, mesh_.indices, offset, data, bytes), "glbuf_mega_write");
    }

#if GLBUF_CPP_EXCEPTIONS
    static Mesh alloc(const Mega &mega, const glbuf_mesh_desc &desc) { return try_alloc(mega, desc).value(); }
    template <class CV, class CI, detail::if_range<CV> = 0, detail::if_range<CI> = 0>
    static Mesh create(const Mega &mega, const CV &vertices, const CI &indices, std::uint64_t user_data = 0)
    {
        return try_create(mega, vertices, indices, user_data).value();
    }
    template <class CV, detail::if_range<CV> = 0>
    static Mesh create(const Mega &mega, const CV &vertices, std::uint64_t user_data = 0)
    {
        return try_create(mega, vertices, user_data).value();
    }
    glbuf_mesh_draw draw() const { return try_draw().value(); }
#endif

private:
    Mesh(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh &mesh) noexcept : ctx_(ctx), mega_(mega), mesh_(mesh) {}
    glbuf_ctx *ctx_ = nullptr;
    glbuf_mega mega_{};
    glbuf_mesh mesh_{};
};

// glbuf_mega_mesh_commands: one indirect command per mesh of `meshes` (a
// contiguous range of glbuf_mesh, e.g. Mesh::get() of each) into `out`
// (out_size bytes); returns the bytes written.
template <class C, detail::if_range<C> = 0>
Result<std::uint64_t> try_write_mesh_commands(const Mega &mega, const C &meshes, std::uint32_t base_instance,
                                              void *out, std::uint64_t out_size)
{
    auto s = detail::view(meshes);
    static_assert(std::is_same<std::remove_cv_t<typename decltype(s)::element_type>, glbuf_mesh>::value,
                  "glbuf: a range of glbuf_mesh (Mesh::get())");
    std::uint64_t written = 0;
    if (s.size() > UINT32_MAX) {
        return Result<std::uint64_t>(GLBUF_ERR_OVERFLOW, "glbuf_mega_mesh_commands");
    }
    glbuf_result r = glbuf_mega_mesh_commands(mega.context(), mega.handle(), s.data(),
                                              static_cast<std::uint32_t>(s.size()), base_instance, out, out_size,
                                              &written);
    return r == GLBUF_OK ? Result<std::uint64_t>(written) : Result<std::uint64_t>(r, "glbuf_mega_mesh_commands");
}

#if GLBUF_CPP_EXCEPTIONS
template <class C, detail::if_range<C> = 0>
std::uint64_t write_mesh_commands(const Mega &mega, const C &meshes, std::uint32_t base_instance, void *out,
                                  std::uint64_t out_size)
{
    return try_write_mesh_commands(mega, meshes, base_instance, out, out_size).value();
}
#endif

} // namespace glbuf

#endif // GLBUF_CPP_MESH_HPP
