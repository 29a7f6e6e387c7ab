/*
 * bt-peerid.h - BitTorrent client name and version from a peer_id (BEP 20 conventions).
 */
#ifndef SLUICE_BT_PEERID_H
#define SLUICE_BT_PEERID_H

#include <stdbool.h>
#include <stdint.h>

struct sl_bt_client {
    const char *style; /* "azureus", "shadow", "mainline", "prefix"; NULL if unknown */
    char name[40];     /* "qBittorrent", "unknown (Zz)"; printable ASCII only */
    char version[24];  /* "4.6.5"; printable ASCII only; may be empty */
};

/* Fill *out and return true when the peer_id follows a known convention. */
bool sl_bt_client_from_peer_id(const uint8_t id[20], struct sl_bt_client *out);

#endif
