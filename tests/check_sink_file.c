/*
 * check_sink_file.c - the EVE file sink: whole lines, reopen after a
 * rename (logrotate), clear errors, counted failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

START_TEST(lines_and_reopen)
{
    char path[128], rotated[128];
    snprintf(path, sizeof(path), "%s/eve.json", dir);
    snprintf(rotated, sizeof(rotated), "%s/eve.json.1", dir);
    sluice_error err;
    void *s = sl_sink_file_open(path, &err);
    ck_assert_ptr_nonnull(s);
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
    sluice_error err;
    void *s = sl_sink_file_open("/dev/full", &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(sl_sink_file_ops.write(s, SLUICE_EVENT_ALERT, "{}", 2), -1);
    uint64_t lines, failures;
    sl_sink_file_counts(s, &lines, &failures);
    ck_assert_uint_eq(lines, 0);
    ck_assert_uint_eq(failures, 1);
    sl_sink_file_ops.close(s);
}
END_TEST

START_TEST(rotate_by_size)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/eve.json", dir);
    sluice_error err;
    void *s = sl_sink_file_open(path, &err);
    ck_assert_ptr_nonnull(s);
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
    sluice_error err;
    void *s = sl_sink_file_open("-", &err);
    ck_assert_ptr_nonnull(s);
    sl_sink_file_set_rotation(s, 1, 1, 0);
    ck_assert_int_eq(sl_sink_file_ops.reopen(s), 0);
    ck_assert_uint_eq(sl_sink_file_rotations(s), 0);
    sl_sink_file_ops.close(s);
}
END_TEST

Suite *suite_sink_file(void)
{
    Suite *s = suite_create("sink_file");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lines_and_reopen);
    tcase_add_test(tc, open_error_names_path_and_reason);
    tcase_add_test(tc, write_failure_is_counted);
    tcase_add_test(tc, rotate_by_size);
    tcase_add_test(tc, stdout_never_rotates);
    suite_add_tcase(s, tc);
    return s;
}
