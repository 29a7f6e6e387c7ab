/*
 * sink-summary.c - the end-of-replay summary (see sink-summary.h).
 *
 * Upload per host comes from the flow event's egress object (bytes_out of
 * its internal endpoint) when it has one; otherwise from the flow's IP bytes
 * sent by whichever endpoint alone is in home_networks.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "jpick.h"
#include "sink-summary.h"

#define MAX_SIGS   64
#define MAX_PROTOS 32
#define MAX_HOSTS  4096 /* hash has twice as many slots */
#define TOP_HOSTS  10

struct sig {
    int64_t sid;
    char name[128];
    uint64_t n;
};

struct proto {
    char name[32];
    uint64_t n;
};

struct host {
    char ip[INET6_ADDRSTRLEN];
    uint64_t bytes;
};

struct summary {
    struct sl_cidr_list home;
    struct sig sigs[MAX_SIGS];
    unsigned nsigs;
    uint64_t other_sigs;
    struct proto protos[MAX_PROTOS];
    unsigned nprotos;
    uint64_t sessions, other_protos;
    struct host *hosts; /* open addressing, 2 * MAX_HOSTS slots */
    unsigned nhosts;
    uint64_t other_host_bytes;
    uint64_t parse_errors;
    bool idle; /* nothing will be printed: events are not parsed */
};

void *sl_sink_summary_new(const struct sl_cidr_list *home_nets, bool idle)
{
    struct summary *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->hosts = calloc(2 * MAX_HOSTS, sizeof(*s->hosts));
    if (!s->hosts) {
        free(s);
        return NULL;
    }
    s->home = *home_nets;
    s->idle = idle;
    return s;
}

static void count_sig(struct summary *s, int64_t sid, const char *name)
{
    for (unsigned i = 0; i < s->nsigs; i++) {
        if (s->sigs[i].sid == sid) {
            s->sigs[i].n++;
            return;
        }
    }
    if (s->nsigs == MAX_SIGS) {
        s->other_sigs++;
        return;
    }
    struct sig *g = &s->sigs[s->nsigs++];
    g->sid = sid;
    snprintf(g->name, sizeof(g->name), "%s", name ? name : "");
    g->n = 1;
}

static void count_proto(struct summary *s, const char *name)
{
    s->sessions++;
    for (unsigned i = 0; i < s->nprotos; i++) {
        if (!strcmp(s->protos[i].name, name)) {
            s->protos[i].n++;
            return;
        }
    }
    if (s->nprotos == MAX_PROTOS) {
        s->other_protos++;
        return;
    }
    snprintf(s->protos[s->nprotos].name, sizeof(s->protos[0].name), "%s", name);
    s->protos[s->nprotos++].n = 1;
}

static void add_upload(struct summary *s, const char *ip, uint64_t bytes)
{
    uint32_t h = 2166136261u;
    for (const char *c = ip; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    for (unsigned k = 0; k < 2 * MAX_HOSTS; k++) {
        struct host *e = &s->hosts[(h + k) % (2 * MAX_HOSTS)];
        if (e->ip[0] && !strcmp(e->ip, ip)) {
            e->bytes += bytes;
            return;
        }
        if (!e->ip[0]) {
            if (s->nhosts >= MAX_HOSTS)
                break;
            snprintf(e->ip, sizeof(e->ip), "%s", ip);
            e->bytes = bytes;
            s->nhosts++;
            return;
        }
    }
    s->other_host_bytes += bytes;
}

static bool internal(const struct summary *s, const char *ip)
{
    uint8_t a[16] = {0};
    if (inet_pton(AF_INET, ip, a) == 1)
        return sl_cidr_list_contains(&s->home, 4, a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return sl_cidr_list_contains(&s->home, 6, a);
    return false;
}

/* One pass over each line for the fields the summary needs (json_loadb took half the replay). */
enum { A_SID, A_SIG, NA };
enum { F_DET, F_PROTO, F_IIP, F_OUT, F_SRC, F_DST, F_TOSERVER, F_TOCLIENT, F_FLOW, NF };

static uint64_t u64_of(const struct sl_jpick *w)
{
    uint64_t x = 0;
    return sl_jpick_u64(w, &x) ? x : 0;
}

static void flow_event(struct summary *s, const char *line, size_t len)
{
    struct sl_jpick w[NF] = {
        [F_DET] = {"p2p", "detection", NULL, 0},
        [F_PROTO] = {"p2p", "protocol", NULL, 0},
        [F_IIP] = {"egress", "internal_ip", NULL, 0},
        [F_OUT] = {"egress", "bytes_out", NULL, 0},
        [F_SRC] = {"src_ip", NULL, NULL, 0},
        [F_DST] = {"dest_ip", NULL, NULL, 0},
        [F_TOSERVER] = {"flow", "bytes_toserver", NULL, 0},
        [F_TOCLIENT] = {"flow", "bytes_toclient", NULL, 0},
        [F_FLOW] = {"flow", NULL, NULL, 0},
    };
    if (sl_jpick(line, len, w, NF) < 0) {
        s->parse_errors++;
        return;
    }
    char det[16], proto[sizeof(s->protos[0].name)];
    if (sl_jpick_str(&w[F_DET], det, sizeof(det)) && !strcmp(det, "session") &&
        sl_jpick_str(&w[F_PROTO], proto, sizeof(proto)))
        count_proto(s, proto);
    char iip[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    if (sl_jpick_str(&w[F_IIP], iip, sizeof(iip))) {
        add_upload(s, iip, u64_of(&w[F_OUT]));
        return;
    }
    if (!sl_jpick_str(&w[F_SRC], src, sizeof(src)) || !sl_jpick_str(&w[F_DST], dst, sizeof(dst)) ||
        !w[F_FLOW].v)
        return;
    bool si = internal(s, src), di = internal(s, dst);
    if (si && !di)
        add_upload(s, src, u64_of(&w[F_TOSERVER]));
    else if (di && !si)
        add_upload(s, dst, u64_of(&w[F_TOCLIENT]));
}

static void alert_event(struct summary *s, const char *line, size_t len)
{
    struct sl_jpick w[NA] = {
        [A_SID] = {"alert", "signature_id", NULL, 0}, [A_SIG] = {"alert", "signature", NULL, 0}};
    if (sl_jpick(line, len, w, NA) < 0) {
        s->parse_errors++;
        return;
    }
    uint64_t sid;
    char name[sizeof(s->sigs[0].name)];
    if (sl_jpick_u64(&w[A_SID], &sid) && sid <= INT64_MAX) {
        sl_jpick_str(&w[A_SIG], name, sizeof(name));
        count_sig(s, (int64_t)sid, name);
    }
}

static int summary_write(void *ctx, unsigned type, const char *line, size_t len)
{
    if (((struct summary *)ctx)->idle)
        return 0;
    if (type == SLUICE_EVENT_ALERT)
        alert_event(ctx, line, len);
    else if (type == SLUICE_EVENT_FLOW)
        flow_event(ctx, line, len);
    return 0;
}

static void summary_close(void *ctx)
{
    struct summary *s = ctx;
    if (s)
        free(s->hosts);
    free(s);
}

const sluice_sink_ops sl_sink_summary_ops = {
    .name = "summary",
    .write = summary_write,
    .close = summary_close,
};

static int by_count_desc(const void *a, const void *b)
{
    const struct sig *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

static int proto_desc(const void *a, const void *b)
{
    const struct proto *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int host_desc(const void *a, const void *b)
{
    const struct host *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return strcmp(x->ip, y->ip);
}

void sl_sink_summary_print(const void *ctx, const sluice_stats *st, FILE *out)
{
    const struct summary *s = ctx;
    fprintf(out, "sluice: summary: %llu packets, %llu flows, %llu P2P sessions, %llu alerts\n",
            (unsigned long long)st->packets, (unsigned long long)st->flows_created,
            (unsigned long long)s->sessions, (unsigned long long)st->alerts);
    struct proto protos[MAX_PROTOS];
    memcpy(protos, s->protos, sizeof(protos));
    qsort(protos, s->nprotos, sizeof(protos[0]), proto_desc);
    if (s->nprotos) {
        fprintf(out, "sluice: P2P sessions by protocol:");
        for (unsigned i = 0; i < s->nprotos; i++)
            fprintf(out, "%s %s %llu", i ? "," : "", protos[i].name,
                    (unsigned long long)protos[i].n);
        fputc('\n', out);
    }
    struct sig sigs[MAX_SIGS];
    memcpy(sigs, s->sigs, sizeof(sigs));
    qsort(sigs, s->nsigs, sizeof(sigs[0]), by_count_desc);
    if (s->nsigs)
        fprintf(out, "sluice: alerts by signature:\n");
    for (unsigned i = 0; i < s->nsigs; i++)
        fprintf(out, "sluice:   %8llu  %lld %s\n", (unsigned long long)sigs[i].n,
                (long long)sigs[i].sid, sigs[i].name);
    if (s->other_sigs)
        fprintf(out, "sluice:   %8llu  other signatures\n", (unsigned long long)s->other_sigs);
    struct host *hosts = malloc(MAX_HOSTS * sizeof(*hosts));
    if (!hosts)
        return;
    unsigned n = 0;
    for (unsigned k = 0; k < 2 * MAX_HOSTS; k++)
        if (s->hosts[k].ip[0] && s->hosts[k].bytes)
            hosts[n++] = s->hosts[k];
    qsort(hosts, n, sizeof(*hosts), host_desc);
    if (n)
        fprintf(out, "sluice: top uploading internal hosts (IP bytes out):\n");
    for (unsigned i = 0; i < n && i < TOP_HOSTS; i++)
        fprintf(out, "sluice:   %-39s %llu\n", hosts[i].ip, (unsigned long long)hosts[i].bytes);
    if (s->other_host_bytes)
        fprintf(out, "sluice:   %-39s %llu\n", "(hosts past the table)",
                (unsigned long long)s->other_host_bytes);
    free(hosts);
    if (s->parse_errors)
        fprintf(out, "sluice: %llu events the summary could not read (not counted above)\n",
                (unsigned long long)s->parse_errors);
}
