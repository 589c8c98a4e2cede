// buffer.hpp - glbuf::Buffer, the owner of a glbuf_buffer (buffer.h), with
// typed writes and appends and Cinder's one-line creation:
//
//     std::vector<Vertex> verts = ...;
//     auto vbo = glbuf::Buffer::create(ctx, GL_ARRAY_BUFFER, verts, GL_STATIC_DRAW);
//     vbo.append(more_verts);            // grows by the buffer's policy, keeps contents
//     glBindBuffer(GL_ARRAY_BUFFER, vbo.name());
//
// Targets and usages are glbuf's enums (GLBUF_TARGET_ARRAY,
// GLBUF_USAGE_STATIC_DRAW) or the GL enum values (GL_ARRAY_BUFFER,
// GL_STATIC_DRAW) as Cinder takes them; a GL value glbuf does not know
// makes creation fail with GLBUF_ERR_INVALID_ARGUMENT.
//
// Offsets and sizes are in bytes, as in the C API and in Cinder; typed calls
// take contiguous ranges of trivially copyable elements (span.hpp). Every
// call is the C call of the same name (buffer.h says what it does, which GL
// calls it makes and exactly when it fails); try_X returns a Result, X
// throws glbuf::Error (error.hpp).
//
// BufferRef is the operations without ownership (a Buffer, a PooledBuffer,
// or a handle made with the C API); Buffer owns and destroys.
#ifndef GLBUF_CPP_BUFFER_HPP
#define GLBUF_CPP_BUFFER_HPP

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "../buffer.h"
#include "error.hpp"
#include "span.hpp"

namespace glbuf {

// A binding target: a glbuf_target, or a GL enum value (GL_ARRAY_BUFFER ...).
class Target {
public:
    Target(glbuf_target target) noexcept : value_(target) {}
    Target(std::uint32_t gl_enum) noexcept : value_(GLBUF_TARGET_COUNT)
    {
        for (int t = 0; t < GLBUF_TARGET_COUNT; t++) {
            if (glbuf_target_gl_enum(static_cast<glbuf_target>(t)) == gl_enum) {
                value_ = static_cast<glbuf_target>(t);
            }
        }
    }
    // GLBUF_TARGET_COUNT for a GL value glbuf does not know.
    glbuf_target value() const noexcept { return value_; }

private:
    glbuf_target value_;
};

// A usage hint: a glbuf_usage, or a GL enum value (GL_STATIC_DRAW ...).
class Usage {
public:
    Usage(glbuf_usage usage) noexcept : value_(usage) {}
    Usage(std::uint32_t gl_enum) noexcept : value_(GLBUF_USAGE_COUNT)
    {
        // GL_{STREAM,STATIC,DYNAMIC}_{DRAW,READ,COPY}: 0x88E0 + 4 * frequency + nature.
        static const glbuf_usage by_frequency[3][3] = {
            {GLBUF_USAGE_STREAM_DRAW, GLBUF_USAGE_STREAM_READ, GLBUF_USAGE_STREAM_COPY},
            {GLBUF_USAGE_STATIC_DRAW, GLBUF_USAGE_STATIC_READ, GLBUF_USAGE_STATIC_COPY},
            {GLBUF_USAGE_DYNAMIC_DRAW, GLBUF_USAGE_DYNAMIC_READ, GLBUF_USAGE_DYNAMIC_COPY}};
        if (gl_enum >= 0x88E0u && gl_enum <= 0x88EAu && (gl_enum - 0x88E0u) % 4u < 3u) {
            value_ = by_frequency[(gl_enum - 0x88E0u) / 4u][(gl_enum - 0x88E0u) % 4u];
        }
    }
    // GLBUF_USAGE_COUNT for a GL value glbuf does not know.
    glbuf_usage value() const noexcept { return value_; }

private:
    glbuf_usage value_;
};

class BufferRef {
public:
    BufferRef() noexcept = default;
    BufferRef(glbuf_ctx *ctx, glbuf_buffer buf) noexcept : ctx_(ctx), buf_(buf) {}

    glbuf_buffer handle() const noexcept { return buf_; }
    glbuf_ctx *context() const noexcept { return ctx_; }
    explicit operator bool() const noexcept { return buf_.id != 0; }

    // Queries that cannot fail: 0 for an empty or dead buffer.
    std::uint32_t name() const noexcept { return glbuf_buffer_name(ctx_, buf_); }
    std::uint64_t size() const noexcept { return glbuf_buffer_size(ctx_, buf_); }
    std::uint64_t capacity() const noexcept { return glbuf_buffer_capacity(ctx_, buf_); }
    // Elements of T that fit in the size (a draw's vertex count).
    template <class T>
    std::uint64_t count() const noexcept
    {
        return size() / sizeof(T);
    }

    Result<glbuf_buffer_info> try_info() const
    {
        glbuf_buffer_info info{};
        glbuf_result r = glbuf_buffer_get_info(ctx_, buf_, &info);
        return r == GLBUF_OK ? Result<glbuf_buffer_info>(info) : Result<glbuf_buffer_info>(r, "glbuf_buffer_get_info");
    }

    // ---- writes -----------------------------------------------------------
    Result<void> try_data_bytes(std::uint64_t bytes, const void *data, Usage usage)
    {
        return detail::check(glbuf_buffer_data(ctx_, buf_, bytes, data, usage.value()), "glbuf_buffer_data");
    }
    template <class C, detail::if_range<C> = 0>
    Result<void> try_data(const C &range, Usage usage)
    {
        auto s = detail::view(range);
        return try_data_bytes(s.size_bytes(), s.data(), usage);
    }
    Result<void> try_sub_data_bytes(std::uint64_t offset, const void *data, std::uint64_t bytes)
    {
        return detail::check(glbuf_buffer_sub_data(ctx_, buf_, offset, bytes, data), "glbuf_buffer_sub_data");
    }
    template <class C, detail::if_range<C> = 0>
    Result<void> try_sub_data(std::uint64_t offset, const C &range)
    {
        auto s = detail::view(range);
        return try_sub_data_bytes(offset, s.data(), s.size_bytes());
    }
    Result<void> try_copy_data_bytes(const void *data, std::uint64_t bytes)
    {
        return detail::check(glbuf_buffer_copy_data(ctx_, buf_, bytes, data), "glbuf_buffer_copy_data");
    }
    template <class C, detail::if_range<C> = 0>
    Result<void> try_copy_data(const C &range)
    {
        auto s = detail::view(range);
        return try_copy_data_bytes(s.data(), s.size_bytes());
    }
    Result<void> try_append_bytes(const void *data, std::uint64_t bytes)
    {
        return detail::check(glbuf_buffer_append(ctx_, buf_, data, bytes), "glbuf_buffer_append");
    }
    // Appends a range of elements (a vector of points, a Span ...).
    template <class C, detail::if_range<C> = 0>
    Result<void> try_append(const C &range)
    {
        auto s = detail::view(range);
        return try_append_bytes(s.data(), s.size_bytes());
    }
    template <class T>
    Result<void> try_append(const T *data, std::size_t count)
    {
        return try_append(Span<const T>(data, count));
    }
    // Appends one element (a struct, a float).
    template <class T>
    Result<void> try_append_value(const T &value)
    {
        return try_append(detail::one(value));
    }
    Result<void> try_flush_appends()
    {
        return detail::check(glbuf_buffer_flush_appends(ctx_, buf_), "glbuf_buffer_flush_appends");
    }

    // ---- reads ------------------------------------------------------------
    Result<void> try_get_sub_data_bytes(std::uint64_t offset, void *out, std::uint64_t bytes) const
    {
        return detail::check(glbuf_buffer_get_sub_data(ctx_, buf_, offset, bytes, out), "glbuf_buffer_get_sub_data");
    }
    template <class T>
    Result<void> try_get_sub_data(std::uint64_t offset, Span<T> out) const
    {
        static_assert(std::is_trivially_copyable<T>::value, "glbuf: elements must be trivially copyable");
        return try_get_sub_data_bytes(offset, out.data(), out.size_bytes());
    }
    // `count` elements of T from byte `offset` (a synchronous GL read).
    template <class T>
    Result<std::vector<T>> try_read(std::uint64_t offset, std::size_t count) const
    {
        std::vector<T> out(count);
        Result<void> r = try_get_sub_data(offset, Span<T>(out.data(), out.size()));
        return r ? Result<std::vector<T>>(std::move(out)) : Result<std::vector<T>>(r.code(), r.call());
    }

    // ---- size and storage --------------------------------------------------
    Result<void> try_ensure_min_size(std::uint64_t bytes)
    {
        return detail::check(glbuf_buffer_ensure_min_size(ctx_, buf_, bytes), "glbuf_buffer_ensure_min_size");
    }
    Result<void> try_reserve(std::uint64_t bytes)
    {
        return detail::check(glbuf_buffer_reserve(ctx_, buf_, bytes), "glbuf_buffer_reserve");
    }
    Result<void> try_resize(std::uint64_t bytes)
    {
        return detail::check(glbuf_buffer_resize(ctx_, buf_, bytes), "glbuf_buffer_resize");
    }
    Result<void> try_orphan() { return detail::check(glbuf_buffer_orphan(ctx_, buf_), "glbuf_buffer_orphan"); }
    Result<void> try_set_label(const char *label)
    {
        return detail::check(glbuf_buffer_set_label(ctx_, buf_, label), "glbuf_buffer_set_label");
    }

    // ---- mapping ----------------------------------------------------------
    Result<void *> try_map_range(std::uint64_t offset, std::uint64_t length, std::uint32_t access)
    {
        void *p = nullptr;
        glbuf_result r = glbuf_buffer_map_range(ctx_, buf_, offset, length, access, &p);
        return r == GLBUF_OK ? Result<void *>(p) : Result<void *>(r, "glbuf_buffer_map_range");
    }
    Result<void *> try_map(std::uint32_t access)
    {
        void *p = nullptr;
        glbuf_result r = glbuf_buffer_map(ctx_, buf_, access, &p);
        return r == GLBUF_OK ? Result<void *>(p) : Result<void *>(r, "glbuf_buffer_map");
    }
    Result<void *> try_map_replace()
    {
        void *p = nullptr;
        glbuf_result r = glbuf_buffer_map_replace(ctx_, buf_, &p);
        return r == GLBUF_OK ? Result<void *>(p) : Result<void *>(r, "glbuf_buffer_map_replace");
    }
    Result<void> try_flush_range(std::uint64_t offset, std::uint64_t length)
    {
        return detail::check(glbuf_buffer_flush_range(ctx_, buf_, offset, length), "glbuf_buffer_flush_range");
    }
    Result<void> try_unmap() { return detail::check(glbuf_buffer_unmap(ctx_, buf_), "glbuf_buffer_unmap"); }

#if GLBUF_CPP_EXCEPTIONS
    glbuf_buffer_info info() const { return try_info().value(); }
    void data_bytes(std::uint64_t bytes, const void *data, Usage usage) { try_data_bytes(bytes, data, usage).value(); }
    template <class C, detail::if_range<C> = 0>
    void data(const C &range, Usage usage)
    {
        try_data(range, usage).value();
    }
    void sub_data_bytes(std::uint64_t offset, const void *data, std::uint64_t bytes)
    {
        try_sub_data_bytes(offset, data, bytes).value();
    }
    template <class C, detail::if_range<C> = 0>
    void sub_data(std::uint64_t offset, const C &range)
    {
        try_sub_data(offset, range).value();
    }
    void copy_data_bytes(const void *data, std::uint64_t bytes) { try_copy_data_bytes(data, bytes).value(); }
    template <class C, detail::if_range<C> = 0>
    void copy_data(const C &range)
    {
        try_copy_data(range).value();
    }
    void append_bytes(const void *data, std::uint64_t bytes) { try_append_bytes(data, bytes).value(); }
    template <class C, detail::if_range<C> = 0>
    void append(const C &range)
    {
        try_append(range).value();
    }
    template <class T>
    void append(const T *data, std::size_t count)
    {
        try_append(data, count).value();
    }
    template <class T>
    void append_value(const T &value)
    {
        try_append_value(value).value();
    }
    void flush_appends() { try_flush_appends().value(); }
    void get_sub_data_bytes(std::uint64_t offset, void *out, std::uint64_t bytes) const
    {
        try_get_sub_data_bytes(offset, out, bytes).value();
    }
    template <class T>
    void get_sub_data(std::uint64_t offset, Span<T> out) const
    {
        try_get_sub_data(offset, out).value();
    }
    template <class T>
    std::vector<T> read(std::uint64_t offset, std::size_t count) const
    {
        return try_read<T>(offset, count).value();
    }
    void ensure_min_size(std::uint64_t bytes) { try_ensure_min_size(bytes).value(); }
    void reserve(std::uint64_t bytes) { try_reserve(bytes).value(); }
    void resize(std::uint64_t bytes) { try_resize(bytes).value(); }
    void orphan() { try_orphan().value(); }
    void set_label(const char *label) { try_set_label(label).value(); }
    void *map_range(std::uint64_t offset, std::uint64_t length, std::uint32_t access)
    {
        return try_map_range(offset, length, access).value();
    }
    void *map(std::uint32_t access) { return try_map(access).value(); }
    void *map_replace() { return try_map_replace().value(); }
    void flush_range(std::uint64_t offset, std::uint64_t length) { try_flush_range(offset, length).value(); }
    void unmap() { try_unmap().value(); }
#endif

protected:
    glbuf_ctx *ctx_ = nullptr;
    glbuf_buffer buf_{};
};

// Owns a glbuf_buffer: glbuf_buffer_destroy in the destructor.
class Buffer : public BufferRef {
public:
    Buffer() noexcept = default;

    static Result<Buffer> try_create(glbuf_ctx *ctx, const glbuf_buffer_desc &desc)
    {
        glbuf_buffer b{};
        glbuf_result r = glbuf_buffer_create(ctx, &desc, &b);
        return r == GLBUF_OK ? Result<Buffer>(Buffer(ctx, b)) : Result<Buffer>(r, "glbuf_buffer_create");
    }
    // Cinder's Vbo::create(target, vector, usage): a buffer of exactly the
    // range's bytes, holding them (an empty range gives an empty buffer).
    template <class C, detail::if_range<C> = 0>
    static Result<Buffer> try_create(glbuf_ctx *ctx, Target target, const C &range,
                                     Usage usage = GLBUF_USAGE_STATIC_DRAW)
    {
        auto s = detail::view(range);
        glbuf_buffer_desc d{};
        d.target = target.value();
        d.usage = usage.value();
        d.size = s.size_bytes();
        d.data = s.size_bytes() ? s.data() : nullptr;
        return try_create(ctx, d);
    }
    // Cinder's Vbo::create(target, allocationSize, nullptr, usage): `bytes`
    // of undefined contents.
    static Result<Buffer> try_create(glbuf_ctx *ctx, Target target, std::uint64_t bytes,
                                     Usage usage = GLBUF_USAGE_STATIC_DRAW)
    {
        glbuf_buffer_desc d{};
        d.target = target.value();
        d.usage = usage.value();
        d.size = bytes;
        return try_create(ctx, d);
    }
#if GLBUF_CPP_EXCEPTIONS
    Buffer(glbuf_ctx *ctx, const glbuf_buffer_desc &desc) : Buffer(try_create(ctx, desc).value()) {}
    static Buffer create(glbuf_ctx *ctx, const glbuf_buffer_desc &desc) { return try_create(ctx, desc).value(); }
    template <class C, detail::if_range<C> = 0>
    static Buffer create(glbuf_ctx *ctx, Target target, const C &range, Usage usage = GLBUF_USAGE_STATIC_DRAW)
    {
        return try_create(ctx, target, range, usage).value();
    }
    static Buffer create(glbuf_ctx *ctx, Target target, std::uint64_t bytes, Usage usage = GLBUF_USAGE_STATIC_DRAW)
    {
        return try_create(ctx, target, bytes, usage).value();
    }
#endif
    // Takes ownership of a handle made with the C API.
    static Buffer adopt(glbuf_ctx *ctx, glbuf_buffer buf) noexcept { return Buffer(ctx, buf); }

    ~Buffer() { reset(); }
    Buffer(Buffer &&other) noexcept : BufferRef(other.ctx_, std::exchange(other.buf_, glbuf_buffer{})) {}
    Buffer &operator=(Buffer &&other) noexcept
    {
        if (this != &other) {
            reset();
            ctx_ = other.ctx_;
            buf_ = std::exchange(other.buf_, glbuf_buffer{});
        }
        return *this;
    }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;

    // glbuf_buffer_destroy now; the Buffer is empty after.
    void reset() noexcept
    {
        if (buf_.id != 0) {
            (void)glbuf_buffer_destroy(ctx_, buf_); // fails only for a dead handle: nothing to do
            buf_ = glbuf_buffer{};
        }
    }
    // Gives up ownership of the handle.
    glbuf_buffer release() noexcept { return std::exchange(buf_, glbuf_buffer{}); }

private:
    Buffer(glbuf_ctx *ctx, glbuf_buffer buf) noexcept : BufferRef(ctx, buf) {}
};

} // namespace glbuf

#endif // GLBUF_CPP_BUFFER_HPP
