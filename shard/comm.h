/*
 * comm.h - the few collective operations a shard set needs between the processes that
 * serve it, over MPI (Open MPI's mpirun, comm_mpi.c) or, for one process, as identities
 * (comm.c): a search over a shard set in one process runs the very code an MPI run does,
 * with a communicator of size 1.
 *
 * The MPI side lives in a plugin loaded only when an MPI launcher started the process
 * (mpi_plugin.h), so that the programs do not load Open MPI otherwise.
 *
 * Every operation is collective: each process of the communicator calls it, in the same
 * order, with the same sizes where sizes must agree. Errors come back as quire codes (an
 * MPI error is QUIRE_EIO with MPI's message), though by default MPI ends the whole job on
 * an error of its own.
 */
#ifndef QUIRE_SHARD_COMM_H
#define QUIRE_SHARD_COMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/status.h"

typedef struct quire_comm quire_comm;

/* The communicator of this program: MPI's world when it was launched by mpirun (or another
 * MPI launcher: the environment says so), otherwise one process alone. MPI is initialised
 * here only then, so a plain run costs nothing. *out is never NULL after QUIRE_OK. */
QUIRE_MUST_CHECK int quire_comm_start(quire_comm **out, int *argc, char ***argv);
/* Finalise MPI (if started) and free. Accepts NULL. */
void quire_comm_finish(quire_comm *c);
/* End every process of the job at once with `code` (MPI_Abort; exit() alone). */
_Noreturn void quire_comm_abort(const quire_comm *c, int code);

uint32_t quire_comm_rank(const quire_comm *c);
uint32_t quire_comm_size(const quire_comm *c);
/* "mpi" or "single". */
const char *quire_comm_kind(const quire_comm *c);
/* Whether this build made the MPI plugin (libquire-mpi.so). */
bool quire_comm_have_mpi(void);

/* v[0..n) := the element-wise sum of every process's v. */
QUIRE_MUST_CHECK int quire_comm_sum(const quire_comm *c, uint64_t *v, size_t n);
/* Every process's `mine` concatenated on process 0 into *all (appended), rank order, with
 * each one's length in lens[rank] (size entries; only process 0 reads them). */
QUIRE_MUST_CHECK int quire_comm_gather(const quire_comm *c, const quire_buf *mine, quire_buf *all,
                                       uint64_t *lens);
/* Process 0's *b replaces every other process's. */
QUIRE_MUST_CHECK int quire_comm_bcast(const quire_comm *c, quire_buf *b);
/* send[r] goes to process r, whose recv[me] it is appended to (size buffers each side). */
QUIRE_MUST_CHECK int quire_comm_exchange(const quire_comm *c, const quire_buf *send,
                                         quire_buf *recv);

/* Every process passes its status; all return QUIRE_OK if every one was OK, else an error:
 * on process 0 its own (message kept) if it failed, else the first failed process's code
 * and message; elsewhere its own, or QUIRE_EIO "another process ... failed". So that a
 * failure on one process never leaves the others waiting in a collective. Collective. */
QUIRE_MUST_CHECK int quire_comm_agree(const quire_comm *comm, int rc);

#endif
