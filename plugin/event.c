/*
 * event.c - EVE events: alert, flow and stats, one JSON object each, handed
 * to every sink whose filter takes the type.
 *
 * Field names follow Suricata's EVE wherever the meaning is the same, so a
 * SIEM's existing parsers apply; what is ours (p2p, ndpi, byte layers) is
 * named so it cannot be mistaken for Suricata's.  docs: README.md "Events".
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ndpi_api.h>

#include "btcache.h"
#include "bt-peerid.h"
#include "bt-wire.h"
#include "community_id.h"
#include "dht.h"
#include "edonkey.h"
#include "filename.h"
#include "engine.h"
#include "gnutella.h"
#include "infer.h"
#include "tracker.h"
#include "utp.h"

#define US_PER_SEC 1000000LL

/* Two decimal digits. */
static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/*
 * The proleptic Gregorian date of a count of days since 1970-01-01, by era
 * arithmetic (400-year cycles of 146097 days, years counted from March so
 * the leap day ends the year): gmtime_r and snprintf cost ~4,000
 * instructions per timestamp and every event prints two or three.
 */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468; /* 1970-01-01 is day 719468 counted from 0000-03-01 */
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);                       /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* 0 = March */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Seconds and microseconds, by floor division: times before 1970 still have a positive fraction. */
static int64_t split_us(int64_t us, unsigned *frac)
{
    int64_t sec = us / US_PER_SEC, f = us % US_PER_SEC;
    if (f < 0) {
        f += US_PER_SEC;
        sec--;
    }
    *frac = (unsigned)f;
    return sec;
}

/* ".ffffff+0000" and the NUL, after the seconds. */
static void put_fraction(char *p, unsigned f)
{
    *p++ = '.';
    p = put2(p, f / 10000);
    p = put2(p, f / 100 % 100);
    p = put2(p, f % 100);
    memcpy(p, "+0000", 6);
}

void sl_format_ts(int64_t us, char out[SL_TS_LEN])
{
    unsigned frac;
    int64_t sec = split_us(us, &frac);
    int64_t days = sec / 86400, tod = sec % 86400;
    if (tod < 0) {
        tod += 86400;
        days--;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    if (y < 0 || y > 9999) { /* not a four-digit year: no capture is dated there */
        memcpy(out, "1970-01-01T00:00:00.000000+0000", 32);
        return;
    }
    char *p = put2(out, (unsigned)(y / 100));
    p = put2(p, (unsigned)(y % 100));
    *p++ = '-';
    p = put2(p, mo);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, (unsigned)(tod / 3600));
    *p++ = ':';
    p = put2(p, (unsigned)(tod / 60 % 60));
    *p++ = ':';
    p = put2(p, (unsigned)(tod % 60));
    put_fraction(p, frac);
}

/*
 * sl_format_ts, with the date and time of day kept from the engine's last call
 * in the same second: an event's timestamps mostly are (the calendar is a
 * tenth of a flow event).  Years 1 to 9999 only, where sl_format_ts writes
 * the time it is given.
 */
static void format_ts(struct sluice_engine *e, int64_t us, char out[SL_TS_LEN])
{
    if (us < -62135596800000000LL || us > 253402300799999999LL) {
        sl_format_ts(us, out);
        return;
    }
    unsigned frac;
    int64_t sec = split_us(us, &frac);
    if (!e->ts_cached || sec != e->ts_sec) {
        sl_format_ts(us, out);
        memcpy(e->ts_text, out, sizeof(e->ts_text));
        e->ts_sec = sec;
        e->ts_cached = true;
        return;
    }
    memcpy(out, e->ts_text, sizeof(e->ts_text));
    put_fraction(out + sizeof(e->ts_text), frac);
}

uint64_t sl_flow_id_of(const struct sl_flow *f)
{
    /* FNV-1a over key and start time, then a final mix; 51 bits so every JSON reader keeps it
     * exact. */
    uint64_t h = 0xcbf29ce484222325ull;
    const uint8_t *k = (const uint8_t *)&f->key;
    for (size_t i = 0; i < sizeof(f->key); i++)
        h = (h ^ k[i]) * 0x100000001b3ull;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint8_t)((uint64_t)f->first_us >> (8 * i))) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h & ((1ull << 51) - 1);
}

static const char *proto_name(uint8_t p, char buf[8])
{
    switch (p) {
    case 6:
        return "TCP";
    case 17:
        return "UDP";
    case 1:
        return "ICMP";
    case 58:
        return "IPv6-ICMP";
    case 47:
        return "GRE";
    case 50:
        return "ESP";
    case 132:
        return "SCTP";
    default:
        snprintf(buf, 8, "%u", p);
        return buf;
    }
}

/* Client and server endpoints of a flow. */
struct endpoints {
    const uint8_t *cip, *sip;
    uint16_t cport, sport;
};

static void flow_endpoints(const struct sl_flow *f, struct endpoints *ep)
{
    bool ca = f->flags & SL_FF_CLIENT_IS_A;
    ep->cip = ca ? f->key.a : f->key.b;
    ep->sip = ca ? f->key.b : f->key.a;
    ep->cport = ca ? f->key.pa : f->key.pb;
    ep->sport = ca ? f->key.pb : f->key.pa;
}

static void ip_text(int family, const uint8_t *a, char out[INET6_ADDRSTRLEN])
{
    if (family == 4) { /* inet_ntop costs ~1,800 instructions; two per event */
        char *p = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = a[i];
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
        return;
    }
    if (!inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN))
        snprintf(out, INET6_ADDRSTRLEN, "?");
}

/* Lower-case copy of an nDPI protocol name, as app_proto ("TLS" -> "tls"). */
static void lower(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
    out[i] = '\0';
}

/* app_proto's value: a static name, or the lower-cased nDPI name written into `buf`. */
static const char *app_proto_of(struct sluice_engine *e, const struct sl_flow *f, char *buf,
                                size_t n)
{
    const struct sl_p2p_proto *p = sl_p2p_lookup(f->app_proto);
    if (f->app_proto == NDPI_PROTOCOL_UNKNOWN && sl_dissect_evidence(f))
        /* sluice's dissector knows before (or without) nDPI */
        return sl_p2p_lookup(sl_dissect_protocol(f))->name;
    if (p && f->master_proto == NDPI_PROTOCOL_UNKNOWN)
        return p->name;
    if (f->master_proto != NDPI_PROTOCOL_UNKNOWN || f->app_proto != NDPI_PROTOCOL_UNKNOWN) {
        uint16_t id = f->master_proto != NDPI_PROTOCOL_UNKNOWN ? f->master_proto : f->app_proto;
        lower(sl_classify_proto_name(e->cls, id), buf, n);
        return buf;
    }
    return (f->flags & SL_FF_CLASSIFIED) ? "failed" : "unknown";
}

/* "<run id, 16 hex digits>-<sequence, decimal>", without snprintf's ~900 instructions. */
static void event_id(uint64_t run_id, uint64_t seq, char out[64])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        out[i] = hex[(run_id >> (60 - 4 * i)) & 15];
    out[16] = '-';
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + seq % 10);
        seq /= 10;
    } while (seq);
    for (size_t i = 0; i < n; i++)
        out[17 + i] = tmp[n - 1 - i];
    out[17 + n] = '\0';
}

/* The fields every event starts with; flow fields when `f` is given. */
static void header(struct sluice_engine *e, const char *type, int64_t ts_us,
                   const struct sl_flow *f, const struct sl_packet *pkt)
{
    struct sl_jw *w = &e->jw;
    char buf[64];
    sl_jw_reset(w);
    sl_jw_obj_open(w, NULL);
    format_ts(e, ts_us, buf);
    sl_jw_plain(w, "timestamp", buf);
    if (f)
        sl_jw_u64(w, "flow_id", f->flow_id);
    if (pkt && pkt->pcap_cnt)
        sl_jw_u64(w, "pcap_cnt", pkt->pcap_cnt);
    sl_jw_plain(w, "event_type", type);
    if (f) {
        struct endpoints ep;
        char ip[INET6_ADDRSTRLEN];
        flow_endpoints(f, &ep);
        bool icmp = f->key.proto == 1 || f->key.proto == 58;
        bool ports = f->key.proto == 6 || f->key.proto == 17 || f->key.proto == 132;
        ip_text(f->key.family, ep.cip, ip);
        sl_jw_plain(w, "src_ip", ip);
        if (ports)
            sl_jw_u64(w, "src_port", ep.cport);
        ip_text(f->key.family, ep.sip, ip);
        sl_jw_plain(w, "dest_ip", ip);
        if (ports)
            sl_jw_u64(w, "dest_port", ep.sport);
        sl_jw_plain(w, "proto", proto_name(f->key.proto, buf));
        if (icmp) {
            /* Ports hold the Community ID mapping: the type, then its counterpart or the code. */
            sl_jw_u64(w, "icmp_type", ep.cport);
            if (f->flags & SL_FF_ICMP_ONEWAY)
                sl_jw_u64(w, "icmp_code", ep.sport);
        }
        if (f->key.vlan)
            sl_jw_u64(w, "vlan", f->key.vlan);
        sl_jw_str(w, "app_proto", app_proto_of(e, f, buf, sizeof(buf)));

        char cid[SL_COMMUNITY_ID_LEN];
        struct sl_cid_tuple t = {
            .family = f->key.family,
            .src = ep.cip,
            .dst = ep.sip,
            .proto = f->key.proto,
            .has_ports = ports || icmp,
            .sport = ep.cport,
            .dport = ep.sport,
            .one_way = (f->flags & SL_FF_ICMP_ONEWAY) != 0,
        };
        sl_community_id(&t, 0, cid);
        sl_jw_plain(w, "community_id", cid);
    }
    if (pkt && pkt->pcap_cnt && e->have_source)
        sl_jw_strn(w, "pcap_filename", (const uint8_t *)e->pcap_filename, strlen(e->pcap_filename));
    /* An alert's flow goes to its evidence pcap from here on: the alert names the file. */
    if (f && e->ev && !strcmp(type, "alert") &&
        sl_evidence_alert(e->ev, (struct sl_flow *)f, pkt, buf, sizeof(buf))) {
        sl_jw_obj_open(w, "evidence");
        sl_jw_plain(w, "pcap", buf);
        sl_jw_obj_close(w);
    }
    sl_jw_strn(w, "host", (const uint8_t *)e->cfg.sensor_name, strlen(e->cfg.sensor_name));
    event_id(e->run_id, ++e->event_seq, buf);
    sl_jw_plain(w, "event_id", buf);
}

/* Close the event and give it to every sink that takes `type`. */
static void emit(struct sluice_engine *e, unsigned type)
{
    sl_jw_obj_close(&e->jw);
    size_t len;
    const char *text = sl_jw_text(&e->jw, &len);
    if (!text) {
        e->c.events_oom++;
        e->c.events_undelivered++;
        return;
    }
    e->c.events++;
    for (unsigned i = 0; i < e->nsinks; i++) {
        struct sl_sink *s = &e->sinks[i];
        if (!(s->types & type))
            continue;
        if (s->ops->write(s->ctx, type, text, len) == 0) {
            s->written++;
        } else {
            s->failed++;
            e->c.events_undelivered++;
        }
    }
}

/* The flow counters object, shared by alerts and flow events. */
static void flow_object(struct sluice_engine *e, const struct sl_flow *f, const char *reason)
{
    struct sl_jw *w = &e->jw;
    char ts[SL_TS_LEN];
    sl_jw_obj_open(w, "flow");
    sl_jw_u64(w, "pkts_toserver", f->pkts[0]);
    sl_jw_u64(w, "pkts_toclient", f->pkts[1]);
    sl_jw_u64(w, "bytes_toserver", f->bytes[0]);
    sl_jw_u64(w, "bytes_toclient", f->bytes[1]);
    sl_jw_plain(w, "bytes_layer", "ip");
    sl_jw_u64(w, "payload_bytes_toserver", f->payload[0]);
    sl_jw_u64(w, "payload_bytes_toclient", f->payload[1]);
    format_ts(e, f->first_us, ts);
    sl_jw_plain(w, "start", ts);
    if (reason) {
        format_ts(e, f->last_us, ts);
        sl_jw_plain(w, "end", ts);
        int64_t age = (f->last_us - f->first_us) / US_PER_SEC;
        sl_jw_i64(w, "age", age < 0 ? 0 : age);
        const char *state = f->fclass == SL_FC_TCP_CLOSED ? "closed"
                            : ((f->flags & SL_FF_SEEN_TOSERVER) && (f->flags & SL_FF_SEEN_TOCLIENT))
                                ? "established"
                                : "new";
        sl_jw_plain(w, "state", state);
        sl_jw_plain(w, "reason", reason);
        sl_jw_bool(w, "alerted", (f->flags & SL_FF_ALERTED) != 0);
    }
    sl_jw_obj_close(w);
}

static void ndpi_object(struct sluice_engine *e, const struct sl_flow *f)
{
    struct sl_jw *w = &e->jw;
    char both[96];
    const char *label = sl_classify_proto_name(e->cls, f->app_proto);
    if (f->master_proto) {
        snprintf(both, sizeof(both), "%s.%s", sl_classify_proto_name(e->cls, f->master_proto),
                 label);
        label = both;
    }
    sl_jw_obj_open(w, "ndpi");
    sl_jw_str(w, "protocol", label);
    sl_jw_plain(w, "confidence", sl_classify_confidence_name(f->confidence));
    sl_jw_bool(w, "guessed", (f->flags & SL_FF_GUESSED) != 0);
    if (f->flags & SL_FF_NDPI_SKIPPED)
        sl_jw_bool(w, "skipped", true);
    if (f->flags & SL_FF_BY_DISSECTOR) {
        const char *by = sl_dissect_evidence(f);
        sl_jw_str(w, "deferred_to_dissector", by ? by : "unknown");
    }
    sl_jw_u64(w, "packets", f->ndpi_pkts);
    sl_jw_obj_close(w);
}

static void mitre(struct sl_jw *w)
{
    /* Peer-to-peer file sharing is an exfiltration channel outside the sanctioned ones. */
    sl_jw_obj_open(w, "metadata");
    sl_jw_arr_open(w, "mitre_tactic_id");
    sl_jw_plain(w, NULL, "TA0010");
    sl_jw_arr_close(w);
    sl_jw_arr_open(w, "mitre_tactic_name");
    sl_jw_plain(w, NULL, "Exfiltration");
    sl_jw_arr_close(w);
    sl_jw_arr_open(w, "mitre_technique_id");
    sl_jw_plain(w, NULL, "T1048");
    sl_jw_arr_close(w);
    sl_jw_arr_open(w, "mitre_technique_name");
    sl_jw_plain(w, NULL, "Exfiltration_Over_Alternative_Protocol");
    sl_jw_arr_close(w);
    sl_jw_obj_close(w);
}

/* Untrusted bytes as a string (invalid UTF-8 shown as U+FFFD), with a hex twin when lossy. */
static void untrusted(struct sl_jw *w, const char *key, const char *hex_key, const uint8_t *s,
                      size_t n)
{
    sl_jw_strn(w, key, s, n);
    if (!sl_jw_utf8_valid(s, n))
        sl_jw_hex(w, hex_key, s, n);
}

/* One side of a BitTorrent peer-wire flow: what its handshakes said, what it sent. */
static void bt_side(struct sl_jw *w, const char *key, const struct sl_bt_dir *d)
{
    if (!d->handshake && !d->messages)
        return; /* nothing seen from this side yet */
    sl_jw_obj_open(w, key);
    if (d->handshake) {
        /* peer_id is 20 arbitrary bytes: always in hex too, the text is for people. */
        sl_jw_strn(w, "peer_id", d->hs.peer_id, sizeof(d->hs.peer_id));
        sl_jw_hex(w, "peer_id_hex", d->hs.peer_id, sizeof(d->hs.peer_id));
        struct sl_bt_client cl;
        if (sl_bt_client_from_peer_id(d->hs.peer_id, &cl)) {
            sl_jw_str(w, "client", cl.name);
            if (cl.version[0])
                sl_jw_str(w, "client_version", cl.version);
        }
        sl_jw_hex(w, "reserved", d->hs.reserved, sizeof(d->hs.reserved));
        sl_jw_bool(w, "extensions", SL_BT_SUPPORTS_EXTENSIONS(&d->hs));
        sl_jw_bool(w, "dht", SL_BT_SUPPORTS_DHT(&d->hs));
    }
    if (d->ext_handshake) {
        if (d->v_len)
            untrusted(w, "ext_client", "ext_client_hex", d->v, d->v_len);
        if (d->listen_port)
            sl_jw_u64(w, "listen_port", d->listen_port);
    }
    sl_jw_u64(w, "messages", d->messages);
    sl_jw_u64(w, "pieces", d->pieces);
    sl_jw_u64(w, "piece_bytes", d->piece_bytes);
    sl_jw_obj_close(w);
}

static void dht_object(struct sl_jw *w, const struct sl_dht_flow *d)
{
    sl_jw_obj_open(w, "dht");
    sl_jw_u64(w, "messages", d->messages);
    sl_jw_u64(w, "queries", d->queries);
    sl_jw_u64(w, "responses", d->responses);
    sl_jw_u64(w, "errors", d->errors);
    if (d->bad)
        sl_jw_u64(w, "not_krpc", d->bad);
    if (d->malformed)
        sl_jw_u64(w, "malformed", d->malformed);
    sl_jw_obj_open(w, "query");
    static const char *const names[] = {"ping", "find_node", "get_peers", "announce_peer", "other"};
    const uint32_t counts[] = {d->q_ping, d->q_find_node, d->q_get_peers, d->q_announce_peer,
                               d->q_other};
    for (int i = 0; i < 5; i++)
        if (counts[i])
            sl_jw_u64(w, names[i], counts[i]);
    sl_jw_obj_close(w);
    sl_jw_arr_open(w, "info_hashes");
    for (unsigned i = 0; i < d->hashes; i++)
        if (!d->hash_is_target[i])
            sl_jw_hex(w, NULL, d->hash[i], 20);
    sl_jw_arr_close(w);
    sl_jw_arr_open(w, "targets");
    for (unsigned i = 0; i < d->hashes; i++)
        if (d->hash_is_target[i])
            sl_jw_hex(w, NULL, d->hash[i], 20);
    sl_jw_arr_close(w);
    static const char *const side[2] = {"client", "server"};
    for (int s = 0; s < 2; s++) {
        if (!d->have_id[s] && !d->v_len[s] && !d->t_len[s])
            continue;
        sl_jw_obj_open(w, side[s]);
        if (d->have_id[s])
            sl_jw_hex(w, "node_id", d->node_id[s], 20);
        if (d->t_len[s])
            sl_jw_hex(w, "transaction_id", d->t[s], d->t_len[s]);
        if (d->v_len[s]) /* "v": two letters of client, then a binary version */
            sl_jw_hex(w, "version_hex", d->v[s], d->v_len[s]);
        sl_jw_obj_close(w);
    }
    sl_jw_obj_close(w);
}

static void utp_object(struct sl_jw *w, const struct sl_utp_flow *u)
{
    sl_jw_obj_open(w, "utp");
    sl_jw_bool(w, "confirmed", u->confirmed);
    sl_jw_u64(w, "packets_toserver", u->packets[0]);
    sl_jw_u64(w, "packets_toclient", u->packets[1]);
    sl_jw_u64(w, "payload_bytes_toserver", u->payload[0]);
    sl_jw_u64(w, "payload_bytes_toclient", u->payload[1]);
    sl_jw_u64(w, "connection_id", u->conn_id[0]);
    for (int s = 0; s < 2; s++) {
        if (!u->have_hs[s])
            continue;
        sl_jw_obj_open(w, s ? "server_handshake" : "client_handshake");
        sl_jw_hex(w, "info_hash", u->hs[s].info_hash, 20);
        sl_jw_strn(w, "peer_id", u->hs[s].peer_id, 20);
        sl_jw_hex(w, "peer_id_hex", u->hs[s].peer_id, 20);
        sl_jw_obj_close(w);
    }
    sl_jw_obj_close(w);
}

static void tracker_object(struct sl_jw *w, const struct sl_tracker *t)
{
    static const char *const kinds[] = {"", "http", "udp", "lsd", "magnet"};
    if (t->kind == SL_TRK_MAGNET) {
        sl_jw_obj_open(w, "magnet");
        sl_jw_arr_open(w, "info_hashes");
        for (unsigned i = 0; i < t->hashes; i++)
            sl_jw_hex(w, NULL, t->info_hash[i], 20);
        sl_jw_arr_close(w);
        if (t->dn_len)
            untrusted(w, "display_name", "display_name_hex", t->dn, t->dn_len);
        sl_jw_obj_close(w);
        return;
    }
    sl_jw_obj_open(w, t->kind == SL_TRK_LSD ? "lsd" : "tracker");
    if (t->kind != SL_TRK_LSD)
        sl_jw_str(w, "transport", kinds[t->kind]);
    sl_jw_u64(w, "announces", t->announces);
    if (t->kind != SL_TRK_LSD) {
        sl_jw_u64(w, "scrapes", t->scrapes);
        if (t->kind == SL_TRK_UDP)
            sl_jw_u64(w, "connects", t->connects);
    }
    sl_jw_arr_open(w, "info_hashes");
    for (unsigned i = 0; i < t->hashes; i++)
        sl_jw_hex(w, NULL, t->info_hash[i], 20);
    sl_jw_arr_close(w);
    if (t->have_peer_id) {
        sl_jw_strn(w, "peer_id", t->peer_id, 20);
        sl_jw_hex(w, "peer_id_hex", t->peer_id, 20);
        struct sl_bt_client cl;
        if (sl_bt_client_from_peer_id(t->peer_id, &cl)) {
            sl_jw_str(w, "client", cl.name);
            if (cl.version[0])
                sl_jw_str(w, "client_version", cl.version);
        }
    }
    if (t->port)
        sl_jw_u64(w, "port", t->port);
    if (t->have_counters) {
        sl_jw_u64(w, "uploaded", t->uploaded);
        sl_jw_u64(w, "downloaded", t->downloaded);
        sl_jw_u64(w, "left", t->left);
    }
    if (t->event[0])
        sl_jw_str(w, "event", t->event);
    if (t->ua_len)
        untrusted(w, "user_agent", "user_agent_hex", t->user_agent, t->ua_len);
    if (t->host_len)
        untrusted(w, "host", "host_hex", t->host, t->host_len);
    sl_jw_obj_close(w);
}

static void ed2k_object(struct sl_jw *w, const struct sl_ed2k_flow *ed)
{
    static const char *const side[2] = {"client", "server"};
    sl_jw_obj_open(w, "edonkey");
    for (int i = 0; i < 2; i++) {
        const struct sl_ed2k_side *s = &ed->side[i];
        if (!s->hello)
            continue;
        sl_jw_obj_open(w, side[i]);
        sl_jw_hex(w, "user_hash", s->hash, 16);
        if (s->name_len)
            untrusted(w, "name", "name_hex", s->name, s->name_len);
        if (s->version)
            sl_jw_u64(w, "version", s->version);
        if (s->emule_version)
            sl_jw_u64(w, "emule_version", s->emule_version);
        if (s->mod_len)
            untrusted(w, "mod", "mod_hex", s->mod, s->mod_len);
        sl_jw_u64(w, "port", s->port);
        sl_jw_u64(w, "client_id", s->client_id);
        sl_jw_obj_close(w);
    }
    if (ed->file_len) {
        untrusted(w, "file_name", "file_name_hex", ed->file, ed->file_len);
        sl_jw_str(w, "file_sent_by", side[ed->file_from]);
    }
    if (ed->offered_files)
        sl_jw_u64(w, "offered_files", ed->offered_files);
    sl_jw_obj_close(w);
}

static void gnut_object(struct sl_jw *w, const struct sl_gnut_flow *g)
{
    static const char *const side[2] = {"client", "server"};
    sl_jw_obj_open(w, "gnutella");
    for (int i = 0; i < 2; i++) {
        const struct sl_gnut_side *s = &g->side[i];
        if (!s->seen)
            continue;
        sl_jw_obj_open(w, side[i]);
        untrusted(w, "first_line", "first_line_hex", s->first_line, s->line_len);
        if (s->ua_len)
            untrusted(w, "user_agent", "user_agent_hex", s->user_agent, s->ua_len);
        if (s->ua_cut)
            sl_jw_bool(w, "user_agent_truncated", true);
        sl_jw_obj_close(w);
    }
    if (g->file_len)
        untrusted(w, "file_name", "file_name_hex", g->file, g->file_len);
    sl_jw_obj_close(w);
}

/* Gnutella over UDP: how many messages each side sent, and of what type the first was. */
static void gnut_udp_object(struct sl_jw *w, const struct sl_gnut_udp *g)
{
    static const char *const side[2] = {"client", "server"};
    sl_jw_obj_open(w, "gnutella");
    sl_jw_plain(w, "transport", "udp");
    for (int i = 0; i < 2; i++) {
        if (!g->messages[i])
            continue;
        sl_jw_obj_open(w, side[i]);
        sl_jw_u64(w, "messages", g->messages[i]);
        sl_jw_plain(w, "first_message", sl_gnut_msg_name((enum sl_gnut_msg)g->first[i]));
        sl_jw_obj_close(w);
    }
    sl_jw_obj_close(w);
}

static void bt_object(struct sluice_engine *e, const struct sl_flow *f)
{
    struct sl_jw *w = &e->jw;
    const struct sl_ed2k_flow *ed = sl_dissect_ed2k(f);
    if (ed && (ed->side[0].hello || ed->side[1].hello))
        ed2k_object(w, ed);
    const struct sl_gnut_flow *gn = sl_dissect_gnut(f);
    if (gn && (gn->side[0].seen || gn->side[1].seen))
        gnut_object(w, gn);
    const struct sl_gnut_udp *gu = sl_dissect_gnut_udp(f);
    if (gu && (gu->messages[0] || gu->messages[1]))
        gnut_udp_object(w, gu);
    const struct sl_tracker *trk = sl_dissect_tracker(f);
    if (trk)
        tracker_object(w, trk);
    const struct sl_dht_flow *dht = sl_dissect_dht(f);
    const struct sl_utp_flow *utp = sl_dissect_utp(f);
    if (dht)
        dht_object(w, dht);
    if (utp)
        utp_object(w, utp);
    const struct sl_bt_flow *bt = sl_dissect_bt(f);
    if (!bt || !(bt->dir[0].handshake || bt->dir[1].handshake))
        return;
    sl_jw_obj_open(w, "bittorrent");
    sl_jw_hex(w, "info_hash", sl_bt_info_hash(bt), 20);
    if (bt->dir[0].handshake && bt->dir[1].handshake &&
        memcmp(bt->dir[0].hs.info_hash, bt->dir[1].hs.info_hash, 20) != 0)
        sl_jw_hex(w, "info_hash_server", bt->dir[1].hs.info_hash, 20);
    bt_side(w, "client", &bt->dir[0]);
    bt_side(w, "server", &bt->dir[1]);
    if (bt->have_meta) {
        /* BEP 9: the torrent's info dictionary, as far as its first bytes go. */
        sl_jw_obj_open(w, "metadata");
        sl_jw_plain(w, "sent_by", bt->meta_from ? "server" : "client");
        if (bt->name_len)
            untrusted(w, "name", "name_hex", bt->name, bt->name_len);
        sl_jw_arr_open(w, "files");
        bool lossy = false;
        for (unsigned i = 0; i < bt->nfiles; i++) {
            sl_jw_strn(w, NULL, bt->file[i], bt->file_len[i]);
            lossy |= !sl_jw_utf8_valid(bt->file[i], bt->file_len[i]);
        }
        sl_jw_arr_close(w);
        if (lossy) { /* names that are not UTF-8 stay recoverable */
            sl_jw_arr_open(w, "files_hex");
            for (unsigned i = 0; i < bt->nfiles; i++)
                sl_jw_hex(w, NULL, bt->file[i], bt->file_len[i]);
            sl_jw_arr_close(w);
        }
        sl_jw_obj_close(w);
    }
    if (bt->gaps)
        sl_jw_u64(w, "gaps", bt->gaps);
    sl_jw_obj_close(w);
}

/* The "alert" object: what Suricata's EVE alert carries, with MITRE ATT&CK metadata. */
static void alert_object_in(struct sl_jw *w, uint32_t sid, const char *msg, unsigned severity,
                            const char *category)
{
    sl_jw_obj_open(w, "alert");
    sl_jw_plain(w, "action", "allowed");
    sl_jw_u64(w, "gid", 1);
    sl_jw_u64(w, "signature_id", sid);
    sl_jw_u64(w, "rev", 1);
    sl_jw_plain(w, "signature", msg);
    sl_jw_plain(w, "category", category);
    sl_jw_u64(w, "severity", severity);
    mitre(w);
    sl_jw_obj_close(w);
}

static void alert_object(struct sl_jw *w, uint32_t sid, const char *msg, unsigned severity)
{
    alert_object_in(w, sid, msg, severity, "Potential Corporate Privacy Violation");
}

/* "5m", "1h", "24h" rather than seconds, as egress.windows is written. */
static void window_text(uint32_t s, char *buf, size_t n)
{
    if (s % 3600 == 0)
        snprintf(buf, n, "%uh", s / 3600);
    else if (s % 60 == 0)
        snprintf(buf, n, "%um", s / 60);
    else
        snprintf(buf, n, "%us", s);
}

static const struct {
    const char *trigger, *signature;
    unsigned severity;
} egress_kinds[SL_EG_KINDS] = {
    [SL_EG_FLOW] = {"flow-upload", "SLUICE EGRESS flow upload over threshold", 2},
    [SL_EG_BUDGET] = {"host-budget", "SLUICE EGRESS internal host over its upload budget", 2},
    [SL_EG_ASYM] = {"asymmetry", "SLUICE EGRESS asymmetric upload by an internal host", 3},
    [SL_EG_FANOUT] = {"fan-out", "SLUICE EGRESS upload fan-out to many external destinations", 2},
    [SL_EG_P2P] = {"p2p-upload", "SLUICE EGRESS P2P upload by an internal host over threshold", 2},
};

/*
 * The "egress" object of a tracked flow: its upload and download; on an
 * egress alert (`kind` >= 0) also what crossed and the host's window.
 */
static void egress_object(struct sluice_engine *e, const struct sl_flow *f, int kind, int window,
                          uint64_t threshold)
{
    struct sl_egress_view v;
    if (!sl_egress_view(e, f, &v))
        return;
    struct sl_jw *w = &e->jw;
    struct endpoints ep;
    char ip[INET6_ADDRSTRLEN];
    flow_endpoints(f, &ep);
    sl_jw_obj_open(w, "egress");
    ip_text(f->key.family, v.side ? ep.sip : ep.cip, ip);
    sl_jw_plain(w, "internal_ip", ip);
    ip_text(f->key.family, v.side ? ep.cip : ep.sip, ip);
    sl_jw_plain(w, "external_ip", ip);
    sl_jw_plain(w, "bytes_layer", "ip");
    sl_jw_u64(w, "bytes_out", f->bytes[v.side]);
    sl_jw_u64(w, "bytes_in", f->bytes[!v.side]);
    sl_jw_u64(w, "packets_out", f->pkts[v.side]);
    sl_jw_u64(w, "packets_in", f->pkts[!v.side]);
    if (v.allowlisted)
        sl_jw_bool(w, "allowlisted", true);
    if (v.group)
        sl_jw_strn(w, "group", (const uint8_t *)v.group, strlen(v.group));
    if (kind >= 0 && v.host) {
        sl_jw_plain(w, "trigger", egress_kinds[kind].trigger);
        sl_jw_u64(w, "threshold", threshold);
        const struct sl_egress_host *eh = &v.host->egress;
        if (window >= 0) {
            const struct sl_egress_windows *ws = sl_egress_windows_of(e, v.host);
            char wt[16];
            window_text(ws->seconds[window], wt, sizeof(wt));
            sl_jw_plain(w, "window", wt);
            sl_jw_u64(w, "window_seconds", ws->seconds[window]);
            sl_jw_u64(w, "window_bytes_out", eh->win[window].sum.out);
            sl_jw_u64(w, "window_bytes_in", eh->win[window].sum.in);
            sl_jw_u64(w, "window_p2p_bytes_out", eh->win[window].sum.p2p);
        }
        sl_jw_u64(w, "destinations", sl_egress_fanout_count(e, v.host));
        struct sl_egress_top top[5];
        unsigned n = sl_egress_top(e, v.host, top, 5);
        sl_jw_arr_open(w, "top_destinations");
        for (unsigned i = 0; i < n && i < 5; i++) {
            sl_jw_obj_open(w, NULL);
            static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            bool is4 = !memcmp(top[i].addr, v4mapped, 12);
            ip_text(is4 ? 4 : 6, is4 ? top[i].addr + 12 : top[i].addr, ip);
            sl_jw_plain(w, "ip", ip);
            sl_jw_u64(w, "bytes", top[i].bytes);
            sl_jw_obj_close(w);
        }
        sl_jw_arr_close(w);
    }
    sl_jw_obj_close(w);
}

void sl_event_p2p_alert(struct sluice_engine *e, const struct sl_flow *f,
                        const struct sl_p2p_judgement *j, const struct sl_packet *pkt)
{
    bool session = j->verdict == SL_P2P_SESSION;
    if (!session && !e->cfg.alert_indicators)
        return;
    /* An alert belongs to its flow: the flag is the only state it changes there. */
    ((struct sl_flow *)f)->flags |= SL_FF_ALERTED;
    const struct sl_p2p_proto *p = j->proto;
    unsigned nrows;
    unsigned row = (unsigned)(p - sl_p2p_table(&nrows));
    _Static_assert(sizeof(e->alerts_session) / sizeof(e->alerts_session[0]) >= 13,
                   "one alert counter per P2P table row");
    if (session) {
        e->c.p2p_sessions++;
        e->alerts_session[row]++;
    } else {
        e->c.p2p_indicators++;
        e->alerts_indicator[row]++;
    }
    e->c.alerts++;

    struct sl_jw *w = &e->jw;
    char msg[128];
    header(e, "alert", pkt ? pkt->ts_us : f->last_us, f, pkt);
    snprintf(msg, sizeof(msg),
             session ? "SLUICE P2P %s session detected" : "SLUICE P2P %s indicator (not a session)",
             p->display);
    alert_object(w, session ? p->sid_session : p->sid_indicator, msg, session ? 2 : 3);

    sl_jw_obj_open(w, "p2p");
    sl_jw_plain(w, "protocol", p->name);
    sl_jw_plain(w, "category", p->category);
    sl_jw_plain(w, "detection", session ? "session" : "indicator");
    sl_jw_plain(w, "confidence", session ? "high" : "low");
    sl_jw_plain(w, "evidence", j->decided_by);
    bt_object(e, f);
    sl_jw_obj_close(w);
    ndpi_object(e, f);
    flow_object(e, f, NULL);
    emit(e, SLUICE_EVENT_ALERT);
}

/* Open the "p2p" object of an alert from sluice's own dissectors. */
static void p2p_open(struct sl_jw *w, const char *protocol, const char *evidence)
{
    sl_jw_obj_open(w, "p2p");
    sl_jw_plain(w, "protocol", protocol);
    sl_jw_plain(w, "category", "file-sharing");
    sl_jw_plain(w, "detection", "session");
    sl_jw_plain(w, "confidence", "high");
    sl_jw_plain(w, "evidence", evidence);
}

/* Close such an alert: repeats held back, the flow's P2P details, its counters. */
static void bt_alert_close(struct sluice_engine *e, const struct sl_flow *f, uint32_t suppressed,
                           bool with_egress)
{
    struct sl_jw *w = &e->jw;
    if (suppressed) /* alerts.rate_limit held back this many like it since the last one */
        sl_jw_u64(w, "suppressed_before", suppressed);
    bt_object(e, f);
    sl_jw_obj_close(w);
    if (with_egress)
        egress_object(e, f, -1, -1, 0);
    flow_object(e, f, NULL);
    emit(e, SLUICE_EVENT_ALERT);
}

/* An alert of sluice's own BitTorrent dissectors: one signature, the p2p details. */
static void bt_detail_alert(struct sluice_engine *e, const struct sl_flow *f,
                            const struct sl_packet *pkt, uint32_t sid, const char *msg,
                            const char *evidence, uint32_t suppressed)
{
    e->c.alerts++;
    struct sl_jw *w = &e->jw;
    header(e, "alert", pkt ? pkt->ts_us : f->last_us, f, pkt);
    alert_object(w, sid, msg, 3);
    p2p_open(w, "bittorrent", evidence);
    /* Seeding is an upload: the same story as the egress alerts about its host. */
    bt_alert_close(e, f, suppressed, sid == SL_SID_BT_SEEDING);
}

void sl_event_bt_handshake(struct sluice_engine *e, const struct sl_flow *f,
                           const struct sl_packet *pkt, uint32_t suppressed)
{
    e->alerts_bt_handshake++;
    bt_detail_alert(e, f, pkt, SL_SID_BT_HANDSHAKE,
                    "SLUICE P2P BitTorrent handshake with info_hash", "handshake", suppressed);
}

void sl_event_bt_tracker(struct sluice_engine *e, const struct sl_flow *f,
                         const struct sl_packet *pkt, uint32_t suppressed)
{
    e->alerts_bt_tracker++;
    bt_detail_alert(e, f, pkt, SL_SID_BT_TRACKER, "SLUICE P2P BitTorrent tracker announce",
                    "tracker", suppressed);
}

void sl_event_bt_seeding(struct sluice_engine *e, const struct sl_flow *f,
                         const struct sl_packet *pkt, uint32_t suppressed)
{
    e->alerts_bt_seeding++;
    bt_detail_alert(e, f, pkt, SL_SID_BT_SEEDING,
                    "SLUICE P2P BitTorrent internal host seeding (pieces sent out)", "pieces",
                    suppressed);
}

void sl_event_suspicious_file(struct sluice_engine *e, const struct sl_flow *f,
                              const struct sl_packet *pkt, const char *protocol,
                              const char *evidence, const char *why, const uint8_t *name,
                              size_t len, uint32_t suppressed)
{
    e->c.alerts++;
    e->alerts_suspicious_file++;
    struct sl_jw *w = &e->jw;
    header(e, "alert", pkt ? pkt->ts_us : f->last_us, f, pkt);
    /* Malware rides P2P under popular names: severity 2, as a session. */
    alert_object(w, SL_SID_SUSPICIOUS_FILE, "SLUICE P2P suspicious file name downloaded", 2);
    p2p_open(w, protocol, evidence);
    sl_jw_str(w, "file_verdict", why);
    untrusted(w, "file_name", "file_name_hex", name, len);
    bt_alert_close(e, f, suppressed, false);
}

void sl_event_overshare(struct sluice_engine *e, const struct sl_flow *f,
                        const struct sl_packet *pkt, const char *protocol, const char *evidence,
                        const char *count_key, unsigned count, uint32_t suppressed)
{
    e->c.alerts++;
    e->alerts_overshare++;
    struct sl_jw *w = &e->jw;
    header(e, "alert", pkt ? pkt->ts_us : f->last_us, f, pkt);
    alert_object(w, SL_SID_OVERSHARE,
                 "SLUICE P2P internal host sharing too much (over-shared folder)", 2);
    p2p_open(w, protocol, evidence);
    sl_jw_u64(w, count_key, count);
    bt_alert_close(e, f, suppressed, false);
}

void sl_event_bt_dht(struct sluice_engine *e, const struct sl_flow *f, const struct sl_packet *pkt,
                     uint32_t suppressed)
{
    e->alerts_bt_dht++;
    bt_detail_alert(e, f, pkt, SL_SID_BT_DHT,
                    "SLUICE P2P BitTorrent DHT lookup by an internal host", "dht", suppressed);
}

/* The p2p object of an inferred flow. */
static void inferred_object(struct sl_jw *w, const struct sl_flow *f, uint32_t suppressed)
{
    sl_jw_obj_open(w, "p2p");
    const struct sl_p2p_proto *p = sl_p2p_lookup(f->inferred_proto);
    sl_jw_plain(w, "protocol", p ? p->name : "unknown");
    sl_jw_plain(w, "category", "file-sharing");
    sl_jw_plain(w, "detection", "inferred");
    sl_jw_plain(w, "confidence", "medium");
    sl_jw_plain(w, "evidence", sl_infer_reason_name(f->inferred));
    sl_jw_plain(w, "inferred_by", sl_infer_reason_name(f->inferred));
    if (suppressed)
        sl_jw_u64(w, "suppressed_before", suppressed);
    sl_jw_obj_close(w);
}

void sl_event_p2p_inferred(struct sluice_engine *e, const struct sl_flow *f,
                           const struct sl_packet *pkt, uint32_t suppressed)
{
    ((struct sl_flow *)f)->flags |= SL_FF_ALERTED;
    e->c.alerts++;
    e->alerts_inferred++;
    struct sl_jw *w = &e->jw;
    header(e, "alert", pkt ? pkt->ts_us : f->last_us, f, pkt);
    alert_object(w, SL_SID_P2P_INFERRED, "SLUICE P2P unidentified flow of a P2P host (inferred)",
                 3);
    inferred_object(w, f, suppressed);
    ndpi_object(e, f);
    flow_object(e, f, NULL);
    emit(e, SLUICE_EVENT_ALERT);
}

static const char *reason_name(enum sl_end_reason r)
{
    switch (r) {
    case SL_END_FORCED:
        return "forced";
    case SL_END_SHUTDOWN:
        return "shutdown";
    default:
        return "timeout";
    }
}

void sl_event_flow(struct sluice_engine *e, const struct sl_flow *f, enum sl_end_reason why)
{
    struct sl_jw *w = &e->jw;
    header(e, "flow", f->last_us, f, NULL);
    flow_object(e, f, reason_name(why));
    if (f->key.proto == 6) {
        sl_jw_obj_open(w, "tcp");
        uint8_t all = f->tcp_flags[0] | f->tcp_flags[1];
        sl_jw_hex(w, "tcp_flags", &all, 1);
        sl_jw_hex(w, "tcp_flags_ts", &f->tcp_flags[0], 1);
        sl_jw_hex(w, "tcp_flags_tc", &f->tcp_flags[1], 1);
        if (all & SL_TH_SYN)
            sl_jw_bool(w, "syn", true);
        if (all & SL_TH_FIN)
            sl_jw_bool(w, "fin", true);
        if (all & SL_TH_RST)
            sl_jw_bool(w, "rst", true);
        if (all & SL_TH_PSH)
            sl_jw_bool(w, "psh", true);
        if (all & SL_TH_ACK)
            sl_jw_bool(w, "ack", true);
        sl_jw_obj_close(w);
    }
    ndpi_object(e, f);
    egress_object(e, f, -1, -1, 0);
    struct sl_p2p_judgement j;
    sl_p2p_judge(f, &j);
    /* Payload evidence first, then what was inferred, then nDPI's guesses. */
    if (f->inferred && j.verdict != SL_P2P_SESSION) {
        inferred_object(w, f, 0);
    } else if (j.verdict != SL_P2P_NONE || j.suppressed) {
        sl_jw_obj_open(w, "p2p");
        sl_jw_plain(w, "protocol", j.proto->name);
        sl_jw_plain(w, "category", j.proto->category);
        sl_jw_plain(w, "detection",
                    j.verdict == SL_P2P_SESSION     ? "session"
                    : j.verdict == SL_P2P_INDICATOR ? "indicator"
                                                    : "suppressed");
        sl_jw_plain(w, "evidence", j.suppressed ? j.suppressed : j.decided_by);
        bt_object(e, f);
        sl_jw_obj_close(w);
    }
    emit(e, SLUICE_EVENT_FLOW);
}

void sl_event_egress(struct sluice_engine *e, const struct sl_flow *f, const struct sl_packet *pkt,
                     enum sl_egress_trigger kind, int window, uint64_t threshold)
{
    e->c.alerts++;
    struct sl_jw *w = &e->jw;
    header(e, "alert", pkt ? pkt->ts_us : f->last_us, f, pkt);
    alert_object_in(w, SL_SID_EGRESS_BASE + (uint32_t)kind, egress_kinds[kind].signature,
                    egress_kinds[kind].severity, "Attempted Information Leak");
    egress_object(e, f, (int)kind, window, threshold);
    ndpi_object(e, f);
    flow_object(e, f, NULL);
    emit(e, SLUICE_EVENT_ALERT);
}

void sl_event_flow_update(struct sluice_engine *e, const struct sl_flow *f)
{
    e->c.flow_updates++;
    header(e, "flow_update", f->last_us, f, NULL);
    flow_object(e, f, NULL);
    ndpi_object(e, f);
    egress_object(e, f, -1, -1, 0);
    emit(e, SLUICE_EVENT_FLOW_UPDATE);
}

/* A sink's own counters (queue, spool, connection), from its stats callback. */
static void sink_stats_fields(struct sl_jw *w, const struct sl_sink *sk)
{
    sluice_sink_stats st;
    memset(&st, 0, sizeof(st));
    st.connected = -1;
    sk->ops->stats(sk->ctx, &st);
    st.last_error[sizeof(st.last_error) - 1] = '\0';
    sl_jw_u64(w, "queued", st.queued);
    sl_jw_u64(w, "delivered", st.delivered);
    sl_jw_u64(w, "spooled", st.spooled);
    sl_jw_u64(w, "spool_bytes", st.spool_bytes);
    sl_jw_u64(w, "dropped", st.dropped);
    sl_jw_u64(w, "errors", st.errors);
    if (st.connected >= 0)
        sl_jw_bool(w, "connected", st.connected != 0);
    sl_jw_strn(w, "last_error", (const uint8_t *)st.last_error, strlen(st.last_error));
}

/* The host's capture counters (sluice_engine_set_capture_stats): totals, then each source. */
static void capture_object(struct sluice_engine *e)
{
    struct sl_jw *w = &e->jw;
    uint64_t t[4] = {0};
    for (unsigned i = 0; i < e->ncapture; i++) {
        t[0] += e->capture[i].packets;
        t[1] += e->capture[i].kernel_drops;
        t[2] += e->capture[i].if_drops;
        t[3] += e->capture[i].queue_drops;
    }
    sl_jw_obj_open(w, "capture");
    sl_jw_u64(w, "kernel_packets", t[0]);
    sl_jw_u64(w, "kernel_drops", t[1]);
    sl_jw_u64(w, "if_drops", t[2]);
    sl_jw_u64(w, "queue_drops", t[3]);
    sl_jw_arr_open(w, "interfaces");
    for (unsigned i = 0; i < e->ncapture; i++) {
        sl_jw_obj_open(w, NULL);
        sl_jw_str(w, "name", e->capture[i].name);
        sl_jw_u64(w, "kernel_packets", e->capture[i].packets);
        sl_jw_u64(w, "kernel_drops", e->capture[i].kernel_drops);
        sl_jw_u64(w, "if_drops", e->capture[i].if_drops);
        sl_jw_u64(w, "queue_drops", e->capture[i].queue_drops);
        sl_jw_obj_close(w);
    }
    sl_jw_arr_close(w);
    sl_jw_obj_close(w);
}

void sl_event_stats(struct sluice_engine *e)
{
    struct sl_jw *w = &e->jw;
    const struct sl_counters *c = &e->c;
    header(e, "stats", e->now_us, NULL, NULL);
    sl_jw_obj_open(w, "stats");
    if (e->worker_count > 1) {
        sl_jw_obj_open(w, "worker");
        sl_jw_u64(w, "id", e->worker_id);
        sl_jw_u64(w, "count", e->worker_count);
        sl_jw_obj_close(w);
    }
    if (e->ncapture)
        capture_object(e);

    sl_jw_obj_open(w, "decoder");
    sl_jw_u64(w, "pkts", c->packets);
    sl_jw_u64(w, "bytes", c->bytes);
    sl_jw_u64(w, "ipv4", c->ipv4);
    sl_jw_u64(w, "ipv6", c->ipv6);
    sl_jw_u64(w, "tcp", c->tcp);
    sl_jw_u64(w, "udp", c->udp);
    sl_jw_u64(w, "icmp", c->icmp);
    sl_jw_u64(w, "other_l4", c->other_l4);
    sl_jw_u64(w, "fragments", c->fragments);
    sl_jw_u64(w, "fragments_untracked", c->fragments_untracked);
    sl_jw_u64(w, "clock_backwards", c->clock_backwards);
    uint64_t invalid = 0;
    for (unsigned r = 1; r < SL_DECODE_MAX; r++)
        invalid += c->decode[r];
    sl_jw_u64(w, "invalid", invalid);
    /* Every reason, zeros included, so a dashboard's series never appear out of nowhere. */
    sl_jw_obj_open(w, "event");
    for (unsigned r = 1; r < SL_DECODE_MAX; r++)
        sl_jw_u64(w, sl_decode_name((enum sl_decode_result)r), c->decode[r]);
    sl_jw_obj_close(w);
    sl_jw_obj_close(w);

    sl_jw_obj_open(w, "flow");
    sl_jw_u64(w, "created", c->flows_created);
    sl_jw_u64(w, "active", sl_flow_count(e->flows));
    sl_jw_u64(w, "ended", c->flows_ended);
    sl_jw_u64(w, "timeout", c->flows_timeout);
    sl_jw_u64(w, "evicted", c->flows_evicted);
    sl_jw_u64(w, "tcp_reused", c->tcp_reused);
    sl_jw_u64(w, "capacity", sl_flow_capacity(e->flows));
    sl_jw_u64(w, "memcap_bytes", sl_flow_table_bytes(e->flows));
    sl_jw_u64(w, "bytes_per_flow", sizeof(struct sl_flow));
    sl_jw_obj_close(w);

    sl_jw_obj_open(w, "ndpi");
    sl_jw_u64(w, "classified", c->ndpi_classified);
    sl_jw_u64(w, "by_dissector", c->ndpi_deferred);
    sl_jw_u64(w, "unknown", c->ndpi_unknown);
    sl_jw_u64(w, "guessed", c->ndpi_guessed);
    sl_jw_u64(w, "quiet_giveups", c->ndpi_quiet_giveups);
    sl_jw_u64(w, "state_full", c->ndpi_state_full);
    sl_jw_u64(w, "states_in_use", sl_classify_states_in_use(e->cls));
    sl_jw_u64(w, "bytes_per_state", sl_classify_state_size());
    const struct sl_btcache *btc = sl_classify_btcache(e->cls);
    if (btc->slot) {
        sl_jw_obj_open(w, "bittorrent_cache");
        sl_jw_u64(w, "entries", SL_BTCACHE_ENTRIES);
        sl_jw_u64(w, "inserted", btc->inserted);
        sl_jw_u64(w, "evicted", btc->evicted);
        sl_jw_u64(w, "hits", btc->hits);
        sl_jw_obj_close(w);
    }
    sl_jw_obj_close(w);

    sl_jw_obj_open(w, "p2p");
    sl_jw_u64(w, "sessions", c->p2p_sessions);
    sl_jw_u64(w, "indicators", c->p2p_indicators);
    sl_jw_u64(w, "suppressed_teredo", c->p2p_suppressed_teredo);
    sl_jw_u64(w, "dissected_flows", c->dissected_flows);
    sl_jw_u64(w, "inferred", c->p2p_inferred);
    sl_jw_u64(w, "bittorrent_handshakes", c->bt_handshakes);
    sl_jw_u64(w, "states_in_use", e->dissect.in_use);
    sl_jw_u64(w, "state_full", e->dissect.full);
    sl_jw_u64(w, "bytes_per_state", sl_dissect_state_size());
    sl_jw_u64(w, "bytes_allocated", sl_dissect_pool_bytes(&e->dissect));
    sl_jw_obj_close(w);

    sl_jw_obj_open(w, "alerts");
    sl_jw_u64(w, "total", c->alerts);
    sl_jw_u64(w, "suppressed", c->alerts_suppressed);
    sl_jw_obj_open(w, "by_signature");
    unsigned n;
    const struct sl_p2p_proto *t = sl_p2p_table(&n);
    for (unsigned i = 0; i < n; i++) {
        char sid[16];
        if (e->alerts_session[i]) {
            snprintf(sid, sizeof(sid), "%u", t[i].sid_session);
            sl_jw_u64(w, sid, e->alerts_session[i]);
        }
        if (e->alerts_indicator[i]) {
            snprintf(sid, sizeof(sid), "%u", t[i].sid_indicator);
            sl_jw_u64(w, sid, e->alerts_indicator[i]);
        }
    }
    const struct {
        uint32_t sid;
        uint64_t n;
    } own[] = {{SL_SID_BT_HANDSHAKE, e->alerts_bt_handshake},
               {SL_SID_BT_TRACKER, e->alerts_bt_tracker},
               {SL_SID_P2P_INFERRED, e->alerts_inferred},
               {SL_SID_BT_SEEDING, e->alerts_bt_seeding},
               {SL_SID_BT_DHT, e->alerts_bt_dht},
               {SL_SID_SUSPICIOUS_FILE, e->alerts_suspicious_file},
               {SL_SID_OVERSHARE, e->alerts_overshare},
               {SL_SID_EGRESS_BASE + SL_EG_FLOW, e->alerts_egress[SL_EG_FLOW]},
               {SL_SID_EGRESS_BASE + SL_EG_BUDGET, e->alerts_egress[SL_EG_BUDGET]},
               {SL_SID_EGRESS_BASE + SL_EG_ASYM, e->alerts_egress[SL_EG_ASYM]},
               {SL_SID_EGRESS_BASE + SL_EG_FANOUT, e->alerts_egress[SL_EG_FANOUT]},
               {SL_SID_EGRESS_BASE + SL_EG_P2P, e->alerts_egress[SL_EG_P2P]}};
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
        char sid[16];
        snprintf(sid, sizeof(sid), "%u", own[i].sid);
        if (own[i].n)
            sl_jw_u64(w, sid, own[i].n);
    }
    sl_jw_obj_close(w);
    sl_jw_obj_close(w);

    sl_jw_obj_open(w, "hosts");
    sl_jw_u64(w, "active", sl_host_count(e->hosts));
    sl_jw_u64(w, "evicted", sl_host_evicted(e->hosts));
    sl_jw_u64(w, "capacity", e->cfg.hosts_max);
    sl_jw_u64(w, "memcap_bytes", sl_host_table_bytes(e->hosts));
    sl_jw_u64(w, "bytes_per_host", sizeof(struct sl_host));
    sl_jw_obj_close(w);

    sl_jw_obj_open(w, "egress");
    sl_jw_u64(w, "tracked_flows", c->egress_flows);
    sl_jw_u64(w, "bytes_out", c->egress_bytes_out);
    sl_jw_u64(w, "bytes_in", c->egress_bytes_in);
    sl_jw_u64(w, "allowlisted_bytes_out", c->egress_allowed_bytes);
    sl_jw_u64(w, "flow_updates", c->flow_updates);
    sl_jw_obj_open(w, "alerts");
    for (unsigned k = 0; k < SL_EG_KINDS; k++)
        sl_jw_u64(w, egress_kinds[k].trigger, e->alerts_egress[k]);
    sl_jw_obj_close(w);
    sl_jw_obj_close(w);
    if (e->ev) {
        struct sl_evidence_stats es;
        sl_evidence_stats(e->ev, &es);
        sl_jw_obj_open(w, "evidence");
        sl_jw_u64(w, "files", es.files);
        sl_jw_u64(w, "packets", es.packets);
        sl_jw_u64(w, "bytes", es.bytes);
        sl_jw_u64(w, "ring_full", es.ring_full);
        sl_jw_u64(w, "disk_cap_reached", es.disk_cap_reached);
        sl_jw_u64(w, "linktype_mixed", es.linktype_mixed);
        sl_jw_u64(w, "write_errors", es.write_errors);
        sl_jw_u64(w, "writer_waits", es.writer_waits);
        sl_jw_u64(w, "rings_in_use", es.rings_in_use);
        sl_jw_u64(w, "ring_capacity", es.ring_capacity);
        sl_jw_u64(w, "bytes_per_ring", es.bytes_per_ring);
        sl_jw_obj_close(w);
    }

    sl_jw_obj_open(w, "output");
    sl_jw_u64(w, "events", c->events + 1); /* this one included */
    sl_jw_u64(w, "undelivered", c->events_undelivered);
    sl_jw_u64(w, "oom", c->events_oom);
    sl_jw_arr_open(w, "sinks");
    for (unsigned i = 0; i < e->nsinks; i++) {
        sl_jw_obj_open(w, NULL);
        sl_jw_str(w, "name", e->sinks[i].ops->name);
        sl_jw_u64(w, "written", e->sinks[i].written);
        sl_jw_u64(w, "failed", e->sinks[i].failed);
        if (e->sinks[i].ops->stats)
            sink_stats_fields(w, &e->sinks[i]);
        sl_jw_obj_close(w);
    }
    sl_jw_arr_close(w);
    sl_jw_obj_close(w);

    sl_jw_obj_close(w);
    emit(e, SLUICE_EVENT_STATS);
}
