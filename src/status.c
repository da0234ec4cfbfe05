/* status.c - reason phrases and built-in error pages.
 *
 * Owns: the text of every status line and error page.  Pages are constant
 * strings built at compile time, so sending one costs no formatting and no
 * allocation.  Never does I/O. */
#include "status.h"

#include <string.h>

#define PAGE(code, text)                                                               \
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"                \
    "<title>" #code " " text "</title></head>\n<body><h1>" #code " " text "</h1>\n"    \
    "<hr><p>minihttpd</p></body></html>\n"

struct status_entry {
    int code;
    const char *reason;
    const char *page; /* NULL: no body of ours */
};

static const struct status_entry status_table[] = {
    {200, "OK", NULL},
    {206, "Partial Content", NULL},
    {301, "Moved Permanently", PAGE(301, "Moved Permanently")},
    {302, "Found", PAGE(302, "Found")},
    {303, "See Other", PAGE(303, "See Other")},
    {304, "Not Modified", NULL},
    {307, "Temporary Redirect", PAGE(307, "Temporary Redirect")},
    {308, "Permanent Redirect", PAGE(308, "Permanent Redirect")},
    {400, "Bad Request", PAGE(400, "Bad Request")},
    {401, "Unauthorized", PAGE(401, "Unauthorized")},
    {403, "Forbidden", PAGE(403, "Forbidden")},
    {404, "Not Found", PAGE(404, "Not Found")},
    {405, "Method Not Allowed", PAGE(405, "Method Not Allowed")},
    {408, "Request Timeout", PAGE(408, "Request Timeout")},
    {413, "Content Too Large", PAGE(413, "Content Too Large")},
    {414, "URI Too Long", PAGE(414, "URI Too Long")},
    {416, "Range Not Satisfiable", PAGE(416, "Range Not Satisfiable")},
    {431, "Request Header Fields Too Large",
     PAGE(431, "Request Header Fields Too Large")},
    {500, "Internal Server Error", PAGE(500, "Internal Server Error")},
    {501, "Not Implemented", PAGE(501, "Not Implemented")},
    {503, "Service Unavailable", PAGE(503, "Service Unavailable")},
};

static const struct status_entry *status_find(int code)
{
    for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
        if (status_table[i].code == code)
            return &status_table[i];
    return NULL;
}

const char *status_reason(int code)
{
    const struct status_entry *e = status_find(code);
    return e ? e->reason : "Unknown";
}

const char *status_page(int code, size_t *len)
{
    const struct status_entry *e = status_find(code);
    if (!e || !e->page)
        return NULL;
    *len = strlen(e->page);
    return e->page;
}
