/*
 * sink-file.c - the EVE JSON-lines sink.
 *
 * Lines are gathered in a 64 KiB buffer and written whole, many at a time: a
 * write(2) per event was a quarter of a replay of short flows.  The buffer is
 * written out when it is full, when its oldest line is FLUSH_MS old (checked
 * at each line, and by the engine's flush calls, which come at least that
 * often: sluice_engine_packet and _advance), at flush, reopen, rotation and
 * close.  A line is never split across writes that could interleave with
 * another writer's, so the file never holds half a line.  reopen() follows
 * logrotate's rename-then-signal pattern: lines before it are in the renamed
 * file, lines after it in a new one.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sink-file.h"

#define BUFFER   (64u << 10)
#define FLUSH_MS 100

struct file_sink {
    char *path;
    int fd;
    bool is_stdout;
    uint64_t lines, failures; /* lines written out, lines lost to write errors */
    char *buf;                /* whole lines not yet written */
    size_t blen;
    uint64_t blines;                /* how many */
    int64_t bsince_ms;              /* when the oldest of them came */
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

void *sl_sink_file_open(const char *path, sluice_error *err)
{
    struct file_sink *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path)) || !(s->buf = malloc(BUFFER))) {
        snprintf(err->text, sizeof(err->text), "%s: out of memory", path);
        if (s)
            free(s->path);
        free(s);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        s->fd = STDOUT_FILENO;
        s->is_stdout = true;
        return s;
    }
    s->fd = open_path(path, err);
    if (s->fd < 0) {
        free(s->buf);
        free(s->path);
        free(s);
        return NULL;
    }
    s->size = fd_size(s->fd);
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

static void note_failure(struct file_sink *s, const char *what, int err)
{
    s->failures++;
    note_error(s, what, err);
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

/* Write out the buffered lines; on an error they are lost, and counted. */
static int drain(struct file_sink *s)
{
    if (!s->blen)
        return 0;
    struct iovec iov = {s->buf, s->blen};
    int e = write_all(s->fd, &iov, 1);
    if (e) {
        s->failures += s->blines;
        s->size -= s->blen;
        note_error(s, "cannot write", e);
    } else {
        s->lines += s->blines;
    }
    s->blen = 0;
    s->blines = 0;
    return e ? -1 : 0;
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
        drain(s); /* on an error those lines are counted lost; this one still gets its turn */
    s->size += len + 1;
    if (len + 1 > BUFFER) {
        /* Longer than the buffer (a stats event with many sinks, a huge alert): on its own. */
        struct iovec iov[2] = {{(void *)line, len}, {(void *)"\n", 1}};
        int e = write_all(s->fd, iov, 2);
        if (e) {
            s->size -= len + 1;
            note_failure(s, "cannot write", e);
            return -1;
        }
        s->lines++;
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
        drain(s);
    return 0;
}

/* The engine calls this at least every FLUSH_MS while it runs: the lines go out, and to disk
 * once fsync_interval has passed. */
static int file_flush(void *ctx)
{
    struct file_sink *s = ctx;
    int r = drain(s);
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
    if (s->fsync_interval)
        fdatasync(s->fd);
    if (!s->is_stdout)
        close(s->fd);
    free(s->buf);
    free(s->path);
    free(s);
}

void sl_sink_file_counts(const void *ctx, uint64_t *lines, uint64_t *failures)
{
    const struct file_sink *s = ctx;
    *lines = s->lines;
    *failures = s->failures;
}

uint64_t sl_sink_file_rotations(const void *ctx)
{
    return ((const struct file_sink *)ctx)->rotations;
}

static void file_stats(void *ctx, sluice_sink_stats *out)
{
    const struct file_sink *s = ctx;
    out->delivered = s->lines;
    out->errors = s->failures;
    snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
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
