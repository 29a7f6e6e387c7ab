/*
 * community_id.c - Community ID v1: SHA-1 over seed, ordered endpoints, proto
 * and ports, base64 with a "1:" version prefix.  Computed when an event is
 * written, never per packet.
 */
#include <string.h>

#include "community_id.h"
#include "sha1.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

unsigned sl_base64(const uint8_t *in, unsigned len, char *out)
{
    unsigned o = 0;
    for (unsigned i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* True when (a, ap) sorts before or equal to (b, bp): address bytes first, then port. */
static bool endpoint_le(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, unsigned alen)
{
    int c = memcmp(a, b, alen);
    return c < 0 || (c == 0 && ap <= bp);
}

void sl_community_id(const struct sl_cid_tuple *t, uint16_t seed, char out[SL_COMMUNITY_ID_LEN])
{
    unsigned alen = t->family == 6 ? 16 : 4;
    const uint8_t *s = t->src, *d = t->dst;
    uint16_t sp = t->sport, dp = t->dport;

    if (!t->one_way && !endpoint_le(s, sp, d, dp, alen)) {
        const uint8_t *ta = s;
        uint16_t tp = sp;
        s = d;
        d = ta;
        sp = dp;
        dp = tp;
    }

    /* seed(2) saddr daddr proto(1) pad(1) sport(2) dport(2), all network order */
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    unsigned n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, s, alen);
    n += alen;
    memcpy(buf + n, d, alen);
    n += alen;
    buf[n++] = t->proto;
    buf[n++] = 0;
    if (t->has_ports) {
        buf[n++] = (uint8_t)(sp >> 8);
        buf[n++] = (uint8_t)sp;
        buf[n++] = (uint8_t)(dp >> 8);
        buf[n++] = (uint8_t)dp;
    }

    uint8_t digest[SL_SHA1_LEN];
    sl_sha1(buf, n, digest);
    out[0] = '1';
    out[1] = ':';
    sl_base64(digest, sizeof(digest), out + 2);
}
