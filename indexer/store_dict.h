/*
 * store_dict.h - the run's stored-text dictionary (FORMAT.md "Stored text", format 4): trained
 * once on the text of the run's first batch, by the worker that analyses it, and then used by
 * every worker to compress its blocks and given to every segment the run writes, so that the
 * index does not depend on the number of workers.
 */
#ifndef QUIRE_STORE_DICT_H
#define QUIRE_STORE_DICT_H

#include <pthread.h>
#include <stdbool.h>

#include "quire/bytes.h"

typedef struct store_dict {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state; /* STORE_DICT_* */
    quire_buf bytes;
} store_dict;

enum { STORE_DICT_PENDING, STORE_DICT_READY, STORE_DICT_FAILED };

void store_dict_init(store_dict *d);
void store_dict_free(store_dict *d);
/* Train on `text` (the first batch's stored text) and publish the result, unless it is
 * published already; wakes the waiters. */
QUIRE_MUST_CHECK int store_dict_train(store_dict *d, const uint8_t *text, size_t len);
/* The first batch could not be analysed: waiters stop waiting (and fail). */
void store_dict_fail(store_dict *d);
/* Wait until the dictionary is published; *out is it (empty: none). QUIRE_EINVAL if it
 * failed. */
QUIRE_MUST_CHECK int store_dict_wait(store_dict *d, quire_bytes *out);

#endif
