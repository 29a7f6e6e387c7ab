/*
 * main.c - the `sluice` sensor: options, config and startup.  It reads
 * captures (-r, replay.c) or interfaces (-i, live.c), runs one engine per
 * worker thread (workers.c) and writes EVE JSON events to LOGDIR/eve.json
 * (or standard output) through one shared sink.
 *
 * Exit status: 0 success; 1 bad usage, config or input (nothing processed);
 * 2 an input could not be read to its end, a capture failed, or events
 * could not be written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "live.h"
#include "privs.h"
#include "replay.h"
#include "signals.h"
#include "sink-file.h"
#include "sink-redis.h"
#include "sink-shared.h"
#include "sink-summary.h"
#include "sluice.h"
#include "workers.h"

#define MAX_INPUTS  4096
#define MAX_IFACES  16
#define MAX_WORKERS 64

struct options {
    const char *inputs[MAX_INPUTS]; /* as given with -r */
    unsigned ninputs;
    const char *ifaces[MAX_IFACES]; /* as given with -i */
    unsigned nifaces;
    const char *config_file;
    const char *log_dir;
    const char *sets[256];
    unsigned nsets;
    const char *filter, *workers, *user, *group, *pidfile;
    int quiet, verbose, test_config;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: sluice -r PATH [-r PATH ...] [options]\n"
            "       sluice -i IFACE [-i IFACE ...] [options]\n"
            "Detect P2P sessions in captures or live traffic and write EVE JSON events.\n"
            "\n"
            "  -r, --read PATH        read a capture file (pcap or pcapng), or every capture\n"
            "                         in a directory; repeatable.  All are read as one\n"
            "                         stream in packet-time order\n"
            "  -i, --interface IFACE  capture live on IFACE (libpcap); repeatable\n"
            "  -f, --filter BPF       capture filter, tcpdump syntax (capture.bpf)\n"
            "      --workers N        worker threads, one engine each (workers; 0: one per core)\n"
            "  -l, --log-dir DIR      write eve.json into DIR (default: log.dir, \".\")\n"
            "  -c, --config FILE      load a JSON config (see etc/sluice.json)\n"
            "      --set KEY=VALUE    override one option, e.g. --set flow.timeout.udp=30s;\n"
            "                         repeatable, applied after -c in order\n"
            "      --user USER        run as USER once capture and outputs are open\n"
            "      --group GROUP      and as GROUP (default: USER's primary group)\n"
            "      --pidfile FILE     write the process id to FILE (removed at exit)\n"
            "      --test-config      check the config and options, then exit\n"
            "      --help-config      list every option with its type, default and range\n"
            "  -q, --quiet            no progress line or summary on standard error\n"
            "  -v, --verbose          say what is read\n"
            "  -V, --version          print the version\n"
            "  -h, --help             this help\n"
            "\n"
            "Events go to LOGDIR/eve.json; --set outputs.eve.filename=- prints them instead.\n"
            "--set redis.enabled=true also sends them to Redis (see redis.* in --help-config).\n"
            "Signals: TERM/INT stop (flows ended, events written), HUP reopens eve.json,\n"
            "USR1 writes a stats event.\n"
            "Exit status: 0 ok, 1 bad usage, config or input, 2 an input was cut short or a\n"
            "capture failed.\n");
}

static int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sluice: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'sluice --help'.\n");
    va_end(ap);
    return 1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    enum {
        OPT_SET = 256,
        OPT_TEST_CONFIG,
        OPT_HELP_CONFIG,
        OPT_WORKERS,
        OPT_USER,
        OPT_GROUP,
        OPT_PIDFILE
    };
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'i'},
        {"filter", required_argument, NULL, 'f'},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"log-dir", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, OPT_SET},
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {"pidfile", required_argument, NULL, OPT_PIDFILE},
        {"test-config", no_argument, NULL, OPT_TEST_CONFIG},
        {"help-config", no_argument, NULL, OPT_HELP_CONFIG},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":r:i:f:l:c:qvVh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (o->ninputs >= MAX_INPUTS)
                return die_usage("too many -r inputs (at most %d)", MAX_INPUTS);
            o->inputs[o->ninputs++] = optarg;
            break;
        case 'i':
            if (o->nifaces >= MAX_IFACES)
                return die_usage("too many -i interfaces (at most %d)", MAX_IFACES);
            o->ifaces[o->nifaces++] = optarg;
            break;
        case 'f':
            o->filter = optarg;
            break;
        case OPT_WORKERS:
            o->workers = optarg;
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case OPT_GROUP:
            o->group = optarg;
            break;
        case OPT_PIDFILE:
            o->pidfile = optarg;
            break;
        case 'l':
            o->log_dir = optarg;
            break;
        case 'c':
            o->config_file = optarg;
            break;
        case OPT_SET:
            if (o->nsets >= sizeof(o->sets) / sizeof(o->sets[0]))
                return die_usage("too many --set options (at most 256)");
            o->sets[o->nsets++] = optarg;
            break;
        case OPT_TEST_CONFIG:
            o->test_config = 1;
            break;
        case OPT_HELP_CONFIG:
            sl_config_print_help(stdout);
            exit(0);
        case 'q':
            o->quiet = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'V':
            printf("sluice %s\n", sluice_version());
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            return die_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            return die_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return die_usage("unexpected argument '%s' (captures are given with -r)", argv[optind]);
    return 0;
}

static void print_error(const sluice_error *err)
{
    char buf[1024];
    fprintf(stderr, "sluice: %s\n", sluice_error_format(err, buf, sizeof(buf)));
}

/* A command-line option that is also a config row: applied as --set would. */
static int set_option(struct sluice_config *cfg, const char *name, const char *value,
                      const char *flag)
{
    char buf[2048];
    sluice_error err;
    if ((size_t)snprintf(buf, sizeof(buf), "%s=%s", name, value) >= sizeof(buf)) {
        fprintf(stderr, "sluice: %s: value too long\n", flag);
        return -1;
    }
    if (sl_config_set(cfg, buf, &err) != 0) {
        fprintf(stderr, "sluice: %s %s: %s\n", flag, value, err.text);
        return -1;
    }
    return 0;
}

/* Config: defaults, then -c, then each --set in order, then the other options. */
static int load_config(const struct options *o, struct sluice_config *cfg)
{
    sluice_error err;
    memset(&err, 0, sizeof(err));
    sl_config_defaults(cfg);
    if (o->config_file && sl_config_load_file(cfg, o->config_file, &err) != 0) {
        print_error(&err);
        return -1;
    }
    for (unsigned i = 0; i < o->nsets; i++) {
        if (sl_config_set(cfg, o->sets[i], &err) != 0) {
            print_error(&err);
            return -1;
        }
    }
    if (o->log_dir) {
        if (strlen(o->log_dir) >= sizeof(cfg->log_dir)) {
            fprintf(stderr, "sluice: -l: directory name too long\n");
            return -1;
        }
        snprintf(cfg->log_dir, sizeof(cfg->log_dir), "%s", o->log_dir);
    }
    if (o->nifaces) {
        char list[sizeof(cfg->capture_interfaces)] = "";
        size_t used = 0;
        for (unsigned i = 0; i < o->nifaces; i++) {
            if (strchr(o->ifaces[i], ',') || !o->ifaces[i][0]) {
                fprintf(stderr, "sluice: -i '%s': not an interface name\n", o->ifaces[i]);
                return -1;
            }
            int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? "," : "", o->ifaces[i]);
            if (w < 0 || (size_t)w >= sizeof(list) - used) {
                fprintf(stderr, "sluice: -i: too many interfaces\n");
                return -1;
            }
            used += (size_t)w;
        }
        memcpy(cfg->capture_interfaces, list, sizeof(list));
    }
    if ((o->filter && set_option(cfg, "capture.bpf", o->filter, "-f") != 0) ||
        (o->workers && set_option(cfg, "workers", o->workers, "--workers") != 0) ||
        (o->user && set_option(cfg, "run.user", o->user, "--user") != 0) ||
        (o->group && set_option(cfg, "run.group", o->group, "--group") != 0) ||
        (o->pidfile && set_option(cfg, "run.pidfile", o->pidfile, "--pidfile") != 0))
        return -1;
    if (sl_config_validate(cfg, &err) != 0) {
        print_error(&err);
        return -1;
    }
    return 0;
}

/* capture.interfaces split in place into names. */
static unsigned split_ifaces(char *list, char **out, unsigned max)
{
    unsigned n = 0;
    for (char *t = strtok(list, ", "); t && n < max; t = strtok(NULL, ", "))
        out[n++] = t;
    return n;
}

/*
 * One worker's config: the memory caps are for the whole sensor, so each of
 * n workers gets its share (never below an option's minimum).
 */
static void worker_config(const struct sluice_config *all, unsigned n, struct sluice_config *out)
{
    *out = *all;
    if (n <= 1)
        return;
    out->flow_memcap = all->flow_memcap / n < 64 * 1024 ? 64 * 1024 : all->flow_memcap / n;
    out->ndpi_max_flows = all->ndpi_max_flows / n < 16 ? 16 : all->ndpi_max_flows / n;
    out->p2p_max_flows = all->p2p_max_flows / n < 16 ? 16 : all->p2p_max_flows / n;
    out->hosts_max = all->hosts_max / n < 16 ? 16 : all->hosts_max / n;
}

/* Worker i's run id: distinct per worker so event_ids stay unique; worker 0 keeps the run's. */
static uint64_t worker_run_id(uint64_t run_id, unsigned i)
{
    if (i == 0)
        return run_id;
    uint64_t h = run_id ^ (0x9e3779b97f4a7c15ull * (i + 1));
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h;
}

/*
 * workers 0: one per core live; one for a replay, which then stays
 * reproducible byte for byte (several workers write the same events, but
 * in an order that depends on thread timing).
 */
static unsigned worker_count(const struct sluice_config *cfg, bool live)
{
    if (cfg->workers)
        return cfg->workers;
    if (!live)
        return 1;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (unsigned)n;
}

/* The outputs, each shared by every worker's engine; NULL when not configured. */
struct outputs {
    struct sl_sink_shared *eve, *redis, *out, *summary;
    void *summary_ctx; /* for the end-of-run summary, owned by its shared sink */
};

static struct sl_sink_shared *share(const sluice_sink_ops *ops, void *ctx, unsigned n)
{
    struct sl_sink_shared *s = sl_sink_shared_new(ops, ctx, n);
    if (!s)
        fprintf(stderr, "sluice: out of memory\n");
    return s;
}

/* The EVE file (with its rotation), Redis, standard output, and the summary.  0, or -1 with the
 * error printed. */
static int open_outputs(const struct sluice_config *cfg, unsigned n, bool quiet, bool replay,
                        struct outputs *out)
{
    memset(out, 0, sizeof(*out));
    sluice_error err;
    memset(&err, 0, sizeof(err));
    if (cfg->redis_enabled) {
        /* A replay waits for Redis's queue to have room: its packets wait in the file. */
        void *ctx = sl_sink_redis_open(cfg, quiet, replay, &err);
        if (!ctx) {
            print_error(&err);
            return -1;
        }
        if (!(out->redis = share(&sl_sink_redis_ops, ctx, n)))
            return -1;
    }
    if (cfg->eve_enabled) {
        char path[2100];
        if (strcmp(cfg->eve_filename, "-") == 0 || cfg->eve_filename[0] == '/')
            snprintf(path, sizeof(path), "%s", cfg->eve_filename);
        else
            snprintf(path, sizeof(path), "%s/%s", cfg->log_dir, cfg->eve_filename);
        void *ctx = sl_sink_file_open(path, &err);
        if (!ctx) {
            print_error(&err);
            return -1;
        }
        sl_sink_file_set_rotation(ctx, cfg->eve_rotate_size, cfg->eve_rotate_interval,
                                  cfg->eve_fsync_interval);
        if (!(out->eve = share(&sl_sink_file_ops, ctx, n)))
            return -1;
    }
    if (cfg->stdout_enabled) {
        void *ctx = sl_sink_file_open("-", &err);
        if (!ctx) {
            print_error(&err);
            return -1;
        }
        if (!(out->out = share(&sl_sink_stdout_ops, ctx, n)))
            return -1;
    }
    /* Opened even with -q, so the stats event (which lists the sinks) is the same either way;
     * with -q it parses nothing (a quarter of a flow event's cost on short flows). */
    out->summary_ctx = sl_sink_summary_new(&cfg->home_nets, quiet);
    if (out->summary_ctx && !(out->summary = share(&sl_sink_summary_ops, out->summary_ctx, n)))
        out->summary_ctx = NULL;
    return 0;
}

/* Handles from worker `from` on that no engine took count as closed. */
static void release_outputs(struct outputs *out, unsigned from, unsigned n)
{
    struct sl_sink_shared *all[] = {out->redis, out->eve, out->out, out->summary};
    for (unsigned k = 0; k < sizeof(all) / sizeof(all[0]); k++)
        for (unsigned i = from; all[k] && i < n; i++)
            sl_sink_shared_release(all[k], i);
}

/* Engines for every worker, each with its share of the caps and a handle on each output. */
static int make_engines(const struct sluice_config *cfg, struct sl_workers *ws, uint64_t run_id,
                        struct outputs *out)
{
    unsigned n = sl_workers_count(ws);
    static struct sluice_config wcfg;
    worker_config(cfg, n, &wcfg);
    for (unsigned i = 0; i < n; i++) {
        sluice_error err;
        sluice_engine *eng = sluice_engine_new(&wcfg, worker_run_id(run_id, i), &err);
        if (!eng) {
            print_error(&err);
            release_outputs(out, i, n);
            return -1;
        }
        sl_workers_set_engine(ws, i, eng);
        sluice_engine_set_worker(eng, i, n);
        const struct {
            struct sl_sink_shared *s;
            unsigned types;
        } sinks[] = {{out->redis, cfg->redis_types},
                     {out->eve, cfg->eve_types},
                     {out->out, cfg->stdout_types},
                     {out->summary, SLUICE_EVENT_ALERT | SLUICE_EVENT_FLOW}};
        for (unsigned k = 0; k < sizeof(sinks) / sizeof(sinks[0]); k++) {
            if (!sinks[k].s)
                continue;
            /* On failure the engine closed this handle; the later ones nobody took. */
            if (sluice_engine_add_sink(eng, sl_sink_shared_ops(sinks[k].s),
                                       sl_sink_shared_handle(sinks[k].s, i), sinks[k].types,
                                       &err) != 0) {
                print_error(&err);
                for (unsigned j = k + 1; j < sizeof(sinks) / sizeof(sinks[0]); j++)
                    if (sinks[j].s)
                        sl_sink_shared_release(sinks[j].s, i);
                release_outputs(out, i + 1, n);
                return -1;
            }
        }
    }
    return 0;
}

static void free_engines(struct sl_workers *ws)
{
    for (unsigned i = 0; i < sl_workers_count(ws); i++)
        sluice_engine_free(sl_workers_engine(ws, i));
}

/* Sum of the workers' counters, for the summary and the exit status. */
static void total_stats(struct sl_workers *ws, sluice_stats *t)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < sl_workers_count(ws); i++) {
        sluice_engine *eng = sl_workers_engine(ws, i);
        if (!eng)
            continue;
        sluice_stats s;
        sluice_engine_stats(eng, &s);
        t->packets += s.packets;
        t->flows_created += s.flows_created;
        t->alerts += s.alerts;
        t->events += s.events;
        t->events_undelivered += s.events_undelivered;
        t->decode_failed += s.decode_failed;
    }
}

static uint64_t live_run_id(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
    return r;
}

int main(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof(o));
    if (parse_args(argc, argv, &o) != 0)
        return 1;

    static struct sluice_config cfg;
    if (load_config(&o, &cfg) != 0)
        return 1;
    char errbuf[600];
    if (o.test_config) {
        if (sl_privs_check(cfg.run_user, cfg.run_group, errbuf, sizeof(errbuf)) != 0) {
            fprintf(stderr, "sluice: %s\n", errbuf);
            return 1;
        }
        if (!o.quiet)
            printf("sluice: configuration OK\n");
        return 0;
    }
    static char iface_buf[sizeof(cfg.capture_interfaces)];
    char *ifaces[MAX_IFACES];
    memcpy(iface_buf, cfg.capture_interfaces, sizeof(iface_buf));
    unsigned nifaces = o.ninputs ? 0 : split_ifaces(iface_buf, ifaces, MAX_IFACES);
    if (o.ninputs && o.nifaces)
        return die_usage("-r and -i cannot be combined: replay and live capture are separate runs");
    if (o.ninputs == 0 && nifaces == 0)
        return die_usage(
            "nothing to read: give a capture with -r PATH or an interface with -i IFACE");

    int status = 1;
    bool pidfile = false;
    struct sl_file_list files = {0};
    struct sl_live *live = NULL;
    struct sl_workers *ws = NULL;
    uint64_t run_id;
    if (cfg.run_pidfile[0]) {
        if (sl_pidfile_create(cfg.run_pidfile, errbuf, sizeof(errbuf)) != 0) {
            fprintf(stderr, "sluice: %s\n", errbuf);
            return 1;
        }
        pidfile = true;
    }
    if (o.ninputs) {
        if (sl_replay_collect(o.inputs, o.ninputs, &files) != 0)
            goto out;
        run_id = sl_replay_run_id(&cfg, &files);
    } else {
        live = sl_live_open(&cfg, ifaces, nifaces, errbuf, sizeof(errbuf));
        if (!live) {
            fprintf(stderr, "sluice: %s\n", errbuf);
            goto out;
        }
        run_id = live_run_id();
    }
    unsigned nworkers = worker_count(&cfg, live != NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (!live && nworkers > 1 && ncpu > 0 && nworkers + 1 > (unsigned long)ncpu && !o.quiet)
        /* The reader is a thread too: more threads than CPUs share them and wait on each other. */
        fprintf(stderr,
                "sluice: warning: %u workers and the reader on %ld CPUs: a replay may be slower "
                "than with fewer workers\n",
                nworkers, ncpu);
    uint64_t queue_size = live ? cfg.capture_queue_size : cfg.replay_queue_size;
    ws = sl_workers_new(nworkers, live ? sl_live_handles(live) : 1, queue_size, live != NULL,
                        ((int64_t)cfg.capture_timeout_ms + 200) * 1000);
    if (!ws) {
        fprintf(stderr, "sluice: cannot allocate %u worker queues of %llu bytes\n", nworkers,
                (unsigned long long)queue_size);
        goto out;
    }
    struct outputs outs;
    if (open_outputs(&cfg, nworkers, o.quiet, live == NULL, &outs) != 0) {
        release_outputs(&outs, 0, nworkers);
        goto out;
    }
    if (make_engines(&cfg, ws, run_id, &outs) != 0)
        goto out;
    /* Everything privileged is open: capture handles, eve.json, the pidfile. */
    if (sl_privs_drop(cfg.run_user, cfg.run_group, errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "sluice: %s; refusing to run\n", errbuf);
        goto out;
    }

    sl_signals_install();
    sl_signals_block(); /* the threads leave signals to the main thread */
    int started = sl_workers_start(ws);
    sl_signals_unblock();
    if (started != 0) {
        fprintf(stderr, "sluice: cannot start worker threads: %s\n", strerror(errno));
        goto out;
    }
    if (live) {
        status = sl_live_run(live, &cfg, ws);
    } else {
        uint64_t packets;
        status = sl_replay_run(&files, &cfg, ws, o.verbose, o.quiet, &packets);
        sluice_capture_stats cs = {.name = "replay", .packets = packets};
        sl_workers_set_capture(ws, &cs, 1);
    }
    sl_workers_finish(ws);

    sluice_stats st;
    total_stats(ws, &st);
    if (!o.quiet)
        fprintf(stderr,
                "sluice: %llu packets, %llu flows, %llu alerts, %llu events (%llu undelivered), "
                "%llu packets not decoded\n",
                (unsigned long long)st.packets, (unsigned long long)st.flows_created,
                (unsigned long long)st.alerts, (unsigned long long)st.events,
                (unsigned long long)st.events_undelivered, (unsigned long long)st.decode_failed);
    if (outs.summary_ctx && !o.quiet)
        sl_sink_summary_print(outs.summary_ctx, &st, stderr);
    if (st.events_undelivered && !status)
        status = 2;
out:
    if (ws) {
        sl_workers_finish(ws);
        free_engines(ws);
        sl_workers_free(ws);
    }
    sl_live_close(live);
    sl_replay_list_free(&files);
    if (pidfile)
        sl_pidfile_remove(cfg.run_pidfile);
    return status;
}
