/*
 * egress.c - upload accounting per flow and per internal host, and the five
 * egress alerts: a flow's upload (and each doubling), a host's budget in a
 * window, asymmetric upload, fan-out to many destinations, P2P upload.
 *
 * Every alert fires at the packet whose bytes make its condition true.  Host
 * alerts then wait until their window has fallen back under half of the
 * threshold before they can fire again, so a host hovering at its budget as
 * buckets roll over is reported once, not at every bucket.
 */
#include <string.h>

#include "egress.h"
#include "engine.h"

#define US_PER_SEC 1000000LL

/* struct sl_flow.egress bits */
enum {
    EG_KNOWN = 1u << 0,           /* the bits below are set */
    EG_TRACKED = 1u << 1,         /* one end internal, the other external unicast */
    EG_SERVER_INTERNAL = 1u << 2, /* the internal end is the server */
    EG_ALLOWED = 1u << 3,         /* an end is on egress.allowlist */
    EG_P2P_NEW = 1u << 4,         /* judged P2P; its earlier upload not yet counted as such */
    EG_P2P = 1u << 5,             /* its upload counts as P2P upload */
};

int64_t sl_ewin_epoch(int64_t t_us, uint32_t seconds)
{
    int64_t blen = (int64_t)seconds * (US_PER_SEC / SL_EGRESS_BUCKETS);
    int64_t q = t_us / blen;
    return (t_us % blen < 0) ? q - 1 : q;
}

static unsigned slot_of(int64_t epoch)
{
    int64_t m = epoch % SL_EGRESS_BUCKETS;
    return (unsigned)(m < 0 ? m + SL_EGRESS_BUCKETS : m);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static void bucket_sub(struct sl_ewin_bucket *sum, const struct sl_ewin_bucket *b)
{
    /* A saturated sum stays saturated: it no longer knows what it holds. */
    if (sum->out != UINT64_MAX)
        sum->out -= b->out;
    if (sum->in != UINT64_MAX)
        sum->in -= b->in;
    if (sum->p2p != UINT64_MAX)
        sum->p2p -= b->p2p;
}

void sl_ewin_advance(struct sl_ewin *w, int64_t epoch)
{
    if (epoch <= w->head)
        return;
    if (epoch - w->head >= SL_EGRESS_BUCKETS) {
        memset(&w->sum, 0, sizeof(w->sum));
        memset(w->b, 0, sizeof(w->b));
    } else {
        for (int64_t k = w->head + 1; k <= epoch; k++) {
            struct sl_ewin_bucket *b = &w->b[slot_of(k)];
            bucket_sub(&w->sum, b);
            memset(b, 0, sizeof(*b));
        }
    }
    w->head = epoch;
}

/* sl_ewin_add, inlined into the packet path. */
static inline bool ewin_add(struct sl_ewin *w, int64_t epoch, uint64_t out, uint64_t in,
                            uint64_t p2p)
{
    if (epoch > w->head)
        sl_ewin_advance(w, epoch);
    else if (epoch <= w->head - SL_EGRESS_BUCKETS)
        return false;
    struct sl_ewin_bucket *b = &w->b[slot_of(epoch)];
    /* A packet is one way: of the three counts at most two move. */
    if (out) {
        b->out = sat_add(b->out, out);
        w->sum.out = sat_add(w->sum.out, out);
    }
    if (in) {
        b->in = sat_add(b->in, in);
        w->sum.in = sat_add(w->sum.in, in);
    }
    if (p2p) {
        b->p2p = sat_add(b->p2p, p2p);
        w->sum.p2p = sat_add(w->sum.p2p, p2p);
    }
    return true;
}

bool sl_ewin_add(struct sl_ewin *w, int64_t epoch, uint64_t out, uint64_t in, uint64_t p2p)
{
    return ewin_add(w, epoch, out, in, p2p);
}

/* ---- which flows, which host ---- */

static void mapped(int family, const uint8_t *addr, uint8_t out[16])
{
    if (family == 6) {
        memcpy(out, addr, 16);
        return;
    }
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(out, prefix, 12);
    memcpy(out + 12, addr, 4);
}

/* Multicast, broadcast and unspecified addresses never leave the network as uploads. */
static bool unicast(int family, const uint8_t *a)
{
    if (family == 4)
        return !(a[0] >= 224 || a[0] == 0);
    static const uint8_t zero[16];
    return a[0] != 0xff && memcmp(a, zero, 16) != 0;
}

static void classify_flow(struct sluice_engine *e, struct sl_flow *f)
{
    f->egress |= EG_KNOWN;
    bool ca = f->flags & SL_FF_CLIENT_IS_A;
    const uint8_t *cip = ca ? f->key.a : f->key.b, *sip = ca ? f->key.b : f->key.a;
    bool cin = sl_cidr_list_contains(&e->cfg.home_nets, f->key.family, cip);
    bool sin = sl_cidr_list_contains(&e->cfg.home_nets, f->key.family, sip);
    if (cin == sin)
        return;
    const uint8_t *ext = cin ? sip : cip;
    if (!unicast(f->key.family, ext))
        return;
    f->egress |= EG_TRACKED | (sin ? EG_SERVER_INTERNAL : 0);
    if (sl_cidr_list_contains(&e->cfg.egress_allow, f->key.family, cip) ||
        sl_cidr_list_contains(&e->cfg.egress_allow, f->key.family, sip))
        f->egress |= EG_ALLOWED;
    e->c.egress_flows++;
}

static const uint8_t *internal_addr(const struct sl_flow *f, bool server_internal)
{
    bool a_is_client = f->flags & SL_FF_CLIENT_IS_A;
    return (a_is_client != server_internal) ? f->key.a : f->key.b;
}

static const uint8_t *external_addr(const struct sl_flow *f, bool server_internal)
{
    bool a_is_client = f->flags & SL_FF_CLIENT_IS_A;
    return (a_is_client != server_internal) ? f->key.b : f->key.a;
}

static void host_group(const struct sluice_engine *e, struct sl_host *h)
{
    struct sl_egress_host *eh = &h->egress;
    eh->group_known = 1;
    for (unsigned g = 0; g < SL_EGRESS_GROUPS; g++) {
        const struct sl_egress_group *gr = &e->cfg.egress_group[g];
        if (gr->nets.count && sl_cidr_list_contains(&gr->nets, h->family, h->addr)) {
            eh->group = (uint8_t)(g + 1);
            return;
        }
    }
}

const struct sl_egress_windows *sl_egress_windows_of(const struct sluice_engine *e,
                                                     const struct sl_host *h)
{
    unsigned g = h->egress.group;
    if (g && e->cfg.egress_group[g - 1].windows.count)
        return &e->cfg.egress_group[g - 1].windows;
    return &e->cfg.egress_windows;
}

static uint64_t flow_threshold(const struct sluice_engine *e, const struct sl_host *h)
{
    unsigned g = h->egress.group;
    return g ? e->cfg.egress_group[g - 1].flow_upload_bytes : e->cfg.egress_flow_upload_bytes;
}

/* ---- destinations, for fan-out and top destinations ---- */

static int64_t fanout_window_us(const struct sluice_engine *e)
{
    return (int64_t)e->cfg.egress_fanout_window * US_PER_SEC;
}

static bool live_within(const struct sluice_engine *e, const struct sl_edest *d, int64_t window)
{
    return d->bytes && e->now_us - d->last_us < window;
}

static bool dest_live(const struct sluice_engine *e, const struct sl_edest *d)
{
    return live_within(e, d, fanout_window_us(e));
}

/* Two 16-byte addresses alike?  Two 64-bit compares without a branch between them: a host's
 * whole table is scanned at each new destination. */
static bool addr_eq(const uint8_t a[16], const uint8_t b[16])
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/*
 * The slot of `addr`, or a new one: a free slot, else one idle for the whole
 * window, else the one with the fewest bytes, so heavy destinations stay.
 */
static struct sl_edest *dest_slot(const struct sluice_engine *e, struct sl_egress_host *eh,
                                  const uint8_t addr[16], uint8_t *hint)
{
    /* The flow's own slot first: a P2P host's flows interleave, so the host's last one is
     * rarely the packet's.  Either is only a guess, checked against the address. */
    unsigned h = *hint ? *hint - 1u : eh->last_dest;
    if (h < eh->ndest && addr_eq(eh->dest[h].addr, addr)) {
        eh->last_dest = (uint8_t)h;
        return &eh->dest[h];
    }
    for (unsigned i = 0; i < eh->ndest; i++) {
        if (addr_eq(eh->dest[i].addr, addr)) {
            eh->last_dest = (uint8_t)i;
            *hint = (uint8_t)(i + 1);
            return &eh->dest[i];
        }
    }
    /* Only a new destination of a host with every slot taken looks for the one to give up
     * (a P2P host's peers change at nearly every packet: this was the egress path's dearest
     * loop when it ran at every lookup). */
    unsigned victim = 0;
    if (eh->ndest < SL_EGRESS_DESTS) {
        victim = eh->ndest++;
    } else {
        int64_t window = fanout_window_us(e);
        bool vidle = !live_within(e, &eh->dest[0], window);
        for (unsigned i = 1; i < eh->ndest; i++) {
            bool idle = !live_within(e, &eh->dest[i], window);
            if ((idle && !vidle) || (idle == vidle && eh->dest[i].bytes < eh->dest[victim].bytes)) {
                victim = i;
                vidle = idle;
            }
        }
    }
    struct sl_edest *d = &eh->dest[victim];
    memcpy(d->addr, addr, 16);
    d->bytes = 0;
    d->last_us = e->now_us;
    eh->last_dest = (uint8_t)victim;
    *hint = (uint8_t)(victim + 1);
    return d;
}

unsigned sl_egress_fanout_count(const struct sluice_engine *e, const struct sl_host *h)
{
    unsigned n = 0;
    for (unsigned i = 0; i < h->egress.ndest; i++)
        if (dest_live(e, &h->egress.dest[i]) &&
            h->egress.dest[i].bytes >= e->cfg.egress_fanout_min_bytes)
            n++;
    return n;
}

unsigned sl_egress_top(const struct sluice_engine *e, const struct sl_host *h,
                       struct sl_egress_top *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < h->egress.ndest; i++) {
        const struct sl_edest *d = &h->egress.dest[i];
        if (!dest_live(e, d))
            continue;
        /* Insertion into a short sorted list; ties keep slot order, so output is stable. */
        unsigned k = n < max ? n++ : max;
        while (k > 0 && out[k - 1].bytes < d->bytes) {
            if (k < max)
                out[k] = out[k - 1];
            k--;
        }
        if (k < max)
            out[k] = (struct sl_egress_top){d->addr, d->bytes};
    }
    return n;
}

/* ---- the packet ---- */

void sl_egress_mark_p2p(struct sl_flow *f)
{
    if (!(f->egress & EG_P2P))
        f->egress |= EG_P2P_NEW;
}

static void alert(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                  enum sl_egress_trigger kind, int window, uint64_t threshold)
{
    e->alerts_egress[kind]++;
    sl_event_egress(e, f, pkt, kind, window, threshold);
}

/* After the packet was counted: the window's budget; asymmetry and P2P upload over the longest. */
static void check_window(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                         struct sl_host *h, uint64_t budget, unsigned i, bool longest, bool out)
{
    struct sl_egress_host *eh = &h->egress;
    const struct sl_ewin_bucket *s = &eh->win[i].sum;
    uint8_t bit = (uint8_t)(1u << i);
    /* Re-arm once the window has emptied to under half of what fired it. */
    if ((eh->budget_fired & bit) && s->out < budget / 2)
        eh->budget_fired &= (uint8_t)~bit;
    if (longest && eh->asym_fired && s->out < e->cfg.egress_asym_min_bytes / 2)
        eh->asym_fired = 0;
    if (longest && eh->p2p_fired && s->p2p < e->cfg.egress_p2p_upload_bytes / 2)
        eh->p2p_fired = 0;
    if (!out)
        return; /* downloads make no upload alert true */
    if (budget && !(eh->budget_fired & bit) && s->out >= budget) {
        eh->budget_fired |= bit;
        alert(e, f, pkt, SL_EG_BUDGET, (int)i, budget);
    }
    /* Ratios are judged over the longest window: a short one sees only a burst. */
    uint32_t ratio = e->cfg.egress_asym_ratio;
    if (longest && ratio && !eh->asym_fired && s->out >= e->cfg.egress_asym_min_bytes &&
        s->in <= s->out / ratio) {
        eh->asym_fired = 1;
        alert(e, f, pkt, SL_EG_ASYM, (int)i, e->cfg.egress_asym_min_bytes);
    }
    if (longest && e->cfg.egress_p2p_upload_bytes && !eh->p2p_fired &&
        s->p2p >= e->cfg.egress_p2p_upload_bytes) {
        eh->p2p_fired = 1;
        alert(e, f, pkt, SL_EG_P2P, (int)i, e->cfg.egress_p2p_upload_bytes);
    }
}

static void check_fanout(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                         struct sl_host *h, bool server_internal, uint64_t n)
{
    struct sl_egress_host *eh = &h->egress;
    uint8_t addr[16];
    mapped(f->key.family, external_addr(f, server_internal), addr);
    struct sl_edest *d = dest_slot(e, eh, addr, &f->egress_dest);
    if (!dest_live(e, d))
        d->bytes = 0; /* idle a whole window: its count starts again */
    uint64_t before = d->bytes;
    d->bytes = sat_add(d->bytes, n);
    d->last_us = e->now_us;
    uint64_t min = e->cfg.egress_fanout_min_bytes;
    if (!e->cfg.egress_fanout || before >= min || d->bytes < min)
        return;
    /* This destination just started to count. */
    unsigned count = sl_egress_fanout_count(e, h);
    if (count < e->cfg.egress_fanout)
        eh->fanout_fired = 0;
    else if (!eh->fanout_fired) {
        eh->fanout_fired = 1;
        alert(e, f, pkt, SL_EG_FANOUT, -1, e->cfg.egress_fanout);
    }
}

static uint64_t sat_double(uint64_t v)
{
    return v > UINT64_MAX / 2 ? UINT64_MAX : v * 2;
}

/* The flow's own threshold, then each doubling of it (egress.flow_upload_repeat). */
static void check_flow(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                       const struct sl_host *h, uint64_t sent)
{
    uint64_t t = flow_threshold(e, h);
    if (!t || (f->egress_fired && !e->cfg.egress_flow_repeat))
        return;
    uint64_t next = t;
    for (unsigned i = 0; i < f->egress_fired; i++)
        next = sat_double(next);
    if (sent < next || next == UINT64_MAX)
        return;
    /* One alert, for the highest doubling this packet reached. */
    uint64_t crossed;
    unsigned fired = f->egress_fired;
    do {
        crossed = next;
        next = sat_double(next);
        fired++;
    } while (e->cfg.egress_flow_repeat && fired < 64 && next != UINT64_MAX && sent >= next);
    f->egress_fired = (uint8_t)fired;
    alert(e, f, pkt, SL_EG_FLOW, -1, crossed);
}

void sl_egress_packet(struct sluice_engine *e, struct sl_flow *f, const struct sl_packet *pkt,
                      int dir)
{
    if (!(f->egress & EG_KNOWN))
        classify_flow(e, f);
    if (!(f->egress & EG_TRACKED))
        return;
    bool server_internal = f->egress & EG_SERVER_INTERNAL;
    int side = server_internal ? 1 : 0;
    bool out = dir == side;
    uint64_t n = pkt->ip_len;
    struct sl_host *h = sl_host_get_hint(e->hosts, f->key.family, internal_addr(f, server_internal),
                                         e->now_us, &f->host_hint);
    if (!h)
        return;
    struct sl_egress_host *eh = &h->egress;
    if (!eh->group_known)
        host_group(e, h);
    if (f->egress & EG_ALLOWED) {
        if (out) {
            eh->allowed_out = sat_add(eh->allowed_out, n);
            e->c.egress_allowed_bytes += n;
        }
        return;
    }
    if (out)
        e->c.egress_bytes_out += n;
    else
        e->c.egress_bytes_in += n;
    uint64_t p2p = 0;
    if (f->egress & EG_P2P_NEW) {
        /* What it uploaded before it was known to be P2P was P2P upload too. */
        f->egress = (uint8_t)((f->egress & ~EG_P2P_NEW) | EG_P2P);
        p2p = f->bytes[side] - (out ? n : 0);
    }
    if ((f->egress & EG_P2P) && out)
        p2p += n;
    const struct sl_egress_windows *ws = sl_egress_windows_of(e, h);
    unsigned longest = 0;
    for (unsigned i = 1; i < ws->count; i++)
        if (ws->seconds[i] > ws->seconds[longest])
            longest = i;
    for (unsigned i = 0; i < ws->count; i++) {
        struct sl_ewin *w = &eh->win[i];
        int64_t blen = (int64_t)ws->seconds[i] * (US_PER_SEC / SL_EGRESS_BUCKETS);
        /* Most packets fall in the head bucket: no division for them. */
        int64_t epoch = w->head;
        if (!w->head_end_us || e->now_us >= w->head_end_us || e->now_us < w->head_end_us - blen) {
            epoch = sl_ewin_epoch(e->now_us, ws->seconds[i]);
            w->head_end_us = (epoch + 1) * blen;
        }
        /* The engine's clock never goes back, so nothing is ever older than the window. */
        ewin_add(w, epoch, out ? n : 0, out ? 0 : n, p2p);
        check_window(e, f, pkt, h, ws->budget[i], i, i == longest, out);
    }
    if (!out)
        return;
    check_fanout(e, f, pkt, h, server_internal, n);
    check_flow(e, f, pkt, h, f->bytes[side]);
}

bool sl_egress_view(struct sluice_engine *e, const struct sl_flow *f, struct sl_egress_view *v)
{
    if (!(f->egress & EG_TRACKED))
        return false;
    bool server_internal = f->egress & EG_SERVER_INTERNAL;
    v->side = server_internal ? 1 : 0;
    v->allowlisted = f->egress & EG_ALLOWED;
    v->host = sl_host_find(e->hosts, f->key.family, internal_addr(f, server_internal));
    v->group = NULL;
    if (v->host && v->host->egress.group && e->cfg.egress_group[v->host->egress.group - 1].name[0])
        v->group = e->cfg.egress_group[v->host->egress.group - 1].name;
    return true;
}
