/*
 * fuzz_decode.c - libFuzzer target: the packet decoder on any bytes, under
 * every supported link type and one it does not know (the first byte picks
 * one; tools/fuzz-seed.py keeps the same list).
 */
#include <stdint.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = {0, 1, 12, 14, 101, 108, 113, 239, 276, 147};
    if (size < 1)
        return 0;
    struct sl_packet p;
    memset(&p, 0, sizeof(p));
    p.linktype = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    p.data = data + 1;
    p.caplen = (uint32_t)(size - 1);
    p.wirelen = p.caplen + (data[0] >> 4) * 100; /* sometimes cut by a snaplen */
    enum sl_decode_result r = sl_decode_packet(&p);
    (void)sl_decode_name(r);
    return 0;
}
