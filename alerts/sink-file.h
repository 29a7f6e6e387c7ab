/*
 * sink-file.h - the EVE JSON-lines sink: one event per line to a file or stdout.
 */
#ifndef SLUICE_SINK_FILE_H
#define SLUICE_SINK_FILE_H

#include "sluice.h"

extern const sluice_sink_ops sl_sink_file_ops;
/* The same, named "eve-stdout", for sl_sink_file_open("-") next to a file (outputs.stdout). */
extern const sluice_sink_ops sl_sink_stdout_ops;

/*
 * Open `path` for appending ("-" is standard output; the file is created
 * 0640 if missing).  Returns the sink context for sluice_engine_add_sink, or
 * NULL with err filled ("PATH: cannot open: Permission denied").
 */
void *sl_sink_file_open(const char *path, sluice_error *err);

/*
 * Rotate the file (not stdout) before a line would take it past `rotate_size`
 * bytes, and at every multiple of `rotate_interval` seconds of wall-clock
 * time; fdatasync it at most every `fsync_interval` seconds (looked at on
 * each line and flush) and at close.  0 turns each off (the default).
 */
void sl_sink_file_set_rotation(void *ctx, uint64_t rotate_size, uint32_t rotate_interval,
                               uint32_t fsync_interval);

/* Files rotated aside so far. */
uint64_t sl_sink_file_rotations(const void *ctx);

/* Lines written and write failures so far (for stats). */
void sl_sink_file_counts(const void *ctx, uint64_t *lines, uint64_t *failures);

#endif
