/*
 * check_flow.c - the flow table: symmetric keys, chains under collisions,
 * the cap, idle-list order and slot reuse; the BitTorrent endpoint cache
 * (btcache.h), fixed in size and counting what it evicts.
 */
#include <string.h>

#include "btcache.h"
#include "flow.h"
#include "suites.h"

static struct sl_packet mkpkt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                              uint8_t proto)
{
    struct sl_packet p;
    memset(&p, 0, sizeof(p));
    p.ip_version = 4;
    p.l4proto = proto;
    memcpy(p.src.b, &src, 4);
    memcpy(p.dst.b, &dst, 4);
    p.sport = sport;
    p.dport = dport;
    return p;
}

START_TEST(key_is_symmetric)
{
    struct sl_packet fwd = mkpkt(0x0a000001, 1234, 0x0a000002, 80, 6);
    struct sl_packet rev = mkpkt(0x0a000002, 80, 0x0a000001, 1234, 6);
    struct sl_flow_key k1, k2;
    bool d1, d2;
    sl_flow_key_from_packet(&fwd, &k1, &d1);
    sl_flow_key_from_packet(&rev, &k2, &d2);
    ck_assert_mem_eq(&k1, &k2, sizeof(k1));
    ck_assert(d1 != d2);

    /* Same tuple, other protocol or VLAN: another flow. */
    struct sl_packet udp = mkpkt(0x0a000001, 1234, 0x0a000002, 80, 17);
    sl_flow_key_from_packet(&udp, &k2, &d2);
    ck_assert(memcmp(&k1, &k2, sizeof(k1)) != 0);
    fwd.vlan_count = 1;
    fwd.vlan[0] = 100;
    sl_flow_key_from_packet(&fwd, &k2, &d2);
    ck_assert(memcmp(&k1, &k2, sizeof(k1)) != 0);
}
END_TEST

START_TEST(insert_find_remove_with_collisions)
{
    /* 4 buckets for 200 flows: long chains, every lookup must still be exact. */
    struct sl_flow_table *t = sl_flow_table_new(200, 4, 42);
    ck_assert_ptr_nonnull(t);
    struct sl_flow_key keys[200];
    for (uint32_t i = 0; i < 200; i++) {
        struct sl_packet p = mkpkt(0x0a000001 + i, (uint16_t)(1000 + i), 0x08080808, 53, 17);
        bool d;
        sl_flow_key_from_packet(&p, &keys[i], &d);
        struct sl_flow *f = sl_flow_insert(t, &keys[i], SL_FC_UDP);
        ck_assert_ptr_nonnull(f);
        f->last_us = i;
    }
    ck_assert_uint_eq(sl_flow_count(t), 200);
    struct sl_flow_key extra = keys[0];
    extra.pb = 54;
    ck_assert_ptr_null(sl_flow_insert(t, &extra, SL_FC_UDP)); /* full */
    for (uint32_t i = 0; i < 200; i++)
        ck_assert_ptr_nonnull(sl_flow_find(t, &keys[i]));
    ck_assert_ptr_null(sl_flow_find(t, &extra));

    /* Remove every other flow; the rest stay findable, the removed are gone. */
    for (uint32_t i = 0; i < 200; i += 2)
        sl_flow_remove(t, sl_flow_find(t, &keys[i]));
    ck_assert_uint_eq(sl_flow_count(t), 100);
    for (uint32_t i = 0; i < 200; i++) {
        if (i % 2)
            ck_assert_ptr_nonnull(sl_flow_find(t, &keys[i]));
        else
            ck_assert_ptr_null(sl_flow_find(t, &keys[i]));
    }
    /* Freed slots are reused: 100 more fit, then full again. */
    for (uint32_t i = 0; i < 200; i += 2)
        ck_assert_ptr_nonnull(sl_flow_insert(t, &keys[i], SL_FC_UDP));
    ck_assert_ptr_null(sl_flow_insert(t, &extra, SL_FC_UDP));
    sl_flow_table_free(t);
}
END_TEST

START_TEST(idle_lists_keep_lru_order)
{
    struct sl_flow_table *t = sl_flow_table_new(16, 16, 7);
    struct sl_flow *f[3];
    for (uint32_t i = 0; i < 3; i++) {
        struct sl_packet p = mkpkt(0x0a000001, (uint16_t)(1000 + i), 0x0a000002, 80, 6);
        struct sl_flow_key k;
        bool d;
        sl_flow_key_from_packet(&p, &k, &d);
        f[i] = sl_flow_insert(t, &k, SL_FC_TCP_NEW);
        f[i]->last_us = 10 + i;
    }
    ck_assert_ptr_eq(sl_flow_oldest(t, SL_FC_TCP_NEW), f[0]);
    /* Touching the oldest moves it to the end. */
    f[0]->last_us = 20;
    sl_flow_touch(t, f[0], SL_FC_TCP_NEW);
    ck_assert_ptr_eq(sl_flow_oldest(t, SL_FC_TCP_NEW), f[1]);
    /* Moving a flow to another class takes it off the first list. */
    f[1]->last_us = 21;
    sl_flow_touch(t, f[1], SL_FC_TCP_EST);
    ck_assert_ptr_eq(sl_flow_oldest(t, SL_FC_TCP_NEW), f[2]);
    ck_assert_ptr_eq(sl_flow_oldest(t, SL_FC_TCP_EST), f[1]);
    /* The LRU across classes is the smallest last_us among list heads. */
    ck_assert_ptr_eq(sl_flow_lru(t), f[2]);
    sl_flow_remove(t, f[2]);
    ck_assert_ptr_eq(sl_flow_lru(t), f[0]);
    sl_flow_remove(t, f[0]);
    ck_assert_ptr_eq(sl_flow_lru(t), f[1]);
    sl_flow_remove(t, f[1]);
    ck_assert_ptr_null(sl_flow_lru(t));
    ck_assert_ptr_null(sl_flow_any(t));
    sl_flow_table_free(t);
}
END_TEST

START_TEST(flow_struct_stays_small)
{
    /* The README's memory table promises this; issue 9 wants <= 256 bytes per classified flow. */
    ck_assert_uint_le(sizeof(struct sl_flow), 168);
}
END_TEST

static struct sl_flow bt_flow(uint32_t client, uint16_t cport, uint32_t server, uint16_t sport)
{
    struct sl_packet p = mkpkt(client, cport, server, sport, 17);
    struct sl_flow f;
    memset(&f, 0, sizeof(f));
    bool a_to_b;
    sl_flow_key_from_packet(&p, &f.key, &a_to_b);
    if (a_to_b)
        f.flags |= SL_FF_CLIENT_IS_A;
    return f;
}

START_TEST(bittorrent_cache_keys_and_evictions)
{
    struct sl_btcache c;
    ck_assert(sl_btcache_init(&c));
    struct sl_flow bt = bt_flow(0x0a000001, 40000, 0xcb007105, 6881);
    sl_btcache_add(&c, &bt);
    ck_assert_uint_eq(c.inserted, 4);
    sl_btcache_add(&c, &bt); /* the same flow again: nothing new */
    ck_assert_uint_eq(c.inserted, 4);
    /* Each key on its own: the peer's endpoint, the client's, the pair, the client's next port. */
    struct sl_flow same_peer = bt_flow(0x0a000009, 50000, 0xcb007105, 6881);
    struct sl_flow same_client = bt_flow(0x0a000001, 40000, 0x08080808, 53);
    struct sl_flow same_hosts = bt_flow(0x0a000001, 41000, 0xcb007105, 42000);
    struct sl_flow next_socket = bt_flow(0x0a000001, 40001, 0x09090909, 9999);
    struct sl_flow stranger = bt_flow(0x0a000002, 40000, 0xcb007106, 6881);
    struct sl_flow two_on = bt_flow(0x0a000001, 40002, 0x09090909, 9999);
    ck_assert(sl_btcache_match(&c, &same_peer));
    ck_assert(sl_btcache_match(&c, &same_client));
    ck_assert(sl_btcache_match(&c, &same_hosts));
    ck_assert(sl_btcache_match(&c, &next_socket));
    ck_assert(!sl_btcache_match(&c, &stranger));
    ck_assert(!sl_btcache_match(&c, &two_on));
    ck_assert_uint_eq(c.hits, 4);
    /* Far more keys than slots: the table stays its size and counts every key it pushed out. */
    for (uint32_t i = 0; i < 4 * SL_BTCACHE_ENTRIES; i++) {
        struct sl_flow f =
            bt_flow(0x0b000000 + i, (uint16_t)(1024 + i % 60000), 0x0c000000 + i, 6881);
        sl_btcache_add(&c, &f);
    }
    ck_assert_uint_eq(c.inserted, 4 + 4 * 4 * (uint64_t)SL_BTCACHE_ENTRIES);
    ck_assert_uint_gt(c.evicted, 3 * (uint64_t)SL_BTCACHE_ENTRIES);
    ck_assert_uint_le(c.evicted, c.inserted - 1);
    uint64_t held = 0;
    for (uint32_t i = 0; i < SL_BTCACHE_ENTRIES; i++)
        held += c.slot[i] != 0;
    ck_assert_uint_eq(held, c.inserted - c.evicted);
    sl_btcache_fini(&c);
}
END_TEST

Suite *suite_flow(void)
{
    Suite *s = suite_create("flow");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, key_is_symmetric);
    tcase_add_test(tc, insert_find_remove_with_collisions);
    tcase_add_test(tc, idle_lists_keep_lru_order);
    tcase_add_test(tc, flow_struct_stays_small);
    tcase_add_test(tc, bittorrent_cache_keys_and_evictions);
    suite_add_tcase(s, tc);
    return s;
}
