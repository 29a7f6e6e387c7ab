/*
 * merge.c - k-way merge of capture files by packet time (see merge.h).
 *
 * A binary min-heap holds the open files, keyed by (time of the file's
 * current packet, file index); files not yet open wait in a list sorted by
 * (first packet time, file index) and join the heap when the stream reaches
 * their first packet.  The packet handed out stays in its file's buffer
 * until the next call, which is when that file is read on.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"

#define US_PER_SEC 1000000LL

enum src_state { SRC_PENDING, SRC_OPEN, SRC_DONE };

struct src {
    struct sl_capfile *cf;
    int64_t first_us; /* time of the first packet, read at sl_merge_new */
    int64_t cur_us;   /* time of the current packet while open */
    uint64_t size, cnt;
    struct sl_capfile_pkt cur;
    enum src_state state;
    bool late;
};

struct sl_merge {
    char *const *paths;
    unsigned n, max_open;
    struct src *s;
    unsigned *order; /* files by (first_us, index): the opening order */
    unsigned next_pending;
    unsigned *heap; /* open files, min-heap on (cur_us, index) */
    unsigned nheap;
    int advance; /* the file whose packet was handed out last, -1 none */
    uint64_t total_bytes, done_bytes, packets;
    unsigned late;
    char msg[1200];
};

static int64_t ts_of(const struct sl_capfile_pkt *p)
{
    return p->ts_sec * US_PER_SEC + p->ts_usec;
}

/*
 * The first packet's time; INT64_MIN when it cannot be read, so its error comes first.
 * -2 when the file cannot be opened (err says why), else what sl_capfile_next said.
 */
static int first_time(const char *path, int64_t *out, uint64_t *size, char *err, size_t errlen)
{
    struct sl_capfile *f = sl_capfile_open(path, err, errlen);
    if (!f)
        return -2;
    struct sl_capfile_pkt p;
    int r = sl_capfile_next(f, &p);
    *size = sl_capfile_size(f);
    *out = r == 1 ? ts_of(&p) : r == 0 ? INT64_MAX : INT64_MIN;
    sl_capfile_close(f);
    return r;
}

static const struct sl_merge *sort_ctx;

static int cmp_first(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    int64_t tx = sort_ctx->s[x].first_us, ty = sort_ctx->s[y].first_us;
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return x < y ? -1 : x > y;
}

struct sl_merge *sl_merge_new(char *const *paths, unsigned n, unsigned max_open, char *err,
                              size_t errlen)
{
    struct sl_merge *m = calloc(1, sizeof(*m));
    if (!m || !(m->s = calloc(n ? n : 1, sizeof(*m->s))) ||
        !(m->order = calloc(n ? n : 1, sizeof(unsigned))) ||
        !(m->heap = calloc(n ? n : 1, sizeof(unsigned)))) {
        snprintf(err, errlen, "out of memory for %u inputs", n);
        sl_merge_free(m);
        return NULL;
    }
    m->paths = paths;
    m->n = n;
    m->max_open = max_open ? max_open : 1;
    m->advance = -1;
    for (unsigned i = 0; i < n; i++) {
        struct src *s = &m->s[i];
        int r = first_time(paths[i], &s->first_us, &s->size, err, errlen);
        if (r == -2) {
            sl_merge_free(m);
            return NULL;
        }
        m->total_bytes += s->size;
        if (r == 0) { /* no packets: nothing to merge, all of it read */
            s->state = SRC_DONE;
            m->done_bytes += s->size;
        }
        m->order[i] = i;
    }
    sort_ctx = m;
    qsort(m->order, n, sizeof(unsigned), cmp_first);
    sort_ctx = NULL;
    return m;
}

static bool before(const struct sl_merge *m, unsigned a, unsigned b)
{
    if (m->s[a].cur_us != m->s[b].cur_us)
        return m->s[a].cur_us < m->s[b].cur_us;
    return a < b;
}

static void sift_up(struct sl_merge *m, unsigned i)
{
    while (i > 0) {
        unsigned parent = (i - 1) / 2;
        if (!before(m, m->heap[i], m->heap[parent]))
            break;
        unsigned t = m->heap[i];
        m->heap[i] = m->heap[parent];
        m->heap[parent] = t;
        i = parent;
    }
}

static void sift_down(struct sl_merge *m, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, min = i;
        if (l < m->nheap && before(m, m->heap[l], m->heap[min]))
            min = l;
        if (r < m->nheap && before(m, m->heap[r], m->heap[min]))
            min = r;
        if (min == i)
            return;
        unsigned t = m->heap[i];
        m->heap[i] = m->heap[min];
        m->heap[min] = t;
        i = min;
    }
}

static void pop_root(struct sl_merge *m)
{
    m->heap[0] = m->heap[--m->nheap];
    if (m->nheap)
        sift_down(m, 0);
}

/* A file is finished: account its bytes, close it; a note when it ended badly. */
static int finish(struct sl_merge *m, unsigned idx, int r)
{
    struct src *s = &m->s[idx];
    int note = SL_MERGE_END;
    if (r < 0) {
        snprintf(m->msg, sizeof(m->msg), "%s", sl_capfile_error(s->cf));
        note = SL_MERGE_ERROR;
    } else if (sl_capfile_truncated(s->cf)) {
        snprintf(m->msg, sizeof(m->msg), "%s: offset %llu: last packet cut short (file truncated)",
                 m->paths[idx], (unsigned long long)sl_capfile_truncated_at(s->cf));
        note = SL_MERGE_CUT;
    } else {
        /* Records read past are counted and said, never dropped silently. */
        struct sl_capfile_stats cs;
        sl_capfile_stats(s->cf, &cs);
        if (cs.skipped_records || cs.caplen_clamped) {
            snprintf(m->msg, sizeof(m->msg),
                     "%s: %llu records skipped (too long, or on an undefined interface), %llu "
                     "captured lengths above the snap or wire length",
                     m->paths[idx], (unsigned long long)cs.skipped_records,
                     (unsigned long long)cs.caplen_clamped);
            note = SL_MERGE_SKIPPED;
        }
    }
    m->done_bytes += s->size;
    sl_capfile_close(s->cf);
    s->cf = NULL;
    s->state = SRC_DONE;
    return note;
}

/* Read the next packet of the file at the heap's root and restore the heap. */
static int advance_root(struct sl_merge *m)
{
    unsigned idx = m->heap[0];
    struct src *s = &m->s[idx];
    int r = sl_capfile_next(s->cf, &s->cur);
    if (r == 1) {
        s->cur_us = ts_of(&s->cur);
        sift_down(m, 0);
        return SL_MERGE_END;
    }
    pop_root(m);
    return finish(m, idx, r);
}

/* Open the next pending file if the stream has reached its first packet. */
static int open_due(struct sl_merge *m, bool *opened)
{
    *opened = false;
    while (m->next_pending < m->n) {
        unsigned idx = m->order[m->next_pending];
        struct src *s = &m->s[idx];
        if (s->state == SRC_DONE) {
            m->next_pending++;
            continue;
        }
        if (m->nheap) {
            s->cur_us = s->first_us;
            if (!before(m, idx, m->heap[0]))
                return SL_MERGE_END;
            if (m->nheap >= m->max_open) {
                if (!s->late) {
                    s->late = true;
                    m->late++;
                }
                return SL_MERGE_END;
            }
        }
        m->next_pending++;
        char err[512];
        s->cf = sl_capfile_open(m->paths[idx], err, sizeof(err));
        if (!s->cf) {
            snprintf(m->msg, sizeof(m->msg), "%s", err);
            s->state = SRC_DONE;
            m->done_bytes += s->size;
            return SL_MERGE_ERROR;
        }
        s->state = SRC_OPEN;
        *opened = true;
        snprintf(m->msg, sizeof(m->msg), "%s (%s)", m->paths[idx], sl_capfile_format(s->cf));
        int r = sl_capfile_next(s->cf, &s->cur);
        if (r != 1) {
            int note = finish(m, idx, r);
            return note != SL_MERGE_END ? note : SL_MERGE_OPENED;
        }
        s->cnt = 0;
        s->cur_us = ts_of(&s->cur);
        m->heap[m->nheap++] = idx;
        sift_up(m, m->nheap - 1);
        return SL_MERGE_OPENED;
    }
    return SL_MERGE_END;
}

int sl_merge_next(struct sl_merge *m, struct sl_merge_pkt *out)
{
    if (m->advance >= 0) {
        m->advance = -1;
        int note = advance_root(m);
        if (note != SL_MERGE_END)
            return note;
    }
    bool opened;
    int note = open_due(m, &opened);
    if (note != SL_MERGE_END)
        return note;
    if (!m->nheap)
        return SL_MERGE_END;
    unsigned idx = m->heap[0];
    struct src *s = &m->s[idx];
    out->p = s->cur;
    out->file = idx;
    out->path = m->paths[idx];
    out->cnt = ++s->cnt;
    m->packets++;
    m->advance = (int)idx;
    return SL_MERGE_PACKET;
}

const char *sl_merge_message(const struct sl_merge *m)
{
    return m->msg;
}

uint64_t sl_merge_total_bytes(const struct sl_merge *m)
{
    return m->total_bytes;
}

uint64_t sl_merge_bytes_read(const struct sl_merge *m)
{
    uint64_t b = m->done_bytes;
    for (unsigned i = 0; i < m->nheap; i++) {
        struct sl_capfile_stats st;
        sl_capfile_stats(m->s[m->heap[i]].cf, &st);
        b += st.bytes_read;
    }
    return b;
}

uint64_t sl_merge_packets(const struct sl_merge *m)
{
    return m->packets;
}

unsigned sl_merge_late_files(const struct sl_merge *m)
{
    return m->late;
}

unsigned sl_merge_open_files(const struct sl_merge *m)
{
    return m->nheap;
}

void sl_merge_free(struct sl_merge *m)
{
    if (!m)
        return;
    for (unsigned i = 0; m->s && i < m->n; i++)
        if (m->s[i].cf)
            sl_capfile_close(m->s[i].cf);
    free(m->s);
    free(m->order);
    free(m->heap);
    free(m);
}
