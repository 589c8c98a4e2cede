// mega.hpp - glbuf::Mega, the owner of a megabuffer (mega.h), and
// glbuf::MegaRange, the owner of one allocation in it:
//
//     glbuf::Mega mega(ctx, desc);
//     glbuf::MegaRange mesh = mega.store(vertices);    // alloc + write, no GL call
//     ... draw first = mesh.first<Vertex>(), count = mesh.count<Vertex>()
//         from mega.name() (re-bind when mega.storage_generation() changes)
//
// A MegaRange frees its allocation when it dies (glbuf_mega_free: the bytes
// are reused after this frame's fence, so a range dropped while the GPU
// still draws from it is safe). A MegaRange may outlive its Mega (its free
// then finds the handle dead and does nothing), not its Context.
//
// Every call is the C call of the same name (mega.h: what it does, the GL
// calls, when it fails); try_X returns a Result, X throws glbuf::Error.
#ifndef GLBUF_CPP_MEGA_HPP
#define GLBUF_CPP_MEGA_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "../mega.h"
#include "error.hpp"
#include "span.hpp"

namespace glbuf {

class MegaRange {
public:
    MegaRange() noexcept = default;
    // Takes ownership of an allocation made with the C API.
    static MegaRange adopt(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range range) noexcept
    {
        return MegaRange(ctx, mega, range);
    }
    ~MegaRange() { reset(); }
    MegaRange(MegaRange &&o) noexcept
        : ctx_(o.ctx_), mega_(o.mega_), range_(std::exchange(o.range_, glbuf_mega_range{}))
    {
    }
    MegaRange &operator=(MegaRange &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            mega_ = o.mega_;
            range_ = std::exchange(o.range_, glbuf_mega_range{});
        }
        return *this;
    }
    MegaRange(const MegaRange &) = delete;
    MegaRange &operator=(const MegaRange &) = delete;

    glbuf_mega_range handle() const noexcept { return range_; }
    glbuf_mega mega() const noexcept { return mega_; }
    explicit operator bool() const noexcept { return range_.id != 0; }

    // glbuf_mega_free now (fenced: reusable after this frame); empty after.
    void reset() noexcept
    {
        if (range_.id != 0) {
            (void)glbuf_mega_free(ctx_, mega_, range_); // fails only for a dead handle: nothing to do
            range_ = glbuf_mega_range{};
        }
    }
    // Gives up ownership (free it with glbuf_mega_free).
    glbuf_mega_range release() noexcept { return std::exchange(range_, glbuf_mega_range{}); }

    Result<std::uint64_t> try_offset() const
    {
        std::uint64_t v = 0;
        glbuf_result r = glbuf_mega_offset(ctx_, mega_, range_, &v);
        return r == GLBUF_OK ? Result<std::uint64_t>(v) : Result<std::uint64_t>(r, "glbuf_mega_offset");
    }
    Result<std::uint64_t> try_size() const
    {
        std::uint64_t v = 0;
        glbuf_result r = glbuf_mega_size(ctx_, mega_, range_, &v);
        return r == GLBUF_OK ? Result<std::uint64_t>(v) : Result<std::uint64_t>(r, "glbuf_mega_size");
    }
    // offset / sizeof(T), the allocation's first element index; fails with
    // GLBUF_ERR_BAD_ALIGNMENT ("glbuf_mega_offset") when the offset is not a
    // multiple of sizeof(T). Mega::store allocates with sizeof(T) as the
    // element stride, so it holds for every T stored that way (12-, 24-,
    // 56-byte vertices too); for a plain alloc it holds when the alignment
    // asked for was a multiple of sizeof(T).
    template <class T>
    Result<std::uint64_t> try_first() const
    {
        Result<std::uint64_t> o = try_offset();
        if (o && *o % sizeof(T) != 0) {
            return Result<std::uint64_t>(GLBUF_ERR_BAD_ALIGNMENT, "glbuf_mega_offset");
        }
        return o ? Result<std::uint64_t>(*o / sizeof(T)) : o;
    }
    // Writes a range of elements at byte `offset` of the allocation.
    template <class C, detail::if_range<C> = 0>
    Result<void> try_write(std::uint64_t offset, const C &range)
    {
        auto s = detail::view(range);
        return try_write_bytes(offset, s.data(), s.size_bytes());
    }
    Result<void> try_write_bytes(std::uint64_t offset, const void *data, std::uint64_t bytes)
    {
        return detail::check(glbuf_mega_write(ctx_, mega_, range_, offset, data, bytes), "glbuf_mega_write");
    }
    // A write-only pointer to the first element (glbuf_mega_ptr: valid until
    // the storage generation changes; never read through it).
    // The user data the allocation was made with (glbuf_mega_user_data).
    Result<std::uint64_t> try_user_data() const
    {
        std::uint64_t v = 0;
        glbuf_result r = glbuf_mega_user_data(ctx_, mega_, range_, &v);
        return r == GLBUF_OK ? Result<std::uint64_t>(v) : Result<std::uint64_t>(r, "glbuf_mega_user_data");
    }
    template <class T>
    Result<T *> try_ptr()
    {
        void *p = nullptr;
        glbuf_result r = glbuf_mega_ptr(ctx_, mega_, range_, &p);
        return r == GLBUF_OK ? Result<T *>(static_cast<T *>(p)) : Result<T *>(r, "glbuf_mega_ptr");
    }

#if GLBUF_CPP_EXCEPTIONS
    std::uint64_t offset() const { return try_offset().value(); }
    std::uint64_t size() const { return try_size().value(); }
    std::uint64_t user_data() const { return try_user_data().value(); }
    // The draw parameters of an allocation of T elements: the index of its
    // first element in the megabuffer (first vertex, or base vertex) and its
    // element count. Throws GLBUF_ERR_BAD_ALIGNMENT when the offset is not a
    // multiple of sizeof(T); see try_first.
    template <class T>
    std::uint64_t first() const
    {
        return try_first<T>().value();
    }
    template <class T>
    std::uint64_t count() const
    {
        return size() / sizeof(T);
    }
    template <class C, detail::if_range<C> = 0>
    void write(std::uint64_t offset, const C &range)
    {
        try_write(offset, range).value();
    }
    void write_bytes(std::uint64_t offset, const void *data, std::uint64_t bytes)
    {
        try_write_bytes(offset, data, bytes).value();
    }
    template <class T>
    T *ptr()
    {
        return try_ptr<T>().value();
    }
#endif

private:
    friend class Mega;
    MegaRange(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_range range) noexcept
        : ctx_(ctx), mega_(mega), range_(range)
    {
    }
    glbuf_ctx *ctx_ = nullptr;
    glbuf_mega mega_{};
    glbuf_mega_range range_{};
};

class Mega {
public:
    Mega() noexcept = default;
    static Result<Mega> try_create(glbuf_ctx *ctx, const glbuf_mega_desc &desc)
    {
        glbuf_mega m{};
        glbuf_result r = glbuf_mega_create(ctx, &desc, &m);
        return r == GLBUF_OK ? Result<Mega>(Mega(ctx, m)) : Result<Mega>(r, "glbuf_mega_create");
    }
#if GLBUF_CPP_EXCEPTIONS
    Mega(glbuf_ctx *ctx, const glbuf_mega_desc &desc) : Mega(try_create(ctx, desc).value()) {}
#endif
    static Mega adopt(glbuf_ctx *ctx, glbuf_mega mega) noexcept { return Mega(ctx, mega); }
    ~Mega() { reset(); }
    Mega(Mega &&o) noexcept : ctx_(o.ctx_), mega_(std::exchange(o.mega_, glbuf_mega{})) {}
    Mega &operator=(Mega &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            mega_ = std::exchange(o.mega_, glbuf_mega{});
        }
        return *this;
    }
    Mega(const Mega &) = delete;
    Mega &operator=(const Mega &) = delete;

    glbuf_mega handle() const noexcept { return mega_; }
    glbuf_ctx *context() const noexcept { return ctx_; }
    explicit operator bool() const noexcept { return mega_.id != 0; }
    // glbuf_mega_destroy now (every range dies with it); empty after.
    void reset() noexcept
    {
        if (mega_.id != 0) {
            (void)glbuf_mega_destroy(ctx_, mega_); // fails only for a dead handle: nothing to do
            mega_ = glbuf_mega{};
        }
    }
    glbuf_mega release() noexcept { return std::exchange(mega_, glbuf_mega{}); }

    // Queries that cannot fail (0 / zeroed for an empty or dead megabuffer).
    std::uint32_t name() const noexcept { return glbuf_mega_gl_name(ctx_, mega_); }
    std::uint64_t storage_generation() const noexcept { return glbuf_mega_storage_generation(ctx_, mega_); }
    glbuf_mega_stats stats() const noexcept { return glbuf_mega_get_stats(ctx_, mega_); }

    Result<MegaRange> try_alloc(std::uint64_t bytes, std::uint64_t alignment = 0)
    {
        glbuf_mega_range h{};
        glbuf_result r = glbuf_mega_alloc(ctx_, mega_, bytes, alignment, &h, nullptr);
        return r == GLBUF_OK ? Result<MegaRange>(MegaRange(ctx_, mega_, h)) : Result<MegaRange>(r, "glbuf_mega_alloc");
    }
    // glbuf_mega_alloc_with: alignment, element stride and user data.
    Result<MegaRange> try_alloc_with(const glbuf_mega_alloc_desc &desc)
    {
        glbuf_mega_range h{};
        glbuf_result r = glbuf_mega_alloc_with(ctx_, mega_, &desc, &h, nullptr);
        return r == GLBUF_OK ? Result<MegaRange>(MegaRange(ctx_, mega_, h))
                             : Result<MegaRange>(r, "glbuf_mega_alloc_with");
    }
    // Allocates room for a range of T and writes it: sizeof(T) is the
    // element stride, so the offset is a multiple of it (and of the
    // megabuffer's minimum) and first<T>() is an element index for any T.
    // user_data as glbuf_mega_alloc_desc. Nothing is kept on failure.
    template <class C, detail::if_range<C> = 0>
    Result<MegaRange> try_store(const C &range, std::uint64_t user_data = 0)
    {
        auto s = detail::view(range);
        using T = typename decltype(s)::element_type;
        glbuf_mega_alloc_desc d{};
        d.size = s.size_bytes();
        d.stride = sizeof(T);
        d.user_data = user_data;
        Result<MegaRange> a = try_alloc_with(d);
        if (!a) {
            return a;
        }
        Result<void> w = a->try_write_bytes(0, s.data(), s.size_bytes());
        if (!w) {
            return Result<MegaRange>(w.code(), w.call()); // the allocation is freed here
        }
        return a;
    }
    // Overflow you can see coming (overflow.h): the largest allocation at
    // `alignment` that fits now, and what alloc(bytes, alignment) would do
    // under the desc's overflow policy (GLBUF_FIT_NOW, _WAIT, _GROW, _FULL).
    Result<std::uint64_t> try_room(std::uint64_t alignment = 0) const
    {
        std::uint64_t v = 0;
        glbuf_result r = glbuf_mega_room(ctx_, mega_, alignment, &v);
        return r == GLBUF_OK ? Result<std::uint64_t>(v) : Result<std::uint64_t>(r, "glbuf_mega_room");
    }
    Result<glbuf_fit> try_predict(std::uint64_t bytes, std::uint64_t alignment = 0) const
    {
        glbuf_fit fit = GLBUF_FIT_FULL;
        glbuf_result r = glbuf_mega_predict(ctx_, mega_, bytes, alignment, &fit);
        return r == GLBUF_OK ? Result<glbuf_fit>(fit) : Result<glbuf_fit>(r, "glbuf_mega_predict");
    }
    Result<void> try_flush() { return detail::check(glbuf_mega_flush(ctx_, mega_), "glbuf_mega_flush"); }
    Result<void> try_collect() { return detail::check(glbuf_mega_collect(ctx_, mega_), "glbuf_mega_collect"); }
    Result<void> try_wait_idle() { return detail::check(glbuf_mega_wait_idle(ctx_, mega_), "glbuf_mega_wait_idle"); }
    // Budgeted compaction; on_move(const glbuf_mega_move &) is called per move.
    template <class F>
    Result<glbuf_mega_defrag_report> try_defragment(std::uint64_t budget, F &&on_move)
    {
        glbuf_mega_defrag_report rep{};
        glbuf_result r = glbuf_mega_defragment(
            ctx_, mega_, budget,
            [](void *user, const glbuf_mega_move *m) { (*static_cast<std::remove_reference_t<F> *>(user))(*m); },
            &on_move, &rep);
        return r == GLBUF_OK ? Result<glbuf_mega_defrag_report>(rep)
                             : Result<glbuf_mega_defrag_report>(r, "glbuf_mega_defragment");
    }
    Result<glbuf_mega_defrag_report> try_defragment(std::uint64_t budget)
    {
        return try_defragment(budget, [](const glbuf_mega_move &) {});
    }
    // fn(const glbuf_mega_block &) for every block in offset order (kind,
    // offset, size, frame, the live range and its user data); return true
    // from fn to stop.
    template <class F>
    Result<void> try_for_each_block(F &&fn) const
    {
        return detail::check(glbuf_mega_for_each_block(
                                 ctx_, mega_,
                                 [](void *user, const glbuf_mega_block *b) -> int {
                                     return (*static_cast<std::remove_reference_t<F> *>(user))(*b) ? 1 : 0;
                                 },
                                 &fn),
                             "glbuf_mega_for_each_block");
    }
    Result<std::string> try_dump_json() const
    {
        std::size_t len = 0;
        glbuf_result r = glbuf_mega_dump_json(ctx_, mega_, nullptr, 0, &len);
        while (r == GLBUF_ERR_TOO_LARGE) {
            std::string s(len + 1, '\0');
            r = glbuf_mega_dump_json(ctx_, mega_, &s[0], s.size(), &len);
            if (r == GLBUF_OK) {
                s.resize(len);
                return Result<std::string>(std::move(s));
            }
        }
        return r == GLBUF_OK ? Result<std::string>(std::string()) : Result<std::string>(r, "glbuf_mega_dump_json");
    }

#if GLBUF_CPP_EXCEPTIONS
    MegaRange alloc(std::uint64_t bytes, std::uint64_t alignment = 0) { return try_alloc(bytes, alignment).value(); }
    MegaRange alloc_with(const glbuf_mega_alloc_desc &desc) { return try_alloc_with(desc).value(); }
    template <class C, detail::if_range<C> = 0>
    MegaRange store(const C &range, std::uint64_t user_data = 0)
    {
        return try_store(range, user_data).value();
    }
    std::uint64_t room(std::uint64_t alignment = 0) const { return try_room(alignment).value(); }
    glbuf_fit predict(std::uint64_t bytes, std::uint64_t alignment = 0) const
    {
        return try_predict(bytes, alignment).value();
    }
    void flush() { try_flush().value(); }
    void collect() { try_collect().value(); }
    void wait_idle() { try_wait_idle().value(); }
    template <class F>
    glbuf_mega_defrag_report defragment(std::uint64_t budget, F &&on_move)
    {
        return try_defragment(budget, std::forward<F>(on_move)).value();
    }
    glbuf_mega_defrag_report defragment(std::uint64_t budget) { return try_defragment(budget).value(); }
    template <class F>
    void for_each_block(F &&fn) const
    {
        try_for_each_block(std::forward<F>(fn)).value();
    }
    std::string dump_json() const { return try_dump_json().value(); }
#endif

private:
    Mega(glbuf_ctx *ctx, glbuf_mega mega) noexcept : ctx_(ctx), mega_(mega) {}
    glbuf_ctx *ctx_ = nullptr;
    glbuf_mega mega_{};
};

} // namespace glbuf

#endif // GLBUF_CPP_MEGA_HPP
