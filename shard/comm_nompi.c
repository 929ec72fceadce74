/*
 * comm_nompi.c - the communicator of a build without MPI: always one process.
 */
#include "comm.h"

#include <stdlib.h>

bool quire_comm_have_mpi(void)
{
    return false;
}

int quire_comm_mpi_start(quire_comm *c, int *argc, char ***argv, bool *started)
{
    (void)c;
    (void)argc;
    (void)argv;
    *started = false;
    return QUIRE_OK;
}

void quire_comm_mpi_finish(quire_comm *c)
{
    (void)c;
}

void quire_comm_mpi_abort(int code)
{
    exit(code);
}

int quire_comm_mpi_sum(uint64_t *v, size_t n)
{
    (void)v;
    (void)n;
    return QUIRE_OK;
}

int quire_comm_mpi_gather(const quire_comm *c, const quire_buf *mine, quire_buf *all,
                          uint64_t *lens)
{
    (void)c;
    (void)mine;
    (void)all;
    (void)lens;
    return quire_error(QUIRE_EINVAL, "built without MPI");
}

int quire_comm_mpi_bcast(const quire_comm *c, quire_buf *b)
{
    (void)c;
    (void)b;
    return QUIRE_OK;
}

int quire_comm_mpi_exchange(const quire_comm *c, const quire_buf *send, quire_buf *recv)
{
    (void)c;
    (void)send;
    (void)recv;
    return quire_error(QUIRE_EINVAL, "built without MPI");
}
