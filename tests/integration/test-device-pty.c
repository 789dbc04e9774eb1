/*
 * test-device-pty.c - `serbench device --pty` with a host that is not
 * serbench: the emulator makes its own pseudo-terminal pair (no socat),
 * prints the host's end, echoes through it, and follows the rate and flow
 * control the host sets through termios (C termios here, and pyserial from
 * Debian's python3-serial where it is installed), saying what a pty cannot
 * carry.  What is checked is what the emulator says it applied and the
 * bytes it echoes, never how long anything took (the model's rates
 * themselves are checked in model time: test-device-model).
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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define WAIT_MS 20000 /* a bound for a failing test, not a measurement */

static const char *bin;

/* The emulator, started with its stdout and stderr on pipes. */
struct dev {
    pid_t pid;
    int out, err;
    char path[256];
    char said[16384]; /* everything it wrote on stderr so far */
    size_t nsaid;
};

static void dev_start(struct dev *d, const char *link)
{
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    d->pid = fork();
    assert_true(d->pid >= 0);
    if (d->pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        execl(bin, bin, "device", "--pty", "--link", link, (char *)NULL);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    d->out = po[0];
    d->err = pe[0];
    d->nsaid = 0;
    d->said[0] = '\0';
    /* The one line on stdout: the path. */
    size_t n = 0;
    while (n + 1 < sizeof(d->path)) {
        struct pollfd p = {.fd = d->out, .events = POLLIN};
        assert_true(poll(&p, 1, WAIT_MS) == 1);
        ssize_t r = read(d->out, d->path + n, 1);
        assert_true(r == 1);
        if (d->path[n] == '\n')
            break;
        n++;
    }
    d->path[n] = '\0';
    assert_int_equal(strncmp(d->path, "/dev/pts/", 9), 0);
}

/* Reads the emulator's stderr until it has said want (fails after WAIT_MS). */
static void dev_expect(struct dev *d, const char *want)
{
    while (!strstr(d->said, want)) {
        struct pollfd p = {.fd = d->err, .events = POLLIN};
        if (poll(&p, 1, WAIT_MS) != 1 || d->nsaid + 1 >= sizeof(d->said))
            fail_msg("the emulator never said \"%s\"; it said:\n%s", want, d->said);
        ssize_t r = read(d->err, d->said + d->nsaid, sizeof(d->said) - 1 - d->nsaid);
        if (r <= 0)
            fail_msg("the emulator exited without saying \"%s\"; it said:\n%s", want, d->said);
        d->nsaid += (size_t)r;
        d->said[d->nsaid] = '\0';
    }
}

static void dev_stop(struct dev *d)
{
    kill(d->pid, SIGTERM);
    int st;
    assert_int_equal(waitpid(d->pid, &st, 0), d->pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    close(d->out);
    close(d->err);
}

/* The host: sets speed (and RTS/CTS, and CLOCAL) through termios. */
static void host_set(int fd, speed_t speed, int rtscts, int clocal)
{
    struct termios t;
    assert_int_equal(tcgetattr(fd, &t), 0);
    cfmakeraw(&t);
    assert_int_equal(cfsetspeed(&t, speed), 0);
    t.c_cflag = rtscts ? t.c_cflag | CRTSCTS : t.c_cflag & ~(tcflag_t)CRTSCTS;
    t.c_cflag = clocal ? t.c_cflag | CLOCAL : t.c_cflag & ~(tcflag_t)CLOCAL;
    assert_int_equal(tcsetattr(fd, TCSANOW, &t), 0);
}

/* Writes n bytes and reads them back (the emulator is an echo device). */
static void host_echo(int fd, const char *msg)
{
    size_t n = strlen(msg), got = 0;
    assert_int_equal(write(fd, msg, n), (ssize_t)n);
    char back[256];
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_true(poll(&p, 1, WAIT_MS) == 1);
        ssize_t r = read(fd, back + got, n - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_memory_equal(back, msg, n);
}

static void test_follows_termios(void **state)
{
    (void)state;
    if (!bin || access(bin, X_OK) != 0)
        skip();
    struct dev d;
    dev_start(&d, "uart:115200");
    int fd = open(d.path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(fd >= 0);
    /* Opened as it is: raw 8N1 at the emulator's rate, no echo by the pty. */
    struct termios t;
    assert_int_equal(tcgetattr(fd, &t), 0);
    assert_int_equal(cfgetospeed(&t), B115200);
    assert_int_equal(t.c_lflag & (ECHO | ICANON), 0);
    host_echo(fd, "at 115200");

    host_set(fd, B300, 0, 1);
    host_echo(fd, "slow"); /* 4 bytes at 30 B/s each way */
    dev_expect(&d, "the host set 300 baud, flow none: the modelled UART now runs at 300 baud");

    host_set(fd, B1000000, 1, 1);
    host_echo(fd, "fast, with RTS/CTS");
    dev_expect(&d, "the host set 1000000 baud, flow rtscts: the modelled UART now runs at "
                   "1000000 baud");
    dev_expect(&d, "a pty carries no modem lines");

    /* Modem control on: said plainly, nothing else changes. */
    host_set(fd, B1000000, 1, 0);
    dev_expect(&d, "the host turned modem control on (CLOCAL off): a pty has no carrier");

    /* The modem lines themselves do not exist on a pty. */
    int lines;
    assert_int_equal(ioctl(fd, TIOCMGET, &lines), -1);

    /* A rate the chip cannot do is clamped, and said. */
    host_set(fd, B2000000, 0, 1);
    dev_expect(&d, "now runs at 1000000 baud (100000 B/s each way), flow none (UARTE takes 300 "
                   "to 1000000 baud)");

    /* The host goes and comes back: the pair stays (no hang-up). */
    close(fd);
    fd = open(d.path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(fd >= 0);
    host_echo(fd, "again");
    close(fd);
    dev_stop(&d);
}

/* USB CDC ignores the host's rate, as the board does. */
static void test_cdc_ignores_rate(void **state)
{
    (void)state;
    if (!bin || access(bin, X_OK) != 0)
        skip();
    struct dev d;
    dev_start(&d, "cdc");
    int fd = open(d.path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(fd >= 0);
    host_set(fd, B9600, 0, 1);
    host_echo(fd, "cdc");
    dev_expect(&d, "the host set 9600 baud: a USB CDC link runs at full speed whatever");
    close(fd);
    dev_stop(&d);
}

/* A third-party host: pyserial (python3-serial, Debian) opening the port at
 * 300 baud, writing, reading the echo, then changing to 1 Mbaud. */
static void test_pyserial_host(void **state)
{
    (void)state;
    if (!bin || access(bin, X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import serial' >/dev/null 2>&1") != 0)
        skip(); /* apt-get install python3-serial */
    struct dev d;
    dev_start(&d, "uart:115200");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 -c \"import serial\n"
             "s = serial.Serial('%s', baudrate=300, timeout=20)\n"
             "s.write(b'pyserial'); assert s.read(8) == b'pyserial'\n"
             "s.baudrate = 1000000\n"
             "s.write(b'fast'); assert s.read(4) == b'fast'\n"
             "s.close()\"",
             d.path);
    assert_int_equal(system(cmd), 0);
    dev_expect(&d, "the host set 300 baud, flow none: the modelled UART now runs at 300 baud");
    dev_expect(&d, "the host set 1000000 baud, flow none: the modelled UART now runs at 1000000");
    dev_stop(&d);
}

int main(void)
{
    bin = getenv("SERBENCH_BIN");
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follows_termios),
        cmocka_unit_test(test_cdc_ignores_rate),
        cmocka_unit_test(test_pyserial_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
