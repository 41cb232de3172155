/* memkit/memkit.h - every public memkit header at once. Each header states the thread-safety of
 * its own types and functions. */
#ifndef MEMKIT_H
#define MEMKIT_H

#include "base.h"
#include "error.h"
#include "alloc.h"
#include "arena.h"
#include "pool.h"
#include "vec.h"
#include "str.h"
#include "search.h"
#include "mapfile.h"
#include "count.h"
#include "prof.h"
#include "bytes.h"
#include "intern.h"

#endif
