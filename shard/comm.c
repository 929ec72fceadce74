/*
 * comm.c - the communicator: one process alone (every collective an identity, or a copy),
 * or MPI_COMM_WORLD through the plugin (mpi_plugin.h), whose calls this file wraps with
 * quire's buffers and errors.
 */
#include "comm.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi_plugin.h"

struct quire_comm {
    uint32_t rank;
    uint32_t size;
    const quire_mpi_ops *mpi; /* NULL: one process */
    void *plugin;             /* dlopen() handle */
};

bool quire_comm_have_mpi(void)
{
#ifdef QUIRE_MPI_PLUGIN_PATH
    return true;
#else
    return false;
#endif
}

/* Whether an MPI launcher (Open MPI's mpirun, a PMI or PMIx one: Slurm's srun, MPICH's
 * hydra) started this process. */
static bool launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]) != NULL)
            return true;
    return false;
}

/* dlopen the plugin: $QUIRE_MPI_PLUGIN, else beside the program, else where the build put
 * it. RTLD_GLOBAL: Open MPI's own components, which it dlopens, need libmpi's symbols. */
static void *load_plugin(char *why, size_t cap)
{
    char paths[3][4200];
    size_t n = 0;
    const char *env = getenv("QUIRE_MPI_PLUGIN");
    if (env != NULL && env[0] != '\0')
        snprintf(paths[n++], sizeof paths[0], "%s", env);
    char exe[4096];
    const ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(paths[n++], sizeof paths[0], "%s/%s", exe, QUIRE_MPI_PLUGIN_FILE);
        }
    }
#ifdef QUIRE_MPI_PLUGIN_PATH
    snprintf(paths[n++], sizeof paths[0], "%s", QUIRE_MPI_PLUGIN_PATH);
#endif
    snprintf(why, cap, "this build has no MPI plugin (%s; build with Open MPI: "
             "scripts/install-deps.sh)", QUIRE_MPI_PLUGIN_FILE);
    for (size_t i = 0; i < n; i++) {
        if (access(paths[i], R_OK) != 0)
            continue;
        void *h = dlopen(paths[i], RTLD_NOW | RTLD_GLOBAL);
        if (h != NULL)
            return h;
        const char *e = dlerror();
        snprintf(why, cap, "%.900s", e != NULL ? e : paths[i]);
    }
    return NULL;
}

static int mpi_failed(const quire_comm *c, int err, const char *what)
{
    char msg[512];
    c->mpi->error_string(err, msg, sizeof msg);
    return quire_error(QUIRE_EIO, "MPI %s: %s", what, msg);
}

int quire_comm_start(quire_comm **out, int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    *out = NULL;
    quire_comm *c = quire_calloc(1, sizeof *c);
    if (c == NULL)
        return quire_oom();
    c->rank = 0;
    c->size = 1;
    if (!launched()) {
        *out = c;
        return QUIRE_OK;
    }
    char why[1024];
    c->plugin = load_plugin(why, sizeof why);
    const quire_mpi_ops *ops =
        c->plugin != NULL ? dlsym(c->plugin, QUIRE_MPI_PLUGIN_SYMBOL) : NULL;
    if (ops == NULL || ops->abi != QUIRE_MPI_PLUGIN_ABI) {
        if (c->plugin != NULL)
            snprintf(why, sizeof why, "%s is of another build", QUIRE_MPI_PLUGIN_FILE);
        quire_free(c);
        return quire_error(QUIRE_EINVAL, "started by an MPI launcher, but %s", why);
    }
    c->mpi = ops;
    int rank = 0, size = 1;
    const int err = ops->init(&rank, &size);
    if (err != 0) {
        const int rc = mpi_failed(c, err, "init");
        quire_free(c);
        return rc;
    }
    c->rank = (uint32_t)rank;
    c->size = (uint32_t)size;
    *out = c;
    return QUIRE_OK;
}

void quire_comm_finish(quire_comm *c)
{
    if (c == NULL)
        return;
    if (c->mpi != NULL)
        c->mpi->finalize();
    /* The plugin stays loaded: Open MPI's atexit handlers may still run from it. */
    quire_free(c);
}

void quire_comm_abort(const quire_comm *c, int code)
{
    if (c != NULL && c->mpi != NULL)
        c->mpi->abort(code);
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
    return c->mpi != NULL ? "mpi" : "single";
}

static int too_big(size_t n, const char *what)
{
    return quire_error(QUIRE_ELIMIT, "MPI %s of %zu bytes (at most %d in one operation)", what, n,
                       INT_MAX);
}

int quire_comm_sum(const quire_comm *c, uint64_t *v, size_t n)
{
    if (c->mpi == NULL)
        return QUIRE_OK;
    if (n > INT_MAX)
        return quire_error(QUIRE_ELIMIT, "MPI sum of %zu counters", n);
    const int err = c->mpi->sum_u64(v, (int)n);
    return err == 0 ? QUIRE_OK : mpi_failed(c, err, "allreduce");
}

int quire_comm_gather(const quire_comm *c, const quire_buf *mine, quire_buf *all, uint64_t *lens)
{
    if (c->mpi == NULL) {
        quire_buf_put(all, mine->data, mine->len);
        lens[0] = mine->len;
        return all->err ? quire_oom() : QUIRE_OK;
    }
    const uint32_t size = c->size;
    /* Every process learns every length, so all agree on whether the gather can be done. */
    int err = c->mpi->allgather_u64(mine->len, lens);
    if (err != 0)
        return mpi_failed(c, err, "gather");
    uint64_t total = 0;
    for (uint32_t r = 0; r < size; r++)
        total += lens[r];
    if (total > INT_MAX)
        return too_big(total, "gather");
    int *counts = quire_calloc(size, sizeof *counts);
    int *displs = quire_calloc(size, sizeof *displs);
    if (counts == NULL || displs == NULL || (c->rank == 0 && !quire_buf_reserve(all, total + 1)))
        quire_comm_abort(c, 2); /* the others would wait for us forever */
    uint64_t at = 0;
    for (uint32_t r = 0; r < size; r++) {
        counts[r] = (int)lens[r];
        displs[r] = (int)at;
        at += lens[r];
    }
    err = c->mpi->gatherv_bytes(mine->data, (int)mine->len,
                                c->rank == 0 ? all->data + all->len : NULL, counts, displs);
    quire_free(counts);
    quire_free(displs);
    if (err != 0)
        return mpi_failed(c, err, "gatherv");
    if (c->rank == 0)
        all->len += total;
    return QUIRE_OK;
}

int quire_comm_bcast(const quire_comm *c, quire_buf *b)
{
    if (c->mpi == NULL)
        return QUIRE_OK;
    uint64_t len = b->len;
    int err = c->mpi->bcast_u64(&len);
    if (err != 0)
        return mpi_failed(c, err, "bcast");
    if (len > INT_MAX)
        return too_big(len, "bcast");
    if (c->rank != 0) {
        b->len = 0;
        if (!quire_buf_reserve(b, len > 0 ? len : 1))
            quire_comm_abort(c, 2);
        b->len = len;
    }
    err = c->mpi->bcast_bytes(b->data, (int)len);
    return err == 0 ? QUIRE_OK : mpi_failed(c, err, "bcast");
}

int quire_comm_exchange(const quire_comm *c, const quire_buf *send, quire_buf *recv)
{
    if (c->mpi == NULL) {
        quire_buf_put(&recv[0], send[0].data, send[0].len);
        return recv[0].err ? quire_oom() : QUIRE_OK;
    }
    const uint32_t size = c->size;
    uint64_t *out_len = quire_calloc(size, sizeof *out_len);
    uint64_t *in_len = quire_calloc(size, sizeof *in_len);
    int *sc = quire_calloc(size, sizeof *sc), *sd = quire_calloc(size, sizeof *sd);
    int *rcnt = quire_calloc(size, sizeof *rcnt), *rd = quire_calloc(size, sizeof *rd);
    if (out_len == NULL || in_len == NULL || sc == NULL || sd == NULL || rcnt == NULL ||
        rd == NULL)
        quire_comm_abort(c, 2); /* the others would wait for us forever */
    uint8_t *sendbuf = NULL, *recvbuf = NULL;
    int rc = QUIRE_OK;
    uint64_t out_total = 0, in_total = 0;
    for (uint32_t r = 0; r < size; r++) {
        out_len[r] = send[r].len;
        out_total += send[r].len;
    }
    int err = c->mpi->alltoall_u64(out_len, in_len);
    for (uint32_t r = 0; r < size; r++)
        in_total += in_len[r];
    /* All agree on whether the round fits MPI's int counts before moving any byte. */
    int bad = err != 0 || out_total > INT_MAX || in_total > INT_MAX;
    const int err2 = c->mpi->max_int(&bad);
    if (err != 0 || err2 != 0) {
        rc = mpi_failed(c, err != 0 ? err : err2, "alltoall");
        goto done;
    }
    if (bad) {
        rc = too_big(out_total > in_total ? out_total : in_total, "exchange round");
        goto done;
    }
    sendbuf = quire_malloc(out_total > 0 ? out_total : 1);
    recvbuf = quire_malloc(in_total > 0 ? in_total : 1);
    if (sendbuf == NULL || recvbuf == NULL)
        quire_comm_abort(c, 2);
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
    err = c->mpi->alltoallv_bytes(sendbuf, sc, sd, recvbuf, rcnt, rd);
    if (err != 0) {
        rc = mpi_failed(c, err, "alltoallv");
        goto done;
    }
    for (uint32_t r = 0; r < size; r++)
        quire_buf_put(&recv[r], recvbuf + rd[r], in_len[r]);
    for (uint32_t r = 0; r < size && rc == QUIRE_OK; r++)
        if (recv[r].err)
            rc = quire_oom();
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
