/* bounds.h - every size, count and time bound of minihttpd, in one place.
 *
 * Each bound has its unit and the reason for its value.  Code never uses a
 * bare number where one of these applies; tests exercise each at N and N+1.
 * Exceeding a bound is an error reported to the caller, never a silent cut. */
#ifndef MH_BOUNDS_H
#define MH_BOUNDS_H

/* --- HTTP requests --- */

/* bytes: the request line ("GET /path HTTP/1.1"); longer is 414. */
#define MH_REQUEST_LINE_MAX 8192
/* bytes: all header lines ("Name: value" plus CRLF each); more is 431. */
#define MH_HEADERS_MAX 8192
/* count: header lines in a request (Apache's LimitRequestFields); more is
 * 431 and the connection is closed, since the framing of the rest was not
 * looked at.  A browser sends about 15. */
#define MH_REQUEST_HEADERS_MAX 100
/* bytes: a request body on GET/HEAD; longer is 413 and the connection is
 * closed.  Static files need no body; keep it small. */
#define MH_REQUEST_BODY_MAX 1024
/* bytes: what evhttp itself buffers of a request head and of a body before
 * it answers 400 or 413 on its own.  Between the limits above and these the
 * handler answers (with the right status and an access-log line); past them
 * evhttp does, and the connection's reader logs a 400 line for it. */
#define MH_HEADERS_HARD_MAX      (64 * 1024)
#define MH_REQUEST_BODY_HARD_MAX (64 * 1024)
/* bytes: a decoded, normalised request path, "/" included: never longer
 * than the request line it came in.  (Past PATH_MAX the open fails: 404.) */
#define MH_URL_PATH_MAX MH_REQUEST_LINE_MAX
/* bytes: the head of a response (status line and headers).  The largest
 * is a redirect: Location (up to a request line) and the config's [headers]
 * (MH_EXTRA_HEADERS_MAX values of MH_HEADER_VALUE_MAX) besides a dozen of
 * the server's own; handler.c checks at compile time that it fits. */
#define MH_RESPONSE_HEAD_MAX (64 * 1024)
/* bytes and calls: a response is written to the socket as soon as it is
 * queued, in at most this many write calls (head, then a file's first
 * sendfile) of at most this many bytes each; what the socket does not take
 * then goes out as it becomes writable.  (libevent 2.1 does not cut a file
 * segment: its sendfile() offers all that is left, and the socket's buffer
 * is the bound.) */
#define MH_WRITE_THROUGH_MAX   (256 * 1024)
#define MH_WRITE_THROUGH_CALLS 2
/* bytes: the most libevent writes from memory to one connection per write
 * event (its default, 16 KiB, would split a 16 KiB file and its head in two
 * writev() calls).  File segments are not cut by it (see above). */
#define MH_WRITE_CHUNK_MAX (256 * 1024)
/* seconds: grace given to responses in flight after SIGTERM/SIGINT. */
#define MH_SHUTDOWN_GRACE_SEC 5
/* milliseconds: how often a stopping worker checks whether it is idle. */
#define MH_SHUTDOWN_POLL_MS 50
/* count: entries of a worker's open-file cache (fcache.c), each holding up
 * to three fds (a file, its .br and .gz).  Fewer when the open-file limit
 * is low: see MH_FD_* below. */
#define MH_FILE_CACHE_SLOTS 256
/* fds: what the process keeps free of the open-file limit for transient
 * opens (probing a path and its sidecars, listings, log reopening), and what
 * each worker holds besides connections and cache (listener, epoll,
 * notification fd, docroot).  The rest is split between the workers: each
 * caps its connections and cache so accept() never takes the last fds a
 * request needs. */
#define MH_FD_RESERVE     16
#define MH_FDS_PER_WORKER 5
/* bytes: what a connection's input buffer may hold before the server stops
 * reading from it (a pipelining client that does not read its responses):
 * a request head and body at evhttp's own limits fit. */
#define MH_INPUT_BUFFER_MAX (MH_HEADERS_HARD_MAX + MH_REQUEST_BODY_HARD_MAX + 4096)
/* bytes: one request on the wire, from its first byte until evhttp hands
 * it over: head, body, chunk framing and any blank-line padding (evhttp's
 * chunked parser skips empty lines without limit, and counts neither them
 * nor the framing against MH_REQUEST_BODY_HARD_MAX).  More is 400 and the
 * connection is closed. */
#define MH_REQUEST_WIRE_MAX (MH_HEADERS_HARD_MAX + MH_REQUEST_BODY_HARD_MAX + 4096)
/* count: entries of a worker's fd-to-connection table (conn.c), one per fd
 * the open-file limit allows, up to this (8 MiB of address space; untouched
 * entries cost no memory). */
#define MH_FD_TABLE_MAX (1024 * 1024)
/* bytes: a cached file up to this size is kept in memory, so its response
 * goes out in one writev() instead of writev() plus sendfile().  For a file
 * of tens of KiB (a docs page, or the compressed copy of a 100 KiB one)
 * sendfile()'s own work costs more than copying the bytes: 13 to 20 % of
 * the CPU per keep-alive request at 17 and 48 KiB (docs/performance.md).
 * Within MH_FILE_CACHE_HELD_MAX per worker. */
#define MH_SMALL_FILE_MAX (64 * 1024)
/* bytes: the most file bytes a worker's open-file cache keeps in memory
 * (files, sidecars and compressed copies of at most MH_SMALL_FILE_MAX each);
 * a file that would go over it is sent from the file, as a larger one is.
 * 128 files of the largest kept size, or some 500 compressed docs pages. */
#define MH_FILE_CACHE_HELD_MAX (8 * 1024 * 1024)
/* bytes: over TLS, a body in memory up to this size is copied behind the
 * response head, so both go out in one TLS record (at most 16 KiB of
 * plaintext) and one write; a larger one is queued by reference. */
#define MH_TLS_JOIN_MAX (16 * 1024)
/* seconds: how long a cached file's metadata is trusted before the path is
 * opened again (minihttpd(8): a changed file is seen within a second). */
#define MH_FILE_CACHE_VALID_SEC 1
/* count: directories a worker remembers (dircache.c): whether each exists
 * and its _redirects rules.  Each holds at most one file's rules
 * (MH_REDIRECTS_FILE_MAX of text), so the bound on their memory is
 * this times that, reached only by a docroot of 64 such files. */
#define MH_DIRCACHE_SLOTS 64
/* count: directories above a missing path that are looked at for
 * _redirects files and nearest error pages, from the docroot down.  A
 * generated docs tree is rarely 10 deep (Javadoc's is about 8); a deeper
 * path is still served, its deeper directories' _redirects and 404.html
 * are not consulted (minihttpd(8)).  It bounds the work of a miss. */
#define MH_RESOLVE_DEPTH_MAX 32

/* --- configuration --- */

/* bytes: the config file; larger is an error (a config is a few KiB). */
#define MH_CONFIG_FILE_MAX (1024 * 1024)
/* bytes: one config line, newline excluded. */
#define MH_CONFIG_LINE_MAX 4096
/* bytes: a section or key name. */
#define MH_CONFIG_NAME_MAX 64
/* bytes: a section header's text, "name argument" ("access /team-a/"). */
#define MH_CONFIG_SECTION_MAX (MH_CONFIG_NAME_MAX + 1 + MH_ACCESS_PREFIX_MAX + 1)
/* count: names in `index = a.html b.html ...`. */
#define MH_INDEX_NAMES_MAX 8
/* bytes: one index file name (NAME_MAX). */
#define MH_INDEX_NAME_MAX 255
/* bytes: a file system path in the config (PATH_MAX, NUL included). */
#define MH_FS_PATH_MAX 4096
/* bytes: `listen` address text (INET6_ADDRSTRLEN is 46). */
#define MH_LISTEN_MAX 64
/* bytes: a user name (LOGIN_NAME_MAX on Linux is 256; useradd allows 32). */
#define MH_USER_MAX 64
/* count: workers = N; more event loops than this is a typo, not a machine. */
#define MH_WORKERS_MAX 256
/* count: listening sockets passed from one process to the next at a
 * restart (SIGUSR2, systemd's fd store): an HTTP and an HTTPS one for each
 * worker.  More passed than this: the rest are closed, and said so. */
#define MH_INHERIT_FDS_MAX (2 * MH_WORKERS_MAX)
/* seconds: how long the old process waits for its successor to serve
 * (config load, docroot, certificates) before it gives up on the restart,
 * stops the successor and keeps serving. */
#define MH_HANDOVER_TIMEOUT_SEC 30
/* seconds: how long `minihttpd --reload PID` waits for the server to say
 * how the reload went (loading a config and a certificate takes well
 * under a second; a server stuck longer is reported as such). */
#define MH_RELOAD_WAIT_SEC 30
/* milliseconds: how often it looks. */
#define MH_RELOAD_POLL_MS 50
/* count: fds in one FDSTORE=1 message (the kernel's SCM_MAX_FD is 253). */
#define MH_FDSTORE_BATCH 200
/* count: addresses and prefixes in `[status] allow` (a literal: it is
 * quoted in the error message). */
#define MH_STATUS_ALLOW_MAX 32
/* bytes: the status page, JSON or Prometheus text: the fixed figures
 * (under 2 KiB) and one line for each of the 500 status codes 100..599
 * (under 80 bytes each in either form), with room to spare. */
#define MH_STATUS_PAGE_MAX (64 * 1024)
/* count: [errors] pages and [headers] lines. */
#define MH_ERROR_PAGES_MAX   32
#define MH_EXTRA_HEADERS_MAX 32
/* bytes: a header value from the config ([headers], cache_control). */
#define MH_HEADER_VALUE_MAX 1024
/* bytes: an [errors] page path. */
#define MH_ERROR_PAGE_PATH_MAX 512
/* milliseconds: how long accepting pauses when accept() fails for want of
 * file descriptors (EMFILE/ENFILE), so a full process never spins. */
#define MH_ACCEPT_PAUSE_MS 100
/* seconds: the shortest interval between two log lines about one condition
 * (connection cap reached, out of file descriptors). */
#define MH_LOG_CONDITION_SEC 10
/* count: [mime] extension overrides. */
#define MH_MIME_OVERRIDES_MAX 256
/* seconds: upper bound of every *_timeout key (one day). */
#define MH_TIMEOUT_MAX 86400
/* count: upper bound of max_connections (the fd limit is the real cap). */
#define MH_CONNECTIONS_MAX 1000000

/* --- MIME --- */

/* bytes: the types_file (Debian's /etc/mime.types is about 60 KiB). */
#define MH_TYPES_FILE_MAX (4 * 1024 * 1024)
/* bytes: a file name extension, without the dot. */
#define MH_MIME_EXT_MAX 32
/* bytes: a Content-Type value, parameters included. */
#define MH_MIME_TYPE_MAX 128
/* count: entries in the extension table (Debian's has about 1,900). */
#define MH_MIME_ENTRIES_MAX 65536
/* count: slots of a worker's libmagic result cache (direct-mapped). */
#define MH_MIME_CACHE_SLOTS 1024
/* bytes: how much of a file libmagic looks at (enough for every type that
 * matters for a docs tree, and bounded per worker). */
#define MH_MAGIC_PREFIX 16384

/* --- logs --- */

/* bytes: one access-log line, newline included.  PIPE_BUF, so a line written
 * by one write() never interleaves with another worker's, even on a pipe.
 * Longer fields are cut with "..." (documented in minihttpd(8), FILES). */
#define MH_LOG_LINE_MAX 4096
/* bytes: the request target, referer and user agent in an access-log line,
 * after escaping; longer is cut to this with "..." at its end.  Three of
 * them, three short fields and the fixed text (206 bytes) fit MH_LOG_LINE_MAX;
 * in the JSON form, four short fields and 233 bytes (clf.c checks). */
#define MH_LOG_FIELD_MAX 1200
/* bytes: the client address, user and method fields (an IPv6 address is
 * 45), and in the JSON form the Host too. */
#define MH_LOG_SHORT_FIELD_MAX 64
/* bytes: a worker's access-log buffer; flushed when full and each second.
 * A flush stalls the worker's loop for its write(): about 100 us for 64 KiB
 * to ext4 here, which showed in the p99 latency under load (1.09 ms median
 * of 7 runs, against 0.94 ms with 16 KiB, at no measurable CPU cost). */
#define MH_LOG_BUFFER 16384
/* seconds: the period of each worker's tick (server.c on_tick()): the
 * longest a line for a regular file waits in a worker's buffer (to a
 * terminal or pipe each line goes at once), and how often the worker
 * re-opens its docroot directory, so a docroot that is a symlink switched
 * to a new release is followed within it (minihttpd.conf(5), docroot). */
#define MH_LOG_FLUSH_SEC 1
/* bytes: one error-log message. */
#define MH_ERRLOG_LINE_MAX 1024

/* --- listings --- */

/* count: entries shown in one directory listing; more is a 500 with an
 * error-log line, never an unbounded page. */
#define MH_AUTOINDEX_ENTRIES_MAX 10000

/* count: openat2() calls for one open that fail with EAGAIN (a rename
 * elsewhere raced with a ".." in the path) before the open walks the
 * path instead.  Each retry costs one system call. */
#define MH_OPENAT2_RETRIES 4

/* --- the docroot where openat2() is missing (docroot.c's walk) --- */

/* count: symlinks one open follows; the next one is ELOOP (403).  The
 * kernel's MAXSYMLINKS, so the walk refuses what openat2() refuses. */
#define MH_DOCROOT_SYMLINKS_MAX 40
/* count: directories below the docroot one open passes through, each held
 * open (an O_PATH fd) until the open is done, so a ".." from a symlink's
 * target can go back to it: a file deeper than this is 404 (ENAMETOOLONG)
 * where openat2() is missing, which has no such bound.  A docs tree is
 * rarely 10 deep; it bounds the transient fds of one open. */
#define MH_DOCROOT_DEPTH_MAX 64
/* bytes: what the walk has left to resolve, NUL included: the request path
 * with each symlink's target put in front of the rest; longer is
 * ENAMETOOLONG (404).  Twice PATH_MAX: a request path as long as openat2()
 * takes (under PATH_MAX) behind a target as long as a symlink holds. */
#define MH_DOCROOT_WALK_PATH_MAX (2 * 4096)

/* --- _redirects files --- */

/* bytes: one _redirects file; the caller reads at most one byte more, and
 * what lies past this is reported (FILE:LINE) and ignored.  A file of 10,000
 * rules of 100 bytes fits; a docs upload is never read without bound. */
#define MH_REDIRECTS_FILE_MAX (1024 * 1024)
/* count: rules kept from one _redirects file; the first rule past it is
 * reported and the rest of the file ignored.  Bounds the memory of a file's
 * rules (about 40 bytes each, plus the text) and the patterned rules tried
 * per request. */
#define MH_REDIRECTS_RULES_MAX 10000
/* bytes: one line of a _redirects file, its line ending excluded; a longer
 * line is a bad line.  A target URL is one Location value: this is far
 * below MH_URL_PATH_MAX, and two fields fit in a log line. */
#define MH_REDIRECTS_LINE_MAX 2048
/* count: placeholders (:name segments and the final *) in one rule's
 * `from`; more is a bad line.  Matching keeps their values on the stack. */
#define MH_REDIRECTS_PLACEHOLDERS_MAX 8

/* --- HTTPS (tls.c, body.c) --- */

/* bytes: a certificate or key file ([tls] certificate, key); larger is an
 * error.  A full chain of four RSA 4096 certificates is about 10 KiB; a
 * file this large is a CA bundle given by mistake. */
#define MH_TLS_PEM_FILE_MAX (256 * 1024)
/* count: certificates in the certificate file, the leaf included; more is
 * an error.  A chain is 2 to 4 long (leaf, intermediates). */
#define MH_TLS_CHAIN_MAX 10
/* count: sessions a worker's TLS context keeps for resumption by session
 * ID (TLS 1.2; OpenSSL caches each TLS 1.2 full handshake's session, even
 * when it also issues a ticket).  About 1 KiB each: 1 MiB per worker at
 * most; when full the oldest goes.  TLS 1.3 and clients with tickets need
 * no cache entry. */
#define MH_TLS_SESSION_CACHE 1024
/* seconds: how long a session can be resumed, by ID or by ticket (the
 * ticket's lifetime hint); an hour, as a browser's burst of visits to a
 * docs site lasts. */
#define MH_TLS_SESSION_TIMEOUT_SEC 3600
/* seconds: how long one session-ticket key encrypts tickets; then it only
 * decrypts them for as long again, then it is erased (forward secrecy of
 * resumed TLS 1.2 sessions).  Not below MH_TLS_SESSION_TIMEOUT_SEC, so
 * every ticket in its lifetime can be decrypted (tls.c checks). */
#define MH_TLS_TICKET_ROTATE_SEC 3600
/* count: ticket-key rotations one tls_ctx_tick() catches up after the
 * clock jumped forward (one SHA-256 each, about 0.1 s for all); the rest
 * is done by the ticks that follow. */
#define MH_TLS_TICKET_CATCHUP_MAX 100000
/* bytes: a certificate's subject as text ("CN=docs.example, O=Example"),
 * for -t and the error log; a longer one is reported as too long. */
#define MH_TLS_SUBJECT_MAX 1024

/* bytes: over TLS a file is not sent with sendfile() but read into the
 * connection's output this much at a time, as it drains (body.c), so a slow
 * reader of a large file holds about twice this per connection, plus
 * OpenSSL's record buffers.  Big enough for few reads per MiB. */
#define MH_TLS_FEED_CHUNK (64 * 1024)
/* days: a certificate expiring within this is logged as a warning at start
 * and at each reload (certbot renews at 30 days left). */
#define MH_TLS_EXPIRY_WARN_DAYS 14

/* --- access control ([access], access.c, htpasswd.c, authcheck.c) --- */

/* count: [access /prefix/] sections besides [access]; each is one more
 * candidate in the longest-prefix match of every request. */
#define MH_ACCESS_RULES_MAX 64
/* bytes: the path prefix of an [access /prefix/] section, NUL excluded. */
#define MH_ACCESS_PREFIX_MAX 1024
/* count: addresses and CIDR blocks in all allow and trusted_proxies lists
 * of one config together (each is 17 bytes; a list is matched in order,
 * so a few hundred is the sensible end). */
#define MH_CIDRS_MAX 4096
/* bytes: one address or CIDR block as text ("ffff:...:ffff/128"). */
#define MH_CIDR_TEXT_MAX 64
/* bytes: a realm, as sent in WWW-Authenticate. */
#define MH_REALM_MAX 128
/* count: distinct auth_file paths in one config. */
#define MH_AUTH_FILES_MAX 16
/* bytes: an htpasswd file (a user is one line of about 80 bytes). */
#define MH_HTPASSWD_FILE_MAX (1024 * 1024)
/* count: users in one htpasswd file. */
#define MH_HTPASSWD_USERS_MAX 10000
/* bytes: a user name, in htpasswd and in credentials (htpasswd allows 255). */
#define MH_AUTH_USER_MAX 255
/* bytes: a password in credentials (bcrypt reads only the first 72). */
#define MH_AUTH_PASSWORD_MAX 255
/* bytes: a password hash in htpasswd: bcrypt is 60, SHA-512-crypt with
 * rounds= 123, yescrypt with its default parameters 73. */
#define MH_AUTH_HASH_MAX 160
/* count: verifications of passwords waiting for the verifier threads,
 * in the whole process; a request past it gets 503 with Retry-After (a
 * storm of guesses must not queue up minutes of hashing). */
#define MH_AUTH_QUEUE_MAX 32
/* count: threads that verify passwords, one per two CPUs up to this: a
 * storm of guesses leaves the other half to the event loops. */
#define MH_AUTH_THREADS_MAX 4
/* count: verified credentials each worker remembers (least recently
 * verified go first). */
#define MH_AUTH_CACHE_MAX 1024
/* seconds: how long a worker remembers a verified credential; a change
 * of the htpasswd file forgets them all at once. */
#define MH_AUTH_CACHE_SEC 300
/* seconds: how long a worker remembers that a credential was wrong (the
 * same wrong password again costs no second hash meanwhile). */
#define MH_AUTH_FAIL_CACHE_SEC 10
/* count: X-Forwarded-For addresses looked at from the right; a chain of
 * trusted proxies longer than this ends the walk at the last one seen. */
#define MH_XFF_HOPS_MAX 16

/* --- compression ([compress], compress.c, zcache.c) --- */

/* fds: what one slot of the open-file cache may hold: the file, and per
 * coding (gzip, br, zstd) either its sidecar or the server's copy. */
#define MH_FCACHE_FDS_PER_SLOT 4
/* count: media types in [compress] types; the default lists 9. */
#define MH_COMPRESS_TYPES_MAX 32
/* bytes: files larger than this are sent as they are: a copy of a file
 * this size takes about 10 s to make at the default levels, and the cache
 * should hold many copies, not a few huge ones. */
#define MH_COMPRESS_FILE_MAX (64 * 1024 * 1024)
/* bytes: the largest cache_size (1 TiB), and the smallest (64 KiB): below
 * it hardly a copy fits. */
#define MH_ZCACHE_SIZE_MAX (1024ULL * 1024 * 1024 * 1024)
#define MH_ZCACHE_SIZE_MIN (64 * 1024)
/* threads: the compression pool.  Two keep one big file from holding up
 * every other, and leave the event loops most of a small machine's cores. */
#define MH_ZCACHE_THREADS 2
/* count: files waiting for a compression thread.  A request that finds it
 * full is sent as it is and asks again next time.  A waiting job holds no
 * fd, only its path (up to MH_URL_PATH_MAX + MH_FS_PATH_MAX bytes).  A
 * browser on a Sphinx search page asks for a hundred pages at once. */
#define MH_ZCACHE_QUEUE_MAX 256
/* fds: what the compression pool holds at most: per thread the docroot
 * (while opening), the file and the copy being written (or a copy being
 * checked); plus the cache directory. */
#define MH_ZCACHE_FDS (3 * MH_ZCACHE_THREADS + 1)
/* seconds: a temporary file in cache_dir untouched this long is left from
 * a crash and removed at start; a younger one may be another minihttpd's
 * (an old one handing over its sockets) copy being written. */
#define MH_ZCACHE_TEMP_STALE_SEC 3600
/* count: copies (and versions found not worth compressing) the cache
 * tracks; past it, new versions are sent as they are until copies are
 * evicted.  About 100 bytes of memory each. */
#define MH_ZCACHE_ENTRIES_MAX 65536
/* bytes: what an encoder reads from the file and writes to the copy at a
 * time (twice this in buffers per thread, plus the encoder's state). */
#define MH_COMPRESS_CHUNK (64 * 1024)
/* Levels, chosen by measuring Python's 3.5 MiB searchindex.js on one core
 * (docs/performance.md): gzip -9 (zlib; zopfli would be smaller but far
 * slower); brotli 11 with a 4 MiB window up to MH_COMPRESS_SMALL bytes
 * (about 0.7 s a MiB), 10 with a 128 KiB window up to MH_COMPRESS_MEDIUM
 * (a 4 MiB file in about 1.6 s, within 8 % of brotli -q 11), and 9 above;
 * zstd 19 up to MH_COMPRESS_MEDIUM, 12 above. */
#define MH_COMPRESS_GZIP_LEVEL        9
#define MH_COMPRESS_SMALL             (1024 * 1024)
#define MH_COMPRESS_MEDIUM            (8 * 1024 * 1024)
#define MH_COMPRESS_BR_SMALL_QUALITY  11
#define MH_COMPRESS_BR_SMALL_WINDOW   22
#define MH_COMPRESS_BR_MEDIUM_QUALITY 10
#define MH_COMPRESS_BR_MEDIUM_WINDOW  17
#define MH_COMPRESS_BR_LARGE_QUALITY  9
#define MH_COMPRESS_BR_LARGE_WINDOW   22
#define MH_COMPRESS_ZSTD_LEVEL        19
#define MH_COMPRESS_ZSTD_LARGE_LEVEL  12

/* --- errors --- */

/* bytes: one error message carried to the user (FILE:LINE: text). */
#define MH_ERROR_MAX (MH_FS_PATH_MAX + 256)

#endif
