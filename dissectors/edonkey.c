/*
 * edonkey.c - eDonkey / eMule hello messages (TCP).
 *
 * Every message: protocol (1: 0xE3 eDonkey, 0xC5 eMule extensions), length
 * (4, little-endian, counting the opcode and what follows), opcode (1).
 *   Hello (0x01):        hash size (1, = 16), user hash (16), client id (4),
 *                        port (2), tag count (4), tags...
 *   Hello answer (0x4C): user hash (16), client id (4), port (2), tag count, tags...
 * A tag: type (1); a name, either one id byte (type has bit 0x80 set) or a
 * 2-byte length and the bytes; then the value by type (0x02 string with a
 * 2-byte length, 0x03 uint32, 0x08 uint16, 0x09 uint8, 0x04 float, 0x01 hash,
 * 0x11..0x20 a string of type - 0x10 bytes with no length).  Tag 0x01 is the
 * user's nickname, 0x11 the version, 0x55 the mod version, 0xFB the eMule
 * compatible-client and version word.
 */
#include <string.h>

#include "cursor.h"
#include "edonkey.h"

#define OP_HELLO        0x01
#define OP_HELLO_ANSWER 0x4c
#define MAX_MESSAGE     (1u << 20)
#define MAX_TAGS        64

static void take_text(struct sl_cur v, uint8_t *dst, uint8_t *len)
{
    size_t n = sl_cur_left(&v) < SL_ED2K_TEXT_MAX ? sl_cur_left(&v) : SL_ED2K_TEXT_MAX;
    sl_cur_copy(&v, dst, n);
    *len = (uint8_t)n;
}

/* Parse the tags of a hello into the side's record; false when they make no sense. */
static bool tags(struct sl_cur *c, struct sl_ed2k_side *s)
{
    uint32_t count = sl_cur_u32le(c);
    if (count > MAX_TAGS)
        return false;
    for (uint32_t i = 0; i < count && sl_cur_ok(c); i++) {
        uint8_t type = sl_cur_u8(c);
        uint8_t id = 0;
        if (type & 0x80) {
            type &= 0x7f;
            id = sl_cur_u8(c);
        } else {
            uint16_t nlen = sl_cur_u16le(c);
            struct sl_cur name = sl_cur_sub(c, nlen);
            id = nlen == 1 ? sl_cur_u8(&name) : 0; /* longer names are not the ones we read */
        }
        struct sl_cur v;
        if (type == 0x02) {
            v = sl_cur_sub(c, sl_cur_u16le(c));
        } else if (type >= 0x11 && type <= 0x20) {
            v = sl_cur_sub(c, type - 0x10u);
        } else if (type == 0x03 || type == 0x04) {
            v = sl_cur_sub(c, 4);
        } else if (type == 0x08) {
            v = sl_cur_sub(c, 2);
        } else if (type == 0x09 || type == 0x05) {
            v = sl_cur_sub(c, 1);
        } else if (type == 0x01) {
            v = sl_cur_sub(c, 16);
        } else if (type == 0x0b) {
            v = sl_cur_sub(c, 8);
        } else {
            return false; /* a type whose size we cannot know: stop, keep what we have */
        }
        if (!sl_cur_ok(c))
            return false;
        bool is_string = type == 0x02 || (type >= 0x11 && type <= 0x20);
        if (id == 0x01 && is_string)
            take_text(v, s->name, &s->name_len);
        else if (id == 0x55 && is_string)
            take_text(v, s->mod, &s->mod_len);
        else if (id == 0x11 && type == 0x03)
            s->version = sl_cur_u32le(&v);
        else if (id == 0xfb && type == 0x03)
            s->emule_version = sl_cur_u32le(&v);
    }
    return true;
}

/* Parse a hello or hello answer at the cursor into the side; true when it was one. */
static bool hello(struct sl_cur c, struct sl_ed2k_side *s)
{
    uint8_t proto = sl_cur_u8(&c);
    uint32_t len = sl_cur_u32le(&c);
    uint8_t op = sl_cur_u8(&c);
    if ((proto != 0xe3 && proto != 0xc5) || len < 1 || len > MAX_MESSAGE)
        return false;
    if (op == OP_HELLO && sl_cur_u8(&c) != 16)
        return false;
    if (op != OP_HELLO && op != OP_HELLO_ANSWER)
        return false;
    /* The message may continue in the next segment: read what is here. */
    sl_cur_clamp(&c, len - 1u - (op == OP_HELLO ? 1u : 0u));
    if (!sl_cur_copy(&c, s->hash, 16))
        return false;
    s->client_id = sl_cur_u32le(&c);
    s->port = sl_cur_u16le(&c);
    if (!sl_cur_ok(&c))
        return false;
    s->hello = true;
    s->answer = op == OP_HELLO_ANSWER;
    tags(&c, s);
    return true;
}

bool sl_ed2k_probe(const uint8_t *payload, uint32_t caplen)
{
    struct sl_ed2k_side s;
    memset(&s, 0, sizeof(s));
    return hello(sl_cur_make(payload, caplen), &s);
}

#define OP_OFFERFILES        0x15
#define OP_REQFILENAMEANSWER 0x59

/* The messages that start in this segment and end in it: file names and offers. */
static void messages(struct sl_ed2k_flow *e, int dir, struct sl_cur c)
{
    while (sl_cur_left(&c) >= 6) {
        uint8_t proto = sl_cur_u8(&c);
        uint32_t len = sl_cur_u32le(&c);
        if ((proto != 0xe3 && proto != 0xc5) || len < 1 || len > MAX_MESSAGE)
            return; /* packed, or not framing: stop here */
        /* A long message (an offer of many files) runs on into later segments: what
         * this one holds of it is enough for its first fields. */
        bool whole = len <= sl_cur_left(&c);
        struct sl_cur m = sl_cur_sub(&c, whole ? len : sl_cur_left(&c));
        uint8_t op = sl_cur_u8(&m);
        if (op == OP_REQFILENAMEANSWER && sl_cur_skip(&m, 16)) {
            struct sl_cur name = sl_cur_sub(&m, sl_cur_u16le(&m));
            if (sl_cur_ok(&name) && !e->file_len) {
                size_t n =
                    sl_cur_left(&name) < SL_ED2K_NAME_MAX ? sl_cur_left(&name) : SL_ED2K_NAME_MAX;
                sl_cur_copy(&name, e->file, n);
                e->file_len = (uint8_t)n;
                e->file_from = (uint8_t)dir;
            }
        } else if (op == OP_OFFERFILES) {
            uint32_t count = sl_cur_u32le(&m);
            if (sl_cur_ok(&m) && count > e->offered_files)
                e->offered_files = count;
        }
        if (!whole)
            return;
    }
}

bool sl_ed2k_feed(struct sl_ed2k_flow *e, int dir, const uint8_t *payload, uint32_t caplen)
{
    struct sl_ed2k_side *s = &e->side[dir ? 1 : 0];
    e->messages++;
    if (s->hello) {
        messages(e, dir ? 1 : 0, sl_cur_make(payload, caplen));
        return true;
    }
    return hello(sl_cur_make(payload, caplen), s);
}
