/*
 * jsonc.c - recursive-descent JSON (with `//` comments) into a node array,
 * tracking line and column.  For config files: bounded in depth, and the
 * loader caps the file size before calling it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "text.h"

#define MAX_DEPTH 16

struct parser {
    const char *s;
    size_t len, pos;
    int line, col;
    struct sl_jdoc *doc;
    char *msg;
    size_t msglen;
    int eline, ecol;
    int depth;
};

const char *sl_jsonc_type_name(enum sl_jtype t)
{
    static const char *const names[] = {"an object", "an array", "a string", "a number",
                                        "true",      "false",    "null"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static int fail(struct parser *p, const char *fmt, ...)
{
    if (p->msg[0])
        return -1; /* keep the first error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, p->msglen, fmt, ap);
    va_end(ap);
    p->eline = p->line;
    p->ecol = p->col;
    return -1;
}

static int peek(const struct parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static void advance(struct parser *p)
{
    if (p->pos >= p->len)
        return;
    if (p->s[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    p->pos++;
}

static int skip_ws(struct parser *p)
{
    for (;;) {
        int c = peek(p);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            advance(p);
        } else if (c == '/') {
            advance(p);
            if (peek(p) != '/')
                return fail(p, "syntax error: '/' must start a '//' comment");
            while (peek(p) != -1 && peek(p) != '\n')
                advance(p);
        } else {
            return 0;
        }
    }
}

static int new_node(struct parser *p, enum sl_jtype t)
{
    struct sl_jdoc *d = p->doc;
    if (d->count == d->cap) {
        int cap = d->cap ? d->cap * 2 : 64;
        struct sl_jnode *n = realloc(d->n, (size_t)cap * sizeof(*n));
        if (!n)
            return fail(p, "out of memory");
        d->n = n;
        d->cap = cap;
    }
    struct sl_jnode *n = &d->n[d->count];
    memset(n, 0, sizeof(*n));
    n->type = t;
    n->line = p->line;
    n->col = p->col;
    n->child = n->next = -1;
    return d->count++;
}

/* A string at the cursor ('"' expected); *out is malloc'd. */
static int parse_string(struct parser *p, char **out)
{
    advance(p); /* opening quote */
    size_t cap = 32, n = 0;
    char *b = malloc(cap);
    if (!b)
        return fail(p, "out of memory");
    for (;;) {
        int c = peek(p);
        if (c == -1) {
            free(b);
            return fail(p, "syntax error: unterminated string");
        }
        if (c < 0x20) {
            free(b);
            return fail(p, "syntax error: control character in string");
        }
        if (n + 4 >= cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                return fail(p, "out of memory");
            }
            b = nb;
        }
        advance(p);
        if (c == '"')
            break;
        if (c != '\\') {
            b[n++] = (char)c;
            continue;
        }
        int e = peek(p);
        advance(p);
        switch (e) {
        case '"':
        case '\\':
        case '/':
            b[n++] = (char)e;
            break;
        case 'b':
            b[n++] = '\b';
            break;
        case 'f':
            b[n++] = '\f';
            break;
        case 'n':
            b[n++] = '\n';
            break;
        case 'r':
            b[n++] = '\r';
            break;
        case 't':
            b[n++] = '\t';
            break;
        case 'u': {
            unsigned v = 0;
            for (int i = 0; i < 4; i++) {
                int h = sl_text_hexval(peek(p));
                if (h < 0) {
                    free(b);
                    return fail(p, "syntax error: bad \\u escape");
                }
                v = v * 16 + (unsigned)h;
                advance(p);
            }
            /* Config values are names and paths: only the Basic Multilingual Plane, no NUL. */
            if (v == 0 || (v >= 0xd800 && v <= 0xdfff)) {
                free(b);
                return fail(p, "syntax error: \\u%04x is not allowed in a config string", v);
            }
            if (v < 0x80) {
                b[n++] = (char)v;
            } else if (v < 0x800) {
                b[n++] = (char)(0xc0 | (v >> 6));
                b[n++] = (char)(0x80 | (v & 0x3f));
            } else {
                b[n++] = (char)(0xe0 | (v >> 12));
                b[n++] = (char)(0x80 | ((v >> 6) & 0x3f));
                b[n++] = (char)(0x80 | (v & 0x3f));
            }
            break;
        }
        default:
            free(b);
            return fail(p, "syntax error: bad escape in string");
        }
    }
    b[n] = '\0';
    *out = b;
    return 0;
}

static int parse_value(struct parser *p);

static int parse_number(struct parser *p, int node)
{
    size_t start = p->pos;
    if (peek(p) == '-')
        advance(p);
    int digits = 0;
    bool zero = peek(p) == '0';
    while (peek(p) >= '0' && peek(p) <= '9') {
        advance(p);
        digits++;
    }
    if (!digits)
        return fail(p, "syntax error: expected a value");
    if (zero && digits > 1) { /* JSON has no octal, and 010 read as ten would surprise */
        fail(p, "syntax error: a number cannot start with 0");
        p->ecol -= digits; /* point at the number */
        return -1;
    }
    if (peek(p) == '.') {
        advance(p);
        if (!(peek(p) >= '0' && peek(p) <= '9'))
            return fail(p, "syntax error: expected a digit after '.'");
        while (peek(p) >= '0' && peek(p) <= '9')
            advance(p);
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        advance(p);
        if (peek(p) == '+' || peek(p) == '-')
            advance(p);
        if (!(peek(p) >= '0' && peek(p) <= '9'))
            return fail(p, "syntax error: expected a digit in the exponent");
        while (peek(p) >= '0' && peek(p) <= '9')
            advance(p);
    }
    char *t = strndup(p->s + start, p->pos - start);
    if (!t)
        return fail(p, "out of memory");
    p->doc->n[node].text = t;
    return 0;
}

static int parse_literal(struct parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, "syntax error: expected a value");
    for (size_t i = 0; i < n; i++)
        advance(p);
    return 0;
}

static int parse_container(struct parser *p, int node, bool object)
{
    if (++p->depth > MAX_DEPTH)
        return fail(p, "nesting deeper than %d", MAX_DEPTH);
    advance(p); /* '{' or '[' */
    int last = -1;
    if (skip_ws(p))
        return -1;
    if (peek(p) == (object ? '}' : ']')) {
        advance(p);
        p->depth--;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        int kline = 0, kcol = 0;
        if (object) {
            if (peek(p) != '"')
                return fail(p, "syntax error: expected a member name in quotes");
            kline = p->line;
            kcol = p->col;
            if (parse_string(p, &key))
                return -1;
            for (int c = p->doc->n[node].child; c >= 0; c = p->doc->n[c].next) {
                if (strcmp(p->doc->n[c].key, key) == 0) {
                    p->line = kline;
                    p->col = kcol;
                    fail(p, "duplicate key '%s'", key);
                    free(key);
                    return -1;
                }
            }
            if (skip_ws(p) || peek(p) != ':') {
                free(key);
                return fail(p, "syntax error: expected ':' after member name");
            }
            advance(p);
            if (skip_ws(p)) {
                free(key);
                return -1;
            }
        }
        int child = parse_value(p);
        if (child < 0) {
            free(key);
            return -1;
        }
        struct sl_jnode *cn = &p->doc->n[child];
        cn->key = key;
        cn->kline = kline;
        cn->kcol = kcol;
        if (last < 0)
            p->doc->n[node].child = child;
        else
            p->doc->n[last].next = child;
        last = child;
        if (skip_ws(p))
            return -1;
        int c = peek(p);
        if (c == ',') {
            advance(p);
            if (skip_ws(p))
                return -1;
            continue;
        }
        if (c == (object ? '}' : ']')) {
            advance(p);
            p->depth--;
            return 0;
        }
        return fail(p, object ? "syntax error: expected ',' or '}' after object member"
                              : "syntax error: expected ',' or ']' after array element");
    }
}

/* A value at the cursor; returns its node index, or -1. */
static int parse_value(struct parser *p)
{
    int c = peek(p);
    int node;
    switch (c) {
    case '{':
        node = new_node(p, SL_J_OBJECT);
        return node < 0 || parse_container(p, node, true) ? -1 : node;
    case '[':
        node = new_node(p, SL_J_ARRAY);
        return node < 0 || parse_container(p, node, false) ? -1 : node;
    case '"': {
        node = new_node(p, SL_J_STRING);
        char *s;
        if (node < 0 || parse_string(p, &s))
            return -1;
        p->doc->n[node].text = s;
        return node;
    }
    case 't':
        node = new_node(p, SL_J_TRUE);
        return node < 0 || parse_literal(p, "true") ? -1 : node;
    case 'f':
        node = new_node(p, SL_J_FALSE);
        return node < 0 || parse_literal(p, "false") ? -1 : node;
    case 'n':
        node = new_node(p, SL_J_NULL);
        return node < 0 || parse_literal(p, "null") ? -1 : node;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            node = new_node(p, SL_J_NUMBER);
            return node < 0 || parse_number(p, node) ? -1 : node;
        }
        return fail(p, c == -1 ? "syntax error: unexpected end of file"
                               : "syntax error: expected a value");
    }
}

/* Length of the strict UTF-8 sequence at s (no overlong forms, surrogates or code points
 * past U+10FFFF), or 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    if (!n || left < n)
        return 0;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* The whole file, comments included, must be UTF-8 without NUL: a config names paths and
 * sensors that end up in every event. */
static int check_text(struct parser *p)
{
    while (p->pos < p->len) {
        const unsigned char *u = (const unsigned char *)p->s + p->pos;
        if (*u == 0)
            return fail(p, "syntax error: NUL byte");
        size_t n = utf8_seq(u, p->len - p->pos);
        if (!n)
            return fail(p, "syntax error: invalid UTF-8 (byte 0x%02x)", *u);
        for (size_t i = 0; i < n; i++)
            advance(p);
    }
    p->pos = 0;
    p->line = p->col = 1;
    return 0;
}

int sl_jsonc_parse(const char *buf, size_t len, struct sl_jdoc *doc, int *line, int *col, char *msg,
                   size_t msglen)
{
    struct parser p = {buf, len, 0, 1, 1, doc, msg, msglen, 0, 0, 0};
    memset(doc, 0, sizeof(*doc));
    msg[0] = '\0';
    int ok = check_text(&p) == 0 && skip_ws(&p) == 0 && parse_value(&p) == 0 && skip_ws(&p) == 0;
    if (ok && peek(&p) != -1)
        ok = fail(&p, "syntax error: unexpected text after the end of the document") == 0;
    if (!ok) {
        *line = p.eline;
        *col = p.ecol;
        sl_jsonc_free(doc);
        return -1;
    }
    return 0;
}

void sl_jsonc_free(struct sl_jdoc *doc)
{
    for (int i = 0; i < doc->count; i++) {
        free(doc->n[i].key);
        free(doc->n[i].text);
    }
    free(doc->n);
    memset(doc, 0, sizeof(*doc));
}
