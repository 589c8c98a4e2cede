/* pool_internal.h - the object behind a glbuf_pool handle, shared by pool.c (the
 * public calls, buffer creation and release) and pool_idle.c (the idle
 * buffers: fenced reuse, the demand rule, the budget, trimming). */
#ifndef GLBUF_POOL_INTERNAL_H
#define GLBUF_POOL_INTERNAL_H

#include <stdint.h>

#include "buffer_internal.h"
#include "glbuf/pool.h"
#include "pool_class.h"

#define POOL_KIND 0x4C4F4F50u  /* "POOL" */
#define ENTRY_KIND 0x544E4550u /* "PENT" */

/* One pooled GL buffer; the buffer object's `owner` points here for as long
 * as the pool holds the buffer, live or idle. */
typedef struct pool_entry pool_entry;
typedef struct glbuf_pool_obj glbuf_pool_obj;
struct pool_entry {
    uint32_t kind; /* ENTRY_KIND: owner pointers are recognised by it */
    uint32_t cls;  /* size class of the capacity */
    glbuf_pool_obj *pool;
    glbuf_buffer buf;
    uint64_t capacity;      /* bytes, at creation */
    uint64_t requested;     /* bytes, while live */
    uint64_t release_frame; /* while idle: reusable once this frame completed */
    unsigned tier;
    int live;
    pool_entry *prev, *next;   /* live: the pool's live list; idle: its class's idle list */
    pool_entry *older, *newer; /* idle: the pool's idle list over every class */
};

/* The idle buffers of one size class, by release frame:
 *
 *     head                                      pending               tail
 *     [f=5][f=6][f=6][f=7]  ready (frame done)  [f=8][f=9]  not known done
 *
 * Reuse takes the newest ready buffer (just before `pending`), the demand
 * rule deletes from the head. */
typedef struct pool_class {
    pool_entry *head, *tail;
    pool_entry *pending; /* first idle buffer whose frame is not known complete; NULL: none */
    uint32_t idle;       /* buffers in the list */
} pool_class;

/* In the context's object table under GLBUF_KIND_POOL. */
struct glbuf_pool_obj {
    uint32_t kind; /* POOL_KIND while alive */
    glbuf_ctx *ctx;
    uint64_t idle_budget;   /* bytes */
    uint64_t idle_bytes;    /* capacity of every idle buffer */
    uint64_t acquired;      /* successful acquisitions */
    uint32_t demand_frames; /* W */
    uint64_t policy_frame;  /* the frame the demand rule last ran in */
    glbuf_target target;
    glbuf_usage usage;
    glbuf_pool_tier_stats tiers[GLBUF_POOL_TIERS];
    pool_entry *live_head, *live_tail;
    pool_entry *oldest, *newest; /* every idle buffer, by release frame */
    char label[40];
    pool_class classes[POOL_CLASS_COUNT];
    /* Acquisitions per class and frame: W + 1 rows of POOL_CLASS_COUNT, the
     * row of frame f is f % (W + 1): frames F - W .. F while in frame F. */
    uint32_t demand[];
};

/* ---- pool_idle.c -------------------------------------------------------- */

/* Files a released buffer as idle in the current frame. */
void glbuf_pool_idle_push(glbuf_pool_obj *p, pool_entry *e);

/* Takes an idle buffer that fits `size` (pool.h's bound) and whose frame has
 * completed, in the smallest fitting class from `cls` (the request's) up;
 * NULL when there is none. Polls the frame fences at most once, and only
 * when a fitting buffer waits on a frame that has ended. */
pool_entry *glbuf_pool_idle_take(glbuf_pool_obj *p, uint32_t cls, uint64_t size);

/* At the pool's first call in a frame: starts the frame's demand row and
 * gives back each class's idle buffers beyond its recent demand. */
void glbuf_pool_apply_demand(glbuf_pool_obj *p);

/* Deletes the oldest idle buffers until the idle bytes fit the budget. */
void glbuf_pool_enforce_budget(glbuf_pool_obj *p);

/* Deletes the idle buffers released more than idle_frames frames ago. */
void glbuf_pool_trim_idle(glbuf_pool_obj *p, uint64_t idle_frames);

/* Deletes every idle buffer (destroy). */
void glbuf_pool_drop_all_idle(glbuf_pool_obj *p);

/* Deletes the GL buffer of an entry the pool no longer keeps (if the app has
 * not destroyed it already) and frees the entry; the caller has unlinked it
 * and taken it out of the counters. */
void glbuf_pool_delete_entry(glbuf_pool_obj *p, pool_entry *e);

/* Under the context's validation switch: checks the lists against the
 * counters and logs an error naming `what` when they disagree. */
void glbuf_pool_validate(glbuf_pool_obj *p, const char *what);

#endif /* GLBUF_POOL_INTERNAL_H */
