/*
 * progress.c - the progress line (see progress.h).
 */
#include <string.h>
#include <time.h>

#include "progress.h"

#define REDRAW_NS   250000000LL /* four times a second at most */
#define CLOCK_EVERY 256         /* packets between clock reads */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void sl_progress_init(struct sl_progress *p, FILE *out, bool enabled, uint64_t total_bytes)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->enabled = enabled;
    p->total_bytes = total_bytes;
    p->start_ns = p->last_ns = now_ns();
}

bool sl_progress_due(struct sl_progress *p)
{
    if (!p->enabled || ++p->calls < CLOCK_EVERY)
        return false;
    p->calls = 0;
    int64_t t = now_ns();
    if (t - p->last_ns < REDRAW_NS)
        return false;
    p->last_ns = t;
    return true;
}

/* 1536 -> "1.5 MiB" */
static void human(double v, const char *unit, char *out, size_t n)
{
    static const char *const pre[] = {"", "Ki", "Mi", "Gi", "Ti"};
    unsigned i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s%s" : "%.0f %s%s", v, pre[i], unit);
}

static void draw(struct sl_progress *p, uint64_t bytes, uint64_t packets, bool final)
{
    double secs = (double)(now_ns() - p->start_ns) / 1e9;
    double pct = p->total_bytes ? 100.0 * (double)bytes / (double)p->total_bytes : 100.0;
    if (pct > 100)
        pct = 100;
    char done[32], total[32], rate[32], left[32] = "";
    human((double)bytes, "B", done, sizeof(done));
    human((double)p->total_bytes, "B", total, sizeof(total));
    human(secs > 0 ? (double)bytes / secs : 0, "B/s", rate, sizeof(rate));
    if (!final && bytes && secs > 0 && bytes < p->total_bytes) {
        double rest = (double)(p->total_bytes - bytes) / ((double)bytes / secs);
        unsigned r = rest > 359999 ? 359999 : (unsigned)rest;
        snprintf(left, sizeof(left), ", %u:%02u:%02u left", r / 3600, r / 60 % 60, r % 60);
    } else if (final) {
        snprintf(left, sizeof(left), " in %.1f s", secs);
    }
    fprintf(p->out, "\rsluice: %5.1f%% %s of %s, %llu packets, %s%s\033[K", pct, done, total,
            (unsigned long long)packets, rate, left);
    fflush(p->out);
    p->drawn = true;
}

void sl_progress_draw(struct sl_progress *p, uint64_t bytes, uint64_t packets)
{
    if (p->enabled)
        draw(p, bytes, packets, false);
}

void sl_progress_clear(struct sl_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", p->out);
        p->drawn = false;
    }
}

void sl_progress_finish(struct sl_progress *p, uint64_t bytes, uint64_t packets)
{
    if (!p->enabled)
        return;
    draw(p, bytes, packets, true);
    fputc('\n', p->out);
    p->drawn = false;
}
