/*
 * jsonc.h - a small JSON reader for config files that remembers where every
 * key and value stood (line, column), and accepts `//` comments.  jansson
 * reports positions only for syntax errors; a config error such as "wrong
 * type" must also say where.
 */
#ifndef SLUICE_JSONC_H
#define SLUICE_JSONC_H

#include <stddef.h>

enum sl_jtype {
    SL_J_OBJECT,
    SL_J_ARRAY,
    SL_J_STRING,
    SL_J_NUMBER,
    SL_J_TRUE,
    SL_J_FALSE,
    SL_J_NULL
};

struct sl_jnode {
    enum sl_jtype type;
    int line, col;   /* of the value */
    char *key;       /* member name inside an object, else NULL */
    int kline, kcol; /* of the key */
    char *text;      /* string value (unescaped, NUL-terminated) or number as written */
    int child, next; /* first child and next sibling: node indices, -1 for none */
};

struct sl_jdoc {
    struct sl_jnode *n; /* n[0] is the root */
    int count, cap;
};

/*
 * Parse `len` bytes.  0 on success; -1 with *line, *col and msg set on a
 * syntax error (trailing garbage, duplicate keys, depth over 16, bad
 * escapes or control characters in strings).  Free with sl_jsonc_free.
 */
int sl_jsonc_parse(const char *buf, size_t len, struct sl_jdoc *doc, int *line, int *col, char *msg,
                   size_t msglen);
void sl_jsonc_free(struct sl_jdoc *doc);

/* "an object", "a string", ... for messages. */
const char *sl_jsonc_type_name(enum sl_jtype t);

#endif
