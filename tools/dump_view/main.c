/* main.c - glbuf-dump-view: turns a glbuf_mega_dump_json file into a picture
 * of the megabuffer's layout: live, pending-free and free blocks along the
 * address space, wrapped in rows, with a legend and the figures (layout.h
 * gives the exact geometry).
 *
 *   glbuf-dump-view DUMP.json [--svg OUT.svg] [--png OUT.png]
 *                   [--width PX] [--rows N]
 *
 * With neither --svg nor --png the SVG goes to standard output. DUMP "-"
 * reads standard input. Exit status: 0 written; 1 the dump cannot be read
 * or is not a layout a megabuffer can have, or an output cannot be written
 * (the reason on stderr; no output file is left behind); 2 bad usage; 3 PNG
 * asked of a build without libpng. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "layout.h"
#include "picture.h"

#define MAX_DUMP_BYTES ((size_t)1 << 30)

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s DUMP.json [--svg OUT.svg] [--png OUT.png] [--width PX] [--rows N]\n"
            "  DUMP.json  written by glbuf_mega_dump_json (\"-\": standard input)\n"
            "  --svg      SVG picture (default: standard output when no --png)\n"
            "  --png      PNG picture%s\n"
            "  --width    picture width in pixels, %d..%d (default %d)\n"
            "  --rows     rows the address space is wrapped into, 1..%d (default %d)\n",
            argv0, picture_has_png() ? "" : " (not in this build: no libpng)", LAYOUT_MIN_WIDTH,
            LAYOUT_MAX_WIDTH, LAYOUT_DEFAULT_WIDTH, LAYOUT_MAX_ROWS, LAYOUT_DEFAULT_ROWS);
    return 2;
}

static int parse_int(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 1000000) {
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* The whole file (or stdin) into a malloc'd buffer. */
static char *read_all(const char *path, size_t *len, char *why, size_t why_size)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        if (cap >= MAX_DUMP_BYTES) {
            snprintf(why, why_size, "%s is larger than %zu bytes", path, MAX_DUMP_BYTES);
            free(buf);
            buf = NULL;
            break;
        }
        char *grown = realloc(buf, cap * 2);
        if (grown == NULL) {
            free(buf);
        }
        buf = grown;
        cap *= 2;
    }
    if (buf != NULL && ferror(f)) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    } else if (buf == NULL && why[0] == '\0') {
        snprintf(why, why_size, "out of memory reading %s", path);
    }
    if (f != stdin) {
        fclose(f);
    }
    *len = n;
    return buf;
}

static int write_svg(const char *path, const dump *d, const layout *l, const char *title)
{
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (f == NULL) {
        fprintf(stderr, "glbuf-dump-view: cannot open %s: %s\n", path, strerror(errno));
        return 0;
    }
    int ok = picture_write_svg(f, d, l, title);
    if (path != NULL) {
        ok = fclose(f) == 0 && ok;
    } else {
        ok = fflush(f) == 0 && ok;
    }
    if (!ok) {
        fprintf(stderr, "glbuf-dump-view: cannot write %s\n", path ? path : "the SVG to standard output");
        if (path != NULL) {
            remove(path);
        }
    }
    return ok;
}

int main(int argc, char **argv)
{
    const char *in = NULL, *svg = NULL, *png = NULL;
    int width = LAYOUT_DEFAULT_WIDTH, rows = LAYOUT_DEFAULT_ROWS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--svg") == 0 && has_value) {
            svg = argv[++i];
        } else if (strcmp(a, "--png") == 0 && has_value) {
            png = argv[++i];
        } else if (strcmp(a, "--width") == 0 && has_value) {
            if (!parse_int(argv[++i], &width)) {
                return usage(argv[0]);
            }
        } else if (strcmp(a, "--rows") == 0 && has_value) {
            if (!parse_int(argv[++i], &rows)) {
                return usage(argv[0]);
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(argv[0]);
            return 0;
        } else if (in == NULL && (a[0] != '-' || strcmp(a, "-") == 0)) {
            in = a;
        } else {
            return usage(argv[0]);
        }
    }
    if (in == NULL || width < LAYOUT_MIN_WIDTH || width > LAYOUT_MAX_WIDTH || rows < 1 || rows > LAYOUT_MAX_ROWS) {
        return usage(argv[0]);
    }
    if (png != NULL && !picture_has_png()) {
        fprintf(stderr, "glbuf-dump-view: this build has no PNG output (libpng was not found)\n");
        return 3;
    }

    char why[256] = "";
    size_t len = 0;
    char *text = read_all(in, &len, why, sizeof why);
    if (text == NULL) {
        fprintf(stderr, "glbuf-dump-view: %s\n", why);
        return 1;
    }
    dump d;
    int ok = dump_parse(text, len, &d, why, sizeof why);
    free(text);
    if (!ok) {
        fprintf(stderr, "glbuf-dump-view: %s: %s\n", in, why);
        return 1;
    }
    layout l;
    if (!layout_make(&d, width, rows, &l, why, sizeof why)) {
        fprintf(stderr, "glbuf-dump-view: %s\n", why);
        dump_free(&d);
        return 1;
    }
    const char *title = strcmp(in, "-") == 0 ? NULL : in;
    ok = 1;
    if (svg != NULL || png == NULL) {
        ok = write_svg(svg, &d, &l, title);
    }
    if (ok && png != NULL && !picture_write_png(png, &d, &l, why, sizeof why)) {
        fprintf(stderr, "glbuf-dump-view: %s\n", why);
        ok = 0;
    }
    if (!ok && svg != NULL) {
        remove(svg); /* all or nothing */
    }
    layout_free(&l);
    dump_free(&d);
    return ok ? 0 : 1;
}
