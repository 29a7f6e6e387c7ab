/*
 * capfile.h - reading capture files: classic pcap and pcapng, found from the
 * magic number, never the file name.
 *
 * Our own reader rather than libpcap's: libpcap stops at the first absurd
 * record and refuses pcapng files whose interfaces have different link
 * types; a sensor replaying evidence must read on where it can and count
 * what it skipped.
 */
#ifndef SLUICE_CAPFILE_H
#define SLUICE_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

/* Records longer than this cannot be trusted (libpcap's largest snaplen). */
#define SL_CAPFILE_MAX_RECORD 262144

struct sl_capfile;

struct sl_capfile_pkt {
    int64_t ts_sec;
    uint32_t ts_usec;    /* any resolution is converted to microseconds (truncated) */
    int linktype;        /* link type of this packet's interface */
    uint32_t ifindex;    /* pcapng interface id; 0 for classic pcap */
    const uint8_t *data; /* valid until the next call */
    uint32_t caplen, wirelen;
};

struct sl_capfile_stats {
    uint64_t packets;         /* packets returned */
    uint64_t bytes_read;      /* file offset reached */
    uint64_t skipped_records; /* records that could not be used (too long, unknown interface) */
    uint64_t unknown_blocks;  /* pcapng blocks of types sluice does not use */
    uint64_t caplen_clamped;  /* captured length above snaplen or wire length */
};

/*
 * Open a capture.  NULL with `err` filled when it cannot be read or is not a
 * capture: "PATH: No such file or directory", "PATH: not a capture file
 * (magic 0x...)", "PATH: truncated file header", "PATH: is a directory".
 */
struct sl_capfile *sl_capfile_open(const char *path, char *err, size_t errlen);

/*
 * The next packet: 1 and *out filled; 0 at the end of the file (a last
 * record cut short, as when a sensor is killed, also ends the file: see
 * sl_capfile_truncated); -1 when the file cannot be read further
 * (sl_capfile_error names the path and byte offset).
 */
int sl_capfile_next(struct sl_capfile *f, struct sl_capfile_pkt *out);

const char *sl_capfile_error(const struct sl_capfile *f);
int sl_capfile_truncated(const struct sl_capfile *f);
/* Where the record or block cut short starts (when sl_capfile_truncated). */
uint64_t sl_capfile_truncated_at(const struct sl_capfile *f);
/* "pcap-us/le", "pcap-ns/be", "pcapng/le", ... */
const char *sl_capfile_format(const struct sl_capfile *f);
/* Link type of the first interface; -1 when a pcapng file defines none before its first packet. */
int sl_capfile_linktype(const struct sl_capfile *f);
uint64_t sl_capfile_size(const struct sl_capfile *f);
void sl_capfile_stats(const struct sl_capfile *f, struct sl_capfile_stats *out);
void sl_capfile_close(struct sl_capfile *f);

#endif
