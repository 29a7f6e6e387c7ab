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
