// cxx.cpp - C++ new/delete through libstdc++: new int[11] (44 bytes) deleted, 3 x new Node
// (sizeof 40) with one kept, the vector object (24 bytes) kept, a std::vector<int> grown by push_back to 5 elements (4, 8, 16, 32
// bytes... libstdc++ doubles: 1, 2, 4, 8 elements) and kept.
#include <vector>

struct Node {
    long a, b, c, d, e;
};

void *volatile sink; // keeps new/delete pairs from being elided

static Node *kept;
static std::vector<int> *vec;

__attribute__((noinline)) static void arrays() {
    int *a = new int[11];
    sink = a;
    a[0] = 1;
    delete[] a;
}

__attribute__((noinline)) static void nodes() {
    Node *n[3];
    for (int i = 0; i < 3; i++) sink = n[i] = new Node();
    delete n[0];
    delete n[1];
    kept = n[2];
}

__attribute__((noinline)) static void vectors() {
    vec = new std::vector<int>();
    for (int i = 0; i < 5; i++) vec->push_back(i);
}

int main() {
    arrays();
    nodes();
    vectors();
    return 0;
}
