/*
 * aggregate.c - the report's tables: hosts, destinations, torrents, client
 * inventory, timeline items and upload samples, each capped (report.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int ix_init(struct rpt_index *ix, uint32_t entries)
{
    uint32_t cap = 16;
    while (cap < 2 * entries)
        cap *= 2;
    ix->slot = calloc(cap, sizeof(uint32_t));
    ix->cap = cap;
    return ix->slot ? 0 : -1;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The slot for `key` in an index whose entries' keys come from key_of(i). */
static uint32_t *ix_slot(struct rpt_index *ix, const char *key, const void *arr,
                         const char *(*key_of)(const void *arr, uint32_t i))
{
    for (uint32_t h = hash_str(key), k = 0; k < ix->cap; k++) {
        uint32_t *s = &ix->slot[(h + k) & (ix->cap - 1)];
        if (!*s || !strcmp(key_of(arr, *s - 1), key))
            return s;
    }
    return NULL;
}

static const char *host_key(const void *a, uint32_t i)
{
    return ((const struct rpt_host *)a)[i].ip;
}

static const char *dest_key(const void *a, uint32_t i)
{
    return ((const struct rpt_dest *)a)[i].ip;
}

static const char *torrent_key(const void *a, uint32_t i)
{
    return ((const struct rpt_torrent *)a)[i].info_hash;
}

int rpt_init(struct report *r)
{
    memset(r, 0, sizeof(*r));
    struct sluice_config cfg;
    sl_config_defaults(&cfg);
    r->home = cfg.home_nets;
    r->tmin = INT64_MAX;
    r->tmax = INT64_MIN;
    r->hosts = calloc(RPT_HOSTS, sizeof(*r->hosts));
    r->dests = calloc(RPT_DESTS, sizeof(*r->dests));
    r->torrents = calloc(RPT_TORRENT, sizeof(*r->torrents));
    r->clients = calloc(RPT_CLIENTS, sizeof(*r->clients));
    r->sessions = calloc(RPT_ITEMS, sizeof(*r->sessions));
    r->alerts = calloc(RPT_ITEMS, sizeof(*r->alerts));
    r->uploads = calloc(RPT_ITEMS, sizeof(*r->uploads));
    r->flows = calloc(RPT_ITEMS, sizeof(*r->flows));
    if (!r->hosts || !r->dests || !r->torrents || !r->clients || !r->sessions || !r->alerts ||
        !r->uploads || !r->flows || ix_init(&r->host_ix, RPT_HOSTS) ||
        ix_init(&r->dest_ix, RPT_DESTS) || ix_init(&r->torrent_ix, RPT_TORRENT) ||
        ix_init(&r->flow_ix, RPT_ITEMS))
        return -1;
    return 0;
}

void rpt_free(struct report *r)
{
    free(r->hosts);
    free(r->dests);
    free(r->torrents);
    free(r->clients);
    free(r->sessions);
    free(r->alerts);
    free(r->uploads);
    free(r->flows);
    free(r->host_ix.slot);
    free(r->dest_ix.slot);
    free(r->torrent_ix.slot);
    free(r->flow_ix.slot);
}

unsigned rpt_host(struct report *r, const char *ip, int64_t ts)
{
    uint32_t *s = ix_slot(&r->host_ix, ip, r->hosts, host_key);
    if (s && *s) {
        struct rpt_host *h = &r->hosts[*s - 1];
        if (ts < h->first_us)
            h->first_us = ts;
        if (ts > h->last_us)
            h->last_us = ts;
        return *s - 1;
    }
    if (!s || r->nhosts == RPT_HOSTS || strlen(ip) >= RPT_IP) {
        r->over_cap++;
        return UINT32_MAX;
    }
    struct rpt_host *h = &r->hosts[r->nhosts];
    snprintf(h->ip, sizeof(h->ip), "%s", ip);
    h->first_us = h->last_us = ts;
    *s = ++r->nhosts;
    return r->nhosts - 1;
}

unsigned rpt_dest(struct report *r, const char *ip)
{
    uint32_t *s = ix_slot(&r->dest_ix, ip, r->dests, dest_key);
    if (s && *s)
        return *s - 1;
    if (!s || r->ndests == RPT_DESTS || strlen(ip) >= RPT_IP) {
        r->over_cap++;
        return UINT32_MAX;
    }
    snprintf(r->dests[r->ndests].ip, RPT_IP, "%s", ip);
    *s = ++r->ndests;
    return r->ndests - 1;
}

unsigned rpt_torrent(struct report *r, const char *info_hash, int64_t ts)
{
    if (strlen(info_hash) != 40)
        return UINT32_MAX;
    uint32_t *s = ix_slot(&r->torrent_ix, info_hash, r->torrents, torrent_key);
    if (s && *s) {
        struct rpt_torrent *t = &r->torrents[*s - 1];
        if (ts < t->first_us)
            t->first_us = ts;
        if (ts > t->last_us)
            t->last_us = ts;
        return *s - 1;
    }
    if (!s || r->ntorrents == RPT_TORRENT) {
        r->over_cap++;
        return UINT32_MAX;
    }
    struct rpt_torrent *t = &r->torrents[r->ntorrents];
    memcpy(t->info_hash, info_hash, 41);
    t->first_us = t->last_us = ts;
    *s = ++r->ntorrents;
    return r->ntorrents - 1;
}

struct rpt_flow *rpt_flow(struct report *r, uint64_t flow_id)
{
    /* flow ids are numbers: index them by their decimal text */
    char key[24];
    snprintf(key, sizeof(key), "%llu", (unsigned long long)flow_id);
    for (uint32_t h = hash_str(key), k = 0; k < r->flow_ix.cap; k++) {
        uint32_t *s = &r->flow_ix.slot[(h + k) & (r->flow_ix.cap - 1)];
        if (*s && r->flows[*s - 1].flow_id == flow_id)
            return &r->flows[*s - 1];
        if (!*s) {
            if (r->nflows == RPT_ITEMS) {
                r->over_cap++;
                return NULL;
            }
            struct rpt_flow *f = &r->flows[r->nflows];
            f->flow_id = flow_id;
            *s = ++r->nflows;
            return f;
        }
    }
    return NULL;
}

void rpt_client_seen(struct report *r, unsigned host, const char *name, const char *version,
                     const char *via, int64_t ts)
{
    if (host == UINT32_MAX || !name || !*name)
        return;
    version = version ? version : "";
    for (unsigned i = 0; i < r->nclients; i++) {
        struct rpt_client *c = &r->clients[i];
        if (c->host == host && !strncmp(c->name, name, sizeof(c->name) - 1) &&
            !strncmp(c->version, version, sizeof(c->version) - 1) && !strcmp(c->via, via)) {
            if (ts < c->first_us)
                c->first_us = ts;
            if (ts > c->last_us)
                c->last_us = ts;
            c->events++;
            return;
        }
    }
    if (r->nclients == RPT_CLIENTS) {
        r->over_cap++;
        return;
    }
    struct rpt_client *c = &r->clients[r->nclients++];
    c->host = host;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->version, sizeof(c->version), "%s", version);
    snprintf(c->via, sizeof(c->via), "%s", via);
    c->first_us = c->last_us = ts;
    c->events = 1;
}

void rpt_torrent_client(struct rpt_torrent *t, const char *client)
{
    if (!client || !*client)
        return;
    for (unsigned i = 0; i < t->nclients; i++)
        if (!strncmp(t->clients[i], client, sizeof(t->clients[i]) - 1))
            return;
    if (t->nclients < RPT_T_CLIENTS)
        snprintf(t->clients[t->nclients++], sizeof(t->clients[0]), "%s", client);
}

void rpt_torrent_host(struct rpt_torrent *t, unsigned host)
{
    if (host == UINT32_MAX)
        return;
    for (unsigned i = 0; i < t->nhosts; i++)
        if (t->hosts[i] == host)
            return;
    if (t->nhosts < RPT_T_HOSTS)
        t->hosts[t->nhosts++] = host;
}

void rpt_count_sig(struct report *r, uint32_t sid, const char *name)
{
    r->alerts_total++;
    for (unsigned i = 0; i < r->nsigs; i++)
        if (r->sigs[i].sid == sid) {
            r->sigs[i].n++;
            return;
        }
    if (r->nsigs == RPT_SIGS) {
        r->over_cap++;
        return;
    }
    r->sigs[r->nsigs].sid = sid;
    snprintf(r->sigs[r->nsigs].name, sizeof(r->sigs[0].name), "%s", name ? name : "");
    r->sigs[r->nsigs++].n = 1;
}

void rpt_count_proto(struct report *r, const char *name)
{
    r->sessions_total++;
    for (unsigned i = 0; i < r->nprotos; i++)
        if (!strncmp(r->protos[i].name, name, sizeof(r->protos[i].name) - 1)) {
            r->protos[i].n++;
            return;
        }
    if (r->nprotos == RPT_PROTOS) {
        r->over_cap++;
        return;
    }
    snprintf(r->protos[r->nprotos].name, sizeof(r->protos[0].name), "%s", name);
    r->protos[r->nprotos++].n = 1;
}

void rpt_add_session(struct report *r, unsigned host, int64_t start, int64_t end, const char *proto)
{
    if (r->nsessions == RPT_ITEMS) {
        r->over_cap++;
        return;
    }
    struct rpt_session *s = &r->sessions[r->nsessions++];
    s->host = host;
    s->start_us = start;
    s->end_us = end < start ? start : end;
    snprintf(s->proto, sizeof(s->proto), "%s", proto);
}

void rpt_add_alert(struct report *r, unsigned host, int64_t ts, uint32_t sid, uint32_t sev,
                   const char *sig)
{
    if (r->nalerts == RPT_ITEMS) {
        r->over_cap++;
        return;
    }
    struct rpt_alert *a = &r->alerts[r->nalerts++];
    a->host = host;
    a->ts_us = ts;
    a->sid = sid;
    a->severity = sev;
    snprintf(a->signature, sizeof(a->signature), "%s", sig ? sig : "");
}

void rpt_add_upload(struct report *r, unsigned host, int64_t ts, uint64_t bytes)
{
    if (host == UINT32_MAX || !bytes)
        return;
    r->hosts[host].bytes_out += bytes;
    if (r->nuploads == RPT_ITEMS) {
        r->over_cap++;
        return;
    }
    r->uploads[r->nuploads++] = (struct rpt_upload){.ts_us = ts, .host = host, .bytes = bytes};
}

bool rpt_internal(const struct report *r, const char *ip)
{
    uint8_t a[16] = {0};
    if (inet_pton(AF_INET, ip, a) == 1)
        return sl_cidr_list_contains(&r->home, 4, a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return sl_cidr_list_contains(&r->home, 6, a);
    return false;
}

static const struct report *sort_r;

static int by_bytes_out(const void *a, const void *b)
{
    const struct rpt_host *x = &sort_r->hosts[*(const unsigned *)a];
    const struct rpt_host *y = &sort_r->hosts[*(const unsigned *)b];
    if (x->bytes_out != y->bytes_out)
        return x->bytes_out < y->bytes_out ? 1 : -1;
    return strcmp(x->ip, y->ip);
}

unsigned rpt_top_hosts(const struct report *r, unsigned *out, unsigned max)
{
    unsigned *all = malloc((r->nhosts ? r->nhosts : 1) * sizeof(unsigned));
    if (!all)
        return 0;
    for (unsigned i = 0; i < r->nhosts; i++)
        all[i] = i;
    sort_r = r;
    qsort(all, r->nhosts, sizeof(unsigned), by_bytes_out);
    unsigned n = r->nhosts < max ? r->nhosts : max;
    memcpy(out, all, n * sizeof(unsigned));
    free(all);
    return n;
}
