/* main.c - glbuf-demo: a living scene of thousands of glowing shapes whose
 * meshes are born and die every frame, kept in GL buffers by one of five
 * strategies you switch while it runs, with the figures and the memory map
 * drawn over it by glbuf's memory view (glbuf::view, glbuf/view.h).
 * Windowed (GLFW) or headless (EGL, offscreen, PNG out). Options, the loop,
 * the view's lines and the printed figures. */
#define _XOPEN_SOURCE 700 /* POSIX 2008 clock_gettime, and realpath */

#include <glad/gl.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glbuf/ctx.h"
#include "glbuf/stream.h"
#include "glbuf/view.h"
#include "headless.h"
#include "hud.h"
#include "png_write.h"
#include "render.h"
#include "scene.h"
#include "strategies.h"
#include "window.h"

#define BURST_MAX 2000u
#define BURST_SIZE 400u
#define AUTO_FRAMES 300u
#define AUTO_SCREENSHOT "glbuf-demo.png"

typedef struct options {
    demo_strategy_kind strategy;
    int strategy_given;
    uint32_t shapes;
    uint64_t seed;
    uint64_t frames; /* 0: until the window closes */
    int frames_given;
    int headless, window, vsync;
    const char *screenshot;
    int width, height;
    uint32_t defrag_every; /* frames; 0: only on D */
    uint32_t cycle;        /* frames per strategy; 0: stay */
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: glbuf-demo [options]\n"
            "\n"
            "Thousands of procedural shapes are born and die every frame; their meshes\n"
            "live in GL buffers managed by one of five glbuf strategies, switchable while\n"
            "the scene runs. The overlay shows frame time, GL calls, memory and the\n"
            "memory map (allocations coloured by age, free blocks dark).\n"
            "\n"
            "options:\n"
            "  --strategy NAME     per-resource | exact | pow2 | pool | mega (default mega)\n"
            "  --shapes N          shapes alive at once (default 3000)\n"
            "  --seed S            random seed; the same seed gives the same scene (default 1)\n"
            "  --frames N          stop after N frames (default: windowed runs until closed,\n"
            "                      headless runs %u)\n"
            "  --size WxH          window / framebuffer size in pixels (default 1280x720)\n"
            "  --headless          no window: EGL, an offscreen framebuffer, a PNG at the end\n"
            "  --window            windowed only: fail instead of falling back to headless\n"
            "  --screenshot FILE   write the last frame as a PNG (headless default %s)\n"
            "  --defrag-every N    start a compaction every N frames (default: only on D)\n"
            "  --cycle N           switch to the next strategy every N frames\n"
            "  --vsync             sync to the display (default off: frame times are honest)\n"
            "  --help              this text\n"
            "\n"
            "keys:\n"
            "  1..5   strategy: 1 per-resource, 2 exact, 3 pow2, 4 pool, 5 mega\n"
            "  D      defragment (mega: budgeted compaction over a few frames; pow2: repack)\n"
            "  B      burst: %u shapes born at once (watch the buffers grow)\n"
            "  Space  pause the scene\n"
            "  H      help overlay\n"
            "  Esc    quit\n"
            "\n"
            "Without a display (DISPLAY unset, or GLFW cannot open one) it runs headless:\n"
            "%u frames cycling through the strategies, then writes %s and prints\n"
            "the figures of each strategy.\n",
            AUTO_FRAMES, AUTO_SCREENSHOT, BURST_SIZE, AUTO_FRAMES, AUTO_SCREENSHOT);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
        return 0;
    }
    *out = v;
    return 1;
}

/* Returns 0 to run, 1 to exit 0 (--help), 2 to exit with a usage error. */
static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->strategy = STRATEGY_MEGA;
    o->shapes = 3000;
    o->seed = 1;
    o->width = 1280;
    o->height = 720;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n = 0;
        int takes_value = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--headless") == 0) {
            o->headless = 1;
            takes_value = 0;
        } else if (strcmp(a, "--window") == 0) {
            o->window = 1;
            takes_value = 0;
        } else if (strcmp(a, "--vsync") == 0) {
            o->vsync = 1;
            takes_value = 0;
        } else if (v == NULL) {
            fprintf(stderr, "glbuf-demo: %s needs a value (see --help)\n", a);
            return 2;
        } else if (strcmp(a, "--strategy") == 0) {
            if (!strategy_parse(v, &o->strategy)) {
                fprintf(stderr, "glbuf-demo: unknown strategy '%s': per-resource, exact, pow2, pool or mega\n", v);
                return 2;
            }
            o->strategy_given = 1;
        } else if (strcmp(a, "--shapes") == 0) {
            if (!parse_u64(v, &n) || n < 1 || n > 1000000) {
                fprintf(stderr, "glbuf-demo: --shapes takes 1..1000000, not '%s'\n", v);
                return 2;
            }
            o->shapes = (uint32_t)n;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(v, &o->seed)) {
                fprintf(stderr, "glbuf-demo: --seed takes a number, not '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--frames") == 0) {
            if (!parse_u64(v, &o->frames)) {
                fprintf(stderr, "glbuf-demo: --frames takes a number, not '%s'\n", v);
                return 2;
            }
            o->frames_given = 1;
        } else if (strcmp(a, "--size") == 0) {
            int w = 0, h = 0;
            char x = 0, extra = 0;
            if (sscanf(v, "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X') || w < 64 || h < 64 ||
                w > 8192 || h > 8192) {
                fprintf(stderr, "glbuf-demo: --size takes WxH (64..8192), not '%s'\n", v);
                return 2;
            }
            o->width = w;
            o->height = h;
        } else if (strcmp(a, "--screenshot") == 0) {
            o->screenshot = v;
        } else if (strcmp(a, "--defrag-every") == 0 || strcmp(a, "--cycle") == 0) {
            if (!parse_u64(v, &n) || n > UINT32_MAX) {
                fprintf(stderr, "glbuf-demo: %s takes a number of frames, not '%s'\n", a, v);
                return 2;
            }
            *(a[2] == 'd' ? &o->defrag_every : &o->cycle) = (uint32_t)n;
        } else {
            fprintf(stderr, "glbuf-demo: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        i += takes_value;
    }
    if (o->headless && o->window) {
        fprintf(stderr, "glbuf-demo: --headless and --window exclude each other\n");
        return 2;
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- the figures, per strategy ------------------------------------------ */

typedef struct figures {
    uint64_t frames;       /* every frame under the strategy */
    uint64_t steady;       /* frames averaged: not the first after a switch */
    double ms, glbuf_calls, draw_calls, app_calls; /* sums over the steady frames */
    demo_memory memory;    /* at its last frame */
} figures;

static void print_figures(const figures *fig)
{
    for (int k = 0; k < STRATEGY_COUNT; k++) {
        const figures *f = &fig[k];
        if (f->frames == 0) {
            continue;
        }
        double n = f->steady ? (double)f->steady : 1.0;
        printf("strategy %s:\n", strategy_name((demo_strategy_kind)k));
        printf("  frames: %llu\n", (unsigned long long)f->frames);
        printf("  avg frame ms: %.3f\n", f->ms / n);
        printf("  glbuf GL calls/frame: %.1f\n", f->glbuf_calls / n);
        printf("  draw calls/frame: %.1f\n", f->draw_calls / n);
        printf("  app GL calls/frame: %.1f\n", f->app_calls / n);
        printf("  memory used/capacity: %llu / %llu bytes in %u GL buffer%s\n",
               (unsigned long long)f->memory.used, (unsigned long long)f->memory.capacity, f->memory.buffers,
               f->memory.buffers == 1 ? "" : "s");
        printf("  growths: %llu\n", (unsigned long long)f->memory.growths);
        printf("  fragmentation: %.3f\n", f->memory.fragmentation);
    }
    printf("(averages leave out the first frame under each strategy, which uploads every mesh;\n"
           " glbuf GL calls: made by glbuf; draw and app GL calls: made by the demo itself)\n");
}

/* ---- the run ------------------------------------------------------------ */

typedef struct app {
    options opt;
    glbuf_headless *headless;
    demo_window *window;
    GLuint fbo, colour;
    glbuf_ctx *ctx;
    glbuf_stream stream;
    render *render;
    glbuf_view *view;
    strategy *strat;
    demo_scene scene;
    demo_hud hud;
    figures fig[STRATEGY_COUNT];
    int width, height;
} app;

static int fail(const char *what, glbuf_result r)
{
    fprintf(stderr, "glbuf-demo: %s: %s\n", what, glbuf_result_str(r));
    return 0;
}

/* Makes the strategy and gives it every live shape's mesh. */
static int switch_strategy(app *a, demo_strategy_kind kind)
{
    char why[256] = "";
    glbuf_view_clear(a->view); /* it reads the strategy at each draw */
    strategy_destroy(a->strat);
    a->strat = strategy_create(a->ctx, kind, a->scene.capacity, why, sizeof why);
    if (a->strat == NULL) {
        fprintf(stderr, "glbuf-demo: %s\n", why);
        return 0;
    }
    glbuf_result shown = strategy_show(a->strat, a->view);
    if (shown == GLBUF_OK) {
        shown = glbuf_view_show_stream(a->view, a->stream, "frame data (stream ring)");
    }
    if (shown != GLBUF_OK) {
        return fail("glbuf_view_show", shown);
    }
    glbuf_view_set_trace_rgba(a->view, strategy_rgba[kind] & 0xFFFFFFD9u);
    for (uint32_t k = 0; k < a->scene.live_count; k++) {
        uint32_t slot = a->scene.live[k];
        glbuf_result r = strategy_upload(a->strat, slot, &a->scene.shapes[slot].mesh);
        if (r != GLBUF_OK) {
            return fail("upload", r);
        }
    }
    a->hud.strategy = kind;
    return 1;
}

/* The scene's births, deaths and morphs, handed to the strategy. */
static int apply_changes(app *a)
{
    glbuf_result r;
    for (uint32_t k = 0; k < a->scene.died_count; k++) {
        if ((r = strategy_release(a->strat, a->scene.died[k])) != GLBUF_OK) {
            return fail("release", r);
        }
    }
    for (uint32_t k = 0; k < a->scene.born_count; k++) {
        uint32_t slot = a->scene.born[k];
        if ((r = strategy_upload(a->strat, slot, &a->scene.shapes[slot].mesh)) != GLBUF_OK) {
            return fail("upload", r);
        }
    }
    for (uint32_t k = 0; k < a->scene.morphed_count; k++) {
        uint32_t slot = a->scene.morphed[k];
        if ((r = strategy_upload(a->strat, slot, &a->scene.shapes[slot].mesh)) != GLBUF_OK) {
            return fail("upload", r);
        }
    }
    return 1;
}

static int write_screenshot(app *a, const char *path)
{
    size_t stride = (size_t)a->width * 4;
    uint8_t *px = malloc(stride * (size_t)a->height);
    if (px == NULL) {
        fprintf(stderr, "glbuf-demo: out of memory for the screenshot\n");
        return 0;
    }
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, a->width, a->height, GL_RGBA, GL_UNSIGNED_BYTE, px);
    for (size_t i = 3; i < stride * (size_t)a->height; i += 4) {
        px[i] = 255; /* blending wrote alpha; the picture is opaque */
    }
    char why[256] = "";
    int ok = rgba_png_write(path, px, a->width, a->height, stride, 1, why, sizeof why);
    free(px);
    if (!ok) {
        fprintf(stderr, "glbuf-demo: %s\n", why);
        return 0;
    }
    char abs[PATH_MAX];
    printf("wrote %s\n", realpath(path, abs) ? abs : path);
    return 1;
}

static void handle_key(app *a, int key, int *quit)
{
    demo_strategy_kind k;
    char name[2] = {(char)key, 0};
    if (key >= '1' && key <= '5' && strategy_parse(name, &k) && k != a->hud.strategy) {
        if (!switch_strategy(a, k)) {
            *quit = 2;
        }
    } else if (key == 'd') {
        strategy_defragment(a->strat);
    } else if (key == 'b') {
        scene_burst(&a->scene, BURST_SIZE);
    } else if (key == ' ') {
        a->hud.paused = !a->hud.paused;
    } else if (key == 'h') {
        a->hud.help = !a->hud.help;
    } else if (key == 27) {
        *quit = 1;
    }
}

/* Runs frames until done; returns the exit status. */
static int run(app *a)
{
    uint64_t calls_before = glbuf_ctx_get_stats(a->ctx).calls_total;
    uint64_t segment_start = 0; /* frame the current strategy started */
    int quit = 0;
    for (uint64_t frame = 0; !quit; frame++) {
        double t0 = now_ms();
        if (a->window) {
            window_poll(a->window);
            for (int key; (key = window_next_key(a->window)) != 0;) {
                uint32_t before = a->hud.strategy;
                handle_key(a, key, &quit);
                if (a->hud.strategy != before) {
                    segment_start = frame;
                }
            }
            if (window_should_close(a->window)) {
                quit = 1;
            }
            window_size(a->window, &a->width, &a->height);
            if (a->width <= 0 || a->height <= 0) { /* minimised: wait, draw nothing */
                struct timespec nap = {0, 20 * 1000 * 1000};
                nanosleep(&nap, NULL);
                frame--;
                continue;
            }
            a->scene.aspect = (float)a->width / (float)a->height;
        }
        if (quit == 2) {
            return 1;
        }
        if (quit) {
            break;
        }
        if (a->opt.cycle && frame > 0 && frame % a->opt.cycle == 0) {
            if (!switch_strategy(a, (demo_strategy_kind)((a->hud.strategy + 1) % STRATEGY_COUNT))) {
                return 1;
            }
            segment_start = frame;
        }
        if (!a->hud.paused || frame == 0) {
            if (!scene_update(&a->scene)) {
                fprintf(stderr, "glbuf-demo: out of memory\n");
                return 1;
            }
            if (!apply_changes(a)) {
                return 1;
            }
        }
        if (a->opt.defrag_every && frame > 0 && frame % a->opt.defrag_every == 0) {
            strategy_defragment(a->strat);
        }
        glbuf_result r = strategy_update(a->strat);
        if (r != GLBUF_OK) {
            return fail("defragment", r), 1;
        }

        demo_gl_counts counts = {0, 0};
        glBindFramebuffer(GL_FRAMEBUFFER, a->fbo);
        uint64_t streamed = 0;
        if ((r = render_scene(a->render, &a->scene, a->strat, a->ctx, a->stream, a->width, a->height, &counts,
                              &streamed)) != GLBUF_OK) {
            return fail("draw", r), 1;
        }
        demo_hud *h = &a->hud;
        h->shapes = a->scene.live_count;
        if (!h->paused) {
            h->born = a->scene.born_count;
            h->died = a->scene.died_count;
            h->morphed = a->scene.morphed_count;
        }
        h->stream_bytes = streamed;
        h->memory = strategy_memory(a->strat);
        hud_lines(a->view, h);
        if ((r = glbuf_view_draw(a->view, a->width, a->height)) != GLBUF_OK) {
            return fail("glbuf_view_draw", r), 1;
        }
        counts.draws += 1; /* the view's one draw; its GL calls are its own */

        int last = a->opt.frames && frame + 1 >= a->opt.frames;
        if (last && a->opt.screenshot && !write_screenshot(a, a->opt.screenshot)) {
            return 1;
        }
        glbuf_ctx_end_frame(a->ctx);
        if (a->window) {
            window_swap(a->window);
        }

        /* The figures of this frame. */
        double ms = now_ms() - t0;
        uint64_t calls = glbuf_ctx_get_stats(a->ctx).calls_total;
        double glbuf_calls = (double)(calls - calls_before);
        calls_before = calls;
        figures *f = &a->fig[h->strategy];
        f->frames++;
        if (frame != segment_start) {
            f->steady++;
            f->ms += ms;
            f->glbuf_calls += glbuf_calls;
            f->draw_calls += counts.draws;
            f->app_calls += counts.calls;
        }
        f->memory = h->memory;
        /* Smoothed, restarting after a switch so the overlay shows the new strategy at once. */
        double k = frame == 0 || frame == segment_start + 1 ? 1.0 : 0.08;
        h->frame_ms += (ms - h->frame_ms) * k;
        h->glbuf_calls += (glbuf_calls - h->glbuf_calls) * k;
        h->draw_calls += ((double)counts.draws - h->draw_calls) * k;
        h->app_calls += ((double)counts.calls - h->app_calls) * k;
        if (a->window && frame % 30 == 0) {
            char title[128];
            snprintf(title, sizeof title, "glbuf demo - %s - %.2f ms - %u shapes", strategy_name(h->strategy),
                     h->frame_ms, h->shapes);
            window_set_title(a->window, title);
        }
        if (last) {
            break;
        }
    }
    return 0;
}

/* The offscreen framebuffer of a headless run. */
static int make_framebuffer(app *a)
{
    glCreateRenderbuffers(1, &a->colour);
    glNamedRenderbufferStorage(a->colour, GL_RGBA8, a->width, a->height);
    glCreateFramebuffers(1, &a->fbo);
    glNamedFramebufferRenderbuffer(a->fbo, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, a->colour);
    GLenum status = glCheckNamedFramebufferStatus(a->fbo, GL_FRAMEBUFFER);
    if (status != GL_FRAMEBUFFER_COMPLETE) {
        fprintf(stderr, "glbuf-demo: offscreen framebuffer incomplete (0x%x)\n", (unsigned)status);
        return 0;
    }
    return 1;
}

/* Opens the window, or the headless context. Returns 0 on failure (printed). */
static int open_context(app *a)
{
    options *o = &a->opt;
    char why[512] = "";
    if (!o->headless && !o->window) {
        const char *d = getenv("DISPLAY"), *wd = getenv("WAYLAND_DISPLAY");
        if ((d == NULL || d[0] == '\0') && (wd == NULL || wd[0] == '\0')) {
            printf("glbuf-demo: no display (DISPLAY is unset): running headless\n");
            o->headless = 2;
        }
    }
    if (!o->headless) {
        demo_window_status st;
        a->window = window_create(a->width, a->height, "glbuf demo", o->vsync, &st, why, sizeof why);
        if (a->window == NULL && (st == WINDOW_FAILED || o->window)) {
            fprintf(stderr, "glbuf-demo: cannot open a window: %s\n", why);
            return 0;
        }
        if (a->window == NULL) {
            printf("glbuf-demo: %s: running headless\n", why);
            o->headless = 2;
        }
    }
    if (o->headless == 2) { /* fell back: the README's demo command */
        if (!o->frames_given) {
            o->frames = AUTO_FRAMES;
        }
        if (!o->strategy_given && o->cycle == 0) {
            o->cycle = (uint32_t)(o->frames / STRATEGY_COUNT > 0 ? o->frames / STRATEGY_COUNT : 1);
            o->strategy = STRATEGY_PER_RESOURCE; /* ... ending on mega */
        }
    }
    if (o->headless) {
        if (!o->frames_given && o->headless == 1) {
            o->frames = AUTO_FRAMES;
        }
        if (o->screenshot == NULL) {
            o->screenshot = AUTO_SCREENSHOT;
        }
        a->headless = glbuf_headless_create(NULL, why, sizeof why);
        if (a->headless == NULL) {
            fprintf(stderr, "glbuf-demo: cannot create a headless GL 4.5 core context: %s\n", why);
            return 0;
        }
    }
    glbuf_get_proc_address_fn get = a->window ? window_get_proc : glbuf_headless_get_proc;
    int version = gladLoadGL((GLADloadfunc)get);
    if (version == 0) {
        fprintf(stderr, "glbuf-demo: cannot load the GL functions\n");
        return 0;
    }
    if (GLAD_VERSION_MAJOR(version) * 10 + GLAD_VERSION_MINOR(version) < 45) {
        fprintf(stderr, "glbuf-demo: GL 4.5 core is needed, the context has %s\n",
                (const char *)glGetString(GL_VERSION));
        return 0;
    }
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = get;
    cd.label_prefix = "glbuf-demo";
    glbuf_result r = glbuf_ctx_create(&cd, &a->ctx);
    if (r != GLBUF_OK) {
        return fail("glbuf_ctx_create", r);
    }
    if (a->headless && !make_framebuffer(a)) {
        return 0;
    }
    return 1;
}

static void close_all(app *a)
{
    if (a->ctx) {
        glbuf_ctx_wait_idle(a->ctx);
    }
    glbuf_view_clear(a->view);
    strategy_destroy(a->strat);
    glbuf_view_destroy(a->view);
    render_destroy(a->render);
    if (a->stream.id != 0) {
        glbuf_stream_destroy(a->ctx, a->stream);
    }
    if (a->fbo) {
        glDeleteFramebuffers(1, &a->fbo);
        glDeleteRenderbuffers(1, &a->colour);
    }
    glbuf_ctx_destroy(a->ctx);
    scene_free(&a->scene);
    window_destroy(a->window);
    glbuf_headless_destroy(a->headless);
}

int main(int argc, char **argv)
{
    static app a;
    int parsed = parse_options(argc, argv, &a.opt);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }
    a.width = a.opt.width;
    a.height = a.opt.height;
    int status = 1;
    char why[512] = "";
    if (!open_context(&a)) {
        close_all(&a);
        return 1;
    }
    glbuf_caps caps = glbuf_ctx_get_caps(a.ctx);
    printf("glbuf-demo: GL %d.%d, %s; %s %dx%d; %u shapes, seed %llu\n", caps.gl_major, caps.gl_minor,
           caps.renderer, a.window ? "window" : "headless", a.width, a.height, a.opt.shapes,
           (unsigned long long)a.opt.seed);
    fflush(stdout);

    glbuf_stream_desc sd = {0};
    sd.capacity = 8u << 20;
    sd.label = "demo-frame-data";
    glbuf_view_desc vd = {0};
    vd.get_proc_address = a.window ? window_get_proc : glbuf_headless_get_proc;
    vd.label_prefix = "glbuf-demo";
    glbuf_result r = glbuf_stream_create(a.ctx, &sd, &a.stream);
    if (r != GLBUF_OK) {
        fail("glbuf_stream_create", r);
    } else if ((r = glbuf_view_create(a.ctx, &vd, &a.view)) != GLBUF_OK) {
        fail("glbuf_view_create", r);
    } else if ((a.render = render_create(why, sizeof why)) == NULL) {
        fprintf(stderr, "glbuf-demo: %s\n", why);
    } else if (!scene_init(&a.scene, a.opt.shapes, BURST_MAX, a.opt.seed, (float)a.width / (float)a.height)) {
        fprintf(stderr, "glbuf-demo: out of memory for %u shapes\n", a.opt.shapes);
    } else if (switch_strategy(&a, a.opt.strategy)) {
        status = run(&a);
        printf("frames done; figures per strategy (%s):\n", caps.renderer);
        print_figures(a.fig);
    }
    close_all(&a);
    return status;
}
