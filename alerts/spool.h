/*
 * spool.h - an on-disk queue of event lines, for a sink whose server is away.
 *
 * A directory of segment files (000000000001.spool, ...) holding whole lines,
 * plus a `cursor` file saying how far delivery got.  Lines are appended at
 * the tail and read from the head in order; a read is only final once it is
 * committed (the server acknowledged it), so a crash between read and commit
 * delivers the line again (at least once).  The total on disk is capped:
 * an append past the cap is refused and the caller counts the drop.
 *
 * One thread at a time: the Redis sink's output thread owns its spool.
 */
#ifndef SLUICE_SPOOL_H
#define SLUICE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "sluice.h"

struct sl_spool;

/* A place in the spool: segment number and byte offset in it. */
struct sl_spool_pos {
    uint64_t seq, off;
};

/*
 * Open (creating it 0750 if missing) the spool in `dir`, capped at `max_bytes`
 * on disk, and recover what a previous run left: a last line cut short by a
 * crash is cut off (sl_spool_recovered tells how many bytes).  NULL with err
 * filled ("DIR: cannot create: ...").
 */
struct sl_spool *sl_spool_open(const char *dir, uint64_t max_bytes, sluice_error *err);
void sl_spool_close(struct sl_spool *sp);

/*
 * Append one line (`len` bytes, no newline; the spool adds it).  0, 1 when
 * refused because the cap is reached (nothing written), -1 on an I/O error
 * (nothing written; `why` says what).
 */
int sl_spool_append(struct sl_spool *sp, const char *line, size_t len, char *why, size_t whylen);

/*
 * Append `n` lines at once (each iov is one line without its newline) with
 * as few writes as possible.  *written tells how many were appended, in
 * order from the first; returns 0 when all were, 1 when the cap stopped it,
 * -1 on an I/O error (`why` says what).
 */
struct iovec;
int sl_spool_append_lines(struct sl_spool *sp, const struct iovec *lines, unsigned n,
                          unsigned *written, char *why, size_t whylen);

/*
 * The next unread line: 1 with the line and its length (no newline; valid until the next
 * call), 0 when everything appended has been read, -1 on an I/O error.
 * Reading moves only the read position, not the committed one.
 */
int sl_spool_next(struct sl_spool *sp, const char **line, size_t *len);

/* The read position now (after the last line sl_spool_next returned). */
void sl_spool_tell(const struct sl_spool *sp, struct sl_spool_pos *pos);

/* Lines up to `pos` are delivered: forget them (segments read to the end are deleted). */
void sl_spool_commit(struct sl_spool *sp, const struct sl_spool_pos *pos);

/* Delivery failed: the next read starts again at the last commit. */
void sl_spool_rewind(struct sl_spool *sp);

/* Bytes appended and not yet committed (what is waiting for delivery). */
uint64_t sl_spool_pending(const struct sl_spool *sp);

/* Bytes of a line cut short found at open (a crash during an append); 0 normally. */
uint64_t sl_spool_recovered(const struct sl_spool *sp);

#endif
