"""The store: every version of every article, validated once, at ingest, and kept.

- `validation`: one article's `.txt` and `.json`, every problem found in one pass, each named
  by file and JSON Pointer; `checks` holds what the schemas cannot see.
- `loading`: a version's served form, shaped once; `article`: the `Article` the views read,
  with the lookups, filters (declared per kind in `schemas.kinds`) and search.
- `database` (tables, engines, Alembic migrations), `repository` (`Store`: read by the views,
  written by ingest, one version per transaction), `fact_index` (the facts across articles),
  `ingest` (files into the store, and the store an app opens).
"""

from api.settings import BUILT_IN_CORPUS
from api.store.article import Article, fact_label

__all__ = ["BUILT_IN_CORPUS", "Article", "fact_label"]
