/* driver_messages.c - reading NVIDIA's buffer-placement debug messages
 * (driver_messages.h). The message shapes:
 *
 *   Buffer performance warning: Buffer object NAME (bound to ...) is being
 *       copied/moved from VIDEO memory to HOST memory.
 *   Buffer detailed info: Buffer object NAME (bound to ...) will use WHERE
 *       memory as the source for buffer object operations.
 *   Buffer detailed info: Buffer object NAME (bound to ...) has been mapped
 *       [WRITE_ONLY ]in WHERE memory[ (fast)].
 *   Analysis of buffer object NAME (bound to ...) usage indicates that ...
 *       The usage hint supplied with this buffer object, HINT, is
 *       inconsistent with this usage pattern. ...
 *
 * NAME is the GL label, which may hold spaces, or the GL name in digits; the
 * "(bound to ...)" list holds parentheses of its own ("GL_SHADER_STORAGE_BUFFER
 * (0)"), so it is skipped by depth, and only the text after it is read. */
#include "driver_messages.h"

#include <stdio.h>
#include <string.h>

static const char *const explanations[] = {
    [GLBUF_DRIVER_NONE] = "",
    [GLBUF_DRIVER_MOVED_TO_HOST] =
        "the driver moved it out of GPU memory into host memory, usually because the CPU maps it or reads it "
        "back; GPU reads now cross the bus. Expected for glbuf's stream and readback rings and the host-visible "
        "megabuffer; for data a discrete GPU reads every frame use the device-local megabuffer, and fetch GPU "
        "results with glbuf_readback instead of mapping or get_sub_data.",
    [GLBUF_DRIVER_USES_VIDEO] =
        "it lives in GPU memory: the fastest place for the GPU to read it; CPU writes reach it through copies "
        "(glbuf_stream, the device-local megabuffer). Nothing to do.",
    [GLBUF_DRIVER_USES_HOST] =
        "it lives in host memory, so the GPU reads it across the bus. Right for glbuf's stream and readback rings "
        "and a host-visible megabuffer on an integrated GPU; on a discrete GPU, data drawn many times per frame "
        "belongs in the device-local megabuffer.",
    [GLBUF_DRIVER_MAPPED_CACHED] =
        "its CPU mapping is cached host memory: fast for the CPU to read, as a readback ring wants. Nothing to do.",
    [GLBUF_DRIVER_MAPPED_UNCACHED] =
        "its CPU mapping is uncached (write-combined) host memory: fast to write, many times slower to read. "
        "Only write through it (as glbuf_stream and megabuffer pointers are meant to be used); read GPU results "
        "with glbuf_readback.",
    [GLBUF_DRIVER_USAGE_MISMATCH] =
        "the driver sees the GPU both write and read it while its usage hint says otherwise. For a glbuf_buffer "
        "filled by the GPU give a *_COPY usage in its desc; immutable storage (megabuffer, rings) is placed by its "
        "storage flags, so there the hint is harmless.",
};

/* After "Buffer object " / "buffer object ": the name up to " (", and the
 * text after the matching ")". NULL when the shape does not match. */
static const char *read_name(const char *m, glbuf_driver_note *note)
{
    const char *start = strstr(m, "Buffer object ");
    if (start == NULL) {
        start = strstr(m, "buffer object ");
    }
    if (start == NULL) {
        return NULL;
    }
    start += strlen("Buffer object ");
    const char *open = strstr(start, " (bound to ");
    if (open == NULL) {
        open = strstr(start, " (");
    }
    if (open == NULL || open == start) {
        return NULL;
    }
    size_t len = (size_t)(open - start);
    if (len >= sizeof note->buffer) {
        len = sizeof note->buffer - 1;
    }
    memcpy(note->buffer, start, len);
    note->buffer[len] = '\0';
    int depth = 0;
    for (const char *p = open + 1; *p != '\0'; p++) {
        if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

#define STARTS(text, literal) (strncmp((text), (literal), sizeof(literal) - 1) == 0)

static glbuf_driver_event classify(const char *rest)
{
    if (STARTS(rest, " is being copied/moved from VIDEO memory to HOST memory")) {
        return GLBUF_DRIVER_MOVED_TO_HOST;
    }
    if (STARTS(rest, " will use ") && strstr(rest, " memory as the source for buffer object operations") != NULL) {
        return STARTS(rest, " will use VIDEO memory") ? GLBUF_DRIVER_USES_VIDEO : GLBUF_DRIVER_USES_HOST;
    }
    if (STARTS(rest, " has been mapped ")) {
        if (strstr(rest, " in DMA CACHED memory") != NULL) {
            return GLBUF_DRIVER_MAPPED_CACHED;
        }
        if (strstr(rest, "WRITE_ONLY") != NULL || strstr(rest, " in SYSTEM HEAP memory") != NULL) {
            return GLBUF_DRIVER_MAPPED_UNCACHED;
        }
        return GLBUF_DRIVER_NONE;
    }
    if (STARTS(rest, " usage indicates that ") && strstr(rest, " is inconsistent with this usage pattern") != NULL) {
        return GLBUF_DRIVER_USAGE_MISMATCH;
    }
    return GLBUF_DRIVER_NONE;
}

int glbuf_driver_explain(const char *message, const char *label_prefix, glbuf_driver_note *note)
{
    memset(note, 0, sizeof *note);
    if (message == NULL) {
        return 0;
    }
    const char *rest = read_name(message, note);
    glbuf_driver_event event = rest ? classify(rest) : GLBUF_DRIVER_NONE;
    if (event == GLBUF_DRIVER_NONE) {
        memset(note, 0, sizeof *note);
        return 0;
    }
    note->event = event;
    note->explanation = explanations[event];
    size_t digits = strspn(note->buffer, "0123456789");
    if (digits > 0 && digits <= 9 && note->buffer[digits] == '\0') {
        unsigned long v = 0;
        sscanf(note->buffer, "%lu", &v);
        note->gl_name = (uint32_t)v;
    }
    size_t n = label_prefix ? strlen(label_prefix) : 0;
    if (n > 0 && strncmp(note->buffer, label_prefix, n) == 0 && note->buffer[n] == ':') {
        note->glbuf_owned = 1;
        note->object = note->buffer + n + 1;
    }
    return 1;
}
