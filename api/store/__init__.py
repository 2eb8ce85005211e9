"""The corpus: every article text with its validated annotation, loaded once at start-up.

An article is a pair of files in the corpus folder: `<article-id>.txt`, the text byte for
byte, and `<article-id>.json`, its annotation; companions such as
`<article-id>.wikidata-evidence.json` may sit beside them. Nothing is served until every pair
has passed the schemas and the cross-checks (`api.store.checks`); a problem stops the app with
a message naming the file, the object and what is wrong.

The views reach the data through `Article` (`api.store.article`): lookups, the filters each
kind declares in `schemas.kinds`, and search.
"""

from api.store.article import Article, fact_label
from api.store.loading import BUILT_IN_CORPUS, DatasetError, load_article, load_corpus

__all__ = [
    "BUILT_IN_CORPUS",
    "Article",
    "DatasetError",
    "fact_label",
    "load_article",
    "load_corpus",
]
