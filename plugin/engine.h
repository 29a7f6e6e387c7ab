/*
 * engine.h - the engine's insides, shared by engine.c (the packet path),
 * event.c (EVE events) and the unit tests.  Hosts use sluice.h only.
 */
#ifndef SLUICE_ENGINE_H
#define SLUICE_ENGINE_H

#include "classify.h"
#include "config.h"
#include "decode.h"
#include "egress.h"
#include "dissect.h"
#include "evidence.h"
#include "flow.h"
#include "hosts.h"
#include "jw.h"
#include "p2p.h"
#include "sluice.h"

#define SL_MAX_SINKS 8

struct sl_sink {
    const sluice_sink_ops *ops;
    void *ctx;
    unsigned types;
    uint64_t written, failed;
};

/* Flow end reasons, as EVE's flow.reason. */
enum sl_end_reason { SL_END_TIMEOUT, SL_END_FORCED, SL_END_SHUTDOWN };

struct sl_counters {
    uint64_t packets, bytes;
    uint64_t decode[SL_DECODE_MAX];
    uint64_t ipv4, ipv6, tcp, udp, icmp, other_l4;
    uint64_t fragments, fragments_untracked;
    uint64_t flows_created, flows_ended, flows_evicted, flows_timeout;
    uint64_t tcp_reused; /* a SYN on a closed flow's tuple started a new flow */
    uint64_t ndpi_classified, ndpi_unknown, ndpi_guessed, ndpi_state_full;
    uint64_t ndpi_deferred;      /* flows labelled by sluice's dissectors, nDPI stopped */
    uint64_t ndpi_quiet_giveups; /* flows whose classification ended after ndpi.idle_giveup */
    uint64_t p2p_sessions, p2p_indicators, p2p_suppressed_teredo;
    uint64_t dissected_flows, bt_handshakes;
    uint64_t p2p_inferred, alerts_suppressed;
    uint64_t alerts, events, events_undelivered, events_oom;
    uint64_t clock_backwards; /* packets older than the engine's clock */
    uint64_t egress_flows, egress_bytes_out, egress_bytes_in, egress_allowed_bytes;
    uint64_t flow_updates;
};

/* The egress alerts, in signature order (2293001...). */
enum sl_egress_trigger {
    SL_EG_FLOW,
    SL_EG_BUDGET,
    SL_EG_ASYM,
    SL_EG_FANOUT,
    SL_EG_P2P,
    SL_EG_KINDS
};
#define SL_SID_EGRESS_BASE 2293001

struct sluice_engine {
    struct sluice_config cfg;
    uint64_t run_id, event_seq;
    struct sl_flow_table *flows;
    struct sl_classifier *cls;
    struct sl_dissect_pool dissect;
    struct sl_host_table *hosts;
    struct sl_evidence *ev; /* evidence pcaps; NULL when evidence.enabled is false */
    struct sl_sink sinks[SL_MAX_SINKS];
    unsigned nsinks;
    struct sl_jw jw;
    /* The date and time of day of the second last formatted (event.c's format_ts). */
    int64_t ts_sec;
    bool ts_cached;
    char ts_text[19];
    int64_t now_us;
    bool have_time;
    int64_t next_stats_us; /* packet time of the next periodic stats event; 0 = not yet set */
    int64_t timeout_us[SL_FC_MAX];
    int64_t ndpi_idle_us; /* ndpi.idle_giveup; 0: classification ends only with the flow */
    enum sl_extra extra;  /* ndpi.extra_dissection */
    /* Nothing times out before this (a lower bound): expire() is a compare until then. */
    int64_t expire_at;
    int64_t sinks_flushed_ms; /* monotonic, when the sinks were last told to flush */
    unsigned sinks_tick;
    uint64_t packets_at_advance; /* c.packets at the last sluice_engine_advance */
    char pcap_filename[1024];
    bool have_source;
    uint64_t pcap_cnt;
    struct sl_counters c;
    /* Alerts by signature: one slot per P2P table row, session and indicator. */
    uint64_t alerts_session[32], alerts_indicator[32], alerts_bt_handshake, alerts_bt_tracker;
    uint64_t alerts_inferred, alerts_bt_seeding, alerts_bt_dht, alerts_suspicious_file;
    uint64_t alerts_overshare;
    uint64_t alerts_egress[SL_EG_KINDS];
    unsigned worker_id, worker_count; /* sluice_engine_set_worker; count 0 or 1: alone */
    unsigned ncapture;                /* sluice_engine_set_capture_stats */
    struct sl_capture_src {
        char name[32];
        uint64_t packets, kernel_drops, if_drops, queue_drops;
    } capture[16];
};

/* event.c */
void sl_event_p2p_alert(struct sluice_engine *e, const struct sl_flow *f,
                        const struct sl_p2p_judgement *j, const struct sl_packet *pkt);
void sl_event_flow(struct sluice_engine *e, const struct sl_flow *f, enum sl_end_reason why);
/* The BitTorrent handshake alert: info_hash, peer ids and clients of a peer-wire flow. */
void sl_event_bt_handshake(struct sluice_engine *e, const struct sl_flow *f,
                           const struct sl_packet *pkt, uint32_t suppressed);
/* The tracker announce alert: what a client told a tracker about a torrent. */
void sl_event_bt_tracker(struct sluice_engine *e, const struct sl_flow *f,
                         const struct sl_packet *pkt, uint32_t suppressed);
/* A flow attributed to P2P from its host's activity (infer.c); `suppressed`: repeats held back. */
void sl_event_p2p_inferred(struct sluice_engine *e, const struct sl_flow *f,
                           const struct sl_packet *pkt, uint32_t suppressed);
/* An internal host sent more than p2p.seeding_bytes of pieces on a flow. */
void sl_event_bt_seeding(struct sluice_engine *e, const struct sl_flow *f,
                         const struct sl_packet *pkt, uint32_t suppressed);
/* An internal host is fetching a torrent with a file name malware uses (`why`, `name`). */
void sl_event_suspicious_file(struct sluice_engine *e, const struct sl_flow *f,
                              const struct sl_packet *pkt, const char *protocol,
                              const char *evidence, const char *why, const uint8_t *name,
                              size_t len, uint32_t suppressed);
/* An internal host shares too much: `count` (named `count_key`) torrents served, files offered. */
void sl_event_overshare(struct sluice_engine *e, const struct sl_flow *f,
                        const struct sl_packet *pkt, const char *protocol, const char *evidence,
                        const char *count_key, unsigned count, uint32_t suppressed);
/* An internal host asked the DHT about a torrent. */
void sl_event_bt_dht(struct sluice_engine *e, const struct sl_flow *f, const struct sl_packet *pkt,
                     uint32_t suppressed);
/* An egress alert of `kind` at the packet that crossed `threshold` (in window `window`, or -1). */
void sl_event_egress(struct sluice_engine *e, const struct sl_flow *f, const struct sl_packet *pkt,
                     enum sl_egress_trigger kind, int window, uint64_t threshold);
/* A long flow's running counters (flow.update_interval). */
void sl_event_flow_update(struct sluice_engine *e, const struct sl_flow *f);
void sl_event_stats(struct sluice_engine *e);
/* Format microseconds since the epoch as EVE does: 2024-03-01T12:00:00.000000+0000. */
#define SL_TS_LEN 64
void sl_format_ts(int64_t us, char out[SL_TS_LEN]);
/* A flow's id: a hash of its key and start time, the same in every run. */
uint64_t sl_flow_id_of(const struct sl_flow *f);

/*
 * sluice_engine_packet for a packet already decoded (sl_decode_input) into
 * `pkt`, its pointers into in->data: a replay's reader decodes on its own
 * thread what the worker would.  The engine sets its time and number in it.
 */
void sl_engine_packet_decoded(struct sluice_engine *e, const sluice_packet *in,
                              struct sl_packet *pkt, enum sl_decode_result r);

#endif
