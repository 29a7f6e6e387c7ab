/*
 * edonkey.h - eDonkey / eMule client hellos: user hash, nickname, versions.
 */
#ifndef SLUICE_EDONKEY_H
#define SLUICE_EDONKEY_H

#include <stdbool.h>
#include <stdint.h>

#define SL_ED2K_TEXT_MAX 48

struct sl_ed2k_side {
    bool hello, answer;
    uint8_t hash[16]; /* the user hash: stable per installation */
    uint32_t client_id;
    uint16_t port;
    uint32_t version, emule_version;
    uint8_t name_len, mod_len;
    uint8_t name[SL_ED2K_TEXT_MAX]; /* nickname, raw bytes */
    uint8_t mod[SL_ED2K_TEXT_MAX];  /* mod version text, raw bytes */
};

#define SL_ED2K_NAME_MAX 128

struct sl_ed2k_flow {
    struct sl_ed2k_side side[2]; /* [0] client, [1] server */
    uint32_t messages;           /* payload segments seen */
    /* A file name one side told the other (OP_REQFILENAMEANSWER): the other downloads it. */
    uint8_t file_from; /* the direction that sent the name */
    uint8_t file_len;
    uint8_t file[SL_ED2K_NAME_MAX];
    uint32_t offered_files; /* files a side offered (OP_OFFERFILES): its share */
};

/* True when a TCP payload starts with an eDonkey/eMule hello or hello answer. */
bool sl_ed2k_probe(const uint8_t *payload, uint32_t caplen);

/* Add one payload segment; true when that side's hello is known. */
bool sl_ed2k_feed(struct sl_ed2k_flow *e, int dir, const uint8_t *payload, uint32_t caplen);

#endif
