/* objects.c - the owner- and generation-checked slot table of object handles. */
#include "objects.h"

#include <string.h>

#include "host_alloc.h"
#include "owner_ids.h"

#define FIRST_CAPACITY 64u

glbuf_result glbuf_objects_init(glbuf_objects *t)
{
    memset(t, 0, sizeof *t);
    t->free_head = UINT32_MAX;
    return glbuf_owner_acquire(&t->owner);
}

void glbuf_objects_release(glbuf_objects *t, const glbuf_allocator *a)
{
    glbuf_host_free(a, t->slots);
    glbuf_owner_release(t->owner);
    memset(t, 0, sizeof *t);
    t->free_head = UINT32_MAX;
}

/* Room for one more never-used slot. */
static glbuf_result grow_slots(glbuf_objects *t, const glbuf_allocator *a)
{
    if (t->used < t->capacity) {
        return GLBUF_OK;
    }
    uint32_t cap = t->capacity ? t->capacity * 2u : FIRST_CAPACITY;
    if (cap > GLBUF_OBJECT_MAX) {
        cap = GLBUF_OBJECT_MAX;
    }
    glbuf_object_slot *slots = glbuf_host_alloc(a, (size_t)cap * sizeof *slots);
    if (slots == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    if (t->slots != NULL) {
        memcpy(slots, t->slots, (size_t)t->used * sizeof *slots);
    }
    glbuf_host_free(a, t->slots);
    t->slots = slots;
    t->capacity = cap;
    return GLBUF_OK;
}

glbuf_result glbuf_objects_insert(glbuf_objects *t, const glbuf_allocator *a, glbuf_object_kind kind,
                                  void *ptr, uint64_t *out_id)
{
    uint32_t index;
    if (t->free_head != UINT32_MAX) {
        index = t->free_head;
        t->free_head = t->slots[index].next_free;
    } else {
        if (t->used == GLBUF_OBJECT_MAX) {
            return GLBUF_ERR_FULL;
        }
        glbuf_result r = grow_slots(t, a);
        if (r != GLBUF_OK) {
            return r;
        }
        index = t->used++;
        t->slots[index].generation = 0;
    }
    /* A free slot's generation is below GLBUF_ID_GEN_MAX (remove retires the
     * one that reaches it), so this stays in 1 .. GLBUF_ID_GEN_MAX. */
    glbuf_object_slot *s = &t->slots[index];
    s->generation++;
    s->ptr = ptr;
    s->kind = (uint8_t)kind;
    t->live++;
    t->live_by_kind[kind]++;
    *out_id = glbuf_id_make(t->owner, s->generation, index);
    return GLBUF_OK;
}

void *glbuf_objects_get(const glbuf_objects *t, uint64_t id, glbuf_object_kind kind, glbuf_result *why)
{
    uint32_t index = glbuf_id_index(id);
    if (id == 0 || glbuf_id_owner(id) != t->owner || index >= t->used || t->slots[index].ptr == NULL ||
        t->slots[index].generation != glbuf_id_generation(id)) {
        *why = GLBUF_ERR_INVALID_HANDLE;
        return NULL;
    }
    if (t->slots[index].kind != (uint8_t)kind) {
        *why = GLBUF_ERR_WRONG_KIND;
        return NULL;
    }
    *why = GLBUF_OK;
    return t->slots[index].ptr;
}

void glbuf_objects_remove(glbuf_objects *t, uint64_t id)
{
    uint32_t index = glbuf_id_index(id);
    glbuf_object_slot *s = &t->slots[index];
    t->live_by_kind[s->kind]--;
    t->live--;
    s->ptr = NULL;
    s->kind = GLBUF_KIND_NONE;
    if (s->generation == GLBUF_ID_GEN_MAX) {
        /* Every generation of this slot has been issued: reusing it would
         * make an old id valid again, so it is never reused. */
        t->retired++;
        return;
    }
    s->next_free = t->free_head;
    t->free_head = index;
}

uint64_t glbuf_objects_id_at(const glbuf_objects *t, uint32_t index)
{
    if (index >= t->used || t->slots[index].ptr == NULL) {
        return 0;
    }
    return glbuf_id_make(t->owner, t->slots[index].generation, index);
}

int glbuf_objects_test_set_generation(glbuf_objects *t, uint32_t index, uint32_t generation)
{
    if (index >= t->used || t->slots[index].ptr != NULL || t->slots[index].generation == GLBUF_ID_GEN_MAX ||
        generation < t->slots[index].generation || generation >= GLBUF_ID_GEN_MAX) {
        return 0;
    }
    t->slots[index].generation = generation;
    return 1;
}
