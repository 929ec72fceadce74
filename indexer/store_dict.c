/*
 * store_dict.c - the run's stored-text dictionary, published once (see store_dict.h).
 */
#include "store_dict.h"

#include "quire/segment.h"
#include "quire/status.h"

void store_dict_init(store_dict *d)
{
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->state = STORE_DICT_PENDING;
    d->bytes = (quire_buf)QUIRE_BUF_INIT;
}

void store_dict_free(store_dict *d)
{
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    quire_buf_free(&d->bytes);
}

static void publish(store_dict *d, int state)
{
    pthread_mutex_lock(&d->mu);
    if (d->state == STORE_DICT_PENDING)
        d->state = state;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

int store_dict_train(store_dict *d, const uint8_t *text, size_t len)
{
    pthread_mutex_lock(&d->mu);
    int state = d->state;
    pthread_mutex_unlock(&d->mu);
    if (state != STORE_DICT_PENDING)
        return QUIRE_OK;
    /* only the first batch's worker trains: nobody reads bytes until it is published */
    int rc = quire_store_dict_train(&d->bytes, text, len);
    publish(d, rc == QUIRE_OK ? STORE_DICT_READY : STORE_DICT_FAILED);
    return rc;
}

void store_dict_fail(store_dict *d)
{
    publish(d, STORE_DICT_FAILED);
}

int store_dict_wait(store_dict *d, quire_bytes *out)
{
    pthread_mutex_lock(&d->mu);
    while (d->state == STORE_DICT_PENDING)
        pthread_cond_wait(&d->cv, &d->mu);
    int state = d->state;
    pthread_mutex_unlock(&d->mu);
    *out = quire_bytes_of(d->bytes.data, d->bytes.len);
    return state == STORE_DICT_READY
               ? QUIRE_OK
               : quire_error(QUIRE_EINVAL, "the run's first batch failed before its dictionary");
}
