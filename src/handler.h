/* handler.h - answer one HTTP request from the docroot. */
#ifndef MH_HANDLER_H
#define MH_HANDLER_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "config.h"
#include "mime.h"
#include "precond.h"
#include "response.h"

struct evhttp_request;
struct conn;

/* A worker's request-handling state; one per event loop, never shared. */
struct handler_ctx {
    const struct mh_config *cfg; /* the worker's current config */
    struct mime_ctx *mime;
    int rootfd;     /* O_PATH fd of cfg->docroot, refreshed each second */
    dev_t root_dev; /* which directory rootfd is */
    ino_t root_ino;
    struct fcache *files;   /* open files, trusted for at most a second */
    struct conn *conn;      /* the connection of the request being handled */
    time_t now;             /* the current request's time */
    time_t root_err_logged; /* when a failing docroot was last logged */
    bool stopping;          /* shutting down: answer with Connection: close */
    time_t date_sec;        /* the second `date` was formatted for */
    char date[HTTPDATE_LEN];
    struct response head;   /* the head of the response being built */
    bool close;             /* ...which ends the connection */
    struct response common; /* Date, Server, [headers]: every response's */
    time_t common_sec;      /* the second `common` was built for; 0: rebuild */
    char head_mem[MH_RESPONSE_HEAD_MAX];
    char common_mem[MH_RESPONSE_HEAD_MAX];
};

/* Set up (rootfd, file cache) and tear down a context; 0 or -1. */
int handler_init(struct handler_ctx *h, unsigned cache_slots);
void handler_free(struct handler_ctx *h);

/* Answer one request (a conn_request_fn); arg is the worker's struct
 * handler_ctx. */
void handler_request(struct evhttp_request *req, struct conn *c, void *arg);

/* Once a second: re-open the docroot (a swapped symlink is followed). */
void handler_tick(struct handler_ctx *h);

/* Point the context at a new config (after a reload); 0 or -1. */
int handler_set_config(struct handler_ctx *h, const struct mh_config *cfg);

#endif
