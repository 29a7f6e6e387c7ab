/*
 * check_ndpi_fast.c - plugin/ndpi_fast.c's bodies for NDPI_BITMASK_COMPARE,
 * ndpi_exclude_protocol, ndpi_match_prefix, ndpi_strnstr and
 * ndpi_network_port_ptree_match against libndpi's own (found behind the
 * program's with dlsym(RTLD_NEXT)), and that the program's are the ones
 * the dynamic linker binds libndpi's calls to.
 */
/* RTLD_NEXT needs _GNU_SOURCE, which configure defines. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "suites.h"

typedef int (*compare_fn)(NDPI_PROTOCOL_BITMASK, NDPI_PROTOCOL_BITMASK);
typedef int (*prefix_fn)(const u_int8_t *, size_t, const char *, size_t);
typedef u_int16_t (*port_match_fn)(struct ndpi_detection_module_struct *, struct in_addr *,
                                   u_int16_t);
typedef char *(*strnstr_fn)(const char *, const char *, size_t);
typedef void (*exclude_fn)(struct ndpi_detection_module_struct *, struct ndpi_flow_struct *,
                           u_int16_t, const char *, const char *, int);

/* libndpi's own definition of `name`, behind the program's. */
static void *lib_symbol(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    ck_assert_msg(p != NULL, "libndpi's %s: %s", name, dlerror());
    return p;
}

/* The same, into the function pointer at `fn` (ISO C has no object-to-function pointer
 * cast). */
static void lib_fn(const char *name, void *fn, size_t size)
{
    void *p = lib_symbol(name);
    memcpy(fn, &p, size);
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

START_TEST(program_definitions_are_the_bound_ones)
{
    const struct {
        const char *name;
        void *ours;
    } defs[] = {
        {"NDPI_BITMASK_COMPARE", (void *)NDPI_BITMASK_COMPARE},
        {"ndpi_exclude_protocol", (void *)ndpi_exclude_protocol},
        {"ndpi_check_flow_func", (void *)ndpi_check_flow_func},
        {"ndpi_network_port_ptree_match", (void *)ndpi_network_port_ptree_match},
        {"ndpi_strnstr", (void *)ndpi_strnstr},
        {"ndpi_match_prefix", (void *)ndpi_match_prefix},
    };
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        ck_assert_msg(dlsym(RTLD_DEFAULT, defs[i].name) == defs[i].ours,
                      "%s does not bind to the program's", defs[i].name);
        ck_assert_msg(lib_symbol(defs[i].name) != defs[i].ours, "%s: no libndpi definition",
                      defs[i].name);
    }
}
END_TEST

START_TEST(compare_agrees_with_libndpi)
{
    compare_fn lib;
    lib_fn("NDPI_BITMASK_COMPARE", &lib, sizeof(lib));
    NDPI_PROTOCOL_BITMASK a, b;
    /* Every pair of single bits: shared only when they are the same bit. */
    for (int i = 0; i < NDPI_NUM_BITS; i++) {
        for (int j = 0; j < NDPI_NUM_BITS; j += 7) {
            NDPI_BITMASK_RESET(a);
            NDPI_BITMASK_RESET(b);
            NDPI_ADD_PROTOCOL_TO_BITMASK(a, i);
            NDPI_ADD_PROTOCOL_TO_BITMASK(b, j);
            int want = i == j;
            ck_assert_int_eq(lib(a, b), want);
            ck_assert_int_eq(NDPI_BITMASK_COMPARE(a, b), want);
            ck_assert_int_eq(NDPI_BITMASK_COMPARE(b, a), want);
        }
    }
    NDPI_BITMASK_RESET(a);
    NDPI_BITMASK_SET_ALL(b);
    ck_assert_int_eq(NDPI_BITMASK_COMPARE(a, b), 0);
    ck_assert_int_eq(NDPI_BITMASK_COMPARE(b, b), 1);
    ck_assert_int_eq(NDPI_BITMASK_COMPARE(a, a), 0);
    /* Sparse random masks, as nDPI's are: both answers come up often. */
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int shared = 0;
    for (int n = 0; n < 200000; n++) {
        NDPI_BITMASK_RESET(a);
        NDPI_BITMASK_RESET(b);
        for (int k = (int)(next_rand(&seed) % 24); k > 0; k--)
            NDPI_ADD_PROTOCOL_TO_BITMASK(a, (int)(next_rand(&seed) % NDPI_NUM_BITS));
        for (int k = (int)(next_rand(&seed) % 24); k > 0; k--)
            NDPI_ADD_PROTOCOL_TO_BITMASK(b, (int)(next_rand(&seed) % NDPI_NUM_BITS));
        int want = lib(a, b);
        shared += want;
        ck_assert_int_eq(NDPI_BITMASK_COMPARE(a, b), want);
    }
    ck_assert_int_gt(shared, 20000);
    ck_assert_int_lt(shared, 180000);
}
END_TEST

START_TEST(exclude_agrees_with_libndpi_for_every_id)
{
    exclude_fn lib;
    lib_fn("ndpi_exclude_protocol", &lib, sizeof(lib));
    struct ndpi_flow_struct *mine = calloc(1, sizeof(*mine));
    struct ndpi_flow_struct *theirs = calloc(1, sizeof(*theirs));
    ck_assert(mine && theirs);
    /* One flow takes every id in turn, as the dissectors' calls pile up; the rest of the
     * struct must stay untouched. */
    memset(mine, 0x5a, sizeof(*mine));
    memset(theirs, 0x5a, sizeof(*theirs));
    NDPI_BITMASK_RESET(mine->excluded_protocol_bitmask);
    NDPI_BITMASK_RESET(theirs->excluded_protocol_bitmask);
    for (uint32_t id = 0; id <= UINT16_MAX; id += id < 1024 ? 1 : 61) {
        ndpi_exclude_protocol(NULL, mine, (u_int16_t)id, __FILE__, __func__, __LINE__);
        lib(NULL, theirs, (u_int16_t)id, __FILE__, __func__, __LINE__);
        ck_assert_msg(memcmp(mine, theirs, sizeof(*mine)) == 0, "flows differ after id %u", id);
    }
    ck_assert(NDPI_COMPARE_PROTOCOL_TO_BITMASK(mine->excluded_protocol_bitmask, 511));
    /* And one id at a time on a clean flow. */
    for (uint32_t id = 0; id < 1024; id++) {
        memset(mine, 0, sizeof(*mine));
        memset(theirs, 0, sizeof(*theirs));
        ndpi_exclude_protocol(NULL, mine, (u_int16_t)id, __FILE__, __func__, __LINE__);
        lib(NULL, theirs, (u_int16_t)id, __FILE__, __func__, __LINE__);
        ck_assert_msg(memcmp(mine, theirs, sizeof(*mine)) == 0, "id %u alone", id);
        NDPI_PROTOCOL_BITMASK none;
        NDPI_BITMASK_RESET(none);
        bool untouched = !memcmp(&mine->excluded_protocol_bitmask, &none, sizeof(none));
        ck_assert_int_eq(untouched, id >= NDPI_NUM_BITS);
    }
    free(mine);
    free(theirs);
}
END_TEST

START_TEST(match_prefix_agrees_with_libndpi)
{
    prefix_fn lib;
    lib_fn("ndpi_match_prefix", &lib, sizeof(lib));
    /* Zero length, longer than the payload, bytes above 0x7f, a NUL inside. */
    const uint8_t payload[] = {'G', 'E', 'T', ' ', '/', 0, 0xff, 'x'};
    ck_assert_int_eq(ndpi_match_prefix(payload, sizeof(payload), "", 0), 1);
    ck_assert_int_eq(ndpi_match_prefix(payload, 0, "", 0), 1);
    ck_assert_int_eq(ndpi_match_prefix(payload, 3, "GET ", 4), 0);
    ck_assert_int_eq(ndpi_match_prefix(payload, 4, "GET ", 4), 1);
    ck_assert_int_eq(ndpi_match_prefix(payload, 8, "GET /\0\xffx", 8), 1);
    ck_assert_int_eq(ndpi_match_prefix(payload, 8, "GET /\0\xfey", 8), 0);
    /* Random payloads over a small alphabet, so that prefixes match at every length. */
    uint64_t seed = 0x2545f4914f6cdd1dull;
    uint8_t buf[40];
    char str[40];
    int matched = 0;
    for (int n = 0; n < 200000; n++) {
        size_t plen = next_rand(&seed) % sizeof(buf), slen = next_rand(&seed) % sizeof(str);
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)(next_rand(&seed) % 3 ? 'a' : 0x80 + next_rand(&seed) % 2);
        memcpy(str, buf, sizeof(str));
        if (slen && next_rand(&seed) % 2)
            str[next_rand(&seed) % slen] ^= 1;
        int want = lib(buf, plen, str, slen);
        matched += want;
        ck_assert_int_eq(ndpi_match_prefix(buf, plen, str, slen), want);
    }
    ck_assert_int_gt(matched, 20000);
    ck_assert_int_lt(matched, 180000);
}
END_TEST

/* Haystacks and needles over a small alphabet with NULs, every length limit up to past the
 * haystack's end: the same pointer (or NULL) as libndpi's. */
START_TEST(strnstr_agrees_with_libndpi)
{
    strnstr_fn lib;
    lib_fn("ndpi_strnstr", &lib, sizeof(lib));
    ck_assert_ptr_eq(ndpi_strnstr("abc", "", 0), lib("abc", "", 0));
    ck_assert_ptr_eq(ndpi_strnstr("", "a", 5), NULL);
    const char *hay = "GET /announce?info_hash=x BitTorrent protocol";
    ck_assert_ptr_eq(ndpi_strnstr(hay, "BitTorrent", strlen(hay)), hay + 26);
    ck_assert_ptr_eq(ndpi_strnstr(hay, "BitTorrent", 35), NULL);
    ck_assert_ptr_eq(ndpi_strnstr(hay, "BitTorrent", 36), hay + 26);
    const char alphabet[] = {'a', 'b', 'a', 'b', 'c', 0};
    uint64_t seed = 0xda3e39cb94b95bdbull;
    char h[48], f[6];
    int found = 0;
    for (int n = 0; n < 300000; n++) {
        size_t hn = next_rand(&seed) % sizeof(h), fn = next_rand(&seed) % sizeof(f);
        for (size_t i = 0; i < sizeof(h); i++)
            h[i] = i < hn ? alphabet[next_rand(&seed) % 5 + (next_rand(&seed) % 16 == 0)] : 0;
        for (size_t i = 0; i < sizeof(f); i++)
            f[i] = i + 1 < fn ? alphabet[next_rand(&seed) % 3] : 0;
        size_t slen = next_rand(&seed) % (sizeof(h) + 1);
        char *want = lib(h, f, slen);
        found += want != NULL;
        ck_assert_ptr_eq(ndpi_strnstr(h, f, slen), want);
    }
    ck_assert_int_gt(found, 30000);
    ck_assert_int_lt(found, 270000);
}
END_TEST

/*
 * The remembered network lookups give what libndpi's tree says, first time and again, for
 * addresses inside nDPI's known networks and outside them, and for more address/port pairs
 * than there are slots (so they evict each other).
 */
START_TEST(port_match_remembers_what_libndpi_answers)
{
    port_match_fn lib;
    lib_fn("ndpi_network_port_ptree_match", &lib, sizeof(lib));
    struct ndpi_detection_module_struct *m = ndpi_init_detection_module(ndpi_no_prefs);
    ck_assert_ptr_nonnull(m);
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(m, &all);
    ndpi_finalize_initialization(m);
    /* Google's, Facebook's, Cloudflare's, Microsoft's and Amazon's networks among them. */
    static const char *known[] = {"8.8.8.8",    "142.250.185.78", "157.240.1.35", "31.13.64.1",
                                  "104.16.0.1", "13.107.42.14",   "52.94.236.248"};
    uint64_t seed = 0x853c49e6748fea9bull;
    int named = 0;
    for (int round = 0; round < 3; round++) {
        uint64_t s = seed;
        for (int n = 0; n < 20000; n++) {
            struct in_addr a;
            if (n < (int)(sizeof(known) / sizeof(known[0])))
                ck_assert_int_eq(inet_pton(AF_INET, known[n], &a), 1);
            else
                a.s_addr = (uint32_t)next_rand(&s);
            u_int16_t port = (u_int16_t)(n % 3 ? next_rand(&s) : 0);
            u_int16_t want = lib(m, &a, port);
            named += want != NDPI_PROTOCOL_UNKNOWN;
            ck_assert_int_eq(ndpi_network_port_ptree_match(m, &a, port), want);
            ck_assert_int_eq(ndpi_network_port_ptree_match(m, &a, port), want);
        }
    }
    ck_assert_int_gt(named, 3 * 7 - 1);
    ndpi_exit_detection_module(m);
}
END_TEST

Suite *suite_ndpi_fast(void)
{
    Suite *s = suite_create("ndpi_fast");
    TCase *tc = tcase_create("against libndpi");
    tcase_add_test(tc, program_definitions_are_the_bound_ones);
    tcase_add_test(tc, compare_agrees_with_libndpi);
    tcase_add_test(tc, exclude_agrees_with_libndpi_for_every_id);
    tcase_add_test(tc, match_prefix_agrees_with_libndpi);
    tcase_add_test(tc, strnstr_agrees_with_libndpi);
    tcase_add_test(tc, port_match_remembers_what_libndpi_answers);
    suite_add_tcase(s, tc);
    return s;
}
