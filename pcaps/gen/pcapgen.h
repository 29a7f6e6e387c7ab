/*
 * pcapgen.h - the capture writer that pcapgen.c's scenarios share with the
 * egress scenarios in egress.c: classic pcap records, IP packets with correct
 * checksums over any link type, TCP conversations with real sequence numbers.
 */
#ifndef SLUICE_PCAPGEN_H
#define SLUICE_PCAPGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BASE_TIME 1709294400ull /* 2024-03-01T12:00:00Z */
#define MSS       1460

enum link { L_ETH, L_VLAN, L_QINQ, L_SLL, L_RAW };

struct out {
    FILE *fp;
    enum link link;
    uint64_t ts_us; /* time of the next packet */
    uint16_t ipid;
};

/* An address: family 4 or 6, bytes in network order. */
struct addr {
    int family;
    uint8_t b[16];
};

struct conv {
    struct out *o;
    struct addr c, s; /* client, server */
    uint16_t cport, sport;
    uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
};

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

extern uint64_t rng_state;
uint32_t rng(void);
void die(const char *what);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);

/* A new capture DIR/NAME with its own PRNG seed; every packet 1 ms after the last by default. */
struct out open_out(const char *dir, const char *name, enum link link);
void close_out(struct out *o);
void write_record(struct out *o, const uint8_t *frame, size_t len);
/* A record of which only the first `caplen` of `len` bytes were captured. */
void write_record_cut(struct out *o, const uint8_t *frame, size_t caplen, size_t len);

struct addr v4(int a, int b, int c, int d);
struct addr v6(uint16_t w0, uint16_t w1, uint16_t last);
void emit_ip(struct out *o, const struct addr *src, const struct addr *dst, uint8_t proto,
             uint8_t *l4, size_t l4len, size_t csum_off);
/* An IP packet whose transport part is `l4len` bytes of which the first `l4cap` are given and
 * captured; the rest are zeros on the wire (the checksum counts them) and not captured. */
void emit_ip_cut(struct out *o, const struct addr *src, const struct addr *dst, uint8_t proto,
                 uint8_t *l4, size_t l4cap, size_t l4len, size_t csum_off);
void udp(struct out *o, const struct addr *src, uint16_t sport, const struct addr *dst,
         uint16_t dport, const void *payload, size_t len);

void tcp_seg(struct conv *cv, int from_server, uint8_t flags, const uint8_t *data, size_t len);
struct conv tcp_open(struct out *o, struct addr c, uint16_t cport, struct addr s, uint16_t sport);
void tcp_send(struct conv *cv, int from_server, const uint8_t *data, size_t len);
void tcp_close(struct conv *cv);

size_t bt_msg(uint8_t *out, uint8_t id, const void *body, size_t blen);
size_t bt_handshake(uint8_t *out, const uint8_t info_hash[20], const uint8_t peer_id[20]);
void fill_hash(uint8_t h[20], uint8_t first);

/* egress.c: the upload scenarios (issue 4). */
void gen_egress(const char *dir);

#endif
