/* test_tls.c - tls.c: loading certificates and keys, and the server
 * context's settings, checked by real handshakes.
 *
 * The material is made at start with the openssl command line in a
 * temporary directory: a test root CA (P-256), an EC and an RSA leaf signed
 * by it, an intermediate CA with a leaf of its own, a weak RSA 1024 pair,
 * an encrypted key, garbage.  Handshakes run in the process between a
 * client SSL (trusting the test root, verifying the name) and a server SSL
 * from tls_ssl_new(), over a BIO pair, each side stepped in turn until
 * both are done or one fails: no sockets, no timing.  Time is passed in
 * (load, describe, tick), so expiry and ticket-key rotation are tested at
 * their exact bounds. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "tls.h"

static char dir[64];
static time_t now0; /* when the tests started: certificates are valid then */

#define PATH(var, name)                                                                \
    char var[256];                                                                     \
    snprintf(var, sizeof(var), "%s/%s", dir, name)

/* --- material --- */

static const char openssl_cnf[] = "[req]\n"
                                  "distinguished_name = dn\n"
                                  "[dn]\n"
                                  "[ca]\n"
                                  "basicConstraints = critical,CA:true\n"
                                  "keyUsage = critical,keyCertSign,cRLSign\n"
                                  "subjectKeyIdentifier = hash\n"
                                  "[leaf]\n"
                                  "basicConstraints = CA:false\n"
                                  "subjectAltName = DNS:docs.example\n"
                                  "extendedKeyUsage = serverAuth\n";

static void write_file(const char *name, const char *text, size_t n)
{
    PATH(p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* The contents of name, malloc()ed, its length in *n. */
static char *read_file(const char *name, size_t *n)
{
    PATH(p, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char *s = malloc(1024 * 1024);
    assert_non_null(s);
    *n = fread(s, 1, 1024 * 1024, f);
    fclose(f);
    return s;
}

/* Run an openssl command in dir; fail the setup when it fails. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
    char args[1024], cmd[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "cd %s && openssl %s >cmd.log 2>&1 </dev/null", dir,
             args);
    if (system(cmd) != 0) {
        fprintf(stderr, "failed: %s\n", cmd);
        return -1;
    }
    return 0;
}

/* A key (newkey: "ec -pkeyopt ec_paramgen_curve:P-256", "rsa:2048") and
 * certificate for subj, signed by the CA ca (ca.pem, ca.key) with
 * extensions ext of openssl.cnf. */
static int make_cert(const char *name, const char *newkey, const char *subj,
                     const char *ca, const char *ext, int serial)
{
    return run("req -new -config openssl.cnf -newkey %s -nodes -keyout %s.key "
               "-out %s.csr -subj '%s' -utf8",
               newkey, name, name, subj) ||
           run("x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -set_serial %d -days 30 "
               "-extfile openssl.cnf -extensions %s -out %s.pem",
               name, ca, ca, serial, ext, name);
}

static int concat(const char *out, const char *a, const char *b)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cd %s && cat %s %s > %s", dir, a, b, out);
    return system(cmd) == 0 ? 0 : -1;
}

static const char ec[] = "ec -pkeyopt ec_paramgen_curve:P-256";

static int setup(void **state)
{
    (void)state;
    now0 = time(NULL);
    snprintf(dir, sizeof(dir), "/tmp/mh-test-tls-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_file("openssl.cnf", openssl_cnf, strlen(openssl_cnf));
    static const char garbage[] = "this is not a certificate\n";
    write_file("garbage.pem", garbage, strlen(garbage));
    write_file("empty.pem", "", 0);
    static const char bad_block[] = "-----BEGIN CERTIFICATE-----\n"
                                    "AAAA\n"
                                    "-----END CERTIFICATE-----\n";
    write_file("bad-block.pem", bad_block, strlen(bad_block));
    static const char bad_key[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "AAAA\n"
                                  "-----END PRIVATE KEY-----\n";
    write_file("bad-key.pem", bad_key, strlen(bad_key));
    return run("req -x509 -config openssl.cnf -extensions ca -newkey %s -nodes "
               "-keyout ca.key -out ca.pem -days 3650 -subj '/CN=Test Root CA'",
               ec) ||
           make_cert("ec", ec, "/O=Example/CN=docs.example", "ca", "leaf", 2) ||
           make_cert("rsa", "rsa:2048", "/O=Example/CN=docs.example", "ca", "leaf",
                     3) ||
           make_cert("inter", ec, "/CN=Test Intermediate CA", "ca", "ca", 4) ||
           make_cert("leaf2", ec, "/CN=docs.example", "inter", "leaf", 5) ||
           make_cert("utf8", ec,
                     "/O=Caf\xc3\xa9 \"Q\"/CN=d\xc3\xb6"
                     "cs.example",
                     "ca", "leaf", 6) ||
           run("req -x509 -config openssl.cnf -extensions leaf -newkey rsa:1024 -nodes "
               "-keyout weak.key -out weak.pem -days 30 -subj /CN=weak") ||
           run("pkey -in ec.key -aes256 -passout pass:secret -out enc.key") ||
           concat("chain.pem", "leaf2.pem", "inter.pem") ||
           concat("reversed.pem", "inter.pem", "leaf2.pem") ||
           concat("bad-second.pem", "ec.pem", "bad-block.pem");
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

/* The leaf's notAfter, read with OpenSSL here. */
static time_t not_after(const char *name, char text[TLS_EXPIRY_LEN + 8])
{
    PATH(p, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    struct tm tm;
    assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm), 1);
    X509_free(x);
    strftime(text, TLS_EXPIRY_LEN + 8, "%Y-%m-%d %H:%M UTC", &tm);
    return timegm(&tm);
}

static struct tls_creds *load(const char *cert, const char *key, time_t now,
                              struct mh_error *err)
{
    PATH(c, cert);
    PATH(k, key);
    memset(err->msg, 'x',
           sizeof(err->msg) - 1); /* set on failure, whatever was there */
    err->msg[sizeof(err->msg) - 1] = '\0';
    struct tls_creds *creds = tls_creds_load(c, k, now, err);
    ERR_print_errors_fp(stderr); /* nothing: the queue is left empty */
    assert_int_equal(ERR_peek_error(), 0);
    return creds;
}

static void expect_error(const char *cert, const char *key, const char *msg)
{
    struct mh_error err;
    struct tls_creds *c = load(cert, key, now0, &err);
    if (c || strcmp(err.msg, msg) != 0)
        fprintf(stderr, "got: %s\nnot: %s\n", c ? "(loaded)" : err.msg, msg);
    assert_null(c);
    assert_string_equal(err.msg, msg);
}

/* err.msg starts with "minihttpd: DIR/name: " and then says what. */
static void expect_error_start(const char *cert, const char *key, const char *name,
                               const char *what)
{
    struct mh_error err;
    char want[512];
    snprintf(want, sizeof(want), "minihttpd: %s/%s: %s", dir, name, what);
    assert_null(load(cert, key, now0, &err));
    if (strncmp(err.msg, want, strlen(want)) != 0)
        fprintf(stderr, "got: %s\nnot: %s...\n", err.msg, want);
    assert_true(strncmp(err.msg, want, strlen(want)) == 0);
    assert_null(strchr(err.msg, '\n'));
}

/* --- loading and describing --- */

static void check_describe(const char *name, const char *subject_text)
{
    struct mh_error err;
    char expiry_text[TLS_EXPIRY_LEN + 8];
    char key[64], pem[64];
    snprintf(key, sizeof(key), "%.50s.key", name);
    snprintf(pem, sizeof(pem), "%.50s.pem", name);
    time_t end = not_after(pem, expiry_text);
    struct tls_creds *c = load(pem, key, now0, &err);
    assert_non_null(c);

    char sm[MH_TLS_SUBJECT_MAX], em[TLS_EXPIRY_LEN];
    struct buf s, e;
    buf_init(&s, sm, sizeof(sm));
    buf_init(&e, em, sizeof(em));
    long days = 99999;
    assert_true(tls_creds_describe(c, end - 10 * 86400 - 3600, &s, &e, &days));
    assert_string_equal(sm, subject_text);
    assert_string_equal(em, expiry_text);
    assert_int_equal(days, 10);

    /* whole days, rounded down: 0 in the last day, -1 in the day after */
    buf_init(&e, em, sizeof(em));
    buf_init(&s, sm, sizeof(sm));
    assert_true(tls_creds_describe(c, end - 1, &s, &e, &days));
    assert_int_equal(days, 0);
    buf_init(&e, em, sizeof(em));
    buf_init(&s, sm, sizeof(sm));
    assert_true(tls_creds_describe(c, end + 3600, &s, &e, &days));
    assert_int_equal(days, -1);

    /* buffers too small: false, never a cut text */
    char tiny[8];
    buf_init(&s, tiny, sizeof(tiny));
    buf_init(&e, em, sizeof(em));
    assert_false(tls_creds_describe(c, end, &s, &e, &days));
    buf_init(&s, sm, sizeof(sm));
    buf_init(&e, em, TLS_EXPIRY_LEN - 1);
    assert_false(tls_creds_describe(c, end, &s, &e, &days));
    tls_creds_free(c);
}

static void test_load_and_describe(void **state)
{
    (void)state;
    check_describe("ec", "CN=docs.example, O=Example");
    check_describe("rsa", "CN=docs.example, O=Example");
    /* UTF-8 kept, quotes escaped as in log lines */
    check_describe("utf8", "CN=d\xc3\xb6"
                           "cs.example, O=Caf\xc3\xa9 \\x22Q\\x22");
}

/* Valid through its notAfter second, expired the second after. */
static void test_expired(void **state)
{
    (void)state;
    struct mh_error err;
    char text[TLS_EXPIRY_LEN + 8], want[512];
    time_t end = not_after("ec.pem", text);
    struct tls_creds *c = load("ec.pem", "ec.key", end, &err);
    assert_non_null(c);
    tls_creds_free(c);
    assert_null(load("ec.pem", "ec.key", end + 1, &err));
    snprintf(want, sizeof(want), "minihttpd: %s/ec.pem: certificate expired on %s", dir,
             text);
    assert_string_equal(err.msg, want);
}

static void test_mismatch(void **state)
{
    (void)state;
    char want[512];
    snprintf(want, sizeof(want),
             "minihttpd: %s/ec.pem: certificate and key do not match (key: %s/rsa.key)",
             dir, dir);
    expect_error("ec.pem", "rsa.key", want);
    /* the intermediate first: said so */
    snprintf(want, sizeof(want),
             "minihttpd: %s/reversed.pem: certificate and key do not match "
             "(key: %s/leaf2.key); the key's certificate must come first in the file",
             dir, dir);
    expect_error("reversed.pem", "leaf2.key", want);
}

static void test_parse_errors(void **state)
{
    (void)state;
    /* OpenSSL's reason, after what was wanted */
    expect_error_start("garbage.pem", "ec.key", "garbage.pem",
                       "no certificate (PEM routines: no start line)");
    expect_error_start("empty.pem", "ec.key", "empty.pem",
                       "no certificate (PEM routines: no start line)");
    expect_error_start("bad-block.pem", "ec.key", "bad-block.pem", "no certificate (");
    expect_error_start("bad-second.pem", "ec.key", "bad-second.pem",
                       "bad certificate after the first (");
    /* the key file: a certificate, garbage, encrypted */
    expect_error_start("ec.pem", "ec.pem", "ec.pem",
                       "no private key (the file holds a certificate)");
    expect_error_start("ec.pem", "garbage.pem", "garbage.pem",
                       "no private key (no PEM block of one)");
    expect_error_start("ec.pem", "empty.pem", "empty.pem",
                       "no private key (no PEM block of one)");
    expect_error_start("ec.pem", "bad-key.pem", "bad-key.pem",
                       "cannot decode the private key (DECODER routines: unsupported)");
    expect_error_start("ec.pem", "enc.key", "enc.key",
                       "the key is encrypted (store it without a passphrase)");
    /* a file holding both, key first, is fine for both */
    assert_int_equal(concat("both.pem", "ec.key", "ec.pem"), 0);
    struct mh_error err;
    struct tls_creds *c = load("both.pem", "both.pem", now0, &err);
    assert_non_null(c);
    tls_creds_free(c);
}

static void test_files(void **state)
{
    (void)state;
    char want[512];
    snprintf(want, sizeof(want), "minihttpd: %s/missing.pem: No such file or directory",
             dir);
    expect_error("missing.pem", "ec.key", want);
    snprintf(want, sizeof(want), "minihttpd: %s/missing.key: No such file or directory",
             dir);
    expect_error("ec.pem", "missing.key", want);
    snprintf(want, sizeof(want), "minihttpd: %s/.: not a regular file", dir);
    expect_error(".", "ec.key", want);
    if (geteuid() != 0) { /* root reads anything */
        PATH(k, "ec.key");
        assert_int_equal(chmod(k, 0), 0);
        snprintf(want, sizeof(want), "minihttpd: %s/ec.key: Permission denied", dir);
        expect_error("ec.pem", "ec.key", want);
        assert_int_equal(chmod(k, 0600), 0);
    }
}

/* MH_TLS_PEM_FILE_MAX bytes load, one more does not. */
static void test_file_size_bound(void **state)
{
    (void)state;
    size_t n;
    char *s = read_file("ec.pem", &n);
    char *big = malloc(MH_TLS_PEM_FILE_MAX + 1);
    assert_non_null(big);
    memcpy(big, s, n);
    for (size_t i = n; i < MH_TLS_PEM_FILE_MAX + 1; i++)
        big[i] = (i - n) % 64 == 63 ? '\n' : 'z'; /* text after the last block */
    write_file("big.pem", big, MH_TLS_PEM_FILE_MAX);
    struct mh_error err;
    struct tls_creds *c = load("big.pem", "ec.key", now0, &err);
    assert_non_null(c);
    tls_creds_free(c);
    write_file("big.pem", big, MH_TLS_PEM_FILE_MAX + 1);
    char want[512];
    snprintf(want, sizeof(want), "minihttpd: %s/big.pem: larger than %d bytes", dir,
             MH_TLS_PEM_FILE_MAX);
    expect_error("big.pem", "ec.key", want);
    free(big);
    free(s);
}

/* MH_TLS_CHAIN_MAX certificates load, one more does not. */
static void test_chain_bound(void **state)
{
    (void)state;
    size_t nl, nc;
    char *leaf = read_file("ec.pem", &nl);
    char *ca = read_file("ca.pem", &nc);
    char *all = malloc(nl + MH_TLS_CHAIN_MAX * nc);
    assert_non_null(all);
    memcpy(all, leaf, nl);
    for (int i = 0; i < MH_TLS_CHAIN_MAX; i++)
        memcpy(all + nl + (size_t)i * nc, ca, nc);
    write_file("long.pem", all, nl + (MH_TLS_CHAIN_MAX - 1) * nc);
    struct mh_error err;
    struct tls_creds *c = load("long.pem", "ec.key", now0, &err);
    assert_non_null(c);
    tls_creds_free(c);
    write_file("long.pem", all, nl + MH_TLS_CHAIN_MAX * nc);
    char want[512];
    snprintf(want, sizeof(want), "minihttpd: %s/long.pem: more than %d certificates",
             dir, MH_TLS_CHAIN_MAX);
    expect_error("long.pem", "ec.key", want);
    free(all);
    free(ca);
    free(leaf);
}

static void test_weak_key(void **state)
{
    (void)state;
    expect_error_start(
        "weak.pem", "weak.key", "weak.key",
        "the key is too weak (1024-bit RSA: 80 bits of security, at least "
        "112 needed: RSA 2048, ECDSA P-256)");
}

/* --- handshakes --- */

struct conn {
    SSL *c, *s;
};

/* A client context trusting the test root and checking the name; TLS 1.2
 * and 1.3 with ciphers in OpenSSL's default order (not the system's
 * openssl.cnf), unless set otherwise by the test. */
static SSL_CTX *client_ctx(void)
{
    PATH(ca, "ca.pem");
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(cctx);
    assert_int_equal(SSL_CTX_set_min_proto_version(cctx, TLS1_2_VERSION), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, 0), 1);
    assert_int_equal(SSL_CTX_set_ciphersuites(cctx, "TLS_AES_256_GCM_SHA384:"
                                                    "TLS_CHACHA20_POLY1305_SHA256:"
                                                    "TLS_AES_128_GCM_SHA256"),
                     1);
    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                                   "ECDHE-RSA-AES256-GCM-SHA384:"
                                                   "DHE-RSA-AES256-GCM-SHA384:"
                                                   "ECDHE-ECDSA-CHACHA20-POLY1305:"
                                                   "ECDHE-RSA-CHACHA20-POLY1305:"
                                                   "ECDHE-ECDSA-AES128-GCM-SHA256:"
                                                   "ECDHE-RSA-AES128-GCM-SHA256"),
                     1);
    assert_int_equal(SSL_CTX_load_verify_locations(cctx, ca, NULL), 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    return cctx;
}

static struct tls_ctx *server_ctx(struct tls_creds **creds, const char *name)
{
    struct mh_error err;
    char pem[64], key[64];
    snprintf(pem, sizeof(pem), "%.50s.pem", name);
    snprintf(key, sizeof(key), "%.50s.key", name);
    *creds = load(pem, key, now0, &err);
    assert_non_null(*creds);
    struct tls_ctx *t = tls_ctx_new(*creds, &err);
    if (!t)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(t);
    assert_int_equal(ERR_peek_error(), 0);
    return t;
}

/* Step both sides until both are done (true) or one fails (false). */
static bool pump(struct conn *k, int (*step)(SSL *))
{
    bool cdone = false, sdone = false;
    for (int round = 0; round < 100 && !(cdone && sdone); round++) {
        int rc = cdone ? 1 : step(k->c);
        int e = SSL_get_error(k->c, rc);
        if (rc != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return false;
        cdone = rc == 1;
        int rs = sdone ? 1 : step(k->s);
        e = SSL_get_error(k->s, rs);
        if (rs != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return false;
        sdone = rs == 1;
    }
    return cdone && sdone;
}

/* Read exactly n bytes of application data from s. */
static void read_n(SSL *s, size_t n)
{
    char buf[64];
    assert_true(n <= sizeof(buf));
    assert_int_equal(SSL_read(s, buf, (int)n), (int)n);
}

/* A request and a response: the client also reads TLS 1.3 tickets. */
static void exchange(struct conn *k)
{
    assert_int_equal(SSL_write(k->c, "GET", 3), 3);
    read_n(k->s, 3);
    assert_int_equal(SSL_write(k->s, "200 OK", 6), 6);
    read_n(k->c, 6);
}

/* A handshake of a client from cctx (resuming sess when not NULL) with a
 * server SSL of t.  On success the data exchange was done too. */
static bool connect_to(SSL_CTX *cctx, struct tls_ctx *t, SSL_SESSION *sess,
                       struct conn *k)
{
    BIO *bc, *bs;
    k->c = SSL_new(cctx);
    k->s = tls_ssl_new(t);
    assert_non_null(k->c);
    assert_non_null(k->s);
    assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
    SSL_set_bio(k->c, bc, bc);
    SSL_set_bio(k->s, bs, bs);
    SSL_set_connect_state(k->c);
    SSL_set_accept_state(k->s);
    assert_int_equal(SSL_set_tlsext_host_name(k->c, "docs.example"), 1);
    assert_int_equal(SSL_set1_host(k->c, "docs.example"), 1);
    if (sess)
        assert_int_equal(SSL_set_session(k->c, sess), 1);
    bool ok = pump(k, SSL_do_handshake);
    if (ok)
        exchange(k);
    ERR_clear_error();
    return ok;
}

/* Close both ends as the server does: without tls_ssl_close() (or
 * SSL_shutdown()) OpenSSL would take the sessions for unresumable. */
static void conn_free(struct conn *k)
{
    SSL_shutdown(k->c);
    tls_ssl_close(k->s);
    SSL_free(k->c);
    SSL_free(k->s);
    k->c = k->s = NULL;
}

/* Connect, check it worked or not, and close. */
static void expect_handshake(SSL_CTX *cctx, struct tls_ctx *t, bool ok)
{
    struct conn k;
    assert_int_equal(connect_to(cctx, t, NULL, &k), ok);
    conn_free(&k);
}

static void test_settings(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "ec");
    SSL *s = tls_ssl_new(t);
    assert_non_null(s);
    SSL_CTX *ctx = SSL_get_SSL_CTX(s);
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    assert_int_equal(SSL_CTX_get_timeout(ctx), MH_TLS_SESSION_TIMEOUT_SEC);
    assert_int_equal(SSL_CTX_get_session_cache_mode(ctx), SSL_SESS_CACHE_SERVER);
    long mode = SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
    assert_int_equal(SSL_get_mode(s) & mode, mode);
    /* libevent 2.1 skips the rest of an iovec after a short SSL_write() */
    assert_int_equal(SSL_get_mode(s) & SSL_MODE_ENABLE_PARTIAL_WRITE, 0);
    uint64_t on =
        SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF;
    assert_true((SSL_get_options(s) & on) == on);
    assert_int_equal(SSL_get_options(s) & SSL_OP_CIPHER_SERVER_PREFERENCE, 0);
    assert_int_equal(SSL_get_options(s) & SSL_OP_NO_TICKET, 0);
    assert_int_equal(SSL_get_security_level(s), 2);

    /* the session cache holds MH_TLS_SESSION_CACHE, then drops the oldest */
    for (int i = 0; i <= MH_TLS_SESSION_CACHE; i++) {
        SSL_SESSION *sess = SSL_SESSION_new();
        unsigned char id[32] = {0};
        memcpy(id, &i, sizeof(i));
        assert_int_equal(SSL_SESSION_set1_id(sess, id, sizeof(id)), 1);
        assert_int_equal(SSL_CTX_add_session(ctx, sess), 1);
        SSL_SESSION_free(sess);
        assert_int_equal(SSL_CTX_sess_number(ctx),
                         i < MH_TLS_SESSION_CACHE ? i + 1 : i);
        assert_int_equal(SSL_CTX_sess_cache_full(ctx),
                         i < MH_TLS_SESSION_CACHE ? 0 : 1);
    }
    SSL_free(s);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

/* TLS 1.3 with both kinds of certificate, in the client's cipher order. */
static void test_tls13(void **state)
{
    (void)state;
    static const char *const names[] = {"ec", "rsa"};
    for (int i = 0; i < 2; i++) {
        struct tls_creds *creds;
        struct tls_ctx *t = server_ctx(&creds, names[i]);
        tls_creds_free(creds); /* the context keeps what it needs */
        SSL_CTX *cctx = client_ctx();
        struct conn k;
        assert_true(connect_to(cctx, t, NULL, &k));
        assert_string_equal(SSL_get_version(k.c), "TLSv1.3");
        assert_string_equal(SSL_get_cipher_name(k.c), "TLS_AES_256_GCM_SHA384");
        assert_int_equal(SSL_get_verify_result(k.c), X509_V_OK);
        conn_free(&k);
        assert_int_equal(
            SSL_CTX_set_ciphersuites(
                cctx, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"),
            1);
        assert_true(connect_to(cctx, t, NULL, &k));
        assert_string_equal(SSL_get_cipher_name(k.c), "TLS_CHACHA20_POLY1305_SHA256");
        conn_free(&k);
        /* a suite outside the list only: refused */
        assert_int_equal(SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_CCM_SHA256"), 1);
        assert_int_equal(SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION), 1);
        expect_handshake(cctx, t, false);
        SSL_CTX_free(cctx);
        tls_ctx_free(t);
    }
}

/* TLS 1.2: ECDHE with the certificate's kind, the client's order, DHE with
 * ffdhe2048, the renegotiation indication. */
static void test_tls12(void **state)
{
    (void)state;
    struct tls_creds *ce, *cr;
    struct tls_ctx *te = server_ctx(&ce, "ec"), *tr = server_ctx(&cr, "rsa");
    SSL_CTX *cctx = client_ctx();
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    struct conn k;
    assert_true(connect_to(cctx, te, NULL, &k));
    assert_string_equal(SSL_get_version(k.c), "TLSv1.2");
    assert_string_equal(SSL_get_cipher_name(k.c), "ECDHE-ECDSA-AES256-GCM-SHA384");
    assert_int_equal(SSL_get_secure_renegotiation_support(k.c), 1);
    conn_free(&k);
    assert_true(connect_to(cctx, tr, NULL, &k));
    assert_string_equal(SSL_get_cipher_name(k.c), "ECDHE-RSA-AES256-GCM-SHA384");
    conn_free(&k);

    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-CHACHA20-POLY1305:"
                                                   "ECDHE-ECDSA-AES128-GCM-SHA256"),
                     1);
    assert_true(connect_to(cctx, te, NULL, &k));
    assert_string_equal(SSL_get_cipher_name(k.c), "ECDHE-ECDSA-CHACHA20-POLY1305");
    conn_free(&k);

    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "DHE-RSA-AES128-GCM-SHA256"), 1);
    assert_true(connect_to(cctx, tr, NULL, &k));
    assert_string_equal(SSL_get_cipher_name(k.c), "DHE-RSA-AES128-GCM-SHA256");
    EVP_PKEY *dh = NULL;
    assert_int_equal(SSL_get_peer_tmp_key(k.c, &dh), 1);
    assert_true(EVP_PKEY_is_a(dh, "DH"));
    assert_int_equal(EVP_PKEY_get_bits(dh), 2048);
    EVP_PKEY_free(dh);
    conn_free(&k);

    SSL_CTX_free(cctx);
    tls_ctx_free(te);
    tls_ctx_free(tr);
    tls_creds_free(ce);
    tls_creds_free(cr);
}

static void test_refused(void **state)
{
    (void)state;
    struct tls_creds *ce, *cr;
    struct tls_ctx *te = server_ctx(&ce, "ec"), *tr = server_ctx(&cr, "rsa");
    SSL_CTX *cctx = client_ctx();
    /* TLS 1.1 and 1.0, with everything the client library still has */
    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "ALL:@SECLEVEL=0"), 1);
    assert_int_equal(SSL_CTX_set_min_proto_version(cctx, TLS1_VERSION), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_1_VERSION), 1);
    expect_handshake(cctx, te, false);
    expect_handshake(cctx, tr, false);
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_VERSION), 1);
    expect_handshake(cctx, tr, false);
    /* TLS 1.2 ciphers outside the list */
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    static const char *const rsa[] = {"AES128-SHA", "ECDHE-RSA-AES128-SHA",
                                      "AES128-GCM-SHA256", "DHE-RSA-AES256-SHA256"};
    for (size_t i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++) {
        assert_int_equal(SSL_CTX_set_cipher_list(cctx, rsa[i]), 1);
        expect_handshake(cctx, tr, false);
    }
    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-SHA256"), 1);
    expect_handshake(cctx, te, false);
    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-GCM-SHA256"), 1);
    expect_handshake(cctx, te, true); /* the same client, a listed cipher */
    SSL_CTX_free(cctx);
    tls_ctx_free(te);
    tls_ctx_free(tr);
    tls_creds_free(ce);
    tls_creds_free(cr);
}

/* Key exchange groups: X25519, P-256, P-384, and no other. */
static void test_groups(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "rsa");
    SSL_CTX *cctx = client_ctx();
    static const char *const ok[] = {"X25519", "P-256", "P-384"};
    static const int nids[] = {NID_X25519, NID_X9_62_prime256v1, NID_secp384r1};
    for (int v = 0; v < 2; v++) {
        if (v == 1) { /* TLS 1.2, ECDHE only (DHE needs no group in common) */
            assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
            assert_int_equal(
                SSL_CTX_set_cipher_list(cctx, "ECDHE-RSA-AES128-GCM-SHA256"), 1);
        }
        for (int i = 0; i < 3; i++) {
            struct conn k;
            assert_int_equal(SSL_CTX_set1_groups_list(cctx, ok[i]), 1);
            assert_true(connect_to(cctx, t, NULL, &k));
            assert_int_equal(SSL_get_negotiated_group(k.c), nids[i]);
            conn_free(&k);
        }
        assert_int_equal(SSL_CTX_set1_groups_list(cctx, "P-521:X448"), 1);
        expect_handshake(cctx, t, false);
    }
    SSL_CTX_free(cctx);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

/* The selected protocol, "" when none. */
static void expect_alpn(SSL_CTX *cctx, struct tls_ctx *t, const unsigned char *offer,
                        unsigned len, const char *want)
{
    struct conn k;
    const unsigned char *p;
    unsigned n;
    assert_int_equal(SSL_CTX_set_alpn_protos(cctx, offer, len), 0);
    assert_true(connect_to(cctx, t, NULL, &k));
    SSL_get0_alpn_selected(k.c, &p, &n);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    SSL_get0_alpn_selected(k.s, &p, &n);
    assert_int_equal(n, strlen(want));
    conn_free(&k);
}

static void test_alpn(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "ec");
    SSL_CTX *cctx = client_ctx();
    static const unsigned char h2_h11[] = "\x02h2\x08http/1.1";
    static const unsigned char h11[] = "\x08http/1.1";
    static const unsigned char h2[] = "\x02h2";
    static const unsigned char near[] = "\x07http/1.\x09http/1.1x\x08http/1.0";
    expect_alpn(cctx, t, h2_h11, sizeof(h2_h11) - 1, "http/1.1");
    expect_alpn(cctx, t, h11, sizeof(h11) - 1, "http/1.1");
    expect_alpn(cctx, t, h2, sizeof(h2) - 1, "");
    expect_alpn(cctx, t, near, sizeof(near) - 1, "");
    SSL_CTX_free(cctx);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

/* The intermediate is sent: a client knowing only the root verifies. */
static void test_chain(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "leaf2");
    SSL_CTX *cctx = client_ctx();
    expect_handshake(cctx, t, false); /* leaf2.pem alone */
    tls_ctx_free(t);
    tls_creds_free(creds);

    struct mh_error err;
    creds = load("chain.pem", "leaf2.key", now0, &err);
    assert_non_null(creds);
    t = tls_ctx_new(creds, &err);
    assert_non_null(t);
    struct conn k;
    assert_true(connect_to(cctx, t, NULL, &k));
    assert_int_equal(SSL_get_verify_result(k.c), X509_V_OK);
    assert_int_equal(sk_X509_num(SSL_get_peer_cert_chain(k.c)), 2);
    conn_free(&k);
    SSL_CTX_free(cctx);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

/* Resume sess on t: true when the session was reused (on both sides). */
static bool resumes(SSL_CTX *cctx, struct tls_ctx *t, SSL_SESSION *sess)
{
    struct conn k;
    assert_true(connect_to(cctx, t, sess, &k));
    bool reused = SSL_session_reused(k.c);
    assert_int_equal(SSL_session_reused(k.s), reused);
    conn_free(&k);
    return reused;
}

/* A full handshake's session, for resuming. */
static SSL_SESSION *first_session(SSL_CTX *cctx, struct tls_ctx *t)
{
    struct conn k;
    assert_true(connect_to(cctx, t, NULL, &k));
    assert_false(SSL_session_reused(k.c));
    SSL_SESSION *sess = SSL_get1_session(k.c);
    assert_non_null(sess);
    assert_true(SSL_SESSION_is_resumable(sess));
    conn_free(&k);
    return sess;
}

/* Tickets: accepted for the rest of their key's period and the next one,
 * not after; the rotation falls exactly on each MH_TLS_TICKET_ROTATE_SEC
 * since the load. */
static void check_ticket_rotation(int version)
{
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "ec");
    const time_t r = MH_TLS_TICKET_ROTATE_SEC;
    SSL_CTX *cctx = client_ctx();
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, version), 1);
    SSL_SESSION *sess = first_session(cctx, t);
    assert_true(SSL_SESSION_has_ticket(sess));
    assert_int_equal(SSL_SESSION_get_ticket_lifetime_hint(sess),
                     MH_TLS_SESSION_TIMEOUT_SEC);
    assert_true(resumes(cctx, t, sess));
    tls_ctx_tick(t, now0 - 1000); /* the clock set back: nothing */
    tls_ctx_tick(t, now0 + r - 1);
    assert_true(resumes(cctx, t, sess));
    tls_ctx_tick(t, now0 + r); /* one rotation: the previous key decrypts */
    assert_true(resumes(cctx, t, sess));
    tls_ctx_tick(t, now0 + 2 * r - 1);
    assert_true(resumes(cctx, t, sess));
    tls_ctx_tick(t, now0 + 2 * r); /* two: the key is gone */
    assert_false(resumes(cctx, t, sess));
    SSL_SESSION_free(sess);

    /* a ticket of the current key, then a jump of many periods at once */
    sess = first_session(cctx, t);
    tls_ctx_tick(t, now0 + 1000 * r);
    assert_false(resumes(cctx, t, sess));
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

static void test_ticket_rotation_tls13(void **state)
{
    (void)state;
    check_ticket_rotation(TLS1_3_VERSION);
}

static void test_ticket_rotation_tls12(void **state)
{
    (void)state;
    check_ticket_rotation(TLS1_2_VERSION);
}

/* Workers' contexts from the same creds accept each other's tickets,
 * before and after they rotate; contexts from other creds (a reload) do
 * not. */
static void test_tickets_across_workers(void **state)
{
    (void)state;
    struct tls_creds *creds, *other;
    struct mh_error err;
    struct tls_ctx *a = server_ctx(&creds, "ec");
    struct tls_ctx *b = tls_ctx_new(creds, &err);
    struct tls_ctx *c = server_ctx(&other, "ec");
    assert_non_null(b);
    for (int version = TLS1_2_VERSION; version <= TLS1_3_VERSION; version++) {
        SSL_CTX *cctx = client_ctx();
        assert_int_equal(SSL_CTX_set_max_proto_version(cctx, version), 1);
        SSL_SESSION *sess = first_session(cctx, a);
        assert_true(resumes(cctx, b, sess));
        assert_false(resumes(cctx, c, sess));
        SSL_SESSION_free(sess);
        SSL_CTX_free(cctx);
    }
    SSL_CTX *cctx = client_ctx();
    tls_ctx_tick(a, now0 + MH_TLS_TICKET_ROTATE_SEC);
    tls_ctx_tick(b, now0 + MH_TLS_TICKET_ROTATE_SEC);
    SSL_SESSION *sess = first_session(cctx, b);
    assert_true(resumes(cctx, a, sess));
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    tls_ctx_free(a);
    tls_ctx_free(b);
    tls_ctx_free(c);
    tls_creds_free(creds);
    tls_creds_free(other);
}

/* A TLS 1.2 client without tickets resumes by session ID, from the
 * worker's own cache, whatever the ticket keys do. */
static void test_session_id_cache(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "rsa");
    SSL_CTX *cctx = client_ctx();
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
    SSL_SESSION *sess = first_session(cctx, t);
    assert_false(SSL_SESSION_has_ticket(sess));
    assert_true(resumes(cctx, t, sess));
    tls_ctx_tick(t, now0 + 5 * MH_TLS_TICKET_ROTATE_SEC);
    assert_true(resumes(cctx, t, sess));
    struct mh_error err;
    struct tls_ctx *other = tls_ctx_new(creds, &err); /* another worker */
    assert_non_null(other);
    assert_false(resumes(cctx, other, sess));
    tls_ctx_free(other);
    SSL_SESSION_free(sess);

    /* a server SSL freed without tls_ssl_close(): its session is dropped */
    sess = first_session(cctx, t);
    struct conn k;
    assert_true(connect_to(cctx, t, sess, &k));
    assert_true(SSL_session_reused(k.c));
    SSL_shutdown(k.c);
    SSL_free(k.c);
    SSL_free(k.s);
    assert_false(resumes(cctx, t, sess));
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

/* The client asks to renegotiate a TLS 1.2 connection: the server says
 * no (a no_renegotiation alert), the client gives up, and the server has
 * done no second handshake. */
static void test_renegotiation_refused(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "ec");
    SSL_CTX *cctx = client_ctx();
    assert_int_equal(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    struct conn k;
    char buf[16];
    assert_true(connect_to(cctx, t, NULL, &k));
    assert_int_equal(SSL_renegotiate(k.c), 1);
    int rc = SSL_do_handshake(k.c); /* its ClientHello */
    assert_int_equal(SSL_get_error(k.c, rc), SSL_ERROR_WANT_READ);
    rc = SSL_read(k.s, buf, sizeof(buf)); /* the server reads it, answers */
    assert_int_equal(SSL_get_error(k.s, rc), SSL_ERROR_WANT_READ);
    rc = SSL_do_handshake(k.c);
    assert_int_equal(SSL_get_error(k.c, rc), SSL_ERROR_SSL);
    assert_int_equal(ERR_GET_REASON(ERR_peek_error()), SSL_R_NO_RENEGOTIATION);
    ERR_clear_error();
    assert_int_equal(SSL_num_renegotiations(k.s), 0);
    conn_free(&k);
    SSL_CTX_free(cctx);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

/* The worker drops its context while a connection is open: the connection
 * completes (its tickets still encrypted) and freeing it frees the rest. */
static void test_ctx_outlived_by_connection(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "ec");
    tls_creds_free(creds);
    SSL_CTX *cctx = client_ctx();
    struct conn k;
    BIO *bc, *bs;
    k.c = SSL_new(cctx);
    k.s = tls_ssl_new(t);
    tls_ctx_free(t);
    assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
    SSL_set_bio(k.c, bc, bc);
    SSL_set_bio(k.s, bs, bs);
    SSL_set_connect_state(k.c);
    SSL_set_accept_state(k.s);
    assert_true(pump(&k, SSL_do_handshake));
    exchange(&k);
    SSL_SESSION *sess = SSL_get1_session(k.c);
    assert_true(SSL_SESSION_has_ticket(sess));
    SSL_SESSION_free(sess);
    conn_free(&k); /* ASan: no use after free, no leak */
    SSL_CTX_free(cctx);
}

/* Plain HTTP on the TLS port: the handshake fails, nothing else. */
static void test_plaintext_refused(void **state)
{
    (void)state;
    struct tls_creds *creds;
    struct tls_ctx *t = server_ctx(&creds, "ec");
    SSL *s = tls_ssl_new(t);
    BIO *bc, *bs;
    assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
    SSL_set_bio(s, bs, bs);
    SSL_set_accept_state(s);
    static const char req[] = "GET / HTTP/1.1\r\nHost: docs.example\r\n\r\n";
    assert_int_equal(BIO_write(bc, req, sizeof(req) - 1), (int)sizeof(req) - 1);
    int rc = SSL_do_handshake(s);
    assert_true(rc <= 0);
    assert_int_equal(SSL_get_error(s, rc), SSL_ERROR_SSL);
    assert_int_equal(ERR_GET_REASON(ERR_peek_error()), SSL_R_HTTP_REQUEST);
    ERR_clear_error();
    SSL_free(s);
    BIO_free(bc);
    tls_ctx_free(t);
    tls_creds_free(creds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_and_describe),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_file_size_bound),
        cmocka_unit_test(test_chain_bound),
        cmocka_unit_test(test_weak_key),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_tls13),
        cmocka_unit_test(test_tls12),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_alpn),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_ticket_rotation_tls13),
        cmocka_unit_test(test_ticket_rotation_tls12),
        cmocka_unit_test(test_tickets_across_workers),
        cmocka_unit_test(test_session_id_cache),
        cmocka_unit_test(test_renegotiation_refused),
        cmocka_unit_test(test_ctx_outlived_by_connection),
        cmocka_unit_test(test_plaintext_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
