/*
 * size.h - sizes as people write them on a command line ("64M", "2G", "512KiB"): the one
 * parser of quire-index's --memory and --chunk and of bench_index's --memory.
 */
#ifndef QUIRE_SIZE_H
#define QUIRE_SIZE_H

#include <stddef.h>

#include "quire/status.h"

/* Parse `s`: a positive number (decimals allowed: "1.5G"), then an optional unit k, M or G
 * (either case; powers of 1024), then an optional "i" and an optional "B" or "b" ("64M",
 * "64MiB", "64MB", "65536k"; a bare number is bytes). The value must be at least `min`
 * bytes and at most 10^15. *out is set only on success.
 * @return QUIRE_OK; QUIRE_EINVAL (message: the text and what is wrong with it). */
QUIRE_MUST_CHECK int quire_parse_size(const char *s, size_t min, size_t *out);

#endif
