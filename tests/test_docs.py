"""The docs cannot drift: explorer assets, README commands, the manual in docs/ and the
configuration page generated from the settings table."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import yaml

from api.settings import REGENERATE_DOCS, SETTINGS, render_docs
from conftest import ROOT
from schemas.kinds import KINDS as FACT_KINDS

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def page(name):
    """The text of one page of the manual (docs/<name>)."""
    return (DOCS / name).read_text(encoding="utf-8")


class AssetCollector(HTMLParser):
    """Collect every URL a page loads (scripts, stylesheets, images)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name) and (tag != "a"):
                self.urls.append(attributes[name])


def test_explorer_loads_every_asset_from_the_app_itself(client):
    page = client.get("/docs")
    assert page.status_code == 200
    collector = AssetCollector()
    collector.feed(page.get_data(as_text=True))
    assert collector.urls
    for url in collector.urls:
        assert url.startswith("/"), f"{url} is not served by the app"
        with client.get(url) as response:  # static files stream: close them
            assert response.status_code == 200, url
    assert "openapi.json" in page.get_data(as_text=True)


def test_explorer_is_swagger_ui_5_which_renders_openapi_3_1(client):
    with client.get("/docs/assets/VERSION") as response:
        version = response.get_data(as_text=True).strip()
    assert version.startswith("v5."), version


def readme_commands():
    """The commands in the README's first code block."""
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_opens_with_exactly_two_commands():
    run, test = readme_commands()
    assert "gunicorn" in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_readme_is_the_front_door_not_the_manual():
    assert len(README.splitlines()) <= 200


def nav_pages(entries):
    """Every page a MkDocs `nav` names, however deeply nested."""
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for value in entry.values():
                yield from nav_pages([value] if isinstance(value, str) else value)


def test_every_page_of_the_manual_is_in_the_nav_and_every_nav_entry_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config.get("docs_dir", "docs") == "docs"
    assert config["theme"]["name"] == "material"
    nav = list(nav_pages(config["nav"]))
    assert len(nav) == len(set(nav)), nav
    pages = {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}
    assert not set(nav) - pages, f"in the nav but not in docs/: {sorted(set(nav) - pages)}"
    assert not pages - set(nav), f"in docs/ but not in the nav: {sorted(pages - set(nav))}"


def test_the_manual_builds_with_no_warning(tmp_path):
    """`mkdocs build --strict` fails on a broken link or anchor and on a page left out."""
    mkdocs = Path(sys.executable).parent / "mkdocs"
    built = subprocess.run(
        [mkdocs, "build", "--strict", "--config-file", ROOT / "mkdocs.yml"]
        + ["--site-dir", tmp_path / "site"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
    )
    assert built.returncode == 0, built.stderr + built.stdout
    assert (tmp_path / "site" / "index.html").exists()


def test_the_configuration_page_is_generated_from_the_settings_table():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == render_docs(), f"docs/configuration.md is stale: run `{REGENERATE_DOCS}`"


# Variables gunicorn.conf.py sets for itself, to survive a reload: markers, not settings.
INTERNAL_VARIABLES = {"ARTICLE_FACTS_METRICS_READY", "ARTICLE_FACTS_METRICS_DIR_MADE"}


def test_every_environment_variable_read_is_in_the_settings_table_and_its_docs():
    sources = [*(ROOT / "api").rglob("*.py"), ROOT / "gunicorn.conf.py"]
    read = set()
    for source in sources:
        read |= set(
            re.findall(
                r"(?:os\.environ(?:\.get\(|\[)|getenv\()\s*[\"'](\w+)",
                source.read_text(encoding="utf-8"),
            )
        )
    declared = {setting.variable for setting in SETTINGS}
    assert read - INTERNAL_VARIABLES <= declared, "declare it in api.settings.SETTINGS"
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in declared if f"| `{name}` |" not in page)
    assert not missing, f"docs/configuration.md does not list {missing}: run `{REGENERATE_DOCS}`"


def test_contributing_names_the_command_that_regenerates_the_openapi_document():
    assert "flask --app api openapi write openapi/openapi.json" in page("contributing.md")


LISTS = {
    "/v1/articles": "/v1/articles",
    **{f".../{kind.path}": f"/v1/articles/{{article_id}}/{kind.path}" for kind in FACT_KINDS},
    ".../versions": "/v1/articles/{article_id}/versions",
    ".../search": "/v1/articles/{article_id}/search",
    **{f"/v1/{kind.path}": f"/v1/{kind.path}" for kind in FACT_KINDS},
    "/v1/changes": "/v1/changes",
    "/v1/exports": "/v1/exports",
    "/v1/search": "/v1/search",
}
# Options of every list, not filters; `version` is on every URL of one article; `cursor` and
# `since` page the lists across articles and the feed of changes.
OPTIONS = {"page", "page_size", "sort", "fields", "embed", "version", "cursor", "since"}


def query_table():
    """docs/querying.md's table of what each list takes: {list: [sort, fields, embed, filters]}."""
    lines = page("querying.md").split("| list | `sort` keys", 1)[1].splitlines()[2:]
    rows = {}
    for line in lines:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def quoted(cell):
    return re.findall(r"`([^`]+)`", cell)


def test_querying_says_what_each_list_takes_no_more_no_less(client):
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    rows = query_table()
    listed = {
        path
        for path, item in spec["paths"].items()
        if item["get"]["operationId"].startswith(("list", "search"))
    }
    assert set(rows) == set(LISTS) and set(LISTS.values()) == listed
    for label, path in LISTS.items():
        parameters = {
            parameter["name"]: parameter
            for parameter in spec["paths"][path]["get"]["parameters"]
            if parameter.get("in") == "query"
        }

        def enum(name, parameters=parameters):
            if name not in parameters:
                return []
            items = parameters[name]["schema"]["items"]
            return schemas[items["$ref"].rsplit("/", 1)[1]]["enum"]

        sort, fields, embed, filters = rows[label]
        assert quoted(sort) == [key for key in enum("sort") if not key.startswith("-")], label
        assert (fields == "yes") is ("fields" in parameters), label
        assert quoted(embed) == enum("embed"), label
        assert quoted(filters) == [name for name in parameters if name not in OPTIONS], label
