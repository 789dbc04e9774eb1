/* history.c - results/history.sqlite (history.h). */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "changepoint.h"
#include "csv.h"
#include "history.h"
#include "resultdir.h"
#include "results.h"
#include "stats.h"

struct sb_history {
    sqlite3 *db;
    char path[PATH_MAX];
    double timeout_s;
    struct timespec wait_from;
    int said_wait;
};

/* The schema, version SB_HISTORY_SCHEMA.  README.md shows it. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS envs (\n"
    "  env_hash TEXT PRIMARY KEY,\n"
    "  cpu_model TEXT, cores_online INTEGER, kernel TEXT, compiler TEXT,\n"
    "  first_host TEXT, first_seen_utc TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS suites (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  uid TEXT NOT NULL UNIQUE,\n"
    "  created_utc TEXT NOT NULL,\n"
    "  added_utc TEXT NOT NULL,\n"
    "  git_commit TEXT NOT NULL,\n"
    "  git_branch TEXT,\n"
    "  git_commit_utc TEXT,\n"
    "  git_dirty INTEGER,\n"
    "  scenario TEXT NOT NULL,\n"
    "  scenario_hash TEXT,\n"
    "  env_hash TEXT NOT NULL REFERENCES envs(env_hash),\n"
    "  host TEXT,\n"
    "  serbench_version TEXT,\n"
    "  csv_schema_version INTEGER NOT NULL,\n"
    "  source TEXT,\n"
    "  nruns INTEGER NOT NULL,\n"
    "  env_json TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS suites_scenario ON suites(scenario, env_hash, created_utc);\n"
    "CREATE INDEX IF NOT EXISTS suites_commit ON suites(git_commit);\n"
    "CREATE TABLE IF NOT EXISTS runs (\n"
    "  suite_id INTEGER NOT NULL REFERENCES suites(id) ON DELETE CASCADE,\n"
    "  seq INTEGER NOT NULL,\n"
    "  scenario TEXT NOT NULL, job TEXT NOT NULL, strategy TEXT NOT NULL,\n"
    "  allocator TEXT NOT NULL, transport TEXT NOT NULL, peer TEXT NOT NULL,\n"
    "  repeat INTEGER,\n"
    "  job_hash TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  starved INTEGER NOT NULL DEFAULT 0,\n"
    "  mb_per_s REAL, msgs_per_s REAL, cpu_pct REAL,\n"
    "  lat_p50_ns REAL, lat_p99_ns REAL, lat_p999_ns REAL, peak_rss_kb REAL,\n"
    "  row_json TEXT NOT NULL,\n"
    "  PRIMARY KEY (suite_id, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS runs_cell ON runs(scenario, job, strategy, allocator, "
    "transport, peer);\n";

/* ---- opening ------------------------------------------------------------------ */

const char *sb_history_path(const char *given)
{
    const char *p = given && *given ? given : getenv("SERBENCH_HISTORY");
    if (!p || !*p)
        p = SB_HISTORY_DEFAULT;
    if (strcmp(p, "off") == 0 || strcmp(p, "none") == 0)
        return NULL;
    return p;
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* SQLite's busy handler: wait for another writer, saying so once, up to the timeout. */
static int busy(void *ctx, int count)
{
    struct sb_history *h = ctx;
    if (count == 0) {
        clock_gettime(CLOCK_MONOTONIC, &h->wait_from);
        if (!h->said_wait)
            sb_warnf("%s is locked by another writer; waiting up to %g s "
                     "(SERBENCH_HISTORY_TIMEOUT)",
                     h->path, h->timeout_s);
        h->said_wait = 1;
    }
    if (since(&h->wait_from) >= h->timeout_s)
        return 0;
    struct timespec d = {0, 20 * 1000 * 1000};
    nanosleep(&d, NULL);
    return 1;
}

/* An SQLite failure as one line and the exit code it calls for. */
static int db_fail(struct sb_history *h, int rc, const char *what, struct sb_err *err)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT)
        return sb_errf(err, SB_EXIT_USAGE, "%s: damaged or not an SQLite database (%s)", h->path,
                       sqlite3_errstr(rc));
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return sb_errf(err, SB_EXIT_FAILED,
                       "%s: still locked by another writer after %g s (SERBENCH_HISTORY_TIMEOUT)",
                       h->path, h->timeout_s);
    return sb_errf(err, SB_EXIT_FAILED, "%s: %s: %s", h->path, what,
                   h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
}

static int exec(struct sb_history *h, const char *sql, const char *what, struct sb_err *err)
{
    int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(h, rc, what, err);
}

/* One integer from a query (a PRAGMA, a count).  -1 with err. */
static int query_int(struct sb_history *h, const char *sql, long long *out, struct sb_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, sql, err);
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(h, rc, sql, err);
}

/* Creates the schema in an empty file (inside the write lock: two first writers race). */
static int create_schema(struct sb_history *h, struct sb_err *err)
{
    long long ver = 0;
    if (exec(h, "PRAGMA journal_mode=WAL", "setting WAL", err) < 0 ||
        exec(h, "BEGIN IMMEDIATE", "locking", err) < 0)
        return -1;
    char sql[128];
    if (query_int(h, "PRAGMA user_version", &ver, err) < 0)
        goto fail;
    if (ver == 0) {
        if (exec(h, schema_sql, "creating the schema", err) < 0)
            goto fail;
        snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d",
                 SB_HISTORY_APP_ID, SB_HISTORY_SCHEMA);
        if (exec(h, sql, "marking the schema", err) < 0)
            goto fail;
    }
    return exec(h, "COMMIT", "creating the schema", err);
fail:
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int sb_history_open(const char *path, enum sb_history_mode mode, struct sb_history **out,
                    struct sb_err *err)
{
    *out = NULL;
    struct sb_history *h = calloc(1, sizeof(*h));
    if (!h)
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    snprintf(h->path, sizeof(h->path), "%s", path);
    const char *t = getenv("SERBENCH_HISTORY_TIMEOUT");
    h->timeout_s = t && *t ? strtod(t, NULL) : SB_HISTORY_TIMEOUT_S;
    if (!(h->timeout_s >= 0))
        h->timeout_s = SB_HISTORY_TIMEOUT_S;
    struct stat st;
    if (mode == SB_HISTORY_READ && stat(path, &st) < 0) {
        free(h);
        return sb_errf(err, SB_EXIT_USAGE,
                       "%s: no history here (serbench run appends every suite to it; serbench "
                       "history import DIR... adds result directories)",
                       path);
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        free(h);
        return sb_errf(err, SB_EXIT_USAGE, "%s: not a file", path);
    }
    int flags = SQLITE_OPEN_READWRITE | (mode == SB_HISTORY_WRITE ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &h->db, flags, NULL);
    if (rc != SQLITE_OK && mode == SB_HISTORY_READ) {
        sqlite3_close(h->db); /* a read-only copy: read it as it is */
        h->db = NULL;
        rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READONLY, NULL);
    }
    if (rc != SQLITE_OK) {
        db_fail(h, rc, "cannot open", err);
        sb_history_close(h);
        return -1;
    }
    sqlite3_extended_result_codes(h->db, 1);
    sqlite3_busy_handler(h->db, busy, h);

    long long app = 0, ver = 0, tables = 0;
    if (query_int(h, "PRAGMA application_id", &app, err) < 0 ||
        query_int(h, "PRAGMA user_version", &ver, err) < 0 ||
        query_int(h, "SELECT count(*) FROM sqlite_master", &tables, err) < 0)
        goto fail;
    if (app == 0 && ver == 0 && tables == 0) {
        if (mode == SB_HISTORY_READ) {
            sb_errf(err, SB_EXIT_USAGE, "%s: holds no suite yet", path);
            goto fail;
        }
        if (create_schema(h, err) < 0)
            goto fail;
    } else if (app != SB_HISTORY_APP_ID) {
        sb_errf(err, SB_EXIT_USAGE,
                "%s: an SQLite database, but not a serbench history (application_id 0x%llx)",
                path, (unsigned long long)app);
        goto fail;
    } else if (ver > SB_HISTORY_SCHEMA || ver < 1) {
        sb_errf(err, SB_EXIT_USAGE, "%s: history schema %lld, this serbench reads %d", path, ver,
                SB_HISTORY_SCHEMA);
        goto fail;
    }
    if (exec(h, "PRAGMA foreign_keys=ON", "foreign keys", err) < 0)
        goto fail;
    *out = h;
    return 0;
fail:
    sb_history_close(h);
    return -1;
}

void sb_history_close(struct sb_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h);
}

/* ---- appending a suite -------------------------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* A runs.csv number, or NULL when empty or not one. */
static void bind_num(sqlite3_stmt *st, int i, const char *s)
{
    char *end;
    double v = s && *s ? strtod(s, &end) : NAN;
    if (s && *s && !*end && isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Every column of row i as a JSON object, the strings as written. */
static char *row_json(const struct sb_runs *r, size_t i)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < r->ncols; c++) {
        const char *v = r->cell[i][c];
        json_t *s = json_string(v);
        if (!s) { /* not UTF-8: keep what can be kept */
            char *copy = strdup(v);
            for (char *p = copy; p && *p; p++)
                if ((unsigned char)*p >= 0x80)
                    *p = '?';
            s = json_string(copy ? copy : "");
            free(copy);
        }
        json_object_set_new(o, r->name[c], s);
    }
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return text;
}

/* The test hook: SERBENCH_HISTORY_STOP_AFTER=N stops the writer (SIGSTOP)
 * after N runs of a suite are written and before it commits, so a test can
 * kill it in the middle of the transaction without guessing at timing. */
static long stop_after(void)
{
    const char *s = getenv("SERBENCH_HISTORY_STOP_AFTER");
    return s && *s ? strtol(s, NULL, 10) : -1;
}

static const char insert_run_sql[] =
    "INSERT INTO runs (suite_id, seq, scenario, job, strategy, allocator, transport, peer, "
    "repeat, job_hash, status, starved, mb_per_s, msgs_per_s, cpu_pct, lat_p50_ns, lat_p99_ns, "
    "lat_p999_ns, peak_rss_kb, row_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20)";

static int insert_runs(struct sb_history *h, long long id, const struct sb_runs *r,
                       struct sb_err *err)
{
    static const char *const cols[] = {
        "scenario",   "job",        "strategy",   "allocator",   "transport",
        "cfg_peer",   "repeat",     "job_hash",   "status",      "starved",
        "mb_per_s",   "msgs_per_s", "cpu_pct",    "lat_p50_ns",  "lat_p99_ns",
        "lat_p999_ns", "peak_rss_kb",
    };
    int c[sizeof(cols) / sizeof(cols[0])];
    for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
        c[k] = sb_runs_col(r, cols[k]);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db, insert_run_sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "preparing", err);
    long stop = stop_after();
    for (size_t i = 0; i < r->nrows; i++) {
        char *js = row_json(r, i);
        if (!js) {
            sqlite3_finalize(st);
            return sb_errf(err, SB_EXIT_FAILED, "%s: out of memory", h->path);
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (long long)i + 1);
        for (int k = 0; k < 6; k++) /* the cell's key: never NULL */
            sqlite3_bind_text(st, 3 + k, sb_runs_get(r, i, c[k]), -1, SQLITE_TRANSIENT);
        bind_num(st, 9, sb_runs_get(r, i, c[6]));
        bind_text(st, 10, sb_runs_get(r, i, c[7]));
        sqlite3_bind_text(st, 11, sb_runs_get(r, i, c[8]), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 12, strcmp(sb_runs_get(r, i, c[9]), "1") == 0);
        for (int k = 10; k < 17; k++)
            bind_num(st, 3 + k, sb_runs_get(r, i, c[k]));
        sqlite3_bind_text(st, 20, js, -1, free);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) {
            sqlite3_finalize(st);
            return db_fail(h, rc, "writing a run", err);
        }
        if (stop >= 0 && (long)i + 1 == stop)
            raise(SIGSTOP);
    }
    sqlite3_finalize(st);
    return 0;
}

static int insert_suite(struct sb_history *h, const struct sb_dirinfo *d, size_t nruns,
                        long long *id, struct sb_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        h->db,
        "INSERT OR IGNORE INTO envs (env_hash, cpu_model, cores_online, kernel, compiler, "
        "first_host, first_seen_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "preparing", err);
    bind_text(st, 1, d->env_hash);
    bind_text(st, 2, d->cpu_model);
    if (d->cores_online >= 0)
        sqlite3_bind_int64(st, 3, d->cores_online);
    bind_text(st, 4, d->kernel);
    bind_text(st, 5, d->compiler);
    bind_text(st, 6, d->host);
    bind_text(st, 7, d->created_utc);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "writing the environment", err);

    rc = sqlite3_prepare_v2(
        h->db,
        "INSERT INTO suites (uid, created_utc, added_utc, git_commit, git_branch, "
        "git_commit_utc, git_dirty, scenario, scenario_hash, env_hash, host, serbench_version, "
        "csv_schema_version, source, nruns, env_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
        "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "preparing", err);
    char now[32], src[PATH_MAX];
    sb_utc_stamp(now, sizeof(now), 1);
    if (!realpath(d->dir, src))
        snprintf(src, sizeof(src), "%s", d->dir);
    bind_text(st, 1, d->uid);
    bind_text(st, 2, d->created_utc);
    bind_text(st, 3, now);
    bind_text(st, 4, d->git_commit);
    bind_text(st, 5, d->git_branch);
    bind_text(st, 6, d->git_commit_utc);
    if (d->git_dirty >= 0)
        sqlite3_bind_int(st, 7, d->git_dirty);
    sqlite3_bind_text(st, 8, d->suite, -1, SQLITE_TRANSIENT);
    bind_text(st, 9, d->scenario_hash);
    bind_text(st, 10, d->env_hash);
    bind_text(st, 11, d->host);
    bind_text(st, 12, d->serbench_version);
    sqlite3_bind_int(st, 13, d->csv_schema_version);
    bind_text(st, 14, src);
    sqlite3_bind_int64(st, 15, (long long)nruns);
    bind_text(st, 16, d->env_text);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h, rc, "writing the suite", err);
    *id = sqlite3_last_insert_rowid(h->db);
    return 0;
}

static int find_uid(struct sb_history *h, const char *uid, long long *id, struct sb_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db, "SELECT id FROM suites WHERE uid = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "preparing", err);
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW;
    if (found)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(h, rc, "reading", err);
    return found;
}

int sb_history_add(struct sb_history *h, const char *dir, long long *idp, struct sb_err *err)
{
    struct sb_dirinfo d;
    long long id = 0;
    if (sb_dirinfo_read(dir, &d, err) < 0)
        return -1;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    struct sb_runs r;
    if (sb_runs_read(path, &r, err) < 0) {
        sb_dirinfo_free(&d);
        return -1;
    }
    int added = -1;
    if (exec(h, "BEGIN IMMEDIATE", "locking", err) < 0)
        goto out;
    int found = find_uid(h, d.uid, &id, err);
    if (found != 0) {
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        added = found < 0 ? -1 : 0;
        goto out;
    }
    if (insert_suite(h, &d, r.nrows, &id, err) < 0 || insert_runs(h, id, &r, err) < 0 ||
        exec(h, "COMMIT", "committing", err) < 0) {
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    added = 1;
out:
    if (idp)
        *idp = id;
    sb_runs_free(&r);
    sb_dirinfo_free(&d);
    return added;
}

/* ---- metrics ----------------------------------------------------------------- */

static const struct {
    const char *name, *unit;
    int better;
    const char *expr;
} metrics[] = {
    {"mb_per_s", "MB/s", +1, "r.mb_per_s"},
    {"mb_per_cpu_s", "MB/CPU-s", +1, "r.mb_per_s / (NULLIF(r.cpu_pct, 0) / 100.0)"},
    {"msgs_per_s", "messages/s", +1, "r.msgs_per_s"},
    {"lat_p50_ns", "ns", -1, "r.lat_p50_ns"},
    {"lat_p99_ns", "ns", -1, "r.lat_p99_ns"},
    {"lat_p999_ns", "ns", -1, "r.lat_p999_ns"},
    {"peak_rss_kb", "KiB", -1, "r.peak_rss_kb"},
    {"cpu_pct", "% of one core", -1, "r.cpu_pct"},
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

const char *sb_history_metric_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t o = 0;
        for (size_t i = 0; i < NMETRICS && o < sizeof(names); i++)
            o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i ? ", " : "",
                                  metrics[i].name);
    }
    return names;
}

int sb_history_metric(const char *name, struct sb_hmetric *out, struct sb_err *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < NMETRICS; i++)
        if (strcmp(metrics[i].name, name) == 0) {
            snprintf(out->name, sizeof(out->name), "%s", name);
            snprintf(out->expr, sizeof(out->expr), "%s", metrics[i].expr);
            out->unit = metrics[i].unit;
            out->better = metrics[i].better;
            return 0;
        }
    for (size_t i = 0; i < sb_csv_column_count(); i++) {
        const struct sb_column *c = sb_csv_column_at(i);
        if (strcmp(c->name, name) != 0)
            continue;
        snprintf(out->name, sizeof(out->name), "%s", name);
        /* the text as written; C reads it as a number or leaves the run out */
        snprintf(out->expr, sizeof(out->expr), "json_extract(r.row_json, '$.\"%s\"')", name);
        out->unit = c->unit;
        out->better = 0;
        return 0;
    }
    return sb_errf(err, SB_EXIT_USAGE,
                   "unknown metric '%s' (one of %s, or a numeric runs.csv column: serbench help "
                   "csv)",
                   name, sb_history_metric_names());
}

/* A result value as a number: NaN for NULL or text that is not one. */
static double column_number(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: return sqlite3_column_double(st, i);
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_column_text(st, i);
        char *end;
        double v = s && *s ? strtod(s, &end) : NAN;
        return s && *s && !*end ? v : NAN;
    }
    default: return NAN;
    }
}

/* ---- trends ------------------------------------------------------------------ */

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t len)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    snprintf(out, len, "%s", s ? (const char *)s : "");
}

/* The filter's shell globs as SQL: ?1..?7 (NULL matches anything). */
static const char filter_sql[] =
    " (?1 IS NULL OR r.scenario GLOB ?1) AND (?2 IS NULL OR r.job GLOB ?2)"
    " AND (?3 IS NULL OR r.strategy GLOB ?3) AND (?4 IS NULL OR r.allocator GLOB ?4)"
    " AND (?5 IS NULL OR r.transport GLOB ?5) AND (?6 IS NULL OR s.env_hash GLOB ?6)"
    " AND (?7 IS NULL OR s.git_branch GLOB ?7)";

static void bind_filter(sqlite3_stmt *st, const struct sb_hfilter *f)
{
    static const struct sb_hfilter none = {0};
    if (!f)
        f = &none;
    const char *v[7] = {f->scenario, f->job, f->strategy, f->allocator, f->transport, f->env,
                        f->branch};
    for (int i = 0; i < 7; i++)
        bind_text(st, i + 1, v[i]);
}

struct growing {
    void *p;
    size_t n, cap, size;
};

static void *grow(struct growing *g)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        void *p = realloc(g->p, cap * g->size);
        if (!p)
            return NULL;
        g->p = p;
        g->cap = cap;
    }
    char *slot = (char *)g->p + g->n++ * g->size;
    memset(slot, 0, g->size);
    return slot;
}

/* Values of the points of one series, gathered by commit, then summarised. */
struct acc {
    struct sb_hpoint pt;
    long long last_suite;
    double *v;
    size_t n, cap;
};

static int finish_series(struct sb_hseries *s, struct acc *a, size_t na)
{
    s->pts = calloc(na ? na : 1, sizeof(*s->pts));
    double *med = calloc(na ? na : 1, sizeof(*med));
    if (!s->pts || !med) {
        free(med);
        return -1;
    }
    for (size_t i = 0; i < na; i++) {
        struct sb_hpoint *p = &s->pts[s->n];
        *p = a[i].pt;
        struct sb_summary sm;
        struct sb_interval ci;
        if (a[i].n == 0 || sb_stats_summarize(a[i].v, a[i].n, &sm) < 0 ||
            sb_median_ci_order(a[i].v, a[i].n, 0.95, &ci) < 0)
            continue;
        p->runs = a[i].n;
        p->median = sm.median;
        p->lo = ci.lo;
        p->hi = ci.hi;
        p->coverage = ci.coverage;
        med[s->n++] = sm.median;
    }
    struct sb_cp cp[64];
    size_t ncp = 0;
    if (sb_changepoints(med, s->n, cp, 64, &ncp) == 0)
        for (size_t i = 0; i < ncp; i++) {
            s->pts[cp[i].at].change = 1;
            s->pts[cp[i].at].before = cp[i].before;
            s->pts[cp[i].at].rel = cp[i].rel;
        }
    free(med);
    return 0;
}

int sb_history_trends(struct sb_history *h, const struct sb_hfilter *f,
                      const struct sb_hmetric *m, struct sb_hseries **out, size_t *nout,
                      struct sb_err *err)
{
    *out = NULL;
    *nout = 0;
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT r.scenario, r.job, r.strategy, r.allocator, r.transport, r.peer, s.env_hash,"
             " s.git_commit, COALESCE(s.git_dirty, 0), COALESCE(s.git_branch, ''),"
             " COALESCE(s.git_commit_utc, s.created_utc) AS t, s.id, %s"
             " FROM runs r JOIN suites s ON s.id = r.suite_id"
             " WHERE r.status = 'ok' AND r.starved = 0 AND %s"
             " ORDER BY r.scenario, r.job, r.strategy, r.allocator, r.transport, r.peer,"
             " s.env_hash, t, s.created_utc, s.id",
             m->expr, filter_sql);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "reading trends", err);
    bind_filter(st, f);
    struct growing series = {.size = sizeof(struct sb_hseries)};
    struct growing accs = {.size = sizeof(struct acc)};
    struct sb_hseries *cur = NULL;
    int bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !bad) {
        double v = column_number(st, 12);
        if (!isfinite(v))
            continue;
        struct sb_hseries key = {0};
        copy_col(st, 0, key.scenario, sizeof(key.scenario));
        copy_col(st, 1, key.job, sizeof(key.job));
        copy_col(st, 2, key.strategy, sizeof(key.strategy));
        copy_col(st, 3, key.allocator, sizeof(key.allocator));
        copy_col(st, 4, key.transport, sizeof(key.transport));
        copy_col(st, 5, key.peer, sizeof(key.peer));
        copy_col(st, 6, key.env_hash, sizeof(key.env_hash));
        if (!cur || strcmp(cur->scenario, key.scenario) || strcmp(cur->job, key.job) ||
            strcmp(cur->strategy, key.strategy) || strcmp(cur->allocator, key.allocator) ||
            strcmp(cur->transport, key.transport) || strcmp(cur->peer, key.peer) ||
            strcmp(cur->env_hash, key.env_hash)) {
            if (cur && finish_series(cur, accs.p, accs.n) < 0)
                bad = 1;
            for (size_t i = 0; i < accs.n; i++)
                free(((struct acc *)accs.p)[i].v);
            accs.n = 0;
            if (!(cur = grow(&series))) {
                bad = 1;
                break;
            }
            *cur = key;
        }
        char commit[64];
        copy_col(st, 7, commit, sizeof(commit));
        int dirty = sqlite3_column_int(st, 8);
        long long suite = sqlite3_column_int64(st, 11);
        /* the point of this commit: "unknown" commits are one a suite */
        struct acc *a = NULL;
        for (size_t i = 0; i < accs.n && !a; i++) {
            struct acc *c = &((struct acc *)accs.p)[i];
            if (strcmp(c->pt.commit, commit) == 0 && c->pt.dirty == dirty &&
                (strcmp(commit, "unknown") != 0 || c->last_suite == suite))
                a = c;
        }
        if (!a) {
            if (!(a = grow(&accs))) {
                bad = 1;
                break;
            }
            snprintf(a->pt.commit, sizeof(a->pt.commit), "%s", commit);
            a->pt.dirty = dirty;
            copy_col(st, 9, a->pt.branch, sizeof(a->pt.branch));
            copy_col(st, 10, a->pt.when, sizeof(a->pt.when));
            a->last_suite = -1;
        }
        if (a->last_suite != suite) {
            a->pt.suites++;
            a->last_suite = suite;
        }
        if (!a->pt.branch[0])
            copy_col(st, 9, a->pt.branch, sizeof(a->pt.branch));
        if (a->n == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 8;
            double *nv = realloc(a->v, cap * sizeof(*nv));
            if (!nv) {
                bad = 1;
                break;
            }
            a->v = nv;
            a->cap = cap;
        }
        a->v[a->n++] = v;
    }
    if (!bad && cur && finish_series(cur, accs.p, accs.n) < 0)
        bad = 1;
    for (size_t i = 0; i < accs.n; i++)
        free(((struct acc *)accs.p)[i].v);
    free(accs.p);
    sqlite3_finalize(st);
    if (bad || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
        sb_history_trends_free(series.p, series.n);
        if (bad)
            return sb_errf(err, SB_EXIT_FAILED, "out of memory reading %s", h->path);
        return db_fail(h, rc, "reading trends", err);
    }
    *out = series.p;
    *nout = series.n;
    return 0;
}

void sb_history_trends_free(struct sb_hseries *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i].pts);
    free(s);
}

/* ---- suites ------------------------------------------------------------------ */

int sb_history_suites(struct sb_history *h, const struct sb_hfilter *f, struct sb_hsuite **out,
                      size_t *n, struct sb_err *err)
{
    *out = NULL;
    *n = 0;
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT s.id, s.created_utc, s.git_commit, COALESCE(s.git_branch, ''), s.scenario,"
             " s.env_hash, COALESCE(s.host, ''), s.nruns, COALESCE(s.source, '')"
             " FROM suites s WHERE EXISTS (SELECT 1 FROM runs r WHERE r.suite_id = s.id AND %s)"
             " OR (s.nruns = 0 AND ?1 IS NULL AND ?2 IS NULL AND ?3 IS NULL AND ?4 IS NULL"
             " AND ?5 IS NULL AND (?6 IS NULL OR s.env_hash GLOB ?6)"
             " AND (?7 IS NULL OR s.git_branch GLOB ?7))"
             " ORDER BY s.created_utc, s.id",
             filter_sql);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(h, rc, "listing suites", err);
    bind_filter(st, f);
    struct growing g = {.size = sizeof(struct sb_hsuite)};
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sb_hsuite *s = grow(&g);
        if (!s)
            break;
        s->id = sqlite3_column_int64(st, 0);
        copy_col(st, 1, s->created_utc, sizeof(s->created_utc));
        copy_col(st, 2, s->commit, sizeof(s->commit));
        copy_col(st, 3, s->branch, sizeof(s->branch));
        copy_col(st, 4, s->scenario, sizeof(s->scenario));
        copy_col(st, 5, s->env_hash, sizeof(s->env_hash));
        copy_col(st, 6, s->host, sizeof(s->host));
        s->nruns = (long)sqlite3_column_int64(st, 7);
        copy_col(st, 8, s->source, sizeof(s->source));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(g.p);
        return rc == SQLITE_ROW ? sb_errf(err, SB_EXIT_FAILED, "out of memory")
                                : db_fail(h, rc, "listing suites", err);
    }
    *out = g.p;
    *n = g.n;
    return 0;
}

/* ---- the baseline of compare history:N ---------------------------------------- */

int sb_history_baseline(struct sb_history *h, const char *env_hash, const char *scenario,
                        const char *skip, size_t last, struct sb_runs *out, size_t *nsuites,
                        struct sb_err *err)
{
    memset(out, 0, sizeof(*out));
    *nsuites = 0;
    size_t ncols = sb_csv_column_count();
    out->ncols = ncols;
    out->name = calloc(ncols, sizeof(*out->name));
    if (!out->name)
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    for (size_t c = 0; c < ncols; c++)
        if (!(out->name[c] = strdup(sb_csv_column_at(c)->name))) {
            sb_runs_free(out);
            return sb_errf(err, SB_EXIT_FAILED, "out of memory");
        }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        h->db,
        "WITH chosen AS (SELECT id, created_utc FROM suites WHERE env_hash = ?1 AND scenario = ?2"
        " AND (?3 IS NULL OR uid <> ?3) ORDER BY created_utc DESC, id DESC LIMIT ?4)"
        " SELECT c.id, r.row_json FROM chosen c JOIN runs r ON r.suite_id = c.id"
        " ORDER BY c.created_utc DESC, c.id DESC, r.seq",
        -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sb_runs_free(out);
        return db_fail(h, rc, "reading the baseline", err);
    }
    bind_text(st, 1, env_hash);
    bind_text(st, 2, scenario);
    bind_text(st, 3, skip);
    sqlite3_bind_int64(st, 4, (long long)last);
    struct growing rows = {.size = sizeof(char **)};
    long long prev = -1;
    int bad = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        if (id != prev)
            (*nsuites)++;
        prev = id;
        json_t *o = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        char ***slot = grow(&rows);
        char **row = calloc(ncols, sizeof(*row));
        if (!o || !slot || !row) {
            json_decref(o);
            free(row);
            if (slot)
                rows.n--;
            bad = 1;
            break;
        }
        for (size_t c = 0; c < ncols; c++) {
            const char *v = json_string_value(json_object_get(o, out->name[c]));
            row[c] = strdup(v ? v : "");
            bad |= row[c] == NULL;
        }
        *slot = row;
        json_decref(o);
    }
    sqlite3_finalize(st);
    out->cell = rows.p;
    out->nrows = rows.n;
    for (size_t i = 0; i < out->nrows; i++) /* sb_runs_free needs every string */
        for (size_t c = 0; c < ncols; c++)
            if (!out->cell[i][c])
                out->cell[i][c] = strdup("");
    if (bad || rc != SQLITE_DONE) {
        sb_runs_free(out);
        return bad ? sb_errf(err, SB_EXIT_FAILED, "%s: a run that is not a JSON object, or out "
                                                  "of memory", h->path)
                   : db_fail(h, rc, "reading the baseline", err);
    }
    return 0;
}

static int write_runs_csv(const char *path, const struct sb_runs *r)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char buf[8192];
    for (size_t i = 0; i <= r->nrows; i++) {
        for (size_t c = 0; c < r->ncols; c++) {
            size_t at = 0;
            const char *v = i == 0 ? r->name[c] : r->cell[i - 1][c];
            if (sb_csv_field(v, buf, sizeof(buf), &at) == 0)
                fprintf(f, "%s%.*s", c ? "," : "", (int)at, buf);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

int sb_history_baseline_dir(struct sb_history *h, const char *newdir, size_t last,
                            const char *outdir, struct sb_err *err)
{
    struct sb_dirinfo d;
    if (sb_dirinfo_read(newdir, &d, err) < 0)
        return -1;
    struct sb_runs r;
    size_t ns = 0;
    if (sb_history_baseline(h, d.env_hash, d.suite, d.uid, last, &r, &ns, err) < 0) {
        sb_dirinfo_free(&d);
        return -1;
    }
    int rc = -1;
    if (ns == 0) {
        sb_errf(err, SB_EXIT_USAGE,
                "%s: no suite of scenario %s on environment %s (the one of %s) to compare with",
                h->path, d.suite, d.env_hash, newdir);
        goto out;
    }
    char path[PATH_MAX + 32];
    if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
        sb_errf(err, SB_EXIT_FAILED, "%s: %s", outdir, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof(path), "%s/runs.csv", outdir);
    if (write_runs_csv(path, &r) < 0) {
        sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(errno));
        goto out;
    }
    /* env.json: the newest baseline suite's (its environment hash is d's) */
    sqlite3_stmt *st;
    int src = sqlite3_prepare_v2(h->db,
                                 "SELECT env_json FROM suites WHERE env_hash = ?1 AND scenario = ?2"
                                 " AND uid <> ?3 ORDER BY created_utc DESC, id DESC LIMIT 1",
                                 -1, &st, NULL);
    if (src != SQLITE_OK) {
        db_fail(h, src, "reading the baseline", err);
        goto out;
    }
    bind_text(st, 1, d.env_hash);
    bind_text(st, 2, d.suite);
    bind_text(st, 3, d.uid);
    snprintf(path, sizeof(path), "%s/env.json", outdir);
    FILE *f = sqlite3_step(st) == SQLITE_ROW ? fopen(path, "w") : NULL;
    int ok = f && fputs((const char *)sqlite3_column_text(st, 0), f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    sqlite3_finalize(st);
    snprintf(path, sizeof(path), "%s/baseline.txt", outdir);
    FILE *b = ok ? fopen(path, "w") : NULL;
    if (b) {
        fprintf(b,
                "Baseline from %s: the runs of the last %zu suite(s) of scenario %s on "
                "environment %s (asked for %zu), %zu runs, for %s.\n",
                h->path, ns, d.suite, d.env_hash, last, r.nrows, newdir);
        ok = fclose(b) == 0;
    } else {
        ok = 0;
    }
    if (!ok) {
        sb_errf(err, SB_EXIT_FAILED, "%s: cannot write the baseline", outdir);
        goto out;
    }
    rc = 0;
out:
    sb_runs_free(&r);
    sb_dirinfo_free(&d);
    return rc;
}
