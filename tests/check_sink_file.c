/*
 * check_sink_file.c - the EVE file sink: whole lines, reopen after a
 * rename (logrotate), clear errors, counted failures; and the evidence
 * writer thread: every byte in order across more flows than it keeps open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evwriter.h"
#include "sink-file.h"
#include "suites.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sluice-sink-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* A file sink on `path` that must open. */
static void *open_sink(const char *path)
{
    sluice_error err;
    void *s = sl_sink_file_open(path, &err);
    ck_assert_msg(s != NULL, "%s", err.text);
    return s;
}

START_TEST(lines_and_reopen)
{
    char path[128], rotated[128];
    snprintf(path, sizeof(path), "%s/eve.json", dir);
    snprintf(rotated, sizeof(rotated), "%s/eve.json.1", dir);
    void *s = open_sink(path);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{\"a\":1}", 7), 0);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_FLOW, "{\"b\":2}", 7), 0);
    ck_assert_int_eq(rename(path, rotated), 0);
    /* Until reopen, lines still go to the renamed file (the open descriptor). */
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_FLOW, "{\"c\":3}", 7), 0);
    ck_assert_int_eq(sl_sink_file_ops.reopen(s), 0);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_STATS, "{\"d\":4}", 7), 0);
    ck_assert_int_eq(sl_sink_file_ops.flush(s), 0);
    uint64_t lines, failures;
    sl_sink_file_counts(s, &lines, &failures);
    ck_assert_uint_eq(lines, 4);
    ck_assert_uint_eq(failures, 0);
    sl_sink_file_ops.close(s);
    ck_assert_str_eq(slurp(rotated), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
    ck_assert_str_eq(slurp(path), "{\"d\":4}\n");
}
END_TEST

START_TEST(open_error_names_path_and_reason)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/missing/eve.json", dir);
    sluice_error err;
    memset(&err, 0, sizeof(err));
    ck_assert_ptr_null(sl_sink_file_open(path, &err));
    ck_assert_ptr_nonnull(strstr(err.text, path));
    ck_assert_ptr_nonnull(strstr(err.text, "No such file or directory"));
}
END_TEST

START_TEST(write_failure_is_counted)
{
    void *s = open_sink("/dev/full");
    /* Taken into the buffer; the error comes when it is written out, and every line counts. */
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{}", 2), 0);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{}", 2), 0);
    ck_assert_int_eq(sl_sink_file_ops.flush(s), -1);
    uint64_t lines, failures;
    sl_sink_file_counts(s, &lines, &failures);
    ck_assert_uint_eq(lines, 0);
    ck_assert_uint_eq(failures, 2);
    sluice_sink_stats st;
    memset(&st, 0, sizeof(st));
    sl_sink_file_ops.stats(s, &st);
    ck_assert_uint_eq(st.errors, 2);
    ck_assert_ptr_nonnull(strstr(st.last_error, "No space left on device"));
    /* A line longer than the buffer goes out on its own, and fails at once. */
    static char big[300000]; /* past the 256 KiB buffer */
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, big, sizeof(big)), -1);
    sl_sink_file_counts(s, &lines, &failures);
    ck_assert_uint_eq(failures, 3);
    sl_sink_file_ops.close(s);
}
END_TEST

/* Lines wait in the buffer only until a flush, or until the oldest is 100 ms old. */
START_TEST(lines_reach_the_file_by_flush_or_age)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/eve.json", dir);
    void *s = open_sink(path);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{\"a\":1}", 7), 0);
    ck_assert_str_eq(slurp(path), "");
    ck_assert_int_eq(sl_sink_file_ops.flush(s), 0);
    ck_assert_str_eq(slurp(path), "{\"a\":1}\n");
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{\"b\":2}", 7), 0);
    struct timespec pause = {0, 150 * 1000000L};
    nanosleep(&pause, NULL);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{\"c\":3}", 7), 0);
    /* No flush: the writer thread has them, and they reach the file soon. */
    const char *want = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
    struct timespec tick = {0, 10 * 1000000L};
    for (int i = 0; i < 200 && strcmp(slurp(path), want) != 0; i++)
        nanosleep(&tick, NULL);
    ck_assert_str_eq(slurp(path), want);
    ck_assert_int_eq(sl_sink_file_ops.flush(s), 0); /* waits for the writer's count too */
    uint64_t lines, failures;
    sl_sink_file_counts(s, &lines, &failures);
    ck_assert_uint_eq(lines, 3);
    ck_assert_uint_eq(failures, 0);
    /* Reopen (logrotate) puts what came before it in the file as it was. */
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{\"d\":4}", 7), 0);
    char aside[160];
    snprintf(aside, sizeof(aside), "%s.1", path);
    ck_assert_int_eq(rename(path, aside), 0);
    ck_assert_int_eq(sl_sink_file_ops.reopen(s), 0);
    ck_assert_str_eq(slurp(aside), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n");
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{\"e\":5}", 7), 0);
    sl_sink_file_ops.close(s);
    ck_assert_str_eq(slurp(path), "{\"e\":5}\n");
}
END_TEST

START_TEST(rotate_by_size)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/eve.json", dir);
    void *s = open_sink(path);
    sl_sink_file_set_rotation(s, 20, 0, 1);
    /* 8 bytes a line: two fit in 20, the third starts a new file. */
    for (int i = 0; i < 5; i++) {
        char line[8];
        snprintf(line, sizeof(line), "{\"n\":%d}", i);
        ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_FLOW, line, 7), 0);
    }
    ck_assert_int_eq(sl_sink_file_ops.flush(s), 0); /* fdatasync on */
    ck_assert_uint_eq(sl_sink_file_rotations(s), 2);
    sl_sink_file_ops.close(s);
    ck_assert_str_eq(slurp(path), "{\"n\":4}\n");
    /* The rotated files hold the rest, whole lines, nothing lost. */
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "cat %s/eve.json.2* | sort | tr -d '\\n'", dir);
    FILE *p = popen(cmd, "r");
    char all[256] = "";
    ck_assert_ptr_nonnull(fgets(all, sizeof(all), p));
    pclose(p);
    ck_assert_str_eq(all, "{\"n\":0}{\"n\":1}{\"n\":2}{\"n\":3}");
}
END_TEST

START_TEST(stdout_never_rotates)
{
    void *s = open_sink("-");
    sl_sink_file_set_rotation(s, 1, 1, 0);
    ck_assert_int_eq(sl_sink_file_ops.reopen(s), 0);
    ck_assert_uint_eq(sl_sink_file_rotations(s), 0);
    sl_sink_file_ops.close(s);
}
END_TEST

START_TEST(evwriter_keeps_order_past_its_open_files)
{
    char evdir[128];
    snprintf(evdir, sizeof(evdir), "%s/evidence", dir);
    struct sl_evwriter *w = sl_evwriter_new(evdir, 64);
    ck_assert_ptr_nonnull(w);
    /* 40 flows written round-robin, 5 writes each: more than the 16 files it keeps open, so
     * files are closed and opened again for append between writes. */
    enum { FLOWS = 40, ROUNDS = 5 };
    for (int r = 0; r < ROUNDS; r++) {
        for (uint64_t f = 0; f < FLOWS; f++) {
            char chunk[32];
            int n = snprintf(chunk, sizeof(chunk), "%llu:%d;", (unsigned long long)f, r);
            sl_evwriter_write(w, 1000 + f, r == 0, chunk, (size_t)n);
        }
        if (r == 2)
            sl_evwriter_close(w, 1000); /* closed early, appended to later */
    }
    uint8_t big[65] = {0};
    sl_evwriter_write(w, 1, true, big, sizeof(big)); /* past max_write: refused, counted */
    sl_evwriter_sync(w);
    for (uint64_t f = 0; f < FLOWS; f++) {
        char path[192], want[256];
        size_t n = 0;
        for (int r = 0; r < ROUNDS; r++)
            n += (size_t)snprintf(want + n, sizeof(want) - n, "%llu:%d;", (unsigned long long)f, r);
        snprintf(path, sizeof(path), "%s/%llu.pcap", evdir, (unsigned long long)(1000 + f));
        ck_assert_str_eq(slurp(path), want);
    }
    char path[192];
    snprintf(path, sizeof(path), "%s/1.pcap", evdir);
    ck_assert_int_ne(access(path, F_OK), 0);
    uint64_t errors = 0, waits = 0;
    sl_evwriter_counts(w, &errors, &waits);
    ck_assert_uint_eq(errors, 1);
    sl_evwriter_free(w);

    /* A directory that cannot be made: every write is an error, none is lost silently. */
    snprintf(evdir, sizeof(evdir), "%s/no/such/dir", dir);
    w = sl_evwriter_new(evdir, 64);
    ck_assert_ptr_nonnull(w);
    sl_evwriter_write(w, 7, true, "x", 1);
    sl_evwriter_write(w, 7, false, "y", 1);
    sl_evwriter_sync(w);
    sl_evwriter_counts(w, &errors, &waits);
    ck_assert_uint_eq(errors, 2);
    sl_evwriter_free(w);
}
END_TEST

START_TEST(evwriter_batches_many_times_its_buffer)
{
    /* 3 MiB through a 1 MiB queue taken a quarter at a time, syncs among the writes. */
    char evdir[128];
    snprintf(evdir, sizeof(evdir), "%s/evidence", dir);
    enum { FLOWS = 8, WRITES = 48, LEN = 8000 };
    struct sl_evwriter *w = sl_evwriter_new(evdir, LEN);
    ck_assert_ptr_nonnull(w);
    static uint8_t chunk[LEN];
    for (int k = 0; k < WRITES; k++) {
        for (uint64_t f = 0; f < FLOWS; f++) {
            memset(chunk, (int)('a' + (f + (uint64_t)k) % 26), sizeof(chunk));
            sl_evwriter_write(w, 2000 + f, k == 0, chunk, sizeof(chunk));
        }
        if (k % 10 == 5)
            sl_evwriter_sync(w);
    }
    sl_evwriter_sync(w);
    for (uint64_t f = 0; f < FLOWS; f++) {
        char path[192];
        snprintf(path, sizeof(path), "%s/%llu.pcap", evdir, (unsigned long long)(2000 + f));
        FILE *fp = fopen(path, "rb");
        ck_assert_ptr_nonnull(fp);
        static uint8_t want[LEN];
        for (int k = 0; k < WRITES; k++) {
            ck_assert_uint_eq(fread(chunk, 1, sizeof(chunk), fp), sizeof(chunk));
            memset(want, (int)('a' + (f + (uint64_t)k) % 26), sizeof(want));
            ck_assert_msg(memcmp(chunk, want, sizeof(want)) == 0, "flow %llu write %d",
                          (unsigned long long)f, k);
        }
        ck_assert_int_eq(fgetc(fp), EOF);
        fclose(fp);
    }
    uint64_t errors = 1, waits = 0;
    sl_evwriter_counts(w, &errors, &waits);
    ck_assert_uint_eq(errors, 0);
    sl_evwriter_free(w);
}
END_TEST

Suite *suite_sink_file(void)
{
    Suite *s = suite_create("sink_file");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lines_and_reopen);
    tcase_add_test(tc, evwriter_batches_many_times_its_buffer);
    tcase_add_test(tc, open_error_names_path_and_reason);
    tcase_add_test(tc, write_failure_is_counted);
    tcase_add_test(tc, lines_reach_the_file_by_flush_or_age);
    tcase_add_test(tc, rotate_by_size);
    tcase_add_test(tc, stdout_never_rotates);
    tcase_add_test(tc, evwriter_keeps_order_past_its_open_files);
    suite_add_tcase(s, tc);
    return s;
}
