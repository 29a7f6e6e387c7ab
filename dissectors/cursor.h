/*
 * cursor.h - the one bounds-checked reader for bytes that came off the wire.
 *
 * Every decoder and dissector reads packet bytes through a struct sl_cur and
 * nothing else: no indexing into payload arrays, no pointer arithmetic.  The
 * getters never read past `end`; a short read returns zero (or NULL), leaves
 * the cursor where it was and sets the sticky `bad` flag, so a run of reads can
 * be checked once at the end, as BoringSSL's CBS and tcpdump's GET_ macros do
 * (without tcpdump's longjmp: the engine holds flow state a jump would skip).
 *
 * Length tests are written as `n <= end - p`, never `p + n <= end`: with a
 * hostile 32-bit length the latter can wrap and the compiler may fold it away
 * (CERT VU#162289).
 */
#ifndef SLUICE_CURSOR_H
#define SLUICE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sl_cur {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
    bool bad;           /* sticky: a read ran short or a field was invalid */
};

/* A cursor over `len` bytes at `p`.  A NULL `p` gives an empty cursor. */
static inline struct sl_cur sl_cur_make(const uint8_t *p, size_t len)
{
    struct sl_cur c = {p, p ? p + len : NULL, false};
    return c;
}

static inline size_t sl_cur_left(const struct sl_cur *c)
{
    return c->p ? (size_t)(c->end - c->p) : 0;
}

static inline bool sl_cur_has(const struct sl_cur *c, size_t n)
{
    return n <= sl_cur_left(c);
}

static inline bool sl_cur_ok(const struct sl_cur *c)
{
    return !c->bad;
}

/* Mark the cursor bad: a field was read but its value is invalid. */
static inline void sl_cur_fail(struct sl_cur *c)
{
    c->bad = true;
}

/* Consume `n` bytes; false (and bad) if fewer remain. */
static inline bool sl_cur_skip(struct sl_cur *c, size_t n)
{
    if (!sl_cur_has(c, n)) {
        c->bad = true;
        return false;
    }
    c->p += n;
    return true;
}

/* Borrow `n` bytes: a pointer valid as long as the packet is, or NULL. */
static inline const uint8_t *sl_cur_bytes(struct sl_cur *c, size_t n)
{
    const uint8_t *r = c->p;
    return sl_cur_skip(c, n) ? r : NULL;
}

/* Copy `n` bytes into `dst`; on a short read `dst` is zeroed. */
static inline bool sl_cur_copy(struct sl_cur *c, void *dst, size_t n)
{
    const uint8_t *r = sl_cur_bytes(c, n);
    if (r)
        memcpy(dst, r, n);
    else
        memset(dst, 0, n);
    return r != NULL;
}

static inline uint8_t sl_cur_u8(struct sl_cur *c)
{
    const uint8_t *r = sl_cur_bytes(c, 1);
    return r ? r[0] : 0;
}

static inline uint16_t sl_cur_u16be(struct sl_cur *c)
{
    const uint8_t *r = sl_cur_bytes(c, 2);
    return r ? (uint16_t)((r[0] << 8) | r[1]) : 0;
}

static inline uint16_t sl_cur_u16le(struct sl_cur *c)
{
    const uint8_t *r = sl_cur_bytes(c, 2);
    return r ? (uint16_t)((r[1] << 8) | r[0]) : 0;
}

static inline uint32_t sl_cur_u32be(struct sl_cur *c)
{
    const uint8_t *r = sl_cur_bytes(c, 4);
    return r ? ((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) | ((uint32_t)r[2] << 8) | r[3] : 0;
}

static inline uint32_t sl_cur_u32le(struct sl_cur *c)
{
    const uint8_t *r = sl_cur_bytes(c, 4);
    return r ? ((uint32_t)r[3] << 24) | ((uint32_t)r[2] << 16) | ((uint32_t)r[1] << 8) | r[0] : 0;
}

static inline uint64_t sl_cur_u64be(struct sl_cur *c)
{
    uint64_t hi = sl_cur_u32be(c);
    return (hi << 32) | sl_cur_u32be(c);
}

/* Peek at the byte `off` bytes ahead without consuming; -1 when out of range. */
static inline int sl_cur_peek(const struct sl_cur *c, size_t off)
{
    return off < sl_cur_left(c) ? c->p[off] : -1;
}

/* Offset of the first `b` at or after `from` bytes ahead, or sl_cur_left() when there is none:
 * memchr's speed for scans over whole requests, inside the cursor's bounds. */
static inline size_t sl_cur_find(const struct sl_cur *c, size_t from, uint8_t b)
{
    size_t left = sl_cur_left(c);
    if (from >= left)
        return left;
    const uint8_t *at = memchr(c->p + from, b, left - from);
    return at ? (size_t)(at - c->p) : left;
}

/*
 * Take the next `n` bytes as a cursor of their own (a length-prefixed field,
 * a PDU whose header gives its length) and step past them.  On a short read
 * the parent is marked bad and the result is empty and bad.
 */
static inline struct sl_cur sl_cur_sub(struct sl_cur *c, size_t n)
{
    struct sl_cur s = {NULL, NULL, true};
    const uint8_t *r = sl_cur_bytes(c, n);
    if (r) {
        s.p = r;
        s.end = r + n;
        s.bad = false;
    }
    return s;
}

/*
 * Narrow the readable end to `n` bytes from here when fewer than what is left
 * (a PDU's own length field clamps what inner layers may read: they must not
 * see the outer trailer).  Returns false when `n` is more than is readable:
 * the caller decides whether that is truncation (snaplen) or a lie.
 */
static inline bool sl_cur_clamp(struct sl_cur *c, size_t n)
{
    if (!sl_cur_has(c, n))
        return false;
    c->end = c->p + n;
    return true;
}

/* Bytes consumed since `mark` (a copy of this cursor taken earlier). */
static inline size_t sl_cur_since(const struct sl_cur *c, const struct sl_cur *mark)
{
    return (size_t)(c->p - mark->p);
}

#endif
