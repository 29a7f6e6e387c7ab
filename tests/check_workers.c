/*
 * check_workers.c - the pieces under the worker threads: the packet ring
 * (wrap-around, full, order), the shared sink (forwarding, last close),
 * and dispatch by internal host.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "sink-shared.h"
#include "spsc.h"
#include "suites.h"

START_TEST(ring_wraps_in_order)
{
    struct sl_spsc q;
    ck_assert_int_eq(sl_spsc_init(&q, 4096), 0);
    uint8_t data[700];
    uint32_t next_in = 0, next_out = 0;
    /* Many more bytes than the ring holds, in uneven sizes: every packet comes out whole. */
    for (int round = 0; round < 3000; round++) {
        struct sl_qpkt h = {.caplen = (uint32_t)(1 + (round * 37) % 600), .pcap_cnt = next_in};
        memset(data, (int)(next_in & 0xff), h.caplen);
        /* A producer's extra bytes (a decoding) before the packet, of uneven lengths too. */
        uint8_t extra[40];
        size_t xlen = (size_t)(next_in % 4) * 13;
        memset(extra, (int)(~next_in & 0xff), sizeof(extra));
        bool pushed = sl_spsc_push(&q, &h, extra, xlen, data);
        if (pushed)
            next_in++;
        if (!pushed || round % 3 == 0) {
            const struct sl_qpkt *p = sl_spsc_peek(&q);
            ck_assert(p || pushed); /* a full ring always has something to take */
            if (!p)
                continue;
            ck_assert_uint_eq(p->pcap_cnt, next_out);
            uint8_t want[700];
            size_t wx = (size_t)(next_out % 4) * 13;
            ck_assert_uint_eq(p->extra, (wx + 7) / 8 * 8);
            memset(want, (int)(~next_out & 0xff), wx);
            ck_assert(memcmp(sl_qpkt_extra(p), want, wx) == 0);
            memset(want, (int)(next_out & 0xff), p->caplen);
            ck_assert(memcmp(sl_qpkt_data(p), want, p->caplen) == 0);
            next_out++;
            sl_spsc_pop(&q, p);
        }
    }
    while (sl_spsc_peek(&q)) {
        const struct sl_qpkt *p = sl_spsc_peek(&q);
        ck_assert_uint_eq(p->pcap_cnt, next_out++);
        sl_spsc_pop(&q, p);
    }
    ck_assert_uint_eq(next_out, next_in);
    ck_assert(sl_spsc_empty(&q));
    ck_assert_uint_gt(next_out, 500);
    /* A packet larger than half the ring is refused, not written in part. */
    struct sl_qpkt big = {.caplen = 3000};
    uint8_t *buf = calloc(1, 3000);
    ck_assert(!sl_spsc_push(&q, &big, NULL, 0, buf));
    free(buf);
    sl_spsc_free(&q);
}
END_TEST

struct counting {
    int writes, closes;
};

static int c_write(void *ctx, unsigned t, const char *l, size_t n)
{
    (void)t, (void)l, (void)n;
    ((struct counting *)ctx)->writes++;
    return 0;
}

static void c_close(void *ctx)
{
    ((struct counting *)ctx)->closes++;
}

static const sluice_sink_ops counting_ops = {
    .name = "counting", .write = c_write, .close = c_close};

static struct sl_sink_shared *shared;

static void *writer(void *arg)
{
    void *h = arg;
    for (int i = 0; i < 10000; i++)
        sl_sink_shared_ops(shared)->write(h, 1, "x", 1);
    return NULL;
}

START_TEST(shared_sink_last_close)
{
    struct counting c = {0};
    shared = sl_sink_shared_new(&counting_ops, &c, 3);
    ck_assert_ptr_nonnull(shared);
    ck_assert_str_eq(sl_sink_shared_ops(shared)->name, "counting");
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, writer, sl_sink_shared_handle(shared, (unsigned)i));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(c.writes, 20000);
    const sluice_sink_ops *ops = sl_sink_shared_ops(shared);
    ops->close(sl_sink_shared_handle(shared, 0));
    ops->close(sl_sink_shared_handle(shared, 0)); /* twice: counted once */
    ops->close(sl_sink_shared_handle(shared, 1));
    ck_assert_int_eq(c.closes, 0);
    sl_sink_shared_release(shared, 2);
    ck_assert_int_eq(c.closes, 1);
}
END_TEST

/* An Ethernet/IPv4/UDP frame from src to dst. */
static void frame(uint8_t *f, const char *src, const char *dst)
{
    memset(f, 0, 42);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = 28;
    ip[8] = 64;
    ip[9] = 17;
    inet_pton(AF_INET, src, ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    ip[21] = 53;
    ip[23] = 53;
    ip[25] = 8;
}

START_TEST(dispatch_by_internal_host)
{
    struct sluice_config cfg;
    sl_config_defaults(&cfg);
    uint8_t f[42];
    sluice_packet p = {.linktype = 1, .data = f, .caplen = 42, .wirelen = 42};
    /* Every flow of 10.0.0.7, whoever the peer and whichever way, goes to one worker. */
    frame(f, "10.0.0.7", "203.0.113.1");
    unsigned w = sl_dispatch_worker(&cfg, &p, 4);
    const char *peers[] = {"198.51.100.9", "8.8.8.8", "203.0.113.200", "192.0.2.77"};
    for (int i = 0; i < 4; i++) {
        frame(f, "10.0.0.7", peers[i]);
        ck_assert_uint_eq(sl_dispatch_worker(&cfg, &p, 4), w);
        frame(f, peers[i], "10.0.0.7");
        ck_assert_uint_eq(sl_dispatch_worker(&cfg, &p, 4), w);
    }
    /* Both internal: the lower address's worker. */
    frame(f, "10.0.0.9", "10.0.0.7");
    ck_assert_uint_eq(sl_dispatch_worker(&cfg, &p, 4), w);
    /* Neither: both directions alike. */
    frame(f, "198.51.100.9", "8.8.8.8");
    unsigned x = sl_dispatch_worker(&cfg, &p, 4);
    frame(f, "8.8.8.8", "198.51.100.9");
    ck_assert_uint_eq(sl_dispatch_worker(&cfg, &p, 4), x);
    /* Hosts spread over workers. */
    unsigned seen = 0;
    for (int i = 1; i < 64; i++) {
        char a[32];
        snprintf(a, sizeof(a), "10.1.2.%d", i);
        frame(f, a, "203.0.113.1");
        seen |= 1u << sl_dispatch_worker(&cfg, &p, 4);
    }
    ck_assert_uint_eq(seen, 0xf);
}
END_TEST

Suite *suite_workers(void)
{
    Suite *s = suite_create("workers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ring_wraps_in_order);
    tcase_add_test(tc, shared_sink_last_close);
    tcase_add_test(tc, dispatch_by_internal_host);
    suite_add_tcase(s, tc);
    return s;
}
