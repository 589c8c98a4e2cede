/* stream_room.h - what stream.c gives the end-of-frame guard check
 * (guard_frame.c); the overflow queries themselves are stream_room.c, on
 * the placement functions of stream_ring.h. */
#ifndef GLBUF_STREAM_ROOM_H
#define GLBUF_STREAM_ROOM_H

#include <stdint.h>

typedef struct glbuf_stream_obj glbuf_stream_obj;

/* glbuf_ctx_end_frame (guard_frame.c): checks the guards of the stream's
 * allocations in the ending frame and forgets them; the overruns found. */
uint32_t glbuf_stream_guard_frame_end(glbuf_stream_obj *s);

#endif /* GLBUF_STREAM_ROOM_H */
