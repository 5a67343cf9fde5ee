"""Catalog search on SQLite through an FTS5 trigram index (the embedded default).

PostgreSQL answers ``search_text LIKE '%word%'`` from its pg_trgm and bigram GIN indexes
(catalog migrations of 2026-11-23 and -24); SQLite had only a scan of every entry. Here an
external-content FTS5 table ``catalog_entry_fts`` (``tokenize='trigram'``, kept by triggers)
indexes ``search_text``: a word of three characters or more is ``search_text : "word"``, an
exact substring match. Trigrams cannot find a two-character word (会计, 护理, the commonest
Chinese searches), so each entry also carries ``search_grams``: every two-character substring
of ``search_text`` between unit separators (``\\x1f会计\\x1f计学\\x1f…``), indexed in the same
table. The trigrams of ``"\\x1f会计\\x1f"`` occur exactly when 会计 is one of those pairs, that
is when ``search_text`` contains 会计. The service keeps its LIKE on top, so the answers are
the same as before, only found through the index. A one-character word stays a LIKE. The table and its triggers are made by
the catalog migration of 2026-12-04T02:00:01.
"""

from __future__ import annotations

SEP = "\x1f"
TABLE = "catalog_entry_fts"


def grams(search_text: str) -> str:
    """Every two-character substring of ``search_text``, each between separators."""
    text = search_text.replace(SEP, " ")
    pairs = dict.fromkeys(text[i:i + 2] for i in range(len(text) - 1))
    return SEP + SEP.join(pairs) + SEP if pairs else ""


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match(words: list[str]) -> str | None:
    """The FTS5 query that narrows a search for these (lower-cased) words, or None when no word
    is long enough to use the index."""
    terms = []
    for word in words:
        word = word.replace(SEP, "")
        if len(word) >= 3:
            terms.append(f"search_text : {_phrase(word)}")
        elif len(word) == 2:
            terms.append(f"search_grams : {_phrase(SEP + word + SEP)}")
    return " AND ".join(terms) or None
