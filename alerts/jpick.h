/*
 * jpick.h - pick a few values out of one JSON event line in a single pass,
 * without building a tree or allocating.  For consumers of the engine's own
 * events (the replay summary), which need half a dozen fields of lines the
 * engine writes by the thousand per second.
 */
#ifndef SLUICE_JPICK_H
#define SLUICE_JPICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_JPICK_MAX 16 /* wants per call; those past it are left absent */

struct sl_jpick {
    const char *k1; /* a key of the top-level object */
    const char *k2; /* a key of k1's object value, or NULL to pick k1's value itself */
    const char *v;  /* out: the value's first byte (a string's opening quote); NULL if absent */
    size_t len;     /* out: the value's length in bytes, quotes included */
};

/*
 * Fill each want's v and len from the object in s[0, n).  Keys are compared
 * byte for byte with their JSON form (wanted keys have no escapes); the last
 * occurrence of a repeated key wins.  0, or -1 if s is not one well-formed
 * object (what was picked before the fault is kept).
 */
int sl_jpick(const char *s, size_t n, struct sl_jpick *want, size_t nwant);

/* A picked unsigned integer; false if absent, negative, fractional or past 2^64 - 1. */
bool sl_jpick_u64(const struct sl_jpick *w, uint64_t *out);

/*
 * A picked string's contents as written, escapes kept (so the copy is
 * printable ASCII whenever the event is), NUL-terminated and cut to fit cap.
 * Its length: 0 if the value is absent, empty or not a string.
 */
size_t sl_jpick_str(const struct sl_jpick *w, char *out, size_t cap);

#endif
