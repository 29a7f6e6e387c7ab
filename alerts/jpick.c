/*
 * jpick.c - single-pass value picker over one JSON object (see jpick.h).
 *
 * Validates structure only as far as it must to find member boundaries:
 * the members of the top-level object and of the objects descended into are
 * parsed; a value skipped is followed only by its brackets and strings.
 * Strings end at the first quote not escaped by an odd run of backslashes;
 * containers nest to MAX_DEPTH; scalars run to the next delimiter.
 */
#include <string.h>

#include "jpick.h"

#define MAX_DEPTH 32

struct scan {
    const char *s;
    size_t n, i;
};

static void blanks(struct scan *c)
{
    while (c->i < c->n &&
           (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r'))
        c->i++;
}

/* At a '"': move past the closing quote.  -1 if there is none. */
static int string(struct scan *c)
{
    size_t from = c->i + 1;
    for (;;) {
        const char *q = from < c->n ? memchr(c->s + from, '"', c->n - from) : NULL;
        if (!q)
            return -1;
        size_t at = (size_t)(q - c->s), bs = 0;
        while (at - bs > c->i + 1 && c->s[at - bs - 1] == '\\')
            bs++;
        from = at + 1;
        if (bs % 2 == 0) {
            c->i = from;
            return 0;
        }
    }
}

static int value(struct scan *c, int depth);

static bool delim(char ch)
{
    return ch == ',' || ch == '}' || ch == ']' || ch == ' ' || ch == '\t' || ch == '\r' ||
           ch == '\n';
}

/*
 * At a '{' or '[': move past its matching close.  Only brackets (matched
 * against a stack) and strings are followed inside: a value nobody picks is
 * passed over, not parsed.
 */
static int container(struct scan *c, int depth)
{
    char want[MAX_DEPTH];
    int d = 0;
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch == '"') {
            if (string(c) < 0)
                return -1;
            continue;
        }
        if (ch == '{' || ch == '[') {
            if (depth + d >= MAX_DEPTH)
                return -1;
            want[d++] = ch == '{' ? '}' : ']';
        } else if (ch == '}' || ch == ']') {
            if (!d || want[--d] != ch)
                return -1;
            if (!d) {
                c->i++;
                return 0;
            }
        }
        c->i++;
    }
    return -1;
}

/* Skip one value, leading blanks included. */
static int value(struct scan *c, int depth)
{
    blanks(c);
    if (c->i >= c->n)
        return -1;
    char ch = c->s[c->i];
    if (ch == '"')
        return string(c);
    if (ch == '{' || ch == '[')
        return container(c, depth);
    size_t from = c->i;
    while (c->i < c->n && !delim(c->s[c->i]))
        c->i++;
    return c->i > from ? 0 : -1;
}

/* The wanted keys with their lengths, measured once per line. */
struct wants {
    struct sl_jpick *w;
    size_t n;
    size_t len1[SL_JPICK_MAX], len2[SL_JPICK_MAX];
};

static bool key_is(const char *k, size_t klen, const char *want, size_t wlen)
{
    return want && wlen == klen && k[0] == want[0] && !memcmp(k, want, klen);
}

/*
 * Members of the object at c->i.  At the top (outer == NULL) a member is
 * picked by k1 == key && !k2, or descended into when some want has k1 == key
 * and a k2; inside (outer = the top key) by k1 == outer && k2 == key.
 */
static int members(struct scan *c, struct wants *ws, const char *outer, size_t outer_len)
{
    /* The wants that can match here: all at the top; inside, those under this key. */
    unsigned idx[SL_JPICK_MAX], nidx = 0;
    for (unsigned j = 0; j < ws->n; j++)
        if (!outer || key_is(outer, outer_len, ws->w[j].k1, ws->len1[j]))
            idx[nidx++] = j;
    blanks(c);
    if (c->i >= c->n || c->s[c->i] != '{')
        return -1;
    c->i++;
    blanks(c);
    if (c->i < c->n && c->s[c->i] == '}') {
        c->i++;
        return 0;
    }
    for (;;) {
        blanks(c);
        if (c->i >= c->n || c->s[c->i] != '"')
            return -1;
        const char *k = c->s + c->i + 1;
        if (string(c) < 0)
            return -1;
        size_t klen = (size_t)(c->s + c->i - 1 - k);
        blanks(c);
        if (c->i >= c->n || c->s[c->i] != ':')
            return -1;
        c->i++;
        blanks(c);
        bool descend = false;
        struct sl_jpick *hit = NULL;
        for (unsigned x = 0; x < nidx && klen; x++) {
            unsigned j = idx[x];
            struct sl_jpick *w = &ws->w[j];
            if (outer ? key_is(k, klen, w->k2, ws->len2[j]) : key_is(k, klen, w->k1, ws->len1[j])) {
                if (outer || !w->k2)
                    hit = w;
                else
                    descend = true;
            }
        }
        size_t from = c->i;
        int rc;
        if (descend && c->i < c->n && c->s[c->i] == '{')
            rc = members(c, ws, k, klen);
        else
            rc = value(c, outer ? 2 : 1);
        if (rc < 0)
            return -1;
        if (hit) {
            hit->v = c->s + from;
            hit->len = c->i - from;
        }
        blanks(c);
        if (c->i >= c->n)
            return -1;
        if (c->s[c->i] == '}') {
            c->i++;
            return 0;
        }
        if (c->s[c->i] != ',')
            return -1;
        c->i++;
    }
}

int sl_jpick(const char *s, size_t n, struct sl_jpick *want, size_t nwant)
{
    struct wants ws = {want, nwant < SL_JPICK_MAX ? nwant : SL_JPICK_MAX, {0}, {0}};
    for (size_t j = 0; j < nwant; j++) {
        want[j].v = NULL;
        want[j].len = 0;
        if (j < ws.n) {
            ws.len1[j] = want[j].k1 ? strlen(want[j].k1) : 0;
            ws.len2[j] = want[j].k2 ? strlen(want[j].k2) : 0;
        }
    }
    struct scan c = {s, n, 0};
    if (members(&c, &ws, NULL, 0) < 0)
        return -1;
    blanks(&c);
    return c.i == n ? 0 : -1;
}

bool sl_jpick_u64(const struct sl_jpick *w, uint64_t *out)
{
    if (!w->v || !w->len)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < w->len; i++) {
        unsigned d = (unsigned)(w->v[i] - '0');
        if (d > 9 || x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

size_t sl_jpick_str(const struct sl_jpick *w, char *out, size_t cap)
{
    if (!cap)
        return 0;
    out[0] = '\0';
    if (!w->v || w->len < 2 || w->v[0] != '"')
        return 0;
    size_t n = w->len - 2;
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, w->v + 1, n);
    out[n] = '\0';
    return n;
}
