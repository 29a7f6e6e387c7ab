/*
 * infer.h - P2P seen on a host's flows, carried over to its other flows.
 *
 * Once an internal host shows payload evidence of P2P (a handshake, DHT, a
 * tracker announce, nDPI's detection), its flows that nothing identifies can
 * be attributed to P2P: those to a peer of its earlier P2P flows, those on a
 * port its client listens on, and those
 * whose first bytes have the shape of a Message Stream Encryption key
 * exchange (encrypted BitTorrent, which no payload inspection can read).
 */
#ifndef SLUICE_INFER_H
#define SLUICE_INFER_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"

struct sluice_engine;

enum sl_infer_reason { SL_INFER_NONE, SL_INFER_LISTEN_PORT, SL_INFER_MSE, SL_INFER_KNOWN_PEER };

/* "listen-port", "mse-shape", "known-peer". */
const char *sl_infer_reason_name(uint8_t reason);

/* True when a first payload looks like an MSE/PE key exchange: 96 to 608 bytes (a
 * 768-bit Diffie-Hellman key and up to 512 bytes of padding) of high-entropy data. */
bool sl_infer_mse_shaped(const uint8_t *payload, uint32_t caplen, uint32_t len);

/* The flow's side inside home_networks: 0 client, 1 server, -1 neither (the client when both). */
int sl_infer_internal_side(const struct sluice_engine *e, struct sl_flow *f);

/* A flow showed P2P payload evidence: remember it, and its listen ports, on its internal host. */
void sl_infer_note(struct sluice_engine *e, struct sl_flow *f);

/* A flow nothing identified as P2P (or only nDPI's guess did): infer it from its host's P2P
 * activity (alerting) and return true, or leave it.  Called when classification ends and
 * when the flow ends. */
bool sl_infer_flow(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt);

/* An internal host answered peers for (or sent pieces of) the torrent `info_hash`: count it;
 * at p2p.overshare_torrents distinct torrents, the over-sharing alert. */
void sl_infer_served(struct sluice_engine *e, struct sl_flow *f, const uint8_t *info_hash,
                     const struct sl_packet *pkt);

/*
 * Rate limit a detail alert about flow `f` with signature `sid` (and `info_hash`,
 * 20 bytes, or NULL): true when it may be written; *suppressed gets the repeats
 * held back before it.  Flows with no internal host are never limited.
 */
bool sl_infer_rate_ok(struct sluice_engine *e, const struct sl_flow *f, uint32_t sid,
                      const uint8_t *info_hash, uint32_t *suppressed);

#endif
