/* owner_ids.c - the registry of live handle-table identities (a bitmap). */
#include "owner_ids.h"

#include <stdatomic.h>

#include "handle_id.h"

#define WORD_BITS 64u
#define WORDS ((GLBUF_ID_OWNER_MAX + 1u) / WORD_BITS)

static uint64_t held[WORDS];       /* bit i: identity i is live; bit 0 is never used */
static uint32_t next_candidate = 1;
static uint32_t live;
static atomic_flag lock = ATOMIC_FLAG_INIT;

static void lock_registry(void)
{
    while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) {
    }
}

static void unlock_registry(void)
{
    atomic_flag_clear_explicit(&lock, memory_order_release);
}

static int is_held(uint32_t id)
{
    return (int)((held[id / WORD_BITS] >> (id % WORD_BITS)) & 1u);
}

glbuf_result glbuf_owner_acquire(uint32_t *out)
{
    lock_registry();
    if (live == GLBUF_ID_OWNER_MAX) {
        unlock_registry();
        return GLBUF_ERR_FULL;
    }
    uint32_t id = next_candidate;
    /* A free identity exists, so this ends; full words are skipped whole. */
    for (;;) {
        if (id == 0 || id > GLBUF_ID_OWNER_MAX) {
            id = 1;
        }
        if (held[id / WORD_BITS] == UINT64_MAX) {
            id = (id / WORD_BITS + 1u) * WORD_BITS;
            continue;
        }
        if (!is_held(id)) {
            break;
        }
        id++;
    }
    held[id / WORD_BITS] |= UINT64_C(1) << (id % WORD_BITS);
    live++;
    next_candidate = id + 1u;
    unlock_registry();
    *out = id;
    return GLBUF_OK;
}

void glbuf_owner_release(uint32_t owner)
{
    if (owner == 0 || owner > GLBUF_ID_OWNER_MAX) {
        return;
    }
    lock_registry();
    if (is_held(owner)) {
        held[owner / WORD_BITS] &= ~(UINT64_C(1) << (owner % WORD_BITS));
        live--;
    }
    unlock_registry();
}

uint32_t glbuf_owner_live_count(void)
{
    lock_registry();
    uint32_t n = live;
    unlock_registry();
    return n;
}
