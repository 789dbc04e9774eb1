/* page.c - DIR/index.html (page.h). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdhtml.h"
#include "page.h"
#include "resultdir.h"

static const char style[] =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:0 auto;max-width:1240px;"
    "padding:0 18px 40px;color:#1d1d1d;background:#fff;font-size:14px;line-height:1.45}"
    "header{border-bottom:2px solid #4682b4;margin-bottom:12px}"
    "h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:26px 0 8px;"
    "border-bottom:1px solid #ddd}h3{font-size:15px;margin:18px 0 6px}"
    ".facts{color:#444;margin:4px 0 10px}"
    "nav a{margin-right:14px}"
    ".tw{overflow-x:auto}table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}"
    "th,td{border:1px solid #d4d4d4;padding:3px 7px;text-align:left;vertical-align:top}"
    "th{background:#f1f4f8}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}"
    "td.c,th.c{text-align:center}tbody tr:nth-child(even){background:#fafafa}"
    "figure{margin:10px 0 22px}figure img{width:900px;max-width:100%;height:auto;border:1px solid #e3e3e3}"
    "figcaption{color:#444;font-size:13px;max-width:900px}"
    "code{background:#f3f3f3;padding:0 3px;border-radius:3px}"
    ".broken{color:#b00020;font-weight:bold}.note{color:#666}"
    "#check{display:none}";

/* The self-check: every plot image loaded? (page.h) */
static const char script[] =
    "<script>\n"
    "window.addEventListener('load', function () {\n"
    "  var imgs = document.querySelectorAll('img.plot'), ok = 0;\n"
    "  for (var i = 0; i < imgs.length; i++) {\n"
    "    var good = imgs[i].complete && imgs[i].naturalWidth > 0;\n"
    "    imgs[i].setAttribute('data-loaded', good ? 'yes' : 'no');\n"
    "    if (good) { ok++; continue; }\n"
    "    var p = document.createElement('p');\n"
    "    p.className = 'broken';\n"
    "    p.textContent = 'missing plot: ' + imgs[i].getAttribute('src');\n"
    "    imgs[i].parentNode.parentNode.insertBefore(p, imgs[i].parentNode);\n"
    "  }\n"
    "  document.body.setAttribute('data-plots', ok + '/' + imgs.length);\n"
    "  var c = document.getElementById('check');\n"
    "  if (c) { c.textContent = ok + ' of ' + imgs.length + ' plots loaded';\n"
    "           if (ok < imgs.length) { c.style.display = 'block'; c.className = 'broken'; } }\n"
    "});\n"
    "</script>\n";

void sb_page_head(FILE *out, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    sb_html_escape(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<p id=\"check\"></p>\n", style);
}

void sb_page_tail(FILE *out)
{
    fputs(script, out);
    fputs("</body>\n</html>\n", out);
}

static int exists(const char *dir, const char *name)
{
    char p[PATH_MAX + 256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

/* A file of dir as Markdown, or a note that it is missing. */
static void markdown_file(FILE *out, const char *dir, const char *name, const char *missing)
{
    char p[PATH_MAX + 256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    char *md = sb_slurp(p, NULL);
    if (!md) {
        fputs("<p class=\"note\">", out);
        sb_html_escape(out, missing);
        fputs("</p>\n", out);
        return;
    }
    /* summary.md's own title is the page's */
    const char *body = md;
    if (strncmp(body, "# ", 2) == 0 && strchr(body, '\n'))
        body = strchr(body, '\n') + 1;
    sb_md_to_html(out, body, 1);
    free(md);
}

/* One plot of plots/index.tsv. */
struct plot {
    char job[256], kind[32], stem[128], title[400], caption[1200];
    int shown;
};

/* plots/index.tsv's lines; their count (0 when there is none). */
static size_t read_plots(const char *dir, struct plot **out)
{
    *out = NULL;
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/plots/index.tsv", dir);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    char line[8192];
    size_t n = 0, cap = 0;
    int header = 1;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (header) {
            header = 0;
            continue;
        }
        char *field[5] = {line};
        int k = 1;
        for (char *t = line; k < 5 && (t = strchr(t, '\t')); k++) {
            *t++ = '\0';
            field[k] = t;
        }
        if (k < 5)
            continue;
        if (n == cap) {
            struct plot *more = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof(**out));
            if (!more)
                break;
            *out = more;
        }
        struct plot *pl = &(*out)[n++];
        memset(pl, 0, sizeof(*pl));
        snprintf(pl->job, sizeof(pl->job), "%.250s", field[0]);
        snprintf(pl->kind, sizeof(pl->kind), "%.30s", field[1]);
        snprintf(pl->stem, sizeof(pl->stem), "%.120s", field[2]);
        snprintf(pl->title, sizeof(pl->title), "%.390s", field[3]);
        snprintf(pl->caption, sizeof(pl->caption), "%.1190s", field[4]);
    }
    fclose(f);
    return n;
}

static void figure(FILE *out, struct plot *pl)
{
    fputs("<figure>\n<a href=\"plots/", out);
    sb_html_escape(out, pl->stem);
    fputs(".png\"><img class=\"plot\" src=\"plots/", out);
    sb_html_escape(out, pl->stem);
    fputs(".svg\" alt=\"", out);
    sb_html_escape(out, pl->title);
    fputs("\" data-kind=\"", out);
    sb_html_escape(out, pl->kind);
    fputs("\"></a>\n<figcaption>", out);
    sb_html_escape(out, pl->caption);
    fputs(" <a href=\"plots/", out);
    sb_html_escape(out, pl->stem);
    fputs(".gp\">gnuplot script</a></figcaption>\n</figure>\n", out);
    pl->shown = 1;
}

/* A summary heading "job (scenario)": the job, and its sweep base (before '@'). */
static void heading_job(const char *h, size_t n, char *job, size_t jl, char *base, size_t bl)
{
    snprintf(job, jl, "%.*s", (int)n, h);
    char *paren = strrchr(job, '(');
    if (paren && paren > job && paren[-1] == ' ')
        paren[-1] = '\0';
    snprintf(base, bl, "%s", job);
    char *at = strrchr(base, '@');
    if (at && at > base)
        *at = '\0';
}

/*
 * summary.md, each job's table followed by its plots (a sweep's after the
 * last of its rates); plots that belong to no table come after them.
 */
static void results(FILE *out, const char *dir)
{
    struct plot *pl;
    size_t np = read_plots(dir, &pl);
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/summary.md", dir);
    char *md = sb_slurp(p, NULL);
    if (!md)
        fputs("<p class=\"note\">No summary.md in this directory.</p>\n", out);
    char *body = md;
    if (body && strncmp(body, "# ", 2) == 0 && strchr(body, '\n'))
        body = strchr(body, '\n') + 1; /* its title is the page's */
    /* sections start at lines "## " */
    char *sec[1024];
    size_t ns = 0;
    for (char *q = body; q && *q && ns < 1024;) {
        if (strncmp(q, "## ", 3) == 0)
            sec[ns++] = q;
        char *nl = strchr(q, '\n');
        q = nl ? nl + 1 : NULL;
    }
    if (body) { /* the text before the first job */
        char *end = ns ? sec[0] : body + strlen(body);
        char keep = *end;
        *end = '\0';
        sb_md_to_html(out, body, 1);
        *end = keep;
    }
    for (size_t i = 0; i < ns; i++) {
        char *end = i + 1 < ns ? sec[i + 1] : sec[i] + strlen(sec[i]);
        char job[256], base[256], next_job[256], next_base[256] = "";
        size_t hl = strcspn(sec[i] + 3, "\n");
        heading_job(sec[i] + 3, hl, job, sizeof(job), base, sizeof(base));
        char heading[300];
        snprintf(heading, sizeof(heading), "%.*s", (int)(hl < 299 ? hl : 299), sec[i] + 3);
        if (i + 1 < ns)
            heading_job(sec[i + 1] + 3, strcspn(sec[i + 1] + 3, "\n"), next_job,
                        sizeof(next_job), next_base, sizeof(next_base));
        char keep = *end;
        *end = '\0';
        fputs("<div class=\"job\">\n", out);
        sb_md_to_html(out, sec[i], 1);
        *end = keep;
        int last_of_sweep = strcmp(base, job) != 0 && strcmp(base, next_base) != 0;
        for (size_t k = 0; k < np; k++)
            if (!pl[k].shown && (strcmp(pl[k].job, job) == 0 || strcmp(pl[k].job, heading) == 0 ||
                                 (last_of_sweep && strncmp(pl[k].job, base, strlen(base)) == 0 &&
                                  (pl[k].job[strlen(base)] == '\0' ||
                                   pl[k].job[strlen(base)] == ' '))))
                figure(out, &pl[k]);
        fputs("</div>\n", out);
    }
    int more = 0;
    for (size_t k = 0; k < np; k++)
        if (!pl[k].shown) {
            if (!more)
                fputs("<h3>More plots</h3>\n", out);
            more = 1;
            figure(out, &pl[k]);
        }
    if (np == 0) {
        snprintf(p, sizeof(p), "%s/plots/index.tsv", dir);
        fputs(access(p, F_OK) == 0
                  ? "<p class=\"note\">No plot: no job had a figure to draw.</p>\n"
                  : "<p class=\"note\">No plots in this directory (gnuplot was not installed "
                    "when it was made; <code>serbench report DIR</code> makes them).</p>\n",
              out);
    }
    free(md);
    free(pl);
}

static void json_value(FILE *out, json_t *v)
{
    if (json_is_string(v)) {
        sb_html_escape(out, json_string_value(v));
    } else if (json_is_null(v) || !v) {
        fputs("<span class=\"note\">unknown</span>", out);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (i)
                fputs(" ", out);
            json_value(out, e);
        }
    } else if (json_is_object(v)) {
        fputs("<table>", out);
        const char *k;
        json_t *e;
        json_object_foreach(v, k, e)
        {
            fputs("<tr><th>", out);
            sb_html_escape(out, k);
            fputs("</th><td>", out);
            json_value(out, e);
            fputs("</td></tr>", out);
        }
        fputs("</table>", out);
    } else {
        char *t = json_dumps(v, JSON_ENCODE_ANY);
        if (t)
            sb_html_escape(out, t);
        free(t);
    }
}

static void env_facts(FILE *out, const struct sb_dirinfo *d)
{
    json_t *env = json_loads(d->env_text, 0, NULL);
    if (!env) {
        fputs("<p class=\"note\">env.json could not be read.</p>\n", out);
        return;
    }
    fputs("<div class=\"tw\"><table>\n", out);
    const char *k;
    json_t *v;
    json_object_foreach(env, k, v)
    {
        fputs("<tr><th>", out);
        sb_html_escape(out, k);
        fputs("</th><td>", out);
        json_value(out, v);
        fputs("</td></tr>\n", out);
    }
    if (d->env_hash_computed) {
        fputs("<tr><th>env_hash</th><td>", out);
        sb_html_escape(out, d->env_hash);
        fputs(" <span class=\"note\">(computed from the fields above: this env.json "
              "predates env_hash)</span></td></tr>\n",
              out);
    }
    fputs("</table></div>\n", out);
    json_decref(env);
}

static void file_link(FILE *out, const char *dir, const char *name, const char *what)
{
    if (!exists(dir, name))
        return;
    fputs("<li><a href=\"", out);
    sb_html_escape(out, name);
    fputs("\"><code>", out);
    sb_html_escape(out, name);
    fputs("</code></a>: ", out);
    sb_html_escape(out, what);
    fputs("</li>\n", out);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files(FILE *out, const char *dir)
{
    fputs("<ul>\n", out);
    file_link(out, dir, "runs.csv", "one row a run (results/README.md has every column)");
    file_link(out, dir, "cells.csv", "one row a cell: medians, intervals, spread");
    file_link(out, dir, "summary.md", "the summary above, as Markdown");
    file_link(out, dir, "memory.md", "the memory report");
    file_link(out, dir, "memory.csv", "the memory report's figures");
    file_link(out, dir, "env.json", "the machine and the software");
    file_link(out, dir, "command.txt", "the command line (serbench run --again DIR runs it again)");
    file_link(out, dir, "plots/index.tsv", "the plots: job, kind, file, title, caption");
    /* the resolved scenarios, and the per-cell latency files (hgrm/) */
    static const char *const subdirs[][2] = {{"scenarios", "the scenario as it ran"},
                                             {"hgrm", "latency percentiles, HdrHistogram's format"}};
    for (size_t s = 0; s < 2; s++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof(p), "%s/%s", dir, subdirs[s][0]);
        DIR *dd = opendir(p);
        if (!dd)
            continue;
        char *names[512];
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(dd)) && n < 512)
            if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)))
                n++;
        closedir(dd);
        qsort(names, n, sizeof(*names), by_name);
        for (size_t i = 0; i < n; i++) {
            char rel[600];
            snprintf(rel, sizeof(rel), "%s/%.500s", subdirs[s][0], names[i]);
            file_link(out, dir, rel, subdirs[s][1]);
            free(names[i]);
        }
    }
    fputs("</ul>\n", out);
}

int sb_page_write(const char *dir, struct sb_err *err)
{
    struct sb_dirinfo d;
    if (sb_dirinfo_read(dir, &d, err) < 0)
        return -1;
    char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        sb_dirinfo_free(&d);
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", tmp, strerror(errno));
    }
    char title[512];
    snprintf(title, sizeof(title), "serbench: %s, %s", d.suite[0] ? d.suite : "results",
             d.created_utc);
    sb_page_head(out, title);
    fputs("<header>\n<h1>serbench: ", out);
    sb_html_escape(out, d.suite[0] ? d.suite : "results");
    fputs("</h1>\n<p class=\"facts\">", out);
    sb_html_escape(out, d.created_utc);
    fputs(" on ", out);
    sb_html_escape(out, d.host[0] ? d.host : "an unknown host");
    fputs(" (", out);
    sb_html_escape(out, d.cpu_model[0] ? d.cpu_model : "unknown CPU");
    if (d.cores_online > 0)
        fprintf(out, ", %ld cores", d.cores_online);
    fputs("), commit <code>", out);
    sb_html_escape_n(out, d.git_commit, 12);
    fputs("</code>", out);
    if (d.git_dirty == 1)
        fputs(" with uncommitted changes", out);
    if (d.git_branch[0]) {
        fputs(" on ", out);
        sb_html_escape(out, d.git_branch);
    }
    fputs(", serbench ", out);
    sb_html_escape(out, d.serbench_version);
    fputs(", environment <code>", out);
    sb_html_escape(out, d.env_hash);
    fputs("</code></p>\n<nav><a href=\"#results\">Results by job</a>"
          "<a href=\"#memory\">Memory</a><a href=\"#environment\">Environment</a>"
          "<a href=\"#files\">Files</a></nav>\n</header>\n",
          out);
    fputs("<section id=\"results\">\n<h2>Results by job</h2>\n", out);
    results(out, dir);
    fputs("</section>\n<section id=\"memory\">\n<h2>Memory</h2>\n", out);
    markdown_file(out, dir, "memory.md",
                  "No memory report (memory.md) in this directory: peak RSS per cell is in the "
                  "summary above.");
    fputs("</section>\n<section id=\"environment\">\n<h2>Environment (env.json)</h2>\n", out);
    env_facts(out, &d);
    fputs("</section>\n<section id=\"files\">\n<h2>Files</h2>\n", out);
    files(out, dir);
    fputs("</section>\n", out);
    sb_page_tail(out);
    sb_dirinfo_free(&d);
    int bad = ferror(out);
    if (fclose(out) != 0 || bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}
