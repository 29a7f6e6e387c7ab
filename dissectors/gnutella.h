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

/* True when a TCP payload opens a Gnutella handshake ("GNUTELLA CONNECT/", "GNUTELLA/0.")
 * or a Gnutella download ("GET /get/<index>/", "GET /uri-res/N2R?urn:"). */
bool sl_gnut_probe(const uint8_t *payload, uint32_t caplen);

/* Add one payload segment from a side; true when that side's handshake was read. */
bool sl_gnut_feed(struct sl_gnut_flow *g, int dir, const uint8_t *payload, uint32_t caplen);

#endif
