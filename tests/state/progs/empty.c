/* empty.c - allocates nothing: its profile must show no frees of unknown pointers. */
int main(void) { return 0; }
