/*
 * html.c - the report page: one HTML file with its CSS, SVG and script
 * inline, nothing fetched, so it opens from disk on an analyst's laptop.
 * Every string that came from events is escaped (peer ids, user agents and
 * file names are chosen by whoever is on the other end of the wire).
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define TOP_CHARTS 8
#define TOP_DESTS  25

void rpt_html_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            if ((unsigned char)*s < 0x20)
                fputc(' ', out); /* control bytes: nothing to show */
            else
                fputc(*s, out);
        }
    }
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid "
    "#ccc}.meta{color:#666}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}"
    ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px "
    "14px;min-width:110px}"
    ".card b{display:block;font-size:20px}table{border-collapse:collapse;background:#fff;"
    "font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#eee;cursor:pointer;user-select:none}td.n{text-align:right;font-variant-numeric:"
    "tabular-nums}code{font-size:12px}svg{background:#fff;border:1px solid #ddd;display:block}"
    ".row0{fill:#fff}.row1{fill:#f3f5f8}.label,.tick{font-size:11px;fill:#333}.axis{stroke:#999}"
    ".alert.sev2{fill:#d62728;stroke:#fff}.alert.sev3{fill:#ff7f0e;stroke:#fff}.bar{fill:#4e79a7}"
    ".charts{display:flex;flex-wrap:wrap;gap:14px}.charts "
    "figure{margin:0}figcaption{font-size:12px;"
    "color:#444}.note{color:#a60;font-size:12px}";

/* Sortable tables (click a header) and a self-check the browser test reads. */
static const char script[] =
    "var errors=[];window.onerror=function(m){errors.push(String(m));};"
    "function sortTable(th){var t=th.closest('table'),i=Array.prototype.indexOf.call("
    "th.parentNode.children,th),b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),"
    "asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';rows.sort(function(x,y){"
    "var p=x.cells[i].dataset.v||x.cells[i].textContent,q=y.cells[i].dataset.v||"
    "y.cells[i].textContent,a=parseFloat(p),c=parseFloat(q);var r=(!isNaN(a)&&!isNaN(c))?a-c:"
    "p.localeCompare(q);return asc?r:-r;});rows.forEach(function(r){b.appendChild(r);});}"
    "document.addEventListener('DOMContentLoaded',function(){"
    "document.querySelectorAll('th').forEach(function(th){th.addEventListener('click',"
    "function(){sortTable(th);});});"
    "var charts=document.querySelectorAll('svg.chart').length,"
    "marks=document.querySelectorAll('svg rect.session,svg circle.alert,svg rect.bar').length;"
    "var ok=errors.length===0&&charts>0;document.documentElement.dataset.render=ok?'ok':'failed';"
    "document.documentElement.dataset.charts=charts;document.documentElement.dataset.marks=marks;"
    "if(ok)document.title='ok: '+document.title;});";

static void num_cell(FILE *out, uint64_t v)
{
    fprintf(out, "<td class=\"n\">%llu</td>", (unsigned long long)v);
}

static void ts_cell(FILE *out, int64_t us)
{
    char ts[32];
    rpt_format_ts(us, ts, sizeof(ts));
    fprintf(out, "<td data-v=\"%lld\">%s</td>", (long long)us, ts);
}

static void text_cell(FILE *out, const char *s)
{
    fputs("<td>", out);
    rpt_html_escape(out, s);
    fputs("</td>", out);
}

static void table_open(FILE *out, const char *id, const char *const *cols)
{
    fprintf(out, "<table id=\"%s\"><thead><tr>", id);
    for (; *cols; cols++)
        fprintf(out, "<th>%s</th>", *cols);
    fputs("</tr></thead><tbody>\n", out);
}

static void signatures(const struct report *r, FILE *out)
{
    static const char *const cols[] = {"signature_id", "signature", "alerts", NULL};
    table_open(out, "signatures", cols);
    for (unsigned i = 0; i < r->nsigs; i++) {
        fputs("<tr>", out);
        num_cell(out, r->sigs[i].sid);
        text_cell(out, r->sigs[i].name);
        num_cell(out, r->sigs[i].n);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void torrents(const struct report *r, FILE *out)
{
    static const char *const cols[] = {
        "info_hash",  "name",           "clients",    "internal hosts", "flows",
        "bytes sent", "bytes received", "first seen", "last seen",      NULL};
    table_open(out, "torrents", cols);
    for (unsigned i = 0; i < r->ntorrents; i++) {
        const struct rpt_torrent *t = &r->torrents[i];
        fputs("<tr><td><code>", out);
        rpt_html_escape(out, t->info_hash);
        fputs("</code></td>", out);
        text_cell(out, t->name);
        fputs("<td>", out);
        for (unsigned k = 0; k < t->nclients; k++) {
            if (k)
                fputs("<br>", out);
            rpt_html_escape(out, t->clients[k]);
        }
        fputs("</td><td>", out);
        for (unsigned k = 0; k < t->nhosts; k++) {
            if (k)
                fputs("<br>", out);
            rpt_html_escape(out, r->hosts[t->hosts[k]].ip);
        }
        fputs("</td>", out);
        num_cell(out, t->flows);
        num_cell(out, t->bytes_sent);
        num_cell(out, t->bytes_received);
        ts_cell(out, t->first_us);
        ts_cell(out, t->last_us);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void clients(const struct report *r, FILE *out)
{
    static const char *const cols[] = {"internal host", "client",     "version",   "seen in",
                                       "events",        "first seen", "last seen", NULL};
    table_open(out, "clients", cols);
    for (unsigned i = 0; i < r->nclients; i++) {
        const struct rpt_client *c = &r->clients[i];
        fputs("<tr>", out);
        text_cell(out, r->hosts[c->host].ip);
        text_cell(out, c->name);
        text_cell(out, c->version);
        text_cell(out, c->via);
        num_cell(out, c->events);
        ts_cell(out, c->first_us);
        ts_cell(out, c->last_us);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static const struct report *sort_r;

static int dest_desc(const void *a, const void *b)
{
    const struct rpt_dest *x = &sort_r->dests[*(const unsigned *)a];
    const struct rpt_dest *y = &sort_r->dests[*(const unsigned *)b];
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return strcmp(x->ip, y->ip);
}

static void destinations(const struct report *r, FILE *out)
{
    static const char *const cols[] = {"external ip", "bytes out", "flows", NULL};
    unsigned *ix = malloc((r->ndests ? r->ndests : 1) * sizeof(unsigned));
    if (!ix)
        return;
    for (unsigned i = 0; i < r->ndests; i++)
        ix[i] = i;
    sort_r = r;
    qsort(ix, r->ndests, sizeof(unsigned), dest_desc);
    table_open(out, "destinations", cols);
    for (unsigned i = 0; i < r->ndests && i < TOP_DESTS; i++) {
        const struct rpt_dest *d = &r->dests[ix[i]];
        fputs("<tr>", out);
        text_cell(out, d->ip);
        num_cell(out, d->bytes);
        num_cell(out, d->flows);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    free(ix);
}

static void card(FILE *out, const char *what, uint64_t n)
{
    fprintf(out, "<div class=\"card\"><b>%llu</b>%s</div>", (unsigned long long)n, what);
}

int rpt_write_html(const struct report *r, FILE *out, const char *title)
{
    char a[32] = "-", b[32] = "-";
    if (r->tmin <= r->tmax) {
        rpt_format_ts(r->tmin, a, sizeof(a));
        rpt_format_ts(r->tmax, b, sizeof(b));
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>",
          out);
    rpt_html_escape(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n<script>%s</script>\n</head><body>\n", css, script);
    fputs("<h1>", out);
    rpt_html_escape(out, title);
    fprintf(out, "</h1>\n<div class=\"meta\">%s to %s UTC, %llu events read", a, b,
            (unsigned long long)r->events);
    if (r->bad_lines)
        fprintf(out, ", %llu lines skipped (not events)", (unsigned long long)r->bad_lines);
    fputs("</div>\n", out);
    if (r->over_cap)
        fprintf(out, "<p class=\"note\">%llu items did not fit the report's tables.</p>\n",
                (unsigned long long)r->over_cap);
    fputs("<div class=\"cards\">", out);
    card(out, "flows", r->flows_total);
    card(out, "P2P sessions", r->sessions_total);
    card(out, "alerts", r->alerts_total);
    card(out, "internal hosts", r->nhosts);
    card(out, "torrents", r->ntorrents);
    fputs("</div>\n<h2>Timeline of P2P sessions and alerts</h2>\n", out);
    rpt_svg_timeline(r, out);
    fputs("<p class=\"meta\">Bars: P2P sessions (flow start to end); dots: alerts (red severity 2, "
          "orange 3). Hover for details.</p>\n<h2>Upload by internal host</h2>\n"
          "<div class=\"charts\">\n",
          out);
    unsigned top[TOP_CHARTS];
    unsigned n = rpt_top_hosts(r, top, TOP_CHARTS);
    for (unsigned i = 0; i < n; i++) {
        if (!r->hosts[top[i]].bytes_out)
            break;
        fputs("<figure>", out);
        rpt_svg_upload(r, top[i], out);
        fputs("<figcaption>", out);
        rpt_html_escape(out, r->hosts[top[i]].ip);
        fprintf(out, ": %llu bytes out</figcaption></figure>\n",
                (unsigned long long)r->hosts[top[i]].bytes_out);
    }
    fputs("</div>\n<h2>Alerts by signature</h2>\n", out);
    signatures(r, out);
    fputs("<h2>P2P sessions by protocol</h2>\n<ul id=\"protocols\">", out);
    for (unsigned i = 0; i < r->nprotos; i++) {
        fputs("<li>", out);
        rpt_html_escape(out, r->protos[i].name);
        fprintf(out, ": %llu</li>", (unsigned long long)r->protos[i].n);
    }
    fputs("</ul>\n<h2>Torrents</h2>\n", out);
    torrents(r, out);
    fputs("<h2>P2P clients by internal host</h2>\n", out);
    clients(r, out);
    fputs("<h2>Top egress destinations</h2>\n", out);
    destinations(r, out);
    fputs("<p class=\"meta\">Made by sluice-report from sluice EVE events.</p>\n</body></html>\n",
          out);
    return ferror(out) ? -1 : 0;
}
