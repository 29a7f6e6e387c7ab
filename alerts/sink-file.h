/*
 * sink-file.h - the EVE JSON-lines sink: one event per line to a file or stdout.
 */
#ifndef SLUICE_SINK_FILE_H
#define SLUICE_SINK_FILE_H

#include "sluice.h"

extern const sluice_sink_ops sl_sink_file_ops;

/*
 * Open `path` for appending ("-" is standard output; the file is created
 * 0640 if missing).  Returns the sink context for sluice_engine_add_sink, or
 * NULL with err filled ("PATH: cannot open: Permission denied").
 */
void *sl_sink_file_open(const char *path, sluice_error *err);

/* Lines written and write failures so far (for stats). */
void sl_sink_file_counts(const void *ctx, uint64_t *lines, uint64_t *failures);

#endif
