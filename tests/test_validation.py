"""Validation: every problem of an article in one pass, each named by a JSON Pointer into the
annotation file, with quote spans, computed checksums, the completeness rule and the format."""

import hashlib
import json
import shutil

import pytest

from api.store import BUILT_IN_CORPUS
from api.store.checks import pointer
from api.store.validation import Problem, article_files, resolve_quote, validate_article
from conftest import ARTICLE_ID, SECOND_ARTICLE_DIR

TEXT = (BUILT_IN_CORPUS / f"{ARTICLE_ID}.txt").read_text(encoding="utf-8")


@pytest.fixture()
def article(tmp_path):
    """A writable copy of the built-in article: (annotation, save), save writing it back and
    returning its path."""
    for suffix in (".txt", ".json"):
        shutil.copy(BUILT_IN_CORPUS / f"{ARTICLE_ID}{suffix}", tmp_path)
    path = tmp_path / f"{ARTICLE_ID}.json"
    annotation = json.loads(path.read_text(encoding="utf-8"))

    def save():
        path.write_text(json.dumps(annotation, ensure_ascii=False), encoding="utf-8")
        return path

    return annotation, save


def problems_of(path):
    validated, problems = validate_article(path)
    assert (validated is None) == bool(problems)
    return problems


def by_pointer(problems):
    return {problem.pointer: problem for problem in problems}


def index_of(facts, fact_id):
    return next(index for index, fact in enumerate(facts) if fact["id"] == fact_id)


def test_the_built_in_and_second_articles_are_valid():
    for path in (BUILT_IN_CORPUS / f"{ARTICLE_ID}.json", *SECOND_ARTICLE_DIR.glob("*.json")):
        validated, problems = validate_article(path)
        assert problems == []
        assert validated is not None
        assert validated.article_id == path.stem
        assert validated.format == 1
        assert validated.annotation_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_five_mistakes_in_five_kinds_are_all_listed_in_one_pass(article):
    annotation, save = article
    annotation["entities"][3]["type"] = "robot"  # schema
    annotation["quotes"][0]["speaker_id"] = "dmitry-peskof"  # reference
    annotation["figures"][0]["qualifier"] = "roughly-ish"  # schema
    annotation["events"][0]["date_text"] = "in March 1999"  # rule
    claim = index_of(annotation["claims"], "north-korea-no-details-of-role")
    annotation["claims"][claim]["polarity"] = "silent"  # schema
    problems = problems_of(save())
    # Exactly these: a fact that failed its schema is skipped, not reported again through the
    # facts that refer to it (entity 3 is a claimant; the claim has an excluded cue).
    assert sorted(by_pointer(problems)) == sorted(
        [
            "/entities/3/type",
            "/quotes/0/speaker_id",
            "/figures/0/qualifier",
            "/events/0/date_text",
            f"/claims/{claim}/polarity",
        ]
    )
    assert len(problems) == 5
    found = by_pointer(problems)
    assert found["/entities/3/type"].message.startswith("Must be one of")
    assert found["/quotes/0/speaker_id"].message == "no entity 'dmitry-peskof'"
    assert found["/events/0/date_text"].message == "'in March 1999' is in none of its mentions"


def test_a_missing_list_does_not_stop_the_other_checks(article):
    annotation, save = article
    del annotation["claims"]
    annotation["entities"][0]["wikidata"] = "423"
    annotation["quotes"][0]["speaker_id"] = "nobody-at-all"
    found = by_pointer(problems_of(save()))
    assert found["/claims"].message == "Missing data for required field."
    assert found["/entities/0/wikidata"].message.startswith("Not a Wikidata item id")
    assert found["/quotes/0/speaker_id"].message == "no entity 'nobody-at-all'"
    # The excluded cues name claims, which could not be read: no problem is made up for them.
    assert not [p for p in found if p.startswith("/excluded_cues")]


def test_pointers_name_the_index_in_the_file_and_escape_keys(article):
    annotation, save = article
    last = len(annotation["entities"]) - 1
    annotation["entities"][last]["wikidata"] = "x"
    annotation["article"]["view_count"] = 3
    found = by_pointer(problems_of(save()))
    assert f"/entities/{last}/wikidata" in found
    assert found["/article/view_count"].message == (
        "3 is not what view_count_mention quotes ('319')"
    )
    assert pointer("a/b", "c~d", 0) == "/a~1b/c~0d/0"


def test_a_problem_reads_as_one_line_with_file_pointer_message_and_hint(tmp_path):
    problem = Problem(tmp_path / "a.json", "/claims/3/cue", "text 'x'\ndoes not match", "hint")
    assert str(problem) == f"{tmp_path / 'a.json'}: /claims/3/cue: text 'x' does not match (hint)"
    assert str(Problem(tmp_path / "a.txt", "", "the article text is missing")) == (
        f"{tmp_path / 'a.txt'}: the article text is missing"
    )


def test_a_misplaced_span_hints_where_its_words_are(article):
    annotation, save = article
    mention = annotation["entities"][3]["mentions"][0]  # "Vadym Skibytsky", with offsets
    mention["start"] += 1
    mention["end"] += 1
    found = by_pointer(problems_of(save()))
    problem = found["/entities/3/mentions/0"]
    assert problem.message.startswith("text 'Vadym Skibytsky' does not match article[")
    start = TEXT.index("Vadym Skibytsky")
    assert problem.hint == f"'Vadym Skibytsky' is at {start}–{start + 15}"


def test_a_reference_to_a_missing_id_hints_the_closest(article):
    annotation, save = article
    annotation["quotes"][0]["speaker_id"] = "dmitry-peskof"
    (problem,) = problems_of(save())
    assert problem.hint == "did you mean 'dmitry-peskov'?"
    assert str(problem).endswith(
        "/quotes/0/speaker_id: no entity 'dmitry-peskof' (did you mean 'dmitry-peskov'?)"
    )


def test_quote_spans_are_resolved_to_offsets():
    validated, _ = validate_article(BUILT_IN_CORPUS / f"{ARTICLE_ID}.json")
    raw = json.loads((BUILT_IN_CORPUS / f"{ARTICLE_ID}.json").read_text(encoding="utf-8"))
    assert raw["entities"][0]["mentions"][0] == {"text": "Dmitry Peskov"}  # written as a quote
    start = TEXT.index("Dmitry Peskov")
    assert validated.annotation["entities"][0]["mentions"][0] == {
        "start": start,
        "end": start + len("Dmitry Peskov"),
        "text": "Dmitry Peskov",
    }


KURSK = [(start, start + 5) for start in range(len(TEXT)) if TEXT.startswith("Kursk", start)]


@pytest.mark.parametrize(
    ("quote", "start"),
    [
        ({"text": "Kursk", "occurrence": 2}, KURSK[1][0]),
        ({"text": "Kursk", "suffix": " Oblast"}, TEXT.index("Kursk Oblast")),
        ({"text": "Kursk", "prefix": "stationed.\n"}, TEXT.index("stationed.\nKursk") + 11),
        ({"text": "Kursk", "prefix": "in ", "suffix": ", with", "occurrence": 2}, KURSK[-1][0]),
        ({"text": "Dmitry Peskov"}, TEXT.index("Dmitry Peskov")),
    ],
)
def test_a_quote_picks_its_occurrence_by_prefix_suffix_or_number(quote, start):
    span, problems = resolve_quote(TEXT, quote)
    assert problems == []
    assert span == {"start": start, "end": start + len(quote["text"]), "text": quote["text"]}
    assert TEXT[span["start"] : span["end"]] == quote["text"]


def test_a_quote_ambiguous_within_its_context_lists_the_candidates_that_fit():
    _, (problem,) = resolve_quote(TEXT, {"text": "Kursk", "prefix": "in ", "suffix": ", with"})
    places = ", ".join(f"{start}–{end}" for start, end in (KURSK[0], KURSK[-1]))
    assert problem.message == f"'Kursk' occurs at {places}: add prefix, suffix or occurrence"


def test_a_quote_with_several_matches_lists_the_candidates():
    span, (problem,) = resolve_quote(TEXT, {"text": "Kursk"}, "/entities/19/mentions/0")
    assert span is None
    assert problem.pointer == "/entities/19/mentions/0"
    places = ", ".join(f"{start}–{end}" for start, end in KURSK)
    assert problem.message == f"'Kursk' occurs at {places}: add prefix, suffix or occurrence"


def test_a_quote_that_is_not_in_the_text_is_a_problem_with_a_hint_for_its_case():
    span, (problem,) = resolve_quote(TEXT, {"text": "dmitry peskov"})
    assert span is None
    assert problem.message == "'dmitry peskov' is not in the text"
    start = TEXT.index("Dmitry Peskov")
    assert problem.hint == f"'Dmitry Peskov' is at {start}–{start + 13}"


def test_a_quote_with_no_such_occurrence_or_context_is_a_problem():
    _, (problem,) = resolve_quote(TEXT, {"text": "Kursk", "occurrence": 99}, "/x")
    assert problem.pointer == "/x/occurrence"
    assert problem.message == f"'Kursk' occurs {len(KURSK)} time(s), not 99"
    _, (problem,) = resolve_quote(TEXT, {"text": "Kursk", "prefix": "zzz"}, "/x")
    assert problem.message == "'Kursk' is in the text, but not after 'zzz'"
    _, problems = resolve_quote(TEXT, {"text": "Kursk", "occurrence": 0, "sufix": "x"}, "/x")
    assert {p.pointer for p in problems} == {"/x/occurrence", "/x/sufix"}


def test_a_quote_problem_in_a_file_is_reported_once_at_the_span(article):
    annotation, save = article
    annotation["entities"][19]["mentions"][0] = {"text": "Kursk"}
    annotation["claims"][0]["cue"] = {"text": "Peskov said"}
    problems = problems_of(save())
    assert [p.pointer for p in problems] == ["/entities/19/mentions/0", "/claims/0/cue"]
    assert problems[1].message == "'Peskov said' is not in the text"


def test_text_length_and_sha256_are_computed_when_left_out(article):
    annotation, save = article
    del annotation["article"]["text_length"], annotation["article"]["sha256"]
    validated, problems = validate_article(save())
    assert problems == []
    assert validated.annotation["article"]["text_length"] == len(TEXT)
    assert validated.annotation["article"]["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()


def test_a_wrong_text_length_is_a_problem(article):
    annotation, save = article
    annotation["article"]["text_length"] = 5
    (problem,) = problems_of(save())
    assert (problem.pointer, problem.message) == (
        "/article/text_length",
        f"is 5, the text has {len(TEXT)} code points",
    )


def test_every_use_of_an_entity_name_must_be_a_mention(article):
    annotation, save = article
    russia = index_of(annotation["entities"], "russia")
    dropped = annotation["entities"][russia]["mentions"].pop()
    (problem,) = problems_of(save())
    assert problem.pointer == f"/entities/{russia}/mentions"
    assert problem.message == (
        f"{dropped['text']!r} at {dropped['start']}–{dropped['end']} is in none of the mentions"
    )


def test_an_excluded_mention_with_its_reason_excuses_a_use(article):
    annotation, save = article
    russia = index_of(annotation["entities"], "russia")
    dropped = annotation["entities"][russia]["mentions"].pop()
    annotation["excluded_mentions"] = [
        {"mention": dropped, "entity_id": "russia", "reason": "A test's exception."}
    ]
    assert problems_of(save()) == []


def test_an_excluded_mention_that_excuses_nothing_or_names_no_entity_is_a_problem(article):
    annotation, save = article
    covered = annotation["entities"][index_of(annotation["entities"], "russia")]["mentions"][0]
    annotation["excluded_mentions"] = [
        {"mention": covered, "entity_id": "russia", "reason": "Already a mention."},
        {"mention": covered, "entity_id": "rusia", "reason": "A typo."},
    ]
    found = by_pointer(problems_of(save()))
    assert found["/excluded_mentions/0"].message.startswith("excludes nothing")
    assert found["/excluded_mentions/1/entity_id"].message == "no entity 'rusia'"
    assert found["/excluded_mentions/1/entity_id"].hint == "did you mean 'russia'?"


@pytest.mark.parametrize("version", [None, 1])
def test_the_format_version_is_optional_and_1(article, version):
    annotation, save = article
    if version is not None:
        annotation["format"] = version
    validated, problems = validate_article(save())
    assert problems == [] and validated.format == 1


def test_a_newer_format_is_refused_naming_the_highest_known(article):
    annotation, save = article
    annotation["format"] = 2
    annotation["quotes"][0]["speaker_id"] = "nobody-at-all"  # not judged: a newer format
    (problem,) = problems_of(save())
    assert problem.pointer == "/format"
    assert problem.message == "format 2 is newer than this code reads (the highest it knows is 1)"


def test_a_format_that_is_not_a_version_is_a_problem(article):
    annotation, save = article
    annotation["format"] = "one"
    (problem,) = problems_of(save())
    assert (problem.pointer, problem.message) == ("/format", "Not a valid integer.")


def test_unreadable_files_are_problems_of_the_file(tmp_path):
    (tmp_path / "a.json").write_text("{", encoding="utf-8")
    (tmp_path / "a.txt").write_bytes(b"\xff")
    problems = problems_of(tmp_path / "a.json")
    assert [(p.file.name, p.pointer) for p in problems] == [("a.txt", ""), ("a.json", "")]
    assert problems[0].message.startswith("not UTF-8")
    assert problems[1].message.startswith("not valid JSON")


def test_article_files_takes_annotations_texts_and_folders(tmp_path):
    shutil.copytree(BUILT_IN_CORPUS, tmp_path / "corpus")
    (tmp_path / "corpus" / "orphan.txt").write_text("Nobody annotated this.", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    annotation = tmp_path / "corpus" / f"{ARTICLE_ID}.json"
    files, problems = article_files(
        [
            tmp_path / "corpus",
            annotation.with_suffix(".txt"),  # the same article again
            annotation.with_suffix(".wikidata-evidence.json"),  # a companion: skipped
            tmp_path / "empty",
            tmp_path / "missing.json.txt",
        ]
    )
    assert files == [annotation]
    assert [(p.file.name, p.message) for p in problems] == [
        ("orphan.txt", "an article text without its annotation (.json)"),
        ("empty", "no article annotation (*.json) in the folder"),
        ("missing.json.txt", "no such file"),
    ]
