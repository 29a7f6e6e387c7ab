/*
 * fuzz_config.c - libFuzzer target: the JSON(C) config loader and --set on
 * any bytes; an error must always say where.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sluice_config cfg;
    sluice_error err;
    sl_config_defaults(&cfg);
    if (sl_config_load_buffer(&cfg, (const char *)data, size, "fuzz.json", &err) != 0) {
        /* Every error says what was wrong; a syntax or option error also says where. */
        if (!err.text[0] || (err.line == 0 && !strstr(err.text, "out of memory")))
            __builtin_trap();
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    (void)sl_config_set(&cfg, s, &err);
    free(s);
    return 0;
}
