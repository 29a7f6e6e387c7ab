/*
 * sluice.h - the sluice engine: P2P and egress detection as an embeddable library.
 *
 * A host program (the `sluice` sensor, or yours) creates an engine from a
 * config, attaches one or more sinks, feeds it captured packets in time order
 * and destroys it.  The engine decodes each packet, tracks flows, classifies
 * them with nDPI and its own dissectors, and hands every event (alert, flow,
 * stats) to each sink whose filter accepts it, as one line of EVE-compatible
 * JSON.  An engine is single-threaded: call it from one thread at a time.
 *
 * Ownership: functions ending in _new return an object the caller frees with
 * the matching _free.  Pointers passed in are borrowed for the call only,
 * except a sink's context, which the engine owns from sluice_engine_add_sink
 * on (it calls the sink's close() at sluice_engine_free).
 *
 * Errors: functions that can fail return 0 on success and -1 on failure and
 * fill a caller-supplied sluice_error with what was wrong and where.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_API_VERSION 1

/* What went wrong and where: "file:line:column: text" when a source is known. */
typedef struct sluice_error {
    char source[256]; /* file name, "--set", or "" */
    int line;         /* 1-based; 0 when not about a line */
    int column;       /* 1-based; 0 when not about a column */
    char text[512];   /* one line, no trailing newline */
} sluice_error;

/* Format an error as one line into buf ("f.json:3:7: ..."); returns buf. */
const char *sluice_error_format(const sluice_error *err, char *buf, size_t len);

/* ---- Configuration ---- */

typedef struct sluice_config sluice_config;

/* A config with every default; NULL only when out of memory. */
sluice_config *sluice_config_new(void);
void sluice_config_free(sluice_config *cfg);

/* Load a JSON config file over the current values. 0, or -1 with err. */
int sluice_config_load(sluice_config *cfg, const char *path, sluice_error *err);

/* Apply "dotted.key=value" (as the sensor's --set). 0, or -1 with err. */
int sluice_config_set(sluice_config *cfg, const char *assignment, sluice_error *err);

/* ---- Sinks: where events go ---- */

/* Event types, for a sink's filter. */
#define SLUICE_EVENT_ALERT 0x1u
#define SLUICE_EVENT_FLOW  0x2u
#define SLUICE_EVENT_STATS 0x4u
/* A long flow's running counters (event_type "flow_update"), every flow.update_interval. */
#define SLUICE_EVENT_FLOW_UPDATE 0x8u
#define SLUICE_EVENT_ALL         0xfu

/*
 * A sink's own counters, for stats events (stats.output.sinks).  The engine
 * zeroes the struct and sets `connected` to -1 before asking; a sink fills
 * what applies to it.
 */
typedef struct sluice_sink_stats {
    uint64_t queued;      /* events taken into the sink's memory queue */
    uint64_t delivered;   /* written (a file) or acknowledged (a server) */
    uint64_t spooled;     /* written to the on-disk spool while the server was away */
    uint64_t spool_bytes; /* bytes in the spool still waiting for delivery */
    uint64_t dropped;     /* lost: the queue or the spool was at its cap */
    uint64_t errors;      /* failed writes, connections and error replies */
    int connected;        /* 1 or 0 for a sink with a connection; -1 otherwise */
    char last_error[256]; /* the latest error, "" when none */
} sluice_sink_stats;

typedef struct sluice_sink_ops {
    const char *name; /* "eve-file", "redis", ... for stats and errors */
    /*
     * Take one event: `len` bytes of JSON, no newline, `line[len]` is NUL.
     * Called on the engine's thread; must not keep `line`.  Return 0, or -1
     * if the event could not be taken (the engine counts it as undelivered).
     */
    int (*write)(void *ctx, unsigned event_type, const char *line, size_t len);
    /*
     * Make written events durable/visible (stats time, the end of a replay, and about every
     * 100 ms of wall time while packets or clock ticks come: keep it cheap when there is
     * nothing to do).  May be NULL.
     */
    int (*flush)(void *ctx);
    /* Reopen files (SIGHUP, log rotation).  May be NULL. */
    int (*reopen)(void *ctx);
    /* Release everything.  May be NULL. */
    void (*close)(void *ctx);
    /*
     * Fill `out` with the sink's counters; called on the engine's thread at
     * stats time, possibly while write() runs on other threads.  May be NULL
     * (the stats event then shows only the engine's written/failed counts).
     * Added in API version 1 after the fields above: initialise a
     * sluice_sink_ops by field name so a host built without it leaves it NULL.
     */
    void (*stats)(void *ctx, sluice_sink_stats *out);
} sluice_sink_ops;

/* ---- The engine ---- */

typedef struct sluice_engine sluice_engine;

/*
 * Create an engine.  `cfg` is copied.  `run_id` distinguishes this run's
 * event_ids from other runs of the same sensor (the sensor derives it from
 * its inputs in replay, so a replay is reproducible byte for byte).
 * NULL with err filled on failure.
 */
sluice_engine *sluice_engine_new(const sluice_config *cfg, uint64_t run_id, sluice_error *err);

/*
 * Attach a sink receiving the event types in `types` (SLUICE_EVENT_*).
 * The engine owns `ctx` from here on.  0, or -1 with err (too many sinks).
 */
int sluice_engine_add_sink(sluice_engine *eng, const sluice_sink_ops *ops, void *ctx,
                           unsigned types, sluice_error *err);

/* One captured packet. */
typedef struct sluice_packet {
    int64_t ts_sec;      /* capture time: seconds since the epoch */
    uint32_t ts_usec;    /* and microseconds (0..999999) */
    int linktype;        /* libpcap DLT_* value of its interface */
    const uint8_t *data; /* captured bytes, borrowed for the call */
    uint32_t caplen;     /* captured length */
    uint32_t wirelen;    /* length on the wire */
} sluice_packet;

/*
 * Name the capture that the following packets come from (replay): events
 * carry it as pcap_filename and number packets as pcap_cnt, counting from 1
 * in each file.  NULL for live capture (no pcap fields).
 */
void sluice_engine_set_source(sluice_engine *eng, const char *pcap_filename);

/*
 * The same for a merged replay (several captures interleaved by time): the
 * next packet is packet number `pcap_cnt` (from 1) of `pcap_filename`, and the
 * packets after it count on from there until the next call.  Call it when the
 * source changes; the name is copied only when it differs from the current one.
 */
void sluice_engine_set_source_packet(sluice_engine *eng, const char *pcap_filename,
                                     uint64_t pcap_cnt);

/*
 * Process one packet.  Never fails: what cannot be decoded is counted by
 * reason in stats.  Time is the packet's; a packet older than the newest seen
 * is processed but does not move the engine's clock back.
 */
void sluice_engine_packet(sluice_engine *eng, const sluice_packet *pkt);

/*
 * Advance the engine's clock without a packet (a quiet live link): flows
 * idle past their timeout end and their events are written.
 */
void sluice_engine_advance(sluice_engine *eng, int64_t now_sec, uint32_t now_usec);

/* End every flow now (reason "shutdown"), write their events, flush sinks. */
void sluice_engine_flush(sluice_engine *eng);

/* Write a stats event now to every sink that takes stats. */
void sluice_engine_write_stats(sluice_engine *eng);

/* Ask every sink to reopen its files (after log rotation). */
void sluice_engine_reopen(sluice_engine *eng);

/*
 * Number the next packet: it is packet `n` (from 1) of the current source,
 * and the following ones count on from there.  For a host that spreads one
 * capture over several engines, so pcap_cnt stays the packet's place in its
 * file whichever engine sees it.
 */
void sluice_engine_set_packet_number(sluice_engine *eng, uint64_t n);

/*
 * Say that this engine is worker `id` of `count` in a host that runs several
 * engines side by side (each on its own share of the traffic): its stats
 * events then carry "worker": {"id": id, "count": count}.  count 1: no field.
 */
void sluice_engine_set_worker(sluice_engine *eng, unsigned id, unsigned count);

/* Capture counters of one source (an interface, or a replay reader), as the host reads them. */
typedef struct sluice_capture_stats {
    const char *name;      /* interface name, or "replay"; copied */
    uint64_t packets;      /* packets the capture received (pcap_stats ps_recv, or read) */
    uint64_t kernel_drops; /* dropped by the kernel: no room in the buffer (ps_drop) */
    uint64_t if_drops;     /* dropped by the interface or driver (ps_ifdrop) */
    uint64_t queue_drops;  /* dropped by the host: its queue to the engine was full */
} sluice_capture_stats;

/*
 * Attach the host's capture counters to this engine's stats events (as
 * stats.capture: totals and one entry per source).  The array is copied;
 * call again to update, n = 0 to remove.  At most 16 sources are kept.
 */
void sluice_engine_set_capture_stats(sluice_engine *eng, const sluice_capture_stats *src,
                                     unsigned n);

/* Counters a host may read at any time (a snapshot; cheap). */
typedef struct sluice_stats {
    uint64_t packets;       /* packets given to sluice_engine_packet */
    uint64_t bytes;         /* their wire length */
    uint64_t decode_failed; /* packets with no usable IP layer */
    uint64_t flows_created;
    uint64_t flows_active;
    uint64_t flows_ended;
    uint64_t flows_evicted;   /* ended early: the flow table was at its memory cap */
    uint64_t ndpi_classified; /* flows nDPI named (not unknown) */
    uint64_t ndpi_state_full; /* flows not inspected: ndpi.max_flows states in use */
    uint64_t alerts;
    uint64_t events;             /* events written (before sink filters) */
    uint64_t events_undelivered; /* sink writes that failed */
} sluice_stats;

void sluice_engine_stats(const sluice_engine *eng, sluice_stats *out);

/* Free everything, closing sinks.  Does not flush: call sluice_engine_flush first. */
void sluice_engine_free(sluice_engine *eng);

/* Library version string, e.g. "0.1.0". */
const char *sluice_version(void);

#ifdef __cplusplus
}
#endif

#endif
