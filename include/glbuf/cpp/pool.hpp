// pool.hpp - glbuf::Pool, the owner of a tiered pool (pool.h), and
// glbuf::PooledBuffer, a buffer acquired from it that goes back to the pool
// (glbuf_pool_release) when it dies:
//
//     glbuf::Pool pool(ctx, desc);
//     glbuf::PooledBuffer b = pool.acquire(bytes);   // a BufferRef: every buffer call
//     b.sub_data(0, vertices);
//
// A PooledBuffer may outlive its Pool: the pool's destroy turns the buffers
// still acquired into plain buffers (pool.h), and the PooledBuffer then
// destroys its buffer instead. Every call is the C call of the same name;
// try_X returns a Result, X throws glbuf::Error.
#ifndef GLBUF_CPP_POOL_HPP
#define GLBUF_CPP_POOL_HPP

#include <cstdint>
#include <utility>

#include "../pool.h"
#include "buffer.hpp"
#include "error.hpp"

namespace glbuf {

class PooledBuffer : public BufferRef {
public:
    PooledBuffer() noexcept = default;
    static PooledBuffer adopt(glbuf_ctx *ctx, glbuf_pool pool, glbuf_buffer buf) noexcept
    {
        return PooledBuffer(ctx, pool, buf);
    }
    ~PooledBuffer() { reset(); }
    PooledBuffer(PooledBuffer &&o) noexcept
        : BufferRef(o.ctx_, std::exchange(o.buf_, glbuf_buffer{})), pool_(o.pool_)
    {
    }
    PooledBuffer &operator=(PooledBuffer &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            pool_ = o.pool_;
            buf_ = std::exchange(o.buf_, glbuf_buffer{});
        }
        return *this;
    }
    PooledBuffer(const PooledBuffer &) = delete;
    PooledBuffer &operator=(const PooledBuffer &) = delete;

    glbuf_pool pool() const noexcept { return pool_; }

    // Back to the pool now (reusable after this frame's fence); empty after.
    // A mapped buffer is unmapped first; if the pool is gone, the buffer is
    // destroyed instead.
    void reset() noexcept
    {
        if (buf_.id != 0) {
            glbuf_result r = glbuf_pool_release(ctx_, pool_, buf_);
            if (r == GLBUF_ERR_ALREADY_MAPPED) {
                (void)glbuf_buffer_unmap(ctx_, buf_);
                r = glbuf_pool_release(ctx_, pool_, buf_);
            }
            if (r == GLBUF_ERR_INVALID_HANDLE) {
                (void)glbuf_buffer_destroy(ctx_, buf_); // the pool died: a plain buffer now
            }
            buf_ = glbuf_buffer{};
        }
    }
    // Releases with the result (GLBUF_ERR_ALREADY_MAPPED: unmap first; the
    // buffer stays acquired then).
    Result<void> try_release_to_pool()
    {
        glbuf_result r = glbuf_pool_release(ctx_, pool_, buf_);
        if (r == GLBUF_OK) {
            buf_ = glbuf_buffer{};
        }
        return detail::check(r, "glbuf_pool_release");
    }

private:
    friend class Pool;
    PooledBuffer(glbuf_ctx *ctx, glbuf_pool pool, glbuf_buffer buf) noexcept : BufferRef(ctx, buf), pool_(pool) {}
    glbuf_pool pool_{};
};

class Pool {
public:
    Pool() noexcept = default;
    static Result<Pool> try_create(glbuf_ctx *ctx, const glbuf_pool_desc &desc)
    {
        glbuf_pool p{};
        glbuf_result r = glbuf_pool_create(ctx, &desc, &p);
        return r == GLBUF_OK ? Result<Pool>(Pool(ctx, p)) : Result<Pool>(r, "glbuf_pool_create");
    }
#if GLBUF_CPP_EXCEPTIONS
    Pool(glbuf_ctx *ctx, const glbuf_pool_desc &desc) : Pool(try_create(ctx, desc).value()) {}
#endif
    static Pool adopt(glbuf_ctx *ctx, glbuf_pool pool) noexcept { return Pool(ctx, pool); }
    ~Pool() { reset(); }
    Pool(Pool &&o) noexcept : ctx_(o.ctx_), pool_(std::exchange(o.pool_, glbuf_pool{})) {}
    Pool &operator=(Pool &&o) noexcept
    {
        if (this != &o) {
            reset();
            ctx_ = o.ctx_;
            pool_ = std::exchange(o.pool_, glbuf_pool{});
        }
        return *this;
    }
    Pool(const Pool &) = delete;
    Pool &operator=(const Pool &) = delete;

    glbuf_pool handle() const noexcept { return pool_; }
    glbuf_ctx *context() const noexcept { return ctx_; }
    explicit operator bool() const noexcept { return pool_.id != 0; }
    void reset() noexcept
    {
        if (pool_.id != 0) {
            (void)glbuf_pool_destroy(ctx_, pool_); // fails only for a dead handle: nothing to do
            pool_ = glbuf_pool{};
        }
    }
    glbuf_pool release() noexcept { return std::exchange(pool_, glbuf_pool{}); }

    glbuf_pool_stats stats() const noexcept { return glbuf_pool_get_stats(ctx_, pool_); }

    Result<PooledBuffer> try_acquire(std::uint64_t bytes)
    {
        glbuf_buffer b{};
        glbuf_result r = glbuf_pool_acquire(ctx_, pool_, bytes, &b);
        return r == GLBUF_OK ? Result<PooledBuffer>(PooledBuffer(ctx_, pool_, b))
                             : Result<PooledBuffer>(r, "glbuf_pool_acquire");
    }
    Result<void> try_trim(std::uint64_t idle_frames)
    {
        return detail::check(glbuf_pool_trim(ctx_, pool_, idle_frames), "glbuf_pool_trim");
    }
#if GLBUF_CPP_EXCEPTIONS
    PooledBuffer acquire(std::uint64_t bytes) { return try_acquire(bytes).value(); }
    void trim(std::uint64_t idle_frames) { try_trim(idle_frames).value(); }
#endif

private:
    Pool(glbuf_ctx *ctx, glbuf_pool pool) noexcept : ctx_(ctx), pool_(pool) {}
    glbuf_ctx *ctx_ = nullptr;
    glbuf_pool pool_{};
};

} // namespace glbuf

#endif // GLBUF_CPP_POOL_HPP
