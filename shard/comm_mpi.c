/*
 * comm_mpi.c - the MPI plugin (libquire-mpi.so): MPI_COMM_WORLD, errors returned rather
 * than fatal, byte payloads as MPI_BYTE. See mpi_plugin.h.
 */
#include "mpi_plugin.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int init(int *rank, int *size)
{
    int provided = 0;
    int err = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    /* Errors come back to quire (reported naming the operation) rather than ending the job
     * with MPI's own message. */
    if (err == MPI_SUCCESS)
        err = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (err == MPI_SUCCESS)
        err = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    if (err == MPI_SUCCESS)
        err = MPI_Comm_size(MPI_COMM_WORLD, size);
    return err;
}

static void finalize(void)
{
    (void)MPI_Finalize();
}

static void abort_job(int code)
{
    (void)MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

static void error_string(int err, char *out, size_t cap)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(err, msg, &len) != MPI_SUCCESS)
        len = 0;
    msg[len] = '\0';
    snprintf(out, cap, "%s", len > 0 ? msg : "error");
}

static int sum_u64(uint64_t *v, int n)
{
    return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
}

static int max_int(int *v)
{
    return MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

static int allgather_u64(uint64_t mine, uint64_t *all)
{
    return MPI_Allgather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
}

static int alltoall_u64(const uint64_t *send, uint64_t *recv)
{
    return MPI_Alltoall(send, 1, MPI_UINT64_T, recv, 1, MPI_UINT64_T, MPI_COMM_WORLD);
}

static int bcast_u64(uint64_t *v)
{
    return MPI_Bcast(v, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
}

static int bcast_bytes(void *p, int n)
{
    return MPI_Bcast(p, n, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static int gatherv_bytes(const void *send, int n, void *recv, const int *counts,
                         const int *displs)
{
    return MPI_Gatherv(send, n, MPI_BYTE, recv, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static int alltoallv_bytes(const void *send, const int *sc, const int *sd, void *recv,
                           const int *rc, const int *rd)
{
    return MPI_Alltoallv(send, sc, sd, MPI_BYTE, recv, rc, rd, MPI_BYTE, MPI_COMM_WORLD);
}

/* What comm.c looks up with dlsym(). */
/* Exported from the plugin although the build hides symbols by default (libquire's
 * visibility preset): the programs find it with dlsym. */
extern const quire_mpi_ops quire_mpi_plugin __attribute__((visibility("default")));
const quire_mpi_ops quire_mpi_plugin = {
    QUIRE_MPI_PLUGIN_ABI, init,      finalize,     abort_job,     error_string,
    sum_u64,              max_int,   allgather_u64, alltoall_u64, bcast_u64,
    bcast_bytes,          gatherv_bytes, alltoallv_bytes,
};
