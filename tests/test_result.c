/* test_result.c - the result table: every code has a distinct name and message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "glbuf/result.h"

START_TEST(every_code_has_a_distinct_nonempty_message)
{
    for (int i = 0; i < GLBUF_RESULT_COUNT; i++) {
        const char *msg = glbuf_result_str((glbuf_result)i);
        ck_assert_ptr_nonnull(msg);
        ck_assert_uint_gt(strlen(msg), 0);
        ck_assert_str_ne(msg, "unknown glbuf_result");
        for (int j = 0; j < i; j++) {
            ck_assert_str_ne(msg, glbuf_result_str((glbuf_result)j));
            ck_assert_str_ne(glbuf_result_name((glbuf_result)i), glbuf_result_name((glbuf_result)j));
        }
    }
}
END_TEST

START_TEST(codes_outside_the_table_are_unknown_not_null)
{
    ck_assert_str_eq(glbuf_result_str(GLBUF_RESULT_COUNT), "unknown glbuf_result");
    ck_assert_str_eq(glbuf_result_str((glbuf_result)-1), "unknown glbuf_result");
    ck_assert_str_eq(glbuf_result_name(GLBUF_OK), "GLBUF_OK");
    ck_assert_str_eq(glbuf_result_name(GLBUF_ERR_FULL), "GLBUF_ERR_FULL");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("result");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, every_code_has_a_distinct_nonempty_message);
    tcase_add_test(tc, codes_outside_the_table_are_unknown_not_null);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
