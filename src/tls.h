/* tls.h - OpenSSL 3 server contexts for HTTPS: certificates, settings,
 * session resumption.
 *
 * Thread model: creds are made in the main thread and only read after;
 * each worker makes its own tls_ctx from them and alone uses it (its
 * SSLs, its tick).  Only tls.c and the connection code include this. */
#ifndef MH_TLS_H
#define MH_TLS_H

#include <stdbool.h>
#include <time.h>

#include <openssl/ssl.h>

struct buf;
struct mh_error;

/* bytes: tls_creds_describe()'s expiry, "2027-03-01 12:00 UTC", NUL included. */
#define TLS_EXPIRY_LEN 21

/* A certificate chain and its private key, loaded and checked.  It also
 * holds the seed of the session-ticket keys: every tls_ctx made from the
 * same creds derives the same keys, so a client resumes its session on
 * whichever worker SO_REUSEPORT hands its next connection to.  New creds
 * (a reload) mean new keys: earlier tickets then give full handshakes. */
struct tls_creds;

/* Load the PEM certificate file cert (the full chain: leaf first, then
 * intermediates; other PEM blocks are skipped) and the PEM private key file
 * key (unencrypted: nobody is there to type a passphrase), and check that
 * both parse, that they match, that the key is strong enough for OpenSSL's
 * security level 2 (RSA 2048, P-256) and that the leaf has not expired at
 * now.  Each file must be a regular file of at most MH_TLS_PEM_FILE_MAX
 * bytes; the certificate file holds at most MH_TLS_CHAIN_MAX certificates.
 * now also starts the ticket keys' first period (tls_ctx_tick()).  NULL
 * with err->msg one line, "minihttpd: PATH: what is wrong", PATH escaped:
 *   "minihttpd: /etc/x.pem: No such file or directory"
 *   "minihttpd: /etc/x.pem: no certificate (PEM routines: no start line)"
 *   "minihttpd: /etc/x.pem: certificate and key do not match (key: /etc/x.key)"
 *   "minihttpd: /etc/x.pem: certificate expired on 2026-01-01 00:00 UTC" */
struct tls_creds *tls_creds_load(const char *cert, const char *key, time_t now,
                                 struct mh_error *err);
void tls_creds_free(struct tls_creds *c);

/* The leaf's subject, most specific first ("CN=docs.example, O=Example";
 * values escaped as buf_put_escaped() does, UTF-8 kept) into subject,
 * its expiry ("2027-03-01 12:00 UTC") into expiry, and the whole days left
 * from now until then into *days_left (rounded down: -1 for an hour ago).
 * False when a buffer was too small: TLS_EXPIRY_LEN bytes always do for
 * expiry, while a subject may not fit even MH_TLS_SUBJECT_MAX. */
bool tls_creds_describe(const struct tls_creds *c, time_t now, struct buf *subject,
                        struct buf *expiry, long *days_left);

/* One worker's server context (an SSL_CTX) for creds, with its own session
 * cache and its own copy of the ticket keys.  Settings:
 *   - TLS 1.2 and 1.3 only, whatever the system's openssl.cnf says;
 *   - Mozilla's "intermediate" ciphers (v5.7), the client's order (no server
 *     preference), groups X25519, P-256, P-384, ffdhe2048 for DHE;
 *   - no renegotiation, no compression (the secure renegotiation
 *     extension is still sent);
 *   - SSL_MODE_RELEASE_BUFFERS (an idle connection holds no record
 *     buffers) and a moving write buffer (libevent), never partial writes
 *     (libevent 2.1 would lose the rest of a short SSL_write());
 *   - an EOF without close_notify reads as a clean EOF (libevent then
 *     reports BEV_EVENT_EOF, not an error: clients often just close);
 *   - ALPN: "http/1.1" when the client offers it, else no ALPN (a client
 *     offering only h2 still gets HTTP/1.1);
 *   - resumption by tickets (keys derived from creds, rotated by
 *     tls_ctx_tick()) and by session ID (a cache of MH_TLS_SESSION_CACHE),
 *     both for MH_TLS_SESSION_TIMEOUT_SEC.
 * The context keeps its own references to the certificates and key: creds
 * may be freed once every worker's context is made.  NULL with err->msg
 * ("minihttpd: cannot set up TLS: ...") on failure. */
struct tls_ctx *tls_ctx_new(const struct tls_creds *creds, struct mh_error *err);

/* Drop the worker's reference.  SSLs made by tls_ssl_new() hold their own
 * (OpenSSL counts them): the context, its ticket keys included, lives until
 * the last of them is freed, so open connections finish on the context they
 * started with.  t must not be used after. */
void tls_ctx_free(struct tls_ctx *t);

/* A new server SSL for one accepted connection (for
 * bufferevent_openssl_socket_new(..., BUFFEREVENT_SSL_ACCEPTING, ...)), or
 * NULL (out of memory). */
SSL *tls_ssl_new(struct tls_ctx *t);

/* Before the connection's SSL is freed (libevent's bufferevent_free()
 * frees it, with no SSL_shutdown()): mark it shut down, sending nothing.
 * OpenSSL drops the session of an SSL freed otherwise from the session
 * cache, so a TLS 1.2 client without tickets could never resume.  Call it
 * on every close, as nginx does: a connection that failed has had its
 * session dropped already, and a plain close loses nothing (HTTP/1.1
 * responses are framed; no close_notify is needed). */
void tls_ssl_close(SSL *s);

/* Once a second from the worker's loop: rotate the ticket keys at each
 * MH_TLS_TICKET_ROTATE_SEC since the creds were loaded.  The key before is
 * still accepted (its tickets are renewed), older ones are erased.  A clock
 * set back rotates nothing. */
void tls_ctx_tick(struct tls_ctx *t, time_t now);

#endif
