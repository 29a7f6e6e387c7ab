/*
 * sha1.h - SHA-1 of a buffer, for Community ID (not for anything that needs
 * a secure hash).
 */
#ifndef SLUICE_SHA1_H
#define SLUICE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SL_SHA1_LEN 20

void sl_sha1(const uint8_t *msg, size_t n, uint8_t out[SL_SHA1_LEN]);

#endif
