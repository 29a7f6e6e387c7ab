/*
 * evidence.c - evidence pcaps (see evidence.h).
 *
 * File format: the classic pcap header (magic a1b2c3d4 written little endian,
 * version 2.4, snaplen evidence.snaplen, network = the link type) and one
 * 16-byte record header per packet; written by hand so the bytes are the
 * same on every run and host.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "evwriter.h"

#define US_PER_SEC        1000000LL
#define PCAP_HEADER_LEN   24
#define RECORD_HEADER_LEN 16
#define MAX_SLOTS         65535 /* sl_flow.evidence is 16 bits */

struct rec {
    int64_t ts_us;
    uint32_t caplen, wirelen;
    int linktype;
};

struct slot {
    uint32_t next_free;   /* index + 1 in the free list, 0 = end */
    uint16_t head, count; /* oldest record, records held */
    bool after;           /* an alert was written: records are the packets after it */
    uint32_t after_left;  /* packets still to write after the last alert */
    int linktype;         /* of the flow's file; -1 until the first write through this slot */
};

struct sl_evidence {
    char dir[1100]; /* LOGDIR/evidence */
    uint32_t ring, snaplen, after_max, nslots;
    uint64_t max_bytes;
    struct slot *slots;
    struct rec *recs; /* nslots * ring */
    uint8_t *data;    /* nslots * ring * snaplen */
    uint32_t free_head;
    struct sl_evwriter *writer; /* creates and appends to the files, off the packet path */
    uint8_t *job;               /* one write: a pcap header and a ring-full of records */
    size_t job_cap;
    struct sl_evidence_stats st;
};

struct sl_evidence *sl_evidence_new(const struct sluice_config *cfg, sluice_error *err)
{
    struct sl_evidence *ev = calloc(1, sizeof(*ev));
    if (!ev)
        goto oom;
    snprintf(ev->dir, sizeof(ev->dir), "%s/evidence", cfg->log_dir);
    ev->ring = cfg->evidence_ring_packets;
    ev->snaplen = cfg->evidence_snaplen;
    ev->after_max = cfg->evidence_packets_after;
    ev->max_bytes = cfg->evidence_max_bytes;
    ev->nslots = cfg->evidence_max_flows > MAX_SLOTS ? MAX_SLOTS : cfg->evidence_max_flows;
    /* calloc: pages are only touched (resident) once flows use them */
    ev->slots = calloc(ev->nslots, sizeof(*ev->slots));
    ev->recs = calloc((size_t)ev->nslots * ev->ring, sizeof(*ev->recs));
    ev->data = calloc((size_t)ev->nslots * ev->ring, ev->snaplen);
    ev->job_cap = PCAP_HEADER_LEN + (size_t)ev->ring * (RECORD_HEADER_LEN + ev->snaplen);
    ev->job = malloc(ev->job_cap);
    if (!ev->slots || !ev->recs || !ev->data || !ev->job ||
        !(ev->writer = sl_evwriter_new(ev->dir, ev->job_cap)))
        goto oom;
    for (uint32_t i = 0; i < ev->nslots; i++)
        ev->slots[i].next_free = i + 2 <= ev->nslots ? i + 2 : 0;
    ev->free_head = ev->nslots ? 1 : 0;
    ev->st.ring_capacity = ev->nslots;
    ev->st.bytes_per_ring =
        sizeof(struct slot) + (uint64_t)ev->ring * (sizeof(struct rec) + ev->snaplen);
    return ev;
oom:
    snprintf(err->text, sizeof(err->text),
             "cannot allocate the evidence rings (evidence.max_flows %u x evidence.ring_packets "
             "%u x evidence.snaplen %u) or start the evidence writer thread",
             cfg->evidence_max_flows, cfg->evidence_ring_packets, cfg->evidence_snaplen);
    sl_evidence_free(ev);
    return NULL;
}

void sl_evidence_sync(struct sl_evidence *ev)
{
    sl_evwriter_sync(ev->writer);
}

void sl_evidence_free(struct sl_evidence *ev)
{
    if (!ev)
        return;
    sl_evwriter_free(ev->writer);
    free(ev->job);
    free(ev->slots);
    free(ev->recs);
    free(ev->data);
    free(ev);
}

static struct slot *slot_of(struct sl_evidence *ev, const struct sl_flow *f, uint32_t *idx)
{
    if (!f->evidence)
        return NULL;
    *idx = f->evidence - 1u;
    return &ev->slots[*idx];
}

static bool take_slot(struct sl_evidence *ev, struct sl_flow *f)
{
    if (!ev->free_head) {
        ev->st.ring_full++;
        return false;
    }
    uint32_t i = ev->free_head - 1;
    struct slot *s = &ev->slots[i];
    ev->free_head = s->next_free;
    memset(s, 0, sizeof(*s));
    s->linktype = -1;
    f->evidence = (uint16_t)(i + 1);
    ev->st.rings_in_use++;
    return true;
}

static void give_back(struct sl_evidence *ev, struct sl_flow *f)
{
    uint32_t i = 0;
    struct slot *s = slot_of(ev, f, &i);
    if (!s)
        return;
    if (f->flags & SL_FF_EVIDENCE_FILE)
        sl_evwriter_close(ev->writer, f->flow_id);
    s->next_free = ev->free_head;
    ev->free_head = i + 1;
    f->evidence = 0;
    ev->st.rings_in_use--;
}

static void push(struct sl_evidence *ev, uint32_t idx, const struct sl_packet *pkt)
{
    struct slot *s = &ev->slots[idx];
    uint32_t pos = (s->head + s->count) % ev->ring;
    if (s->count == ev->ring) { /* full: the oldest goes */
        pos = s->head;
        s->head = (uint16_t)((s->head + 1) % ev->ring);
    } else {
        s->count++;
    }
    struct rec *r = &ev->recs[(size_t)idx * ev->ring + pos];
    r->ts_us = pkt->ts_us;
    r->caplen = pkt->caplen < ev->snaplen ? pkt->caplen : ev->snaplen;
    r->wirelen = pkt->wirelen;
    r->linktype = pkt->linktype;
    memcpy(ev->data + ((size_t)idx * ev->ring + pos) * ev->snaplen, pkt->data, r->caplen);
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void file_name(const struct sl_flow *f, char *out, size_t len)
{
    snprintf(out, len, "evidence/%" PRIu64 ".pcap", f->flow_id);
}

/*
 * Write the slot's records to the flow's file (created, truncated, at the
 * flow's first write of this run) and empty the slot.  False when nothing
 * could be written.
 */
static bool write_out(struct sl_evidence *ev, struct sl_flow *f, uint32_t idx)
{
    struct slot *s = &ev->slots[idx];
    if (!s->count)
        return (f->flags & SL_FF_EVIDENCE_FILE) != 0;
    bool create = !(f->flags & SL_FF_EVIDENCE_FILE);
    const struct rec *first = &ev->recs[(size_t)idx * ev->ring + s->head];
    if (create &&
        ev->st.bytes + PCAP_HEADER_LEN + RECORD_HEADER_LEN + first->caplen > ev->max_bytes) {
        ev->st.disk_cap_reached += s->count;
        s->count = 0;
        return false;
    }
    size_t n = 0;
    if (create) {
        uint8_t *h = ev->job;
        memset(h, 0, PCAP_HEADER_LEN);
        le32(h, 0xa1b2c3d4u);
        h[4] = 2; /* version 2.4 */
        h[6] = 4;
        le32(h + 16, ev->snaplen);
        le32(h + 20, (uint32_t)first->linktype);
        n = PCAP_HEADER_LEN;
        ev->st.bytes += PCAP_HEADER_LEN;
        ev->st.files++;
        f->flags |= SL_FF_EVIDENCE_FILE;
    }
    if (s->linktype < 0)
        s->linktype = first->linktype;
    for (uint16_t k = 0; k < s->count; k++) {
        uint32_t pos = (s->head + k) % ev->ring;
        const struct rec *r = &ev->recs[(size_t)idx * ev->ring + pos];
        if (r->linktype != s->linktype) {
            ev->st.linktype_mixed++;
            continue;
        }
        if (ev->st.bytes + RECORD_HEADER_LEN + r->caplen > ev->max_bytes) {
            ev->st.disk_cap_reached++;
            continue;
        }
        uint8_t *h = ev->job + n;
        int64_t sec = r->ts_us / US_PER_SEC, usec = r->ts_us % US_PER_SEC;
        if (usec < 0) {
            usec += US_PER_SEC;
            sec--;
        }
        le32(h, sec < 0 ? 0 : sec > UINT32_MAX ? UINT32_MAX : (uint32_t)sec);
        le32(h + 4, (uint32_t)usec);
        le32(h + 8, r->caplen);
        le32(h + 12, r->wirelen);
        memcpy(h + RECORD_HEADER_LEN, ev->data + ((size_t)idx * ev->ring + pos) * ev->snaplen,
               r->caplen);
        n += RECORD_HEADER_LEN + r->caplen;
        ev->st.bytes += RECORD_HEADER_LEN + r->caplen;
        ev->st.packets++;
    }
    sl_evwriter_write(ev->writer, f->flow_id, create, ev->job, n);
    s->head = 0;
    s->count = 0;
    return true;
}

void sl_evidence_packet(struct sl_evidence *ev, struct sl_flow *f, const struct sl_packet *pkt)
{
    uint32_t idx = 0;
    struct slot *s = slot_of(ev, f, &idx);
    if (!s) {
        /* A ring for the flow's first packets only; later ones come after an alert. */
        if (f->pkts[0] + f->pkts[1] != 1 || !take_slot(ev, f))
            return;
        s = slot_of(ev, f, &idx);
    }
    push(ev, idx, pkt);
    if (s->after) {
        if (--s->after_left == 0 || s->count == ev->ring) {
            write_out(ev, f, idx);
            if (!s->after_left)
                give_back(ev, f);
        }
        return;
    }
    /* Classified without an alert, and past the ring: nothing more to keep it for. */
    if ((f->flags & SL_FF_CLASSIFIED) && !(f->flags & SL_FF_ALERTED) &&
        f->pkts[0] + f->pkts[1] >= ev->ring)
        give_back(ev, f);
}

bool sl_evidence_alert(struct sl_evidence *ev, struct sl_flow *f, const struct sl_packet *pkt,
                       char *name, size_t len)
{
    uint32_t idx = 0;
    struct slot *s = slot_of(ev, f, &idx);
    if (!s && pkt && ev->after_max && take_slot(ev, f)) {
        /* No ring any more (a late alert): the alerting packet and those after it. */
        s = slot_of(ev, f, &idx);
        push(ev, idx, pkt);
    }
    bool have = (f->flags & SL_FF_EVIDENCE_FILE) != 0;
    if (s) {
        have = write_out(ev, f, idx);
        s->after = true;
        s->after_left = ev->after_max;
        if (!pkt || !ev->after_max || !have)
            give_back(ev, f);
    }
    if (have)
        file_name(f, name, len);
    return have;
}

void sl_evidence_flow_end(struct sl_evidence *ev, struct sl_flow *f)
{
    uint32_t idx = 0;
    struct slot *s = slot_of(ev, f, &idx);
    if (!s)
        return;
    if (s->after)
        write_out(ev, f, idx);
    give_back(ev, f);
}

void sl_evidence_stats(const struct sl_evidence *ev, struct sl_evidence_stats *out)
{
    *out = ev->st;
    uint64_t errors = 0, waits = 0;
    sl_evwriter_counts(ev->writer, &errors, &waits);
    out->write_errors += errors;
    out->writer_waits = waits;
}
