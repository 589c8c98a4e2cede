/* export.h - GLBUF_API, the symbol-visibility macro of every public function.
 *
 * The library is built with hidden visibility; only functions marked GLBUF_API
 * are exported from the shared library. Consumers of the static library on
 * Windows define GLBUF_STATIC (the CMake package and glbuf.pc do it for them). */
#ifndef GLBUF_EXPORT_H
#define GLBUF_EXPORT_H

#if defined(GLBUF_STATIC)
#  define GLBUF_API
#elif defined(_WIN32)
#  if defined(GLBUF_BUILDING)
#    define GLBUF_API __declspec(dllexport)
#  else
#    define GLBUF_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define GLBUF_API __attribute__((visibility("default")))
#else
#  define GLBUF_API
#endif

#endif /* GLBUF_EXPORT_H */
