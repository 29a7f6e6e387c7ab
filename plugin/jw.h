/*
 * jw.h - a small JSON writer for events: appends to one reusable buffer,
 * escapes every string, and never emits invalid UTF-8.
 *
 * Events are written on the packet thread (an alert at the packet that
 * raised it), so this avoids jansson's allocation per value; jansson parses
 * every line back in the tests.  Keys are trusted: the program's own names,
 * plain printable ASCII without '"' or '\\', written as they are (the
 * sanitizer build, SL_CHECKS, aborts on any other).  Values may be hostile
 * bytes off the wire.
 */
#ifndef SLUICE_JW_H
#define SLUICE_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SL_JW_MAX_DEPTH 16

struct sl_jw {
    char *buf;
    size_t len, cap;
    unsigned depth;
    bool first[SL_JW_MAX_DEPTH + 1]; /* no member written yet at this depth */
    bool oom; /* an allocation failed: the event is lost (counted by caller) */
};

/* Start empty; the buffer grows as needed (amortised: reused across events). */
void sl_jw_init(struct sl_jw *w);
void sl_jw_free(struct sl_jw *w);
/* Forget the content, keep the buffer. */
void sl_jw_reset(struct sl_jw *w);

/*
 * The calls below are inline so that a literal key's length is known where it
 * is written (a member was a strlen and a memcpy call each, a sixth of an
 * event); the values are written by the sl_jw__ functions in jw.c.
 */
void sl_jw__key_slow(struct sl_jw *w, const char *key, size_t n, size_t comma);
void sl_jw__check_key(const char *key, size_t n);
void sl_jw__open(struct sl_jw *w, char ch);
void sl_jw__str(struct sl_jw *w, const uint8_t *s, size_t n);
void sl_jw__plain(struct sl_jw *w, const char *s, size_t n);
void sl_jw__u64(struct sl_jw *w, uint64_t v);
void sl_jw__i64(struct sl_jw *w, int64_t v);
void sl_jw__bool(struct sl_jw *w, bool v);
void sl_jw__null(struct sl_jw *w);
void sl_jw__hex(struct sl_jw *w, const uint8_t *s, size_t n);
void sl_jw__fixed(struct sl_jw *w, int64_t v, unsigned decimals);

/* `,"key":` (the comma when `comma`) into room already there. */
static inline void sl_jw__put_key(struct sl_jw *w, const char *key, size_t n, size_t comma)
{
    char *d = w->buf + w->len;
    d[0] = ',';
    d += comma;
    d[0] = '"';
    memcpy(d + 1, key, n);
    d[n + 1] = '"';
    d[n + 2] = ':';
    w->len += comma + n + 3;
}

/* The comma before a member and its `"key":` (nothing but the comma when key is NULL). */
static inline void sl_jw__member(struct sl_jw *w, const char *key)
{
    size_t comma = !w->first[w->depth];
    w->first[w->depth] = false;
    size_t n = key ? __builtin_strlen(key) : 0;
#ifdef SL_CHECKS
    if (key)
        sl_jw__check_key(key, n);
#endif
    /* Room for the key, its quotes and colon, and the NUL sl_jw_text may add. */
    if (!key || w->oom || w->len + comma + n + 4 > w->cap)
        sl_jw__key_slow(w, key, n, comma);
    else
        sl_jw__put_key(w, key, n, comma);
}

/* Objects and arrays.  `key` is NULL inside arrays and at the top level. */
static inline void sl_jw_obj_open(struct sl_jw *w, const char *key)
{
    sl_jw__member(w, key);
    sl_jw__open(w, '{');
}
void sl_jw_obj_close(struct sl_jw *w);
static inline void sl_jw_arr_open(struct sl_jw *w, const char *key)
{
    sl_jw__member(w, key);
    sl_jw__open(w, '[');
}
void sl_jw_arr_close(struct sl_jw *w);

/* Members (key NULL inside arrays). */
static inline void sl_jw_str(struct sl_jw *w, const char *key, const char *s)
{
    /* Trusted NUL-terminated UTF-8 (escaped all the same). */
    sl_jw__member(w, key);
    sl_jw__str(w, (const uint8_t *)s, __builtin_strlen(s));
}
/*
 * Text sluice wrote itself (timestamps, addresses, Community IDs, event ids,
 * names from its own tables): printable ASCII without '"' or '\\', copied as
 * it is, as keys are (the SL_CHECKS build checks it, as it does keys).
 */
static inline void sl_jw_plain(struct sl_jw *w, const char *key, const char *s)
{
    sl_jw__member(w, key);
    sl_jw__plain(w, s, __builtin_strlen(s));
}
static inline void sl_jw_strn(struct sl_jw *w, const char *key, const uint8_t *s, size_t n)
{
    /* Any bytes: see below. */
    sl_jw__member(w, key);
    sl_jw__str(w, s, n);
}
static inline void sl_jw_u64(struct sl_jw *w, const char *key, uint64_t v)
{
    sl_jw__member(w, key);
    sl_jw__u64(w, v);
}
static inline void sl_jw_i64(struct sl_jw *w, const char *key, int64_t v)
{
    sl_jw__member(w, key);
    sl_jw__i64(w, v);
}
static inline void sl_jw_bool(struct sl_jw *w, const char *key, bool v)
{
    sl_jw__member(w, key);
    sl_jw__bool(w, v);
}
static inline void sl_jw_null(struct sl_jw *w, const char *key)
{
    sl_jw__member(w, key);
    sl_jw__null(w);
}
/* A lowercase hex string of n bytes. */
static inline void sl_jw_hex(struct sl_jw *w, const char *key, const uint8_t *s, size_t n)
{
    sl_jw__member(w, key);
    sl_jw__hex(w, s, n);
}
/* A fixed-point number: v / 10^decimals, e.g. (123456, 6) -> 0.123456. */
static inline void sl_jw_fixed(struct sl_jw *w, const char *key, int64_t v, unsigned decimals)
{
    sl_jw__member(w, key);
    sl_jw__fixed(w, v, decimals);
}

/*
 * sl_jw_strn: untrusted bytes.  Valid UTF-8 is copied with JSON escapes
 * (quote, backslash, control characters as \u00XX; NUL as \u0000).  Each
 * byte that is not part of valid UTF-8 (overlong forms, surrogates, > U+10FFFF,
 * truncated sequences) becomes U+FFFD, so the output is always valid JSON and
 * valid UTF-8.  sl_jw_utf8_valid() tells whether the string round-trips
 * (valid UTF-8), so callers add a `<key>_hex` twin when it does not.
 */
bool sl_jw_utf8_valid(const uint8_t *s, size_t n);

/* The finished text (NUL-terminated) and its length; NULL if oom. */
const char *sl_jw_text(const struct sl_jw *w, size_t *len);

#endif
