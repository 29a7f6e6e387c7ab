/*
 * ndpi_dispatch.c - nDPI 4.2's dissector loop, ndpi_check_flow_func, with
 * the same steps in the same order and cheaper tests.
 *
 * For each packet of a flow it has not named, nDPI walks the callback table
 * of the packet's transport (some 200 dissectors) and runs each one the
 * packet's shape allows that has not ruled itself out.  Its loop tests
 * "ruled out" and "runs on an unnamed flow" by passing two 64-byte bitmasks
 * by value to NDPI_BITMASK_COMPARE, twice an entry: on realmix the walk was
 * a sixth of all instructions before a dissector ran.  This loop makes the
 * same decisions in the same order, each a one-bit test: "ruled out" of
 * the entry's protocol (its excluded mask holds that bit alone, which the
 * table check makes sure of), and "runs on" the flow's detected protocol
 * (nDPI's mask for it holds that one bit: stack[0] as it was on entry).
 * And it walks a compact copy of the part of the table the packet's shape
 * selects (what it reads of each entry, 16 bytes of 144), made once per
 * module, thread and shape.
 *
 * What it must match is libndpi 4.2's own function (the Debian 12 package's
 * object code: a static helper taking the table and its size, first the
 * dissector of the protocol the ports suggest, then the table, then the
 * sub-protocols of what was found), including its quirks: the no-payload
 * test of the guessed dissector reads the table entry at the protocol's id
 * rather than its index, and the count it returns starts at 1 for the TCP
 * no-payload table.  The tables live in nDPI's module struct, declared only
 * for the library's own compilation: this file compiles as if it were part
 * of it, with the ndpi_config.h the package installs, so the layout is the
 * library's own.  Each module's tables are checked once before they are
 * trusted, and a module that fails the check, or SLUICE_NDPI_DISPATCH=library
 * in the environment, gets libndpi's loop (tests/ndpi-dispatch.sh runs every
 * capture both ways and compares the events byte for byte).
 *
 * Linked into the sensor program and the unit tests only, as ndpi_fast.c.
 */
#define NDPI_LIB_COMPILATION
/* nDPI's config header defines these for itself; sluice's come from the command line. */
#undef PACKAGE
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#undef VERSION
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#if NDPI_MAJOR == 4 && NDPI_MINOR == 2

typedef u_int32_t (*check_fn)(struct ndpi_detection_module_struct *, struct ndpi_flow_struct *,
                              NDPI_SELECTION_BITMASK_PROTOCOL_SIZE *);

static check_fn library_check;
static int use_library;

/* At load, before any thread: the library's loop, and whether to use it. */
__attribute__((constructor)) static void find_library(void)
{
    void *p = dlsym(RTLD_NEXT, "ndpi_check_flow_func");
    memcpy(&library_check, &p, sizeof(library_check));
    const char *env = getenv("SLUICE_NDPI_DISPATCH");
    use_library = env && !strcmp(env, "library");
    if (use_library) /* a diagnostic: say it is on, once */
        fprintf(stderr, "sluice: SLUICE_NDPI_DISPATCH=library: nDPI runs its own dissector loop\n");
}

/*
 * Each entry names a protocol nDPI knows, has a function, and rules out its
 * own protocol and no other (what ndpi_set_bitmask_protocol_detection sets):
 * then "the flow ruled out a protocol of the entry's mask" is "the flow ruled
 * out the entry's protocol", one bit.
 */
static bool table_sane(const struct ndpi_call_function_struct *cb, u_int32_t n)
{
    if (n > NDPI_MAX_SUPPORTED_PROTOCOLS + 1)
        return false;
    for (u_int32_t i = 0; i < n; i++) {
        u_int16_t id = cb[i].ndpi_protocol_id;
        if (!cb[i].func || id == NDPI_PROTOCOL_UNKNOWN || id >= NDPI_NUM_BITS)
            return false;
        for (unsigned w = 0; w < NDPI_NUM_FDS_BITS; w++) {
            ndpi_ndpi_mask want = w == id / NDPI_BITS ? (ndpi_ndpi_mask)1 << (id % NDPI_BITS) : 0;
            if (cb[i].excluded_protocol_bitmask.fds_bits[w] != want)
                return false;
        }
    }
    return true;
}

static bool module_sane(const struct ndpi_detection_module_struct *m)
{
    return m->callback_buffer_size > 0 && table_sane(m->callback_buffer, m->callback_buffer_size) &&
           table_sane(m->callback_buffer_tcp_no_payload, m->callback_buffer_size_tcp_no_payload) &&
           table_sane(m->callback_buffer_tcp_payload, m->callback_buffer_size_tcp_payload) &&
           table_sane(m->callback_buffer_udp, m->callback_buffer_size_udp) &&
           table_sane(m->callback_buffer_non_tcp_udp, m->callback_buffer_size_non_tcp_udp) &&
           m->callback_buffer_size_tcp_payload <= m->callback_buffer_size &&
           m->callback_buffer_size_udp <= m->callback_buffer_size;
}

/*
 * What the walk reads of a table entry, 16 bytes where nDPI's entry is 144,
 * and only of the entries the packet's shape selects: for each table, a list
 * per selection mask a packet has had (its IP version, payload or not, a TCP
 * retransmission or not: a few), in the table's order.  The walk over them
 * stays in the first-level cache, and skips the half of the table a packet
 * of that shape never runs.
 */
struct lite_entry {
    void (*func)(struct ndpi_detection_module_struct *, struct ndpi_flow_struct *);
    u_int16_t id;     /* the protocol, the one bit of its excluded mask */
    u_int16_t a;      /* where it is in nDPI's table */
    u_int8_t unnamed; /* runs while the flow is unnamed: UNKNOWN in its detection mask */
};

enum { T_TCP_PAYLOAD, T_TCP_NO_PAYLOAD, T_UDP, T_OTHER, T_COUNT };
enum { SEL_LISTS = 4 }; /* per table; a fifth shape replaces the oldest list */

struct sel_list {
    NDPI_SELECTION_BITMASK_PROTOCOL_SIZE sel;
    u_int32_t n; /* entries; the list is unused while `made` is false */
    bool made;
    struct lite_entry e[NDPI_MAX_SUPPORTED_PROTOCOLS + 1];
};

/*
 * Per thread (each worker has its own module), for the last module it saw:
 * whether its tables passed the check, and their lists.  nDPI builds the
 * tables once, at initialisation; every module sluice makes is built the
 * same way (classify.c: every protocol, no custom ones).
 */
static __thread struct {
    const struct ndpi_detection_module_struct *m;
    bool ok;
    u_int32_t n[T_COUNT];
    unsigned oldest[T_COUNT];
    struct sel_list list[T_COUNT][SEL_LISTS];
} seen;

static const struct ndpi_call_function_struct *
table_of(const struct ndpi_detection_module_struct *m, int t, u_int32_t *n)
{
    const struct ndpi_call_function_struct *table;
    u_int32_t size;
    switch (t) {
    case T_TCP_PAYLOAD:
        table = m->callback_buffer_tcp_payload, size = m->callback_buffer_size_tcp_payload;
        break;
    case T_TCP_NO_PAYLOAD:
        table = m->callback_buffer_tcp_no_payload, size = m->callback_buffer_size_tcp_no_payload;
        break;
    case T_UDP:
        table = m->callback_buffer_udp, size = m->callback_buffer_size_udp;
        break;
    default:
        table = m->callback_buffer_non_tcp_udp, size = m->callback_buffer_size_non_tcp_udp;
        break;
    }
    if (n) /* the walk takes its size from the list */
        *n = size;
    return table;
}

static bool trusted(const struct ndpi_detection_module_struct *m)
{
    /* The sizes too: a module freed and another made at its address is checked again. */
    if (m == seen.m && m->callback_buffer_size_tcp_payload == seen.n[T_TCP_PAYLOAD] &&
        m->callback_buffer_size_udp == seen.n[T_UDP])
        return seen.ok;
    seen.m = m;
    seen.ok = module_sane(m);
    for (int t = 0; t < T_COUNT; t++) {
        table_of(m, t, &seen.n[t]);
        seen.oldest[t] = 0;
        for (unsigned k = 0; k < SEL_LISTS; k++)
            seen.list[t][k].made = false;
    }
    return seen.ok;
}

/* Table t's entries that a packet selected by `sel` runs, in the table's order. */
static const struct sel_list *list_for(const struct ndpi_call_function_struct *table, int t,
                                       NDPI_SELECTION_BITMASK_PROTOCOL_SIZE sel)
{
    for (unsigned k = 0; k < SEL_LISTS; k++)
        if (seen.list[t][k].made && seen.list[t][k].sel == sel)
            return &seen.list[t][k];
    struct sel_list *l = &seen.list[t][seen.oldest[t]];
    seen.oldest[t] = (seen.oldest[t] + 1) % SEL_LISTS;
    l->sel = sel;
    l->n = 0;
    for (u_int32_t a = 0; a < seen.n[t]; a++) {
        if ((table[a].ndpi_selection_bitmask & sel) != table[a].ndpi_selection_bitmask)
            continue;
        l->e[l->n++] = (struct lite_entry){
            .func = table[a].func,
            .id = table[a].ndpi_protocol_id,
            .a = (u_int16_t)a,
            .unnamed = NDPI_COMPARE_PROTOCOL_TO_BITMASK(table[a].detection_bitmask,
                                                        NDPI_PROTOCOL_UNKNOWN) != 0,
        };
    }
    l->made = true;
    return l;
}

/* Has the flow ruled out protocol `id`?  For an entry, NDPI_BITMASK_COMPARE of the two
 * excluded masks != 0, the entry's being its protocol's bit alone (table_sane). */
static inline bool ruled_out(const struct ndpi_flow_struct *flow, u_int16_t id)
{
    return NDPI_COMPARE_PROTOCOL_TO_BITMASK(flow->excluded_protocol_bitmask, id) != 0;
}

/* Does the entry run once `detected` is the flow's protocol?  nDPI's mask for it holds that
 * one bit (NDPI_SAVE_AS_BITMASK), so comparing masks is testing the bit. */
static inline bool runs_on(const struct ndpi_call_function_struct *cb, u_int16_t detected)
{
    return NDPI_COMPARE_PROTOCOL_TO_BITMASK(cb->detection_bitmask, detected) != 0;
}

static inline bool selects(const struct ndpi_call_function_struct *cb,
                           NDPI_SELECTION_BITMASK_PROTOCOL_SIZE sel)
{
    return (cb->ndpi_selection_bitmask & sel) == cb->ndpi_selection_bitmask;
}

static u_int32_t detect(struct ndpi_detection_module_struct *m, struct ndpi_flow_struct *flow,
                        NDPI_SELECTION_BITMASK_PROTOCOL_SIZE sel, int t)
{
    const struct ndpi_call_function_struct *table = table_of(m, t, NULL);
    void (*func)(struct ndpi_detection_module_struct *, struct ndpi_flow_struct *) = NULL;
    u_int32_t calls = table == m->callback_buffer_tcp_no_payload;
    const u_int16_t detected = flow->detected_protocol_stack[0];
    const ndpi_proto_defaults_t *guess = &m->proto_defaults[flow->guessed_protocol_id];

    /* First the dissector of the protocol the ports suggest. */
    if (guess->protoId != NDPI_PROTOCOL_UNKNOWN) {
        const struct ndpi_call_function_struct *cb = &m->callback_buffer[guess->protoIdx];
        u_int16_t g = flow->guessed_protocol_id;
        if (!ruled_out(flow, cb->ndpi_protocol_id) && runs_on(cb, detected) && selects(cb, sel) &&
            g != NDPI_PROTOCOL_UNKNOWN && m->proto_defaults[g].func &&
            (table != m->callback_buffer_tcp_no_payload ||
             /* libndpi's quirk: the entry at the protocol's id, not its index.  Only a custom
              * protocol's id (sluice loads none) would pass the table's end: such a one
              * counts as needing payload here, where libndpi would read past it. */
             (g <= NDPI_MAX_SUPPORTED_PROTOCOLS &&
              !(m->callback_buffer[g].ndpi_selection_bitmask &
                NDPI_SELECTION_BITMASK_PROTOCOL_HAS_PAYLOAD)))) {
            m->proto_defaults[g].func(m, flow);
            calls++;
            func = m->proto_defaults[flow->guessed_protocol_id].func;
        }
    }

    /* Then the table, until one names the flow. */
    if (flow->detected_protocol_stack[0] == NDPI_PROTOCOL_UNKNOWN) {
        const struct sel_list *l = list_for(table, t, sel);
        for (u_int32_t k = 0; k < l->n; k++) {
            const struct lite_entry *e = &l->e[k];
            /* None of the tests has a side effect, so their order is free. */
            if (e->func == func ||
                !(detected == NDPI_PROTOCOL_UNKNOWN ? e->unnamed
                                                    : runs_on(&table[e->a], detected)) ||
                ruled_out(flow, e->id))
                continue;
            e->func(m, flow);
            calls++;
            if (flow->detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN)
                break;
        }
    }

    /* Then the sub-protocols of what the flow is now, until one is found. */
    for (u_int32_t a = 0; a < m->proto_defaults[flow->detected_protocol_stack[0]].subprotocol_count;
         a++) {
        u_int16_t sub = m->proto_defaults[flow->detected_protocol_stack[0]].subprotocols[a];
        if (sub == (u_int16_t)NDPI_PROTOCOL_MATCHED_BY_CONTENT)
            continue;
        const struct ndpi_call_function_struct *cb =
            &m->callback_buffer[m->proto_defaults[sub].protoIdx];
        if (m->proto_defaults[sub].func != func && selects(cb, sel) && runs_on(cb, detected) &&
            !ruled_out(flow, cb->ndpi_protocol_id)) {
            cb->func(m, flow);
            calls++;
        }
        if (flow->detected_protocol_stack[1] != NDPI_PROTOCOL_UNKNOWN)
            break;
    }
    return calls;
}

u_int32_t ndpi_check_flow_func(struct ndpi_detection_module_struct *m,
                               struct ndpi_flow_struct *flow,
                               NDPI_SELECTION_BITMASK_PROTOCOL_SIZE *sel)
{
    if (!flow)
        return 0;
    if (use_library || !trusted(m)) {
        if (!library_check) {
            /* Neither loop can run: nDPI would name nothing, silently. */
            fprintf(stderr, "sluice: nDPI's dissector loop (ndpi_check_flow_func) not found "
                            "in libndpi\n");
            abort();
        }
        return library_check(m, flow, sel);
    }
    if (m->packet.tcp)
        return detect(m, flow, *sel,
                      m->packet.payload_packet_len ? T_TCP_PAYLOAD : T_TCP_NO_PAYLOAD);
    return detect(m, flow, *sel, m->packet.udp ? T_UDP : T_OTHER);
}

#endif
