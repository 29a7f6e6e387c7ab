/*
 * check_merge.c - the merged replay (plugin/merge.c): time order across
 * files, ties by file then packet order, lazy opening, the open-file cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge.h"
#include "suites.h"

static char dir[64];
static char *paths[4];

/* A classic pcap whose packets carry their own id as payload, at the given times (ms). */
static void write_pcap(unsigned k, const int *ms, unsigned n, unsigned first_id)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/f%u.pcap", dir, k);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    uint32_t h[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};
    fwrite(h, sizeof(h), 1, f);
    for (unsigned i = 0; i < n; i++) {
        uint32_t r[4] = {1700000000u + (uint32_t)(ms[i] / 1000), (uint32_t)(ms[i] % 1000) * 1000, 4,
                         4};
        uint32_t id = first_id + i;
        fwrite(r, sizeof(r), 1, f);
        fwrite(&id, 4, 1, f);
    }
    fclose(f);
    free(paths[k]);
    paths[k] = strdup(path);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sluice-merge.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    for (unsigned k = 0; k < 4; k++) {
        if (paths[k])
            unlink(paths[k]);
        free(paths[k]);
        paths[k] = NULL;
    }
    rmdir(dir);
}

/* Drain the merge: packet ids in order, their file and per-file number; notes counted. */
static unsigned drain(struct sl_merge *m, uint32_t *ids, unsigned *files, uint64_t *cnts,
                      unsigned *max_open)
{
    struct sl_merge_pkt p;
    unsigned n = 0;
    int r;
    *max_open = 0;
    while ((r = sl_merge_next(m, &p)) != SL_MERGE_END) {
        if (sl_merge_open_files(m) > *max_open)
            *max_open = sl_merge_open_files(m);
        if (r != SL_MERGE_PACKET)
            continue;
        memcpy(&ids[n], p.p.data, 4);
        files[n] = p.file;
        cnts[n++] = p.cnt;
    }
    return n;
}

START_TEST(overlap_in_time_order)
{
    /* f0 and f1 overlap; f1 is named first but starts later; a tie at 30 ms goes to file 0. */
    static const int a[] = {10, 20, 30, 50}, b[] = {25, 30, 40, 60};
    write_pcap(0, a, 4, 100);
    write_pcap(1, b, 4, 200);
    char err[256];
    struct sl_merge *m = sl_merge_new(paths, 2, 8, err, sizeof(err));
    ck_assert_msg(m != NULL, "%s", err);
    uint32_t ids[16];
    unsigned files[16], max_open;
    uint64_t cnts[16];
    ck_assert_uint_eq(drain(m, ids, files, cnts, &max_open), 8);
    static const uint32_t want[] = {100, 101, 200, 102, 201, 202, 103, 203};
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(ids[i], want[i]);
    ck_assert_uint_eq(files[2], 1);
    ck_assert_uint_eq(cnts[2], 1);
    ck_assert_uint_eq(cnts[7], 4);
    ck_assert_uint_eq(sl_merge_late_files(m), 0);
    ck_assert_uint_eq(sl_merge_bytes_read(m), sl_merge_total_bytes(m));
    sl_merge_free(m);
}
END_TEST

START_TEST(lazy_open)
{
    /* Three rotated files given in reverse: only one is ever open. */
    static const int a[] = {70, 80}, b[] = {40, 50}, c[] = {10, 20};
    write_pcap(0, a, 2, 300);
    write_pcap(1, b, 2, 200);
    write_pcap(2, c, 2, 100);
    char err[256];
    struct sl_merge *m = sl_merge_new(paths, 3, 8, err, sizeof(err));
    ck_assert_msg(m != NULL, "%s", err);
    uint32_t ids[16];
    unsigned files[16], max_open;
    uint64_t cnts[16];
    ck_assert_uint_eq(drain(m, ids, files, cnts, &max_open), 6);
    static const uint32_t want[] = {100, 101, 200, 201, 300, 301};
    for (unsigned i = 0; i < 6; i++)
        ck_assert_uint_eq(ids[i], want[i]);
    ck_assert_uint_eq(max_open, 1);
    sl_merge_free(m);
}
END_TEST

START_TEST(open_cap_reads_late)
{
    /* With one file open at a time, the overlapping file waits and its packets come late. */
    static const int a[] = {10, 30}, b[] = {20, 40};
    write_pcap(0, a, 2, 100);
    write_pcap(1, b, 2, 200);
    char err[256];
    struct sl_merge *m = sl_merge_new(paths, 2, 1, err, sizeof(err));
    ck_assert_msg(m != NULL, "%s", err);
    uint32_t ids[16];
    unsigned files[16], max_open;
    uint64_t cnts[16];
    ck_assert_uint_eq(drain(m, ids, files, cnts, &max_open), 4);
    ck_assert_uint_eq(ids[1], 101);
    ck_assert_uint_eq(sl_merge_late_files(m), 1);
    ck_assert_uint_eq(max_open, 1);
    sl_merge_free(m);
}
END_TEST

START_TEST(empty_file_and_missing_file)
{
    static const int a[] = {10};
    write_pcap(0, a, 0, 0); /* header only */
    write_pcap(1, a, 1, 100);
    char err[256];
    struct sl_merge *m = sl_merge_new(paths, 2, 8, err, sizeof(err));
    ck_assert_msg(m != NULL, "%s", err);
    uint32_t ids[4];
    unsigned files[4], max_open;
    uint64_t cnts[4];
    ck_assert_uint_eq(drain(m, ids, files, cnts, &max_open), 1);
    ck_assert_uint_eq(files[0], 1);
    ck_assert_uint_eq(sl_merge_bytes_read(m), sl_merge_total_bytes(m));
    sl_merge_free(m);
    unlink(paths[0]);
    ck_assert_ptr_null(sl_merge_new(paths, 2, 8, err, sizeof(err)));
    ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
}
END_TEST

Suite *suite_merge(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = tcase_create("merge");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, overlap_in_time_order);
    tcase_add_test(tc, lazy_open);
    tcase_add_test(tc, open_cap_reads_late);
    tcase_add_test(tc, empty_file_and_missing_file);
    suite_add_tcase(s, tc);
    return s;
}
