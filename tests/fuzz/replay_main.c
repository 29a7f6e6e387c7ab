/*
 * replay_main.c - a main for a libFuzzer target without libFuzzer: runs the
 * target once on each file named on the command line.  `make check` replays
 * the inputs in tests/fuzz/regressions/ (each once crashed sluice) this way,
 * under the sanitizers in the sanitizer build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf), fp);
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, n);
        printf("replayed %s (%zu bytes)\n", argv[i], n);
    }
    return 0;
}
