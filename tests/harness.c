/*
 * harness.c - the engine under test: a catching sink and a packet builder.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ---- a sink that keeps every event, parsed ---- */

static int catch_write(void *ctx, unsigned type, const char *line, size_t len)
{
    struct catch_sink *c = ctx;
    json_error_t err;
    (void)type;
    ck_assert_uint_eq(strlen(line), len);
    ck_assert_ptr_null(memchr(line, '\n', len));
    json_t *ev = json_loadb(line, len, 0, &err);
    ck_assert_msg(ev != NULL, "event is not valid JSON: %s (%s)", err.text, line);
    json_array_append_new(c->events, ev);
    return 0;
}

static void catch_close(void *ctx)
{
    (void)ctx; /* the test owns and frees it */
}

static const sluice_sink_ops catch_ops = {"catch", catch_write, NULL, NULL, catch_close, NULL};

struct sluice_config cfg;
struct catch_sink sink;
sluice_engine *eng;

void setup(void)
{
    sl_config_defaults(&cfg);
    snprintf(cfg.sensor_name, sizeof(cfg.sensor_name), "test-sensor");
    cfg.evidence_enabled = false; /* evidence pcaps have their own tests */
    sink.events = json_array();
}

void start(void)
{
    sluice_error err;
    eng = sluice_engine_new(&cfg, 0x1234, &err);
    ck_assert_msg(eng != NULL, "%s", err.text);
    ck_assert_int_eq(sluice_engine_add_sink(eng, &catch_ops, &sink, SLUICE_EVENT_ALL, &err), 0);
}

void teardown(void)
{
    if (eng)
        sluice_engine_free(eng);
    eng = NULL;
    json_decref(sink.events);
}

/* ---- packets: Ethernet + IPv4 + TCP/UDP, built into a static buffer ---- */

uint8_t frame[2048];

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Build and feed one packet; `wire_iplen` > 0: the IP total length, of which only headers were
 * captured. */
static size_t feed_frame(double sec, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                         uint8_t proto, uint8_t flags, const void *payload, size_t plen,
                         uint32_t wire_iplen)
{
    memset(frame, 0, 64);
    put16(frame + 12, 0x0800);
    uint8_t *ip = frame + 14;
    size_t l4len = proto == 6 ? 20 : 8;
    size_t iplen = wire_iplen ? wire_iplen : 20 + l4len + plen;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)iplen);
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    uint8_t *l4 = ip + 20;
    put16(l4, sport);
    put16(l4 + 2, dport);
    if (proto == 6) {
        put32(l4 + 4, 1000);
        l4[12] = 5 << 4;
        l4[13] = flags;
        put16(l4 + 14, 65535);
    } else {
        put16(l4 + 4, (uint16_t)(8 + plen));
    }
    if (plen)
        memcpy(l4 + l4len, payload, plen);
    size_t len = 14 + iplen, caplen = wire_iplen ? 14 + 20 + l4len : len;
    sluice_packet p = {
        (int64_t)sec, (uint32_t)((sec - (int64_t)sec) * 1e6 + 0.5), 1, frame, (uint32_t)caplen,
        (uint32_t)len};
    sluice_engine_packet(eng, &p);
    return len;
}

size_t feed(double sec, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t proto,
            uint8_t flags, const void *payload, size_t plen)
{
    return feed_frame(sec, src, sport, dst, dport, proto, flags, payload, plen, 0);
}

void feed_big(double sec, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
              uint32_t iplen)
{
    feed_frame(sec, src, sport, dst, dport, 6, 0x18, NULL, 0, iplen);
}

size_t count_type(const char *type)
{
    size_t n = 0, i;
    json_t *ev;
    json_array_foreach(sink.events, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(ev, "event_type")), type) == 0)
            n++;
    }
    return n;
}

json_t *nth_of_type(const char *type, size_t nth)
{
    size_t i;
    json_t *ev;
    json_array_foreach(sink.events, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(ev, "event_type")), type) == 0 && nth-- == 0)
            return ev;
    }
    return NULL;
}

json_int_t flow_int(json_t *ev, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(ev, "flow"), key));
}

const char *str_at(json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key));
}

size_t count_sid(uint32_t sid)
{
    size_t n = 0;
    while (nth_sid(sid, n))
        n++;
    return n;
}

json_t *nth_sid(uint32_t sid, size_t nth)
{
    size_t i;
    json_t *ev;
    json_array_foreach(sink.events, i, ev)
    {
        json_t *a = json_object_get(ev, "alert");
        if (a && json_integer_value(json_object_get(a, "signature_id")) == (json_int_t)sid &&
            nth-- == 0)
            return ev;
    }
    return NULL;
}
