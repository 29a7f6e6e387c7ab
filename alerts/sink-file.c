/*
 * sink-file.c - the EVE JSON-lines sink.
 *
 * Each event is written with one writev() of the line and its newline, so
 * whatever happens to sluice afterwards the file never holds half a line
 * from it.  reopen() follows logrotate's rename-then-signal pattern: lines
 * before it are in the renamed file, lines after it in a new one.
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

struct file_sink {
    char *path;
    int fd;
    bool is_stdout;
    uint64_t lines, failures;
    uint64_t size;                  /* bytes in the current file */
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
    if (!s || !(s->path = strdup(path))) {
        snprintf(err->text, sizeof(err->text), "%s: out of memory", path);
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

static void note_failure(struct file_sink *s, const char *what, int err)
{
    s->failures++;
    snprintf(s->last_error, sizeof(s->last_error), "%s: %s: %s", s->path, what, strerror(err));
}

/* Rename the file aside and start a new one; on failure keep writing to the old one. */
static void rotate(struct file_sink *s, int64_t now)
{
    char stamp[32], aside[4200];
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
            if (fdatasync(s->fd) != 0 && errno != EINVAL)
                note_failure(s, "fdatasync", errno);
            s->next_sync = now + s->fsync_interval;
        }
    }
    if (s->rotate_size && s->size && s->size + len + 1 > s->rotate_size)
        rotate(s, wall_now());
    struct iovec iov[2] = {{(void *)line, len}, {(void *)"\n", 1}};
    size_t left = len + 1;
    int n = 2;
    struct iovec *v = iov;
    while (left > 0) {
        ssize_t w = writev(s->fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            note_failure(s, "cannot write", errno);
            return -1;
        }
        left -= (size_t)w;
        /* A short write (a full pipe, a signal): carry on from where it stopped. */
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
    s->lines++;
    s->size += len + 1;
    return 0;
}

static int file_flush(void *ctx)
{
    /* Nothing is buffered here: every line went out whole with writev. */
    struct file_sink *s = ctx;
    if (s->fsync_interval && fdatasync(s->fd) != 0 && errno != EINVAL) {
        note_failure(s, "fdatasync", errno);
        return -1;
    }
    return 0;
}

static int file_reopen(void *ctx)
{
    struct file_sink *s = ctx;
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
    if (s->fsync_interval)
        fdatasync(s->fd);
    if (!s->is_stdout)
        close(s->fd);
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
