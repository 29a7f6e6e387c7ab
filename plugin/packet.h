/*
 * packet.h - one captured packet as the decoder leaves it for the flow table.
 *
 * The decoder fills a caller-owned struct sl_packet in place (no allocation);
 * every pointer in it borrows from the capture buffer and is valid only until
 * the next packet is read.
 */
#ifndef SLUICE_PACKET_H
#define SLUICE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

/* An IPv4 or IPv6 address; IPv4 is stored in the first 4 bytes, rest zero. */
struct sl_addr {
    uint8_t b[16];
};

#define SL_MAX_VLAN 2

struct sl_packet {
    /* Set by the caller before decoding. */
    int64_t ts_us;       /* capture time, microseconds since the epoch */
    int linktype;        /* DLT_* of the interface it came from */
    const uint8_t *data; /* captured bytes */
    uint32_t caplen;     /* bytes captured (readable) */
    uint32_t wirelen;    /* bytes on the wire */
    uint64_t pcap_cnt;   /* 1-based packet number in its input; 0 live */

    /* Set by the decoder. */
    uint8_t ip_version; /* 4 or 6; 0 when no IP layer was found */
    uint8_t l4proto;    /* IPPROTO_TCP/UDP/ICMP/ICMPV6/...; 0 if none */
    uint8_t vlan_count;
    uint16_t vlan[SL_MAX_VLAN];
    struct sl_addr src, dst;
    uint16_t sport, dport; /* ICMP: type and code, as Community ID maps them */

    /*
     * The IP packet: starts at the IP header, readable length clamped to the
     * IP total length (and to what was captured).  nDPI is handed this.
     */
    const uint8_t *l3;
    uint32_t l3_caplen;
    /* IP total length from the header: what the packet was on the wire at L3.
     * Flow byte counters count these ("IP bytes"). */
    uint32_t ip_len;

    /* Transport payload: readable bytes, and its length on the wire. */
    const uint8_t *payload;
    uint32_t payload_caplen;
    uint32_t payload_len;

    uint8_t tcp_flags; /* TH_* */
    uint32_t tcp_seq, tcp_ack;
    uint8_t icmp_type, icmp_code;
    bool icmp_oneway; /* ICMP type without a request/reply counterpart (Community ID) */

    bool fragment;       /* an IPv4/IPv6 fragment */
    bool later_fragment; /* not the first fragment: no transport header */
};

#define SL_TH_FIN 0x01
#define SL_TH_SYN 0x02
#define SL_TH_RST 0x04
#define SL_TH_PSH 0x08
#define SL_TH_ACK 0x10

#endif
