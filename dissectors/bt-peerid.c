/*
 * bt-peerid.c - name the BitTorrent client behind a peer_id.
 *
 * There is no standard, only conventions (BEP 20 documents them):
 *   Azureus style   "-qB4650-" + 12 random bytes: two-letter client code, four
 *                   version characters, dashes around them.
 *   Shadow style    "S58B-----..." : one letter, up to five version characters
 *                   from a base-64-like alphabet, then dashes.
 *   Mainline style  "M4-3-6--..." : 'M' then major-minor-tiny, each followed by a dash.
 * The peer_id is hostile bytes: everything is read through the cursor and the
 * version text is built only from characters checked to be digits/letters.
 */
#include <stdio.h>
#include <string.h>

#include "bt-peerid.h"
#include "cursor.h"

struct az_client {
    char code[3];
    const char *name;
    enum { V_DOTTED, V_TRANSMISSION, V_HEX } style;
};

/* Two-letter Azureus-style codes in use (BEP 20 and clients' own sources). */
static const struct az_client az_clients[] = {
    {"AG", "Ares", V_DOTTED},
    {"AZ", "Vuze", V_DOTTED},
    {"BB", "BitBuddy", V_DOTTED},
    {"BC", "BitComet", V_DOTTED},
    {"BF", "Bitflu", V_DOTTED},
    {"BI", "BiglyBT", V_DOTTED},
    {"BN", "Baidu Netdisk", V_DOTTED},
    {"BT", "BitTorrent", V_DOTTED},
    {"BW", "BitTorrent Web", V_DOTTED},
    {"CD", "Enhanced CTorrent", V_DOTTED},
    {"DE", "Deluge", V_DOTTED},
    {"FD", "Free Download Manager", V_DOTTED},
    {"FG", "FlashGet", V_DOTTED},
    {"FX", "Freebox BitTorrent", V_DOTTED},
    {"HL", "Halite", V_DOTTED},
    {"KG", "KGet", V_DOTTED},
    {"KT", "KTorrent", V_DOTTED},
    {"LP", "Lphant", V_DOTTED},
    {"LT", "libtorrent (Rasterbar)", V_DOTTED},
    {"lt", "libTorrent (rakshasa)", V_DOTTED},
    {"LW", "LimeWire", V_DOTTED},
    {"MG", "MediaGet", V_DOTTED},
    {"PI", "PicoTorrent", V_DOTTED},
    {"qB", "qBittorrent", V_DOTTED},
    {"QD", "QQDownload", V_DOTTED},
    {"RT", "Retriever", V_DOTTED},
    {"SD", "Thunder (Xunlei)", V_DOTTED},
    {"SZ", "Shareaza", V_DOTTED},
    {"TL", "Tribler", V_DOTTED},
    {"TR", "Transmission", V_TRANSMISSION},
    {"UM", "uTorrent for Mac", V_HEX},
    {"UT", "uTorrent", V_HEX},
    {"UW", "uTorrent Web", V_HEX},
    {"WW", "WebTorrent", V_DOTTED},
    {"XL", "Xunlei", V_DOTTED},
    {"XX", "Xtorrent", V_DOTTED},
    {"ZT", "ZipTorrent", V_DOTTED},
};

struct shadow_client {
    char code;
    const char *name;
};

static const struct shadow_client shadow_clients[] = {
    {'A', "ABC"},
    {'O', "Osprey Permaseed"},
    {'Q', "BTQueue"},
    {'R', "Tribler"},
    {'S', "Shadow"},
    {'T', "BitTornado"},
    {'U', "UPnP NAT Bit Torrent"},
};

static bool is_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Shadow's version alphabet: 0-9, A-Z = 10.., a-z = 36.., '.' = 62, '-' = 63. */
static int shadow_digit(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 36;
    if (c == '.')
        return 62;
    return -1;
}

static bool decode_azureus(const uint8_t id[20], struct sl_bt_client *out)
{
    struct sl_cur c = sl_cur_make(id, 20);
    if (sl_cur_u8(&c) != '-')
        return false;
    char code[3] = {(char)sl_cur_u8(&c), (char)sl_cur_u8(&c), 0};
    int v[4];
    for (int i = 0; i < 4; i++) {
        v[i] = sl_cur_u8(&c);
        if (!is_alnum(v[i]))
            return false;
    }
    if (sl_cur_u8(&c) != '-' || !is_alnum((uint8_t)code[0]) || !is_alnum((uint8_t)code[1]))
        return false;

    const struct az_client *cl = NULL;
    for (size_t i = 0; i < sizeof(az_clients) / sizeof(az_clients[0]); i++)
        if (memcmp(az_clients[i].code, code, 2) == 0)
            cl = &az_clients[i];
    out->style = "azureus";
    if (!cl) {
        /* An unknown code still tells an analyst something: keep it. */
        snprintf(out->name, sizeof(out->name), "unknown (%s)", code);
        snprintf(out->version, sizeof(out->version), "%c%c%c%c", v[0], v[1], v[2], v[3]);
        return true;
    }
    snprintf(out->name, sizeof(out->name), "%s", cl->name);
    switch (cl->style) {
    case V_TRANSMISSION:
        /* "-TR3000-" is 3.00; "-TR294Z-" a 2.94 development build. */
        snprintf(out->version, sizeof(out->version), "%c.%c%c%s", v[0], v[1], v[2],
                 v[3] == 'Z' || v[3] == 'X' ? "+" : "");
        break;
    case V_HEX:
        /* uTorrent: major.minor.patch with hex digits, last char is a build tag. */
        snprintf(out->version, sizeof(out->version), "%c.%c.%c", v[0], v[1], v[2]);
        break;
    default: {
        /* Dotted digits, trailing zero dropped: qB4650 is 4.6.5. */
        int n = v[3] == '0' ? 3 : 4;
        if (n == 3)
            snprintf(out->version, sizeof(out->version), "%c.%c.%c", v[0], v[1], v[2]);
        else
            snprintf(out->version, sizeof(out->version), "%c.%c.%c.%c", v[0], v[1], v[2], v[3]);
        break;
    }
    }
    return true;
}

static bool decode_shadow(const uint8_t id[20], struct sl_bt_client *out)
{
    struct sl_cur c = sl_cur_make(id, 20);
    int code = sl_cur_u8(&c);
    const struct shadow_client *cl = NULL;
    for (size_t i = 0; i < sizeof(shadow_clients) / sizeof(shadow_clients[0]); i++)
        if (shadow_clients[i].code == code)
            cl = &shadow_clients[i];
    if (!cl)
        return false;
    /* Up to five version characters, then at least three dashes ("---"). */
    int digits[5], n = 0;
    while (n < 5 && shadow_digit(sl_cur_peek(&c, 0)) >= 0)
        digits[n++] = shadow_digit(sl_cur_u8(&c));
    if (n == 0 || sl_cur_peek(&c, 0) != '-' || sl_cur_peek(&c, 1) != '-' ||
        sl_cur_peek(&c, 2) != '-')
        return false;
    out->style = "shadow";
    snprintf(out->name, sizeof(out->name), "%s", cl->name);
    size_t len = 0;
    for (int i = 0; i < n && len + 4 < sizeof(out->version); i++)
        len += (size_t)snprintf(out->version + len, sizeof(out->version) - len, "%s%d",
                                i ? "." : "", digits[i]);
    return true;
}

static bool decode_mainline(const uint8_t id[20], struct sl_bt_client *out)
{
    /* M<major>-<minor>-<tiny>-- ; each part one or two digits. */
    struct sl_cur c = sl_cur_make(id, 20);
    if (sl_cur_u8(&c) != 'M')
        return false;
    int parts[3];
    for (int i = 0; i < 3; i++) {
        int v = 0, n = 0;
        while (n < 2 && is_digit(sl_cur_peek(&c, 0))) {
            v = v * 10 + (sl_cur_u8(&c) - '0');
            n++;
        }
        if (n == 0 || sl_cur_u8(&c) != '-')
            return false;
        parts[i] = v;
    }
    out->style = "mainline";
    snprintf(out->name, sizeof(out->name), "BitTorrent (Mainline)");
    snprintf(out->version, sizeof(out->version), "%d.%d.%d", parts[0], parts[1], parts[2]);
    return true;
}

bool sl_bt_client_from_peer_id(const uint8_t id[20], struct sl_bt_client *out)
{
    memset(out, 0, sizeof(*out));
    if (decode_azureus(id, out) || decode_mainline(id, out) || decode_shadow(id, out))
        return true;
    struct sl_cur c = sl_cur_make(id, 20);
    const uint8_t *p = sl_cur_bytes(&c, 4);
    /* Older clients with a fixed prefix. */
    if (p && memcmp(p, "exbc", 4) == 0) {
        out->style = "prefix";
        snprintf(out->name, sizeof(out->name), "BitComet (old)");
        return true;
    }
    if (p && memcmp(p, "-BOW", 4) == 0) {
        out->style = "prefix";
        snprintf(out->name, sizeof(out->name), "BitsOnWheels");
        return true;
    }
    memset(out, 0, sizeof(*out));
    return false;
}
