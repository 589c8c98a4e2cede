/* mega_checks.h - allocation, pattern writes and GPU read-back checks
 * shared by the megabuffer placement and staging suites (fx_ctx). */
#ifndef GLBUF_MEGA_CHECKS_H
#define GLBUF_MEGA_CHECKS_H

#include <stdint.h>

#include "glbuf/mega.h"

/* A range of `size` bytes at the use's alignment; the test fails otherwise. */
glbuf_mega_range alloc(glbuf_mega m, uint64_t size);
/* Writes fx_pattern(seed) to [offset, +size) of the allocation. */
void write_pattern(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed);
/* Reads [offset, +size) of the allocation from the GPU as it is now (no flush). */
void expect_now(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed);
/* The same after glbuf_mega_flush. */
void expect(glbuf_mega m, glbuf_mega_range r, uint64_t offset, uint64_t size, uint32_t seed);

#endif /* GLBUF_MEGA_CHECKS_H */
