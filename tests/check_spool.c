/*
 * check_spool.c - the on-disk spool: lines come back whole and in order,
 * across segments and reopen; commit forgets, rewind repeats; the cap
 * refuses appends (the caller counts them); a line cut short by a crash is
 * cut off at open; a second opener of the same spool is refused.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spool.h"
#include "suites.h"

static char dir[64], sdir[128];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sluice-spool-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sdir, sizeof(sdir), "%s/spool", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static struct sl_spool *open_spool(uint64_t max)
{
    sluice_error err;
    memset(&err, 0, sizeof(err));
    struct sl_spool *sp = sl_spool_open(sdir, max, &err);
    ck_assert_msg(sp != NULL, "open: %s", err.text);
    return sp;
}

static void append(struct sl_spool *sp, const char *line)
{
    char why[256];
    ck_assert_int_eq(sl_spool_append(sp, line, strlen(line), why, sizeof(why)), 0);
}

/* The next line must be `want`. */
static void expect(struct sl_spool *sp, const char *want)
{
    const char *line;
    size_t len;
    ck_assert_int_eq(sl_spool_next(sp, &line, &len), 1);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_int_eq(memcmp(line, want, len), 0);
}

static void expect_end(struct sl_spool *sp)
{
    const char *line;
    size_t len;
    ck_assert_int_eq(sl_spool_next(sp, &line, &len), 0);
}

static unsigned count_segments(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c 'spool$'", sdir);
    FILE *p = popen(cmd, "r");
    unsigned n = 0;
    ck_assert_int_eq(fscanf(p, "%u", &n), 1);
    pclose(p);
    return n;
}

START_TEST(append_and_read_in_order)
{
    struct sl_spool *sp = open_spool(1 << 20);
    expect_end(sp);
    append(sp, "{\"n\":1}");
    append(sp, "{\"n\":2}");
    expect(sp, "{\"n\":1}");
    append(sp, "{\"n\":3}"); /* appended while reading */
    expect(sp, "{\"n\":2}");
    expect(sp, "{\"n\":3}");
    expect_end(sp);
    ck_assert_uint_eq(sl_spool_pending(sp), 24);
    /* Nothing committed: a rewind reads them all again. */
    sl_spool_rewind(sp);
    expect(sp, "{\"n\":1}");
    struct sl_spool_pos pos;
    sl_spool_tell(sp, &pos);
    sl_spool_commit(sp, &pos);
    ck_assert_uint_eq(sl_spool_pending(sp), 16);
    sl_spool_rewind(sp);
    expect(sp, "{\"n\":2}");
    sl_spool_close(sp);

    /* Reopen: the commit was kept, the rest is still there. */
    sp = open_spool(1 << 20);
    ck_assert_uint_eq(sl_spool_pending(sp), 16);
    expect(sp, "{\"n\":2}");
    expect(sp, "{\"n\":3}");
    expect_end(sp);
    sl_spool_tell(sp, &pos);
    sl_spool_commit(sp, &pos);
    ck_assert_uint_eq(sl_spool_pending(sp), 0);
    ck_assert_uint_eq(count_segments(), 0); /* all delivered: no segment left */
    append(sp, "{\"n\":4}");
    expect(sp, "{\"n\":4}");
    sl_spool_close(sp);
}
END_TEST

START_TEST(segments_in_order)
{
    /* Segments of 1 MiB / 8: 300 lines of 1001 bytes make three. */
    struct sl_spool *sp = open_spool(1 << 20);
    char line[1001];
    for (int i = 0; i < 300; i++) {
        memset(line, 'a' + i % 26, 1000);
        snprintf(line, sizeof(line), "%04d", i);
        line[4] = 'x';
        line[1000] = '\0';
        append(sp, line);
    }
    ck_assert_uint_eq(count_segments(), 3);
    sl_spool_close(sp);
    sp = open_spool(1 << 20);
    struct sl_spool_pos pos;
    for (int i = 0; i < 300; i++) {
        const char *got;
        size_t len;
        ck_assert_int_eq(sl_spool_next(sp, &got, &len), 1);
        ck_assert_uint_eq(len, 1000);
        char want[5];
        snprintf(want, sizeof(want), "%04d", i);
        ck_assert_int_eq(memcmp(got, want, 4), 0);
        if (i == 150) {
            sl_spool_tell(sp, &pos);
            sl_spool_commit(sp, &pos);
        }
    }
    expect_end(sp);
    sl_spool_close(sp);
    /* Delivered segments are gone; reading resumes after line 150. */
    sp = open_spool(1 << 20);
    ck_assert_uint_eq(sl_spool_pending(sp), 149 * 1001);
    const char *got;
    size_t len;
    ck_assert_int_eq(sl_spool_next(sp, &got, &len), 1);
    ck_assert_int_eq(memcmp(got, "0151", 4), 0);
    sl_spool_close(sp);
}
END_TEST

START_TEST(cap_refuses)
{
    struct sl_spool *sp = open_spool(64 * 1024);
    char line[1000];
    memset(line, 'z', sizeof(line));
    char why[256];
    unsigned ok = 0, refused = 0;
    for (int i = 0; i < 100; i++) {
        int r = sl_spool_append(sp, line, sizeof(line), why, sizeof(why));
        ck_assert_int_ge(r, 0);
        if (r == 0)
            ok++;
        else
            refused++;
    }
    ck_assert_uint_eq(ok, 64 * 1024 / 1001);
    ck_assert_uint_eq(refused, 100 - ok);
    ck_assert_uint_le(sl_spool_pending(sp), 64 * 1024);
    /* Delivering frees room again. */
    const char *got;
    size_t len;
    for (unsigned i = 0; i < ok; i++)
        ck_assert_int_eq(sl_spool_next(sp, &got, &len), 1);
    struct sl_spool_pos pos;
    sl_spool_tell(sp, &pos);
    sl_spool_commit(sp, &pos);
    ck_assert_int_eq(sl_spool_append(sp, line, sizeof(line), why, sizeof(why)), 0);
    sl_spool_close(sp);
}
END_TEST

START_TEST(batch_append_stops_at_cap)
{
    struct sl_spool *sp = open_spool(64 * 1024);
    static char lines[100][1000];
    struct iovec iov[100];
    for (int i = 0; i < 100; i++) {
        memset(lines[i], 'q', sizeof(lines[i]));
        snprintf(lines[i], sizeof(lines[i]), "%04d", i);
        lines[i][4] = 'x';
        iov[i].iov_base = lines[i];
        iov[i].iov_len = sizeof(lines[i]);
    }
    unsigned written;
    char why[256];
    ck_assert_int_eq(sl_spool_append_lines(sp, iov, 10, &written, why, sizeof(why)), 0);
    ck_assert_uint_eq(written, 10);
    /* The rest up to the cap goes in, in order; what does not fit is left to the caller. */
    ck_assert_int_eq(sl_spool_append_lines(sp, iov + 10, 90, &written, why, sizeof(why)), 1);
    ck_assert_uint_eq(written, 64 * 1024 / 1001 - 10);
    for (unsigned i = 0; i < 10 + written; i++) {
        const char *got;
        size_t len;
        char want[16];
        ck_assert_int_eq(sl_spool_next(sp, &got, &len), 1);
        ck_assert_uint_eq(len, 1000);
        snprintf(want, sizeof(want), "%04u", i);
        ck_assert_int_eq(memcmp(got, want, 4), 0);
    }
    expect_end(sp);
    sl_spool_close(sp);
}
END_TEST

START_TEST(partial_line_recovered)
{
    struct sl_spool *sp = open_spool(1 << 20);
    append(sp, "{\"n\":1}");
    append(sp, "{\"n\":2}");
    sl_spool_close(sp);
    /* A crash in the middle of an append: half a line at the end. */
    char path[256];
    snprintf(path, sizeof(path), "%s/000000000001.spool", sdir);
    int fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "{\"n\":3,\"cut", 11), 11);
    close(fd);
    sp = open_spool(1 << 20);
    ck_assert_uint_eq(sl_spool_recovered(sp), 11);
    ck_assert_uint_eq(sl_spool_pending(sp), 16);
    expect(sp, "{\"n\":1}");
    expect(sp, "{\"n\":2}");
    expect_end(sp);
    append(sp, "{\"n\":4}"); /* appends continue after the whole lines */
    expect(sp, "{\"n\":4}");
    sl_spool_close(sp);
}
END_TEST

START_TEST(garbled_cursor_redelivers)
{
    struct sl_spool *sp = open_spool(1 << 20);
    append(sp, "{\"n\":1}");
    append(sp, "{\"n\":2}");
    expect(sp, "{\"n\":1}");
    struct sl_spool_pos pos;
    sl_spool_tell(sp, &pos);
    sl_spool_commit(sp, &pos);
    sl_spool_close(sp);
    char path[256];
    snprintf(path, sizeof(path), "%s/cursor", sdir);
    FILE *fp = fopen(path, "w");
    fputs("garbage", fp);
    fclose(fp);
    /* At least once: from the oldest segment again, never a line skipped. */
    sp = open_spool(1 << 20);
    expect(sp, "{\"n\":1}");
    expect(sp, "{\"n\":2}");
    sl_spool_close(sp);
}
END_TEST

START_TEST(one_owner)
{
    struct sl_spool *sp = open_spool(1 << 20);
    sluice_error err;
    memset(&err, 0, sizeof(err));
    ck_assert_ptr_null(sl_spool_open(sdir, 1 << 20, &err));
    ck_assert_ptr_nonnull(strstr(err.text, "in use by another process"));
    sl_spool_close(sp);
    memset(&err, 0, sizeof(err));
    ck_assert_ptr_null(sl_spool_open("/nonexistent/dir/spool", 1 << 20, &err));
    ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/dir/spool: cannot create"));
}
END_TEST

Suite *suite_spool(void)
{
    Suite *s = suite_create("spool");
    TCase *tc = tcase_create("spool");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, append_and_read_in_order);
    tcase_add_test(tc, segments_in_order);
    tcase_add_test(tc, cap_refuses);
    tcase_add_test(tc, batch_append_stops_at_cap);
    tcase_add_test(tc, partial_line_recovered);
    tcase_add_test(tc, garbled_cursor_redelivers);
    tcase_add_test(tc, one_owner);
    suite_add_tcase(s, tc);
    return s;
}
