/* guard.h - guard bytes (glbuf_ctx_desc.validation with
 * GLBUF_VALIDATION_GUARDS): GLBUF_GUARD_BYTES bytes of a fixed pattern after
 * every megabuffer and stream allocation, checked at flush, free and
 * glbuf_ctx_end_frame. A changed guard byte means something wrote past the
 * end of an allocation; it is logged at GLBUF_LOG_ERROR with the allocation
 * and the offset of the first changed byte, the guard is filled again (so
 * one overrun is reported once), and the call that found it returns
 * GLBUF_ERR_GUARD_OVERRUN after doing its work as usual.
 *
 *     [ allocation: size bytes ][ guard: 16 bytes ][ next allocation ...
 *
 * With guards off nothing here runs and no byte is added (the modules test
 * glbuf_guard_size() == 0 once per call). */
#ifndef GLBUF_GUARD_H
#define GLBUF_GUARD_H

#include <stdint.h>

#include "ctx_internal.h"

#define GLBUF_GUARD_BYTES 16u

/* Bytes of guard after each allocation in this context: GLBUF_GUARD_BYTES
 * with GLBUF_VALIDATION_GUARDS, else 0. */
static inline uint64_t glbuf_guard_size(const glbuf_ctx *ctx)
{
    return (ctx->validation & GLBUF_VALIDATION_GUARDS) ? GLBUF_GUARD_BYTES : 0u;
}

/* Writes the pattern into guard[0 .. GLBUF_GUARD_BYTES). */
void glbuf_guard_fill(uint8_t *guard);

/* Describes one allocation for a report, e.g.
 * "megabuffer 'mesh' allocation 0x0000400001000003 at [4096, +256)". */
typedef struct glbuf_guard_site {
    const char *found_by; /* the call that checked: "glbuf_mega_flush" */
    char what[160];       /* the allocation, as above */
    uint64_t offset;      /* of the allocation's first byte in its GL buffer */
    uint64_t size;        /* bytes the allocation was asked for */
} glbuf_guard_site;

/* Checks the guard after an allocation; when a byte differs, logs the
 * overrun (naming the site and the first changed byte), fills the guard
 * again and returns 1. Returns 0 when intact. */
int glbuf_guard_check(glbuf_ctx *ctx, uint8_t *guard, const glbuf_guard_site *site);

/* ---- the stream's list: its allocations of the frame being recorded ---- */

typedef struct glbuf_guard_entry {
    uint8_t *ptr;    /* the allocation's first byte (the guard follows it) */
    uint64_t size;   /* bytes asked for */
    uint64_t offset; /* in the GL buffer */
    uint32_t name;   /* GL buffer */
} glbuf_guard_entry;

typedef struct glbuf_guard_list {
    glbuf_guard_entry *entries;
    uint32_t count, capacity;
    uint64_t frame; /* the frame the entries belong to */
} glbuf_guard_list;

/* Makes room for one more entry (before the allocation changes anything).
 * 0 when the host allocator failed. */
int glbuf_guard_list_reserve(glbuf_ctx *ctx, glbuf_guard_list *list);
/* Records an allocation of frame `frame` (after glbuf_guard_list_reserve)
 * and fills its guard. */
void glbuf_guard_list_add(glbuf_guard_list *list, uint64_t frame, uint8_t *ptr, uint64_t size, uint64_t offset,
                          uint32_t name);
/* Checks every entry; returns the number of overruns found. `label` names
 * the stream. */
uint32_t glbuf_guard_list_check(glbuf_ctx *ctx, glbuf_guard_list *list, const char *label, const char *found_by);
void glbuf_guard_list_free(glbuf_ctx *ctx, glbuf_guard_list *list);

/* glbuf_ctx_end_frame: every megabuffer's live allocations and every
 * stream's allocations of the ending frame (the stream's list is emptied).
 * GLBUF_ERR_GUARD_OVERRUN when an overrun was found now, or earlier by a
 * call that could not return it (a megabuffer's growth); else GLBUF_OK. */
glbuf_result glbuf_guards_end_frame(glbuf_ctx *ctx);

#endif /* GLBUF_GUARD_H */
