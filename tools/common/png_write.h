/* png_write.h - writes an RGBA8 image as a PNG file (libpng); shared by the
 * demo's screenshots and glbuf-dump-view. */
#ifndef GLBUF_TOOLS_PNG_WRITE_H
#define GLBUF_TOOLS_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* Writes `width` x `height` RGBA8 pixels, rows top to bottom, `stride` bytes
 * apart (bottom_up != 0: rows are bottom to top, as glReadPixels returns
 * them). Returns 1, or 0 with the reason in why (why_size bytes). */
int rgba_png_write(const char *path, const uint8_t *rgba, int width, int height, size_t stride, int bottom_up,
                   char *why, size_t why_size);

#endif /* GLBUF_TOOLS_PNG_WRITE_H */
