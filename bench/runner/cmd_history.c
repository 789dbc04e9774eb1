/*
 * cmd_history.c - `serbench history`: the trend of a metric per commit from
 * results/history.sqlite (history.h), with change points marked; import of
 * result directories from elsewhere; the suites kept; the baseline of
 * `compare history:N` written as a result directory.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "commands.h"
#include "history.h"
#include "history_html.h"

struct hopts {
    const char *path;
    struct sb_hfilter f;
    const char *metric;
    const char *html;
    const char *out;
    long last;
};

static int usage_error(const char *what, const char *arg)
{
    sb_warnf("history: %s%s (serbench help history)", what, arg ? arg : "");
    return SB_EXIT_USAGE;
}

/* Options shared by the subcommands; the rest of argv (operands) from optind. */
static int parse(int argc, char **argv, struct hopts *o)
{
    static const struct option opts[] = {
        {"history", required_argument, NULL, 'H'}, {"scenario", required_argument, NULL, 's'},
        {"job", required_argument, NULL, 'j'},     {"strategy", required_argument, NULL, 'S'},
        {"allocator", required_argument, NULL, 'a'}, {"transport", required_argument, NULL, 't'},
        {"env", required_argument, NULL, 'e'},     {"branch", required_argument, NULL, 'b'},
        {"metric", required_argument, NULL, 'm'},  {"html", required_argument, NULL, 'w'},
        {"output", required_argument, NULL, 'o'},  {"last", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:n:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'H': o->path = optarg; break;
        case 's': o->f.scenario = optarg; break;
        case 'j': o->f.job = optarg; break;
        case 'S': o->f.strategy = optarg; break;
        case 'a': o->f.allocator = optarg; break;
        case 't': o->f.transport = optarg; break;
        case 'e': o->f.env = optarg; break;
        case 'b': o->f.branch = optarg; break;
        case 'm': o->metric = optarg; break;
        case 'w': o->html = optarg; break;
        case 'o': o->out = optarg; break;
        case 'n': {
            char *end;
            o->last = strtol(optarg, &end, 10);
            if (*end || o->last < 1 || o->last > 100000)
                return usage_error("--last expects a number of suites from 1, not ", optarg);
            break;
        }
        case 'h':
            printf("usage: %s\n\n%s", sb_cmd_history.usage, sb_cmd_history.help);
            return 1;
        case ':': return usage_error(argv[optind - 1], " needs a value");
        default: return usage_error("unknown option ", argv[optind - 1]);
        }
    }
    return 0;
}

static int open_history(const struct hopts *o, enum sb_history_mode mode, struct sb_history **h)
{
    const char *path = sb_history_path(o->path);
    if (!path) {
        sb_warnf("history: the history is off (SERBENCH_HISTORY=off); --history PATH names one");
        return SB_EXIT_USAGE;
    }
    struct sb_err err = {0};
    if (sb_history_open(path, mode, h, &err) < 0) {
        sb_warnf("history: %s", err.msg);
        return err.code;
    }
    return 0;
}

static void format_value(double v, char *b, size_t n)
{
    if (isfinite(v))
        snprintf(b, n, "%.4g", v);
    else
        snprintf(b, n, "-");
}

void sb_history_print(FILE *out, const struct sb_hseries *s, size_t n, const struct sb_hmetric *m)
{
    fprintf(out,
            "%s per commit: the median over each commit's ok, unstarved runs with its 95 %% "
            "order-statistic interval (stats.h).  Change points: a penalised L1 step fit of "
            "the medians (gamma = %g x noise x ln n; noise from successive differences, at "
            "least %g %% of the median; interior levels of 2 points or more) whose step is "
            "at least %g %% (changepoint.h).\n",
            m->name, SB_CP_PENALTY, SB_CP_NOISE_FLOOR * 100, SB_CP_MIN_STEP * 100);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "\n%s / %s / %s / %s / %s", s[i].scenario, s[i].job, s[i].strategy,
                s[i].allocator, s[i].transport);
        if (strcmp(s[i].transport, "mem") != 0)
            fprintf(out, " / %s", s[i].peer);
        fprintf(out, "  env %s  %s%s%s%s\n", s[i].env_hash, m->name, m->unit && *m->unit ? " (" : "",
                m->unit && *m->unit ? m->unit : "", m->unit && *m->unit ? ")" : "");
        fprintf(out, "  %-13s %-20s %-16s %6s %5s %10s  %-21s %s\n", "commit", "when", "branch",
                "suites", "runs", "median", "interval", "change");
        for (size_t k = 0; k < s[i].n; k++) {
            const struct sb_hpoint *p = &s[i].pts[k];
            char c[16], med[32], lo[32], hi[32], iv[72], change[160] = "";
            snprintf(c, sizeof(c), "%.12s%s", p->commit, p->dirty ? "+" : "");
            format_value(p->median, med, sizeof(med));
            format_value(p->lo, lo, sizeof(lo));
            format_value(p->hi, hi, sizeof(hi));
            snprintf(iv, sizeof(iv), "%s-%s", lo, hi);
            if (p->change) {
                char before[32];
                format_value(p->before, before, sizeof(before));
                const char *verdict = "";
                if (m->better && isfinite(p->rel))
                    verdict = (p->rel > 0) == (m->better > 0) ? ": improvement" : ": regression";
                snprintf(change, sizeof(change), "step %+.1f %% (%s -> %s)%s",
                         isfinite(p->rel) ? p->rel * 100 : 0.0, before, med, verdict);
            }
            fprintf(out, "  %-13s %-20s %-16.16s %6zu %5zu %10s  %-21s %s\n", c, p->when,
                    p->branch[0] ? p->branch : "-", p->suites, p->runs, med, iv, change);
        }
    }
}

static int trends(const struct hopts *o)
{
    struct sb_err err = {0};
    struct sb_hmetric m;
    if (sb_history_metric(o->metric ? o->metric : "mb_per_s", &m, &err) < 0) {
        sb_warnf("history: %s", err.msg);
        return SB_EXIT_USAGE;
    }
    struct sb_history *h;
    int code = open_history(o, SB_HISTORY_READ, &h);
    if (code)
        return code;
    struct sb_hseries *s;
    size_t n;
    if (sb_history_trends(h, &o->f, &m, &s, &n, &err) < 0) {
        sb_warnf("history: %s", err.msg);
        sb_history_close(h);
        return err.code;
    }
    if (n == 0) {
        fprintf(stderr, "serbench: history: no run matches (serbench history suites lists what "
                        "is kept)\n");
    } else if (o->html) {
        if (sb_history_html(o->html, sb_history_path(o->path), s, n, &m, &err) < 0) {
            sb_warnf("history: %s", err.msg);
            code = err.code;
        } else {
            fprintf(stderr, "serbench: history: %zu trend(s) in %s/index.html\n", n, o->html);
        }
    } else {
        sb_history_print(stdout, s, n, &m);
    }
    sb_history_trends_free(s, n);
    sb_history_close(h);
    return code;
}

static int import(const struct hopts *o, int argc, char **argv)
{
    if (optind >= argc)
        return usage_error("import: no result directory given", NULL);
    struct sb_history *h;
    int code = open_history(o, SB_HISTORY_WRITE, &h);
    if (code)
        return code;
    for (int i = optind; i < argc; i++) {
        struct sb_err err = {0};
        long long id = 0;
        int rc = sb_history_add(h, argv[i], &id, &err);
        if (rc < 0) {
            sb_warnf("history import: %s", err.msg);
            if (code == 0 || err.code == SB_EXIT_USAGE)
                code = err.code;
        } else {
            printf("%s: %s suite %lld\n", argv[i], rc ? "added as" : "already kept as", id);
        }
    }
    sb_history_close(h);
    return code;
}

static int suites(const struct hopts *o)
{
    struct sb_history *h;
    int code = open_history(o, SB_HISTORY_READ, &h);
    if (code)
        return code;
    struct sb_err err = {0};
    struct sb_hsuite *s;
    size_t n;
    if (sb_history_suites(h, &o->f, &s, &n, &err) < 0) {
        sb_warnf("history: %s", err.msg);
        sb_history_close(h);
        return err.code;
    }
    printf("%-5s %-20s %-12s %-16s %-24s %-16s %5s %s\n", "id", "created", "commit", "branch",
           "scenario", "env", "runs", "host");
    for (size_t i = 0; i < n; i++)
        printf("%-5lld %-20s %-12.12s %-16.16s %-24.24s %-16s %5ld %s\n", s[i].id,
               s[i].created_utc, s[i].commit, s[i].branch[0] ? s[i].branch : "-", s[i].scenario,
               s[i].env_hash, s[i].nruns, s[i].host);
    free(s);
    sb_history_close(h);
    return SB_EXIT_OK;
}

static int baseline(const struct hopts *o, int argc, char **argv)
{
    if (optind + 1 != argc || !o->out)
        return usage_error("baseline: expected NEWDIR -o OUTDIR [--last N]", NULL);
    struct sb_history *h;
    int code = open_history(o, SB_HISTORY_READ, &h);
    if (code)
        return code;
    struct sb_err err = {0};
    if (sb_history_baseline_dir(h, argv[optind], o->last ? (size_t)o->last : 5, o->out, &err) <
        0) {
        sb_warnf("history baseline: %s", err.msg);
        code = err.code;
    } else {
        fprintf(stderr, "serbench: history: baseline for %s in %s/ (baseline.txt says which)\n",
                argv[optind], o->out);
    }
    sb_history_close(h);
    return code;
}

static int history_main(int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (sub && strcmp(sub, "import") && strcmp(sub, "suites") && strcmp(sub, "baseline"))
        return usage_error("unknown subcommand ", sub);
    struct hopts o = {0};
    optind = sub ? 2 : 1;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? SB_EXIT_USAGE : rc == 1 ? SB_EXIT_OK : rc;
    if (!sub) {
        if (optind != argc)
            return usage_error("unexpected argument ", argv[optind]);
        return trends(&o);
    }
    if (strcmp(sub, "import") == 0)
        return import(&o, argc, argv);
    if (optind != argc && strcmp(sub, "suites") == 0)
        return usage_error("unexpected argument ", argv[optind]);
    return strcmp(sub, "suites") == 0 ? suites(&o) : baseline(&o, argc, argv);
}

const struct sb_command sb_cmd_history = {
    .name = "history",
    .usage = "serbench history [--scenario S] [--job J] [--strategy S] [--allocator A]\n"
             "                        [--transport T] [--env HASH] [--branch B] [--metric M]\n"
             "                        [--html DIR] [--history PATH]\n"
             "       serbench history import DIR... [--history PATH]\n"
             "       serbench history suites [filters] [--history PATH]\n"
             "       serbench history baseline NEWDIR -o OUTDIR [--last N] [--history PATH]",
    .summary = "trends per commit from every suite kept, with change points; import; baselines",
    .help =
        "serbench run appends every suite to results/history.sqlite (--history PATH or\n"
        "SERBENCH_HISTORY name another file; SERBENCH_HISTORY=off keeps none): its runs,\n"
        "every column, and its env.json, keyed by commit, branch, time, scenario hash\n"
        "and environment hash.\n"
        "\n"
        "serbench history prints, for each cell (scenario / job / strategy / allocator /\n"
        "transport) in each environment, the metric per commit, oldest first: the median\n"
        "over the commit's ok, unstarved runs with its 95 % order-statistic interval,\n"
        "and marks change points (a penalised step fit of the medians; a step of at\n"
        "least 5 %; the rule is printed with the table).  The filters are shell globs.\n"
        "  --metric M     mb_per_s (default), mb_per_cpu_s, msgs_per_s, lat_p50_ns,\n"
        "                 lat_p99_ns, lat_p999_ns, peak_rss_kb, cpu_pct, or any numeric\n"
        "                 runs.csv column (serbench help csv)\n"
        "  --html DIR     write DIR/index.html with a plot a trend instead (gnuplot)\n"
        "\n"
        "import DIR...    adds result directories from elsewhere (CI runners, hosts with\n"
        "                 boards), each keyed by its environment hash; a directory\n"
        "                 already kept is recognised (by its runs.csv and env.json) and\n"
        "                 not added twice\n"
        "suites           lists the suites kept\n"
        "baseline NEWDIR  the baseline of `compare history:N` for the result directory\n"
        "                 NEWDIR: the runs of the last N (--last, default 5) suites of\n"
        "                 the same scenario on the same environment, written as a result\n"
        "                 directory OUTDIR (runs.csv, env.json, baseline.txt)\n"
        "\n"
        "A writer waits for another one up to SERBENCH_HISTORY_TIMEOUT seconds (30).\n"
        "Exit codes: 0 done; 2 bad input (not a history, damaged, a newer schema, a\n"
        "result directory of another schema version, an unknown metric or option);\n"
        "1 the file could not be written or stayed locked.\n",
    .main = history_main,
};
