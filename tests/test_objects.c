/* test_objects.c - the per-context object table (src/objects.c), GL-free:
 * ids carry the table's owner, stale ids stay rejected through a real run of
 * every generation of a slot, and a slot whose generations are spent is
 * retired instead of wrapping. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handle_id.h"
#include "host_alloc.h"
#include "objects.h"
#include "owner_ids.h"

static glbuf_allocator plain_allocator(void)
{
    glbuf_allocator a;
    memset(&a, 0, sizeof a);
    glbuf_allocator resolved;
    ck_assert_int_eq(glbuf_allocator_resolve(&resolved, &a), 1);
    return resolved;
}

static int objects_a, objects_b; /* addresses only: the table stores pointers */

static void make_table(glbuf_objects *t)
{
    ck_assert_int_eq(glbuf_objects_init(t), GLBUF_OK);
    ck_assert_uint_ne(t->owner, 0);
}

static uint64_t insert(glbuf_objects *t, const glbuf_allocator *a, glbuf_object_kind kind, void *ptr)
{
    uint64_t id = 0;
    ck_assert_int_eq(glbuf_objects_insert(t, a, kind, ptr, &id), GLBUF_OK);
    ck_assert_uint_ne(id, 0);
    return id;
}

static glbuf_result why_rejected(const glbuf_objects *t, uint64_t id, glbuf_object_kind kind)
{
    glbuf_result why = GLBUF_OK;
    void *p = glbuf_objects_get(t, id, kind, &why);
    ck_assert_ptr_null(p);
    return why;
}

START_TEST(ids_carry_owner_generation_and_index)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t;
    make_table(&t);
    uint64_t id0 = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    uint64_t id1 = insert(&t, &a, GLBUF_KIND_MEGA, &objects_b);
    ck_assert_uint_eq(glbuf_id_owner(id0), t.owner);
    ck_assert_uint_eq(glbuf_id_generation(id0), 1);
    ck_assert_uint_eq(glbuf_id_index(id0), 0);
    ck_assert_uint_eq(glbuf_id_index(id1), 1);
    glbuf_result why = GLBUF_ERR_GL;
    ck_assert_ptr_eq(glbuf_objects_get(&t, id0, GLBUF_KIND_BUFFER, &why), &objects_a);
    ck_assert_int_eq(why, GLBUF_OK);
    ck_assert_ptr_eq(glbuf_objects_get(&t, id1, GLBUF_KIND_MEGA, &why), &objects_b);
    ck_assert_uint_eq(t.live, 2);
    ck_assert_uint_eq(t.live_by_kind[GLBUF_KIND_BUFFER], 1);
    ck_assert_uint_eq(t.live_by_kind[GLBUF_KIND_MEGA], 1);
    ck_assert_int_eq(why_rejected(&t, 0, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    glbuf_objects_release(&t, &a);
}
END_TEST

START_TEST(wrong_kind_is_told_apart_from_invalid)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t;
    make_table(&t);
    uint64_t id = insert(&t, &a, GLBUF_KIND_STREAM, &objects_a);
    ck_assert_int_eq(why_rejected(&t, id, GLBUF_KIND_POOL), GLBUF_ERR_WRONG_KIND);
    ck_assert_int_eq(why_rejected(&t, id + 1u, GLBUF_KIND_STREAM), GLBUF_ERR_INVALID_HANDLE);
    glbuf_objects_release(&t, &a);
}
END_TEST

START_TEST(stale_id_rejected_after_slot_reuse)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t;
    make_table(&t);
    uint64_t old = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    glbuf_objects_remove(&t, old);
    ck_assert_int_eq(why_rejected(&t, old, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    uint64_t fresh = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_b);
    ck_assert_uint_eq(glbuf_id_index(fresh), glbuf_id_index(old)); /* same slot */
    ck_assert_uint_ne(fresh, old);
    ck_assert_int_eq(why_rejected(&t, old, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    glbuf_result why;
    ck_assert_ptr_eq(glbuf_objects_get(&t, fresh, GLBUF_KIND_BUFFER, &why), &objects_b);
    glbuf_objects_release(&t, &a);
}
END_TEST

START_TEST(foreign_id_rejected_when_index_and_generation_coincide)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t1, t2;
    make_table(&t1);
    make_table(&t2);
    ck_assert_uint_ne(t1.owner, t2.owner);
    uint64_t mine = insert(&t1, &a, GLBUF_KIND_BUFFER, &objects_a);
    uint64_t theirs = insert(&t2, &a, GLBUF_KIND_BUFFER, &objects_b);
    ck_assert_uint_eq(glbuf_id_index(mine), glbuf_id_index(theirs));
    ck_assert_uint_eq(glbuf_id_generation(mine), glbuf_id_generation(theirs));
    ck_assert_int_eq(why_rejected(&t1, theirs, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(why_rejected(&t2, mine, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    /* after reuse too: the generations still coincide, the owners do not */
    for (int i = 0; i < 1000; i++) {
        glbuf_objects_remove(&t1, mine);
        glbuf_objects_remove(&t2, theirs);
        mine = insert(&t1, &a, GLBUF_KIND_BUFFER, &objects_a);
        theirs = insert(&t2, &a, GLBUF_KIND_BUFFER, &objects_b);
    }
    ck_assert_uint_eq(glbuf_id_generation(mine), glbuf_id_generation(theirs));
    ck_assert_int_eq(why_rejected(&t1, theirs, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    glbuf_objects_release(&t1, &a);
    glbuf_objects_release(&t2, &a);
}
END_TEST

START_TEST(id_of_a_destroyed_table_rejected_by_its_successor)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t1, t2;
    make_table(&t1);
    uint64_t dead = insert(&t1, &a, GLBUF_KIND_MEGA, &objects_a);
    glbuf_objects_release(&t1, &a);
    make_table(&t2); /* round robin: not the identity just released */
    uint64_t live = insert(&t2, &a, GLBUF_KIND_MEGA, &objects_b);
    ck_assert_uint_eq(glbuf_id_index(live), glbuf_id_index(dead));
    ck_assert_uint_eq(glbuf_id_generation(live), glbuf_id_generation(dead));
    ck_assert_int_eq(why_rejected(&t2, dead, GLBUF_KIND_MEGA), GLBUF_ERR_INVALID_HANDLE);
    glbuf_objects_release(&t2, &a);
}
END_TEST

/* The real thing, no hook: one slot issues every one of its 2^22 - 1
 * generations, each id distinct, and is then retired; no id it issued is
 * accepted again and the next object gets a fresh slot. (A 12-bit
 * generation wraps after 4095 reuses and hands the first id out again.) */
START_TEST(full_generation_run_retires_the_slot)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t;
    make_table(&t);
    uint64_t first = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    uint64_t last = first;
    glbuf_objects_remove(&t, first);
    for (uint32_t g = 2; g <= GLBUF_ID_GEN_MAX; g++) {
        uint64_t id = 0;
        if (glbuf_objects_insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a, &id) != GLBUF_OK ||
            glbuf_id_index(id) != 0 || glbuf_id_generation(id) != g || id == first) {
            ck_abort_msg("reuse %u of slot 0 issued id %llx", g, (unsigned long long)id);
        }
        glbuf_objects_remove(&t, id);
        last = id;
    }
    ck_assert_uint_eq(glbuf_id_generation(last), GLBUF_ID_GEN_MAX);
    ck_assert_uint_eq(t.retired, 1);
    ck_assert_uint_eq(t.free_head, UINT32_MAX); /* slot 0 is not free */
    uint64_t next = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_b);
    ck_assert_uint_eq(glbuf_id_index(next), 1);
    ck_assert_uint_eq(glbuf_id_generation(next), 1);
    ck_assert_int_eq(why_rejected(&t, first, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(why_rejected(&t, last, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    /* the slot stays retired however many objects come and go */
    for (int i = 0; i < 100; i++) {
        uint64_t id = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
        ck_assert_uint_ne(glbuf_id_index(id), 0);
        glbuf_objects_remove(&t, id);
    }
    ck_assert_int_eq(why_rejected(&t, first, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(glbuf_objects_id_at(&t, 0), 0);
    glbuf_objects_release(&t, &a);
}
END_TEST

START_TEST(slot_forced_near_its_limit_is_retired)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t;
    make_table(&t);
    uint64_t keep = insert(&t, &a, GLBUF_KIND_POOL, &objects_b); /* slot 0 stays live */
    uint64_t id = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);  /* slot 1 */
    glbuf_objects_remove(&t, id);
    ck_assert_int_eq(glbuf_objects_test_set_generation(&t, 0, 5), 0); /* live: refused */
    ck_assert_int_eq(glbuf_objects_test_set_generation(&t, 1, GLBUF_ID_GEN_MAX), 0);
    ck_assert_int_eq(glbuf_objects_test_set_generation(&t, 1, GLBUF_ID_GEN_MAX - 2u), 1);
    uint64_t a1 = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    ck_assert_uint_eq(glbuf_id_generation(a1), GLBUF_ID_GEN_MAX - 1u);
    glbuf_objects_remove(&t, a1);
    uint64_t a2 = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    ck_assert_uint_eq(glbuf_id_index(a2), 1);
    ck_assert_uint_eq(glbuf_id_generation(a2), GLBUF_ID_GEN_MAX);
    glbuf_objects_remove(&t, a2);
    ck_assert_uint_eq(t.retired, 1);
    uint64_t b = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    ck_assert_uint_eq(glbuf_id_index(b), 2);
    ck_assert_int_eq(why_rejected(&t, id, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(why_rejected(&t, a1, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(why_rejected(&t, a2, GLBUF_KIND_BUFFER), GLBUF_ERR_INVALID_HANDLE);
    /* a wrapped generation (what a 22-bit counter would give next) is not live either */
    ck_assert_int_eq(why_rejected(&t, glbuf_id_make(t.owner, 1, 1), GLBUF_KIND_BUFFER),
                     GLBUF_ERR_INVALID_HANDLE);
    glbuf_result why;
    ck_assert_ptr_eq(glbuf_objects_get(&t, keep, GLBUF_KIND_POOL, &why), &objects_b);
    glbuf_objects_release(&t, &a);
}
END_TEST

START_TEST(id_at_walks_live_objects_only)
{
    glbuf_allocator a = plain_allocator();
    glbuf_objects t;
    make_table(&t);
    uint64_t x = insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    uint64_t y = insert(&t, &a, GLBUF_KIND_STREAM, &objects_b);
    glbuf_objects_remove(&t, x);
    ck_assert_uint_eq(glbuf_objects_id_at(&t, 0), 0);
    ck_assert_uint_eq(glbuf_objects_id_at(&t, 1), y);
    ck_assert_uint_eq(glbuf_objects_id_at(&t, 2), 0);
    ck_assert_uint_eq(t.live_by_kind[GLBUF_KIND_BUFFER], 0);
    ck_assert_uint_eq(t.live_by_kind[GLBUF_KIND_STREAM], 1);
    glbuf_objects_release(&t, &a);
}
END_TEST

START_TEST(owner_identity_held_from_init_to_release)
{
    glbuf_allocator a = plain_allocator();
    uint32_t before = glbuf_owner_live_count();
    glbuf_objects t;
    make_table(&t);
    ck_assert_uint_eq(glbuf_owner_live_count(), before + 1u);
    (void)insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a);
    glbuf_objects_release(&t, &a);
    ck_assert_uint_eq(glbuf_owner_live_count(), before);
    ck_assert_uint_eq(t.owner, 0);
}
END_TEST

START_TEST(init_fails_full_when_every_owner_identity_is_live)
{
    uint32_t n = GLBUF_ID_OWNER_MAX - glbuf_owner_live_count();
    uint32_t *held = malloc((size_t)n * sizeof *held);
    ck_assert_ptr_nonnull(held);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_int_eq(glbuf_owner_acquire(&held[i]), GLBUF_OK);
    }
    glbuf_objects t;
    ck_assert_int_eq(glbuf_objects_init(&t), GLBUF_ERR_FULL);
    ck_assert_uint_eq(t.owner, 0);
    glbuf_owner_release(held[n / 2]);
    make_table(&t);
    ck_assert_uint_eq(t.owner, held[n / 2]);
    glbuf_allocator a = plain_allocator();
    glbuf_objects_release(&t, &a);
    for (uint32_t i = 0; i < n; i++) {
        glbuf_owner_release(held[i]);
    }
    free(held);
}
END_TEST

static void *failing_alloc(size_t size, void *user)
{
    (void)size;
    (void)user;
    return NULL;
}

static void failing_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

START_TEST(host_allocation_failure_changes_nothing)
{
    glbuf_allocator a = {failing_alloc, failing_free, NULL};
    glbuf_objects t;
    make_table(&t);
    uint64_t id = 0x1234;
    ck_assert_int_eq(glbuf_objects_insert(&t, &a, GLBUF_KIND_BUFFER, &objects_a, &id), GLBUF_ERR_OUT_OF_HOST_MEMORY);
    ck_assert_uint_eq(id, 0x1234);
    ck_assert_uint_eq(t.live, 0);
    ck_assert_uint_eq(t.used, 0);
    ck_assert_uint_eq(t.live_by_kind[GLBUF_KIND_BUFFER], 0);
    glbuf_objects_release(&t, &a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("objects");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ids_carry_owner_generation_and_index);
    tcase_add_test(tc, wrong_kind_is_told_apart_from_invalid);
    tcase_add_test(tc, stale_id_rejected_after_slot_reuse);
    tcase_add_test(tc, foreign_id_rejected_when_index_and_generation_coincide);
    tcase_add_test(tc, id_of_a_destroyed_table_rejected_by_its_successor);
    tcase_add_test(tc, full_generation_run_retires_the_slot);
    tcase_add_test(tc, slot_forced_near_its_limit_is_retired);
    tcase_add_test(tc, id_at_walks_live_objects_only);
    tcase_add_test(tc, owner_identity_held_from_init_to_release);
    tcase_add_test(tc, init_fails_full_when_every_owner_identity_is_live);
    tcase_add_test(tc, host_allocation_failure_changes_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
