/*
 * live.c - libpcap capture.
 *
 * Why capture threads that dispatch, rather than one fanout handle per
 * worker: the kernel's PACKET_FANOUT_HASH spreads packets by flow, but an
 * engine keeps per-host state, so every flow of an internal host must reach
 * the same engine.  A capture thread decodes just enough to find the
 * internal host (dispatch.c) and copies the packet to that worker's queue.
 * With capture.threads > 1 an interface gets several handles in one fanout
 * group (by flow hash) so the copying itself is spread over threads; the
 * workers still get packets by host.  A full worker queue drops the packet
 * and counts it (queue_drops): the capture thread never waits, so the kernel
 * ring keeps draining and its own drops stay meaningful.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif

#include "decode.h"
#include "dispatch.h"
#include "live.h"
#include "signals.h"

#define MAX_HANDLES 64

struct handle {
    struct sl_live *lv;
    unsigned prod; /* producer index in the workers' queues */
    char iface[32];
    pcap_t *pcap;
    int linktype;
    pthread_t th;
    bool started;
    const struct sluice_config *cfg;
    struct sl_workers *ws;
    unsigned nworkers;
    struct pcap_stat st; /* last read */
};

struct sl_live {
    unsigned n;
    struct handle h[MAX_HANDLES];
    atomic_bool stop;
    atomic_int failed;
    char fail_msg[512];
};

static pcap_t *open_one(const struct sluice_config *cfg, const char *iface, char *err,
                        size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "-i %s: %s", iface, ebuf);
        return NULL;
    }
    pcap_set_snaplen(p, (int)cfg->capture_snaplen);
    pcap_set_promisc(p, cfg->capture_promisc);
    pcap_set_timeout(p, (int)cfg->capture_timeout_ms);
    pcap_set_buffer_size(p, (int)cfg->capture_buffer_size);
    if (cfg->capture_immediate)
        pcap_set_immediate_mode(p, 1);
    int r = pcap_activate(p);
    if (r < 0) {
        snprintf(err, errlen, "-i %s: cannot capture: %s%s", iface,
                 r == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(r),
                 r == PCAP_ERROR_PERM_DENIED ? " (needs root or CAP_NET_RAW)" : "");
        pcap_close(p);
        return NULL;
    }
    if (r > 0)
        fprintf(stderr, "sluice: warning: -i %s: %s\n", iface, pcap_statustostr(r));
    int lt = pcap_datalink(p);
    if (!sl_decode_linktype_supported(lt)) {
        snprintf(err, errlen, "-i %s: unsupported link type %d (%s)", iface, lt,
                 pcap_datalink_val_to_name(lt) ? pcap_datalink_val_to_name(lt) : "?");
        pcap_close(p);
        return NULL;
    }
    if (cfg->capture_bpf[0]) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, cfg->capture_bpf, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(p, &prog) != 0) {
            snprintf(err, errlen, "capture.bpf '%s': %s", cfg->capture_bpf, pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
        pcap_freecode(&prog);
    }
    return p;
}

/* Join a handle to the interface's fanout group: the kernel splits flows across the handles. */
static int join_fanout(pcap_t *p, unsigned group, char *err, size_t errlen, const char *iface)
{
#if defined(__linux__) && defined(PACKET_FANOUT)
    int arg = (int)((group & 0xffff) |
                    ((unsigned)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16));
    if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0) {
        snprintf(err, errlen, "-i %s: PACKET_FANOUT: %s", iface, strerror(errno));
        return -1;
    }
    return 0;
#else
    (void)p, (void)group;
    snprintf(err, errlen, "-i %s: capture.threads above 1 needs Linux PACKET_FANOUT", iface);
    return -1;
#endif
}

struct sl_live *sl_live_open(const struct sluice_config *cfg, char *const *ifaces, unsigned n,
                             char *err, size_t errlen)
{
    struct sl_live *lv = calloc(1, sizeof(*lv));
    if (!lv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    unsigned per = cfg->capture_threads ? cfg->capture_threads : 1;
    if ((size_t)n * per > MAX_HANDLES) {
        snprintf(err, errlen, "too many capture handles (%u interfaces x %u threads; at most %d)",
                 n, per, MAX_HANDLES);
        free(lv);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (strlen(ifaces[i]) >= sizeof(lv->h[0].iface)) {
            snprintf(err, errlen, "-i %s: interface name too long", ifaces[i]);
            sl_live_close(lv);
            return NULL;
        }
        /* One group id per interface, unique to this process. */
        unsigned group = ((unsigned)getpid() * 16u + i) & 0xffff;
        for (unsigned k = 0; k < per; k++) {
            struct handle *h = &lv->h[lv->n];
            h->pcap = open_one(cfg, ifaces[i], err, errlen);
            if (!h->pcap || (per > 1 && join_fanout(h->pcap, group, err, errlen, ifaces[i]) != 0)) {
                sl_live_close(lv);
                return NULL;
            }
            h->lv = lv;
            h->prod = lv->n++;
            h->linktype = pcap_datalink(h->pcap);
            snprintf(h->iface, sizeof(h->iface), "%s", ifaces[i]);
        }
    }
    return lv;
}

unsigned sl_live_handles(const struct sl_live *lv)
{
    return lv->n;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *ph, const u_char *data)
{
    struct handle *h = (struct handle *)(void *)user;
    sluice_packet sp = {
        .ts_sec = ph->ts.tv_sec,
        .ts_usec = (uint32_t)ph->ts.tv_usec,
        .linktype = h->linktype,
        .data = data,
        .caplen = ph->caplen,
        .wirelen = ph->len,
    };
    struct sl_qpkt q = {
        .caplen = ph->caplen,
        .wirelen = ph->len,
        .linktype = h->linktype,
        .ts_sec = ph->ts.tv_sec,
        .ts_usec = (uint32_t)ph->ts.tv_usec,
        .source = -1,
        .clock_us = INT64_MIN,
    };
    sl_workers_push(h->ws, h->prod, sl_dispatch_worker(h->cfg, &sp, h->nworkers), &q, NULL, data,
                    false);
}

static void *capture_main(void *arg)
{
    struct handle *h = arg;
    struct sl_live *lv = h->lv;
    /* The timeout bounds each call, so a stop request is seen within capture.timeout_ms. */
    while (!atomic_load(&lv->stop)) {
        int r = pcap_dispatch(h->pcap, 256, on_packet, (u_char *)h);
        if (r == PCAP_ERROR) {
            if (atomic_fetch_add(&lv->failed, 1) == 0)
                snprintf(lv->fail_msg, sizeof(lv->fail_msg), "-i %s: capture failed: %s", h->iface,
                         pcap_geterr(h->pcap));
            break;
        }
        if (r == PCAP_ERROR_BREAK)
            break;
    }
    return NULL;
}

/* pcap_stats of every handle, per interface, plus what the workers' queues dropped. */
static void update_capture(struct sl_live *lv, struct sl_workers *ws)
{
    sluice_capture_stats cs[MAX_HANDLES];
    unsigned n = 0;
    for (unsigned i = 0; i < lv->n; i++) {
        struct handle *h = &lv->h[i];
        struct pcap_stat st;
        if (pcap_stats(h->pcap, &st) == 0)
            h->st = st;
        unsigned k = 0;
        while (k < n && strcmp(cs[k].name, h->iface) != 0)
            k++;
        if (k == n) {
            memset(&cs[n], 0, sizeof(cs[n]));
            cs[n++].name = h->iface;
        }
        cs[k].packets += h->st.ps_recv;
        cs[k].kernel_drops += h->st.ps_drop;
        cs[k].if_drops += h->st.ps_ifdrop;
        cs[k].queue_drops += sl_workers_queue_drops(ws, h->prod);
    }
    sl_workers_set_capture(ws, cs, n);
}

int sl_live_run(struct sl_live *lv, const struct sluice_config *cfg, struct sl_workers *ws)
{
    sl_signals_block();
    for (unsigned i = 0; i < lv->n; i++) {
        struct handle *h = &lv->h[i];
        h->cfg = cfg;
        h->ws = ws;
        h->nworkers = sl_workers_count(ws);
        if (pthread_create(&h->th, NULL, capture_main, h) != 0) {
            snprintf(lv->fail_msg, sizeof(lv->fail_msg), "cannot start a capture thread: %s",
                     strerror(errno));
            atomic_fetch_add(&lv->failed, 1);
            break;
        }
        h->started = true;
    }
    sl_signals_unblock();
    update_capture(lv, ws);
    unsigned ticks = 0;
    while (!sl_signals_stop() && !atomic_load(&lv->failed)) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL); /* a signal cuts it short */
        sl_workers_poll_signals(ws);
        if (++ticks % 10 == 0)
            update_capture(lv, ws);
    }
    atomic_store(&lv->stop, true);
    for (unsigned i = 0; i < lv->n; i++) {
        if (lv->h[i].started) {
            pcap_breakloop(lv->h[i].pcap);
            pthread_join(lv->h[i].th, NULL);
            lv->h[i].started = false;
        }
    }
    /* The last counters, for the final stats event. */
    update_capture(lv, ws);
    if (atomic_load(&lv->failed)) {
        fprintf(stderr, "sluice: %s\n", lv->fail_msg);
        return 2;
    }
    return 0;
}

void sl_live_close(struct sl_live *lv)
{
    if (!lv)
        return;
    for (unsigned i = 0; i < lv->n; i++)
        if (lv->h[i].pcap)
            pcap_close(lv->h[i].pcap);
    /* A handle that failed half-way is not counted in n. */
    if (lv->n < MAX_HANDLES && lv->h[lv->n].pcap)
        pcap_close(lv->h[lv->n].pcap);
    free(lv);
}
