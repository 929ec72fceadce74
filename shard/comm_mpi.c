/*
 * comm_mpi.c - the communicator over MPI (built when CMake finds MPI): MPI_COMM_WORLD,
 * initialised only when a launcher started this process, byte payloads as MPI_BYTE.
 * MPI counts are ints: a payload over INT_MAX bytes in one operation is refused
 * (QUIRE_ELIMIT), which the callers' round sizes stay far below.
 */
#include "comm.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

bool quire_comm_have_mpi(void)
{
    return true;
}

/* Whether an MPI launcher (Open MPI's mpirun, a PMI or PMIx one: Slurm's srun, MPICH's
 * hydra) started this process. */
static bool launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]) != NULL)
            return true;
    return false;
}

static int mpi_failed(int err, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(err, msg, &len) != MPI_SUCCESS)
        len = 0;
    msg[len] = '\0';
    return quire_error(QUIRE_EIO, "MPI %s: %s", what, len > 0 ? msg : "error");
}

int quire_comm_mpi_start(quire_comm *c, int *argc, char ***argv, bool *started)
{
    *started = false;
    if (!launched())
        return QUIRE_OK;
    int provided = 0, rank = 0, size = 1;
    int err = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "init");
    /* Errors come back to us (and are reported naming the operation) rather than ending
     * the job with MPI's own message. */
    err = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (err == MPI_SUCCESS)
        err = MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (err == MPI_SUCCESS)
        err = MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "init");
    c->rank = (uint32_t)rank;
    c->size = (uint32_t)size;
    *started = true;
    return QUIRE_OK;
}

void quire_comm_mpi_finish(quire_comm *c)
{
    (void)c;
    (void)MPI_Finalize();
}

void quire_comm_mpi_abort(int code)
{
    (void)MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

int quire_comm_mpi_sum(uint64_t *v, size_t n)
{
    if (n > INT_MAX)
        return quire_error(QUIRE_ELIMIT, "MPI sum of %zu counters", n);
    const int err = MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return err == MPI_SUCCESS ? QUIRE_OK : mpi_failed(err, "allreduce");
}

static int too_big(size_t n, const char *what)
{
    return quire_error(QUIRE_ELIMIT, "MPI %s of %zu bytes (at most %d in one operation)", what, n,
                       INT_MAX);
}

int quire_comm_mpi_gather(const quire_comm *c, const quire_buf *mine, quire_buf *all,
                          uint64_t *lens)
{
    const uint32_t size = c->size;
    uint64_t len = mine->len;
    /* Every process learns every length, so all agree on whether the gather can be done. */
    int err = MPI_Allgather(&len, 1, MPI_UINT64_T, lens, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "gather");
    uint64_t total = 0;
    for (uint32_t r = 0; r < size; r++)
        total += lens[r];
    if (total > INT_MAX)
        return too_big(total, "gather");
    int *counts = quire_calloc(size, sizeof *counts);
    int *displs = quire_calloc(size, sizeof *displs);
    if (counts == NULL || displs == NULL || (c->rank == 0 && !quire_buf_reserve(all, total + 1)))
        quire_comm_mpi_abort(2); /* the others would wait for us forever */
    uint64_t at = 0;
    for (uint32_t r = 0; r < size; r++) {
        counts[r] = (int)lens[r];
        displs[r] = (int)at;
        at += lens[r];
    }
    err = MPI_Gatherv(mine->data, (int)len, MPI_BYTE, c->rank == 0 ? all->data + all->len : NULL,
                      counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    quire_free(counts);
    quire_free(displs);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "gatherv");
    if (c->rank == 0)
        all->len += total;
    return QUIRE_OK;
}

int quire_comm_mpi_bcast(const quire_comm *c, quire_buf *b)
{
    uint64_t len = b->len;
    int err = MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "bcast");
    if (len > INT_MAX)
        return too_big(len, "bcast");
    if (c->rank != 0) {
        b->len = 0;
        if (!quire_buf_reserve(b, len > 0 ? len : 1))
            return quire_error(QUIRE_ENOMEM, "out of memory");
        b->len = len;
    }
    err = MPI_Bcast(b->data, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
    return err == MPI_SUCCESS ? QUIRE_OK : mpi_failed(err, "bcast");
}

int quire_comm_mpi_exchange(const quire_comm *c, const quire_buf *send, quire_buf *recv)
{
    const uint32_t size = c->size;
    uint64_t *out_len = quire_calloc(size, sizeof *out_len);
    uint64_t *in_len = quire_calloc(size, sizeof *in_len);
    int *sc = quire_calloc(size, sizeof *sc), *sd = quire_calloc(size, sizeof *sd);
    int *rcnt = quire_calloc(size, sizeof *rcnt), *rd = quire_calloc(size, sizeof *rd);
    if (out_len == NULL || in_len == NULL || sc == NULL || sd == NULL || rcnt == NULL || rd == NULL)
        quire_comm_mpi_abort(2); /* the others would wait for us forever */
    uint8_t *sendbuf = NULL, *recvbuf = NULL;
    int rc = QUIRE_OK;
    uint64_t out_total = 0, in_total = 0;
    for (uint32_t r = 0; r < size; r++) {
        out_len[r] = send[r].len;
        out_total += send[r].len;
    }
    int err = MPI_Alltoall(out_len, 1, MPI_UINT64_T, in_len, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    for (uint32_t r = 0; r < size; r++)
        in_total += in_len[r];
    /* All agree on whether the round fits MPI's int counts before moving any byte. */
    int bad = err != MPI_SUCCESS || out_total > INT_MAX || in_total > INT_MAX, any_bad = 0;
    const int err2 = MPI_Allreduce(&bad, &any_bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS || err2 != MPI_SUCCESS) {
        rc = mpi_failed(err != MPI_SUCCESS ? err : err2, "alltoall");
        goto done;
    }
    if (any_bad) {
        rc = too_big(out_total > in_total ? out_total : in_total, "exchange round");
        goto done;
    }
    sendbuf = quire_malloc(out_total > 0 ? out_total : 1);
    recvbuf = quire_malloc(in_total > 0 ? in_total : 1);
    if (sendbuf == NULL || recvbuf == NULL)
        quire_comm_mpi_abort(2);
    uint64_t at = 0;
    for (uint32_t r = 0; r < size; r++) {
        if (send[r].len > 0)
            memcpy(sendbuf + at, send[r].data, send[r].len);
        sc[r] = (int)send[r].len;
        sd[r] = (int)at;
        at += send[r].len;
    }
    at = 0;
    for (uint32_t r = 0; r < size; r++) {
        rcnt[r] = (int)in_len[r];
        rd[r] = (int)at;
        at += in_len[r];
    }
    err = MPI_Alltoallv(sendbuf, sc, sd, MPI_BYTE, recvbuf, rcnt, rd, MPI_BYTE, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS) {
        rc = mpi_failed(err, "alltoallv");
        goto done;
    }
    for (uint32_t r = 0; r < size; r++)
        quire_buf_put(&recv[r], recvbuf + rd[r], in_len[r]);
    for (uint32_t r = 0; r < size && rc == QUIRE_OK; r++)
        if (recv[r].err)
            rc = quire_error(QUIRE_ENOMEM, "out of memory");
done:
    quire_free(out_len);
    quire_free(in_len);
    quire_free(sc);
    quire_free(sd);
    quire_free(rcnt);
    quire_free(rd);
    quire_free(sendbuf);
    quire_free(recvbuf);
    return rc;
}
