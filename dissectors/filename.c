/*
 * filename.c - extensions that run code on Windows (where P2P malware is
 * aimed) and the decoy extensions placed before them.
 */
#include <string.h>

#include "cursor.h"
#include "filename.h"

static const char *const executable[] = {"exe", "scr", "com", "pif", "msi", "cpl", "dll",
                                         "lnk", "hta", "jar", "apk", "bat", "cmd"};
static const char *const script[] = {"vbs", "vbe", "js", "jse", "wsf", "wsh", "ps1", "psm1"};
static const char *const decoy[] = {"avi",  "mkv", "mp4", "mp3", "wmv", "mov", "flac", "pdf", "doc",
                                    "docx", "xls", "jpg", "png", "txt", "iso", "zip",  "rar"};

/* The extension ending at `end` (exclusive) in `name`: [*start, end). */
static bool ext_before(const uint8_t *name, size_t end, size_t *start)
{
    struct sl_cur c = sl_cur_make(name, end);
    size_t i = end;
    while (i > 0 && sl_cur_peek(&c, i - 1) != '.' && sl_cur_peek(&c, i - 1) != '/' && end - i < 8)
        i--;
    if (i == 0 || sl_cur_peek(&c, i - 1) != '.' || i == end)
        return false;
    *start = i;
    return true;
}

static bool ext_in(const uint8_t *name, size_t from, size_t to, const char *const *list, size_t n)
{
    char ext[9];
    size_t len = to - from;
    if (len >= sizeof(ext))
        return false;
    struct sl_cur c = sl_cur_make(name, to);
    sl_cur_skip(&c, from);
    for (size_t i = 0; i < len; i++) {
        int ch = sl_cur_u8(&c);
        ext[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
    }
    ext[len] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strcmp(ext, list[i]) == 0)
            return true;
    return false;
}

#define N(a) (sizeof(a) / sizeof(a[0]))

const char *sl_filename_suspicious(const uint8_t *name, size_t len)
{
    size_t s1;
    if (!ext_before(name, len, &s1))
        return NULL;
    bool exe = ext_in(name, s1, len, executable, N(executable));
    bool scr = ext_in(name, s1, len, script, N(script));
    if (!exe && !scr)
        return NULL;
    size_t s2;
    if (s1 >= 2 && ext_before(name, s1 - 1, &s2) && ext_in(name, s2, s1 - 1, decoy, N(decoy)))
        return "double-extension";
    return exe ? "executable" : "script";
}
