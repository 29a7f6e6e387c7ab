/*
 * privs.h - running as a service: dropping root, the pidfile.
 */
#ifndef SLUICE_PRIVS_H
#define SLUICE_PRIVS_H

#include <stddef.h>

/*
 * Become `user` (and `group`, or the user's primary group when NULL/empty):
 * setgroups to that one group, setgid, setuid, then check that root cannot
 * be regained.  0, or -1 with err saying which step failed.
 */
int sl_privs_drop(const char *user, const char *group, char *err, size_t errlen);

/* Check that user and group exist (for --test-config).  0, or -1 with err. */
int sl_privs_check(const char *user, const char *group, char *err, size_t errlen);

/*
 * Create `path` exclusively with this process's id.  A file left by a dead
 * process is replaced; one held by a live process is refused.  0, or -1
 * with err.
 */
int sl_pidfile_create(const char *path, char *err, size_t errlen);

/* Remove it if it still holds this process's id. */
void sl_pidfile_remove(const char *path);

#endif
