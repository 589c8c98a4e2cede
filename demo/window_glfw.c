/* window_glfw.c - the demo's window on GLFW 3 (window.h). */
#include "window.h"

#include <GLFW/glfw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_QUEUE 32

struct demo_window {
    GLFWwindow *win;
    int keys[KEY_QUEUE];
    int key_head, key_count;
};

static char last_error[256];

static void on_error(int code, const char *what)
{
    snprintf(last_error, sizeof last_error, "%s (GLFW error 0x%x)", what, (unsigned)code);
}

static void on_key(GLFWwindow *win, int key, int scancode, int action, int mods)
{
    (void)scancode;
    (void)mods;
    if (action != GLFW_PRESS) {
        return;
    }
    demo_window *w = glfwGetWindowUserPointer(win);
    int k = 0;
    if (key >= GLFW_KEY_1 && key <= GLFW_KEY_5) {
        k = '1' + (key - GLFW_KEY_1);
    } else if (key >= GLFW_KEY_KP_1 && key <= GLFW_KEY_KP_5) {
        k = '1' + (key - GLFW_KEY_KP_1);
    } else if (key == GLFW_KEY_D) {
        k = 'd';
    } else if (key == GLFW_KEY_B) {
        k = 'b';
    } else if (key == GLFW_KEY_H || key == GLFW_KEY_F1) {
        k = 'h';
    } else if (key == GLFW_KEY_SPACE) {
        k = ' ';
    } else if (key == GLFW_KEY_ESCAPE || key == GLFW_KEY_Q) {
        k = 27;
    }
    if (k != 0 && w->key_count < KEY_QUEUE) {
        w->keys[(w->key_head + w->key_count++) % KEY_QUEUE] = k;
    }
}

demo_window *window_create(int width, int height, const char *title, int vsync, demo_window_status *status,
                           char *why, size_t why_size)
{
    glfwSetErrorCallback(on_error);
    if (!glfwInit()) {
        *status = WINDOW_NO_DISPLAY;
        snprintf(why, why_size, "glfwInit failed: %s", last_error[0] ? last_error : "no display");
        return NULL;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 4);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 5);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SAMPLES, 0);
    GLFWwindow *win = glfwCreateWindow(width, height, title, NULL, NULL);
    if (win == NULL) {
        *status = WINDOW_FAILED;
        snprintf(why, why_size, "no window with a GL 4.5 core context: %s",
                 last_error[0] ? last_error : "glfwCreateWindow failed");
        glfwTerminate();
        return NULL;
    }
    demo_window *w = calloc(1, sizeof *w);
    if (w == NULL) {
        *status = WINDOW_FAILED;
        snprintf(why, why_size, "out of memory");
        glfwDestroyWindow(win);
        glfwTerminate();
        return NULL;
    }
    w->win = win;
    glfwSetWindowUserPointer(win, w);
    glfwSetKeyCallback(win, on_key);
    glfwMakeContextCurrent(win);
    glfwSwapInterval(vsync ? 1 : 0);
    *status = WINDOW_OK;
    return w;
}

void window_destroy(demo_window *w)
{
    if (w == NULL) {
        return;
    }
    glfwDestroyWindow(w->win);
    glfwTerminate();
    free(w);
}

glbuf_gl_proc window_get_proc(const char *name)
{
    return (glbuf_gl_proc)glfwGetProcAddress(name);
}

void window_poll(demo_window *w)
{
    (void)w;
    glfwPollEvents();
}

int window_next_key(demo_window *w)
{
    if (w->key_count == 0) {
        return 0;
    }
    int k = w->keys[w->key_head];
    w->key_head = (w->key_head + 1) % KEY_QUEUE;
    w->key_count--;
    return k;
}

int window_should_close(const demo_window *w)
{
    return glfwWindowShouldClose(w->win);
}

void window_close(demo_window *w)
{
    glfwSetWindowShouldClose(w->win, GLFW_TRUE);
}

void window_size(const demo_window *w, int *width, int *height)
{
    glfwGetFramebufferSize(w->win, width, height);
}

void window_set_title(demo_window *w, const char *title)
{
    glfwSetWindowTitle(w->win, title);
}

void window_swap(demo_window *w)
{
    glfwSwapBuffers(w->win);
}
