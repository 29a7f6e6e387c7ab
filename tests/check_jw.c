/*
 * check_jw.c - the event JSON writer: exact output for nested documents, and
 * for hostile strings output that jansson parses as valid UTF-8 JSON; and
 * jpick, which reads the summary's fields back out of such lines.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpick.h"
#include "jw.h"
#include "suites.h"

static struct sl_jw w;

static void setup(void)
{
    sl_jw_init(&w);
}

static void teardown(void)
{
    sl_jw_free(&w);
}

static const char *text(void)
{
    size_t len;
    const char *t = sl_jw_text(&w, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), len);
    return t;
}

START_TEST(nested_document)
{
    sl_jw_obj_open(&w, NULL);
    sl_jw_str(&w, "a", "x");
    sl_jw_u64(&w, "n", 18446744073709551615ull);
    sl_jw_i64(&w, "neg", -9223372036854775807LL - 1);
    sl_jw_bool(&w, "t", true);
    sl_jw_null(&w, "z");
    sl_jw_arr_open(&w, "arr");
    sl_jw_u64(&w, NULL, 1);
    sl_jw_obj_open(&w, NULL);
    sl_jw_obj_close(&w);
    sl_jw_arr_open(&w, NULL);
    sl_jw_arr_close(&w);
    sl_jw_arr_close(&w);
    static const uint8_t h[3] = {0x00, 0xab, 0xff};
    sl_jw_hex(&w, "hex", h, 3);
    sl_jw_fixed(&w, "f1", 1709294400123456LL, 6);
    sl_jw_fixed(&w, "f2", -1500, 3);
    sl_jw_fixed(&w, "f3", 7, 0);
    sl_jw_obj_close(&w);
    ck_assert_str_eq(text(), "{\"a\":\"x\",\"n\":18446744073709551615,\"neg\":-9223372036854775808,"
                             "\"t\":true,\"z\":null,\"arr\":[1,{},[]],\"hex\":\"00abff\","
                             "\"f1\":1709294400.123456,\"f2\":-1.500,\"f3\":7}");
    /* Reset keeps the buffer and starts over. */
    sl_jw_reset(&w);
    sl_jw_obj_open(&w, NULL);
    sl_jw_obj_close(&w);
    ck_assert_str_eq(text(), "{}");
}
END_TEST

START_TEST(unbalanced_is_refused)
{
    size_t len;
    sl_jw_obj_open(&w, NULL);
    ck_assert_ptr_null(sl_jw_text(&w, &len)); /* still open */
    sl_jw_obj_close(&w);
    sl_jw_obj_close(&w); /* one too many */
    ck_assert_ptr_null(sl_jw_text(&w, &len));
    sl_jw_reset(&w);
    for (int i = 0; i <= SL_JW_MAX_DEPTH; i++)
        sl_jw_arr_open(&w, NULL);
    for (int i = 0; i <= SL_JW_MAX_DEPTH; i++)
        sl_jw_arr_close(&w);
    ck_assert_ptr_null(sl_jw_text(&w, &len)); /* too deep */
}
END_TEST

struct esc {
    const char *in;
    size_t n;
    const char *out; /* the JSON string literal, quotes included */
    bool valid;
};

#define E(s, o, v)                                                                                 \
    {                                                                                              \
        s, sizeof(s) - 1, o, v                                                                     \
    }
static const struct esc escapes[] = {
    E("plain", "\"plain\"", true),
    E("a\"b\\c", "\"a\\\"b\\\\c\"", true),
    E("nul\0x", "\"nul\\u0000x\"", true),
    E("\n\r\t\x01\x1f\x7f", "\"\\n\\r\\t\\u0001\\u001f\\u007f\"", true),
    E("caf\xc3\xa9", "\"caf\xc3\xa9\"", true),
    E("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", true),                  /* U+1F600 */
    E("\xe2\x80\xa8", "\"\\u2028\"", true),                               /* line separator */
    E("\xff", "\"\xef\xbf\xbd\"", false),                                 /* never valid */
    E("\xc3\x28", "\"\xef\xbf\xbd(\"", false),                            /* bad continuation */
    E("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", false),                 /* overlong */
    E("\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", false), /* overlong */
    E("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", false), /* surrogate */
    E("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", false),
    E("ab\xe2\x82", "\"ab\xef\xbf\xbd\xef\xbf\xbd\"", false), /* truncated at the end */
    E("\x80x", "\"\xef\xbf\xbdx\"", false),                   /* stray continuation */
};

START_TEST(hostile_strings)
{
    const struct esc *e = &escapes[_i];
    sl_jw_strn(&w, NULL, (const uint8_t *)e->in, e->n);
    ck_assert_str_eq(text(), e->out);
    ck_assert_int_eq(sl_jw_utf8_valid((const uint8_t *)e->in, e->n), e->valid);
    json_error_t err;
    json_t *j = json_loads(text(), JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    ck_assert_msg(j != NULL, "jansson rejects %s: %s", text(), err.text);
    if (e->valid) /* lossless: the same bytes come back */
        ck_assert_mem_eq(json_string_value(j), e->in, e->n);
    json_decref(j);
}
END_TEST

/* Each byte value at each place of a run longer than the writer's 8-byte fast path. */
START_TEST(every_byte_at_every_offset)
{
    for (unsigned v = 0; v < 256; v++) {
        for (size_t at = 0; at < 20; at++) {
            uint8_t in[20];
            memset(in, 'a', sizeof(in));
            in[at] = (uint8_t)v;
            sl_jw_reset(&w);
            sl_jw_obj_open(&w, NULL);
            sl_jw_strn(&w, "v", in, sizeof(in));
            sl_jw_obj_close(&w);
            json_error_t err;
            json_t *j = json_loads(text(), JSON_ALLOW_NUL, &err);
            ck_assert_msg(j != NULL, "byte %02x at %zu: %s", v, at, err.text);
            json_t *str = json_object_get(j, "v");
            uint8_t want[22];
            size_t n = 0;
            memcpy(want, in, at);
            n = at;
            if (v < 0x80) {
                want[n++] = (uint8_t)v;
            } else { /* a lone byte of 0x80 and above is not UTF-8: U+FFFD */
                memcpy(want + n, "\xef\xbf\xbd", 3);
                n += 3;
            }
            memcpy(want + n, in + at + 1, sizeof(in) - at - 1);
            n += sizeof(in) - at - 1;
            ck_assert_uint_eq(json_string_length(str), n);
            ck_assert_mem_eq(json_string_value(str), want, n);
            json_decref(j);
        }
    }
}
END_TEST

START_TEST(numbers_as_printf_writes_them)
{
    /* Both sides of every power of ten, then pseudo-random values of every magnitude. */
    uint64_t vals[200];
    size_t nv = 0;
    uint64_t p = 1;
    for (int k = 0; k < 20; k++, p *= 10) {
        vals[nv++] = p;
        vals[nv++] = p - 1;
        vals[nv++] = p + 1;
    }
    vals[nv++] = UINT64_MAX;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    while (nv < sizeof(vals) / sizeof(vals[0])) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        vals[nv++] = x >> (x % 64);
    }
    for (size_t i = 0; i < nv; i++) {
        sl_jw_reset(&w);
        sl_jw_arr_open(&w, NULL);
        sl_jw_u64(&w, NULL, vals[i]);
        sl_jw_i64(&w, NULL, -(int64_t)(vals[i] >> 1));
        sl_jw_arr_close(&w);
        char want[64];
        snprintf(want, sizeof(want), "[%llu,%lld]", (unsigned long long)vals[i],
                 -(long long)(vals[i] >> 1));
        ck_assert_str_eq(text(), want);
    }
}
END_TEST

START_TEST(plain_strings_of_every_length)
{
    /* The copy is eight bytes a step and then byte by byte: every tail length, exactly. */
    char in[41], want[64];
    for (size_t n = 0; n < sizeof(in); n++) {
        for (size_t i = 0; i < n; i++)
            in[i] = (char)('!' + (i * 7 + n) % 90 + (((i * 7 + n) % 90) >= 1)); /* no '"' */
        in[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (in[i] == '\\')
                in[i] = 'x';
        sl_jw_reset(&w);
        sl_jw_arr_open(&w, NULL);
        sl_jw_str(&w, NULL, in);
        sl_jw_arr_close(&w);
        snprintf(want, sizeof(want), "[\"%s\"]", in);
        ck_assert_str_eq(text(), want);
    }
}
END_TEST

START_TEST(plain_text_of_every_length)
{
    /* Every length to 40, from a buffer of exactly that size (no NUL), so the sanitizer build
     * catches a read past its end. */
    char want[64];
    for (size_t n = 0; n <= 40; n++) {
        char *in = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(in);
        for (size_t i = 0; i < n; i++)
            in[i] = (char)('a' + (i * 5 + n) % 26);
        sl_jw_reset(&w);
        sl_jw_arr_open(&w, NULL);
        sl_jw__plain(&w, in, n);
        sl_jw_arr_close(&w);
        snprintf(want, sizeof(want), "[\"%.*s\"]", (int)n, in);
        ck_assert_str_eq(text(), want);
        free(in);
    }
}
END_TEST

START_TEST(plain_text_is_copied_as_it_is)
{
    /* The program's own text: a timestamp, an address, a Community ID, the empty string. */
    sl_jw_reset(&w);
    sl_jw_obj_open(&w, NULL);
    sl_jw_plain(&w, "timestamp", "2024-03-01T12:00:00.000000+0000");
    sl_jw_plain(&w, "src_ip", "2001:db8::1");
    sl_jw_plain(&w, "community_id", "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    sl_jw_arr_open(&w, "a");
    sl_jw_plain(&w, NULL, "");
    sl_jw_plain(&w, NULL, "x");
    sl_jw_arr_close(&w);
    sl_jw_obj_close(&w);
    ck_assert_str_eq(text(), "{\"timestamp\":\"2024-03-01T12:00:00.000000+0000\",\"src_ip\":"
                             "\"2001:db8::1\",\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\","
                             "\"a\":[\"\",\"x\"]}");
}
END_TEST

START_TEST(random_bytes_always_valid_json)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 10000; round++) {
        uint8_t buf[64];
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            buf[i] = (uint8_t)s;
        }
        sl_jw_reset(&w);
        sl_jw_obj_open(&w, NULL);
        sl_jw_strn(&w, "v", buf, n);
        sl_jw_obj_close(&w);
        json_error_t err;
        json_t *j = json_loads(text(), JSON_ALLOW_NUL, &err);
        ck_assert_msg(j != NULL, "round %d: %s", round, err.text);
        /* Agrees with jansson on what is valid UTF-8. */
        json_t *direct = json_stringn((const char *)buf, n);
        ck_assert_int_eq(direct != NULL, sl_jw_utf8_valid(buf, n));
        json_decref(direct);
        json_decref(j);
    }
}
END_TEST

static const char *picked(const struct sl_jpick *p, char *buf, size_t cap)
{
    ck_assert_ptr_nonnull(p->v);
    ck_assert_uint_lt(p->len, cap);
    memcpy(buf, p->v, p->len);
    buf[p->len] = '\0';
    return buf;
}

START_TEST(jpick_nested_and_top_level)
{
    /* The decoy keys sit inside strings, inside arrays, and one level too deep. */
    static const char line[] =
        "{\"x\":\"\\\"p2p\\\":{\\\"protocol\\\":\\\"evil\\\"}\\\\\",\"arr\":[{\"protocol\":1}],"
        "\"p2p\" : {\"deep\":{\"protocol\":\"no\"},\"protocol\":\"bittorrent\",\"n\":42},"
        "\"flow\":{\"bytes_toserver\":18446744073709551615},\"src_ip\":\"10.0.0.1\"}";
    struct sl_jpick pk[] = {
        {"p2p", "protocol", NULL, 0}, {"p2p", "n", NULL, 0},  {"flow", "bytes_toserver", NULL, 0},
        {"src_ip", NULL, NULL, 0},    {"p2p", NULL, NULL, 0}, {"egress", "bytes_out", NULL, 0},
        {"x", NULL, NULL, 0}};
    ck_assert_int_eq(sl_jpick(line, strlen(line), pk, 7), 0);
    char buf[512];
    ck_assert_str_eq(picked(&pk[0], buf, sizeof(buf)), "\"bittorrent\"");
    uint64_t v = 0;
    ck_assert(sl_jpick_u64(&pk[1], &v));
    ck_assert_uint_eq(v, 42);
    ck_assert(sl_jpick_u64(&pk[2], &v));
    ck_assert_uint_eq(v, UINT64_MAX);
    ck_assert_uint_eq(sl_jpick_str(&pk[3], buf, sizeof(buf)), 8);
    ck_assert_str_eq(buf, "10.0.0.1");
    ck_assert_uint_eq(pk[4].v[0], '{'); /* a whole object picked */
    ck_assert_uint_eq(pk[4].v[pk[4].len - 1], '}');
    ck_assert_ptr_null(pk[5].v);
    ck_assert(!sl_jpick_u64(&pk[5], &v));
    ck_assert_uint_eq(sl_jpick_str(&pk[5], buf, sizeof(buf)), 0);
    ck_assert_str_eq(picked(&pk[6], buf, sizeof(buf)),
                     "\"\\\"p2p\\\":{\\\"protocol\\\":\\\"evil\\\"}\\\\\"");
    /* Cut to fit, NUL-terminated. */
    ck_assert_uint_eq(sl_jpick_str(&pk[0], buf, 4), 3);
    ck_assert_str_eq(buf, "bit");
}
END_TEST

START_TEST(jpick_refuses_malformed)
{
    static const char *const bad[] = {
        "",         "[]",         "{",          "{\"a\":1",     "{\"a\":\"x}", "{\"a\" 1}",
        "{\"a\":}", "{\"a\":1,}", "{\"a\":1}x", "{\"a\":[1,2}", "{a:1}",       "{\"a\":\"\\\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sl_jpick pk[] = {{"a", NULL, NULL, 0}};
        ck_assert_msg(sl_jpick(bad[i], strlen(bad[i]), pk, 1) < 0, "accepted: %s", bad[i]);
    }
    char deep[200] = "{\"a\":";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    struct sl_jpick pk[] = {{"a", NULL, NULL, 0}};
    ck_assert_int_lt(sl_jpick(deep, strlen(deep), pk, 1), 0);
    static const char *const nums[] = {"{\"a\":-1}", "{\"a\":1.5}", "{\"a\":18446744073709551616}",
                                       "{\"a\":\"7\"}", "{\"a\":true}"};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        uint64_t v;
        ck_assert_int_eq(sl_jpick(nums[i], strlen(nums[i]), pk, 1), 0);
        ck_assert_msg(!sl_jpick_u64(&pk[0], &v), "a number: %s", nums[i]);
    }
}
END_TEST

/* Whatever bytes a string holds, the writer's escaping keeps jpick on the real members. */
START_TEST(jpick_reads_hostile_writer_output)
{
    uint64_t s = 0x2545f4914f6cdd1dull;
    static const char alphabet[] = "\"\\:{}[],pa \x01\xff";
    for (int round = 0; round < 5000; round++) {
        uint8_t buf[48];
        size_t n = (size_t)(round % 48);
        for (size_t i = 0; i < n; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            buf[i] = (uint8_t)alphabet[s % (sizeof(alphabet) - 1)];
        }
        sl_jw_reset(&w);
        sl_jw_obj_open(&w, NULL);
        sl_jw_strn(&w, "p", buf, n);
        sl_jw_obj_open(&w, "a");
        sl_jw_strn(&w, "p", buf, n);
        sl_jw_u64(&w, "n", (uint64_t)round);
        sl_jw_obj_close(&w);
        sl_jw_obj_close(&w);
        size_t len;
        const char *t = sl_jw_text(&w, &len);
        struct sl_jpick p[] = {{"a", "n", NULL, 0}, {"p", NULL, NULL, 0}};
        ck_assert_int_eq(sl_jpick(t, len, p, 2), 0);
        uint64_t v = 0;
        ck_assert(sl_jpick_u64(&p[0], &v));
        ck_assert_uint_eq(v, (uint64_t)round);
        json_t *j = json_loadb(p[1].v, p[1].len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        ck_assert_msg(json_is_string(j), "round %d: picked %.*s", round, (int)p[1].len, p[1].v);
        json_t *all = json_loads(t, JSON_ALLOW_NUL, NULL);
        ck_assert(json_equal(j, json_object_get(all, "p")));
        json_decref(all);
        json_decref(j);
    }
}
END_TEST

Suite *suite_jw(void)
{
    Suite *s = suite_create("jw");
    TCase *tc = tcase_create("writer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, nested_document);
    tcase_add_test(tc, unbalanced_is_refused);
    tcase_add_loop_test(tc, hostile_strings, 0, (int)(sizeof(escapes) / sizeof(escapes[0])));
    tcase_add_test(tc, random_bytes_always_valid_json);
    tcase_add_test(tc, numbers_as_printf_writes_them);
    tcase_add_test(tc, plain_strings_of_every_length);
    tcase_add_test(tc, plain_text_of_every_length);
    tcase_add_test(tc, plain_text_is_copied_as_it_is);
    tcase_add_test(tc, every_byte_at_every_offset);
    tcase_add_test(tc, jpick_nested_and_top_level);
    tcase_add_test(tc, jpick_refuses_malformed);
    tcase_add_test(tc, jpick_reads_hostile_writer_output);
    suite_add_tcase(s, tc);
    return s;
}
