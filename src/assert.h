/* assert.h - GLBUF_ASSERT, the overridable check of internal invariants.
 *
 * Guards only what the library itself guarantees, never user input (bad input
 * returns an error code). Define GLBUF_ASSERT before including this header, or
 * on the compiler command line, to route failures elsewhere; by default it is
 * the standard assert, compiled out under NDEBUG. */
#ifndef GLBUF_ASSERT_H
#define GLBUF_ASSERT_H

#ifndef GLBUF_ASSERT
#include <assert.h>
#define GLBUF_ASSERT(x) assert(x)
#endif

#endif /* GLBUF_ASSERT_H */
