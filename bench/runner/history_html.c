/* history_html.c - serbench history --html DIR (history_html.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "changepoint.h"
#include "history_html.h"
#include "mdhtml.h"
#include "page.h"
#include "plots.h"
#include "results.h"

static void series_name(const struct sb_hseries *s, char *b, size_t n)
{
    snprintf(b, n, "%s / %s / %s / %s / %s%s%s", s->scenario, s->job, s->strategy, s->allocator,
             s->transport, strcmp(s->transport, "mem") ? " / " : "",
             strcmp(s->transport, "mem") ? s->peer : "");
}

/* plots/trend-<i>.gp: the median per commit, whiskers, change points. */
static int trend_script(const char *plotdir, size_t i, const struct sb_hseries *s,
                        const struct sb_hmetric *m, char *stem, size_t slen)
{
    snprintf(stem, slen, "trend-%zu", i + 1);
    char path[PATH_MAX + 128];
    snprintf(path, sizeof(path), "%s/%.60s.gp", plotdir, stem);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# %s.gp - made by serbench history --html; `gnuplot %s.gp` here remakes it\n"
               "reset session\nset termoption noenhanced\nset encoding utf8\n$d << EOD\n",
            stem, stem);
    for (size_t k = 0; k < s->n; k++) {
        char label[40] = "", q[64] = "";
        snprintf(label, sizeof(label), "%.8s%s", s->pts[k].commit, s->pts[k].dirty ? "+" : "");
        sb_gp_datum(label, q, sizeof(q));
        fprintf(f, "%zu %s %.6g %.6g %.6g\n", k, q, s->pts[k].median, s->pts[k].lo,
                s->pts[k].hi);
    }
    fputs("EOD\n", f);
    char name[400], title[600], q[700] = "";
    series_name(s, name, sizeof(name));
    snprintf(title, sizeof(title), "%s (env %s)", name, s->env_hash);
    sb_gp_quote(title, q, sizeof(q));
    fprintf(f,
            "set title %s\nset ylabel '%s%s%s%s'\nset xlabel 'commit (oldest first)'\n"
            "set xrange [-0.5:%zu-0.5]\nset yrange [0:*]\nset grid ytics\n"
            "set xtics rotate by -45 scale 0\nset key bottom left\n",
            q, m->name, m->unit && *m->unit ? " (" : "", m->unit ? m->unit : "",
            m->unit && *m->unit ? ")" : "", s->n);
    size_t arrows = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (!s->pts[k].change)
            continue;
        arrows++;
        fprintf(f,
                "set arrow %zu from first %zu-0.5, graph 0 to first %zu-0.5, graph 1 nohead dt 2 "
                "lw 2 lc rgb '#b00020'\n"
                "set label %zu '%+.1f %%' at first %zu-0.5, graph 0.95 offset 0.5,0 tc rgb "
                "'#b00020'\n",
                arrows, k, k, arrows, isfinite(s->pts[k].rel) ? s->pts[k].rel * 100 : 0.0, k);
    }
    const char *plot = "plot $d using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb '#4682b4' "
                       "title 'median', $d using 1:3:4:5 with yerrorbars pt 0 lc rgb '#000000' "
                       "title 'interval of the median'";
    fprintf(f,
            "set terminal pngcairo noenhanced size 900,420 font 'DejaVu Sans,10' background '#ffffff'\n"
            "set output '%s.png'\n%s\n"
            "set terminal svg noenhanced size 900,420 dynamic font 'DejaVu Sans,10' background '#ffffff'\n"
            "set output '%s.svg'\n%s\nunset output\n",
            stem, plot, stem, plot);
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

static void series_table(FILE *out, const struct sb_hseries *s, const struct sb_hmetric *m)
{
    fputs("<div class=\"tw\"><table><thead><tr><th>commit</th><th>when</th><th>branch</th>"
          "<th class=\"r\">suites</th><th class=\"r\">runs</th><th class=\"r\">median</th>"
          "<th class=\"r\">interval</th><th>change</th></tr></thead><tbody>\n",
          out);
    for (size_t k = 0; k < s->n; k++) {
        const struct sb_hpoint *p = &s->pts[k];
        fputs("<tr><td><code>", out);
        sb_html_escape_n(out, p->commit, 12);
        fprintf(out, "%s</code></td><td>", p->dirty ? "+" : "");
        sb_html_escape(out, p->when);
        fputs("</td><td>", out);
        sb_html_escape(out, p->branch[0] ? p->branch : "-");
        fprintf(out,
                "</td><td class=\"r\">%zu</td><td class=\"r\">%zu</td><td class=\"r\">%.4g</td>"
                "<td class=\"r\">%.4g-%.4g</td><td>",
                p->suites, p->runs, p->median, p->lo, p->hi);
        if (p->change) {
            const char *verdict = "";
            if (m->better && isfinite(p->rel))
                verdict = (p->rel > 0) == (m->better > 0) ? " improvement" : " regression";
            fprintf(out, "<span class=\"broken\">step %+.1f %%</span> (%.4g &rarr; %.4g)%s",
                    isfinite(p->rel) ? p->rel * 100 : 0.0, p->before, p->median, verdict);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

int sb_history_html(const char *dir, const char *dbpath, const struct sb_hseries *s, size_t n,
                    const struct sb_hmetric *m, struct sb_err *err)
{
    char plotdir[PATH_MAX + 16];
    snprintf(plotdir, sizeof(plotdir), "%s/plots", dir);
    if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(plotdir, 0755) < 0 && errno != EEXIST))
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", plotdir, strerror(errno));
    char gnuplot[PATH_MAX], why[256] = "";
    int have_gp = sb_gnuplot_find(gnuplot, sizeof(gnuplot), why, sizeof(why)) == 0;
    char **scripts = calloc(n + 1, sizeof(*scripts));
    if (!scripts)
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    size_t ns = 0;
    int rc = 0;
    for (size_t i = 0; have_gp && i < n; i++) {
        char stem[64];
        if (trend_script(plotdir, i, &s[i], m, stem, sizeof(stem)) < 0) {
            rc = sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", plotdir, strerror(errno));
            break;
        }
        scripts[ns] = malloc(strlen(stem) + 4);
        if (scripts[ns])
            sprintf(scripts[ns++], "%s.gp", stem);
    }
    if (rc == 0 && ns && sb_gnuplot_run(gnuplot, plotdir, scripts, ns, err) < 0)
        rc = -1;
    for (size_t i = 0; i < ns; i++)
        free(scripts[i]);
    free(scripts);
    if (rc < 0)
        return -1;

    char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", tmp, strerror(errno));
    char title[256], now[32];
    snprintf(title, sizeof(title), "serbench history: %s", m->name);
    sb_utc_stamp(now, sizeof(now), 1);
    sb_page_head(out, title);
    fputs("<header><h1>", out);
    sb_html_escape(out, title);
    fputs("</h1><p class=\"facts\">From <code>", out);
    sb_html_escape(out, dbpath ? dbpath : "?");
    fprintf(out, "</code> at %s: %zu trend(s), one a cell and environment. Each point is a "
                 "commit: the median over its ok, unstarved runs, with the 95 %% "
                 "order-statistic interval. Dashed red lines: change points, a penalised L1 "
                 "step fit of the medians (gamma = %g &times; noise &times; ln n) with a step "
                 "of at least %g %% (see <code>serbench help history</code>).</p></header>\n",
            now, n, SB_CP_PENALTY, SB_CP_MIN_STEP * 100);
    if (!have_gp) {
        fputs("<p class=\"note\">No plots: ", out);
        sb_html_escape(out, why);
        fputs("</p>\n", out);
    }
    for (size_t i = 0; i < n; i++) {
        char name[400];
        series_name(&s[i], name, sizeof(name));
        fputs("<section>\n<h2>", out);
        sb_html_escape(out, name);
        fputs("</h2>\n<p class=\"facts\">environment <code>", out);
        sb_html_escape(out, s[i].env_hash);
        fputs("</code></p>\n", out);
        if (have_gp)
            fprintf(out,
                    "<figure><a href=\"plots/trend-%zu.png\"><img class=\"plot\" "
                    "src=\"plots/trend-%zu.svg\" alt=\"trend %zu\"></a></figure>\n",
                    i + 1, i + 1, i + 1);
        series_table(out, &s[i], m);
        fputs("</section>\n", out);
    }
    sb_page_tail(out);
    int bad = ferror(out);
    if (fclose(out) != 0 || bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}
