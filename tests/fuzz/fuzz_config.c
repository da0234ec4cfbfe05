/* fuzz_config.c - config_load() on arbitrary config files.
 *
 * Each input is written to a file in a scratch directory made once per
 * process and loaded with config_load().  "@T" in the input stands for that
 * directory, which holds a docroot (www/ with 404.html), a small types file
 * (mime.types) and a writable logs/ directory, so seeds can name paths that
 * load.  Checks: no crash, no leak (config_free, LSan); a refused file
 * always comes with a NUL-terminated, non-empty message; a loaded config
 * keeps every documented bound (absolute docroot, port 1..65535, counts
 * within bounds.h, NUL-terminated strings, [errors] paths absolute with a
 * status 400..599, timeouts and max_connections in range), and its lookups
 * work.
 *
 * config_load() opens the types file and the log paths; so that arbitrary
 * bytes cannot make it open a FIFO, a device or /proc file (or block on
 * one), this target is linked with -Wl,--wrap=open and opens only files in
 * the scratch directory and /etc/mime.types (others fail with EACCES, as a
 * file without permission would). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bounds.h"
#include "config.h"
#include "fuzz_common.h"

static const char *dir;
static char conf_path[MH_FS_PATH_MAX];

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    size_t n = dir ? strlen(dir) : 0;
    int inside =
        dir && !strncmp(path, dir, n) && path[n] == '/' && !strstr(path, "/..");
    if (!inside && strcmp(path, "/etc/mime.types") != 0) {
        errno = EACCES;
        return -1;
    }
    return __real_open(path, flags | O_NONBLOCK, mode);
}

static void setup(void)
{
    char p[MH_FS_PATH_MAX];
    static const char types[] = "text/html html htm\ntext/plain txt\n"
                                "image/png png\napplication/json json\n";
    static const char page[] = "<h1>not found</h1>\n";
    dir = fuzz_tmpdir("config");
    snprintf(p, sizeof(p), "%s/www", dir);
    FUZZ_CHECK(mkdir(p, 0755) == 0);
    snprintf(p, sizeof(p), "%s/logs", dir);
    FUZZ_CHECK(mkdir(p, 0755) == 0);
    snprintf(p, sizeof(p), "%s/www/404.html", dir);
    fuzz_write_file(p, page, sizeof(page) - 1);
    snprintf(p, sizeof(p), "%s/mime.types", dir);
    fuzz_write_file(p, types, sizeof(types) - 1);
    snprintf(conf_path, sizeof(conf_path), "%s/fuzz.conf", dir);
}

static int terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}
#define TERMINATED(field) terminated(field, sizeof(field))

static void check_config(const struct mh_config *c)
{
    FUZZ_CHECK(TERMINATED(c->source) && TERMINATED(c->listen) &&
               TERMINATED(c->docroot) && TERMINATED(c->cache_control) &&
               TERMINATED(c->user) && TERMINATED(c->pid_file) &&
               TERMINATED(c->access_log) && TERMINATED(c->error_log) &&
               TERMINATED(c->types_file) && TERMINATED(c->default_type));
    FUZZ_CHECK(c->docroot[0] == '/');
    FUZZ_CHECK(c->pid_file[0] == '/' && c->types_file[0] == '/');
    FUZZ_CHECK(c->port >= 1 && c->port <= 65535);
    FUZZ_CHECK(c->n_index <= MH_INDEX_NAMES_MAX);
    for (unsigned i = 0; i < c->n_index; i++)
        FUZZ_CHECK(TERMINATED(c->index[i]) && c->index[i][0] &&
                   !strchr(c->index[i], '/'));
    FUZZ_CHECK(c->workers <= MH_WORKERS_MAX);
    FUZZ_CHECK(c->keepalive_timeout >= 1 && c->keepalive_timeout <= MH_TIMEOUT_MAX);
    FUZZ_CHECK(c->request_timeout >= 1 && c->request_timeout <= MH_TIMEOUT_MAX);
    FUZZ_CHECK(c->send_timeout >= 1 && c->send_timeout <= MH_TIMEOUT_MAX);
    FUZZ_CHECK(c->max_connections >= 1 && c->max_connections <= MH_CONNECTIONS_MAX);
    FUZZ_CHECK(c->n_error_pages <= MH_ERROR_PAGES_MAX);
    for (unsigned i = 0; i < c->n_error_pages; i++) {
        const struct mh_error_page *e = &c->error_pages[i];
        FUZZ_CHECK(e->status >= 400 && e->status <= 599);
        FUZZ_CHECK(TERMINATED(e->path) && e->path[0] == '/');
        FUZZ_CHECK(!strstr(e->path, "/../") && !strstr(e->path, "//"));
        FUZZ_CHECK(config_error_page(c, (int)e->status) != NULL);
    }
    FUZZ_CHECK(c->n_headers <= MH_EXTRA_HEADERS_MAX);
    for (unsigned i = 0; i < c->n_headers; i++) {
        FUZZ_CHECK(TERMINATED(c->headers[i].name) && TERMINATED(c->headers[i].value));
        FUZZ_CHECK(c->headers[i].name[0] != '\0');
        FUZZ_CHECK(!strpbrk(c->headers[i].value, "\r\n"));
    }
    FUZZ_CHECK(!strpbrk(c->cache_control, "\r\n"));
    FUZZ_CHECK(config_error_page(c, 200) == NULL);
    const char *name = config_name(c);
    FUZZ_CHECK(name && name[0]);
    static const char *const exts[] = {"html", "txt", "png", "json", "x", ""};
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        const char *t = config_mime_lookup(c, exts[i], strlen(exts[i]));
        FUZZ_CHECK(!t || t[0]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir)
        setup();
    if (size > MH_CONFIG_FILE_MAX)
        return 0;
    /* the text with every "@T" replaced by the scratch directory */
    size_t dl = strlen(dir), n = 0;
    char *text = malloc(size * (dl > 2 ? dl : 2) + 1);
    FUZZ_CHECK(text != NULL);
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '@' && i + 1 < size && data[i + 1] == 'T') {
            memcpy(text + n, dir, dl);
            n += dl;
            i++;
        } else {
            text[n++] = (char)data[i];
        }
    }
    fuzz_write_file(conf_path, text, n);
    free(text);

    struct mh_error err;
    memset(err.msg, 'x', sizeof(err.msg));
    struct mh_config *cfg = config_load(conf_path, NULL, &err);
    if (!cfg) {
        FUZZ_CHECK(terminated(err.msg, sizeof(err.msg)));
        FUZZ_CHECK(err.msg[0] != '\0');
        return 0;
    }
    check_config(cfg);
    config_free(cfg);
    return 0;
}
