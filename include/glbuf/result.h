/* result.h - the one table of result codes every fallible glbuf call returns.
 *
 * Codes are stable small integers; 0 is success. Test and branch on the code,
 * never on the text of glbuf_result_str. Every call that returns an error code
 * other than the GL and host failures listed in its header leaves the object
 * it was given exactly as it was. */
#ifndef GLBUF_RESULT_H
#define GLBUF_RESULT_H

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(code, message): the single source of the enum and of its strings. */
#define GLBUF_RESULT_TABLE(X)                                                                  \
    X(GLBUF_OK, "success")                                                                     \
    X(GLBUF_ERR_NULL, "a required pointer argument is NULL")                                   \
    X(GLBUF_ERR_INVALID_ARGUMENT, "an argument is outside its documented domain")              \
    X(GLBUF_ERR_ZERO_SIZE, "size is zero where a size is required")                            \
    X(GLBUF_ERR_OVERFLOW, "a size, offset or offset + size overflows")                         \
    X(GLBUF_ERR_OUT_OF_BOUNDS, "the range lies outside the object")                            \
    X(GLBUF_ERR_BAD_ALIGNMENT, "alignment is zero, or no power of two where one is needed")    \
    X(GLBUF_ERR_INVALID_HANDLE, "handle is zero, stale, already freed or from another object") \
    X(GLBUF_ERR_WRONG_KIND, "the object is not of the kind this call takes")                   \
    X(GLBUF_ERR_ALREADY_MAPPED, "the buffer is already mapped")                                \
    X(GLBUF_ERR_NOT_MAPPED, "the buffer is not mapped")                                        \
    X(GLBUF_ERR_IMMUTABLE, "the buffer has immutable storage and cannot be re-specified")      \
    X(GLBUF_ERR_SHRINK, "the new capacity is smaller than the current one")                    \
    X(GLBUF_ERR_FULL, "no room left: the maximum capacity is reached")                         \
    X(GLBUF_ERR_TOO_LARGE, "the request exceeds the configured maximum size")                  \
    X(GLBUF_ERR_OUT_OF_HOST_MEMORY, "the host allocator returned NULL")                        \
    X(GLBUF_ERR_OUT_OF_GPU_MEMORY, "GL reported GL_OUT_OF_MEMORY; old storage kept")           \
    X(GLBUF_ERR_MAP_FAILED, "mapping the buffer failed")                                       \
    X(GLBUF_ERR_CONTENTS_LOST, "glUnmapBuffer returned GL_FALSE: the contents are undefined")  \
    X(GLBUF_ERR_FENCE_FAILED, "creating or waiting on a GL fence failed")                      \
    X(GLBUF_ERR_TIMEOUT, "a wait for the GPU timed out")                                       \
    X(GLBUF_ERR_GL, "an unexpected GL error was raised")                                       \
    X(GLBUF_ERR_UNSUPPORTED, "the GL context lacks a required version or extension")           \
    X(GLBUF_ERR_LOAD_FAILED, "get_proc_address could not load the GL functions")               \
    X(GLBUF_ERR_BUSY, "the object still has live dependents")

typedef enum glbuf_result {
#define GLBUF_RESULT_ENUM(code, message) code,
    GLBUF_RESULT_TABLE(GLBUF_RESULT_ENUM)
#undef GLBUF_RESULT_ENUM
    GLBUF_RESULT_COUNT
} glbuf_result;

/* The message of a code, a static string; "unknown glbuf_result" for values
 * outside the table. Never NULL. Thread-safe. */
GLBUF_API const char *glbuf_result_str(glbuf_result result);

/* The identifier of a code ("GLBUF_ERR_FULL"), for logs; never NULL. */
GLBUF_API const char *glbuf_result_name(glbuf_result result);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_RESULT_H */
