// ranges.hpp - glbuf::Ranges, the owner of a GL-free range allocator
// (ranges.h), and glbuf::RangeAlloc, one allocation freed when it dies.
// A RangeAlloc must not outlive its Ranges (the allocator's memory goes with
// it). Every call is the C call of the same name; try_X returns a Result, X
// throws glbuf::Error.
#ifndef GLBUF_CPP_RANGES_HPP
#define GLBUF_CPP_RANGES_HPP

#include <cstdint>
#include <utility>

#include "../ranges.h"
#include "error.hpp"

namespace glbuf {

class RangeAlloc {
public:
    RangeAlloc() noexcept = default;
    ~RangeAlloc() { reset(); }
    RangeAlloc(RangeAlloc &&o) noexcept
        : r_(o.r_), h_(std::exchange(o.h_, glbuf_range{})), offset_(o.offset_), size_(o.size_)
    {
    }
    RangeAlloc &operator=(RangeAlloc &&o) noexcept
    {
        if (this != &o) {
            reset();
            r_ = o.r_;
            offset_ = o.offset_;
            size_ = o.size_;
            h_ = std::exchange(o.h_, glbuf_range{});
        }
        return *this;
    }
    RangeAlloc(const RangeAlloc &) = delete;
    RangeAlloc &operator=(const RangeAlloc &) = delete;

    glbuf_range handle() const noexcept { return h_; }
    explicit operator bool() const noexcept { return h_.id != 0; }
    // Offset and size in bytes, as allocated (compaction moves offsets:
    // query glbuf_ranges_offset after applying a plan).
    std::uint64_t offset() const noexcept { return offset_; }
    std::uint64_t size() const noexcept { return size_; }
    void reset() noexcept
    {
        if (h_.id != 0) {
            (void)glbuf_ranges_free(r_, h_); // fails only for a dead handle: nothing to do
            h_ = glbuf_range{};
        }
    }
    glbuf_range release() noexcept { return std::exchange(h_, glbuf_range{}); }

private:
    friend class Ranges;
    RangeAlloc(glbuf_ranges *r, glbuf_range h, std::uint64_t offset, std::uint64_t size) noexcept
        : r_(r), h_(h), offset_(offset), size_(size)
    {
    }
    glbuf_ranges *r_ = nullptr;
    glbuf_range h_{};
    std::uint64_t offset_ = 0, size_ = 0;
};

class Ranges {
public:
    Ranges() noexcept = default;
    static Result<Ranges> try_create(const glbuf_ranges_desc &desc)
    {
        glbuf_ranges *r = nullptr;
        glbuf_result code = glbuf_ranges_create(&desc, &r);
        return code == GLBUF_OK ? Result<Ranges>(Ranges(r)) : Result<Ranges>(code, "glbuf_ranges_create");
    }
    static Result<Ranges> try_create(std::uint64_t capacity)
    {
        glbuf_ranges_desc d{};
        d.capacity = capacity;
        return try_create(d);
    }
#if GLBUF_CPP_EXCEPTIONS
    explicit Ranges(const glbuf_ranges_desc &desc) : Ranges(try_create(desc).value()) {}
    explicit Ranges(std::uint64_t capacity) : Ranges(try_create(capacity).value()) {}
#endif
    ~Ranges() { glbuf_ranges_destroy(r_); }
    Ranges(Ranges &&o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
    Ranges &operator=(Ranges &&o) noexcept
    {
        if (this != &o) {
            glbuf_ranges_destroy(r_);
            r_ = std::exchange(o.r_, nullptr);
        }
        return *this;
    }
    Ranges(const Ranges &) = delete;
    Ranges &operator=(const Ranges &) = delete;

    glbuf_ranges *get() const noexcept { return r_; }
    operator glbuf_ranges *() const noexcept { return r_; }
    glbuf_ranges_stats stats() const noexcept { return glbuf_ranges_get_stats(r_); }

    Result<RangeAlloc> try_alloc(std::uint64_t size, std::uint64_t alignment = 1)
    {
        glbuf_range h{};
        std::uint64_t offset = 0;
        glbuf_result r = glbuf_ranges_alloc(r_, size, alignment, &h, &offset);
        return r == GLBUF_OK ? Result<RangeAlloc>(RangeAlloc(r_, h, offset, size))
                             : Result<RangeAlloc>(r, "glbuf_ranges_alloc");
    }
    Result<void> try_grow(std::uint64_t new_capacity)
    {
        return detail::check(glbuf_ranges_grow(r_, new_capacity), "glbuf_ranges_grow");
    }
#if GLBUF_CPP_EXCEPTIONS
    RangeAlloc alloc(std::uint64_t size, std::uint64_t alignment = 1) { return try_alloc(size, alignment).value(); }
    void grow(std::uint64_t new_capacity) { try_grow(new_capacity).value(); }
#endif

private:
    explicit Ranges(glbuf_ranges *r) noexcept : r_(r) {}
    glbuf_ranges *r_ = nullptr;
};

} // namespace glbuf

#endif // GLBUF_CPP_RANGES_HPP
