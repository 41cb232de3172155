/* backend.c - libmemkit-count's backend for the shared interposition layer (src/interpose/hooks.c):
 * none. The layer's per-thread counters are all that counting needs, so the backend never asks for
 * events (hooks stay inactive) and these functions exist only to complete the link. */
#include "../interpose/hooks.h"

void mk__backend_init(void) {}
void mk__on_alloc(void *p, size_t size, unsigned fn, const void *frame) { (void)p, (void)size, (void)fn, (void)frame; }
size_t mk__on_free(void *p) { (void)p; return 0; }
void mk__realloc_take(void *old, struct mk__realloc_tok *t) { (void)old, (void)t; }
size_t mk__realloc_done(struct mk__realloc_tok *t, void *newp, size_t size, const void *frame) {
    (void)t, (void)newp, (void)size, (void)frame;
    return 0;
}
