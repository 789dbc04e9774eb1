/*
 * cmd_check.c - `serbench check PLUGIN.so`: the conformance, model and
 * stress suites that every built-in strategy passes, run on a plugin's
 * strategies.  The cases are the very ones CTest runs (the sbuf_suites
 * library, tests/unit/support/sbt_suites.h); each runs in a child process
 * of its own, so a case that crashes or hangs fails alone, and gets one
 * line: PASS, SKIP (the case does not apply to the strategy's capability
 * flags) or FAIL with the first thing that went wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "plugins.h"
#include "sbt_suites.h"
#include "sbuf/registry.h"
#include "sha256.h"
#include "units.h"

#define DEFAULT_TIMEOUT_NS (600ull * 1000000000ull)
#define OUTPUT_MAX 65536

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum verdict { PASS, SKIP, FAIL };

struct outcome {
    enum verdict v;
    char why[512];
    double secs;
    char output[OUTPUT_MAX]; /* what the case printed (cmocka's report included) */
};

/* The line of s that starts with (or, anywhere = 1, holds) key, into buf; 1 if found. */
static int find_line(const char *s, const char *key, int anywhere, char *buf, size_t len)
{
    for (const char *p = s; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *hit = anywhere ? memmem(p, n, key, strlen(key))
                                   : (strncmp(p, key, strlen(key)) == 0 ? p : NULL);
        if (hit) {
            snprintf(buf, len, "%.*s", (int)n, p);
            return 1;
        }
        p += n + (end != NULL);
    }
    return 0;
}

/*
 * Why a case failed, in one line, from its output: what the case said
 * (the first line it printed after cmocka's RUN), the failure message
 * (cmocka's "ERROR: ") and where (the SBT_CHECK line, file name only).
 */
static void failure_reason(const char *out, char *why, size_t len)
{
    char detail[512] = "", msg[512] = "", where[512] = "";
    const char *run = strstr(out, "[ RUN      ]");
    for (const char *p = run ? run : out; *p;) {
        const char *end = strchr(p, '\n');
        int n = end ? (int)(end - p) : (int)strlen(p);
        if (n > 0 && p[0] != '[') {
            const char *cf = memmem(p, (size_t)n, "check failed:", 13);
            if (strncmp(p, "ERROR: ", 7) == 0 && !msg[0]) {
                snprintf(msg, sizeof(msg), "%.*s", n - 7, p + 7);
            } else if (cf && !where[0]) {
                /* "/long/path/stress.c:337: check failed: ..." -> "stress.c:337: ..." */
                const char *base = p;
                for (const char *q = p; q < cf; q++)
                    if (*q == '/')
                        base = q + 1;
                snprintf(where, sizeof(where), "%.*s", n - (int)(base - p), base);
            } else if (!cf && !detail[0] && !memmem(p, (size_t)n, " TEST(S)", 8)) {
                snprintf(detail, sizeof(detail), "%.*s", n, p);
            }
        }
        p += n + (end != NULL);
    }
    if (!msg[0] && !find_line(out, "exception", 1, msg, sizeof(msg)))
        find_line(out, "[  ERROR   ]", 0, msg, sizeof(msg));
    snprintf(why, len, "%s%s%s%s%s%s", detail, detail[0] && msg[0] ? "; " : "", msg,
             where[0] ? " (" : "", where, where[0] ? ")" : "");
    if (!why[0])
        snprintf(why, len, "failed (see --verbose)");
}

/* Case i of suite s on ops, in a child; the verdict into o. */
static void run_case(const struct sbt_suite *s, size_t i, const struct sbuf_ops *ops,
                     uint64_t timeout_ns, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        o->v = FAIL;
        snprintf(o->why, sizeof(o->why), "cannot start the case: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    fflush(stderr);
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
            _exit(127);
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (s->prepare)
            s->prepare();
        int failed = sbt_run_case(s, i, ops);
        fflush(stdout);
        exit(failed ? 1 : 0);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        o->v = FAIL;
        snprintf(o->why, sizeof(o->why), "fork: %s", strerror(errno));
        return;
    }
    size_t n = 0;
    int timed_out = 0;
    uint64_t deadline = t0 + timeout_ns;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= deadline) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int ms = (int)((deadline - t) / 1000000ull) + 1;
        int rc = poll(&p, 1, ms);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        char buf[4096];
        ssize_t r = read(fds[0], buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        size_t k = (size_t)r < sizeof(o->output) - 1 - n ? (size_t)r : sizeof(o->output) - 1 - n;
        memcpy(o->output + n, buf, k);
        n += k;
    }
    o->output[n] = '\0';
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    o->secs = (double)(now_ns() - t0) / 1e9;
    char d[32];
    if (timed_out) {
        sb_format_duration(timeout_ns, d, sizeof(d));
        o->v = FAIL;
        snprintf(o->why, sizeof(o->why), "timed out after %s (--timeout)", d);
    } else if (WIFSIGNALED(st)) {
        o->v = FAIL;
        snprintf(o->why, sizeof(o->why), "crashed: signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    } else if (WEXITSTATUS(st) != 0) {
        o->v = FAIL;
        failure_reason(o->output, o->why, sizeof(o->why));
    } else if (strstr(o->output, "[  SKIPPED ]")) {
        o->v = SKIP;
        snprintf(o->why, sizeof(o->why), "does not apply to its capability flags");
    } else {
        o->v = PASS;
    }
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("serbench check: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (serbench help check)\n", stderr);
    return SB_EXIT_USAGE;
}

static int check_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"quick", no_argument, NULL, 'q'},
        {"strategy", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *only[SBUF_PLUGIN_MAX_STRATEGIES];
    size_t nonly = 0;
    int quick = 0, verbose = 0, ch;
    uint64_t timeout_ns = DEFAULT_TIMEOUT_NS;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qs:t:vh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'q': quick = 1; break;
        case 'v': verbose = 1; break;
        case 's':
            if (nonly == SBUF_PLUGIN_MAX_STRATEGIES)
                return usage_error("more than %s --strategy options", "16");
            only[nonly++] = optarg;
            break;
        case 't':
            if (sb_parse_duration(optarg, &timeout_ns) < 0 || timeout_ns == 0)
                return usage_error("--timeout %s: expected a duration such as 60s or 10m", optarg);
            break;
        case 'h':
            printf("usage: %s\n\n%s", sb_cmd_check.usage, sb_cmd_check.help);
            return SB_EXIT_OK;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return usage_error("%s", argc - optind < 1 ? "no plugin given" : "one plugin at a time");
    const char *path = argv[optind];

    /* Bad input first, in a child: a plugin that crashes on load cannot
     * take this process down before it has said so. */
    static const size_t size = 4096;
    struct sb_probe_result pr;
    char msg[SB_ERR_MAX];
    int code = sb_plugin_probe(NULL, path, nonly == 1 ? only[0] : NULL, &size, 1, &pr, msg,
                               sizeof(msg));
    if (code != SB_EXIT_OK) {
        fprintf(stderr, "serbench: %s\n", msg);
        return code;
    }
    for (size_t k = 0; k < nonly; k++) {
        size_t i;
        for (i = 0; i < pr.n && strcmp(pr.names[i], only[k]) != 0; i++)
            ;
        if (i == pr.n) {
            fprintf(stderr, "serbench: %s: exports no strategy '%s'\n", path, only[k]);
            return SB_EXIT_USAGE;
        }
    }
    struct sbuf_plugin_handle *h;
    int rc = sbuf_plugin_open(path, &h, msg, sizeof(msg));
    for (size_t k = 0; rc == SBUF_OK && k < (nonly ? nonly : 1); k++)
        rc = sbuf_plugin_register(h, nonly ? only[k] : NULL, msg, sizeof(msg));
    if (rc != SBUF_OK) {
        fprintf(stderr, "serbench: %s\n", msg);
        return rc == SBUF_ENOLIB ? SB_EXIT_MISSING : SB_EXIT_USAGE;
    }
    if (quick) {
        /* Unless the environment says otherwise: a tenth of the model's
         * operations, 8 MB of stress instead of 100. */
        setenv("SERBENCH_MODEL_OPS", "10000", 0);
        setenv("SERBENCH_STRESS_MB", "8", 0);
    }
    char hex[SB_SHA256_HEX];
    sb_sha256_file(path, hex);
    printf("serbench check: %s (sha256 %.16s..., sbuf ABI %u)\n", sbuf_plugin_path(h), hex,
           sbuf_abi_version());
    const struct sbuf_ops *ops[SBUF_PLUGIN_MAX_STRATEGIES];
    size_t nops = 0;
    for (size_t i = 0; i < sbuf_plugin_count(h); i++) {
        const struct sbuf_ops *o = sbuf_plugin_at(h, i);
        int take = nonly == 0;
        for (size_t k = 0; k < nonly; k++)
            take |= strcmp(o->name, only[k]) == 0;
        if (!take)
            continue;
        char caps[128];
        printf("  strategy %s [%s]: %s\n", o->name, sbuf_caps_string(o->caps, caps, sizeof(caps)),
               o->summary);
        ops[nops++] = o;
    }
    fflush(stdout);

    size_t npass = 0, nskip = 0, nfail = 0;
    static struct outcome o;
    for (size_t s = 0; sbt_suites[s]; s++)
        for (size_t k = 0; k < nops; k++)
            for (size_t i = 0; i < sbt_suites[s]->ncases; i++) {
                run_case(sbt_suites[s], i, ops[k], timeout_ns, &o);
                static const char *const word[] = {"PASS", "SKIP", "FAIL"};
                printf("%s  %-11s %s/%s  %.2f s%s%s\n", word[o.v], sbt_suites[s]->name,
                       ops[k]->name, sbt_suites[s]->cases[i].name, o.secs, o.why[0] ? "  " : "",
                       o.why);
                if (verbose) {
                    for (const char *p = o.output; *p;) {
                        const char *end = strchr(p, '\n');
                        int n = end ? (int)(end - p) : (int)strlen(p);
                        printf("      | %.*s\n", n, p);
                        p += n + (end != NULL);
                    }
                }
                fflush(stdout);
                npass += o.v == PASS;
                nskip += o.v == SKIP;
                nfail += o.v == FAIL;
            }
    printf("serbench check: %zu passed, %zu skipped, %zu failed: %s\n", npass, nskip, nfail,
           nfail ? "FAILED" : "ok");
    return nfail ? SB_EXIT_FAILED : SB_EXIT_OK;
}

const struct sb_command sb_cmd_check = {
    .name = "check",
    .usage = "serbench check PLUGIN.so [--quick] [--strategy NAME]... [--timeout DURATION] "
             "[--verbose]",
    .summary = "hold a plugin's strategies to the conformance, model and stress suites",
    .help =
        "Loads the shared object PLUGIN.so (a strategy outside serbench's tree, built\n"
        "against the installed libsbuf: sbuf/plugin.h) and runs on each strategy it\n"
        "exports the suites every built-in strategy passes: the conformance suite (the\n"
        "buffer contract, case by case), the model-based test (random operations\n"
        "checked against a byte deque, every stats counter included) and the\n"
        "two-thread stress test.  The strategy's capability flags (contiguous, grows,\n"
        "static, mpsc) decide what it is held to.  Each case runs in a process of its\n"
        "own and prints one line: PASS, SKIP (the case does not apply to its flags) or\n"
        "FAIL with the first thing that went wrong.\n"
        "\n"
        "  --quick              10,000 model operations and 8 MB of stress a strategy\n"
        "                       (SERBENCH_MODEL_OPS, SERBENCH_STRESS_MB override either)\n"
        "  --strategy NAME      only this strategy of the plugin (repeatable)\n"
        "  --timeout DURATION   a case that takes longer fails (default 10m)\n"
        "  -v, --verbose        each case's own report under its line\n"
        "\n"
        "SERBENCH_SEED=N replays the model and stress tests with another seed.\n"
        "\n"
        "Exit codes: 0 every case passed (or was skipped); 1 a case failed; 2 bad\n"
        "input: no such file, not a shared object, no sbuf_plugin_entry, another sbuf\n"
        "ABI, no such strategy, a create that fails; 3 a library it needs is missing.\n",
    .main = check_main,
};
