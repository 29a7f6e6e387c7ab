/*
 * embed.c - a host other than `sluice`: it includes only <sluice.h>, links
 * only libsluice, brings its own sink, and feeds packets it built itself.
 * Prints "embed: ok" and exits 0 when the BitTorrent alerts and a flow event
 * arrive through its sink, and a bad --set is refused with a message.
 */
#include <stdio.h>
#include <string.h>

#include "sluice.h"

struct counts {
    int alerts, flows, stats;
    int session_alerts; /* signature 2290001 */
    char last_alert[4096];
};

static int my_write(void *ctx, unsigned type, const char *line, size_t len)
{
    struct counts *c = ctx;
    if (type == SLUICE_EVENT_ALERT) {
        c->alerts++;
        snprintf(c->last_alert, sizeof(c->last_alert), "%.*s", (int)len, line);
        if (strstr(c->last_alert, "\"signature_id\":2290001"))
            c->session_alerts++;
    } else if (type == SLUICE_EVENT_FLOW) {
        c->flows++;
    } else if (type == SLUICE_EVENT_STATS) {
        c->stats++;
    }
    return 0;
}

static const sluice_sink_ops my_sink = {"embed-test", my_write, NULL, NULL, NULL, NULL};

static uint8_t frame[200];

static size_t tcp_frame(int to_server, uint8_t flags, const uint8_t *payload, size_t plen)
{
    static const uint8_t client[4] = {10, 0, 0, 2}, server[4] = {198, 51, 100, 9};
    memset(frame, 0, sizeof(frame));
    frame[12] = 0x08;
    uint8_t *ip = frame + 14;
    size_t iplen = 40 + plen;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(iplen >> 8);
    ip[3] = (uint8_t)iplen;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, to_server ? client : server, 4);
    memcpy(ip + 16, to_server ? server : client, 4);
    uint8_t *tcp = ip + 20;
    uint16_t cport = 50000, sport = 6881;
    uint16_t s = to_server ? cport : sport, d = to_server ? sport : cport;
    tcp[0] = (uint8_t)(s >> 8);
    tcp[1] = (uint8_t)s;
    tcp[2] = (uint8_t)(d >> 8);
    tcp[3] = (uint8_t)d;
    tcp[12] = 0x50;
    tcp[13] = flags;
    tcp[14] = 0xff;
    if (plen)
        memcpy(tcp + 20, payload, plen);
    return 14 + iplen;
}

int main(void)
{
    sluice_error err;
    char msg[1024];
    sluice_config *cfg = sluice_config_new();
    if (!cfg)
        return 1;
    if (sluice_config_set(cfg, "flow.timeout.udp=banana", &err) == 0) {
        fprintf(stderr, "embed: a bad value was accepted\n");
        return 1;
    }
    printf("embed: refused as expected: %s\n", sluice_error_format(&err, msg, sizeof(msg)));
    /* No evidence pcaps: this host has no log directory of its own. */
    if (sluice_config_set(cfg, "sensor.name=embedded", &err) != 0 ||
        sluice_config_set(cfg, "evidence.enabled=false", &err) != 0) {
        fprintf(stderr, "embed: %s\n", sluice_error_format(&err, msg, sizeof(msg)));
        return 1;
    }
    sluice_engine *eng = sluice_engine_new(cfg, 1, &err);
    sluice_config_free(cfg);
    if (!eng) {
        fprintf(stderr, "embed: %s\n", sluice_error_format(&err, msg, sizeof(msg)));
        return 1;
    }
    struct counts c = {0};
    if (sluice_engine_add_sink(eng, &my_sink, &c, SLUICE_EVENT_ALL, &err) != 0)
        return 1;

    uint8_t hs[68] = {19};
    memcpy(hs + 1, "BitTorrent protocol", 19);
    memset(hs + 28, 0x5a, 20);
    memcpy(hs + 48, "-TR3000-abcdefghijkl", 20);
    struct {
        int to_server;
        uint8_t flags;
        const uint8_t *p;
        size_t n;
    } script[] = {{1, 0x02, NULL, 0}, {0, 0x12, NULL, 0}, {1, 0x10, NULL, 0}, {1, 0x18, hs, 68},
                  {0, 0x18, hs, 68},  {1, 0x11, NULL, 0}, {0, 0x11, NULL, 0}};
    for (unsigned i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
        size_t len = tcp_frame(script[i].to_server, script[i].flags, script[i].p, script[i].n);
        sluice_packet p = {1700000000 + i, 0, 1, frame, (uint32_t)len, (uint32_t)len};
        sluice_engine_packet(eng, &p);
    }
    sluice_engine_flush(eng);
    sluice_engine_write_stats(eng);
    sluice_stats st;
    sluice_engine_stats(eng, &st);
    sluice_engine_free(eng);

    printf("embed: %d alerts, %d flows, %d stats; %llu packets\n", c.alerts, c.flows, c.stats,
           (unsigned long long)st.packets);
    /* The session alert, then the handshake alert naming the torrent. */
    if (c.alerts != 2 || c.session_alerts != 1 || c.flows != 1 || c.stats != 1 || st.packets != 7 ||
        !strstr(c.last_alert, "\"signature_id\":2292001") ||
        !strstr(c.last_alert, "\"info_hash\":\"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\"") ||
        !strstr(c.last_alert, "\"host\":\"embedded\"")) {
        fprintf(stderr, "embed: unexpected events; last alert: %s\n", c.last_alert);
        return 1;
    }
    printf("embed: ok\n");
    return 0;
}
