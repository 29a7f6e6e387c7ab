/*
 * main.c - sluice-report: read EVE files, write the HTML report (and the
 * JSON summary).  Exit status: 0 written; 1 bad usage or an input or output
 * that could not be read or written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: sluice-report [options] EVE.json [EVE.json ...]\n"
                 "Turn sluice events into one self-contained HTML page.\n"
                 "\n"
                 "  -o, --output FILE        the HTML page (default report.html; - for stdout)\n"
                 "      --json FILE          also write the summary as JSON (- for stdout)\n"
                 "      --title TEXT         the page's title (default \"sluice report\")\n"
                 "      --home-networks CIDRS  internal networks, comma separated (default:\n"
                 "                           sluice's home_networks default)\n"
                 "  -h, --help               this help\n");
}

int main(int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_TITLE, OPT_HOME };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"json", required_argument, NULL, OPT_JSON},
        {"title", required_argument, NULL, OPT_TITLE},
        {"home-networks", required_argument, NULL, OPT_HOME},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = "report.html", *json = NULL, *title = "sluice report", *home = NULL;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            output = optarg;
            break;
        case OPT_JSON:
            json = optarg;
            break;
        case OPT_TITLE:
            title = optarg;
            break;
        case OPT_HOME:
            home = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            fprintf(stderr, "sluice-report: option '%s' needs a value\n", argv[optind - 1]);
            return 1;
        default:
            fprintf(stderr, "sluice-report: unknown option '%s'\nTry 'sluice-report --help'.\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "sluice-report: no input: give one or more eve.json files\n");
        return 1;
    }
    static struct report r;
    if (rpt_init(&r) != 0) {
        fprintf(stderr, "sluice-report: out of memory\n");
        return 1;
    }
    if (home) {
        struct sluice_config cfg;
        sluice_error err;
        char assign[2048], msg[1024];
        sl_config_defaults(&cfg);
        snprintf(assign, sizeof(assign), "home_networks=%s", home);
        if (sl_config_set(&cfg, assign, &err) != 0) {
            fprintf(stderr, "sluice-report: --home-networks: %s\n",
                    sluice_error_format(&err, msg, sizeof(msg)));
            rpt_free(&r);
            return 1;
        }
        r.home = cfg.home_nets;
    }
    int rc = 0;
    for (int i = optind; i < argc && !rc; i++)
        rc = rpt_read_file(&r, argv[i]);
    if (!rc) {
        FILE *out = strcmp(output, "-") ? fopen(output, "w") : stdout;
        if (!out) {
            fprintf(stderr, "sluice-report: %s: %s\n", output, strerror(errno));
            rc = -1;
        } else {
            rc = rpt_write_html(&r, out, title);
            if ((out != stdout ? fclose(out) : fflush(out)) != 0 || rc) {
                fprintf(stderr, "sluice-report: %s: write error\n", output);
                rc = -1;
            }
        }
    }
    if (!rc && json)
        rc = rpt_write_json(&r, json);
    rpt_free(&r);
    return rc ? 1 : 0;
}
