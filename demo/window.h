/* window.h - the demo's window: GLFW with a GL 4.5 core context, keys, size. */
#ifndef DEMO_WINDOW_H
#define DEMO_WINDOW_H

#include <stddef.h>

#include "glbuf/ctx.h"

typedef struct demo_window demo_window;

typedef enum demo_window_status {
    WINDOW_OK = 0,
    WINDOW_NO_DISPLAY, /* glfwInit failed: no display to open a window on */
    WINDOW_FAILED      /* a display, but no window or no GL 4.5 core context */
} demo_window_status;

/* Opens a width x height window titled `title` with its context current.
 * NULL with *status and the reason in why on failure. */
demo_window *window_create(int width, int height, const char *title, int vsync, demo_window_status *status,
                           char *why, size_t why_size);
void window_destroy(demo_window *w);

/* glfwGetProcAddress, for glbuf and the demo's glad. */
glbuf_gl_proc window_get_proc(const char *name);

/* Polls events. Returns the next key pressed since the last call ('1'..'5',
 * 'd', 'b', ' ', 'h', 27 for Esc), or 0 when none is left. */
void window_poll(demo_window *w);
int window_next_key(demo_window *w);
int window_should_close(const demo_window *w);
void window_close(demo_window *w);
/* The framebuffer size in pixels (follows resizes). */
void window_size(const demo_window *w, int *width, int *height);
void window_set_title(demo_window *w, const char *title);
void window_swap(demo_window *w);

#endif /* DEMO_WINDOW_H */
