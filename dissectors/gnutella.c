/*
 * gnutella.c - the Gnutella 0.6 handshake, HTTP-like header blocks:
 *   client: GNUTELLA CONNECT/0.6 \r\n User-Agent: ... \r\n X-Ultrapeer: ... \r\n \r\n
 *   server: GNUTELLA/0.6 200 OK  \r\n User-Agent: ... \r\n ... \r\n \r\n
 * Gnutella downloads are HTTP: "GET /get/<index>/<name> HTTP/1.1" (or by
 * hash, "GET /uri-res/N2R?urn:sha1:..."), and the name is kept.
 * The first line and the User-Agent (or Server) of each side are kept, as raw
 * bytes; everything is read through the cursor, line by line.
 */
#include <string.h>

#include "cursor.h"
#include "gnutella.h"
#include "text.h"

static void take(struct sl_cur v, uint8_t *dst, uint8_t *len)
{
    size_t n = sl_cur_left(&v) < SL_GNUT_TEXT_MAX ? sl_cur_left(&v) : SL_GNUT_TEXT_MAX;
    sl_cur_copy(&v, dst, n);
    *len = (uint8_t)n;
}

bool sl_gnut_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    return sl_text_starts(&c, "GNUTELLA CONNECT/", false) ||
           sl_text_starts(&c, "GNUTELLA/0.", false) || sl_text_starts(&c, "GET /get/", false) ||
           sl_text_starts(&c, "GET /uri-res/N2R?urn:", false);
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
    struct sl_cur first = sl_text_line(&c);
    take(first, s->first_line, &s->line_len);
    if (sl_text_starts(&first, "GET /get/", false)) {
        /* /get/<index>/<file name> HTTP/1.1: the name is URL-encoded, up to the space. */
        sl_cur_skip(&first, 9);
        while (sl_cur_left(&first) && sl_cur_peek(&first, 0) != '/')
            sl_cur_skip(&first, 1);
        sl_cur_skip(&first, 1);
        size_t n = 0;
        while (n < sl_cur_left(&first) && sl_cur_peek(&first, n) != ' ')
            n++;
        g->file_len = (uint8_t)sl_text_pct_decode(sl_cur_sub(&first, n), g->file, SL_GNUT_TEXT_MAX);
    }
    while (sl_cur_left(&c)) {
        struct sl_cur line = sl_text_line(&c);
        if (!sl_cur_left(&line))
            break; /* end of the header block */
        /* The User-Agent, or a Server header when there is none (yet). */
        if (sl_text_header(&line, "user-agent:") ||
            (!s->ua_len && sl_text_header(&line, "server:"))) {
            s->ua_cut = sl_cur_left(&line) > SL_GNUT_TEXT_MAX;
            take(line, s->user_agent, &s->ua_len);
        }
    }
    return true;
}
