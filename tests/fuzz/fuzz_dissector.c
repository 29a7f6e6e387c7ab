/*
 * fuzz_dissector.c - one libFuzzer target per dissector, chosen when built
 * (tools/fuzz.sh builds each with -DFUZZ_<NAME>): bencode, the peer-wire
 * stream, DHT, uTP, trackers, the trackers' URL/query (percent) decoder,
 * eDonkey, Gnutella, peer_id clients and file names, each on any bytes; and
 * jpick, the replay summary's reader of event lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"
#include "bt-peerid.h"
#include "bt-wire.h"
#include "dht.h"
#include "edonkey.h"
#include "filename.h"
#include "gnutella.h"
#include "jpick.h"
#include "text.h"
#include "tracker.h"
#include "utp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_BT_WIRE
/* A handshake, then the fuzzer's bytes as a stream cut into segments at points the
 * input picks, with retransmissions and snaplen cuts. */
static void wire(const uint8_t *data, size_t size)
{
    static uint8_t stream[1 << 16];
    if (size + 68 > sizeof(stream))
        return;
    stream[0] = 19;
    memcpy(stream + 1, "BitTorrent protocol", 19);
    memset(stream + 20, 0, 48);
    memcpy(stream + 68, data, size);
    size_t n = 68 + size, off = 0, i = 0;
    static struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    while (off < n) {
        size_t len = 1 + (size ? data[i++ % size] : 0) * 7;
        if (len > n - off)
            len = n - off;
        uint32_t cap = (uint32_t)len;
        if (size && data[(i + 3) % size] == 0xee)
            cap = (uint32_t)(len / 2);
        sl_bt_feed(&b, (int)(i & 1), 7 + (uint32_t)off, stream + off, cap, (uint32_t)len);
        sl_bt_feed(&b, 0, 7 + (uint32_t)off, stream + off, cap, (uint32_t)len);
        off += len;
    }
}
#endif

#ifdef FUZZ_URLDECODE
/* The percent decoder into a buffer of exactly the size the first byte picks (so ASan sees
 * one byte too far), then the same bytes as the query of an announce and as an encoded
 * magnet link, through the tracker parser. */
static void urldecode(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    size_t max = data[0];
    uint8_t *out = malloc(max ? max : 1);
    if (!out)
        return;
    struct sl_cur v = sl_cur_make(data + 1, size - 1);
    size_t n = sl_text_pct_decode(v, out, max);
    if (n > max || n > size - 1)
        __builtin_trap();
    free(out);
    static const char *const pre[] = {
        "GET /announce?", "GET /search?q=magnet%3a%3fxt=urn%3abtih%3a", "GET /x?u=magnet:?dn="};
    static const char post[] = " HTTP/1.1\r\nUser-Agent: \xff\x00\r\nHost: h\r\n\r\n";
    static uint8_t req[4096 + 128];
    if (size - 1 > 4096)
        return;
    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        size_t lp = strlen(pre[i]), len = lp + size - 1 + sizeof(post) - 1;
        memcpy(req, pre[i], lp);
        memcpy(req + lp, data + 1, size - 1);
        memcpy(req + lp + size - 1, post, sizeof(post) - 1);
        struct sl_tracker t;
        memset(&t, 0, sizeof(t));
        if (sl_tracker_http_probe(req, (uint32_t)len))
            sl_tracker_feed(&t, req, (uint32_t)len);
        if (t.ua_len > sizeof(t.user_agent) || t.host_len > sizeof(t.host) ||
            t.dn_len > sizeof(t.dn) || t.hashes > SL_TRACKER_MAX_HASHES ||
            memchr(t.event, 0, sizeof(t.event)) == NULL)
            __builtin_trap();
    }
}
#endif

#ifdef FUZZ_JPICK
/* The summary's picker on any bytes: every span it returns lies inside the input. */
static void jpick(const uint8_t *data, size_t size)
{
    struct sl_jpick w[] = {{"p2p", "protocol", NULL, 0},
                           {"flow", "bytes_toserver", NULL, 0},
                           {"src_ip", NULL, NULL, 0},
                           {"alert", NULL, NULL, 0},
                           {"alert", "signature", NULL, 0}};
    const char *s = (const char *)data;
    (void)sl_jpick(s, size, w, sizeof(w) / sizeof(w[0]));
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        if (w[i].v && (w[i].v < s || w[i].len > size || w[i].v + w[i].len > s + size))
            __builtin_trap();
        char out[16];
        uint64_t v;
        (void)sl_jpick_u64(&w[i], &v);
        if (sl_jpick_str(&w[i], out, sizeof(out)) >= sizeof(out) ||
            memchr(out, 0, sizeof(out)) == NULL)
            __builtin_trap();
    }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if defined(FUZZ_URLDECODE)
    urldecode(data, size);
#elif defined(FUZZ_JPICK)
    jpick(data, size);
#elif defined(FUZZ_BENCODE)
    static struct sl_bdoc doc;
    struct sl_cur c = sl_cur_make(data, size);
    if (sl_bencode_parse(&c, &doc) == SL_BENC_OK && doc.n[0].type == SL_B_DICT)
        (void)sl_bencode_str(&doc, &doc.n[0], "y", 1);
#elif defined(FUZZ_BT_WIRE)
    wire(data, size);
#elif defined(FUZZ_DHT)
    struct sl_dht_flow d;
    memset(&d, 0, sizeof(d));
    (void)sl_dht_probe(data, (uint32_t)size);
    sl_dht_feed(&d, 0, data, (uint32_t)size);
#elif defined(FUZZ_UTP)
    struct sl_utp_flow u;
    memset(&u, 0, sizeof(u));
    sl_utp_feed(&u, 0, data, (uint32_t)size, (uint32_t)size + (size ? data[0] : 0));
    sl_utp_feed(&u, 1, data, (uint32_t)size, (uint32_t)size);
#elif defined(FUZZ_TRACKER)
    struct sl_tracker t;
    memset(&t, 0, sizeof(t));
    (void)sl_tracker_http_probe(data, (uint32_t)size);
    sl_tracker_feed(&t, data, (uint32_t)size);
    sl_tracker_feed(&t, data, (uint32_t)size); /* again, after a possible "connect" */
#elif defined(FUZZ_EDONKEY)
    struct sl_ed2k_flow ed;
    memset(&ed, 0, sizeof(ed));
    sl_ed2k_feed(&ed, 0, data, (uint32_t)size);
#elif defined(FUZZ_GNUTELLA)
    struct sl_gnut_flow g;
    memset(&g, 0, sizeof(g));
    sl_gnut_feed(&g, 1, data, (uint32_t)size);
#elif defined(FUZZ_PEERID)
    if (size >= 20) {
        struct sl_bt_client cl;
        (void)sl_bt_client_from_peer_id(data, &cl);
    }
    (void)sl_filename_suspicious(data, size);
#else
#error "build with -DFUZZ_<dissector>"
#endif
    return 0;
}
