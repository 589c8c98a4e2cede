/* test_handles.c - handles never alias: the three cases of issue 12, on a
 * real context, each of which made the old 32-bit handles (a 10-bit range
 * generation started at a per-instance tag, a 12-bit object generation)
 * hand a stale or foreign handle the power to free a live object:
 *
 *   1. a megabuffer handle of A freeing B's allocation once A's generation
 *      meets B's tag (389 reuses), and the megabuffer made 1022 creations
 *      after A handing out A's exact handles;
 *   2. a freed megabuffer handle valid again after 1023 reuses of its record;
 *   3. a destroyed glbuf_buffer handle valid again after 4095 re-creations.
 *
 * Every check is on a live object's data or existence: the stale or foreign
 * call must be refused (GLBUF_ERR_INVALID_HANDLE) and the live object must
 * still be there with its contents. Slots at the end of their generations
 * (forced there with the table's test hook) are retired, not wrapped. */
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/buffer.h"
#include "glbuf/mega.h"
#include "glbuf/pool.h"
#include "glbuf/stream.h"
#include "handle_id.h"
#include "owner_ids.h"

static glbuf_mega make_mega(void)
{
    glbuf_mega_desc d = {0};
    d.capacity = 4096;
    d.label = "aliasing";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

/* The live allocation `r` of `m` is where it was and holds pattern `seed`. */
static void expect_alive(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed)
{
    uint64_t got_offset = UINT64_MAX, got_size = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r, &got_offset), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_size(fx_ctx, m, r, &got_size), GLBUF_OK);
    ck_assert_uint_eq(got_offset, offset);
    ck_assert_uint_eq(got_size, size);
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    uint8_t *back = malloc((size_t)size);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), offset, size, back);
    fx_check_pattern(back, size, seed);
    free(back);
}

static glbuf_mega_range alloc_pattern(glbuf_mega m, uint64_t size, uint32_t seed, uint64_t *offset)
{
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, size, 0, &r, offset), GLBUF_OK);
    uint8_t *data = malloc((size_t)size);
    fx_pattern(data, size, seed);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, 0, data, size), GLBUF_OK);
    free(data);
    return r;
}

/* ---- case 1: another megabuffer's handle ------------------------------------ */

/* Issue 12, as reported: A then B; B allocates once; A allocates, frees and
 * waits for the GPU 389 times, then allocates. The old handles coincided
 * (0x61800002) and glbuf_mega_free(B, A's handle) freed B's allocation. */
START_TEST(a_megabuffers_handle_never_frees_another_ones_allocation)
{
    glbuf_mega a = make_mega();
    glbuf_mega b = make_mega();
    uint64_t b_offset = 0;
    glbuf_mega_range in_b = alloc_pattern(b, 64, 0xB, &b_offset);
    for (int i = 0; i < 389; i++) {
        glbuf_mega_range r = {0};
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, a, 64, 0, &r, NULL), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, a, r), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, a), GLBUF_OK);
    }
    glbuf_mega_range in_a = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, a, 64, 0, &in_a, NULL), GLBUF_OK);
    ck_assert_uint_eq(glbuf_id_index(in_a.id), glbuf_id_index(in_b.id));
    ck_assert_uint_ne(in_a.id, in_b.id);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, b, in_a), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, b).allocations, 1);
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, b).pending_frees, 0);
    expect_alive(b, in_b, b_offset, 64, 0xB);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, b), GLBUF_OK);
}
END_TEST

/* The general case: through 1100 reuses of A's record (past both the old tag
 * distance, 389, and the old generation period, 1023) no handle of A is
 * accepted by B, nor B's by A. */
START_TEST(no_reuse_count_makes_handles_of_two_megabuffers_meet)
{
    glbuf_mega a = make_mega();
    glbuf_mega b = make_mega();
    uint64_t b_offset = 0;
    glbuf_mega_range in_b = alloc_pattern(b, 64, 0xB, &b_offset);
    uint64_t v = 0;
    for (int i = 0; i < 1100; i++) {
        glbuf_mega_range r = {0};
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, a, 64, 0, &r, NULL), GLBUF_OK);
        if (glbuf_mega_offset(fx_ctx, b, r, &v) != GLBUF_ERR_INVALID_HANDLE ||
            glbuf_mega_free(fx_ctx, b, r) != GLBUF_ERR_INVALID_HANDLE ||
            glbuf_mega_offset(fx_ctx, a, in_b, &v) != GLBUF_ERR_INVALID_HANDLE) {
            ck_abort_msg("after %d reuses, A's handle %llx and B's %llx meet", i, (unsigned long long)r.id,
                         (unsigned long long)in_b.id);
        }
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, a, r), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, a), GLBUF_OK);
    }
    expect_alive(b, in_b, b_offset, 64, 0xB);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, a), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, b), GLBUF_OK);
}
END_TEST

/* Issue 12: "the megabuffer created 1022 creations after A hands out A's
 * exact handles". Every megabuffer made after A (1100 of them, each
 * destroyed before the next) hands out a first handle A does not accept,
 * and does not accept A's. */
START_TEST(megabuffers_made_later_never_hand_out_an_earlier_ones_handles)
{
    glbuf_mega a = make_mega();
    uint64_t a_offset = 0;
    glbuf_mega_range in_a = alloc_pattern(a, 64, 0xA, &a_offset);
    uint64_t v = 0;
    for (int i = 1; i <= 1100; i++) {
        glbuf_mega c = make_mega();
        glbuf_mega_range in_c = {0};
        ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, c, 64, 0, &in_c, NULL), GLBUF_OK);
        if (in_c.id == in_a.id || glbuf_mega_free(fx_ctx, c, in_a) != GLBUF_ERR_INVALID_HANDLE ||
            glbuf_mega_offset(fx_ctx, a, in_c, &v) != GLBUF_ERR_INVALID_HANDLE) {
            ck_abort_msg("the megabuffer made %d creations after A shares handle %llx", i,
                         (unsigned long long)in_a.id);
        }
        ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, c), GLBUF_OK);
    }
    expect_alive(a, in_a, a_offset, 64, 0xA);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, a), GLBUF_OK);
}
END_TEST

/* ---- case 2: a freed megabuffer handle -------------------------------------- */

/* Issue 12: after 1023 reuses of its record a freed handle was valid again
 * and freed the live allocation. Here 1100 reuses: the freed handle is
 * refused every time and the allocation in the record stays. */
START_TEST(a_freed_megabuffer_handle_stays_dead_through_reuses_of_its_record)
{
    glbuf_mega m = make_mega();
    glbuf_mega_range freed = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 64, 0, &freed, NULL), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, freed), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    uint64_t v = 0;
    for (int i = 1; i <= 1100; i++) {
        uint64_t offset = 0;
        glbuf_mega_range live = alloc_pattern(m, 64, (uint32_t)i, &offset);
        ck_assert_uint_eq(glbuf_id_index(live.id), glbuf_id_index(freed.id));
        if (live.id == freed.id || glbuf_mega_free(fx_ctx, m, freed) != GLBUF_ERR_INVALID_HANDLE ||
            glbuf_mega_offset(fx_ctx, m, freed, &v) != GLBUF_ERR_INVALID_HANDLE) {
            ck_abort_msg("reuse %d of the record accepts the freed handle %llx", i, (unsigned long long)freed.id);
        }
        if (i % 100 == 0 || i == 1023) {
            expect_alive(m, live, offset, 64, (uint32_t)i);
        }
        ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).allocations, 1);
        ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, live), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    }
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

/* ---- case 3: a destroyed buffer handle -------------------------------------- */

/* Issue 12: after 4095 re-creations in the same slot a destroyed buffer's
 * handle was valid again and glbuf_buffer_destroy(old) destroyed the live
 * buffer. Here 4200: refused every time, the live buffer keeps its name and
 * data. */
START_TEST(a_destroyed_buffer_handle_stays_dead_through_recreations_in_its_slot)
{
    uint8_t data[64];
    glbuf_buffer_desc d = {0};
    d.size = sizeof data;
    d.data = data;
    glbuf_buffer dead = {0};
    fx_pattern(data, sizeof data, 0);
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &dead), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, dead), GLBUF_OK);
    for (uint32_t i = 1; i <= 4200; i++) {
        fx_pattern(data, sizeof data, i);
        glbuf_buffer live = {0};
        ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &live), GLBUF_OK);
        ck_assert_uint_eq(glbuf_id_index(live.id), glbuf_id_index(dead.id)); /* the same slot */
        if (live.id == dead.id || glbuf_buffer_destroy(fx_ctx, dead) != GLBUF_ERR_INVALID_HANDLE ||
            glbuf_buffer_name(fx_ctx, dead) != 0) {
            ck_abort_msg("re-creation %u accepts the destroyed handle %llx", i, (unsigned long long)dead.id);
        }
        if (i % 500 == 0 || i == 4095) {
            uint8_t back[sizeof data];
            ck_assert_int_eq(fx_gl->IsBuffer(glbuf_buffer_name(fx_ctx, live)), GL_TRUE);
            fx_read(glbuf_buffer_name(fx_ctx, live), 0, sizeof back, back);
            fx_check_pattern(back, sizeof back, i);
        }
        ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, live), GLBUF_OK);
    }
}
END_TEST

/* ---- slots at the end of their generations -------------------------------- */

/* A slot forced to its last generations (the table's test hook) issues
 * them, then is retired: the next object gets a fresh slot, and no handle the
 * slot ever issued is accepted, whatever kind the next objects are. */
START_TEST(a_slot_that_issued_its_last_generation_is_retired)
{
    glbuf_buffer_desc d = {0};
    d.size = 16;
    glbuf_buffer first = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &first), GLBUF_OK);
    uint32_t slot = glbuf_id_index(first.id);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, first), GLBUF_OK);
    ck_assert_int_eq(glbuf_objects_test_set_generation(&fx_ctx->objects, slot, GLBUF_ID_GEN_MAX - 2u), 1);

    glbuf_buffer second_last = {0}, last = {0};
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &second_last), GLBUF_OK);
    ck_assert_uint_eq(glbuf_id_generation(second_last.id), GLBUF_ID_GEN_MAX - 1u);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, second_last), GLBUF_OK);
    ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &last), GLBUF_OK);
    ck_assert_uint_eq(glbuf_id_index(last.id), slot);
    ck_assert_uint_eq(glbuf_id_generation(last.id), GLBUF_ID_GEN_MAX);
    ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, last), GLBUF_OK);
    ck_assert_uint_eq(fx_ctx->objects.retired, 1);

    /* objects of every kind come and go; none lands in the retired slot */
    glbuf_stream_desc sd = {0};
    sd.capacity = 4096;
    glbuf_pool_desc pd = {0};
    for (int i = 0; i < 3; i++) {
        glbuf_buffer b = {0};
        glbuf_mega m = make_mega();
        glbuf_stream s = {0};
        glbuf_pool p = {0};
        ck_assert_int_eq(glbuf_buffer_create(fx_ctx, &d, &b), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_create(fx_ctx, &sd, &s), GLBUF_OK);
        ck_assert_int_eq(glbuf_pool_create(fx_ctx, &pd, &p), GLBUF_OK);
        const uint64_t ids[4] = {b.id, m.id, s.id, p.id};
        for (int k = 0; k < 4; k++) {
            ck_assert_uint_ne(glbuf_id_index(ids[k]), slot);
        }
        const glbuf_buffer old[3] = {first, second_last, last};
        for (int k = 0; k < 3; k++) {
            ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, old[k]), GLBUF_ERR_INVALID_HANDLE);
        }
        ck_assert_int_eq(glbuf_buffer_destroy(fx_ctx, b), GLBUF_OK);
        ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
        ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s), GLBUF_OK);
        ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p), GLBUF_OK);
    }
}
END_TEST

/* Handles of every kind from a second context are refused by the first,
 * though slot and generation coincide (both contexts are fresh). */
START_TEST(no_kind_of_handle_is_accepted_by_another_context)
{
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *other = NULL;
    ck_assert_int_eq(glbuf_ctx_create(&cd, &other), GLBUF_OK);
    glbuf_mega_desc md = {0};
    md.capacity = 4096;
    glbuf_stream_desc sd = {0};
    sd.capacity = 4096;
    glbuf_pool_desc pd = {0};
    glbuf_mega m_mine = {0}, m_theirs = {0};
    glbuf_stream s_mine = {0}, s_theirs = {0};
    glbuf_pool p_mine = {0}, p_theirs = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &m_mine), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_create(other, &md, &m_theirs), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_create(fx_ctx, &sd, &s_mine), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_create(other, &sd, &s_theirs), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_create(fx_ctx, &pd, &p_mine), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_create(other, &pd, &p_theirs), GLBUF_OK);
    ck_assert_uint_eq(glbuf_id_index(m_mine.id), glbuf_id_index(m_theirs.id));
    ck_assert_uint_eq(glbuf_id_generation(m_mine.id), glbuf_id_generation(m_theirs.id));

    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m_theirs), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s_theirs), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p_theirs), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(glbuf_mega_gl_name(fx_ctx, m_theirs), 0);
    ck_assert_uint_eq(glbuf_stream_get_stats(fx_ctx, s_theirs).capacity, 0);
    ck_assert_uint_eq(glbuf_pool_get_stats(fx_ctx, p_theirs).idle_budget, 0);
    /* ... and what they name in the other context is untouched */
    ck_assert_uint_ne(glbuf_mega_gl_name(other, m_theirs), 0);
    ck_assert_uint_eq(glbuf_stream_get_stats(other, s_theirs).capacity, 4096);

    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m_mine), GLBUF_OK);
    ck_assert_int_eq(glbuf_stream_destroy(fx_ctx, s_mine), GLBUF_OK);
    ck_assert_int_eq(glbuf_pool_destroy(fx_ctx, p_mine), GLBUF_OK);
    glbuf_ctx_destroy(other); /* frees the other context's three */
}
END_TEST

/* Every handle table takes an identity; with none left, creation fails with
 * GLBUF_ERR_FULL and leaves nothing behind. */
START_TEST(creation_fails_full_when_no_owner_identity_is_left)
{
    uint32_t n = GLBUF_ID_OWNER_MAX - glbuf_owner_live_count();
    uint32_t *held = malloc((size_t)n * sizeof *held);
    ck_assert_ptr_nonnull(held);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_int_eq(glbuf_owner_acquire(&held[i]), GLBUF_OK);
    }
    glbuf_ctx_stats before = glbuf_ctx_get_stats(fx_ctx);
    glbuf_mega_desc md = {0};
    glbuf_mega m = {0x5151};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &m), GLBUF_ERR_FULL);
    ck_assert_uint_eq(m.id, 0x5151);
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *other = (glbuf_ctx *)&cd;
    ck_assert_int_eq(glbuf_ctx_create(&cd, &other), GLBUF_ERR_FULL);
    ck_assert_ptr_eq(other, (glbuf_ctx *)&cd);
    glbuf_ctx_stats after = glbuf_ctx_get_stats(fx_ctx);
    ck_assert_uint_eq(after.calls_total, before.calls_total);
    ck_assert_uint_eq(after.buffers_alive, before.buffers_alive);

    glbuf_owner_release(held[0]); /* one identity: the megabuffer's allocator takes it */
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &md, &m), GLBUF_OK);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
    for (uint32_t i = 1; i < n; i++) {
        glbuf_owner_release(held[i]);
    }
    free(held);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, a_megabuffers_handle_never_frees_another_ones_allocation);
    tcase_add_test(tc, no_reuse_count_makes_handles_of_two_megabuffers_meet);
    tcase_add_test(tc, megabuffers_made_later_never_hand_out_an_earlier_ones_handles);
    tcase_add_test(tc, a_freed_megabuffer_handle_stays_dead_through_reuses_of_its_record);
    tcase_add_test(tc, a_destroyed_buffer_handle_stays_dead_through_recreations_in_its_slot);
    tcase_add_test(tc, a_slot_that_issued_its_last_generation_is_retired);
    tcase_add_test(tc, no_kind_of_handle_is_accepted_by_another_context);
    tcase_add_test(tc, creation_fails_full_when_no_owner_identity_is_left);
}

int main(void)
{
    Suite *s = suite_create("handles");
    fx_add_tcases(s, "handles", add_tests, 0);
    return fx_run(s);
}
