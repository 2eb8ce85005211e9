"""`article-facts`: the commands that look after the corpus.

`check` validates articles without writing anything; `schema` prints the JSON Schema of the
annotation file. Each command is one function in the `main` group.
"""

import json
import sys
from pathlib import Path

import click

from api.store.file_schema import annotation_file_schema
from api.store.validation import article_files, validate_article


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
