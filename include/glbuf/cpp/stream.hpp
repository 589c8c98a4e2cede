// stream.hpp - glbuf::Stream, the owner of a per-frame streaming ring
// (stream.h), with typed allocations:
//
//     glbuf::Stream stream(ctx, desc);
//     auto slice = stream.push(particles);        // alloc + copy this frame's data
//     stream.flush();                             // before the draws that read it
//     glBindVertexBuffer(0, slice.name, slice.offset, sizeof(Particle));
//
// Stream allocations need no freeing: each frame's region is retired by the
// frame fence (glbuf_ctx_end_frame). A slice's pointer is write-only and
// valid until the frame ends. Every call is the C call of the same name
// (stream.h); try_X returns a Result, X throws glbuf::Error.
#ifndef GLBUF_CPP_STREAM_HPP
#define GLBUF_CPP_STREAM_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "../stream.h"
#include "error.hpp"
#include "span.hpp"

namespace glbuf {

// `count` elements of T handed out by a stream for this frame: write them at
// `data` (write only), read them in GL from buffer `name` at byte `offset`.
template <class T>
struct StreamSlice {
    T *data;
    std::size_t count;
    std::uint64_t offset; // bytes from the start of GL buffer `name`
    std::uint32_t name;   // changes when the ring grows: always use the slice's
    std::uint64_t size_bytes() const noexcept { return static_cast<std::uint64_t>(count) * sizeof(T); }
};

class Stream {
public:
    Stream() noexcept = default;
    static Result<Stream> try_create(glbuf_ctx *ctx, const glbuf_stream_desc &desc)
    {
        glbuf_stream s{};
        glbuf_result r = glbuf_stream_create(ctx, &desc, &s);
        return r == GLBUF_OK ? Result<Stream>(Stream(ctx, s)) : Result<Stream>(r, "glbuf_stream_create");
    }
#if GLBUF_CPP_EXCEPTIONS
    Stream(glbuf_ctx *ctx, const glbuf_stream_desc &desc) : Stream(try_create(ctx, desc).value()) {}
#endif
    static Stream adopt(glbuf_ctx *ctx, glbuf_stream stream) noexcept { return Stream(ctx, stream); }
    ~Stream() { reset(); }
    Stream(Stream &&o) noexcept : ctx_(o.ctx_), stream_(std::exchange(o.stream_, glbuf_stream{})) {}
    Stream &operator=(Stream &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            stream_ = std::exchange(o.stream_, glbuf_stream{});
        }
        return *this;
    }
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;

    glbuf_stream handle() const noexcept { return stream_; }
    glbuf_ctx *context() const noexcept { return ctx_; }
    explicit operator bool() const noexcept { return stream_.id != 0; }
    void reset() noexcept
    {
        if (stream_.id != 0) {
            (void)glbuf_stream_destroy(ctx_, stream_); // fails only for a dead handle: nothing to do
            stream_ = glbuf_stream{};
        }
    }
    glbuf_stream release() noexcept { return std::exchange(stream_, glbuf_stream{}); }

    glbuf_stream_stats stats() const noexcept { return glbuf_stream_get_stats(ctx_, stream_); }

    // Room for `count` elements of T at an offset that is a multiple of
    // `align` bytes (any positive value: pass the context's
    // uniform_offset_alignment for uniform blocks). 0 (default): the least
    // common multiple of 16 and sizeof(T), so that offset / sizeof(T) is the
    // exact first vertex of a draw for any vertex size (12, 24, 56 ...).
    template <class T>
    Result<StreamSlice<T>> try_alloc(std::size_t count, std::uint64_t align = 0)
    {
        if (align == 0) {
            align = vertex_alignment(sizeof(T));
        }
        glbuf_stream_allocation a{};
        std::uint64_t bytes = static_cast<std::uint64_t>(count) * sizeof(T);
        if (count != 0 && bytes / count != sizeof(T)) {
            return Result<StreamSlice<T>>(GLBUF_ERR_OVERFLOW, "glbuf_stream_alloc");
        }
        glbuf_result r = glbuf_stream_alloc(ctx_, stream_, bytes, align, &a);
        if (r != GLBUF_OK) {
            return Result<StreamSlice<T>>(r, "glbuf_stream_alloc");
        }
        return Result<StreamSlice<T>>(StreamSlice<T>{static_cast<T *>(a.ptr), count, a.offset, a.name});
    }
    // Allocates and copies a range of elements: the data of this frame.
    template <class C, detail::if_range<C> = 0>
    Result<StreamSlice<detail::element_of<C>>> try_push(const C &range, std::uint64_t align = 0)
    {
        auto s = detail::view(range);
        using T = detail::element_of<C>;
        Result<StreamSlice<T>> a = try_alloc<T>(s.size(), align);
        if (a) {
            std::memcpy(static_cast<void *>(a->data), s.data(), static_cast<std::size_t>(s.size_bytes()));
        }
        return a;
    }
    Result<void> try_flush() { return detail::check(glbuf_stream_flush(ctx_, stream_), "glbuf_stream_flush"); }
    // Overflow you can see coming (overflow.h): the largest allocation in
    // bytes at `align` that fits now, and what an allocation of `bytes`
    // would do under the desc's overflow policy (GLBUF_FIT_NOW, _WAIT,
    // _GROW, _FULL).
    Result<std::uint64_t> try_room(std::uint64_t align = 16) const
    {
        std::uint64_t v = 0;
        glbuf_result r = glbuf_stream_room(ctx_, stream_, align, &v);
        return r == GLBUF_OK ? Result<std::uint64_t>(v) : Result<std::uint64_t>(r, "glbuf_stream_room");
    }
    Result<glbuf_fit> try_predict(std::uint64_t bytes, std::uint64_t align = 16) const
    {
        glbuf_fit fit = GLBUF_FIT_FULL;
        glbuf_result r = glbuf_stream_predict(ctx_, stream_, bytes, align, &fit);
        return r == GLBUF_OK ? Result<glbuf_fit>(fit) : Result<glbuf_fit>(r, "glbuf_stream_predict");
    }

#if GLBUF_CPP_EXCEPTIONS
    template <class T>
    StreamSlice<T> alloc(std::size_t count, std::uint64_t align = 0)
    {
        return try_alloc<T>(count, align).value();
    }
    template <class C, detail::if_range<C> = 0>
    StreamSlice<detail::element_of<C>> push(const C &range, std::uint64_t align = 0)
    {
        return try_push(range, align).value();
    }
    void flush() { try_flush().value(); }
    std::uint64_t room(std::uint64_t align = 16) const { return try_room(align).value(); }
    glbuf_fit predict(std::uint64_t bytes, std::uint64_t align = 16) const { return try_predict(bytes, align).value(); }
#endif

private:
    // lcm(16, size): 16 divided by its largest power-of-two factor that is
    // also in size, times size.
    static std::uint64_t vertex_alignment(std::size_t size) noexcept
    {
        std::uint64_t s = static_cast<std::uint64_t>(size), g = 16;
        while (s % g != 0) {
            g /= 2;
        }
        return 16 / g * s;
    }
    Stream(glbuf_ctx *ctx, glbuf_stream stream) noexcept : ctx_(ctx), stream_(stream) {}
    glbuf_ctx *ctx_ = nullptr;
    glbuf_stream stream_{};
};

} // namespace glbuf

#endif // GLBUF_CPP_STREAM_HPP
