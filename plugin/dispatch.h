/*
 * dispatch.h - which worker a packet belongs to: every packet of an internal
 * host goes to the same worker, because that worker's engine keeps the
 * host's state (P2P activity, rate limits, egress windows).
 */
#ifndef SLUICE_DISPATCH_H
#define SLUICE_DISPATCH_H

#include "config.h"
#include "packet.h"
#include "sluice.h"

/*
 * The worker (0..nworkers-1) for a packet: a hash of the flow's internal
 * endpoint (the address inside home_networks; the lower one when both are),
 * or when neither is internal a symmetric hash of the two addresses and the
 * protocol (no ports, so later fragments follow their first).  Packets with
 * no IP layer go to worker 0.
 */
unsigned sl_dispatch_worker(const struct sluice_config *cfg, const sluice_packet *p,
                            unsigned nworkers);
/* The same for a packet sl_decode_packet has decoded. */
unsigned sl_dispatch_decoded(const struct sluice_config *cfg, const struct sl_packet *pkt,
                             unsigned nworkers);

#endif
