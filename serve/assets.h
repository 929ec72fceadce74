/*
 * assets.h - the search page's files, built into the binary from serve/page/ by
 * cmake/embed.cmake (assets.c is generated in the build tree), so quire-serve reads no
 * file to serve them.
 */
#ifndef SERVE_ASSETS_H
#define SERVE_ASSETS_H

#include <stddef.h>

typedef struct serve_asset {
    const char *path;         /* as requested: "/app.js" */
    const char *content_type; /* with charset */
    const unsigned char *data;
    size_t len; /* bytes */
} serve_asset;

/* The asset served at `path`, or NULL. "/" is "/index.html". */
const serve_asset *serve_asset_find(const char *path);

#endif
