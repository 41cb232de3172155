/* solib_main.c - calls into solib.c's library once. */
void solib_alloc(void);

int main(void) {
    solib_alloc();
    return 0;
}
