/*
 * filename.h - is a file name one that malware rides P2P under?
 */
#ifndef SLUICE_FILENAME_H
#define SLUICE_FILENAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * NULL when the name looks harmless; else why not: "double-extension" (a media
 * or document extension followed by an executable one: "movie.avi.exe"),
 * "executable" (.exe, .scr, .msi, ...) or "script" (.vbs, .js, .ps1, ...).
 * Extensions compare without regard to case; the name is untrusted bytes.
 */
const char *sl_filename_suspicious(const uint8_t *name, size_t len);

#endif
