// particle_sphere.cpp - glbuf's port of the idea of Cinder's ParticleSphereCPU
// sample (written anew, in C++17 with glbuf's C++ layer): particles that
// live on a sphere are simulated on the CPU every frame - a spring pulls
// each one home, waves travelling over the sphere push it out, damping
// calms it - and the whole frame's particles are streamed to GL through
// glbuf's per-frame ring (glbuf::Stream), then drawn as points, coloured by
// speed, under a turning perspective camera. glbuf's memory view
// (glbuf::View) shows the ring at the bottom.
//
//   glbuf-particle-sphere [--particles N] [--frames N] [--size WxH]
//                         [--headless] [--screenshot FILE.png]
//
// Windowed (GLFW, GL 3.3 core) until closed; headless (EGL, offscreen) with
// --headless or without a display: --frames frames (default 300), then the
// last frame goes to --screenshot (default glbuf-particle-sphere.png). It
// prints the particles the GPU drew in the last frame, counted by a
// GL_PRIMITIVES_GENERATED query, and the frame and stream figures.
#include <glad/gl.h>

#include <GLFW/glfw3.h>

#include <glbuf/cpp/view.hpp>
#include <glbuf/glbuf.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "headless.h"
#include "png_write.h"
}

namespace {

struct Vec3 {
    float x, y, z;
};
Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
Vec3 operator*(Vec3 a, float s) { return {a.x * s, a.y * s, a.z * s}; }
float length(Vec3 a) { return std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z); }

struct Particle {
    Vec3 home, pos, vel;
};

// What the GPU reads per particle: 16 bytes.
struct GpuParticle {
    Vec3 pos;
    std::uint8_t rgba[4];
};
static_assert(sizeof(GpuParticle) == 16, "16-byte vertices");

using Mat4 = std::array<float, 16>; // column-major, as GL takes it

Mat4 multiply(const Mat4 &a, const Mat4 &b)
{
    Mat4 r{};
    for (int c = 0; c < 4; c++) {
        for (int row = 0; row < 4; row++) {
            float s = 0;
            for (int k = 0; k < 4; k++) {
                s += a[std::size_t(k * 4 + row)] * b[std::size_t(c * 4 + k)];
            }
            r[std::size_t(c * 4 + row)] = s;
        }
    }
    return r;
}

// Perspective (fov_y radians) * move back by `distance` * turn by yaw, pitch.
Mat4 camera(float aspect, float yaw, float pitch, float distance)
{
    float f = 1.0f / std::tan(0.5f * 0.75f), n = 0.1f, fa = 20.0f;
    Mat4 proj{f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (fa + n) / (n - fa), -1, 0, 0, 2 * fa * n / (n - fa), 0};
    Mat4 back{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -distance, 1};
    float cy = std::cos(yaw), sy = std::sin(yaw), cp = std::cos(pitch), sp = std::sin(pitch);
    Mat4 turn_y{cy, 0, -sy, 0, 0, 1, 0, 0, sy, 0, cy, 0, 0, 0, 0, 1};
    Mat4 turn_x{1, 0, 0, 0, 0, cp, sp, 0, 0, -sp, cp, 0, 0, 0, 0, 1};
    return multiply(proj, multiply(back, multiply(turn_x, turn_y)));
}

const char *const vertex_source = "#version 330 core\n"
                                  "layout(location = 0) in vec3 position;\n"
                                  "layout(location = 1) in vec4 colour;\n"
                                  "uniform mat4 u_camera;\n"
                                  "out vec4 v_colour;\n"
                                  "void main() {\n"
                                  "    gl_Position = u_camera * vec4(position, 1.0);\n"
                                  "    gl_PointSize = 2.0;\n"
                                  "    v_colour = colour;\n"
                                  "}\n";
const char *const fragment_source = "#version 330 core\n"
                                    "in vec4 v_colour;\n"
                                    "out vec4 o;\n"
                                    "void main() { o = v_colour; }\n";

GLuint compile(GLenum stage, const char *source)
{
    GLuint s = glCreateShader(stage);
    glShaderSource(s, 1, &source, nullptr);
    glCompileShader(s);
    return s;
}

GLuint make_program()
{
    GLuint p = glCreateProgram(), vs = compile(GL_VERTEX_SHADER, vertex_source),
           fs = compile(GL_FRAGMENT_SHADER, fragment_source);
    glAttachShader(p, vs);
    glAttachShader(p, fs);
    glLinkProgram(p);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetProgramInfoLog(p, sizeof log, nullptr, log);
        std::fprintf(stderr, "glbuf-particle-sphere: shader: %s\n", log);
        return 0;
    }
    return p;
}

// ---- the simulation: all of it on the CPU, as the sample's name says ----------

class Sphere {
public:
    explicit Sphere(std::size_t n) : particles_(n), gpu_(n)
    {
        std::mt19937 rng(7);
        std::normal_distribution<float> gauss(0.0f, 1.0f);
        for (Particle &p : particles_) {
            Vec3 d{gauss(rng), gauss(rng), gauss(rng)}; // a uniform direction
            float l = length(d);
            p.home = l > 0 ? d * (1.0f / l) : Vec3{0, 1, 0};
            p.pos = p.home;
            p.vel = {0, 0, 0};
        }
    }

    // One step of dt seconds at time t: spring home, waves out, damping.
    void step(float t, float dt)
    {
        for (std::size_t i = 0; i < particles_.size(); i++) {
            Particle &p = particles_[i];
            float wave = std::sin(6.0f * p.home.y + 2.5f * t) * std::sin(4.0f * p.home.x - 1.7f * t);
            Vec3 target = p.home * (1.0f + 0.25f * wave * wave * wave);
            Vec3 accel = (target - p.pos) * 40.0f - p.vel * 4.0f;
            p.vel = p.vel + accel * dt;
            p.pos = p.pos + p.vel * dt;
            float speed = std::fmin(length(p.vel) * 0.8f, 1.0f);
            GpuParticle &g = gpu_[i];
            g.pos = p.pos;
            g.rgba[0] = std::uint8_t(90 + 165 * speed);
            g.rgba[1] = std::uint8_t(140 + 60 * (1 - speed));
            g.rgba[2] = 255;
            g.rgba[3] = 255;
        }
    }

    const std::vector<GpuParticle> &gpu() const { return gpu_; }

private:
    std::vector<Particle> particles_;
    std::vector<GpuParticle> gpu_;
};

// ---- the program ----------------------------------------------------------------

struct Options {
    std::size_t particles = 20000;
    long frames = 0; // 0: until closed (windowed), 300 headless
    int width = 1280, height = 720;
    bool headless = false;
    std::string screenshot;
};

bool parse(int argc, char **argv, Options &o)
{
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (a == "--headless") {
            o.headless = true;
        } else if (a == "--particles" && v) {
            o.particles = std::size_t(std::strtoul(v, nullptr, 10));
            i++;
        } else if (a == "--frames" && v) {
            o.frames = std::strtol(v, nullptr, 10);
            i++;
        } else if (a == "--size" && v && std::sscanf(v, "%dx%d", &o.width, &o.height) == 2) {
            i++;
        } else if (a == "--screenshot" && v) {
            o.screenshot = v;
            i++;
        } else {
            std::fprintf(stderr,
                         "usage: glbuf-particle-sphere [--particles N] [--frames N] [--size WxH] [--headless] "
                         "[--screenshot FILE.png]\n");
            return false;
        }
    }
    return o.particles > 0 && o.particles <= 4000000 && o.width >= 64 && o.height >= 64 && o.width <= 8192 &&
           o.height <= 8192 && o.frames >= 0;
}

bool write_png(const std::string &path, int w, int h)
{
    std::vector<std::uint8_t> px(std::size_t(w) * std::size_t(h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    for (std::size_t i = 3; i < px.size(); i += 4) {
        px[i] = 255;
    }
    char why[256] = "";
    if (!rgba_png_write(path.c_str(), px.data(), w, h, std::size_t(w) * 4, 1, why, sizeof why)) {
        std::fprintf(stderr, "glbuf-particle-sphere: %s\n", why);
        return false;
    }
    std::printf("wrote %s\n", path.c_str());
    return true;
}

// The frames, on whatever context is current; returns the exit status.
int run(const Options &o, GLFWwindow *window, glbuf_get_proc_address_fn get_proc)
{
    glbuf::Context ctx(get_proc);
    glbuf_stream_desc sd{};
    sd.label = "particles";
    glbuf::Stream stream(ctx, sd);
    glbuf::View view(ctx, get_proc);
    view.show(stream, "particles (stream ring)");

    GLuint program = make_program();
    if (program == 0) {
        return 1;
    }
    GLint u_camera = glGetUniformLocation(program, "u_camera");
    GLuint vao = 0, query = 0, fbo = 0, colour = 0, depth = 0;
    glGenVertexArrays(1, &vao);
    glGenQueries(1, &query);
    if (!window) { // headless: an offscreen framebuffer
        glGenRenderbuffers(1, &colour);
        glBindRenderbuffer(GL_RENDERBUFFER, colour);
        glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, o.width, o.height);
        glGenRenderbuffers(1, &depth);
        glBindRenderbuffer(GL_RENDERBUFFER, depth);
        glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, o.width, o.height);
        glGenFramebuffers(1, &fbo);
        glBindFramebuffer(GL_FRAMEBUFFER, fbo);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, colour);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, depth);
    }
    Sphere sphere(o.particles);
    glEnable(GL_PROGRAM_POINT_SIZE);
    GLuint drawn = 0;
    double ms_sum = 0;
    long frames = o.frames ? o.frames : (window ? 0 : 300), frame = 0;
    for (; frames == 0 || frame < frames; frame++) {
        if (window && glfwWindowShouldClose(window)) {
            break;
        }
        auto t0 = std::chrono::steady_clock::now();
        int w = o.width, h = o.height;
        if (window) {
            glfwGetFramebufferSize(window, &w, &h);
        }
        float t = float(frame) / 60.0f;
        sphere.step(t, 1.0f / 60.0f);

        // This frame's particles into the ring: one memcpy, no GL call on the
        // persistent path; the allocation is retired by the frame fence.
        glbuf::StreamSlice<GpuParticle> slice = stream.push(sphere.gpu());
        stream.flush();

        glViewport(0, 0, w, h);
        glClearColor(0.02f, 0.02f, 0.05f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
        glEnable(GL_DEPTH_TEST);
        glUseProgram(program);
        Mat4 cam = camera(float(w) / float(h), 0.35f * t, 0.35f, 3.4f);
        glUniformMatrix4fv(u_camera, 1, GL_FALSE, cam.data());
        glBindVertexArray(vao);
        glBindBuffer(GL_ARRAY_BUFFER, slice.name);
        const auto at = [&](std::size_t field) {
            return reinterpret_cast<const void *>(std::uintptr_t(slice.offset + field));
        };
        glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, sizeof(GpuParticle), at(offsetof(GpuParticle, pos)));
        glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, sizeof(GpuParticle), at(offsetof(GpuParticle, rgba)));
        glEnableVertexAttribArray(0);
        glEnableVertexAttribArray(1);
        glBeginQuery(GL_PRIMITIVES_GENERATED, query);
        glDrawArrays(GL_POINTS, 0, GLsizei(slice.count));
        glEndQuery(GL_PRIMITIVES_GENERATED);
        glDisable(GL_DEPTH_TEST);

        view.draw(w, h);
        bool last = frames != 0 && frame + 1 == frames;
        if (last) {
            glGetQueryObjectuiv(query, GL_QUERY_RESULT, &drawn);
            if (!o.screenshot.empty() && !write_png(o.screenshot, w, h)) {
                return 1;
            }
        }
        ctx.end_frame();
        if (window) {
            glfwSwapBuffers(window);
            glfwPollEvents();
        }
        ms_sum += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    if (drawn == 0 && frame > 0) {
        glGetQueryObjectuiv(query, GL_QUERY_RESULT, &drawn);
    }
    glbuf_stream_stats st = stream.stats();
    std::printf("frames: %ld\n", frame);
    std::printf("particles: %zu\n", o.particles);
    std::printf("particles drawn in the last frame: %u\n", drawn);
    std::printf("avg frame ms: %.3f\n", frame ? ms_sum / double(frame) : 0.0);
    std::printf("stream: %llu bytes in %llu allocations, ring %llu bytes, %llu waits, %llu growths\n",
                static_cast<unsigned long long>(st.bytes_streamed), static_cast<unsigned long long>(st.allocations),
                static_cast<unsigned long long>(st.capacity), static_cast<unsigned long long>(st.waits),
                static_cast<unsigned long long>(st.growths));
    std::printf("glbuf GL errors: %llu\n", static_cast<unsigned long long>(ctx.stats().gl_errors));
    glDeleteQueries(1, &query);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(program);
    glDeleteFramebuffers(1, &fbo);
    glDeleteRenderbuffers(1, &colour);
    glDeleteRenderbuffers(1, &depth);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    if (!parse(argc, argv, o)) {
        return 2;
    }
    const char *display = std::getenv("DISPLAY"), *wayland = std::getenv("WAYLAND_DISPLAY");
    if (!o.headless && (!display || !*display) && (!wayland || !*wayland)) {
        std::printf("glbuf-particle-sphere: no display: running headless\n");
        o.headless = true;
    }
    GLFWwindow *window = nullptr;
    glbuf_headless *headless = nullptr;
    glbuf_get_proc_address_fn get_proc = glbuf_headless_get_proc;
    if (o.headless) {
        if (o.screenshot.empty()) {
            o.screenshot = "glbuf-particle-sphere.png";
        }
        char why[256] = "";
        glbuf_headless_desc hd{};
        hd.gl_major = 3;
        hd.gl_minor = 3;
        headless = glbuf_headless_create(&hd, why, sizeof why);
        if (!headless) {
            std::fprintf(stderr, "glbuf-particle-sphere: no headless GL context: %s\n", why);
            return 1;
        }
    } else {
        if (!glfwInit()) {
            std::fprintf(stderr, "glbuf-particle-sphere: glfwInit failed (no display?): try --headless\n");
            return 1;
        }
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
        window = glfwCreateWindow(o.width, o.height, "glbuf particle sphere", nullptr, nullptr);
        if (!window) {
            std::fprintf(stderr, "glbuf-particle-sphere: cannot open a GL 3.3 window\n");
            glfwTerminate();
            return 1;
        }
        glfwMakeContextCurrent(window);
        get_proc = glfwGetProcAddress;
    }
    int status = 1;
    if (gladLoadGL(get_proc) == 0) {
        std::fprintf(stderr, "glbuf-particle-sphere: cannot load GL\n");
    } else {
        try {
            status = run(o, window, get_proc);
        } catch (const glbuf::Error &e) {
            std::fprintf(stderr, "glbuf-particle-sphere: %s\n", e.what());
        }
    }
    glbuf_headless_destroy(headless);
    if (window) {
        glfwTerminate();
    }
    return status;
}
