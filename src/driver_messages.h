/* driver_messages.h - reading the driver's KHR_debug messages about buffer
 * placement (NVIDIA's 131185 "Buffer detailed info", 131186 "Buffer
 * performance warning", 131188 "Analysis of buffer object") and saying in
 * plain words what they mean for glbuf's buffers.
 *
 * The driver names a buffer by its GL label when it has one, else by its GL
 * name in digits:
 *     Buffer performance warning: Buffer object glbuf:particles (bound to ...
 *     Buffer performance warning: Buffer object 22 (bound to ...
 * glbuf labels every GL buffer it creates "<label_prefix>:<label>" whenever
 * KHR_debug is there (and without KHR_debug no message arrives), so a buffer
 * named by such a label is glbuf's, and the label says which object it
 * belongs to. A buffer named by digits has no label: it is not one of glbuf's.
 *
 * Everything here is text in, text out: no GL call and no state, so it may
 * run on whatever thread the driver calls the debug callback from. */
#ifndef GLBUF_DRIVER_MESSAGES_H
#define GLBUF_DRIVER_MESSAGES_H

#include <stdint.h>

#include "glbuf/export.h"

typedef enum glbuf_driver_event {
    GLBUF_DRIVER_NONE = 0,         /* not a buffer-placement message known here */
    GLBUF_DRIVER_MOVED_TO_HOST,    /* "... is being copied/moved from VIDEO memory to HOST memory." */
    GLBUF_DRIVER_USES_VIDEO,       /* "... will use VIDEO memory as the source for buffer object operations." */
    GLBUF_DRIVER_USES_HOST,        /* "... will use SYSTEM HEAP | HOST | DMA CACHED memory as the source ..." */
    GLBUF_DRIVER_MAPPED_CACHED,    /* "... has been mapped in DMA CACHED memory." */
    GLBUF_DRIVER_MAPPED_UNCACHED,  /* "... has been mapped [WRITE_ONLY] in SYSTEM HEAP | HOST memory ..." */
    GLBUF_DRIVER_USAGE_MISMATCH    /* "Analysis of buffer object ... The usage hint ... is inconsistent ..." */
} glbuf_driver_event;

typedef struct glbuf_driver_note {
    glbuf_driver_event event;
    char buffer[96];         /* how the message names the buffer (label or digits), truncated */
    uint32_t gl_name;        /* the GL name when the message gives digits, else 0 */
    int glbuf_owned;         /* the name is a "<label_prefix>:" label */
    const char *object;      /* glbuf_owned: the object's label (after the prefix), inside buffer */
    const char *explanation; /* one line, a static string */
} glbuf_driver_note;

/* Reads a debug message's text. Returns 1 and fills *note when it is one of
 * the buffer messages above and names its buffer; 0 otherwise (*note then
 * zeroed). label_prefix is the context's (glbuf_ctx_desc.label_prefix). */
GLBUF_API int glbuf_driver_explain(const char *message, const char *label_prefix, glbuf_driver_note *note);

#endif /* GLBUF_DRIVER_MESSAGES_H */
