/* config.h - minihttpd's configuration: one validated, immutable struct.
 *
 * config_load() is the only way to make one, for start-up, for -t and for
 * SIGHUP alike.  A loaded config is never changed; a reload makes a new one
 * and the server swaps it in. */
#ifndef MH_CONFIG_H
#define MH_CONFIG_H

#include <stdbool.h>

#include <sys/stat.h>

#include "access.h"
#include "bounds.h"
#include "encoding.h"
#include "headers.h"
#include "htpasswd.h"
#include "mimetab.h"
#include "statusacl.h"

#define MH_DEFAULT_CONFIG "/etc/minihttpd.conf"

struct mh_error {
    char msg[MH_ERROR_MAX]; /* "FILE:LINE: what is wrong", or "minihttpd: ..." */
};

/* Format a message into err; one longer than MH_ERROR_MAX is cut with
 * "..." (never inside a UTF-8 character), never silently. */
void mh_error_set(struct mh_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Command-line values that override the file's (NULL: not given). */
struct mh_overrides {
    const char *docroot; /* -r */
    const char *port;    /* -p */
    const char *listen;  /* -l */
    const char *cwd;     /* relative paths are resolved against it: the
                            directory start-up ran in (NULL: the current one) */
};

struct mh_error_page {
    unsigned status;                   /* 400..599 */
    char path[MH_ERROR_PAGE_PATH_MAX]; /* normalised, "/404.html" */
    bool nearest; /* written without a leading '/': path is looked for in
                     the request's directory, then each parent */
};

/* [compress] encodings: ENC_I_* codings, preferred first; n 0 for "off". */
struct mh_encodings {
    unsigned char order[ENC_CODINGS];
    unsigned n;
};

/* [compress] types: media types without parameters, lower case. */
struct mh_types {
    char type[MH_COMPRESS_TYPES_MAX][MH_MIME_TYPE_MAX];
    unsigned n;
};

struct mh_config {
    char source[MH_FS_PATH_MAX]; /* the file read; "" when built-in defaults */
    char listen[MH_LISTEN_MAX];
    unsigned port;
    char docroot[MH_FS_PATH_MAX]; /* absolute; symlinks are followed per request */
    char index[MH_INDEX_NAMES_MAX][MH_INDEX_NAME_MAX + 1];
    unsigned n_index;
    bool autoindex;
    bool hide_dotfiles;                      /* 404 for /.x, except /.well-known */
    bool clean_urls;                         /* /guide serves guide.html */
    bool redirects;                          /* _redirects files apply */
    char cache_control[MH_HEADER_VALUE_MAX]; /* "" : no Cache-Control */
    unsigned workers;                        /* 0: auto, one per CPU */
    char user[MH_USER_MAX];                  /* "" : no privilege drop */
    unsigned user_line;                      /* where user was set, for errors */
    char pid_file[MH_FS_PATH_MAX];           /* absolute */
    unsigned keepalive_timeout;              /* seconds */
    unsigned request_timeout;                /* seconds */
    unsigned send_timeout;                   /* seconds */
    unsigned max_connections;
    bool max_connections_set;        /* in the file: a cut by the fd limit is logged */
    char access_log[MH_FS_PATH_MAX]; /* absolute path, "-" or "off" */
    bool access_log_off;             /* access_log is "off" */
    bool access_json;                /* access_format = json */
    unsigned error_level;            /* error_level: 0 error ... 4 debug (log.h) */
    char error_log[MH_FS_PATH_MAX];  /* absolute path or "-" */
    char types_file[MH_FS_PATH_MAX];
    char default_type[MH_MIME_TYPE_MAX];
    struct mh_error_page error_pages[MH_ERROR_PAGES_MAX]; /* [errors] */
    unsigned n_error_pages;
    struct mh_header headers[MH_EXTRA_HEADERS_MAX]; /* [headers] */
    unsigned n_headers;
    bool tls;                             /* a [tls] section: HTTPS on tls_port */
    char tls_certificate[MH_FS_PATH_MAX]; /* absolute; PEM, full chain */
    char tls_key[MH_FS_PATH_MAX];         /* absolute */
    unsigned tls_line[2];                 /* where certificate and key were set */
    unsigned tls_port;
    bool tls_redirect_http;             /* plain-HTTP requests: 301 to https:// */
    char tls_hsts[MH_HEADER_VALUE_MAX]; /* Strict-Transport-Security; "": none */
    struct access_rules access;         /* [access] sections */
    struct htpasswd *auth_sets[MH_AUTH_FILES_MAX]; /* access.auth_files, as read */
    struct stat auth_sig[MH_AUTH_FILES_MAX];       /* which versions of them */
    struct mh_encodings compress_encodings;        /* [compress]: on-the-fly codings */
    struct mh_types compress_types;                /* media types compressed */
    unsigned compress_min_size;        /* bytes; smaller files go as they are */
    char cache_dir[MH_FS_PATH_MAX];    /* absolute; "": a private one in $TMPDIR */
    unsigned long long cache_size;     /* bytes, bound on cache_dir's copies */
    unsigned cache_dir_line;           /* where cache_dir was set (0: default) */
    char status_path[MH_URL_PATH_MAX]; /* [status] path; "": off */
    struct statusacl status_allow;     /* [status] allow */
    struct mimetab types;              /* from types_file */
    struct mimetab overrides;          /* from [mime] extension keys */
};

/* Load `path` (NULL: MH_DEFAULT_CONFIG, and built-in defaults when it does
 * not exist), apply `ov`, validate everything, and return a new config, or
 * NULL with err filled.  Checks values, the docroot (a readable directory),
 * the types file and that the log files can be opened or created.  Nothing
 * it opens can block: a log that is a FIFO needs a reader, a config or types
 * file that is a FIFO is refused.  Text from the file quoted in err is
 * escaped (buf_escape_str). */
struct mh_config *config_load(const char *path, const struct mh_overrides *ov,
                              struct mh_error *err);

void config_free(struct mh_config *cfg);

/* path made absolute against dir (NULL: the working directory) into out
 * (cap bytes); an absolute path, "-" and "off" are copied.  False when it
 * does not fit or the working directory cannot be had. */
bool config_absolute(const char *path, const char *dir, char *out, size_t cap);

/* Whether a log can be written at path (absolute): it opens for appending
 * without blocking (a FIFO needs a reader), or it does not exist and its
 * directory (or, for a missing directory, the parent start-up creates it
 * in) is writable.  NULL when it can; else why not, in why (cap bytes,
 * paths escaped).  As whoever calls it: daemon.c calls it as the user. */
const char *config_log_problem(const char *path, char *why, size_t cap);

/* The name to show for cfg's source: its path, or "(built-in defaults)". */
const char *config_name(const struct mh_config *cfg);

/* The Content-Type for a file extension from the overrides and the types file,
 * or NULL when the extension is unknown. */
const char *config_mime_lookup(const struct mh_config *cfg, const char *ext,
                               size_t len);

/* Whether files of Content-Type type (parameters ignored, any case) are
 * compressed on the fly: [compress] types lists it. */
bool config_compress_type(const struct mh_config *cfg, const char *type);

/* Whether path can be the cache directory: an existing directory this
 * process may write and search, or a missing one whose parent it may
 * write (start-up creates it).  NULL when it can; else why not, in why
 * (cap bytes, the path escaped). */
const char *config_cache_dir_problem(const char *path, char *why, size_t cap);

/* "FILE:LINE: cache_dir", or "FILE: cache_dir (built-in default)", for
 * cfg's cache_dir, into out (cap bytes). */
void config_cache_dir_where(const struct mh_config *cfg, char *out, size_t cap);

/* The [errors] page for a status, or NULL. */
const struct mh_error_page *config_error_page(const struct mh_config *cfg, int status);

/* Read and parse the htpasswd file at path into *out (the caller frees it
 * with htpasswd_free), the version read into *sig: 0, or -1 with
 * "PATH:LINE: ..." (or "PATH: ...") in err. */
int config_read_htpasswd(const char *path, struct htpasswd **out, struct stat *sig,
                         struct mh_error *err);

/* Resolve cfg->user: 0 when unset or found, -1 with "FILE:LINE: ..." in err. */
int config_check_user(const struct mh_config *cfg, struct mh_error *err);

/* The first key whose value differs between a and b and that a reload cannot
 * change (the key table's restart-only keys: listen, port, workers, user,
 * pid_file, max_connections, [tls] port; and "[tls]" when one has the
 * section and the other not), or NULL when b can replace a. */
const char *config_restart_key(const struct mh_config *a, const struct mh_config *b);

/* The key table, for the checks that the documentation and the shipped
 * files name every key (tests/unit/test_config.c). */
struct mh_key_info {
    const char *section; /* "server", "log", "mime", "tls", "compress" */
    const char *key;
    const char *def; /* the built-in default, as a file would write it */
    bool restart;    /* a reload changing it is refused */
};

size_t config_key_count(void);
/* Key i < config_key_count(); all NULL past the end. */
struct mh_key_info config_key_at(size_t i);
/* Section i, without brackets ("server" ... "headers"), or NULL past the end. */
const char *config_section_at(size_t i);

#endif
