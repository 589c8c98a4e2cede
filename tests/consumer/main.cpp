// main.cpp - an outside C++17 application of an installed glbuf: the C++
// layer (glbuf/glbuf.hpp) and the memory view (glbuf::view / glbuf-view).
//
// On its own headless GL 4.5 core context (headless_egl.h) it creates a
// buffer from a std::vector the Cinder way, appends typed data, reads it back
// through glbuf and through a GPU copy (glbuf::Readback); stores meshes in a
// megabuffer and streams data through a ring, reading both back; and draws
// the memory view into a framebuffer of its own (GL entry points through
// eglGetProcAddress and <GL/glcorearb.h>, as an app without a loader
// library would), checking a map pixel. Exit status: 0 success, 77 no GL
// context here (skipped), 1 failure. Built through find_package(glbuf
// COMPONENTS view) and through pkg-config glbuf-view (run.cmake).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <GL/glcorearb.h>

#include <glbuf/cpp/view.hpp>
#include <glbuf/glbuf.hpp>

#include "headless_egl.h"

namespace {

struct Vertex {
    float x, y;
    std::uint32_t rgba, pad;
};

int failures;

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

template <class T>
bool equal(glbuf::Span<const T> a, const std::vector<T> &b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), b.size() * sizeof(T)) == 0;
}

template <class F>
F load(const char *name)
{
    return reinterpret_cast<F>(eglGetProcAddress(name));
}

// The view drawn into a 640 x 400 framebuffer object: the first map pixel
// of a megabuffer whose first bytes are live has the live colour of age 0.
void draw_view(glbuf::Context &ctx, glbuf::Mega &mega)
{
    auto gen_fb = load<PFNGLGENFRAMEBUFFERSPROC>("glGenFramebuffers");
    auto bind_fb = load<PFNGLBINDFRAMEBUFFERPROC>("glBindFramebuffer");
    auto del_fb = load<PFNGLDELETEFRAMEBUFFERSPROC>("glDeleteFramebuffers");
    auto gen_rb = load<PFNGLGENRENDERBUFFERSPROC>("glGenRenderbuffers");
    auto bind_rb = load<PFNGLBINDRENDERBUFFERPROC>("glBindRenderbuffer");
    auto rb_storage = load<PFNGLRENDERBUFFERSTORAGEPROC>("glRenderbufferStorage");
    auto del_rb = load<PFNGLDELETERENDERBUFFERSPROC>("glDeleteRenderbuffers");
    auto attach = load<PFNGLFRAMEBUFFERRENDERBUFFERPROC>("glFramebufferRenderbuffer");
    auto read_pixels = load<PFNGLREADPIXELSPROC>("glReadPixels");
    GLuint fb = 0, rb = 0;
    gen_rb(1, &rb);
    bind_rb(GL_RENDERBUFFER, rb);
    rb_storage(GL_RENDERBUFFER, GL_RGBA8, 640, 400);
    gen_fb(1, &fb);
    bind_fb(GL_FRAMEBUFFER, fb);
    attach(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb);

    glbuf::View view(ctx, eglGetProcAddress);
    view.show(mega, "meshes");
    view.text(0xFFFFFFFFu, "consumer");
    view.draw(640, 400);
    glbuf_view_map_rect r = view.map_layout(0);
    unsigned char px[4] = {0, 0, 0, 0};
    read_pixels(r.x + 1, 400 - 1 - (r.y + r.row_height / 2), 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
    std::uint32_t got = std::uint32_t{px[0]} << 24 | std::uint32_t{px[1]} << 16 | std::uint32_t{px[2]} << 8 | 0xFFu;
    check(got == glbuf_view_block_rgba(GLBUF_VIEW_BLOCK_LIVE, 0), "the view's map shows the live block");
    bind_fb(GL_FRAMEBUFFER, 0);
    del_fb(1, &fb);
    del_rb(1, &rb);
}

void run()
{
    glbuf::Context ctx(eglGetProcAddress); // glbuf loads its own GL table
    glbuf_caps caps = ctx.caps();
    std::printf("glbuf (C++) on GL %d.%d (%s)\n", caps.gl_major, caps.gl_minor, caps.renderer);
    glbuf::Readback readback(ctx, glbuf_readback_desc{});

    // Cinder: gl::Vbo::create(GL_ARRAY_BUFFER, verts, GL_STATIC_DRAW)
    std::vector<Vertex> verts(500);
    for (std::size_t i = 0; i < verts.size(); i++) {
        verts[i] = Vertex{float(i), -float(i), static_cast<std::uint32_t>(i * 2654435761u), 0};
    }
    auto vbo = glbuf::Buffer::create(ctx, GL_ARRAY_BUFFER, verts, GL_STATIC_DRAW);
    check(vbo.count<Vertex>() == verts.size(), "Buffer::create size");
    Vertex more{1.5f, 2.5f, 7u, 0};
    vbo.append_value(more);
    verts.push_back(more);
    std::vector<Vertex> back = vbo.read<Vertex>(0, verts.size());
    check(std::memcmp(back.data(), verts.data(), verts.size() * sizeof(Vertex)) == 0, "the buffer read back");
    glbuf::ReadbackRequest req = readback.copy(vbo, 0, vbo.size());
    check(equal(req.wait<Vertex>(), verts), "the buffer through a GPU copy");

    glbuf_mega_desc md{};
    md.capacity = 1u << 16;
    glbuf::Mega mega(ctx, md);
    glbuf::MegaRange mesh = mega.store(verts);
    mega.flush();
    check(mesh.first<Vertex>() == 0 && mesh.count<Vertex>() == verts.size(), "MegaRange draw parameters");
    glbuf::ReadbackRequest mreq = readback.copy(mega.name(), mesh.offset(), mesh.size());
    check(equal(mreq.wait<Vertex>(), verts), "the megabuffer through a GPU copy");

    glbuf::Stream stream(ctx, glbuf_stream_desc{});
    std::vector<float> frame_data{1, 2, 3, 4, 5, 6, 7, 8};
    glbuf::StreamSlice<float> slice = stream.push(frame_data);
    stream.flush();
    glbuf::ReadbackRequest sreq = readback.copy(slice.name, slice.offset, slice.size_bytes());
    check(equal(sreq.wait<float>(), frame_data), "the stream slice through a GPU copy");

    draw_view(ctx, mega);

    // The error policy: an exception carrying the code, or a Result.
    glbuf_result code = GLBUF_OK;
    try {
        vbo.sub_data(vbo.size(), frame_data);
    } catch (const glbuf::Error &e) {
        code = e.code();
    }
    check(code == GLBUF_ERR_OUT_OF_BOUNDS, "glbuf::Error carries the code");
    check(mega.try_alloc(0).code() == GLBUF_ERR_ZERO_SIZE, "try_ returns the code");
    ctx.end_frame();
    ctx.wait_idle();
}

} // namespace

int main()
{
    consumer_egl egl;
    int skip = consumer_egl_begin(&egl);
    if (skip != 0) {
        return skip;
    }
    try {
        run();
    } catch (const glbuf::Error &e) {
        std::fprintf(stderr, "FAIL: %s\n", e.what());
        failures++;
    }
    consumer_egl_end(&egl);
    if (failures == 0) {
        std::printf("consumer (C++): OK\n");
    }
    return failures == 0 ? 0 : 1;
}
