/*
 * sink-redis.h - the Redis sink: events to a Redis list, channel or stream,
 * through a memory queue and an output thread, with an on-disk spool for
 * whatever Redis does not take, so nothing is lost and the packet path
 * never waits on Redis.
 */
#ifndef SLUICE_SINK_REDIS_H
#define SLUICE_SINK_REDIS_H

#include <stdbool.h>

#include "config.h"
#include "sluice.h"

extern const sluice_sink_ops sl_sink_redis_ops;

/*
 * Open the spool (LOGDIR/redis.spool_dir) and start the output thread with
 * the redis.* options of `cfg`.  Connecting happens on the thread: a Redis
 * that is down is not an error here (events are spooled).  `quiet`: no
 * summary on standard error at close.  `wait_for_room` (a replay): write()
 * waits while the memory queue is full rather than refusing the event; live
 * capture passes false, so capture never waits for Redis.  Returns the sink context for
 * sluice_engine_add_sink, or NULL with err filled.
 *
 * write() is safe to call from several threads at once.  close() drains:
 * for up to redis.drain_timeout it delivers what is queued and spooled, then
 * spools what is left in memory for the next run.
 */
void *sl_sink_redis_open(const struct sluice_config *cfg, bool quiet, bool wait_for_room,
                         sluice_error *err);

#endif
