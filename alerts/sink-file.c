/*
 * sink-file.c - the EVE JSON-lines sink.
 *
 * Each event is written with one writev() of the line and its newline, so
 * whatever happens to sluice afterwards the file never holds half a line
 * from it.  reopen() follows logrotate's rename-then-signal pattern: lines
 * before it are in the renamed file, lines after it in a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sink-file.h"

struct file_sink {
    char *path;
    int fd;
    bool is_stdout;
    uint64_t lines, failures;
};

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
    return s;
}

static int file_write(void *ctx, unsigned type, const char *line, size_t len)
{
    struct file_sink *s = ctx;
    (void)type;
    struct iovec iov[2] = {{(void *)line, len}, {(void *)"\n", 1}};
    size_t left = len + 1;
    int n = 2;
    struct iovec *v = iov;
    while (left > 0) {
        ssize_t w = writev(s->fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            s->failures++;
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
    return 0;
}

static int file_flush(void *ctx)
{
    /* Nothing is buffered here: every line went out whole with writev. */
    (void)ctx;
    return 0;
}

static int file_reopen(void *ctx)
{
    struct file_sink *s = ctx;
    if (s->is_stdout)
        return 0;
    int fd = open_path(s->path, NULL);
    if (fd < 0) {
        s->failures++;
        return -1; /* keep writing to the old file rather than losing lines */
    }
    close(s->fd);
    s->fd = fd;
    return 0;
}

static void file_close(void *ctx)
{
    struct file_sink *s = ctx;
    if (!s)
        return;
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

const sluice_sink_ops sl_sink_file_ops = {
    .name = "eve-file",
    .write = file_write,
    .flush = file_flush,
    .reopen = file_reopen,
    .close = file_close,
};
