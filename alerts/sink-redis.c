/*
 * sink-redis.c - events to Redis (LPUSH, RPUSH, PUBLISH or XADD), never
 * losing one and never making the packet path wait.
 *
 * write() copies the line into a ring buffer under a mutex and returns; an
 * output thread takes batches from the ring and sends them pipelined (append
 * N commands, then read N replies).  What Redis does not acknowledge (it is
 * down, slow past the command timeout, or answers with an error: OOM, NOAUTH)
 * goes to the on-disk spool in order, and the spool is delivered first once
 * Redis is back, so the order of events is kept.  Delivery is at least once:
 * a batch cut off mid-way is sent again from its first unacknowledged
 * command, and consumers drop repeats by event_id.
 *
 * The ring is read in place: the producer writes only outside [rpos, wpos),
 * so the thread needs the lock just to read the positions and to give the
 * space back after a batch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <hiredis.h>

#include "sink-redis.h"
#include "spool.h"
#include "thread.h"

enum mode { M_LPUSH, M_RPUSH, M_PUBLISH, M_XADD };

/* A ring record: this header, then `len` bytes, padded to 8. */
struct rec {
    uint32_t len, type;
};
#define WRAP    UINT32_MAX /* the rest of the ring up to its end is unused */
#define PAD8(n) (((uint64_t)(n) + 7) & ~(uint64_t)7)

/* One command of a batch. */
struct item {
    const char *line;
    size_t len;
    unsigned type;
    struct sl_spool_pos after; /* spool batches: the position after this line */
};

/* Keys by event type: base, alert, flow, stats, flow_update. */
#define NKEYS 5

struct redis_sink {
    /* settings, fixed at open */
    char where[1100]; /* "host:port" or the socket path, for messages */
    char host[256], sock[1024];
    int port;
    enum mode mode;
    char keys[NKEYS][300];
    char user[128], pass[256];
    unsigned db;
    struct timeval conn_tv, cmd_tv;
    char maxlen[24];
    unsigned batch;
    char spool_dir[2200];
    uint32_t drain_s;
    bool quiet;
    bool wait_for_room; /* a replay: write() waits while the ring is full, never drops */

    /* shared with write(), under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t room;      /* the thread took events off the ring (wait_for_room) */
    unsigned writers_waiting; /* writers waiting on `room` */
    char *ring;
    uint64_t cap, wpos, rpos;
    bool waiting, stopping;
    uint64_t queued_at_wait; /* `queued` when the thread went to sleep */
    int64_t deadline_ms;
    uint64_t queued, delivered, spooled, dropped, errors, spool_bytes;
    uint64_t dropped_queue; /* of `dropped`: the ring was full */
    bool connected;
    char last_error[256];

    /* the output thread's own */
    pthread_t thread;
    bool started;
    redisContext *rc;
    struct sl_spool *spool;
    struct item *items;
    struct iovec *iov;   /* spooling a batch */
    uint64_t peek_start; /* rpos when the batch being handled was taken */
    int64_t backoff_ms, next_try_ms;
    char logged[256]; /* the error last written to stderr ("" after a success) */
    bool spool_full;  /* a spool-full episode is under way (logged once) */
    uint64_t queue_drops_logged;
    bool queue_full; /* a queue-full episode is under way (logged at start and end) */
};

/* The longest an event waits in the queue before the thread looks. */
#define WAIT_MS        50
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An error: counted, kept for stats, and written to stderr once until things work again. */
static void note_error(struct redis_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_error(struct redis_sink *s, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&s->mu);
    s->errors++;
    snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
    pthread_mutex_unlock(&s->mu);
    if (strcmp(msg, s->logged) != 0) {
        fprintf(stderr, "sluice: redis %s: %s; events are kept (memory, then spool %s)\n", s->where,
                msg, s->spool_dir);
        snprintf(s->logged, sizeof(s->logged), "%s", msg);
    }
}

static void set_connected(struct redis_sink *s, bool on)
{
    pthread_mutex_lock(&s->mu);
    s->connected = on;
    pthread_mutex_unlock(&s->mu);
}

static void disconnect(struct redis_sink *s)
{
    if (s->rc)
        redisFree(s->rc);
    s->rc = NULL;
    set_connected(s, false);
    s->next_try_ms = now_ms() + s->backoff_ms;
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* One command on a fresh connection; 0, or -1 with the reason in why. */
static int setup_command(redisContext *c, char *why, size_t n, const char *what, const char *hint,
                         int argc, const char **argv)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    if (!r) {
        snprintf(why, n, "%s: %s", what, c->errstr);
        return -1;
    }
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(why, n, "%s: %s%s", what, r->str, hint);
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

static void try_connect(struct redis_sink *s)
{
    redisContext *c = s->sock[0] ? redisConnectUnixWithTimeout(s->sock, s->conn_tv)
                                 : redisConnectWithTimeout(s->host, s->port, s->conn_tv);
    char why[256], db[16];
    if (!c || c->err) {
        snprintf(why, sizeof(why), "cannot connect: %s", c ? c->errstr : "out of memory");
        goto fail;
    }
    redisSetTimeout(c, s->cmd_tv);
    if (s->pass[0]) {
        const char *a[] = {"AUTH", s->user, s->pass};
        int argc = s->user[0] ? 3 : 2;
        if (!s->user[0])
            a[1] = s->pass;
        if (setup_command(c, why, sizeof(why), "AUTH failed",
                          " (check redis.username and redis.password)", argc, a) != 0)
            goto fail;
    }
    if (s->db) {
        snprintf(db, sizeof(db), "%u", s->db);
        const char *a[] = {"SELECT", db};
        if (setup_command(c, why, sizeof(why), "SELECT failed", " (check redis.db)", 2, a) != 0)
            goto fail;
    }
    /* Without a password a server with requirepass answers NOAUTH here, not at connect. */
    const char *ping[] = {"PING"};
    if (setup_command(c, why, sizeof(why), "refused",
                      s->pass[0] ? "" : " (the server wants a password: set redis.password)", 1,
                      ping) != 0)
        goto fail;
    s->rc = c;
    s->backoff_ms = BACKOFF_MIN_MS;
    set_connected(s, true);
    if (s->logged[0]) {
        uint64_t pending = sl_spool_pending(s->spool);
        fprintf(stderr, "sluice: redis %s: connected; delivering %llu spooled bytes first\n",
                s->where, (unsigned long long)pending);
        s->logged[0] = '\0';
    }
    return;
fail:
    if (c)
        redisFree(c);
    note_error(s, "%s", why);
    s->next_try_ms = now_ms() + s->backoff_ms;
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static unsigned type_of_line(const char *line, size_t len)
{
    /* The engine writes event_type near the start; a string value cannot hold this unescaped. */
    static const char tag[] = "\"event_type\":\"";
    const char *p = memmem(line, len, tag, sizeof(tag) - 1);
    if (!p)
        return 0;
    p += sizeof(tag) - 1;
    size_t left = len - (size_t)(p - line);
    static const struct {
        const char *name;
        unsigned type;
    } names[] = {{"alert\"", SLUICE_EVENT_ALERT},
                 {"flow\"", SLUICE_EVENT_FLOW},
                 {"stats\"", SLUICE_EVENT_STATS},
                 {"flow_update\"", SLUICE_EVENT_FLOW_UPDATE}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = strlen(names[i].name);
        if (left >= n && !memcmp(p, names[i].name, n))
            return names[i].type;
    }
    return 0;
}

static const char *key_of(const struct redis_sink *s, unsigned type)
{
    switch (type) {
    case SLUICE_EVENT_ALERT:
        return s->keys[1];
    case SLUICE_EVENT_FLOW:
        return s->keys[2];
    case SLUICE_EVENT_STATS:
        return s->keys[3];
    case SLUICE_EVENT_FLOW_UPDATE:
        return s->keys[4];
    default:
        return s->keys[0];
    }
}

static int append_cmd(struct redis_sink *s, unsigned type, const char *line, size_t len)
{
    static const char *const verbs[] = {"LPUSH", "RPUSH", "PUBLISH", "XADD"};
    const char *argv[8];
    size_t lens[8];
    int argc = 0;
    argv[argc++] = verbs[s->mode];
    argv[argc++] = key_of(s, type);
    if (s->mode == M_XADD) {
        argv[argc++] = "MAXLEN";
        argv[argc++] = "~";
        argv[argc++] = s->maxlen;
        argv[argc++] = "*";
        argv[argc++] = "eve";
    }
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    argv[argc] = line;
    lens[argc++] = len;
    return redisAppendCommandArgv(s->rc, argc, argv, lens) == REDIS_OK ? 0 : -1;
}

/* Read the replies of `n` appended commands: how many from the first Redis acknowledged. */
static unsigned read_replies(struct redis_sink *s, unsigned n)
{
    unsigned ok = n;
    for (unsigned i = 0; i < n; i++) {
        redisReply *r;
        if (redisGetReply(s->rc, (void **)&r) != REDIS_OK) {
            note_error(s, "connection lost: %s", s->rc->errstr[0] ? s->rc->errstr : "closed");
            disconnect(s);
            return ok < i ? ok : i;
        }
        if (r->type == REDIS_REPLY_ERROR && ok == n) {
            ok = i;
            note_error(s, "command refused: %s", r->str);
        }
        freeReplyObject(r);
    }
    if (ok < n)
        disconnect(s); /* retry later: an OOM or a lost password may pass */
    return ok;
}

/* Up to `batch` queued events, read in place; *end is the ring position after them. */
static unsigned peek_queue(struct redis_sink *s, uint64_t *end)
{
    pthread_mutex_lock(&s->mu);
    uint64_t r = s->rpos, w = s->wpos;
    pthread_mutex_unlock(&s->mu);
    s->peek_start = r;
    unsigned n = 0;
    while (r < w && n < s->batch) {
        uint64_t at = r % s->cap;
        const struct rec *h = (const struct rec *)(s->ring + at);
        if (h->len == WRAP) {
            r += s->cap - at;
            continue;
        }
        s->items[n].line = (const char *)(h + 1);
        s->items[n].len = h->len;
        s->items[n].type = h->type;
        n++;
        r += sizeof(*h) + PAD8(h->len);
    }
    /* A wrap marker right after the last record is skipped too. */
    if (r < w && ((const struct rec *)(s->ring + r % s->cap))->len == WRAP)
        r += s->cap - r % s->cap;
    *end = r;
    return n;
}

static void release_queue(struct redis_sink *s, uint64_t end, unsigned delivered)
{
    pthread_mutex_lock(&s->mu);
    /* Nothing taken: leave rpos alone, write() may have rewound an empty ring meanwhile. */
    if (end != s->peek_start)
        s->rpos = end;
    s->delivered += delivered;
    if (s->writers_waiting)
        pthread_cond_broadcast(&s->room);
    pthread_mutex_unlock(&s->mu);
}

static void spool_items(struct redis_sink *s, unsigned from, unsigned n)
{
    if (from >= n)
        return;
    for (unsigned i = from; i < n; i++) {
        s->iov[i - from].iov_base = (void *)s->items[i].line;
        s->iov[i - from].iov_len = s->items[i].len;
    }
    char why[300];
    unsigned ok = 0;
    int r = sl_spool_append_lines(s->spool, s->iov, n - from, &ok, why, sizeof(why));
    uint64_t lost = n - from - ok;
    if (lost && !s->spool_full) {
        s->spool_full = true;
        if (r > 0)
            snprintf(why, sizeof(why), "spool %.200s is full (redis.spool_max)", s->spool_dir);
        fprintf(stderr,
                "sluice: redis %s: %s: dropping events (counted in stats) until it has room\n",
                s->where, why);
    } else if (!lost && s->spool_full) {
        s->spool_full = false;
        fprintf(stderr, "sluice: redis %s: spool has room again\n", s->where);
    }
    pthread_mutex_lock(&s->mu);
    s->spooled += ok;
    s->dropped += lost;
    pthread_mutex_unlock(&s->mu);
}

static bool queue_to_spool(struct redis_sink *s)
{
    uint64_t end;
    unsigned n = peek_queue(s, &end);
    spool_items(s, 0, n);
    release_queue(s, end, 0);
    return true;
}

static bool queue_to_redis(struct redis_sink *s)
{
    uint64_t end;
    unsigned n = peek_queue(s, &end), sent = 0;
    for (; sent < n; sent++)
        if (append_cmd(s, s->items[sent].type, s->items[sent].line, s->items[sent].len) != 0)
            break;
    unsigned ok = read_replies(s, sent);
    spool_items(s, ok, n); /* in order, before anything queued later */
    release_queue(s, end, ok);
    return ok == n;
}

static bool spool_to_redis(struct redis_sink *s)
{
    unsigned n = 0;
    int r = 0;
    const char *line;
    size_t len;
    while (n < s->batch && (r = sl_spool_next(s->spool, &line, &len)) == 1) {
        if (append_cmd(s, type_of_line(line, len), line, len) != 0)
            break;
        sl_spool_tell(s->spool, &s->items[n].after);
        n++;
    }
    if (r < 0)
        note_error(s, "cannot read the spool %s: %s", s->spool_dir, strerror(errno));
    unsigned ok = read_replies(s, n);
    if (ok)
        sl_spool_commit(s->spool, &s->items[ok - 1].after);
    if (ok < n || r < 0)
        sl_spool_rewind(s->spool);
    pthread_mutex_lock(&s->mu);
    s->delivered += ok;
    pthread_mutex_unlock(&s->mu);
    return n > 0 && ok == n && r >= 0;
}

/*
 * Sleep until until_ms, new events or a stop.  `stop_seen`: the caller knows
 * of the stop already, so draining waits too (it spun through the whole
 * redis.drain_timeout when the server was away); a stop it has not seen yet
 * returns at once.
 */
static void wait_for_work(struct redis_sink *s, int64_t until_ms, bool stop_seen)
{
    int64_t now = now_ms();
    if (until_ms > now + WAIT_MS)
        until_ms = now + WAIT_MS;
    struct timespec ts = {.tv_sec = until_ms / 1000, .tv_nsec = (until_ms % 1000) * 1000000};
    pthread_mutex_lock(&s->mu);
    if (!s->stopping || stop_seen) {
        s->waiting = true;
        s->queued_at_wait = s->queued;
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        s->waiting = false;
    }
    pthread_mutex_unlock(&s->mu);
}

static void *run(void *arg)
{
    struct redis_sink *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stopping;
        int64_t deadline = s->deadline_ms;
        uint64_t used = s->wpos - s->rpos, drops = s->dropped_queue;
        pthread_mutex_unlock(&s->mu);
        if (drops > s->queue_drops_logged && !s->queue_full) {
            fprintf(stderr,
                    "sluice: redis %s: memory queue full (redis.queue_size): dropping events "
                    "(counted in stats)\n",
                    s->where);
            s->queue_full = true;
        } else if (drops == s->queue_drops_logged && s->queue_full) {
            fprintf(stderr, "sluice: redis %s: memory queue has room again; %llu events dropped\n",
                    s->where, (unsigned long long)drops);
            s->queue_full = false;
        }
        s->queue_drops_logged = drops;
        int64_t now = now_ms();
        bool late = stop && now >= deadline;
        if (!s->rc && !late && now >= s->next_try_ms)
            try_connect(s);
        bool spool_waiting = sl_spool_pending(s->spool) > 0;
        bool progress = false;
        if (used && (!s->rc || late || (spool_waiting && used > s->cap / 2)))
            progress = queue_to_spool(s);
        else if (s->rc && spool_waiting)
            progress = spool_to_redis(s);
        else if (s->rc && used)
            progress = queue_to_redis(s);
        pthread_mutex_lock(&s->mu);
        s->spool_bytes = sl_spool_pending(s->spool);
        used = s->wpos - s->rpos;
        pthread_mutex_unlock(&s->mu);
        if (stop && !used && (late || !sl_spool_pending(s->spool)))
            break;
        if (!progress) {
            int64_t until = s->rc ? now_ms() + WAIT_MS : s->next_try_ms;
            if (stop && until > deadline)
                until = deadline;
            wait_for_work(s, until, stop);
        }
    }
    if (s->rc)
        redisFree(s->rc);
    s->rc = NULL;
    set_connected(s, false);
    return NULL;
}

static int redis_write(void *ctx, unsigned type, const char *line, size_t len)
{
    struct redis_sink *s = ctx;
    uint64_t need = sizeof(struct rec) + PAD8(len);
    pthread_mutex_lock(&s->mu);
    uint64_t at, room, total;
    for (;;) {
        /* An empty ring starts again at its beginning: the same few pages stay hot (and
         * faulted in) rather than every event touching fresh memory until the first wrap. */
        if (s->wpos == s->rpos)
            s->wpos = s->rpos = 0;
        at = s->wpos % s->cap;
        room = s->cap - at;
        total = need + (room < need ? room : 0);
        /*
         * A replay loses nothing by waiting (its packets are in a file), so it waits for the
         * thread to make room: spooling, when Redis is away, takes any amount.  Only an event
         * larger than the whole ring is refused.  Live capture never waits.
         */
        if (!s->wait_for_room || s->stopping || len >= UINT32_MAX || total > s->cap ||
            s->wpos - s->rpos + total <= s->cap)
            break;
        pthread_cond_signal(&s->cv);
        s->writers_waiting++;
        pthread_cond_wait(&s->room, &s->mu);
        s->writers_waiting--;
    }
    if (len >= UINT32_MAX || s->wpos - s->rpos + total > s->cap) {
        s->dropped++;
        s->dropped_queue++;
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    if (room < need) {
        ((struct rec *)(s->ring + at))->len = WRAP;
        s->wpos += room;
        at = 0;
    }
    struct rec *r = (struct rec *)(s->ring + at);
    r->len = (uint32_t)len;
    r->type = type;
    memcpy(r + 1, line, len);
    s->wpos += need;
    s->queued++;
    /* Wake the thread for a full batch (or a quarter of the ring), not for every event: it
     * also wakes on its own every WAIT_MS, which bounds how long an event waits. */
    if (s->waiting &&
        (s->queued - s->queued_at_wait >= s->batch || s->wpos - s->rpos >= s->cap / 4))
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int redis_flush(void *ctx)
{
    /* Never waits: the thread delivers on its own; this only wakes it. */
    struct redis_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void redis_stats(void *ctx, sluice_sink_stats *o)
{
    struct redis_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    o->queued = s->queued;
    o->delivered = s->delivered;
    o->spooled = s->spooled;
    o->spool_bytes = s->spool_bytes;
    o->dropped = s->dropped;
    o->errors = s->errors;
    o->connected = s->connected;
    snprintf(o->last_error, sizeof(o->last_error), "%s", s->last_error);
    pthread_mutex_unlock(&s->mu);
}

static void free_sink(struct redis_sink *s)
{
    sl_spool_close(s->spool);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->room);
    pthread_mutex_destroy(&s->mu);
    free(s->items);
    free(s->iov);
    free(s->ring);
    free(s);
}

static void redis_close(void *ctx)
{
    struct redis_sink *s = ctx;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    s->deadline_ms = now_ms() + (int64_t)s->drain_s * 1000;
    pthread_cond_signal(&s->cv);
    pthread_cond_broadcast(&s->room); /* a writer still waiting gives up: refused, counted */
    pthread_mutex_unlock(&s->mu);
    if (s->started)
        pthread_join(s->thread, NULL);
    if (!s->quiet)
        fprintf(stderr,
                "sluice: redis %s: %llu events delivered, %llu spooled, %llu dropped; %llu bytes "
                "wait in %s\n",
                s->where, (unsigned long long)s->delivered, (unsigned long long)s->spooled,
                (unsigned long long)s->dropped, (unsigned long long)sl_spool_pending(s->spool),
                s->spool_dir);
    free_sink(s);
}

void *sl_sink_redis_open(const struct sluice_config *cfg, bool quiet, bool wait_for_room,
                         sluice_error *err)
{
    int mode = sl_config_redis_mode(cfg->redis_mode);
    if (mode < 0) {
        snprintf(err->text, sizeof(err->text), "option 'redis.mode': unknown mode '%s'",
                 cfg->redis_mode);
        return NULL;
    }
    struct redis_sink *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err->text, sizeof(err->text), "redis: out of memory");
        return NULL;
    }
    /* list lpush rpush channel publish stream xadd */
    static const enum mode modes[] = {M_LPUSH,   M_LPUSH, M_RPUSH, M_PUBLISH,
                                      M_PUBLISH, M_XADD,  M_XADD};
    s->mode = modes[mode];
    snprintf(s->host, sizeof(s->host), "%s", cfg->redis_server);
    snprintf(s->sock, sizeof(s->sock), "%s", cfg->redis_socket);
    s->port = (int)cfg->redis_port;
    if (s->sock[0])
        snprintf(s->where, sizeof(s->where), "%s", s->sock);
    else
        snprintf(s->where, sizeof(s->where), "%s:%d", s->host, s->port);
    static const char *const suffix[NKEYS] = {"", ":alert", ":flow", ":stats", ":flow_update"};
    for (int i = 0; i < NKEYS; i++)
        snprintf(s->keys[i], sizeof(s->keys[i]), "%s%s", cfg->redis_key,
                 cfg->redis_key_per_type ? suffix[i] : "");
    snprintf(s->user, sizeof(s->user), "%s", cfg->redis_username);
    snprintf(s->pass, sizeof(s->pass), "%s", cfg->redis_password);
    s->db = cfg->redis_db;
    s->conn_tv.tv_sec = cfg->redis_connect_timeout;
    s->cmd_tv.tv_sec = cfg->redis_command_timeout;
    snprintf(s->maxlen, sizeof(s->maxlen), "%llu", (unsigned long long)cfg->redis_stream_maxlen);
    s->batch = cfg->redis_batch ? cfg->redis_batch : 1;
    s->drain_s = cfg->redis_drain_timeout;
    s->quiet = quiet;
    s->wait_for_room = wait_for_room;
    s->backoff_ms = BACKOFF_MIN_MS;
    if (cfg->redis_spool_dir[0] == '/')
        snprintf(s->spool_dir, sizeof(s->spool_dir), "%s", cfg->redis_spool_dir);
    else
        snprintf(s->spool_dir, sizeof(s->spool_dir), "%s/%s", cfg->log_dir, cfg->redis_spool_dir);

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->room, NULL);
    pthread_mutex_init(&s->mu, NULL);
    s->cap = cfg->redis_queue_size & ~(uint64_t)7;
    s->ring = malloc(s->cap);
    s->items = calloc(s->batch, sizeof(*s->items));
    s->iov = calloc(s->batch, sizeof(*s->iov));
    if (!s->ring || !s->items || !s->iov) {
        snprintf(err->text, sizeof(err->text), "redis: out of memory for a %llu-byte queue",
                 (unsigned long long)s->cap);
        free_sink(s);
        return NULL;
    }
    s->spool = sl_spool_open(s->spool_dir, cfg->redis_spool_max, err);
    if (!s->spool) {
        free_sink(s);
        return NULL;
    }
    if (sl_spool_recovered(s->spool))
        fprintf(stderr,
                "sluice: redis: spool %s: cut off %llu bytes of a line cut short by a "
                "crash\n",
                s->spool_dir, (unsigned long long)sl_spool_recovered(s->spool));
    s->spool_bytes = sl_spool_pending(s->spool);
    if (s->spool_bytes && !quiet)
        fprintf(stderr, "sluice: redis %s: %llu bytes spooled by an earlier run go first\n",
                s->where, (unsigned long long)s->spool_bytes);

    /* A write to a closed socket must be EPIPE, not death: the thread takes no signals. */
    int r = sl_thread_start(&s->thread, run, s);
    if (r != 0) {
        snprintf(err->text, sizeof(err->text), "redis: cannot start the output thread: %s",
                 strerror(r));
        free_sink(s);
        return NULL;
    }
    s->started = true;
    return s;
}

const sluice_sink_ops sl_sink_redis_ops = {
    .name = "redis",
    .write = redis_write,
    .flush = redis_flush,
    .reopen = NULL,
    .close = redis_close,
    .stats = redis_stats,
};
