#!/bin/sh
# sample-config.sh - rewrite etc/sluice.json from the option table in
# plugin/config.c (check_config.c fails until the two agree).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "config.h"\nint main(void) { sl_config_write_sample(stdout); return 0; }\n' >"$tmp/m.c"
${CC:-cc} -DPACKAGE_VERSION='"sample"' -Iplugin -Idissectors "$tmp/m.c" plugin/config.c \
    plugin/jsonc.c plugin/jw.c dissectors/text.c -o "$tmp/m"
"$tmp/m" >etc/sluice.json
