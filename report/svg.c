/*
 * svg.c - the report's pictures as inline SVG: a timeline of P2P sessions
 * and alerts (one row per internal host), and each top host's upload over
 * time as a bar chart.
 */
#include <string.h>

#include "report.h"

#define TL_WIDTH    1000
#define TL_LEFT     150 /* room for the host column */
#define TL_ROW      22
#define TL_ROWS     24 /* hosts drawn; the rest share the last row */
#define TL_MAX_DRAW 5000
#define UP_WIDTH    480
#define UP_HEIGHT   140
#define UP_BUCKETS  60

static const char *const palette[] = {"#4e79a7", "#59a14f", "#b07aa1", "#76b7b2",
                                      "#edc948", "#9c755f", "#bab0ac", "#ff9da7"};

static const char *proto_color(const char *p)
{
    unsigned h = 0;
    for (; *p; p++)
        h = h * 31 + (unsigned char)*p;
    return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

static double x_of(const struct report *r, int64_t t, double left, double width)
{
    double span = (double)(r->tmax - r->tmin);
    if (span <= 0)
        return left + width / 2;
    return left + width * (double)(t - r->tmin) / span;
}

static void time_axis(const struct report *r, FILE *out, double left, double width, double y,
                      int ticks)
{
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", left,
            y, left + width, y);
    for (int k = 0; k <= ticks; k++) {
        int64_t t = r->tmin + (int64_t)((double)(r->tmax - r->tmin) * k / ticks);
        char ts[40];
        rpt_format_ts(t, ts, sizeof(ts));
        if (r->tmax - r->tmin < 60000000) /* a short capture: seconds are not enough */
            snprintf(ts, sizeof(ts), "+%.3f s", (double)(t - r->tmin) / 1e6);
        double x = left + width * k / ticks;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"%s\">%s</text>\n", x,
                y + 14,
                k == 0       ? "start"
                : k == ticks ? "end"
                             : "middle",
                ts);
    }
}

/* The row of a host in the timeline: its rank among the busiest, or the last row. */
static unsigned row_of(const unsigned *rows, unsigned nrows, unsigned host)
{
    for (unsigned i = 0; i < nrows; i++)
        if (rows[i] == host)
            return i;
    return nrows;
}

void rpt_svg_timeline(const struct report *r, FILE *out)
{
    /* rows: hosts with sessions or alerts, most active first */
    unsigned rows[TL_ROWS], nrows = 0;
    bool used[RPT_HOSTS] = {false};
    for (unsigned k = 0; k < TL_ROWS; k++) {
        unsigned best = UINT32_MAX;
        uint64_t score = 0;
        for (unsigned h = 0; h < r->nhosts; h++) {
            uint64_t s = r->hosts[h].sessions + r->hosts[h].alerts;
            if (!used[h] && s > score) {
                score = s;
                best = h;
            }
        }
        if (best == UINT32_MAX)
            break;
        used[best] = true;
        rows[nrows++] = best;
    }
    double width = TL_WIDTH - TL_LEFT - 10, height = (nrows + 1) * TL_ROW + 30;
    unsigned drawn_s = 0, drawn_a = 0;
    fprintf(out,
            "<svg id=\"timeline\" class=\"chart\" data-kind=\"timeline\" width=\"%d\" "
            "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" xmlns=\"http://www.w3.org/2000/svg\" "
            "role=\"img\">\n",
            TL_WIDTH, height, TL_WIDTH, height);
    for (unsigned i = 0; i <= nrows; i++) {
        double y = i * TL_ROW + 4;
        fprintf(out, "<rect x=\"0\" y=\"%.0f\" width=\"%d\" height=\"%d\" class=\"row%u\"/>\n", y,
                TL_WIDTH, TL_ROW, i % 2);
        fprintf(out, "<text x=\"4\" y=\"%.0f\" class=\"label\">", y + 15);
        rpt_html_escape(out, i < nrows ? r->hosts[rows[i]].ip : "other / external");
        fputs("</text>\n", out);
    }
    for (unsigned i = 0; i < r->nsessions && drawn_s < TL_MAX_DRAW; i++, drawn_s++) {
        const struct rpt_session *s = &r->sessions[i];
        unsigned row = s->host == UINT32_MAX ? nrows : row_of(rows, nrows, s->host);
        double x0 = x_of(r, s->start_us, TL_LEFT, width), x1 = x_of(r, s->end_us, TL_LEFT, width);
        char a[32], b[32];
        rpt_format_ts(s->start_us, a, sizeof(a));
        rpt_format_ts(s->end_us, b, sizeof(b));
        fprintf(out,
                "<rect class=\"session\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"10\" "
                "fill=\"%s\"><title>",
                x0, row * TL_ROW + 10, x1 - x0 < 2 ? 2 : x1 - x0, proto_color(s->proto));
        rpt_html_escape(out, s->proto);
        fprintf(out, " session %s to %s</title></rect>\n", a, b);
    }
    for (unsigned i = 0; i < r->nalerts && drawn_a < TL_MAX_DRAW; i++, drawn_a++) {
        const struct rpt_alert *al = &r->alerts[i];
        unsigned row = al->host == UINT32_MAX ? nrows : row_of(rows, nrows, al->host);
        char ts[32];
        rpt_format_ts(al->ts_us, ts, sizeof(ts));
        fprintf(out, "<circle class=\"alert sev%u\" cx=\"%.1f\" cy=\"%u\" r=\"4\"><title>%s %u ",
                al->severity <= 2 ? 2 : 3, x_of(r, al->ts_us, TL_LEFT, width), row * TL_ROW + 15,
                ts, al->sid);
        rpt_html_escape(out, al->signature);
        fputs("</title></circle>\n", out);
    }
    time_axis(r, out, TL_LEFT, width, (nrows + 1) * TL_ROW + 8, 4);
    fputs("</svg>\n", out);
    if (drawn_s < r->nsessions || drawn_a < r->nalerts)
        fprintf(out, "<p class=\"note\">Timeline shows the first %u sessions and %u alerts.</p>\n",
                drawn_s, drawn_a);
}

static void human(uint64_t v, char *out, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = (double)v;
    unsigned i = 0;
    while (d >= 1024 && i < 4) {
        d /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s" : "%.0f %s", d, unit[i]);
}

void rpt_svg_upload(const struct report *r, unsigned host, FILE *out)
{
    uint64_t bucket[UP_BUCKETS] = {0}, max = 0;
    unsigned samples = 0;
    double span = (double)(r->tmax - r->tmin);
    for (unsigned i = 0; i < r->nuploads; i++) {
        const struct rpt_upload *u = &r->uploads[i];
        if (u->host != host)
            continue;
        unsigned b = span > 0 ? (unsigned)((double)(u->ts_us - r->tmin) / span * UP_BUCKETS) : 0;
        if (b >= UP_BUCKETS)
            b = UP_BUCKETS - 1;
        bucket[b] += u->bytes;
        samples++;
    }
    for (unsigned b = 0; b < UP_BUCKETS; b++)
        if (bucket[b] > max)
            max = bucket[b];
    double left = 60, plot_w = UP_WIDTH - left - 10, plot_h = UP_HEIGHT - 40;
    char top[32];
    human(max, top, sizeof(top));
    fprintf(out,
            "<svg class=\"chart upload\" data-kind=\"upload\" data-samples=\"%u\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\" "
            "role=\"img\">\n",
            samples, UP_WIDTH, UP_HEIGHT, UP_WIDTH, UP_HEIGHT);
    fprintf(out, "<text x=\"%.0f\" y=\"12\" class=\"tick\" text-anchor=\"end\">%s</text>\n",
            left - 4, top);
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">0</text>\n",
            left - 4, plot_h + 10);
    double bw = plot_w / UP_BUCKETS;
    for (unsigned b = 0; b < UP_BUCKETS; b++) {
        if (!bucket[b])
            continue;
        double h = max ? plot_h * (double)bucket[b] / (double)max : 0;
        if (h < 1)
            h = 1;
        char v[32], ts[32];
        human(bucket[b], v, sizeof(v));
        rpt_format_ts(r->tmin + (int64_t)(span * b / UP_BUCKETS), ts, sizeof(ts));
        fprintf(out,
                "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                "<title>%s: %s out</title></rect>\n",
                left + b * bw, 10 + plot_h - h, bw > 1.5 ? bw - 1 : bw, h, ts, v);
    }
    time_axis(r, out, left, plot_w, plot_h + 12, 1);
    fputs("</svg>\n", out);
}
