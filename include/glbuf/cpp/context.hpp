// context.hpp - glbuf::Context, the owner of a glbuf_ctx (ctx.h).
//
// Ownership in the C++ layer: every class owns one glbuf object and is
// move-only; its destructor destroys (frees, releases) the object. Objects
// made in a Context keep its glbuf_ctx pointer, so a Context must outlive
// them: declare it first (members and locals are destroyed in reverse
// order). A Context destroyed first frees whatever is still alive (as
// glbuf_ctx_destroy does) and the objects' destructors must then not run:
// that is a use after free, exactly as with the C API. Children of children
// are forgiving: a MegaRange outliving its Mega, a PooledBuffer outliving
// its Pool or a ReadbackRequest outliving its Readback is fine (the handle
// is simply dead; see each class).
//
// Every class converts to its C handle (handle(), or glbuf_ctx * for a
// Context), so the C API stays at hand for what the C++ layer does not wrap.
#ifndef GLBUF_CPP_CONTEXT_HPP
#define GLBUF_CPP_CONTEXT_HPP

#include <cstdint>
#include <utility>

#include "../ctx.h"
#include "error.hpp"

namespace glbuf {

class Context {
public:
    Context() noexcept = default;

#if GLBUF_CPP_EXCEPTIONS
    // glbuf_ctx_create for the GL context current on this thread, with the
    // app's loader function: Context ctx(glfwGetProcAddress).
    explicit Context(glbuf_get_proc_address_fn get_proc_address) : Context(desc_of(get_proc_address)) {}
    explicit Context(const glbuf_ctx_desc &desc) { try_init(desc).value(); }
#endif
    static Result<Context> try_create(glbuf_get_proc_address_fn get_proc_address)
    {
        return try_create(desc_of(get_proc_address));
    }
    static Result<Context> try_create(const glbuf_ctx_desc &desc)
    {
        Context c;
        Result<void> r = c.try_init(desc);
        if (!r) {
            return Result<Context>(r.code(), r.call());
        }
        return Result<Context>(std::move(c));
    }
    // Takes ownership of a context made with the C API.
    static Context adopt(glbuf_ctx *ctx) noexcept
    {
        Context c;
        c.ctx_ = ctx;
        return c;
    }

    ~Context() { glbuf_ctx_destroy(ctx_); }
    Context(Context &&other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}
    Context &operator=(Context &&other) noexcept
    {
        if (this != &other) {
            glbuf_ctx_destroy(ctx_);
            ctx_ = std::exchange(other.ctx_, nullptr);
        }
        return *this;
    }
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    glbuf_ctx *get() const noexcept { return ctx_; }
    operator glbuf_ctx *() const noexcept { return ctx_; }
    explicit operator bool() const noexcept { return ctx_ != nullptr; }
    // Gives up ownership: the caller destroys it with glbuf_ctx_destroy.
    glbuf_ctx *release() noexcept { return std::exchange(ctx_, nullptr); }
    // glbuf_ctx_destroy now (every object still alive in it is freed).
    void reset() noexcept
    {
        glbuf_ctx_destroy(ctx_);
        ctx_ = nullptr;
    }

    glbuf_caps caps() const noexcept { return glbuf_ctx_get_caps(ctx_); }
    glbuf_ctx_stats stats() const noexcept { return glbuf_ctx_get_stats(ctx_); }
    void reset_stats() noexcept { glbuf_ctx_reset_stats(ctx_); }
    std::uint64_t frame() const noexcept { return glbuf_ctx_frame(ctx_); }
    std::uint64_t completed_frame() noexcept { return glbuf_ctx_completed_frame(ctx_); }

    Result<void> try_end_frame() { return detail::check(glbuf_ctx_end_frame(ctx_), "glbuf_ctx_end_frame"); }
    Result<void> try_wait_frame(std::uint64_t frame, std::uint64_t timeout_ns)
    {
        return detail::check(glbuf_ctx_wait_frame(ctx_, frame, timeout_ns), "glbuf_ctx_wait_frame");
    }
    Result<void> try_wait_idle() { return detail::check(glbuf_ctx_wait_idle(ctx_), "glbuf_ctx_wait_idle"); }
#if GLBUF_CPP_EXCEPTIONS
    void end_frame() { try_end_frame().value(); }
    void wait_frame(std::uint64_t frame, std::uint64_t timeout_ns) { try_wait_frame(frame, timeout_ns).value(); }
    void wait_idle() { try_wait_idle().value(); }
#endif

private:
    static glbuf_ctx_desc desc_of(glbuf_get_proc_address_fn get_proc_address) noexcept
    {
        glbuf_ctx_desc d{};
        d.get_proc_address = get_proc_address;
        return d;
    }
    Result<void> try_init(const glbuf_ctx_desc &desc)
    {
        glbuf_ctx *c = nullptr;
        glbuf_result r = glbuf_ctx_create(&desc, &c);
        if (r == GLBUF_OK) {
            ctx_ = c;
        }
        return detail::check(r, "glbuf_ctx_create");
    }

    glbuf_ctx *ctx_ = nullptr;
};

} // namespace glbuf

#endif // GLBUF_CPP_CONTEXT_HPP
