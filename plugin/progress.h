/*
 * progress.h - the replay's progress line on a terminal: bytes and packets
 * read of the total, rate and time left, redrawn in place with \r at most
 * four times a second.  Silent unless enabled (the sensor enables it when
 * standard error is a terminal and -q is not given).
 */
#ifndef SLUICE_PROGRESS_H
#define SLUICE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sl_progress {
    FILE *out;
    bool enabled, drawn;
    uint64_t total_bytes;
    uint32_t calls; /* the clock is read every few calls only */
    int64_t start_ns, last_ns;
};

/* Set up; `total_bytes` is what will be read in all (the sum of the file sizes). */
void sl_progress_init(struct sl_progress *p, FILE *out, bool enabled, uint64_t total_bytes);

/* Cheap, for every packet: true when it is time to redraw (about every 250 ms). */
bool sl_progress_due(struct sl_progress *p);

/* Draw the line for `bytes` and `packets` read so far. */
void sl_progress_draw(struct sl_progress *p, uint64_t bytes, uint64_t packets);

/* Clear the line before something else is printed (it is drawn again when due). */
void sl_progress_clear(struct sl_progress *p);

/* The last line, at 100% or where the replay stopped, ended by a newline. */
void sl_progress_finish(struct sl_progress *p, uint64_t bytes, uint64_t packets);

#endif
