/*
 * sha1.c - SHA-1 (FIPS 180-4, section 6.1) for Community ID.
 *
 * Every event that names a flow hashes a 16- or 40-byte tuple: one block.
 * nDPI's SHA-1 pads a byte per call (some fifty calls a digest, a fifth of
 * a flow event's cost); here the padding is laid out once and the rounds
 * are unrolled by five, so no variable is shifted between rounds.  Where
 * the CPU has the SHA extensions (SHA-NI: AMD since Zen, Intel since Ice
 * Lake) a block takes four rounds an instruction instead, a tenth of the
 * time; the choice is made once, at load.
 */
#include <stdbool.h>
#include <string.h>

#include "sha1.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI_CODE 1
#endif

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

#ifdef HAVE_SHA_NI_CODE
/*
 * Rounds four at a time: sha1rnds4 takes A..D (A in the top lane), the next
 * four message words with E added to the first, and the round function
 * (0 to 3, a constant); sha1nexte derives that E from the A..D four rounds
 * before; sha1msg1/sha1msg2 extend the schedule four words at a time.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_ni(uint32_t h[5],
                                                                    const uint8_t *block)
{
    /* Big-endian words, the first in the top lane. */
    const __m128i order = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i w[20];
    for (int i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 16 * i)),
                                order);
    for (int i = 4; i < 20; i++)
        w[i] = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w[i - 4], w[i - 3]), w[i - 2]),
                                  w[i - 1]);
    __m128i abcd_in = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)h), 0x1b);
    __m128i e_in = _mm_set_epi32((int)h[4], 0, 0, 0);
    __m128i abcd = abcd_in, prev = abcd;
    abcd = _mm_sha1rnds4_epu32(abcd, _mm_add_epi32(e_in, w[0]), 0);
#define GROUP(i, f)                                                                                \
    do {                                                                                           \
        __m128i e = _mm_sha1nexte_epu32(prev, w[i]);                                               \
        prev = abcd;                                                                               \
        abcd = _mm_sha1rnds4_epu32(abcd, e, f);                                                    \
    } while (0)
    for (int i = 1; i < 5; i++)
        GROUP(i, 0);
    for (int i = 5; i < 10; i++)
        GROUP(i, 1);
    for (int i = 10; i < 15; i++)
        GROUP(i, 2);
    for (int i = 15; i < 20; i++)
        GROUP(i, 3);
#undef GROUP
    __m128i e = _mm_sha1nexte_epu32(prev, e_in);
    abcd = _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd_in), 0x1b);
    _mm_storeu_si128((__m128i *)(void *)h, abcd);
    h[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

static bool cpu_has_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
        return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

static void (*block_fn)(uint32_t h[5], const uint8_t *block) = compress;

__attribute__((constructor)) static void pick_block_fn(void)
{
#ifdef HAVE_SHA_NI_CODE
    if (cpu_has_sha_ni())
        block_fn = compress_ni;
#endif
}

bool sl_sha1_use(bool sha_ni)
{
#ifdef HAVE_SHA_NI_CODE
    if (sha_ni && !cpu_has_sha_ni())
        return false;
    block_fn = sha_ni ? compress_ni : compress;
    return true;
#else
    if (sha_ni)
        return false;
    block_fn = compress;
    return true;
#endif
}

void sl_sha1(const uint8_t *msg, size_t n, uint8_t out[SL_SHA1_LEN])
{
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    size_t whole = n / 64 * 64;
    for (size_t at = 0; at < whole; at += 64)
        block_fn(h, msg + at);
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
        block_fn(h, last + 64 * b);
    for (unsigned i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}
