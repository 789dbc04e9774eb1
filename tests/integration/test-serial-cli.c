/*
 * test-serial-cli.c - the serial transports as a user meets them through
 * the serbench command: `serbench ports` without serial hardware, the
 * serial transport's errors and exit codes (missing port, a PTY path, 1200
 * baud, hardware = optional), a pty suite end to end, on_disconnect, an
 * interrupt that leaves no socat behind, and `serbench device` by hand.
 *
 * Needs SERBENCH_BIN (set by CTest); skips without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../runner/csvread.h"
#include "devstats.h"
#include "frame.h"
#include "itest.h"
#include "../runner/tfile.h"
#include "pace.h"
#include "transport.h"

static const char *bin;
static char tmp[PATH_MAX];

/* ---- helpers ------------------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *s = malloc(1 << 16);
    size_t n = fread(s, 1, (1 << 16) - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static const char *in_tmp(const char *name)
{
    static char path[4][PATH_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/%s", tmp, name);
    return path[k];
}

static void put(const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    assert_int_equal(tfile_write(tmp, name, text, path, sizeof(path)), 0);
}

/* Starts serbench with args (NULL-terminated) in tmp, stdout and stderr to files. */
static pid_t start(const char *const *args)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(tmp) < 0)
            _exit(126);
        int out = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 1);
        dup2(err, 2);
        /* socat's directories land here: the test can find what is left. */
        setenv("TMPDIR", tmp, 1);
        char *argv[16] = {(char *)bin};
        for (int i = 0; args[i] && i < 14; i++)
            argv[i + 1] = (char *)args[i];
        execv(bin, argv);
        _exit(127);
    }
    return pid;
}

/* Waits for pid (killing it after 60 s: a hang is a failure); its exit code. */
static int finish(pid_t pid)
{
    int st = 0;
    for (int i = 0; i < 600; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(100000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    fail_msg("serbench hung");
    return -1;
}

static int run(const char *const *args)
{
    return finish(start(args));
}

/* No process left whose command line names the test's directory (socat's links). */
static void assert_no_leftovers(void)
{
    int pids[8];
    int n = itest_find(0, tmp, pids, 8);
    if (n)
        print_message("  left running: pid %d\n", pids[0]);
    assert_int_equal(n, 0);
}

static void expect_in(const char *file, const char *text)
{
    char *s = slurp(in_tmp(file));
    if (!strstr(s, text))
        print_message("  %s lacks \"%s\":\n%s\n", file, text, s);
    assert_non_null(strstr(s, text));
    free(s);
}

static int setup(void **state)
{
    (void)state;
    bin = getenv("SERBENCH_BIN");
    snprintf(tmp, sizeof(tmp), "%s/serbench-itest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(tmp));
    setenv("SERBENCH_NO_CALIBRATE", "1", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

#define NEED_BIN()                                  \
    do {                                            \
        if (!bin || access(bin, X_OK) != 0)         \
            skip();                                 \
    } while (0)

/* ---- ports ------------------------------------------------------------------------ */

static void test_ports_without_hardware(void **state)
{
    (void)state;
    NEED_BIN();
    assert_int_equal(run((const char *[]){"ports", NULL}), 0);
    char *out = slurp(in_tmp("out.txt"));
    /* Here: no USB serial port (a VM may have a native ttyS0).  A machine
     * with a board plugged in lists its VID:PID instead. */
    assert_true(strstr(out, "no serial ports found") || strstr(out, "no USB serial ports") ||
                strstr(out, " usb "));
    free(out);
}

/* ---- the serial transport's errors -------------------------------------------------- */

static const char *scenario_serial(const char *name, const char *extra)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "[global]\nstrategies = ring_spsc\nallocators = glibc\ntransport = serial\n"
             "duration = 100ms\nwarmup = 0\n%s\n[board]\nmessage = fixed:64\n", extra);
    put(name, text);
    return in_tmp(name);
}

static void test_missing_port_exit_3(void **state)
{
    (void)state;
    NEED_BIN();
    const char *sc = scenario_serial("missing.ini", "port = /dev/serbench-no-such-port\n");
    assert_int_equal(run((const char *[]){"run", sc, "-o", in_tmp("missing"), "--quiet", NULL}), 3);
    expect_in("err.txt", "does not exist");
    expect_in("missing/runs.csv", "failed");
}

static void test_optional_port_skipped(void **state)
{
    (void)state;
    NEED_BIN();
    const char *sc = scenario_serial("optional.ini", "port = /dev/serbench-no-such-port\n"
                                                      "hardware = optional\n");
    assert_int_equal(run((const char *[]){"run", sc, "-o", in_tmp("optional"), "--quiet", NULL}), 0);
    expect_in("optional/runs.csv", "skipped");
}

static void test_pty_path_refused(void **state)
{
    (void)state;
    NEED_BIN();
    const char *sc = scenario_serial("ptypath.ini", "port = /dev/pts/0\n");
    assert_int_equal(run((const char *[]){"run", sc, "-o", in_tmp("ptypath"), NULL}), 2);
    expect_in("err.txt", "pseudo-terminal");
    expect_in("err.txt", "transport = pty");
}

static void test_1200_baud_refused(void **state)
{
    (void)state;
    NEED_BIN();
    const char *sc = scenario_serial("b1200.ini", "port = auto\nbaud = 1200\n");
    assert_int_equal(run((const char *[]){"run", sc, "-o", in_tmp("b1200"), NULL}), 2);
    expect_in("err.txt", "bootloader");
}

/* The same errors straight from the transport, with their exit codes. */
static void test_serial_errors_api(void **state)
{
    (void)state;
    struct sb_link_params lp;
    memset(&lp, 0, sizeof(lp));
    struct sb_transport *t;
    struct sb_err err = {0};
    snprintf(lp.port, sizeof(lp.port), "/dev/serbench-no-such-port");
    assert_int_equal(sb_transport_open("serial", &lp, &t, &err), SBUF_ENOENT);
    assert_int_equal(err.code, SB_EXIT_MISSING);
    assert_non_null(strstr(err.msg, "does not exist"));

    /* A real PTY, and a symlink to it as socat makes them. */
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *link = in_tmp("ptylink");
    assert_int_equal(symlink(ptsname(master), link), 0);
    const char *paths[] = {ptsname(master), link, "/dev/ptmx"};
    for (int i = 0; i < 3; i++) {
        memset(&err, 0, sizeof(err));
        snprintf(lp.port, sizeof(lp.port), "%s", paths[i]);
        assert_int_equal(sb_transport_open("serial", &lp, &t, &err), SBUF_EINVAL);
        assert_int_equal(err.code, SB_EXIT_USAGE);
        assert_non_null(strstr(err.msg, "pseudo-terminal"));
        assert_non_null(strstr(err.msg, "transport = pty"));
    }
    unlink(link);
    close(master);

    memset(&err, 0, sizeof(err));
    lp.baud = 1200;
    assert_int_equal(sb_transport_open("serial", &lp, &t, &err), SBUF_EINVAL);
    assert_non_null(strstr(err.msg, "bootloader"));

    memset(&err, 0, sizeof(err));
    lp.baud = 115200;
    snprintf(lp.port, sizeof(lp.port), "COM3");
    assert_int_equal(sb_transport_open("serial", &lp, &t, &err), SBUF_EINVAL);

    /* reconnect: waits for the port, then gives up with the same error. */
    memset(&err, 0, sizeof(err));
    snprintf(lp.port, sizeof(lp.port), "auto");
    lp.reconnect_ns = 200000000u;
    assert_int_equal(sb_transport_open("serial", &lp, &t, &err), SBUF_ENOENT);
    assert_non_null(strstr(err.msg, "reconnect"));
}

/* ---- a pty suite end to end ----------------------------------------------------------- */

static void test_pty_suite(void **state)
{
    (void)state;
    NEED_BIN();
    put("pty.ini", "[global]\nstrategies = ring_spsc\nallocators = glibc\ntransport = pty\n"
                   "duration = 200ms\nwarmup = 20ms\nmessage = fixed:64\nbuffer = 16KiB\n"
                   "[echo]\npeer = echo\n"
                   "[sim]\npeer = nrf52840-sim\nlink = uart:1000000\nfaults = drop:0.02 corrupt:0.02\n");
    assert_int_equal(run((const char *[]){"run", in_tmp("pty.ini"), "-o", in_tmp("pty"), "--quiet", NULL}), 0);
    char *csv = slurp(in_tmp("pty/runs.csv"));
    assert_non_null(strstr(csv, ",ok,"));
    assert_null(strstr(csv, ",failed,"));
    free(csv);
    assert_no_leftovers();
}

/* The value of column col in the first row of a runs.csv whose job is job. */
static double csv_value(const char *csv, const char *job, const char *col)
{
    const char *p = csv;
    struct csv_record hdr, rec;
    assert_int_equal(csv_next(&p, &hdr), 1);
    int jc = csv_col(&hdr, "job"), cc = csv_col(&hdr, col);
    if (jc < 0 || cc < 0)
        fail_msg("runs.csv has no column %s", jc < 0 ? "job" : col);
    double v = -1;
    while (v < 0 && csv_next(&p, &rec) == 1) {
        assert_int_equal(rec.n, hdr.n);
        if (strcmp(rec.field[jc], job) == 0)
            v = strtod(rec.field[cc], NULL);
        csv_free(&rec);
    }
    csv_free(&hdr);
    if (v < 0)
        fail_msg("runs.csv has no row for job %s", job);
    return v;
}

/*
 * The one test that measures the ceilings (about three seconds): a pty echo
 * row carries them and summary.md holds the run against them; an emulator
 * row has none (its link sets the rate) but carries the device's counters.
 */
static void test_pty_ceilings_in_results(void **state)
{
    (void)state;
    NEED_BIN();
    put("ceil.ini", "[global]\nstrategies = ring_spsc\nallocators = glibc\ntransport = pty\n"
                    "duration = 100ms\nwarmup = 10ms\nmessage = fixed:64\nbuffer = 16KiB\n"
                    "write_size = 4KiB\n"
                    "[echo]\npeer = echo\n"
                    "[sim]\npeer = nrf52840-sim\nlink = uart:1000000\nduration = 200ms\n"
                    "faults = drop:0.3 corrupt:0.3\n");
    unsetenv("SERBENCH_NO_CALIBRATE");
    int code = run((const char *[]){"run", in_tmp("ceil.ini"), "-o", in_tmp("ceil"), "--quiet", NULL});
    setenv("SERBENCH_NO_CALIBRATE", "1", 1);
    if (code != 0) {
        char *err = slurp(in_tmp("err.txt"));
        fail_msg("exit %d: %s", code, err);
    }
    char *csv = slurp(in_tmp("ceil/runs.csv"));
    assert_true(csv_value(csv, "echo", "ceiling_bytes_per_s") > 0);
    assert_true(csv_value(csv, "echo", "ceiling_echo_bytes_per_s") > 0);
    assert_true(csv_value(csv, "echo", "ceiling_rtt_p50_ns") > 0);
    assert_true(csv_value(csv, "echo", "dev_drop_frames") == 0);
    assert_true(csv_value(csv, "sim", "ceiling_echo_bytes_per_s") == 0);
    assert_true(csv_value(csv, "sim", "dev_drop_frames") > 0);
    assert_true(csv_value(csv, "sim", "dev_corrupt_frames") > 0);
    expect_in("ceil/summary.md", "Raw pty path, no strategy, measured just before each run");
    /* The run's own pair: its ratio in runs.csv. */
    assert_true(csv_value(csv, "echo", "ceiling_echo_pct") > 0);
    assert_true(csv_value(csv, "echo", "ceiling_rtt_ratio") > 0);
    expect_in("ceil/summary.md", "| % of echo ceiling |");
    expect_in("ceil/summary.md", "| RTT p50 / raw |");
    expect_in("ceil/summary.md", "| dev dropped | dev corrupted |");
    free(csv);
    assert_no_leftovers();
}

static void disconnect_suite(const char *policy, int rows)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "[global]\nstrategies = ring_spsc\nallocators = glibc\ntransport = pty\n"
             "duration = 5s\nwarmup = 0\nmessage = fixed:64\nbuffer = 16KiB\n"
             "peer = nrf52840-sim\nlink = uart:1000000\non_disconnect = %s\n"
             "[unplugged]\nfaults = disconnect:at=200ms\n"
             "[after]\nduration = 100ms\n", policy);
    put("disc.ini", text);
    char dir[32];
    snprintf(dir, sizeof(dir), "disc-%s", policy);
    assert_int_equal(run((const char *[]){"run", in_tmp("disc.ini"), "-o", in_tmp(dir), "--quiet", NULL}), 1);
    char path[64];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    char *csv = slurp(in_tmp(path));
    int lines = 0;
    for (char *c = csv; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1 + rows); /* header + rows */
    assert_non_null(strstr(csv, "aborted"));
    assert_non_null(strstr(csv, "disconnect"));
    free(csv);
    assert_no_leftovers();
}

static void test_on_disconnect_stop(void **state)
{
    (void)state;
    NEED_BIN();
    disconnect_suite("stop", 1);
}

static void test_on_disconnect_next(void **state)
{
    (void)state;
    NEED_BIN();
    disconnect_suite("next", 2);
}

/* SIGINT in the middle of a pty run: exit 130, the row aborted, no socat left. */
static void test_interrupt_leaves_nothing(void **state)
{
    (void)state;
    NEED_BIN();
    put("long.ini", "[global]\nstrategies = ring_spsc\nallocators = glibc\ntransport = pty\n"
                    "duration = 30s\nmessage = fixed:64\n[long]\npeer = nrf52840-sim\n"
                    "link = uart:115200\n");
    pid_t pid = start((const char *[]){"run", in_tmp("long.ini"), "-o", in_tmp("long"), "--quiet", NULL});
    int socat = 0;
    for (int i = 0; i < 300 && !socat; i++) {
        usleep(10000);
        int pids[4];
        socat = itest_find(0, tmp, pids, 4) > 0;
    }
    assert_true(socat); /* the run is under way */
    usleep(300000);
    kill(pid, SIGINT);
    assert_int_equal(finish(pid), 130);
    expect_in("long/runs.csv", "aborted");
    assert_no_leftovers();
}

/* ---- serbench device by hand --------------------------------------------------------------- */

static void test_device_by_hand(void **state)
{
    (void)state;
    NEED_BIN();
    struct sb_link_params lp;
    memset(&lp, 0, sizeof(lp));
    struct sb_transport *t;
    struct sb_err err = {0};
    setenv("TMPDIR", tmp, 1);
    assert_int_equal(sb_transport_open("pty", &lp, &t, &err), SBUF_OK);
    pid_t dev = start((const char *[]){"device", "--port", t->peer_path, "--link", "uart:1000000",
                                       "--faults", "corrupt:1", "--seed", "3", NULL});
    /* Ten frames and a stats request; the emulator corrupts every frame. */
    uint8_t out[10 * (SB_FRAME_OVERHEAD + 64) + SB_FRAME_OVERHEAD], in[2048];
    size_t n = 0;
    for (int i = 0; i < 10; i++)
        n += sb_frame_encode(out + n, sizeof(out) - n, (uint64_t)i, 64, 0);
    size_t data = n;
    n += sb_ctrl_encode_request(out + n, sizeof(out) - n);
    assert_int_equal(write(t->fd, out, n), (ssize_t)n);
    size_t want = data + sb_frame_size(4 + 8 * SB_DEV_NCOUNTERS), got = 0;
    while (got < want) {
        struct pollfd p = {.fd = t->fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 10000), 1);
        ssize_t r = read(t->fd, in + got, sizeof(in) - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    unsigned kind;
    struct sb_dev_counters st;
    assert_int_equal(sb_ctrl_decode(in + data, got - data, &kind, &st), 0);
    assert_int_equal(st.frames_in, 10);
    assert_int_equal(st.corrupt_frames, 10);
    assert_true(memcmp(in, out, data) != 0); /* corrupted on the way back */
    kill(dev, SIGINT);
    assert_int_equal(finish(dev), 0);
    expect_in("err.txt", "corrupted 10");
    sb_transport_close(t);
    assert_no_leftovers();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports_without_hardware),
        cmocka_unit_test(test_missing_port_exit_3),
        cmocka_unit_test(test_optional_port_skipped),
        cmocka_unit_test(test_pty_path_refused),
        cmocka_unit_test(test_1200_baud_refused),
        cmocka_unit_test(test_serial_errors_api),
        cmocka_unit_test(test_pty_suite),
        cmocka_unit_test(test_pty_ceilings_in_results),
        cmocka_unit_test(test_on_disconnect_stop),
        cmocka_unit_test(test_on_disconnect_next),
        cmocka_unit_test(test_interrupt_leaves_nothing),
        cmocka_unit_test(test_device_by_hand),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
