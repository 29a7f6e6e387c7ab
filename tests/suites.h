/*
 * suites.h - every Check suite of the unit-test runner (tests/check_main.c).
 * Each tests/check_<area>.c defines suite_<area>().
 */
#ifndef SLUICE_TESTS_SUITES_H
#define SLUICE_TESTS_SUITES_H

#include <check.h>

Suite *suite_capfile(void);
Suite *suite_decode(void);
Suite *suite_config(void);
Suite *suite_community_id(void);
Suite *suite_flow(void);
Suite *suite_p2p(void);
Suite *suite_engine(void);
Suite *suite_jw(void);
Suite *suite_sink_file(void);
Suite *suite_bittorrent(void);
Suite *suite_hosts(void);
Suite *suite_egress(void);
Suite *suite_merge(void);
Suite *suite_spool(void);
Suite *suite_workers(void);
Suite *suite_sink_redis(void);
Suite *suite_hostile(void);
Suite *suite_ndpi_fast(void);

#endif
