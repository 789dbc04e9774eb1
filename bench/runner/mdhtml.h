/*
 * mdhtml.h - the Markdown serbench writes (summary.md, memory.md), as HTML
 * for the page: headings, paragraphs, lists, pipe tables (with their column
 * alignment), `code` and **bold**.  Everything else is text, escaped: the
 * page never passes a file's text through as markup.
 */
#ifndef SB_MDHTML_H
#define SB_MDHTML_H

#include <stdio.h>

/* Text with & < > " ' escaped. */
void sb_html_escape(FILE *out, const char *s);
/* n bytes of s, escaped. */
void sb_html_escape_n(FILE *out, const char *s, size_t n);
/* The Markdown text md as HTML; headings shifted down by shift levels (# -> h(1+shift)). */
void sb_md_to_html(FILE *out, const char *md, int shift);

#endif
