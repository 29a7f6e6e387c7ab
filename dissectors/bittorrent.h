/*
 * bittorrent.h - the BitTorrent peer wire protocol (BEP 3) handshake.
 */
#ifndef SLUICE_BITTORRENT_H
#define SLUICE_BITTORRENT_H

#include <stdint.h>

#include "cursor.h"

#define SL_BT_HANDSHAKE_LEN 68

struct sl_bt_handshake {
    uint8_t reserved[8];
    uint8_t info_hash[20];
    uint8_t peer_id[20];
};

/* Reserved-bit tests (BEP 10 extension protocol, BEP 5 DHT, BEP 6 fast extension). */
#define SL_BT_SUPPORTS_EXTENSIONS(h) (((h)->reserved[5] & 0x10) != 0)
#define SL_BT_SUPPORTS_DHT(h)        (((h)->reserved[7] & 0x01) != 0)
#define SL_BT_SUPPORTS_FAST(h)       (((h)->reserved[7] & 0x04) != 0)

enum sl_bt_result { SL_BT_NOT = -1, SL_BT_MORE = 0, SL_BT_OK = 1 };

/*
 * Parse a handshake at the cursor.  SL_BT_OK: *out filled, the cursor is past
 * the 68 bytes.  SL_BT_MORE: what is there is a prefix of a handshake (a
 * segment cut short); the cursor is unchanged.  SL_BT_NOT: not a handshake.
 */
enum sl_bt_result sl_bt_parse_handshake(struct sl_cur *c, struct sl_bt_handshake *out);

#endif
