"""The recipes in docs/recipes.md are real: each command on the page is run again here, on
the same corpus, and must print what the page shows.

The corpus is the built-in article and the fictional ones written for the tests
(`tests/fixtures/second-article`, `tests/fixtures/across`). A `curl` line is requested of the
app; an `article-facts` line runs the CLI in `tests/fixtures` on the same store. Timestamps
(ingest and withdrawal times) are the only thing allowed to differ. To rewrite the page's
output after a deliberate change: `ARTICLE_FACTS_DOCS_UPDATE=1 pytest tests/test_recipes.py`.
"""

import gzip
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import main
from api.store import BUILT_IN_CORPUS
from conftest import ROOT, SECOND_ARTICLE_DIR

PAGE = ROOT / "docs" / "recipes.md"
FIXTURES = Path(__file__).parent / "fixtures"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def normal(output: str) -> str:
    return TIMESTAMP.sub("<time>", output)


@pytest.fixture()
def run(tmp_path):
    """Run one command line of the page; what it prints."""
    folder = tmp_path / "corpus"
    shutil.copytree(BUILT_IN_CORPUS, folder)
    for source in (SECOND_ARTICLE_DIR, FIXTURES / "across"):
        for path in source.iterdir():
            shutil.copy(path, folder / path.name)
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "NEW_VERSION_SECONDS": 0})
    client = app.test_client()

    def run_line(line: str) -> str:
        words = shlex.split(line)
        pipe = words.index("|") if "|" in words else len(words)
        command, after = words[:pipe], words[pipe + 1 :]
        if command[0] == "article-facts":
            cwd = os.getcwd()
            os.chdir(FIXTURES)
            try:
                result = CliRunner().invoke(main, command[1:])
            finally:
                os.chdir(cwd)
            output = result.output
        else:
            assert command[:2] == ["curl", "-s"], line
            headers = dict(
                value.split(": ", 1)
                for option, value in zip(command, command[1:], strict=False)
                if option == "-H"
            )
            url = command[-1].removeprefix("$API")
            body = client.get(url, headers=headers).get_data()
            if headers.get("Accept-Encoding") == "gzip":
                body = gzip.decompress(body)
            # CSV's CRLF line ends are shown as a terminal shows them.
            output = body.decode("utf-8").replace("\r\n", "\n")
            output += "" if output.endswith("\n") else "\n"
        if after:
            assert after[:2] == ["head", "-n"], line
            output = "".join(output.splitlines(keepends=True)[: int(after[2])])
        return output

    return run_line


def commands(block: str) -> list[tuple[str, str]]:
    """Each `$ ` line of a console block and the output the page shows for it."""
    found = []
    for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
        line, _, output = chunk.partition("\n")
        found.append((line, output))
    return found


def test_every_recipe_prints_what_the_page_shows(run):
    page = PAGE.read_text(encoding="utf-8")
    blocks = BLOCK.findall(page)
    assert len(blocks) >= 4
    rewritten = page
    for block in blocks:
        shown = "".join(f"$ {line}\n{run(line)}" for line, _ in commands(block))
        if os.environ.get("ARTICLE_FACTS_DOCS_UPDATE"):
            rewritten = rewritten.replace(block, shown, 1)
        else:
            assert normal(shown) == normal(block)
    if rewritten != page:
        PAGE.write_text(rewritten, encoding="utf-8")
