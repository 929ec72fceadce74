/*
 * fuzz_manifest.c - the manifest reader fed an arbitrary file: parsed from memory, then
 * written as the only manifest of a folder holding the template segment and opened as an
 * index (snapshot, then a searcher running one query). Checks: a parsed manifest has its
 * segments and strings; an opened index has as many segments as its manifest names.
 */
#include <string.h>

#include "fuzz_common.h"
#include "query.h"
#include "quire/index.h"
#include "quire/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int linked;
    const char *dir = fz_scratch_dir();
    if (!linked) {
        fz_link_template_segment(dir, -1);
        linked = 1;
    }
    quire_manifest m;
    memset(&m, 0, sizeof m);
    if (quire_manifest_parse(&m, data, size, "fuzz-manifest") == QUIRE_OK) {
        FZ_CHECK(m.analyzer_id && m.language);
        FZ_CHECK(m.segment_count == 0 || m.segments);
        quire_manifest copy;
        if (quire_manifest_copy(&copy, &m) == QUIRE_OK)
            quire_manifest_free(&copy);
        quire_manifest_free(&m);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/manifest-%016llx", dir, 1ULL);
    fz_write_file(path, data, size);

    quire_index *ix = NULL;
    if (quire_index_open(&ix, dir, NULL) == QUIRE_OK) {
        uint32_t n = quire_index_segment_count(ix);
        FZ_CHECK(n == quire_index_manifest(ix)->segment_count);
        for (uint32_t i = 0; i < n; i++)
            FZ_CHECK(quire_index_segment(ix, i) != NULL);
        (void)quire_index_doc_count(ix);
        (void)quire_index_total_tokens(ix);
        quire_index_close(ix);
    }
    searcher *s = NULL;
    if (search_open(&s, dir) == QUIRE_OK) {
        search_options o;
        search_options_init(&o);
        o.query = "the OR putin visit*";
        o.query_len = strlen(o.query);
        search_result r = SEARCH_RESULT_INIT;
        if (search_query(&r, s, &o) == QUIRE_OK)
            search_result_free(&r);
        search_close(s);
    }
    quire_error_clear();
    return 0;
}
