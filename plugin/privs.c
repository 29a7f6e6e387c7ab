/*
 * privs.c - privilege drop and the pidfile.
 *
 * Capture handles and output files are opened as root; after that sluice
 * needs no privilege at all, so it gives up every id and supplementary
 * group, and verifies it: a setuid that half-worked is worse than none,
 * so any failure is fatal for the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "privs.h"

static int lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
                  size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "--user %s: no such user%s%s", user, errno ? ": " : "",
                 errno ? strerror(errno) : "");
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (group && group[0]) {
        errno = 0;
        struct group *gr = getgrnam(group);
        if (!gr) {
            snprintf(err, errlen, "--group %s: no such group%s%s", group, errno ? ": " : "",
                     errno ? strerror(errno) : "");
            return -1;
        }
        *gid = gr->gr_gid;
    }
    return 0;
}

int sl_privs_check(const char *user, const char *group, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    if (user && user[0])
        return lookup(user, group, &uid, &gid, err, errlen);
    if (group && group[0] && !getgrnam(group)) {
        snprintf(err, errlen, "--group %s: no such group", group);
        return -1;
    }
    return 0;
}

int sl_privs_drop(const char *user, const char *group, char *err, size_t errlen)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (user && user[0]) {
        if (lookup(user, group, &uid, &gid, err, errlen) != 0)
            return -1;
    } else if (group && group[0]) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            snprintf(err, errlen, "--group %s: no such group", group);
            return -1;
        }
        gid = gr->gr_gid;
    } else {
        return 0;
    }
    /* Groups first: after setuid there is no right left to change them. */
    if (setgroups(1, &gid) != 0) {
        snprintf(err, errlen, "cannot drop privileges: setgroups: %s", strerror(errno));
        return -1;
    }
    if (setgid(gid) != 0) {
        snprintf(err, errlen, "cannot drop privileges: setgid(%u): %s", (unsigned)gid,
                 strerror(errno));
        return -1;
    }
    if (user && user[0] && setuid(uid) != 0) {
        snprintf(err, errlen, "cannot drop privileges: setuid(%u): %s", (unsigned)uid,
                 strerror(errno));
        return -1;
    }
    /* Verify: the ids are what was asked, and root is gone for good. */
    if (getgid() != gid || getegid() != gid ||
        (user && user[0] && (getuid() != uid || geteuid() != uid))) {
        snprintf(err, errlen, "cannot drop privileges: ids did not change");
        return -1;
    }
    if (user && user[0] && uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errlen, "cannot drop privileges: root could be regained");
        return -1;
    }
    return 0;
}

/* The pid a pidfile holds, or 0. */
static pid_t read_pid(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    long pid = 0;
    if (fscanf(fp, "%ld", &pid) != 1)
        pid = 0;
    fclose(fp);
    return pid > 0 ? (pid_t)pid : 0;
}

int sl_pidfile_create(const char *path, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            char buf[32];
            int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
            if (write(fd, buf, (size_t)n) != n) {
                snprintf(err, errlen, "--pidfile %s: cannot write: %s", path, strerror(errno));
                close(fd);
                unlink(path);
                return -1;
            }
            close(fd);
            return 0;
        }
        if (errno != EEXIST) {
            snprintf(err, errlen, "--pidfile %s: cannot create: %s", path, strerror(errno));
            return -1;
        }
        pid_t pid = read_pid(path);
        if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) {
            snprintf(err, errlen, "--pidfile %s: sluice is already running as pid %ld", path,
                     (long)pid);
            return -1;
        }
        /* Left by a process that is gone: take it over. */
        if (unlink(path) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "--pidfile %s: stale, cannot remove: %s", path, strerror(errno));
            return -1;
        }
    }
    snprintf(err, errlen, "--pidfile %s: created by another process meanwhile", path);
    return -1;
}

void sl_pidfile_remove(const char *path)
{
    if (read_pid(path) == getpid() && unlink(path) != 0)
        fprintf(stderr, "sluice: warning: --pidfile %s: cannot remove: %s\n", path,
                strerror(errno));
}
