/*
 * sink-shared.h - one real sink (the EVE file, later Redis) shared by the
 * engines of several worker threads.
 *
 * Each engine is given its own handle (sl_sink_shared_handle) as a sink
 * context with sl_sink_shared_ops(s); every call takes the shared lock and is
 * forwarded to the real sink, so lines from different workers never mix.
 * The real sink is closed when the last handle is closed.
 */
#ifndef SLUICE_SINK_SHARED_H
#define SLUICE_SINK_SHARED_H

#include "sluice.h"

struct sl_sink_shared;

/*
 * Share the real sink (ops, ctx) among `users` engines: the shared object
 * owns ctx from here on.  NULL when out of memory (ctx is then closed).
 */
struct sl_sink_shared *sl_sink_shared_new(const sluice_sink_ops *ops, void *ctx, unsigned users);

/* The ops to give every engine: forwarders named as the real sink. */
const sluice_sink_ops *sl_sink_shared_ops(const struct sl_sink_shared *s);

/* The context to give engine number i (0 <= i < users) with sl_sink_shared_ops. */
void *sl_sink_shared_handle(struct sl_sink_shared *s, unsigned i);

/*
 * Drop a handle never given to an engine (an engine that failed to start):
 * it counts as closed.
 */
void sl_sink_shared_release(struct sl_sink_shared *s, unsigned i);

#endif
