/*
 * sink-file.c - the EVE JSON-lines sink.
 *
 * Lines are gathered in a buffer and a writer thread of the sink's own
 * writes it while the engine fills the other (double buffering): a write(2)
 * per event on the packet thread was a quarter of a replay of short flows,
 * most of it the kernel's copy.  A buffer is handed over when it is full or
 * its oldest line is FLUSH_MS old (checked at each line and at the engine's
 * flush calls, which come at least that often); flush() also waits until it
 * is written.  Reopen, rotation, fdatasync and close wait for the writer
 * first, so the descriptor only changes between writes.  The engine waits
 * only when both buffers are full (the back pressure a synchronous write
 * gave).  Each write holds whole lines, so the file never holds half a line.
 * reopen() follows logrotate's rename-then-signal pattern: lines before it
 * are in the renamed file, lines after it in a new one.
 *
 * Optional rotation of its own (sl_sink_file_set_rotation): by size, before
 * a line would take the file past the limit, and by wall-clock time, at each
 * multiple of the interval since the epoch (UTC; wall time rather than packet
 * time, so a replay of old captures does not rotate at every hour it spans).
 * The file is renamed to PATH.YYYYmmddTHHMMSS (with .1, .2 ... if taken) and
 * a new PATH opened: a line is always whole in one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sink-file.h"
#include "thread.h"

#define BUFFER   (256u << 10)
#define FLUSH_MS 100

struct file_sink {
    char *path;
    int fd;
    bool is_stdout;
    char *buf; /* whole lines the engine is gathering */
    size_t blen;
    uint64_t blines;   /* how many */
    int64_t bsince_ms; /* when the oldest of them came */
    /* The writer thread's side, under mu: `out` is being written while `busy`. */
    pthread_t thread;
    bool started, stop, busy;
    pthread_mutex_t mu;
    pthread_cond_t work, written;
    char *out;
    size_t olen;
    uint64_t olines;
    uint64_t lines, failures;       /* lines written out, lines lost to write errors (under mu) */
    uint64_t size;                  /* bytes in the current file, buffered ones included */
    uint64_t rotate_size;           /* 0: off */
    uint32_t rotate_interval;       /* seconds; 0: off */
    uint32_t fsync_interval;        /* seconds; 0: off */
    int64_t next_rotate, next_sync; /* wall-clock seconds */
    uint64_t rotations;
    char last_error[256];
};

static int64_t wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return ts.tv_sec;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fd_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int open_path(const char *path, sluice_error *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0 && err)
        snprintf(err->text, sizeof(err->text), "%s: cannot open: %s", path, strerror(errno));
    return fd;
}

static void *writer(void *arg);
static void file_close(void *ctx);

void *sl_sink_file_open(const char *path, sluice_error *err)
{
    struct file_sink *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path)) || !(s->buf = malloc(BUFFER)) ||
        !(s->out = malloc(BUFFER))) {
        snprintf(err->text, sizeof(err->text), "%s: out of memory", path);
        if (s) {
            free(s->buf);
            free(s->path);
        }
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->written, NULL);
    if (strcmp(path, "-") == 0) {
        s->fd = STDOUT_FILENO;
        s->is_stdout = true;
    } else if ((s->fd = open_path(path, err)) >= 0) {
        s->size = fd_size(s->fd);
    } else {
        file_close(s);
        return NULL;
    }
    if (!(s->started = sl_thread_start(&s->thread, writer, s) == 0)) {
        snprintf(err->text, sizeof(err->text), "%s: cannot start its writer thread", path);
        file_close(s);
        return NULL;
    }
    return s;
}

void sl_sink_file_set_rotation(void *ctx, uint64_t rotate_size, uint32_t rotate_interval,
                               uint32_t fsync_interval)
{
    struct file_sink *s = ctx;
    int64_t now = wall_now();
    s->rotate_size = s->is_stdout ? 0 : rotate_size;
    s->rotate_interval = s->is_stdout ? 0 : rotate_interval;
    s->fsync_interval = fsync_interval;
    if (s->rotate_interval)
        s->next_rotate = (now / s->rotate_interval + 1) * s->rotate_interval;
    s->next_sync = now + fsync_interval;
}

static void note_error(struct file_sink *s, const char *what, int err)
{
    snprintf(s->last_error, sizeof(s->last_error), "%s: %s: %s", s->path, what, strerror(err));
}

/* On the engine's thread: the counters are shared with the writer. */
static void note_failure(struct file_sink *s, const char *what, int err)
{
    pthread_mutex_lock(&s->mu);
    s->failures++;
    note_error(s, what, err);
    pthread_mutex_unlock(&s->mu);
}

/* All of iov, carrying on after short writes (a full pipe, a signal); 0, or an errno. */
static int write_all(int fd, struct iovec *v, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static void *writer(void *arg)
{
    struct file_sink *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->busy && !s->stop)
            pthread_cond_wait(&s->work, &s->mu);
        if (!s->busy)
            break;
        struct iovec iov = {s->out, s->olen};
        int fd = s->fd; /* changed only while nothing is busy */
        pthread_mutex_unlock(&s->mu);
        int e = write_all(fd, &iov, 1);
        pthread_mutex_lock(&s->mu);
        if (e) {
            s->failures += s->olines; /* lost, and counted */
            note_error(s, "cannot write", e);
        } else {
            s->lines += s->olines;
        }
        s->busy = false;
        pthread_cond_broadcast(&s->written);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Give the gathered lines to the writer (waiting if it still has the last ones). */
static void hand_over(struct file_sink *s)
{
    if (!s->blen)
        return;
    pthread_mutex_lock(&s->mu);
    while (s->busy)
        pthread_cond_wait(&s->written, &s->mu);
    char *t = s->out;
    s->out = s->buf;
    s->buf = t;
    s->olen = s->blen;
    s->olines = s->blines;
    s->busy = true;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    s->blen = 0;
    s->blines = 0;
}

/* Everything gathered so far written: the descriptor is free to change. */
static void drain(struct file_sink *s)
{
    hand_over(s);
    pthread_mutex_lock(&s->mu);
    while (s->busy)
        pthread_cond_wait(&s->written, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

/* Rename the file aside and start a new one; on failure keep writing to the old one. */
static void rotate(struct file_sink *s, int64_t now)
{
    char stamp[32], aside[4200];
    drain(s); /* what came before the rotation goes into the file set aside */
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
    snprintf(aside, sizeof(aside), "%s.%s", s->path, stamp);
    for (unsigned n = 1; access(aside, F_OK) == 0 && n < 1000; n++)
        snprintf(aside, sizeof(aside), "%s.%s.%u", s->path, stamp, n);
    if (rename(s->path, aside) != 0) {
        note_failure(s, "cannot rotate", errno);
        return;
    }
    int fd = open_path(s->path, NULL);
    if (fd < 0) {
        note_failure(s, "cannot open after rotation", errno);
        return; /* the old descriptor still writes to the renamed file: nothing lost */
    }
    if (s->fsync_interval)
        fdatasync(s->fd);
    close(s->fd);
    s->fd = fd;
    s->size = 0;
    s->rotations++;
}

static int file_write(void *ctx, unsigned type, const char *line, size_t len)
{
    struct file_sink *s = ctx;
    (void)type;
    if (s->rotate_interval || s->fsync_interval) {
        int64_t now = wall_now();
        if (s->rotate_interval && now >= s->next_rotate) {
            if (s->size)
                rotate(s, now);
            s->next_rotate = (now / s->rotate_interval + 1) * s->rotate_interval;
        }
        if (s->fsync_interval && now >= s->next_sync) {
            drain(s);
            if (fdatasync(s->fd) != 0 && errno != EINVAL)
                note_failure(s, "fdatasync", errno);
            s->next_sync = now + s->fsync_interval;
        }
    }
    if (s->rotate_size && s->size && s->size + len + 1 > s->rotate_size)
        rotate(s, wall_now());
    if (s->blen + len + 1 > BUFFER)
        hand_over(s);
    s->size += len + 1;
    if (len + 1 > BUFFER) {
        /* Longer than a buffer (a huge alert): on its own, after everything before it. */
        drain(s);
        struct iovec iov[2] = {{(void *)line, len}, {(void *)"\n", 1}};
        int e = write_all(s->fd, iov, 2);
        if (e) {
            s->size -= len + 1;
            note_failure(s, "cannot write", e);
            return -1;
        }
        pthread_mutex_lock(&s->mu);
        s->lines++;
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    int64_t now_ms = mono_ms();
    if (!s->blen)
        s->bsince_ms = now_ms;
    memcpy(s->buf + s->blen, line, len);
    s->buf[s->blen + len] = '\n';
    s->blen += len + 1;
    s->blines++;
    if (now_ms - s->bsince_ms >= FLUSH_MS)
        hand_over(s);
    return 0;
}

static uint64_t failures_now(struct file_sink *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->failures;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* The engine calls this at least every FLUSH_MS while it runs: every line taken so far is
 * written before it returns (-1 if some could not be), and goes to disk once fsync_interval
 * has passed. */
static int file_flush(void *ctx)
{
    struct file_sink *s = ctx;
    uint64_t before = failures_now(s);
    drain(s);
    int r = failures_now(s) == before ? 0 : -1;
    if (s->fsync_interval && wall_now() >= s->next_sync) {
        s->next_sync = wall_now() + s->fsync_interval;
        if (fdatasync(s->fd) != 0 && errno != EINVAL) {
            note_failure(s, "fdatasync", errno);
            return -1;
        }
    }
    return r;
}

static int file_reopen(void *ctx)
{
    struct file_sink *s = ctx;
    drain(s); /* lines before the signal go to the file as it was */
    if (s->is_stdout)
        return 0;
    int fd = open_path(s->path, NULL);
    if (fd < 0) {
        note_failure(s, "cannot reopen", errno);
        return -1; /* keep writing to the old file rather than losing lines */
    }
    if (s->fsync_interval)
        fdatasync(s->fd);
    close(s->fd);
    s->fd = fd;
    s->size = fd_size(fd); /* the new file may not be empty (copytruncate, or not rotated) */
    return 0;
}

static void file_close(void *ctx)
{
    struct file_sink *s = ctx;
    if (!s)
        return;
    drain(s);
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->work);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    if (s->fsync_interval)
        fdatasync(s->fd);
    if (!s->is_stdout && s->fd >= 0)
        close(s->fd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->written);
    free(s->buf);
    free(s->out);
    free(s->path);
    free(s);
}

void sl_sink_file_counts(const void *ctx, uint64_t *lines, uint64_t *failures)
{
    struct file_sink *s = (struct file_sink *)ctx; /* const to callers; the lock is not */
    pthread_mutex_lock(&s->mu);
    *lines = s->lines;
    *failures = s->failures;
    pthread_mutex_unlock(&s->mu);
}

uint64_t sl_sink_file_rotations(const void *ctx)
{
    return ((const struct file_sink *)ctx)->rotations;
}

static void file_stats(void *ctx, sluice_sink_stats *out)
{
    struct file_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    out->delivered = s->lines;
    out->errors = s->failures;
    snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
    pthread_mutex_unlock(&s->mu);
}

/* The same sink on standard output, named apart in stats. */
const sluice_sink_ops sl_sink_stdout_ops = {
    .name = "eve-stdout",
    .write = file_write,
    .flush = file_flush,
    .reopen = file_reopen,
    .close = file_close,
    .stats = file_stats,
};

const sluice_sink_ops sl_sink_file_ops = {
    .name = "eve-file",
    .write = file_write,
    .flush = file_flush,
    .reopen = file_reopen,
    .close = file_close,
    .stats = file_stats,
};
