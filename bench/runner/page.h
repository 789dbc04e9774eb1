/*
 * page.h - DIR/index.html: one page a person opens to read a result
 * directory.  Self-contained: no network access, no framework, no file
 * outside DIR; the plots are the SVGs in DIR/plots/, linked to their PNGs.  It
 * holds the summary (summary.md: medians, intervals, ties, marks), the
 * plots of plots/index.tsv with their captions, the memory report
 * (memory.md) where the directory has one, the facts of env.json, and links
 * to every data file.
 *
 * A few lines of script check, once the page has loaded, that every plot
 * image really loaded: each <img class="plot"> gets data-loaded="yes" or
 * "no", <body> gets data-plots="LOADED/TOTAL", and a broken image is
 * flagged on the page in red.  The CTest page check reads those through
 * headless Chromium's rendered DOM.
 */
#ifndef SB_PAGE_H
#define SB_PAGE_H

#include <stdio.h>

#include "diag.h"

/* Writes dir/index.html (temporary file and rename).  -1 with err. */
int sb_page_write(const char *dir, struct sb_err *err);

/* The page's style sheet and self-check script (shared with the history page). */
void sb_page_head(FILE *out, const char *title);
void sb_page_tail(FILE *out);

#endif
