/*
 * ndpi_fast.c - faster bodies for three of nDPI 4.2's public functions,
 * those its dissectors call most.
 *
 * On every packet of a flow it has not named, nDPI walks its callback table
 * (some 200 dissectors), calling NDPI_BITMASK_COMPARE twice for most entries,
 * and each dissector that rules itself out calls ndpi_exclude_protocol.  On
 * realmix those two were an eighth of all instructions; and dissectors test
 * payload openings with ndpi_match_prefix, six times a packet.  The
 * library's compare tests its two 64-byte masks 32 bits at a time with a
 * branch each; its exclude calls a third function to check the id; its
 * prefix test calls memcmp, where the first byte almost always differs.
 * The bodies here do the same work in a few straight-line instructions and
 * return or set exactly what the library's do: check_ndpi_fast compares
 * them with the library's own over every protocol id, a spread of masks
 * and of payloads.
 *
 * They are linked into the sensor program (and the unit tests) only, not
 * into libsluice: libndpi calls both through its PLT, so the dynamic linker
 * binds those calls to the program's definitions.  A libndpi built to bind
 * them internally would keep its own and be as fast as before; a host
 * embedding libsluice keeps nDPI's.
 */
#include <stdint.h>
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
