// view.hpp - glbuf::View, the owner of a memory view (glbuf/view.h). Needs
// the view library linked (CMake glbuf::view, pkg-config glbuf-view); not
// included by glbuf.hpp for that reason.
//
//     glbuf::View view(ctx, glfwGetProcAddress);
//     view.show(mega, "meshes");
//     ... each frame, after the scene:
//     view.draw(width, height);
//
// A View must be destroyed before its Context (declare it after). Every call
// is the C call of the same name; try_X returns a Result, X throws
// glbuf::Error.
#ifndef GLBUF_CPP_VIEW_HPP
#define GLBUF_CPP_VIEW_HPP

#include <cstdint>
#include <utility>

#include "../view.h"
#include "error.hpp"
#include "mega.hpp"
#include "pool.hpp"
#include "stream.hpp"

namespace glbuf {

class View {
public:
    View() noexcept = default;
    static Result<View> try_create(glbuf_ctx *ctx, const glbuf_view_desc &desc)
    {
        glbuf_view *v = nullptr;
        glbuf_result r = glbuf_view_create(ctx, &desc, &v);
        return r == GLBUF_OK ? Result<View>(View(v)) : Result<View>(r, "glbuf_view_create");
    }
    static Result<View> try_create(glbuf_ctx *ctx, glbuf_get_proc_address_fn get_proc_address)
    {
        glbuf_view_desc d{};
        d.get_proc_address = get_proc_address;
        return try_create(ctx, d);
    }
#if GLBUF_CPP_EXCEPTIONS
    View(glbuf_ctx *ctx, const glbuf_view_desc &desc) : View(try_create(ctx, desc).value()) {}
    View(glbuf_ctx *ctx, glbuf_get_proc_address_fn get_proc_address)
        : View(try_create(ctx, get_proc_address).value())
    {
    }
#endif
    ~View() { glbuf_view_destroy(v_); }
    View(View &&o) noexcept : v_(std::exchange(o.v_, nullptr)) {}
    View &operator=(View &&o) noexcept
    {
        if (this != &o) {
            glbuf_view_destroy(v_);
            v_ = std::exchange(o.v_, nullptr);
        }
        return *this;
    }
    View(const View &) = delete;
    View &operator=(const View &) = delete;

    glbuf_view *get() const noexcept { return v_; }
    explicit operator bool() const noexcept { return v_ != nullptr; }

    Result<void> try_show(glbuf_mega mega, const char *title = nullptr)
    {
        return detail::check(glbuf_view_show_mega(v_, mega, title), "glbuf_view_show_mega");
    }
    Result<void> try_show(glbuf_stream stream, const char *title = nullptr)
    {
        return detail::check(glbuf_view_show_stream(v_, stream, title), "glbuf_view_show_stream");
    }
    Result<void> try_show(glbuf_pool pool, const char *title = nullptr)
    {
        return detail::check(glbuf_view_show_pool(v_, pool, title), "glbuf_view_show_pool");
    }
    Result<void> try_show(const Mega &mega, const char *title = nullptr) { return try_show(mega.handle(), title); }
    Result<void> try_show(const Stream &stream, const char *title = nullptr)
    {
        return try_show(stream.handle(), title);
    }
    Result<void> try_show(const Pool &pool, const char *title = nullptr) { return try_show(pool.handle(), title); }
    Result<void> try_show(const glbuf_view_blocks &blocks, const char *title = nullptr)
    {
        return detail::check(glbuf_view_show_blocks(v_, &blocks, title), "glbuf_view_show_blocks");
    }
    void clear() noexcept { glbuf_view_clear(v_); }
    Result<void> try_text(std::uint32_t rgba, const char *text)
    {
        return detail::check(glbuf_view_text(v_, rgba, text), "glbuf_view_text");
    }
    void set_trace_rgba(std::uint32_t rgba) noexcept { glbuf_view_set_trace_rgba(v_, rgba); }
    Result<void> try_draw(int width, int height)
    {
        return detail::check(glbuf_view_draw(v_, width, height), "glbuf_view_draw");
    }
    Result<glbuf_view_map_rect> try_map_layout(std::uint32_t index) const
    {
        glbuf_view_map_rect r{};
        glbuf_result code = glbuf_view_map_layout(v_, index, &r);
        return code == GLBUF_OK ? Result<glbuf_view_map_rect>(r)
                                : Result<glbuf_view_map_rect>(code, "glbuf_view_map_layout");
    }

#if GLBUF_CPP_EXCEPTIONS
    template <class Source>
    void show(const Source &source, const char *title = nullptr)
    {
        try_show(source, title).value();
    }
    void text(std::uint32_t rgba, const char *text) { try_text(rgba, text).value(); }
    void draw(int width, int height) { try_draw(width, height).value(); }
    glbuf_view_map_rect map_layout(std::uint32_t index) const { return try_map_layout(index).value(); }
#endif

private:
    explicit View(glbuf_view *v) noexcept : v_(v) {}
    glbuf_view *v_ = nullptr;
};

} // namespace glbuf

#endif // GLBUF_CPP_VIEW_HPP
