/*
 * check_egress.c - the egress tracker: window arithmetic on its own
 * (boundaries, time going backwards, long idle gaps, multi-terabyte totals),
 * then the engine on crafted bulk packets: each alert fires at the packet
 * that crosses its threshold, and not otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "egress.h"
#include "engine.h"
#include "harness.h"
#include "suites.h"

#define MIB (1024ull * 1024)
#define TIB (1024ull * 1024 * MIB)

/* ---- window arithmetic ---- */

START_TEST(epoch_is_floor_division)
{
    /* An 8 s window has 1 s buckets. */
    ck_assert_int_eq(sl_ewin_epoch(0, 8), 0);
    ck_assert_int_eq(sl_ewin_epoch(999999, 8), 0);
    ck_assert_int_eq(sl_ewin_epoch(1000000, 8), 1);
    ck_assert_int_eq(sl_ewin_epoch(-1, 8), -1); /* before 1970 */
    ck_assert_int_eq(sl_ewin_epoch(-1000000, 8), -1);
    ck_assert_int_eq(sl_ewin_epoch(-1000001, 8), -2);
    /* 5 min: buckets of 37.5 s. */
    ck_assert_int_eq(sl_ewin_epoch(37500000, 300), 1);
    ck_assert_int_eq(sl_ewin_epoch(37499999, 300), 0);
}
END_TEST

START_TEST(window_drops_buckets_that_leave_it)
{
    struct sl_ewin w;
    memset(&w, 0, sizeof(w));
    for (int64_t k = 0; k < SL_EGRESS_BUCKETS; k++)
        ck_assert(sl_ewin_add(&w, k, 10, 1, 0));
    ck_assert_uint_eq(w.sum.out, 80);
    ck_assert_uint_eq(w.sum.in, 8);
    sl_ewin_advance(&w, 8); /* bucket 0 leaves */
    ck_assert_uint_eq(w.sum.out, 70);
    sl_ewin_advance(&w, 8); /* the same epoch again changes nothing */
    ck_assert_uint_eq(w.sum.out, 70);
    sl_ewin_advance(&w, 10); /* 1 and 2 leave */
    ck_assert_uint_eq(w.sum.out, 50);
    ck_assert_uint_eq(w.sum.in, 5);
}
END_TEST

START_TEST(time_going_backwards)
{
    struct sl_ewin w;
    memset(&w, 0, sizeof(w));
    ck_assert(sl_ewin_add(&w, 100, 5, 0, 0));
    /* Older but still inside the window: counted in its own bucket. */
    ck_assert(sl_ewin_add(&w, 95, 7, 0, 0));
    ck_assert_int_eq(w.head, 100);
    ck_assert_uint_eq(w.sum.out, 12);
    /* Older than the oldest bucket (93..100): outside the window, not counted. */
    ck_assert(!sl_ewin_add(&w, 92, 1000, 0, 0));
    ck_assert_uint_eq(w.sum.out, 12);
    /* Bucket 95 leaves when the window reaches 103; bucket 100 stays. */
    sl_ewin_advance(&w, 103);
    ck_assert_uint_eq(w.sum.out, 5);
}
END_TEST

START_TEST(long_idle_gap_empties_the_window)
{
    struct sl_ewin w;
    memset(&w, 0, sizeof(w));
    for (int64_t k = 0; k < 5; k++)
        sl_ewin_add(&w, k, 100, 100, 100);
    ck_assert(sl_ewin_add(&w, 1000000, 1, 2, 3)); /* years later */
    ck_assert_uint_eq(w.sum.out, 1);
    ck_assert_uint_eq(w.sum.in, 2);
    ck_assert_uint_eq(w.sum.p2p, 3);
    uint64_t total = 0;
    for (int i = 0; i < SL_EGRESS_BUCKETS; i++)
        total += w.b[i].out;
    ck_assert_uint_eq(total, 1);
}
END_TEST

START_TEST(multi_terabyte_totals_and_saturation)
{
    struct sl_ewin w;
    memset(&w, 0, sizeof(w));
    /* 5 TiB in 5 GiB steps spread over the window: exact, no 32-bit truncation anywhere. */
    for (int i = 0; i < 1024; i++)
        sl_ewin_add(&w, i % SL_EGRESS_BUCKETS, 5 * 1024 * MIB, 0, 0);
    ck_assert_uint_eq(w.sum.out, 5 * TIB);
    /* At the top of uint64 the sum saturates instead of wrapping to a small number. */
    sl_ewin_add(&w, 7, UINT64_MAX - 10, 0, 0);
    ck_assert_uint_eq(w.sum.out, UINT64_MAX);
    ck_assert_uint_eq(w.b[7].out, UINT64_MAX);
    /* And stays saturated as buckets leave: it no longer knows what it holds. */
    sl_ewin_advance(&w, 8);
    ck_assert_uint_eq(w.sum.out, UINT64_MAX);
    sl_ewin_advance(&w, 100);
    ck_assert_uint_eq(w.sum.out, 0);
}
END_TEST

/* ---- the engine ---- */

#define EXT2 IP(198, 51, 100, 7)
#define PKT  64000u /* IP bytes of each bulk packet */

static void windows(const char *spec)
{
    sluice_error err;
    char set[128];
    snprintf(set, sizeof(set), "egress.windows=%s", spec);
    ck_assert_msg(sl_config_set(&cfg, set, &err) == 0, "%s", err.text);
}

static json_t *egress_of(json_t *ev)
{
    return json_object_get(ev, "egress");
}

static json_int_t eg_int(json_t *ev, const char *key)
{
    return json_integer_value(json_object_get(egress_of(ev), key));
}

START_TEST(flow_upload_alerts_at_the_crossing_packet_and_each_doubling)
{
    cfg.egress_flow_upload_bytes = 1 * MIB;
    windows("");
    cfg.egress_asym_ratio = 0;
    cfg.egress_fanout = 0;
    start();
    feed(T0, CLIENT, 40000, SERVER, 443, 6, 0x02, NULL, 0);
    /* 70 packets of 64000 bytes: 1 MiB at the 17th, 2 MiB at the 33rd, 4 MiB at the 66th. */
    size_t first = 0, second = 0, third = 0;
    for (unsigned i = 1; i <= 70; i++) {
        size_t before = count_sid(2293001);
        feed_big(T0 + i * 0.001, CLIENT, 40000, SERVER, 443, PKT);
        if (count_sid(2293001) > before) {
            if (!first)
                first = i;
            else if (!second)
                second = i;
            else
                third = i;
        }
    }
    /* The SYN is 40 IP bytes; packet i brings the upload to 40 + i * 64000. */
    ck_assert_uint_eq(first, (1 * MIB - 40 + PKT - 1) / PKT);
    ck_assert_uint_eq(second, (2 * MIB - 40 + PKT - 1) / PKT);
    ck_assert_uint_eq(third, (4 * MIB - 40 + PKT - 1) / PKT);
    ck_assert_uint_eq(count_sid(2293001), 3);
    json_t *a = nth_sid(2293001, 1);
    ck_assert_str_eq(json_string_value(json_object_get(egress_of(a), "trigger")), "flow-upload");
    ck_assert_int_eq(eg_int(a, "threshold"), 2 * MIB);
    ck_assert_int_eq(eg_int(a, "bytes_out"), 40 + second * PKT);
    ck_assert_str_eq(json_string_value(json_object_get(egress_of(a), "internal_ip")),
                     "192.168.1.10");
    ck_assert_str_eq(json_string_value(json_object_get(egress_of(a), "external_ip")),
                     "203.0.113.5");
    json_t *al = json_object_get(a, "alert");
    ck_assert_int_eq(json_integer_value(json_object_get(al, "severity")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(al, "category")),
                     "Attempted Information Leak");
    /* The flow event's egress object agrees with its counters. */
    sluice_engine_flush(eng);
    json_t *fl = nth_of_type("flow", 0);
    ck_assert_int_eq(eg_int(fl, "bytes_out"), flow_int(fl, "bytes_toserver"));
    ck_assert_int_eq(eg_int(fl, "packets_out"), 71);
    ck_assert_int_eq(eg_int(fl, "bytes_in"), 0);
}
END_TEST

START_TEST(no_repeat_when_doubling_is_off)
{
    cfg.egress_flow_upload_bytes = 1 * MIB;
    cfg.egress_flow_repeat = false;
    start();
    for (unsigned i = 0; i < 100; i++)
        feed_big(T0 + i * 0.001, CLIENT, 40000, SERVER, 443, PKT);
    ck_assert_uint_eq(count_sid(2293001), 1);
}
END_TEST

START_TEST(downloads_and_internal_or_transit_flows_do_not_alert)
{
    cfg.egress_flow_upload_bytes = 1 * MIB;
    windows("1h:1MiB");
    cfg.egress_asym_min_bytes = 1 * MIB;
    start();
    for (unsigned i = 0; i < 100; i++) {
        feed_big(T0 + i * 0.01, SERVER, 443, CLIENT, 40000, PKT);                  /* download */
        feed_big(T0 + i * 0.01, CLIENT, 40001, IP(192, 168, 1, 11), 22, PKT);      /* internal */
        feed_big(T0 + i * 0.01, SERVER, 40002, EXT2, 22, PKT);                     /* transit */
        feed_big(T0 + i * 0.01, CLIENT, 40003, IP(239, 192, 152, 143), 6771, PKT); /* multicast */
    }
    ck_assert_uint_eq(count_type("alert"), 0);
    sluice_engine_flush(eng);
    sluice_engine_write_stats(eng);
    json_t *st = json_object_get(nth_of_type("stats", 0), "stats");
    json_t *eg = json_object_get(st, "egress");
    ck_assert_int_eq(json_integer_value(json_object_get(eg, "tracked_flows")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(eg, "bytes_in")), 100 * PKT);
    ck_assert_int_eq(json_integer_value(json_object_get(eg, "bytes_out")), 0);
}
END_TEST

START_TEST(host_budget_once_per_episode_then_again_after_it_drains)
{
    cfg.egress_flow_upload_bytes = 0;
    cfg.egress_asym_ratio = 0;
    cfg.egress_fanout = 0;
    windows("8s:1MiB"); /* 1 s buckets */
    start();
    /* Two flows of the same host to two destinations share the host's budget. */
    unsigned crossing = 0;
    for (unsigned i = 1; i <= 30; i++) {
        size_t before = count_sid(2293002);
        feed_big(T0 + i * 0.01, CLIENT, 40000 + (i & 1), (i & 1) ? SERVER : EXT2, 443, PKT);
        if (count_sid(2293002) > before && !crossing)
            crossing = i;
    }
    ck_assert_uint_eq(crossing, (1 * MIB + PKT - 1) / PKT);
    ck_assert_uint_eq(count_sid(2293002), 1); /* still over budget: no repeat */
    json_t *a = nth_sid(2293002, 0);
    ck_assert_str_eq(json_string_value(json_object_get(egress_of(a), "window")), "8s");
    ck_assert_int_eq(eg_int(a, "window_seconds"), 8);
    ck_assert_int_eq(eg_int(a, "threshold"), 1 * MIB);
    ck_assert_int_eq(eg_int(a, "window_bytes_out"), crossing * PKT);
    ck_assert_int_eq(eg_int(a, "destinations"), 0); /* 1 MiB to none of them yet */
    json_t *top = json_object_get(egress_of(a), "top_destinations");
    ck_assert_uint_eq(json_array_size(top), 2);
    /* Nine seconds later the window is empty: one packet re-arms, a full budget fires again. */
    for (unsigned i = 1; i <= 30; i++)
        feed_big(T0 + 10 + i * 0.01, CLIENT, 40000, SERVER, 443, PKT);
    ck_assert_uint_eq(count_sid(2293002), 2);
}
END_TEST

START_TEST(asymmetric_upload_needs_ratio_and_floor)
{
    cfg.egress_flow_upload_bytes = 0;
    cfg.egress_fanout = 0;
    windows("1h:0");
    cfg.egress_asym_ratio = 10;
    cfg.egress_asym_min_bytes = 1 * MIB;
    start();
    /* Host A: 40 packets down (2.5 MB), then uploads: never 10x its download within 20 MiB. */
    for (unsigned i = 0; i < 40; i++)
        feed_big(T0 + i * 0.001, SERVER, 443, CLIENT, 40000, PKT);
    for (unsigned i = 0; i < 300; i++)
        feed_big(T0 + 1 + i * 0.001, CLIENT, 40000, SERVER, 443, PKT);
    ck_assert_uint_eq(count_sid(2293003), 0);
    /* Host B: a little download, then upload: fires once upload >= 1 MiB and >= 10x download. */
    const uint32_t B = IP(192, 168, 1, 20);
    for (unsigned i = 0; i < 2; i++)
        feed_big(T0 + 2 + i * 0.001, SERVER, 443, B, 40000, PKT);
    unsigned at = 0;
    for (unsigned i = 1; i <= 40; i++) {
        feed_big(T0 + 3 + i * 0.001, B, 40000, SERVER, 443, PKT);
        if (!at && count_sid(2293003))
            at = i;
    }
    /* 20 packets = 1.22 MiB = 10 x the 2 packets down; the floor alone would be 17. */
    ck_assert_uint_eq(at, 20);
    ck_assert_uint_eq(count_sid(2293003), 1);
    json_t *a = nth_sid(2293003, 0);
    ck_assert_int_eq(eg_int(a, "window_bytes_in"), 2 * PKT);
    ck_assert_int_eq(eg_int(a, "window_bytes_out"), 20 * PKT);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(a, "alert"), "severity")),
                     3);
}
END_TEST

START_TEST(fanout_fires_at_the_nth_destination)
{
    cfg.egress_flow_upload_bytes = 0;
    cfg.egress_asym_ratio = 0;
    windows("");
    cfg.egress_fanout = 16;
    cfg.egress_fanout_min_bytes = 1 * MIB;
    start();
    /* 40 peers, each sent 17 packets (just over 1 MiB), one after another. */
    unsigned at = 0;
    for (unsigned p = 0; p < 40; p++) {
        for (unsigned i = 0; i < 17; i++) {
            feed_big(T0 + p + i * 0.001, CLIENT, 51413, IP(203, 0, 113, 100 + p), 6881, PKT);
            if (!at && count_sid(2293004))
                at = p * 17 + i + 1;
        }
        /* Small uploads to many other hosts never count, nor push the heavy ones out. */
        feed(T0 + p + 0.5, CLIENT, 50000, IP(198, 51, 100, p), 443, 6, 0x18, "x", 1);
    }
    ck_assert_uint_eq(at, 16 * 17);
    ck_assert_uint_eq(count_sid(2293004), 1);
    json_t *a = nth_sid(2293004, 0);
    ck_assert_int_eq(eg_int(a, "destinations"), 16);
    ck_assert_int_eq(eg_int(a, "threshold"), 16);
    json_t *top = json_object_get(egress_of(a), "top_destinations");
    ck_assert_uint_eq(json_array_size(top), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(top, 0), "bytes")),
                     17 * PKT);
}
END_TEST

START_TEST(allowlist_suppresses_but_counts)
{
    cfg.egress_flow_upload_bytes = 1 * MIB;
    windows("1h:1MiB");
    sluice_error err;
    ck_assert_int_eq(sl_config_set(&cfg, "egress.allowlist=203.0.113.0/24", &err), 0);
    start();
    for (unsigned i = 0; i < 100; i++)
        feed_big(T0 + i * 0.001, CLIENT, 40000, SERVER, 22, PKT);
    ck_assert_uint_eq(count_type("alert"), 0);
    /* The same upload elsewhere alerts: the allowlist, not the traffic, kept it quiet. */
    for (unsigned i = 0; i < 100; i++)
        feed_big(T0 + 1 + i * 0.001, CLIENT, 40001, EXT2, 22, PKT);
    ck_assert_uint_ge(count_sid(2293001), 1);
    ck_assert_uint_eq(count_sid(2293002), 1);
    sluice_engine_flush(eng);
    sluice_engine_write_stats(eng);
    json_t *eg = json_object_get(json_object_get(nth_of_type("stats", 0), "stats"), "egress");
    ck_assert_int_eq(json_integer_value(json_object_get(eg, "allowlisted_bytes_out")), 100 * PKT);
    ck_assert_int_eq(json_integer_value(json_object_get(eg, "bytes_out")), 100 * PKT);
    json_t *fl = nth_of_type("flow", 0);
    ck_assert(json_is_true(json_object_get(egress_of(fl), "allowlisted")));
    ck_assert_int_eq(eg_int(fl, "bytes_out"), 100 * PKT);
}
END_TEST

START_TEST(network_group_has_its_own_thresholds)
{
    sluice_error err;
    cfg.egress_flow_upload_bytes = 1 * MIB;
    ck_assert_int_eq(sl_config_set(&cfg, "egress.group1.name=backup-servers", &err), 0);
    ck_assert_int_eq(sl_config_set(&cfg, "egress.group1.networks=192.168.1.10/32", &err), 0);
    ck_assert_int_eq(sl_config_set(&cfg, "egress.group1.flow_upload_bytes=4MiB", &err), 0);
    ck_assert_int_eq(sl_config_set(&cfg, "egress.group1.windows=1h:0", &err), 0);
    start();
    for (unsigned i = 1; i <= 70; i++)
        feed_big(T0 + i * 0.001, CLIENT, 40000, SERVER, 443, PKT);
    /* Only its own 4 MiB threshold, at the 66th packet; the default 1 MiB does not apply. */
    ck_assert_uint_eq(count_sid(2293001), 1);
    json_t *a = nth_sid(2293001, 0);
    ck_assert_int_eq(eg_int(a, "threshold"), 4 * MIB);
    ck_assert_int_eq(eg_int(a, "packets_out"), 66);
    ck_assert_str_eq(json_string_value(json_object_get(egress_of(a), "group")), "backup-servers");
    ck_assert_uint_eq(count_sid(2293002), 0);
}
END_TEST

START_TEST(flow_update_each_interval_of_activity)
{
    cfg.flow_update_interval = 10;
    cfg.timeout_tcp_est = 600;
    start();
    feed(T0, CLIENT, 40000, SERVER, 443, 6, 0x02, NULL, 0);
    feed(T0 + 0.1, SERVER, 443, CLIENT, 40000, 6, 0x12, NULL, 0);
    feed(T0 + 5, CLIENT, 40000, SERVER, 443, 6, 0x18, "a", 1);
    ck_assert_uint_eq(count_type("flow_update"), 0);
    feed(T0 + 11, CLIENT, 40000, SERVER, 443, 6, 0x18, "b", 1); /* past 10 s */
    feed(T0 + 12, CLIENT, 40000, SERVER, 443, 6, 0x18, "c", 1);
    ck_assert_uint_eq(count_type("flow_update"), 1);
    feed(T0 + 45, CLIENT, 40000, SERVER, 443, 6, 0x18, "d", 1); /* past 20, 30 and 40: one */
    ck_assert_uint_eq(count_type("flow_update"), 2);
    json_t *u = nth_of_type("flow_update", 0);
    ck_assert_int_eq(flow_int(u, "pkts_toserver"), 3);
    ck_assert_ptr_null(json_object_get(json_object_get(u, "flow"), "reason"));
    ck_assert_int_eq(eg_int(u, "packets_out"), 3);
    ck_assert_str_eq(str_at(u, "timestamp"), "2024-03-01T12:00:11.000000+0000");
    sluice_engine_flush(eng);
    /* The flow event is written once, at the end, with the final counters. */
    ck_assert_uint_eq(count_type("flow"), 1);
    ck_assert_int_eq(flow_int(nth_of_type("flow", 0), "pkts_toserver"), 5);
}
END_TEST

START_TEST(flow_update_off)
{
    cfg.flow_update_interval = 0;
    start();
    for (unsigned i = 0; i < 100; i++)
        feed(T0 + i * 30, CLIENT, 40000, SERVER, 443, 6, 0x18, "a", 1);
    ck_assert_uint_eq(count_type("flow_update"), 0);
}
END_TEST

START_TEST(host_table_flood_stays_bounded)
{
    cfg.hosts_max = 16;
    start();
    /* A thousand internal hosts each uploading: the table keeps 16 and counts the rest. */
    for (unsigned i = 0; i < 1000; i++)
        feed_big(T0 + i * 0.001, IP(10, 0, i >> 8, i & 0xff), 40000, SERVER, 443, PKT);
    sluice_engine_flush(eng);
    sluice_engine_write_stats(eng);
    json_t *hosts = json_object_get(json_object_get(nth_of_type("stats", 0), "stats"), "hosts");
    ck_assert_int_eq(json_integer_value(json_object_get(hosts, "active")), 16);
    ck_assert_int_eq(json_integer_value(json_object_get(hosts, "evicted")), 1000 - 16);
    ck_assert_int_eq(json_integer_value(json_object_get(hosts, "memcap_bytes")),
                     (json_int_t)(16 * sizeof(struct sl_host) + 16 * 4));
}
END_TEST

Suite *suite_egress(void)
{
    Suite *s = suite_create("egress");
    TCase *tc = tcase_create("windows");
    tcase_add_test(tc, epoch_is_floor_division);
    tcase_add_test(tc, window_drops_buckets_that_leave_it);
    tcase_add_test(tc, time_going_backwards);
    tcase_add_test(tc, long_idle_gap_empties_the_window);
    tcase_add_test(tc, multi_terabyte_totals_and_saturation);
    suite_add_tcase(s, tc);
    tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, flow_upload_alerts_at_the_crossing_packet_and_each_doubling);
    tcase_add_test(tc, no_repeat_when_doubling_is_off);
    tcase_add_test(tc, downloads_and_internal_or_transit_flows_do_not_alert);
    tcase_add_test(tc, host_budget_once_per_episode_then_again_after_it_drains);
    tcase_add_test(tc, asymmetric_upload_needs_ratio_and_floor);
    tcase_add_test(tc, fanout_fires_at_the_nth_destination);
    tcase_add_test(tc, allowlist_suppresses_but_counts);
    tcase_add_test(tc, network_group_has_its_own_thresholds);
    tcase_add_test(tc, flow_update_each_interval_of_activity);
    tcase_add_test(tc, flow_update_off);
    tcase_add_test(tc, host_table_flood_stays_bounded);
    suite_add_tcase(s, tc);
    return s;
}
