/*
 * config.h - sluice's settings and the one option table that drives them.
 *
 * Every setting has one row in the table in config.c: dotted name, type,
 * bounds, default and help.  That row drives the JSON config loader, the
 * `--set key=value` overrides, validation, `--help-config` and the sample
 * config in etc/sluice.json (a test checks they agree).
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice.h"

/* One IPv4 or IPv6 network. */
struct sl_cidr {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix; /* 0..32 or 0..128 */
    uint8_t addr[16];
};

#define SL_MAX_CIDRS 64
/* The most torrents a host is followed for (hosts.h SL_HOST_SERVED). */
#define SL_OVERSHARE_MAX 16

struct sl_cidr_list {
    unsigned count;
    struct sl_cidr net[SL_MAX_CIDRS];
};

/* Host upload budgets: "5m:300MiB,1h:1GiB" (egress.windows). */
#define SL_EGRESS_WINDOWS 4
struct sl_egress_windows {
    unsigned count;
    uint32_t seconds[SL_EGRESS_WINDOWS]; /* window length */
    uint64_t budget[SL_EGRESS_WINDOWS];  /* upload bytes allowed in it; 0: no budget alert */
};

/* A network group with its own thresholds (egress.groupN.*). */
#define SL_EGRESS_GROUPS 4
struct sl_egress_group {
    char name[32];
    struct sl_cidr_list nets; /* empty: the group is not used */
    uint64_t flow_upload_bytes;
    struct sl_egress_windows windows; /* count 0: egress.windows */
};

struct sluice_config {
    char sensor_name[128];         /* sensor.name: "host" in events; default: hostname */
    struct sl_cidr_list home_nets; /* home_networks */
    char log_dir[1024];            /* log.dir; -l overrides */

    bool eve_enabled;             /* outputs.eve.enabled */
    char eve_filename[1024];      /* outputs.eve.filename: relative to log.dir; "-" is stdout */
    unsigned eve_types;           /* outputs.eve.types: SLUICE_EVENT_* mask */
    uint64_t eve_rotate_size;     /* outputs.eve.rotate_size: bytes; 0 = no size rotation */
    uint32_t eve_rotate_interval; /* outputs.eve.rotate_interval: seconds of wall time; 0 = off */
    uint32_t eve_fsync_interval;  /* outputs.eve.fsync_interval: seconds; 0 = never fsync */
    bool stdout_enabled;          /* outputs.stdout.enabled: EVE lines to standard output too */
    unsigned stdout_types;        /* outputs.stdout.types */

    /* redis.*: the Redis sink (alerts/sink-redis.c) */
    bool redis_enabled;
    char redis_server[256]; /* host name or address */
    uint32_t redis_port;
    char redis_socket[1024];        /* Unix socket path; when set, used instead of server:port */
    char redis_mode[16];            /* list|lpush, rpush, channel|publish, stream|xadd */
    char redis_key[256];            /* list key, channel or stream name */
    bool redis_key_per_type;        /* key:alert, key:flow, ... */
    char redis_username[128];       /* ACL user (Redis 6+); "" = AUTH with the password only */
    char redis_password[256];       /* "" = no AUTH */
    uint32_t redis_db;              /* SELECT this database */
    unsigned redis_types;           /* SLUICE_EVENT_* mask */
    uint32_t redis_connect_timeout; /* seconds */
    uint32_t redis_command_timeout; /* seconds */
    uint64_t redis_stream_maxlen;   /* XADD MAXLEN ~ this */
    uint32_t redis_batch;           /* commands per pipelined batch */
    uint64_t redis_queue_size;      /* bytes of the in-memory queue */
    char redis_spool_dir[1024];     /* relative to log.dir */
    uint64_t redis_spool_max;       /* bytes on disk */
    uint32_t redis_drain_timeout;   /* seconds at shutdown to deliver what is queued */

    uint64_t flow_memcap;        /* flow.memcap: bytes for the flow table */
    uint32_t flow_hash_size;     /* flow.hash_size: buckets (rounded up to a power of 2) */
    uint32_t timeout_tcp_new;    /* flow.timeout.tcp_new: seconds, before the handshake completes */
    uint32_t timeout_tcp_est;    /* flow.timeout.tcp_established */
    uint32_t timeout_tcp_closed; /* flow.timeout.tcp_closed: after FIN both ways or RST */
    uint32_t timeout_udp;        /* flow.timeout.udp */
    uint32_t timeout_icmp;       /* flow.timeout.icmp */
    uint32_t timeout_other;      /* flow.timeout.other */

    uint32_t ndpi_max_packets;     /* ndpi.max_packets: give up classifying after this many */
    uint32_t ndpi_max_flows;       /* ndpi.max_flows: flows with nDPI state at one time */
    char ndpi_extra_dissection[8]; /* ndpi.extra_dissection: all, unnamed or none */
    uint32_t ndpi_idle_giveup;     /* ndpi.idle_giveup: seconds quiet before classification ends */
    bool ndpi_defer;               /* ndpi.defer_to_dissectors */
    uint32_t p2p_max_flows;        /* p2p.max_flows: flows with dissector state at one time */
    uint32_t p2p_infer_window;     /* p2p.infer_window: seconds a host stays P2P-active */
    uint32_t p2p_overshare; /* p2p.overshare_torrents: torrents a host serves before the alert */
    uint32_t p2p_overshare_files; /* p2p.overshare_files: files offered to an eDonkey server */
    uint64_t p2p_seeding_bytes; /* p2p.seeding_bytes: piece bytes an internal host sends before the
                                   seeding alert */
    uint32_t hosts_max;         /* hosts.max: internal hosts remembered */
    uint32_t alert_rate_limit;  /* alerts.rate_limit: seconds between repeats per host and key */

    bool alert_indicators; /* alerts.indicators: emit low-severity P2P indicator alerts */

    bool egress_enabled; /* egress.enabled */
    uint64_t
        egress_flow_upload_bytes; /* egress.flow_upload_bytes: one flow's upload alert; 0 off */
    bool egress_flow_repeat;      /* egress.flow_upload_repeat: again at each doubling */
    struct sl_egress_windows egress_windows; /* egress.windows: host budgets */
    uint32_t egress_asym_ratio;              /* egress.asymmetry_ratio: upload >= N x download */
    uint64_t egress_asym_min_bytes;          /* egress.asymmetry_min_bytes: and at least this */
    uint32_t egress_fanout;           /* egress.fanout_destinations: distinct destinations; 0 off */
    uint64_t egress_fanout_min_bytes; /* egress.fanout_min_bytes: upload that makes one count */
    uint32_t egress_fanout_window;    /* egress.fanout_window: seconds */
    uint64_t egress_p2p_upload_bytes; /* egress.p2p_upload_bytes: over the longest window; 0 off */
    struct sl_cidr_list egress_allow; /* egress.allowlist: hosts or destinations never alerted */
    struct sl_egress_group egress_group[SL_EGRESS_GROUPS]; /* egress.group1..4 */
    uint32_t flow_update_interval; /* flow.update_interval: seconds between flow_update events */
    uint32_t stats_interval; /* stats.interval: seconds between stats events; 0 = at end only */

    bool evidence_enabled; /* evidence.enabled: pcaps of alerting flows in LOGDIR/evidence */
    uint32_t evidence_ring_packets;  /* evidence.ring_packets: young flow packets kept */
    uint32_t evidence_snaplen;       /* evidence.snaplen: bytes kept per packet */
    uint32_t evidence_packets_after; /* evidence.packets_after: packets written after an alert */
    uint64_t evidence_max_bytes;     /* evidence.max_bytes: all evidence files together */
    uint32_t evidence_max_flows;     /* evidence.max_flows: rings at once */
    /* The sensor's live capture and process (plugin/live.c, workers.c, privs.c). */
    char capture_interfaces[512]; /* capture.interfaces: comma-separated; -i replaces */
    uint32_t capture_snaplen;     /* capture.snaplen */
    bool capture_promisc;         /* capture.promisc */
    uint64_t capture_buffer_size; /* capture.buffer_size: kernel ring per handle */
    char capture_bpf[1024];       /* capture.bpf: filter; -f replaces */
    uint32_t capture_timeout_ms;  /* capture.timeout_ms: most a packet waits in the kernel */
    bool capture_immediate;       /* capture.immediate: deliver every packet at once */
    uint32_t capture_threads;     /* capture.threads: handles per interface (PACKET_FANOUT) */
    uint64_t capture_queue_size;  /* capture.queue_size: bytes per queue to a worker */
    uint64_t replay_queue_size;   /* replay.queue_size: the same for a replay's reader */
    uint32_t workers;             /* workers: engines in threads; 0 = one per core */
    char run_user[64];            /* run.user: --user */
    char run_group[64];           /* run.group: --group */
    char run_pidfile[1024];       /* run.pidfile: --pidfile */
};

/* Fill `cfg` with every default. */
void sl_config_defaults(struct sluice_config *cfg);

/*
 * Load a JSON config file over `cfg`.  Objects nest by the dotted name
 * ({"flow": {"timeout": {"udp": 30}}}); a dotted key at any level also works
 * ({"flow.timeout.udp": 30}); `//` starts a comment.  Unknown keys, wrong types and out-of-range
 * values are errors.  Returns 0, or -1 with err filled (file, line, column).
 */
int sl_config_load_file(struct sluice_config *cfg, const char *path, sluice_error *err);

/* Same, from a buffer; `source` names it in errors. */
int sl_config_load_buffer(struct sluice_config *cfg, const char *buf, size_t len,
                          const char *source, sluice_error *err);

/*
 * Apply one `key=value` override (as given to --set); the value is parsed as
 * the option's type from text.  Returns 0, or -1 with err filled (source
 * "--set", line and column 0).
 */
int sl_config_set(struct sluice_config *cfg, const char *assignment, sluice_error *err);

/* Checks across options (e.g. memcap large enough for one flow). 0 or -1. */
int sl_config_validate(const struct sluice_config *cfg, sluice_error *err);

/* The redis.* checks (part of sl_config_validate). 0 or -1. */
int sl_config_validate_redis(const struct sluice_config *cfg, sluice_error *err);

/* Index of the value option `name` holds among its choices (ndpi.extra_dissection), or -1. */
int sl_config_choice_of(const struct sluice_config *cfg, const char *name);

/* Index of a redis.mode name in list, lpush, rpush, channel, publish, stream, xadd; -1 if unknown.
 */
int sl_config_redis_mode(const char *mode);

/* Print every option: name, type, default and help, for --help-config. */
void sl_config_print_help(FILE *out);

/* Write the sample config: every option at its default, each preceded by
 * `//` comment lines with its help, type and bounds (the loader accepts
 * `//` comments to the end of a line, JSONC style). */
void sl_config_write_sample(FILE *out);

/* True when `addr` of `family` (4/6) is inside one of the networks. */
bool sl_cidr_list_contains(const struct sl_cidr_list *l, int family, const uint8_t *addr);

/* Parse "10.0.0.0/8" or "fd00::/8" (a bare address is a /32 or /128). 0 or -1. */
int sl_cidr_parse(const char *text, struct sl_cidr *out);

#endif
