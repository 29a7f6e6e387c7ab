/*
 * p2p.h - which nDPI protocols are peer-to-peer, and how far to trust nDPI's
 * word for it.  The list lives in p2p.c and nowhere else.
 */
#ifndef SLUICE_P2P_H
#define SLUICE_P2P_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

/* Alerts from sluice's own dissectors (2292000 + n). */
#define SL_SID_BT_HANDSHAKE    2292001
#define SL_SID_BT_TRACKER      2292002
#define SL_SID_P2P_INFERRED    2292003
#define SL_SID_BT_SEEDING      2292004
#define SL_SID_BT_DHT          2292005
#define SL_SID_SUSPICIOUS_FILE 2292006
#define SL_SID_OVERSHARE       2292007

struct sl_p2p_proto {
    uint16_t ndpi_id;       /* NDPI_PROTOCOL_* */
    const char *name;       /* stable lower-case name in events: "bittorrent" */
    const char *display;    /* "BitTorrent", for signatures */
    const char *category;   /* "file-sharing" or "p2p-streaming" */
    uint32_t sid_session;   /* signature of a payload-detected session */
    uint32_t sid_indicator; /* signature of a guess or a hostname-only label */
};

/* The P2P protocol with this nDPI id, or NULL. */
const struct sl_p2p_proto *sl_p2p_lookup(uint16_t ndpi_id);

/* Every row, for tests and documentation: *n gets the count. */
const struct sl_p2p_proto *sl_p2p_table(unsigned *n);

enum sl_p2p_verdict {
    SL_P2P_NONE,      /* not P2P, or suppressed by a false-positive guard */
    SL_P2P_SESSION,   /* nDPI inspected payload and found a P2P protocol */
    SL_P2P_INDICATOR, /* P2P by port, IP list or hostname/SNI only */
};

struct sl_p2p_judgement {
    enum sl_p2p_verdict verdict;
    const struct sl_p2p_proto *proto;
    const char *decided_by; /* "dpi", "dpi-cache", "port", "ip", "hostname" */
    const char *suppressed; /* when verdict is NONE for a P2P label: why ("teredo") */
};

/*
 * True when a UDP payload is an IPv6 packet as Teredo (RFC 4380) carries it,
 * after the optional authentication and origin indications.  Bytes are read
 * through the bounds-checked cursor.
 */
bool sl_p2p_teredo_shaped(const uint8_t *payload, uint32_t caplen);

/* Judge a classified flow from its nDPI verdict and what the engine saw. */
void sl_p2p_judge(const struct sl_flow *f, struct sl_p2p_judgement *out);

#endif
