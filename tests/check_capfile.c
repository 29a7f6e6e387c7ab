/*
 * check_capfile.c - the capture reader on crafted files: both classic pcap
 * byte orders and resolutions, pcapng with mixed link types and timestamp
 * resolutions, and every way a file can lie or end early.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capfile.h"
#include "suites.h"

/* ---- a byte builder for files ---- */

struct buf {
    uint8_t b[8192];
    size_t n;
    int be; /* write multi-byte fields big-endian */
};

static void b8(struct buf *x, uint8_t v)
{
    x->b[x->n++] = v;
}

static void b16(struct buf *x, uint16_t v)
{
    if (x->be) {
        b8(x, (uint8_t)(v >> 8));
        b8(x, (uint8_t)v);
    } else {
        b8(x, (uint8_t)v);
        b8(x, (uint8_t)(v >> 8));
    }
}

static void b32(struct buf *x, uint32_t v)
{
    if (x->be) {
        b16(x, (uint16_t)(v >> 16));
        b16(x, (uint16_t)v);
    } else {
        b16(x, (uint16_t)v);
        b16(x, (uint16_t)(v >> 16));
    }
}

static void bytes(struct buf *x, const void *p, size_t n)
{
    memcpy(x->b + x->n, p, n);
    x->n += n;
}

static char path[64];

static const char *write_file(const struct buf *x, size_t len)
{
    snprintf(path, sizeof(path), "/tmp/sluice-capfile-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, x->b, len), (ssize_t)len);
    close(fd);
    return path;
}

static void pcap_header(struct buf *x, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
    b32(x, magic);
    b16(x, 2);
    b16(x, 4);
    b32(x, 0);
    b32(x, 0);
    b32(x, snaplen);
    b32(x, linktype);
}

static void pcap_record(struct buf *x, uint32_t sec, uint32_t frac, uint32_t incl, uint32_t orig,
                        uint8_t fill)
{
    b32(x, sec);
    b32(x, frac);
    b32(x, incl);
    b32(x, orig);
    for (uint32_t i = 0; i < incl && x->n < sizeof(x->b); i++)
        b8(x, fill);
}

static struct sl_capfile *open_ok(const char *p)
{
    char err[256];
    struct sl_capfile *f = sl_capfile_open(p, err, sizeof(err));
    ck_assert_msg(f != NULL, "open failed: %s", err);
    return f;
}

static void teardown(void)
{
    if (path[0])
        unlink(path);
    path[0] = '\0';
}

/* ---- classic pcap ---- */

START_TEST(classic_pcap_all_orders_and_resolutions)
{
    /* _i: bit 0 big-endian, bit 1 nanosecond */
    struct buf x = {.be = _i & 1};
    int ns = (_i & 2) != 0;
    pcap_header(&x, ns ? 0xa1b23c4d : 0xa1b2c3d4, 65535, 1 | (1u << 28)); /* FCS bits above 16 */
    pcap_record(&x, 1709294400, ns ? 123456789 : 123456, 4, 60, 0xaa);
    pcap_record(&x, 0, 0, 2, 2, 0xbb); /* 1970 */
    struct sl_capfile *f = open_ok(write_file(&x, x.n));
    char want[16];
    snprintf(want, sizeof(want), "pcap-%s/%s", ns ? "ns" : "us", x.be ? "be" : "le");
    ck_assert_str_eq(sl_capfile_format(f), want);
    ck_assert_int_eq(sl_capfile_linktype(f), 1);
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(p.ts_sec, 1709294400);
    ck_assert_uint_eq(p.ts_usec, 123456);
    ck_assert_uint_eq(p.caplen, 4);
    ck_assert_uint_eq(p.wirelen, 60);
    ck_assert_int_eq(p.linktype, 1);
    ck_assert_uint_eq(p.data[3], 0xaa);
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(p.ts_sec, 0);
    ck_assert_int_eq(sl_capfile_next(f, &p), 0);
    ck_assert_int_eq(sl_capfile_truncated(f), 0);
    sl_capfile_close(f);
}
END_TEST

START_TEST(truncated_last_record_ends_quietly)
{
    struct buf x = {0};
    pcap_header(&x, 0xa1b2c3d4, 65535, 1);
    pcap_record(&x, 1, 0, 10, 10, 1);
    pcap_record(&x, 2, 0, 10, 10, 2);
    struct sl_capfile *f = open_ok(write_file(&x, x.n - 4)); /* cut inside the second packet */
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(sl_capfile_next(f, &p), 0);
    ck_assert_int_eq(sl_capfile_truncated(f), 1);
    sl_capfile_close(f);
}
END_TEST

START_TEST(absurd_record_length)
{
    /* 2^31 bytes claimed with nothing behind them: an error naming the offset. */
    struct buf x = {0};
    pcap_header(&x, 0xa1b2c3d4, 65535, 1);
    pcap_record(&x, 1, 0, 4, 4, 1);
    b32(&x, 2);
    b32(&x, 0);
    b32(&x, 0x80000000u); /* incl_len */
    b32(&x, 60);
    struct sl_capfile *f = open_ok(write_file(&x, x.n));
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(sl_capfile_next(f, &p), -1);
    ck_assert_ptr_nonnull(
        strstr(sl_capfile_error(f), "offset 44: record length 2147483648 exceeds"));
    ck_assert_ptr_nonnull(strstr(sl_capfile_error(f), path));
    sl_capfile_close(f);
}
END_TEST

START_TEST(oversized_record_present_is_skipped)
{
    /* A record above the limit whose bytes are all there: skipped, counted, reading goes on. */
    static struct buf x;
    memset(&x, 0, sizeof(x));
    pcap_header(&x, 0xa1b2c3d4, 65535, 1);
    b32(&x, 1);
    b32(&x, 0);
    b32(&x, SL_CAPFILE_MAX_RECORD + 1);
    b32(&x, SL_CAPFILE_MAX_RECORD + 1);
    char tmpl[] = "/tmp/sluice-capfile-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, x.b, x.n), (ssize_t)x.n);
    ck_assert_int_eq(ftruncate(fd, (off_t)(x.n + SL_CAPFILE_MAX_RECORD + 1)), 0);
    lseek(fd, 0, SEEK_END);
    struct buf y = {0};
    pcap_record(&y, 2, 0, 3, 3, 7);
    ck_assert_int_eq(write(fd, y.b, y.n), (ssize_t)y.n);
    close(fd);
    struct sl_capfile *f = open_ok(tmpl);
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(p.ts_sec, 2);
    ck_assert_uint_eq(p.data[0], 7);
    struct sl_capfile_stats st;
    sl_capfile_stats(f, &st);
    ck_assert_uint_eq(st.skipped_records, 1);
    sl_capfile_close(f);
    unlink(tmpl);
}
END_TEST

START_TEST(caplen_above_wirelen_is_counted)
{
    struct buf x = {0};
    pcap_header(&x, 0xa1b2c3d4, 65535, 1);
    pcap_record(&x, 1, 0, 8, 4, 1);
    pcap_record(&x, 1, 0, 0, 0, 0); /* zero-length packet */
    struct sl_capfile *f = open_ok(write_file(&x, x.n));
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_uint_eq(p.caplen, 8);
    ck_assert_uint_eq(p.wirelen, 8);
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_uint_eq(p.caplen, 0);
    struct sl_capfile_stats st;
    sl_capfile_stats(f, &st);
    ck_assert_uint_eq(st.caplen_clamped, 1);
    ck_assert_uint_eq(st.packets, 2);
    sl_capfile_close(f);
}
END_TEST

START_TEST(not_a_capture)
{
    char err[256];
    struct buf x = {0};
    bytes(&x, "hello, world, this is text", 26);
    ck_assert_ptr_null(sl_capfile_open(write_file(&x, x.n), err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "not a capture file (magic 0x68656c6c)"));
    ck_assert_ptr_null(sl_capfile_open(write_file(&x, 0), err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "empty file"));
    struct buf h = {0};
    pcap_header(&h, 0xa1b2c3d4, 65535, 1);
    ck_assert_ptr_null(sl_capfile_open(write_file(&h, 10), err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "truncated file header"));
    ck_assert_ptr_null(sl_capfile_open("/nonexistent/x.pcap", err, sizeof(err)));
    ck_assert_str_eq(err, "/nonexistent/x.pcap: No such file or directory");
    ck_assert_ptr_null(sl_capfile_open("/tmp", err, sizeof(err)));
    ck_assert_str_eq(err, "/tmp: is a directory");
}
END_TEST

/* ---- pcapng ---- */

static void ng_block_start(struct buf *x, uint32_t type, size_t *at)
{
    *at = x->n;
    b32(x, type);
    b32(x, 0); /* length, patched by ng_block_end */
}

static void ng_block_end(struct buf *x, size_t at)
{
    while ((x->n - at) % 4)
        b8(x, 0);
    uint32_t len = (uint32_t)(x->n - at + 4);
    b32(x, len);
    struct buf t = {.be = x->be};
    b32(&t, len);
    memcpy(x->b + at + 4, t.b, 4);
}

static void ng_shb(struct buf *x)
{
    size_t at;
    ng_block_start(x, 0x0a0d0d0a, &at);
    b32(x, 0x1a2b3c4d);
    b16(x, 1);
    b16(x, 0);
    b32(x, 0xffffffff);
    b32(x, 0xffffffff);
    ng_block_end(x, at);
}

static void ng_idb(struct buf *x, uint16_t linktype, int tsresol)
{
    size_t at;
    ng_block_start(x, 1, &at);
    b16(x, linktype);
    b16(x, 0);
    b32(x, 65535);
    if (tsresol >= 0) {
        b16(x, 9);
        b16(x, 1);
        b8(x, (uint8_t)tsresol);
        b8(x, 0), b8(x, 0), b8(x, 0);
    }
    b16(x, 0), b16(x, 0); /* opt_endofopt */
    ng_block_end(x, at);
}

static void ng_epb(struct buf *x, uint32_t ifid, uint64_t ts, const char *data, uint32_t orig)
{
    size_t at, n = strlen(data);
    ng_block_start(x, 6, &at);
    b32(x, ifid);
    b32(x, (uint32_t)(ts >> 32));
    b32(x, (uint32_t)ts);
    b32(x, (uint32_t)n);
    b32(x, orig);
    bytes(x, data, n);
    ng_block_end(x, at);
}

START_TEST(pcapng_two_link_types_and_resolutions)
{
    struct buf x = {.be = _i};
    ng_shb(&x);
    ng_idb(&x, 1, 9);           /* Ethernet, nanoseconds */
    ng_idb(&x, 101, 0x80 | 20); /* raw IP, 2^-20 s */
    size_t at;
    ng_block_start(&x, 0x0bad, &at); /* a block type sluice does not use */
    b32(&x, 42);
    ng_block_end(&x, at);
    ng_epb(&x, 0, 1709294400123456789ull, "abcd", 4);
    ng_epb(&x, 1, (1709294400ull << 20) | (1u << 19), "xy", 20); /* + 0.5 s */
    ng_epb(&x, 7, 0, "zz", 2);                                   /* unknown interface */
    /* a simple packet block: on interface 0 */
    ng_block_start(&x, 3, &at);
    b32(&x, 3);
    bytes(&x, "spb", 3);
    ng_block_end(&x, at);
    struct sl_capfile *f = open_ok(write_file(&x, x.n));
    ck_assert_str_eq(sl_capfile_format(f), x.be ? "pcapng/be" : "pcapng/le");
    ck_assert_int_eq(sl_capfile_linktype(f), 1);
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(p.linktype, 1);
    ck_assert_int_eq(p.ts_sec, 1709294400);
    ck_assert_uint_eq(p.ts_usec, 123456);
    ck_assert_uint_eq(p.caplen, 4);
    ck_assert_int_eq(memcmp(p.data, "abcd", 4), 0);
    ck_assert_int_eq(sl_capfile_next(f, &p), 1);
    ck_assert_int_eq(p.linktype, 101);
    ck_assert_uint_eq(p.ifindex, 1);
    ck_assert_int_eq(p.ts_sec, 1709294400);
    ck_assert_uint_eq(p.ts_usec, 500000);
    ck_assert_uint_eq(p.wirelen, 20);
    ck_assert_int_eq(sl_capfile_next(f, &p), 1); /* the SPB; the EPB on interface 7 was skipped */
    ck_assert_uint_eq(p.caplen, 3);
    ck_assert_int_eq(memcmp(p.data, "spb", 3), 0);
    ck_assert_int_eq(sl_capfile_next(f, &p), 0);
    struct sl_capfile_stats st;
    sl_capfile_stats(f, &st);
    ck_assert_uint_eq(st.unknown_blocks, 1);
    ck_assert_uint_eq(st.skipped_records, 1);
    ck_assert_uint_eq(st.packets, 3);
    sl_capfile_close(f);
}
END_TEST

START_TEST(pcapng_bad_block_length)
{
    struct buf x = {0};
    ng_shb(&x);
    ng_idb(&x, 1, -1);
    size_t at = x.n;
    ng_epb(&x, 0, 0, "abcd", 4);
    x.b[at + 4] = 13; /* not a multiple of 4 */
    struct sl_capfile *f = open_ok(write_file(&x, x.n));
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), -1);
    char want[64];
    snprintf(want, sizeof(want), "offset %zu: bad pcapng block length 13", at);
    ck_assert_msg(strstr(sl_capfile_error(f), want), "%s", sl_capfile_error(f));
    sl_capfile_close(f);
}
END_TEST

START_TEST(pcapng_truncated_block)
{
    struct buf x = {0};
    ng_shb(&x);
    ng_idb(&x, 1, -1);
    ng_epb(&x, 0, 0, "abcdefgh", 8);
    struct sl_capfile *f = open_ok(write_file(&x, x.n - 6));
    struct sl_capfile_pkt p;
    ck_assert_int_eq(sl_capfile_next(f, &p), 0);
    ck_assert_int_eq(sl_capfile_truncated(f), 1);
    sl_capfile_close(f);
}
END_TEST

/* ---- records across the read window ---- */

static void put32le(FILE *fp, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ck_assert_uint_eq(fwrite(b, 1, 4, fp), 4);
}

static uint8_t pattern(unsigned rec, uint32_t at)
{
    return (uint8_t)(rec * 131u + at * 7u + (at >> 8));
}

/* Sizes from 0 to the largest record, most of them straddling the reader's window somewhere. */
static uint32_t size_of_record(unsigned i)
{
    if (i % 50 == 49)
        return SL_CAPFILE_MAX_RECORD;
    return (uint32_t)((i * 2654435761u) % 70000u);
}

START_TEST(records_across_the_read_window)
{
    const unsigned n = 200;
    bool ng = _i == 1;
    char tmpl[] = "/tmp/sluice-capfile-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    FILE *fp = fdopen(fd, "wb");
    ck_assert_ptr_nonnull(fp);
    static uint8_t data[SL_CAPFILE_MAX_RECORD];
    if (ng) {
        uint32_t shb[] = {0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0xffffffff, 0xffffffff, 28};
        for (size_t k = 0; k < sizeof(shb) / 4; k++)
            put32le(fp, shb[k]);
        uint32_t idb[] = {1, 20, 1, SL_CAPFILE_MAX_RECORD, 20}; /* Ethernet, no options */
        for (size_t k = 0; k < sizeof(idb) / 4; k++)
            put32le(fp, idb[k]);
    } else {
        uint32_t hdr[] = {0xa1b2c3d4, 2 | (4u << 16), 0, 0, SL_CAPFILE_MAX_RECORD, 1};
        for (size_t k = 0; k < sizeof(hdr) / 4; k++)
            put32le(fp, hdr[k]);
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t len = size_of_record(i);
        for (uint32_t k = 0; k < len; k++)
            data[k] = pattern(i, k);
        uint32_t pad = (4 - len % 4) % 4;
        if (ng) {
            put32le(fp, 6);
            put32le(fp, 32 + len + pad);
            put32le(fp, 0);
            put32le(fp, 0);
            put32le(fp, i * 1000000u); /* microseconds, the default resolution */
        } else {
            put32le(fp, i);
            put32le(fp, 0);
        }
        put32le(fp, len);
        put32le(fp, len + 1);
        ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
        if (ng) {
            uint8_t zero[4] = {0};
            ck_assert_uint_eq(fwrite(zero, 1, pad, fp), pad);
            put32le(fp, 32 + len + pad);
        }
    }
    ck_assert_int_eq(fclose(fp), 0);

    struct sl_capfile *f = open_ok(tmpl);
    struct sl_capfile_pkt p;
    for (unsigned i = 0; i < n; i++) {
        ck_assert_int_eq(sl_capfile_next(f, &p), 1);
        uint32_t len = size_of_record(i);
        ck_assert_uint_eq(p.caplen, len);
        ck_assert_uint_eq(p.wirelen, len + 1);
        ck_assert_int_eq(p.ts_sec, i);
        ck_assert_ptr_nonnull(p.data);
        uint32_t bad = len;
        for (uint32_t k = 0; k < len && bad == len; k++)
            if (p.data[k] != pattern(i, k))
                bad = k;
        ck_assert_msg(bad == len, "record %u (%u bytes): byte %u differs", i, len, bad);
    }
    ck_assert_int_eq(sl_capfile_next(f, &p), 0);
    ck_assert_int_eq(sl_capfile_truncated(f), 0);
    struct sl_capfile_stats st;
    sl_capfile_stats(f, &st);
    ck_assert_uint_eq(st.packets, n);
    sl_capfile_close(f);
    unlink(tmpl);
}
END_TEST

Suite *suite_capfile(void)
{
    Suite *s = suite_create("capfile");
    TCase *tc = tcase_create("read");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_loop_test(tc, classic_pcap_all_orders_and_resolutions, 0, 4);
    tcase_add_test(tc, truncated_last_record_ends_quietly);
    tcase_add_test(tc, absurd_record_length);
    tcase_add_test(tc, oversized_record_present_is_skipped);
    tcase_add_test(tc, caplen_above_wirelen_is_counted);
    tcase_add_test(tc, not_a_capture);
    tcase_add_loop_test(tc, pcapng_two_link_types_and_resolutions, 0, 2);
    tcase_add_test(tc, pcapng_bad_block_length);
    tcase_add_test(tc, pcapng_truncated_block);
    tcase_add_loop_test(tc, records_across_the_read_window, 0, 2); /* classic, pcapng */
    suite_add_tcase(s, tc);
    return s;
}
