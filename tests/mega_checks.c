/* mega_checks.c - shared checks of the megabuffer suites that write
 * patterns into allocations and read them back from the GPU. */
#include "mega_checks.h"

#include <stdlib.h>

#include "gl_fixture.h"

glbuf_mega_range alloc(glbuf_mega m, uint64_t size)
{
    glbuf_mega_range r = {0};
    ck_assert_int_eq(glbuf_mega_alloc(fx_ctx, m, size, 0, &r, NULL), GLBUF_OK);
    return r;
}

void write_pattern(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed)
{
    uint8_t *p = malloc((size_t)size);
    fx_pattern(p, size, seed);
    ck_assert_int_eq(glbuf_mega_write(fx_ctx, m, r, offset, p, size), GLBUF_OK);
    free(p);
}

/* Reads [offset, +size) of the allocation from the GPU as it is now (no flush). */
void expect_now(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed)
{
    uint64_t base = 0;
    ck_assert_int_eq(glbuf_mega_offset(fx_ctx, m, r, &base), GLBUF_OK);
    uint8_t *got = malloc((size_t)size);
    fx_read(glbuf_mega_gl_name(fx_ctx, m), base + offset, size, got);
    fx_check_pattern(got, size, seed);
    free(got);
}

void expect(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed)
{
    ck_assert_int_eq(glbuf_mega_flush(fx_ctx, m), GLBUF_OK);
    expect_now(m, r, offset, size, seed);
}
