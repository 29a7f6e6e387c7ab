/*
 * utp.h - uTP, the Micro Transport Protocol (BEP 29): BitTorrent over UDP.
 */
#ifndef SLUICE_UTP_H
#define SLUICE_UTP_H

#include <stdbool.h>
#include <stdint.h>

#include "bittorrent.h"

enum { SL_UTP_DATA, SL_UTP_FIN, SL_UTP_STATE, SL_UTP_RESET, SL_UTP_SYN };

struct sl_utp_flow {
    uint32_t packets[2]; /* valid uTP packets per direction (0: client) */
    uint64_t payload[2]; /* uTP payload bytes per direction */
    uint16_t conn_id[2]; /* the connection id each direction sends */
    uint8_t types[2];    /* bit per packet type seen */
    bool confirmed;      /* both directions agree on a connection: a real uTP connection */
    bool have_hs[2];     /* a BitTorrent handshake in a DATA packet */
    struct sl_bt_handshake hs[2];
    uint32_t bad;
};

/* True when the payload has a valid uTP header (version 1, known type, sound extensions). */
bool sl_utp_probe(const uint8_t *payload, uint32_t caplen);

/* Add one UDP payload.  False when it is not uTP (counted in bad). */
bool sl_utp_feed(struct sl_utp_flow *u, int dir, const uint8_t *payload, uint32_t caplen,
                 uint32_t len);

#endif
