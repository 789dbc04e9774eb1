/*
 * test-csv.c - runs.csv: field escaping, and a header and rows that agree
 * with each other and with the column table.
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

#include "csv.h"
#include "csvread.h"

static void test_field_escaping(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {" lead", "\" lead\""},
        {"trail ", "\"trail \""},
        {"in side", "in side"},
        {"\"", "\"\"\"\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        size_t at = 0;
        assert_int_equal(sb_csv_field(cases[i].in, out, sizeof(out), &at), 0);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(at, strlen(cases[i].out));
    }
    /* too small: refused, never truncated into a broken field */
    char small[6];
    size_t at = 0;
    assert_int_equal(sb_csv_field("a,b,c", small, sizeof(small), &at), -1);
    at = 0;
    assert_int_equal(sb_csv_field("abcde", small, sizeof(small), &at), 0);
    at = 0;
    assert_int_equal(sb_csv_field("abcdef", small, sizeof(small), &at), -1);
}

static void test_columns_unique_and_documented(void **state)
{
    (void)state;
    size_t n = sb_csv_column_count();
    assert_true(n > 40);
    assert_string_equal(sb_csv_column_at(0)->name, "schema_version");
    assert_string_equal(sb_csv_column_at(1)->name, "status");
    assert_null(sb_csv_column_at(n));
    char *md = NULL;
    size_t mdlen = 0;
    FILE *f = open_memstream(&md, &mdlen);
    sb_csv_schema_markdown(f);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        const struct sb_column *c = sb_csv_column_at(i);
        assert_true(c->doc && *c->doc);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->name, sb_csv_column_at(j)->name) == 0)
                fail_msg("column %s twice", c->name);
        char want[96];
        snprintf(want, sizeof(want), "| %zu | `%s` |", i + 1, c->name);
        if (!strstr(md, want))
            fail_msg("schema lacks %s", want);
    }
    free(md);
}

/* rec's field in the column hdr names name; a missing column fails the test. */
static const char *field(const struct csv_record *hdr, const struct csv_record *rec,
                         const char *name)
{
    int i = csv_col(hdr, name);
    if (i < 0 || (size_t)i >= rec->n)
        fail_msg("no column %s", name);
    return rec->field[i];
}

/* A row with awkward text and known numbers, formatted and read back. */
static void test_header_and_row_agree(void **state)
{
    (void)state;
    struct sb_scenario scen = {.name = "scen"};
    struct sb_job job = {.message_text = "lognormal:mean=64,sd=32,max=1024"};
    struct sb_cell cell = {.scenario = &scen, .job = &job};
    snprintf(cell.p.job, sizeof(cell.p.job), "job,1");
    snprintf(cell.p.strategy, sizeof(cell.p.strategy), "ring_spsc");
    snprintf(cell.p.allocator, sizeof(cell.p.allocator), "jemalloc");
    snprintf(cell.p.transport, sizeof(cell.p.transport), "mem");
    cell.p.repeat = 2;
    cell.p.seed = UINT64_MAX;
    cell.p.overflow = SB_OVERFLOW_DROP;
    cell.p.rate = 2000;
    snprintf(cell.p.link.peer, sizeof(cell.p.link.peer), "nrf52840-sim");
    snprintf(cell.p.link.link, sizeof(cell.p.link.link), "uart:1000000");
    snprintf(cell.p.link.faults, sizeof(cell.p.link.faults), "drop:0.1 delay:5@0.2");
    cell.p.link.baud = 921600;
    cell.p.link.flow_rtscts = 1;
    cell.p.link.device_rx_buffer = 2048;
    cell.p.link.device_byte_ns = 200;
    cell.p.link.write_size = 4096;
    cell.p.link.on_disconnect_stop = 1;
    cell.p.link.hardware_optional = 1;
    struct sb_run_result r = {.status = SB_STATUS_FAILED};
    snprintf(r.reason, sizeof(r.reason), "sent 10 != received 9, \"lost\"\nsecond line");
    snprintf(r.allocator_seen, sizeof(r.allocator_seen), "jemalloc 5.3.0");
    r.bytes_sent = 1000;
    r.bytes_recv = 900;
    r.bytes_dropped = 100;
    r.wall_s = 2;
    r.cpu_user_s = 0.5;
    r.cpu_sys_s = 0.5;
    r.bytes_per_s = 450;
    r.latency.p99_ns = 123456789;
    r.buf.capacity = 65536;
    r.peak_rss_kb = 4321;
    r.buf.used = 17;
    r.ceiling_bytes_per_s = 123456789.5;
    r.ceiling_echo_bytes_per_s = 2.5e7;
    r.ceiling_rtt_p50_ns = 98765;
    r.dev_overrun_bytes = 11;
    r.dev_drop_frames = 12;
    r.dev_corrupt_frames = 13;
    r.dev_delay_faults = 14;
    r.dev_stall_faults = 15;
    struct sb_row row = {.cell = &cell, .r = &r};
    snprintf(row.started_utc, sizeof(row.started_utc), "2025-01-31T12:34:56Z");

    char text[32768];
    assert_int_equal(sb_csv_header(text, sizeof(text)), 0);
    size_t hl = strlen(text);
    assert_int_equal(sb_csv_row(&row, text + hl, sizeof(text) - hl), 0);
    assert_int_equal(text[strlen(text) - 1], '\n');

    const char *p = text;
    struct csv_record hdr, rec, end;
    assert_int_equal(csv_next(&p, &hdr), 1);
    assert_int_equal(csv_next(&p, &rec), 1);
    assert_int_equal(csv_next(&p, &end), 0);
    assert_int_equal(hdr.n, sb_csv_column_count());
    assert_int_equal(rec.n, hdr.n);
    for (size_t i = 0; i < hdr.n; i++)
        assert_string_equal(hdr.field[i], sb_csv_column_at(i)->name);
#define FIELD(name) field(&hdr, &rec, name)
    assert_string_equal(FIELD("schema_version"), "2");
    assert_string_equal(FIELD("status"), "failed");
    assert_string_equal(FIELD("reason"), r.reason);
    assert_string_equal(FIELD("started_utc"), "2025-01-31T12:34:56Z");
    assert_string_equal(FIELD("scenario"), "scen");
    assert_string_equal(FIELD("job"), "job,1");
    assert_string_equal(FIELD("allocator_seen"), "jemalloc 5.3.0");
    assert_string_equal(FIELD("repeat"), "2");
    assert_string_equal(FIELD("seed"), "18446744073709551615");
    assert_string_equal(FIELD("cfg_message"), "lognormal:mean=64,sd=32,max=1024");
    assert_string_equal(FIELD("cfg_overflow"), "drop");
    assert_string_equal(FIELD("cfg_rate_per_s"), "2000");
    assert_string_equal(FIELD("bytes_sent"), "1000");
    assert_string_equal(FIELD("bytes_recv"), "900");
    assert_string_equal(FIELD("bytes_dropped"), "100");
    assert_string_equal(FIELD("lat_p99_ns"), "123456789");
    assert_string_equal(FIELD("buf_capacity"), "65536");
    assert_string_equal(FIELD("peak_rss_kb"), "4321");
    assert_string_equal(FIELD("cpu_pct"), "50");
    assert_string_equal(FIELD("wall_s"), "2");
    assert_string_equal(FIELD("cfg_peer"), "nrf52840-sim");
    assert_string_equal(FIELD("cfg_port"), "");
    assert_string_equal(FIELD("cfg_baud"), "921600");
    assert_string_equal(FIELD("cfg_flow"), "rtscts");
    assert_string_equal(FIELD("cfg_link"), "uart:1000000");
    assert_string_equal(FIELD("cfg_device_rx_buffer"), "2048");
    assert_string_equal(FIELD("cfg_device_ram"), "0");
    assert_string_equal(FIELD("cfg_device_byte_cost_ns"), "200");
    assert_string_equal(FIELD("cfg_faults"), "drop:0.1 delay:5@0.2");
    assert_string_equal(FIELD("cfg_write_size"), "4096");
    assert_string_equal(FIELD("cfg_on_disconnect"), "stop");
    assert_string_equal(FIELD("cfg_hardware"), "optional");
    assert_string_equal(FIELD("buf_used"), "17");
    assert_string_equal(FIELD("ceiling_bytes_per_s"), "123456790"); /* %.9g */
    assert_string_equal(FIELD("ceiling_echo_bytes_per_s"), "25000000");
    assert_string_equal(FIELD("ceiling_rtt_p50_ns"), "98765");
    assert_string_equal(FIELD("dev_overrun_bytes"), "11");
    assert_string_equal(FIELD("dev_drop_frames"), "12");
    assert_string_equal(FIELD("dev_corrupt_frames"), "13");
    assert_string_equal(FIELD("dev_delay_faults"), "14");
    assert_string_equal(FIELD("dev_stall_faults"), "15");
#undef FIELD
    csv_free(&hdr);
    csv_free(&rec);

    /* a buffer too small for the row is refused */
    char tiny[64];
    assert_int_equal(sb_csv_row(&row, tiny, sizeof(tiny)), -1);
}

static void test_file_rows(void **state)
{
    (void)state;
    char dir[] = "/tmp/sb-csv-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    struct sb_csv c;
    struct sb_err err = {0};
    assert_int_equal(sb_csv_open(&c, path, &err), 0);
    /* never over an existing file */
    struct sb_csv c2;
    assert_int_equal(sb_csv_open(&c2, path, &err), -1);
    assert_non_null(strstr(err.msg, "runs.csv"));

    struct sb_scenario scen = {.name = "s"};
    struct sb_job job = {.message_text = "fixed:64"};
    struct sb_cell cell = {.scenario = &scen, .job = &job};
    struct sb_run_result r = {.status = SB_STATUS_OK};
    struct sb_row row = {.cell = &cell, .r = &r};
    memset(&err, 0, sizeof(err));
    assert_int_equal(sb_csv_append(&c, &row, &err), 0);
    r.status = SB_STATUS_ABORTED;
    snprintf(r.reason, sizeof(r.reason), "interrupted");
    assert_int_equal(sb_csv_append(&c, &row, &err), 0);
    sb_csv_close(&c);

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = text;
    /* Zeroed: gcc -O3 cannot see that the loop's first pass fills hdr. */
    struct csv_record rec, hdr = {0};
    const char *status[] = {"status", "ok", "aborted"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(csv_next(&p, &rec), 1);
        assert_int_equal(rec.n, sb_csv_column_count());
        assert_string_equal(rec.field[1], status[i]);
        if (i == 0) {
            memcpy(&hdr, &rec, sizeof(rec));
            continue;
        }
        /* a mem run: the transport keys at their defaults, nothing measured */
        assert_string_equal(field(&hdr, &rec, "cfg_peer"), "");
        assert_string_equal(field(&hdr, &rec, "cfg_flow"), "none");
        assert_string_equal(field(&hdr, &rec, "cfg_on_disconnect"), "next");
        assert_string_equal(field(&hdr, &rec, "cfg_hardware"), "required");
        assert_string_equal(field(&hdr, &rec, "ceiling_echo_bytes_per_s"), "0");
        assert_string_equal(field(&hdr, &rec, "dev_drop_frames"), "0");
        csv_free(&rec);
    }
    csv_free(&hdr);
    assert_int_equal(csv_next(&p, &rec), 0);
    unlink(path);
    rmdir(dir);
}

static void test_reader_rejects_torn_lines(void **state)
{
    (void)state;
    /* the checks elsewhere rely on the reader noticing a torn last line */
    const char *p = "a,b\n1,2";
    struct csv_record rec;
    assert_int_equal(csv_next(&p, &rec), 1);
    csv_free(&rec);
    assert_int_equal(csv_next(&p, &rec), -1);
    csv_free(&rec);
    p = "\"open\n";
    assert_int_equal(csv_next(&p, &rec), -1);
    csv_free(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_escaping),
        cmocka_unit_test(test_columns_unique_and_documented),
        cmocka_unit_test(test_header_and_row_agree),
        cmocka_unit_test(test_file_rows),
        cmocka_unit_test(test_reader_rejects_torn_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
