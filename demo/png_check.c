/* png_check.c - the demo test's picture check: exit 0 iff FILE is a PNG of
 * exactly W x H pixels (IHDR) whose decoded pixels are not all one colour.
 *   glbuf-demo-png-check FILE W H */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long be32(const unsigned char *p)
{
    return ((unsigned long)p[0] << 24) | ((unsigned long)p[1] << 16) | ((unsigned long)p[2] << 8) | p[3];
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s FILE WIDTH HEIGHT\n", argv[0]);
        return 2;
    }
    unsigned long want_w = strtoul(argv[2], NULL, 10), want_h = strtoul(argv[3], NULL, 10);
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: missing\n", argv[1]);
        return 1;
    }
    /* The signature, then IHDR first: width and height at bytes 16..23. */
    unsigned char head[24];
    if (fread(head, 1, sizeof head, f) != sizeof head || png_sig_cmp(head, 0, 8) != 0 ||
        memcmp(head + 12, "IHDR", 4) != 0) {
        fprintf(stderr, "%s: not a PNG\n", argv[1]);
        fclose(f);
        return 1;
    }
    unsigned long w = be32(head + 16), h = be32(head + 20);
    if (w != want_w || h != want_h) {
        fprintf(stderr, "%s: %lux%lu, expected %lux%lu\n", argv[1], w, h, want_w, want_h);
        fclose(f);
        return 1;
    }
    rewind(f);

    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(&img, f)) {
        fprintf(stderr, "%s: %s\n", argv[1], img.message);
        fclose(f);
        return 1;
    }
    img.format = PNG_FORMAT_RGBA;
    size_t n = PNG_IMAGE_SIZE(img);
    unsigned char *px = malloc(n);
    if (px == NULL || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        fprintf(stderr, "%s: cannot decode: %s\n", argv[1], img.message);
        free(px);
        fclose(f);
        return 1;
    }
    fclose(f);
    size_t distinct_from_first = 0;
    for (size_t i = 4; i < n; i += 4) {
        distinct_from_first += memcmp(px + i, px, 4) != 0;
    }
    free(px);
    printf("%s: %lux%lu PNG, %zu of %zu pixels differ from the first\n", argv[1], w, h, distinct_from_first,
           n / 4);
    if (distinct_from_first == 0) {
        fprintf(stderr, "%s: one flat colour\n", argv[1]);
        return 1;
    }
    return 0;
}
