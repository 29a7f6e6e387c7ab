/*
 * gnutella.c - the Gnutella 0.6 handshake, HTTP-like header blocks:
 *   client: GNUTELLA CONNECT/0.6 \r\n User-Agent: ... \r\n X-Ultrapeer: ... \r\n \r\n
 *   server: GNUTELLA/0.6 200 OK  \r\n User-Agent: ... \r\n ... \r\n \r\n
 * The first line and the User-Agent (or Server) of each side are kept, as raw
 * bytes; everything is read through the cursor, line by line.
 */
#include <string.h>

#include "cursor.h"
#include "gnutella.h"

static bool starts_with(const struct sl_cur *c, const char *s, bool nocase)
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

/* The next line without its CR LF; the rest of the cursor when there is no LF. */
static struct sl_cur next_line(struct sl_cur *c)
{
    size_t n = 0;
    while (n < sl_cur_left(c) && sl_cur_peek(c, n) != '\n')
        n++;
    struct sl_cur line = sl_cur_sub(c, n);
    sl_cur_skip(c, 1);
    c->bad = false;
    if (sl_cur_left(&line) && sl_cur_peek(&line, sl_cur_left(&line) - 1) == '\r')
        sl_cur_clamp(&line, sl_cur_left(&line) - 1);
    return line;
}

static void take(struct sl_cur v, uint8_t *dst, uint8_t *len)
{
    size_t n = sl_cur_left(&v) < SL_GNUT_TEXT_MAX ? sl_cur_left(&v) : SL_GNUT_TEXT_MAX;
    sl_cur_copy(&v, dst, n);
    *len = (uint8_t)n;
}

bool sl_gnut_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    return starts_with(&c, "GNUTELLA CONNECT/", false) || starts_with(&c, "GNUTELLA/0.", false);
}

bool sl_gnut_feed(struct sl_gnut_flow *g, int dir, const uint8_t *payload, uint32_t caplen)
{
    struct sl_gnut_side *s = &g->side[dir ? 1 : 0];
    if (s->seen)
        return true;
    struct sl_cur c = sl_cur_make(payload, caplen);
    if (!sl_gnut_probe(payload, caplen))
        return false;
    s->seen = true;
    take(next_line(&c), s->first_line, &s->line_len);
    while (sl_cur_left(&c)) {
        struct sl_cur line = next_line(&c);
        if (!sl_cur_left(&line))
            break; /* end of the header block */
        bool ua = starts_with(&line, "user-agent:", true);
        if (ua || (!s->ua_len && starts_with(&line, "server:", true))) {
            sl_cur_skip(&line, ua ? 11 : 7);
            while (sl_cur_peek(&line, 0) == ' ')
                sl_cur_skip(&line, 1);
            s->ua_cut = sl_cur_left(&line) > SL_GNUT_TEXT_MAX;
            take(line, s->user_agent, &s->ua_len);
        }
    }
    return true;
}
