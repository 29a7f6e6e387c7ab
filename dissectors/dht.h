/*
 * dht.h - BitTorrent DHT (BEP 5): KRPC messages, bencoded dictionaries over UDP.
 */
#ifndef SLUICE_DHT_H
#define SLUICE_DHT_H

#include <stdbool.h>
#include <stdint.h>

#define SL_DHT_MAX_HASHES 8
#define SL_DHT_V_MAX      16

/* What one flow's KRPC messages said, summed up. */
struct sl_dht_flow {
    uint32_t messages, queries, responses, errors;
    uint32_t bad;       /* payloads on the flow that were not KRPC */
    uint32_t malformed; /* KRPC messages missing a required key (\"t\") */
    uint32_t q_ping, q_find_node, q_get_peers, q_announce_peer, q_other;
    bool have_id[2];
    uint8_t node_id[2][20]; /* the sender's node id, per direction (0: client) */
    uint8_t v_len[2];
    uint8_t v[2][SL_DHT_V_MAX]; /* the sender's "v" (client version), raw */
    uint8_t t_len[2];
    uint8_t t[2][SL_DHT_V_MAX]; /* the last transaction id each side sent, raw */
    uint8_t hashes;             /* info_hash / target values seen (distinct, at most 8) */
    uint8_t hash[SL_DHT_MAX_HASHES][20];
    uint8_t hash_is_target[SL_DHT_MAX_HASHES]; /* from find_node's "target", not an info_hash */
};

/* True when the payload is a KRPC message (a dictionary with "y" of q, r or e and a "t"). */
bool sl_dht_probe(const uint8_t *payload, uint32_t caplen);

/* Add one UDP payload sent in direction `dir`.  False when it was not KRPC (counted in bad). */
bool sl_dht_feed(struct sl_dht_flow *d, int dir, const uint8_t *payload, uint32_t caplen);

#endif
