/* hello.c - index three documents from memory into INDEX, then search them for QUERY and
 * print each hit with its best passage, matches in [brackets]. The whole API round trip:
 *   cc hello.c $(pkg-config --cflags --libs quire) && ./a.out /tmp/hello-index 'tea'   */
#include <quire/quire.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "hello: %s: %s\n", what, quire_errmsg());
    return 1;
}

int main(int argc, char **argv)
{
    static const char *const docs[][3] = {
        /* id, title, text */
        {"a", "Tea", "Green tea is picked, steamed and dried. Black tea is oxidised first."},
        {"b", "Coffee", "Coffee beans are roasted; some people drink coffee with tea."},
        {"c", "Water", "Water boils at 100 degrees at sea level."}};
    if (argc != 3)
        return fprintf(stderr, "usage: hello INDEX QUERY\n"), 2;
    quire_writer *w;
    if (quire_writer_open(&w, argv[1], NULL) != QUIRE_OK)
        return fail("open writer");
    for (int i = 0; i < 3; i++) {
        quire_document d = QUIRE_DOCUMENT_INIT;
        d.id = docs[i][0], d.id_len = strlen(d.id);
        d.title = docs[i][1], d.title_len = strlen(d.title);
        d.text = docs[i][2], d.text_len = strlen(d.text);
        if (quire_writer_add(w, &d) != QUIRE_OK)
            return fail("add");
    }
    int rc = quire_writer_commit(w, NULL);
    quire_writer_close(w);
    quire_reader *r;
    quire_searcher *s;
    if (rc != QUIRE_OK || quire_reader_open(&r, argv[1]) != QUIRE_OK)
        return fail("commit and open");
    rc = quire_searcher_new(&s, r);
    quire_reader_close(r); /* the searcher holds its own reference */
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.passages = 1;
    quire_results *res;
    if (rc != QUIRE_OK || quire_search(&res, s, argv[2], strlen(argv[2]), &o) != QUIRE_OK)
        return fail("search");
    printf("quire %s: %zu hit(s)\n", quire_version(), quire_results_hit_count(res));
    for (size_t i = 0; i < quire_results_hit_count(res); i++) {
        const quire_hit *h = quire_results_hit(res, i);
        const quire_passage *p = quire_hit_passage(h, 0);
        const char *text = quire_passage_text(p, NULL); /* bytes [span.start, span.end) */
        const quire_span span = quire_passage_span(p);
        size_t at = span.start; /* highlights are byte offsets into the document's text */
        printf("%s  %.4f  %s\n   ", quire_hit_id(h, NULL), quire_hit_score(h),
               quire_hit_title(h, NULL));
        for (size_t k = 0; k < quire_passage_highlight_count(p); k++) {
            const quire_span m = quire_passage_highlight(p, k);
            printf("%.*s[%.*s]", (int)(m.start - at), text + (at - span.start),
                   (int)(m.end - m.start), text + (m.start - span.start));
            at = m.end;
        }
        printf("%s\n", text + (at - span.start));
    }
    quire_results_free(res);
    quire_searcher_free(s);
    return 0;
}
