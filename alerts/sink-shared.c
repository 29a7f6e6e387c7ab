/*
 * sink-shared.c - a sink shared by several engines, behind one lock.
 *
 * The lock is held for one write: an EVE line is a few hundred bytes and
 * the file sink writes it with one writev, so workers wait on each other
 * far less than they spend on a packet.  Reopen (SIGHUP) arrives from every
 * worker; each call reopens the file again, which is harmless (lines before
 * it went to the renamed file, lines after it to the new one).
 */
#include <pthread.h>
#include <stdlib.h>

#include "sink-shared.h"

struct sl_sink_handle {
    struct sl_sink_shared *owner;
    int open;
};

struct sl_sink_shared {
    pthread_mutex_t lock;
    const sluice_sink_ops *ops;
    void *ctx;
    sluice_sink_ops shared_ops; /* the forwarders, under the real sink's name */
    unsigned users, open;
    struct sl_sink_handle h[];
};

static int shared_write(void *ctx, unsigned type, const char *line, size_t len);
static int shared_flush(void *ctx);
static int shared_reopen(void *ctx);
static void shared_close(void *ctx);
static void shared_stats(void *ctx, sluice_sink_stats *out);

struct sl_sink_shared *sl_sink_shared_new(const sluice_sink_ops *ops, void *ctx, unsigned users)
{
    struct sl_sink_shared *s = calloc(1, sizeof(*s) + users * sizeof(s->h[0]));
    if (!s || users == 0) {
        free(s);
        if (ops->close)
            ops->close(ctx);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->ops = ops;
    s->ctx = ctx;
    s->users = s->open = users;
    s->shared_ops = (sluice_sink_ops){
        .name = ops->name,
        .write = shared_write,
        .flush = shared_flush,
        .reopen = shared_reopen,
        .close = shared_close,
        .stats = ops->stats ? shared_stats : NULL,
    };
    for (unsigned i = 0; i < users; i++) {
        s->h[i].owner = s;
        s->h[i].open = 1;
    }
    return s;
}

void *sl_sink_shared_handle(struct sl_sink_shared *s, unsigned i)
{
    return i < s->users ? &s->h[i] : NULL;
}

static int shared_write(void *ctx, unsigned type, const char *line, size_t len)
{
    struct sl_sink_shared *s = ((struct sl_sink_handle *)ctx)->owner;
    pthread_mutex_lock(&s->lock);
    int r = s->ops->write(s->ctx, type, line, len);
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int shared_flush(void *ctx)
{
    struct sl_sink_shared *s = ((struct sl_sink_handle *)ctx)->owner;
    if (!s->ops->flush)
        return 0;
    pthread_mutex_lock(&s->lock);
    int r = s->ops->flush(s->ctx);
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int shared_reopen(void *ctx)
{
    struct sl_sink_shared *s = ((struct sl_sink_handle *)ctx)->owner;
    if (!s->ops->reopen)
        return 0;
    pthread_mutex_lock(&s->lock);
    int r = s->ops->reopen(s->ctx);
    pthread_mutex_unlock(&s->lock);
    return r;
}

/* The real sink's counters are the whole sensor's: every worker's stats event shows the same. */
static void shared_stats(void *ctx, sluice_sink_stats *out)
{
    struct sl_sink_shared *s = ((struct sl_sink_handle *)ctx)->owner;
    pthread_mutex_lock(&s->lock);
    s->ops->stats(s->ctx, out);
    pthread_mutex_unlock(&s->lock);
}

/* The last handle closed closes the real sink and frees the whole. */
static void shared_close(void *ctx)
{
    struct sl_sink_handle *h = ctx;
    struct sl_sink_shared *s = h->owner;
    pthread_mutex_lock(&s->lock);
    unsigned left = s->open;
    if (h->open) {
        h->open = 0;
        left = --s->open;
    }
    pthread_mutex_unlock(&s->lock);
    if (left)
        return;
    if (s->ops->close)
        s->ops->close(s->ctx);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void sl_sink_shared_release(struct sl_sink_shared *s, unsigned i)
{
    if (i < s->users)
        shared_close(&s->h[i]);
}

const sluice_sink_ops *sl_sink_shared_ops(const struct sl_sink_shared *s)
{
    return &s->shared_ops;
}
