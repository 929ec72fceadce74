/*
 * mpi_plugin.h - what the MPI plugin (libquire-mpi.so, comm_mpi.c) offers: thin wrappers
 * of the MPI calls shard sets make, over MPI_COMM_WORLD, returning MPI's error codes. The
 * programs do not link Open MPI (its libraries cost 5-10 ms at every start of a program
 * that never uses them): comm.c loads the plugin with dlopen() only when an MPI launcher
 * started the process. The plugin uses nothing of quire's (a second copy of quire_base
 * would keep its own error messages), only MPI and libc; counts are ints, as MPI's.
 */
#ifndef QUIRE_MPI_PLUGIN_H
#define QUIRE_MPI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define QUIRE_MPI_PLUGIN_FILE   "libquire-mpi.so"
#define QUIRE_MPI_PLUGIN_SYMBOL "quire_mpi_plugin"
#define QUIRE_MPI_PLUGIN_ABI    1

typedef struct quire_mpi_ops {
    int abi; /* QUIRE_MPI_PLUGIN_ABI */
    int (*init)(int *rank, int *size);
    void (*finalize)(void);
    void (*abort)(int code);
    void (*error_string)(int err, char *out, size_t cap);
    int (*sum_u64)(uint64_t *v, int n);                       /* allreduce, in place */
    int (*max_int)(int *v);                                   /* allreduce, in place */
    int (*allgather_u64)(uint64_t mine, uint64_t *all);       /* all: size entries */
    int (*alltoall_u64)(const uint64_t *send, uint64_t *recv); /* size entries each */
    int (*bcast_u64)(uint64_t *v);                            /* from rank 0 */
    int (*bcast_bytes)(void *p, int n);                       /* from rank 0 */
    int (*gatherv_bytes)(const void *send, int n, void *recv, const int *counts,
                         const int *displs); /* to rank 0 */
    int (*alltoallv_bytes)(const void *send, const int *sc, const int *sd, void *recv,
                           const int *rc, const int *rd);
} quire_mpi_ops;

#endif
