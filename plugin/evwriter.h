/*
 * evwriter.h - the evidence writer thread: evidence pcaps are created and
 * appended to off the packet path.
 *
 * Creating a file is the slow part of evidence (on the machine the
 * benchmark runs on, 600 microseconds each; a replay of real traffic creates
 * tens of thousands), so the engine hands each write to this thread through
 * a byte queue and goes on.  A full queue makes the engine wait (the same
 * back pressure a synchronous write gave), counted in `waits`: evidence is
 * never dropped for speed.  Files are written in the order the engine asked.
 */
#ifndef SLUICE_EVWRITER_H
#define SLUICE_EVWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_evwriter;

/* A writer into directory `dir` (made on the first create) taking writes of up to max_write
 * bytes; NULL when out of memory or no thread could be started. */
struct sl_evwriter *sl_evwriter_new(const char *dir, size_t max_write);

/* Drains the queue, closes every file and stops the thread. */
void sl_evwriter_free(struct sl_evwriter *w);

/* Append `len` bytes to <dir>/<flow_id>.pcap, created (truncated) first when `create`. */
void sl_evwriter_write(struct sl_evwriter *w, uint64_t flow_id, bool create, const void *data,
                       size_t len);

/* The flow's file will see no more writes for now: close it. */
void sl_evwriter_close(struct sl_evwriter *w, uint64_t flow_id);

/* Wait until everything asked so far is written and flushed to the files. */
void sl_evwriter_sync(struct sl_evwriter *w);

/* Files that could not be created or written so far; times the engine waited on a full queue. */
void sl_evwriter_counts(struct sl_evwriter *w, uint64_t *errors, uint64_t *waits);

#endif
