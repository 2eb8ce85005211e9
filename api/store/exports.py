"""Exports: full dumps of the corpus at one generation of the store, as gzipped NDJSON files.

`article-facts export` writes one (`write_export`); `GET /v1/exports` lists them and serves
each as a file (`list_exports`, `find_export`). An export is named by the generation it
shows, `corpus-<generation>.ndjson.gz`, and described by a sidecar file beside it
(`<name>.json`: its generation, creation time, SHA-256, size and article count), written
after it; a file without its sidecar is not listed, so a reader never sees half an export.

Each line of an export is one article served at that generation (withdrawn articles are left
out), at its latest version, in article id order (`EXPORT_LINE_FIELDS`): enough to serve the
facts without this API, and to ingest the corpus again (`annotation` as `<article_id>.json`,
`text` as `<article_id>.txt`, then `article-facts ingest`).

The export reads the store in one read transaction (a snapshot: PostgreSQL's REPEATABLE
READ, SQLite's WAL read transaction), in keyset batches of articles, so its memory is flat
and every line is of the same generation however many articles are ingested meanwhile.
"""

import datetime as dt
import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from api.store.database import articles, reading, store_state, versions
from api.store.repository import Store

EXPORT_MEDIA_TYPE = "application/gzip"
# The only names an export has: anything else (a sidecar, `..`, a path) is not one.
EXPORT_NAME = re.compile(r"corpus-(0|[1-9][0-9]{0,18})\.ndjson\.gz")
SIDECAR_SUFFIX = ".json"
# Articles each query of an export reads: a batch's memory is that many articles.
EXPORT_BATCH_ARTICLES = 100
# gzip's default level; mtime=0, so the same generation gives the same bytes.
EXPORT_GZIP_LEVEL = 6
# Each line's fields, in order: the article, its version and the generation that wrote it,
# when, the file format and hashes as ingested, the served metadata, the text, the
# annotation as validated, and the served facts by kind.
EXPORT_LINE_FIELDS = (
    "article_id",
    "version",
    "generation",
    "ingested_at",
    "format",
    "text_sha256",
    "annotation_sha256",
    "metadata",
    "text",
    "annotation",
    "facts",
)
# Fields stored as JSON text, parsed into the line as objects.
JSON_FIELDS = {"metadata", "annotation", "facts"}


@dataclass(frozen=True)
class Export:
    """One export file, as its sidecar describes it."""

    name: str
    generation: int
    created_at: str
    media_type: str
    sha256: str
    size: int
    articles: int


def exports_folder(config: dict[str, Any]) -> Path:
    """Where exports live: ARTICLE_FACTS_EXPORTS_DIR, or `exports/` in the data folder."""
    return Path(config["EXPORTS_DIR"] or Path(config["DATA_DIR"]) / "exports")


def export_name(generation: int) -> str:
    """The file name of the export of a generation."""
    return f"corpus-{generation}.ndjson.gz"


def _lines(connection: sa.Connection) -> Iterator[bytes]:
    columns = [getattr(versions.c, name) for name in EXPORT_LINE_FIELDS]
    query = (
        sa.select(*columns)
        .join(
            articles,
            (articles.c.article_id == versions.c.article_id)
            & (articles.c.latest_version == versions.c.version),
        )
        .where(articles.c.withdrawn_reason.is_(None))
        .order_by(versions.c.article_id)
        .limit(EXPORT_BATCH_ARTICLES)
    )
    after = None
    while True:
        batch = query if after is None else query.where(versions.c.article_id > after)
        rows = connection.execute(batch).all()
        for row in rows:
            line = {
                name: orjson.Fragment(value) if name in JSON_FIELDS else value
                for name, value in zip(EXPORT_LINE_FIELDS, row, strict=True)
            }
            yield orjson.dumps(line) + b"\n"
        if len(rows) < EXPORT_BATCH_ARTICLES:
            return
        after = rows[-1].article_id


def _write_atomically(path: Path, write: Any) -> None:
    """Write a file under a temporary name in its folder, then rename it into place: a reader
    sees the whole file or none."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_export(store: Store, folder: Path) -> tuple[Export, bool]:
    """Export the corpus at the store's current generation into `folder`; return the export
    and whether it was written now (False: that generation was already exported)."""
    folder.mkdir(parents=True, exist_ok=True)
    with reading(store.engine) as connection:
        generation = int(connection.execute(sa.select(store_state.c.generation)).scalar_one())
        name = export_name(generation)
        existing = find_export(folder, name)
        if existing is not None:
            return existing, False
        path = folder / name
        count = 0

        def write(file: Any) -> None:
            nonlocal count
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=file, compresslevel=EXPORT_GZIP_LEVEL, mtime=0
            ) as compressed:
                for line in _lines(connection):
                    compressed.write(line)
                    count += 1

        _write_atomically(path, write)
    with path.open("rb") as file:
        sha256 = hashlib.file_digest(file, "sha256").hexdigest()
    export = Export(
        name=name,
        generation=generation,
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        media_type=EXPORT_MEDIA_TYPE,
        sha256=sha256,
        size=path.stat().st_size,
        articles=count,
    )
    sidecar = orjson.dumps(asdict(export), option=orjson.OPT_INDENT_2)
    _write_atomically(folder / f"{name}{SIDECAR_SUFFIX}", lambda file: file.write(sidecar))
    return export, True


def find_export(folder: Path, name: str) -> Export | None:
    """The export of this name, if it is one and it is complete (its sidecar written)."""
    if not EXPORT_NAME.fullmatch(name):
        return None
    try:
        described = orjson.loads((folder / f"{name}{SIDECAR_SUFFIX}").read_bytes())
    except (FileNotFoundError, NotADirectoryError, orjson.JSONDecodeError):
        return None
    if not (folder / name).is_file():
        return None
    try:
        return Export(**described)
    except TypeError:  # not a sidecar this release wrote (another shape, or not an object)
        return None


def list_exports(folder: Path) -> list[Export]:
    """Every complete export in `folder`, newest generation first."""
    if not folder.is_dir():
        return []
    found = (find_export(folder, path.name) for path in folder.iterdir())
    return sorted(
        (export for export in found if export is not None),
        key=lambda export: export.generation,
        reverse=True,
    )


def folder_state(folder: Path) -> int | None:
    """What changes when an export is added or removed (the folder's modification time)."""
    try:
        return folder.stat().st_mtime_ns
    except FileNotFoundError:
        return None
