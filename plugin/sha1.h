/*
 * sha1.h - SHA-1 of a buffer, for Community ID (not for anything that needs
 * a secure hash).
 */
#ifndef SLUICE_SHA1_H
#define SLUICE_SHA1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_SHA1_LEN 20

void sl_sha1(const uint8_t *msg, size_t n, uint8_t out[SL_SHA1_LEN]);

/*
 * For the tests: hash with the SHA extensions (true) or the portable rounds
 * (false) from now on; false when the CPU has no SHA extensions.  The
 * default, chosen at load, is the extensions where there are some.  Not
 * thread-safe: call it before any thread hashes.
 */
bool sl_sha1_use(bool sha_ni);

#endif
