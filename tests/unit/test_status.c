/* test_status.c - status.c: the reason phrase of every code in the table,
 * "Unknown" for codes outside it, and the built-in HTML error pages (present
 * for every 4xx/5xx and redirect, carrying the code and a UTF-8 charset; absent for
 * 200, 206 and 304). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "status.h"

struct reason_case {
    int code;
    const char *reason;
};

static const struct reason_case reasons[] = {
    {200, "OK"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {416, "Range Not Satisfiable"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
};

#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

static void test_reason_every_code(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREASONS; i++)
        assert_string_equal(status_reason(reasons[i].code), reasons[i].reason);
}

static void test_reason_unknown(void **state)
{
    (void)state;
    static const int unknown[] = {0,   -1,  100, 199, 201, 305,
                                  306, 402, 418, 502, 999, 1000};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_string_equal(status_reason(unknown[i]), "Unknown");
}

static void test_error_pages(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREASONS; i++) {
        int code = reasons[i].code;
        if (code < 400)
            continue;
        size_t len = 0;
        const char *page = status_page(code, &len);
        assert_non_null(page);
        assert_int_equal(len, strlen(page));
        char title[128];
        snprintf(title, sizeof(title), "<title>%d %s</title>", code, reasons[i].reason);
        assert_non_null(strstr(page, title));
        char h1[128];
        snprintf(h1, sizeof(h1), "<h1>%d %s</h1>", code, reasons[i].reason);
        assert_non_null(strstr(page, h1));
        assert_non_null(strstr(page, "<meta charset=\"utf-8\">"));
        assert_memory_equal(page, "<!DOCTYPE html>", 15);
        assert_non_null(strstr(page, "</html>"));
    }
}

static void test_no_page_for_success(void **state)
{
    (void)state;
    static const int none[] = {200, 206, 304, 0, 999};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        size_t len = 12345;
        assert_null(status_page(none[i], &len));
        assert_int_equal(len, 12345); /* untouched */
    }
}

static void test_page_for_redirect(void **state)
{
    (void)state;
    size_t len = 0;
    static const char *const pages[] = {"301 Moved Permanently", "302 Found",
                                        "303 See Other", "307 Temporary Redirect",
                                        "308 Permanent Redirect"};
    static const int codes[] = {301, 302, 303, 307, 308};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *page = status_page(codes[i], &len);
        assert_non_null(page);
        assert_non_null(strstr(page, pages[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_every_code),
        cmocka_unit_test(test_reason_unknown),
        cmocka_unit_test(test_error_pages),
        cmocka_unit_test(test_no_page_for_success),
        cmocka_unit_test(test_page_for_redirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
