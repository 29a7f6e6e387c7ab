/*
 * flow.h - the flow table: bidirectional flows under a memory cap.
 *
 * Flows live in one array allocated at start (flow.memcap / sizeof(struct
 * sl_flow) entries), reached through a seeded hash of a symmetric key, and
 * linked into one idle list per timeout class, oldest first.  Nothing is
 * allocated per packet.  When the array is full the least recently seen flow
 * is evicted (the caller writes its event and counts it).
 */
#ifndef SLUICE_FLOW_H
#define SLUICE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

/* Idle-timeout classes; each has its own list ordered by last activity. */
enum sl_flow_class {
    SL_FC_TCP_NEW,    /* handshake not complete */
    SL_FC_TCP_EST,    /* established */
    SL_FC_TCP_CLOSED, /* FIN both ways, or RST */
    SL_FC_UDP,
    SL_FC_ICMP,
    SL_FC_OTHER,
    SL_FC_MAX
};

/* Symmetric key: endpoint a sorts before endpoint b, so both directions match. */
struct sl_flow_key {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint16_t vlan; /* outermost VLAN id: the same 5-tuple in two VLANs is two flows */
    uint8_t proto;
    uint8_t family; /* 4 or 6 */
};

/* Flow flag bits (struct sl_flow.flags). */
enum {
    SL_FF_CLIENT_IS_A = 1u << 0, /* the client (initiator) is key endpoint a */
    SL_FF_SEEN_TOSERVER = 1u << 1,
    SL_FF_SEEN_TOCLIENT = 1u << 2,
    SL_FF_CLASSIFIED = 1u << 3,    /* nDPI is done with this flow (named it or gave up) */
    SL_FF_ALERTED = 1u << 4,       /* the P2P session/indicator alert was written */
    SL_FF_NDPI_SKIPPED = 1u << 5,  /* no nDPI state was free when the flow started */
    SL_FF_TEREDO_SHAPED = 1u << 6, /* a UDP payload carried an IPv6 packet (Teredo) */
    SL_FF_GUESSED = 1u << 7,       /* nDPI's answer was a guess at give-up */
    SL_FF_FIN_TOSERVER = 1u << 8,
    SL_FF_FIN_TOCLIENT = 1u << 9,
    SL_FF_RST = 1u << 10,
    SL_FF_ICMP_ONEWAY = 1u << 11,
    SL_FF_BT_REPORTED = 1u << 12,      /* the BitTorrent handshake alert was written */
    SL_FF_P2P_SKIPPED = 1u << 13,      /* a dissector matched but no state was free */
    SL_FF_TRACKER_REPORTED = 1u << 14, /* the tracker announce alert was written */
    SL_FF_MSE_SHAPED = 1u << 15,       /* the first payload looked like an MSE key exchange */
    SL_FF_SEED_REPORTED = 1u << 16,    /* the seeding alert was written */
    SL_FF_DHT_REPORTED = 1u << 17,     /* the DHT lookup alert was written */
    SL_FF_META_CHECKED = 1u << 18,     /* the torrent's file names were checked */
    SL_FF_SERVED_NOTED = 1u << 19,     /* its torrent was counted as served by its host */
    SL_FF_EVIDENCE_FILE = 1u << 20,    /* its evidence pcap was created in this run */
    SL_FF_SIDE_KNOWN = 1u << 21,       /* the two bits below are set (infer.c) */
    SL_FF_SIDE_INTERNAL = 1u << 22,    /* an end is on home_networks */
    SL_FF_SIDE_SERVER = 1u << 23,      /* ... and it is the server */
    SL_FF_BY_DISSECTOR = 1u << 24,     /* labelled by sluice's dissector; nDPI stopped early */
    SL_FF_BT_CACHE_LOOKED = 1u << 25,  /* the BitTorrent cache was looked up (btcache.h) */
};

struct sl_ndpi_slot;
struct sl_dissect_item;

struct sl_flow {
    struct sl_flow_key key;
    uint32_t hnext;        /* next in hash chain: index + 1, 0 = end */
    uint32_t lprev, lnext; /* idle list links: index + 1, 0 = none */
    uint8_t fclass;        /* enum sl_flow_class of the list it is on */
    uint8_t tcp_flags[2];  /* OR of TCP flags seen, per direction (0 toserver, 1 toclient) */
    uint8_t ndpi_pkts;     /* packets given to nDPI */
    uint32_t flags;        /* SL_FF_* */
    uint16_t master_proto, app_proto; /* nDPI's verdict */
    uint8_t confidence;               /* ndpi_confidence_t */
    uint8_t in_use;
    uint8_t probes;   /* payload segments a dissector looked at without recognising them */
    uint8_t inferred; /* why the flow was inferred P2P (enum sl_infer_reason), 0: it was not */
    uint16_t inferred_proto; /* the nDPI id of the P2P protocol inferred */
    uint8_t egress;          /* egress.c's view of the flow (its EG_* bits) */
    uint8_t egress_fired;    /* flow upload alerts written: the threshold, then its doublings */
    uint32_t host_hint;      /* where its internal host was in the host table (hosts.h) */
    uint16_t evidence;       /* its evidence ring slot + 1 (evidence.c), 0: none */
    uint8_t egress_dest;     /* its destination's slot + 1 in its host's table (egress.c) */
    int64_t first_us, last_us;
    uint64_t pkts[2], bytes[2], payload[2]; /* [0] toserver, [1] toclient; bytes are IP bytes */
    uint64_t flow_id;
    struct sl_ndpi_slot *ndpi;   /* nDPI's per-flow state while classifying, else NULL */
    struct sl_dissect_item *dis; /* sluice's own dissector state, from a bounded pool, or NULL */
};

struct sl_flow_table;

/*
 * A table of at most `max_flows` flows and `hash_size` buckets (rounded up to
 * a power of two), hashed with `seed`.  NULL when out of memory.
 */
struct sl_flow_table *sl_flow_table_new(uint32_t max_flows, uint32_t hash_size, uint64_t seed);
void sl_flow_table_free(struct sl_flow_table *t);

/* Fill a key from a decoded packet; *dir_a_to_b tells whether pkt goes a -> b. */
void sl_flow_key_from_packet(const struct sl_packet *pkt, struct sl_flow_key *key, bool *a_to_b);

/* The flow with this key, or NULL. */
struct sl_flow *sl_flow_find(struct sl_flow_table *t, const struct sl_flow_key *key);

/*
 * A new flow with this key, zeroed but for key and in_use, on the idle list
 * of `fclass`; NULL when the table is full (evict first).
 */
struct sl_flow *sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *key,
                               enum sl_flow_class fclass);

/* Move a flow to the newest end of the idle list of `fclass`. */
void sl_flow_touch(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_class fclass);

/* Unlink and free a flow (its event must have been written). */
void sl_flow_remove(struct sl_flow_table *t, struct sl_flow *f);

/* Oldest flow of a class (head of its idle list), or NULL. */
struct sl_flow *sl_flow_oldest(struct sl_flow_table *t, enum sl_flow_class fclass);

/* Least recently seen flow of any class, or NULL when empty. */
struct sl_flow *sl_flow_lru(struct sl_flow_table *t);

/* Any in-use flow (for shutdown: end them all), or NULL. */
struct sl_flow *sl_flow_any(struct sl_flow_table *t);

uint32_t sl_flow_count(const struct sl_flow_table *t);
uint32_t sl_flow_capacity(const struct sl_flow_table *t);
/* Bytes the table reserves (flows + buckets), for stats. */
uint64_t sl_flow_table_bytes(const struct sl_flow_table *t);

#endif
