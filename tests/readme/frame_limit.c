/* frame_limit.c - preloaded (LD_PRELOAD) into the README's programs by
 * tests/readme/run.cmake, so that they run exactly as written: after
 * README_FRAMES buffer swaps (default 60) it reads the frame back, prints
 *     readme-frames: frame N, WxH, K colours
 * and from then on glfwWindowShouldClose returns 1, as if the user had
 * closed the window. With README_PPM=FILE it also writes that frame there
 * (binary PPM, top row first). Everything else goes to the real GLFW. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <GLFW/glfw3.h>

/* The GL enums the read-back needs (no GL header: this is not a GL app). */
#define RL_BACK 0x0405
#define RL_RGBA 0x1908
#define RL_UNSIGNED_BYTE 0x1401
#define RL_PACK_ALIGNMENT 0x0D05
#define RL_READ_FRAMEBUFFER 0x8CA8
#define RL_READ_FRAMEBUFFER_BINDING 0x8CAA
#define RL_READ_BUFFER 0x0C02

typedef void (*read_pixels_fn)(int, int, int, int, unsigned, unsigned, void *);
typedef void (*get_integerv_fn)(unsigned, int *);
typedef void (*one_enum_fn)(unsigned);
typedef void (*bind_framebuffer_fn)(unsigned, unsigned);
typedef void (*pixel_store_fn)(unsigned, int);

static long swaps;
static int closed;

static long frames_wanted(void)
{
    const char *e = getenv("README_FRAMES");
    long n = e ? strtol(e, NULL, 10) : 60;
    return n > 0 ? n : 60;
}

/* A GL entry point through GLFW (the program's context is current). */
static void *gl(const char *name)
{
    GLFWglproc p = glfwGetProcAddress(name);
    void *out;
    memcpy(&out, &p, sizeof out);
    return out;
}

/* Distinct colours in the back buffer, up to 64. */
static void inspect(GLFWwindow *w)
{
    int width = 0, height = 0;
    glfwGetFramebufferSize(w, &width, &height);
    read_pixels_fn read_pixels = (read_pixels_fn)(uintptr_t)gl("glReadPixels");
    get_integerv_fn get_integerv = (get_integerv_fn)(uintptr_t)gl("glGetIntegerv");
    one_enum_fn read_buffer = (one_enum_fn)(uintptr_t)gl("glReadBuffer");
    bind_framebuffer_fn bind_framebuffer = (bind_framebuffer_fn)(uintptr_t)gl("glBindFramebuffer");
    pixel_store_fn pixel_store = (pixel_store_fn)(uintptr_t)gl("glPixelStorei");
    uint8_t *px = malloc((size_t)width * (size_t)height * 4);
    if (width <= 0 || height <= 0 || px == NULL || !read_pixels || !get_integerv || !read_buffer ||
        !bind_framebuffer || !pixel_store) {
        fprintf(stderr, "readme-frames: frame %ld: cannot read the frame back\n", swaps);
        free(px);
        return;
    }
    int fbo = 0, buffer = 0, pack = 4;
    get_integerv(RL_READ_FRAMEBUFFER_BINDING, &fbo);
    get_integerv(RL_READ_BUFFER, &buffer);
    get_integerv(RL_PACK_ALIGNMENT, &pack);
    bind_framebuffer(RL_READ_FRAMEBUFFER, 0);
    read_buffer(RL_BACK);
    pixel_store(RL_PACK_ALIGNMENT, 1);
    read_pixels(0, 0, width, height, RL_RGBA, RL_UNSIGNED_BYTE, px);
    pixel_store(RL_PACK_ALIGNMENT, pack);
    read_buffer((unsigned)buffer);
    bind_framebuffer(RL_READ_FRAMEBUFFER, (unsigned)fbo);
    const char *ppm = getenv("README_PPM");
    FILE *out = ppm ? fopen(ppm, "wb") : NULL;
    if (out != NULL) {
        fprintf(out, "P6\n%d %d\n255\n", width, height);
        for (int y = height - 1; y >= 0; y--) {
            for (int x = 0; x < width; x++) {
                fwrite(px + ((size_t)y * (size_t)width + (size_t)x) * 4, 1, 3, out);
            }
        }
        fclose(out);
    }
    uint32_t seen[64];
    int colours = 0;
    for (size_t i = 0; i < (size_t)width * (size_t)height && colours < 64; i++) {
        uint32_t c = (uint32_t)px[i * 4] << 16 | (uint32_t)px[i * 4 + 1] << 8 | px[i * 4 + 2];
        int known = 0;
        for (int k = 0; k < colours && !known; k++) {
            known = seen[k] == c;
        }
        if (!known) {
            seen[colours++] = c;
        }
    }
    free(px);
    fprintf(stderr, "readme-frames: frame %ld, %dx%d, %d colours\n", swaps, width, height, colours);
}

void glfwSwapBuffers(GLFWwindow *w)
{
    static void (*real)(GLFWwindow *);
    if (real == NULL) {
        *(void **)&real = dlsym(RTLD_NEXT, "glfwSwapBuffers");
    }
    if (++swaps == frames_wanted()) {
        inspect(w);
        closed = 1;
    }
    real(w);
}

int glfwWindowShouldClose(GLFWwindow *w)
{
    static int (*real)(GLFWwindow *);
    if (real == NULL) {
        *(void **)&real = dlsym(RTLD_NEXT, "glfwWindowShouldClose");
    }
    return closed || real(w);
}
