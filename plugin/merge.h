/*
 * merge.h - replaying many captures as one stream, in timestamp order.
 *
 * Rotated captures from a sensor overlap by a few packets, and a directory
 * listing may not sort them by time; an analyst wants one timeline.  The
 * merge is a k-way merge over the files' current packets: the earliest comes
 * out first; equal timestamps go in the order the files were given, then in
 * packet order, so every run gives the same sequence.
 *
 * Files are opened lazily: each file's first timestamp is read once at
 * sl_merge_new (one file open at a time), and a file is opened for reading
 * only when the merged stream reaches that time, so a directory of thousands
 * of rotated captures keeps two or three open.  At most `max_open` are open
 * at once; a file that would need more waits for one to end (its packets come
 * out late, counted in sl_merge_late_files).
 */
#ifndef SLUICE_MERGE_H
#define SLUICE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "capfile.h"

struct sl_merge;

struct sl_merge_pkt {
    struct sl_capfile_pkt p; /* data valid until the next sl_merge_next */
    unsigned file;           /* index in the list given to sl_merge_new */
    const char *path;        /* that file's name (borrowed from the list) */
    uint64_t cnt;            /* 1-based packet number within that file */
};

/* sl_merge_next results besides a packet (1) and the end (0). */
enum {
    SL_MERGE_END = 0,
    SL_MERGE_PACKET = 1,
    SL_MERGE_ERROR = -1, /* a file could not be read further: sl_merge_message; call again */
    SL_MERGE_CUT = 2,    /* a file ended in a record cut short: sl_merge_message names it */
    SL_MERGE_OPENED = 3, /* a file was opened: sl_merge_message says "PATH (format)" */
    SL_MERGE_SKIPPED = 4, /* a file ended with records read past: sl_merge_message counts them */
};

/*
 * A merge over `n` capture files (the `paths` array is borrowed and must
 * outlive the merge).  NULL with `err` filled when a file cannot be opened or
 * read at all, or out of memory.
 */
struct sl_merge *sl_merge_new(char *const *paths, unsigned n, unsigned max_open, char *err,
                              size_t errlen);

/* The next packet in time order, or one of the SL_MERGE_* notes above. */
int sl_merge_next(struct sl_merge *m, struct sl_merge_pkt *out);

/* Text for the last SL_MERGE_ERROR, SL_MERGE_CUT, SL_MERGE_OPENED or SL_MERGE_SKIPPED. */
const char *sl_merge_message(const struct sl_merge *m);

/* Bytes of all the files (their sizes), and bytes read so far, for progress. */
uint64_t sl_merge_total_bytes(const struct sl_merge *m);
uint64_t sl_merge_bytes_read(const struct sl_merge *m);
uint64_t sl_merge_packets(const struct sl_merge *m);
/* Files opened after their time because max_open files were already open. */
unsigned sl_merge_late_files(const struct sl_merge *m);
/* Files open right now. */
unsigned sl_merge_open_files(const struct sl_merge *m);

void sl_merge_free(struct sl_merge *m);

#endif
