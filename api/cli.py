"""`article-facts`: the commands that look after the corpus.

`check` validates articles without writing anything; `schema` prints the JSON Schema of the
annotation file; `migrate`, `ingest`, `versions`, `withdraw`, `rebuild` and `export` work on
the store
that `ARTICLE_FACTS_DATABASE_URL` (or `ARTICLE_FACTS_DATA_DIR`, for SQLite) names, as the app
does. Each command is one function in the `main` group; a problem is one line, never a
traceback, and a non-zero exit status.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from api.settings import ConfigurationError, app_config
from api.store.database import current_revision, database_url, head_revision, migrate
from api.store.exports import exports_folder, write_export
from api.store.file_schema import annotation_file_schema
from api.store.ingest import ingest as ingest_articles
from api.store.repository import Store
from api.store.validation import article_files, validate_article


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Commands(click.Group):
    """The commands, each ending in one line rather than a traceback when the store fails."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a database error is a one-line refusal with exit status 1."""
        try:
            return super().invoke(ctx)
        except sa.exc.SQLAlchemyError as error:
            # A DBAPI error's own message, without SQLAlchemy's statement and parameters.
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise click.ClickException(f"the store failed: {reason}") from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Validate and look after the articles of an Article Facts corpus."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate articles without writing anything.

    Each PATH is an annotation file (<article-id>.json), an article text (<article-id>.txt,
    its annotation beside it) or a folder of them. Prints every problem, one per line (file,
    JSON Pointer into the annotation, what is wrong), then a summary; exits with status 1 if
    there is any problem.
    """
    files, problems = article_files(paths)
    for problem in problems:
        click.echo(str(problem))
    for json_path in files:
        _, found = validate_article(json_path)
        for problem in found:
            click.echo(str(problem))
        problems += found
    click.echo(f"{_plural(len(files), 'article')} checked, {_plural(len(problems), 'problem')}")
    sys.exit(1 if problems else 0)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the annotation file."""
    click.echo(json.dumps(annotation_file_schema(), indent=2, ensure_ascii=False))


def _config() -> dict[str, Any]:
    """The settings the environment gives, as the app reads them."""
    try:
        return app_config(os.environ)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def _store() -> Store:
    """The store the environment names, as the app would open it."""
    config = _config()
    store = Store(database_url(config["DATABASE_URL"], config["DATA_DIR"]))
    # Its connections close with the command, not whenever the process collects them.
    click.get_current_context().call_on_close(store.dispose)
    return store


def _needs_current_schema(store: Store) -> None:
    # An embedded SQLite store is this process's to migrate; PostgreSQL's is a step of its own.
    if store.engine.dialect.name == "sqlite":
        migrate(store.engine)
    if current_revision(store.engine) != head_revision():
        raise click.ClickException(
            "the store's schema is not current: run `article-facts migrate` first"
        )


@main.command("migrate")
def migrate_command() -> None:
    """Bring the store's schema to this release's (Alembic migrations; idempotent)."""
    store = _store()
    try:
        before = current_revision(store.engine)
        migrate(store.engine)
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(f"cannot migrate the store: {error}") from None
    after = current_revision(store.engine)
    click.echo(f"schema at {after}" + (" (unchanged)" if before == after else f" (was {before})"))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--new-text",
    is_flag=True,
    help="Store a text that differs from the article's latest version (the text is the source "
    "of record, so a changed one is refused without this).",
)
def ingest(paths: tuple[Path, ...], new_text: bool) -> None:
    """Validate articles and write each valid one as its next version.

    Each PATH is as for `check`; without one, the folder ARTICLE_FACTS_CORPUS_DIR names (the
    built-in article by default). An article with a problem writes nothing and is listed, one
    line per problem; every other article is written in a transaction of its own, or found
    unchanged. Exits with status 1 if any article was refused.
    """
    store = _store()
    _needs_current_schema(store)
    if not paths:
        paths = (Path(_config()["CORPUS_DIR"]),)
    outcomes, problems = ingest_articles(store, paths, new_text=new_text)
    for outcome in outcomes:
        click.echo(f"{outcome.article_id}: {outcome.message}")
    for problem in problems:
        click.echo(str(problem))
    written = sum(outcome.status == "written" for outcome in outcomes)
    refused = len({problem.file for problem in problems})
    click.echo(
        f"{_plural(written, 'version')} written, {len(outcomes) - written} unchanged, "
        f"{_plural(refused, 'file')} refused"
    )
    sys.exit(1 if problems else 0)


@main.command()
@click.argument("article_id")
def versions(article_id: str) -> None:
    """List an article's versions: number, ingest time, hashes, and what each changed."""
    store = _store()
    _needs_current_schema(store)
    found = store.versions(article_id)
    if not found:
        raise click.ClickException(f"no article {article_id!r} in the store")
    for version in found:
        changed = ", ".join(
            f"{kind} +{len(ids['added'])} -{len(ids['removed'])} ~{len(ids['changed'])}"
            for kind, ids in version["changes"].items()
            if any(ids.values())
        )
        click.echo(
            f"{version['version']}  {version['ingested_at']}  text {version['text_sha256'][:12]}"
            f"  annotation {version['annotation_sha256'][:12]}  {changed or 'no change'}"
        )


@main.command()
@click.argument("article_id")
@click.option("--reason", required=True, help="Why it was taken down; its URLs say so (410).")
def withdraw(article_id: str, reason: str) -> None:
    """Take an article down: its URLs answer 410 Gone with the reason; its versions stay."""
    store = _store()
    _needs_current_schema(store)
    done = store.withdraw(article_id, reason)
    if done is None:
        raise click.ClickException(f"no article {article_id!r} in the store")
    click.echo(f"{article_id}: {done}")


@main.command()
def rebuild() -> None:
    """Re-derive every stored version's served form with this release's schemas."""
    store = _store()
    _needs_current_schema(store)
    click.echo(f"{_plural(store.rebuild(), 'version')} rebuilt")


@main.command()
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write to (default: ARTICLE_FACTS_EXPORTS_DIR, which `GET /v1/exports` "
    "serves).",
)
def export(folder: Path | None) -> None:
    """Write a full export of the corpus at the store's current generation.

    One gzipped NDJSON file, `corpus-<generation>.ndjson.gz`, one article per line (every
    article served, at its latest version: text, annotation, metadata and facts by kind),
    with a sidecar `<name>.json` giving its SHA-256 and size. Written under a temporary name
    and renamed into place; a generation already exported is left as it is.
    """
    store = _store()
    _needs_current_schema(store)
    where = folder or exports_folder(_config())
    done, written = write_export(store, where)
    click.echo(
        f"{where / done.name}: {_plural(done.articles, 'article')} at generation "
        f"{done.generation}, {done.size} bytes, sha256 {done.sha256}"
        + ("" if written else " (already exported)")
    )
