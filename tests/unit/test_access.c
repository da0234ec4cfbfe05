/* test_access.c - cidr.c, access.c and htpasswd.c: addresses and blocks,
 * the longest-prefix rule, the client behind trusted proxies, Basic
 * credentials, and htpasswd lines (weak hashes refused, FILE:LINE). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"
#include "bounds.h"
#include "cidr.h"
#include "htpasswd.h"

static struct cidr block(const char *s)
{
    struct cidr c;
    assert_int_equal(cidr_parse(s, strlen(s), &c), CIDR_OK);
    return c;
}

static bool in(const char *blk, const char *addr)
{
    struct cidr c = block(blk);
    uint8_t a[16];
    assert_true(cidr_addr_parse(addr, strlen(addr), a));
    return cidr_match(&c, a);
}

static void test_cidr_match(void **state)
{
    (void)state;
    assert_true(in("10.0.0.0/8", "10.1.2.3"));
    assert_true(in("10.0.0.0/8", "::ffff:10.1.2.3")); /* IPv4-mapped */
    assert_false(in("10.0.0.0/8", "11.0.0.0"));
    assert_false(in("10.0.0.0/8", "::a01:203")); /* not mapped: IPv4-compatible */
    assert_true(in("127.0.0.1", "127.0.0.1"));
    assert_false(in("127.0.0.1", "127.0.0.2"));
    assert_true(in("::1", "::1"));
    assert_false(in("::1", "::2"));
    assert_true(in("fd00::/8", "fdab::1"));
    assert_false(in("fd00::/8", "fe00::1"));
    assert_true(in("0.0.0.0/0", "1.2.3.4"));
    assert_false(in("0.0.0.0/0", "2001:db8::1")); /* IPv4's /0 is not all of IPv6 */
    assert_false(in("::/0", "1.2.3.4"));          /* IPv6 blocks: IPv6 clients */
    assert_false(in("::/0", "::ffff:1.2.3.4"));
    assert_true(in("::/0", "2001:db8::1"));
    assert_true(in("::ffff:0:0/96", "1.2.3.4")); /* all of IPv4, written as IPv6 */
    assert_true(in("192.168.0.0/23", "192.168.1.255"));
    assert_false(in("192.168.0.0/23", "192.168.2.0"));
    assert_true(in("2001:db8::/33", "2001:db8:7fff::1"));
    assert_false(in("2001:db8::/33", "2001:db8:8000::1"));
    assert_true(in("::ffff:10.0.0.0/104", "10.9.9.9"));
}

static void test_cidr_errors(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        enum cidr_result r;
    } bad[] = {
        {"", CIDR_BAD},
        {"10.0.0", CIDR_BAD},
        {"10.0.0.256", CIDR_BAD},
        {"host.example", CIDR_BAD},
        {"10.0.0.0/", CIDR_BAD_BITS},
        {"10.0.0.0/33", CIDR_BAD_BITS},
        {"10.0.0.0/08", CIDR_BAD_BITS},
        {"10.0.0.0/-1", CIDR_BAD_BITS},
        {"10.0.0.0/8x", CIDR_BAD_BITS},
        {"::/129", CIDR_BAD_BITS},
        {"::/1000", CIDR_BAD_BITS},
        {"10.1.2.3/8", CIDR_HOST_BITS},
        {"fd00::1/8", CIDR_HOST_BITS},
        {"[::1]", CIDR_BAD},
        {"1.2.3.4 ", CIDR_BAD},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cidr c;
        print_message("%s\n", bad[i].s);
        assert_int_equal(cidr_parse(bad[i].s, strlen(bad[i].s), &c), bad[i].r);
    }
    struct cidr c; /* lengths at the edges */
    assert_int_equal(cidr_parse("10.0.0.0/32", 11, &c), CIDR_OK);
    assert_int_equal(c.bits, 128);
    assert_int_equal(cidr_parse("0.0.0.0/0", 9, &c), CIDR_OK);
    assert_int_equal(c.bits, 96);
    assert_int_equal(cidr_parse("::/128", 6, &c), CIDR_OK);
    /* a text of MH_CIDR_TEXT_MAX - 1 bytes is looked at; one more is not */
    char t[MH_CIDR_TEXT_MAX + 1];
    memset(t, '0', sizeof(t));
    memcpy(t + MH_CIDR_TEXT_MAX - 8, "0:0:0::1", 8);
    uint8_t a[16];
    assert_false(cidr_addr_parse(t, MH_CIDR_TEXT_MAX, a));
    assert_false(cidr_addr_parse("1.2.3.4\0", 8, a)); /* a NUL inside */
}

/* Rules as config.c makes them: "/" last, longest prefix first. */
static void rules(struct access_rules *a)
{
    memset(a, 0, sizeof(*a));
    a->on = true;
    const char *p[] = {"/team-a/docs/", "/team-a/", "/"};
    for (unsigned i = 0; i < 3; i++) {
        struct access_rule *r = &a->rule[a->n++];
        strcpy(r->prefix, p[i]);
        r->prefix_len = strlen(p[i]);
        r->allow_any = true;
        r->auth = (int)i;
    }
}

static int rule_of(const struct access_rules *a, const char *path)
{
    return access_rule_for(a, path, strlen(path))->auth;
}

static void test_longest_prefix(void **state)
{
    (void)state;
    struct access_rules a;
    rules(&a);
    assert_int_equal(rule_of(&a, "/"), 2);
    assert_int_equal(rule_of(&a, "/index.html"), 2);
    assert_int_equal(rule_of(&a, "/team-a/"), 1);
    assert_int_equal(rule_of(&a, "/team-a/x.html"), 1);
    assert_int_equal(rule_of(&a, "/team-a/docs/"), 0);
    assert_int_equal(rule_of(&a, "/team-a/docs/a/b"), 0);
    assert_int_equal(rule_of(&a, "/team-a/docsx"), 1);
    assert_int_equal(rule_of(&a, "/team-ab/"), 2); /* whole segments only */
    assert_int_equal(rule_of(&a, "/team-a"), 2);   /* team-a.html: not in it; a slash
                                                       redirect to /team-a/ is checked
                                                       as /team-a/ (handler.c) */
    assert_int_equal(rule_of(&a, "/team-a.html"), 2);
    a.on = false;
    assert_null(access_rule_for(&a, "/team-a/", 8));
}

static void test_addr_allowed(void **state)
{
    (void)state;
    struct access_rules a;
    rules(&a);
    a.cidrs[0] = block("10.0.0.0/8");
    a.cidrs[1] = block("::1");
    a.n_cidrs = 2;
    a.rule[1].allow_any = false;
    a.rule[1].allow_at = 0;
    a.rule[1].allow_n = 2;
    uint8_t x[16];
    cidr_addr_parse("10.2.3.4", 8, x);
    assert_true(access_addr_allowed(&a, &a.rule[1], x));
    cidr_addr_parse("::1", 3, x);
    assert_true(access_addr_allowed(&a, &a.rule[1], x));
    cidr_addr_parse("192.168.1.1", 11, x);
    assert_false(access_addr_allowed(&a, &a.rule[1], x));
    assert_true(access_addr_allowed(&a, &a.rule[2], x)); /* any */
}

/* The client of a request from peer with these X-Forwarded-For headers,
 * as text, or "BAD". */
static const char *client(const struct access_rules *a, const char *peer,
                          const char *const *xff, size_t n, char *out)
{
    struct req_header h[8];
    size_t k = 0;
    h[k++] = (struct req_header){"Host", "x"};
    for (size_t i = 0; i < n; i++)
        h[k++] =
            (struct req_header){i % 2 ? "x-forwarded-for" : "X-Forwarded-For", xff[i]};
    uint8_t p[16], c[16];
    assert_true(cidr_addr_parse(peer, strlen(peer), p));
    enum access_client_result r = access_client(a, p, h, k, c);
    if (r == ACCESS_CLIENT_BAD)
        return "BAD";
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(c, mapped, 12))
        snprintf(out, 64, "%u.%u.%u.%u", c[12], c[13], c[14], c[15]);
    else
        snprintf(out, 64, "v6:%02x%02x", c[14], c[15]);
    assert_int_equal(r == ACCESS_CLIENT_PEER,
                     !memcmp(c, p, 16) && r != ACCESS_CLIENT_FORWARDED);
    return out;
}

static void test_forwarded_for(void **state)
{
    (void)state;
    struct access_rules a;
    char out[64];
    rules(&a);
    a.cidrs[0] = block("127.0.0.1");
    a.cidrs[1] = block("10.0.0.0/8");
    a.n_cidrs = 2;
    a.trusted_at = 0;
    a.trusted_n = 2;
    const char *one[] = {"203.0.113.9"};
    /* an untrusted peer: its own address, whatever it sends */
    assert_string_equal(client(&a, "198.51.100.1", one, 1, out), "198.51.100.1");
    /* a trusted one: the rightmost untrusted address */
    assert_string_equal(client(&a, "127.0.0.1", one, 1, out), "203.0.113.9");
    const char *chain[] = {"6.6.6.6, 203.0.113.9, 10.1.1.1"};
    assert_string_equal(client(&a, "127.0.0.1", chain, 1, out), "203.0.113.9");
    /* a spoofed leftmost entry is never taken past an untrusted one */
    const char *two[] = {"1.1.1.1", " 203.0.113.7 ,10.0.0.2"};
    assert_string_equal(client(&a, "::ffff:127.0.0.1", two, 2, out), "203.0.113.7");
    /* all trusted: the leftmost */
    const char *all[] = {"10.0.0.5, 10.0.0.6"};
    assert_string_equal(client(&a, "127.0.0.1", all, 1, out), "10.0.0.5");
    /* none: the peer */
    assert_string_equal(client(&a, "127.0.0.1", NULL, 0, out), "127.0.0.1");
    /* empty elements are skipped; garbage where the walk reaches it is BAD */
    const char *empty[] = {" , 203.0.113.1 , ,"};
    assert_string_equal(client(&a, "127.0.0.1", empty, 1, out), "203.0.113.1");
    const char *junk[] = {"unknown"};
    assert_string_equal(client(&a, "127.0.0.1", junk, 1, out), "BAD");
    const char *junk_left[] = {"unknown, 203.0.113.2"};
    assert_string_equal(client(&a, "127.0.0.1", junk_left, 1, out), "203.0.113.2");
    const char *v6[] = {"2001:db8::5"};
    assert_string_equal(client(&a, "127.0.0.1", v6, 1, out), "v6:0005");
    /* MH_XFF_HOPS_MAX trusted entries end the walk at the last one */
    char many[MH_XFF_HOPS_MAX * 12 + 32] = "203.0.113.3";
    for (int i = 0; i < MH_XFF_HOPS_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), ", 10.0.0.%d",
                 i + 1);
    const char *m[] = {many};
    assert_string_equal(client(&a, "127.0.0.1", m, 1, out), "10.0.0.1");
    char fewer[sizeof(many)] = "203.0.113.3";
    for (int i = 0; i < MH_XFF_HOPS_MAX - 1; i++)
        snprintf(fewer + strlen(fewer), sizeof(fewer) - strlen(fewer), ", 10.0.0.%d",
                 i + 1);
    const char *f[] = {fewer};
    assert_string_equal(client(&a, "127.0.0.1", f, 1, out), "203.0.113.3");
}

/* "Basic " and raw[0, n) in base64, into out. */
static void basic_header(const char *raw, size_t n, char *out)
{
    static const char al[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 6;
    memcpy(out, "Basic ", 6);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)raw[i] << 16 |
                     (i + 1 < n ? (unsigned)(unsigned char)raw[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)raw[i + 2] : 0);
        out[o++] = al[v >> 18];
        out[o++] = al[(v >> 12) & 63];
        out[o++] = i + 1 < n ? al[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? al[v & 63] : '=';
    }
    out[o] = '\0';
}

static enum basic_result basic(const char *v, struct basic_cred *c)
{
    return access_basic_parse(v, strlen(v), c);
}

static void test_basic(void **state)
{
    (void)state;
    struct basic_cred c;
    assert_int_equal(basic("Basic YWxpY2U6d29uZGVybGFuZA==", &c), BASIC_OK);
    assert_string_equal(c.user, "alice");
    assert_string_equal(c.pass, "wonderland");
    assert_int_equal(basic("basic   YWxpY2U6d29uZGVybGFuZA  ", &c), BASIC_OK);
    assert_string_equal(c.pass, "wonderland");
    /* the password may hold ':' and be empty */
    assert_int_equal(basic("Basic YTpiOmM=", &c), BASIC_OK); /* a:b:c */
    assert_string_equal(c.user, "a");
    assert_string_equal(c.pass, "b:c");
    assert_int_equal(basic("Basic YTo=", &c), BASIC_OK); /* a: */
    assert_int_equal(c.pass_len, 0);
    assert_int_equal(basic("Bearer abc", &c), BASIC_OTHER_SCHEME);
    assert_int_equal(basic("Basic", &c), BASIC_OTHER_SCHEME);
    assert_int_equal(basic("BasicYTo=", &c), BASIC_OTHER_SCHEME);
    assert_int_equal(basic("Basic YWxpY2U=", &c), BASIC_BAD); /* no ':' */
    assert_int_equal(basic("Basic OmI=", &c), BASIC_BAD);     /* ":b": no user */
    assert_int_equal(basic("Basic YTpi!", &c), BASIC_BAD);    /* not base64 */
    assert_int_equal(basic("Basic YT=pi", &c), BASIC_BAD);    /* '=' inside */
    assert_int_equal(basic("Basic YTpiYx=", &c), BASIC_BAD);  /* bits left over */
    assert_int_equal(basic("Basic AWE6Yg==", &c), BASIC_BAD); /* \x01a:b */
    assert_int_equal(basic("Basic YTpiAGM=", &c), BASIC_BAD); /* a:b\0c */
    /* a user of MH_AUTH_USER_MAX bytes, a password of MH_AUTH_PASSWORD_MAX,
     * not one more of either */
    char raw[MH_AUTH_USER_MAX + MH_AUTH_PASSWORD_MAX + 8], b64[2 * sizeof(raw)];
    for (int extra = 0; extra < 2; extra++) {
        size_t n = MH_AUTH_USER_MAX + (size_t)extra;
        memset(raw, 'u', n);
        memcpy(raw + n, ":p", 2);
        basic_header(raw, n + 2, b64);
        assert_int_equal(basic(b64, &c), extra ? BASIC_BAD : BASIC_OK);
        n = MH_AUTH_PASSWORD_MAX + (size_t)extra;
        raw[0] = 'u';
        raw[1] = ':';
        memset(raw + 2, 'p', n);
        basic_header(raw, n + 2, b64);
        assert_int_equal(basic(b64, &c), extra ? BASIC_BAD : BASIC_OK);
        if (!extra)
            assert_int_equal(c.pass_len, MH_AUTH_PASSWORD_MAX);
    }
}

static enum htpw_result line(const char *s)
{
    struct htpw_entry e;
    return htpasswd_parse_line(s, strlen(s), &e);
}

static void test_htpasswd_lines(void **state)
{
    (void)state;
    /* made with htpasswd -B, mkpasswd -m sha-512 / sha-256 / yescrypt */
    assert_int_equal(
        line("alice:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS"),
        HTPW_OK);
    assert_int_equal(line("bob:$6$mMjZ3e7Xl9Y3A9hd$lnHIC9Qdx4rjh."
                          "v4yQ1T7262rrw58QqORTP47tlA6D.Z2aObIas/"
                          "cIEOd7rMzg5bYX9EPc.i06msq082crZui0"),
                     HTPW_OK);
    assert_int_equal(line("carol:$5$rounds=5000$abcdefgh$ijtOJ//yvc/"
                          "9bq1g0llFn9dB688BwBDRD90DlKKSKE1"),
                     HTPW_OK);
    assert_int_equal(line("dave:$y$j9T$PVzfh5mO7XSo21UqpY7Uj1$GaDaorZv5Xl/"
                          "yVpN5PHYVoC91j0WObRk6YhI885RJX5"),
                     HTPW_OK);
    assert_int_equal(line("# a comment"), HTPW_SKIP);
    assert_int_equal(line("   "), HTPW_SKIP);
    assert_int_equal(line(""), HTPW_SKIP);
    assert_int_equal(line("x:$apr1$abc$0123456789abcdefghijkl"), HTPW_WEAK_MD5);
    assert_int_equal(line("x:$1$abc$0123456789abcdefghijkl"), HTPW_WEAK_MD5);
    assert_int_equal(line("x:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="), HTPW_WEAK_SHA1);
    assert_int_equal(line("x:abJnggxhB/yWI"), HTPW_WEAK_CRYPT); /* DES */
    assert_int_equal(line("x:password"), HTPW_WEAK_CRYPT);
    assert_int_equal(line("x:"), HTPW_WEAK_CRYPT);
    assert_int_equal(line("x:$7$CU..../....abc$def"), HTPW_UNKNOWN);
    assert_int_equal(line("x:$2y$05$short"), HTPW_BAD_HASH);
    assert_int_equal(
        line("x:$2y$99$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS"),
        HTPW_BAD_HASH);
    assert_int_equal(line("x:$6$salt$tooshort"), HTPW_BAD_HASH);
    assert_int_equal(line("x:$y$j9T$salt$tooshort"), HTPW_BAD_HASH);
    assert_int_equal(line("nocolon"), HTPW_NO_COLON);
    assert_int_equal(
        line(":$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS"),
        HTPW_BAD_USER);
    assert_int_equal(
        line("a\tb:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS"),
        HTPW_BAD_USER);
    /* CRLF files */
    assert_int_equal(
        line("alice:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\r"),
        HTPW_OK);
    /* a user of MH_AUTH_USER_MAX bytes, not one more */
    char l[MH_AUTH_USER_MAX + 80];
    static const char h[] =
        ":$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS";
    memset(l, 'u', MH_AUTH_USER_MAX);
    memcpy(l + MH_AUTH_USER_MAX, h, sizeof(h));
    assert_int_equal(line(l), HTPW_OK);
    memset(l, 'u', MH_AUTH_USER_MAX + 1);
    memcpy(l + MH_AUTH_USER_MAX + 1, h, sizeof(h));
    assert_int_equal(line(l), HTPW_USER_TOO_LONG);
}

static struct htpasswd *file(const char *text, unsigned *ln, enum htpw_result *why)
{
    return htpasswd_new(text, strlen(text), ln, why);
}

static void test_htpasswd_file(void **state)
{
    (void)state;
    unsigned ln;
    enum htpw_result why;
    const char *good =
        "# team a\n"
        "zoe:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\n"
        "\n"
        "al:$2b$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS";
    struct htpasswd *h = file(good, &ln, &why);
    assert_non_null(h);
    assert_int_equal(h->n, 2);
    assert_non_null(htpasswd_find(h, "zoe", 3));
    assert_non_null(htpasswd_find(h, "al", 2));
    assert_null(htpasswd_find(h, "a", 1));
    assert_null(htpasswd_find(h, "zoe\0", 4));
    htpasswd_free(h);
    const char *weak =
        "a:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\n"
        "b:$apr1$x$0123456789abcdefghijkl\n";
    assert_null(file(weak, &ln, &why));
    assert_int_equal(ln, 2);
    assert_int_equal(why, HTPW_WEAK_MD5);
    const char *dup =
        "a:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\n"
        "b:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\n"
        "# c\n"
        "a:$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\n";
    assert_null(file(dup, &ln, &why));
    assert_int_equal(why, HTPW_DUPLICATE);
    assert_int_equal(ln, 4);
    h = file("", &ln, &why);
    assert_non_null(h);
    assert_int_equal(h->n, 0);
    htpasswd_free(h);
    /* MH_HTPASSWD_USERS_MAX users, not one more */
    static const char hash[] =
        ":$2y$05$8nIlL3uUuB3OdrqcNOhNcOHjNGt2kR8L7ZaELWp2yX5Xt5Vrd1rGS\n";
    size_t cap = (MH_HTPASSWD_USERS_MAX + 1) * (sizeof(hash) + 8) + 1;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t n = 0;
    for (int i = 0; i < MH_HTPASSWD_USERS_MAX; i++)
        n += (size_t)snprintf(big + n, cap - n, "u%d%s", i, hash);
    h = htpasswd_new(big, n, &ln, &why);
    assert_non_null(h);
    assert_int_equal(h->n, MH_HTPASSWD_USERS_MAX);
    htpasswd_free(h);
    n += (size_t)snprintf(big + n, cap - n, "one-more%s", hash);
    assert_null(htpasswd_new(big, n, &ln, &why));
    assert_int_equal(why, HTPW_TOO_MANY);
    assert_int_equal(ln, MH_HTPASSWD_USERS_MAX + 1);
    free(big);
    /* MH_HTPASSWD_FILE_MAX bytes, not one more */
    char *blank = malloc(MH_HTPASSWD_FILE_MAX + 1);
    assert_non_null(blank);
    memset(blank, '\n', MH_HTPASSWD_FILE_MAX + 1);
    h = htpasswd_new(blank, MH_HTPASSWD_FILE_MAX, &ln, &why);
    assert_non_null(h);
    htpasswd_free(h);
    assert_null(htpasswd_new(blank, MH_HTPASSWD_FILE_MAX + 1, &ln, &why));
    assert_int_equal(why, HTPW_TOO_BIG);
    free(blank);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_match),     cmocka_unit_test(test_cidr_errors),
        cmocka_unit_test(test_longest_prefix), cmocka_unit_test(test_addr_allowed),
        cmocka_unit_test(test_forwarded_for),  cmocka_unit_test(test_basic),
        cmocka_unit_test(test_htpasswd_lines), cmocka_unit_test(test_htpasswd_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
