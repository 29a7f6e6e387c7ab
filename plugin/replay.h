/*
 * replay.h - reading captures (-r): the list of files, and the reader that
 * hands their packets to the workers.
 */
#ifndef SLUICE_REPLAY_H
#define SLUICE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "workers.h"

/* The expanded list of capture files to read, in order. */
struct sl_file_list {
    char **path;
    unsigned n, cap;
};

/*
 * Expand -r arguments (a directory: its regular, non-hidden files sorted by
 * name) and check every file before anything is processed, so a typo fails
 * at once.  Files in a directory that are not captures are skipped with a
 * warning; a file named on the command line must be a capture.  0, or -1
 * with the message printed.
 */
int sl_replay_collect(const char *const *inputs, unsigned n, struct sl_file_list *l);
void sl_replay_list_free(struct sl_file_list *l);

/* A run id that is the same for the same inputs and sensor, so a replay is reproducible. */
uint64_t sl_replay_run_id(const struct sluice_config *cfg, const struct sl_file_list *l);

/*
 * Read every file as one stream in packet-time order (merge.h), with a
 * progress line on a terminal unless `quiet`, handing each packet to its worker (producer 0,
 * blocking: nothing is dropped), until the end or a stop signal.  Returns 0,
 * or 2 when a file was cut short by a read error or a truncated record (what
 * could be read was).
 * *packets gets the packets read.
 */
int sl_replay_run(const struct sl_file_list *l, const struct sluice_config *cfg,
                  struct sl_workers *ws, bool verbose, bool quiet, uint64_t *packets);

#endif
