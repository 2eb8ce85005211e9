"""The `article-facts` command: `check` lists every problem and fails; `schema` prints the JSON
Schema of the annotation file."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from api.cli import main
from api.store import BUILT_IN_CORPUS
from conftest import ARTICLE_ID, SECOND_ARTICLE_DIR

SECOND_ID = "riverton-opens-new-bridge"
CONSOLE_SCRIPT = Path(sys.executable).parent / "article-facts"


@pytest.fixture()
def folder(tmp_path):
    """A folder with a good article (the built-in one) and a bad one (the second, with two
    mistakes); returns the folder and the bad annotation's path."""
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    shutil.copytree(SECOND_ARTICLE_DIR, tmp_path, dirs_exist_ok=True)
    bad = tmp_path / f"{SECOND_ID}.json"
    annotation = json.loads(bad.read_text(encoding="utf-8"))
    annotation["entities"][0]["type"] = "robot"
    annotation["quotes"][0]["speaker_id"] = "ada-byrn"
    bad.write_text(json.dumps(annotation), encoding="utf-8")
    return tmp_path, bad


def assert_reports_the_bad_article(output, bad):
    lines = output.splitlines()
    assert "Traceback" not in output
    assert lines == [
        f"{bad}: /entities/0/type: Must be one of: "
        "person, organization, group, place, weapon, agreement.",
        f"{bad}: /quotes/0/speaker_id: no entity 'ada-byrn' (did you mean 'ada-byrne'?)",
        "2 articles checked, 2 problems",
    ]


def test_check_lists_every_problem_and_fails(folder):
    path, bad = folder
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert_reports_the_bad_article(result.output, bad)


def test_check_passes_a_good_article():
    result = CliRunner().invoke(main, ["check", str(BUILT_IN_CORPUS / f"{ARTICLE_ID}.txt")])
    assert (result.exit_code, result.output) == (0, "1 article checked, 0 problems\n")


def test_check_reports_a_path_that_is_no_article(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nothing.json.txt")])
    assert result.exit_code == 1
    assert result.output == (
        f"{tmp_path / 'nothing.json.txt'}: no such file\n0 articles checked, 1 problem\n"
    )


def test_the_console_script_checks_without_a_traceback(folder):
    if not CONSOLE_SCRIPT.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CONSOLE_SCRIPT} is missing: pip install -e .")
        pytest.skip(f"{CONSOLE_SCRIPT} is missing: pip install -e .")
    path, bad = folder
    result = subprocess.run(
        [CONSOLE_SCRIPT, "check", path], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr == ""
    assert_reports_the_bad_article(result.stdout, bad)


def test_schema_validates_the_annotation_files():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in (BUILT_IN_CORPUS / f"{ARTICLE_ID}.json", SECOND_ARTICLE_DIR / f"{SECOND_ID}.json"):
        annotation = json.loads(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(annotation)) == [], path
    # It is not vacuous: the built-in file writes some spans as quotes, the rest with offsets.
    entities = annotation_of_built_in()["entities"]
    assert {"text": "Dmitry Peskov"} in entities[0]["mentions"]
    assert "start" in entities[3]["mentions"][0]


def annotation_of_built_in():
    return json.loads((BUILT_IN_CORPUS / f"{ARTICLE_ID}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda a: a.pop("claims"), []),
        (lambda a: a.update(format=2), ["format"]),
        (lambda a: a["entities"][0].update(mentions=[{"text": "x", "start": 1}]), None),
        (lambda a: a["entities"][0].update(mentions=[{"text": "x", "sufix": "y"}]), None),
        (lambda a: a["article"].update(counts={}), None),
        (lambda a: a.update(excluded_mentions=[{"entity_id": "russia"}]), None),
    ],
)
def test_schema_refuses_what_the_loader_refuses(change, path):
    schema = json.loads(CliRunner().invoke(main, ["schema"]).output)
    annotation = annotation_of_built_in()
    change(annotation)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(annotation))
    assert errors
    if path is not None:
        assert [list(error.absolute_path) for error in errors] == [path]


def test_schema_leaves_text_length_sha256_format_and_exclusions_optional():
    schema = json.loads(CliRunner().invoke(main, ["schema"]).output)
    assert "format" not in schema["required"] and "excluded_mentions" not in schema["required"]
    article = schema["$defs"]["AnnotatedArticle"]
    assert {"text_length", "sha256"} <= set(article["properties"]) - set(article["required"])
    annotation = annotation_of_built_in()
    del annotation["article"]["text_length"], annotation["article"]["sha256"]
    jsonschema.validate(annotation, schema, cls=jsonschema.Draft202012Validator)
