/*
 * signals.h - the sensor's signals.  Handlers only set flags; the reader,
 * the capture loop and the workers act on them at safe points.
 *   SIGTERM, SIGINT  stop: end every flow, write its event, drain, exit 0
 *   SIGHUP           reopen log files (after logrotate renamed them)
 *   SIGUSR1          write a stats event now
 */
#ifndef SLUICE_SIGNALS_H
#define SLUICE_SIGNALS_H

#include <stdbool.h>

void sl_signals_install(void);

/* Block the four signals in this thread (call before creating threads, so they inherit it). */
void sl_signals_block(void);
void sl_signals_unblock(void);

bool sl_signals_stop(void);
/* True once per SIGHUP / SIGUSR1 received since the last call. */
bool sl_signals_take_reopen(void);
bool sl_signals_take_stats(void);

#endif
