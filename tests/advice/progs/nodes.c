/* A linked list of 5000 same-size nodes, all live at once: wants a pool. */
#include <stdlib.h>
struct node { struct node *next; long value[4]; };
int main(void) {
    struct node *head = NULL;
    for (int i = 0; i < 5000; i++) {
        struct node *n = malloc(sizeof *n);
        n->next = head, n->value[0] = i;
        head = n;
    }
    long sum = 0;
    while (head) { struct node *n = head->next; sum += head->value[0]; free(head); head = n; }
    return sum == 1;
}
