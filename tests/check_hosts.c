/*
 * check_hosts.c - the internal host table (cap, LRU eviction, listen ports,
 * rate limiting) and the shape test for encrypted BitTorrent handshakes.
 */
#include <string.h>

#include "hosts.h"
#include "infer.h"
#include "suites.h"

static const uint8_t *ip4(uint8_t last)
{
    static uint8_t a[16];
    memset(a, 0, sizeof(a));
    a[0] = 192, a[1] = 168, a[2] = 1, a[3] = last;
    return a;
}

START_TEST(cap_evicts_least_recently_seen)
{
    struct sl_host_table *t = sl_host_table_new(16, 99);
    ck_assert_ptr_nonnull(t);
    const int64_t s = 1000000; /* the order is kept to within a second of packet time */
    for (int i = 0; i < 16; i++)
        ck_assert_ptr_nonnull(sl_host_get(t, 4, ip4((uint8_t)i), i * s));
    sl_host_get(t, 4, ip4(0), 100 * s); /* seen again: now the most recent */
    ck_assert_ptr_nonnull(sl_host_get(t, 4, ip4(200), 101 * s));
    ck_assert_uint_eq(sl_host_count(t), 16);
    ck_assert_uint_eq(sl_host_evicted(t), 1);
    ck_assert_ptr_null(sl_host_find(t, 4, ip4(1))); /* the one seen longest ago went */
    ck_assert_ptr_nonnull(sl_host_find(t, 4, ip4(0)));
    ck_assert_ptr_nonnull(sl_host_find(t, 4, ip4(200)));
    uint8_t v6[16] = {0xfd, 0, 0, 1, [15] = 0};
    ck_assert_ptr_null(sl_host_find(t, 6, v6)); /* 192.168.1.0 is not fd00:1:: */
    sl_host_table_free(t);
}
END_TEST

START_TEST(lru_order_is_kept_to_within_a_second)
{
    struct sl_host_table *t = sl_host_table_new(4, 7);
    for (int i = 0; i < 4; i++)
        sl_host_get(t, 4, ip4((uint8_t)i), i * 2000000); /* 0, 2, 4, 6 s */
    /* Host 1 seen again 0.5 s after it came: it keeps its place... */
    sl_host_get(t, 4, ip4(1), 2500000);
    /* ...host 0 seen again 7 s after: it moves to the end. */
    sl_host_get(t, 4, ip4(0), 7000000);
    sl_host_get(t, 4, ip4(100), 8000000);
    ck_assert_ptr_null(sl_host_find(t, 4, ip4(1)));
    ck_assert_ptr_nonnull(sl_host_find(t, 4, ip4(0)));
    sl_host_get(t, 4, ip4(101), 9000000);
    ck_assert_ptr_null(sl_host_find(t, 4, ip4(2)));
    ck_assert_uint_eq(sl_host_evicted(t), 2);
    sl_host_table_free(t);
}
END_TEST

START_TEST(listen_ports_and_rate_limit)
{
    struct sl_host_table *t = sl_host_table_new(16, 1);
    struct sl_host *h = sl_host_get(t, 4, ip4(7), 0);
    for (uint16_t p = 1; p <= 5; p++)
        sl_host_add_port(h, p);
    sl_host_add_port(h, 5); /* no duplicates */
    ck_assert_uint_eq(h->nports, SL_HOST_PORTS);
    ck_assert(!sl_host_has_port(h, 1)); /* the oldest dropped */
    ck_assert(sl_host_has_port(h, 5));

    uint32_t sup = 99;
    ck_assert(sl_host_rate_ok(h, 42, 1000000, 60000000, &sup));
    ck_assert_uint_eq(sup, 0);
    ck_assert(!sl_host_rate_ok(h, 42, 2000000, 60000000, &sup));
    ck_assert(!sl_host_rate_ok(h, 42, 3000000, 60000000, &sup));
    ck_assert(sl_host_rate_ok(h, 43, 3000000, 60000000, &sup)); /* another key is apart */
    ck_assert(sl_host_rate_ok(h, 42, 61000001, 60000000, &sup));
    ck_assert_uint_eq(sup, 2); /* the two held back are reported with the next one */
    ck_assert(sl_host_rate_ok(h, 42, 61000002, 0, &sup)); /* interval 0: no limit */
    /* Peers: a ring of the 16 latest. */
    uint8_t peer[16] = {203, 0, 113, 5};
    ck_assert(!sl_host_has_peer(h, 4, peer, 6881));
    sl_host_add_peer(h, 4, peer, 6881);
    ck_assert(sl_host_has_peer(h, 4, peer, 6881));
    ck_assert(!sl_host_has_peer(h, 4, peer, 6882));
    for (uint8_t i = 0; i < SL_HOST_PEERS; i++) {
        uint8_t other[16] = {198, 51, 100, i};
        sl_host_add_peer(h, 4, other, 1);
    }
    ck_assert(!sl_host_has_peer(h, 4, peer, 6881)); /* pushed out by newer ones */
    sl_host_table_free(t);
}
END_TEST

START_TEST(mse_shape)
{
    uint8_t b[608];
    uint64_t s = 0x12345678;
    for (size_t i = 0; i < sizeof(b); i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        b[i] = (uint8_t)s;
    }
    ck_assert(sl_infer_mse_shaped(b, 96, 96));
    ck_assert(sl_infer_mse_shaped(b, 200, 200));
    ck_assert(sl_infer_mse_shaped(b, 608, 608));
    ck_assert(!sl_infer_mse_shaped(b, 95, 95));   /* shorter than a DH key */
    ck_assert(!sl_infer_mse_shaped(b, 609, 609)); /* longer than key and padding */
    static const char text[] = "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: "
                               "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/115.0\r\n"
                               "Accept: text/html\r\n\r\n";
    ck_assert(!sl_infer_mse_shaped((const uint8_t *)text, sizeof(text) - 1, sizeof(text) - 1));
    memset(b, 0, 200);
    ck_assert(!sl_infer_mse_shaped(b, 200, 200)); /* zeros are no key */
}
END_TEST

Suite *suite_hosts(void)
{
    Suite *s = suite_create("hosts");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, cap_evicts_least_recently_seen);
    tcase_add_test(tc, lru_order_is_kept_to_within_a_second);
    tcase_add_test(tc, listen_ports_and_rate_limit);
    tcase_add_test(tc, mse_shape);
    suite_add_tcase(s, tc);
    return s;
}
