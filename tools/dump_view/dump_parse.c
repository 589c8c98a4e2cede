/* dump_parse.c - reads a glbuf_mega_dump_json file (dump.h): a small
 * recursive-descent JSON reader that keeps the keys the dump has and skips
 * any other value, then checks the layout is one a megabuffer can have. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

#define MAX_DEPTH 64

typedef struct reader {
    const char *p, *start, *end;
    char *why;
    size_t why_size;
    int failed;
} reader;

const char *dump_kind_name(dump_kind kind)
{
    static const char *const names[DUMP_KINDS] = {"live", "pending", "free", "moving"};
    return (unsigned)kind < DUMP_KINDS ? names[kind] : "?";
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(reader *r, const char *fmt, ...)
{
    if (!r->failed) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(r->why, r->why_size, "byte %td: %s", r->p - r->start, msg);
        r->failed = 1;
    }
    return 0;
}

static void skip_space(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
        r->p++;
    }
}

/* Consumes `c` after optional space. */
static int expect(reader *r, char c)
{
    skip_space(r);
    if (r->p >= r->end || *r->p != c) {
        return fail(r, "expected '%c'", c);
    }
    r->p++;
    return 1;
}

static int peek(reader *r, char c)
{
    skip_space(r);
    return r->p < r->end && *r->p == c;
}

/* A JSON string into out (truncated to out_size - 1 bytes; escapes are
 * checked, \uXXXX kept as '?'). */
static int read_string(reader *r, char *out, size_t out_size)
{
    if (!expect(r, '"')) {
        return 0;
    }
    size_t n = 0;
    while (r->p < r->end && *r->p != '"') {
        char c = *r->p++;
        if ((unsigned char)c < 0x20) {
            return fail(r, "control character in a string");
        }
        if (c == '\\') {
            if (r->p >= r->end) {
                break;
            }
            char e = *r->p++;
            static const char escapes[] = "\"\\/bfnrt";
            static const char values[] = "\"\\/\b\f\n\r\t";
            const char *hit = strchr(escapes, e);
            if (e == 'u') {
                for (int i = 0; i < 4; i++) {
                    if (r->p >= r->end || strchr("0123456789abcdefABCDEF", *r->p) == NULL || *r->p == '\0') {
                        return fail(r, "bad \\u escape");
                    }
                    r->p++;
                }
                c = '?';
            } else if (hit != NULL && e != '\0') {
                c = values[hit - escapes];
            } else {
                return fail(r, "bad escape '\\%c'", e);
            }
        }
        if (n + 1 < out_size) {
            out[n++] = c;
        }
    }
    if (r->p >= r->end) {
        return fail(r, "unterminated string");
    }
    r->p++;
    out[n] = '\0';
    return 1;
}

static int read_u64(reader *r, uint64_t *out)
{
    skip_space(r);
    if (r->p >= r->end || *r->p < '0' || *r->p > '9') {
        return fail(r, "expected a non-negative integer");
    }
    uint64_t v = 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        unsigned d = (unsigned)(*r->p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return fail(r, "number does not fit 64 bits");
        }
        v = v * 10 + d;
        r->p++;
    }
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E')) {
        return fail(r, "expected an integer, not a fraction");
    }
    *out = v;
    return 1;
}

static int skip_value(reader *r, int depth);

/* Calls on_key for each key of an object; on_key reads the value. */
typedef int (*key_fn)(reader *r, const char *key, void *user, int depth);

static int read_object(reader *r, key_fn on_key, void *user, int depth)
{
    if (depth > MAX_DEPTH) {
        return fail(r, "nested deeper than %d", MAX_DEPTH);
    }
    if (!expect(r, '{')) {
        return 0;
    }
    if (peek(r, '}')) {
        r->p++;
        return 1;
    }
    for (;;) {
        char key[64];
        if (!read_string(r, key, sizeof key) || !expect(r, ':') || !on_key(r, key, user, depth + 1)) {
            return 0;
        }
        if (peek(r, ',')) {
            r->p++;
            continue;
        }
        return expect(r, '}');
    }
}

static int skip_key(reader *r, const char *key, void *user, int depth)
{
    (void)key;
    (void)user;
    return skip_value(r, depth);
}

static int skip_literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
        return fail(r, "unexpected character");
    }
    r->p += n;
    return 1;
}

static int skip_value(reader *r, int depth)
{
    if (depth > MAX_DEPTH) {
        return fail(r, "nested deeper than %d", MAX_DEPTH);
    }
    skip_space(r);
    if (r->p >= r->end) {
        return fail(r, "unexpected end");
    }
    char c = *r->p;
    if (c == '{') {
        return read_object(r, skip_key, NULL, depth + 1);
    }
    if (c == '[') {
        r->p++;
        if (peek(r, ']')) {
            r->p++;
            return 1;
        }
        for (;;) {
            if (!skip_value(r, depth + 1)) {
                return 0;
            }
            if (!peek(r, ',')) {
                return expect(r, ']');
            }
            r->p++;
        }
    }
    if (c == '"') {
        char ignored[2];
        return read_string(r, ignored, sizeof ignored);
    }
    if (c == 't') {
        return skip_literal(r, "true");
    }
    if (c == 'f') {
        return skip_literal(r, "false");
    }
    if (c == 'n') {
        return skip_literal(r, "null");
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        r->p++;
        while (r->p < r->end && strchr("0123456789.eE+-", *r->p) != NULL && *r->p != '\0') {
            r->p++;
        }
        return 1;
    }
    return fail(r, "unexpected character '%c'", c);
}

/* ---- the dump's keys ------------------------------------------------------------ */

enum { HAVE_KIND = 1, HAVE_OFFSET = 2, HAVE_SIZE = 4, HAVE_FRAME = 8 };

typedef struct block_read {
    dump_block b;
    unsigned have;
} block_read;

static int block_key(reader *r, const char *key, void *user, int depth)
{
    block_read *br = user;
    if (strcmp(key, "kind") == 0) {
        char kind[16];
        if (!read_string(r, kind, sizeof kind)) {
            return 0;
        }
        for (int k = 0; k < DUMP_KINDS; k++) {
            if (strcmp(kind, dump_kind_name((dump_kind)k)) == 0) {
                br->b.kind = (dump_kind)k;
                br->have |= HAVE_KIND;
                return 1;
            }
        }
        return fail(r, "unknown block kind \"%s\"", kind);
    }
    if (strcmp(key, "offset") == 0) {
        br->have |= HAVE_OFFSET;
        return read_u64(r, &br->b.offset);
    }
    if (strcmp(key, "size") == 0) {
        br->have |= HAVE_SIZE;
        return read_u64(r, &br->b.size);
    }
    if (strcmp(key, "frame") == 0) {
        br->have |= HAVE_FRAME;
        return read_u64(r, &br->b.frame);
    }
    return skip_value(r, depth);
}

enum { HAVE_CAPACITY = 1, HAVE_NAME = 2, HAVE_GENERATION = 4, HAVE_ALIGNMENT = 8, HAVE_BLOCKS = 16 };

typedef struct dump_read {
    dump *d;
    size_t allocated;
    unsigned have;
} dump_read;

static int read_blocks(reader *r, dump_read *dr, int depth)
{
    if (!expect(r, '[')) {
        return 0;
    }
    if (peek(r, ']')) {
        r->p++;
        return 1;
    }
    for (;;) {
        block_read br;
        memset(&br, 0, sizeof br);
        if (!read_object(r, block_key, &br, depth + 1)) {
            return 0;
        }
        if ((br.have & (HAVE_KIND | HAVE_OFFSET | HAVE_SIZE)) != (HAVE_KIND | HAVE_OFFSET | HAVE_SIZE)) {
            return fail(r, "block %zu lacks \"kind\", \"offset\" or \"size\"", dr->d->count);
        }
        if (dr->d->count == dr->allocated) {
            size_t n = dr->allocated ? dr->allocated * 2 : 64;
            dump_block *grown = realloc(dr->d->blocks, n * sizeof *grown);
            if (grown == NULL) {
                return fail(r, "out of memory");
            }
            dr->d->blocks = grown;
            dr->allocated = n;
        }
        dr->d->blocks[dr->d->count++] = br.b;
        if (!peek(r, ',')) {
            return expect(r, ']');
        }
        r->p++;
    }
}

static int dump_key(reader *r, const char *key, void *user, int depth)
{
    dump_read *dr = user;
    const struct {
        const char *key;
        unsigned bit;
        uint64_t *field;
    } numbers[] = {
        {"capacity", HAVE_CAPACITY, &dr->d->capacity},
        {"name", HAVE_NAME, &dr->d->name},
        {"generation", HAVE_GENERATION, &dr->d->generation},
        {"alignment", HAVE_ALIGNMENT, &dr->d->alignment},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (strcmp(key, numbers[i].key) == 0) {
            dr->have |= numbers[i].bit;
            return read_u64(r, numbers[i].field);
        }
    }
    if (strcmp(key, "blocks") == 0) {
        if (dr->have & HAVE_BLOCKS) {
            return fail(r, "\"blocks\" twice");
        }
        dr->have |= HAVE_BLOCKS;
        return read_blocks(r, dr, depth);
    }
    return skip_value(r, depth);
}

/* A layout a megabuffer can have: blocks in order, apart, inside. */
static int check_layout(const dump *d, char *why, size_t why_size)
{
    if (d->capacity == 0) {
        snprintf(why, why_size, "capacity is 0");
        return 0;
    }
    uint64_t end = 0;
    for (size_t i = 0; i < d->count; i++) {
        const dump_block *b = &d->blocks[i];
        if (b->size == 0) {
            snprintf(why, why_size, "block %zu has size 0", i);
            return 0;
        }
        if (b->offset < end) {
            snprintf(why, why_size, "block %zu at %llu overlaps or precedes the one before (ending at %llu)", i,
                     (unsigned long long)b->offset, (unsigned long long)end);
            return 0;
        }
        if (b->offset > d->capacity || b->size > d->capacity - b->offset) {
            snprintf(why, why_size, "block %zu [%llu, +%llu) passes the capacity %llu", i,
                     (unsigned long long)b->offset, (unsigned long long)b->size, (unsigned long long)d->capacity);
            return 0;
        }
        end = b->offset + b->size;
    }
    return 1;
}

int dump_parse(const char *text, size_t len, dump *out, char *why, size_t why_size)
{
    dump d;
    memset(&d, 0, sizeof d);
    reader r = {text, text, text + len, why, why_size, 0};
    dump_read dr = {&d, 0, 0};
    int ok = read_object(&r, dump_key, &dr, 0);
    if (ok) {
        skip_space(&r);
        if (r.p != r.end) {
            ok = fail(&r, "trailing characters after the dump");
        }
    }
    const unsigned all = HAVE_CAPACITY | HAVE_NAME | HAVE_GENERATION | HAVE_ALIGNMENT | HAVE_BLOCKS;
    if (ok && (dr.have & all) != all) {
        snprintf(why, why_size, "missing key: the dump needs capacity, name, generation, alignment and blocks");
        ok = 0;
    }
    if (ok) {
        ok = check_layout(&d, why, why_size);
    }
    if (!ok) {
        dump_free(&d);
        return 0;
    }
    *out = d;
    return 1;
}

void dump_free(dump *d)
{
    free(d->blocks);
    d->blocks = NULL;
    d->count = 0;
}
