/*
 * spool.c - the on-disk queue of event lines (see spool.h).
 *
 * Segments are numbered without gaps from `first` to `last`; only `last` is
 * appended to.  Each line goes out with one writev() of the line and its
 * newline, and a failed or short write is cut back off, so a segment holds
 * whole lines except after a crash in the middle of an append, which open
 * repairs.  The cursor file is rewritten in place after each commit; if a
 * crash garbles it, delivery restarts at the oldest segment (duplicates, not
 * loss: consumers drop them by event_id).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spool.h"

#define CURSOR_LEN 42 /* "%020llu %020llu\n" */

struct sl_spool {
    char *dir;
    uint64_t max, seg_max;
    uint64_t first, last, next_seq; /* segments on disk: first..last; none when first == 0 */
    uint64_t disk;                  /* bytes in them */
    uint64_t last_size;             /* bytes in segment `last` */
    int wfd;                        /* appending to `last`, or -1 */
    int cursor_fd;
    struct sl_spool_pos commit, rd;
    FILE *rfp; /* reading segment rfp_seq */
    uint64_t rfp_seq;
    char *line;
    size_t line_cap;
    uint64_t recovered;
};

static void seg_path(const struct sl_spool *sp, uint64_t seq, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%012" PRIu64 ".spool", sp->dir, seq);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Cut a segment back to its last newline; returns the bytes cut. */
static uint64_t cut_partial_line(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    uint64_t cut = 0;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        off_t end = st.st_size, keep = 0;
        char buf[4096];
        while (end > 0) {
            off_t from = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
            ssize_t n = pread(fd, buf, (size_t)(end - from), from);
            if (n <= 0)
                break;
            ssize_t i = n - 1;
            while (i >= 0 && buf[i] != '\n')
                i--;
            if (i >= 0) {
                keep = from + i + 1;
                break;
            }
            end = from;
        }
        if (keep < st.st_size && ftruncate(fd, keep) == 0)
            cut = (uint64_t)(st.st_size - keep);
    }
    close(fd);
    return cut;
}

static void write_cursor(struct sl_spool *sp)
{
    char buf[CURSOR_LEN + 1];
    snprintf(buf, sizeof(buf), "%020" PRIu64 " %020" PRIu64 "\n", sp->commit.seq, sp->commit.off);
    if (sp->cursor_fd >= 0 && pwrite(sp->cursor_fd, buf, CURSOR_LEN, 0) != CURSOR_LEN) {
        /* The next open then restarts at the oldest segment: duplicates, never loss. */
    }
}

static void read_cursor(struct sl_spool *sp)
{
    char buf[CURSOR_LEN + 1];
    ssize_t n = pread(sp->cursor_fd, buf, CURSOR_LEN, 0);
    unsigned long long seq, off;
    sp->commit.seq = sp->first;
    sp->commit.off = 0;
    if (n != CURSOR_LEN)
        return;
    buf[CURSOR_LEN] = '\0';
    if (sscanf(buf, "%20llu %20llu", &seq, &off) != 2 || seq < sp->first || seq > sp->last)
        return;
    char path[4200];
    seg_path(sp, seq, path, sizeof(path));
    uint64_t size = file_size(path);
    sp->commit.seq = seq;
    sp->commit.off = off > size ? size : off;
}

static int scan(struct sl_spool *sp, sluice_error *err)
{
    DIR *d = opendir(sp->dir);
    if (!d) {
        snprintf(err->text, sizeof(err->text), "%s: cannot read spool: %s", sp->dir,
                 strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned long long seq;
        char tail[8];
        if (strlen(de->d_name) != 18 || sscanf(de->d_name, "%12llu%7s", &seq, tail) != 2 ||
            strcmp(tail, ".spool") || seq == 0)
            continue;
        if (!sp->first || seq < sp->first)
            sp->first = seq;
        if (seq > sp->last)
            sp->last = seq;
    }
    closedir(d);
    sp->next_seq = sp->last + 1;
    if (!sp->first)
        return 0;
    char path[4200];
    seg_path(sp, sp->last, path, sizeof(path));
    sp->recovered = cut_partial_line(path);
    for (uint64_t s = sp->first; s <= sp->last; s++) {
        seg_path(sp, s, path, sizeof(path));
        sp->disk += file_size(path);
    }
    sp->last_size = file_size(path);
    return 0;
}

struct sl_spool *sl_spool_open(const char *dir, uint64_t max_bytes, sluice_error *err)
{
    struct sl_spool *sp = calloc(1, sizeof(*sp));
    if (!sp || !(sp->dir = strdup(dir))) {
        snprintf(err->text, sizeof(err->text), "%s: out of memory", dir);
        free(sp);
        return NULL;
    }
    sp->wfd = sp->cursor_fd = -1;
    sp->max = max_bytes;
    sp->seg_max = max_bytes / 8;
    if (sp->seg_max < 64 * 1024)
        sp->seg_max = 64 * 1024;
    if (sp->seg_max > 64 * 1024 * 1024)
        sp->seg_max = 64 * 1024 * 1024;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err->text, sizeof(err->text), "%s: cannot create spool directory: %s", dir,
                 strerror(errno));
        goto fail;
    }
    if (scan(sp, err) != 0)
        goto fail;
    char path[4200];
    snprintf(path, sizeof(path), "%s/cursor", dir);
    sp->cursor_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (sp->cursor_fd < 0) {
        snprintf(err->text, sizeof(err->text), "%.400s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    /* Two sensors delivering one spool would each send the other's lines. */
    if (flock(sp->cursor_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err->text, sizeof(err->text), "%s: spool in use by another process: %s", dir,
                 strerror(errno));
        goto fail;
    }
    if (sp->first) {
        read_cursor(sp);
        /* Segments before the cursor were delivered; a crash kept them on disk. */
        for (uint64_t s = sp->first; s < sp->commit.seq; s++) {
            seg_path(sp, s, path, sizeof(path));
            sp->disk -= file_size(path);
            unlink(path);
        }
        sp->first = sp->commit.seq;
    }
    sp->rd = sp->commit;
    return sp;
fail:
    sl_spool_close(sp);
    return NULL;
}

void sl_spool_close(struct sl_spool *sp)
{
    if (!sp)
        return;
    if (sp->wfd >= 0)
        close(sp->wfd);
    if (sp->cursor_fd >= 0)
        close(sp->cursor_fd);
    if (sp->rfp)
        fclose(sp->rfp);
    free(sp->line);
    free(sp->dir);
    free(sp);
}

/* Make `last` a segment that can take `need` more bytes. */
static int writable_segment(struct sl_spool *sp, uint64_t need, char *why, size_t whylen)
{
    if (sp->wfd >= 0 && (sp->last_size == 0 || sp->last_size + need <= sp->seg_max))
        return 0;
    bool reuse = sp->first && sp->wfd < 0 && sp->last_size + need <= sp->seg_max;
    uint64_t seq = reuse ? sp->last : sp->next_seq;
    char path[4200];
    seg_path(sp, seq, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(why, whylen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (sp->wfd >= 0)
        close(sp->wfd);
    sp->wfd = fd;
    if (reuse)
        return 0;
    sp->next_seq = seq + 1;
    sp->last = seq;
    sp->last_size = 0;
    if (!sp->first) {
        sp->first = seq;
        sp->commit.seq = sp->rd.seq = seq;
        sp->commit.off = sp->rd.off = 0;
    }
    return 0;
}

int sl_spool_append(struct sl_spool *sp, const char *line, size_t len, char *why, size_t whylen)
{
    uint64_t need = (uint64_t)len + 1;
    if (sp->disk + need > sp->max)
        return 1;
    if (writable_segment(sp, need, why, whylen) != 0)
        return -1;
    struct iovec iov[2] = {{(void *)line, len}, {(void *)"\n", 1}};
    ssize_t w;
    do
        w = writev(sp->wfd, iov, 2);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)need) {
        int e = w < 0 ? errno : ENOSPC;
        snprintf(why, whylen, "%s: cannot write to the spool: %s", sp->dir, strerror(e));
        if (w > 0 && ftruncate(sp->wfd, (off_t)sp->last_size) != 0) {
            /* Left as a partial line: the next open cuts it off. */
        }
        return -1;
    }
    sp->last_size += need;
    sp->disk += need;
    return 0;
}

/* Write iov[0..n) (whole lines) to the segment; on failure cut the segment back. */
static int write_all(struct sl_spool *sp, struct iovec *iov, int n, uint64_t bytes, char *why,
                     size_t whylen)
{
    uint64_t left = bytes;
    while (left > 0) {
        ssize_t w = writev(sp->wfd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(why, whylen, "%s: cannot write to the spool: %s", sp->dir,
                     strerror(w < 0 ? errno : ENOSPC));
            if (left < bytes && ftruncate(sp->wfd, (off_t)sp->last_size) != 0) {
                /* Left as a partial line: the next open cuts it off. */
            }
            return -1;
        }
        left -= (uint64_t)w;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    sp->last_size += bytes;
    sp->disk += bytes;
    return 0;
}

int sl_spool_append_lines(struct sl_spool *sp, const struct iovec *lines, unsigned n,
                          unsigned *written, char *why, size_t whylen)
{
    enum { CHUNK = 256 }; /* two iovecs a line, under IOV_MAX */
    struct iovec iov[2 * CHUNK];
    *written = 0;
    while (*written < n) {
        unsigned k = 0;
        uint64_t bytes = 0;
        bool full = false;
        while (k < CHUNK && *written + k < n) {
            uint64_t need = lines[*written + k].iov_len + 1;
            if (sp->disk + bytes + need > sp->max) {
                full = true;
                break;
            }
            iov[2 * k] = lines[*written + k];
            iov[2 * k + 1].iov_base = (void *)"\n";
            iov[2 * k + 1].iov_len = 1;
            bytes += need;
            k++;
        }
        if (k > 0) {
            if (writable_segment(sp, bytes, why, whylen) != 0 ||
                write_all(sp, iov, (int)(2 * k), bytes, why, whylen) != 0)
                return -1;
            *written += k;
        }
        if (full)
            return 1;
    }
    return 0;
}

int sl_spool_next(struct sl_spool *sp, const char **line, size_t *len)
{
    for (;;) {
        if (!sp->first)
            return 0;
        if (!sp->rfp || sp->rfp_seq != sp->rd.seq) {
            if (sp->rfp)
                fclose(sp->rfp);
            char path[4200];
            seg_path(sp, sp->rd.seq, path, sizeof(path));
            sp->rfp = fopen(path, "re");
            sp->rfp_seq = sp->rd.seq;
            if (!sp->rfp) {
                if (errno != ENOENT)
                    return -1;
                if (sp->rd.seq >= sp->last)
                    return 0;
                sp->rd.seq++; /* a missing segment: someone removed it */
                sp->rd.off = 0;
                continue;
            }
            if (fseeko(sp->rfp, (off_t)sp->rd.off, SEEK_SET) != 0)
                return -1;
        }
        ssize_t n = getline(&sp->line, &sp->line_cap, sp->rfp);
        if (n > 0 && sp->line[n - 1] == '\n') {
            sp->rd.off += (uint64_t)n;
            sp->line[n - 1] = '\0';
            *line = sp->line;
            *len = (size_t)n - 1;
            return 1;
        }
        if (n < 0 && ferror(sp->rfp))
            return -1;
        /* The end of this segment (re-seek: more may be appended later). */
        if (fseeko(sp->rfp, (off_t)sp->rd.off, SEEK_SET) != 0)
            return -1;
        if (sp->rd.seq >= sp->last)
            return 0;
        sp->rd.seq++;
        sp->rd.off = 0;
    }
}

void sl_spool_tell(const struct sl_spool *sp, struct sl_spool_pos *pos)
{
    *pos = sp->rd;
}

void sl_spool_commit(struct sl_spool *sp, const struct sl_spool_pos *pos)
{
    if (!sp->first)
        return;
    char path[4200];
    for (uint64_t s = sp->first; s < pos->seq && s <= sp->last; s++) {
        seg_path(sp, s, path, sizeof(path));
        sp->disk -= file_size(path);
        unlink(path);
    }
    sp->first = pos->seq;
    sp->commit = *pos;
    if (pos->seq == sp->last && pos->off >= sp->last_size) {
        /* Everything delivered: start afresh with the next segment number. */
        seg_path(sp, sp->last, path, sizeof(path));
        unlink(path);
        if (sp->wfd >= 0)
            close(sp->wfd);
        if (sp->rfp)
            fclose(sp->rfp);
        sp->wfd = -1;
        sp->rfp = NULL;
        sp->first = sp->last = 0;
        sp->disk = sp->last_size = 0;
        memset(&sp->commit, 0, sizeof(sp->commit));
        sp->rd = sp->commit;
    }
    write_cursor(sp);
}

void sl_spool_rewind(struct sl_spool *sp)
{
    sp->rd = sp->commit;
    if (sp->rfp)
        fclose(sp->rfp);
    sp->rfp = NULL;
}

uint64_t sl_spool_pending(const struct sl_spool *sp)
{
    return sp->first ? sp->disk - sp->commit.off : 0;
}

uint64_t sl_spool_recovered(const struct sl_spool *sp)
{
    return sp->recovered;
}
