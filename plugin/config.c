/*
 * config.c - every option in one table (name, type, bounds, default, help),
 * and the code that reads them from a JSON config, from --set, and writes
 * the help text and the sample config from the same rows.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "jsonc.h"
#include "jw.h"

#define MAX_CONFIG_FILE (1 << 20)

enum opt_type { T_BOOL, T_UINT, T_SIZE, T_DURATION, T_STRING, T_CIDRS, T_EVTYPES, T_WINDOWS };

struct opt {
    const char *name;
    enum opt_type type;
    size_t offset, size;
    const char *def; /* as text, in the syntax --set takes */
    uint64_t min, max;
    const char *help;
};

#define F(field) offsetof(struct sluice_config, field), sizeof(((struct sluice_config *)0)->field)
#define KiB      1024ull
#define MiB      (1024ull * KiB)
#define GiB      (1024ull * MiB)

/* Grouped by section: the sample config nests them in this order. */
static const struct opt opts[] = {
    {"sensor.name", T_STRING, F(sensor_name), "", 0, 0,
     "Name of this sensor: the \"host\" field of every event. Empty: the host name."},
    {"home_networks", T_CIDRS, F(home_nets),
     "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,fc00::/7,fe80::/10", 0, 0,
     "Internal networks (IPv4 and IPv6 CIDRs): the inside of the perimeter."},
    {"log.dir", T_STRING, F(log_dir), ".", 0, 0, "Directory for eve.json (-l overrides)."},
    {"outputs.eve.enabled", T_BOOL, F(eve_enabled), "true", 0, 0, "Write EVE JSON events."},
    {"outputs.eve.filename", T_STRING, F(eve_filename), "eve.json", 0, 0,
     "EVE file, relative to log.dir; \"-\" is standard output."},
    {"outputs.eve.types", T_EVTYPES, F(eve_types), "all", 0, 0,
     "Event types written: any of alert, flow, flow_update, stats, or all."},
    {"outputs.eve.rotate_size", T_SIZE, F(eve_rotate_size), "0", 0, 1024 * GiB,
     "Rename the EVE file to FILE.<UTC time> when it would grow past this size; 0: never."},
    {"outputs.eve.rotate_interval", T_DURATION, F(eve_rotate_interval), "0", 0, 604800,
     "Rename the EVE file at every multiple of this much wall-clock time (UTC); 0: never."},
    {"outputs.eve.fsync_interval", T_DURATION, F(eve_fsync_interval), "0", 0, 86400,
     "fdatasync the EVE file at most this often (and at the end); 0: leave it to the kernel."},
    {"outputs.stdout.enabled", T_BOOL, F(stdout_enabled), "false", 0, 0,
     "Also write EVE lines to standard output (besides the EVE file and Redis)."},
    {"outputs.stdout.types", T_EVTYPES, F(stdout_types), "all", 0, 0,
     "Event types written to standard output: any of alert, flow, flow_update, stats, or all."},
    {"redis.enabled", T_BOOL, F(redis_enabled), "false", 0, 0,
     "Send events to Redis as well (alerts/sink-redis.c); nothing is lost while it is away."},
    {"redis.server", T_STRING, F(redis_server), "127.0.0.1", 0, 0, "Redis host name or address."},
    {"redis.port", T_UINT, F(redis_port), "6379", 1, 65535, "Redis TCP port."},
    {"redis.socket", T_STRING, F(redis_socket), "", 0, 0,
     "Redis Unix socket path; when set it is used instead of server and port."},
    {"redis.mode", T_STRING, F(redis_mode), "list", 0, 0,
     "list (or lpush): LPUSH; rpush: RPUSH; channel (or publish): PUBLISH; stream (or xadd): "
     "XADD."},
    {"redis.key", T_STRING, F(redis_key), "sluice", 0, 0, "The list key, channel or stream name."},
    {"redis.key_per_type", T_BOOL, F(redis_key_per_type), "false", 0, 0,
     "One key per event type: KEY:alert, KEY:flow, KEY:flow_update, KEY:stats."},
    {"redis.username", T_STRING, F(redis_username), "", 0, 0,
     "ACL user for AUTH (Redis 6+); empty: AUTH with the password only."},
    {"redis.password", T_STRING, F(redis_password), "", 0, 0, "Password for AUTH; empty: no AUTH."},
    {"redis.db", T_UINT, F(redis_db), "0", 0, 65535, "Database number (SELECT)."},
    {"redis.types", T_EVTYPES, F(redis_types), "all", 0, 0,
     "Event types sent: any of alert, flow, flow_update, stats, or all."},
    {"redis.connect_timeout", T_DURATION, F(redis_connect_timeout), "2", 1, 300,
     "Time allowed to connect (and AUTH) before trying again later."},
    {"redis.command_timeout", T_DURATION, F(redis_command_timeout), "5", 1, 300,
     "Time allowed for a batch's replies before the connection is dropped and retried."},
    {"redis.stream_maxlen", T_UINT, F(redis_stream_maxlen), "100000", 1, 1ull << 40,
     "Stream mode: XADD MAXLEN ~ this many entries."},
    {"redis.batch", T_UINT, F(redis_batch), "256", 1, 65536,
     "Commands sent in one pipelined batch before reading their replies."},
    {"redis.queue_size", T_SIZE, F(redis_queue_size), "16MiB", 64 * KiB, 4 * GiB,
     "Memory queue between the engine and the Redis thread; events beyond it are dropped "
     "(counted)."},
    {"redis.spool_dir", T_STRING, F(redis_spool_dir), "redis-spool", 0, 0,
     "Spool directory for events Redis has not taken, relative to log.dir."},
    {"redis.spool_max", T_SIZE, F(redis_spool_max), "1GiB", 64 * KiB, 1024 * GiB,
     "Disk the spool may use; events beyond it are dropped (counted and logged)."},
    {"redis.drain_timeout", T_DURATION, F(redis_drain_timeout), "2", 0, 3600,
     "At exit, time allowed to deliver what is queued; the rest is spooled for the next run."},
    {"flow.memcap", T_SIZE, F(flow_memcap), "64MiB", 64 * KiB, 64 * GiB,
     "Memory for the flow table; when full the least recently seen flow is evicted."},
    {"flow.hash_size", T_UINT, F(flow_hash_size), "65536", 1024, 1u << 26,
     "Buckets of the flow hash (rounded up to a power of two)."},
    {"flow.timeout.tcp_new", T_DURATION, F(timeout_tcp_new), "30", 1, 86400,
     "Idle timeout of a TCP flow before its handshake completes."},
    {"flow.timeout.tcp_established", T_DURATION, F(timeout_tcp_est), "600", 1, 604800,
     "Idle timeout of an established TCP flow."},
    {"flow.timeout.tcp_closed", T_DURATION, F(timeout_tcp_closed), "10", 0, 3600,
     "Time a TCP flow is kept after FIN both ways or RST."},
    {"flow.timeout.udp", T_DURATION, F(timeout_udp), "60", 1, 86400, "Idle timeout of a UDP flow."},
    {"flow.timeout.icmp", T_DURATION, F(timeout_icmp), "30", 1, 86400,
     "Idle timeout of an ICMP flow."},
    {"flow.timeout.other", T_DURATION, F(timeout_other), "60", 1, 86400,
     "Idle timeout of flows of other IP protocols."},
    {"flow.update_interval", T_DURATION, F(flow_update_interval), "300", 0, 86400,
     "A flow older than this writes a flow_update event with its running counters, again each "
     "interval while it is active; 0: never."},
    {"ndpi.max_packets", T_UINT, F(ndpi_max_packets), "32", 1, 255,
     "Packets of a flow given to nDPI before its guess is taken."},
    {"ndpi.extra_dissection", T_STRING, F(ndpi_extra_dissection), "unnamed", 0, 0,
     "After nDPI names a flow, keep giving it packets while it says more may come (TLS "
     "certificates, DNS answers, HTTP responses): all (as ndpiReader), unnamed (only while the "
     "verdict names just a carrier: TLS, not TLS.BitTorrent nor BitTorrent) or none."},
    {"ndpi.defer_to_dissectors", T_BOOL, F(ndpi_defer), "true", 0, 0,
     "Once sluice's own dissectors have parsed a flow's P2P protocol (a DHT message, a confirmed "
     "uTP connection, a BitTorrent, eDonkey or Gnutella handshake, a Gnutella datagram), nDPI "
     "stops: the flow is labelled with that protocol, and a BitTorrent flow's endpoints go "
     "into sluice's BitTorrent cache (256 KiB per worker), which names the swarm's later flows "
     "as nDPI's own cache would.  false: nDPI classifies every flow on its own."},
    {"ndpi.max_flows", T_UINT, F(ndpi_max_flows), "65536", 16, 1u << 24,
     "Flows being classified at once; nDPI state is freed once a flow is classified."},
    {"ndpi.idle_giveup", T_DURATION, F(ndpi_idle_giveup), "15", 0, 86400,
     "A flow still being classified that sees no packet for this long (to within a second) gets "
     "nDPI's verdict then "
     "and frees its state; 0: only when the flow ends."},
    {"p2p.max_flows", T_UINT, F(p2p_max_flows), "4096", 16, 1u << 20,
     "Flows followed by sluice's own P2P dissectors at once (0.4 to 3.1 KiB each, by protocol)."},
    {"p2p.infer_window", T_DURATION, F(p2p_infer_window), "1800", 0, 86400,
     "How long after P2P evidence a host's unidentified flows are inferred P2P; 0: never."},
    {"p2p.seeding_bytes", T_SIZE, F(p2p_seeding_bytes), "10MiB", 0, 1024 * GiB,
     "Piece bytes an internal host sends on one BitTorrent flow before the seeding alert; 0: off."},
    {"p2p.overshare_torrents", T_UINT, F(p2p_overshare), "5", 0, SL_OVERSHARE_MAX,
     "Distinct torrents an internal host serves to peers before the over-sharing alert; 0: off."},
    {"p2p.overshare_files", T_UINT, F(p2p_overshare_files), "500", 0, 10000000,
     "Files an internal host offers to an eDonkey server before the over-sharing alert; 0: off."},
    {"hosts.max", T_UINT, F(hosts_max), "16384", 16, 1u << 24,
     "Internal hosts remembered (2.2 KiB each); the one seen longest ago (to within a second) "
     "is forgotten."},
    {"egress.enabled", T_BOOL, F(egress_enabled), "true", 0, 0,
     "Track upload volume from internal hosts to external addresses and alert on it."},
    {"egress.flow_upload_bytes", T_SIZE, F(egress_flow_upload_bytes), "100MiB", 0,
     1024 * 1024 * GiB,
     "IP bytes one flow uploads to an external address before its alert; 0: off."},
    {"egress.flow_upload_repeat", T_BOOL, F(egress_flow_repeat), "true", 0, 0,
     "Alert again each time the flow's upload doubles (200MiB, 400MiB, ...)."},
    {"egress.windows", T_WINDOWS, F(egress_windows), "5m:300MiB,1h:1GiB,24h:1536MiB", 0, 0,
     "Sliding windows LENGTH:BUDGET (at most 4): an internal host uploading more than BUDGET to "
     "external addresses within LENGTH raises an alert; a budget of 0 only tracks."},
    {"egress.asymmetry_ratio", T_UINT, F(egress_asym_ratio), "10", 0, 1000000,
     "Asymmetric upload: a host's upload over the longest window at least this many times its "
     "download; 0: off."},
    {"egress.asymmetry_min_bytes", T_SIZE, F(egress_asym_min_bytes), "200MiB", 1, 1024 * 1024 * GiB,
     "...and at least this many bytes uploaded in that window."},
    {"egress.fanout_destinations", T_UINT, F(egress_fanout), "16", 0, 24,
     "Upload fan-out: distinct external destinations a host uploads egress.fanout_min_bytes to "
     "within egress.fanout_window (at most 24); 0: off."},
    {"egress.fanout_min_bytes", T_SIZE, F(egress_fanout_min_bytes), "1MiB", 1, 1024 * 1024 * GiB,
     "Upload to one destination that makes it count for the fan-out alert."},
    {"egress.fanout_window", T_DURATION, F(egress_fanout_window), "3600", 1, 7 * 86400,
     "Window of the fan-out alert."},
    {"egress.p2p_upload_bytes", T_SIZE, F(egress_p2p_upload_bytes), "100MiB", 0, 1024 * 1024 * GiB,
     "Upload over P2P flows by one host within the longest window before its alert; 0: off."},
    {"egress.allowlist", T_CIDRS, F(egress_allow), "", 0, 0,
     "Internal hosts or external destinations (CIDRs) whose uploads never alert; still counted."},
    {"egress.group1.name", T_STRING, F(egress_group[0].name), "", 0, 0,
     "Name of network group 1, shown as egress.group in its alerts."},
    {"egress.group1.networks", T_CIDRS, F(egress_group[0].nets), "", 0, 0,
     "Internal networks of group 1 (its hosts use the group's thresholds); empty: unused."},
    {"egress.group1.flow_upload_bytes", T_SIZE, F(egress_group[0].flow_upload_bytes), "100MiB", 0,
     1024 * 1024 * GiB, "egress.flow_upload_bytes for group 1's hosts (not inherited)."},
    {"egress.group1.windows", T_WINDOWS, F(egress_group[0].windows), "", 0, 0,
     "egress.windows for group 1's hosts; empty: egress.windows."},
    {"egress.group2.name", T_STRING, F(egress_group[1].name), "", 0, 0,
     "Name of network group 2, shown as egress.group in its alerts."},
    {"egress.group2.networks", T_CIDRS, F(egress_group[1].nets), "", 0, 0,
     "Internal networks of group 2 (its hosts use the group's thresholds); empty: unused."},
    {"egress.group2.flow_upload_bytes", T_SIZE, F(egress_group[1].flow_upload_bytes), "100MiB", 0,
     1024 * 1024 * GiB, "egress.flow_upload_bytes for group 2's hosts (not inherited)."},
    {"egress.group2.windows", T_WINDOWS, F(egress_group[1].windows), "", 0, 0,
     "egress.windows for group 2's hosts; empty: egress.windows."},
    {"egress.group3.name", T_STRING, F(egress_group[2].name), "", 0, 0,
     "Name of network group 3, shown as egress.group in its alerts."},
    {"egress.group3.networks", T_CIDRS, F(egress_group[2].nets), "", 0, 0,
     "Internal networks of group 3 (its hosts use the group's thresholds); empty: unused."},
    {"egress.group3.flow_upload_bytes", T_SIZE, F(egress_group[2].flow_upload_bytes), "100MiB", 0,
     1024 * 1024 * GiB, "egress.flow_upload_bytes for group 3's hosts (not inherited)."},
    {"egress.group3.windows", T_WINDOWS, F(egress_group[2].windows), "", 0, 0,
     "egress.windows for group 3's hosts; empty: egress.windows."},
    {"egress.group4.name", T_STRING, F(egress_group[3].name), "", 0, 0,
     "Name of network group 4, shown as egress.group in its alerts."},
    {"egress.group4.networks", T_CIDRS, F(egress_group[3].nets), "", 0, 0,
     "Internal networks of group 4 (its hosts use the group's thresholds); empty: unused."},
    {"egress.group4.flow_upload_bytes", T_SIZE, F(egress_group[3].flow_upload_bytes), "100MiB", 0,
     1024 * 1024 * GiB, "egress.flow_upload_bytes for group 4's hosts (not inherited)."},
    {"egress.group4.windows", T_WINDOWS, F(egress_group[3].windows), "", 0, 0,
     "egress.windows for group 4's hosts; empty: egress.windows."},
    {"alerts.rate_limit", T_DURATION, F(alert_rate_limit), "60", 0, 86400,
     "Seconds between repeats of a detail alert for the same host and torrent; 0: no limit."},
    {"alerts.indicators", T_BOOL, F(alert_indicators), "true", 0, 0,
     "Write low-severity P2P indicator alerts (hostname, SNI, port guesses)."},
    {"stats.interval", T_DURATION, F(stats_interval), "0", 0, 86400,
     "Seconds of packet time between stats events; 0: one at the end of a replay."},
    {"evidence.enabled", T_BOOL, F(evidence_enabled), "true", 0, 0,
     "Write the packets of every alert's flow to LOGDIR/evidence/<flow_id>.pcap."},
    {"evidence.ring_packets", T_UINT, F(evidence_ring_packets), "8", 1, 256,
     "A young flow's last packets kept for its evidence pcap (the packets that led to an alert)."},
    {"evidence.snaplen", T_UINT, F(evidence_snaplen), "256", 64, 65535,
     "Bytes kept of each evidence packet (from the link layer on)."},
    {"evidence.packets_after", T_UINT, F(evidence_packets_after), "64", 0, 1000000,
     "Packets of the flow written after each alert."},
    {"evidence.max_bytes", T_SIZE, F(evidence_max_bytes), "256MiB", 0, 1024 * GiB,
     "Total size of the evidence pcaps of a run; packets past it are counted, not written."},
    {"evidence.max_flows", T_UINT, F(evidence_max_flows), "4096", 16, 65535,
     "Flows with an evidence ring at once (about 2.2 KiB each at the defaults)."},
    {"capture.interfaces", T_STRING, F(capture_interfaces), "", 0, 0,
     "Interfaces to capture on live, comma-separated (-i replaces the list)."},
    {"capture.snaplen", T_UINT, F(capture_snaplen), "65535", 64, 262144,
     "Bytes kept of each captured packet."},
    {"capture.promisc", T_BOOL, F(capture_promisc), "true", 0, 0,
     "Put the interfaces in promiscuous mode (a SPAN port needs it)."},
    {"capture.buffer_size", T_SIZE, F(capture_buffer_size), "64MiB", 1 * MiB, 1 * GiB,
     "Kernel capture buffer of each pcap handle; a bigger one rides out bursts."},
    {"capture.bpf", T_STRING, F(capture_bpf), "", 0, 0,
     "BPF filter (tcpdump syntax) for live capture; empty: everything (-f replaces)."},
    {"capture.timeout_ms", T_UINT, F(capture_timeout_ms), "100", 1, 1000,
     "Most milliseconds a packet waits in the kernel buffer before delivery."},
    {"capture.immediate", T_BOOL, F(capture_immediate), "false", 0, 0,
     "Deliver each packet at once (more CPU, less latency) instead of in batches."},
    {"capture.threads", T_UINT, F(capture_threads), "1", 1, 16,
     "pcap handles (and capture threads) per interface; above 1 they share a PACKET_FANOUT group."},
    {"capture.queue_size", T_SIZE, F(capture_queue_size), "8MiB", 256 * KiB, 1 * GiB,
     "Bytes of each queue from a capture thread to a worker (a replay's: replay.queue_size)."},
    {"replay.queue_size", T_SIZE, F(replay_queue_size), "2MiB", 1 * MiB, 1 * GiB,
     "Bytes of the queue from a replay's reader to each worker. The reader waits for room, so "
     "nothing is dropped: the queue only has to keep the worker fed, and one that stays in the "
     "CPU's cache is faster (8 MiB ran 15-25% slower than 2 MiB on the benchmark)."},
    {"workers", T_UINT, F(workers), "0", 0, 64,
     "Worker threads, one engine each; 0: one per core live, one in replay. Caps are split."},
    {"run.user", T_STRING, F(run_user), "", 0, 0,
     "Drop privileges to this user once capture and outputs are open (--user)."},
    {"run.group", T_STRING, F(run_group), "", 0, 0,
     "Group to run as (--group); default: the user's primary group."},
    {"run.pidfile", T_STRING, F(run_pidfile), "", 0, 0,
     "Write the process id to this file, refusing to start if a live process holds it "
     "(--pidfile)."},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* Index of `value` in a list of choices "a|b|c", -1 when it is not one. */
static int choice_index(const char *choices, const char *value)
{
    size_t n = strlen(value);
    int i = 0;
    for (const char *c = choices; *c; i++) {
        const char *end = strchr(c, '|');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (len == n && !memcmp(c, value, n))
            return i;
        c += len + (end != NULL);
    }
    return -1;
}

/* The string options that take one of a few words. */
static const struct {
    const char *name, *choices;
} choice_opts[] = {
    {"ndpi.extra_dissection", "all|unnamed|none"},
};

/* "a|b|c" when option `o` takes one of those words, else NULL. */
static const char *choices_of(const struct opt *o)
{
    for (size_t i = 0; i < sizeof(choice_opts) / sizeof(choice_opts[0]); i++)
        if (!strcmp(choice_opts[i].name, o->name))
            return choice_opts[i].choices;
    return NULL;
}

static const char *type_expect(enum opt_type t)
{
    switch (t) {
    case T_BOOL:
        return "true or false";
    case T_UINT:
        return "a whole number";
    case T_SIZE:
        return "a size (bytes, or a number with KiB/MiB/GiB/TiB)";
    case T_DURATION:
        return "a duration (seconds, or a number with s/m/h/d)";
    case T_STRING:
        return "a string";
    case T_CIDRS:
        return "a list of CIDRs (\"10.0.0.0/8\")";
    case T_WINDOWS:
        return "a list of windows LENGTH:BUDGET (\"1h:1GiB\")";
    default:
        return "a list of event types (alert, flow, flow_update, stats, all)";
    }
}

static void seterr(sluice_error *err, const char *src, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void seterr(sluice_error *err, const char *src, int line, int col, const char *fmt, ...)
{
    snprintf(err->source, sizeof(err->source), "%s", src ? src : "");
    err->line = line;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

const char *sluice_error_format(const sluice_error *err, char *buf, size_t len)
{
    if (err->source[0] && err->line > 0)
        snprintf(buf, len, "%s:%d:%d: %s", err->source, err->line, err->column, err->text);
    else if (err->source[0])
        snprintf(buf, len, "%s: %s", err->source, err->text);
    else
        snprintf(buf, len, "%s", err->text);
    return buf;
}

/* ---- value parsers: text to field; on failure, msg says why ---- */

static int parse_u64(const char *s, uint64_t *v, const char **rest)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    uint64_t x = 0;
    for (; isdigit((unsigned char)*s); s++) {
        if (x > (UINT64_MAX - 9) / 10)
            return -2; /* overflow */
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    *rest = s;
    return 0;
}

struct unit {
    const char *name;
    uint64_t mult;
};

static const struct unit size_units[] = {
    {"", 1},     {"B", 1},          {"K", KiB},          {"KiB", KiB},       {"KB", KiB},
    {"M", MiB},  {"MiB", MiB},      {"MB", MiB},         {"G", GiB},         {"GiB", GiB},
    {"GB", GiB}, {"T", 1024 * GiB}, {"TiB", 1024 * GiB}, {"TB", 1024 * GiB},
};

static const struct unit time_units[] = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};

static int parse_with_unit(const char *s, const struct unit *u, size_t nu, uint64_t *out)
{
    uint64_t v;
    const char *rest;
    int r = parse_u64(s, &v, &rest);
    if (r)
        return r;
    while (*rest == ' ')
        rest++;
    for (size_t i = 0; i < nu; i++) {
        if (strcmp(rest, u[i].name) == 0) {
            if (u[i].mult && v > UINT64_MAX / u[i].mult)
                return -2;
            *out = v * u[i].mult;
            return 0;
        }
    }
    return -1;
}

static void human_size(uint64_t v, char *buf, size_t n)
{
    if (v && v % GiB == 0)
        snprintf(buf, n, "%lluGiB", (unsigned long long)(v / GiB));
    else if (v && v % MiB == 0)
        snprintf(buf, n, "%lluMiB", (unsigned long long)(v / MiB));
    else if (v && v % KiB == 0)
        snprintf(buf, n, "%lluKiB", (unsigned long long)(v / KiB));
    else
        snprintf(buf, n, "%llu", (unsigned long long)v);
}

int sl_cidr_parse(const char *text, struct sl_cidr *out)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    if (alen == 0 || alen >= sizeof(addr))
        return -1;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, addr, out->addr) == 1)
        out->family = 4;
    else if (inet_pton(AF_INET6, addr, out->addr) == 1)
        out->family = 6;
    else
        return -1;
    unsigned maxp = out->family == 4 ? 32 : 128;
    uint64_t prefix = maxp;
    if (slash) {
        const char *rest;
        if (parse_u64(slash + 1, &prefix, &rest) || *rest || prefix > maxp)
            return -2;
    }
    out->prefix = (uint8_t)prefix;
    /* Host bits are cleared: "10.1.2.3/8" means 10.0.0.0/8. */
    for (unsigned bit = (unsigned)prefix; bit < maxp; bit++)
        out->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return 0;
}

bool sl_cidr_list_contains(const struct sl_cidr_list *l, int family, const uint8_t *addr)
{
    for (unsigned i = 0; i < l->count; i++) {
        const struct sl_cidr *c = &l->net[i];
        if (c->family != family)
            continue;
        unsigned full = c->prefix / 8, rem = c->prefix % 8;
        if (memcmp(c->addr, addr, full) != 0)
            continue;
        if (rem && ((addr[full] ^ c->addr[full]) & (uint8_t)(0xff00u >> rem)))
            continue;
        return true;
    }
    return false;
}

/* Split a comma-separated list in place; returns the number of items (trimmed). */
static unsigned split_list(char *s, char **items, unsigned max)
{
    unsigned n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (n == max)
            return max + 1;
        items[n++] = tok;
    }
    return n;
}

/* "5m:300MiB,1h:1GiB": window lengths (1 s to 7 days, each different) and their budgets. */
static int parse_windows(const char *text, struct sl_egress_windows *out, char *msg, size_t msglen)
{
    char buf[512];
    char *items[SL_EGRESS_WINDOWS + 1];
    if (strlen(text) >= sizeof(buf)) {
        snprintf(msg, msglen, "list too long");
        return -1;
    }
    strcpy(buf, text);
    unsigned n = split_list(buf, items, SL_EGRESS_WINDOWS);
    if (n > SL_EGRESS_WINDOWS) {
        snprintf(msg, msglen, "more than %d windows", SL_EGRESS_WINDOWS);
        return -1;
    }
    struct sl_egress_windows w = {0};
    for (unsigned i = 0; i < n; i++) {
        char *colon = strchr(items[i], ':');
        uint64_t len, budget;
        if (!colon) {
            snprintf(msg, msglen, "window '%s': expected LENGTH:BUDGET, e.g. 1h:1GiB", items[i]);
            return -1;
        }
        *colon = '\0';
        if (parse_with_unit(items[i], time_units, sizeof(time_units) / sizeof(time_units[0]),
                            &len) != 0 ||
            len < 1 || len > 7 * 86400) {
            snprintf(msg, msglen, "window '%s': length must be a duration from 1s to 7d", items[i]);
            return -1;
        }
        if (parse_with_unit(colon + 1, size_units, sizeof(size_units) / sizeof(size_units[0]),
                            &budget) != 0) {
            snprintf(msg, msglen, "window '%s': budget '%s' is not a size", items[i], colon + 1);
            return -1;
        }
        for (unsigned k = 0; k < w.count; k++)
            if (w.seconds[k] == len) {
                snprintf(msg, msglen, "window '%s' is given twice", items[i]);
                return -1;
            }
        w.seconds[w.count] = (uint32_t)len;
        w.budget[w.count++] = budget;
    }
    *out = w;
    return 0;
}

/*
 * Apply `text` to option `o` in cfg.  0, or -1 with msg (what was wrong,
 * without the option name: the caller adds where).
 */
static int apply_text(const struct opt *o, struct sluice_config *cfg, const char *text, char *msg,
                      size_t msglen)
{
    char *field = (char *)cfg + o->offset;
    uint64_t v = 0;
    int r;
    char h1[32], h2[32];
    switch (o->type) {
    case T_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on") ||
            !strcmp(text, "1"))
            *(bool *)field = true;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off") ||
                 !strcmp(text, "0"))
            *(bool *)field = false;
        else
            goto bad_type;
        return 0;
    case T_UINT:
    case T_SIZE:
    case T_DURATION: {
        const char *rest;
        if (o->type == T_UINT)
            r = parse_u64(text, &v, &rest) ? -1 : (*rest ? -1 : 0);
        else if (o->type == T_SIZE)
            r = parse_with_unit(text, size_units, sizeof(size_units) / sizeof(size_units[0]), &v);
        else
            r = parse_with_unit(text, time_units, sizeof(time_units) / sizeof(time_units[0]), &v);
        if (r == -2) {
            snprintf(msg, msglen, "'%s' is too large (at most %llu)", text,
                     (unsigned long long)o->max);
            return -1;
        }
        if (r)
            goto bad_type;
        if (v < o->min || v > o->max) {
            if (o->type == T_SIZE) {
                human_size(o->min, h1, sizeof(h1));
                human_size(o->max, h2, sizeof(h2));
            } else {
                snprintf(h1, sizeof(h1), "%llu", (unsigned long long)o->min);
                snprintf(h2, sizeof(h2), "%llu", (unsigned long long)o->max);
            }
            snprintf(msg, msglen, "%llu is %s the %s %s", (unsigned long long)v,
                     v < o->min ? "below" : "above", v < o->min ? "minimum" : "maximum",
                     v < o->min ? h1 : h2);
            return -1;
        }
        if (o->size == sizeof(uint64_t))
            *(uint64_t *)field = v;
        else
            *(uint32_t *)field = (uint32_t)v;
        return 0;
    }
    case T_STRING:
        if (strlen(text) >= o->size) {
            snprintf(msg, msglen, "too long (at most %zu bytes)", o->size - 1);
            return -1;
        }
        if (choices_of(o) && choice_index(choices_of(o), text) < 0) {
            snprintf(msg, msglen, "'%s' is not one of %s", text, choices_of(o));
            return -1;
        }
        memcpy(field, text, strlen(text) + 1);
        return 0;
    case T_WINDOWS:
        return parse_windows(text, (struct sl_egress_windows *)field, msg, msglen);
    case T_CIDRS:
    case T_EVTYPES: {
        char buf[4096];
        char *items[SL_MAX_CIDRS + 1];
        if (strlen(text) >= sizeof(buf)) {
            snprintf(msg, msglen, "list too long");
            return -1;
        }
        strcpy(buf, text);
        unsigned n = split_list(buf, items, SL_MAX_CIDRS);
        if (n > SL_MAX_CIDRS) {
            snprintf(msg, msglen, "more than %d entries", SL_MAX_CIDRS);
            return -1;
        }
        if (o->type == T_CIDRS) {
            struct sl_cidr_list l = {0};
            for (unsigned i = 0; i < n; i++) {
                r = sl_cidr_parse(items[i], &l.net[l.count]);
                if (r == -2) {
                    snprintf(msg, msglen, "bad CIDR '%s' (prefix must be 0..%d)", items[i],
                             l.net[l.count].family == 4 ? 32 : 128);
                    return -1;
                }
                if (r) {
                    snprintf(msg, msglen, "bad CIDR '%s' (expected an address/prefix)", items[i]);
                    return -1;
                }
                l.count++;
            }
            memcpy(field, &l, sizeof(l));
            return 0;
        }
        unsigned mask = 0;
        for (unsigned i = 0; i < n; i++) {
            if (!strcmp(items[i], "alert"))
                mask |= SLUICE_EVENT_ALERT;
            else if (!strcmp(items[i], "flow"))
                mask |= SLUICE_EVENT_FLOW;
            else if (!strcmp(items[i], "stats"))
                mask |= SLUICE_EVENT_STATS;
            else if (!strcmp(items[i], "flow_update"))
                mask |= SLUICE_EVENT_FLOW_UPDATE;
            else if (!strcmp(items[i], "all"))
                mask |= SLUICE_EVENT_ALL;
            else {
                snprintf(
                    msg, msglen,
                    "unknown event type '%s' (expected alert, flow, flow_update, stats or all)",
                    items[i]);
                return -1;
            }
        }
        *(unsigned *)field = mask;
        return 0;
    }
    }
bad_type:
    snprintf(msg, msglen, "expected %s, got '%s'", type_expect(o->type), text);
    return -1;
}

static const struct opt *find_opt(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(opts[i].name, name))
            return &opts[i];
    return NULL;
}

/* True when `name` is a section: some option's name starts with "name.". */
static bool is_section(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < NOPTS; i++)
        if (!strncmp(opts[i].name, name, n) && opts[i].name[n] == '.')
            return true;
    return false;
}

static unsigned edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    unsigned d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            unsigned sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

static void unknown_option(sluice_error *err, const char *src, int line, int col, const char *name)
{
    const char *best = NULL;
    unsigned bd = 3;
    for (size_t i = 0; i < NOPTS; i++) {
        unsigned d = edit_distance(name, opts[i].name);
        if (d < bd) {
            bd = d;
            best = opts[i].name;
        }
    }
    if (best)
        seterr(err, src, line, col, "unknown option '%s' (did you mean '%s'?)", name, best);
    else
        seterr(err, src, line, col, "unknown option '%s' (see sluice --help-config)", name);
}

/* An empty sensor.name means "this host's name". */
static void fill_sensor_name(struct sluice_config *cfg)
{
    if (cfg->sensor_name[0])
        return;
    if (gethostname(cfg->sensor_name, sizeof(cfg->sensor_name) - 1) != 0 || !cfg->sensor_name[0])
        snprintf(cfg->sensor_name, sizeof(cfg->sensor_name), "sluice");
}

void sl_config_defaults(struct sluice_config *cfg)
{
    char msg[256];
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NOPTS; i++)
        apply_text(&opts[i], cfg, opts[i].def, msg, sizeof(msg));
    fill_sensor_name(cfg);
}

/* ---- JSON config ---- */

/* The text form of a JSON leaf, for apply_text; NULL when its type cannot be this option. */
static const char *leaf_text(const struct sl_jdoc *d, const struct sl_jnode *n, const struct opt *o,
                             char *buf, size_t len)
{
    switch (n->type) {
    case SL_J_TRUE:
        return o->type == T_BOOL ? "true" : NULL;
    case SL_J_FALSE:
        return o->type == T_BOOL ? "false" : NULL;
    case SL_J_NUMBER:
        return o->type == T_UINT || o->type == T_SIZE || o->type == T_DURATION ? n->text : NULL;
    case SL_J_STRING:
        return o->type == T_BOOL || o->type == T_UINT ? NULL : n->text;
    case SL_J_ARRAY: {
        if (o->type != T_CIDRS && o->type != T_EVTYPES && o->type != T_WINDOWS)
            return NULL;
        size_t used = 0;
        buf[0] = '\0';
        for (int c = n->child; c >= 0; c = d->n[c].next) {
            if (d->n[c].type != SL_J_STRING || strchr(d->n[c].text, ','))
                return NULL;
            int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", d->n[c].text);
            if (w < 0 || (size_t)w >= len - used)
                return NULL;
            used += (size_t)w;
        }
        return buf;
    }
    default:
        return NULL;
    }
}

static const char *json_shown(const struct sl_jnode *n)
{
    switch (n->type) {
    case SL_J_TRUE:
        return "true";
    case SL_J_FALSE:
        return "false";
    case SL_J_NULL:
        return "null";
    case SL_J_NUMBER:
        return n->text;
    default:
        return sl_jsonc_type_name(n->type);
    }
}

/* Where each option was set in the file being loaded (line 0: not yet). */
struct seen_at {
    int line, col;
};

static int walk(const struct sl_jdoc *d, int obj, const char *prefix, struct sluice_config *cfg,
                const char *src, sluice_error *err, struct seen_at *seen)
{
    for (int c = d->n[obj].child; c >= 0; c = d->n[c].next) {
        const struct sl_jnode *n = &d->n[c];
        char name[256];
        if ((size_t)snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", n->key) >=
            sizeof(name)) {
            seterr(err, src, n->kline, n->kcol, "option name too long");
            return -1;
        }
        const struct opt *o = find_opt(name);
        if (o) {
            /* "flow.memcap" and "flow": {"memcap"} in one file: which one was meant? */
            struct seen_at *at = &seen[o - opts];
            if (at->line) {
                seterr(err, src, n->kline, n->kcol, "option '%s' set twice (first at %d:%d)", name,
                       at->line, at->col);
                return -1;
            }
            at->line = n->kline;
            at->col = n->kcol;
            char buf[4096], msg[300];
            const char *text = leaf_text(d, n, o, buf, sizeof(buf));
            if (!text) {
                if (n->type == SL_J_STRING)
                    seterr(err, src, n->line, n->col, "option '%s': expected %s, got \"%s\"", name,
                           type_expect(o->type), n->text);
                else
                    seterr(err, src, n->line, n->col, "option '%s': expected %s, got %s", name,
                           type_expect(o->type), json_shown(n));
                return -1;
            }
            if (apply_text(o, cfg, text, msg, sizeof(msg)) != 0) {
                seterr(err, src, n->line, n->col, "option '%s': %s", name, msg);
                return -1;
            }
        } else if (is_section(name)) {
            if (n->type != SL_J_OBJECT) {
                seterr(err, src, n->line, n->col, "'%s' is a section: expected an object, got %s",
                       name, json_shown(n));
                return -1;
            }
            if (walk(d, c, name, cfg, src, err, seen) != 0)
                return -1;
        } else {
            unknown_option(err, src, n->kline, n->kcol, name);
            return -1;
        }
    }
    return 0;
}

int sl_config_load_buffer(struct sluice_config *cfg, const char *buf, size_t len,
                          const char *source, sluice_error *err)
{
    struct sl_jdoc d;
    int line = 0, col = 0;
    char msg[256];
    memset(err, 0, sizeof(*err));
    if (sl_jsonc_parse(buf, len, &d, &line, &col, msg, sizeof(msg)) != 0) {
        seterr(err, source, line, col, "%s", msg);
        return -1;
    }
    if (d.n[0].type != SL_J_OBJECT) {
        seterr(err, source, d.n[0].line, d.n[0].col, "the config must be an object, not %s",
               sl_jsonc_type_name(d.n[0].type));
        sl_jsonc_free(&d);
        return -1;
    }
    /* Load into a copy: a config that fails leaves the caller's untouched. */
    struct sluice_config *tmp = malloc(sizeof(*tmp));
    if (!tmp) {
        seterr(err, source, 0, 0, "out of memory");
        sl_jsonc_free(&d);
        return -1;
    }
    *tmp = *cfg;
    struct seen_at seen[NOPTS];
    memset(seen, 0, sizeof(seen));
    int r = walk(&d, 0, "", tmp, source, err, seen);
    if (r == 0) {
        fill_sensor_name(tmp);
        *cfg = *tmp;
    }
    free(tmp);
    sl_jsonc_free(&d);
    return r;
}

int sl_config_load_file(struct sluice_config *cfg, const char *path, sluice_error *err)
{
    memset(err, 0, sizeof(*err));
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        seterr(err, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG_FILE) {
        seterr(err, path, 0, 0, "not a regular file of at most %d bytes", MAX_CONFIG_FILE);
        fclose(fp);
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, fp) : 0;
    fclose(fp);
    if (!buf || n != (size_t)st.st_size) {
        seterr(err, path, 0, 0, "cannot read: %s", buf ? strerror(errno) : "out of memory");
        free(buf);
        return -1;
    }
    int r = sl_config_load_buffer(cfg, buf, n, path, err);
    free(buf);
    return r;
}

int sl_config_set(struct sluice_config *cfg, const char *assignment, sluice_error *err)
{
    memset(err, 0, sizeof(*err));
    /* As in a config file: UTF-8 text, no control characters (they would end up in events). */
    size_t alen = strlen(assignment);
    for (size_t i = 0; i < alen; i++) {
        unsigned char ch = (unsigned char)assignment[i];
        if (ch < 0x20 || ch == 0x7f) {
            seterr(err, "--set", 0, 0, "control character 0x%02x at byte %zu", ch, i + 1);
            return -1;
        }
    }
    if (!sl_jw_utf8_valid((const uint8_t *)assignment, alen)) {
        seterr(err, "--set", 0, 0, "argument is not valid UTF-8");
        return -1;
    }
    const char *eq = strchr(assignment, '=');
    char name[256];
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(name)) {
        seterr(err, "--set", 0, 0, "'%s': expected KEY=VALUE", assignment);
        return -1;
    }
    memcpy(name, assignment, (size_t)(eq - assignment));
    name[eq - assignment] = '\0';
    const struct opt *o = find_opt(name);
    if (!o) {
        unknown_option(err, "--set", 0, 0, name);
        return -1;
    }
    char msg[300];
    if (apply_text(o, cfg, eq + 1, msg, sizeof(msg)) != 0) {
        seterr(err, "--set", 0, 0, "'%s': option '%s': %s", assignment, name, msg);
        return -1;
    }
    fill_sensor_name(cfg);
    return 0;
}

int sl_config_choice_of(const struct sluice_config *cfg, const char *name)
{
    const struct opt *o = find_opt(name);
    if (!o || !choices_of(o))
        return -1;
    char value[64];
    snprintf(value, sizeof(value), "%.*s", (int)o->size, (const char *)cfg + o->offset);
    return choice_index(choices_of(o), value);
}

int sl_config_validate(const struct sluice_config *cfg, sluice_error *err)
{
    memset(err, 0, sizeof(*err));
    /* The parser checks these; an embedder may have filled the struct itself. */
    for (size_t i = 0; i < sizeof(choice_opts) / sizeof(choice_opts[0]); i++) {
        if (sl_config_choice_of(cfg, choice_opts[i].name) < 0) {
            const struct opt *o = find_opt(choice_opts[i].name);
            seterr(err, "", 0, 0, "option '%s': '%.*s' is not one of %s", o->name, (int)o->size,
                   (const char *)cfg + o->offset, choice_opts[i].choices);
            return -1;
        }
    }
    if (cfg->eve_enabled && !cfg->eve_filename[0]) {
        seterr(err, "", 0, 0,
               "option 'outputs.eve.filename' is empty while outputs.eve.enabled is true");
        return -1;
    }
    return sl_config_validate_redis(cfg, err);
}

static const char *const redis_modes[] = {"list",    "lpush",  "rpush", "channel",
                                          "publish", "stream", "xadd"};

int sl_config_redis_mode(const char *mode)
{
    for (size_t i = 0; i < sizeof(redis_modes) / sizeof(redis_modes[0]); i++)
        if (!strcmp(mode, redis_modes[i]))
            return (int)i;
    return -1;
}

int sl_config_validate_redis(const struct sluice_config *cfg, sluice_error *err)
{
    if (sl_config_redis_mode(cfg->redis_mode) < 0) {
        seterr(err, "", 0, 0,
               "option 'redis.mode': unknown mode '%s' (expected list, lpush, rpush, channel, "
               "publish, stream or xadd)",
               cfg->redis_mode);
        return -1;
    }
    if (!cfg->redis_enabled)
        return 0;
    if (!cfg->redis_key[0]) {
        seterr(err, "", 0, 0, "option 'redis.key' is empty while redis.enabled is true");
        return -1;
    }
    if (!cfg->redis_socket[0] && !cfg->redis_server[0]) {
        seterr(err, "", 0, 0,
               "options 'redis.server' and 'redis.socket' are both empty while redis.enabled is "
               "true");
        return -1;
    }
    if (cfg->redis_username[0] && !cfg->redis_password[0]) {
        seterr(err, "", 0, 0, "option 'redis.username' is set but 'redis.password' is empty");
        return -1;
    }
    if (!cfg->redis_spool_dir[0]) {
        seterr(err, "", 0, 0, "option 'redis.spool_dir' is empty while redis.enabled is true");
        return -1;
    }
    return 0;
}

/* ---- help and sample ---- */

static const char *type_word(enum opt_type t)
{
    static const char *const w[] = {"bool",   "uint",      "size",        "duration",
                                    "string", "cidr-list", "event-types", "windows"};
    return w[t];
}

static void range_text(const struct opt *o, char *buf, size_t n)
{
    char a[32], b[32];
    buf[0] = '\0';
    if (o->type == T_SIZE) {
        human_size(o->min, a, sizeof(a));
        human_size(o->max, b, sizeof(b));
        snprintf(buf, n, "%s..%s", a, b);
    } else if (o->type == T_UINT || o->type == T_DURATION) {
        snprintf(buf, n, "%llu..%llu%s", (unsigned long long)o->min, (unsigned long long)o->max,
                 o->type == T_DURATION ? " s" : "");
    } else if (choices_of(o)) {
        snprintf(buf, n, "%s", choices_of(o));
    }
}

void sl_config_print_help(FILE *out)
{
    fprintf(out, "Options (set in a JSON config with -c, or with --set NAME=VALUE):\n\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char range[128];
        range_text(&opts[i], range, sizeof(range));
        fprintf(out, "%s (%s%s%s), default \"%s\"\n    %s\n", opts[i].name, type_word(opts[i].type),
                range[0] ? ", " : "", range, opts[i].def, opts[i].help);
    }
}

/* A default as a JSON value. */
static void sample_value(FILE *out, const struct opt *o)
{
    switch (o->type) {
    case T_BOOL:
    case T_UINT:
    case T_DURATION:
        fputs(o->def, out);
        break;
    case T_SIZE:
    case T_STRING:
        fprintf(out, "\"%s\"", o->def);
        break;
    default: {
        char buf[512];
        snprintf(buf, sizeof(buf), "%s", o->def);
        fputc('[', out);
        int first = 1;
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            fprintf(out, "%s\"%s\"", first ? "" : ", ", t);
            first = 0;
        }
        fputc(']', out);
    }
    }
}

static void indent(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputs("  ", out);
}

/* Number of leading dotted components two names share. */
static int common_depth(const char *a, const char *b)
{
    int depth = 0;
    for (;;) {
        const char *da = strchr(a, '.'), *db = strchr(b, '.');
        if (!da || !db || da - a != db - b || strncmp(a, b, (size_t)(da - a)))
            return depth;
        depth++;
        a = da + 1;
        b = db + 1;
    }
}

void sl_config_write_sample(FILE *out)
{
    fputs("// sluice sample configuration: every option at its default.\n"
          "// Load with `sluice -c FILE`; any option can also be set with --set NAME=VALUE.\n"
          "{\n",
          out);
    int depth = 0; /* open sections */
    const char *prev = "";
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        int keep = common_depth(prev, o->name);
        if (keep > depth)
            keep = depth;
        bool closed = false;
        while (depth > keep) {
            fputc('\n', out);
            indent(out, depth);
            fputc('}', out);
            depth--;
            closed = true;
        }
        if (i > 0)
            fputs(closed || depth == keep ? ",\n" : "\n", out);
        /* Open the sections of this name beyond the ones already open. */
        const char *p = o->name;
        for (int k = 0; k < depth; k++)
            p = strchr(p, '.') + 1;
        const char *dot;
        while ((dot = strchr(p, '.'))) {
            indent(out, depth + 1);
            fprintf(out, "\"%.*s\": {\n", (int)(dot - p), p);
            depth++;
            p = dot + 1;
        }
        char range[128];
        range_text(o, range, sizeof(range));
        indent(out, depth + 1);
        fprintf(out, "// %s (%s%s%s)\n", o->help, type_word(o->type), range[0] ? ", " : "", range);
        indent(out, depth + 1);
        fprintf(out, "\"%s\": ", p);
        sample_value(out, o);
        prev = o->name;
    }
    while (depth > 0) {
        fputc('\n', out);
        indent(out, depth);
        fputc('}', out);
        depth--;
    }
    fputs("\n}\n", out);
}

/* ---- the public wrappers (sluice.h) ---- */

sluice_config *sluice_config_new(void)
{
    sluice_config *cfg = malloc(sizeof(*cfg));
    if (cfg)
        sl_config_defaults(cfg);
    return cfg;
}

void sluice_config_free(sluice_config *cfg)
{
    free(cfg);
}

int sluice_config_load(sluice_config *cfg, const char *path, sluice_error *err)
{
    return sl_config_load_file(cfg, path, err);
}

int sluice_config_set(sluice_config *cfg, const char *assignment, sluice_error *err)
{
    return sl_config_set(cfg, assignment, err);
}
