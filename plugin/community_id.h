/*
 * community_id.h - Community ID v1 flow hashes (corelight/community-id-spec),
 * the join key SIEMs use across Suricata, Zeek and sluice events.
 */
#ifndef SLUICE_COMMUNITY_ID_H
#define SLUICE_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>

/* "1:" + 28 base64 characters + NUL */
#define SL_COMMUNITY_ID_LEN 31

struct sl_cid_tuple {
    int family;         /* 4 or 6 */
    const uint8_t *src; /* 4 or 16 bytes, network order */
    const uint8_t *dst;
    uint8_t proto;
    bool has_ports;        /* TCP, UDP, SCTP, ICMP, ICMPv6 */
    uint16_t sport, dport; /* ICMP: type and its counterpart type or code */
    bool one_way;          /* ICMP without a counterpart: endpoints are not reordered */
};

/* Write the Community ID of `t` with `seed` into `out`.  Cannot fail. */
void sl_community_id(const struct sl_cid_tuple *t, uint16_t seed, char out[SL_COMMUNITY_ID_LEN]);

/* Standard base64 of `len` bytes into `out` (4*ceil(len/3)+1 bytes); returns chars written. */
unsigned sl_base64(const uint8_t *in, unsigned len, char *out);

#endif
