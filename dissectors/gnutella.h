/*
 * gnutella.h - Gnutella 0.6 handshakes and Gnutella HTTP transfers: who is talking.
 */
#ifndef SLUICE_GNUTELLA_H
#define SLUICE_GNUTELLA_H

#include <stdbool.h>
#include <stdint.h>

#define SL_GNUT_TEXT_MAX 160

struct sl_gnut_side {
    bool seen;
    uint8_t line_len, ua_len;
    bool ua_cut; /* the User-Agent was longer than SL_GNUT_TEXT_MAX: this is its start */
    uint8_t first_line[SL_GNUT_TEXT_MAX]; /* "GNUTELLA CONNECT/0.6", raw */
    uint8_t user_agent[SL_GNUT_TEXT_MAX]; /* User-Agent (or Server), raw */
};

struct sl_gnut_flow {
    struct sl_gnut_side side[2];
    /* A Gnutella download, "GET /get/<index>/<file name>": the client fetches the file. */
    uint8_t file_len;
    uint8_t file[SL_GNUT_TEXT_MAX];
};

/*
 * Gnutella over UDP (GUESS queries, pings to UDP host caches, out-of-band
 * query hits): one message per datagram, bare or framed by the UDP
 * reliability layer ("GND").  Counted per side; the type of each side's
 * first message is kept.
 */
enum sl_gnut_msg {
    SL_GNUT_NONE,
    SL_GNUT_PING,
    SL_GNUT_PONG,
    SL_GNUT_BYE,
    SL_GNUT_QRP,
    SL_GNUT_VENDOR,
    SL_GNUT_PUSH,
    SL_GNUT_QUERY,
    SL_GNUT_QUERY_HIT,
    SL_GNUT_MOJITO, /* the Mojito DHT (LimeWire, gtk-gnutella) in the same header, type 0x44 */
    SL_GNUT_FRAMED, /* a "GND" fragment or acknowledgement: the message inside may be deflated */
};

struct sl_gnut_udp {
    uint32_t messages[2];
    uint8_t first[2]; /* enum sl_gnut_msg */
};

/* What a UDP payload of wire length `len` is, SL_GNUT_NONE when not Gnutella. */
enum sl_gnut_msg sl_gnut_udp_probe(const uint8_t *payload, uint32_t caplen, uint32_t len);

/* Count one datagram of a side; false when it is not Gnutella. */
bool sl_gnut_udp_feed(struct sl_gnut_udp *g, int dir, const uint8_t *payload, uint32_t caplen,
                      uint32_t len);

/* "ping", "query", "framed"... */
const char *sl_gnut_msg_name(enum sl_gnut_msg m);

/* True when a TCP payload opens a Gnutella handshake ("GNUTELLA CONNECT/", "GNUTELLA/0.")
 * or a Gnutella download ("GET /get/<index>/", "GET /uri-res/N2R?urn:"). */
bool sl_gnut_probe(const uint8_t *payload, uint32_t caplen);

/* Add one payload segment from a side; true when that side's handshake was read. */
bool sl_gnut_feed(struct sl_gnut_flow *g, int dir, const uint8_t *payload, uint32_t caplen);

#endif
