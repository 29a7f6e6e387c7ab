/*
 * bt-wire.h - the BitTorrent peer wire protocol as a TCP stream, per flow:
 * handshakes (BEP 3), the extension handshake (BEP 10) and message framing,
 * so info_hash, peer ids, clients and piece bytes each way are known.
 */
#ifndef SLUICE_BT_WIRE_H
#define SLUICE_BT_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "bittorrent.h"

#define SL_BT_EXT_MAX  1024 /* bytes of an extension message kept: enough for a handshake */
#define SL_BT_V_MAX    64
#define SL_BT_NAME_MAX 128
#define SL_BT_FILES    4

enum sl_bt_mode { SL_BT_WANT_HANDSHAKE, SL_BT_MESSAGES, SL_BT_LOST };

struct sl_bt_dir {
    uint8_t mode; /* enum sl_bt_mode */
    bool seq_known, handshake, ext_handshake;
    uint32_t next_seq;
    uint8_t segments_probed; /* payload segments seen while waiting for a handshake */
    uint8_t hs_have;         /* bytes of a handshake collected across segments */
    uint8_t hs_buf[SL_BT_HANDSHAKE_LEN];
    uint8_t hdr_have; /* bytes of the current message's length and id */
    uint8_t hdr[5];
    uint32_t body_left;  /* bytes of the current message body still to come */
    uint32_t block_left; /* of those, bytes of a piece's block (counted as they pass) */
    uint16_t ext_have;   /* bytes of an extension message collected */
    uint16_t ext_want;   /* how many of its bytes to collect (the first SL_BT_EXT_MAX) */
    bool ext_collect;
    uint8_t ut_metadata; /* the id this side receives BEP 9 metadata messages with; 0: none */
    uint8_t ext_buf[SL_BT_EXT_MAX];
    struct sl_bt_handshake hs;
    uint8_t v[SL_BT_V_MAX]; /* the extension handshake's "v" (client), raw bytes */
    uint8_t v_len;
    uint16_t listen_port; /* its "p" */
    uint64_t piece_bytes; /* block bytes of piece messages sent this way */
    uint32_t pieces, messages;
};

struct sl_bt_flow {
    struct sl_bt_dir dir[2]; /* [0] client to server, [1] server to client */
    uint32_t gaps;           /* segments missing: framing lost from there on */
    /* BEP 9 metadata (the torrent's info dictionary) one side sent the other. */
    bool have_meta;
    uint8_t meta_from; /* the direction that sent it */
    uint8_t name_len, nfiles;
    uint8_t name[SL_BT_NAME_MAX]; /* the torrent's name, raw bytes */
    uint8_t file_len[SL_BT_FILES];
    uint8_t file[SL_BT_FILES][SL_BT_NAME_MAX]; /* the first files' last path component */
    uint32_t bad;                              /* messages that made no sense (length, bencode) */
};

/* True when the payload starts like a handshake (a whole or a partial one). */
bool sl_bt_probe(const uint8_t *payload, uint32_t caplen);

void sl_bt_flow_init(struct sl_bt_flow *b);

/*
 * Feed one TCP segment's payload in direction `dir`.  `len` is its length on
 * the wire, `caplen` what was captured.  Segments must come in capture
 * order; retransmissions are skipped, a gap ends framing that way.
 */
void sl_bt_feed(struct sl_bt_flow *b, int dir, uint32_t seq, const uint8_t *payload,
                uint32_t caplen, uint32_t len);

/* The info_hash both handshakes agree on (or the only one seen); NULL if none. */
const uint8_t *sl_bt_info_hash(const struct sl_bt_flow *b);

#endif
