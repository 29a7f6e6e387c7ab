/*
 * dispatch.c - packets to workers by internal host.  The packet is decoded
 * with the engine's own decoder (bounds-checked, no allocation) so the
 * dispatcher and the engines agree on what the addresses are, tunnels and
 * VLANs included.  The rule matches infer.c's internal_end().
 */
#include <string.h>

#include "decode.h"
#include "dispatch.h"
#include "packet.h"

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

unsigned sl_dispatch_worker(const struct sluice_config *cfg, const sluice_packet *in,
                            unsigned nworkers)
{
    if (nworkers <= 1)
        return 0;
    struct sl_packet pkt;
    sl_decode_input(in, &pkt);
    return sl_dispatch_decoded(cfg, &pkt, nworkers);
}

unsigned sl_dispatch_decoded(const struct sluice_config *cfg, const struct sl_packet *pkt,
                             unsigned nworkers)
{
    if (nworkers <= 1)
        return 0;
    if (pkt->ip_version != 4 && pkt->ip_version != 6)
        return 0;
    int fam = pkt->ip_version;
    size_t alen = fam == 4 ? 4 : 16;
    const uint8_t *s = pkt->src.b, *d = pkt->dst.b;
    bool sin = sl_cidr_list_contains(&cfg->home_nets, fam, s);
    bool din = sl_cidr_list_contains(&cfg->home_nets, fam, d);
    uint64_t h = 0xcbf29ce484222325ull;
    if (sin || din) {
        const uint8_t *host = sin && din ? (memcmp(s, d, alen) <= 0 ? s : d) : sin ? s : d;
        h = fnv(h, host, alen);
    } else {
        const uint8_t *lo = memcmp(s, d, alen) <= 0 ? s : d, *hi = lo == s ? d : s;
        h = fnv(h, lo, alen);
        h = fnv(h, hi, alen);
        h = fnv(h, &pkt->l4proto, 1);
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (unsigned)(h % nworkers);
}
