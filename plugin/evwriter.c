/*
 * evwriter.c - the evidence writer thread (see evwriter.h).
 *
 * The queue is a byte ring under one mutex: a 16-byte job header (flow id,
 * operation, length) and the bytes, either of which may wrap.  The thread
 * copies out the jobs queued (up to a quarter of the queue), gives the space
 * back, and does the file work without the lock.  It keeps up to OPEN_FILES
 * files open (a flow after its alert writes a ring-full of packets at a
 * time) and closes the oldest past that.
 *
 * Jobs are gathered for up to BATCH_MS (or until a quarter of the ring is
 * used, or a sync is asked) before the thread wakes for them.  A replay of
 * real traffic raises tens of thousands of alerts: waking the thread for
 * each was a context switch and a contended lock per alert, on a machine
 * whose cores the reader and the worker already keep busy.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evwriter.h"
#include "thread.h"

#define OPEN_FILES 16 /* per engine: sluice's 64 workers at most stay within 1024 descriptors */
#define MIN_QUEUE  (1u << 20)
#define BATCH_MS   100

enum op { OP_CREATE, OP_APPEND, OP_CLOSE, OP_SYNC, OP_STOP };

struct job {
    uint64_t flow_id;
    uint32_t op, len;
};

struct open_file {
    uint64_t flow_id;
    FILE *fp;
};

struct sl_evwriter {
    char dir[1100];
    bool dir_made;
    pthread_t th;
    pthread_mutex_t lock;
    pthread_cond_t more, space, synced;
    uint8_t *q;
    size_t cap, head, used; /* ring: bytes [head, head + used) mod cap are jobs */
    uint64_t sync_asked, sync_done, errors, waits;
    bool urgent;    /* a sync or stop is queued: no gathering */
    uint8_t *batch; /* the thread's copy of the jobs it works on */
    size_t batch_cap;
    size_t max_write;
    struct open_file open[OPEN_FILES];
    unsigned open_next;
};

static void ring_put(struct sl_evwriter *w, const void *src, size_t n)
{
    size_t at = (w->head + w->used) % w->cap, first = n < w->cap - at ? n : w->cap - at;
    memcpy(w->q + at, src, first);
    memcpy(w->q, (const uint8_t *)src + first, n - first);
    w->used += n;
}

/* The job header `off` bytes into the queued bytes. */
static void ring_peek_job(const struct sl_evwriter *w, size_t off, struct job *j)
{
    size_t at = (w->head + off) % w->cap,
           first = sizeof(*j) < w->cap - at ? sizeof(*j) : w->cap - at;
    memcpy(j, w->q + at, first);
    memcpy((uint8_t *)j + first, w->q, sizeof(*j) - first);
}

/* Bytes of the whole jobs at the queue's head that fit in the thread's batch buffer. */
static size_t batch_bytes(const struct sl_evwriter *w)
{
    size_t n = 0;
    while (n < w->used) {
        struct job j;
        ring_peek_job(w, n, &j);
        if (n + sizeof(j) + j.len > w->batch_cap)
            break;
        n += sizeof(j) + j.len;
    }
    return n;
}

static void ring_take(struct sl_evwriter *w, void *dst, size_t n)
{
    size_t first = n < w->cap - w->head ? n : w->cap - w->head;
    memcpy(dst, w->q + w->head, first);
    memcpy((uint8_t *)dst + first, w->q, n - first);
    w->head = (w->head + n) % w->cap;
    w->used -= n;
}

/* Queue a job, waiting while the ring has no room for it. */
static void put_job(struct sl_evwriter *w, uint64_t flow_id, enum op op, const void *data,
                    size_t len)
{
    struct job j = {flow_id, op, (uint32_t)len};
    pthread_mutex_lock(&w->lock);
    if (w->cap - w->used < sizeof(j) + len)
        w->waits++;
    while (w->cap - w->used < sizeof(j) + len)
        pthread_cond_wait(&w->space, &w->lock);
    size_t before = w->used;
    ring_put(w, &j, sizeof(j));
    if (len)
        ring_put(w, data, len);
    if (op == OP_SYNC || op == OP_STOP)
        w->urgent = true;
    /* The thread sleeps untimed only on an empty ring; otherwise it gathers until one of these. */
    if (before == 0 || w->urgent || (before < w->cap / 4 && w->used >= w->cap / 4))
        pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->lock);
}

static struct open_file *find(struct sl_evwriter *w, uint64_t flow_id)
{
    for (unsigned k = 0; k < OPEN_FILES; k++)
        if (w->open[k].fp && w->open[k].flow_id == flow_id)
            return &w->open[k];
    return NULL;
}

static void close_one(struct open_file *o, bool *err)
{
    if (o && o->fp) {
        if (fclose(o->fp) != 0)
            *err = true;
        o->fp = NULL;
    }
}

static bool write_job(struct sl_evwriter *w, const struct job *j, const uint8_t *data, bool *err)
{
    struct open_file *o = find(w, j->flow_id);
    if (o && j->op == OP_CREATE)
        close_one(o, err), o = NULL;
    if (!o) {
        if (!w->dir_made) {
            if (mkdir(w->dir, 0750) != 0 && errno != EEXIST)
                return false;
            w->dir_made = true;
        }
        char path[1200];
        snprintf(path, sizeof(path), "%s/%" PRIu64 ".pcap", w->dir, j->flow_id);
        o = &w->open[w->open_next];
        w->open_next = (w->open_next + 1) % OPEN_FILES;
        close_one(o, err);
        if (!(o->fp = fopen(path, j->op == OP_CREATE ? "wb" : "ab")))
            return false;
        o->flow_id = j->flow_id;
    }
    if (j->len && fwrite(data, j->len, 1, o->fp) != 1) {
        close_one(o, err);
        return false;
    }
    return true;
}

/* Do one job; true when it was the stop. */
static bool do_job(struct sl_evwriter *w, const struct job *j, const uint8_t *data, bool *err)
{
    if (j->op == OP_CREATE || j->op == OP_APPEND) {
        if (!write_job(w, j, data, err))
            *err = true;
    } else if (j->op == OP_CLOSE) {
        close_one(find(w, j->flow_id), err);
    } else { /* OP_SYNC, OP_STOP */
        for (unsigned k = 0; k < OPEN_FILES; k++) {
            if (j->op == OP_STOP)
                close_one(&w->open[k], err);
            else if (w->open[k].fp && fflush(w->open[k].fp) != 0)
                *err = true;
        }
    }
    return j->op == OP_STOP;
}

static void *writer_main(void *arg)
{
    struct sl_evwriter *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->used == 0)
            pthread_cond_wait(&w->more, &w->lock);
        struct timespec until = sl_deadline_in(BATCH_MS);
        while (!w->urgent && w->used < w->cap / 4 &&
               pthread_cond_timedwait(&w->more, &w->lock, &until) != ETIMEDOUT)
            ;
        size_t n = batch_bytes(w);
        ring_take(w, w->batch, n);
        w->urgent = w->urgent && w->used > 0; /* a sync may be among what is left */
        pthread_cond_broadcast(&w->space);
        pthread_mutex_unlock(&w->lock);

        uint64_t errors = 0, synced = 0;
        bool stop = false;
        for (size_t at = 0; at < n && !stop;) {
            struct job j;
            memcpy(&j, w->batch + at, sizeof(j));
            at += sizeof(j);
            bool err = false;
            stop = do_job(w, &j, w->batch + at, &err);
            at += j.len;
            errors += err;
            if (j.op == OP_SYNC || j.op == OP_STOP)
                synced = j.flow_id;
        }
        pthread_mutex_lock(&w->lock);
        w->errors += errors;
        if (synced) {
            w->sync_done = synced;
            pthread_cond_broadcast(&w->synced);
        }
        if (stop)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct sl_evwriter *sl_evwriter_new(const char *dir, size_t max_write)
{
    struct sl_evwriter *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    snprintf(w->dir, sizeof(w->dir), "%s", dir);
    w->max_write = max_write;
    w->cap = 2 * (max_write + sizeof(struct job)) > MIN_QUEUE ? 2 * (max_write + sizeof(struct job))
                                                              : MIN_QUEUE;
    w->q = malloc(w->cap);
    /* A quarter of the queue a batch (the gathering threshold), and never less than one job. */
    w->batch_cap =
        w->cap / 4 > max_write + sizeof(struct job) ? w->cap / 4 : max_write + sizeof(struct job);
    w->batch = malloc(w->batch_cap);
    if (!w->q || !w->batch)
        goto fail;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->more, NULL);
    pthread_cond_init(&w->space, NULL);
    pthread_cond_init(&w->synced, NULL);
    int r = sl_thread_start(&w->th, writer_main, w);
    if (r != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->more);
        pthread_cond_destroy(&w->space);
        pthread_cond_destroy(&w->synced);
        goto fail;
    }
    return w;
fail:
    free(w->q);
    free(w->batch);
    free(w);
    return NULL;
}

/* Queue a sync-like job and wait until the thread has done it. */
static void barrier(struct sl_evwriter *w, enum op op)
{
    pthread_mutex_lock(&w->lock);
    uint64_t seq = ++w->sync_asked;
    pthread_mutex_unlock(&w->lock);
    put_job(w, seq, op, NULL, 0);
    pthread_mutex_lock(&w->lock);
    while (w->sync_done < seq)
        pthread_cond_wait(&w->synced, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

void sl_evwriter_free(struct sl_evwriter *w)
{
    if (!w)
        return;
    barrier(w, OP_STOP);
    pthread_join(w->th, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->more);
    pthread_cond_destroy(&w->space);
    pthread_cond_destroy(&w->synced);
    free(w->q);
    free(w->batch);
    free(w);
}

void sl_evwriter_write(struct sl_evwriter *w, uint64_t flow_id, bool create, const void *data,
                       size_t len)
{
    if (len > w->max_write) { /* a caller's bug: never overrun the thread's buffer */
        pthread_mutex_lock(&w->lock);
        w->errors++;
        pthread_mutex_unlock(&w->lock);
        return;
    }
    put_job(w, flow_id, create ? OP_CREATE : OP_APPEND, data, len);
}

void sl_evwriter_close(struct sl_evwriter *w, uint64_t flow_id)
{
    put_job(w, flow_id, OP_CLOSE, NULL, 0);
}

void sl_evwriter_sync(struct sl_evwriter *w)
{
    barrier(w, OP_SYNC);
}

void sl_evwriter_counts(struct sl_evwriter *w, uint64_t *errors, uint64_t *waits)
{
    pthread_mutex_lock(&w->lock);
    *errors = w->errors;
    *waits = w->waits;
    pthread_mutex_unlock(&w->lock);
}
