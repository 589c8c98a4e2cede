/* stream_room.h - the stream ring's room arithmetic shared by allocation
 * (stream.c) and the overflow queries (stream_room.c), and the view of a
 * stream they read. */
#ifndef GLBUF_STREAM_ROOM_H
#define GLBUF_STREAM_ROOM_H

#include <stdint.h>

#include "glbuf/overflow.h"

typedef struct glbuf_stream_obj glbuf_stream_obj;

/* The aligned position for `size` bytes after position `head` of a ring of
 * `capacity` bytes (a power of two), not straddling the ring's end:
 *     [ ... head | pad | size ]   or, when that crosses the end,
 *     [ size ...                 at offset 0 of the next lap. */
uint64_t glbuf_stream_fit_at(uint64_t head, uint64_t capacity, uint64_t size, uint64_t align);

/* A stream as its next allocation would find it (positions as in stream.c:
 * virtual, only growing): the ring, the head, where the current frame's
 * bytes begin, and the tail before which every byte is free. */
typedef struct glbuf_stream_view {
    uint64_t capacity, max_capacity; /* bytes */
    uint64_t head, frame_begin, tail;
    uint32_t in_flight; /* regions of frames not known complete */
    int persistent;
    uint64_t guard;     /* guard bytes after each allocation */
    glbuf_overflow overflow;
} glbuf_stream_view;

/* Fills *v without changing the stream; with `poll`, after polling the
 * frame fences without blocking (as an allocation does), else from what
 * the context last knew (no GL call). */
void glbuf_stream_view_now(glbuf_stream_obj *s, int poll, glbuf_stream_view *v);

/* glbuf_ctx_end_frame (guard.c): checks the guards of the stream's
 * allocations in the ending frame and forgets them; the overruns found. */
uint32_t glbuf_stream_guard_frame_end(glbuf_stream_obj *s);

#endif /* GLBUF_STREAM_ROOM_H */
