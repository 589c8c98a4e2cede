// span.hpp - glbuf::Span<T>, a pointer and an element count (C++17 has no
// std::span), and the rule every typed call of the C++ layer follows: data
// comes as a contiguous range of trivially copyable elements.
//
// A contiguous range is anything std::data and std::size accept:
// std::vector<T>, std::array<T, N>, T[N], std::basic_string, glbuf::Span<T>,
// std::span<T> (C++20) ... Sizes in bytes are count * sizeof(T); the bytes
// go to GL as they lie in memory, so T must be trivially copyable (checked
// at compile time) and its layout is what the vertex format must describe.
#ifndef GLBUF_CPP_SPAN_HPP
#define GLBUF_CPP_SPAN_HPP

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>

namespace glbuf {

template <class T>
class Span {
public:
    using element_type = T;
    constexpr Span() noexcept : data_(nullptr), size_(0) {}
    constexpr Span(T *data, std::size_t count) noexcept : data_(data), size_(count) {}
    // From any contiguous range of T (or of non-const T for a Span<const T>).
    template <class C, class P = decltype(std::data(std::declval<C &>())),
              class = std::enable_if_t<std::is_convertible<P, T *>::value &&
                                       std::is_same<std::remove_cv_t<std::remove_pointer_t<P>>,
                                                    std::remove_cv_t<T>>::value>,
              class = decltype(std::size(std::declval<C &>()))>
    constexpr Span(C &range) noexcept : data_(std::data(range)), size_(static_cast<std::size_t>(std::size(range)))
    {
    }

    constexpr T *data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr std::uint64_t size_bytes() const noexcept { return static_cast<std::uint64_t>(size_) * sizeof(T); }
    constexpr T *begin() const noexcept { return data_; }
    constexpr T *end() const noexcept { return data_ + size_; }
    constexpr T &operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    T *data_;
    std::size_t size_;
};

namespace detail {

template <class C, class = void>
struct is_contiguous : std::false_type {};
template <class C>
struct is_contiguous<C, std::void_t<decltype(std::data(std::declval<const C &>())),
                                    decltype(std::size(std::declval<const C &>()))>> : std::true_type {};

template <class C>
using element_of = std::remove_cv_t<std::remove_pointer_t<decltype(std::data(std::declval<const C &>()))>>;

// The read-only view of a contiguous range, with the element type checked.
template <class C>
Span<const element_of<C>> view(const C &range) noexcept
{
    static_assert(std::is_trivially_copyable<element_of<C>>::value,
                  "glbuf: elements go to GL byte for byte, so they must be trivially copyable");
    return Span<const element_of<C>>(std::data(range), static_cast<std::size_t>(std::size(range)));
}

template <class T>
Span<const T> one(const T &value) noexcept
{
    static_assert(std::is_trivially_copyable<T>::value,
                  "glbuf: values go to GL byte for byte, so they must be trivially copyable");
    return Span<const T>(&value, 1);
}

// SFINAE: enabled for contiguous ranges only.
template <class C>
using if_range = std::enable_if_t<is_contiguous<C>::value, int>;

} // namespace detail

} // namespace glbuf

#endif // GLBUF_CPP_SPAN_HPP
