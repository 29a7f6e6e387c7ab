/*
 * fuzz_bittorrent.c - libFuzzer target: bencode, KRPC, uTP, trackers, eDonkey and
 * Gnutella hellos, and the peer-wire
 * stream (split into segments at fuzzer-chosen points, with retransmissions
 * and gaps) on any bytes.
 */
#include <stdint.h>
#include <string.h>

#include "bencode.h"
#include "bt-peerid.h"
#include "bt-wire.h"
#include "dht.h"
#include "edonkey.h"
#include "gnutella.h"
#include "tracker.h"
#include "utp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sl_bdoc doc;
    struct sl_cur c = sl_cur_make(data, size);
    (void)sl_bencode_parse(&c, &doc);

    struct sl_dht_flow d;
    memset(&d, 0, sizeof(d));
    sl_dht_feed(&d, 0, data, (uint32_t)size);
    struct sl_utp_flow u;
    memset(&u, 0, sizeof(u));
    sl_utp_feed(&u, 1, data, (uint32_t)size, (uint32_t)size + (size ? data[0] : 0));

    struct sl_tracker t;
    memset(&t, 0, sizeof(t));
    sl_tracker_feed(&t, data, (uint32_t)size);
    sl_tracker_feed(&t, data, (uint32_t)size); /* a second time: after a "connect" */
    struct sl_ed2k_flow ed;
    memset(&ed, 0, sizeof(ed));
    sl_ed2k_feed(&ed, 0, data, (uint32_t)size);
    struct sl_gnut_flow g;
    memset(&g, 0, sizeof(g));
    sl_gnut_feed(&g, 1, data, (uint32_t)size);

    if (size >= 20) {
        struct sl_bt_client cl;
        (void)sl_bt_client_from_peer_id(data, &cl);
    }

    /* A handshake first, then the fuzzer's bytes as a stream in segments. */
    static uint8_t stream[1 << 16];
    if (size + 68 > sizeof(stream))
        return 0;
    stream[0] = 19;
    memcpy(stream + 1, "BitTorrent protocol", 19);
    memset(stream + 20, 0, 48);
    memcpy(stream + 68, data, size);
    size_t n = 68 + size;
    static struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    uint32_t seq = 7;
    size_t off = 0, i = 0;
    while (off < n) {
        size_t len = 1 + (size ? data[i++ % size] : 0) * 7;
        if (len > n - off)
            len = n - off;
        uint32_t cap = (uint32_t)len;
        if (size && data[(i + 3) % size] == 0xee)
            cap = (uint32_t)(len / 2); /* a snaplen cut */
        sl_bt_feed(&b, (int)(i & 1), seq + (uint32_t)off, stream + off, cap, (uint32_t)len);
        sl_bt_feed(&b, 0, seq + (uint32_t)off, stream + off, cap, (uint32_t)len);
        off += len;
    }
    return 0;
}
