/* ranges_internal.h - test hooks of glbuf_ranges (not public API). */
#ifndef GLBUF_RANGES_INTERNAL_H
#define GLBUF_RANGES_INTERNAL_H

#include "glbuf/ranges.h"

/* Debug builds check every invariant after each change (O(n) per call). A
 * test that runs millions of operations on purpose (the full generation
 * wrap of one record) turns that off with on = 0 and calls
 * glbuf_ranges_invariants_hold itself. No effect in release builds. */
void glbuf_ranges_set_debug_checks(glbuf_ranges *r, int on);

#endif /* GLBUF_RANGES_INTERNAL_H */
