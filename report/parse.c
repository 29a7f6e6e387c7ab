/*
 * parse.c - reading eve.json files into the report's tables.
 *
 * Events are untrusted input like the packets they came from: every field
 * is checked for its type, strings are only copied into bounded buffers and
 * escaped when written (html.c).  Lines that are not JSON objects are
 * counted and skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "report.h"

#define MAX_LINE (4u << 20)

bool rpt_parse_ts(const char *s, int64_t *us)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int frac = 0, n = 0;
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac, &n) != 7 ||
        n < 26)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *us = (int64_t)timegm(&tm) * 1000000 + frac;
    return true;
}

void rpt_format_ts(int64_t us, char *out, size_t len)
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, len, "?");
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static uint64_t u64(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* One side of a BitTorrent flow: its client for the torrent and, if internal, the inventory. */
static void bt_side(struct report *r, struct rpt_torrent *t, json_t *side, const char *ip,
                    int64_t ts)
{
    if (!side)
        return;
    const char *name = str(side, "client"), *ver = str(side, "client_version");
    char label[96];
    if (name) {
        snprintf(label, sizeof(label), "%s%s%s", name, ver ? " " : "", ver ? ver : "");
        if (t)
            rpt_torrent_client(t, label);
    }
    if (ip && rpt_internal(r, ip)) {
        unsigned h = rpt_host(r, ip, ts);
        if (t)
            rpt_torrent_host(t, h);
        if (name)
            rpt_client_seen(r, h, name, ver, "bittorrent", ts);
        else if (str(side, "ext_client"))
            rpt_client_seen(r, h, str(side, "ext_client"), NULL, "bittorrent", ts);
    }
}

static void bittorrent(struct report *r, json_t *bt, const char *src, const char *dst,
                       struct rpt_flow *fl, int64_t ts)
{
    const char *ih = str(bt, "info_hash");
    unsigned ti = ih ? rpt_torrent(r, ih, ts) : UINT32_MAX;
    struct rpt_torrent *t = ti == UINT32_MAX ? NULL : &r->torrents[ti];
    json_t *cs = json_object_get(bt, "client"), *ss = json_object_get(bt, "server");
    bt_side(r, t, cs, src, ts);
    bt_side(r, t, ss, dst, ts);
    if (!t)
        return;
    const char *name = str(json_object_get(bt, "metadata"), "name");
    if (name && !t->name[0])
        snprintf(t->name, sizeof(t->name), "%s", name);
    if (!fl)
        return;
    if (!fl->torrent) {
        fl->torrent = ti + 1;
        t->flows++;
    }
    /* pieces an internal side sent count as sent; the other side's as received */
    bool ci = src && rpt_internal(r, src), si = dst && rpt_internal(r, dst);
    uint64_t out = (ci ? u64(cs, "piece_bytes") : 0) + (si ? u64(ss, "piece_bytes") : 0);
    uint64_t in = (ci ? 0 : u64(cs, "piece_bytes")) + (si ? 0 : u64(ss, "piece_bytes"));
    if (out > fl->piece_out) {
        t->bytes_sent += out - fl->piece_out;
        fl->piece_out = out;
    }
    if (in > fl->piece_in) {
        t->bytes_received += in - fl->piece_in;
        fl->piece_in = in;
    }
}

/* Clients named by trackers, eDonkey hellos and Gnutella handshakes. */
static void other_clients(struct report *r, json_t *p2p, const char *src, const char *dst,
                          int64_t ts)
{
    unsigned hs = src && rpt_internal(r, src) ? rpt_host(r, src, ts) : UINT32_MAX;
    unsigned hd = dst && rpt_internal(r, dst) ? rpt_host(r, dst, ts) : UINT32_MAX;
    json_t *trk = json_object_get(p2p, "tracker");
    if (trk) {
        const char *name = str(trk, "client"), *ua = str(trk, "user_agent");
        rpt_client_seen(r, hs, name ? name : ua, name ? str(trk, "client_version") : NULL,
                        "tracker", ts);
        json_t *hashes = json_object_get(trk, "info_hashes");
        for (size_t i = 0; i < json_array_size(hashes); i++) {
            const char *ih = json_string_value(json_array_get(hashes, i));
            unsigned ti = ih ? rpt_torrent(r, ih, ts) : UINT32_MAX;
            if (ti != UINT32_MAX) {
                rpt_torrent_host(&r->torrents[ti], hs);
                if (name)
                    rpt_torrent_client(&r->torrents[ti], name);
            }
        }
    }
    json_t *ed = json_object_get(p2p, "edonkey");
    for (int k = 0; ed && k < 2; k++) {
        json_t *side = json_object_get(ed, k ? "server" : "client");
        if (!side)
            continue;
        char ver[32] = "";
        if (u64(side, "emule_version"))
            snprintf(ver, sizeof(ver), "%llu", (unsigned long long)u64(side, "emule_version"));
        rpt_client_seen(r, k ? hd : hs, ver[0] ? "eMule" : "eDonkey", ver, "edonkey", ts);
    }
    json_t *gn = json_object_get(p2p, "gnutella");
    for (int k = 0; gn && k < 2; k++) {
        const char *ua = str(json_object_get(gn, k ? "server" : "client"), "user_agent");
        if (ua)
            rpt_client_seen(r, k ? hd : hs, ua, NULL, "gnutella", ts);
    }
}

/* The internal endpoint of an event: egress's, else the one endpoint in home_networks. */
static unsigned internal_host(struct report *r, json_t *ev, const char *src, const char *dst,
                              int64_t ts, int *side)
{
    const char *iip = str(json_object_get(ev, "egress"), "internal_ip");
    *side = -1;
    if (iip) {
        *side = src && !strcmp(iip, src) ? 0 : 1;
        return rpt_host(r, iip, ts);
    }
    bool si = src && rpt_internal(r, src), di = dst && rpt_internal(r, dst);
    if (si) {
        *side = 0;
        return rpt_host(r, src, ts);
    }
    if (di) {
        *side = 1;
        return rpt_host(r, dst, ts);
    }
    return UINT32_MAX;
}

/* Upload: running bytes_out of the flow's internal host, added as deltas. */
static void upload(struct report *r, json_t *ev, struct rpt_flow *fl, unsigned host, int side,
                   const char *src, const char *dst, int64_t ts, bool final)
{
    json_t *eg = json_object_get(ev, "egress"), *flow = json_object_get(ev, "flow");
    const char *ext = NULL;
    uint64_t out;
    if (str(eg, "internal_ip")) {
        out = u64(eg, "bytes_out");
        ext = str(eg, "external_ip");
    } else {
        bool other_internal = side == 0 ? dst && rpt_internal(r, dst) : src && rpt_internal(r, src);
        if (host == UINT32_MAX || other_internal)
            return; /* internal to internal: not egress */
        out = u64(flow, side == 0 ? "bytes_toserver" : "bytes_toclient");
        ext = side == 0 ? dst : src;
    }
    uint64_t delta = fl && out > fl->out ? out - fl->out : fl ? 0 : out;
    if (fl)
        fl->out = out > fl->out ? out : fl->out;
    rpt_add_upload(r, host, ts, delta);
    unsigned d = ext ? rpt_dest(r, ext) : UINT32_MAX;
    if (d != UINT32_MAX) {
        r->dests[d].bytes += delta;
        if (final)
            r->dests[d].flows++;
    }
}

/* Session alerts are signatures 2290001..2290013; detail alerts also say "session". */
static bool sid_is_session(json_t *ev)
{
    uint64_t sid = u64(json_object_get(ev, "alert"), "signature_id");
    return sid > 2290000 && sid < 2291000;
}

static void event(struct report *r, json_t *ev)
{
    const char *type = str(ev, "event_type");
    int64_t ts;
    if (!type || !rpt_parse_ts(str(ev, "timestamp"), &ts)) {
        r->bad_lines++;
        return;
    }
    r->events++;
    bool is_alert = !strcmp(type, "alert"), is_flow = !strcmp(type, "flow");
    bool is_update = !strcmp(type, "flow_update");
    if (!is_alert && !is_flow && !is_update)
        return;
    if (ts < r->tmin)
        r->tmin = ts;
    if (ts > r->tmax)
        r->tmax = ts;
    const char *src = str(ev, "src_ip"), *dst = str(ev, "dest_ip");
    json_t *fid = json_object_get(ev, "flow_id");
    struct rpt_flow *fl =
        json_is_integer(fid) ? rpt_flow(r, (uint64_t)json_integer_value(fid)) : NULL;
    int side;
    unsigned host = internal_host(r, ev, src, dst, ts, &side);
    json_t *p2p = json_object_get(ev, "p2p");
    const char *det = str(p2p, "detection"), *proto = str(p2p, "protocol");
    json_t *flow = json_object_get(ev, "flow");
    int64_t start = ts, end = ts;
    rpt_parse_ts(str(flow, "start"), &start);
    if (is_flow)
        rpt_parse_ts(str(flow, "end"), &end);
    if (start < r->tmin)
        r->tmin = start;

    if (is_alert) {
        json_t *a = json_object_get(ev, "alert");
        uint32_t sid = (uint32_t)u64(a, "signature_id");
        rpt_count_sig(r, sid, str(a, "signature"));
        rpt_add_alert(r, host, ts, sid, (uint32_t)u64(a, "severity"), str(a, "signature"));
        if (host != UINT32_MAX)
            r->hosts[host].alerts++;
    } else {
        if (is_flow)
            r->flows_total++;
        upload(r, ev, fl, host, side, src, dst, ts, is_flow);
    }
    /* A P2P session: one timeline bar per flow, from its alert or its flow event. */
    if (det && proto && !strcmp(det, "session") && (is_flow || sid_is_session(ev))) {
        if (fl && fl->session) {
            struct rpt_session *s = &r->sessions[fl->session - 1];
            if (end > s->end_us)
                s->end_us = end;
        } else {
            rpt_count_proto(r, proto);
            if (host != UINT32_MAX)
                r->hosts[host].sessions++;
            rpt_add_session(r, host, start, end, proto);
            if (fl && r->nsessions)
                fl->session = r->nsessions;
        }
    }
    json_t *bt = json_object_get(p2p, "bittorrent");
    if (bt)
        bittorrent(r, bt, src, dst, is_alert ? NULL : fl, ts);
    if (p2p)
        other_clients(r, p2p, src, dst, ts);
}

int rpt_read_file(struct report *r, const char *path)
{
    FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!in) {
        fprintf(stderr, "sluice-report: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (n == 0 || (n == 1 && line[0] == '\n'))
            continue;
        if ((size_t)n > MAX_LINE) {
            r->bad_lines++;
            continue;
        }
        json_error_t err;
        json_t *ev = json_loadb(line, (size_t)n, JSON_ALLOW_NUL, &err);
        if (!json_is_object(ev)) {
            if (r->bad_lines++ < 3)
                fprintf(stderr, "sluice-report: warning: %s:%lu: not an event: %s\n", path, lineno,
                        ev ? "not an object" : err.text);
            json_decref(ev);
            continue;
        }
        event(r, ev);
        json_decref(ev);
    }
    int rc = ferror(in) ? -1 : 0;
    if (rc)
        fprintf(stderr, "sluice-report: %s: read error: %s\n", path, strerror(errno));
    free(line);
    if (in != stdin)
        fclose(in);
    return rc;
}
