/*
 * sink-summary.h - tallies events for the end-of-replay summary on standard
 * error: P2P sessions by protocol, alerts by signature, top uploading
 * internal hosts.  It sees only the events (as any sink), never the engine's
 * insides, and parses only alert and flow events.  Its tables are bounded:
 * what does not fit is counted under "other".
 */
#ifndef SLUICE_SINK_SUMMARY_H
#define SLUICE_SINK_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "sluice.h"

extern const sluice_sink_ops sl_sink_summary_ops;

/*
 * A summary context for sluice_engine_add_sink (types: alert and flow); NULL
 * when out of memory.  `idle`: nobody will print it (sluice -q), so events
 * are taken and not parsed; the sink is still there, so the stats events
 * list the same sinks either way.
 */
void *sl_sink_summary_new(const struct sl_cidr_list *home_nets, bool idle);

/* Print the summary (the engine still owns ctx: call before sluice_engine_free). */
void sl_sink_summary_print(const void *ctx, const sluice_stats *st, FILE *out);

#endif
