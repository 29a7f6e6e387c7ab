/*
 * ndpi_fast.c - faster bodies for five of nDPI 4.2's public functions, those
 * its dissectors call most.
 *
 * On every packet of a flow it has not named, nDPI's dissector loop called
 * NDPI_BITMASK_COMPARE twice for most of some 200 entries (ndpi_dispatch.c
 * now runs that loop without it; libndpi still calls it elsewhere, and its
 * own loop does under SLUICE_NDPI_DISPATCH=library), each dissector that
 * rules itself out calls ndpi_exclude_protocol, and dissectors test payload
 * openings with ndpi_match_prefix, six times a packet, and search them with
 * ndpi_strnstr.  The library's
 * compare tests its two 64-byte masks 32 bits at a time with a branch each;
 * its exclude calls a third function to check the id; its prefix test calls
 * memcmp, where the first byte almost always differs; its search takes a
 * byte at a time.  The bodies here do the same work with fewer instructions
 * and return or set exactly what the library's do.  The fifth, the network
 * lookup, keeps libndpi's body and remembers its answers.  check_ndpi_fast compares each
 * with the library's own, over every protocol id, a spread of masks, of
 * payloads and of addresses.
 *
 * They are linked into the sensor program (and the unit tests) only, not
 * into libsluice: libndpi calls them through its PLT, so the dynamic linker
 * binds those calls to the program's definitions.  A libndpi built to bind
 * them internally would keep its own and be as fast as before; a host
 * embedding libsluice keeps nDPI's.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

/* Sixteen bytes at a time: SSE2 on x86-64, whatever the target has elsewhere. */
typedef uint64_t sl_v2u64 __attribute__((vector_size(16)));
_Static_assert(sizeof(NDPI_PROTOCOL_BITMASK) % sizeof(sl_v2u64) == 0, "whole vectors");

/* 1 when the masks share a bit, else 0. */
int NDPI_BITMASK_COMPARE(NDPI_PROTOCOL_BITMASK a, NDPI_PROTOCOL_BITMASK b)
{
    sl_v2u64 common = {0, 0};
    /* Unrolled: a loop's counter and branch would cost as much as the work. */
#pragma GCC unroll 4
    for (size_t i = 0; i < sizeof(a); i += sizeof(sl_v2u64)) {
        sl_v2u64 x, y;
        memcpy(&x, (const char *)&a + i, sizeof(x));
        memcpy(&y, (const char *)&b + i, sizeof(y));
        common |= x & y;
    }
    return (common[0] | common[1]) != 0;
}

/* Mark `flow` as not being protocol `id`; ids past the bitmask (ndpi_is_valid_protoId) are
 * ignored.  The library logs the call only when built with debug messages, which the
 * package is not (ndpi_config.h). */
void ndpi_exclude_protocol(struct ndpi_detection_module_struct *ndpi_struct,
                           struct ndpi_flow_struct *flow, u_int16_t id, const char *_file,
                           const char *_func, int _line)
{
    (void)ndpi_struct;
    (void)_file;
    (void)_func;
    (void)_line;
    if (id < NDPI_NUM_BITS)
        NDPI_ADD_PROTOCOL_TO_BITMASK(flow->excluded_protocol_bitmask, id);
}

/* Does `payload` start with the `str_len` bytes of `str`?  Never when it is shorter. */
int ndpi_match_prefix(const u_int8_t *payload, size_t payload_len, const char *str, size_t str_len)
{
    if (str_len > payload_len)
        return 0;
    for (size_t i = 0; i < str_len; i++)
        if (payload[i] != (u_int8_t)str[i])
            return 0;
    return 1;
}

/*
 * The first `find` in `s`, looking at no more than `slen` bytes and not past
 * a NUL.  The library's loop takes a byte at a time (its BitTorrent dissector
 * calls it 2.5 million times on realmix); this one lets strnlen and memchr
 * find the bound and the candidates.  It reads no further than the
 * library's does when there is no match (up to the NUL or `slen`).
 */
char *ndpi_strnstr(const char *s, const char *find, size_t slen)
{
    char c = find[0];
    if (c == '\0')
        return (char *)s;
    const char *rest = find + 1;
    size_t len = strnlen(rest, slen);
    const char *p = s, *end = s + strnlen(s, slen), *q;
    while ((q = memchr(p, c, (size_t)(end - p))) != NULL) {
        /* What the library's count of bytes left is once it has taken q. */
        if (len > slen - (size_t)(q - s) - 1)
            return NULL;
        if (strncmp(q + 1, rest, len) == 0)
            return (char *)q;
        p = q + 1;
    }
    return NULL;
}

/*
 * nDPI looks a new flow's addresses up in its tree of known networks
 * (ndpi_guess_host_protocol_id: the server's, then the client's) on each
 * of the flow's first packets while it has no answer, three times a flow on
 * realmix, each lookup a walk of a tree of thousands of prefixes.  The
 * answer depends only on the address, the port and the tree, which nDPI
 * builds at initialisation and sluice never changes after: remembered per
 * thread (each worker has its own module), it is looked up once a flow.
 */
typedef u_int16_t (*port_match_fn)(struct ndpi_detection_module_struct *, struct in_addr *,
                                   u_int16_t);
static port_match_fn library_port_match;

/* At load: without libndpi's lookup nothing could answer it, so say so and stop then. */
__attribute__((constructor)) static void find_port_match(void)
{
    void *p = dlsym(RTLD_NEXT, "ndpi_network_port_ptree_match");
    if (!p) {
        fprintf(stderr, "sluice: ndpi_network_port_ptree_match not found in libndpi\n");
        abort();
    }
    memcpy(&library_port_match, &p, sizeof(library_port_match));
}

enum { MATCH_SLOTS = 1024 }; /* 8 KiB: the lookups of the flows begun lately */

static __thread struct {
    const struct ndpi_detection_module_struct *m;
    struct {
        uint32_t addr;
        uint16_t port;
        uint16_t answer1; /* the answer + 1; 0: an empty slot */
    } slot[MATCH_SLOTS];
} matches;

u_int16_t ndpi_network_port_ptree_match(struct ndpi_detection_module_struct *m, struct in_addr *pin,
                                        u_int16_t port)
{
    if (matches.m != m) {
        memset(&matches, 0, sizeof(matches));
        matches.m = m;
    }
    uint32_t addr = pin->s_addr;
    uint32_t h = (addr ^ ((uint32_t)port << 16 | port)) * 0x9e3779b1u;
    unsigned i = h >> (32 - 10);
    _Static_assert(MATCH_SLOTS == 1u << 10, "the hash's top 10 bits index the slots");
    if (matches.slot[i].answer1 && matches.slot[i].addr == addr && matches.slot[i].port == port)
        return (u_int16_t)(matches.slot[i].answer1 - 1);
    u_int16_t answer = library_port_match(m, pin, port);
    if (answer < UINT16_MAX) {
        matches.slot[i].addr = addr;
        matches.slot[i].port = port;
        matches.slot[i].answer1 = (uint16_t)(answer + 1);
    }
    return answer;
}
