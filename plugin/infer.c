/*
 * infer.c - carrying P2P evidence from a host's identified flows to its
 * unidentified ones, with the guards that keep ordinary traffic out:
 *
 * - only an internal host (home_networks) seen with P2P payload evidence
 *   within p2p.infer_window;
 * - never a flow nDPI identified as something else from its payload;
 * - never a flow on a port of a well-known service a P2P client does not use
 *   for peers (DNS, HTTP, HTTPS, DoT, STUN/TURN, Zoom media, Windows Delivery
 *   Optimization);
 * - then either the host's own P2P listen port on the flow ("listen-port"),
 *   or a first payload shaped like an MSE key exchange ("mse-shape").
 */
#include <string.h>

#include <ndpi_api.h>

#include "bt-wire.h"
#include "cursor.h"
#include "dissect.h"
#include "engine.h"
#include "hosts.h"
#include "infer.h"
#include "tracker.h"

#define US_PER_SEC 1000000LL

_Static_assert(SL_OVERSHARE_MAX <= SL_HOST_SERVED, "p2p.overshare_torrents fits the host record");

const char *sl_infer_reason_name(uint8_t reason)
{
    switch (reason) {
    case SL_INFER_LISTEN_PORT:
        return "listen-port";
    case SL_INFER_MSE:
        return "mse-shape";
    case SL_INFER_KNOWN_PEER:
        return "known-peer";
    default:
        return "none";
    }
}

bool sl_infer_mse_shaped(const uint8_t *payload, uint32_t caplen, uint32_t len)
{
    if (len < 96 || len > 608 || caplen < 96)
        return false;
    /* High entropy: a key and random padding use most byte values.  Text, TLS, SSH and
     * other cleartext openings fall well below. */
    bool seen[256] = {false};
    unsigned distinct = 0;
    struct sl_cur c = sl_cur_make(payload, caplen < 256 ? caplen : 256);
    size_t n = sl_cur_left(&c);
    while (sl_cur_left(&c)) {
        uint8_t b = sl_cur_u8(&c);
        if (!seen[b]) {
            seen[b] = true;
            distinct++;
        }
    }
    /* n random bytes show 256 * (1 - (255/256)^n) distinct values on average (81 of 96,
     * 162 of 256); ask for 85% of that. */
    double miss = 1.0;
    for (size_t i = 0; i < n; i++)
        miss *= 255.0 / 256.0;
    return distinct >= 0.85 * 256.0 * (1.0 - miss);
}

/*
 * The flow's endpoint inside home_networks; false when none is.  When both
 * are, the lower address: a choice made from the addresses alone, so a host
 * with several engines can send every flow of an internal host to the one
 * engine that keeps that host's state (plugin/dispatch.c), before anyone
 * knows which end is the client.
 */
static bool internal_end(const struct sluice_engine *e, const struct sl_flow *f,
                         const uint8_t **addr, uint16_t *port, bool *is_client)
{
    bool ca = f->flags & SL_FF_CLIENT_IS_A;
    const uint8_t *cip = ca ? f->key.a : f->key.b, *sip = ca ? f->key.b : f->key.a;
    uint16_t cport = ca ? f->key.pa : f->key.pb, sport = ca ? f->key.pb : f->key.pa;
    bool cin = sl_cidr_list_contains(&e->cfg.home_nets, f->key.family, cip);
    bool sin = sl_cidr_list_contains(&e->cfg.home_nets, f->key.family, sip);
    if (cin && sin && memcmp(sip, cip, f->key.family == 4 ? 4 : 16) < 0)
        cin = false;
    if (cin) {
        *addr = cip, *port = cport, *is_client = true;
        return true;
    }
    if (sin) {
        *addr = sip, *port = sport, *is_client = false;
        return true;
    }
    return false;
}

int sl_infer_internal_side(const struct sluice_engine *e, struct sl_flow *f)
{
    /* Asked on every packet of a P2P flow; the answer is the flow's for its life. */
    if (!(f->flags & SL_FF_SIDE_KNOWN)) {
        const uint8_t *addr;
        uint16_t port;
        bool is_client;
        f->flags |= SL_FF_SIDE_KNOWN;
        if (internal_end(e, f, &addr, &port, &is_client))
            f->flags |= SL_FF_SIDE_INTERNAL | (is_client ? 0 : SL_FF_SIDE_SERVER);
    }
    if (!(f->flags & SL_FF_SIDE_INTERNAL))
        return -1;
    return (f->flags & SL_FF_SIDE_SERVER) ? 1 : 0;
}

static struct sl_host *host_of(struct sluice_engine *e, const struct sl_flow *f, uint16_t *port,
                               bool *is_client)
{
    const uint8_t *addr;
    if (!e->hosts || !internal_end(e, f, &addr, port, is_client))
        return NULL;
    return sl_host_get(e->hosts, f->key.family, addr, e->now_us);
}

void sl_infer_note(struct sluice_engine *e, struct sl_flow *f)
{
    uint16_t port;
    bool is_client;
    struct sl_host *h = host_of(e, f, &port, &is_client);
    if (!h)
        return;
    h->p2p_last_us = e->now_us;
    h->p2p_flows++;
    struct sl_p2p_judgement j;
    sl_p2p_judge(f, &j);
    if (j.proto)
        h->p2p_proto = j.proto->ndpi_id;
    /* The other end is a peer: the host's later flows to it are P2P too. */
    bool ca = f->flags & SL_FF_CLIENT_IS_A;
    bool other_is_a = is_client ? !ca : ca;
    sl_host_add_peer(h, f->key.family, other_is_a ? f->key.a : f->key.b,
                     other_is_a ? f->key.pa : f->key.pb);
    /* Ports the host's client takes peers on: the local end of flows it accepted, of its
     * UDP P2P flows (DHT and uTP share the listen port), and what it announces. */
    if (!is_client || f->key.proto == 17)
        sl_host_add_port(h, port);
    const struct sl_bt_flow *bt = sl_dissect_bt(f);
    if (bt && bt->dir[is_client ? 0 : 1].listen_port)
        sl_host_add_port(h, bt->dir[is_client ? 0 : 1].listen_port);
    const struct sl_tracker *t = sl_dissect_tracker(f);
    if (t && is_client && t->port)
        sl_host_add_port(h, t->port);
}

static bool service_port(uint16_t p)
{
    return p == 53 || p == 80 || p == 443 || p == 853 || p == 7680 || (p >= 3478 && p <= 3481) ||
           (p >= 8801 && p <= 8810);
}

bool sl_infer_flow(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt)
{
    if (f->inferred || (f->flags & SL_FF_ALERTED) || !e->cfg.p2p_infer_window)
        return false;
    if (f->key.proto != 6 && f->key.proto != 17)
        return false;
    /* nDPI read the payload and named something else: that is what it is. */
    if (f->app_proto != NDPI_PROTOCOL_UNKNOWN && !sl_p2p_lookup(f->app_proto) &&
        (f->confidence == NDPI_CONFIDENCE_DPI || f->confidence == NDPI_CONFIDENCE_DPI_CACHE))
        return false;
    if (service_port(f->key.pa) || service_port(f->key.pb))
        return false;
    const uint8_t *addr;
    uint16_t port;
    bool is_client;
    if (!e->hosts || !internal_end(e, f, &addr, &port, &is_client))
        return false;
    struct sl_host *h = sl_host_find(e->hosts, f->key.family, addr);
    if (!h || !h->p2p_last_us ||
        e->now_us - h->p2p_last_us > (int64_t)e->cfg.p2p_infer_window * US_PER_SEC)
        return false;
    bool ca = f->flags & SL_FF_CLIENT_IS_A;
    bool other_is_a = is_client ? !ca : ca;
    if (sl_host_has_peer(h, f->key.family, other_is_a ? f->key.a : f->key.b,
                         other_is_a ? f->key.pa : f->key.pb))
        f->inferred = SL_INFER_KNOWN_PEER;
    else if (sl_host_has_port(h, port))
        f->inferred = SL_INFER_LISTEN_PORT;
    else if (f->key.proto == 6 && (f->flags & SL_FF_MSE_SHAPED))
        f->inferred = SL_INFER_MSE;
    else
        return false;
    h->inferred_flows++;
    e->c.p2p_inferred++;
    /* An MSE key exchange is BitTorrent's; otherwise the host's own P2P protocol. */
    f->inferred_proto = f->inferred == SL_INFER_MSE ? NDPI_PROTOCOL_BITTORRENT : h->p2p_proto;
    /* One alert per flow, as a session's: each is a connection a SIEM may want to see. */
    sl_event_p2p_inferred(e, f, pkt, 0);
    return true;
}

void sl_infer_served(struct sluice_engine *e, struct sl_flow *f, const uint8_t *info_hash,
                     const struct sl_packet *pkt)
{
    uint16_t port;
    bool is_client;
    struct sl_host *h = host_of(e, f, &port, &is_client);
    f->flags |= SL_FF_SERVED_NOTED;
    if (!h || !info_hash || !e->cfg.p2p_overshare)
        return;
    uint64_t key;
    memcpy(&key, info_hash, sizeof(key));
    for (unsigned i = 0; i < h->nserved; i++)
        if (h->served[i] == key)
            return;
    if (h->nserved == SL_HOST_SERVED)
        return; /* enough to tell */
    h->served[h->nserved++] = key;
    if (h->nserved != e->cfg.p2p_overshare)
        return;
    uint32_t suppressed;
    if (sl_infer_rate_ok(e, f, SL_SID_OVERSHARE, NULL, &suppressed))
        sl_event_overshare(e, f, pkt, "bittorrent", "served-torrents", "torrents_served",
                           h->nserved, suppressed);
    else
        e->c.alerts_suppressed++;
}

bool sl_infer_rate_ok(struct sluice_engine *e, const struct sl_flow *f, uint32_t sid,
                      const uint8_t *info_hash, uint32_t *suppressed)
{
    *suppressed = 0;
    uint16_t port;
    bool is_client;
    struct sl_host *h = host_of(e, f, &port, &is_client);
    if (!h)
        return true;
    uint64_t key = 0xcbf29ce484222325ull ^ sid;
    for (int i = 0; info_hash && i < 20; i++)
        key = (key ^ info_hash[i]) * 0x100000001b3ull;
    return sl_host_rate_ok(h, key, e->now_us, (int64_t)e->cfg.alert_rate_limit * US_PER_SEC,
                           suppressed);
}
