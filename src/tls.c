/* tls.c - OpenSSL 3 server contexts for HTTPS.
 *
 * Owns: reading and checking the certificate chain and key (tls_creds),
 * every TLS setting of the server (protocols, ciphers, groups, ALPN,
 * renegotiation, buffers), session resumption and the session-ticket keys.
 *
 * Ticket keys.  The creds hold a random seed; the key of period i (each
 * MH_TLS_TICKET_ROTATE_SEC since the creds were loaded) comes from state
 * S_i, where S_0 is the seed and S_{i+1} = SHA-256("next" || S_i).  Every
 * worker's context walks the same chain by itself (no shared mutable
 * state, no lock), so all workers encrypt and accept the same tickets: a
 * client's next connection lands on any worker (SO_REUSEPORT), and still
 * resumes.  A context keeps S_i and the keys of periods i and i-1 only: the
 * chain cannot be walked back, so a context's memory never yields an erased
 * key (the seed itself lives as long as the creds: free them once the
 * workers' contexts are made).
 *
 * Lifetime.  A tls_ctx is the ex_data of its SSL_CTX and is freed by the
 * SSL_CTX's ex_data free callback, when OpenSSL frees the SSL_CTX: after
 * tls_ctx_free() and the last SSL made from it, whichever comes last.  So a
 * connection outliving its worker's context (a reload) still has keys.
 *
 * Never: does network I/O, touches libevent, prompts for a passphrase,
 * reads a file without bound, or leaves errors on the thread's OpenSSL
 * error queue (libevent's bufferevent_openssl reads that queue after each
 * SSL call: a stale entry would be taken for the connection's). */
#define _GNU_SOURCE /* timegm */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "bounds.h"
#include "buf.h"
#include "config.h"

_Static_assert(MH_TLS_TICKET_ROTATE_SEC >= MH_TLS_SESSION_TIMEOUT_SEC,
               "a ticket must stay decryptable for its whole lifetime");

/* OpenSSL's security level: keys of at least 112 bits of security (RSA and
 * DH 2048, ECC 224), no SHA-1 signatures in the handshake. */
#define SECURITY_LEVEL        2
#define KEY_SECURITY_BITS_MIN 112

/* Mozilla's "intermediate" configuration, version 5.7. */
#define TLS12_CIPHERS                                                                  \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                       \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                       \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                       \
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
#define TLS13_CIPHERS                                                                  \
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define GROUPS "X25519:prime256v1:secp384r1"

#define SESSION_ID_CONTEXT "minihttpd"
#define SEED_LEN           32 /* bytes: SHA-256 */
#define ALPN_HTTP11        "http/1.1"

/* bytes: one path quoted in a message, escaped; two fit in one message. */
#define QUOTE_MAX (MH_ERROR_MAX / 2)

struct tls_creds {
    X509 *leaf;
    STACK_OF(X509) * chain; /* intermediates, in file order */
    EVP_PKEY *key;
    time_t not_after;
    time_t loaded; /* period 0 of the ticket keys starts here */
    unsigned char seed[SEED_LEN];
};

struct ticket_key {
    unsigned char name[16]; /* TLSEXT_KEYNAME_LENGTH: sent in the ticket */
    unsigned char aes[32];  /* AES-256-CBC */
    unsigned char hmac[32]; /* HMAC-SHA256 */
};

struct tls_ctx {
    SSL_CTX *ctx;
    EVP_CIPHER *aes;           /* fetched once, not per ticket */
    time_t epoch;              /* the creds' load time */
    unsigned long long period; /* of cur: whole MH_TLS_TICKET_ROTATE_SEC since epoch */
    unsigned char state[SEED_LEN]; /* S_period */
    struct ticket_key cur;         /* encrypts and decrypts */
    struct ticket_key prev;        /* decrypts (the ticket is then renewed) */
    bool has_prev;
};

/* --- messages --- */

/* OpenSSL's reason for the first error on the queue ("PEM routines: no
 * start line"), into out; the queue is then emptied. */
static const char *ssl_reason(char *out, size_t cap)
{
    unsigned long e = ERR_peek_error();
    const char *lib = ERR_lib_error_string(e);
    const char *why = ERR_reason_error_string(e);
    if (!e)
        snprintf(out, cap, "unknown error");
    else if (lib && why)
        snprintf(out, cap, "%s: %s", lib, why);
    else
        ERR_error_string_n(e, out, cap);
    ERR_clear_error();
    return out;
}

/* "minihttpd: PATH: what (OpenSSL's reason)". */
static void err_ssl(struct mh_error *err, const char *path, const char *what)
{
    char q[QUOTE_MAX], why[256];
    mh_error_set(err, "minihttpd: %s: %s (%s)", buf_escape_str(q, sizeof(q), path),
                 what, ssl_reason(why, sizeof(why)));
}

/* --- reading files --- */

struct pem_file {
    char *data;
    size_t len;
};

#define GREW (-1) /* read_all(): the file grew while read (being replaced) */

/* Read all of fd (st_size bytes expected) into f: 0, GREW or an errno. */
static int read_all(int fd, off_t size, struct pem_file *f)
{
    size_t cap = (size_t)size + 1; /* one more: a file that grew is seen */
    f->data = malloc(cap);
    if (!f->data)
        return ENOMEM;
    f->len = 0;
    while (f->len < cap) {
        ssize_t n = read(fd, f->data + f->len, cap - f->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        f->len += (size_t)n;
    }
    return GREW;
}

static void pem_free(struct pem_file *f)
{
    if (f->data)
        OPENSSL_cleanse(f->data, f->len); /* a key leaves no copy behind */
    free(f->data);
    f->data = NULL;
}

/* The contents of path, a regular file of at most MH_TLS_PEM_FILE_MAX
 * bytes, or false with err set.  Never blocks (a FIFO is refused). */
static bool pem_read(const char *path, struct pem_file *f, struct mh_error *err)
{
    char q[QUOTE_MAX];
    struct stat st;
    int e = 0;
    f->data = NULL;
    f->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        mh_error_set(err, "minihttpd: %s: not a regular file",
                     buf_escape_str(q, sizeof(q), path));
    else if (st.st_size > MH_TLS_PEM_FILE_MAX)
        mh_error_set(err, "minihttpd: %s: larger than %d bytes",
                     buf_escape_str(q, sizeof(q), path), MH_TLS_PEM_FILE_MAX);
    else if ((e = read_all(fd, st.st_size, f)) == GREW)
        mh_error_set(err, "minihttpd: %s: changed while being read",
                     buf_escape_str(q, sizeof(q), path));
    else if (e == 0) {
        close(fd);
        return true;
    }
    if (e > 0)
        mh_error_set(err, "minihttpd: %s: %s", buf_escape_str(q, sizeof(q), path),
                     strerror(e));
    if (fd >= 0)
        close(fd);
    pem_free(f);
    return false;
}

/* --- creds --- */

/* A PEM passphrase callback that never asks: OpenSSL's default would read
 * the terminal.  *u records that a passphrase was wanted. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag;
    if (u)
        *(bool *)u = true;
    return -1;
}

/* Past the last certificate: what is left holds no PEM block. */
static bool at_end(void)
{
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
        return false;
    ERR_clear_error();
    return true;
}

static bool load_chain(struct tls_creds *c, const struct pem_file *f, const char *path,
                       struct mh_error *err)
{
    BIO *bio = BIO_new_mem_buf(f->data, (int)f->len);
    bool ok = false;
    if (!bio || !(c->leaf = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL))) {
        err_ssl(err, path, "no certificate");
        goto out;
    }
    if (!(c->chain = sk_X509_new_null()))
        goto out;
    for (;;) {
        X509 *x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
        if (!x) {
            ok = at_end();
            if (!ok)
                err_ssl(err, path, "bad certificate after the first");
            break;
        }
        if (sk_X509_num(c->chain) + 1 >= MH_TLS_CHAIN_MAX ||
            !sk_X509_push(c->chain, x)) {
            char q[QUOTE_MAX];
            mh_error_set(err, "minihttpd: %s: more than %d certificates",
                         buf_escape_str(q, sizeof(q), path), MH_TLS_CHAIN_MAX);
            X509_free(x);
            break;
        }
    }
out:
    if (!ok && !err->msg[0])
        err_ssl(err, path, "cannot read certificates");
    BIO_free(bio);
    return ok;
}

static bool has(const struct pem_file *f, const char *text)
{
    return memmem(f->data, f->len, text, strlen(text)) != NULL;
}

static bool load_key(struct tls_creds *c, const struct pem_file *f, const char *path,
                     struct mh_error *err)
{
    bool asked = false;
    BIO *bio = BIO_new_mem_buf(f->data, (int)f->len);
    if (bio)
        c->key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
    BIO_free(bio);
    if (c->key)
        return true;
    char q[QUOTE_MAX];
    const char *why = NULL;
    if (asked)
        why = "the key is encrypted (store it without a passphrase)";
    else if (!has(f, "PRIVATE KEY-----"))
        why = has(f, "-----BEGIN CERTIFICATE-----")
                  ? "no private key (the file holds a certificate)"
                  : "no private key (no PEM block of one)";
    if (!why) { /* OpenSSL 3's decoders say little more than "unsupported" */
        err_ssl(err, path, "cannot decode the private key");
        return false;
    }
    ERR_clear_error();
    mh_error_set(err, "minihttpd: %s: %s", buf_escape_str(q, sizeof(q), path), why);
    return false;
}

/* Does the key belong to the leaf?  When not, say so, and whether it
 * belongs to another certificate of the file (the leaf must come first). */
static bool check_match(const struct tls_creds *c, const char *cert, const char *key,
                        struct mh_error *err)
{
    if (X509_check_private_key(c->leaf, c->key) == 1)
        return true;
    const char *hint = "";
    for (int i = 0; i < sk_X509_num(c->chain); i++)
        if (X509_check_private_key(sk_X509_value(c->chain, i), c->key) == 1)
            hint = "; the key's certificate must come first in the file";
    ERR_clear_error();
    char q[QUOTE_MAX], qk[QUOTE_MAX];
    mh_error_set(err, "minihttpd: %s: certificate and key do not match (key: %s)%s",
                 buf_escape_str(q, sizeof(q), cert),
                 buf_escape_str(qk, sizeof(qk), key), hint);
    return false;
}

static bool check_strength(const struct tls_creds *c, const char *key,
                           struct mh_error *err)
{
    int bits = EVP_PKEY_get_security_bits(c->key);
    if (bits >= KEY_SECURITY_BITS_MIN)
        return true;
    char q[QUOTE_MAX];
    mh_error_set(err,
                 "minihttpd: %s: the key is too weak (%d-bit %s: %d bits of security, "
                 "at least %d needed: RSA 2048, ECDSA P-256)",
                 buf_escape_str(q, sizeof(q), key), EVP_PKEY_get_bits(c->key),
                 EVP_PKEY_get0_type_name(c->key), bits, KEY_SECURITY_BITS_MIN);
    return false;
}

static void put_date(struct buf *b, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        b->overflow = true;
        return;
    }
    buf_put_ymd(b, &tm, '-');
    buf_putc(b, ' ');
    buf_put_hms(b, &tm, false);
    buf_puts(b, " UTC");
}

static bool check_dates(struct tls_creds *c, const char *cert, time_t now,
                        struct mh_error *err)
{
    struct tm tm;
    char q[QUOTE_MAX];
    if (!ASN1_TIME_to_tm(X509_get0_notAfter(c->leaf), &tm)) {
        ERR_clear_error();
        mh_error_set(err, "minihttpd: %s: the certificate's expiry date is invalid",
                     buf_escape_str(q, sizeof(q), cert));
        return false;
    }
    c->not_after = timegm(&tm);
    if (now <= c->not_after)
        return true;
    char date[TLS_EXPIRY_LEN];
    struct buf b;
    buf_init(&b, date, sizeof(date));
    put_date(&b, c->not_after);
    mh_error_set(err, "minihttpd: %s: certificate expired on %s",
                 buf_escape_str(q, sizeof(q), cert), b.overflow ? "?" : date);
    return false;
}

struct tls_creds *tls_creds_load(const char *cert, const char *key, time_t now,
                                 struct mh_error *err)
{
    struct pem_file cf, kf = {NULL, 0};
    struct tls_creds *c = calloc(1, sizeof(*c));
    err->msg[0] = '\0';
    ERR_clear_error();
    if (!c) {
        mh_error_set(err, "minihttpd: out of memory");
        return NULL;
    }
    bool ok = pem_read(cert, &cf, err) && load_chain(c, &cf, cert, err);
    pem_free(&cf);
    ok = ok && pem_read(key, &kf, err) && load_key(c, &kf, key, err);
    pem_free(&kf);
    ok = ok && check_match(c, cert, key, err) && check_strength(c, key, err) &&
         check_dates(c, cert, now, err);
    if (ok && RAND_bytes(c->seed, sizeof(c->seed)) != 1) {
        err_ssl(err, cert, "no random bytes for the session-ticket keys");
        ok = false;
    }
    if (!ok) {
        tls_creds_free(c);
        return NULL;
    }
    c->loaded = now;
    return c;
}

void tls_creds_free(struct tls_creds *c)
{
    if (!c)
        return;
    X509_free(c->leaf);
    sk_X509_pop_free(c->chain, X509_free);
    EVP_PKEY_free(c->key);
    OPENSSL_cleanse(c->seed, sizeof(c->seed));
    free(c);
}

/* --- describing --- */

/* One attribute, "CN=value", the value escaped. */
static bool put_attribute(struct buf *b, const X509_NAME_ENTRY *e)
{
    const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
    int nid = OBJ_obj2nid(obj);
    char oid[128];
    if (nid != NID_undef)
        buf_puts(b, OBJ_nid2sn(nid));
    else if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) > 0)
        buf_puts(b, oid);
    buf_putc(b, '=');
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) {
        ERR_clear_error();
        return false;
    }
    bool ok =
        buf_put_escaped(b, (const char *)utf8, (size_t)n, SIZE_MAX / 2, BUF_ESC_UTF8);
    OPENSSL_free(utf8);
    return ok && !b->overflow;
}

/* The name, its last attribute first ("CN=x, O=y"), as RFC 4514 orders it;
 * attributes of one multi-valued RDN joined by "+". */
static bool put_name(struct buf *b, const X509_NAME *name)
{
    int n = X509_NAME_entry_count(name), prev_set = -1;
    for (int i = n - 1; i >= 0; i--) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(e);
        if (i != n - 1)
            buf_puts(b, set == prev_set ? "+" : ", ");
        prev_set = set;
        if (!put_attribute(b, e))
            return false;
    }
    return !b->overflow;
}

/* Whole days from now to t, rounded down. */
static long days_until(time_t t, time_t now)
{
    long long d = (long long)t - (long long)now;
    long long days = d / 86400;
    if (d % 86400 < 0)
        days--;
    return (long)days;
}

bool tls_creds_describe(const struct tls_creds *c, time_t now, struct buf *subject,
                        struct buf *expiry, long *days_left)
{
    bool ok = put_name(subject, X509_get_subject_name(c->leaf));
    put_date(expiry, c->not_after);
    *days_left = days_until(c->not_after, now);
    return ok && !expiry->overflow;
}

/* --- ticket keys --- */

/* out = SHA-256(label || in) */
static bool hash(const char *label, const unsigned char in[SEED_LEN],
                 unsigned char out[SEED_LEN])
{
    unsigned char msg[32 + SEED_LEN];
    size_t n = strlen(label);
    unsigned int len = 0;
    if (n > sizeof(msg) - SEED_LEN)
        return false;
    memcpy(msg, label, n);
    memcpy(msg + n, in, SEED_LEN);
    bool ok = EVP_Digest(msg, n + SEED_LEN, out, &len, EVP_sha256(), NULL) == 1 &&
              len == SEED_LEN;
    OPENSSL_cleanse(msg, sizeof(msg));
    return ok;
}

/* The key of the period whose state is s. */
static bool derive_key(const unsigned char s[SEED_LEN], struct ticket_key *k)
{
    unsigned char name[SEED_LEN];
    bool ok = hash("minihttpd ticket name", s, name) &&
              hash("minihttpd ticket aes", s, k->aes) &&
              hash("minihttpd ticket hmac", s, k->hmac);
    memcpy(k->name, name, sizeof(k->name));
    return ok;
}

/* Move t to the next period: its key becomes the previous one. */
static bool rotate(struct tls_ctx *t)
{
    unsigned char next[SEED_LEN];
    struct ticket_key k;
    bool ok = hash("minihttpd ticket next", t->state, next) && derive_key(next, &k);
    if (ok) {
        t->prev = t->cur;
        t->has_prev = true;
        t->cur = k;
        memcpy(t->state, next, SEED_LEN);
        t->period++;
    }
    OPENSSL_cleanse(next, sizeof(next));
    OPENSSL_cleanse(&k, sizeof(k));
    return ok;
}

void tls_ctx_tick(struct tls_ctx *t, time_t now)
{
    if (now < t->epoch)
        return;
    unsigned long long due =
        (unsigned long long)(now - t->epoch) / MH_TLS_TICKET_ROTATE_SEC;
    for (unsigned n = 0; t->period < due && n < MH_TLS_TICKET_CATCHUP_MAX; n++)
        if (!rotate(t)) {
            ERR_clear_error(); /* the keys stay; the next tick tries again */
            return;
        }
}

static int ex_index = -1; /* of the tls_ctx in its SSL_CTX's ex_data */
static CRYPTO_ONCE ex_once = CRYPTO_ONCE_STATIC_INIT;

static bool set_mac_key(EVP_MAC_CTX *mac, struct ticket_key *k)
{
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k->hmac, sizeof(k->hmac)),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_CTX_set_params(mac, params) == 1;
}

/* OpenSSL's ticket callback: 1 to use the key, 2 to use it and renew the
 * ticket, 0 for an unknown key (a full handshake), -1 on error. */
static int ticket_cb(SSL *s, unsigned char name[16], unsigned char *iv,
                     EVP_CIPHER_CTX *cipher, EVP_MAC_CTX *mac, int enc)
{
    struct tls_ctx *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), ex_index);
    struct ticket_key *k;
    int found = 1;
    if (!t)
        return -1;
    if (enc) {
        k = &t->cur;
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(t->aes)) != 1)
            return -1;
        memcpy(name, k->name, sizeof(k->name));
    } else if (!memcmp(name, t->cur.name, sizeof(t->cur.name))) {
        k = &t->cur;
        /* TLS 1.3: a client should use a ticket once (RFC 8446 C.4), and
         * OpenSSL sends a new one after a resumption only when asked */
        if (SSL_version(s) == TLS1_3_VERSION)
            found = 2;
    } else if (t->has_prev && !memcmp(name, t->prev.name, sizeof(t->prev.name))) {
        k = &t->prev;
        found = 2;
    } else
        return 0;
    if (!set_mac_key(mac, k) ||
        EVP_CipherInit_ex(cipher, t->aes, NULL, k->aes, iv, enc) != 1)
        return -1;
    return found;
}

/* --- contexts --- */

static void ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                    void *argp)
{
    struct tls_ctx *t = ptr;
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    if (!t) /* an SSL_CTX of someone else's */
        return;
    EVP_CIPHER_free(t->aes);
    OPENSSL_cleanse(t, sizeof(*t));
    free(t);
}

static void ex_init(void)
{
    ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ex_free);
}

/* ALPN: "http/1.1" when offered, else none (a client offering only h2 is
 * served HTTP/1.1 without ALPN, as it then expects). */
static int alpn_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    const size_t want = sizeof(ALPN_HTTP11) - 1;
    (void)s, (void)arg;
    for (unsigned int i = 0; i < inlen;) {
        unsigned int n = in[i++]; /* length-prefixed names */
        if (n > inlen - i)
            break;
        if (n == want && !memcmp(in + i, ALPN_HTTP11, want)) {
            *out = in + i;
            *outlen = (unsigned char)n;
            return SSL_TLSEXT_ERR_OK;
        }
        i += n;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static bool set_protocols(SSL_CTX *ctx)
{
    SSL_CTX_set_security_level(ctx, SECURITY_LEVEL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* whatever the system's openssl.cnf says */
    SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
                                   SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    /* never SSL_MODE_ENABLE_PARTIAL_WRITE: libevent 2.1's writer
     * (bufferevent_openssl.c do_write()) goes on to the next iovec after a
     * short SSL_write() and so would skip the rest of this one
     * (docs/libevent.md) */
    SSL_CTX_set_mode(ctx,
                     SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
           SSL_CTX_set_max_proto_version(ctx, 0) == 1 && /* the highest: 1.3 */
           SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) == 1 &&
           SSL_CTX_set_ciphersuites(ctx, TLS13_CIPHERS) == 1 &&
           SSL_CTX_set1_groups_list(ctx, GROUPS) == 1 &&
           SSL_CTX_set_dh_auto(ctx, 1) == 1;
}

static bool set_sessions(struct tls_ctx *t, const struct tls_creds *creds)
{
    SSL_CTX *ctx = t->ctx;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    /* OpenSSL 3.0 evicts when the count, the new session included, reaches
     * the size: it keeps one fewer (tests/unit/test_tls.c checks) */
    SSL_CTX_sess_set_cache_size(ctx, MH_TLS_SESSION_CACHE + 1);
    SSL_CTX_set_timeout(ctx, MH_TLS_SESSION_TIMEOUT_SEC);
    t->epoch = creds->loaded;
    memcpy(t->state, creds->seed, SEED_LEN);
    return SSL_CTX_set_session_id_context(ctx,
                                          (const unsigned char *)SESSION_ID_CONTEXT,
                                          sizeof(SESSION_ID_CONTEXT) - 1) == 1 &&
           (t->aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL)) != NULL &&
           derive_key(t->state, &t->cur) &&
           SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) == 1;
}

static bool set_certificate(SSL_CTX *ctx, const struct tls_creds *creds)
{
    if (SSL_CTX_use_certificate(ctx, creds->leaf) != 1)
        return false;
    for (int i = 0; i < sk_X509_num(creds->chain); i++)
        if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(creds->chain, i)) != 1)
            return false;
    return SSL_CTX_use_PrivateKey(ctx, creds->key) == 1 &&
           SSL_CTX_check_private_key(ctx) == 1;
}

struct tls_ctx *tls_ctx_new(const struct tls_creds *creds, struct mh_error *err)
{
    char why[256];
    ERR_clear_error();
    if (CRYPTO_THREAD_run_once(&ex_once, ex_init) != 1 || ex_index < 0) {
        mh_error_set(err, "minihttpd: cannot set up TLS: %s",
                     ssl_reason(why, sizeof(why)));
        return NULL;
    }
    struct tls_ctx *t = calloc(1, sizeof(*t));
    SSL_CTX *ctx = t ? SSL_CTX_new(TLS_server_method()) : NULL;
    if (ctx && SSL_CTX_set_ex_data(ctx, ex_index, t) != 1) {
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    if (!ctx) { /* t is not the SSL_CTX's yet */
        free(t);
        mh_error_set(err, "minihttpd: cannot set up TLS: %s",
                     ssl_reason(why, sizeof(why)));
        return NULL;
    }
    t->ctx = ctx; /* from here SSL_CTX_free() frees t */
    if (!set_protocols(ctx) || !set_sessions(t, creds) ||
        !set_certificate(ctx, creds)) {
        mh_error_set(err, "minihttpd: cannot set up TLS: %s",
                     ssl_reason(why, sizeof(why)));
        SSL_CTX_free(ctx);
        return NULL;
    }
    return t;
}

void tls_ctx_free(struct tls_ctx *t)
{
    if (t)
        SSL_CTX_free(t->ctx); /* frees t with the last reference (ex_free) */
}

SSL *tls_ssl_new(struct tls_ctx *t)
{
    SSL *s = SSL_new(t->ctx);
    if (!s)
        ERR_clear_error();
    return s;
}

void tls_ssl_close(SSL *s)
{
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}
