/*
 * check_community_id.c - Community ID v1 against the spec's published
 * baseline (corelight/community-id-spec, baseline/baseline_deflt.json, seed 0),
 * and the SHA-1 beneath it against FIPS 180's examples and nDPI's own SHA-1.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "community_id.h"
#include "sha1.h"
#include "suites.h"

struct vector {
    int proto;
    const char *saddr, *daddr;
    int sport, dport; /* -1: no ports */
    const char *expect;
};

static const struct vector vectors[] = {
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
     "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
    {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
    {1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {46, "10.1.12.1", "10.1.12.2", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {46, "10.1.12.2", "10.1.12.1", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
};

static int parse_addr(const char *s, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) == 1)
        return 4;
    ck_assert_int_eq(inet_pton(AF_INET6, s, out), 1);
    return 6;
}

START_TEST(baseline_vectors)
{
    const struct vector *v = &vectors[_i];
    uint8_t s[16], d[16];
    int fam = parse_addr(v->saddr, s);
    ck_assert_int_eq(parse_addr(v->daddr, d), fam);
    struct sl_cid_tuple t = {
        .family = fam,
        .src = s,
        .dst = d,
        .proto = (uint8_t)v->proto,
        .has_ports = v->sport >= 0,
        .sport = (uint16_t)(v->sport < 0 ? 0 : v->sport),
        .dport = (uint16_t)(v->dport < 0 ? 0 : v->dport),
    };
    char out[SL_COMMUNITY_ID_LEN];
    sl_community_id(&t, 0, out);
    ck_assert_str_eq(out, v->expect);
}
END_TEST

START_TEST(one_way_icmp_not_reordered)
{
    /* Time exceeded (type 11, code 0) from the higher address: a one-way
     * message keeps its direction, so swapping endpoints changes the id. */
    uint8_t a[16], b[16];
    parse_addr("10.0.0.2", a);
    parse_addr("10.0.0.1", b);
    struct sl_cid_tuple t = {4, a, b, 1, true, 11, 0, true};
    char one_way[SL_COMMUNITY_ID_LEN], ordered[SL_COMMUNITY_ID_LEN];
    sl_community_id(&t, 0, one_way);
    t.one_way = false;
    sl_community_id(&t, 0, ordered);
    ck_assert_str_ne(one_way, ordered);
}
END_TEST

START_TEST(base64_rfc4648)
{
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},
             {"f", "Zg=="},
             {"fo", "Zm8="},
             {"foo", "Zm9v"},
             {"foob", "Zm9vYg=="},
             {"fooba", "Zm9vYmE="},
             {"foobar", "Zm9vYmFy"}};
    for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char out[16];
        unsigned n = sl_base64((const uint8_t *)v[i].in, (unsigned)strlen(v[i].in), out);
        ck_assert_str_eq(out, v[i].out);
        ck_assert_uint_eq(n, strlen(v[i].out));
    }
}
END_TEST

static void hex20(const uint8_t d[SL_SHA1_LEN], char out[41])
{
    for (unsigned i = 0; i < SL_SHA1_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Loop 0: the portable rounds; loop 1: the SHA extensions, where the CPU has them. */
static bool sha1_impl(int i)
{
    bool ok = sl_sha1_use(i == 1);
    if (!ok)
        fprintf(stderr, "check_community_id: no SHA extensions on this CPU, loop %d skipped\n", i);
    return ok;
}

START_TEST(sha1_fips180_examples)
{
    if (!sha1_impl(_i))
        return;
    /* FIPS 180 examples: empty, one block, a tail that needs a second padding block, 1e6 'a'. */
    static const struct {
        const char *in;
        const char *digest;
    } v[] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    };
    uint8_t d[SL_SHA1_LEN];
    char hex[41];
    for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        sl_sha1((const uint8_t *)v[i].in, strlen(v[i].in), d);
        hex20(d, hex);
        ck_assert_str_eq(hex, v[i].digest);
    }
    size_t n = 1000000;
    uint8_t *a = malloc(n);
    ck_assert_ptr_nonnull(a);
    memset(a, 'a', n);
    sl_sha1(a, n, d);
    free(a);
    hex20(d, hex);
    ck_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    sl_sha1_use(true); /* back to the default where there is one */
}
END_TEST

START_TEST(sha1_agrees_with_ndpi_at_every_tail_length)
{
    /* Every length up to three blocks: each tail, and the padding's two-block cases (56..63). */
    if (!sha1_impl(_i))
        return;
    uint8_t msg[192], mine[SL_SHA1_LEN], theirs[SL_SHA1_LEN];
    for (unsigned i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    for (unsigned n = 0; n <= sizeof(msg); n++) {
        sl_sha1(msg, n, mine);
        ndpi_string_sha1_hash(msg, n, theirs);
        ck_assert_msg(memcmp(mine, theirs, SL_SHA1_LEN) == 0, "length %u differs", n);
    }
    /* Pseudo-random messages of every length to four blocks, the two implementations alike. */
    uint8_t big[256], other[SL_SHA1_LEN];
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int round = 0; round < 20; round++) {
        for (unsigned i = 0; i < sizeof(big); i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            big[i] = (uint8_t)x;
        }
        for (unsigned n = 0; n <= sizeof(big); n++) {
            sl_sha1(big, n, mine);
            ndpi_string_sha1_hash(big, n, other);
            ck_assert_msg(memcmp(mine, other, SL_SHA1_LEN) == 0, "round %d length %u", round, n);
        }
    }
    sl_sha1_use(true);
}
END_TEST

Suite *suite_community_id(void)
{
    Suite *s = suite_create("community_id");
    TCase *tc = tcase_create("vectors");
    tcase_add_loop_test(tc, baseline_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
    tcase_add_test(tc, one_way_icmp_not_reordered);
    tcase_add_test(tc, base64_rfc4648);
    tcase_add_loop_test(tc, sha1_fips180_examples, 0, 2);
    tcase_add_loop_test(tc, sha1_agrees_with_ndpi_at_every_tail_length, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
