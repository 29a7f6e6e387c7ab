/*
 * evidence.h - evidence pcaps: for every alert, the packets of its flow in
 * LOGDIR/evidence/<flow_id>.pcap, a classic pcap (microseconds, little
 * endian) that Wireshark and tshark open, in the link type of the flow's
 * packets.
 *
 * Each young flow borrows a ring slot from a pool allocated at start
 * (evidence.max_flows slots of evidence.ring_packets packets snapped to
 * evidence.snaplen bytes): the packets that led to an alert are in it when
 * the alert comes.  The alert writes the ring to the file and the next
 * evidence.packets_after packets follow (through the same slot, written a
 * ring-full at a time).  A slot goes back to the pool when the flow ends,
 * when its after-alert packets are written, or when the flow was classified
 * without an alert and has passed the ring's length.  Nothing is allocated
 * per packet; flows that find the pool empty get no ring (stats ring_full),
 * and evidence.max_bytes caps what all the files hold (disk_cap_reached
 * counts the packets refused).  A packet whose link type differs from the
 * file's (a pcapng with mixed interfaces) is left out and counted.
 *
 * The files are created and written by a thread of their own (evwriter.h);
 * each is whole once its flow ends, at stats time, and at the end of a run.
 */
#ifndef SLUICE_EVIDENCE_H
#define SLUICE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "flow.h"
#include "packet.h"

struct sl_evidence;

struct sl_evidence_stats {
    uint64_t files, packets, bytes; /* files created, packets and bytes written */
    uint64_t ring_full;             /* flows that found no free ring slot */
    uint64_t disk_cap_reached;      /* packets not written: evidence.max_bytes reached */
    uint64_t linktype_mixed;        /* packets not written: another link type than the file's */
    uint64_t write_errors;          /* files that could not be created or written */
    uint64_t writer_waits;          /* times the packet path waited for the writer thread */
    uint64_t rings_in_use, ring_capacity, bytes_per_ring;
};

/* The evidence writer for `cfg` (evidence.*, log.dir); NULL with err when out of memory. */
struct sl_evidence *sl_evidence_new(const struct sluice_config *cfg, sluice_error *err);
void sl_evidence_free(struct sl_evidence *ev);

/* Every packet of a flow, after the flow's counters are updated (before its alerts). */
void sl_evidence_packet(struct sl_evidence *ev, struct sl_flow *f, const struct sl_packet *pkt);

/*
 * An alert about `f` at `pkt` (NULL when raised as the flow ends): writes what
 * the ring holds and arms the after-alert packets.  True with the file's name
 * relative to log.dir in `name` ("evidence/123.pcap") when the flow has
 * packets in that file.
 */
bool sl_evidence_alert(struct sl_evidence *ev, struct sl_flow *f, const struct sl_packet *pkt,
                       char *name, size_t len);

/* The flow ends: write what is pending, give its slot back. */
void sl_evidence_flow_end(struct sl_evidence *ev, struct sl_flow *f);

void sl_evidence_stats(const struct sl_evidence *ev, struct sl_evidence_stats *out);

/* Write out what the files still open hold (stats time): a flow's file is whole once it ends. */
void sl_evidence_sync(struct sl_evidence *ev);

#endif
