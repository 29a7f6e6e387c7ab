/*
 * text.c - lines and "Name: value" headers, read through the cursor.
 */
#include <string.h>

#include "text.h"

bool sl_text_starts(const struct sl_cur *c, const char *s, bool nocase)
{
    struct sl_cur t = *c;
    for (; *s; s++) {
        int ch = sl_cur_u8(&t);
        if (!sl_cur_ok(&t))
            return false;
        if (nocase && ch >= 'A' && ch <= 'Z')
            ch += 'a' - 'A';
        if (ch != *s)
            return false;
    }
    return true;
}

struct sl_cur sl_text_line(struct sl_cur *c)
{
    size_t n = 0;
    while (n < sl_cur_left(c) && sl_cur_peek(c, n) != '\n')
        n++;
    struct sl_cur line = sl_cur_sub(c, n);
    if (sl_cur_left(c))
        sl_cur_skip(c, 1); /* the LF */
    if (sl_cur_left(&line) && sl_cur_peek(&line, sl_cur_left(&line) - 1) == '\r')
        sl_cur_clamp(&line, sl_cur_left(&line) - 1); /* drop the CR */
    return line;
}

bool sl_text_header(struct sl_cur *line, const char *name)
{
    if (!sl_text_starts(line, name, true))
        return false;
    sl_cur_skip(line, strlen(name));
    while (sl_cur_peek(line, 0) == ' ')
        sl_cur_skip(line, 1);
    return true;
}

int sl_text_hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decode `v` into out (at most max bytes); returns the decoded length. */
size_t sl_text_pct_decode(struct sl_cur v, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (sl_cur_left(&v) && n < max) {
        int ch = sl_cur_u8(&v);
        if (ch == '%' && sl_cur_left(&v) >= 2 && sl_text_hexval(sl_cur_peek(&v, 0)) >= 0 &&
            sl_text_hexval(sl_cur_peek(&v, 1)) >= 0) {
            ch = sl_text_hexval(sl_cur_u8(&v)) << 4;
            ch |= sl_text_hexval(sl_cur_u8(&v));
        }
        out[n++] = (uint8_t)ch;
    }
    return n;
}
