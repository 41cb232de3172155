// widget.cpp - C++ frames for the analyzer's synthetic profiles: a member function that calls
// operator new, so frames must come out demangled ("Widget::make(int)"), names with parentheses
// and all. Not run under the profiler by the suite (see progs/*.c for that).
#include <cstdio>

struct Widget {
    int *data;
    __attribute__((noinline)) static Widget *make(int n);
};

Widget *Widget::make(int n) {
    Widget *w = new Widget; // SITE:widget_new
    w->data = new int[n];   // SITE:widget_array
    w->data[0] = n;
    return w;
}

int main(int argc, char **) {
    Widget *w = Widget::make(argc + 10); // SITE:widget_main
    std::printf("%d\n", w->data[0]);
    return 0;
}
