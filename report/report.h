/*
 * report.h - sluice-report: EVE events in, one self-contained HTML page (and
 * a JSON summary) out.  parse.c reads the events, aggregate.c keeps the
 * tables, svg.c draws the timeline and charts, html.c writes the page,
 * json.c the summary.  Every table has a cap; what does not fit is counted
 * and the page says so.
 */
#ifndef SLUICE_REPORT_H
#define SLUICE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define RPT_IP        46
#define RPT_HOSTS     4096 /* internal hosts */
#define RPT_DESTS     8192 /* external destinations */
#define RPT_TORRENT   4096
#define RPT_CLIENTS   8192 /* (host, client, version) rows */
#define RPT_SIGS      128
#define RPT_PROTOS    32
#define RPT_ITEMS     200000 /* sessions, alerts, upload samples, flow marks each */
#define RPT_T_CLIENTS 8
#define RPT_T_HOSTS   16

struct rpt_host {
    char ip[RPT_IP];
    uint64_t bytes_out, bytes_in, alerts, sessions;
    int64_t first_us, last_us;
};

struct rpt_dest {
    char ip[RPT_IP];
    uint64_t bytes, flows;
};

struct rpt_client {
    unsigned host;
    char name[64], version[32], via[16]; /* via: bittorrent, tracker, edonkey, gnutella */
    int64_t first_us, last_us;
    uint64_t events;
};

struct rpt_torrent {
    char info_hash[41];
    char name[128];
    char clients[RPT_T_CLIENTS][96];
    unsigned nclients, hosts[RPT_T_HOSTS], nhosts;
    uint64_t bytes_sent, bytes_received, flows;
    int64_t first_us, last_us;
};

struct rpt_session {
    unsigned host; /* index, or UINT32_MAX when no endpoint is internal */
    int64_t start_us, end_us;
    char proto[24];
};

struct rpt_alert {
    unsigned host;
    int64_t ts_us;
    uint32_t sid, severity;
    char signature[96];
};

struct rpt_upload { /* bytes_out of one host's flow since its previous event */
    int64_t ts_us;
    unsigned host;
    uint64_t bytes;
};

struct rpt_flow { /* per flow: the last counters seen, so running updates add deltas */
    uint64_t flow_id, out, piece_out, piece_in;
    unsigned torrent; /* index + 1, 0 none */
    unsigned session; /* its timeline bar, index + 1, 0 none */
};

struct rpt_sig {
    uint32_t sid;
    char name[96];
    uint64_t n;
};

struct rpt_proto {
    char name[24];
    uint64_t n;
};

/* A string-keyed open-addressing index over one of the arrays. */
struct rpt_index {
    uint32_t *slot; /* entry index + 1, 0 empty */
    uint32_t cap;   /* power of two, twice the array's cap */
};

struct report {
    struct sl_cidr_list home;
    uint64_t events, bad_lines, over_cap;
    int64_t tmin, tmax;
    struct rpt_host *hosts;
    unsigned nhosts;
    struct rpt_index host_ix;
    struct rpt_dest *dests;
    unsigned ndests;
    struct rpt_index dest_ix;
    struct rpt_torrent *torrents;
    unsigned ntorrents;
    struct rpt_index torrent_ix;
    struct rpt_client *clients;
    unsigned nclients;
    struct rpt_session *sessions;
    unsigned nsessions;
    struct rpt_alert *alerts;
    unsigned nalerts;
    struct rpt_upload *uploads;
    unsigned nuploads;
    struct rpt_flow *flows;
    unsigned nflows;
    struct rpt_index flow_ix;
    struct rpt_sig sigs[RPT_SIGS];
    unsigned nsigs;
    struct rpt_proto protos[RPT_PROTOS];
    unsigned nprotos;
    uint64_t sessions_total, alerts_total, flows_total;
};

int rpt_init(struct report *r);
void rpt_free(struct report *r);

/* aggregate.c: find or add; UINT32_MAX when the table is full (counted in over_cap). */
unsigned rpt_host(struct report *r, const char *ip, int64_t ts);
unsigned rpt_dest(struct report *r, const char *ip);
unsigned rpt_torrent(struct report *r, const char *info_hash, int64_t ts);
struct rpt_flow *rpt_flow(struct report *r, uint64_t flow_id);
void rpt_client_seen(struct report *r, unsigned host, const char *name, const char *version,
                     const char *via, int64_t ts);
void rpt_torrent_client(struct rpt_torrent *t, const char *client);
void rpt_torrent_host(struct rpt_torrent *t, unsigned host);
void rpt_count_sig(struct report *r, uint32_t sid, const char *name);
void rpt_count_proto(struct report *r, const char *name);
void rpt_add_session(struct report *r, unsigned host, int64_t start, int64_t end,
                     const char *proto);
void rpt_add_alert(struct report *r, unsigned host, int64_t ts, uint32_t sid, uint32_t sev,
                   const char *sig);
void rpt_add_upload(struct report *r, unsigned host, int64_t ts, uint64_t bytes);
bool rpt_internal(const struct report *r, const char *ip);
/* Host indices by bytes_out, largest first; returns how many (at most max). */
unsigned rpt_top_hosts(const struct report *r, unsigned *out, unsigned max);

/* parse.c: read one eve.json file ("-" standard input).  0, or -1 with a message printed. */
int rpt_read_file(struct report *r, const char *path);
/* "2024-03-01T12:00:00.000000+0000" -> microseconds; false when not that shape. */
bool rpt_parse_ts(const char *s, int64_t *us);
void rpt_format_ts(int64_t us, char *out, size_t len);

/* html.c / svg.c / json.c */
void rpt_html_escape(FILE *out, const char *s);
int rpt_write_html(const struct report *r, FILE *out, const char *title);
void rpt_svg_timeline(const struct report *r, FILE *out);
void rpt_svg_upload(const struct report *r, unsigned host, FILE *out);
int rpt_write_json(const struct report *r, const char *path);

#endif
