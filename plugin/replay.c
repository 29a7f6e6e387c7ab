/*
 * replay.c - the reader of -r captures.  One thread reads the files as one
 * stream in packet-time order (merge.c) and copies each packet to the queue of the worker that owns
 * its internal host (dispatch.c), stamped with the packet's number in its file and the reader's
 * clock, so N workers give the events one engine would.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capfile.h"
#include "decode.h"
#include "dispatch.h"
#include "merge.h"
#include "progress.h"
#include "replay.h"
#include "signals.h"

#define US_PER_SEC 1000000LL

static int list_add(struct sl_file_list *l, const char *path)
{
    if (l->n == l->cap) {
        unsigned cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->path, cap * sizeof(*p));
        if (!p)
            return -1;
        l->path = p;
        l->cap = cap;
    }
    l->path[l->n] = strdup(path);
    if (!l->path[l->n])
        return -1;
    l->n++;
    return 0;
}

void sl_replay_list_free(struct sl_file_list *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
    memset(l, 0, sizeof(*l));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int expand_dir(const char *dir, struct sl_file_list *l)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "sluice: %s: cannot open directory: %s\n", dir, strerror(errno));
        return -1;
    }
    unsigned first = l->n;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
            continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (list_add(l, path) != 0) {
            closedir(d);
            fprintf(stderr, "sluice: out of memory\n");
            return -1;
        }
    }
    closedir(d);
    qsort(l->path + first, l->n - first, sizeof(char *), cmp_names);
    if (l->n == first) {
        fprintf(stderr, "sluice: %s: no files in directory\n", dir);
        return -1;
    }
    return 0;
}

int sl_replay_collect(const char *const *inputs, unsigned ninputs, struct sl_file_list *l)
{
    for (unsigned i = 0; i < ninputs; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0) {
            fprintf(stderr, "sluice: %s: %s\n", inputs[i], strerror(errno));
            return -1;
        }
        unsigned first = l->n;
        if (S_ISDIR(st.st_mode)) {
            if (expand_dir(inputs[i], l) != 0)
                return -1;
        } else if (list_add(l, inputs[i]) != 0) {
            fprintf(stderr, "sluice: out of memory\n");
            return -1;
        }
        for (unsigned k = first; k < l->n;) {
            char err[512];
            struct sl_capfile *f = sl_capfile_open(l->path[k], err, sizeof(err));
            int lt = f ? sl_capfile_linktype(f) : -1;
            if (f)
                sl_capfile_close(f);
            const char *why = !f ? err : (lt >= 0 && !sl_decode_linktype_supported(lt)) ? "" : NULL;
            if (!why) {
                k++;
                continue;
            }
            if (!S_ISDIR(st.st_mode)) {
                if (f)
                    fprintf(stderr, "sluice: %s: unsupported link type %d\n", l->path[k], lt);
                else
                    fprintf(stderr, "sluice: %s\n", err);
                return -1;
            }
            fprintf(stderr, "sluice: warning: skipping %s\n", f ? l->path[k] : err);
            free(l->path[k]);
            memmove(&l->path[k], &l->path[k + 1], (l->n - k - 1) * sizeof(char *));
            l->n--;
        }
    }
    return 0;
}

uint64_t sl_replay_run_id(const struct sluice_config *cfg, const struct sl_file_list *l)
{
    uint64_t h = 0xcbf29ce484222325ull;
    const char *s = cfg->sensor_name;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    for (unsigned i = 0; i < l->n; i++) {
        struct stat st;
        for (s = l->path[i]; *s; s++)
            h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
        if (stat(l->path[i], &st) == 0)
            h = (h ^ (uint64_t)st.st_size) * 0x100000001b3ull;
    }
    return h;
}

/* Captures open at once in a merged replay (rotated files overlap by a few packets). */
#define MAX_OPEN_CAPTURES 64

/* What the merge says between packets: a warning, an error (status 2), a file opened. */
static int merge_note(struct sl_merge *m, int r, struct sl_progress *pg, bool verbose)
{
    sl_progress_clear(pg);
    switch (r) {
    case SL_MERGE_ERROR:
        fprintf(stderr, "sluice: %s\n", sl_merge_message(m));
        return 2;
    case SL_MERGE_CUT:
        /* Not read to its end: what was read is processed, and the exit status says so. */
        fprintf(stderr, "sluice: warning: %s\n", sl_merge_message(m));
        return 2;
    case SL_MERGE_SKIPPED:
        fprintf(stderr, "sluice: warning: %s\n", sl_merge_message(m));
        return 0;
    default:
        if (verbose)
            fprintf(stderr, "sluice: reading %s\n", sl_merge_message(m));
        return 0;
    }
}

int sl_replay_run(const struct sl_file_list *l, const struct sluice_config *cfg,
                  struct sl_workers *ws, bool verbose, bool quiet, uint64_t *packets)
{
    /* The engine's clock starts at the first packet; INT64_MIN: none read yet. */
    int64_t clock_us = INT64_MIN;
    *packets = 0;
    char err[512];
    struct sl_merge *m = sl_merge_new(l->path, l->n, MAX_OPEN_CAPTURES, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "sluice: %s\n", err);
        return 2;
    }
    sl_workers_set_sources(ws, l->path, l->n);
    struct sl_progress pg;
    sl_progress_init(&pg, stderr, !quiet && isatty(STDERR_FILENO), sl_merge_total_bytes(m));
    unsigned nw = sl_workers_count(ws);
    bool decode_here = true;
    int status = 0, r;
    struct sl_merge_pkt mp;
    while (!sl_signals_stop() && (r = sl_merge_next(m, &mp)) != SL_MERGE_END) {
        if (r != SL_MERGE_PACKET) {
            if (merge_note(m, r, &pg, verbose))
                status = 2;
            continue;
        }
        const struct sl_capfile_pkt *p = &mp.p;
        sluice_packet sp = {
            .ts_sec = p->ts_sec,
            .ts_usec = p->ts_usec,
            .linktype = p->linktype,
            .data = p->data,
            .caplen = p->caplen,
            .wirelen = p->wirelen,
        };
        struct sl_qpkt h = {
            .caplen = p->caplen,
            .wirelen = p->wirelen,
            .linktype = p->linktype,
            .ts_sec = p->ts_sec,
            .ts_usec = p->ts_usec,
            .source = (int32_t)mp.file,
            .pcap_cnt = mp.cnt,
            .clock_us = clock_us,
        };
        /*
         * Several workers: the packet is decoded here to pick one, and goes with its decoding.
         * One: decoded here only while the worker is the slower (its queue over half full).
         * On long flows of full-size packets the reader, copying every byte, is the slower.
         */
        if ((sl_merge_packets(m) & 1023) == 1)
            decode_here = nw > 1 || sl_workers_behind(ws, 0, 0);
        if (decode_here) {
            struct sl_qdecoded dec;
            sl_workers_decode(&sp, &dec);
            sl_workers_push(ws, 0, sl_dispatch_decoded(cfg, &dec.pkt, nw), &h, &dec, p->data, true);
        } else {
            sl_workers_push(ws, 0, 0, &h, NULL, p->data, true);
        }
        int64_t ts = p->ts_sec * US_PER_SEC + p->ts_usec;
        if (ts > clock_us)
            clock_us = ts;
        if ((sl_merge_packets(m) & 1023) == 0)
            sl_workers_poll_signals(ws);
        if (sl_progress_due(&pg))
            sl_progress_draw(&pg, sl_merge_bytes_read(m), sl_merge_packets(m));
    }
    sl_progress_finish(&pg, sl_merge_bytes_read(m), sl_merge_packets(m));
    if (sl_merge_late_files(m) && !quiet)
        fprintf(stderr,
                "sluice: warning: %u captures were read late: more than %d overlapped in time\n",
                sl_merge_late_files(m), MAX_OPEN_CAPTURES);
    *packets = sl_merge_packets(m);
    sl_merge_free(m);
    /* Every engine ends at the newest time read, as one engine would, whatever it was given. */
    struct sl_qpkt tick = {.linktype = -1, .source = -1, .clock_us = clock_us};
    for (unsigned w = 0; w < sl_workers_count(ws); w++)
        sl_workers_push(ws, 0, w, &tick, NULL, NULL, true);
    return status;
}
