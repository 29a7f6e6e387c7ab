/*
 * utp.c - uTP (BEP 29) headers:
 *
 *   0       4       8               16              24              32
 *   +-------+-------+---------------+---------------+---------------+
 *   | type  | ver   | extension     | connection_id                 |
 *   +-------+-------+---------------+---------------+---------------+
 *   | timestamp_microseconds                                        |
 *   | timestamp_difference_microseconds                             |
 *   | wnd_size                                                      |
 *   | seq_nr                        | ack_nr                        |
 *   +-------+-------+---------------+---------------+---------------+
 *   then extensions (next type, length, bytes) while the type is not 0.
 *
 * One header is weak evidence (a random UDP payload passes about once in
 * ten thousand), so a flow counts as uTP only when both directions send valid
 * headers whose connection ids match as BEP 29 pairs them (the initiator's
 * SYN and the replies carry recv_id, its later packets recv_id + 1), or when
 * a DATA packet carries a BitTorrent handshake.
 */
#include "cursor.h"
#include "utp.h"

#define MAX_EXTENSIONS 4

/* Parse the header; on success the cursor is at the payload. */
static bool header(struct sl_cur *c, uint8_t *type, uint16_t *conn)
{
    uint8_t tv = sl_cur_u8(c);
    uint8_t ext = sl_cur_u8(c);
    *conn = sl_cur_u16be(c);
    sl_cur_skip(c, 16);
    *type = tv >> 4;
    if (!sl_cur_ok(c) || (tv & 0x0f) != 1 || *type > SL_UTP_SYN)
        return false;
    for (int n = 0; ext != 0; n++) {
        /* 1 selective ack (a bitmask: at least 4 bytes, a multiple of 4), 2 extension bits. */
        if (n >= MAX_EXTENSIONS || ext > 2)
            return false;
        uint8_t next = sl_cur_u8(c);
        uint8_t len = sl_cur_u8(c);
        if (!sl_cur_skip(c, len) || (ext == 1 && (len < 4 || len % 4)) || (ext == 2 && len != 8))
            return false;
        ext = next;
    }
    return sl_cur_ok(c);
}

bool sl_utp_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    uint8_t type;
    uint16_t conn;
    return header(&c, &type, &conn);
}

bool sl_utp_feed(struct sl_utp_flow *u, int dir, const uint8_t *payload, uint32_t caplen,
                 uint32_t len)
{
    dir = dir ? 1 : 0;
    struct sl_cur c = sl_cur_make(payload, caplen);
    uint8_t type;
    uint16_t conn;
    if (!header(&c, &type, &conn)) {
        u->bad++;
        return false;
    }
    size_t hlen = caplen - sl_cur_left(&c);
    u->packets[dir]++;
    u->payload[dir] += len > hlen ? len - hlen : 0;
    u->types[dir] |= (uint8_t)(1u << type);
    u->conn_id[dir] = conn;
    if (u->packets[0] && u->packets[1]) {
        /* The initiator's SYN and the answers to it carry the same id, its later packets
         * that id plus one. */
        uint16_t diff = (uint16_t)(u->conn_id[0] - u->conn_id[1]);
        if (diff == 0 || diff == 1 || diff == 0xffff)
            u->confirmed = true;
    }
    if (type == SL_UTP_DATA && !u->have_hs[dir] && sl_cur_left(&c) > 0) {
        if (sl_bt_parse_handshake(&c, &u->hs[dir]) == SL_BT_OK) {
            u->have_hs[dir] = true;
            u->confirmed = true;
        }
    }
    return true;
}
