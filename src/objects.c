/* objects.c - generation-checked slot table for object handles. */
#include "objects.h"

#include <stdatomic.h>
#include <string.h>

#include "host_alloc.h"

#define INDEX_MASK (GLBUF_OBJECT_MAX - 1u)
#define GENERATION_MAX 4095u

static atomic_uint tables_made;

void glbuf_objects_init(glbuf_objects *t)
{
    memset(t, 0, sizeof *t);
    t->free_head = UINT32_MAX;
    /* 389 is prime to 4095: consecutive tables start far apart, so a slot
     * reused a few times in one context does not meet the next context's
     * first generation. */
    t->tag = (uint16_t)(atomic_fetch_add(&tables_made, 1u) * 389u % GENERATION_MAX + 1u);
}

void glbuf_objects_release(glbuf_objects *t, const glbuf_allocator *a)
{
    glbuf_host_free(a, t->slots);
    t->slots = NULL;
    t->used = t->capacity = t->live = 0;
    t->free_head = UINT32_MAX;
}

static uint32_t make_id(uint32_t index, uint16_t generation)
{
    return ((uint32_t)generation << GLBUF_OBJECT_INDEX_BITS) | index;
}

glbuf_result glbuf_objects_insert(glbuf_objects *t, const glbuf_allocator *a, glbuf_object_kind kind,
                                  void *ptr, uint32_t *out_id)
{
    uint32_t index;
    if (t->free_head != UINT32_MAX) {
        index = t->free_head;
        t->free_head = t->slots[index].next_free;
    } else {
        if (t->used == GLBUF_OBJECT_MAX) {
            return GLBUF_ERR_FULL;
        }
        if (t->used == t->capacity) {
            uint32_t cap = t->capacity ? t->capacity * 2u : 64u;
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
        }
        index = t->used++;
        /* so that the bump below lands on the table's tag */
        t->slots[index].generation = (uint16_t)(t->tag - 1u);
    }
    glbuf_object_slot *s = &t->slots[index];
    /* Generations 1..GENERATION_MAX, bumped on every reuse of the slot. */
    s->generation = (uint16_t)(s->generation % GENERATION_MAX + 1u);
    s->ptr = ptr;
    s->kind = (uint8_t)kind;
    t->live++;
    *out_id = make_id(index, s->generation);
    return GLBUF_OK;
}

void *glbuf_objects_get(const glbuf_objects *t, uint32_t id, glbuf_object_kind kind, glbuf_result *why)
{
    uint32_t index = id & INDEX_MASK;
    uint32_t generation = id >> GLBUF_OBJECT_INDEX_BITS;
    if (id == 0 || index >= t->used || t->slots[index].ptr == NULL ||
        t->slots[index].generation != generation) {
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

void glbuf_objects_remove(glbuf_objects *t, uint32_t id)
{
    uint32_t index = id & INDEX_MASK;
    glbuf_object_slot *s = &t->slots[index];
    s->ptr = NULL;
    s->kind = GLBUF_KIND_NONE;
    s->next_free = t->free_head;
    t->free_head = index;
    t->live--;
}
