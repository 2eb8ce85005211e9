"""The dataset: the text is the source of record and every fact is anchored in it exactly."""

import hashlib
import json
import re
import shutil
import urllib.request

import pytest

from api.store import BUILT_IN_CORPUS
from conftest import (
    ARTICLE,
    ARTICLE_ID,
    FACT_LISTS,
    SECOND_ARTICLE_DIR,
    SHARED_ARTICLE,
    gunicorn_server,
    ingest_refusals,
)


def all_spans(facts):
    """(where, span) for every mention of every fact, every figure period and claim span."""
    for name in FACT_LISTS:
        for fact in facts[name]:
            for number, mention in enumerate(fact["mentions"]):
                yield f"{name}/{fact['id']}.mentions[{number}]", mention
            if name == "figures" and fact["period"]:
                yield f"figures/{fact['id']}.period", fact["period"]["mention"]
            if name == "claims":
                yield f"claims/{fact['id']}.cue", fact["cue"]
                yield f"claims/{fact['id']}.content", fact["content"]


def test_text_is_the_source_of_record_byte_for_byte(client):
    served = client.get(f"{ARTICLE}/text").data
    assert served == (BUILT_IN_CORPUS / f"{ARTICLE_ID}.txt").read_bytes()
    if not SHARED_ARTICLE.exists():
        pytest.skip(f"{SHARED_ARTICLE} is not beside this checkout")
    assert served == SHARED_ARTICLE.read_bytes()


def test_text_keeps_the_original_typos(article_text):
    for typo in ('""They', "showing sees", "from Since 2023"):
        assert typo in article_text


def test_metadata_checksum_and_length_describe_the_served_text(client, article_text):
    metadata = client.get(ARTICLE).get_json()
    assert metadata["text_length"] == len(article_text)
    assert metadata["sha256"] == hashlib.sha256(article_text.encode("utf-8")).hexdigest()


def test_every_span_slices_the_text_exactly(facts, article_text):
    spans = list(all_spans(facts))
    assert len(spans) >= sum(len(facts[name]) for name in FACT_LISTS) > 0
    for where, span in spans:
        assert article_text[span["start"] : span["end"]] == span["text"], where


def test_metadata_spans_slice_the_text(client, article_text):
    metadata = client.get(ARTICLE).get_json()
    for field in ("title", "standfirst", "published", "view_count"):
        span = metadata[f"{field}_mention"]
        assert article_text[span["start"] : span["end"]] == span["text"], field
    assert metadata["title_mention"]["text"] == metadata["title"]
    assert (
        metadata["published_mention"]["text"] == metadata["published_text"] == "Nov 16, 2025 09:39"
    )
    assert metadata["view_count"] == int(metadata["view_count_mention"]["text"]) == 319


def test_every_name_and_alias_in_the_text_is_a_mention_of_its_entity(facts, article_text):
    """Completeness: wherever the text uses an entity's name or alias, that entity has a mention."""
    for entity in facts["entities"]:
        for name in [entity["name"], *entity["aliases"]]:
            pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
            for match in pattern.finditer(article_text):
                covered = any(
                    m["start"] <= match.start() and match.end() <= m["end"]
                    for m in entity["mentions"]
                )
                assert covered, f"{entity['id']}: {name!r} at {match.start()} is not a mention"


def test_quote_text_is_exactly_the_quoted_words(facts, article_text):
    for quote in facts["quotes"]:
        for mention in quote["mentions"]:
            assert mention["text"] == quote["text"]
            before = article_text[mention["start"] - 1]
            assert before in '"\u201c', f"{quote['id']} does not start at a quotation mark"


def test_annotation_decisions_on_the_reviewed_points(facts):
    """The review's points, decided by the annotation rules (docs/data.md, judgement calls)."""
    events = {event["id"]: event for event in facts["timeline"]}
    figures = {figure["id"]: figure for figure in facts["figures"]}
    entities = {entity["id"]: entity for entity in facts["entities"]}
    deployed = events["north-korean-troops-deployed"]
    # Only the deployment is dated; "eventually gained the upper hand" is not.
    assert "upper hand" not in deployed["summary"]
    assert "ukrainian-army" not in deployed["entity_ids"]
    assert events["ukraine-assaults-kursk"]["figure_ids"] == ["civilians-forced-to-flee"]
    assert deployed["figure_ids"] == []  # the text gives no number for the October deployment
    demining = events["north-korean-soldiers-demining-kursk"]
    assert {"north-korea", "russia"} <= set(demining["entity_ids"])
    assert "vadym-skibytsky" not in events["artillery-shell-shipments-counted-from"]["entity_ids"]
    for place in ("kharkiv", "kursk-oblast"):
        assert '"just north of' in entities[place]["description"], place
    killed = [mention["text"] for mention in figures["north-korean-soldiers-killed"]["mentions"]]
    assert killed == ["more than 6,000 of them killed", "more than 6,000 of them died"]


def test_references_resolve_through_the_api(client, facts):
    entity_ids = {entity["id"] for entity in facts["entities"]}
    for quote in facts["quotes"]:
        assert quote["speaker_id"] in entity_ids
        assert quote["outlet_id"] in entity_ids | {None}
    for figure in facts["figures"]:
        assert set(figure["source_ids"] + figure["entity_ids"]) <= entity_ids
    quote_ids = {quote["id"] for quote in facts["quotes"]}
    figure_ids = {figure["id"] for figure in facts["figures"]}
    for event in facts["timeline"]:
        assert set(event["entity_ids"]) <= entity_ids
        assert set(event["quote_ids"]) <= quote_ids
        assert set(event["figure_ids"]) <= figure_ids


@pytest.mark.parametrize("folder", [BUILT_IN_CORPUS, SECOND_ARTICLE_DIR])
def test_every_wikidata_item_is_confirmed_by_two_independent_sources(folder):
    """No guessed identifiers: each QID has its evidence, beside the annotation."""
    for annotation_path in sorted(folder.glob("*.json")):
        if "." in annotation_path.stem:
            continue  # a companion file, such as the evidence itself
        entities = {
            entity["id"]: entity
            for entity in json.loads(annotation_path.read_text(encoding="utf-8"))["entities"]
        }
        evidence_path = annotation_path.with_suffix(".wikidata-evidence.json")
        if not any(entity["wikidata"] for entity in entities.values()):
            continue
        evidence = json.loads(evidence_path.read_text(encoding="utf-8"))
        assert evidence["article_id"] == annotation_path.stem
        entered, not_entered = evidence["entered"], evidence["not_entered"]
        # Every entity is accounted for: its item and the sources, or why it has none.
        assert set(entered) | set(not_entered) == set(entities)
        assert not set(entered) & set(not_entered)
        for entity_id, reason in not_entered.items():
            assert entities[entity_id]["wikidata"] is None and reason.strip(), entity_id
        for entity_id, entry in entered.items():
            qid = entities[entity_id]["wikidata"]
            assert qid == entry["wikidata"], entity_id
            # Only located sources count: a repository and a path in it at a commit, or a web
            # address. A bare index file id (kept under `also_seen`) is not a location.
            located = [source for source in entry["sources"] if source_location(source)]
            assert located == entry["sources"], entity_id
            # Independent: at least two projects, and no two sources from one owner (two
            # repositories of one organisation are one voice).
            owners = [source_location(source)[0] for source in located]
            assert len(set(owners)) == len(owners) >= 2, (entity_id, owners)
            for source in located:
                assert re.search(rf"\b{qid}\b", source["excerpt"]), (entity_id, source)
                # The excerpt names the entity: as the annotation identifies it, or in the
                # form the source records it in (`names_entity_as`: "Курская область").
                names = [entry["identified_as"], source.get("names_entity_as")]
                assert any(
                    name and name.casefold() in source["excerpt"].casefold() for name in names
                ), (entity_id, source)


def source_location(source):
    """(owner, where) of a located evidence source, or None: `owner/name` + `path` + `commit`
    in a repository, or a web address (its host is the owner)."""
    repository, path, commit = (source.get(key) for key in ("repository", "path", "commit"))
    if repository and path and commit:
        return repository.split("/")[0].casefold(), f"{repository}/{path}@{commit}"
    address = source.get("address") or source.get("url")
    if address and re.match(r"https?://[^/\s]+", address):
        return address.split("/")[2].casefold(), address
    return None


# A newcomer reading only the API's responses can answer these questions.
def speaker_of(client, facts, words):
    quote = next(quote for quote in facts["quotes"] if words in quote["text"])
    return client.get(f"{ARTICLE}/entities/{quote['speaker_id']}").get_json()["name"]


def test_who_said_what(client, facts):
    assert speaker_of(client, facts, "grateful to our friends") == "Dmitry Peskov"
    assert speaker_of(client, facts, "continue without interruption") == "Kim Jong-un"
    assert speaker_of(client, facts, "They are great guys") == "Veles"
    assert speaker_of(client, facts, "They are learning") == "Vadym Skibytsky"


def test_what_each_number_counts_and_who_claims_it(facts):
    by_value = {figure["value"]: figure for figure in facts["figures"]}
    shells = by_value[6500000]
    assert (shells["unit"], shells["qualifier"], shells["source_ids"]) == (
        "artillery shells",
        "estimated",
        ["vadym-skibytsky"],
    )
    killed = by_value[6000]
    assert killed["qualifier"] == "more_than"
    assert len(killed["mentions"]) == 2  # once in the body, once in the standfirst
    assert by_value[14000]["period"]["start"] == "2024"  # "last year", from a 2025 article


def test_what_happened_when(facts):
    dated = {(event["date"], event["precision"]) for event in facts["timeline"]}
    assert {("2022-02", "month"), ("2024-08", "month"), ("2024-10", "month")} <= dated
    assert ("2025-11-16", "day") in dated  # the publication itself
    relative = {
        event["date_text"]: event["date"] for event in facts["timeline"] if event["relative"]
    }
    assert relative["last year"] == "2024"
    assert relative["last month"] == "2025-10"


def pointers(kind):
    """Where each fact of a kind of the built-in article is in its annotation file, by id, as
    a JSON Pointer."""
    annotation = json.loads((BUILT_IN_CORPUS / f"{ARTICLE_ID}.json").read_text(encoding="utf-8"))
    return {fact["id"]: f"/{kind}/{index}" for index, fact in enumerate(annotation[kind])}


CLAIMS = pointers("claims")
FIGURES = pointers("figures")
QUOTES = pointers("quotes")
EVENTS = pointers("events")


# Bad data: each mutation must stop the app with a message naming the file and the object.
def drop_first_mention_char(doc):
    mention = next(e["mentions"][0] for e in doc["entities"] if "start" in e["mentions"][0])
    mention["text"] = "X" + mention["text"][1:]


def dangle_speaker(doc):
    doc["quotes"][0]["speaker_id"] = "nobody-at-all"


def duplicate_entity_id(doc):
    doc["entities"][1]["id"] = doc["entities"][0]["id"]


def unknown_entity_type(doc):
    doc["entities"][0]["type"] = "robot"


def unknown_qualifier(doc):
    doc["figures"][0]["qualifier"] = "roughly-ish"


def span_past_the_end(doc):
    mention = doc["quotes"][0]["mentions"][0]
    mention["start"], mention["end"] = 5000, 5000 + len(mention["text"])


def wrong_checksum(doc):
    doc["article"]["sha256"] = "0" * 64


def dangling_event_figure(doc):
    doc["events"][0]["figure_ids"] = ["no-such-figure"]


def precision_not_matching_date(doc):
    doc["events"][0]["precision"] = "day"


def wrong_view_count(doc):
    doc["article"]["view_count"] = 3  # "3" occurs in the printed "319", but is not it


def truncated_title(doc):
    doc["article"]["title"] = "North"


def impossible_publication_time(doc):
    doc["article"]["published"] = "2025-13-45T99:99"


def period_words_not_its_mention(doc):
    doc["figures"][-1]["period"]["text"] = "since 2023"


def period_running_backwards(doc):
    period = next(figure["period"] for figure in doc["figures"] if figure["period"])
    period["start"], period["end"] = "2025", "2024"


def event_date_text_not_in_its_mentions(doc):
    doc["events"][0]["date_text"] = "in March 1999"


def claim(doc, claim_id):
    return next(claim for claim in doc["claims"] if claim["id"] == claim_id)


def claim_cue_not_its_words(doc):
    claim(doc, "peskov-grateful-for-assistance")["cue"]["text"] = "told"


def dangling_claimant(doc):
    claim(doc, "veles-soldiers-learn-quickly")["claimant_ids"] = ["nobody-at-all"]


def dangling_claim_quote(doc):
    claim(doc, "veles-soldiers-learn-quickly")["quote_ids"] = ["no-such-quote"]


def cue_outside_the_claims_statements(doc):
    said = claim(doc, "peskov-grateful-for-assistance")["cue"]
    claim(doc, "kim-ties-will-continue")["cue"] = said


def figure_stated_elsewhere(doc):
    claim(doc, "peskov-grateful-for-assistance")["figure_ids"] = ["artillery-shells-total"]


def indirect_claim_with_a_quote(doc):
    claim(doc, "intelligence-drone-production")["quote_ids"] = ["skibytsky-they-are-learning"]


def direct_claim_not_its_quote(doc):
    claim(doc, "veles-soldiers-learn-quickly")["content"] = {
        "start": 771,
        "end": 775,
        "text": "They",
    }


def claim_without_claimants(doc):
    claim(doc, "veles-soldiers-learn-quickly")["claimant_ids"] = []


def unknown_polarity(doc):
    claim(doc, "north-korea-no-details-of-role")["polarity"] = "silent"


def first_statement_not_the_cue(doc):
    sources = claim(doc, "sources-troops-sent-and-killed")
    sources["statements"].reverse()


def statement_outside_the_claims_mentions(doc):
    said = claim(doc, "peskov-grateful-for-assistance")["statements"][0]
    claim(doc, "sources-troops-sent-and-killed")["statements"][1] = said


def statement_cue_inside_its_content(doc):
    statement = claim(doc, "sources-troops-sent-and-killed")["statements"][1]
    statement["content"] = {"start": 3601, "end": 3636, "text": doc_text(3601, 3636)}


def figure(doc, figure_id):
    return next(figure for figure in doc["figures"] if figure["id"] == figure_id)


def attribution_for_no_mention(doc):
    figure(doc, "north-korean-soldiers-sent")["attributions"].pop()


def sources_not_the_union_of_attributions(doc):
    figure(doc, "north-korean-soldiers-sent")["source_ids"] = ["vadym-skibytsky"]


def attribution_to_a_claim_that_does_not_state_it(doc):
    attribution = figure(doc, "north-korean-soldiers-sent")["attributions"][0]
    attribution["claim_id"] = "skibytsky-shells-since-2023"
    attribution["source_ids"] = ["vadym-skibytsky"]
    figure(doc, "north-korean-soldiers-sent")["source_ids"] = ["vadym-skibytsky"]


def insertion_outside_the_quote(doc):
    quote = next(q for q in doc["quotes"] if q["id"] == "veles-great-guys")
    quote["insertions"] = [{"start": 0, "end": 5, "text": doc_text(0, 5)}]


def as_of_event_not_dated_by_publication(doc):
    event = next(e for e in doc["events"] if e["id"] == "ukraine-assaults-kursk")
    event["as_of"] = True


def doc_text(start, end):
    text = (BUILT_IN_CORPUS / f"{ARTICLE_ID}.txt").read_text(encoding="utf-8")
    return text[start:end]


def excluded_cue_of_no_claim(doc):
    doc["excluded_cues"][0]["claim_id"] = "no-such-claim"


def excluded_word_that_is_a_cue(doc):
    doc["excluded_cues"][0]["mention"] = dict(claim(doc, "kim-ties-will-continue")["cue"])


def claims_missing(doc):
    del doc["claims"]


def wikidata_not_a_qid(doc):
    doc["entities"][0]["wikidata"] = "423"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (wrong_view_count, "/article/view_count: 3 is not what"),
        (truncated_title, "/article/title: 'North' is not what"),
        (impossible_publication_time, "is not a real date and time"),
        (period_words_not_its_mention, "is not what its mention quotes"),
        (period_running_backwards, "before it starts"),
        (event_date_text_not_in_its_mentions, "is in none of its mentions"),
        (drop_first_mention_char, "does not match article["),
        (dangle_speaker, "/quotes/0/speaker_id: no entity 'nobody-at-all'"),
        (duplicate_entity_id, "/entities/1/id: duplicate id 'dmitry-peskov' (also /entities/0)"),
        (unknown_entity_type, "Must be one of"),
        (unknown_qualifier, "Must be one of"),
        (span_past_the_end, "runs past the end of the text"),
        (wrong_checksum, "/article/sha256: is 0000"),
        (dangling_event_figure, "/events/0/figure_ids/0: no figure 'no-such-figure'"),
        (precision_not_matching_date, "precision 'day' does not match"),
        (
            claim_cue_not_its_words,
            f"{CLAIMS['peskov-grateful-for-assistance']}/cue: text 'told' does not",
        ),
        (
            dangling_claimant,
            f"{CLAIMS['veles-soldiers-learn-quickly']}/claimant_ids/0: no entity 'nobody",
        ),
        (
            dangling_claim_quote,
            f"{CLAIMS['veles-soldiers-learn-quickly']}/quote_ids/0: no quote 'no-such",
        ),
        (
            cue_outside_the_claims_statements,
            f"{CLAIMS['kim-ties-will-continue']}: no mention holds both",
        ),
        (figure_stated_elsewhere, "figure 'artillery-shells-total' is stated in none of"),
        (
            indirect_claim_with_a_quote,
            f"{CLAIMS['intelligence-drone-production']}/mode: an indirect",
        ),
        (
            direct_claim_not_its_quote,
            f"{CLAIMS['veles-soldiers-learn-quickly']}/content: a direct claim",
        ),
        (
            claim_without_claimants,
            f"{CLAIMS['veles-soldiers-learn-quickly']}/claimant_ids: Shorter than",
        ),
        (unknown_polarity, f"{CLAIMS['north-korea-no-details-of-role']}/polarity: Must be one of"),
        (excluded_cue_of_no_claim, "/excluded_cues/0/claim_id: no claim 'no-such"),
        (excluded_word_that_is_a_cue, "/mention: is a cue of claim 'kim-ties-will-continue'"),
        (
            first_statement_not_the_cue,
            f"{CLAIMS['sources-troops-sent-and-killed']}/statements/0: is not the claim's cue "
            "and content",
        ),
        (
            statement_outside_the_claims_mentions,
            f"{CLAIMS['sources-troops-sent-and-killed']}/statements/1: no mention of the claim "
            "holds",
        ),
        (
            statement_cue_inside_its_content,
            f"{CLAIMS['sources-troops-sent-and-killed']}/statements/1: cue and content overlap",
        ),
        (
            attribution_for_no_mention,
            f"{FIGURES['north-korean-soldiers-sent']}/attributions: not one per mention",
        ),
        (
            sources_not_the_union_of_attributions,
            f"{FIGURES['north-korean-soldiers-sent']}/source_ids: ['vadym-skibytsky'] is not "
            "the union of its attributions' sources",
        ),
        (
            attribution_to_a_claim_that_does_not_state_it,
            f"{FIGURES['north-korean-soldiers-sent']}/attributions/0: the mention is in the "
            "content of no statement of claim 'skibytsky-shells-since-2023'",
        ),
        (
            insertion_outside_the_quote,
            f"{QUOTES['veles-great-guys']}/insertions/0: inside none of the quote's mentions",
        ),
        (
            as_of_event_not_dated_by_publication,
            f"{EVENTS['ukraine-assaults-kursk']}/as_of: an as_of event is dated by the "
            "publication day 2025-11-16, not 2024-08",
        ),
        (claims_missing, ": /claims: Missing data for required field."),
        (wikidata_not_a_qid, "/entities/0/wikidata: Not a Wikidata item id"),
    ],
)
def test_invalid_dataset_refuses_to_load(tmp_path, mutate, expected):
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    path = tmp_path / f"{ARTICLE_ID}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    mutate(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")

    message = ingest_refusals(tmp_path)
    assert str(path) in message
    assert expected in message


def test_text_without_annotation_refuses_to_load(tmp_path):
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "orphan.txt").write_text("A text nobody annotated.", encoding="utf-8")
    assert "orphan.txt: an article text without its annotation" in ingest_refusals(tmp_path)


def test_unreadable_file_refuses_to_load_with_its_name(tmp_path):
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "folder-not-file.json").mkdir()
    (tmp_path / "folder-not-file.txt").write_text("Its text.", encoding="utf-8")
    assert re.search(r"folder-not-file\.json: cannot be read", ingest_refusals(tmp_path))


def test_corrupted_text_refuses_to_load(tmp_path):
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    text_path = tmp_path / f"{ARTICLE_ID}.txt"
    text_path.write_bytes(text_path.read_bytes().replace(b"Kursk", b"Kursc", 1))
    assert "sha256" in ingest_refusals(tmp_path)


@pytest.mark.system
def test_the_server_serves_the_good_articles_and_names_the_bad_one(tmp_path):
    """One bad file no longer stops the API: it is refused, named, and the rest are served."""
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    shutil.copytree(SECOND_ARTICLE_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / f"{ARTICLE_ID}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    dangle_speaker(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")

    with gunicorn_server(env={"ARTICLE_FACTS_CORPUS_DIR": str(tmp_path)}) as server:
        with urllib.request.urlopen(f"{server.url}/v1/articles") as response:
            listed = [article["id"] for article in json.load(response)]
    assert listed == ["riverton-opens-new-bridge"]
    log = server.log_path.read_text(encoding="utf-8")
    assert str(path) in log and "no entity 'nobody-at-all'" in log
