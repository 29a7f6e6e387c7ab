/*
 * jw.c - the event JSON writer: a growable buffer reused across events,
 * commas tracked per depth, and one escaper for every string, which turns
 * whatever bytes it is given into valid JSON and valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "jw.h"

void sl_jw_init(struct sl_jw *w)
{
    memset(w, 0, sizeof(*w));
    w->first[0] = true;
}

void sl_jw_free(struct sl_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

void sl_jw_reset(struct sl_jw *w)
{
    w->len = 0;
    w->depth = 0;
    w->oom = false;
    w->first[0] = true;
}

static bool grow(struct sl_jw *w, size_t n)
{
    if (w->oom)
        return false;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *p = realloc(w->buf, cap);
    if (!p) {
        w->oom = true;
        return false;
    }
    w->buf = p;
    w->cap = cap;
    return true;
}

/* Room for n more bytes and the NUL sl_jw_text puts after them. */
static inline bool reserve(struct sl_jw *w, size_t n)
{
    if (!w->oom && w->len + n + 1 <= w->cap)
        return true;
    return grow(w, n);
}

static inline void put(struct sl_jw *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void putc1(struct sl_jw *w, char ch)
{
    if (reserve(w, 1))
        w->buf[w->len++] = ch;
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the byte there
 * does not start one (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF, no stray continuation bytes).
 */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t b = s[0];
    if (b < 0x80)
        return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf)
        len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        if (b == 0xe0)
            lo = 0xa0; /* overlong */
        else if (b == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4;
        if (b == 0xf0)
            lo = 0x90; /* overlong */
        else if (b == 0xf4)
            hi = 0x8f; /* past U+10FFFF */
    } else
        return 0;
    if (len > n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

bool sl_jw_utf8_valid(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static const char hexd[] = "0123456789abcdef";

/* Printable ASCII other than '"' and '\\': copied as it is. */
static inline bool plain(uint8_t b)
{
    return b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
}

/*
 * Eight bytes at once: true when none needs escaping or UTF-8 checking (each
 * term is the classic "some byte is zero" test on a transformed word).
 */
static inline bool plain8(const uint8_t *s)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
    uint64_t bad =
        ((x - ones * 0x20) & ~x) | x | ((q - ones) & ~q) | ((b - ones) & ~b) | ((d - ones) & ~d);
    return !(bad & highs);
}

static void escaped(struct sl_jw *w, const uint8_t *s, size_t n)
{
    if (!reserve(w, n + 2))
        return;
    /*
     * Almost every value is plain: copied as it is checked, eight bytes a
     * step and the tail byte by byte, with no call (an event's values are
     * mostly a few bytes long, where memcpy's and a padded tail's set-up
     * cost more than the copy).
     */
    char *d = w->buf + w->len + 1;
    d[-1] = '"';
    size_t i = 0;
    for (; i + 8 <= n && plain8(s + i); i += 8)
        memcpy(d + i, s + i, 8);
    for (; i < n && plain(s[i]); i++)
        d[i] = (char)s[i];
    if (i == n) {
        d[n] = '"';
        w->len += n + 2;
        return;
    }
    w->len += 1 + i; /* the quote and the plain prefix stand */
    size_t run = i;  /* start of a run of bytes copied as they are */
    while (i < n) {
        if (i + 8 <= n && plain8(s + i)) {
            i += 8;
            continue;
        }
        uint8_t b = s[i];
        if (plain(b)) {
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, n - i);
        const char *esc = NULL;
        char u[8];
        if (k == 1 && b >= 0x20 && b != '"' && b != '\\' && b != 0x7f) {
            i++;
            continue;
        }
        if (k == 3 && b == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
            /* U+2028/U+2029 end a line in JavaScript: escape for consumers that eval. */
            esc = s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
        } else if (k > 1) {
            i += k;
            continue;
        }
        put(w, (const char *)s + run, i - run);
        if (esc) {
            put(w, esc, 6);
            i += 3;
        } else if (k == 0) {
            put(w, "\xef\xbf\xbd", 3); /* U+FFFD for each byte that is not UTF-8 */
            i++;
        } else {
            switch (b) {
            case '"':
                put(w, "\\\"", 2);
                break;
            case '\\':
                put(w, "\\\\", 2);
                break;
            case '\n':
                put(w, "\\n", 2);
                break;
            case '\r':
                put(w, "\\r", 2);
                break;
            case '\t':
                put(w, "\\t", 2);
                break;
            default:
                memcpy(u, "\\u00", 4);
                u[4] = hexd[b >> 4];
                u[5] = hexd[b & 15];
                put(w, u, 6);
                break;
            }
            i++;
        }
        run = i;
    }
    put(w, (const char *)s + run, n - run);
    putc1(w, '"');
}

/*
 * Comma and key before a member, when the inline path in jw.h (sl_jw__member)
 * finds no room or no key.  Keys are the program's own names, never bytes off
 * the wire (jw.h): copied as they are.  Checking each byte of every key was a
 * twentieth of a replay; the sanitizer and fuzz builds (SL_CHECKS) still do,
 * and stop at a key that would need escaping.
 */
void sl_jw__key_slow(struct sl_jw *w, const char *key, size_t n, size_t comma)
{
    if (!key) {
        if (comma)
            putc1(w, ',');
        return;
    }
    if (reserve(w, comma + n + 3))
        sl_jw__put_key(w, key, n, comma);
}

void sl_jw__check_key(const char *key, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!plain((uint8_t)key[i]))
            abort();
}

void sl_jw__open(struct sl_jw *w, char ch)
{
    if (w->depth >= SL_JW_MAX_DEPTH) {
        w->oom = true; /* a programming error: fail the event, never write bad JSON */
        return;
    }
    putc1(w, ch);
    w->first[++w->depth] = true;
}

static void close_(struct sl_jw *w, char ch)
{
    if (w->depth == 0) {
        w->oom = true;
        return;
    }
    w->depth--;
    putc1(w, ch);
}

void sl_jw_obj_close(struct sl_jw *w)
{
    close_(w, '}');
}

void sl_jw_arr_close(struct sl_jw *w)
{
    close_(w, ']');
}

void sl_jw__str(struct sl_jw *w, const uint8_t *s, size_t n)
{
    escaped(w, s, n);
}

void sl_jw__plain(struct sl_jw *w, const char *s, size_t n)
{
#ifdef SL_CHECKS
    sl_jw__check_key(s, n);
#endif
    if (!reserve(w, n + 2))
        return;
    char *d = w->buf + w->len;
    d[0] = '"';
    memcpy(d + 1, s, n);
    d[n + 1] = '"';
    w->len += n + 2;
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

static const uint64_t powers_of_ten[20] = {1ull,
                                           10ull,
                                           100ull,
                                           1000ull,
                                           10000ull,
                                           100000ull,
                                           1000000ull,
                                           10000000ull,
                                           100000000ull,
                                           1000000000ull,
                                           10000000000ull,
                                           100000000000ull,
                                           1000000000000ull,
                                           10000000000000ull,
                                           100000000000000ull,
                                           1000000000000000ull,
                                           10000000000000000ull,
                                           100000000000000000ull,
                                           1000000000000000000ull,
                                           10000000000000000000ull};

/* Decimal digits of v: from its bit length (log10 2 ~ 1233/4096), then one compare. */
static unsigned digits(uint64_t v)
{
    if (v < 10)
        return 1;
    unsigned t = (unsigned)(64 - __builtin_clzll(v)) * 1233 >> 12;
    return t + (v >= powers_of_ten[t]);
}

/* Two digits a division, written from the end straight into the buffer. */
static void put_u64(struct sl_jw *w, uint64_t v)
{
    unsigned n = digits(v);
    if (!reserve(w, n))
        return;
    char *d = w->buf + w->len + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        d -= 2;
        memcpy(d, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        d -= 2;
        memcpy(d, digit_pairs + 2 * v, 2);
    } else {
        *--d = (char)('0' + v);
    }
    w->len += n;
}

void sl_jw__u64(struct sl_jw *w, uint64_t v)
{
    put_u64(w, v);
}

void sl_jw__i64(struct sl_jw *w, int64_t v)
{
    if (v < 0) {
        putc1(w, '-');
        put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(w, (uint64_t)v);
    }
}

void sl_jw__bool(struct sl_jw *w, bool v)
{
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void sl_jw__null(struct sl_jw *w)
{
    put(w, "null", 4);
}

void sl_jw__hex(struct sl_jw *w, const uint8_t *s, size_t n)
{
    if (!reserve(w, 2 * n + 2))
        return;
    w->buf[w->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        w->buf[w->len++] = hexd[s[i] >> 4];
        w->buf[w->len++] = hexd[s[i] & 15];
    }
    w->buf[w->len++] = '"';
    w->buf[w->len] = '\0';
}

void sl_jw__fixed(struct sl_jw *w, int64_t v, unsigned decimals)
{
    if (decimals > 9)
        decimals = 9;
    uint64_t div = 1;
    for (unsigned i = 0; i < decimals; i++)
        div *= 10;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        putc1(w, '-');
    put_u64(w, mag / div);
    if (decimals) {
        char frac[10];
        uint64_t f = mag % div;
        for (unsigned i = decimals; i-- > 0;) {
            frac[i] = (char)('0' + f % 10);
            f /= 10;
        }
        putc1(w, '.');
        put(w, frac, decimals);
    }
}

const char *sl_jw_text(const struct sl_jw *w, size_t *len)
{
    if (w->oom || w->depth != 0 || !w->buf)
        return NULL;
    w->buf[w->len] = '\0'; /* reserve() always kept room for it */
    *len = w->len;
    return w->buf;
}
