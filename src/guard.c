/* guard.c - guard bytes after allocations: the pattern, the check and its
 * report, and the stream's list of the frame's allocations (guard.h). */
#include "guard.h"

#include <stdio.h>

#include "host_alloc.h"

/* Position-dependent, so that neither a run of one value (zeros, 0xFF) nor
 * a copy of the bytes before the guard looks intact. */
static uint8_t pattern_byte(uint32_t i)
{
    return (uint8_t)(0xA5u ^ (i * 0x3Bu));
}

void glbuf_guard_fill(uint8_t *guard)
{
    for (uint32_t i = 0; i < GLBUF_GUARD_BYTES; i++) {
        guard[i] = pattern_byte(i);
    }
}

int glbuf_guard_check(glbuf_ctx *ctx, uint8_t *guard, const glbuf_guard_site *site)
{
    uint32_t changed = 0, first = 0;
    for (uint32_t i = GLBUF_GUARD_BYTES; i-- > 0;) {
        if (guard[i] != pattern_byte(i)) {
            changed++;
            first = i;
        }
    }
    if (changed == 0) {
        return 0;
    }
    glbuf_log(ctx, GLBUF_LOG_ERROR,
              "guard bytes overwritten (found by %s): %s: something wrote past its end; %u of the %u guard bytes "
              "changed, the first at byte %llu of the allocation (offset %llu of the buffer): 0x%02x where the guard "
              "held 0x%02x",
              site->found_by, site->what, changed, GLBUF_GUARD_BYTES, (unsigned long long)(site->size + first),
              (unsigned long long)(site->offset + site->size + first), guard[first], pattern_byte(first));
    glbuf_guard_fill(guard);
    return 1;
}

/* ---- the stream's list ------------------------------------------------------ */

int glbuf_guard_list_reserve(glbuf_ctx *ctx, glbuf_guard_list *list)
{
    if (list->count < list->capacity) {
        return 1;
    }
    uint32_t capacity = list->capacity ? list->capacity * 2u : 64u;
    glbuf_guard_entry *fresh = glbuf_host_calloc(&ctx->allocator, capacity, sizeof *fresh);
    if (fresh == NULL) {
        return 0;
    }
    for (uint32_t i = 0; i < list->count; i++) {
        fresh[i] = list->entries[i];
    }
    glbuf_host_free(&ctx->allocator, list->entries);
    list->entries = fresh;
    list->capacity = capacity;
    return 1;
}

void glbuf_guard_list_add(glbuf_guard_list *list, uint64_t frame, uint8_t *ptr, uint64_t size, uint64_t offset,
                          uint32_t name)
{
    if (list->count > 0 && list->frame != frame) {
        list->count = 0; /* a frame the end-of-frame check did not see (no glbuf_ctx_end_frame between) */
    }
    list->frame = frame;
    glbuf_guard_entry *e = &list->entries[list->count++];
    e->ptr = ptr;
    e->size = size;
    e->offset = offset;
    e->name = name;
    glbuf_guard_fill(ptr + size);
}

uint32_t glbuf_guard_list_check(glbuf_ctx *ctx, glbuf_guard_list *list, const char *label, const char *found_by)
{
    uint32_t overruns = 0;
    for (uint32_t i = 0; i < list->count; i++) {
        const glbuf_guard_entry *e = &list->entries[i];
        glbuf_guard_site site;
        site.found_by = found_by;
        site.offset = e->offset;
        site.size = e->size;
        snprintf(site.what, sizeof site.what, "stream '%s' allocation of frame %llu at [%llu, +%llu) of GL buffer %u",
                 label, (unsigned long long)list->frame, (unsigned long long)e->offset, (unsigned long long)e->size,
                 e->name);
        overruns += (uint32_t)glbuf_guard_check(ctx, e->ptr + e->size, &site);
    }
    return overruns;
}

void glbuf_guard_list_free(glbuf_ctx *ctx, glbuf_guard_list *list)
{
    glbuf_host_free(&ctx->allocator, list->entries);
    list->entries = NULL;
    list->count = list->capacity = 0;
}
