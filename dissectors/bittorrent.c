/*
 * bittorrent.c - BitTorrent peer wire handshake (BEP 3).
 *
 *   0      1                      20        28           48          68
 *   +------+----------------------+---------+------------+-----------+
 *   | 19   | "BitTorrent protocol"| reserved| info_hash  | peer_id   |
 *   +------+----------------------+---------+------------+-----------+
 *
 * Read through the cursor only; a short segment that matches as far as it
 * goes is "more", so a handshake split across segments is not mistaken for
 * something else.
 */
#include <string.h>

#include "bittorrent.h"

static const char pstr[] = "BitTorrent protocol";

enum sl_bt_result sl_bt_parse_handshake(struct sl_cur *c, struct sl_bt_handshake *out)
{
    struct sl_cur t = *c;
    size_t have = sl_cur_left(&t);
    if (have == 0)
        return SL_BT_MORE;
    if (sl_cur_u8(&t) != 19)
        return SL_BT_NOT;
    size_t cmp = have - 1 < 19 ? have - 1 : 19;
    const uint8_t *p = sl_cur_bytes(&t, cmp);
    if (cmp && memcmp(p, pstr, cmp) != 0)
        return SL_BT_NOT;
    if (have < SL_BT_HANDSHAKE_LEN)
        return SL_BT_MORE;
    sl_cur_copy(&t, out->reserved, sizeof(out->reserved));
    sl_cur_copy(&t, out->info_hash, sizeof(out->info_hash));
    sl_cur_copy(&t, out->peer_id, sizeof(out->peer_id));
    if (!sl_cur_ok(&t))
        return SL_BT_NOT;
    *c = t;
    return SL_BT_OK;
}
