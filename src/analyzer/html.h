/* html.h - the self-contained HTML pages (the report of one profile, and the diff page's frame):
 * the page of src/analyzer/web/ with the data inside as JSON.
 *
 * Every figure on the page comes from the model of analyze.h: the sites, the totals, and the heap
 * over time (how the program ended, the recorder's state size, the timeline and the detailed
 * points), whichever way the model was built (a raw profile, a recorder's state file, a DHAT file).
 * Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_HTML_H
#define MEMKIT_ANALYZER_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "analyze.h"

/* Writes s as a JSON string that is safe inside an HTML <script> element: '<', '>' and '&' become
 * \u escapes, so no "</script>" or "<!--" can appear; control characters, U+2028 and U+2029 are
 * escaped; invalid UTF-8 becomes U+FFFD. */
void mk__json_str(FILE *o, const char *s, size_t len);

/* The HTML page: writes the embedded page with `data` (a function that writes one JSON value)
 * inside <script type="application/json">. Returns 0, or -1 on a write error. */
int mk__html_page(FILE *o, const char *title, int (*data)(FILE *o, void *ctx), void *ctx);

/* The self-contained HTML report of one profile. Returns 0, or -1 on a write error. */
int mk__report_html(const mk__prof *p, FILE *o);

/* Writes the profile's header as JSON members (cmd, pid, times, totals, ending, state size,
 * timeline), each beginning with ','; mk__html_profile_members adds frames, sites, detailed points
 * and advice. Both return 0, or -1 on a write error. */
int mk__html_profile_head(FILE *o, const mk__prof *p);
int mk__html_profile_members(FILE *o, const mk__prof *p);

#endif
