/*
 * thread.h - the engine's helper threads (the evidence writer, the EVE
 * file's writer, the Redis sender) start the same way.
 */
#ifndef SLUICE_THREAD_H
#define SLUICE_THREAD_H

#include <pthread.h>
#include <time.h>

/*
 * pthread_create with every signal blocked in the new thread: signals are
 * the host's main thread's to take, and a helper writing to a closed socket
 * gets EPIPE rather than SIGPIPE.  0, or pthread_create's error number.
 */
int sl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* `ms` from now on the clock pthread_cond_timedwait uses by default. */
struct timespec sl_deadline_in(long ms);

#endif
