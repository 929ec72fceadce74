#!/usr/bin/env python3
"""Generate analysis/src/unicode_tables.c from Python's unicodedata.

Usage (from the repository root):
    python3 tools/gen_unicode.py > analysis/src/unicode_tables.c

The output depends only on the Unicode version of the Python that runs this script
(Python 3.11: Unicode 14.0.0); the version is written into the file. Changing the tables
changes which terms come out of the analyzer: bump the rules version in the analyzer id
(analysis/src/stemmer.c) when the output changes.

Tables (see analysis/src/unicode_tables.h for the C side):
  - class runs: every code point gets one class (word classes: letter, lowercase letter,
    digit, mark, ideograph; separators: space, ignorable, apostrophe, dash, quote,
    sentence end, other). Stored as runs (start << 8 | class), sorted, plus a direct
    table for code points below 0x800.
  - fold entries: per code point, the case-folded string (str.casefold, then NFKC and
    casefold again when that gives only word characters) and the fully folded string
    (the case-folded one with diacritics removed: NFD then drop Mn marks for Latin,
    Greek and Cyrillic letters, plus a few letters NFD leaves alone, such as ø -> o).
    Only code points whose outputs differ from themselves are listed.
"""
import sys
import unicodedata as ud

MAX_CP = 0x10FFFF

# Classes: keep in sync with analysis/src/unicode_tables.h.
CL_OTHER, CL_LETTER, CL_LOWER, CL_DIGIT, CL_MARK, CL_IDEO = 0, 1, 2, 3, 4, 5
CL_SPACE, CL_IGNORABLE, CL_APOS, CL_DASH, CL_QUOTE, CL_SENT_END = 6, 7, 8, 9, 10, 11
CLASS_NAMES = ["OTHER", "LETTER", "LOWER", "DIGIT", "MARK", "IDEO", "SPACE", "IGNORABLE",
               "APOS", "DASH", "QUOTE", "SENT_END"]

WHITESPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680] + \
    list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
                                   0x200B]  # U+200B zero width space separates words too
IGNORABLE = [0x00AD, 0x200C, 0x200D, 0x2060, 0xFEFF]
APOSTROPHES = [0x0027, 0x0060, 0x2018, 0x2019, 0x02BC, 0x2032, 0xFF07]
DASHES = [0x002D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63,
          0xFF0D, 0x2E3A, 0x2E3B]
QUOTES = [0x0022, 0x00AB, 0x00BB, 0x201C, 0x201D, 0x201E, 0x201F, 0x2039, 0x203A, 0x2E42,
          0x301D, 0x301E, 0x301F, 0xFF02]
SENT_ENDS = [0x002E, 0x0021, 0x003F, 0x2026, 0x203C, 0x2047, 0x2048, 0x2049, 0x3002,
             0xFF0E, 0xFF01, 0xFF1F, 0xFF61, 0x061F, 0x06D4, 0x0964, 0x0965]

# Letters that NFD does not decompose but that readers treat as a letter plus a stroke
# or as a ligature.
EXTRA_FOLDS = {
    "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l",
    "ħ": "h", "Ħ": "h", "ı": "i", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th",
    "Þ": "th", "ŧ": "t", "Ŧ": "t",
}

# Combining marks that are diacritics wherever they appear, so a decomposed "e\u0301"
# folds like "é". Marks of other scripts (Devanagari vowel signs, Thai, ...) are kept.
DIACRITIC_MARK_BLOCKS = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
                         (0x20D0, 0x20FF), (0xFE20, 0xFE2F)]


def is_ideo(cp, cat):
    if cat[0] not in "LN":
        return False
    name = ud.name(chr(cp), "")
    if name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")):
        return True
    if "HIRAGANA" in name or "KATAKANA" in name:
        return True
    return 0x3005 <= cp <= 0x3007 or 0x3021 <= cp <= 0x3029 or 0x3038 <= cp <= 0x303B


def base_class(cp):
    if 0xD800 <= cp <= 0xDFFF:
        return CL_OTHER
    cat = ud.category(chr(cp))
    if is_ideo(cp, cat):
        return CL_IDEO
    if cat == "Ll":
        return CL_LOWER
    if cat[0] == "L":
        return CL_LETTER
    if cat[0] == "N":
        return CL_DIGIT
    if cat[0] == "M":
        return CL_MARK
    return CL_OTHER


def build_classes():
    cls = [base_class(cp) for cp in range(MAX_CP + 1)]
    for group, c in ((WHITESPACE, CL_SPACE), (IGNORABLE, CL_IGNORABLE),
                     (APOSTROPHES, CL_APOS), (DASHES, CL_DASH), (QUOTES, CL_QUOTE),
                     (SENT_ENDS, CL_SENT_END)):
        for cp in group:
            cls[cp] = c
    return cls


def is_word_class(c):
    return CL_LETTER <= c <= CL_IDEO


def case_fold(ch, cls):
    m = ch.casefold()
    n = ud.normalize("NFKC", m).casefold()
    if n and all(is_word_class(cls[ord(x)]) or cls[ord(x)] == CL_APOS for x in n):
        m = n
    # One apostrophe: a folded letter such as U+0149 gives U+02BC + n.
    return "".join("'" if cls[ord(x)] == CL_APOS else x for x in m)


def is_diacritic_mark(cp):
    return any(lo <= cp <= hi for lo, hi in DIACRITIC_MARK_BLOCKS)


def diacritic_fold_char(x):
    if x in EXTRA_FOLDS:
        return EXTRA_FOLDS[x]
    cp = ord(x)
    if is_diacritic_mark(cp) and ud.category(x) == "Mn":
        return ""
    name = ud.name(x, "")
    if name.startswith(("LATIN ", "GREEK ", "CYRILLIC ")):
        d = "".join(y for y in ud.normalize("NFD", x) if ud.category(y) != "Mn")
        if d:
            return d
    return x


def main():
    cls = build_classes()

    runs = []
    prev = None
    for cp in range(MAX_CP + 1):
        if cls[cp] != prev:
            runs.append((cp, cls[cp]))
            prev = cls[cp]

    pool = bytearray()
    pool_index = {}

    def intern(s):
        b = s.encode("utf-8")
        if b not in pool_index:
            pos = pool.find(b) if b else 0
            if pos < 0:
                pos = len(pool)
                pool.extend(b)
            pool_index[b] = pos
        return pool_index[b], len(b)

    folds = []
    for cp in range(0x80, MAX_CP + 1):
        c = cls[cp]
        if not is_word_class(c):
            continue
        ch = chr(cp)
        case = case_fold(ch, cls)
        full = "".join(diacritic_fold_char(x) for x in case)
        if case == ch and full == ch:
            continue
        assert len(case.encode()) <= 18 and len(full.encode()) <= 18, hex(cp)
        folds.append((cp, intern(case), intern(full), case, full))
    assert len(pool) < 65536

    w = sys.stdout.write
    w("/*\n * unicode_tables.c - GENERATED by tools/gen_unicode.py from Python %s's unicodedata\n"
      % sys.version.split()[0])
    w(" * (Unicode %s). Do not edit: change the script and run, from the repository root,\n"
      % ud.unidata_version)
    w(" *     python3 tools/gen_unicode.py > analysis/src/unicode_tables.c\n")
    w(" * Declarations and the meaning of each table are in unicode_tables.h.\n */\n")
    w('#include "unicode_tables.h"\n\n')
    w('const char quire_uc_version[] = "%s";\n\n' % ud.unidata_version)

    w("/* Class of every code point below 0x800 (a direct lookup for Latin, Greek, Cyrillic,\n"
      " * Hebrew, Arabic). */\n")
    w("const uint8_t quire_uc_class_low[0x800] = {\n")
    for i in range(0, 0x800, 32):
        w("    " + ",".join(str(cls[cp]) for cp in range(i, i + 32)) + ",\n")
    w("};\n\n")

    w("/* Runs of one class: (first code point << 8) | class, ascending. */\n")
    w("const uint32_t quire_uc_class_runs[] = {\n")
    for i in range(0, len(runs), 8):
        w("    " + ", ".join("0x%08x" % ((cp << 8) | c) for cp, c in runs[i:i + 8]) + ",\n")
    w("};\n")
    w("const size_t quire_uc_class_run_count = %d;\n\n" % len(runs))

    w("/* Bytes of every folded string; entries point into it. */\n")
    w("const uint8_t quire_uc_fold_pool[] = {\n")
    for i in range(0, len(pool), 16):
        w("    " + ", ".join("0x%02x" % b for b in pool[i:i + 16]) + ",\n")
    w("};\n\n")

    w("/* Code points whose case fold or full fold differs from themselves, ascending. */\n")
    w("const quire_uc_fold quire_uc_folds[] = {\n")
    for cp, (co, cl), (fo, fl), case, full in folds:
        w("    {0x%05x, %d, %d, %d, %d},\n" % (cp, co, fo, cl, fl))
    w("};\n")
    w("const size_t quire_uc_fold_count = %d;\n" % len(folds))


if __name__ == "__main__":
    main()
