/*
 * bencode.h - a strict, bounded bencode parser (BEP 3) for DHT messages and
 * extension handshakes.  It allocates nothing: values land in a caller's
 * fixed node array and strings point into the packet.
 */
#ifndef SLUICE_BENCODE_H
#define SLUICE_BENCODE_H

#include <stdint.h>

#include "cursor.h"

#define SL_BENC_MAX_NODES 256
#define SL_BENC_MAX_DEPTH 16

enum sl_btype { SL_B_INT, SL_B_STR, SL_B_LIST, SL_B_DICT };

struct sl_bnode {
    uint8_t type;
    int16_t next;       /* next sibling, -1 for none */
    int16_t child;      /* first child of a list or dict, -1 for none */
    const uint8_t *key; /* this value's key when inside a dict */
    uint32_t klen;
    const uint8_t *s; /* string bytes (SL_B_STR) */
    uint32_t slen;
    int64_t i; /* integer value (SL_B_INT) */
};

struct sl_bdoc {
    struct sl_bnode n[SL_BENC_MAX_NODES]; /* n[0] is the top value */
    int count;
};

enum sl_benc_result {
    SL_BENC_OK = 0,
    SL_BENC_INCOMPLETE = 1, /* valid so far, the input ended: more bytes may follow */
    SL_BENC_INVALID = -1,   /* not bencode, or past a limit (depth, nodes, integer range) */
};

/*
 * Parse one value at the cursor.  On SL_BENC_OK the cursor is past it.
 * Strict: no leading zeros or "-0" in integers, no leading zeros in string
 * lengths, integers within int64, dictionary keys are strings.
 */
enum sl_benc_result sl_bencode_parse(struct sl_cur *c, struct sl_bdoc *doc);

/* The member `key` of dictionary node `dict`, or NULL. */
const struct sl_bnode *sl_bencode_get(const struct sl_bdoc *doc, const struct sl_bnode *dict,
                                      const char *key);

/* The string member `key` of `dict` when it is a string of exactly `len` bytes (0: any). */
const struct sl_bnode *sl_bencode_str(const struct sl_bdoc *doc, const struct sl_bnode *dict,
                                      const char *key, uint32_t len);

#endif
