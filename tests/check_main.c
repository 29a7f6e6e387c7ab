/*
 * check_main.c - the unit-test runner: every suite in suites.h, fork mode,
 * so a crash fails one test instead of the run.  CK_RUN_SUITE / CK_RUN_CASE
 * select a subset; CK_VERBOSITY and CK_TAP_LOG_FILE_NAME work as usual.
 */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    SRunner *sr = srunner_create(suite_capfile());
    srunner_add_suite(sr, suite_decode());
    srunner_add_suite(sr, suite_config());
    srunner_add_suite(sr, suite_community_id());
    srunner_add_suite(sr, suite_flow());
    srunner_add_suite(sr, suite_p2p());
    srunner_add_suite(sr, suite_jw());
    srunner_add_suite(sr, suite_sink_file());
    srunner_add_suite(sr, suite_merge());
    srunner_add_suite(sr, suite_workers());
    srunner_add_suite(sr, suite_bittorrent());
    srunner_add_suite(sr, suite_hosts());
    srunner_add_suite(sr, suite_egress());
    srunner_add_suite(sr, suite_spool());
    srunner_add_suite(sr, suite_sink_redis());
    srunner_add_suite(sr, suite_engine());
    srunner_add_suite(sr, suite_hostile());
    srunner_add_suite(sr, suite_ndpi_fast());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
