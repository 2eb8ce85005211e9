"""The docs cannot drift: explorer assets, README commands and settings."""

import re
from html.parser import HTMLParser

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def test_readme_lists_every_environment_variable():
    sources = [ROOT / "api" / "config.py", ROOT / "gunicorn.conf.py"]
    names = set()
    for source in sources:
        names |= set(
            re.findall(r"os\.environ\.get\(\s*\"(\w+)\"", source.read_text(encoding="utf-8"))
        )
    assert names
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert not missing, f"README does not list {missing}"


def test_readme_names_the_command_that_regenerates_the_openapi_document():
    assert "flask --app api openapi write openapi/openapi.json" in README
