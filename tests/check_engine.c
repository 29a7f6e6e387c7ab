/*
 * check_engine.c - the engine end to end on crafted packets: flow lifetimes
 * (timeouts, FIN/RST, eviction at the cap), client/server direction, byte
 * counters, the P2P alert at classification time, and that every event is
 * one line of valid JSON.  Events are caught by a sink that keeps them.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "engine.h"
#include "suites.h"

#include "harness.h"

START_TEST(udp_flow_times_out_with_counts)
{
    cfg.timeout_udp = 60;
    start();
    size_t a = feed(T0, CLIENT, 5000, SERVER, 53, 17, 0, "query", 5);
    size_t b = feed(T0 + 0.5, SERVER, 53, CLIENT, 5000, 17, 0, "answer!", 7);
    ck_assert_uint_eq(count_type("flow"), 0);
    /* A packet of another flow 61 s later ends the idle one. */
    feed(T0 + 61, CLIENT, 5001, SERVER, 53, 17, 0, "q", 1);
    ck_assert_uint_eq(count_type("flow"), 1);
    json_t *ev = nth_of_type("flow", 0);
    ck_assert_str_eq(str_at(ev, "src_ip"), "192.168.1.10");
    ck_assert_int_eq(json_integer_value(json_object_get(ev, "src_port")), 5000);
    ck_assert_str_eq(str_at(ev, "dest_ip"), "203.0.113.5");
    ck_assert_str_eq(str_at(ev, "proto"), "UDP");
    ck_assert_int_eq(flow_int(ev, "pkts_toserver"), 1);
    ck_assert_int_eq(flow_int(ev, "pkts_toclient"), 1);
    /* IP bytes: the frame less its 14-byte Ethernet header. */
    ck_assert_int_eq(flow_int(ev, "bytes_toserver"), (json_int_t)(a - 14));
    ck_assert_int_eq(flow_int(ev, "bytes_toclient"), (json_int_t)(b - 14));
    ck_assert_int_eq(flow_int(ev, "payload_bytes_toserver"), 5);
    ck_assert_int_eq(flow_int(ev, "payload_bytes_toclient"), 7);
    json_t *flow = json_object_get(ev, "flow");
    ck_assert_str_eq(json_string_value(json_object_get(flow, "reason")), "timeout");
    ck_assert_str_eq(json_string_value(json_object_get(flow, "state")), "established");
    ck_assert_str_eq(json_string_value(json_object_get(flow, "start")),
                     "2024-03-01T12:00:00.000000+0000");
    ck_assert_str_eq(json_string_value(json_object_get(flow, "end")),
                     "2024-03-01T12:00:00.500000+0000");
    ck_assert_str_eq(str_at(ev, "timestamp"), "2024-03-01T12:00:00.500000+0000");
    ck_assert_str_eq(str_at(ev, "host"), "test-sensor");
    ck_assert_ptr_nonnull(str_at(ev, "community_id"));
    ck_assert_ptr_nonnull(str_at(ev, "event_id"));
}
END_TEST

START_TEST(syn_ack_first_makes_its_receiver_the_client)
{
    start();
    /* The capture starts at the server's SYN-ACK. */
    feed(T0, SERVER, 443, CLIENT, 40000, 6, 0x12, NULL, 0);
    feed(T0 + 0.1, CLIENT, 40000, SERVER, 443, 6, 0x10, NULL, 0);
    sluice_engine_flush(eng);
    json_t *ev = nth_of_type("flow", 0);
    ck_assert_str_eq(str_at(ev, "src_ip"), "192.168.1.10");
    ck_assert_int_eq(json_integer_value(json_object_get(ev, "dest_port")), 443);
    ck_assert_int_eq(flow_int(ev, "pkts_toserver"), 1);
    ck_assert_int_eq(flow_int(ev, "pkts_toclient"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev, "flow"), "reason")),
                     "shutdown");
}
END_TEST

START_TEST(tcp_ends_on_fin_and_rst)
{
    cfg.timeout_tcp_closed = 5;
    start();
    feed(T0, CLIENT, 40000, SERVER, 80, 6, 0x02, NULL, 0);
    feed(T0 + 0.01, SERVER, 80, CLIENT, 40000, 6, 0x12, NULL, 0);
    feed(T0 + 0.02, CLIENT, 40000, SERVER, 80, 6, 0x11, NULL, 0);
    feed(T0 + 0.03, SERVER, 80, CLIENT, 40000, 6, 0x11, NULL, 0);
    /* RST on a second connection. */
    feed(T0 + 0.04, CLIENT, 40001, SERVER, 80, 6, 0x02, NULL, 0);
    feed(T0 + 0.05, SERVER, 80, CLIENT, 40001, 6, 0x14, NULL, 0);
    ck_assert_uint_eq(count_type("flow"), 0);
    /* Closed flows end after the short closed timeout, long before tcp_established. */
    sluice_engine_advance(eng, (int64_t)T0 + 6, 0);
    ck_assert_uint_eq(count_type("flow"), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *flow = json_object_get(nth_of_type("flow", i), "flow");
        ck_assert_str_eq(json_string_value(json_object_get(flow, "state")), "closed");
    }
    json_t *tcp = json_object_get(nth_of_type("flow", 0), "tcp");
    ck_assert_str_eq(json_string_value(json_object_get(tcp, "tcp_flags")), "13");
}
END_TEST

/* Expiry runs only once something can be due: a flow with a shorter timeout that starts after
 * a long-lived one, and a class that shortens, still end on time. */
START_TEST(later_flow_with_shorter_timeout_ends_on_time)
{
    cfg.timeout_udp = 60;
    cfg.timeout_tcp_new = 600;
    cfg.ndpi_idle_giveup = 0; /* no nDPI give-up to run expiry early */
    cfg.timeout_tcp_est = 600;
    cfg.timeout_tcp_closed = 5;
    start();
    feed(T0, CLIENT, 40000, SERVER, 443, 6, 0x02, NULL, 0);
    feed(T0 + 0.01, SERVER, 443, CLIENT, 40000, 6, 0x12, NULL, 0);
    feed(T0 + 0.02, CLIENT, 40000, SERVER, 443, 6, 0x10, NULL, 0);
    feed(T0 + 1, CLIENT, 5000, SERVER, 53, 17, 0, "query", 5);
    feed(T0 + 2, CLIENT, 40001, SERVER, 80, 6, 0x02, NULL, 0); /* the one to close */
    feed(T0 + 2.01, SERVER, 80, CLIENT, 40001, 6, 0x12, NULL, 0);
    feed(T0 + 2.02, CLIENT, 40001, SERVER, 80, 6, 0x10, NULL, 0);
    for (int t = 10; t <= 60; t += 10)
        feed(T0 + t, CLIENT, 40000, SERVER, 443, 6, 0x10, "x", 1);
    feed(T0 + 60.4, CLIENT, 40001, SERVER, 80, 6, 0x11, NULL, 0);
    feed(T0 + 60.5, SERVER, 80, CLIENT, 40001, 6, 0x11, NULL, 0); /* both FINs: 5 s from here */
    ck_assert_uint_eq(count_type("flow"), 0);
    feed(T0 + 61, CLIENT, 40000, SERVER, 443, 6, 0x10, "x", 1);
    ck_assert_uint_eq(count_type("flow"), 1); /* the UDP flow, idle 60 s */
    ck_assert_str_eq(str_at(nth_of_type("flow", 0), "proto"), "UDP");
    feed(T0 + 65.4, CLIENT, 40000, SERVER, 443, 6, 0x10, "x", 1);
    ck_assert_uint_eq(count_type("flow"), 1);
    feed(T0 + 65.6, CLIENT, 40000, SERVER, 443, 6, 0x10, "x", 1);
    ck_assert_uint_eq(count_type("flow"), 2); /* the closed one */
    ck_assert_int_eq(json_integer_value(json_object_get(nth_of_type("flow", 1), "dest_port")), 80);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), 3);
}
END_TEST

START_TEST(syn_on_closed_tuple_is_a_new_flow)
{
    start();
    feed(T0, CLIENT, 40000, SERVER, 80, 6, 0x02, NULL, 0);
    feed(T0 + 0.01, SERVER, 80, CLIENT, 40000, 6, 0x14, NULL, 0);
    feed(T0 + 1, CLIENT, 40000, SERVER, 80, 6, 0x02, NULL, 0);
    ck_assert_uint_eq(count_type("flow"), 1);
    ck_assert_uint_eq(eng->c.tcp_reused, 1);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), 2);
}
END_TEST

START_TEST(memcap_evicts_oldest_and_counts)
{
    cfg.flow_memcap = 64 * 1024;
    start();
    uint32_t cap = sl_flow_capacity(eng->flows);
    ck_assert_uint_gt(cap, 100);
    uint32_t n = cap + 50;
    for (uint32_t i = 0; i < n; i++)
        feed(T0 + i * 0.001, CLIENT, (uint16_t)(1024 + i), SERVER, 9, 17, 0, "x", 1);
    sluice_stats st;
    sluice_engine_stats(eng, &st);
    ck_assert_uint_eq(st.flows_evicted, 50);
    ck_assert_uint_eq(st.flows_active, cap);
    /* Every evicted flow still wrote its event, and they were the oldest ones. */
    ck_assert_uint_eq(count_type("flow"), 50);
    json_t *first = nth_of_type("flow", 0);
    ck_assert_int_eq(json_integer_value(json_object_get(first, "src_port")), 1024);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(first, "flow"), "reason")),
                     "forced");
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), n);
}
END_TEST

START_TEST(time_going_backwards_is_counted_not_fatal)
{
    start();
    feed(T0 + 100, CLIENT, 5000, SERVER, 53, 17, 0, "a", 1);
    feed(T0, CLIENT, 5000, SERVER, 53, 17, 0, "b", 1); /* 100 s earlier */
    ck_assert_uint_eq(eng->c.clock_backwards, 1);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), 1);
    ck_assert_int_eq(flow_int(nth_of_type("flow", 0), "pkts_toserver"), 2);
}
END_TEST

/* A BitTorrent peer-wire handshake (BEP 3): what nDPI recognises from payload. */
static size_t bt_handshake(uint8_t *out, uint8_t idbyte)
{
    size_t n = 0;
    out[n++] = 19;
    memcpy(out + n, "BitTorrent protocol", 19);
    n += 19;
    memset(out + n, 0, 8);
    n += 8;
    memset(out + n, 0xab, 20); /* info_hash */
    n += 20;
    memcpy(out + n, "-qB4650-", 8);
    memset(out + n + 8, idbyte, 12);
    n += 20;
    return n;
}

START_TEST(bittorrent_alert_when_classified_not_at_flow_end)
{
    start();
    uint8_t hs[68];
    ck_assert_uint_eq(bt_handshake(hs, 'A'), 68);
    feed(T0, CLIENT, 51413, SERVER, 6881, 6, 0x02, NULL, 0);
    feed(T0 + 0.01, SERVER, 6881, CLIENT, 51413, 6, 0x12, NULL, 0);
    feed(T0 + 0.02, CLIENT, 51413, SERVER, 6881, 6, 0x10, NULL, 0);
    feed(T0 + 0.03, CLIENT, 51413, SERVER, 6881, 6, 0x18, hs, sizeof(hs));
    bt_handshake(hs, 'B');
    feed(T0 + 0.04, SERVER, 6881, CLIENT, 51413, 6, 0x18, hs, sizeof(hs));
    /* The session alert at the first handshake, the handshake alert once both are seen. */
    ck_assert_uint_eq(count_type("alert"), 2);
    ck_assert_uint_eq(count_type("flow"), 0); /* the flow has not ended */
    json_t *ev = nth_of_type("alert", 0);
    json_t *alert = json_object_get(ev, "alert");
    ck_assert_int_eq(json_integer_value(json_object_get(alert, "signature_id")), 2290001);
    ck_assert_int_eq(json_integer_value(json_object_get(alert, "severity")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(alert, "signature")),
                     "SLUICE P2P BitTorrent session detected");
    json_t *p2p = json_object_get(ev, "p2p");
    ck_assert_str_eq(json_string_value(json_object_get(p2p, "protocol")), "bittorrent");
    ck_assert_str_eq(json_string_value(json_object_get(p2p, "detection")), "session");
    json_t *bt = json_object_get(p2p, "bittorrent");
    ck_assert_str_eq(json_string_value(json_object_get(bt, "info_hash")),
                     "abababababababababababababababababababab");
    json_t *cl = json_object_get(bt, "client");
    ck_assert_str_eq(json_string_value(json_object_get(cl, "peer_id")), "-qB4650-AAAAAAAAAAAA");
    ck_assert_str_eq(json_string_value(json_object_get(cl, "client")), "qBittorrent");
    ck_assert_ptr_null(json_object_get(bt, "server")); /* its handshake has not come yet */
    json_t *hsa = nth_of_type("alert", 1);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(hsa, "alert"), "signature_id")),
        2292001);
    json_t *srv =
        json_object_get(json_object_get(json_object_get(hsa, "p2p"), "bittorrent"), "server");
    ck_assert_str_eq(json_string_value(json_object_get(srv, "peer_id")), "-qB4650-BBBBBBBBBBBB");
    ck_assert_str_eq(str_at(ev, "app_proto"), "bittorrent");
    ck_assert_str_eq(str_at(ev, "src_ip"), "192.168.1.10");
    ck_assert_int_eq(json_integer_value(json_object_get(ev, "dest_port")), 6881);
    json_t *mitre = json_object_get(json_object_get(alert, "metadata"), "mitre_technique_id");
    ck_assert_str_eq(json_string_value(json_array_get(mitre, 0)), "T1048");

    /* The flow event later names the same flow and says it alerted. */
    sluice_engine_flush(eng);
    json_t *fl = nth_of_type("flow", 0);
    ck_assert_int_eq(json_integer_value(json_object_get(fl, "flow_id")),
                     json_integer_value(json_object_get(ev, "flow_id")));
    ck_assert_str_eq(str_at(fl, "community_id"), str_at(ev, "community_id"));
    ck_assert(json_is_true(json_object_get(json_object_get(fl, "flow"), "alerted")));
    ck_assert_uint_eq(count_type("alert"), 2); /* nothing more at flow end */
}
END_TEST

START_TEST(plain_traffic_raises_no_alert)
{
    start();
    static const char get[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    feed(T0, CLIENT, 40000, SERVER, 80, 6, 0x02, NULL, 0);
    feed(T0 + 0.01, SERVER, 80, CLIENT, 40000, 6, 0x12, NULL, 0);
    feed(T0 + 0.02, CLIENT, 40000, SERVER, 80, 6, 0x18, get, sizeof(get) - 1);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("alert"), 0);
    json_t *fl = nth_of_type("flow", 0);
    ck_assert_str_eq(str_at(fl, "app_proto"), "http");
}
END_TEST

START_TEST(stats_event_counts_decode_failures_by_reason)
{
    start();
    /* An ARP frame and a frame cut inside its IPv4 header. */
    uint8_t arp[42] = {0};
    arp[12] = 0x08;
    arp[13] = 0x06;
    sluice_packet p = {(int64_t)T0, 0, 1, arp, sizeof(arp), sizeof(arp)};
    sluice_engine_packet(eng, &p);
    size_t len = feed(T0, CLIENT, 5000, SERVER, 53, 17, 0, "q", 1);
    sluice_packet cut = {(int64_t)T0, 0, 1, frame, 14 + 10, (uint32_t)len};
    sluice_engine_packet(eng, &cut);
    sluice_engine_flush(eng);
    sluice_engine_write_stats(eng);
    json_t *st = json_object_get(nth_of_type("stats", 0), "stats");
    json_t *dec = json_object_get(st, "decoder");
    ck_assert_int_eq(json_integer_value(json_object_get(dec, "pkts")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(dec, "invalid")), 2);
    json_t *evs = json_object_get(dec, "event");
    ck_assert_int_eq(json_integer_value(json_object_get(evs, "ethertype.unknown")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(evs, "ipv4.truncated")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(st, "flow"), "created")),
                     1);
}
END_TEST

START_TEST(timestamps_before_1970_and_at_epoch)
{
    char buf[SL_TS_LEN];
    sl_format_ts(0, buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000+0000");
    sl_format_ts(-1, buf);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59.999999+0000");
    sl_format_ts(1709294400123456LL, buf);
    ck_assert_str_eq(buf, "2024-03-01T12:00:00.123456+0000");
    sl_format_ts(951782400000000LL, buf); /* a leap day of a century divisible by 400 */
    ck_assert_str_eq(buf, "2000-02-29T00:00:00.000000+0000");
    sl_format_ts(-62135596800000000LL, buf);
    ck_assert_str_eq(buf, "0001-01-01T00:00:00.000000+0000");
    sl_format_ts(253402300799999999LL, buf);
    ck_assert_str_eq(buf, "9999-12-31T23:59:59.999999+0000");
    sl_format_ts(253402300800000000LL, buf); /* year 10000: not four digits */
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000+0000");
    sl_format_ts(INT64_MIN, buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000+0000");
    /* The hand-rolled calendar agrees with gmtime_r from year 0 to 9999. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t us = (int64_t)(x % 315537897600000000ull) - 62167219200000000LL;
        sl_format_ts(us, buf);
        int64_t sec = us / 1000000, frac = us % 1000000;
        if (frac < 0)
            frac += 1000000, sec--;
        time_t t = (time_t)sec;
        struct tm tm;
        ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
        char want[SL_TS_LEN];
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
        ck_assert_msg(!strcmp(buf, want), "%lld: %s, gmtime says %s", (long long)us, buf, want);
    }
}
END_TEST

static json_int_t ndpi_stat(const char *key)
{
    sluice_engine_write_stats(eng);
    json_t *st = json_object_get(nth_of_type("stats", count_type("stats") - 1), "stats");
    return json_integer_value(json_object_get(json_object_get(st, "ndpi"), key));
}

START_TEST(quiet_flow_gives_back_its_ndpi_state)
{
    cfg.timeout_udp = 60;
    cfg.ndpi_idle_giveup = _i ? 15 : 0; /* loop 0: off, state held to the flow's end */
    start();
    feed(T0, CLIENT, 40001, SERVER, 51413, 17, 0, "\x01\x02\x03", 3); /* nobody answers */
    feed(T0 + 10, CLIENT, 40002, SERVER, 40003, 17, 0, "\x04\x05\x06", 3);
    ck_assert_int_eq(ndpi_stat("states_in_use"), 2);
    /* 16 s on, the first flow has been quiet past ndpi.idle_giveup, the second has not. */
    feed(T0 + 16, CLIENT, 40002, SERVER, 40003, 17, 0, "\x07\x08\x09", 3);
    ck_assert_int_eq(ndpi_stat("states_in_use"), _i ? 1 : 2);
    ck_assert_int_eq(ndpi_stat("quiet_giveups"), _i ? 1 : 0);
    ck_assert_uint_eq(count_type("flow"), 0); /* the flows themselves go on */
    /* nDPI's port guess (BitTorrent's 51413) is judged when classification ends, not later. */
    size_t at_quiet = count_sid(2291001);
    ck_assert_uint_eq(at_quiet, _i ? 1 : 0);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), 2);
    ck_assert_uint_eq(count_sid(2291001), 1); /* once either way */
    ck_assert_int_eq(ndpi_stat("states_in_use"), 0);
}
END_TEST

START_TEST(p2p_verdict_ends_classification_unless_all)
{
    /*
     * nDPI names a DHT flow BitTorrent at its first query and, asked, goes on looking for an
     * info hash.  unnamed: a P2P verdict names the application, so classification ends there.
     */
    snprintf(cfg.ndpi_extra_dissection, sizeof(cfg.ndpi_extra_dissection), "%s",
             _i ? "all" : "unnamed");
    cfg.ndpi_defer = false; /* nDPI's own course, not cut short by the DHT dissector */
    start();
    static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    static const char pong[] = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
    for (int k = 0; k < 4; k++) {
        feed(T0 + k, CLIENT, 40000, SERVER, 6881, 17, 0, ping, sizeof(ping) - 1);
        feed(T0 + k + 0.1, SERVER, 6881, CLIENT, 40000, 17, 0, pong, sizeof(pong) - 1);
    }
    sluice_engine_flush(eng);
    json_t *ndpi = json_object_get(nth_of_type("flow", 0), "ndpi");
    ck_assert_str_eq(json_string_value(json_object_get(ndpi, "protocol")), "BitTorrent");
    ck_assert_int_eq(json_integer_value(json_object_get(ndpi, "packets")), (_i ? 8 : 1));
}
END_TEST

START_TEST(syn_retries_do_not_reach_ndpi)
{
    /*
     * An unanswered connection, its SYN sent three times: nDPI sees the first, not the
     * retries (its verdict is the same: it wiped its state at each); a connection whose
     * second SYN is answered gives nDPI its SYN, the SYN-ACK and the ACK.
     */
    start();
    for (int k = 0; k < 3; k++)
        feed(T0 + k, CLIENT, 40000, SERVER, 6881, 6, 0x02, NULL, 0);
    feed(T0 + 10, CLIENT, 40001, SERVER, 6881, 6, 0x02, NULL, 0);
    feed(T0 + 11, CLIENT, 40001, SERVER, 6881, 6, 0x02, NULL, 0);
    feed(T0 + 11.1, SERVER, 6881, CLIENT, 40001, 6, 0x12, NULL, 0);
    feed(T0 + 11.2, CLIENT, 40001, SERVER, 6881, 6, 0x10, NULL, 0);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), 2);
    for (size_t k = 0; k < 2; k++) {
        json_t *fl = nth_of_type("flow", k);
        json_t *ndpi = json_object_get(fl, "ndpi");
        bool retried = json_integer_value(json_object_get(fl, "src_port")) == 40000;
        /* The retried flow: its first SYN only.  The answered one: SYN, SYN-ACK, ACK. */
        ck_assert_int_eq(json_integer_value(json_object_get(ndpi, "packets")), retried ? 1 : 3);
        /* What nDPI makes of either with the retries too: nothing, and no port guess. */
        ck_assert_str_eq(json_string_value(json_object_get(ndpi, "protocol")), "Unknown");
        ck_assert(json_is_false(json_object_get(ndpi, "guessed")));
    }
}
END_TEST

START_TEST(dissector_verdict_stops_ndpi_unless_told_not_to)
{
    /*
     * ndpi.defer_to_dissectors: the DHT dissector parses the first query, and nDPI never sees
     * the flow; false: nDPI classifies it as it would alone.  Either way it is one P2P session.
     */
    cfg.ndpi_defer = _i == 0;
    start();
    static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    static const char pong[] = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
    feed(T0, CLIENT, 40000, SERVER, 6881, 17, 0, ping, sizeof(ping) - 1);
    feed(T0 + 0.1, SERVER, 6881, CLIENT, 40000, 17, 0, pong, sizeof(pong) - 1);
    ck_assert_int_eq(ndpi_stat("by_dissector"), _i ? 0 : 1);
    ck_assert_int_eq(ndpi_stat("states_in_use"), 0);
    sluice_engine_flush(eng);
    json_t *fl = nth_of_type("flow", 0);
    json_t *ndpi = json_object_get(fl, "ndpi");
    ck_assert_str_eq(json_string_value(json_object_get(ndpi, "protocol")), "BitTorrent");
    ck_assert_int_eq(json_integer_value(json_object_get(ndpi, "packets")), _i ? 1 : 0);
    if (_i)
        ck_assert_ptr_null(json_object_get(ndpi, "deferred_to_dissector"));
    else
        ck_assert_str_eq(json_string_value(json_object_get(ndpi, "deferred_to_dissector")), "dht");
    ck_assert_str_eq(str_at(fl, "app_proto"), "bittorrent");
    ck_assert_uint_eq(count_sid(2290001), 1);
    ck_assert_int_eq(ndpi_stat("classified"), _i ? 1 : 0);
}
END_TEST

static json_t *stats_ndpi(void)
{
    sluice_engine_write_stats(eng);
    json_t *st = json_object_get(nth_of_type("stats", count_type("stats") - 1), "stats");
    return json_object_get(st, "ndpi");
}

START_TEST(bittorrent_cache_names_the_swarms_next_flow)
{
    /*
     * A DHT exchange the dissector settles (nDPI never sees it), then datagrams nDPI cannot
     * name: to the same peer's port 1 (as a client's uTP SYN to a peer that gave port 1), to
     * it on a high port, and to a third host.  sluice's BitTorrent cache names the first at
     * once and the second when nDPI gives up with nothing, a guess from the endpoints, as
     * nDPI's own cache would have had nDPI seen the DHT flow; the third stays unnamed.  With
     * the option off nDPI keeps its own cache and sluice's is not made.
     */
    cfg.ndpi_defer = _i == 0;
    start();
    static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    static const char pong[] = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
    const uint32_t third = IP(198, 51, 100, 7);
    feed(T0, CLIENT, 40000, SERVER, 6881, 17, 0, ping, sizeof(ping) - 1);
    feed(T0 + 0.1, SERVER, 6881, CLIENT, 40000, 17, 0, pong, sizeof(pong) - 1);
    feed(T0 + 1, CLIENT, 40100, SERVER, 1, 17, 0, "\x01\x02\x03", 3);
    feed(T0 + 1.1, CLIENT, 40200, SERVER, 40201, 17, 0, "\x01\x02\x03", 3);
    feed(T0 + 1.2, CLIENT, 40300, third, 40301, 17, 0, "\x01\x02\x03", 3);
    json_t *btc = json_object_get(stats_ndpi(), "bittorrent_cache");
    if (_i) {
        ck_assert_ptr_null(btc);
        return;
    }
    ck_assert_int_eq(json_integer_value(json_object_get(btc, "entries")), 32768);
    ck_assert_int_eq(json_integer_value(json_object_get(btc, "hits")), 1); /* port 1, at once */
    sluice_engine_flush(eng);
    btc = json_object_get(stats_ndpi(), "bittorrent_cache");
    ck_assert_int_eq(json_integer_value(json_object_get(btc, "hits")), 2);
    /* Only the DHT flow's four keys: the flows the cache named do not feed it. */
    ck_assert_int_eq(json_integer_value(json_object_get(btc, "inserted")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(btc, "evicted")), 0);
    ck_assert_uint_eq(count_type("flow"), 4);
    for (size_t k = 0; k < 4; k++) {
        json_t *fl = nth_of_type("flow", k);
        json_t *ndpi = json_object_get(fl, "ndpi");
        const char *proto = json_string_value(json_object_get(ndpi, "protocol"));
        const char *conf = json_string_value(json_object_get(ndpi, "confidence"));
        bool guessed = json_is_true(json_object_get(ndpi, "guessed"));
        switch (json_integer_value(json_object_get(fl, "src_port"))) {
        case 40000: /* the DHT flow itself */
            ck_assert_str_eq(conf, "dpi");
            break;
        case 40100:
            ck_assert_str_eq(proto, "BitTorrent");
            ck_assert_str_eq(conf, "dpi-cache");
            ck_assert(!guessed);
            ck_assert_int_eq(json_integer_value(json_object_get(ndpi, "packets")), 1);
            break;
        case 40200:
            ck_assert_str_eq(proto, "BitTorrent");
            ck_assert_str_eq(conf, "dpi-cache");
            ck_assert(guessed);
            break;
        default:
            ck_assert_str_eq(proto, "Unknown");
        }
    }
    /* Named at once, from the cache nDPI would consult: a session; at give-up: an indicator. */
    ck_assert_uint_eq(count_sid(2290001), 2);
    ck_assert_uint_eq(count_sid(2291001), 1);
}
END_TEST

/* A Gnutella message alone in a datagram: GUID, type, TTL, hops, payload length (LE). */
static size_t gnutella_msg(uint8_t *out, uint8_t type, const char *body, size_t n)
{
    memset(out, 0x5d, 16);
    out[16] = type;
    out[17] = 1; /* TTL */
    out[18] = 0; /* hops */
    out[19] = (uint8_t)n;
    out[20] = out[21] = out[22] = 0;
    memcpy(out + 23, body, n);
    return 23 + n;
}

START_TEST(gnutella_over_udp_is_a_session_nobody_else_names)
{
    /* nDPI 4.2 names no Gnutella datagram: a query out, a pong back (GUESS). */
    start();
    uint8_t q[64], pong[64];
    static const char query[] = "\x00\x00linux iso"; /* minimum speed, search text, NUL */
    static const char pong_body[] = "\x19\x49\x0a\x00\x00\x07"; /* port, address */
    size_t nq = gnutella_msg(q, 0x80, query, sizeof(query));
    size_t np = gnutella_msg(pong, 0x01, pong_body, sizeof(pong_body) - 1);
    feed(T0, CLIENT, 28681, SERVER, 6346, 17, 0, q, nq);
    feed(T0 + 0.2, SERVER, 6346, CLIENT, 28681, 17, 0, pong, np);
    ck_assert_uint_eq(count_sid(2290003), 1);
    json_t *p2p = json_object_get(nth_of_type("alert", 0), "p2p");
    ck_assert_str_eq(json_string_value(json_object_get(p2p, "protocol")), "gnutella");
    ck_assert_str_eq(json_string_value(json_object_get(p2p, "evidence")), "message");
    sluice_engine_flush(eng);
    json_t *fl = nth_of_type("flow", 0);
    ck_assert_str_eq(str_at(fl, "app_proto"), "gnutella");
    json_t *g = json_object_get(json_object_get(fl, "p2p"), "gnutella");
    ck_assert_str_eq(json_string_value(json_object_get(g, "transport")), "udp");
    json_t *cl = json_object_get(g, "client"), *sv = json_object_get(g, "server");
    ck_assert_int_eq(json_integer_value(json_object_get(cl, "messages")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(cl, "first_message")), "query");
    ck_assert_str_eq(json_string_value(json_object_get(sv, "first_message")), "pong");
    /* The same bytes with a payload length one short of the datagram: not Gnutella. */
    q[19]--;
    feed(T0 + 1, CLIENT, 28682, SERVER, 6347, 17, 0, q, nq);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_sid(2290003), 1);
}
END_TEST

START_TEST(quiet_giveup_is_at_most_a_second_late)
{
    /* A state moves in the quiet order at most once a second of packet time (classify.c). */
    cfg.timeout_udp = 60;
    start();
    feed(T0, CLIENT, 40001, SERVER, 40011, 17, 0, "\x01\x02\x03", 3);       /* A */
    feed(T0 + 0.2, CLIENT, 40002, SERVER, 40012, 17, 0, "\x04\x05\x06", 3); /* B */
    feed(T0 + 0.9, CLIENT, 40001, SERVER, 40011, 17, 0, "\x07\x08\x09", 3); /* A: stays ahead */
    feed(T0 + 5, CLIENT, 40001, SERVER, 40011, 17, 0, "\x0a\x0b\x0c", 3);   /* A: moves behind B */
    feed(T0 + 10, CLIENT, 40003, SERVER, 40013, 17, 0, "\x0d\x0e\x0f", 3);  /* C */
    ck_assert_int_eq(ndpi_stat("states_in_use"), 3);
    /* B has been quiet 15 s from T0 + 15.2 on: not before, and no later than a second after. */
    feed(T0 + 15.1, CLIENT, 40003, SERVER, 40013, 17, 0, "\x10", 1);
    ck_assert_int_eq(ndpi_stat("states_in_use"), 3);
    feed(T0 + 16.2, CLIENT, 40003, SERVER, 40013, 17, 0, "\x11", 1);
    ck_assert_int_eq(ndpi_stat("states_in_use"), 2);
    ck_assert_int_eq(ndpi_stat("quiet_giveups"), 1);
}
END_TEST

/* A DNS query for `name` (dotted) or its answer (one A record), as UDP payload. */
static size_t dns_message(uint8_t *out, const char *name, bool answer)
{
    static const uint8_t query_head[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t n = sizeof(query_head);
    memcpy(out, query_head, n);
    if (answer) {
        out[2] = 0x81;
        out[3] = 0x80;
        out[7] = 1; /* one answer */
    }
    for (const char *label = name; *label;) {
        const char *dot = strchr(label, '.');
        size_t len = dot ? (size_t)(dot - label) : strlen(label);
        out[n++] = (uint8_t)len;
        memcpy(out + n, label, len);
        n += len;
        label += len + (dot != NULL);
    }
    static const uint8_t tail[] = {0, 0, 1, 0, 1}; /* root, type A, class IN */
    memcpy(out + n, tail, sizeof(tail));
    n += sizeof(tail);
    if (answer) {
        static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0,   1,   0, 0,
                                     0x0e, 0x10, 0, 4, 142, 250, 1, 1};
        memcpy(out + n, rr, sizeof(rr));
        n += sizeof(rr);
    }
    return n;
}

START_TEST(extra_dissection_only_while_the_verdict_is_unnamed)
{
    /*
     * nDPI names a DNS flow at its query and, asked, waits for the answer.
     * unnamed: a query whose name already names the application (DNS.Google)
     * is done at the query; one that leaves it "DNS" goes on to the answer.
     */
    static const struct {
        const char *mode, *name, *protocol;
        int packets;
    } v[] = {
        {"all", "www.google.com", "DNS.Google", 2},     {"all", "example.org", "DNS", 2},
        {"unnamed", "www.google.com", "DNS.Google", 1}, {"unnamed", "example.org", "DNS", 2},
        {"none", "www.google.com", "DNS.Google", 1},    {"none", "example.org", "DNS", 1},
    };
    snprintf(cfg.ndpi_extra_dissection, sizeof(cfg.ndpi_extra_dissection), "%s", v[_i].mode);
    start();
    uint8_t msg[256];
    size_t n = dns_message(msg, v[_i].name, false);
    feed(T0, CLIENT, 40000, SERVER, 53, 17, 0, msg, n);
    n = dns_message(msg, v[_i].name, true);
    feed(T0 + 0.01, SERVER, 53, CLIENT, 40000, 17, 0, msg, n);
    sluice_engine_flush(eng);
    ck_assert_uint_eq(count_type("flow"), 1);
    json_t *ndpi = json_object_get(nth_of_type("flow", 0), "ndpi");
    ck_assert_str_eq(json_string_value(json_object_get(ndpi, "protocol")), v[_i].protocol);
    ck_assert_int_eq(json_integer_value(json_object_get(ndpi, "packets")), v[_i].packets);
}
END_TEST

Suite *suite_engine(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("flows");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, quiet_flow_gives_back_its_ndpi_state, 0, 2);
    tcase_add_test(tc, udp_flow_times_out_with_counts);
    tcase_add_test(tc, syn_ack_first_makes_its_receiver_the_client);
    tcase_add_test(tc, tcp_ends_on_fin_and_rst);
    tcase_add_test(tc, later_flow_with_shorter_timeout_ends_on_time);
    tcase_add_test(tc, syn_on_closed_tuple_is_a_new_flow);
    tcase_add_test(tc, memcap_evicts_oldest_and_counts);
    tcase_add_test(tc, time_going_backwards_is_counted_not_fatal);
    tcase_add_test(tc, bittorrent_alert_when_classified_not_at_flow_end);
    tcase_add_test(tc, plain_traffic_raises_no_alert);
    tcase_add_test(tc, stats_event_counts_decode_failures_by_reason);
    tcase_add_test(tc, timestamps_before_1970_and_at_epoch);
    tcase_add_loop_test(tc, extra_dissection_only_while_the_verdict_is_unnamed, 0, 6);
    tcase_add_test(tc, quiet_giveup_is_at_most_a_second_late);
    tcase_add_loop_test(tc, p2p_verdict_ends_classification_unless_all, 0, 2);
    tcase_add_test(tc, syn_retries_do_not_reach_ndpi);
    tcase_add_loop_test(tc, dissector_verdict_stops_ndpi_unless_told_not_to, 0, 2);
    tcase_add_loop_test(tc, bittorrent_cache_names_the_swarms_next_flow, 0, 2);
    tcase_add_test(tc, gnutella_over_udp_is_a_session_nobody_else_names);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}
