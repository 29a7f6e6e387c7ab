/*
 * live.h - live capture with libpcap: one or more interfaces, each with
 * capture.threads handles (in one PACKET_FANOUT group when more than one),
 * each handle read by its own capture thread that hands packets to the
 * worker owning their internal host.
 */
#ifndef SLUICE_LIVE_H
#define SLUICE_LIVE_H

#include <stddef.h>

#include "config.h"
#include "workers.h"

struct sl_live;

/*
 * Open and activate every handle (needs CAP_NET_RAW; done before privileges
 * are dropped), set the filter.  NULL with a message naming the interface.
 */
struct sl_live *sl_live_open(const struct sluice_config *cfg, char *const *ifaces, unsigned n,
                             char *err, size_t errlen);

/* How many handles (producers for sl_workers_new). */
unsigned sl_live_handles(const struct sl_live *lv);

/*
 * Capture until SIGTERM/SIGINT or a capture error: starts the capture
 * threads, forwards SIGHUP/SIGUSR1 to the workers, refreshes the capture
 * counters every second.  0 stopped by a signal, 2 a handle failed
 * (message printed).  The workers are still running on return.
 */
int sl_live_run(struct sl_live *lv, const struct sluice_config *cfg, struct sl_workers *ws);

void sl_live_close(struct sl_live *lv);

#endif
