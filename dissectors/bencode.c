/*
 * bencode.c - strict bencode (BEP 3): integers i<n>e, strings <len>:<bytes>,
 * lists l...e and dictionaries d...e, read through the cursor.
 *
 * Limits make it safe on hostile input: SL_BENC_MAX_DEPTH nesting levels,
 * SL_BENC_MAX_NODES values per document, int64 integers, string lengths no
 * longer than the bytes that are there.  Recursion depth is bounded by the
 * nesting limit.
 */
#include <string.h>

#include "bencode.h"

struct bparse {
    struct sl_cur *c;
    struct sl_bdoc *doc;
};

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* Digits up to `end` (':' or 'e'); at least one, no leading zero unless the only digit. */
static enum sl_benc_result digits(struct sl_cur *c, int end, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0, first = -1;
    for (;;) {
        int ch = sl_cur_peek(c, 0);
        if (ch < 0)
            return SL_BENC_INCOMPLETE;
        if (ch == end)
            break;
        if (!is_digit(ch))
            return SL_BENC_INVALID;
        if (n == 0)
            first = ch;
        else if (first == '0')
            return SL_BENC_INVALID; /* leading zero */
        if (v > (limit - (uint64_t)(ch - '0')) / 10)
            return SL_BENC_INVALID; /* out of range */
        v = v * 10 + (uint64_t)(ch - '0');
        n++;
        sl_cur_skip(c, 1);
    }
    if (n == 0)
        return SL_BENC_INVALID;
    sl_cur_skip(c, 1); /* the terminator */
    *out = v;
    return SL_BENC_OK;
}

static int new_node(struct bparse *b, enum sl_btype t)
{
    if (b->doc->count >= SL_BENC_MAX_NODES)
        return -1;
    struct sl_bnode *n = &b->doc->n[b->doc->count];
    memset(n, 0, sizeof(*n));
    n->type = (uint8_t)t;
    n->next = n->child = -1;
    return b->doc->count++;
}

static enum sl_benc_result value(struct bparse *b, int depth, int *out);

static enum sl_benc_result string_at(struct bparse *b, const uint8_t **s, uint32_t *len)
{
    uint64_t n;
    enum sl_benc_result r = digits(b->c, ':', UINT32_MAX, &n);
    if (r != SL_BENC_OK)
        return r;
    if (!sl_cur_has(b->c, n))
        return SL_BENC_INCOMPLETE;
    *s = sl_cur_bytes(b->c, n);
    *len = (uint32_t)n;
    return SL_BENC_OK;
}

static enum sl_benc_result container(struct bparse *b, int depth, int node, bool dict)
{
    int last = -1;
    sl_cur_skip(b->c, 1); /* 'l' or 'd' */
    for (;;) {
        int ch = sl_cur_peek(b->c, 0);
        if (ch < 0)
            return SL_BENC_INCOMPLETE;
        if (ch == 'e') {
            sl_cur_skip(b->c, 1);
            return SL_BENC_OK;
        }
        const uint8_t *key = NULL;
        uint32_t klen = 0;
        if (dict) {
            if (!is_digit(ch))
                return SL_BENC_INVALID; /* keys are strings */
            enum sl_benc_result r = string_at(b, &key, &klen);
            if (r != SL_BENC_OK)
                return r;
        }
        int child;
        enum sl_benc_result r = value(b, depth + 1, &child);
        if (r != SL_BENC_OK)
            return r;
        b->doc->n[child].key = key;
        b->doc->n[child].klen = klen;
        if (last < 0)
            b->doc->n[node].child = (int16_t)child;
        else
            b->doc->n[last].next = (int16_t)child;
        last = child;
    }
}

static enum sl_benc_result value(struct bparse *b, int depth, int *out)
{
    if (depth > SL_BENC_MAX_DEPTH)
        return SL_BENC_INVALID;
    int ch = sl_cur_peek(b->c, 0);
    if (ch < 0)
        return SL_BENC_INCOMPLETE;
    int node;
    if (ch == 'i') {
        if ((node = new_node(b, SL_B_INT)) < 0)
            return SL_BENC_INVALID;
        sl_cur_skip(b->c, 1);
        bool neg = sl_cur_peek(b->c, 0) == '-';
        if (neg)
            sl_cur_skip(b->c, 1);
        uint64_t v;
        enum sl_benc_result r = digits(b->c, 'e', neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
        if (r != SL_BENC_OK)
            return r;
        if (neg && v == 0)
            return SL_BENC_INVALID; /* "-0" */
        b->doc->n[node].i = neg ? (int64_t)(0 - v) : (int64_t)v;
    } else if (is_digit(ch)) {
        if ((node = new_node(b, SL_B_STR)) < 0)
            return SL_BENC_INVALID;
        enum sl_benc_result r = string_at(b, &b->doc->n[node].s, &b->doc->n[node].slen);
        if (r != SL_BENC_OK)
            return r;
    } else if (ch == 'l' || ch == 'd') {
        if ((node = new_node(b, ch == 'l' ? SL_B_LIST : SL_B_DICT)) < 0)
            return SL_BENC_INVALID;
        enum sl_benc_result r = container(b, depth, node, ch == 'd');
        if (r != SL_BENC_OK)
            return r;
    } else {
        return SL_BENC_INVALID;
    }
    *out = node;
    return SL_BENC_OK;
}

enum sl_benc_result sl_bencode_parse(struct sl_cur *c, struct sl_bdoc *doc)
{
    struct sl_cur t = *c;
    struct bparse b = {&t, doc};
    int top;
    doc->count = 0;
    enum sl_benc_result r = value(&b, 1, &top);
    if (r == SL_BENC_OK)
        *c = t;
    return r;
}

const struct sl_bnode *sl_bencode_get(const struct sl_bdoc *doc, const struct sl_bnode *dict,
                                      const char *key)
{
    if (!dict || dict->type != SL_B_DICT)
        return NULL;
    size_t kl = strlen(key);
    for (int i = dict->child; i >= 0; i = doc->n[i].next)
        if (doc->n[i].klen == kl && memcmp(doc->n[i].key, key, kl) == 0)
            return &doc->n[i];
    return NULL;
}

const struct sl_bnode *sl_bencode_str(const struct sl_bdoc *doc, const struct sl_bnode *dict,
                                      const char *key, uint32_t len)
{
    const struct sl_bnode *n = sl_bencode_get(doc, dict, key);
    if (!n || n->type != SL_B_STR || (len && n->slen != len))
        return NULL;
    return n;
}
