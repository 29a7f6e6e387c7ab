/*
 * tracker.h - BitTorrent trackers and local discovery: HTTP announce and
 * scrape (BEP 3), UDP tracker (BEP 15), Local Service Discovery (BEP 14).
 */
#ifndef SLUICE_TRACKER_H
#define SLUICE_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#define SL_TRACKER_TEXT_MAX   64
#define SL_TRACKER_MAX_HASHES 4

enum sl_tracker_kind { SL_TRK_NONE, SL_TRK_HTTP, SL_TRK_UDP, SL_TRK_LSD, SL_TRK_MAGNET };

/* What a flow's tracker requests said; the last announce's fields are kept. */
struct sl_tracker {
    uint8_t kind; /* enum sl_tracker_kind */
    uint32_t announces, scrapes, connects, bad;
    uint8_t hashes; /* info_hashes seen (distinct, at most 4) */
    uint8_t info_hash[SL_TRACKER_MAX_HASHES][20];
    bool have_peer_id, have_counters;
    uint8_t peer_id[20];
    uint16_t port;
    uint64_t uploaded, downloaded, left;
    char event[12]; /* "started", "stopped", "completed", "" */
    uint8_t ua_len, host_len;
    uint8_t user_agent[SL_TRACKER_TEXT_MAX]; /* HTTP User-Agent, raw bytes */
    uint8_t host[SL_TRACKER_TEXT_MAX];       /* HTTP Host, raw bytes */
    uint8_t dn_len;
    uint8_t dn[SL_TRACKER_TEXT_MAX * 2]; /* a magnet link's display name, raw bytes */
};

/* True when a TCP payload starts an HTTP announce or scrape request, or is an HTTP request
 * carrying a magnet link (a torrent site, a client's web UI). */
bool sl_tracker_http_probe(const uint8_t *payload, uint32_t caplen);
/* True when a UDP payload is a BEP 15 connect request or a BEP 14 BT-SEARCH. */
bool sl_tracker_udp_probe(const uint8_t *payload, uint32_t caplen);

/* Parse one client-to-tracker payload (HTTP request, UDP tracker request, LSD
 * announce).  False when it was none of them (counted in bad). */
bool sl_tracker_feed(struct sl_tracker *t, const uint8_t *payload, uint32_t caplen);

#endif
