/*
 * comm.c - the communicator's dispatch, and the one-process case (every collective an
 * identity, or a copy).
 */
#include "comm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int quire_comm_start(quire_comm **out, int *argc, char ***argv)
{
    *out = NULL;
    quire_comm *c = quire_calloc(1, sizeof *c);
    if (c == NULL)
        return quire_error(QUIRE_ENOMEM, "out of memory");
    c->rank = 0;
    c->size = 1;
    bool started = false;
    const int rc = quire_comm_mpi_start(c, argc, argv, &started);
    if (rc != QUIRE_OK) {
        quire_free(c);
        return rc;
    }
    c->is_mpi = started;
    *out = c;
    return QUIRE_OK;
}

void quire_comm_finish(quire_comm *c)
{
    if (c == NULL)
        return;
    if (c->is_mpi)
        quire_comm_mpi_finish(c);
    quire_free(c);
}

void quire_comm_abort(const quire_comm *c, int code)
{
    if (c != NULL && c->is_mpi)
        quire_comm_mpi_abort(code);
    exit(code);
}

uint32_t quire_comm_rank(const quire_comm *c)
{
    return c->rank;
}

uint32_t quire_comm_size(const quire_comm *c)
{
    return c->size;
}

const char *quire_comm_kind(const quire_comm *c)
{
    return c->is_mpi ? "mpi" : "single";
}

int quire_comm_sum(const quire_comm *c, uint64_t *v, size_t n)
{
    return c->is_mpi ? quire_comm_mpi_sum(v, n) : QUIRE_OK;
}

int quire_comm_gather(const quire_comm *c, const quire_buf *mine, quire_buf *all, uint64_t *lens)
{
    if (c->is_mpi)
        return quire_comm_mpi_gather(c, mine, all, lens);
    quire_buf_put(all, mine->data, mine->len);
    lens[0] = mine->len;
    return all->err ? quire_error(QUIRE_ENOMEM, "out of memory") : QUIRE_OK;
}

int quire_comm_bcast(const quire_comm *c, quire_buf *b)
{
    return c->is_mpi ? quire_comm_mpi_bcast(c, b) : QUIRE_OK;
}

int quire_comm_exchange(const quire_comm *c, const quire_buf *send, quire_buf *recv)
{
    if (c->is_mpi)
        return quire_comm_mpi_exchange(c, send, recv);
    quire_buf_put(&recv[0], send[0].data, send[0].len);
    return recv[0].err ? quire_error(QUIRE_ENOMEM, "out of memory") : QUIRE_OK;
}

/* Every process passes its rc; all return QUIRE_OK if every one was, else an error: on
 * process 0, its own if it failed (a query's syntax error is the same everywhere, with its
 * offset), else the first failed process's code and message. Collective. */
int quire_comm_agree(const quire_comm *comm, int rc)
{
    uint64_t failed = rc != QUIRE_OK;
    int crc = quire_comm_sum(comm, &failed, 1);
    if (crc != QUIRE_OK)
        return crc;
    if (failed == 0)
        return QUIRE_OK;
    const uint32_t size = quire_comm_size(comm);
    quire_buf mine = QUIRE_BUF_INIT, all = QUIRE_BUF_INIT;
    if (rc != QUIRE_OK) {
        const char *msg = quire_errmsg();
        quire_buf_put_le32(&mine, (uint32_t)-rc);
        quire_buf_put(&mine, msg, strlen(msg));
    }
    char saved[2048];
    snprintf(saved, sizeof saved, "%s", rc != QUIRE_OK ? quire_errmsg() : "");
    uint64_t *lens = quire_calloc(size, sizeof *lens);
    if (lens == NULL)
        quire_comm_abort(comm, 2);
    crc = quire_comm_gather(comm, &mine, &all, lens);
    int out = rc != QUIRE_OK ? rc : QUIRE_EIO;
    if (crc != QUIRE_OK) {
        out = crc;
    } else if (rc != QUIRE_OK) {
        (void)quire_error(rc, "%s", saved);
    } else if (quire_comm_rank(comm) == 0) {
        uint64_t at = 0;
        for (uint32_t r = 0; r < size; r++) {
            if (lens[r] >= 4) {
                out = -(int)quire_load_le32(all.data + at);
                (void)quire_error(out, "%.*s", (int)(lens[r] - 4), all.data + at + 4);
                break;
            }
            at += lens[r];
        }
    } else {
        (void)quire_error(out, "another process of the shard set failed");
    }
    quire_free(lens);
    quire_buf_free(&mine);
    quire_buf_free(&all);
    return out;
}
