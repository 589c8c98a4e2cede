// error.hpp - glbuf's C++ error policy: glbuf::Error (an exception carrying
// the glbuf_result) and glbuf::Result<T> (an expected-like value or code).
//
// The policy
// ----------
// Every fallible call of the C++ layer comes in two spellings:
//   - `x.append(...)`      throws glbuf::Error on failure (the default);
//   - `x.try_append(...)`  returns glbuf::Result<T> and never throws.
// The throwing one is the try_ one followed by `.value()`, so both do
// exactly the same work and fail in exactly the same cases (the C header of
// each call lists them).
//
// Why exceptions by default: a glbuf failure is rare and is either a bug
// (a bad handle, a size out of bounds) or exhaustion (GPU or host memory,
// a full ring), and every C call that fails changes nothing, so unwinding
// loses nothing: the strong guarantee holds for free. Exceptions let RAII
// constructors and one-line factories (Buffer::create(ctx, target, vector,
// usage), as Cinder's gl::Vbo::create) report failure, and keep the happy
// path free of per-call checks, which is what made hand-written C++
// wrappers six lines a call.
//
// Why the try_ spelling exists: engines built with -fno-exceptions, and
// loops where a failure is an expected outcome (GLBUF_ERR_FULL from a
// megabuffer that must not grow, GLBUF_ERR_TIMEOUT from a readback wait).
// Compiled without exceptions (-fno-exceptions), or with
// GLBUF_CPP_NO_EXCEPTIONS defined, the throwing spellings, the throwing
// constructors and Result::value() are not declared at all: the try_ API is
// the whole API, and a call to a throwing one is a compile error, not an
// abort.
//
// Not-ready is not an error: a readback poll that finds the GPU still busy
// returns an empty span (both spellings), it does not throw.
#ifndef GLBUF_CPP_ERROR_HPP
#define GLBUF_CPP_ERROR_HPP

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "../result.h"

#if !defined(GLBUF_CPP_NO_EXCEPTIONS) && (defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND))
#define GLBUF_CPP_EXCEPTIONS 1
#else
#define GLBUF_CPP_EXCEPTIONS 0
#endif

#if GLBUF_CPP_EXCEPTIONS
#include <stdexcept>
#endif

namespace glbuf {

#if GLBUF_CPP_EXCEPTIONS
// The exception every throwing call raises: the glbuf_result of the C call
// that failed, and that call's name. what() reads
//   "glbuf_buffer_append: GLBUF_ERR_OUT_OF_GPU_MEMORY (GL reported GL_OUT_OF_MEMORY; old storage kept)".
// Branch on code(), never on the text.
class Error : public std::runtime_error {
public:
    Error(glbuf_result code, const char *call)
        : std::runtime_error(std::string(call ? call : "glbuf") + ": " + glbuf_result_name(code) + " (" +
                             glbuf_result_str(code) + ")"),
          code_(code), call_(call ? call : "glbuf")
    {
    }
    glbuf_result code() const noexcept { return code_; }
    // The C function that failed ("glbuf_buffer_append"); a static string.
    const char *call() const noexcept { return call_; }

private:
    glbuf_result code_;
    const char *call_;
};
#endif

// A value or the code of the C call that failed (never both, never neither).
// ok() / explicit bool: success. code(): GLBUF_OK on success. call(): the C
// function that failed, or "" on success. operator* / ->: the value; only
// on success (checked by an assertion in debug builds of the app).
// value(): the value, or throws glbuf::Error (with exceptions only).
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : code_(GLBUF_OK), call_(""), value_(std::move(value)) {}
    Result(glbuf_result code, const char *call) : code_(code), call_(call) {}

    bool ok() const noexcept { return code_ == GLBUF_OK; }
    explicit operator bool() const noexcept { return ok(); }
    glbuf_result code() const noexcept { return code_; }
    const char *call() const noexcept { return call_; }

    T &operator*() & { return *value_; }
    const T &operator*() const & { return *value_; }
    T &&operator*() && { return std::move(*value_); }
    T *operator->() { return &*value_; }
    const T *operator->() const { return &*value_; }

    // The value on success, else `fallback`.
    template <class U>
    T value_or(U &&fallback) &&
    {
        return ok() ? std::move(*value_) : static_cast<T>(std::forward<U>(fallback));
    }

#if GLBUF_CPP_EXCEPTIONS
    T &value() &
    {
        if (!ok()) {
            throw Error(code_, call_);
        }
        return *value_;
    }
    T &&value() &&
    {
        if (!ok()) {
            throw Error(code_, call_);
        }
        return std::move(*value_);
    }
#endif

private:
    glbuf_result code_;
    const char *call_;
    std::optional<T> value_;
};

// Success or a code, for calls with nothing to return.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() : code_(GLBUF_OK), call_("") {}
    Result(glbuf_result code, const char *call) : code_(code), call_(code == GLBUF_OK ? "" : call) {}

    bool ok() const noexcept { return code_ == GLBUF_OK; }
    explicit operator bool() const noexcept { return ok(); }
    glbuf_result code() const noexcept { return code_; }
    const char *call() const noexcept { return call_; }

#if GLBUF_CPP_EXCEPTIONS
    void value() const
    {
        if (!ok()) {
            throw Error(code_, call_);
        }
    }
#endif

private:
    glbuf_result code_;
    const char *call_;
};

namespace detail {
// A C call's result as a Result<void>; `call` names the C function.
inline Result<void> check(glbuf_result r, const char *call) { return Result<void>(r, call); }
} // namespace detail

} // namespace glbuf

#endif // GLBUF_CPP_ERROR_HPP
