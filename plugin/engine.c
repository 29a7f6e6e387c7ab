/*
 * engine.c - the packet path: decode, find or create the flow, count, give
 * the flow's first packets to nDPI, raise the P2P alert the moment the flow
 * is classified, and end idle flows as packet time passes.
 *
 * Time is packet time, never the wall clock, so a replay gives the same
 * events as the live run did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bt-wire.h"
#include "dht.h"
#include "edonkey.h"
#include "engine.h"
#include "gnutella.h"
#include "filename.h"
#include "infer.h"
#include "tracker.h"

#define US_PER_SEC 1000000LL
/* Idle flows ended per packet: bounded so no packet pays for a whole sweep. */
#define EXPIRE_BUDGET 16

const char *sluice_version(void)
{
    return PACKAGE_VERSION;
}

static uint64_t random_seed(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
        s = (uint64_t)(uintptr_t)&s ^ 0x9e3779b97f4a7c15ull;
    return s;
}

sluice_engine *sluice_engine_new(const sluice_config *cfg, uint64_t run_id, sluice_error *err)
{
    memset(err, 0, sizeof(*err));
    if (sl_config_validate(cfg, err) != 0)
        return NULL;
    struct sluice_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err->text, sizeof(err->text), "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    e->run_id = run_id;
    uint64_t max_flows = cfg->flow_memcap / sizeof(struct sl_flow);
    if (max_flows > UINT32_MAX - 1)
        max_flows = UINT32_MAX - 1;
    e->flows = sl_flow_table_new((uint32_t)max_flows, cfg->flow_hash_size, random_seed());
    if (!e->flows) {
        snprintf(err->text, sizeof(err->text),
                 "cannot allocate the flow table (flow.memcap %llu bytes)",
                 (unsigned long long)cfg->flow_memcap);
        free(e);
        return NULL;
    }
    e->cls = sl_classifier_new(cfg->ndpi_max_flows, cfg->ndpi_defer, err);
    if (!e->cls) {
        sl_flow_table_free(e->flows);
        free(e);
        return NULL;
    }
    sl_dissect_pool_init(&e->dissect, cfg->p2p_max_flows);
    e->hosts = sl_host_table_new(cfg->hosts_max, random_seed());
    if (!e->hosts) {
        snprintf(err->text, sizeof(err->text), "cannot allocate the host table (hosts.max %u)",
                 cfg->hosts_max);
        sl_classifier_free(e->cls);
        sl_flow_table_free(e->flows);
        free(e);
        return NULL;
    }
    if (cfg->evidence_enabled && !(e->ev = sl_evidence_new(cfg, err))) {
        sl_host_table_free(e->hosts);
        sl_classifier_free(e->cls);
        sl_flow_table_free(e->flows);
        free(e);
        return NULL;
    }
    e->timeout_us[SL_FC_TCP_NEW] = cfg->timeout_tcp_new * US_PER_SEC;
    e->timeout_us[SL_FC_TCP_EST] = cfg->timeout_tcp_est * US_PER_SEC;
    e->timeout_us[SL_FC_TCP_CLOSED] = cfg->timeout_tcp_closed * US_PER_SEC;
    e->timeout_us[SL_FC_UDP] = cfg->timeout_udp * US_PER_SEC;
    e->timeout_us[SL_FC_ICMP] = cfg->timeout_icmp * US_PER_SEC;
    e->timeout_us[SL_FC_OTHER] = cfg->timeout_other * US_PER_SEC;
    e->ndpi_idle_us = (int64_t)cfg->ndpi_idle_giveup * US_PER_SEC;
    e->extra = (enum sl_extra)sl_config_choice_of(cfg, "ndpi.extra_dissection");
    e->expire_at = INT64_MIN;
    sl_jw_init(&e->jw);
    return e;
}

int sluice_engine_add_sink(sluice_engine *e, const sluice_sink_ops *ops, void *ctx, unsigned types,
                           sluice_error *err)
{
    memset(err, 0, sizeof(*err));
    if (e->nsinks >= SL_MAX_SINKS) {
        snprintf(err->text, sizeof(err->text), "too many outputs (at most %d)", SL_MAX_SINKS);
        if (ops->close)
            ops->close(ctx);
        return -1;
    }
    struct sl_sink *s = &e->sinks[e->nsinks++];
    s->ops = ops;
    s->ctx = ctx;
    s->types = types & SLUICE_EVENT_ALL;
    return 0;
}

void sluice_engine_set_source(sluice_engine *e, const char *pcap_filename)
{
    e->have_source = pcap_filename != NULL;
    e->pcap_cnt = 0;
    if (pcap_filename)
        snprintf(e->pcap_filename, sizeof(e->pcap_filename), "%s", pcap_filename);
}

void sluice_engine_set_source_packet(sluice_engine *e, const char *pcap_filename, uint64_t pcap_cnt)
{
    if (!pcap_filename || !pcap_cnt) {
        sluice_engine_set_source(e, NULL);
        return;
    }
    if (!e->have_source || strncmp(e->pcap_filename, pcap_filename, sizeof(e->pcap_filename)))
        snprintf(e->pcap_filename, sizeof(e->pcap_filename), "%s", pcap_filename);
    e->have_source = true;
    e->pcap_cnt = pcap_cnt - 1;
}

static enum sl_flow_class class_of(const struct sl_flow *f)
{
    switch (f->key.proto) {
    case 6:
        if ((f->flags & SL_FF_RST) ||
            ((f->flags & SL_FF_FIN_TOSERVER) && (f->flags & SL_FF_FIN_TOCLIENT)))
            return SL_FC_TCP_CLOSED;
        if ((f->flags & SL_FF_SEEN_TOSERVER) && (f->flags & SL_FF_SEEN_TOCLIENT))
            return SL_FC_TCP_EST;
        return SL_FC_TCP_NEW;
    case 17:
        return SL_FC_UDP;
    case 1:
    case 58:
        return SL_FC_ICMP;
    default:
        return SL_FC_OTHER;
    }
}

/* An indicator nDPI reached by a guess (port, IP list, endpoint cache): inference may do better. */
static bool judged_by_guess(const struct sl_p2p_judgement *j)
{
    return j->verdict == SL_P2P_INDICATOR &&
           (!strcmp(j->decided_by, "port") || !strcmp(j->decided_by, "ip") ||
            !strcmp(j->decided_by, "endpoint-cache"));
}

/* Write a P2P alert; a session also marks its internal host as P2P-active. */
static void p2p_alert(struct sluice_engine *e, struct sl_flow *f, const struct sl_p2p_judgement *j,
                      const struct sl_packet *pkt)
{
    sl_event_p2p_alert(e, f, j, pkt);
    if (j->verdict == SL_P2P_SESSION) {
        sl_infer_note(e, f);
        sl_egress_mark_p2p(f);
    }
}

/* An inferred flow is P2P for the egress tracker too. */
static bool infer_flow(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    if (!sl_infer_flow(e, f, pkt))
        return false;
    sl_egress_mark_p2p(f);
    return true;
}

/*
 * A flow_update event each time a flow's age passes another multiple of
 * flow.update_interval, at its first packet after that point: `prev_us` is
 * when it was seen before this packet.
 */
static void maybe_flow_update(struct sluice_engine *e, struct sl_flow *f, int64_t prev_us)
{
    int64_t every = (int64_t)e->cfg.flow_update_interval * US_PER_SEC;
    if (!every || f->last_us <= prev_us)
        return;
    if ((f->last_us - f->first_us) / every > (prev_us - f->first_us) / every)
        sl_event_flow_update(e, f);
}

/* The detail alerts of sluice's dissectors, rate-limited per host and torrent. */
static void bt_handshake_alert(struct sluice_engine *e, struct sl_flow *f,
                               const struct sl_packet *pkt)
{
    uint32_t suppressed;
    f->flags |= SL_FF_BT_REPORTED;
    if (sl_infer_rate_ok(e, f, SL_SID_BT_HANDSHAKE, sl_bt_info_hash(sl_dissect_bt(f)), &suppressed))
        sl_event_bt_handshake(e, f, pkt, suppressed);
    else
        e->c.alerts_suppressed++;
}

static void tracker_alert(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    const struct sl_tracker *t = sl_dissect_tracker(f);
    uint32_t suppressed;
    f->flags |= SL_FF_TRACKER_REPORTED;
    if (sl_infer_rate_ok(e, f, SL_SID_BT_TRACKER, t->hashes ? t->info_hash[0] : NULL, &suppressed))
        sl_event_bt_tracker(e, f, pkt, suppressed);
    else
        e->c.alerts_suppressed++;
}

/* Whether any sink takes events of `type` (one event per flow: most of a short flow's cost). */
static bool sink_takes(const struct sluice_engine *e, unsigned type)
{
    for (unsigned i = 0; i < e->nsinks; i++)
        if (e->sinks[i].types & type)
            return true;
    return false;
}

/* Write the flow's event, hand back its nDPI state and free it. */
static void end_flow(struct sluice_engine *e, struct sl_flow *f, enum sl_end_reason why)
{
    if (f->ndpi) {
        sl_classify_giveup(e->cls, f);
        if (f->app_proto)
            e->c.ndpi_classified++;
        else
            e->c.ndpi_unknown++;
        if (f->flags & SL_FF_GUESSED)
            e->c.ndpi_guessed++;
    }
    /* A guess taken at the end can still be a P2P indicator. */
    if (!(f->flags & SL_FF_ALERTED)) {
        struct sl_p2p_judgement j;
        sl_p2p_judge(f, &j);
        bool inferred = ((j.verdict == SL_P2P_NONE && !j.suppressed) || judged_by_guess(&j)) &&
                        infer_flow(e, f, NULL);
        if (!inferred && j.verdict != SL_P2P_NONE)
            p2p_alert(e, f, &j, NULL);
    } else {
        /* Ports learnt late (an extension handshake, say) still count for the host. */
        struct sl_p2p_judgement j;
        sl_p2p_judge(f, &j);
        if (j.verdict == SL_P2P_SESSION)
            sl_infer_note(e, f);
    }
    /* A handshake seen one way only is still reported, at the end. */
    if (sl_dissect_bt_handshake(f) && !(f->flags & SL_FF_BT_REPORTED))
        bt_handshake_alert(e, f, NULL);
    if (sink_takes(e, SLUICE_EVENT_FLOW)) {
        sl_event_flow(e, f, why);
    } else {
        /* No sink takes flow events: count and number it as written, skip building it. */
        e->event_seq++;
        e->c.events++;
    }
    if (e->ev)
        sl_evidence_flow_end(e->ev, f);
    sl_dissect_end(&e->dissect, f);
    e->c.flows_ended++;
    if (why == SL_END_FORCED)
        e->c.flows_evicted++;
    else if (why == SL_END_TIMEOUT)
        e->c.flows_timeout++;
    sl_flow_remove(e->flows, f);
}

static bool idle_expired(const struct sluice_engine *e, const struct sl_flow *f)
{
    return e->now_us - f->last_us >= e->timeout_us[f->fclass];
}

static void classified(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt);

/*
 * End up to `budget` idle flows of each class (all of them when budget is 0),
 * and the classification of as many flows quiet for ndpi.idle_giveup: a
 * query nobody answered would hold its nDPI state to the flow's timeout.
 */
static void expire(struct sluice_engine *e, unsigned budget)
{
    if (e->now_us < e->expire_at)
        return;
    bool more = false; /* the budget ran out before the idle ones did */
    int64_t next = INT64_MAX;
    if (e->ndpi_idle_us) {
        unsigned n = 0;
        struct sl_flow *f;
        while ((f = sl_classify_least_recent(e->cls)) &&
               e->now_us - f->last_us >= e->ndpi_idle_us) {
            sl_classify_giveup(e->cls, f);
            e->c.ndpi_quiet_giveups++;
            classified(e, f, NULL);
            if (budget && ++n >= budget) {
                more = true;
                break;
            }
        }
        if (f && !more)
            next = f->last_us + e->ndpi_idle_us;
    }
    for (unsigned c = 0; c < SL_FC_MAX; c++) {
        unsigned n = 0;
        struct sl_flow *f;
        while ((f = sl_flow_oldest(e->flows, c)) && idle_expired(e, f)) {
            end_flow(e, f, SL_END_TIMEOUT);
            if (budget && ++n >= budget) {
                more = true;
                break;
            }
        }
        if (f && !more && f->last_us + e->timeout_us[c] < next)
            next = f->last_us + e->timeout_us[c];
    }
    /* The oldest of each list is the first due in it: a touch only moves a flow's time later. */
    e->expire_at = more ? INT64_MIN : next;
}

/*
 * Sinks that gather lines (the EVE file) write them out when told to flush:
 * at least every SINK_FLUSH_MS of wall time while packets or clock ticks come,
 * so an alert on a busy or a quiet link is in the file a moment later.  Wall
 * time, not packet time: it decides when bytes reach the file, never what
 * they say.
 */
#define SINK_FLUSH_MS 100
static void flush_sinks_due(struct sluice_engine *e, bool busy)
{
    /* Busy, the clock is read every 64th call (millions of calls a second); idle, every call. */
    if (busy && (++e->sinks_tick & 63))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (ms - e->sinks_flushed_ms < SINK_FLUSH_MS)
        return;
    e->sinks_flushed_ms = ms;
    for (unsigned i = 0; i < e->nsinks; i++)
        if (e->sinks[i].ops->flush)
            e->sinks[i].ops->flush(e->sinks[i].ctx);
}

/* A flow just seen: it and its nDPI state are due no sooner than this. */
static void expire_note(struct sluice_engine *e, const struct sl_flow *f)
{
    int64_t due = f->last_us + e->timeout_us[f->fclass];
    if (f->ndpi && e->ndpi_idle_us && f->last_us + e->ndpi_idle_us < due)
        due = f->last_us + e->ndpi_idle_us;
    if (due < e->expire_at)
        e->expire_at = due;
}

static void advance_clock(struct sluice_engine *e, int64_t ts_us)
{
    if (!e->have_time || ts_us > e->now_us) {
        e->now_us = ts_us;
        e->have_time = true;
    } else if (ts_us < e->now_us) {
        e->c.clock_backwards++;
    }
}

/* Periodic stats (stats.interval) run on packet time, like everything else. */
static void maybe_stats(struct sluice_engine *e)
{
    int64_t every = (int64_t)e->cfg.stats_interval * US_PER_SEC;
    if (!every)
        return;
    if (!e->next_stats_us) {
        e->next_stats_us = e->now_us + every;
        return;
    }
    if (e->now_us < e->next_stats_us)
        return;
    sl_event_stats(e);
    /* After a long gap (a capture jumping years), the next one is an interval from now. */
    e->next_stats_us += every;
    if (e->next_stats_us <= e->now_us)
        e->next_stats_us = e->now_us + every;
}

/* A new flow for pkt; evicts the least recently seen flow when at the cap. */
static struct sl_flow *new_flow(struct sluice_engine *e, const struct sl_flow_key *key,
                                const struct sl_packet *pkt, bool a_to_b)
{
    enum sl_flow_class fc = pkt->l4proto == 6                           ? SL_FC_TCP_NEW
                            : pkt->l4proto == 17                        ? SL_FC_UDP
                            : (pkt->l4proto == 1 || pkt->l4proto == 58) ? SL_FC_ICMP
                                                                        : SL_FC_OTHER;
    struct sl_flow *f = sl_flow_insert(e->flows, key, fc);
    if (!f) {
        struct sl_flow *old = sl_flow_lru(e->flows);
        if (!old)
            return NULL;
        end_flow(e, old, SL_END_FORCED);
        f = sl_flow_insert(e->flows, key, fc);
        if (!f)
            return NULL;
    }
    /* The first packet's sender is the client, unless it is the server's SYN-ACK. */
    bool sender_is_client =
        !(pkt->l4proto == 6 && (pkt->tcp_flags & SL_TH_SYN) && (pkt->tcp_flags & SL_TH_ACK));
    if (sender_is_client == a_to_b)
        f->flags |= SL_FF_CLIENT_IS_A;
    if ((pkt->l4proto == 1 || pkt->l4proto == 58) && pkt->icmp_oneway)
        f->flags |= SL_FF_ICMP_ONEWAY;
    f->first_us = pkt->ts_us;
    f->last_us = e->now_us;
    f->flow_id = sl_flow_id_of(f);
    e->c.flows_created++;
    if (!sl_classify_begin(e->cls, f)) {
        f->flags |= SL_FF_NDPI_SKIPPED | SL_FF_CLASSIFIED;
        e->c.ndpi_state_full++;
    }
    return f;
}

static void count_l4(struct sluice_engine *e, const struct sl_packet *pkt)
{
    if (pkt->ip_version == 4)
        e->c.ipv4++;
    else
        e->c.ipv6++;
    switch (pkt->l4proto) {
    case 6:
        e->c.tcp++;
        break;
    case 17:
        e->c.udp++;
        break;
    case 1:
    case 58:
        e->c.icmp++;
        break;
    default:
        e->c.other_l4++;
        break;
    }
    if (pkt->fragment)
        e->c.fragments++;
}

/* A file name an internal host is downloading over eDonkey or Gnutella, checked once. */
static void check_file_name(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                            const char *protocol, const uint8_t *name, size_t len)
{
    uint32_t suppressed;
    f->flags |= SL_FF_META_CHECKED;
    const char *why = sl_filename_suspicious(name, len);
    if (!why)
        return;
    if (sl_infer_rate_ok(e, f, SL_SID_SUSPICIOUS_FILE, NULL, &suppressed))
        sl_event_suspicious_file(e, f, pkt, protocol, "file-name", why, name, len, suppressed);
    else
        e->c.alerts_suppressed++;
}

/* eDonkey and Gnutella: downloaded file names, files offered to a server. */
static void other_alerts(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    const struct sl_ed2k_flow *ed = sl_dissect_ed2k(f);
    const struct sl_tracker *mg = sl_dissect_tracker(f);
    const struct sl_gnut_flow *gn = sl_dissect_gnut(f);
    /* Most flows have none of these: skip the home_networks lookups on every packet. */
    if (!ed && !mg && !gn)
        return;
    int side = sl_infer_internal_side(e, f);
    if (side < 0)
        return;
    if (ed && ed->file_len && side != ed->file_from && !(f->flags & SL_FF_META_CHECKED))
        check_file_name(e, f, pkt, "edonkey", ed->file, ed->file_len);
    if (ed && e->cfg.p2p_overshare_files && ed->offered_files >= e->cfg.p2p_overshare_files &&
        !(f->flags & SL_FF_SERVED_NOTED)) {
        uint32_t suppressed;
        f->flags |= SL_FF_SERVED_NOTED;
        if (sl_infer_rate_ok(e, f, SL_SID_OVERSHARE, NULL, &suppressed))
            sl_event_overshare(e, f, pkt, "edonkey", "offered-files", "files_offered",
                               ed->offered_files, suppressed);
        else
            e->c.alerts_suppressed++;
    }
    /* A magnet link an internal client fetched: its display name. */
    if (mg && mg->kind == SL_TRK_MAGNET && mg->dn_len && side == 0 &&
        !(f->flags & SL_FF_META_CHECKED))
        check_file_name(e, f, pkt, "bittorrent", mg->dn, mg->dn_len);
    /* A Gnutella download: the client asks for the file. */
    if (gn && gn->file_len && side == 0 && !(f->flags & SL_FF_META_CHECKED))
        check_file_name(e, f, pkt, "gnutella", gn->file, gn->file_len);
}

/*
 * Alerts about what an internal host does on a P2P flow: seeding (its pieces
 * going out past p2p.seeding_bytes, at the packet that crosses it) and DHT
 * lookups of a torrent.  Rate-limited per host and torrent.
 */
static void host_alerts(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    uint32_t suppressed;
    const struct sl_bt_flow *bt = sl_dissect_bt(f);
    int bt_side = bt ? sl_infer_internal_side(e, f) : -1; /* once per packet, not per check */
    if (bt && e->cfg.p2p_seeding_bytes && !(f->flags & SL_FF_SEED_REPORTED)) {
        int side = bt_side;
        if (side >= 0 && bt->dir[side].piece_bytes >= e->cfg.p2p_seeding_bytes) {
            f->flags |= SL_FF_SEED_REPORTED;
            if (sl_infer_rate_ok(e, f, SL_SID_BT_SEEDING, sl_bt_info_hash(bt), &suppressed))
                sl_event_bt_seeding(e, f, pkt, suppressed);
            else
                e->c.alerts_suppressed++;
        }
    }
    /* A torrent the internal host serves: it accepted the peer, or it sends pieces. */
    if (bt && !(f->flags & SL_FF_SERVED_NOTED)) {
        int side = bt_side;
        if (side >= 0 && ((side == 1 && bt->dir[1].handshake) || bt->dir[side].piece_bytes))
            sl_infer_served(e, f, sl_bt_info_hash(bt), pkt);
    }
    /* A torrent's names, received by an internal host (it is about to download them). */
    if (bt && bt->have_meta && !(f->flags & SL_FF_META_CHECKED)) {
        f->flags |= SL_FF_META_CHECKED;
        int side = bt_side;
        if (side >= 0 && side != bt->meta_from) {
            const uint8_t *name = bt->name;
            size_t len = bt->name_len;
            const char *why = sl_filename_suspicious(name, len);
            for (unsigned i = 0; !why && i < bt->nfiles; i++) {
                name = bt->file[i];
                len = bt->file_len[i];
                why = sl_filename_suspicious(name, len);
            }
            if (why) {
                if (sl_infer_rate_ok(e, f, SL_SID_SUSPICIOUS_FILE, sl_bt_info_hash(bt),
                                     &suppressed))
                    sl_event_suspicious_file(e, f, pkt, "bittorrent", "metadata", why, name, len,
                                             suppressed);
                else
                    e->c.alerts_suppressed++;
            }
        }
    }
    other_alerts(e, f, pkt);
    const struct sl_dht_flow *dht = sl_dissect_dht(f);
    if (dht && !(f->flags & SL_FF_DHT_REPORTED) && sl_infer_internal_side(e, f) >= 0) {
        for (unsigned i = 0; i < dht->hashes; i++) {
            if (dht->hash_is_target[i])
                continue;
            f->flags |= SL_FF_DHT_REPORTED;
            if (sl_infer_rate_ok(e, f, SL_SID_BT_DHT, dht->hash[i], &suppressed))
                sl_event_bt_dht(e, f, pkt, suppressed);
            else
                e->c.alerts_suppressed++;
            break;
        }
    }
}

/*
 * sluice's own dissectors see the segment before nDPI does, so an alert raised
 * at this packet already carries what the handshake says.
 */
static void dissect(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                    int dir)
{
    bool had_state = f->dis != NULL;
    /* The first bytes a TCP client sends: the shape of an encrypted BitTorrent handshake? */
    if (pkt->l4proto == 6 && dir == 0 && f->payload[0] == pkt->payload_len &&
        sl_infer_mse_shaped(pkt->payload, pkt->payload_caplen, pkt->payload_len))
        f->flags |= SL_FF_MSE_SHAPED;
    bool news = sl_dissect_packet(&e->dissect, f, pkt, dir);
    if (!had_state && f->dis)
        e->c.dissected_flows++;
    if (f->dis)
        host_alerts(e, f, pkt);
    if (!news)
        return;
    if (f->ndpi && e->cfg.ndpi_defer && sl_dissect_is_session(f)) {
        /* What nDPI would go on to find is what the dissector just parsed: a flow's first
         * DHT message costs nDPI its most expensive call (every UDP dissector tries it). */
        sl_classify_settle(e->cls, f, sl_dissect_protocol(f));
        classified(e, f, pkt);
    }
    const struct sl_bt_flow *bt = sl_dissect_bt(f);
    if (bt)
        e->c.bt_handshakes++;
    /* sluice's own evidence is payload evidence, whatever nDPI says or missed. */
    if (!(f->flags & SL_FF_ALERTED)) {
        struct sl_p2p_judgement j;
        sl_p2p_judge(f, &j);
        if (j.verdict == SL_P2P_SESSION)
            p2p_alert(e, f, &j, pkt);
    }
    /* Both handshakes seen: the one event that names the torrent and both clients. */
    if (bt && bt->dir[0].handshake && bt->dir[1].handshake && !(f->flags & SL_FF_BT_REPORTED))
        bt_handshake_alert(e, f, pkt);
    const struct sl_tracker *trk = sl_dissect_tracker(f);
    if (trk && (trk->kind == SL_TRK_HTTP || trk->kind == SL_TRK_UDP) && trk->announces &&
        !(f->flags & SL_FF_TRACKER_REPORTED))
        tracker_alert(e, f, pkt);
}

/*
 * A bare TCP ACK after the flow's first payload tells nDPI nothing: its
 * sequence tracking is set up by then and its dissectors read payload.  Not
 * feeding it saves a call per ACK and keeps the packet budget for payload.
 */
static bool ndpi_can_use(const struct sl_flow *f, const struct sl_packet *pkt)
{
    /*
     * A SYN sent again before any answer: nDPI 4.2 wipes an unnamed flow's state at each one
     * and sets it up again, and learns nothing the first SYN did not tell it.
     */
    if (pkt->l4proto == 6 && !pkt->payload_len &&
        (pkt->tcp_flags & (SL_TH_SYN | SL_TH_ACK | SL_TH_FIN | SL_TH_RST)) == SL_TH_SYN &&
        f->ndpi_pkts && !f->tcp_flags[1])
        return false;
    if (pkt->l4proto != 6 || pkt->payload_len ||
        (pkt->tcp_flags & (SL_TH_SYN | SL_TH_FIN | SL_TH_RST)))
        return true;
    return f->payload[0] + f->payload[1] == 0;
}

static void classify(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    if (pkt->l4proto == 17 && sl_p2p_teredo_shaped(pkt->payload, pkt->payload_caplen))
        f->flags |= SL_FF_TEREDO_SHAPED;
    if (sl_classify_packet(e->cls, f, pkt, e->cfg.ndpi_max_packets, e->extra))
        classified(e, f, pkt);
}

/* nDPI is done with `f` (at `pkt`, or NULL when it went quiet): count, judge, alert. */
static void classified(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    if (f->flags & SL_FF_BY_DISSECTOR)
        e->c.ndpi_deferred++;
    else if (f->app_proto)
        e->c.ndpi_classified++;
    else
        e->c.ndpi_unknown++;
    if (f->flags & SL_FF_GUESSED)
        e->c.ndpi_guessed++;
    struct sl_p2p_judgement j;
    sl_p2p_judge(f, &j);
    if (f->flags & SL_FF_ALERTED)
        return;
    /* What the host has been doing says more than nDPI's guess from a port. */
    if ((j.verdict == SL_P2P_NONE && !j.suppressed) || judged_by_guess(&j)) {
        if (infer_flow(e, f, pkt))
            return;
    }
    if (j.verdict != SL_P2P_NONE)
        p2p_alert(e, f, &j, pkt);
    else if (j.suppressed)
        e->c.p2p_suppressed_teredo++;
}

void sluice_engine_packet(sluice_engine *e, const sluice_packet *in)
{
    struct sl_packet pkt;
    enum sl_decode_result r = sl_decode_input(in, &pkt);
    sl_engine_packet_decoded(e, in, &pkt, r);
}

void sl_engine_packet_decoded(struct sluice_engine *e, const sluice_packet *in,
                              struct sl_packet *pkt, enum sl_decode_result r)
{
    pkt->ts_us = in->ts_sec * US_PER_SEC + in->ts_usec;
    pkt->pcap_cnt = e->have_source ? ++e->pcap_cnt : 0;

    e->c.packets++;
    e->c.bytes += in->wirelen;
    advance_clock(e, pkt->ts_us);
    maybe_stats(e);

    if (r != SL_DECODE_OK)
        e->c.decode[r]++;
    if (pkt->ip_version == 0 || (r != SL_DECODE_OK && pkt->sport == 0 && pkt->dport == 0 &&
                                 (pkt->l4proto == 6 || pkt->l4proto == 17))) {
        /* No IP layer, or a TCP/UDP packet without a readable header: nothing to track. */
        expire(e, EXPIRE_BUDGET);
        flush_sinks_due(e, true);
        return;
    }
    count_l4(e, pkt);
    if (pkt->later_fragment) {
        /* Without reassembly a later fragment has no ports: it cannot join its flow. */
        e->c.fragments_untracked++;
        expire(e, EXPIRE_BUDGET);
        flush_sinks_due(e, true);
        return;
    }

    struct sl_flow_key key;
    bool a_to_b;
    sl_flow_key_from_packet(pkt, &key, &a_to_b);
    struct sl_flow *f = sl_flow_find(e->flows, &key);
    if (f && idle_expired(e, f)) {
        end_flow(e, f, SL_END_TIMEOUT);
        f = NULL;
    } else if (f && f->fclass == SL_FC_TCP_CLOSED && (pkt->tcp_flags & SL_TH_SYN) &&
               !(pkt->tcp_flags & SL_TH_ACK)) {
        /* Port reuse: a fresh SYN on a closed connection's tuple is a new connection. */
        e->c.tcp_reused++;
        end_flow(e, f, SL_END_TIMEOUT);
        f = NULL;
    }
    if (!f) {
        f = new_flow(e, &key, pkt, a_to_b);
        if (!f)
            return;
    }

    int dir = (a_to_b == !!(f->flags & SL_FF_CLIENT_IS_A)) ? 0 : 1;
    f->pkts[dir]++;
    f->bytes[dir] += pkt->ip_len;
    f->payload[dir] += pkt->payload_len;
    f->flags |= dir == 0 ? SL_FF_SEEN_TOSERVER : SL_FF_SEEN_TOCLIENT;
    int64_t prev_us = f->last_us;
    if (e->now_us > f->last_us)
        f->last_us = e->now_us;
    if (pkt->l4proto == 6) {
        f->tcp_flags[dir] |= pkt->tcp_flags;
        if (pkt->tcp_flags & SL_TH_FIN)
            f->flags |= dir == 0 ? SL_FF_FIN_TOSERVER : SL_FF_FIN_TOCLIENT;
        if (pkt->tcp_flags & SL_TH_RST)
            f->flags |= SL_FF_RST;
    }
    sl_flow_touch(e->flows, f, class_of(f));
    sl_classify_touch(e->cls, f);
    expire_note(e, f);
    if (e->ev)
        sl_evidence_packet(e->ev, f, pkt);

    if (pkt->payload_len && (pkt->l4proto == 6 || pkt->l4proto == 17))
        dissect(e, f, pkt, dir);
    if (f->ndpi && ndpi_can_use(f, pkt))
        classify(e, f, pkt);
    /* After the classifiers, so an upload known to be P2P by this packet counts as such. */
    if (e->cfg.egress_enabled)
        sl_egress_packet(e, f, pkt, dir);
    maybe_flow_update(e, f, prev_us);
    expire(e, EXPIRE_BUDGET);
    flush_sinks_due(e, true);
}

void sluice_engine_advance(sluice_engine *e, int64_t now_sec, uint32_t now_usec)
{
    advance_clock(e, now_sec * US_PER_SEC + now_usec);
    expire(e, 0);
    maybe_stats(e);
    /* Between packets of a replay, or a quiet link's tick: only the latter is idle. */
    flush_sinks_due(e, e->c.packets != e->packets_at_advance);
    e->packets_at_advance = e->c.packets;
}

void sluice_engine_flush(sluice_engine *e)
{
    struct sl_flow *f;
    /* Flows already idle past their timeout did time out: say so, whatever the expiry budget
     * left behind (and however the traffic was split across engines). */
    expire(e, 0);
    while ((f = sl_flow_any(e->flows)))
        end_flow(e, f, SL_END_SHUTDOWN);
    for (unsigned i = 0; i < e->nsinks; i++)
        if (e->sinks[i].ops->flush)
            e->sinks[i].ops->flush(e->sinks[i].ctx);
}

void sluice_engine_set_packet_number(sluice_engine *e, uint64_t n)
{
    e->pcap_cnt = n ? n - 1 : 0;
}

void sluice_engine_set_worker(sluice_engine *e, unsigned id, unsigned count)
{
    e->worker_id = id;
    e->worker_count = count;
}

void sluice_engine_set_capture_stats(sluice_engine *e, const sluice_capture_stats *src, unsigned n)
{
    unsigned max = sizeof(e->capture) / sizeof(e->capture[0]);
    e->ncapture = n < max ? n : max;
    for (unsigned i = 0; i < e->ncapture; i++) {
        struct sl_capture_src *d = &e->capture[i];
        snprintf(d->name, sizeof(d->name), "%s", src[i].name ? src[i].name : "");
        d->packets = src[i].packets;
        d->kernel_drops = src[i].kernel_drops;
        d->if_drops = src[i].if_drops;
        d->queue_drops = src[i].queue_drops;
    }
}

void sluice_engine_write_stats(sluice_engine *e)
{
    sl_event_stats(e);
    if (e->ev)
        sl_evidence_sync(e->ev);
    for (unsigned i = 0; i < e->nsinks; i++)
        if (e->sinks[i].ops->flush)
            e->sinks[i].ops->flush(e->sinks[i].ctx);
}

void sluice_engine_reopen(sluice_engine *e)
{
    for (unsigned i = 0; i < e->nsinks; i++)
        if (e->sinks[i].ops->reopen && e->sinks[i].ops->reopen(e->sinks[i].ctx) != 0)
            e->sinks[i].failed++;
}

void sluice_engine_stats(const sluice_engine *e, sluice_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->packets = e->c.packets;
    out->bytes = e->c.bytes;
    for (unsigned r = 1; r < SL_DECODE_MAX; r++)
        out->decode_failed += e->c.decode[r];
    out->flows_created = e->c.flows_created;
    out->flows_active = sl_flow_count(e->flows);
    out->flows_ended = e->c.flows_ended;
    out->flows_evicted = e->c.flows_evicted;
    out->ndpi_classified = e->c.ndpi_classified;
    out->ndpi_state_full = e->c.ndpi_state_full;
    out->alerts = e->c.alerts;
    out->events = e->c.events;
    out->events_undelivered = e->c.events_undelivered;
}

void sluice_engine_free(sluice_engine *e)
{
    if (!e)
        return;
    for (unsigned i = 0; i < e->nsinks; i++)
        if (e->sinks[i].ops->close)
            e->sinks[i].ops->close(e->sinks[i].ctx);
    /* Flows still holding nDPI state give it back before the module goes. */
    struct sl_flow *f;
    while ((f = sl_flow_any(e->flows))) {
        if (f->ndpi)
            sl_classify_giveup(e->cls, f);
        sl_dissect_end(&e->dissect, f);
        sl_flow_remove(e->flows, f);
    }
    sl_evidence_free(e->ev);
    sl_dissect_pool_free(&e->dissect);
    sl_host_table_free(e->hosts);
    sl_classifier_free(e->cls);
    sl_flow_table_free(e->flows);
    sl_jw_free(&e->jw);
    free(e);
}
