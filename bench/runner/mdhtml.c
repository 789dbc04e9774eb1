/* mdhtml.c - serbench's Markdown as HTML (mdhtml.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdhtml.h"

void sb_html_escape_n(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(s[i], out);
        }
    }
}

void sb_html_escape(FILE *out, const char *s)
{
    sb_html_escape_n(out, s, strlen(s));
}

/* One line's inline markup: `code` and **bold**; the rest escaped. */
static void inline_md(FILE *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '`') {
            const char *end = memchr(s + i + 1, '`', n - i - 1);
            if (end) {
                fputs("<code>", out);
                sb_html_escape_n(out, s + i + 1, (size_t)(end - (s + i + 1)));
                fputs("</code>", out);
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
            const char *end = NULL;
            for (size_t k = i + 2; k + 1 < n; k++)
                if (s[k] == '*' && s[k + 1] == '*') {
                    end = s + k;
                    break;
                }
            if (end && end > s + i + 2) {
                fputs("<strong>", out);
                inline_md(out, s + i + 2, (size_t)(end - (s + i + 2)));
                fputs("</strong>", out);
                i = (size_t)(end - s) + 2;
                continue;
            }
        }
        sb_html_escape_n(out, s + i, 1);
        i++;
    }
}

/* The cells of a table row "| a | b |" into [start, len) pairs; their count. */
static size_t split_row(const char *s, size_t n, size_t (*cells)[2], size_t max)
{
    size_t i = 0, k = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < n && s[i] == '|')
        i++;
    while (i < n && k < max) {
        size_t start = i;
        while (i < n && s[i] != '|')
            i++;
        size_t a = start, b = i;
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        if (i >= n && a == b)
            break; /* nothing after the last pipe */
        cells[k][0] = a;
        cells[k][1] = b - a;
        k++;
        if (i < n)
            i++;
    }
    return k;
}

static int is_separator(const char *s, size_t n)
{
    int dashes = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            dashes = 1;
        else if (!strchr("|: \t", s[i]))
            return 0;
    }
    return dashes;
}

struct line {
    const char *s;
    size_t n;
};

static void table(FILE *out, const struct line *ln, size_t nl)
{
    size_t head[64][2], cells[64][2], sep[64][2];
    size_t nh = split_row(ln[0].s, ln[0].n, head, 64);
    size_t ns = split_row(ln[1].s, ln[1].n, sep, 64);
    const char *align[64];
    for (size_t c = 0; c < 64; c++) {
        align[c] = "";
        if (c < ns && sep[c][1]) {
            const char *t = ln[1].s + sep[c][0];
            int l = t[0] == ':', r = t[sep[c][1] - 1] == ':';
            align[c] = l && r ? " class=\"c\"" : r ? " class=\"r\"" : "";
        }
    }
    fputs("<div class=\"tw\"><table>\n<thead><tr>", out);
    for (size_t c = 0; c < nh; c++) {
        fprintf(out, "<th%s>", align[c]);
        inline_md(out, ln[0].s + head[c][0], head[c][1]);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    for (size_t r = 2; r < nl; r++) {
        size_t nc = split_row(ln[r].s, ln[r].n, cells, 64);
        fputs("<tr>", out);
        for (size_t c = 0; c < nc; c++) {
            fprintf(out, "<td%s>", align[c]);
            inline_md(out, ln[r].s + cells[c][0], cells[c][1]);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

void sb_md_to_html(FILE *out, const char *md, int shift)
{
    /* lines */
    size_t cap = 256, nl = 0;
    struct line *ln = malloc(cap * sizeof(*ln));
    for (const char *p = md; ln && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && p[n - 1] == '\r')
            n--;
        if (nl == cap) {
            struct line *more = realloc(ln, (cap *= 2) * sizeof(*ln));
            if (!more)
                break;
            ln = more;
        }
        ln[nl++] = (struct line){p, n};
        p = e ? e + 1 : p + n;
    }
    if (!ln)
        return;
    size_t i = 0;
    while (i < nl) {
        const char *s = ln[i].s;
        size_t n = ln[i].n;
        if (n == 0) {
            i++;
            continue;
        }
        if (s[0] == '#') {
            size_t level = 0;
            while (level < n && s[level] == '#')
                level++;
            size_t a = level;
            while (a < n && s[a] == ' ')
                a++;
            int h = (int)level + shift;
            h = h > 6 ? 6 : h;
            fprintf(out, "<h%d>", h);
            inline_md(out, s + a, n - a);
            fprintf(out, "</h%d>\n", h);
            i++;
            continue;
        }
        if (s[0] == '|' && i + 1 < nl && is_separator(ln[i + 1].s, ln[i + 1].n)) {
            size_t j = i + 2;
            while (j < nl && ln[j].n && ln[j].s[0] == '|')
                j++;
            table(out, ln + i, j - i);
            i = j;
            continue;
        }
        if ((s[0] == '-' || s[0] == '*') && n > 1 && s[1] == ' ') {
            fputs("<ul>\n", out);
            while (i < nl && ln[i].n > 1 && (ln[i].s[0] == '-' || ln[i].s[0] == '*') &&
                   ln[i].s[1] == ' ') {
                fputs("<li>", out);
                inline_md(out, ln[i].s + 2, ln[i].n - 2);
                i++;
                /* continuation lines, indented */
                while (i < nl && ln[i].n && ln[i].s[0] == ' ') {
                    fputc(' ', out);
                    inline_md(out, ln[i].s, ln[i].n);
                    i++;
                }
                fputs("</li>\n", out);
            }
            fputs("</ul>\n", out);
            continue;
        }
        /* a paragraph: up to a blank line or a block that starts differently */
        fputs("<p>", out);
        int first = 1;
        while (i < nl && ln[i].n &&
               (first || (ln[i].s[0] != '#' && ln[i].s[0] != '|' &&
                          !((ln[i].s[0] == '-' || ln[i].s[0] == '*') && ln[i].n > 1 &&
                            ln[i].s[1] == ' ')))) {
            if (!first)
                fputc('\n', out);
            inline_md(out, ln[i].s, ln[i].n);
            first = 0;
            i++;
        }
        fputs("</p>\n", out);
    }
    free(ln);
}
