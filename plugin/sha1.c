/*
 * sha1.c - SHA-1 (FIPS 180-4, section 6.1) for Community ID.
 *
 * Every event that names a flow hashes a 16- or 40-byte tuple: one block.
 * nDPI's SHA-1 pads a byte per call (some fifty calls a digest, a fifth of
 * a flow event's cost); here the padding is laid out once and the rounds
 * are unrolled by five, so no variable is shifted between rounds.
 */
#include <string.h>

#include "sha1.h"

static inline uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define CH(b, c, d)  (((b) & (c)) | (~(b) & (d)))
#define PAR(b, c, d) ((b) ^ (c) ^ (d))
#define MAJ(b, c, d) (((b) & (c)) | ((b) & (d)) | ((c) & (d)))

/* One round, its variables renamed rather than shifted: the new `a` lands in `e`. */
#define ROUND(f, k, a, b, c, d, e, t)                                                              \
    do {                                                                                           \
        e += rol(a, 5) + f(b, c, d) + (k) + w[t];                                                  \
        b = rol(b, 30);                                                                            \
    } while (0)

/* Five rounds bring the names back where they started. */
#define ROUNDS5(f, k, t)                                                                           \
    do {                                                                                           \
        ROUND(f, k, a, b, c, d, e, (t));                                                           \
        ROUND(f, k, e, a, b, c, d, (t) + 1);                                                       \
        ROUND(f, k, d, e, a, b, c, (t) + 2);                                                       \
        ROUND(f, k, c, d, e, a, b, (t) + 3);                                                       \
        ROUND(f, k, b, c, d, e, a, (t) + 4);                                                       \
    } while (0)

static void compress(uint32_t h[5], const uint8_t *block)
{
    uint32_t w[80];
    for (unsigned t = 0; t < 16; t++)
        w[t] = be32(block + 4 * t);
    for (unsigned t = 16; t < 80; t++)
        w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (unsigned t = 0; t < 20; t += 5)
        ROUNDS5(CH, 0x5a827999u, t);
    for (unsigned t = 20; t < 40; t += 5)
        ROUNDS5(PAR, 0x6ed9eba1u, t);
    for (unsigned t = 40; t < 60; t += 5)
        ROUNDS5(MAJ, 0x8f1bbcdcu, t);
    for (unsigned t = 60; t < 80; t += 5)
        ROUNDS5(PAR, 0xca62c1d6u, t);
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sl_sha1(const uint8_t *msg, size_t n, uint8_t out[SL_SHA1_LEN])
{
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    size_t whole = n / 64 * 64;
    for (size_t at = 0; at < whole; at += 64)
        compress(h, msg + at);
    /* The tail, 0x80, zeros and the bit length: one block, or two when 56 bytes do not fit. */
    uint8_t last[128] = {0};
    size_t rest = n - whole;
    memcpy(last, msg + whole, rest);
    last[rest] = 0x80;
    size_t blocks = rest < 56 ? 1 : 2;
    uint64_t bits = (uint64_t)n * 8;
    for (unsigned i = 0; i < 8; i++)
        last[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t b = 0; b < blocks; b++)
        compress(h, last + 64 * b);
    for (unsigned i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}
