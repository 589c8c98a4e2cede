// readback.hpp - glbuf::Readback, the owner of a readback object
// (readback.h), and glbuf::ReadbackRequest, one request that is released
// when it dies:
//
//     glbuf::Readback rb(ctx, desc);
//     glbuf::ReadbackRequest req = rb.copy(buffer, 0, bytes);   // returns at once
//     ... frames later
//     if (auto data = req.poll<Particle>(); !data.empty()) use(data);   // never blocks
//
// Not ready is not an error: poll (and a wait that times out) gives an empty
// span in both spellings; only real failures throw / fail. A
// ReadbackRequest may outlive its Readback (its release then finds the
// handle dead and does nothing), not its Context. Every call is the C call of
// the same name; try_X returns a Result, X throws glbuf::Error.
#ifndef GLBUF_CPP_READBACK_HPP
#define GLBUF_CPP_READBACK_HPP

#include <cstddef>
#include <cstdint>
#include <utility>

#include "../readback.h"
#include "buffer.hpp"
#include "error.hpp"
#include "span.hpp"

namespace glbuf {

class ReadbackRequest {
public:
    ReadbackRequest() noexcept = default;
    ~ReadbackRequest() { reset(); }
    ReadbackRequest(ReadbackRequest &&o) noexcept
        : ctx_(o.ctx_), rb_(o.rb_), req_(std::exchange(o.req_, glbuf_readback_request{})), size_(o.size_)
    {
    }
    ReadbackRequest &operator=(ReadbackRequest &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            rb_ = o.rb_;
            size_ = o.size_;
            req_ = std::exchange(o.req_, glbuf_readback_request{});
        }
        return *this;
    }
    ReadbackRequest(const ReadbackRequest &) = delete;
    ReadbackRequest &operator=(const ReadbackRequest &) = delete;

    glbuf_readback_request handle() const noexcept { return req_; }
    explicit operator bool() const noexcept { return req_.id != 0; }
    // Bytes requested.
    std::uint64_t size() const noexcept { return size_; }
    // glbuf_readback_release now: the data dies; empty after.
    void reset() noexcept
    {
        if (req_.id != 0) {
            (void)glbuf_readback_release(ctx_, rb_, req_); // fails only for a dead handle: nothing to do
            req_ = glbuf_readback_request{};
        }
    }

    // The request's bytes as elements of T once the GPU copy is done, an
    // empty span while it is not (never blocks). The span lives until
    // reset() or the request dies.
    template <class T = unsigned char>
    Result<Span<const T>> try_poll()
    {
        const void *p = nullptr;
        glbuf_result r = glbuf_readback_poll(ctx_, rb_, req_, &p); // before reading p
        return ready<T>(r, p, "glbuf_readback_poll");
    }
    // As try_poll, blocking up to timeout_ns (UINT64_MAX: no limit); an
    // empty span when it timed out.
    template <class T = unsigned char>
    Result<Span<const T>> try_wait(std::uint64_t timeout_ns = UINT64_MAX)
    {
        const void *p = nullptr;
        glbuf_result r = glbuf_readback_wait(ctx_, rb_, req_, timeout_ns, &p); // before reading p
        return ready<T>(r, p, "glbuf_readback_wait");
    }
#if GLBUF_CPP_EXCEPTIONS
    template <class T = unsigned char>
    Span<const T> poll()
    {
        return try_poll<T>().value();
    }
    template <class T = unsigned char>
    Span<const T> wait(std::uint64_t timeout_ns = UINT64_MAX)
    {
        return try_wait<T>(timeout_ns).value();
    }
#endif

private:
    friend class Readback;
    ReadbackRequest(glbuf_ctx *ctx, glbuf_readback rb, glbuf_readback_request req, std::uint64_t size) noexcept
        : ctx_(ctx), rb_(rb), req_(req), size_(size)
    {
    }
    template <class T>
    Result<Span<const T>> ready(glbuf_result r, const void *p, const char *call) const
    {
        if (r == GLBUF_ERR_TIMEOUT) {
            return Result<Span<const T>>(Span<const T>());
        }
        if (r != GLBUF_OK) {
            return Result<Span<const T>>(r, call);
        }
        return Result<Span<const T>>(Span<const T>(static_cast<const T *>(p), static_cast<std::size_t>(size_ / sizeof(T))));
    }
    glbuf_ctx *ctx_ = nullptr;
    glbuf_readback rb_{};
    glbuf_readback_request req_{};
    std::uint64_t size_ = 0;
};

class Readback {
public:
    Readback() noexcept = default;
    static Result<Readback> try_create(glbuf_ctx *ctx, const glbuf_readback_desc &desc)
    {
        glbuf_readback rb{};
        glbuf_result r = glbuf_readback_create(ctx, &desc, &rb);
        return r == GLBUF_OK ? Result<Readback>(Readback(ctx, rb)) : Result<Readback>(r, "glbuf_readback_create");
    }
#if GLBUF_CPP_EXCEPTIONS
    Readback(glbuf_ctx *ctx, const glbuf_readback_desc &desc) : Readback(try_create(ctx, desc).value()) {}
#endif
    static Readback adopt(glbuf_ctx *ctx, glbuf_readback rb) noexcept { return Readback(ctx, rb); }
    ~Readback() { reset(); }
    Readback(Readback &&o) noexcept : ctx_(o.ctx_), rb_(std::exchange(o.rb_, glbuf_readback{})) {}
    Readback &operator=(Readback &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            rb_ = std::exchange(o.rb_, glbuf_readback{});
        }
        return *this;
    }
    Readback(const Readback &) = delete;
    Readback &operator=(const Readback &) = delete;

    glbuf_readback handle() const noexcept { return rb_; }
    explicit operator bool() const noexcept { return rb_.id != 0; }
    void reset() noexcept
    {
        if (rb_.id != 0) {
            (void)glbuf_readback_destroy(ctx_, rb_); // fails only for a dead handle: nothing to do
            rb_ = glbuf_readback{};
        }
    }
    glbuf_readback release() noexcept { return std::exchange(rb_, glbuf_readback{}); }
    glbuf_readback_stats stats() const noexcept { return glbuf_readback_get_stats(ctx_, rb_); }

    // Requests `bytes` at byte `offset` of GL buffer `src_name` (any buffer:
    // a BufferRef's name(), a Mega's name() with a range's offset ...).
    Result<ReadbackRequest> try_copy(std::uint32_t src_name, std::uint64_t offset, std::uint64_t bytes)
    {
        glbuf_readback_request q{};
        glbuf_result r = glbuf_readback_copy(ctx_, rb_, src_name, offset, bytes, &q);
        return r == GLBUF_OK ? Result<ReadbackRequest>(ReadbackRequest(ctx_, rb_, q, bytes))
                             : Result<ReadbackRequest>(r, "glbuf_readback_copy");
    }
    Result<ReadbackRequest> try_copy(const BufferRef &src, std::uint64_t offset, std::uint64_t bytes)
    {
        return try_copy(src.name(), offset, bytes);
    }
#if GLBUF_CPP_EXCEPTIONS
    ReadbackRequest copy(std::uint32_t src_name, std::uint64_t offset, std::uint64_t bytes)
    {
        return try_copy(src_name, offset, bytes).value();
    }
    ReadbackRequest copy(const BufferRef &src, std::uint64_t offset, std::uint64_t bytes)
    {
        return try_copy(src, offset, bytes).value();
    }
#endif

private:
    Readback(glbuf_ctx *ctx, glbuf_readback rb) noexcept : ctx_(ctx), rb_(rb) {}
    glbuf_ctx *ctx_ = nullptr;
    glbuf_readback rb_{};
};

} // namespace glbuf

#endif // GLBUF_CPP_READBACK_HPP
