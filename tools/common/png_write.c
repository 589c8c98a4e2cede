/* png_write.c - writes an RGBA8 image as a PNG file with libpng (png_write.h). */
#include "png_write.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

int rgba_png_write(const char *path, const uint8_t *rgba, int width, int height, size_t stride, int bottom_up,
                   char *why, size_t why_size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        return 0;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        snprintf(why, why_size, "libpng: out of memory");
        png_destroy_write_struct(&png, NULL);
        fclose(f);
        remove(path);
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(why, why_size, "libpng failed writing %s", path);
        png_destroy_write_struct(&png, &info);
        fclose(f);
        remove(path); /* no half-written picture left behind */
        return 0;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        int row = bottom_up ? height - 1 - y : y;
        png_write_row(png, (png_const_bytep)(rgba + (size_t)row * stride));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0) {
        snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
        remove(path);
        return 0;
    }
    return 1;
}
