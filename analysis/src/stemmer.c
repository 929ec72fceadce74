/*
 * stemmer.c - the analyzer object: libstemmer glue and the stem cache.
 *
 * Snowball costs ~175 ns a word, and running text repeats its words, so stems are cached
 * per distinct prefold word (the case-folded word before diacritic folding). The cache is
 * an open-addressing table (linear probing, load <= 1/2) over an arena holding each key
 * followed by its final stem. It is bounded: at most CACHE_MAX_ENTRIES words and
 * CACHE_MAX_ARENA bytes of keys and stems (with the table, under 64 MiB). Once a bound is
 * reached, or an allocation for the cache fails, the cache stops inserting and keeps
 * serving what it holds; stemming itself goes on, uncached. The cache is best-effort, so
 * tokenizing never fails.
 *
 * libstemmer's result belongs to the stemmer until its next call: it is copied at once.
 */
#include "quire/analysis.h"

#include <stdio.h>
#include <string.h>

#include <libstemmer.h>

#include "analysis_internal.h"

#define ANALYSIS_RULES_VERSION 2 /* 2: stems are made from forms */
#define CACHE_INITIAL_SLOTS    4096
#define CACHE_INITIAL_ARENA    (64 * 1024)
#define CACHE_MAX_ENTRIES      (1u << 20)
#define CACHE_MAX_SLOTS        (CACHE_MAX_ENTRIES * 2) /* 2 Mi slots x 12 bytes = 24 MiB */
#define CACHE_MAX_ARENA        (40u << 20)

const char **quire_analyzer_languages(void)
{
    return sb_stemmer_list();
}

/* libstemmer's own string for `name`, or NULL if it does not know it. Only the names
 * sb_stemmer_list() gives are accepted, so the analyzer id has one spelling per stemmer. */
static const char *find_language(const char *name)
{
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, name) == 0)
            return *l;
    return NULL;
}

static int unknown_language(const char *name)
{
    char list[1024];
    size_t n = 0;
    list[0] = '\0';
    for (const char **l = sb_stemmer_list(); *l; l++) {
        const size_t k = strlen(*l);
        if (n + k + 2 >= sizeof list)
            break;
        if (n) {
            list[n++] = ' ';
        }
        memcpy(list + n, *l, k);
        n += k;
        list[n] = '\0';
    }
    return quire_error(QUIRE_EINVAL, "analyzer: unknown language \"%s\" (known: %s)", name, list);
}

int quire_analyzer_new(quire_analyzer **out, const quire_analyzer_opts *opts)
{
    *out = NULL;
    const char *name = opts && opts->language ? opts->language : "english";
    const bool keep = opts ? opts->keep_diacritics : false;
    const char *language = find_language(name);
    if (!language)
        return unknown_language(name);

    int rc = QUIRE_OK;
    quire_analyzer *an = quire_calloc(1, sizeof *an);
    if (!an)
        return quire_error(QUIRE_ENOMEM, "analyzer: out of memory");
    an->language = language;
    an->keep_diacritics = keep;
    analysis_ascii_table(an->ascii_form);

    const char *fold = keep ? "keep-diacritics" : "fold-diacritics";
    const size_t id_cap = strlen(language) + strlen(fold) + 32;
    an->id = quire_malloc(id_cap);
    an->slots = quire_calloc(CACHE_INITIAL_SLOTS, sizeof *an->slots);
    an->arena = quire_malloc(CACHE_INITIAL_ARENA);
    if (!an->id || !an->slots || !an->arena) {
        rc = quire_error(QUIRE_ENOMEM, "analyzer: out of memory");
        goto done;
    }
    (void)snprintf(an->id, id_cap, "quire-analysis/%d %s %s", ANALYSIS_RULES_VERSION, language,
                   fold);
    an->slot_cap = CACHE_INITIAL_SLOTS;
    an->cache_max = opts && opts->stem_cache_bytes ? opts->stem_cache_bytes : (size_t)64 << 20;
    an->arena_cap = CACHE_INITIAL_ARENA;

    /* libstemmer allocates with malloc and returns NULL on failure (the language is known). */
    an->stemmer = sb_stemmer_new(language, "UTF_8");
    if (!an->stemmer) {
        rc = quire_error(QUIRE_ENOMEM, "analyzer: out of memory creating the %s stemmer", language);
        goto done;
    }
    *out = an;
done:
    if (rc != QUIRE_OK)
        quire_analyzer_free(an);
    return rc;
}

void quire_analyzer_free(quire_analyzer *an)
{
    if (!an)
        return;
    if (an->stemmer)
        sb_stemmer_delete(an->stemmer);
    quire_free(an->id);
    quire_free(an->slots);
    quire_free(an->arena);
    quire_free(an);
}

const char *quire_analyzer_id(const quire_analyzer *an)
{
    return an->id;
}

const char *quire_analyzer_language(const quire_analyzer *an)
{
    return an->language;
}

void quire_analyzer_stem_stats(const quire_analyzer *an, uint64_t *calls, uint64_t *hits)
{
    if (calls)
        *calls = an->stem_calls;
    if (hits)
        *hits = an->stem_hits;
}

/* 64-bit multiply-xorshift over 8-byte words; words are short, so no tail loop. */
static uint64_t hash_bytes(const char *p, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xFF51AFD7ED558CCDull);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, p, len);
        h = (h ^ w) * 0x94D049BB133111EBull;
    }
    h ^= h >> 32;
    return h;
}

/* Double the table; false if at the bound or out of memory (the old table stays). */
static bool cache_grow(quire_analyzer *an)
{
    const size_t cap = an->slot_cap * 2;
    if (cap > CACHE_MAX_SLOTS || cap * sizeof(stem_slot) + an->arena_cap > an->cache_max)
        return false;
    stem_slot *slots = quire_calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < an->slot_cap; i++) {
        const stem_slot *s = &an->slots[i];
        if (s->key_len == 0)
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].key_len != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    quire_free(an->slots);
    an->slots = slots;
    an->slot_cap = cap;
    return true;
}

static void cache_insert(quire_analyzer *an, size_t slot, uint32_t hash, const char *key,
                         size_t key_len, const char *stem, size_t stem_len)
{
    const size_t need = key_len + stem_len;
    if (an->arena_len + need > an->arena_cap) {
        size_t cap = an->arena_cap * 2;
        if (cap > CACHE_MAX_ARENA)
            cap = CACHE_MAX_ARENA;
        const size_t table = an->slot_cap * sizeof(stem_slot);
        if (table + cap > an->cache_max)
            cap = an->cache_max > table ? an->cache_max - table : 0;
        char *arena = an->arena_len + need <= cap ? quire_realloc(an->arena, cap) : NULL;
        if (!arena) {
            an->cache_closed = true;
            return;
        }
        an->arena = arena;
        an->arena_cap = cap;
    }
    memcpy(an->arena + an->arena_len, key, key_len);
    memcpy(an->arena + an->arena_len + key_len, stem, stem_len);
    an->slots[slot] =
        (stem_slot){hash, (uint32_t)an->arena_len, (uint16_t)key_len, (uint16_t)stem_len};
    an->arena_len += need;
    an->slot_count++;
    if (an->slot_count * 2 > an->slot_cap && !cache_grow(an))
        an->cache_closed = true; /* the table stays at most 1/2 + 1 slot full */
    if (an->slot_count >= CACHE_MAX_ENTRIES)
        an->cache_closed = true;
}

/* Length of the longest prefix of s[0..len) that is at most `cap` bytes and ends on a
 * UTF-8 character boundary. */
static size_t utf8_clip(const char *s, size_t len, size_t cap)
{
    if (len <= cap)
        return len;
    size_t n = cap;
    while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Snowball, then the diacritic fold, into out (QUIRE_MAX_TERM_BYTES + 1 bytes). */
static size_t stem_uncached(quire_analyzer *an, const char *prefold, size_t len, char *out,
                            bool *truncated)
{
    const sb_symbol *s = sb_stemmer_stem(an->stemmer, (const sb_symbol *)prefold, (int)len);
    const char *stem = prefold;
    size_t stem_len = len;
    if (s) { /* NULL only when libstemmer runs out of memory: keep the word unstemmed */
        stem = (const char *)s;
        stem_len = (size_t)sb_stemmer_length(an->stemmer);
    }
    size_t n = utf8_clip(stem, stem_len, QUIRE_MAX_TERM_BYTES);
    *truncated = n < stem_len;
    if (an->keep_diacritics) {
        memcpy(out, stem, n);
    } else {
        const size_t kept = n;
        n = 0;
        (void)analysis_fold_diacritics(out, &n, QUIRE_MAX_TERM_BYTES, stem, kept);
    }
    out[n] = '\0';
    return n;
}

void analysis_stem(quire_analyzer *an, const char *prefold, size_t len, const char **stem,
                   size_t *stem_len, bool *truncated)
{
    an->stem_calls++;
    *truncated = false;
    if (len == 0) {
        *stem_len = stem_uncached(an, prefold, len, an->stem_out, truncated);
        *stem = an->stem_out;
        return;
    }
    const uint64_t h = hash_bytes(prefold, len);
    const uint32_t h32 = (uint32_t)h;
    size_t i = h32 & (an->slot_cap - 1);
    for (;;) {
        const stem_slot *s = &an->slots[i];
        if (s->key_len == 0)
            break;
        if (s->hash == h32 && s->key_len == len && memcmp(an->arena + s->off, prefold, len) == 0) {
            an->stem_hits++;
            *stem = an->arena + s->off + s->key_len;
            *stem_len = s->stem_len;
            return;
        }
        i = (i + 1) & (an->slot_cap - 1);
    }
    *stem_len = stem_uncached(an, prefold, len, an->stem_out, truncated);
    *stem = an->stem_out;
    if (!an->cache_closed && !*truncated)
        cache_insert(an, i, h32, prefold, len, an->stem_out, *stem_len);
}

int quire_analyzer_stem(quire_analyzer *an, const char *prefold, size_t len, const char **stem,
                        size_t *stem_len)
{
    bool truncated;
    const char *s;
    size_t n;
    len = utf8_clip(prefold, len, QUIRE_MAX_TERM_BYTES);
    analysis_stem(an, prefold, len, &s, &n, &truncated);
    if (s != an->stem_out) {
        memcpy(an->stem_out, s, n);
        an->stem_out[n] = '\0';
    }
    *stem = an->stem_out;
    *stem_len = n;
    return QUIRE_OK;
}
