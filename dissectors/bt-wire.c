/*
 * bt-wire.c - BitTorrent peer wire (BEP 3, BEP 10) as a byte stream.
 *
 * After the 68-byte handshake every message is
 *   <length: 4 bytes, big-endian> <id: 1 byte> <body: length - 1 bytes>
 * (length 0 is a keep-alive).  Each direction keeps where it is in that
 * framing across segments, so piece bytes (id 7: index, begin, block) are
 * counted exactly and the extension handshake (id 20, extended id 0, a
 * bencoded dictionary) is collected even when split.  Sequence numbers keep
 * retransmissions out; a gap stops framing that way for good (counted), since
 * guessing where the next message starts would count noise as pieces.
 *
 * The handshake is looked for at the start of the first payload segments: a
 * client that begins with Message Stream Encryption may send its plaintext
 * handshake after the key exchange.
 */
#include <string.h>

#include "bencode.h"
#include "bt-wire.h"
#include "cursor.h"

#define MAX_HANDSHAKE_PROBES 8
/* Piece blocks are 16 KiB by convention, up to 128 KiB in the wild; anything above is not framing.
 */
#define MAX_MESSAGE (1u << 20)

static const char pstr[] = "\x13"
                           "BitTorrent protocol";

bool sl_bt_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    size_t n = sl_cur_left(&c) < 20 ? sl_cur_left(&c) : 20;
    const uint8_t *p = sl_cur_bytes(&c, n);
    return n > 0 && memcmp(p, pstr, n) == 0;
}

void sl_bt_flow_init(struct sl_bt_flow *b)
{
    memset(b, 0, sizeof(*b));
}

const uint8_t *sl_bt_info_hash(const struct sl_bt_flow *b)
{
    if (b->dir[0].handshake)
        return b->dir[0].hs.info_hash;
    if (b->dir[1].handshake)
        return b->dir[1].hs.info_hash;
    return NULL;
}

/* The bencode document of one message: 10 KiB, kept off the callers' stacks. */
static __thread struct sl_bdoc doc;

static void copy_name(const struct sl_bnode *n, uint8_t *dst, uint8_t *len)
{
    struct sl_cur c = sl_cur_make(n->s, n->slen);
    *len = (uint8_t)(n->slen < SL_BT_NAME_MAX ? n->slen : SL_BT_NAME_MAX);
    sl_cur_copy(&c, dst, *len);
}

/*
 * BEP 9: {"msg_type": 1, "piece": 0, "total_size": n} then the first 16 KiB of
 * the info dictionary.  Only its start is collected, so it is parsed as far as
 * it goes: every completed "name" string is the torrent's name, every "path"
 * list a file's path (keys of the info dictionary and of its "files" entries).
 */
static void parse_metadata(struct sl_bt_flow *b, int from, struct sl_cur c)
{
    if (sl_bencode_parse(&c, &doc) != SL_BENC_OK || doc.n[0].type != SL_B_DICT)
        return;
    const struct sl_bnode *type = sl_bencode_get(&doc, &doc.n[0], "msg_type");
    const struct sl_bnode *piece = sl_bencode_get(&doc, &doc.n[0], "piece");
    if (!type || type->type != SL_B_INT || type->i != 1 || !piece || piece->type != SL_B_INT ||
        piece->i != 0)
        return;                       /* a request, a reject, or a later piece */
    (void)sl_bencode_parse(&c, &doc); /* incomplete is expected: it is a prefix */
    for (int i = 0; i < doc.count; i++) {
        const struct sl_bnode *n = &doc.n[i];
        if (n->klen == 4 && !memcmp(n->key, "name", 4) && n->type == SL_B_STR && !b->name_len) {
            copy_name(n, b->name, &b->name_len);
        } else if (n->klen == 4 && !memcmp(n->key, "path", 4) && n->type == SL_B_LIST &&
                   b->nfiles < SL_BT_FILES) {
            const struct sl_bnode *last = NULL;
            for (int k = n->child; k >= 0; k = doc.n[k].next)
                if (doc.n[k].type == SL_B_STR)
                    last = &doc.n[k];
            if (last) {
                copy_name(last, b->file[b->nfiles], &b->file_len[b->nfiles]);
                b->nfiles++;
            }
        }
    }
    b->have_meta = b->name_len > 0 || b->nfiles > 0;
    b->meta_from = (uint8_t)from;
}

static void parse_ext(struct sl_bt_flow *b, struct sl_bt_dir *d)
{
    int dir = d == &b->dir[1];
    struct sl_cur c = sl_cur_make(d->ext_buf, d->ext_have);
    uint8_t ext_id = sl_cur_u8(&c);
    if (ext_id != 0) {
        /* Sent with the other side's ut_metadata id: metadata for it. */
        if (ext_id == b->dir[!dir].ut_metadata && !b->have_meta)
            parse_metadata(b, dir, c);
        return;
    }
    if (d->ext_handshake)
        return;
    if (sl_bencode_parse(&c, &doc) != SL_BENC_OK || doc.n[0].type != SL_B_DICT) {
        b->bad++;
        return;
    }
    d->ext_handshake = true;
    const struct sl_bnode *m = sl_bencode_get(&doc, &doc.n[0], "m");
    const struct sl_bnode *um = sl_bencode_get(&doc, m, "ut_metadata");
    if (um && um->type == SL_B_INT && um->i > 0 && um->i < 256)
        d->ut_metadata = (uint8_t)um->i;
    const struct sl_bnode *v = sl_bencode_str(&doc, &doc.n[0], "v", 0);
    if (v) {
        struct sl_cur vc = sl_cur_make(v->s, v->slen);
        d->v_len = (uint8_t)(v->slen < SL_BT_V_MAX ? v->slen : SL_BT_V_MAX);
        sl_cur_copy(&vc, d->v, d->v_len);
    }
    const struct sl_bnode *p = sl_bencode_get(&doc, &doc.n[0], "p");
    if (p && p->type == SL_B_INT && p->i > 0 && p->i < 65536)
        d->listen_port = (uint16_t)p->i;
}

/* Bytes of a handshake, possibly split across segments.  False when this is no handshake. */
static bool take_handshake(struct sl_bt_dir *d, struct sl_cur *c)
{
    size_t take = SL_BT_HANDSHAKE_LEN - d->hs_have;
    if (take > sl_cur_left(c))
        take = sl_cur_left(c);
    sl_cur_copy(c, d->hs_buf + d->hs_have, take);
    d->hs_have = (uint8_t)(d->hs_have + take);
    struct sl_cur h = sl_cur_make(d->hs_buf, d->hs_have);
    switch (sl_bt_parse_handshake(&h, &d->hs)) {
    case SL_BT_OK:
        d->handshake = true;
        d->mode = SL_BT_MESSAGES;
        return true;
    case SL_BT_MORE:
        return true;
    default:
        d->hs_have = 0;
        return false;
    }
}

/* A message's length and id are complete: decide what its body means. */
static void start_message(struct sl_bt_dir *d)
{
    struct sl_cur h = sl_cur_make(d->hdr, 5);
    uint32_t len = sl_cur_u32be(&h);
    uint8_t id = sl_cur_u8(&h);
    d->hdr_have = 0;
    d->messages++;
    d->body_left = len - 1;
    d->block_left = 0;
    if (id == 7 && len >= 9) {
        /* Block bytes are counted as they pass, so a threshold is crossed at the right packet. */
        d->pieces++;
        d->block_left = len - 9;
    } else if (id == 20 && d->body_left) {
        /* The first SL_BT_EXT_MAX bytes are enough for a handshake or a metadata name. */
        d->ext_collect = true;
        d->ext_have = 0;
        d->ext_want = (uint16_t)(d->body_left < SL_BT_EXT_MAX ? d->body_left : SL_BT_EXT_MAX);
    }
}

/* `n` more body bytes passed: those past a piece's index and begin fields are block bytes. */
static void count_block(struct sl_bt_dir *d, uint32_t n)
{
    uint32_t header_left = d->body_left - d->block_left; /* index and begin still to come */
    uint32_t block = n > header_left ? n - header_left : 0;
    if (block > d->block_left)
        block = d->block_left;
    d->block_left -= block;
    d->piece_bytes += block;
}

static void consume(struct sl_bt_flow *b, struct sl_bt_dir *d, struct sl_cur *c)
{
    while (sl_cur_left(c) > 0 && d->mode == SL_BT_MESSAGES) {
        if (d->body_left == 0) {
            /* The 4-byte length, then (unless a keep-alive) the id. */
            d->hdr[d->hdr_have++] = sl_cur_u8(c);
            if (d->hdr_have == 4) {
                struct sl_cur h = sl_cur_make(d->hdr, 4);
                uint32_t len = sl_cur_u32be(&h);
                if (len == 0) {
                    d->hdr_have = 0; /* keep-alive */
                    d->messages++;
                } else if (len > MAX_MESSAGE) {
                    b->bad++;
                    d->mode = SL_BT_LOST;
                }
            } else if (d->hdr_have == 5) {
                start_message(d);
            }
            continue;
        }
        size_t take = d->body_left < sl_cur_left(c) ? d->body_left : sl_cur_left(c);
        if (d->ext_collect) {
            size_t room = (size_t)d->ext_want - d->ext_have;
            size_t keep = room < take ? room : take;
            sl_cur_copy(c, d->ext_buf + d->ext_have, keep);
            sl_cur_skip(c, take - keep);
            d->ext_have = (uint16_t)(d->ext_have + keep);
        } else {
            sl_cur_skip(c, take);
        }
        count_block(d, (uint32_t)take);
        d->body_left -= (uint32_t)take;
        if (d->ext_collect && d->ext_have == d->ext_want) {
            d->ext_collect = false;
            parse_ext(b, d);
        }
    }
}

void sl_bt_feed(struct sl_bt_flow *b, int dir, uint32_t seq, const uint8_t *payload,
                uint32_t caplen, uint32_t len)
{
    struct sl_bt_dir *d = &b->dir[dir ? 1 : 0];
    if (len == 0 || d->mode == SL_BT_LOST)
        return;
    struct sl_cur c = sl_cur_make(payload, caplen < len ? caplen : len);
    if (!d->seq_known) {
        d->seq_known = true;
        d->next_seq = seq;
    }
    int32_t delta = (int32_t)(seq - d->next_seq);
    if (delta < 0) {
        /* A retransmission: skip what was already seen. */
        uint32_t old = d->next_seq - seq; /* unsigned: -INT32_MIN would overflow */
        if (old >= len)
            return;
        if (!sl_cur_skip(&c, old))
            return;
        len -= old;
        seq += old;
    } else if (delta > 0) {
        b->gaps++;
        if (d->mode == SL_BT_MESSAGES) {
            d->mode = SL_BT_LOST;
            return;
        }
        d->hs_have = 0;
    }
    d->next_seq = seq + len;
    /* Bytes at the end of the segment that the snaplen cut off. */
    uint32_t missing = len - (uint32_t)sl_cur_left(&c);

    if (d->mode == SL_BT_WANT_HANDSHAKE) {
        if (d->hs_have == 0 && !sl_bt_probe(c.p, (uint32_t)sl_cur_left(&c))) {
            if (++d->segments_probed >= MAX_HANDSHAKE_PROBES)
                d->mode = SL_BT_LOST; /* encrypted (MSE) or not BitTorrent */
            return;
        }
        if (!take_handshake(d, &c))
            return;
    }
    consume(b, d, &c);
    if (missing && d->mode == SL_BT_MESSAGES) {
        /* Uncaptured bytes inside a message body are still counted; anywhere else
         * the next message's start is unknown. */
        if (d->hdr_have == 0 && d->body_left >= missing && !d->ext_collect) {
            count_block(d, missing);
            d->body_left -= missing;
        } else {
            b->gaps++;
            d->mode = SL_BT_LOST;
        }
    }
}
