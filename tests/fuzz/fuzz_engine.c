/*
 * fuzz_engine.c - libFuzzer target: the whole engine fed a packet stream.
 * The input is a sequence of records: 2-byte length, 1-byte time step, then
 * the frame (Ethernet); every event must be written whole.
 */
#include <stdint.h>
#include <string.h>

#include "sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink_write(void *ctx, unsigned type, const char *line, size_t len)
{
    (void)ctx;
    (void)type;
    /* An event is one line of JSON: an object, no raw newline. */
    if (len < 2 || line[0] != '{' || line[len - 1] != '}' || memchr(line, '\n', len))
        __builtin_trap();
    return 0;
}

static const sluice_sink_ops sink = {"fuzz", sink_write, NULL, NULL, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* nDPI takes tens of milliseconds to start: one engine serves every input, and each
     * input ends with a flush, so no flow outlives it. */
    static sluice_engine *e;
    sluice_error err;
    if (!e) {
        sluice_config *cfg = sluice_config_new();
        sluice_config_set(cfg, "flow.memcap=64KiB", &err);
        sluice_config_set(cfg, "sensor.name=fuzz", &err);
        /* Evidence pcaps would be files in the working directory for every input. */
        sluice_config_set(cfg, "evidence.enabled=false", &err);
        e = sluice_engine_new(cfg, 1, &err);
        sluice_config_free(cfg);
        if (!e)
            __builtin_trap();
        sluice_engine_add_sink(e, &sink, NULL, SLUICE_EVENT_ALL, &err);
    }
    int64_t t = 1700000000;
    size_t off = 0;
    while (off + 3 <= size) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        t += data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        sluice_packet p = {t, 0, 1, data + off, (uint32_t)len, (uint32_t)len};
        sluice_engine_packet(e, &p);
        off += len;
    }
    sluice_engine_flush(e);
    return 0;
}
