"""The compatibility gate: clients generated from the previous document keep working.

The baseline is the committed openapi/openapi.json at `ARTICLE_FACTS_COMPAT_BASE` (default
`HEAD~1`, the previous commit; in CI, main's previous commit). Two checks:

- in-process: tests/compat.py lists every change from the baseline to the document the app
  serves that breaks a generated client; each must be declared in openapi/changes.json;
- system: openapi-python-client generates a client from the baseline, and against gunicorn
  on the current code it calls every operation of the baseline (exercise_client.py: every
  list paged to its end, every answer parsed) and runs the baseline's own check_client.py.

Without the baseline (a shallow clone, the first commit) the gate fails in CI (the `CI`
variable is set) and is skipped elsewhere, with the reason. docs/compatibility.md has the
policy and the commands.
"""

import copy
import json
import os
import shutil
import subprocess
import sys

import pytest

import compat
from client_generation import BIN, PYTHON_TOOLS, generate_python_client, run
from conftest import ROOT, gunicorn_server

BASE = os.environ.get("ARTICLE_FACTS_COMPAT_BASE", "HEAD~1")
DOCUMENT = "openapi/openapi.json"
CHECK_CLIENT = "tests/clients/python/check_client.py"
EXERCISE_CLIENT = ROOT / "tests" / "clients" / "python" / "exercise_client.py"


def git_show(ref, path):
    """The text of `path` at `ref`, or None when that commit has no such file."""
    result = subprocess.run(
        ["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    return result.stdout if result.returncode == 0 else None


@pytest.fixture(scope="module")
def baseline():
    """The commit to be compatible with; fails in CI and skips elsewhere without it."""
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{BASE}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode != 0:
        reason = (
            f"the compatibility baseline {BASE} is not in this checkout (a shallow clone or the "
            "first commit): fetch the history (`git fetch --unshallow`) or name another commit "
            "in ARTICLE_FACTS_COMPAT_BASE"
        )
        if os.environ.get("CI") or "ARTICLE_FACTS_COMPAT_BASE" in os.environ:
            pytest.fail(reason)
        pytest.skip(reason)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def base_document(baseline):
    text = git_show(baseline, DOCUMENT)
    if text is None:
        pytest.skip(f"{BASE} has no {DOCUMENT}: no generated client to be compatible with")
    return json.loads(text)


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/openapi.json").get_json()


@pytest.fixture(scope="module")
def declarations():
    return compat.load_declarations()


def test_declarations_name_changes_the_gate_reports(declarations):
    ids = [entry["change"] for entry in declarations]
    assert len(ids) == len(set(ids)), "a change is declared twice"
    for change in ids:
        kind = change.split(" ", 1)[0]
        assert kind in compat.KINDS, f"{change!r}: not a kind tests/compat.py reports"


def test_every_change_from_the_baseline_is_declared(base_document, document, declarations):
    changes = compat.breaking_changes(base_document, document)
    missing = compat.undeclared(changes, declarations)
    assert not missing, (
        f"These changes since {BASE} break clients generated from its document. Undo them, "
        "or declare each in openapi/changes.json with `since` and a `note` for clients "
        "(docs/compatibility.md):\n" + "\n".join(missing)
    )


def test_every_enum_in_a_response_is_a_named_component(document):
    """Response enums are closed: each is one named type of the generated clients, so that a
    new member is reported, and declared, once under that name."""
    places = compat.enums_in_responses(document)
    assert places, "no enum in any response: the walk is broken"
    inline = sorted(place for place in places if not place.startswith("#/components/schemas/"))
    assert not inline, (
        f"enums defined inline in a response (use schemas.common.enum_item): {inline}"
    )


# How each kind of change looks in the current document, and what the gate calls it.
ENTITIES = "/v1/articles/{article_id}/entities"
MUTATIONS = {
    "operation-removed GET /v1/articles/{article_id}/text": lambda d: d["paths"].pop(
        "/v1/articles/{article_id}/text"
    ),
    "schema-removed #/components/schemas/Period": lambda d: d["components"]["schemas"].pop(
        "Period"
    ),
    'response-enum-value-added #/components/schemas/ClaimMode "reported"': lambda d: schema(
        d, "ClaimMode"
    )["enum"].append("reported"),
    "response-field-removed #/components/schemas/Entity/properties/wikidata": lambda d: schema(
        d, "Entity"
    )["properties"].pop("wikidata"),
    "response-field-optional #/components/schemas/Entity/properties/name": lambda d: schema(
        d, "Entity"
    )["required"].remove("name"),
    "response-type-widened #/components/schemas/Entity/properties/description null": lambda d: (
        schema(d, "Entity")["properties"]["description"].update(type=["string", "null"])
    ),
    'parameter-enum-value-removed #/components/schemas/EntityType "weapon"': lambda d: schema(
        d, "EntityType"
    )["enum"].remove("weapon"),
    f"parameter-removed GET {ENTITIES} query:q": lambda d: parameters(d).remove(parameter(d, "q")),
    f"parameter-narrowed GET {ENTITIES} query:page_size maximum 100 -> 50": lambda d: parameter(
        d, "page_size"
    )["schema"].update(maximum=50),
    f"parameter-required GET {ENTITIES} query:q": lambda d: parameter(d, "q").update(required=True),
}
# Additions a generated client does not notice.
ADDITIONS = {
    "a response field": lambda d: schema(d, "Quote")["properties"].update(
        {"language": {"type": "string", "description": "New."}}
    ),
    "a value a client only sends": lambda d: schema(d, "ClaimField")["enum"].append("language"),
    "an optional parameter": lambda d: parameters(d).append(
        {"in": "query", "name": "lang", "schema": {"type": "string"}}
    ),
    "an operation": lambda d: d["paths"].update(
        {"/v1/sources": {"get": {"operationId": "listSources", "responses": {}}}}
    ),
}


def schema(document, name):
    """A component schema."""
    return document["components"]["schemas"][name]


def parameters(document):
    """The parameters of the entity list."""
    return document["paths"][ENTITIES]["get"]["parameters"]


def parameter(document, name):
    """One query parameter of the entity list."""
    return next(p for p in parameters(document) if p.get("name") == name)


@pytest.mark.parametrize("expected", list(MUTATIONS))
def test_the_diff_reports_a_breaking_change(document, expected):
    changed = copy.deepcopy(document)
    MUTATIONS[expected](changed)
    found = [change.id for change in compat.breaking_changes(document, changed)]
    assert expected in found, found
    if not expected.startswith("schema-removed"):  # a removed schema also breaks its users
        assert found == [expected]


@pytest.mark.parametrize("addition", list(ADDITIONS))
def test_the_diff_lets_additions_through(document, addition):
    changed = copy.deepcopy(document)
    ADDITIONS[addition](changed)
    assert compat.breaking_changes(document, changed) == []


@pytest.mark.system
def test_client_generated_from_the_baseline_works_against_this_server(
    baseline, base_document, document, declarations, tmp_path
):
    missing = [name for name, path in PYTHON_TOOLS.items() if not path.exists()]
    if missing:
        reason = f"the gate needs {', '.join(missing)} (pip install '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    breaking = compat.breaking_changes(base_document, document)
    if breaking:
        # Clients generated from the baseline are expected to break: each change must be
        # declared (test_every_change_from_the_baseline_is_declared), and clients regenerated.
        pytest.skip(
            f"breaking changes since {BASE}, for clients to regenerate: "
            + ", ".join(change.id for change in breaking)
        )
    (tmp_path / "baseline.json").write_text(json.dumps(base_document), encoding="utf-8")
    generate_python_client(tmp_path / "baseline.json", tmp_path)
    shutil.copy(EXERCISE_CLIENT, tmp_path)
    scripts = [["exercise_client.py", "{url}", "baseline.json"]]
    base_check = git_show(baseline, CHECK_CLIENT)
    if base_check is not None:
        (tmp_path / "check_client.py").write_text(base_check, encoding="utf-8")
        scripts.append(["check_client.py", "{url}"])
    with gunicorn_server(workers=1, log_name="compat-gunicorn") as server:
        # An export for the baseline's client to list and download, as its examples name.
        run([BIN / "article-facts", "export"])
        for script in scripts:
            arguments = [argument.format(url=server.url) for argument in script]
            output = run([sys.executable, *arguments], cwd=tmp_path)
            assert "python client:" in output, output
