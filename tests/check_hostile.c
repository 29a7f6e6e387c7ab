/*
 * check_hostile.c - hostile strings through the real dissectors and event
 * writer: a tracker announce whose User-Agent, Host and peer_id, a Gnutella
 * handshake whose User-Agent and Server, and an eDonkey hello whose nickname
 * hold NUL, control characters, quotes, invalid UTF-8 (a bad continuation, an
 * overlong NUL, a UTF-16 surrogate, a code point past U+10FFFF) and U+2028.
 * Every event must parse as strict JSON (jansson rejects invalid UTF-8 and
 * duplicate keys), and the original bytes must come back: from the string
 * itself when they are valid UTF-8 (JSON escapes are lossless), else from the
 * `_hex` twin.  (hostile-peerid.pcap covers the peer wire's peer_id and `v`
 * end to end.)
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "suites.h"

static json_t *events;
static struct sluice_config cfg;
static sluice_engine *eng;

static int keep(void *ctx, unsigned type, const char *line, size_t len)
{
    json_error_t err;
    (void)ctx;
    (void)type;
    ck_assert_ptr_null(memchr(line, '\n', len));
    json_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    ck_assert_msg(ev != NULL, "event is not valid JSON: %s (%.*s)", err.text, (int)len, line);
    json_array_append_new(events, ev);
    return 0;
}

static const sluice_sink_ops keep_ops = {"keep", keep, NULL, NULL, NULL, NULL};

static void setup(void)
{
    sluice_error err;
    sl_config_defaults(&cfg);
    cfg.evidence_enabled = false; /* evidence pcaps have their own tests, in a scratch directory */
    events = json_array();
    eng = sluice_engine_new(&cfg, 0x77, &err);
    ck_assert_msg(eng != NULL, "%s", err.text);
    ck_assert_int_eq(sluice_engine_add_sink(eng, &keep_ops, NULL, SLUICE_EVENT_ALL, &err), 0);
}

static void teardown(void)
{
    sluice_engine_free(eng);
    json_decref(events);
}

/* ---- one TCP conversation, with real sequence numbers ---- */

struct conv {
    uint32_t c, s;
    uint16_t cport, sport;
    uint32_t seq[2];
    double t;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static void send_seg(struct conv *cv, int dir, uint8_t flags, const void *data, size_t n)
{
    static uint8_t f[2048];
    ck_assert_uint_le(n, sizeof(f) - 54);
    memset(f, 0, 54);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(40 + n));
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, dir ? cv->s : cv->c);
    put32(ip + 16, dir ? cv->c : cv->s);
    put16(tcp, dir ? cv->sport : cv->cport);
    put16(tcp + 2, dir ? cv->cport : cv->sport);
    put32(tcp + 4, cv->seq[dir]);
    put32(tcp + 8, (flags & 0x10) ? cv->seq[!dir] : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (n)
        memcpy(tcp + 20, data, n);
    cv->seq[dir] += (uint32_t)n + ((flags & 0x03) ? 1 : 0);
    cv->t += 0.01;
    sluice_packet p = {
        (int64_t)cv->t,    (uint32_t)((cv->t - (int64_t)cv->t) * 1e6), 1, f, (uint32_t)(54 + n),
        (uint32_t)(54 + n)};
    sluice_engine_packet(eng, &p);
}

static struct conv open_conv(uint16_t cport, uint16_t sport)
{
    struct conv cv = {0xc0a8010a, 0xcb007105, cport, sport, {1000, 90000}, 1709294400.0};
    send_seg(&cv, 0, 0x02, NULL, 0);
    send_seg(&cv, 1, 0x12, NULL, 0);
    send_seg(&cv, 0, 0x10, NULL, 0);
    return cv;
}

/* ---- finding and checking the strings ---- */

/* An object that has `key`, from the last event back (the flow event, written last, has
 * both sides). */
static json_t *find(json_t *v, const char *key)
{
    if (json_is_object(v)) {
        if (json_object_get(v, key))
            return v;
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            json_t *r = find(x, key);
            if (r)
                return r;
        }
    } else if (json_is_array(v)) {
        for (size_t i = json_array_size(v); i-- > 0;) {
            json_t *r = find(json_array_get(v, i), key);
            if (r)
                return r;
        }
    }
    return NULL;
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* `key` holds `want` (n bytes) recoverably; `invalid`: the bytes are not valid UTF-8, so
 * the string is lossy and `key`_hex must be there. */
static void recoverable(const char *key, const void *want, size_t n, int invalid)
{
    json_t *obj = find(events, key);
    ck_assert_msg(obj != NULL, "no event has \"%s\"", key);
    json_t *s = json_object_get(obj, key);
    ck_assert_msg(json_is_string(s), "\"%s\" is not a string", key);
    char hexkey[64];
    snprintf(hexkey, sizeof(hexkey), "%s_hex", key);
    const char *hex = json_string_value(json_object_get(obj, hexkey));
    if (!invalid) {
        ck_assert_msg(hex == NULL, "\"%s\" is valid UTF-8 but has a hex twin", key);
        ck_assert_uint_eq(json_string_length(s), n);
        ck_assert_msg(memcmp(json_string_value(s), want, n) == 0, "\"%s\" lost bytes", key);
        return;
    }
    ck_assert_msg(hex != NULL, "\"%s\" is lossy and has no %s", key, hexkey);
    ck_assert_uint_eq(strlen(hex), 2 * n);
    const uint8_t *w = want;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        ck_assert_msg(hi >= 0 && lo >= 0 && (hi << 4 | lo) == w[i], "%s byte %zu: %.2s, want %02x",
                      hexkey, i, hex + 2 * i, w[i]);
    }
}

/* Fixed strings with NUL inside: sizeof - 1 is their length. */
#define UA_EVIL "Evil\x00\x1b[31m\"\\\xc3\x28\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\x7f"
#define HOST_BAD                                                                                   \
    "tr\x00"                                                                                       \
    "ck\xff.example"
#define PEER_ID                                                                                    \
    "-XX0001-\x00\x1b\"\\\xff\xc3\x28"                                                             \
    "abcde" /* 20 bytes */

START_TEST(tracker_user_agent_host_peer_id)
{
    struct conv cv = open_conv(40001, 80);
    static const char req[] =
        "GET /announce?info_hash=%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14"
        "&peer_id=-XX0001-%00%1b%22%5c%ff%c3%28abcde&port=6881&uploaded=0&downloaded=0"
        "&left=1&event=started HTTP/1.1\r\n"
        "Host: " HOST_BAD "\r\n"
        "User-Agent: " UA_EVIL "\r\n\r\n";
    send_seg(&cv, 0, 0x18, req, sizeof(req) - 1);
    send_seg(&cv, 1, 0x18, "HTTP/1.1 200 OK\r\n\r\nd8:intervali1800ee", 37);
    sluice_engine_flush(eng);
    json_t *tr = find(events, "tracker");
    ck_assert_msg(tr != NULL, "no tracker object");
    json_t *save = events;
    events = json_object_get(tr, "tracker"); /* not the event's own "host" (the sensor) */
    recoverable("user_agent", UA_EVIL, sizeof(UA_EVIL) - 1, 1);
    recoverable("host", HOST_BAD, sizeof(HOST_BAD) - 1, 1);
    json_t *t = find(events, "peer_id_hex");
    events = save;
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(json_string_value(json_object_get(t, "peer_id_hex")),
                     "2d5858303030312d001b225cffc3286162636465");
}
END_TEST

#define GNUT_UA  "Lime\x00\x01\xfe\xff\xc0\x80Wire\x1b"
#define GNUT_SRV "ok\xe2\x80\xa8line\x00sep\t\"q\"" /* valid UTF-8: U+2028, NUL, tab */

START_TEST(gnutella_user_agent_and_server)
{
    struct conv cv = open_conv(40002, 6346);
    static const char hs[] = "GNUTELLA CONNECT/0.6\r\nUser-Agent: " GNUT_UA "\r\n\r\n";
    static const char reply[] = "GNUTELLA/0.6 200 OK\r\nServer: " GNUT_SRV "\r\n\r\n";
    send_seg(&cv, 0, 0x18, hs, sizeof(hs) - 1);
    send_seg(&cv, 1, 0x18, reply, sizeof(reply) - 1);
    sluice_engine_flush(eng);
    json_t *g = find(events, "gnutella");
    ck_assert_msg(g != NULL, "no gnutella object");
    json_t *gn = json_object_get(g, "gnutella");
    /* The client's User-Agent is invalid UTF-8; the server's stand-in is valid. */
    json_t *cl = json_object_get(gn, "client"), *sv = json_object_get(gn, "server");
    ck_assert_msg(cl && sv, "gnutella sides: %s", json_dumps(gn, 0));
    json_t *save = events;
    events = cl;
    recoverable("user_agent", GNUT_UA, sizeof(GNUT_UA) - 1, 1);
    events = sv;
    recoverable("user_agent", GNUT_SRV, sizeof(GNUT_SRV) - 1, 0);
    events = save;
}
END_TEST

#define ED2K_NAME                                                                                  \
    "al\x00"                                                                                       \
    "ce\xff\x1b\xc3"

START_TEST(edonkey_nickname)
{
    struct conv cv = open_conv(40003, 4662);
    uint8_t m[128];
    size_t n = 0;
    m[n++] = 0xe3;
    n += 4;        /* length, below */
    m[n++] = 0x01; /* hello */
    m[n++] = 16;
    memset(m + n, 0xa5, 16), n += 16;                     /* user hash */
    m[n++] = 1, m[n++] = 2, m[n++] = 3, m[n++] = 4;       /* client id */
    m[n++] = 0x36, m[n++] = 0x12;                         /* port 4662 */
    m[n++] = 2, m[n++] = 0, m[n++] = 0, m[n++] = 0;       /* 2 tags */
    m[n++] = 0x02, m[n++] = 1, m[n++] = 0, m[n++] = 0x01; /* string tag, name id 0x01 */
    m[n++] = sizeof(ED2K_NAME) - 1, m[n++] = 0;
    memcpy(m + n, ED2K_NAME, sizeof(ED2K_NAME) - 1), n += sizeof(ED2K_NAME) - 1;
    m[n++] = 0x83, m[n++] = 0x11; /* uint32 tag, new format, id 0x11: version */
    m[n++] = 60, m[n++] = 0, m[n++] = 0, m[n++] = 0;
    uint32_t len = (uint32_t)(n - 5);
    m[1] = (uint8_t)len, m[2] = (uint8_t)(len >> 8), m[3] = 0, m[4] = 0;
    send_seg(&cv, 0, 0x18, m, n);
    m[5] = 0x4c; /* hello answer: no hash-length byte */
    memmove(m + 6, m + 7, n - 7);
    n--;
    len = (uint32_t)(n - 5);
    m[1] = (uint8_t)len;
    send_seg(&cv, 1, 0x18, m, n);
    sluice_engine_flush(eng);
    json_t *e = find(events, "edonkey");
    ck_assert_msg(e != NULL, "no edonkey object");
    json_t *save = events;
    events = json_object_get(json_object_get(e, "edonkey"), "client");
    ck_assert_ptr_nonnull(events);
    recoverable("name", ED2K_NAME, sizeof(ED2K_NAME) - 1, 1);
    events = save;
}
END_TEST

Suite *suite_hostile(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("strings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, tracker_user_agent_host_peer_id);
    tcase_add_test(tc, gnutella_user_agent_and_server);
    tcase_add_test(tc, edonkey_nickname);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}
