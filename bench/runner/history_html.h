/*
 * history_html.h - the history's trends as text (serbench history) and as a
 * page with a plot a trend (serbench history --html DIR).
 */
#ifndef SB_HISTORY_HTML_H
#define SB_HISTORY_HTML_H

#include <stdio.h>

#include "history.h"

/* The trends as the table serbench history prints, the change-point rule first. */
void sb_history_print(FILE *out, const struct sb_hseries *s, size_t n, const struct sb_hmetric *m);

/*
 * DIR/index.html with one plot a series (DIR/plots/trend-N.{gp,png,svg}:
 * the median per commit with its interval, change points as dashed lines)
 * and its table.  Without gnuplot the page holds the tables and says why.
 * -1 with err.
 */
int sb_history_html(const char *dir, const char *dbpath, const struct sb_hseries *s, size_t n,
                    const struct sb_hmetric *m, struct sb_err *err);

#endif
