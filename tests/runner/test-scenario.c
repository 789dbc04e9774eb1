/*
 * test-scenario.c - scenario files: every key, every unit, include, ${VAR},
 * [global] inheritance, and each error naming file:line (and, where there
 * is one, the nearest valid name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tfile.h"
#include "sbuf/registry.h"
#include "scenario.h"
#include "units.h"

static char dir[PATH_MAX];

/* Writes name in the test directory; returns its path (static buffer). */
static const char *put(const char *name, const char *text)
{
    static char path[PATH_MAX + 64];
    assert_int_equal(tfile_write(dir, name, text, path, sizeof(path)), 0);
    return path;
}

static struct sb_scenario *load_ok(const char *text)
{
    struct sb_scenario *sc = NULL;
    struct sb_err err = {0};
    int rc = sb_scenario_load(put("t.ini", text), &sc, &err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err.msg);
    assert_non_null(sc);
    return sc;
}

/* Loads text as t.ini, expects failure, and checks the message holds every
 * one of the NULL-terminated substrings ("t.ini:N" included by the caller). */
static void load_fails(const char *text, ...)
{
    struct sb_scenario *sc = NULL;
    struct sb_err err = {0};
    int rc = sb_scenario_load(put("t.ini", text), &sc, &err);
    if (rc == 0)
        fail_msg("loaded, but should have failed:\n%s", text);
    assert_null(sc);
    assert_int_equal(err.code, SB_EXIT_USAGE);
    assert_null(strchr(err.msg, '\n')); /* one line */
    va_list ap;
    va_start(ap, text);
    for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *))
        if (!strstr(err.msg, want))
            fail_msg("error '%s' lacks '%s'", err.msg, want);
    va_end(ap);
}

static const struct sb_job *job(const struct sb_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->njobs; i++)
        if (strcmp(sc->jobs[i].name, name) == 0)
            return &sc->jobs[i];
    fail_msg("no job %s", name);
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sb-scenario-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- units ---------------------------------------------------------------- */

static void test_sizes(void **state)
{
    (void)state;
    static const struct { const char *s; uint64_t v; } ok[] = {
        {"0", 0}, {"64", 64}, {"64B", 64}, {"4k", 4096}, {"4K", 4096}, {"4KiB", 4096},
        {"1MiB", 1048576}, {"1M", 1048576}, {"2G", 2147483648ull}, {"1GiB", 1073741824ull},
        {"4kB", 4000}, {"4KB", 4000}, {"1MB", 1000000}, {"1GB", 1000000000}, {"1.5KiB", 1536},
        {"18446744073709551615", UINT64_MAX},
    };
    static const char *const bad[] = {"", "KiB", "4 KiB", "4kib", "-1", "+4", "1e3", "0x10",
                                      "4.KiB", ".5K", "4KiBs", "18446744073709551616",
                                      "17179869184G", "inf", "nan"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 1234;
        if (sb_parse_size(ok[i].s, &v) != 0)
            fail_msg("size '%s' refused", ok[i].s);
        assert_int_equal(v, ok[i].v);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v;
        if (sb_parse_size(bad[i], &v) == 0)
            fail_msg("size '%s' accepted", bad[i]);
    }
}

static void test_durations(void **state)
{
    (void)state;
    static const struct { const char *s; uint64_t v; } ok[] = {
        {"0", 0}, {"250ns", 250}, {"20us", 20000}, {"100ms", 100000000}, {"10s", 10000000000ull},
        {"1.5s", 1500000000}, {"2m", 120000000000ull}, {"2min", 120000000000ull},
        {"1h", 3600000000000ull}, {"0.5ms", 500000},
    };
    static const char *const bad[] = {"", "10", "10 s", "s", "1.s", "10sec", "-1s", "1d", "ms10"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 1234;
        if (sb_parse_duration(ok[i].s, &v) != 0)
            fail_msg("duration '%s' refused", ok[i].s);
        assert_int_equal(v, ok[i].v);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v;
        if (sb_parse_duration(bad[i], &v) == 0)
            fail_msg("duration '%s' accepted", bad[i]);
    }
}

static void test_counts_rates_u64(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(sb_parse_count("100k", &v), 0);
    assert_int_equal(v, 100000);
    assert_int_equal(sb_parse_count("2M", &v), 0);
    assert_int_equal(v, 2000000);
    assert_int_equal(sb_parse_count("1G", &v), 0);
    assert_int_equal(v, 1000000000);
    assert_int_not_equal(sb_parse_count("1KiB", &v), 0);
    assert_int_equal(sb_parse_u64("0xff", &v), 0);
    assert_int_equal(v, 255);
    assert_int_equal(sb_parse_u64("42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_not_equal(sb_parse_u64("0x", &v), 0);
    assert_int_not_equal(sb_parse_u64("4k", &v), 0);
    assert_int_not_equal(sb_parse_u64("0x1ffffffffffffffff", &v), 0);

    double r = -1;
    assert_int_equal(sb_parse_rate("max", &r), 0);
    assert_true(r == 0);
    assert_int_equal(sb_parse_rate("2000/s", &r), 0);
    assert_true(r == 2000);
    assert_int_equal(sb_parse_rate("2k/s", &r), 0);
    assert_true(r == 2000);
    assert_int_equal(sb_parse_rate("5/ms", &r), 0);
    assert_true(r == 5000);
    assert_int_equal(sb_parse_rate("600/min", &r), 0);
    assert_true(r == 10);
    assert_int_equal(sb_parse_rate("0.5/s", &r), 0);
    assert_true(r == 0.5);
    static const char *const bad[] = {"2000", "0/s", "x/s", "/s", "2000/h", "2000/ s", "MAX"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sb_parse_rate(bad[i], &r) == 0)
            fail_msg("rate '%s' accepted", bad[i]);
}

/* ---- keys ------------------------------------------------------------------ */

static void test_defaults(void **state)
{
    (void)state;
    struct sb_scenario *sc = load_ok("[only]\n");
    assert_string_equal(sc->name, "t");
    assert_int_equal(sc->njobs, 1);
    const struct sb_job *j = &sc->jobs[0];
    assert_string_equal(j->name, "only");
    assert_string_equal(j->base.job, "only");
    assert_int_equal(j->line, 1);
    assert_int_equal(j->nstrategies, sbuf_registry_count());
    assert_int_equal(j->nallocators, 1);
    assert_string_equal(j->allocators[0], "glibc");
    assert_int_equal(j->repeat, 1);
    assert_int_equal(j->seed, 1);
    assert_int_equal(j->base.duration_ns, 5000000000ull);
    assert_int_equal(j->base.bytes, 0);
    assert_int_equal(j->base.messages, 0);
    assert_int_equal(j->base.message.kind, SB_MSG_FIXED);
    assert_int_equal(j->base.message.lo, 64);
    assert_string_equal(j->message_text, "fixed:64");
    assert_true(j->base.rate == 0);
    assert_int_equal(j->base.buffer, 65536);
    assert_int_equal(j->base.max_buffer, 0);
    assert_int_equal(j->base.overflow, SB_OVERFLOW_BLOCK);
    assert_string_equal(j->base.transport, "mem");
    assert_string_equal(j->base.link.peer, "echo");
    assert_string_equal(j->base.link.port, "auto");
    assert_int_equal(j->base.link.baud, 115200);
    /* auto timeout: twice duration + warmup, plus 30 s */
    assert_int_equal(j->timeout_ns, 40000000000ull);
    sb_scenario_free(sc);
}

static void test_every_key(void **state)
{
    (void)state;
    put("sizes.txt", "# sizes\n16\n\n  32  \n4KiB # big\n");
    struct sb_scenario *sc = load_ok(
        "[all]\n"
        "strategies = ring_spsc, bip ring_locked,ring_spsc\n"
        "allocators = glibc,jemalloc\n"
        "repeat = 3\n"
        "seed = 0xdeadbeef\n"
        "messages = 10k\n"
        "warmup = 250ms\n"
        "timeout = 2m\n"
        "message = replay:sizes.txt\n"
        "rate = 2k/s\n"
        "stall = 5ms@1s\n"
        "buffer = 1MiB\n"
        "max_buffer = 4MiB\n"
        "overflow = drop\n"
        "transport = pty\n"
        "peer = nrf52840-sim\n"
        "port = /dev/ttyACM0\n"
        "baud = 1000000\n"
        "flow = rtscts\n"
        "link = uart:1000000\n"
        "device_rx_buffer = 4KiB\n"
        "device_ram = 130kB\n"
        "device_byte_cost = 200ns\n"
        "device_packet_cost = 50us\n"
        "faults = drop:0.01 corrupt:0.001 delay:5@0.1 stall:20@1s disconnect:at=3s\n"
        "write_size = 4KiB\n"
        "on_disconnect = stop\n"
        "reconnect = 5s\n"
        "hardware = optional\n"
        "description = every key, once\n");
    const struct sb_job *j = job(sc, "all");
    assert_int_equal(j->nstrategies, 3); /* duplicate dropped */
    assert_string_equal(j->strategies[0], "ring_spsc");
    assert_string_equal(j->strategies[1], "bip");
    assert_string_equal(j->strategies[2], "ring_locked");
    assert_int_equal(j->nallocators, 2);
    assert_string_equal(j->allocators[1], "jemalloc");
    assert_int_equal(j->repeat, 3);
    assert_int_equal(j->seed, 0xdeadbeef);
    assert_int_equal(j->base.messages, 10000);
    assert_int_equal(j->base.duration_ns, 0);
    assert_int_equal(j->base.warmup_ns, 250000000);
    assert_int_equal(j->timeout_ns, 120000000000ull);
    assert_int_equal(j->base.message.kind, SB_MSG_REPLAY);
    assert_int_equal(j->base.message.nsizes, 3);
    assert_int_equal(j->base.message.sizes[0], 16);
    assert_int_equal(j->base.message.sizes[1], 32);
    assert_int_equal(j->base.message.sizes[2], 4096);
    assert_int_equal(j->base.message.hi, 4096);
    assert_true(j->base.rate == 2000);
    assert_int_equal(j->base.stall_ns, 5000000);
    assert_int_equal(j->base.stall_period_ns, 1000000000);
    assert_int_equal(j->base.buffer, 1048576);
    assert_int_equal(j->base.max_buffer, 4194304);
    assert_int_equal(j->base.overflow, SB_OVERFLOW_DROP);
    assert_string_equal(j->base.transport, "pty");
    assert_string_equal(j->base.link.peer, "nrf52840-sim");
    assert_string_equal(j->base.link.port, "/dev/ttyACM0");
    assert_int_equal(j->base.link.baud, 1000000);
    assert_int_equal(j->base.link.flow_rtscts, 1);
    assert_string_equal(j->base.link.link, "uart:1000000");
    assert_int_equal(j->base.link.device_rx_buffer, 4096);
    assert_int_equal(j->base.link.device_ram, 130000);
    assert_int_equal(j->base.link.device_byte_ns, 200);
    assert_int_equal(j->base.link.device_packet_ns, 50000);
    assert_string_equal(j->base.link.faults,
                        "drop:0.01 corrupt:0.001 delay:5@0.1 stall:20@1s disconnect:at=3s");
    assert_int_equal(j->base.link.write_size, 4096);
    assert_int_equal(j->base.link.on_disconnect_stop, 1);
    assert_int_equal(j->base.link.reconnect_ns, 5000000000ull);
    assert_int_equal(j->base.link.hardware_optional, 1);
    assert_string_equal(j->description, "every key, once");
    sb_scenario_free(sc);
}

static void test_every_key_other_jobs(void **state)
{
    (void)state;
    struct sb_scenario *sc = load_ok(
        "[b]\nbytes = 64MiB\nburst = 50@100ms\nmessage = uniform:16-512\n"
        "[c]\nmessage = lognormal:mean=64,sd=32,max=1024\nmessages = 1M\nstall = none\n"
        "[d]\nstrategies = all\nallocators = all\nburst = none\nfaults = none\nmax_buffer = auto\n"
        "link = cdc\ntimeout = auto\n");
    const struct sb_job *b = job(sc, "b");
    assert_int_equal(b->base.bytes, 64ull << 20);
    assert_int_equal(b->base.duration_ns, 0);
    assert_int_equal(b->base.burst_count, 50);
    assert_int_equal(b->base.burst_period_ns, 100000000);
    assert_int_equal(b->base.message.kind, SB_MSG_UNIFORM);
    assert_int_equal(b->base.message.lo, 16);
    assert_int_equal(b->base.message.hi, 512);
    assert_int_equal(b->timeout_ns, 600000000000ull); /* auto for a bytes job */
    const struct sb_job *c = job(sc, "c");
    assert_int_equal(c->base.message.kind, SB_MSG_LOGNORMAL);
    assert_true(c->base.message.mean == 64);
    assert_true(c->base.message.sd == 32);
    assert_int_equal(c->base.message.max, 1024);
    assert_int_equal(c->base.messages, 1000000);
    const struct sb_job *d = job(sc, "d");
    assert_int_equal(d->nallocators, 4);
    assert_int_equal(d->nstrategies, sbuf_registry_count());
    assert_string_equal(d->base.link.link, "cdc");
    assert_string_equal(d->base.link.faults, "");
    sb_scenario_free(sc);
}

static void test_global_inheritance(void **state)
{
    (void)state;
    struct sb_scenario *sc = load_ok(
        "; a comment\n"
        "# another\n"
        "[global]\n"
        "buffer = 4KiB\n"
        "duration = 2s\n"
        "strategies = ring_spsc\n"
        "[a]\n"
        "[b]\n"
        "buffer = 8KiB ; inline comment\n"
        "messages = 500  # inline too\n"
        "[global]\n"
        "rate = 100/s\n"
        "[c]\n"
        "  overflow = drop\n");
    assert_int_equal(sc->njobs, 3);
    const struct sb_job *a = job(sc, "a"), *b = job(sc, "b"), *c = job(sc, "c");
    assert_int_equal(a->base.buffer, 4096);
    assert_int_equal(a->base.duration_ns, 2000000000ull);
    assert_true(a->base.rate == 0); /* set in [global] only after [a] */
    assert_int_equal(a->nstrategies, 1);
    assert_int_equal(b->base.buffer, 8192);
    assert_int_equal(b->base.messages, 500);
    assert_int_equal(b->base.duration_ns, 0); /* replaced, not both */
    assert_int_equal(c->base.buffer, 4096);
    assert_true(c->base.rate == 100);
    assert_int_equal(c->base.overflow, SB_OVERFLOW_DROP); /* indented: still a key */
    assert_int_equal(c->base.duration_ns, 2000000000ull);
    assert_int_equal(c->line, 13);
    sb_scenario_free(sc);
}

static void test_include(void **state)
{
    (void)state;
    put("common.inc", "[global]\nbuffer = 16KiB\nmessage = fixed:128\n");
    put("job.inc", "duration = 1s\n");
    struct sb_scenario *sc = load_ok("include common.inc\n[a]\ninclude job.inc\nrate = 10/s\n");
    const struct sb_job *a = job(sc, "a");
    assert_int_equal(a->base.buffer, 16384);
    assert_int_equal(a->base.message.lo, 128);
    assert_int_equal(a->base.duration_ns, 1000000000ull);
    assert_true(a->base.rate == 10);
    sb_scenario_free(sc);

    /* an error inside an included file names that file and its line */
    put("bad.inc", "# line 1\nbuffer = lots\n");
    load_fails("[a]\ninclude bad.inc\n", "bad.inc:2:", "buffer = lots", "accepted:", NULL);
    put("loop.inc", "include t.ini\n");
    load_fails("[a]\ninclude loop.inc\n", "loop.inc:1:", "includes itself", NULL);
    load_fails("[a]\ninclude missing.inc\n", "t.ini:2:", "missing.inc", NULL);
}

static void test_env_vars(void **state)
{
    (void)state;
    setenv("SB_TEST_BUF", "8KiB", 1);
    setenv("SB_TEST_EMPTY", "", 1);
    unsetenv("SB_TEST_UNSET");
    struct sb_scenario *sc = load_ok(
        "[a]\nbuffer = ${SB_TEST_BUF}\nduration = ${SB_TEST_UNSET:-3s}\n"
        "rate = ${SB_TEST_EMPTY:-20}/s\ndescription = costs $5 {not a var}\n");
    const struct sb_job *a = job(sc, "a");
    assert_int_equal(a->base.buffer, 8192);
    assert_int_equal(a->base.duration_ns, 3000000000ull);
    assert_true(a->base.rate == 20);
    assert_string_equal(a->description, "costs $5 {not a var}");
    sb_scenario_free(sc);
}

static void test_env_var_errors(void **state)
{
    (void)state;
    unsetenv("SB_TEST_UNSET");
    load_fails("[a]\nbuffer = ${SB_TEST_UNSET}\n", "t.ini:2:", "${SB_TEST_UNSET} is not set", NULL);
    load_fails("[a]\n\nbuffer = ${SB_TEST_UNSET\n", "t.ini:3:", "closing '}'", NULL);
    load_fails("[a]\nbuffer = ${BAD-NAME}\n", "t.ini:2:", "not a variable name", NULL);
}

static void test_unknown_key(void **state)
{
    (void)state;
    load_fails("[a]\n\nstrategy = ring_spsc\n", "t.ini:3:", "unknown key 'strategy'",
               "nearest valid key: 'strategies'", NULL);
    load_fails("[global]\nbufer = 4k\n[a]\n", "t.ini:2:", "'buffer'", NULL);
    load_fails("[a]\nmax_bufer = 4k\n", "t.ini:2:", "'max_buffer'", NULL);
}

static void test_bad_values(void **state)
{
    (void)state;
    static const struct { const char *line, *want1, *want2; } cases[] = {
        {"strategies = ring_spcs", "did you mean 'ring_spsc'", "valid: all, ring_locked"},
        {"strategies = all, bip", "'all' stands alone", "accepted:"},
        {"strategies = ,", "empty list", "accepted:"},
        {"allocators = jemaloc", "did you mean 'jemalloc'", "tcmalloc"},
        {"repeat = 0", "repeat = 0 is not valid", "1 to 1000"},
        {"repeat = many", "repeat = many", "1 to 1000"},
        {"seed = -3", "seed = -3", "decimal or 0x hex"},
        {"duration = 10", "duration = 10", "accepted: a duration"},
        {"duration = 0", "must be more than 0", "accepted:"},
        {"bytes = 0", "must be more than 0", "accepted: a size"},
        {"messages = lots", "messages = lots", "accepted: a count"},
        {"warmup = soon", "warmup = soon", "accepted: a duration"},
        {"timeout = 0", "timeout = 0", "auto, or a duration"},
        {"message = gauss:64", "unknown distribution 'gauss'", "fixed:N"},
        {"message = 64", "message = 64", "fixed:N"},
        {"message = fixed:0", "1 B to 16 MiB", "fixed:N"},
        {"message = uniform:512-16", "above HI", "uniform:LO-HI"},
        {"message = uniform:16", "LO-HI", "uniform:LO-HI"},
        {"message = lognormal:mean=64", "needs mean, sd and max", "lognormal"},
        {"message = lognormal:mean=64,sd=2,max=9,x=1", "unknown lognormal parameter 'x'", "lognormal"},
        {"message = lognormal:mean=900,sd=2,max=100", "above max", "lognormal"},
        {"message = replay:nope.txt", "cannot read", "replay:FILE"},
        {"rate = 100", "rate = 100", "accepted: max, or messages per time"},
        {"rate = fast", "rate = fast", "2000/s"},
        {"burst = 50", "burst = 50", "COUNT@PERIOD"},
        {"burst = 0@1s", "burst = 0@1s", "COUNT@PERIOD"},
        {"stall = 1s@1s", "shorter than its period", "PAUSE@PERIOD"},
        {"stall = 5ms", "stall = 5ms", "PAUSE@PERIOD"},
        {"buffer = 2GiB", "out of range", "accepted: a size from 1 B to 1 GiB"},
        {"buffer = 4XB", "buffer = 4XB", "accepted: a size"},
        {"max_buffer = big", "max_buffer = big", "auto, or a size"},
        {"overflow = dorp", "did you mean 'drop'", "block or drop"},
        {"transport = serail", "did you mean 'serial'", "mem, pty or serial"},
        {"peer = ehco", "did you mean 'echo'", "nrf52840-sim"},
        {"baud = 1200", "bootloader", "never 1200"},
        {"baud = fast", "baud = fast is not valid", "accepted: a baud rate"},
        {"flow = xon", "valid: none, rtscts", "none or rtscts"},
        {"link = spi", "link = spi", "uart:BAUD or cdc"},
        {"link = uart:1200", "bootloader", "uart:BAUD or cdc"},
        {"device_rx_buffer = 2MiB", "out of range", "accepted: a size up to 1 MiB"},
        {"device_ram = x", "device_ram = x is not valid", "accepted: a size up to 1 MiB"},
        {"device_byte_cost = 5", "device_byte_cost = 5", "a duration"},
        {"device_packet_cost = x", "device_packet_cost = x", "a duration"},
        {"faults = drop", "not KIND:PARAMETERS", "drop:P"},
        {"faults = explode:1", "did you mean", "drop:P"},
        {"write_size = -1", "write_size = -1 is not valid", "up to 16 MiB"},
        {"on_disconnect = retry", "valid: next, stop", "next or stop"},
        {"reconnect = forever", "reconnect = forever", "a duration"},
        {"hardware = maybe", "valid: required, optional", "required or optional"},
        {"buffer =", "buffer has no value", "accepted:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "[global]\n[job]\n# x\n%s\n", cases[i].line);
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int)strcspn(cases[i].line, " ="), cases[i].line);
        load_fails(text, "t.ini:4:", key, cases[i].want1, cases[i].want2, NULL);
    }
}

static void test_cross_checks(void **state)
{
    (void)state;
    /* errors found when the job is complete point at its [section] line */
    load_fails("[global]\nbuffer = 1KiB\n\n[big]\nmessage = fixed:4096\n", "t.ini:4:", "[big]",
               "never fit", NULL);
    load_fails("[a]\nbuffer = 8KiB\nmax_buffer = 4KiB\n", "t.ini:1:", "max_buffer 4KiB",
               "smaller than buffer", NULL);
    load_fails("[global]\nrate = 100/s\n[a]\nburst = 10@1s\n", "t.ini:3:",
               "rate and burst are both set", NULL);
    load_fails("[a]\nduration = 1s\nmessages = 5\n", "t.ini:3:", "already has duration (line 2)",
               "exactly one of duration, bytes, messages", NULL);
    /* with drop, a message that never fits is refused and counted, not a hang */
    struct sb_scenario *sc = load_ok("[a]\nbuffer = 1KiB\noverflow = drop\nmessage = fixed:4096\n");
    sb_scenario_free(sc);
    /* growing strategies may grow into max_buffer */
    sc = load_ok("[a]\nbuffer = 1KiB\nmax_buffer = 64KiB\nmessage = fixed:4096\n");
    sb_scenario_free(sc);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    load_fails("[a]\njust words\n", "t.ini:2:", "expected 'key = value'", NULL);
    load_fails("[a]\nkey: value\n", "t.ini:2:", "expected 'key = value'", NULL);
    load_fails("[a\n", "t.ini:1:", "closing ']'", NULL);
    load_fails("[a b]\n", "t.ini:1:", "section name", NULL);
    load_fails("buffer = 4k\n[a]\n", "t.ini:1:", "outside any section", NULL);
    load_fails("[a]\n[b]\n[a]\n", "t.ini:3:", "job [a] is already defined at", "t.ini:1", NULL);
    load_fails("[global]\nbuffer = 4k\n", "t.ini", "no job sections", NULL);
    load_fails("", "t.ini", "no job sections", NULL);

    struct sb_scenario *sc = NULL;
    struct sb_err err = {0};
    assert_int_equal(sb_scenario_load("/nonexistent/x.ini", &sc, &err), -1);
    assert_int_equal(err.code, SB_EXIT_USAGE);
    assert_non_null(strstr(err.msg, "/nonexistent/x.ini"));
    assert_non_null(strstr(err.msg, "No such file"));
}

static void test_long_lines(void **state)
{
    (void)state;
    char text[6000];
    int n = snprintf(text, sizeof(text), "[a]\ndescription = ");
    memset(text + n, 'x', 250);
    snprintf(text + n + 250, sizeof(text) - (size_t)n - 250, "\n");
    /* beyond inih's compiled-in 200-byte line, and still read whole */
    struct sb_scenario *sc = load_ok(text);
    assert_int_equal(strlen(sc->jobs[0].description), 250);
    sb_scenario_free(sc);
    memset(text + n, 'x', 300);
    snprintf(text + n + 300, sizeof(text) - (size_t)n - 300, "\n");
    load_fails(text, "t.ini:2:", "description", "longer than 255", NULL);
    memset(text + n, 'y', 5000);
    snprintf(text + n + 5000, sizeof(text) - (size_t)n - 5000, "\n");
    load_fails(text, "t.ini:2:", "line longer than", NULL);
}

/* Every key in the table is documented in scenarios/README.md. */
static void test_readme_documents_every_key(void **state)
{
    (void)state;
    const char *src = getenv("SERBENCH_SOURCE_DIR");
    if (!src)
        skip();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/scenarios/README.md", src);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 17];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < sb_scenario_key_count(); i++) {
        char want[80];
        snprintf(want, sizeof(want), "| `%s` |", sb_scenario_key_at(i)->name);
        if (!strstr(text, want))
            fail_msg("scenarios/README.md does not document key %s", sb_scenario_key_at(i)->name);
    }
}

/* Every shipped scenario loads. */
static void test_shipped_scenarios_load(void **state)
{
    (void)state;
    const char *src = getenv("SERBENCH_SOURCE_DIR");
    if (!src)
        skip();
    static const char *const names[] = {"default", "smoke", "telemetry-bursts", "slow-consumer",
                                        "allocator-churn"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/scenarios/%s.ini", src, names[i]);
        struct sb_scenario *sc = NULL;
        struct sb_err err = {0};
        if (sb_scenario_load(path, &sc, &err) != 0)
            fail_msg("%s", err.msg);
        assert_true(sc->njobs > 0);
        sb_scenario_free(sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_counts_rates_u64),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_every_key_other_jobs),
        cmocka_unit_test(test_global_inheritance),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_env_vars),
        cmocka_unit_test(test_env_var_errors),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_cross_checks),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_readme_documents_every_key),
        cmocka_unit_test(test_shipped_scenarios_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
