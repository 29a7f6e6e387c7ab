/*
 * text.h - line and header helpers for the text protocols P2P clients speak
 * (HTTP tracker requests, LSD, Gnutella handshakes), on the bounds-checked cursor.
 */
#ifndef SLUICE_TEXT_H
#define SLUICE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/* Does the cursor start with `s`?  `nocase`: ASCII letters of the input compare as lower
 * case (give `s` in lower case).  Consumes nothing. */
bool sl_text_starts(const struct sl_cur *c, const char *s, bool nocase);

/* The next line without its CR LF, as a sub-cursor; the rest when there is no LF. */
struct sl_cur sl_text_line(struct sl_cur *c);

/* When `line` is the header `name` ("user-agent:", any case), step it to the value past
 * its leading spaces and return true. */
bool sl_text_header(struct sl_cur *line, const char *name);

/* The value of a hex digit, or -1. */
int sl_text_hexval(int ch);

/* Percent-decode `v` (URL style, "%41" is 'A') into out, at most max bytes; the length. */
size_t sl_text_pct_decode(struct sl_cur v, uint8_t *out, size_t max);

#endif
