/*
 * egress.c - the upload scenarios of pcaps/ (egress-*.pcap): a 150 MiB
 * upload, a 2 GiB leak spread over a day, a host seeding a torrent to 200
 * peers, a large download and a backup to one server.
 *
 * Volume is what matters here, not payload: bulk segments are 65,000-byte
 * TCP segments recorded headers-only (the record's caplen is the headers,
 * its length the whole packet), as a capture sliced to its headers keeps
 * them.  The IP total length, which is what sluice counts, is the real one.
 */
#include <string.h>

#include "pcapgen.h"

#define BULK    65000u /* TCP payload of a bulk segment */
#define US      1000000ull
#define ACK_GAP 8 /* the receiver acknowledges every 8th bulk segment */

/* A bulk segment from one side, headers captured; the other side acks now and then. */
static void tcp_bulk(struct conv *cv, int from_server, unsigned count)
{
    uint8_t l4[20];
    for (unsigned i = 0; i < count; i++) {
        memset(l4, 0, sizeof(l4));
        put16(l4, from_server ? cv->sport : cv->cport);
        put16(l4 + 2, from_server ? cv->cport : cv->sport);
        put32(l4 + 4, cv->seq[from_server]);
        put32(l4 + 8, cv->seq[!from_server]);
        l4[12] = 5 << 4;
        l4[13] = F_ACK | F_PSH;
        put16(l4 + 14, 65535);
        emit_ip_cut(cv->o, from_server ? &cv->s : &cv->c, from_server ? &cv->c : &cv->s, 6, l4,
                    sizeof(l4), sizeof(l4) + BULK, 16);
        cv->seq[from_server] += BULK;
        if ((i + 1) % ACK_GAP == 0 || i + 1 == count)
            tcp_seg(cv, !from_server, F_ACK, NULL, 0);
    }
}

/* 2,420 segments (150 MiB) from 192.168.1.100 to one external server in about 3 s. */
static void gen_upload(const char *dir)
{
    struct out o = open_out(dir, "egress-upload.pcap", L_ETH);
    struct conv cv = tcp_open(&o, v4(192, 168, 1, 100), 50100, v4(203, 0, 113, 100), 443);
    tcp_bulk(&cv, 0, 2420);
    tcp_close(&cv);
    close_out(&o);
}

/* 288 connections, one every 5 minutes for 24 hours, each 115 segments (7.1 MiB): 2.0 GiB. */
static void gen_slow_leak(const char *dir)
{
    struct out o = open_out(dir, "egress-slow-leak.pcap", L_RAW);
    for (unsigned i = 0; i < 288; i++) {
        o.ts_us = BASE_TIME * US + i * 300 * US;
        struct conv cv =
            tcp_open(&o, v4(192, 168, 1, 101), (uint16_t)(50000 + i), v4(198, 51, 100, 101), 443);
        tcp_bulk(&cv, 0, 115);
        tcp_close(&cv);
    }
    close_out(&o);
}

/*
 * 200 external peers connect to 192.168.1.102:51413, one a second, for one
 * torrent; after the handshakes it sends each 17 segments (1.05 MiB).
 */
static void gen_seeding(const char *dir)
{
    struct out o = open_out(dir, "egress-seeding.pcap", L_ETH);
    uint8_t ih[20], buf[128];
    fill_hash(ih, 0xe1);
    for (unsigned p = 0; p < 200; p++) {
        o.ts_us = BASE_TIME * US + p * US;
        char peer[21];
        snprintf(peer, sizeof(peer), "-TR3000-seedpeer%04u", p);
        struct addr a = p < 100 ? v4(198, 51, 100, 1 + (int)p) : v4(203, 0, 113, 1 + (int)p - 100);
        struct conv cv = tcp_open(&o, a, (uint16_t)(40000 + p), v4(192, 168, 1, 102), 51413);
        tcp_send(&cv, 0, buf, bt_handshake(buf, ih, (const uint8_t *)peer));
        tcp_send(&cv, 1, buf, bt_handshake(buf, ih, (const uint8_t *)"-qB4650-seeder000001"));
        tcp_send(&cv, 0, buf, bt_msg(buf, 2, NULL, 0)); /* interested */
        tcp_send(&cv, 1, buf, bt_msg(buf, 1, NULL, 0)); /* unchoke */
        tcp_bulk(&cv, 1, 17);
        tcp_close(&cv);
    }
    close_out(&o);
}

/* 192.168.1.103 downloads 300 MiB over eight minutes: a flow_update, never an alert. */
static void gen_download(const char *dir)
{
    struct out o = open_out(dir, "egress-download.pcap", L_ETH);
    struct conv cv = tcp_open(&o, v4(192, 168, 1, 103), 50103, v4(198, 51, 100, 103), 443);
    for (unsigned i = 0; i < 4840 / ACK_GAP; i++) {
        tcp_bulk(&cv, 1, ACK_GAP);
        o.ts_us += 800 * 1000; /* 0.8 s per eight segments: 5.2 Mbit/s */
    }
    tcp_close(&cv);
    close_out(&o);
}

/* 192.168.1.104 copies 400 MiB to its backup server 198.51.100.250 over SSH. */
static void gen_backup(const char *dir)
{
    struct out o = open_out(dir, "egress-backup.pcap", L_ETH);
    struct conv cv = tcp_open(&o, v4(192, 168, 1, 104), 50104, v4(198, 51, 100, 250), 22);
    tcp_bulk(&cv, 0, 6453);
    tcp_close(&cv);
    close_out(&o);
}

void gen_egress(const char *dir)
{
    gen_upload(dir);
    gen_slow_leak(dir);
    gen_seeding(dir);
    gen_download(dir);
    gen_backup(dir);
}
