/*
 * cmd_run_one.c - `serbench __run-one`: the child side of one run (see
 * child.h).  Reads the params, proves which allocator serves malloc, runs
 * the workload, sends the result.  Exit 0 when a result was sent, 3 when
 * the allocator is not the one asked for, 2 when the parent spoke nonsense.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "histogram.h"
#include "commands.h"
#include "ipc.h"
#include "workload.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = sig;
}

static void send_progress(void *ctx, uint64_t bytes, double elapsed_s)
{
    (void)ctx;
    struct sb_ipc_progress pr = {bytes, elapsed_s};
    sb_ipc_send(SB_IPC_RESULT_FD, SB_IPC_PROGRESS, &pr, sizeof(pr), NULL, 0);
}

static int run_one_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* The workload's own children (socat, the emulator) must not hold the
     * result pipe open after this process is gone. */
    fcntl(SB_IPC_PARAMS_FD, F_SETFD, FD_CLOEXEC);
    fcntl(SB_IPC_RESULT_FD, F_SETFD, FD_CLOEXEC);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct sb_run_params p;
    uint32_t *sizes = NULL;
    if (sb_ipc_recv_params(SB_IPC_PARAMS_FD, &p, &sizes) < 0) {
        sb_warnf("__run-one: no valid parameters on fd %d (this command is internal)",
                 SB_IPC_PARAMS_FD);
        return SB_EXIT_USAGE;
    }
    struct sb_run_result r;
    memset(&r, 0, sizeof(r));
    /* The run's histograms come back through p.hists (70 KiB: not on the stack). */
    struct sb_run_hists *hists = calloc(1, sizeof(*hists));
    p.hists = hists;
    int ran = 0;
    struct sb_err err = {0};
    int code = SB_EXIT_OK;
    if (sb_allocator_verify(p.allocator, r.allocator_seen, sizeof(r.allocator_seen), &err) < 0) {
        r.status = SB_STATUS_FAILED;
        snprintf(r.reason, sizeof(r.reason), "%.*s", (int)sizeof(r.reason) - 1, err.msg);
        code = SB_EXIT_MISSING;
    } else {
        char seen[SB_NAME_MAX];
        memcpy(seen, r.allocator_seen, sizeof(seen));
        int rc = sb_workload_run(&p, &r, &stop, send_progress, NULL);
        memcpy(r.allocator_seen, seen, sizeof(seen));
        ran = rc == 0 && r.status != SB_STATUS_SKIPPED;
        if (rc < 0) {
            r.status = SB_STATUS_FAILED;
            /* A transport that could not open says why itself; what it
             * lacked (socat, a port) is exit 3. */
            int said = r.reason[0] != '\0';
            if (!said)
                snprintf(r.reason, sizeof(r.reason), "could not start: %s", sbuf_strerror(rc));
            if (rc == SBUF_ENOENT && said)
                code = SB_EXIT_MISSING;
        }
    }
    if (ran && hists)
        sb_ipc_send(SB_IPC_RESULT_FD, SB_IPC_HISTS, hists, sizeof(*hists), NULL, 0);
    sb_ipc_send(SB_IPC_RESULT_FD, SB_IPC_RESULT, &r, sizeof(r), NULL, 0);
    free(hists);
    free(sizes);
    return code;
}

const struct sb_command sb_cmd_run_one = {
    .name = "__run-one",
    .usage = "serbench __run-one",
    .summary = "internal: one run in a child process",
    .help = "Internal.  The runner starts it with the run's parameters on fd 3 and reads "
            "the result from fd 4.\n",
    .hidden = 1,
    .main = run_one_main,
};
