/*
 * compare_out.c - what serbench compare writes: a Markdown table of the
 * cells that changed (fit for $GITHUB_STEP_SUMMARY), JSON with every cell,
 * and Bencher Metric Format.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"
#include "stats.h"

static const char *metric_label(size_t m)
{
    return m == SB_CMP_STATUS ? "runs" : sb_cmp_metric_at(m)->label;
}

static const char *metric_name(size_t m)
{
    return m == SB_CMP_STATUS ? "status" : sb_cmp_metric_at(m)->name;
}

/* "small ring_spsc glibc mem" (+ peer off mem, + scenario when several). */
static void cell_label(const struct sb_side_cell *x, enum sb_cmp_source kind, char *b, size_t n)
{
    if (kind != SB_SRC_RUNS) {
        snprintf(b, n, "%s", x->name);
        return;
    }
    if (strcmp(x->key[4], "mem") == 0)
        snprintf(b, n, "%.100s/%.100s · %.100s · %.100s · mem", x->key[0], x->key[1], x->key[2], x->key[3]);
    else
        snprintf(b, n, "%.100s/%.100s · %.100s · %.100s · %.60s/%.60s", x->key[0], x->key[1], x->key[2], x->key[3],
                 x->key[4], x->key[5]);
}

static void num(char *b, size_t n, double v)
{
    if (!isfinite(v))
        snprintf(b, n, "-");
    else if (fabs(v) >= 1e6 || (fabs(v) < 1e-3 && v != 0))
        snprintf(b, n, "%.3e", v);
    else
        snprintf(b, n, "%.4g", v);
}

static const char *verdict_title(int code)
{
    switch (code) {
    case SB_EXIT_OK: return "no regression";
    case SB_EXIT_FAILED: return "regression";
    case SB_EXIT_NOT_COMPARABLE: return "nothing compared";
    case SB_EXIT_INCONCLUSIVE: return "inconclusive";
    default: return "?";
    }
}

static void side_line(FILE *out, const struct sb_side *s)
{
    fprintf(out, "%s `%s`", s->label, s->path);
    if (s->git_commit[0])
        fprintf(out, " (commit %.10s", s->git_commit);
    else
        fputs(" (", out);
    fprintf(out, "%senv %s)", s->git_commit[0] ? ", " : "", s->env_hash[0] ? s->env_hash : "?");
}

static void rows_of(const struct sb_cmp *c, FILE *out, enum sb_verdict want)
{
    for (size_t i = 0; i < c->nrows; i++) {
        const struct sb_cmp_row *r = &c->rows[i];
        if (r->t.verdict != want)
            continue;
        char cell[1024], b[32], n[32], ra[32], lo[32], hi[32], p[32];
        cell_label(c->cells[r->cell].n, c->new_.kind, cell, sizeof(cell));
        num(b, sizeof(b), r->t.base_median);
        num(n, sizeof(n), r->t.new_median);
        num(ra, sizeof(ra), r->t.ratio);
        num(lo, sizeof(lo), r->t.lo);
        num(hi, sizeof(hi), r->t.hi);
        if (isfinite(r->t.p_holm))
            snprintf(p, sizeof(p), "%.2g", r->t.p_holm);
        else
            snprintf(p, sizeof(p), "-");
        char iv[80] = "-";
        if (isfinite(r->t.lo))
            snprintf(iv, sizeof(iv), "%s–%s", lo, hi);
        fprintf(out, "| %s%s%s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                want == SB_V_REGRESSED ? "**" : "", sb_verdict_name(want),
                want == SB_V_REGRESSED ? "**" : "", cell, metric_label(r->metric), b, n, ra, iv,
                p, r->t.why);
    }
}

void sb_cmp_markdown(const struct sb_cmp *c, FILE *out, const char *title)
{
    int code = sb_cmp_exit(c);
    size_t counts[4], compared;
    sb_cmp_counts(c, counts, &compared);
    fprintf(out, "### %s: %s (exit %d)\n\n", title ? title : "serbench compare",
            verdict_title(code), code);
    side_line(out, &c->base);
    fputs(" → ", out);
    side_line(out, &c->new_);
    fprintf(out, "\n\n%zu cells compared: %zu regressed, %zu inconclusive, %zu improved, %zu "
                 "unchanged.  %zu measured tests, Holm at α = %g; %zu usable runs a side needed.\n\n",
            compared, counts[SB_V_REGRESSED], counts[SB_V_INCONCLUSIVE], counts[SB_V_IMPROVED],
            counts[SB_V_UNCHANGED], c->ntested, c->opts.alpha, c->opts.min_repeats);
    for (int i = 0; i < 2; i++) {
        const struct sb_side *s = i ? &c->new_ : &c->base;
        if (s->inject[0])
            fprintf(out, "> **Injected faults in %s** (`--inject %s`): a gate validation, not a "
                         "measurement.\n\n",
                    s->label, s->inject);
    }
    if (c->forced_env)
        fprintf(out, "> **Different environments, compared because of --force**: %s.\n\n",
                c->env_diff);
    int any = 0;
    for (size_t i = 0; i < c->nrows; i++)
        any |= c->rows[i].t.verdict != SB_V_UNCHANGED;
    if (any) {
        fputs("| verdict | cell | metric | before | after | ratio | 90 % interval | p (Holm) | why |\n"
              "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n", out);
        rows_of(c, out, SB_V_REGRESSED);
        rows_of(c, out, SB_V_INCONCLUSIVE);
        rows_of(c, out, SB_V_IMPROVED);
        fputc('\n', out);
    } else if (compared) {
        fputs("Every compared metric is unchanged within its threshold.\n\n", out);
    }
    if (c->nnotes) {
        fputs("Not compared:\n\n", out);
        for (size_t i = 0; i < c->nnotes; i++)
            fprintf(out, "- `%s`: %s\n", c->notes[i].name, c->notes[i].why);
        fputc('\n', out);
    }
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct sb_side *s)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "label", s->label, "path", s->path,
                     "env_hash", s->env_hash[0] ? s->env_hash : NULL, "git_commit",
                     s->git_commit[0] ? s->git_commit : NULL, "inject",
                     s->inject[0] ? s->inject : NULL);
}

static json_t *runs_json(const struct sb_side_cell *x)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "runs", (json_int_t)x->runs, "ok",
                     (json_int_t)x->ok, "failed", (json_int_t)x->failed, "aborted",
                     (json_int_t)x->aborted, "skipped", (json_int_t)x->skipped, "starved",
                     (json_int_t)x->starved);
}

static json_t *row_json(const struct sb_cmp_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "metric", json_string(metric_name(r->metric)));
    if (r->metric != SB_CMP_STATUS) {
        json_object_set_new(o, "kind", json_string(r->rule.kind == SB_EXACT ? "exact" : "measured"));
        json_object_set_new(o, "better",
                            json_string(r->rule.better == SB_HIGHER_BETTER ? "higher" : "lower"));
        json_object_set_new(o, "threshold", real(r->rule.threshold));
        json_object_set_new(o, "base", json_pack("{s:I, s:o}", "n", (json_int_t)r->t.nb,
                                                 "median", real(r->t.base_median)));
        json_object_set_new(o, "new", json_pack("{s:I, s:o}", "n", (json_int_t)r->t.nn,
                                                "median", real(r->t.new_median)));
        json_object_set_new(o, "ratio", real(r->t.ratio));
        json_object_set_new(o, "interval", json_pack("[o, o]", real(r->t.lo), real(r->t.hi)));
        json_object_set_new(o, "p", real(r->t.p));
        json_object_set_new(o, "p_holm", real(r->t.p_holm));
    }
    json_object_set_new(o, "verdict", json_string(sb_verdict_name(r->t.verdict)));
    json_object_set_new(o, "why", json_string(r->t.why));
    return o;
}

static json_t *key_json(const struct sb_side_cell *x, enum sb_cmp_source kind)
{
    if (kind != SB_SRC_RUNS)
        return json_pack("{s:s}", "benchmark", x->name);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "scenario", x->key[0], "job", x->key[1],
                     "strategy", x->key[2], "allocator", x->key[3], "transport", x->key[4],
                     "peer", x->key[5]);
}

json_t *sb_cmp_json_obj(const struct sb_cmp *c)
{
    int code = sb_cmp_exit(c);
    size_t counts[4], compared;
    sb_cmp_counts(c, counts, &compared);
    json_t *root = json_object();
    json_object_set_new(root, "verdict", json_string(verdict_title(code)));
    json_object_set_new(root, "exit", json_integer(code));
    json_object_set_new(root, "base", side_json(&c->base));
    json_object_set_new(root, "new", side_json(&c->new_));
    json_object_set_new(root, "alpha", json_real(c->opts.alpha));
    json_object_set_new(root, "min_repeats", json_integer((json_int_t)c->opts.min_repeats));
    json_object_set_new(root, "keep_starved", json_boolean(c->opts.keep_starved));
    json_object_set_new(root, "measured_tests", json_integer((json_int_t)c->ntested));
    json_object_set_new(root, "forced_environment",
                        c->forced_env ? json_string(c->env_diff) : json_null());
    json_object_set_new(root, "counts",
                        json_pack("{s:I, s:I, s:I, s:I, s:I}", "compared", (json_int_t)compared,
                                  "regressed", (json_int_t)counts[SB_V_REGRESSED], "inconclusive",
                                  (json_int_t)counts[SB_V_INCONCLUSIVE], "improved",
                                  (json_int_t)counts[SB_V_IMPROVED], "unchanged",
                                  (json_int_t)counts[SB_V_UNCHANGED]));
    json_t *cells = json_array();
    for (size_t i = 0; i < c->ncells; i++) {
        const struct sb_cmp_cell *x = &c->cells[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(x->n->name));
        json_object_set_new(o, "key", key_json(x->n, c->new_.kind));
        json_object_set_new(o, "verdict", json_string(sb_verdict_name(x->verdict)));
        if (c->new_.kind == SB_SRC_RUNS)
            json_object_set_new(o, "job_hash", json_string(x->n->job_hash));
        json_object_set_new(o, "runs", json_pack("{s:o, s:o}", "base", runs_json(x->b), "new",
                                                 runs_json(x->n)));
        json_t *ms = json_array();
        for (size_t r = 0; r < c->nrows; r++)
            if (c->rows[r].cell == i)
                json_array_append_new(ms, row_json(&c->rows[r]));
        json_object_set_new(o, "metrics", ms);
        json_array_append_new(cells, o);
    }
    json_object_set_new(root, "cells", cells);
    json_t *nc = json_array();
    for (size_t i = 0; i < c->nnotes; i++)
        json_array_append_new(nc, json_pack("{s:s, s:s}", "name", c->notes[i].name, "why",
                                            c->notes[i].why));
    json_object_set_new(root, "not_compared", nc);
    return root;
}

int sb_cmp_json(const struct sb_cmp *c, FILE *out)
{
    json_t *root = sb_cmp_json_obj(c);
    int rc = root && json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
    json_decref(root);
    return rc;
}

/* ---- Bencher Metric Format -------------------------------------------------------- */

int sb_cmp_bmf(const struct sb_cmp *c, FILE *out)
{
    /* {"benchmark": {"measure": {"value": median, "lower_value": lo, "upper_value": hi}}}:
     * NEW's cells, every metric with a value, the 95 % order-statistic
     * interval of the median (min..max at 5 runs). */
    json_t *root = json_object();
    for (size_t i = 0; i < c->new_.ncells; i++) {
        const struct sb_side_cell *x = &c->new_.cells[i];
        json_t *b = json_object();
        for (size_t m = 0; m < sb_cmp_metric_count(); m++) {
            if (!x->n[m] || sb_cmp_metric_at(m)->source != c->new_.kind)
                continue;
            double med;
            struct sb_interval ci;
            if (sb_stats_median(x->v[m], x->n[m], &med) < 0)
                continue;
            json_t *v = json_pack("{s:f}", "value", med);
            if (sb_median_ci_order(x->v[m], x->n[m], 0.95, &ci) == 0 && x->n[m] > 1) {
                json_object_set_new(v, "lower_value", json_real(ci.lo));
                json_object_set_new(v, "upper_value", json_real(ci.hi));
            }
            json_object_set_new(b, sb_cmp_metric_at(m)->name, v);
        }
        json_object_set_new(root, x->name, b);
    }
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 &&
                     fputc('\n', out) != EOF
                 ? 0
                 : -1;
    json_decref(root);
    return rc;
}
