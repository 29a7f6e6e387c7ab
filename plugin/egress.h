/*
 * egress.h - upload volume from internal hosts to external addresses, per
 * flow and per host over sliding windows, and the alerts it raises at the
 * packet that crosses a threshold.
 *
 * Bytes are IP bytes (the IP total length, as the flow event's counters), on
 * packet time.  A flow is tracked when exactly one end is inside
 * home_networks and the other is a unicast address outside; "out" is what
 * the internal end sends.  All state is fixed-size and lives in the flow and
 * in its internal host's entry of the host table (hosts.h).
 *
 * A window of length W is SL_EGRESS_BUCKETS buckets of W/8 aligned on the
 * epoch: its total at time t is what fell in the bucket holding t and the 7
 * before it, so it covers between 7/8 W and W of history.  The same capture
 * gives the same totals however it is split into files.
 */
#ifndef SLUICE_EGRESS_H
#define SLUICE_EGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "flow.h"
#include "packet.h"

#define SL_EGRESS_BUCKETS 8
#define SL_EGRESS_DESTS   24 /* destinations remembered per host (egress.fanout_destinations max) */

struct sl_ewin_bucket {
    uint64_t out, in, p2p; /* bytes uploaded, downloaded, uploaded over P2P flows */
};

struct sl_ewin {
    int64_t head;              /* epoch (time / bucket length) of the newest bucket */
    int64_t head_end_us;       /* where the head bucket ends (egress.c), 0: not known */
    struct sl_ewin_bucket sum; /* of the buckets below */
    struct sl_ewin_bucket b[SL_EGRESS_BUCKETS];
};

/* An external destination a host uploaded to (IPv4 as ::ffff:a.b.c.d). */
struct sl_edest {
    uint8_t addr[16];
    uint64_t bytes; /* uploaded since it was last idle a whole egress.fanout_window */
    int64_t last_us;
};

struct sl_egress_host {
    struct sl_ewin win[SL_EGRESS_WINDOWS];
    struct sl_edest dest[SL_EGRESS_DESTS];
    uint64_t allowed_out; /* uploaded to or from the allowlist: counted, never alerted */
    uint8_t group;        /* egress.groupN: 1..4; 0 the defaults */
    uint8_t group_known;
    uint8_t ndest, last_dest;
    uint8_t budget_fired; /* a bit per window: alerted, re-armed under half the budget */
    uint8_t asym_fired, fanout_fired, p2p_fired;
};

/* Window arithmetic, on its own for the unit tests. */

/* The bucket of time `t_us` in a window of `seconds` (floor division: before 1970 too). */
int64_t sl_ewin_epoch(int64_t t_us, uint32_t seconds);

/* Move the window to `epoch`, emptying the buckets that leave it; an older epoch changes nothing.
 */
void sl_ewin_advance(struct sl_ewin *w, int64_t epoch);

/*
 * Count bytes at `epoch` (after advancing to it if it is newer).  False when
 * the epoch is older than the window's oldest bucket: those bytes are outside
 * the window and not counted.  Sums saturate rather than wrap.
 */
bool sl_ewin_add(struct sl_ewin *w, int64_t epoch, uint64_t out, uint64_t in, uint64_t p2p);

/* The engine's side. */
struct sluice_engine;
struct sl_host;

/* Account one packet of flow `f` going in direction `dir` (0 to server); may raise alerts. */
void sl_egress_packet(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                      int dir);

/* The flow turned out to be P2P (a session or inferred): its upload counts as P2P upload. */
void sl_egress_mark_p2p(struct sl_flow *f);

/* The host's windows: its network group's, or egress.windows. */
const struct sl_egress_windows *sl_egress_windows_of(const struct sluice_engine *e,
                                                     const struct sl_host *h);

/* What an egress event says about a flow (false: the flow is not tracked). */
struct sl_egress_view {
    int side; /* the internal end: 0 client, 1 server */
    bool allowlisted;
    const char *group;          /* NULL: the defaults */
    const struct sl_host *host; /* may be NULL (evicted) */
};
bool sl_egress_view(struct sluice_engine *e, const struct sl_flow *f, struct sl_egress_view *v);

/* An external destination worth naming: one of a host's top uploads. */
struct sl_egress_top {
    const uint8_t *addr; /* 16 bytes, IPv4 mapped */
    uint64_t bytes;
};
/* Up to `max` of the host's destinations still inside egress.fanout_window, most bytes first. */
unsigned sl_egress_top(const struct sluice_engine *e, const struct sl_host *h,
                       struct sl_egress_top *out, unsigned max);
/* Destinations inside the window that received at least egress.fanout_min_bytes. */
unsigned sl_egress_fanout_count(const struct sluice_engine *e, const struct sl_host *h);

#endif
