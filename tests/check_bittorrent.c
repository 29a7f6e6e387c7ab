/*
 * check_bittorrent.c - the BitTorrent dissectors: bencode (strictness,
 * limits, every truncation point), the handshake, peer wire framing across
 * segments, retransmissions and gaps, and client names from peer ids.
 */
#include <string.h>

#include "bencode.h"
#include "bt-peerid.h"
#include "bt-wire.h"
#include "dht.h"
#include "edonkey.h"
#include "filename.h"
#include "gnutella.h"
#include "tracker.h"
#include "utp.h"
#include "suites.h"

static struct sl_bdoc doc;

static enum sl_benc_result parse(const char *s, size_t n)
{
    struct sl_cur c = sl_cur_make((const uint8_t *)s, n);
    return sl_bencode_parse(&c, &doc);
}

#define P(s) parse(s, sizeof(s) - 1)

START_TEST(bencode_values)
{
    static const char dht[] = "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e"
                              "1:q9:get_peers1:t2:aa1:y1:qe";
    ck_assert_int_eq(P(dht), SL_BENC_OK);
    const struct sl_bnode *top = &doc.n[0];
    ck_assert_int_eq(top->type, SL_B_DICT);
    const struct sl_bnode *q = sl_bencode_str(&doc, top, "q", 0);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(memcmp(q->s, "get_peers", 9), 0);
    const struct sl_bnode *a = sl_bencode_get(&doc, top, "a");
    ck_assert_ptr_nonnull(sl_bencode_str(&doc, a, "info_hash", 20));
    ck_assert_ptr_null(sl_bencode_str(&doc, a, "info_hash", 19)); /* wrong length */
    ck_assert_ptr_null(sl_bencode_get(&doc, top, "missing"));

    ck_assert_int_eq(P("i-9223372036854775808e"), SL_BENC_OK);
    ck_assert(doc.n[0].i == INT64_MIN);
    ck_assert_int_eq(P("i9223372036854775807e"), SL_BENC_OK);
    ck_assert(doc.n[0].i == INT64_MAX);
    ck_assert_int_eq(P("i0e"), SL_BENC_OK);
    ck_assert_int_eq(P("0:"), SL_BENC_OK);
    ck_assert_int_eq(P("le"), SL_BENC_OK);
    ck_assert_int_eq(P("li1ei2e3:abce"), SL_BENC_OK);
    ck_assert_int_eq(doc.count, 4);
}
END_TEST

START_TEST(bencode_invalid)
{
    static const char *const bad[] = {
        "i-0e",                  /* negative zero */
        "i01e",                  /* leading zero */
        "ie",                    /* no digits */
        "i1.5e",                 /* not an integer */
        "i9223372036854775808e", /* past int64 */
        "i-9223372036854775809e",
        "01:a",      /* leading zero in a length */
        "d1:ai1e2e", /* a key that is not a string */
        "di1ei2ee",  /* integer key */
        "x",         /* not bencode */
        "-1:a",
        "lllllllllllllllllee", /* past the depth limit */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse(bad[i], strlen(bad[i])) == SL_BENC_INVALID, "accepted %s", bad[i]);
    /* More values than the node table holds. */
    static char many[4 * SL_BENC_MAX_NODES + 8];
    size_t n = 0;
    many[n++] = 'l';
    for (int i = 0; i < SL_BENC_MAX_NODES; i++)
        memcpy(many + n, "i1e", 3), n += 3;
    many[n++] = 'e';
    ck_assert_int_eq(parse(many, n), SL_BENC_INVALID);
    ck_assert_int_eq(parse(many, n - 3 * 2 - 1), SL_BENC_INCOMPLETE); /* cut before the limit */
}
END_TEST

START_TEST(bencode_every_truncation)
{
    static const char msg[] =
        "d1:md11:ut_metadatai1e6:ut_pexi2ee1:pi51413e1:v17:qBittorrent/4.6.5e";
    for (size_t len = 0; len < sizeof(msg) - 1; len++)
        ck_assert_msg(parse(msg, len) == SL_BENC_INCOMPLETE, "prefix %zu", len);
    ck_assert_int_eq(P(msg), SL_BENC_OK);
    /* A string length that claims more than there is: incomplete, never a read past the end. */
    ck_assert_int_eq(P("4294967295:abc"), SL_BENC_INCOMPLETE);
    ck_assert_int_eq(P("4294967296:abc"), SL_BENC_INVALID);
}
END_TEST

/* ---- handshake and wire ---- */

static size_t handshake(uint8_t *out, const char *peer_id)
{
    out[0] = 19;
    memcpy(out + 1, "BitTorrent protocol", 19);
    memset(out + 20, 0, 8);
    out[25] = 0x10;
    memset(out + 28, 0xab, 20);
    memcpy(out + 48, peer_id, 20);
    return 68;
}

static size_t msg(uint8_t *out, uint8_t id, size_t body_len, const void *body)
{
    uint32_t len = (uint32_t)(1 + body_len);
    out[0] = (uint8_t)(len >> 24), out[1] = (uint8_t)(len >> 16), out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    out[4] = id;
    if (body)
        memcpy(out + 5, body, body_len);
    else
        memset(out + 5, 0x5a, body_len);
    return 5 + body_len;
}

START_TEST(handshake_prefixes)
{
    uint8_t hs[68];
    handshake(hs, "-qB4650-abcdefghijkl");
    struct sl_bt_handshake h;
    for (size_t len = 0; len < 68; len++) {
        struct sl_cur c = sl_cur_make(hs, len);
        ck_assert_int_eq(sl_bt_parse_handshake(&c, &h), SL_BT_MORE);
        ck_assert_uint_eq(sl_cur_left(&c), len); /* nothing consumed */
    }
    struct sl_cur c = sl_cur_make(hs, 68);
    ck_assert_int_eq(sl_bt_parse_handshake(&c, &h), SL_BT_OK);
    ck_assert_uint_eq(sl_cur_left(&c), 0);
    ck_assert_int_eq(memcmp(h.peer_id, "-qB4650-abcdefghijkl", 20), 0);
    ck_assert(SL_BT_SUPPORTS_EXTENSIONS(&h));
    hs[5] = 'X';
    c = sl_cur_make(hs, 10);
    ck_assert_int_eq(sl_bt_parse_handshake(&c, &h), SL_BT_NOT);
}
END_TEST

START_TEST(wire_framing_across_segments)
{
    static uint8_t stream[70000];
    size_t n = handshake(stream, "-TR3000-abcdefghijkl");
    static const char ext[] = "\0d1:pi6881e1:v17:Transmission 3.00e";
    n += msg(stream + n, 20, sizeof(ext) - 1, ext);
    n += msg(stream + n, 5, 2, "\xff\xff");   /* bitfield */
    memset(stream + n, 0, 4), n += 4;         /* keep-alive */
    n += msg(stream + n, 7, 8 + 16384, NULL); /* piece */
    n += msg(stream + n, 7, 8 + 1000, NULL);  /* a short last block */
    /* Feed it in odd-sized segments, with one retransmitted segment in the middle. */
    struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    uint32_t seq = 1000;
    size_t off = 0, step = 0;
    static const size_t sizes[] = {3, 50, 7, 1, 1460, 999, 13};
    while (off < n) {
        size_t len = sizes[step++ % 7];
        if (len > n - off)
            len = n - off;
        sl_bt_feed(&b, 1, seq + (uint32_t)off, stream + off, (uint32_t)len, (uint32_t)len);
        if (step == 5) /* the same segment again */
            sl_bt_feed(&b, 1, seq + (uint32_t)off, stream + off, (uint32_t)len, (uint32_t)len);
        off += len;
    }
    const struct sl_bt_dir *d = &b.dir[1];
    ck_assert(d->handshake);
    ck_assert(d->ext_handshake);
    ck_assert_uint_eq(d->v_len, 17);
    ck_assert_int_eq(memcmp(d->v, "Transmission 3.00", 17), 0);
    ck_assert_uint_eq(d->listen_port, 6881);
    ck_assert_uint_eq(d->pieces, 2);
    ck_assert_uint_eq(d->piece_bytes, 16384 + 1000);
    ck_assert_uint_eq(d->messages, 5); /* ext, bitfield, keep-alive, two pieces */
    ck_assert_uint_eq(b.gaps, 0);
    ck_assert_int_eq(d->mode, SL_BT_MESSAGES);
}
END_TEST

START_TEST(wire_gap_stops_framing)
{
    uint8_t s[200];
    size_t n = handshake(s, "-qB4650-abcdefghijkl");
    n += msg(s + n, 7, 8 + 10, NULL);
    struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    sl_bt_feed(&b, 0, 1, s, 68, 68);
    sl_bt_feed(&b, 0, 1 + 68 + 5, s + 68 + 5, (uint32_t)(n - 73), (uint32_t)(n - 73)); /* 5 lost */
    ck_assert_uint_eq(b.gaps, 1);
    ck_assert_int_eq(b.dir[0].mode, SL_BT_LOST);
    ck_assert_uint_eq(b.dir[0].pieces, 0); /* nothing counted from guesswork */
    ck_assert_ptr_nonnull(sl_bt_info_hash(&b));
}
END_TEST

START_TEST(wire_handshake_after_encrypted_start)
{
    /* Message Stream Encryption first (high-entropy bytes), then a plaintext handshake. */
    uint8_t noise[96], hs[68];
    for (size_t i = 0; i < sizeof(noise); i++)
        noise[i] = (uint8_t)(i * 37 + 11);
    handshake(hs, "-UW130Q-abcdefghijkl");
    struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    sl_bt_feed(&b, 1, 100, noise, sizeof(noise), sizeof(noise));
    ck_assert(!b.dir[1].handshake);
    sl_bt_feed(&b, 1, 196, hs, 68, 68);
    ck_assert(b.dir[1].handshake);
    /* After eight segments without one, the direction gives up. */
    struct sl_bt_flow c;
    sl_bt_flow_init(&c);
    for (uint32_t i = 0; i < 8; i++)
        sl_bt_feed(&c, 0, 100 + i * 96, noise, sizeof(noise), sizeof(noise));
    ck_assert_int_eq(c.dir[0].mode, SL_BT_LOST);
    ck_assert(!sl_bt_probe(noise, sizeof(noise)));
    ck_assert(sl_bt_probe(hs, 5)); /* a partial handshake still looks like one */
}
END_TEST

START_TEST(wire_snaplen_cut_inside_piece)
{
    uint8_t s[68 + 5 + 8 + 100];
    size_t n = handshake(s, "-qB4650-abcdefghijkl");
    n += msg(s + n, 7, 8 + 100, NULL);
    struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    /* Only the first 80 bytes of the segment were captured: the piece is still counted. */
    sl_bt_feed(&b, 0, 1, s, 80, (uint32_t)n);
    ck_assert_uint_eq(b.dir[0].pieces, 1);
    ck_assert_uint_eq(b.dir[0].piece_bytes, 100);
    ck_assert_int_eq(b.dir[0].mode, SL_BT_MESSAGES);
    ck_assert_uint_eq(b.dir[0].body_left, 0);
}
END_TEST

START_TEST(wire_piece_bytes_counted_as_they_pass)
{
    static uint8_t s[68 + 5 + 8 + 1000];
    size_t n = handshake(s, "-qB4650-abcdefghijkl");
    n += msg(s + n, 7, 8 + 1000, NULL);
    struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    /* The handshake, the message header and 4 of the 8 index/begin bytes. */
    sl_bt_feed(&b, 0, 1, s, 68 + 5 + 4, 68 + 5 + 4);
    ck_assert_uint_eq(b.dir[0].pieces, 1);
    ck_assert_uint_eq(b.dir[0].piece_bytes, 0);
    /* The other 4 header bytes and 500 block bytes. */
    sl_bt_feed(&b, 0, 1 + 77, s + 77, 504, 504);
    ck_assert_uint_eq(b.dir[0].piece_bytes, 500);
    sl_bt_feed(&b, 0, 1 + 581, s + 581, (uint32_t)(n - 581), (uint32_t)(n - 581));
    ck_assert_uint_eq(b.dir[0].piece_bytes, 1000);
}
END_TEST

START_TEST(suspicious_file_names)
{
    static const struct {
        const char *name;
        const char *why;
    } cases[] = {
        {"movie.avi.exe", "double-extension"},
        {"Report.PDF.SCR", "double-extension"},
        {"setup.exe", "executable"},
        {"invoice.js", "script"},
        {"song.mp3", NULL},
        {"archive.tar.gz", NULL},
        {"exe", NULL},
        {".exe", "executable"}, /* nothing before the dot: still a program */
        {"noextension", NULL},
        {"a.b.c.d.vbs", "script"},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got =
            sl_filename_suspicious((const uint8_t *)cases[i].name, strlen(cases[i].name));
        if (cases[i].why)
            ck_assert_msg(got && !strcmp(got, cases[i].why), "%s: %s", cases[i].name,
                          got ? got : "(null)");
        else
            ck_assert_msg(!got, "%s: %s", cases[i].name, got);
    }
}
END_TEST

START_TEST(wire_sequence_half_the_space_away)
{
    /* Found by fuzzing the engine: a segment exactly 2^31 before the expected sequence
     * number.  It is an old retransmission, skipped without arithmetic overflow. */
    uint8_t s[68];
    handshake(s, "-qB4650-abcdefghijkl");
    struct sl_bt_flow b;
    sl_bt_flow_init(&b);
    sl_bt_feed(&b, 0, 0x80000010u, s, 68, 68);
    sl_bt_feed(&b, 0, 0x10u + 68, s, 68, 68);
    ck_assert(b.dir[0].handshake);
    ck_assert_uint_eq(b.gaps, 0);
}
END_TEST

struct pid_case {
    const char *id;
    const char *name, *version;
};

static const struct pid_case pids[] = {
    {"-qB4650-abcdefghijkl", "qBittorrent", "4.6.5"},
    {"-TR3000-abcdefghijkl", "Transmission", "3.00"},
    {"-TR294Z-abcdefghijkl", "Transmission", "2.94+"},
    {"-UT355W-abcdefghijkl", "uTorrent", "3.5.5"},
    {"-LT2020-abcdefghijkl", "libtorrent (Rasterbar)", "2.0.2"},
    {"-DE13F0-abcdefghijkl", "Deluge", "1.3.F"},
    {"M4-3-6--abcdefghijkl", "BitTorrent (Mainline)", "4.3.6"},
    {"M7-10-2-abcdefghijkl", "BitTorrent (Mainline)", "7.10.2"},
    {"S58B-----abcdefghijk", "Shadow", "5.8.11"},
    {"T03I-----abcdefghijk", "BitTornado", "0.3.18"},
    {"T03I--abcdefghijklmn", NULL, NULL}, /* Shadow style ends in at least three dashes */
    {"-Zz1234-abcdefghijkl", "unknown (Zz)", "1234"},
    {"exbc\x01\x02xxxxxxxxxxxxxx", "BitComet (old)", ""},
    {"\xff\xfe-qB4650-abcdefghij", NULL, NULL},
    {"-qB46\x01"
     "0-abcdefghijkl",
     NULL, NULL},
};

START_TEST(client_from_peer_id)
{
    const struct pid_case *p = &pids[_i];
    struct sl_bt_client cl;
    bool ok = sl_bt_client_from_peer_id((const uint8_t *)p->id, &cl);
    if (!p->name) {
        ck_assert(!ok);
        return;
    }
    ck_assert_msg(ok, "%s not recognised", p->name);
    ck_assert_str_eq(cl.name, p->name);
    ck_assert_str_eq(cl.version, p->version);
}
END_TEST

START_TEST(dht_messages)
{
    static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:v4:UT\x01\x02"
                               "1:y1:qe";
    static const char get_peers[] = "d1:ad2:id20:abcdefghij01234567899:info_hash20:"
                                    "mnopqrstuvwxyz123456e1:q9:get_peers1:t2:ab1:y1:qe";
    static const char find_node[] = "d1:ad2:id20:abcdefghij01234567896:target20:"
                                    "mnopqrstuvwxyz123456e1:q9:find_node1:t2:ac1:y1:qe";
    static const char reply[] = "d1:rd2:id20:ZYXWVUTSRQPONMLKJIHGe1:t2:aa1:y1:re";
    static const char no_t[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe";
    static const char error[] = "d1:eli201e5:Errore1:t2:aa1:y1:ee";
#define U(s) (const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)
    ck_assert(sl_dht_probe(U(ping)));
    ck_assert(!sl_dht_probe(U(no_t))); /* too weak to claim a flow with */
    ck_assert(!sl_dht_probe(U("d1:xi1ee")));
    ck_assert(!sl_dht_probe(U("GET / HTTP/1.1\r\n")));
    struct sl_dht_flow d;
    memset(&d, 0, sizeof(d));
    ck_assert(sl_dht_feed(&d, 0, U(ping)));
    ck_assert(sl_dht_feed(&d, 1, U(reply)));
    ck_assert(sl_dht_feed(&d, 0, U(get_peers)));
    ck_assert(sl_dht_feed(&d, 0, U(find_node)));
    ck_assert(sl_dht_feed(&d, 0, U(no_t)));
    ck_assert(sl_dht_feed(&d, 1, U(error)));
    ck_assert(!sl_dht_feed(&d, 0, U("\x41\x02junk")));
    ck_assert_uint_eq(d.messages, 6);
    ck_assert_uint_eq(d.queries, 4);
    ck_assert_uint_eq(d.responses, 1);
    ck_assert_uint_eq(d.errors, 1);
    ck_assert_uint_eq(d.malformed, 1);
    ck_assert_uint_eq(d.bad, 1);
    ck_assert_uint_eq(d.q_ping, 2);
    ck_assert_uint_eq(d.q_get_peers, 1);
    ck_assert_uint_eq(d.q_find_node, 1);
    /* The same 20 bytes as info_hash and as target are two facts. */
    ck_assert_uint_eq(d.hashes, 2);
    ck_assert_int_eq(memcmp(d.hash[0], "mnopqrstuvwxyz123456", 20), 0);
    ck_assert(!d.hash_is_target[0] && d.hash_is_target[1]);
    ck_assert_int_eq(memcmp(d.node_id[0], "abcdefghij0123456789", 20), 0);
    ck_assert_int_eq(memcmp(d.node_id[1], "ZYXWVUTSRQPONMLKJIHG", 20), 0);
    ck_assert_uint_eq(d.t_len[0], 2);
    ck_assert_mem_eq(d.t[0], "ac", 2); /* the last id sent that way (the last query had none) */
    ck_assert_mem_eq(d.t[1], "aa", 2);
    ck_assert_uint_eq(d.v_len[0], 4);
    ck_assert_int_eq(memcmp(d.v[0], "UT\x01\x02", 4), 0);
}
END_TEST

static size_t utp_hdr(uint8_t *p, uint8_t type, uint8_t ext, uint16_t conn)
{
    memset(p, 0, 20);
    p[0] = (uint8_t)(type << 4 | 1);
    p[1] = ext;
    p[2] = (uint8_t)(conn >> 8);
    p[3] = (uint8_t)conn;
    return 20;
}

START_TEST(utp_headers_and_connections)
{
    uint8_t p[200];
    size_t n = utp_hdr(p, SL_UTP_SYN, 0, 1000);
    ck_assert(sl_utp_probe(p, (uint32_t)n));
    ck_assert(!sl_utp_probe(p, 19)); /* short */
    p[0] = (uint8_t)(SL_UTP_SYN << 4 | 2);
    ck_assert(!sl_utp_probe(p, (uint32_t)n)); /* version 2 */
    p[0] = (uint8_t)(5 << 4 | 1);
    ck_assert(!sl_utp_probe(p, (uint32_t)n)); /* no type 5 */
    /* A selective-ack extension: 4 bytes of bitmask. */
    n = utp_hdr(p, SL_UTP_STATE, 1, 1000);
    p[n++] = 0, p[n++] = 4;
    memset(p + n, 0xff, 4), n += 4;
    ck_assert(sl_utp_probe(p, (uint32_t)n));
    p[21] = 3; /* a bitmask length that is not a multiple of 4 */
    ck_assert(!sl_utp_probe(p, (uint32_t)n));

    /* SYN one way, STATE back with the same id: a connection.  A stray packet is not. */
    struct sl_utp_flow u;
    memset(&u, 0, sizeof(u));
    n = utp_hdr(p, SL_UTP_SYN, 0, 1000);
    ck_assert(sl_utp_feed(&u, 0, p, (uint32_t)n, (uint32_t)n));
    ck_assert(!u.confirmed);
    n = utp_hdr(p, SL_UTP_STATE, 0, 1234);
    ck_assert(sl_utp_feed(&u, 1, p, (uint32_t)n, (uint32_t)n));
    ck_assert(!u.confirmed); /* ids unrelated */
    n = utp_hdr(p, SL_UTP_STATE, 0, 1000);
    ck_assert(sl_utp_feed(&u, 1, p, (uint32_t)n, (uint32_t)n));
    ck_assert(u.confirmed);
    /* A DATA packet with a BitTorrent handshake: the torrent, and a connection by itself. */
    struct sl_utp_flow v;
    memset(&v, 0, sizeof(v));
    n = utp_hdr(p, SL_UTP_DATA, 0, 1001);
    n += handshake(p + n, "-LT1100-abcdefghijkl");
    ck_assert(sl_utp_feed(&v, 0, p, (uint32_t)n, (uint32_t)n));
    ck_assert(v.confirmed && v.have_hs[0]);
    ck_assert_uint_eq(v.payload[0], 68);
    ck_assert_int_eq(memcmp(v.hs[0].peer_id, "-LT1100-abcdefghijkl", 20), 0);
}
END_TEST

START_TEST(tracker_http_announce)
{
    static const char req[] =
        "GET /a/announce?info_hash=%aa7i%c4S%0d%de%06%24%18s%da%d4%3a%b5%cc%ec%2c%e6%22"
        "&peer_id=-TR2940-zw3pbm2u8mvv&port=51413&uploaded=1024&downloaded=0&left=304900509"
        "&numwant=0&event=stopped HTTP/1.1\r\nHost: tracker.example\r\n"
        "user-agent: Transmission/2.94\x01\r\n\r\n";
    ck_assert(sl_tracker_http_probe(U(req)));
    ck_assert(!sl_tracker_http_probe(U("GET /announce HTTP/1.1\r\n\r\n"))); /* no info_hash */
    ck_assert(!sl_tracker_http_probe(U("GET /index.html?info_hash=x HTTP/1.1\r\n")));
    ck_assert(!sl_tracker_http_probe(U("POST /announce?info_hash=x HTTP/1.1\r\n")));
    struct sl_tracker t;
    memset(&t, 0, sizeof(t));
    ck_assert(sl_tracker_feed(&t, U(req)));
    ck_assert_int_eq(t.kind, SL_TRK_HTTP);
    ck_assert_uint_eq(t.announces, 1);
    ck_assert_uint_eq(t.hashes, 1);
    static const uint8_t ih[20] = {0xaa, '7',  'i',  0xc4, 'S',  0x0d, 0xde, 0x06, 0x24, 0x18,
                                   's',  0xda, 0xd4, 0x3a, 0xb5, 0xcc, 0xec, 0x2c, 0xe6, 0x22};
    ck_assert_mem_eq(t.info_hash[0], ih, 20);
    ck_assert(t.have_peer_id);
    ck_assert_mem_eq(t.peer_id, "-TR2940-zw3pbm2u8mvv", 20);
    ck_assert_uint_eq(t.port, 51413);
    ck_assert_uint_eq(t.uploaded, 1024);
    ck_assert_uint_eq(t.left, 304900509);
    ck_assert_str_eq(t.event, "stopped");
    ck_assert_uint_eq(t.ua_len, 18);
    ck_assert_mem_eq(t.user_agent, "Transmission/2.94\x01", 18); /* raw: escaped when written */
    ck_assert_uint_eq(t.host_len, 15);
    ck_assert_mem_eq(t.host, "tracker.example", 15);
    /* Every truncation of the request parses without reading past it. */
    for (size_t len = 0; len < sizeof(req) - 1; len++) {
        struct sl_tracker u;
        memset(&u, 0, sizeof(u));
        sl_tracker_feed(&u, (const uint8_t *)req, (uint32_t)len);
    }
}
END_TEST

START_TEST(tracker_udp_and_lsd)
{
    uint8_t connect[16] = {0, 0, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 1, 2, 3, 4};
    uint8_t ann[98];
    memset(ann, 0, sizeof(ann));
    ann[11] = 1; /* action announce */
    memset(ann + 16, 0x11, 20);
    memcpy(ann + 36, "-qB4650-abcdefghijkl", 20);
    ann[63] = 5;                    /* downloaded */
    ann[71] = 7;                    /* left */
    ann[79] = 9;                    /* uploaded */
    ann[83] = 2;                    /* started */
    ann[96] = 0x1a, ann[97] = 0xe1; /* port 6881 */
    ck_assert(sl_tracker_udp_probe(connect, sizeof(connect)));
    struct sl_tracker t;
    memset(&t, 0, sizeof(t));
    ck_assert(!sl_tracker_feed(&t, ann, sizeof(ann))); /* no connect seen yet: not claimed */
    ck_assert(sl_tracker_feed(&t, connect, sizeof(connect)));
    ck_assert(sl_tracker_feed(&t, ann, sizeof(ann)));
    ck_assert_int_eq(t.kind, SL_TRK_UDP);
    ck_assert_uint_eq(t.connects, 1);
    ck_assert_uint_eq(t.announces, 1);
    ck_assert_uint_eq(t.hashes, 1);
    ck_assert_uint_eq(t.downloaded, 5);
    ck_assert_uint_eq(t.left, 7);
    ck_assert_uint_eq(t.uploaded, 9);
    ck_assert_str_eq(t.event, "started");
    ck_assert_uint_eq(t.port, 6881);
    ck_assert(!sl_tracker_feed(&t, ann, 97)); /* one byte short */

    static const char lsd[] =
        "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\n"
        "Port: 61197\r\nInfohash: ED4F1085E885F98F9A69B70EE89EB988B8FD9115\r\n"
        "Infohash: zz\r\ncookie: x\r\n\r\n\r\n";
    ck_assert(sl_tracker_udp_probe(U(lsd)));
    struct sl_tracker l;
    memset(&l, 0, sizeof(l));
    ck_assert(sl_tracker_feed(&l, U(lsd)));
    ck_assert_int_eq(l.kind, SL_TRK_LSD);
    ck_assert_uint_eq(l.port, 61197);
    ck_assert_uint_eq(l.hashes, 1); /* the malformed second one is not taken */
    ck_assert_uint_eq(l.info_hash[0][0], 0xed);
    ck_assert_uint_eq(l.info_hash[0][19], 0x15);

    /* Magnet links in HTTP requests: plain with a base32 hash, or encoded in a query. */
    static const char plain[] = "GET /add?x=magnet:?xt=urn:btih:AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU"
                                "&dn=a+b.exe HTTP/1.1\r\n\r\n";
    static const char enc[] = "POST /api HTTP/1.1\r\n\r\nurls=magnet%3A%3Fxt%3Durn%3Abtih%3A"
                              "0102030405060708090a0b0c0d0e0f1011121314%26dn%3DX";
    ck_assert(sl_tracker_http_probe(U(plain)));
    ck_assert(sl_tracker_http_probe(U(enc)));
    ck_assert(!sl_tracker_http_probe(U("GET /magnet.html HTTP/1.1\r\n\r\n")));
    /* Candidates of either case before the real one, which is in capitals; none too near the
     * end to hold a whole prefix. */
    ck_assert(sl_tracker_http_probe(U("GET /mm?M=mag&Magnet:?xt=urn:btih:"
                                      "0102030405060708090a0b0c0d0e0f1011121314 HTTP/1.1\r\n")));
    ck_assert(!sl_tracker_http_probe(U("GET /mmmmMMMM?x=magnet:")));
    ck_assert(!sl_tracker_http_probe(U("GET /x?info_hash=1 HTTP/1.1\r\n"))); /* no announce */
    ck_assert(sl_tracker_http_probe(U("GET /announce?ii=1&info_hash=%01 HTTP/1.1\r\n")));
    struct sl_tracker m1, m2;
    memset(&m1, 0, sizeof(m1));
    memset(&m2, 0, sizeof(m2));
    ck_assert(sl_tracker_feed(&m1, U(plain)));
    ck_assert(sl_tracker_feed(&m2, U(enc)));
    ck_assert_int_eq(m1.kind, SL_TRK_MAGNET);
    ck_assert_uint_eq(m1.hashes, 1);
    ck_assert_uint_eq(m2.hashes, 1);
    ck_assert_mem_eq(m1.info_hash[0], m2.info_hash[0], 20); /* base32 and hex: 0x01..0x14 */
    ck_assert_uint_eq(m2.info_hash[0][19], 0x14);
    ck_assert_uint_eq(m1.dn_len, 7);
    ck_assert_mem_eq(m1.dn, "a b.exe", 7);
    ck_assert_uint_eq(m2.dn_len, 1);
    /* Found by fuzzing: a btih that is not hex (a negative digit value was shifted). */
    static const char bad[] = "GET /?magnet:?xt=urn:btih:zz02030405060708090a0b0c0d0e0f1011121314 "
                              "HTTP/1.1\r\n\r\n";
    struct sl_tracker m3;
    memset(&m3, 0, sizeof(m3));
    ck_assert(sl_tracker_feed(&m3, U(bad)));
    ck_assert_uint_eq(m3.hashes, 0);
}
END_TEST

START_TEST(edonkey_hello)
{
    uint8_t m[128];
    size_t n = 0;
    m[n++] = 0xe3;
    n += 4;        /* length, below */
    m[n++] = 0x01; /* hello */
    m[n++] = 16;
    memset(m + n, 0xa5, 16), n += 16;                     /* user hash */
    m[n++] = 1, m[n++] = 2, m[n++] = 3, m[n++] = 4;       /* client id */
    m[n++] = 0x87, m[n++] = 0x1d;                         /* port 7559 */
    m[n++] = 3, m[n++] = 0, m[n++] = 0, m[n++] = 0;       /* 3 tags */
    m[n++] = 0x02, m[n++] = 1, m[n++] = 0, m[n++] = 0x01; /* string tag, name id 0x01 */
    m[n++] = 5, m[n++] = 0;
    memcpy(m + n,
           "al\x00"
           "ce",
           5),
        n += 5;
    m[n++] = 0x83, m[n++] = 0x11; /* uint32 tag, new format, id 0x11: version */
    m[n++] = 60, m[n++] = 0, m[n++] = 0, m[n++] = 0;
    m[n++] = 0x85, m[n++] = 0x55; /* a bool tag (type 0x05), new format, id 0x55 */
    m[n++] = 1;
    uint32_t len = (uint32_t)(n - 5);
    m[1] = (uint8_t)len, m[2] = (uint8_t)(len >> 8), m[3] = 0, m[4] = 0;
    ck_assert(sl_ed2k_probe(m, (uint32_t)n));
    struct sl_ed2k_flow e;
    memset(&e, 0, sizeof(e));
    ck_assert(sl_ed2k_feed(&e, 0, m, (uint32_t)n));
    const struct sl_ed2k_side *c = &e.side[0];
    ck_assert(c->hello && !c->answer);
    ck_assert_uint_eq(c->hash[15], 0xa5);
    ck_assert_uint_eq(c->client_id, 0x04030201);
    ck_assert_uint_eq(c->port, 7559);
    ck_assert_uint_eq(c->name_len, 5);
    ck_assert_mem_eq(c->name,
                     "al\x00"
                     "ce",
                     5);
    ck_assert_uint_eq(c->version, 60);
    /* Every truncation: no read past the end; the hello needs its fixed fields. */
    for (size_t cut = 0; cut < n; cut++) {
        struct sl_ed2k_flow t;
        memset(&t, 0, sizeof(t));
        bool ok = sl_ed2k_feed(&t, 0, m, (uint32_t)cut);
        ck_assert_int_eq(ok, cut >= 6 + 1 + 16 + 4 + 2);
    }
    /* After the hello: a file name answer (OP_REQFILENAMEANSWER) and an offer of files. */
    uint8_t more[64] = {0xe3, 0, 0, 0, 0, 0x59};
    memset(more + 6, 0x11, 16);
    more[22] = 7, more[23] = 0;
    memcpy(more + 24, "a.b.exe", 7);
    more[1] = 1 + 16 + 2 + 7;
    size_t k = 6 + 16 + 2 + 7;
    uint8_t offer[10] = {0xe3, 1 + 4 + 100, 0, 0, 0, 0x15, 0xe8, 0x03, 0, 0}; /* 1000 files... */
    memcpy(more + k, offer, 10);                                              /* ...cut short */
    ck_assert(sl_ed2k_feed(&e, 0, more, (uint32_t)(k + 10))); /* from the side that said hello */
    ck_assert_uint_eq(e.file_len, 7);
    ck_assert_mem_eq(e.file, "a.b.exe", 7);
    ck_assert_uint_eq(e.file_from, 0);
    ck_assert_uint_eq(e.offered_files, 1000);
    m[0] = 0xe4; /* not a protocol byte eDonkey uses for hellos */
    ck_assert(!sl_ed2k_probe(m, (uint32_t)n));
}
END_TEST

START_TEST(gnutella_datagrams)
{
    /* A ping from the capture's gtk-gnutella: GUID, type 0, TTL 1, hops 0, 5 bytes of GGEP. */
    static const uint8_t ping[] = {0xf5, 0x29, 0x31, 0x02, 0x6a, 0xbb, 0x26, 0x0f, 0xff, 0x89,
                                   0x94, 0x9e, 0x2a, 0xa5, 0x17, 0x03, 0x00, 0x01, 0x00, 0x05,
                                   0x00, 0x00, 0x00, 0xc3, 0x82, 0x51, 0x4b, 0x40};
    uint8_t m[sizeof(ping)];
    memcpy(m, ping, sizeof(m));
    ck_assert_int_eq(sl_gnut_udp_probe(m, sizeof(m), sizeof(m)), SL_GNUT_PING);
    struct {
        uint8_t type;
        enum sl_gnut_msg want;
    } types[] = {{0x01, SL_GNUT_PONG},   {0x02, SL_GNUT_BYE},    {0x30, SL_GNUT_QRP},
                 {0x31, SL_GNUT_VENDOR}, {0x32, SL_GNUT_VENDOR}, {0x40, SL_GNUT_PUSH},
                 {0x44, SL_GNUT_MOJITO}, {0x80, SL_GNUT_QUERY},  {0x81, SL_GNUT_QUERY_HIT},
                 {0x03, SL_GNUT_NONE},   {0x7f, SL_GNUT_NONE},   {0xff, SL_GNUT_NONE}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        m[16] = types[i].type;
        ck_assert_int_eq(sl_gnut_udp_probe(m, sizeof(m), sizeof(m)), types[i].want);
    }
    m[16] = 0x00;
    /* The payload length must be the rest of the datagram, to the byte. */
    ck_assert_int_eq(sl_gnut_udp_probe(m, sizeof(m) - 1, sizeof(m) - 1), SL_GNUT_NONE);
    m[19] = 4;
    ck_assert_int_eq(sl_gnut_udp_probe(m, sizeof(m), sizeof(m)), SL_GNUT_NONE);
    m[19] = 5;
    /* Cut by the snaplen: the header is enough, the wire length still has to agree. */
    ck_assert_int_eq(sl_gnut_udp_probe(m, 23, sizeof(m)), SL_GNUT_PING);
    ck_assert_int_eq(sl_gnut_udp_probe(m, 22, sizeof(m)), SL_GNUT_NONE);
    m[17] = 200; /* TTL no servent forwards */
    ck_assert_int_eq(sl_gnut_udp_probe(m, sizeof(m), sizeof(m)), SL_GNUT_NONE);
    m[17] = 1;
    m[18] = 17;
    ck_assert_int_eq(sl_gnut_udp_probe(m, sizeof(m), sizeof(m)), SL_GNUT_NONE);
    m[18] = 0;

    /* The reliability layer: "GND", flags, sequence, part, count (count 0: an ACK of part). */
    uint8_t gnd[] = {'G', 'N', 'D', 0x10, 0x3e, 0x8f, 1, 1, 0x54, 0x0b, 0x51, 0x4b};
    ck_assert_int_eq(sl_gnut_udp_probe(gnd, sizeof(gnd), sizeof(gnd)), SL_GNUT_FRAMED);
    gnd[6] = 2; /* part 2 of 1 */
    ck_assert_int_eq(sl_gnut_udp_probe(gnd, sizeof(gnd), sizeof(gnd)), SL_GNUT_NONE);
    gnd[7] = 0; /* the ACK of part 2 */
    ck_assert_int_eq(sl_gnut_udp_probe(gnd, 8, 8), SL_GNUT_FRAMED);
    gnd[6] = 0;
    ck_assert_int_eq(sl_gnut_udp_probe(gnd, 8, 8), SL_GNUT_NONE);
    ck_assert_int_eq(sl_gnut_udp_probe(gnd, 7, 7), SL_GNUT_NONE);
    static const uint8_t gnu[] = {'G', 'N', 'U', 0x10, 0x3e, 0x8f, 1, 1};
    ck_assert_int_eq(sl_gnut_udp_probe(gnu, sizeof(gnu), sizeof(gnu)), SL_GNUT_NONE);

    struct sl_gnut_udp g;
    memset(&g, 0, sizeof(g));
    ck_assert(sl_gnut_udp_feed(&g, 0, ping, sizeof(ping), sizeof(ping)));
    static const uint8_t krpc[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    ck_assert(!sl_gnut_udp_feed(&g, 1, krpc, sizeof(krpc) - 1, sizeof(krpc) - 1));
    ck_assert(sl_gnut_udp_feed(&g, 0, m, sizeof(m), sizeof(m)));
    ck_assert_uint_eq(g.messages[0], 2);
    ck_assert_uint_eq(g.messages[1], 0);
    ck_assert_str_eq(sl_gnut_msg_name((enum sl_gnut_msg)g.first[0]), "ping");
    ck_assert_str_eq(sl_gnut_msg_name(SL_GNUT_FRAMED), "framed");
    /* Every cut of a message is read within its bytes (the sanitizer build checks). */
    for (uint32_t cut = 0; cut <= sizeof(ping); cut++)
        sl_gnut_udp_probe(ping, cut, sizeof(ping));
}
END_TEST

START_TEST(gnutella_handshake)
{
    static const char hs[] = "GNUTELLA CONNECT/0.6\r\nX-Ultrapeer: False\r\n"
                             "User-Agent: gtk-gnutella/1.2.2\r\n\r\nbody";
    static const char reply[] = "GNUTELLA/0.6 503 Full\r\nServer: Foxy 9.9.9.9\r\n\r\n";
    ck_assert(sl_gnut_probe(U(hs)));
    ck_assert(!sl_gnut_probe(U("GET / HTTP/1.1\r\n")));
    struct sl_gnut_flow g;
    memset(&g, 0, sizeof(g));
    ck_assert(sl_gnut_feed(&g, 0, U(hs)));
    ck_assert(sl_gnut_feed(&g, 1, U(reply)));
    ck_assert_uint_eq(g.side[0].line_len, 20);
    ck_assert_mem_eq(g.side[0].first_line, "GNUTELLA CONNECT/0.6", 20);
    ck_assert_uint_eq(g.side[0].ua_len, 18);
    ck_assert_mem_eq(g.side[0].user_agent, "gtk-gnutella/1.2.2", 18);
    ck_assert_mem_eq(g.side[1].user_agent, "Foxy 9.9.9.9", 12); /* Server stands in */
    static const char get[] = "GET /get/12/My%20Song.mp3 HTTP/1.1\r\nUser-Agent: LimeWire\r\n\r\n";
    struct sl_gnut_flow d;
    memset(&d, 0, sizeof(d));
    ck_assert(sl_gnut_probe(U(get)));
    ck_assert(sl_gnut_feed(&d, 0, U(get)));
    ck_assert_uint_eq(d.file_len, 11);
    ck_assert_mem_eq(d.file, "My Song.mp3", 11);
    for (size_t cut = 0; cut < sizeof(get) - 1; cut++) {
        struct sl_gnut_flow t;
        memset(&t, 0, sizeof(t));
        sl_gnut_feed(&t, 0, (const uint8_t *)get, (uint32_t)cut);
    }
    for (size_t cut = 0; cut < sizeof(hs) - 1; cut++) {
        struct sl_gnut_flow t;
        memset(&t, 0, sizeof(t));
        sl_gnut_feed(&t, 0, (const uint8_t *)hs, (uint32_t)cut);
    }
}
END_TEST

Suite *suite_bittorrent(void)
{
    Suite *s = suite_create("bittorrent");
    TCase *tc = tcase_create("dissectors");
    tcase_add_test(tc, bencode_values);
    tcase_add_test(tc, bencode_invalid);
    tcase_add_test(tc, bencode_every_truncation);
    tcase_add_test(tc, handshake_prefixes);
    tcase_add_test(tc, wire_framing_across_segments);
    tcase_add_test(tc, wire_gap_stops_framing);
    tcase_add_test(tc, wire_handshake_after_encrypted_start);
    tcase_add_test(tc, wire_snaplen_cut_inside_piece);
    tcase_add_test(tc, wire_piece_bytes_counted_as_they_pass);
    tcase_add_test(tc, suspicious_file_names);
    tcase_add_test(tc, wire_sequence_half_the_space_away);
    tcase_add_loop_test(tc, client_from_peer_id, 0, (int)(sizeof(pids) / sizeof(pids[0])));
    tcase_add_test(tc, dht_messages);
    tcase_add_test(tc, utp_headers_and_connections);
    tcase_add_test(tc, tracker_http_announce);
    tcase_add_test(tc, tracker_udp_and_lsd);
    tcase_add_test(tc, edonkey_hello);
    tcase_add_test(tc, gnutella_handshake);
    tcase_add_test(tc, gnutella_datagrams);
    suite_add_tcase(s, tc);
    return s;
}
