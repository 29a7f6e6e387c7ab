/*
 * gnutella.c - the Gnutella 0.6 handshake, HTTP-like header blocks:
 *   client: GNUTELLA CONNECT/0.6 \r\n User-Agent: ... \r\n X-Ultrapeer: ... \r\n \r\n
 *   server: GNUTELLA/0.6 200 OK  \r\n User-Agent: ... \r\n ... \r\n \r\n
 * Gnutella downloads are HTTP: "GET /get/<index>/<name> HTTP/1.1" (or by
 * hash, "GET /uri-res/N2R?urn:sha1:..."), and the name is kept.
 * The first line and the User-Agent (or Server) of each side are kept, as raw
 * bytes; everything is read through the cursor, line by line.
 *
 * Over UDP a datagram holds one message with the 23-byte descriptor header
 * (GUID, type, TTL, hops, payload length, little-endian), or a fragment of
 * one behind the reliability layer's 8-byte header ("GND", flags, sequence,
 * part, count).  nDPI 4.2 names neither.
 */
#include <string.h>

#include "cursor.h"
#include "gnutella.h"
#include "text.h"

static void take(struct sl_cur v, uint8_t *dst, uint8_t *len)
{
    size_t n = sl_cur_left(&v) < SL_GNUT_TEXT_MAX ? sl_cur_left(&v) : SL_GNUT_TEXT_MAX;
    sl_cur_copy(&v, dst, n);
    *len = (uint8_t)n;
}

bool sl_gnut_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    return sl_text_starts(&c, "GNUTELLA CONNECT/", false) ||
           sl_text_starts(&c, "GNUTELLA/0.", false) || sl_text_starts(&c, "GET /get/", false) ||
           sl_text_starts(&c, "GET /uri-res/N2R?urn:", false);
}

bool sl_gnut_feed(struct sl_gnut_flow *g, int dir, const uint8_t *payload, uint32_t caplen)
{
    struct sl_gnut_side *s = &g->side[dir ? 1 : 0];
    if (s->seen)
        return true;
    struct sl_cur c = sl_cur_make(payload, caplen);
    if (!sl_gnut_probe(payload, caplen))
        return false;
    s->seen = true;
    struct sl_cur first = sl_text_line(&c);
    take(first, s->first_line, &s->line_len);
    if (sl_text_starts(&first, "GET /get/", false)) {
        /* /get/<index>/<file name> HTTP/1.1: the name is URL-encoded, up to the space. */
        sl_cur_skip(&first, 9);
        while (sl_cur_left(&first) && sl_cur_peek(&first, 0) != '/')
            sl_cur_skip(&first, 1);
        sl_cur_skip(&first, 1);
        size_t n = 0;
        while (n < sl_cur_left(&first) && sl_cur_peek(&first, n) != ' ')
            n++;
        g->file_len = (uint8_t)sl_text_pct_decode(sl_cur_sub(&first, n), g->file, SL_GNUT_TEXT_MAX);
    }
    while (sl_cur_left(&c)) {
        struct sl_cur line = sl_text_line(&c);
        if (!sl_cur_left(&line))
            break; /* end of the header block */
        /* The User-Agent, or a Server header when there is none (yet). */
        if (sl_text_header(&line, "user-agent:") ||
            (!s->ua_len && sl_text_header(&line, "server:"))) {
            s->ua_cut = sl_cur_left(&line) > SL_GNUT_TEXT_MAX;
            take(line, s->user_agent, &s->ua_len);
        }
    }
    return true;
}

#define GNUT_HEADER  23
#define GNUT_MAX_TTL 16 /* servents drop anything above; UDP messages go one hop */
#define GND_HEADER   8

static enum sl_gnut_msg msg_of_type(uint8_t type)
{
    switch (type) {
    case 0x00:
        return SL_GNUT_PING;
    case 0x01:
        return SL_GNUT_PONG;
    case 0x02:
        return SL_GNUT_BYE;
    case 0x30:
        return SL_GNUT_QRP;
    case 0x31:
    case 0x32:
        return SL_GNUT_VENDOR;
    case 0x40:
        return SL_GNUT_PUSH;
    case 0x44:
        return SL_GNUT_MOJITO;
    case 0x80:
        return SL_GNUT_QUERY;
    case 0x81:
        return SL_GNUT_QUERY_HIT;
    default:
        return SL_GNUT_NONE;
    }
}

enum sl_gnut_msg sl_gnut_udp_probe(const uint8_t *payload, uint32_t caplen, uint32_t len)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    if (sl_text_starts(&c, "GND", false)) {
        /* A fragment `part` of `count`, or (count 0) the acknowledgement of one. */
        sl_cur_skip(&c, 6);
        uint8_t part = sl_cur_u8(&c), count = sl_cur_u8(&c);
        bool ok = count == 0 ? part != 0 : part >= 1 && part <= count;
        return sl_cur_ok(&c) && ok ? SL_GNUT_FRAMED : SL_GNUT_NONE;
    }
    if (len < GNUT_HEADER || !sl_cur_skip(&c, 16))
        return SL_GNUT_NONE;
    enum sl_gnut_msg m = msg_of_type(sl_cur_u8(&c));
    uint8_t ttl = sl_cur_u8(&c), hops = sl_cur_u8(&c);
    uint32_t plen = sl_cur_u32le(&c);
    /* The header's length is the rest of the datagram, to the byte: the strong part of the test. */
    if (!sl_cur_ok(&c) || m == SL_GNUT_NONE || ttl > GNUT_MAX_TTL || hops > GNUT_MAX_TTL ||
        plen != len - GNUT_HEADER)
        return SL_GNUT_NONE;
    return m;
}

bool sl_gnut_udp_feed(struct sl_gnut_udp *g, int dir, const uint8_t *payload, uint32_t caplen,
                      uint32_t len)
{
    enum sl_gnut_msg m = sl_gnut_udp_probe(payload, caplen, len);
    if (m == SL_GNUT_NONE)
        return false;
    int d = dir ? 1 : 0;
    if (!g->messages[d]++)
        g->first[d] = (uint8_t)m;
    return true;
}

const char *sl_gnut_msg_name(enum sl_gnut_msg m)
{
    static const char *const names[] = {"none", "ping",  "pong",      "bye",    "qrp",   "vendor",
                                        "push", "query", "query-hit", "mojito", "framed"};
    return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "none";
}
