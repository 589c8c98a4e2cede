/* dump.h - a glbuf_mega_dump_json file read into memory (include/glbuf/mega.h
 * gives the format):
 *   {"capacity":N,"name":N,"generation":N,"alignment":N,
 *    "blocks":[{"kind":"live"|"pending"|"free"|"moving","offset":N,"size":N,"frame":N},...]}
 * Keys may come in any order; unknown keys are skipped; numbers are
 * non-negative integers below 2^64. */
#ifndef GLBUF_DUMP_VIEW_DUMP_H
#define GLBUF_DUMP_VIEW_DUMP_H

#include <stddef.h>
#include <stdint.h>

typedef enum dump_kind {
    DUMP_LIVE = 0,
    DUMP_PENDING, /* freed, waiting for its frame's fence */
    DUMP_FREE,
    DUMP_MOVING, /* the destination of a defragmentation move in flight */
    DUMP_KINDS
} dump_kind;

typedef struct dump_block {
    dump_kind kind;
    uint64_t offset, size, frame; /* bytes, bytes, frame number */
} dump_block;

typedef struct dump {
    uint64_t capacity, name, generation, alignment;
    dump_block *blocks; /* in offset order, not overlapping, inside [0, capacity) */
    size_t count;
} dump;

/* "live", "pending", "free", "moving". */
const char *dump_kind_name(dump_kind kind);

/* Parses `len` bytes of JSON. Returns 1, or 0 with the reason (naming the
 * byte offset) in why: malformed JSON, a missing key, a number that is not a
 * non-negative integer or overflows, an unknown kind, capacity 0, a block of
 * size 0, blocks out of order, overlapping or past the capacity. On success
 * free the blocks with dump_free. */
int dump_parse(const char *text, size_t len, dump *out, char *why, size_t why_size);
void dump_free(dump *d);

#endif /* GLBUF_DUMP_VIEW_DUMP_H */
