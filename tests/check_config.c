/*
 * check_config.c - the option table: defaults, the JSON(C) loader with its
 * file:line:column errors, --set for every option, the sample config that
 * must match the table, and CIDR matching.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "suites.h"

static struct sluice_config cfg;
static sluice_error err;

static void setup(void)
{
    sl_config_defaults(&cfg);
    memset(&err, 0, sizeof(err));
}

static int load(const char *text)
{
    return sl_config_load_buffer(&cfg, text, strlen(text), "t.json", &err);
}

/* The error as printed: "t.json:L:C: text". */
static const char *errline(void)
{
    static char buf[1024];
    return sluice_error_format(&err, buf, sizeof(buf));
}

START_TEST(defaults)
{
    ck_assert_uint_eq(cfg.flow_memcap, 64u << 20);
    ck_assert_uint_eq(cfg.timeout_udp, 60);
    ck_assert_uint_eq(cfg.timeout_tcp_est, 600);
    ck_assert_uint_eq(cfg.eve_types, SLUICE_EVENT_ALL);
    ck_assert_str_eq(cfg.eve_filename, "eve.json");
    ck_assert_str_eq(cfg.log_dir, ".");
    ck_assert(cfg.eve_enabled && cfg.alert_indicators);
    ck_assert_uint_eq(cfg.home_nets.count, 6);
    ck_assert_uint_gt(strlen(cfg.sensor_name), 0); /* the host name */
}
END_TEST

START_TEST(both_nesting_styles_and_comments)
{
    ck_assert_int_eq(load("// a comment\n{\"flow\": {\"timeout\": {\"udp\": 30}}, // trailing\n"
                          " \"flow.timeout.icmp\": \"2m\", \"flow\": 1}"),
                     -1); /* duplicate "flow" */
    ck_assert_str_eq(errline(), "t.json:3:29: duplicate key 'flow'");
    ck_assert_int_eq(load("{\"flow\": {\"timeout\": {\"udp\": 30}, \"timeout.tcp_new\": \"1h\"},\n"
                          " \"flow.timeout.icmp\": \"2m\", \"flow.memcap\": \"1GiB\"}"),
                     0);
    ck_assert_uint_eq(cfg.timeout_udp, 30);
    ck_assert_uint_eq(cfg.timeout_tcp_new, 3600);
    ck_assert_uint_eq(cfg.timeout_icmp, 120);
    ck_assert_uint_eq(cfg.flow_memcap, 1ull << 30);
}
END_TEST

struct bad {
    const char *text;
    const char *error;
};

static const struct bad bad_configs[] = {
    {"{\n  \"flow.timout.udp\": 30\n}",
     "t.json:2:3: unknown option 'flow.timout.udp' (did you mean 'flow.timeout.udp'?)"},
    {"{\"flow\": {\"timeout\": {\"udp\": true}}}",
     "t.json:1:30: option 'flow.timeout.udp': expected a duration (seconds, or a number with "
     "s/m/h/d), got true"},
    {"{\n \"home_networks\": [\"10.0.0.0/33\"]}",
     "t.json:2:19: option 'home_networks': bad CIDR '10.0.0.0/33' (prefix must be 0..32)"},
    {"{\"home_networks\": [\"fd00::/129\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR 'fd00::/129' (prefix must be 0..128)"},
    {"{\"home_networks\": [\"1.2.3\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR '1.2.3' (expected an address/prefix)"},
    {"{\n\n    \"flow.memcap\": 1024}",
     "t.json:3:20: option 'flow.memcap': 1024 is below the minimum 64KiB"},
    {"{\"flow.memcap\": -1}",
     "t.json:1:17: option 'flow.memcap': expected a size (bytes, or a number with "
     "KiB/MiB/GiB/TiB), got '-1'"},
    {"{\"flow.memcap\": \"1.5GiB\"}",
     "t.json:1:17: option 'flow.memcap': expected a size (bytes, or a number with "
     "KiB/MiB/GiB/TiB), got '1.5GiB'"},
    {"{\"flow.memcap\": \"99999999999TiB\"}",
     "t.json:1:17: option 'flow.memcap': '99999999999TiB' is too large (at most 68719476736)"},
    {"{\"ndpi.max_packets\": 256}",
     "t.json:1:22: option 'ndpi.max_packets': 256 is above the maximum 255"},
    {"{\"ndpi.max_packets\": \"10\"}",
     "t.json:1:22: option 'ndpi.max_packets': expected a whole number, got \"10\""},
    {"{\"flow\": 5}", "t.json:1:10: 'flow' is a section: expected an object, got 5"},
    {"{\"outputs.eve.types\": [\"alert\", \"dns\"]}",
     "t.json:1:23: option 'outputs.eve.types': unknown event type 'dns' (expected alert, flow, "
     "flow_update, stats or all)"},
    {"{\"flow.timeout.udp\": 30,\n}", "t.json:2:1: syntax error: expected a member name in quotes"},
    {"{\"flow.timeout.udp\": 30\n\"x\": 1}",
     "t.json:2:1: syntax error: expected ',' or '}' after object member"},
    {"[1, 2]", "t.json:1:1: the config must be an object, not an array"},
    {"{} x", "t.json:1:4: syntax error: unexpected text after the end of the document"},
    {"{\"a\": \"tab\there\"}", "t.json:1:11: syntax error: control character in string"},
    {"{\"a\": / }", "t.json:1:8: syntax error: '/' must start a '//' comment"},
    {"{\"a\":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}", "t.json:1:21: nesting deeper than 16"},
    /* Wrong types for each kind of option. */
    {"{\"alerts\": {\"indicators\": \"yes\"}}",
     "t.json:1:27: option 'alerts.indicators': expected true or false, got \"yes\""},
    {"{\"alerts.indicators\": 1}",
     "t.json:1:23: option 'alerts.indicators': expected true or false, got 1"},
    {"{\"hosts.max\": [1]}",
     "t.json:1:15: option 'hosts.max': expected a whole number, got an array"},
    {"{\"sensor.name\": {\"a\": 1}}",
     "t.json:1:17: option 'sensor.name': expected a string, got an object"},
    {"{\"sensor.name\": null}", "t.json:1:17: option 'sensor.name': expected a string, got null"},
    {"{\"home_networks\": [10]}", "t.json:1:19: option 'home_networks': expected a list of CIDRs "
                                  "(\"10.0.0.0/8\"), got an array"},
    {"{\"hosts.max\": 1.5}", "t.json:1:15: option 'hosts.max': expected a whole number, got '1.5'"},
    {"{\"hosts.max\": 1e3}", "t.json:1:15: option 'hosts.max': expected a whole number, got '1e3'"},
    /* Unknown keys, nested or odd. */
    {"{\"flow\": {\"nope\": 1}}",
     "t.json:1:11: unknown option 'flow.nope' (see sluice --help-config)"},
    {"{\"\": 1}", "t.json:1:2: unknown option '' (see sluice --help-config)"},
    {"{\"flow..memcap\": 1}",
     "t.json:1:2: unknown option 'flow..memcap' (did you mean 'flow.memcap'?)"},
    /* Bad CIDRs. */
    {"{\"home_networks\": [\"10.0.0.0/8x\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR '10.0.0.0/8x' (prefix must be 0..32)"},
    {"{\"home_networks\": [\"300.1.1.1/8\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR '300.1.1.1/8' (expected an address/prefix)"},
    {"{\"home_networks\": [\"10.0.0.0/-1\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR '10.0.0.0/-1' (prefix must be 0..32)"},
    {"{\"home_networks\": [\"/8\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR '/8' (expected an address/prefix)"},
    {"{\"home_networks\": [\"::g/64\"]}",
     "t.json:1:19: option 'home_networks': bad CIDR '::g/64' (expected an address/prefix)"},
    /* Negative sizes, durations and counts; overflow. */
    {"{\"flow.memcap\": \"-5MiB\"}",
     "t.json:1:17: option 'flow.memcap': expected a size (bytes, or a "
     "number with KiB/MiB/GiB/TiB), got '-5MiB'"},
    {"{\"flow.timeout.udp\": -1}", "t.json:1:22: option 'flow.timeout.udp': expected a duration "
                                   "(seconds, or a number with s/m/h/d), got '-1'"},
    {"{\"hosts.max\": -0}", "t.json:1:15: option 'hosts.max': expected a whole number, got '-0'"},
    {"{\"hosts.max\": 18446744073709551616}",
     "t.json:1:15: option 'hosts.max': expected a whole number, got '18446744073709551616'"},
    {"{\"ndpi.max_flows\": 16777217}",
     "t.json:1:20: option 'ndpi.max_flows': 16777217 is above the maximum 16777216"},
    {"{\"flow.timeout.udp\": \"9999999999999999h\"}",
     "t.json:1:22: option 'flow.timeout.udp': '9999999999999999h' is too large (at most 86400)"},
    {"{\"flow.memcap\": 184467440737095516160}",
     "t.json:1:17: option 'flow.memcap': '184467440737095516160' is too large (at most "
     "68719476736)"},
    /* Numbers JSON does not have. */
    {"{\"hosts.max\": 0100}", "t.json:1:15: syntax error: a number cannot start with 0"},
    {"{\"hosts.max\": 1.}", "t.json:1:17: syntax error: expected a digit after '.'"},
    {"{\"hosts.max\": 1e}", "t.json:1:17: syntax error: expected a digit in the exponent"},
    {"{\"hosts.max\": +1}", "t.json:1:15: syntax error: expected a value"},
    {"{\"hosts.max\": 0x10}", "t.json:1:16: syntax error: expected ',' or '}' after object member"},
    /* The same key twice, or the same option in both spellings. */
    {"{\"hosts.max\": 100, \"hosts.max\": 200}", "t.json:1:20: duplicate key 'hosts.max'"},
    {"{\"flow\": {}, \"flow\": {}}", "t.json:1:14: duplicate key 'flow'"},
    {"{\"flow.memcap\": \"4MiB\",\n \"flow\": {\"memcap\": \"8MiB\"}}",
     "t.json:2:11: option 'flow.memcap' set twice (first at 1:2)"},
    /* Deep nesting of objects, too. */
    {"{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
     "\"a\":"
     "{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}}",
     "t.json:1:81: nesting deeper than 16"},
    /* Not UTF-8 (in a value, a key, a comment; overlong; a surrogate), and NUL bytes. */
    {"{\"sensor.name\": \"ab\xff\"}", "t.json:1:20: syntax error: invalid UTF-8 (byte 0xff)"},
    {"{\"sens\xc3\"}", "t.json:1:7: syntax error: invalid UTF-8 (byte 0xc3)"},
    {"// caf\xe9\n{}", "t.json:1:7: syntax error: invalid UTF-8 (byte 0xe9)"},
    {"{\"sensor.name\": \"\xc0\xaf\"}", "t.json:1:18: syntax error: invalid UTF-8 (byte 0xc0)"},
    {"{\"sensor.name\": \"\xed\xa0\x80\"}", "t.json:1:18: syntax error: invalid UTF-8 (byte 0xed)"},
    {"{\"sensor.name\": \"\xf4\x90\x80\x80\"}",
     "t.json:1:18: syntax error: invalid UTF-8 (byte 0xf4)"},
    {"{\"sensor.name\": \"a\\u0000b\"}",
     "t.json:1:25: syntax error: \\u0000 is not allowed in a config string"},
    /* Empty, or nothing but a comment. */
    {"", "t.json:1:1: syntax error: unexpected end of file"},
    {"// nothing\n", "t.json:2:1: syntax error: unexpected end of file"},
    {"{\"sensor.name\": \"abc", "t.json:1:21: syntax error: unterminated string"},
};

START_TEST(bad_config_errors)
{
    const struct bad *b = &bad_configs[_i];
    struct sluice_config before = cfg;
    ck_assert_int_eq(load(b->text), -1);
    ck_assert_str_eq(errline(), b->error);
    /* A config that fails leaves the settings as they were. */
    ck_assert_mem_eq(&before, &cfg, sizeof(cfg));
}
END_TEST

/* A NUL byte anywhere (the table's strings cannot hold one), a file too big, a directory. */
START_TEST(nul_bytes_and_files_rejected)
{
    static const char in_value[] = "{\"sensor.name\": \"a\0b\"}", after[] = "{}\0";
    ck_assert_int_eq(sl_config_load_buffer(&cfg, in_value, sizeof(in_value) - 1, "t.json", &err),
                     -1);
    ck_assert_str_eq(errline(), "t.json:1:19: syntax error: NUL byte");
    ck_assert_int_eq(sl_config_load_buffer(&cfg, after, sizeof(after) - 1, "t.json", &err), -1);
    ck_assert_str_eq(errline(), "t.json:1:3: syntax error: NUL byte");
    char path[] = "/tmp/sluice-cfg-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 2 << 20), 0); /* 2 MiB of NULs: refused before parsing */
    close(fd);
    ck_assert_int_eq(sl_config_load_file(&cfg, path, &err), -1);
    ck_assert_ptr_nonnull(strstr(errline(), path));
    ck_assert_ptr_nonnull(strstr(errline(), "not a regular file of at most 1048576 bytes"));
    unlink(path);
    ck_assert_int_eq(sl_config_load_file(&cfg, "/tmp", &err), -1);
    ck_assert_ptr_nonnull(strstr(errline(), "/tmp"));
    /* --set: control characters and invalid UTF-8, as in a file. */
    ck_assert_int_eq(sl_config_set(&cfg, "sensor.name=a\x01", &err), -1);
    ck_assert_str_eq(errline(), "--set: control character 0x01 at byte 14");
    ck_assert_int_eq(sl_config_set(&cfg, "sensor.name=\xff", &err), -1);
    ck_assert_str_eq(errline(), "--set: argument is not valid UTF-8");
}
END_TEST

START_TEST(set_every_option)
{
    static const char *const sets[] = {
        "sensor.name=edge-1",        "home_networks=10.0.0.0/8, fd00::/8",
        "log.dir=/var/log/sluice",   "outputs.eve.enabled=false",
        "outputs.eve.filename=-",    "outputs.eve.types=alert",
        "flow.memcap=128MiB",        "flow.hash_size=4096",
        "flow.timeout.tcp_new=10s",  "flow.timeout.tcp_established=1h",
        "flow.timeout.tcp_closed=0", "flow.timeout.udp=2m",
        "flow.timeout.icmp=1d",      "flow.timeout.other=5",
        "ndpi.max_packets=8",        "ndpi.max_flows=1024",
        "alerts.indicators=no",      "stats.interval=30s",
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
        ck_assert_msg(sl_config_set(&cfg, sets[i], &err) == 0, "%s: %s", sets[i], err.text);
    ck_assert_str_eq(cfg.sensor_name, "edge-1");
    ck_assert_uint_eq(cfg.home_nets.count, 2);
    ck_assert_uint_eq(cfg.home_nets.net[1].family, 6);
    ck_assert_str_eq(cfg.log_dir, "/var/log/sluice");
    ck_assert(!cfg.eve_enabled && !cfg.alert_indicators);
    ck_assert_str_eq(cfg.eve_filename, "-");
    ck_assert_uint_eq(cfg.eve_types, SLUICE_EVENT_ALERT);
    ck_assert_uint_eq(cfg.flow_memcap, 128u << 20);
    ck_assert_uint_eq(cfg.flow_hash_size, 4096);
    ck_assert_uint_eq(cfg.timeout_tcp_new, 10);
    ck_assert_uint_eq(cfg.timeout_tcp_est, 3600);
    ck_assert_uint_eq(cfg.timeout_tcp_closed, 0);
    ck_assert_uint_eq(cfg.timeout_udp, 120);
    ck_assert_uint_eq(cfg.timeout_icmp, 86400);
    ck_assert_uint_eq(cfg.timeout_other, 5);
    ck_assert_uint_eq(cfg.ndpi_max_packets, 8);
    ck_assert_uint_eq(cfg.ndpi_max_flows, 1024);
    ck_assert_uint_eq(cfg.stats_interval, 30);
}
END_TEST

START_TEST(set_errors)
{
    ck_assert_int_eq(sl_config_set(&cfg, "flow.memcap", &err), -1);
    ck_assert_str_eq(errline(), "--set: 'flow.memcap': expected KEY=VALUE");
    ck_assert_int_eq(sl_config_set(&cfg, "flow.memcap=abc", &err), -1);
    ck_assert_str_eq(errline(), "--set: 'flow.memcap=abc': option 'flow.memcap': expected a size "
                                "(bytes, or a number with KiB/MiB/GiB/TiB), got 'abc'");
    ck_assert_int_eq(sl_config_set(&cfg, "no.such=1", &err), -1);
    ck_assert_str_eq(errline(), "--set: unknown option 'no.such' (see sluice --help-config)");
    ck_assert_int_eq(sl_config_set(&cfg, "ndpi.extra_dissection=some", &err), -1);
    ck_assert_str_eq(errline(), "--set: 'ndpi.extra_dissection=some': option "
                                "'ndpi.extra_dissection': 'some' is not one of all|unnamed|none");
    ck_assert_int_eq(sl_config_set(&cfg, "ndpi.extra_dissection=none", &err), 0);
    ck_assert_int_eq(sl_config_choice_of(&cfg, "ndpi.extra_dissection"), 2);
    ck_assert_int_eq(sl_config_set(&cfg, "outputs.eve.filename=", &err), 0);
    ck_assert_int_eq(sl_config_validate(&cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "outputs.eve.filename"));
}
END_TEST

START_TEST(validate_checks_choices_an_embedder_filled)
{
    /* An embedder fills sluice_config itself: the engine must not take a word it does not know. */
    snprintf(cfg.ndpi_extra_dissection, sizeof(cfg.ndpi_extra_dissection), "al");
    ck_assert_int_eq(sl_config_validate(&cfg, &err), -1);
    ck_assert_str_eq(err.text,
                     "option 'ndpi.extra_dissection': 'al' is not one of all|unnamed|none");
    snprintf(cfg.ndpi_extra_dissection, sizeof(cfg.ndpi_extra_dissection), "all");
    ck_assert_int_eq(sl_config_validate(&cfg, &err), 0);
    ck_assert_int_eq(sl_config_choice_of(&cfg, "ndpi.extra_dissection"), 0);
    ck_assert_int_eq(sl_config_choice_of(&cfg, "flow.memcap"), -1);
}
END_TEST

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    static char buf[65536];
    *len = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

START_TEST(sample_config_matches_the_table)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    snprintf(path, sizeof(path), "%s/etc/sluice.json", top ? top : ".");
    size_t len;
    char *committed = read_all(path, &len);

    /* The committed sample is exactly what the table writes... */
    char *mem = NULL;
    size_t memlen = 0;
    FILE *out = open_memstream(&mem, &memlen);
    sl_config_write_sample(out);
    fclose(out);
    ck_assert_msg(memlen == len && memcmp(mem, committed, len) == 0,
                  "etc/sluice.json differs from the option table: regenerate it");
    free(mem);

    /* ...and loading it gives the defaults. */
    struct sluice_config loaded;
    sl_config_defaults(&loaded);
    ck_assert_msg(sl_config_load_buffer(&loaded, committed, len, path, &err) == 0, "%s", errline());
    ck_assert_mem_eq(&loaded, &cfg, sizeof(cfg));
}
END_TEST

START_TEST(help_lists_every_option)
{
    char *mem = NULL;
    size_t memlen = 0;
    FILE *out = open_memstream(&mem, &memlen);
    sl_config_print_help(out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(mem, "flow.timeout.tcp_established (duration, 1..604800 s)"));
    ck_assert_ptr_nonnull(strstr(mem, "flow.memcap (size, 64KiB..64GiB), default \"64MiB\""));
    ck_assert_ptr_nonnull(strstr(mem, "home_networks (cidr-list)"));
    free(mem);
}
END_TEST

static bool in(const char *list, const char *ip)
{
    struct sluice_config c;
    sl_config_defaults(&c);
    char set[512];
    snprintf(set, sizeof(set), "home_networks=%s", list);
    ck_assert_int_eq(sl_config_set(&c, set, &err), 0);
    uint8_t a[16] = {0};
    int fam = inet_pton(AF_INET, ip, a) == 1 ? 4 : 6;
    if (fam == 6)
        ck_assert_int_eq(inet_pton(AF_INET6, ip, a), 1);
    return sl_cidr_list_contains(&c.home_nets, fam, a);
}

START_TEST(cidr_contains)
{
    ck_assert(in("0.0.0.0/0", "8.8.8.8"));
    ck_assert(!in("0.0.0.0/0", "::1"));
    ck_assert(in("10.1.2.3/32", "10.1.2.3"));
    ck_assert(!in("10.1.2.3/32", "10.1.2.4"));
    ck_assert(in("10.1.2.3/8", "10.200.0.1")); /* host bits cleared */
    ck_assert(in("172.16.0.0/12", "172.31.255.255"));
    ck_assert(!in("172.16.0.0/12", "172.32.0.0"));
    ck_assert(in("fc00::/7", "fd12::1"));
    ck_assert(!in("fc00::/7", "fe00::1"));
    ck_assert(in("2001:db8::1/128", "2001:db8::1"));
    ck_assert(!in("2001:db8::1/128", "2001:db8::2"));
    ck_assert(in("fe80::/10", "febf::1"));
    ck_assert(!in("fe80::/10", "fec0::1"));
}
END_TEST

Suite *suite_config(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("options");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, both_nesting_styles_and_comments);
    tcase_add_loop_test(tc, bad_config_errors, 0,
                        (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
    tcase_add_test(tc, set_every_option);
    tcase_add_test(tc, set_errors);
    tcase_add_test(tc, nul_bytes_and_files_rejected);
    tcase_add_test(tc, validate_checks_choices_an_embedder_filled);
    tcase_add_test(tc, sample_config_matches_the_table);
    tcase_add_test(tc, help_lists_every_option);
    tcase_add_test(tc, cidr_contains);
    suite_add_tcase(s, tc);
    return s;
}
