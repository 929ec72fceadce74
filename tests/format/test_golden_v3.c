/*
 * test_golden_v3.c - the checks of test_golden.c on tests/golden/v3, an index written by
 * format version 3 (commit c5d610d) from the same inputs as tests/golden/v2, so that every
 * later format version keeps reading version 3 (FORMAT.md "Versions").
 */
#define GOLDEN_VERSION 3
#include "test_golden.c"
