/*
 * signals.c - signal flags.  The counters are bumped by the handler and
 * compared by the main thread, so two SIGHUPs in a row still mean one
 * reopen at least, never a lost one.
 */
#include <signal.h>
#include <string.h>
#include <pthread.h>

#include "signals.h"

static volatile sig_atomic_t stop_flag, hup_count, usr1_count;
/* Only the main thread reads these; the handler never does. */
static sig_atomic_t hup_seen, usr1_seen;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        hup_count++;
    else if (sig == SIGUSR1)
        usr1_count++;
    else
        stop_flag = 1;
}

void sl_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    /* A reader of standard output that went away is an error to report, not a death. */
    signal(SIGPIPE, SIG_IGN);
}

static void mask(int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(how, &s, NULL);
}

void sl_signals_block(void)
{
    mask(SIG_BLOCK);
}

void sl_signals_unblock(void)
{
    mask(SIG_UNBLOCK);
}

bool sl_signals_stop(void)
{
    return stop_flag != 0;
}

bool sl_signals_take_reopen(void)
{
    sig_atomic_t n = hup_count;
    if (n == hup_seen)
        return false;
    hup_seen = n;
    return true;
}

bool sl_signals_take_stats(void)
{
    sig_atomic_t n = usr1_count;
    if (n == usr1_seen)
        return false;
    usr1_seen = n;
    return true;
}
