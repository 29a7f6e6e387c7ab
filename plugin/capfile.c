/*
 * capfile.c - classic pcap and pcapng readers behind one interface.
 *
 * The file is read with read(2) into one window and records are parsed in
 * place through the bounds-checked cursor in the file's byte order: a
 * packet's bytes are handed out where they lie, never copied (stdio's fread
 * copied each one again, the reader's largest cost after the kernel's).  The
 * window grows only when a longer record appears (never past MAX_BLOCK), so
 * steady-state reading allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capfile.h"
#include "cursor.h"

#define PCAP_MAGIC_US     0xa1b2c3d4u
#define PCAP_MAGIC_NS     0xa1b23c4du
#define PCAPNG_SHB        0x0a0d0d0au
#define PCAPNG_BYTE_ORDER 0x1a2b3c4du
#define PCAPNG_IDB        1u
#define PCAPNG_OPB        2u /* obsolete Packet Block */
#define PCAPNG_SPB        3u
#define PCAPNG_EPB        6u
/* A block may carry options beyond its packet; anything larger is not a real capture. */
#define MAX_BLOCK      (SL_CAPFILE_MAX_RECORD + 65536)
#define MAX_INTERFACES 4096
/* Small enough that what the kernel copies in is still in this core's cache when it is read
 * (the fuzz build makes it tiny, so records cross it on every input). */
#ifndef SL_CAPFILE_WINDOW
#define SL_CAPFILE_WINDOW (256u << 10)
#endif

struct iface {
    int linktype;
    uint32_t snaplen;
    uint8_t resol_pow2; /* resolution is 2^-resol_exp, else 10^-resol_exp */
    uint8_t resol_exp;
    int64_t offset_sec;
};

struct sl_capfile {
    int fd;
    uint8_t *win; /* bytes read from the file; [pos, len) not yet taken */
    size_t win_cap, pos, len;
    char *path;
    uint64_t size, offset;
    bool ng, big_endian, nanosecond;
    bool truncated;
    uint64_t truncated_at; /* offset of the record or block cut short */
    int first_linktype;
    uint32_t snaplen; /* classic pcap */
    struct iface *ifs;
    uint32_t nifs;
    char format[16];
    char error[512];
    struct sl_capfile_stats st;
};

static void set_error(struct sl_capfile *f, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(f->error, sizeof(f->error), "%s: %s", f->path, msg);
}

static uint32_t u32(const struct sl_capfile *f, struct sl_cur *c)
{
    return f->big_endian ? sl_cur_u32be(c) : sl_cur_u32le(c);
}

static uint16_t u16(const struct sl_capfile *f, struct sl_cur *c)
{
    return f->big_endian ? sl_cur_u16be(c) : sl_cur_u16le(c);
}

/* At least n bytes unread in the window, reading as many as fit; false at end of file or error. */
static bool fill(struct sl_capfile *f, size_t n)
{
    size_t have = f->len - f->pos;
    if (f->pos) {
        memmove(f->win, f->win + f->pos, have); /* the tail of one record at most */
        f->pos = 0;
        f->len = have;
    }
    if (n > f->win_cap) {
        size_t cap = f->win_cap;
        while (cap < n)
            cap *= 2;
        uint8_t *p = realloc(f->win, cap);
        if (!p) {
            set_error(f, "out of memory for a %zu-byte record", n);
            return false;
        }
        f->win = p;
        f->win_cap = cap;
    }
    while (f->len < n) {
        ssize_t r = read(f->fd, f->win + f->len, f->win_cap - f->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            set_error(f, "offset %llu: read error: %s", (unsigned long long)(f->offset + f->len),
                      strerror(errno));
            return false;
        }
        if (r == 0)
            return false;
        f->len += (size_t)r;
    }
    return true;
}

/*
 * The next n bytes, where they lie in the window: valid until the next take.
 * NULL at end of file or on error (f->error set), with what was left taken
 * and counted in *got.
 */
static const uint8_t *take(struct sl_capfile *f, size_t n, size_t *got)
{
    if (f->len - f->pos < n && !fill(f, n)) {
        size_t have = f->len - f->pos;
        f->pos = f->len;
        f->offset += have;
        if (got)
            *got = have;
        return NULL;
    }
    const uint8_t *p = f->win + f->pos;
    f->pos += n;
    f->offset += n;
    if (got)
        *got = n;
    return p;
}

/*
 * Copy exactly n bytes into buf; false at end of file or on error (f->error
 * set on error), with the *got bytes there were copied.
 */
static bool read_exact(struct sl_capfile *f, void *buf, size_t n, size_t *got)
{
    size_t g;
    const uint8_t *p = take(f, n, &g);
    memcpy(buf, p ? p : f->win + f->pos - g, g); /* a short take leaves its bytes before pos */
    if (got)
        *got = g;
    return p != NULL;
}

/* Skip n bytes that are known to be in the file. */
static bool skip_bytes(struct sl_capfile *f, uint64_t n)
{
    size_t have = f->len - f->pos;
    if (n <= have) {
        f->pos += n;
    } else {
        if (lseek(f->fd, (off_t)(n - have), SEEK_CUR) < 0) {
            set_error(f, "offset %llu: cannot seek: %s", (unsigned long long)f->offset,
                      strerror(errno));
            return false;
        }
        f->pos = f->len = 0;
    }
    f->offset += n;
    return true;
}

/* ---- classic pcap ---- */

static int open_pcap(struct sl_capfile *f, const uint8_t hdr[24])
{
    struct sl_cur c = sl_cur_make(hdr, 24);
    uint32_t magic = sl_cur_u32le(&c);
    f->big_endian = !(magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS);
    c = sl_cur_make(hdr, 24);
    magic = u32(f, &c);
    f->nanosecond = magic == PCAP_MAGIC_NS;
    sl_cur_skip(&c, 2 + 2 + 4 + 4); /* version, thiszone, sigfigs */
    f->snaplen = u32(f, &c);
    f->first_linktype = (int)(u32(f, &c) & 0xffff); /* upper bits: FCS length */
    snprintf(f->format, sizeof(f->format), "pcap-%s/%s", f->nanosecond ? "ns" : "us",
             f->big_endian ? "be" : "le");
    return 0;
}

static int next_pcap(struct sl_capfile *f, struct sl_capfile_pkt *out)
{
    for (;;) {
        uint8_t hdr[16];
        size_t got;
        uint64_t at = f->offset;
        if (!read_exact(f, hdr, sizeof(hdr), &got)) {
            if (f->error[0])
                return -1;
            f->truncated = got != 0;
            f->truncated_at = at;
            return 0;
        }
        struct sl_cur c = sl_cur_make(hdr, sizeof(hdr));
        uint32_t sec = u32(f, &c), frac = u32(f, &c), incl = u32(f, &c), orig = u32(f, &c);
        if (incl > SL_CAPFILE_MAX_RECORD) {
            /* No way to resynchronise a classic pcap: skip the record only if it is all there. */
            if (f->size - f->offset >= incl) {
                f->st.skipped_records++;
                if (!skip_bytes(f, incl))
                    return -1;
                continue;
            }
            set_error(f, "offset %llu: record length %u exceeds %u", (unsigned long long)at, incl,
                      SL_CAPFILE_MAX_RECORD);
            return -1;
        }
        const uint8_t *data = take(f, incl, &got);
        if (!data) {
            if (f->error[0])
                return -1;
            f->truncated = true;
            f->truncated_at = at;
            return 0;
        }
        if (incl > orig || (f->snaplen && incl > f->snaplen)) {
            f->st.caplen_clamped++;
            if (incl > orig)
                orig = incl;
        }
        out->ts_sec = sec;
        out->ts_usec = f->nanosecond ? frac / 1000 : frac;
        if (out->ts_usec >= 1000000) { /* a lying fraction: carry it into seconds */
            out->ts_sec += out->ts_usec / 1000000;
            out->ts_usec %= 1000000;
        }
        out->linktype = f->first_linktype;
        out->ifindex = 0;
        out->data = data;
        out->caplen = incl;
        out->wirelen = orig;
        f->st.packets++;
        return 1;
    }
}

/* ---- pcapng ---- */

static void ts_convert(const struct iface *ifc, uint64_t ts, struct sl_capfile_pkt *out)
{
    uint64_t sec, usec;
    if (ifc->resol_pow2) {
        unsigned e = ifc->resol_exp > 63 ? 63 : ifc->resol_exp;
        sec = ts >> e;
        uint64_t frac = ts & ((1ull << e) - 1);
        usec = (uint64_t)(((__uint128_t)frac * 1000000u) >> e);
    } else {
        unsigned e = ifc->resol_exp > 19 ? 19 : ifc->resol_exp;
        uint64_t div = 1;
        for (unsigned i = 0; i < e; i++)
            div *= 10;
        sec = ts / div;
        uint64_t frac = ts % div;
        usec = e >= 6 ? frac / (div / 1000000) : frac * (1000000 / div);
    }
    out->ts_sec = (int64_t)sec + ifc->offset_sec;
    out->ts_usec = (uint32_t)usec;
}

/* Section Header Block: byte order, and a fresh set of interfaces. */
static int parse_shb(struct sl_capfile *f, struct sl_cur *body, uint64_t at)
{
    struct sl_cur c = *body;
    uint32_t bom = sl_cur_u32le(&c);
    if (bom == PCAPNG_BYTE_ORDER)
        f->big_endian = false;
    else if (bom == 0x4d3c2b1au)
        f->big_endian = true;
    else {
        set_error(f, "offset %llu: bad pcapng byte-order magic 0x%08x", (unsigned long long)at,
                  bom);
        return -1;
    }
    f->nifs = 0;
    return 0;
}

static int parse_idb(struct sl_capfile *f, struct sl_cur *body)
{
    if (f->nifs >= MAX_INTERFACES) {
        set_error(f, "offset %llu: more than %d interfaces", (unsigned long long)f->offset,
                  MAX_INTERFACES);
        return -1;
    }
    struct iface ifc = {0};
    ifc.linktype = u16(f, body);
    sl_cur_skip(body, 2);
    ifc.snaplen = u32(f, body);
    ifc.resol_exp = 6;
    /* Options: code, length, value padded to 4 bytes; end at code 0 or the end. */
    while (sl_cur_left(body) >= 4) {
        uint16_t code = u16(f, body), len = u16(f, body);
        struct sl_cur v = sl_cur_sub(body, len);
        sl_cur_skip(body, (4 - len % 4) % 4);
        if (!sl_cur_ok(body) || code == 0)
            break;
        if (code == 9 && len >= 1) {
            uint8_t r = sl_cur_u8(&v);
            ifc.resol_pow2 = (r & 0x80) != 0;
            ifc.resol_exp = r & 0x7f;
        } else if (code == 14 && len >= 8) {
            uint64_t hi = u32(f, &v), lo = u32(f, &v);
            ifc.offset_sec =
                f->big_endian ? (int64_t)((hi << 32) | lo) : (int64_t)((lo << 32) | hi);
        }
    }
    if (f->first_linktype < 0)
        f->first_linktype = ifc.linktype;
    void *p = realloc(f->ifs, (f->nifs + 1) * sizeof(*f->ifs));
    if (!p) {
        set_error(f, "out of memory");
        return -1;
    }
    f->ifs = p;
    f->ifs[f->nifs++] = ifc;
    return 0;
}

/* Fill *out from a packet block's fields; 0 skipped (counted), 1 packet. */
static int packet_from(struct sl_capfile *f, struct sl_cur *body, uint32_t ifid, uint64_t ts,
                       uint32_t caplen, uint32_t wirelen, bool has_ts, struct sl_capfile_pkt *out)
{
    if (ifid >= f->nifs) {
        f->st.skipped_records++;
        return 0;
    }
    const struct iface *ifc = &f->ifs[ifid];
    if (caplen > sl_cur_left(body) || caplen > SL_CAPFILE_MAX_RECORD) {
        f->st.skipped_records++;
        return 0;
    }
    out->data = sl_cur_bytes(body, caplen);
    if (!out->data && caplen)
        return 0;
    if (caplen > wirelen || (ifc->snaplen && caplen > ifc->snaplen)) {
        f->st.caplen_clamped++;
        if (caplen > wirelen)
            wirelen = caplen;
    }
    if (has_ts) {
        ts_convert(ifc, ts, out);
    } else {
        out->ts_sec = 0;
        out->ts_usec = 0;
    }
    out->linktype = ifc->linktype;
    out->ifindex = ifid;
    out->caplen = caplen;
    out->wirelen = wirelen;
    if (!out->data)
        out->data = f->win; /* a zero-length packet still points somewhere valid */
    f->st.packets++;
    return 1;
}

/* Next packet (1), end (0), error (-1); with `until_idb`, 2 once the first interface is read. */
static int next_pcapng(struct sl_capfile *f, struct sl_capfile_pkt *out, bool until_idb)
{
    for (;;) {
        uint8_t hdr[8];
        size_t got;
        uint64_t at = f->offset;
        if (!read_exact(f, hdr, sizeof(hdr), &got)) {
            if (f->error[0])
                return -1;
            f->truncated = got != 0;
            f->truncated_at = at;
            return 0;
        }
        struct sl_cur c = sl_cur_make(hdr, sizeof(hdr));
        uint32_t type = u32(f, &c);
        uint32_t total = u32(f, &c);
        if (type == PCAPNG_SHB) {
            /* The byte order of a new section is in its body: peek at it first. */
            uint8_t bom[4];
            if (!read_exact(f, bom, 4, &got)) {
                if (f->error[0])
                    return -1;
                f->truncated = true;
                f->truncated_at = at;
                return 0;
            }
            struct sl_cur b = sl_cur_make(bom, 4);
            if (parse_shb(f, &b, at) != 0)
                return -1;
            c = sl_cur_make(hdr + 4, 4);
            total = u32(f, &c);
            if (total < 28 || total % 4 || total > MAX_BLOCK) {
                set_error(f, "offset %llu: bad pcapng block length %u", (unsigned long long)at,
                          total);
                return -1;
            }
            if (f->size - f->offset < total - 12) {
                f->truncated = true;
                f->truncated_at = at;
                return 0;
            }
            if (!skip_bytes(f, total - 12))
                return -1;
            continue;
        }
        if (total < 12 || total % 4 || total > MAX_BLOCK) {
            set_error(f, "offset %llu: bad pcapng block length %u", (unsigned long long)at, total);
            return -1;
        }
        size_t blen = total - 8; /* body and trailing length */
        const uint8_t *block = take(f, blen, &got);
        if (!block) {
            if (f->error[0])
                return -1;
            f->truncated = true;
            f->truncated_at = at;
            return 0;
        }
        struct sl_cur body = sl_cur_make(block, blen - 4);
        struct sl_cur tail = sl_cur_make(block + (blen - 4), 4);
        if (u32(f, &tail) != total) {
            set_error(f, "offset %llu: bad pcapng block length %u (trailer disagrees)",
                      (unsigned long long)at, total);
            return -1;
        }
        int r = 0;
        switch (type) {
        case PCAPNG_IDB:
            if (parse_idb(f, &body) != 0)
                return -1;
            if (until_idb)
                return 2;
            break;
        case PCAPNG_EPB: {
            uint32_t ifid = u32(f, &body);
            uint64_t hi = u32(f, &body), lo = u32(f, &body);
            uint32_t caplen = u32(f, &body), wirelen = u32(f, &body);
            if (!sl_cur_ok(&body)) {
                f->st.skipped_records++;
                break;
            }
            r = packet_from(f, &body, ifid, (hi << 32) | lo, caplen, wirelen, true, out);
            break;
        }
        case PCAPNG_OPB: {
            uint32_t ifid = u16(f, &body);
            sl_cur_skip(&body, 2); /* drops count */
            uint64_t hi = u32(f, &body), lo = u32(f, &body);
            uint32_t caplen = u32(f, &body), wirelen = u32(f, &body);
            if (!sl_cur_ok(&body)) {
                f->st.skipped_records++;
                break;
            }
            r = packet_from(f, &body, ifid, (hi << 32) | lo, caplen, wirelen, true, out);
            break;
        }
        case PCAPNG_SPB: {
            uint32_t wirelen = u32(f, &body);
            uint32_t room = (uint32_t)sl_cur_left(&body);
            uint32_t caplen = wirelen < room ? wirelen : room;
            if (f->nifs && f->ifs[0].snaplen && caplen > f->ifs[0].snaplen)
                caplen = f->ifs[0].snaplen;
            if (!sl_cur_ok(&body)) {
                f->st.skipped_records++;
                break;
            }
            r = packet_from(f, &body, 0, 0, caplen, wirelen, false, out);
            break;
        }
        default:
            f->st.unknown_blocks++;
            break;
        }
        if (r == 1)
            return 1;
    }
}

/* ---- common ---- */

struct sl_capfile *sl_capfile_open(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        close(fd);
        return NULL;
    }
    struct sl_capfile *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path)) || !(f->win = malloc(SL_CAPFILE_WINDOW))) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (f)
            free(f->path);
        free(f);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->win_cap = SL_CAPFILE_WINDOW;
    f->size = (uint64_t)st.st_size;
    f->first_linktype = -1;
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* a hint: a pipe refuses it, harmlessly */
#endif

    uint8_t hdr[24];
    size_t got;
    if (read_exact(f, hdr, sizeof(hdr), &got))
        got = sizeof(hdr);
    struct sl_cur c = sl_cur_make(hdr, got);
    uint32_t magic = sl_cur_u32le(&c);
    int ok = 0;
    if (got < 4) {
        snprintf(err, errlen, "%s: %s", path, got ? "truncated file header" : "empty file");
    } else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
               magic == __builtin_bswap32(PCAP_MAGIC_US) ||
               magic == __builtin_bswap32(PCAP_MAGIC_NS)) {
        if (got < 24)
            snprintf(err, errlen, "%s: truncated file header", path);
        else
            ok = open_pcap(f, hdr) == 0;
    } else if (magic == PCAPNG_SHB) {
        /* Rewind and read blocks up to the first interface, so the link type is known now. */
        f->ng = true;
        if (f->error[0] == 0) {
            f->pos -= got; /* still in the window: nothing was read past it */
            f->offset = 0;
            struct sl_capfile_pkt unused;
            int r = next_pcapng(f, &unused, true);
            snprintf(f->format, sizeof(f->format), "pcapng/%s", f->big_endian ? "be" : "le");
            if (r == 2 || (r == 0 && !f->truncated))
                ok = 1;
            else if (r == 0)
                snprintf(err, errlen, "%s: truncated file header", path);
            else if (r == 1)
                snprintf(err, errlen, "%s: pcapng packet before any interface", path);
            else
                snprintf(err, errlen, "%s", f->error);
        } else {
            snprintf(err, errlen, "%s", f->error);
        }
    } else {
        snprintf(err, errlen, "%s: not a capture file (magic 0x%08x)", path,
                 __builtin_bswap32(magic));
    }
    if (!ok) {
        sl_capfile_close(f);
        return NULL;
    }
    return f;
}

int sl_capfile_next(struct sl_capfile *f, struct sl_capfile_pkt *out)
{
    if (f->error[0])
        return -1;
    int r = f->ng ? next_pcapng(f, out, false) : next_pcap(f, out);
    f->st.bytes_read = f->offset;
    return r;
}

const char *sl_capfile_error(const struct sl_capfile *f)
{
    return f->error;
}

int sl_capfile_truncated(const struct sl_capfile *f)
{
    return f->truncated;
}

uint64_t sl_capfile_truncated_at(const struct sl_capfile *f)
{
    return f->truncated_at;
}

const char *sl_capfile_format(const struct sl_capfile *f)
{
    return f->format;
}

int sl_capfile_linktype(const struct sl_capfile *f)
{
    return f->first_linktype;
}

uint64_t sl_capfile_size(const struct sl_capfile *f)
{
    return f->size;
}

void sl_capfile_stats(const struct sl_capfile *f, struct sl_capfile_stats *out)
{
    *out = f->st;
}

void sl_capfile_close(struct sl_capfile *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->win);
    free(f->ifs);
    free(f->path);
    free(f);
}
