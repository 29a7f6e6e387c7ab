/*
 * json.c - the report's summary as JSON for scripts (--json FILE): the same
 * tables as the page, with numbers as numbers and times as EVE timestamps.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"

static json_t *ts(int64_t us)
{
    char buf[40];
    rpt_format_ts(us, buf, sizeof(buf));
    return json_string(buf);
}

/* Strings from events may not be valid UTF-8 after our truncation: jansson refuses those. */
static json_t *text(const char *s)
{
    json_t *v = json_string(s);
    return v ? v : json_string("\xef\xbf\xbd");
}

int rpt_write_json(const struct report *r, const char *path)
{
    json_t *root = json_object(), *sigs = json_array(), *protos = json_object();
    json_t *hosts = json_array(), *torrents = json_array(), *clients = json_array();
    json_t *dests = json_array();
    json_object_set_new(root, "events", json_integer((json_int_t)r->events));
    json_object_set_new(root, "skipped_lines", json_integer((json_int_t)r->bad_lines));
    json_object_set_new(root, "over_cap", json_integer((json_int_t)r->over_cap));
    if (r->tmin <= r->tmax) {
        json_object_set_new(root, "first", ts(r->tmin));
        json_object_set_new(root, "last", ts(r->tmax));
    }
    json_object_set_new(root, "flows", json_integer((json_int_t)r->flows_total));
    json_object_set_new(root, "p2p_sessions", json_integer((json_int_t)r->sessions_total));
    json_object_set_new(root, "alerts", json_integer((json_int_t)r->alerts_total));
    for (unsigned i = 0; i < r->nsigs; i++)
        json_array_append_new(
            sigs, json_pack("{s:I,s:o,s:I}", "signature_id", (json_int_t)r->sigs[i].sid,
                            "signature", text(r->sigs[i].name), "count", (json_int_t)r->sigs[i].n));
    json_object_set_new(root, "alerts_by_signature", sigs);
    for (unsigned i = 0; i < r->nprotos; i++)
        json_object_set_new(protos, r->protos[i].name, json_integer((json_int_t)r->protos[i].n));
    json_object_set_new(root, "sessions_by_protocol", protos);
    unsigned *top = malloc((r->nhosts ? r->nhosts : 1) * sizeof(unsigned));
    unsigned n = top ? rpt_top_hosts(r, top, r->nhosts) : 0;
    for (unsigned i = 0; i < n; i++) {
        const struct rpt_host *h = &r->hosts[top[i]];
        json_array_append_new(hosts, json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "ip", h->ip,
                                               "bytes_out", (json_int_t)h->bytes_out, "sessions",
                                               (json_int_t)h->sessions, "alerts",
                                               (json_int_t)h->alerts, "first_seen", ts(h->first_us),
                                               "last_seen", ts(h->last_us)));
    }
    free(top);
    json_object_set_new(root, "hosts", hosts);
    for (unsigned i = 0; i < r->ntorrents; i++) {
        const struct rpt_torrent *t = &r->torrents[i];
        json_t *cl = json_array(), *hs = json_array();
        for (unsigned k = 0; k < t->nclients; k++)
            json_array_append_new(cl, text(t->clients[k]));
        for (unsigned k = 0; k < t->nhosts; k++)
            json_array_append_new(hs, json_string(r->hosts[t->hosts[k]].ip));
        json_t *o =
            json_pack("{s:s,s:o,s:o,s:I,s:I,s:I,s:o,s:o}", "info_hash", t->info_hash, "clients", cl,
                      "hosts", hs, "flows", (json_int_t)t->flows, "bytes_sent",
                      (json_int_t)t->bytes_sent, "bytes_received", (json_int_t)t->bytes_received,
                      "first_seen", ts(t->first_us), "last_seen", ts(t->last_us));
        if (t->name[0])
            json_object_set_new(o, "name", text(t->name));
        json_array_append_new(torrents, o);
    }
    json_object_set_new(root, "torrents", torrents);
    for (unsigned i = 0; i < r->nclients; i++) {
        const struct rpt_client *c = &r->clients[i];
        json_array_append_new(clients, json_pack("{s:s,s:o,s:o,s:s,s:I,s:o,s:o}", "host",
                                                 r->hosts[c->host].ip, "client", text(c->name),
                                                 "version", text(c->version), "seen_in", c->via,
                                                 "events", (json_int_t)c->events, "first_seen",
                                                 ts(c->first_us), "last_seen", ts(c->last_us)));
    }
    json_object_set_new(root, "clients", clients);
    for (unsigned i = 0; i < r->ndests; i++)
        json_array_append_new(dests, json_pack("{s:s,s:I,s:I}", "ip", r->dests[i].ip, "bytes_out",
                                               (json_int_t)r->dests[i].bytes, "flows",
                                               (json_int_t)r->dests[i].flows));
    json_object_set_new(root, "destinations", dests);
    int rc = strcmp(path, "-") ? json_dump_file(root, path, JSON_INDENT(1) | JSON_SORT_KEYS)
                               : json_dumpf(root, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    if (rc != 0)
        fprintf(stderr, "sluice-report: %s: cannot write the JSON summary\n", path);
    return rc;
}
