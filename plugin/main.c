/*
 * main.c - the `sluice` sensor: reads captures (-r), runs the engine over
 * them and writes EVE JSON events to LOGDIR/eve.json (or standard output).
 *
 * Exit status: 0 success; 1 bad usage, config or input (nothing processed);
 * 2 an input could not be read to its end (what could be read was processed).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capfile.h"
#include "config.h"
#include "decode.h"
#include "sink-file.h"
#include "sink-redis.h"
#include "sluice.h"

#define MAX_INPUTS 4096

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct options {
    const char *inputs[MAX_INPUTS]; /* as given with -r */
    unsigned ninputs;
    const char *config_file;
    const char *log_dir;
    const char *sets[256];
    unsigned nsets;
    int quiet, verbose, test_config;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: sluice -r PATH [-r PATH ...] [options]\n"
            "Detect P2P sessions in captures and write EVE JSON events.\n"
            "\n"
            "  -r, --read PATH        read a capture file (pcap or pcapng), or every capture\n"
            "                         in a directory (sorted by name); repeatable\n"
            "  -l, --log-dir DIR      write eve.json into DIR (default: log.dir, \".\")\n"
            "  -c, --config FILE      load a JSON config (see etc/sluice.json)\n"
            "      --set KEY=VALUE    override one option, e.g. --set flow.timeout.udp=30s;\n"
            "                         repeatable, applied after -c in order\n"
            "      --test-config      check the config and options, then exit\n"
            "      --help-config      list every option with its type, default and range\n"
            "  -q, --quiet            no summary on standard error\n"
            "  -v, --verbose          say what is read\n"
            "  -V, --version          print the version\n"
            "  -h, --help             this help\n"
            "\n"
            "Events go to LOGDIR/eve.json; --set outputs.eve.filename=- prints them instead.\n"
            "--set redis.enabled=true also sends them to Redis (see redis.* in --help-config).\n"
            "Exit status: 0 ok, 1 bad usage, config or input, 2 an input was cut short.\n");
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
    enum { OPT_SET = 256, OPT_TEST_CONFIG, OPT_HELP_CONFIG };
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"log-dir", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, OPT_SET},
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
    while ((ch = getopt_long(argc, argv, ":r:l:c:qvVh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (o->ninputs >= MAX_INPUTS)
                return die_usage("too many -r inputs (at most %d)", MAX_INPUTS);
            o->inputs[o->ninputs++] = optarg;
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

/* Config: defaults, then -c, then each --set in order, then -l. */
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
    if (sl_config_validate(cfg, &err) != 0) {
        print_error(&err);
        return -1;
    }
    return 0;
}

/* The expanded list of capture files to read, in order. */
struct file_list {
    char **path;
    unsigned n, cap;
};

static int list_add(struct file_list *l, const char *path)
{
    if (l->n == l->cap) {
        unsigned cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->path, cap * sizeof(*p));
        if (!p)
            return -1;
        l->path = p;
        l->cap = cap;
    }
    l->path[l->n] = strdup(path);
    if (!l->path[l->n])
        return -1;
    l->n++;
    return 0;
}

static void list_free(struct file_list *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory contributes its regular, non-hidden files, sorted by name. */
static int expand_dir(const char *dir, struct file_list *l)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "sluice: %s: cannot open directory: %s\n", dir, strerror(errno));
        return -1;
    }
    unsigned first = l->n;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
            continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (list_add(l, path) != 0) {
            closedir(d);
            fprintf(stderr, "sluice: out of memory\n");
            return -1;
        }
    }
    closedir(d);
    qsort(l->path + first, l->n - first, sizeof(char *), cmp_names);
    if (l->n == first) {
        fprintf(stderr, "sluice: %s: no files in directory\n", dir);
        return -1;
    }
    return 0;
}

/*
 * Expand -r arguments and check every file before anything is processed,
 * so a typo fails at once rather than after an hour of replay.
 * Files found in a directory that are not captures are skipped with a
 * warning; a file named on the command line must be a capture.
 */
static int collect_inputs(const struct options *o, struct file_list *l)
{
    for (unsigned i = 0; i < o->ninputs; i++) {
        struct stat st;
        if (stat(o->inputs[i], &st) != 0) {
            fprintf(stderr, "sluice: %s: %s\n", o->inputs[i], strerror(errno));
            return -1;
        }
        unsigned first = l->n;
        if (S_ISDIR(st.st_mode)) {
            if (expand_dir(o->inputs[i], l) != 0)
                return -1;
        } else if (list_add(l, o->inputs[i]) != 0) {
            fprintf(stderr, "sluice: out of memory\n");
            return -1;
        }
        for (unsigned k = first; k < l->n;) {
            char err[512];
            struct sl_capfile *f = sl_capfile_open(l->path[k], err, sizeof(err));
            int lt = f ? sl_capfile_linktype(f) : -1;
            if (f)
                sl_capfile_close(f);
            const char *why = !f ? err : (lt >= 0 && !sl_decode_linktype_supported(lt)) ? "" : NULL;
            if (!why) {
                k++;
                continue;
            }
            if (!S_ISDIR(st.st_mode)) {
                if (f)
                    fprintf(stderr, "sluice: %s: unsupported link type %d\n", l->path[k], lt);
                else
                    fprintf(stderr, "sluice: %s\n", err);
                return -1;
            }
            fprintf(stderr, "sluice: warning: skipping %s\n", f ? l->path[k] : err);
            free(l->path[k]);
            memmove(&l->path[k], &l->path[k + 1], (l->n - k - 1) * sizeof(char *));
            l->n--;
        }
    }
    return 0;
}

/* A run id that is the same for the same inputs and sensor, so a replay is reproducible. */
static uint64_t replay_run_id(const struct sluice_config *cfg, const struct file_list *l)
{
    uint64_t h = 0xcbf29ce484222325ull;
    const char *s = cfg->sensor_name;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    for (unsigned i = 0; i < l->n; i++) {
        struct stat st;
        for (s = l->path[i]; *s; s++)
            h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
        if (stat(l->path[i], &st) == 0)
            h = (h ^ (uint64_t)st.st_size) * 0x100000001b3ull;
    }
    return h;
}

/* The Redis sink, when redis.enabled: events to Redis through its own thread and spool. */
static int open_redis(sluice_engine *eng, const struct sluice_config *cfg, bool quiet)
{
    if (!cfg->redis_enabled)
        return 0;
    sluice_error err;
    memset(&err, 0, sizeof(err));
    void *ctx = sl_sink_redis_open(cfg, quiet, &err);
    if (!ctx || sluice_engine_add_sink(eng, &sl_sink_redis_ops, ctx, cfg->redis_types, &err) != 0) {
        print_error(&err);
        return -1;
    }
    return 0;
}

static int open_outputs(sluice_engine *eng, const struct sluice_config *cfg, bool quiet)
{
    if (open_redis(eng, cfg, quiet) != 0)
        return -1;
    if (cfg->stdout_enabled) {
        sluice_error err;
        memset(&err, 0, sizeof(err));
        void *out = sl_sink_file_open("-", &err);
        if (!out ||
            sluice_engine_add_sink(eng, &sl_sink_stdout_ops, out, cfg->stdout_types, &err) != 0) {
            print_error(&err);
            return -1;
        }
    }
    if (!cfg->eve_enabled)
        return 0;
    char path[2100];
    if (strcmp(cfg->eve_filename, "-") == 0 || cfg->eve_filename[0] == '/')
        snprintf(path, sizeof(path), "%s", cfg->eve_filename);
    else
        snprintf(path, sizeof(path), "%s/%s", cfg->log_dir, cfg->eve_filename);
    sluice_error err;
    memset(&err, 0, sizeof(err));
    void *ctx = sl_sink_file_open(path, &err);
    if (!ctx || sluice_engine_add_sink(eng, &sl_sink_file_ops, ctx, cfg->eve_types, &err) != 0) {
        print_error(&err);
        return -1;
    }
    sl_sink_file_set_rotation(ctx, cfg->eve_rotate_size, cfg->eve_rotate_interval,
                              cfg->eve_fsync_interval);
    return 0;
}

/* Replay one file.  0 read to the end, -1 cut short by an error (message printed). */
static int replay_file(sluice_engine *eng, const char *path, const struct options *o)
{
    char err[512];
    struct sl_capfile *f = sl_capfile_open(path, err, sizeof(err));
    if (!f) {
        fprintf(stderr, "sluice: %s\n", err);
        return -1;
    }
    if (o->verbose)
        fprintf(stderr, "sluice: reading %s (%s)\n", path, sl_capfile_format(f));
    sluice_engine_set_source(eng, path);
    struct sl_capfile_pkt p;
    int r;
    while (!stop_requested && (r = sl_capfile_next(f, &p)) == 1) {
        sluice_packet sp = {
            .ts_sec = p.ts_sec,
            .ts_usec = p.ts_usec,
            .linktype = p.linktype,
            .data = p.data,
            .caplen = p.caplen,
            .wirelen = p.wirelen,
        };
        sluice_engine_packet(eng, &sp);
    }
    int rc = 0;
    if (!stop_requested && r < 0) {
        fprintf(stderr, "sluice: %s\n", sl_capfile_error(f));
        rc = -1;
    } else if (sl_capfile_truncated(f) && !o->quiet) {
        fprintf(stderr, "sluice: warning: %s: last packet cut short (file truncated)\n", path);
    }
    sl_capfile_close(f);
    return rc;
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
    if (o.test_config) {
        if (!o.quiet)
            printf("sluice: configuration OK\n");
        return 0;
    }
    if (o.ninputs == 0)
        return die_usage("nothing to read: give a capture with -r PATH");

    struct file_list files = {0};
    if (collect_inputs(&o, &files) != 0) {
        list_free(&files);
        return 1;
    }

    sluice_error err;
    memset(&err, 0, sizeof(err));
    sluice_engine *eng = sluice_engine_new(&cfg, replay_run_id(&cfg, &files), &err);
    if (!eng) {
        print_error(&err);
        list_free(&files);
        return 1;
    }
    if (open_outputs(eng, &cfg, o.quiet) != 0) {
        sluice_engine_free(eng);
        list_free(&files);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status = 0;
    for (unsigned i = 0; i < files.n && !stop_requested; i++)
        if (replay_file(eng, files.path[i], &o) != 0)
            status = 2;

    sluice_engine_flush(eng);
    sluice_engine_write_stats(eng);
    sluice_stats st;
    sluice_engine_stats(eng, &st);
    if (!o.quiet)
        fprintf(stderr,
                "sluice: %llu packets, %llu flows, %llu alerts, %llu events (%llu undelivered), "
                "%llu packets not decoded\n",
                (unsigned long long)st.packets, (unsigned long long)st.flows_created,
                (unsigned long long)st.alerts, (unsigned long long)st.events,
                (unsigned long long)st.events_undelivered, (unsigned long long)st.decode_failed);
    if (st.events_undelivered)
        status = status ? status : 2;
    sluice_engine_free(eng);
    list_free(&files);
    return status;
}
