/*
 * harness.h - an engine fed crafted packets, its events caught and parsed:
 * what the engine-level unit tests (check_engine.c, check_egress.c) share.
 */
#ifndef SLUICE_TESTS_HARNESS_H
#define SLUICE_TESTS_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sluice.h"

/* A sink that keeps every event, parsed (failing the test on invalid JSON). */
struct catch_sink {
    json_t *events; /* array */
};

extern struct sluice_config cfg; /* set it between setup() and start() */
extern struct catch_sink sink;
extern sluice_engine *eng;

void setup(void);    /* defaults, sensor "test-sensor", an empty event list */
void start(void);    /* the engine from cfg, the catching sink on every event type */
void teardown(void); /* free both */

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))
#define CLIENT         IP(192, 168, 1, 10)
#define SERVER         IP(203, 0, 113, 5)
#define T0             1709294400.0 /* 2024-03-01T12:00:00Z */

/* Build and feed one Ethernet/IPv4 TCP or UDP packet at time `sec`; returns its frame length. */
size_t feed(double sec, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t proto,
            uint8_t flags, const void *payload, size_t plen);

/*
 * A packet of IP total length `iplen` of which only the headers were
 * captured (a snap length of 54), as bulk transfers are recorded.
 */
void feed_big(double sec, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
              uint32_t iplen);

/* The last packet built, for tests that feed it again cut short. */
extern uint8_t frame[2048];

size_t count_type(const char *type);
json_t *nth_of_type(const char *type, size_t nth);
json_int_t flow_int(json_t *ev, const char *key);
const char *str_at(json_t *ev, const char *key);
/* Alerts with this signature_id. */
size_t count_sid(uint32_t sid);
json_t *nth_sid(uint32_t sid, size_t nth);

#endif
