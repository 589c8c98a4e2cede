/* glbuf_assert.h - GLBUF_ASSERT, the overridable check of internal invariants.
 *
 * Guards only what the library itself guarantees, never user input (bad input
 * returns an error code). Define GLBUF_ASSERT before including this header, or
 * on the compiler command line, to route failures elsewhere; by default it is
 * the standard assert, compiled out under NDEBUG.
 *
 * Not named assert.h: src/ is on the include path of the library and of the
 * tests, where a header of that name would shadow the standard <assert.h>. */
#ifndef GLBUF_GLBUF_ASSERT_H
#define GLBUF_GLBUF_ASSERT_H

#ifndef GLBUF_ASSERT
#include <assert.h>
#define GLBUF_ASSERT(x) assert(x)
#endif

#endif /* GLBUF_GLBUF_ASSERT_H */
