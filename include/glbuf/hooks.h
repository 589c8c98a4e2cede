/* hooks.h - host allocator and logger hooks shared by every glbuf manager.
 *
 * A zero-initialised hook means "use the default": malloc/free for the
 * allocator, silence for the logger. */
#ifndef GLBUF_HOOKS_H
#define GLBUF_HOOKS_H

#include <stddef.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Host memory for glbuf's own bookkeeping (never for GPU data).
 * alloc returns NULL on failure; glbuf then returns GLBUF_ERR_OUT_OF_HOST_MEMORY
 * and changes nothing. Both functions or neither must be set. */
typedef struct glbuf_allocator {
    void *(*alloc)(size_t size, void *user);
    void (*free)(void *ptr, void *user);
    void *user;
} glbuf_allocator;

typedef enum glbuf_log_level {
    GLBUF_LOG_ERROR = 0,
    GLBUF_LOG_WARNING = 1,
    GLBUF_LOG_INFO = 2,
    GLBUF_LOG_DEBUG = 3
} glbuf_log_level;

/* Receives one complete line (no trailing newline); message lives only for the
 * duration of the call. */
typedef struct glbuf_logger {
    void (*log)(glbuf_log_level level, const char *message, void *user);
    void *user;
} glbuf_logger;

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_HOOKS_H */
