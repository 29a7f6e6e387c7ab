/*
 * p2p.c - the one list of nDPI's peer-to-peer protocols, and the rules that
 * turn nDPI's verdict into a P2P session, an indicator, or nothing.
 *
 * nDPI's word is not enough on its own:
 * - A P2P app under another master protocol (DNS.BitTorrent, TLS.BitTorrent,
 *   HTTP.BitTorrent) was named from a hostname or SNI: a lookup of a vendor's
 *   site, not a peer session.  That is an indicator.
 * - A verdict nDPI reached by port or IP list only (at give-up) is a guess:
 *   an indicator.
 * - nDPI 4.2 calls some Teredo relay traffic (IPv6 in UDP) BitTorrent: a flow
 *   whose UDP payload carried IPv6 packets is not a P2P session.
 * BitTorrent structure parsed by sluice's own dissectors (a peer-wire
 * handshake, a confirmed uTP connection, KRPC messages) is payload evidence
 * of a session, where nDPI said the same, guessed it from a port, or missed it.
 */
#include <stddef.h>
#include <string.h>

#include <ndpi_api.h>

#include "cursor.h"
#include "dissect.h"
#include "p2p.h"

/* Signature ids: 2290000 + n sessions, 2291000 + n indicators (alerts/README.md lists them). */
static const struct sl_p2p_proto p2p_protos[] = {
    {NDPI_PROTOCOL_BITTORRENT, "bittorrent", "BitTorrent", "file-sharing", 2290001, 2291001},
    {NDPI_PROTOCOL_EDONKEY, "edonkey", "eDonkey", "file-sharing", 2290002, 2291002},
    {NDPI_PROTOCOL_GNUTELLA, "gnutella", "Gnutella", "file-sharing", 2290003, 2291003},
    {NDPI_PROTOCOL_FASTTRACK, "fasttrack", "FastTrack", "file-sharing", 2290004, 2291004},
    {NDPI_PROTOCOL_DIRECTCONNECT, "directconnect", "DirectConnect", "file-sharing", 2290005,
     2291005},
    {NDPI_PROTOCOL_APPLEJUICE, "applejuice", "AppleJuice", "file-sharing", 2290006, 2291006},
    {NDPI_PROTOCOL_STEALTHNET, "stealthnet", "Stealthnet", "file-sharing", 2290007, 2291007},
    {NDPI_PROTOCOL_THUNDER, "thunder", "Thunder", "file-sharing", 2290008, 2291008},
    {NDPI_PROTOCOL_KONTIKI, "kontiki", "Kontiki", "p2p-streaming", 2290009, 2291009},
    {NDPI_PROTOCOL_OPENFT, "openft", "OpenFT", "file-sharing", 2290010, 2291010},
    {NDPI_PROTOCOL_AIMINI, "aimini", "Aimini", "file-sharing", 2290011, 2291011},
    {NDPI_PROTOCOL_PPSTREAM, "ppstream", "PPStream", "p2p-streaming", 2290012, 2291012},
    {NDPI_PROTOCOL_TVUPLAYER, "tvuplayer", "TVUPlayer", "p2p-streaming", 2290013, 2291013},
};

const struct sl_p2p_proto *sl_p2p_lookup(uint16_t ndpi_id)
{
    for (size_t i = 0; i < sizeof(p2p_protos) / sizeof(p2p_protos[0]); i++)
        if (p2p_protos[i].ndpi_id == ndpi_id)
            return &p2p_protos[i];
    return NULL;
}

const struct sl_p2p_proto *sl_p2p_table(unsigned *n)
{
    *n = (unsigned)(sizeof(p2p_protos) / sizeof(p2p_protos[0]));
    return p2p_protos;
}

void sl_p2p_judge(const struct sl_flow *f, struct sl_p2p_judgement *out)
{
    out->verdict = SL_P2P_NONE;
    out->proto = sl_p2p_lookup(f->app_proto);
    out->decided_by = NULL;
    out->suppressed = NULL;
    /* sluice's own dissectors parsed BitTorrent structure: payload evidence, whatever nDPI
     * said, guessed from a port, or missed (Message Stream Encryption first, uTP). */
    const char *ours = sl_dissect_evidence(f);
    /* A client announcing itself on the LAN, or a magnet link fetched over HTTP: P2P is
     * about, but this flow is not a session with a peer. */
    bool lsd = ours && (!strcmp(ours, "lsd") || !strcmp(ours, "magnet"));
    uint16_t ours_proto = sl_dissect_protocol(f);
    if (lsd && (!out->proto || out->proto->ndpi_id == NDPI_PROTOCOL_BITTORRENT)) {
        out->proto = sl_p2p_lookup(NDPI_PROTOCOL_BITTORRENT);
        out->verdict = SL_P2P_INDICATOR;
        out->decided_by = ours;
        return;
    }
    if (ours && !lsd && (!out->proto || out->proto->ndpi_id == ours_proto)) {
        out->proto = sl_p2p_lookup(ours_proto);
        out->verdict = SL_P2P_SESSION;
        out->decided_by = ours;
        return;
    }
    if (!out->proto)
        return;

    if (f->master_proto != NDPI_PROTOCOL_UNKNOWN && !sl_p2p_lookup(f->master_proto)) {
        out->verdict = SL_P2P_INDICATOR;
        out->decided_by = "hostname";
        return;
    }
    switch (f->confidence) {
    case NDPI_CONFIDENCE_DPI:
        out->decided_by = "dpi";
        break;
    case NDPI_CONFIDENCE_DPI_CACHE:
        out->decided_by = "dpi-cache";
        break;
    case NDPI_CONFIDENCE_MATCH_BY_IP:
        out->decided_by = "ip";
        break;
    default:
        out->decided_by = "port";
        break;
    }
    if ((f->flags & SL_FF_TEREDO_SHAPED) && out->proto->ndpi_id == NDPI_PROTOCOL_BITTORRENT) {
        out->suppressed = "teredo";
        return;
    }
    /* nDPI's give-up guess from its cache of endpoints seen in BitTorrent before: the
     * endpoint, not this flow's payload. */
    if ((f->flags & SL_FF_GUESSED) && f->confidence == NDPI_CONFIDENCE_DPI_CACHE)
        out->decided_by = "endpoint-cache";
    bool payload =
        f->confidence == NDPI_CONFIDENCE_DPI || f->confidence == NDPI_CONFIDENCE_DPI_CACHE;
    out->verdict = payload && !(f->flags & SL_FF_GUESSED) ? SL_P2P_SESSION : SL_P2P_INDICATOR;
}

bool sl_p2p_teredo_shaped(const uint8_t *payload, uint32_t caplen)
{
    struct sl_cur c = sl_cur_make(payload, caplen);
    if (sl_cur_peek(&c, 0) == 0 && sl_cur_peek(&c, 1) == 1) {
        /* Authentication indication: type, id-len, auth-len, id, auth, nonce(8), confirmation(1).
         */
        sl_cur_skip(&c, 2);
        uint8_t id_len = sl_cur_u8(&c);
        uint8_t auth_len = sl_cur_u8(&c);
        sl_cur_skip(&c, (size_t)id_len + auth_len + 9);
    }
    if (sl_cur_peek(&c, 0) == 0 && sl_cur_peek(&c, 1) == 0)
        sl_cur_skip(&c, 8); /* origin indication: type, port, address */
    if (!sl_cur_ok(&c) || sl_cur_left(&c) < 40)
        return false;
    uint8_t version = sl_cur_u8(&c) >> 4;
    sl_cur_skip(&c, 3);
    uint16_t plen = sl_cur_u16be(&c);
    uint8_t next = sl_cur_u8(&c);
    sl_cur_skip(&c, 1 + 32);
    bool known_next = next == 6 || next == 17 || next == 58 || next == 59 || next == 0 ||
                      next == 43 || next == 44 || next == 60;
    return sl_cur_ok(&c) && version == 6 && known_next && plen == sl_cur_left(&c);
}
