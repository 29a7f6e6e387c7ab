/*
 * tracker.c - what a BitTorrent client tells its trackers.
 *
 * HTTP (BEP 3):  GET /announce?info_hash=%12%34...&peer_id=...&port=6881
 *                    &uploaded=0&downloaded=0&left=123&event=started HTTP/1.1
 *                (scrape: GET /scrape?info_hash=...), values percent-encoded.
 * UDP (BEP 15):  connect  = protocol_id 0x41727101980 (8), action 0 (4), transaction (4)
 *                announce = connection_id (8), action 1, transaction, info_hash (20),
 *                           peer_id (20), downloaded (8), left (8), uploaded (8),
 *                           event (4), ip (4), key (4), num_want (4), port (2)
 *                scrape   = connection_id, action 2, transaction, info_hash * n
 * LSD (BEP 14):  BT-SEARCH * HTTP/1.1 \r\n Host: 239.192.152.143:6771 \r\n
 *                Port: 6881 \r\n Infohash: <40 hex> \r\n ... to 239.192.152.143:6771.
 * Everything is read through the cursor; text fields are kept as raw bytes
 * (the event writer escapes them).
 */
#include <string.h>

#include "cursor.h"
#include "text.h"
#include "tracker.h"

#define UDP_PROTOCOL_ID 0x41727101980ull

/* Bytes up to (not including) `stop`, or to the end; the stop byte is consumed. */
static struct sl_cur take_until(struct sl_cur *c, int stop1, int stop2)
{
    size_t n = 0;
    int ch;
    while ((ch = sl_cur_peek(c, n)) >= 0 && ch != stop1 && ch != stop2)
        n++;
    return sl_cur_sub(c, n);
}

static uint64_t decimal(struct sl_cur v, bool *ok)
{
    uint64_t x = 0;
    *ok = sl_cur_left(&v) > 0;
    while (sl_cur_left(&v)) {
        int ch = sl_cur_u8(&v);
        if (ch < '0' || ch > '9' || x > (UINT64_MAX - 9) / 10) {
            *ok = false;
            return 0;
        }
        x = x * 10 + (uint64_t)(ch - '0');
    }
    return x;
}

/* Two hex digits at the cursor as one byte; false (and *out untouched) when they are not. */
static bool hex_byte(struct sl_cur *c, uint8_t *out)
{
    int hi = sl_text_hexval(sl_cur_u8(c)), lo = sl_text_hexval(sl_cur_u8(c));
    if (hi < 0 || lo < 0)
        return false;
    *out = (uint8_t)(hi << 4 | lo);
    return true;
}

static bool key_is(const struct sl_cur *k, const char *name)
{
    return sl_cur_left(k) == strlen(name) && sl_text_starts(k, name, false);
}

static void add_hash(struct sl_tracker *t, const uint8_t h[20])
{
    for (unsigned i = 0; i < t->hashes; i++)
        if (memcmp(t->info_hash[i], h, 20) == 0)
            return;
    if (t->hashes < SL_TRACKER_MAX_HASHES)
        memcpy(t->info_hash[t->hashes++], h, 20);
}

static void copy_text(struct sl_cur v, uint8_t *dst, uint8_t *len)
{
    size_t n = sl_cur_left(&v) < SL_TRACKER_TEXT_MAX ? sl_cur_left(&v) : SL_TRACKER_TEXT_MAX;
    sl_cur_copy(&v, dst, n);
    *len = (uint8_t)n;
}

/* ---- HTTP ---- */

/* The request path of an announce or scrape; 'a', 's', or 0 when neither. */
static int http_kind(struct sl_cur c)
{
    if (!sl_text_starts(&c, "GET ", false))
        return 0;
    sl_cur_skip(&c, 4);
    struct sl_cur path = take_until(&c, '?', ' ');
    if (sl_cur_peek(&c, 0) != '?')
        return 0;
    /* The query must name a torrent: info_hash= somewhere in the request line. */
    struct sl_cur q = take_until(&c, ' ', '\r');
    bool has_hash = false;
    for (size_t i = sl_cur_find(&q, 0, 'i'); i + 10 <= sl_cur_left(&q) && !has_hash;
         i = sl_cur_find(&q, i + 1, 'i')) {
        struct sl_cur t = q;
        sl_cur_skip(&t, i);
        has_hash = sl_text_starts(&t, "info_hash=", false);
    }
    if (!has_hash)
        return 0;
    int kind = 0;
    for (size_t i = 0; i < sl_cur_left(&path); i++) {
        struct sl_cur t = path;
        sl_cur_skip(&t, i);
        if (sl_text_starts(&t, "announce", false))
            kind = 'a';
        else if (!kind && sl_text_starts(&t, "scrape", false))
            kind = 's';
    }
    return kind;
}

/*
 * A magnet link in an HTTP request: "magnet:?xt=urn:btih:<40 hex>&dn=<name>&tr=...",
 * as it is or percent-encoded once more inside a query or form.  Sets *at to where it
 * starts; false when the request holds none.
 */
static bool find_magnet(struct sl_cur c, struct sl_cur *at)
{
    if (!sl_text_starts(&c, "GET ", false) && !sl_text_starts(&c, "POST ", false))
        return false;
    /* Over every byte of a request: only at an 'm' or an 'M', each found with memchr. */
    size_t left = sl_cur_left(&c), lo = sl_cur_find(&c, 0, 'm'), up = sl_cur_find(&c, 0, 'M');
    while (lo < left || up < left) {
        size_t i = lo < up ? lo : up;
        if (i + 12 > left)
            return false;
        struct sl_cur t = c;
        sl_cur_skip(&t, i);
        if (sl_text_starts(&t, "magnet:?", true) || sl_text_starts(&t, "magnet%3a%3f", true)) {
            *at = t;
            return true;
        }
        if (i == lo)
            lo = sl_cur_find(&c, i + 1, 'm');
        else
            up = sl_cur_find(&c, i + 1, 'M');
    }
    return false;
}

/* The base32 alphabet of RFC 4648; -1 for other characters. */
static int base32val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a';
    if (ch >= '2' && ch <= '7')
        return ch - '2' + 26;
    return -1;
}

/* "urn:btih:" then 40 hex digits or 32 base32 characters: the info_hash. */
static bool btih(struct sl_cur v, uint8_t out[20])
{
    if (!sl_text_starts(&v, "urn:btih:", true))
        return false;
    sl_cur_skip(&v, 9);
    if (sl_cur_left(&v) >= 40) {
        bool ok = true;
        for (int i = 0; i < 20 && ok; i++)
            ok = hex_byte(&v, &out[i]);
        return ok;
    }
    if (sl_cur_left(&v) < 32)
        return false;
    uint64_t acc = 0;
    int bits = 0, n = 0;
    for (int i = 0; i < 32; i++) {
        int x = base32val(sl_cur_u8(&v));
        if (x < 0)
            return false;
        acc = acc << 5 | (uint64_t)x;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n == 20;
}

static bool magnet_feed(struct sl_tracker *t, struct sl_cur c)
{
    struct sl_cur m;
    if (!find_magnet(c, &m))
        return false;
    /* Decode one level of percent-encoding when the link itself is encoded. */
    uint8_t buf[1024];
    struct sl_cur link = take_until(&m, ' ', '\r');
    bool encoded = sl_text_starts(&link, "magnet%3", true);
    size_t n = encoded ? sl_text_pct_decode(link, buf, sizeof(buf))
                       : (sl_cur_left(&link) < sizeof(buf) ? sl_cur_left(&link) : sizeof(buf));
    if (!encoded)
        sl_cur_copy(&link, buf, n);
    struct sl_cur q = sl_cur_make(buf, n);
    sl_cur_skip(&q, 8); /* "magnet:?" */
    t->kind = SL_TRK_MAGNET;
    t->announces++;
    while (sl_cur_left(&q)) {
        struct sl_cur pair = take_until(&q, '&', -1);
        sl_cur_skip(&q, 1);
        struct sl_cur key = take_until(&pair, '=', -1);
        sl_cur_skip(&pair, 1);
        uint8_t h[20];
        if (key_is(&key, "xt") && btih(pair, h)) {
            add_hash(t, h);
        } else if (key_is(&key, "dn") && !t->dn_len) {
            size_t len = sl_text_pct_decode(pair, t->dn, sizeof(t->dn));
            for (size_t i = 0; i < len; i++) /* '+' is a space in a query */
                if (t->dn[i] == '+')
                    t->dn[i] = ' ';
            t->dn_len = (uint8_t)len;
        }
    }
    return true;
}

bool sl_tracker_http_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen), m;
    return http_kind(c) != 0 || find_magnet(c, &m);
}

static bool http_feed(struct sl_tracker *t, struct sl_cur c)
{
    int kind = http_kind(c);
    if (!kind)
        return false;
    t->kind = SL_TRK_HTTP;
    if (kind == 'a')
        t->announces++;
    else
        t->scrapes++;
    struct sl_cur reqline = sl_text_line(&c);
    sl_cur_skip(&reqline, 4);
    take_until(&reqline, '?', ' ');
    sl_cur_skip(&reqline, 1);
    struct sl_cur q = take_until(&reqline, ' ', -1);
    while (sl_cur_left(&q)) {
        struct sl_cur pair = take_until(&q, '&', -1);
        sl_cur_skip(&q, 1);
        struct sl_cur key = take_until(&pair, '=', -1);
        sl_cur_skip(&pair, 1);
        uint8_t val[64];
        bool ok;
        if (key_is(&key, "info_hash")) {
            if (sl_text_pct_decode(pair, val, sizeof(val)) == 20)
                add_hash(t, val);
        } else if (key_is(&key, "peer_id")) {
            if (sl_text_pct_decode(pair, val, sizeof(val)) == 20) {
                memcpy(t->peer_id, val, 20);
                t->have_peer_id = true;
            }
        } else if (key_is(&key, "port")) {
            uint64_t p = decimal(pair, &ok);
            if (ok && p < 65536)
                t->port = (uint16_t)p;
        } else if (key_is(&key, "uploaded")) {
            t->uploaded = decimal(pair, &ok);
            t->have_counters |= ok;
        } else if (key_is(&key, "downloaded")) {
            t->downloaded = decimal(pair, &ok);
        } else if (key_is(&key, "left")) {
            t->left = decimal(pair, &ok);
        } else if (key_is(&key, "event")) {
            size_t n = sl_text_pct_decode(pair, val, sizeof(t->event) - 1);
            /* Only the three events BEP 3 names; anything else is not a label we repeat. */
            val[n] = 0;
            if (!strcmp((char *)val, "started") || !strcmp((char *)val, "stopped") ||
                !strcmp((char *)val, "completed"))
                memcpy(t->event, val, n + 1);
        }
    }
    /* Headers of interest: User-Agent and Host. */
    while (sl_cur_left(&c)) {
        struct sl_cur line = sl_text_line(&c);
        if (!sl_cur_left(&line))
            break;
        if (sl_text_header(&line, "user-agent:")) {
            copy_text(line, t->user_agent, &t->ua_len);
        } else if (sl_text_header(&line, "host:")) {
            copy_text(line, t->host, &t->host_len);
        }
    }
    return true;
}

/* ---- UDP tracker and LSD ---- */

static bool is_connect(struct sl_cur c)
{
    return sl_cur_left(&c) >= 16 && sl_cur_u64be(&c) == UDP_PROTOCOL_ID && sl_cur_u32be(&c) == 0;
}

static bool lsd_feed(struct sl_tracker *t, struct sl_cur c)
{
    if (!sl_text_starts(&c, "BT-SEARCH * HTTP/1.1", false))
        return false;
    t->kind = SL_TRK_LSD;
    t->announces++;
    sl_text_line(&c);
    while (sl_cur_left(&c)) {
        struct sl_cur line = sl_text_line(&c);
        if (!sl_cur_left(&line))
            break;
        if (sl_text_header(&line, "infohash:")) {
            uint8_t h[20];
            bool ok = sl_cur_left(&line) == 40;
            for (int i = 0; ok && i < 20; i++)
                ok = hex_byte(&line, &h[i]);
            if (ok)
                add_hash(t, h);
        } else if (sl_text_header(&line, "port:")) {
            bool ok;
            uint64_t p = decimal(line, &ok);
            if (ok && p < 65536)
                t->port = (uint16_t)p;
        }
    }
    return true;
}

static bool udp_feed(struct sl_tracker *t, struct sl_cur c)
{
    if (is_connect(c)) {
        t->kind = SL_TRK_UDP;
        t->connects++;
        return true;
    }
    if (t->kind != SL_TRK_UDP || sl_cur_left(&c) < 16)
        return false; /* announces only count after a connect was seen on the flow */
    sl_cur_skip(&c, 8);
    uint32_t action = sl_cur_u32be(&c);
    sl_cur_skip(&c, 4);
    if (action == 1 && sl_cur_left(&c) >= 82) {
        uint8_t h[20];
        sl_cur_copy(&c, h, 20);
        add_hash(t, h);
        sl_cur_copy(&c, t->peer_id, 20);
        t->have_peer_id = true;
        t->downloaded = sl_cur_u64be(&c);
        t->left = sl_cur_u64be(&c);
        t->uploaded = sl_cur_u64be(&c);
        t->have_counters = true;
        static const char *const events[] = {"", "completed", "started", "stopped"};
        uint32_t ev = sl_cur_u32be(&c);
        strcpy(t->event, ev < 4 ? events[ev] : "");
        sl_cur_skip(&c, 12); /* ip, key, num_want */
        t->port = sl_cur_u16be(&c);
        t->announces++;
        return sl_cur_ok(&c);
    }
    if (action == 2) {
        while (sl_cur_left(&c) >= 20) {
            uint8_t h[20];
            sl_cur_copy(&c, h, 20);
            add_hash(t, h);
        }
        t->scrapes++;
        return true;
    }
    return false;
}

bool sl_tracker_udp_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    return is_connect(c) || sl_text_starts(&c, "BT-SEARCH * HTTP/1.1", false);
}

bool sl_tracker_feed(struct sl_tracker *t, const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    bool ok = http_kind(c)                                ? http_feed(t, c)
              : sl_text_starts(&c, "BT-SEARCH * ", false) ? lsd_feed(t, c)
              : sl_text_starts(&c, "GET ", false) || sl_text_starts(&c, "POST ", false)
                  ? magnet_feed(t, c)
                  : udp_feed(t, c);
    if (!ok)
        t->bad++;
    return ok;
}
