/*
 * check_sink_redis.c - the Redis sink without a server: its redis.* options
 * are checked with errors naming the option, and events written from several
 * threads at once all end up in the spool, whole and once each, when Redis
 * cannot be reached (and, in a replay, none is refused for a full queue).  (tests/e2e_redis.py
 * covers a real redis-server.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink-redis.h"
#include "suites.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sluice-redis-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(options_checked)
{
    static struct sluice_config cfg;
    sluice_error err;
    sl_config_defaults(&cfg);
    ck_assert_int_eq(sl_config_validate(&cfg, &err), 0);
    ck_assert_str_eq(cfg.redis_mode, "list");
    ck_assert_str_eq(cfg.redis_key, "sluice");
    ck_assert_uint_eq(cfg.redis_stream_maxlen, 100000);
    ck_assert_int_eq(sl_config_set(&cfg, "redis.mode=queue", &err), 0);
    ck_assert_int_eq(sl_config_validate(&cfg, &err), -1);
    ck_assert_str_eq(err.text, "option 'redis.mode': unknown mode 'queue' (expected list, lpush, "
                               "rpush, channel, publish, stream or xadd)");
    static const char *const modes[] = {"list",    "lpush",  "rpush", "channel",
                                        "publish", "stream", "xadd"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char set[64];
        snprintf(set, sizeof(set), "redis.mode=%s", modes[i]);
        ck_assert_int_eq(sl_config_set(&cfg, set, &err), 0);
        ck_assert_int_eq(sl_config_validate(&cfg, &err), 0);
    }
    ck_assert_int_eq(sl_config_set(&cfg, "redis.enabled=true", &err), 0);
    ck_assert_int_eq(sl_config_set(&cfg, "redis.username=sensor", &err), 0);
    ck_assert_int_eq(sl_config_validate(&cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "'redis.password' is empty"));
    ck_assert_int_eq(sl_config_set(&cfg, "redis.password=pw", &err), 0);
    ck_assert_int_eq(sl_config_set(&cfg, "redis.key=", &err), 0);
    ck_assert_int_eq(sl_config_validate(&cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "'redis.key' is empty"));
    ck_assert_int_eq(sl_config_set(&cfg, "redis.port=70000", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "option 'redis.port': 70000 is above the maximum"));
    ck_assert_int_eq(sl_config_set(&cfg, "redis.types=alert,bogus", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "unknown event type 'bogus'"));
}
END_TEST

struct writer {
    void *sink;
    int id, n, failed;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < w->n; i++) {
        char line[200];
        int len = snprintf(line, sizeof(line),
                           "{\"event_type\":\"alert\",\"event_id\":\"%d-%d\",\"pad\":\"%0*d\"}",
                           w->id, i, 40 + i % 37, 0);
        if (sl_sink_redis_ops.write(w->sink, SLUICE_EVENT_ALERT, line, (size_t)len) != 0)
            w->failed++;
    }
    return NULL;
}

/* Redis on, at a port nobody listens on, spooling into the test's directory. */
static void unreachable(struct sluice_config *cfg, uint32_t drain_timeout)
{
    sl_config_defaults(cfg);
    snprintf(cfg->log_dir, sizeof(cfg->log_dir), "%s", dir);
    cfg->redis_enabled = true;
    cfg->redis_port = 1;
    cfg->redis_drain_timeout = drain_timeout;
}

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The exit's wait for an absent server (redis.drain_timeout) is a wait, not a spin. */
START_TEST(drain_waits_without_spinning)
{
    static struct sluice_config cfg;
    sluice_error err;
    memset(&err, 0, sizeof(err));
    unreachable(&cfg, 1);
    void *s = sl_sink_redis_open(&cfg, true, false, &err);
    ck_assert_msg(s != NULL, "%s", err.text);
    const char line[] = "{\"event_type\":\"alert\"}";
    ck_assert_int_eq(sl_sink_redis_ops.write(s, SLUICE_EVENT_ALERT, line, sizeof(line) - 1), 0);
    double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    sl_sink_redis_ops.close(s);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    ck_assert_msg(wall >= 0.9, "closed after %.2f s, before redis.drain_timeout", wall);
    /* Spinning burns about as much CPU as time passes; waiting, a few reconnects' worth. */
    ck_assert_msg(cpu < 0.3 * wall, "%.2f s of CPU in a %.2f s drain", cpu, wall);
}
END_TEST

START_TEST(threads_to_spool)
{
    static struct sluice_config cfg;
    sluice_error err;
    memset(&err, 0, sizeof(err));
    unreachable(&cfg, 0); /* every event is spooled */
    /*
     * Loop 0 as live capture: a full ring refuses (counted).  Loop 1 as a replay: writers
     * wait for room, so a ring of 64 KiB, full at once and over and over, loses nothing.
     */
    bool replay = _i == 1;
    cfg.redis_queue_size = replay ? 64 * 1024 : 1024 * 1024; /* the ring wraps many times */
    void *s = sl_sink_redis_open(&cfg, true, replay, &err);
    ck_assert_msg(s != NULL, "%s", err.text);
    enum { THREADS = 4, EACH = 20000 };
    struct writer w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct writer){.sink = s, .id = i, .n = EACH};
        ck_assert_int_eq(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
    }
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failed += w[i].failed;
    }
    sluice_sink_stats st;
    memset(&st, 0, sizeof(st));
    sl_sink_redis_ops.stats(s, &st);
    ck_assert_uint_eq(st.queued + st.dropped, THREADS * EACH);
    ck_assert_uint_eq(st.dropped, (uint64_t)failed); /* a full ring is a counted refusal */
    if (replay)
        ck_assert_uint_eq(st.dropped, 0);
    ck_assert_uint_eq(st.delivered, 0);
    ck_assert_int_eq(st.connected, 0);
    ck_assert_ptr_nonnull(strstr(st.last_error, "cannot connect"));
    sl_sink_redis_ops.close(s);

    /* Every accepted event is in the spool once, whole, in each writer's order. */
    char path[256];
    snprintf(path, sizeof(path), "cat %s/redis-spool/*.spool", dir);
    FILE *p = popen(path, "r");
    ck_assert_ptr_nonnull(p);
    static int next[THREADS];
    memset(next, 0, sizeof(next));
    char line[256];
    int lines = 0;
    while (fgets(line, sizeof(line), p)) {
        int id, seq;
        ck_assert_msg(sscanf(line, "{\"event_type\":\"alert\",\"event_id\":\"%d-%d\"", &id, &seq) ==
                          2,
                      "bad line %s", line);
        ck_assert(id >= 0 && id < THREADS);
        ck_assert_int_gt(seq, next[id] - 1); /* in order, no repeats */
        next[id] = seq + 1;
        ck_assert_msg(strlen(line) > 0 && line[strlen(line) - 1] == '\n', "cut line: %s", line);
        lines++;
    }
    pclose(p);
    ck_assert_int_eq(lines, THREADS * EACH - failed);
}
END_TEST

Suite *suite_sink_redis(void)
{
    Suite *s = suite_create("sink_redis");
    TCase *tc = tcase_create("redis");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, options_checked);
    tcase_add_loop_test(tc, threads_to_spool, 0, 2);
    tcase_add_test(tc, drain_waits_without_spinning);
    suite_add_tcase(s, tc);
    return s;
}
