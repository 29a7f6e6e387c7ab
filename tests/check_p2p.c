/*
 * check_p2p.c - the P2P protocol list and the rules that judge nDPI's verdict.
 */
#include <string.h>

#include <ndpi_api.h>

#include "p2p.h"
#include "suites.h"

START_TEST(list_is_the_p2p_protocols)
{
    static const uint16_t p2p[] = {NDPI_PROTOCOL_BITTORRENT,    NDPI_PROTOCOL_EDONKEY,
                                   NDPI_PROTOCOL_GNUTELLA,      NDPI_PROTOCOL_FASTTRACK,
                                   NDPI_PROTOCOL_DIRECTCONNECT, NDPI_PROTOCOL_APPLEJUICE,
                                   NDPI_PROTOCOL_STEALTHNET,    NDPI_PROTOCOL_THUNDER,
                                   NDPI_PROTOCOL_KONTIKI,       NDPI_PROTOCOL_OPENFT};
    static const uint16_t not_p2p[] = {
        NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_HTTP,     NDPI_PROTOCOL_DNS, NDPI_PROTOCOL_TLS,
        NDPI_PROTOCOL_TEREDO,  NDPI_PROTOCOL_FTP_DATA, NDPI_PROTOCOL_SSH};
    for (unsigned i = 0; i < sizeof(p2p) / sizeof(p2p[0]); i++)
        ck_assert_ptr_nonnull(sl_p2p_lookup(p2p[i]));
    for (unsigned i = 0; i < sizeof(not_p2p) / sizeof(not_p2p[0]); i++)
        ck_assert_ptr_null(sl_p2p_lookup(not_p2p[i]));

    /* Names and signature ids are unique: each kind of alert has its own id. */
    unsigned n;
    const struct sl_p2p_proto *t = sl_p2p_table(&n);
    ck_assert_uint_ge(n, 10);
    for (unsigned i = 0; i < n; i++)
        for (unsigned k = i + 1; k < n; k++) {
            ck_assert_str_ne(t[i].name, t[k].name);
            ck_assert_uint_ne(t[i].sid_session, t[k].sid_session);
            ck_assert_uint_ne(t[i].sid_indicator, t[k].sid_indicator);
            ck_assert_uint_ne(t[i].sid_session, t[k].sid_indicator);
        }
}
END_TEST

static struct sl_flow flow_with(uint16_t master, uint16_t app, uint8_t conf, uint32_t flags)
{
    struct sl_flow f;
    memset(&f, 0, sizeof(f));
    f.master_proto = master;
    f.app_proto = app;
    f.confidence = conf;
    f.flags = flags | SL_FF_CLASSIFIED;
    return f;
}

START_TEST(judgement_rules)
{
    struct sl_p2p_judgement j;
    struct sl_flow f = flow_with(0, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_DPI, 0);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_SESSION);
    ck_assert_str_eq(j.decided_by, "dpi");

    f = flow_with(0, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_DPI_CACHE, 0);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_SESSION);
    ck_assert_str_eq(j.decided_by, "dpi-cache");

    /* DNS.BitTorrent, TLS.BitTorrent: named from a hostname or SNI. */
    f = flow_with(NDPI_PROTOCOL_DNS, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_DPI, 0);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_INDICATOR);
    ck_assert_str_eq(j.decided_by, "hostname");
    f = flow_with(NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_DPI, 0);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_INDICATOR);

    /* By port, at give-up: a guess. */
    f = flow_with(0, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_MATCH_BY_PORT, SL_FF_GUESSED);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_INDICATOR);
    ck_assert_str_eq(j.decided_by, "port");

    /* nDPI's give-up guess from its endpoint cache: not this flow's payload. */
    f = flow_with(0, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_DPI_CACHE, SL_FF_GUESSED);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_INDICATOR);
    ck_assert_str_eq(j.decided_by, "endpoint-cache");

    /* Teredo-shaped UDP that nDPI calls BitTorrent: suppressed. */
    f = flow_with(0, NDPI_PROTOCOL_BITTORRENT, NDPI_CONFIDENCE_DPI, SL_FF_TEREDO_SHAPED);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_NONE);
    ck_assert_str_eq(j.suppressed, "teredo");

    f = flow_with(0, NDPI_PROTOCOL_TLS, NDPI_CONFIDENCE_DPI, 0);
    sl_p2p_judge(&f, &j);
    ck_assert_int_eq(j.verdict, SL_P2P_NONE);
    ck_assert_ptr_null(j.suppressed);
}
END_TEST

START_TEST(teredo_shape)
{
    /* An IPv6 header (UDP inside, 8-byte payload) after a Teredo origin indication. */
    uint8_t pkt[8 + 40 + 8];
    memset(pkt, 0, sizeof(pkt));
    pkt[8] = 0x60;
    pkt[8 + 5] = 8;  /* payload length */
    pkt[8 + 6] = 17; /* next header: UDP */
    ck_assert(sl_p2p_teredo_shaped(pkt, sizeof(pkt)));
    ck_assert(sl_p2p_teredo_shaped(pkt + 8, sizeof(pkt) - 8)); /* bare IPv6 */
    ck_assert(!sl_p2p_teredo_shaped(pkt, sizeof(pkt) - 1));    /* length disagrees */
    pkt[8] = 0x45;
    ck_assert(!sl_p2p_teredo_shaped(pkt, sizeof(pkt)));
    ck_assert(!sl_p2p_teredo_shaped(NULL, 0));
    /* A BitTorrent DHT message is not Teredo. */
    static const char krpc[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
    ck_assert(!sl_p2p_teredo_shaped((const uint8_t *)krpc, sizeof(krpc) - 1));
}
END_TEST

Suite *suite_p2p(void)
{
    Suite *s = suite_create("p2p");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, list_is_the_p2p_protocols);
    tcase_add_test(tc, judgement_rules);
    tcase_add_test(tc, teredo_shape);
    suite_add_tcase(s, tc);
    return s;
}
