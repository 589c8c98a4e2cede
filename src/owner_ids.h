/* owner_ids.h - process-wide identities for the tables that issue handles
 * (contexts' object tables, megabuffers, glbuf_ranges instances), so that a
 * handle carries who issued it. */
#ifndef GLBUF_OWNER_IDS_H
#define GLBUF_OWNER_IDS_H

#include <stdint.h>

#include "glbuf/result.h"

/* An identity in 1 .. GLBUF_ID_OWNER_MAX that no live table holds. Identities
 * are handed out round robin, so a released one comes back only after every
 * other free identity has been used: a stale handle of a destroyed table meets
 * its successor as late as possible. Thread-safe (a spin lock over a bitmap).
 * GLBUF_ERR_FULL when GLBUF_ID_OWNER_MAX tables are live; nothing changes. */
glbuf_result glbuf_owner_acquire(uint32_t *out);

/* Gives an identity back. 0 is ignored. */
void glbuf_owner_release(uint32_t owner);

/* Test hook: how many identities are held now. */
uint32_t glbuf_owner_live_count(void);

#endif /* GLBUF_OWNER_IDS_H */
