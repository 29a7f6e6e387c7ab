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

/* Objects and arrays.  `key` is NULL inside arrays and at the top level. */
void sl_jw_obj_open(struct sl_jw *w, const char *key);
void sl_jw_obj_close(struct sl_jw *w);
void sl_jw_arr_open(struct sl_jw *w, const char *key);
void sl_jw_arr_close(struct sl_jw *w);

/* Members (key NULL inside arrays). */
void sl_jw_str(struct sl_jw *w, const char *key, const char *s); /* trusted NUL-terminated UTF-8 */
void sl_jw_strn(struct sl_jw *w, const char *key, const uint8_t *s,
                size_t n); /* any bytes, see below */
void sl_jw_u64(struct sl_jw *w, const char *key, uint64_t v);
void sl_jw_i64(struct sl_jw *w, const char *key, int64_t v);
void sl_jw_bool(struct sl_jw *w, const char *key, bool v);
void sl_jw_null(struct sl_jw *w, const char *key);
void sl_jw_hex(struct sl_jw *w, const char *key, const uint8_t *s,
               size_t n); /* lowercase hex string */
/* A fixed-point number: v / 10^decimals, e.g. (123456, 6) -> 0.123456. */
void sl_jw_fixed(struct sl_jw *w, const char *key, int64_t v, unsigned decimals);

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
