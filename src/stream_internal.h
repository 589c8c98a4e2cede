/* stream_internal.h - the streaming ring of stream.c for other modules: the
 * megabuffer's device-local placement stages its writes in a private ring
 * (mega_staging.c), created and driven through these calls instead of
 * through a handle in the context's object table. The same machinery as
 * glbuf_stream, plus the cut, which lets one frame stream more than the ring
 * holds. */
#ifndef GLBUF_STREAM_INTERNAL_H
#define GLBUF_STREAM_INTERNAL_H

#include "ctx_internal.h"
#include "glbuf/stream.h"

typedef struct glbuf_stream_obj glbuf_stream_obj;

/* As glbuf_stream_create / _destroy / _alloc / _flush / _get_stats (stream.h),
 * on the object itself. */
glbuf_result glbuf_stream_obj_create(glbuf_ctx *ctx, const glbuf_stream_desc *desc, glbuf_stream_obj **out);
void glbuf_stream_obj_destroy(glbuf_stream_obj **s);
glbuf_result glbuf_stream_obj_alloc(glbuf_stream_obj *s, uint64_t size, uint64_t align,
                                    glbuf_stream_allocation *out);
glbuf_result glbuf_stream_obj_flush(glbuf_stream_obj *s);
glbuf_stream_stats glbuf_stream_obj_stats(const glbuf_stream_obj *s);

/* Bytes handed out in the current frame since it began or since the last cut
 * (alignment and wrapping included). */
uint64_t glbuf_stream_obj_open_bytes(const glbuf_stream_obj *s);

/* 1 when the ring has reached max_capacity: it will not grow again. */
int glbuf_stream_obj_at_max(const glbuf_stream_obj *s);

/* Closes what was handed out in this frame so far as a region of its own,
 * retired by a fence inserted now instead of the frame's: once the GL
 * commands issued before the cut have completed, its bytes are reused even
 * though the frame has not ended. Flushes the ring first (explicit flush:
 * glFlushMappedBufferRange; fallback: the upload, and the next allocation
 * orphans the store and starts again from 0). The caller must have issued
 * every GL command that reads those bytes, and must not write them again.
 * Fails only when waiting for a free region slot fails (GLBUF_ERR_FENCE_FAILED,
 * GLBUF_ERR_TIMEOUT); then nothing changed but the flush. */
glbuf_result glbuf_stream_obj_cut(glbuf_stream_obj *s);

#endif /* GLBUF_STREAM_INTERNAL_H */
