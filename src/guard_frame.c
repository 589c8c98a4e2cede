/* guard_frame.c - glbuf_ctx_end_frame's guard check over every megabuffer
 * and stream of the context (guard.h). */
#include "guard.h"
#include "mega_internal.h"
#include "stream_room.h"

glbuf_result glbuf_guards_end_frame(glbuf_ctx *ctx)
{
    if (glbuf_guard_size(ctx) == 0) {
        return GLBUF_OK;
    }
    glbuf_result result = GLBUF_OK;
    const glbuf_objects *t = &ctx->objects;
    for (uint32_t i = 0; i < t->used; i++) {
        const glbuf_object_slot *slot = &t->slots[i];
        if (slot->kind == GLBUF_KIND_MEGA) {
            glbuf_mega_obj *m = slot->ptr;
            uint32_t found = glbuf_mega_guard_check_all(m, "glbuf_ctx_end_frame");
            if (glbuf_mega_guard_result(m, found) != GLBUF_OK) {
                result = GLBUF_ERR_GUARD_OVERRUN;
            }
        } else if (slot->kind == GLBUF_KIND_STREAM) {
            if (glbuf_stream_guard_frame_end(slot->ptr) != 0) {
                result = GLBUF_ERR_GUARD_OVERRUN;
            }
        }
    }
    return result;
}
