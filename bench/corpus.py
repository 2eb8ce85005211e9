"""A synthetic corpus for scale: N distinct fictional articles, each with a valid annotation of
every kind, the same for the same seed.

    python bench/corpus.py --articles 10000 --seed 1 --out /tmp/corpus

Names and words are made of syllables, drawn with Zipf-like frequencies (a few very common,
a long tail of rare ones), so that search benchmarks meet realistic hit counts. Names and
vocabulary use disjoint syllables, so no ordinary word is ever an entity's name. This corpus
exists for benchmarks and tests, never as served content.
"""

import argparse
import bisect
import itertools
import json
import random
from pathlib import Path

NAME_SYLLABLES = [
    "mar",
    "vel",
    "dor",
    "kin",
    "sal",
    "bren",
    "tov",
    "ly",
    "qua",
    "ren",
    "zan",
    "hol",
]
WORD_SYLLABLES = [
    "ta",
    "po",
    "mi",
    "su",
    "ke",
    "ra",
    "no",
    "fi",
    "lu",
    "de",
    "ga",
    "be",
    "so",
    "wi",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
THINGS = ["bridge", "library", "tram line", "harbour wall", "school", "market hall", "park"]
# A person whose given and family names are both among the few most frequent is one fictional
# person across articles, with a Wikidata QID of this corpus's own: above every item Wikidata
# has (Q990000000 and up), valid in form. So lists across articles filtered by QID meet shared
# entities in realistic numbers (the commonest mayor, Q990000100, is in about 1.6% of
# articles); everyone else has none.
QID_RANKS = 3
FICTIONAL_QID_BASE = 990_000_000
ROLES = {"mayor": 1, "engineer": 2}


def _zipf_pool(syllables, size, parts, rng):
    """`size` distinct words of `parts` syllables each, and cumulative Zipf weights for them."""
    words = ["".join(combo) for combo in itertools.product(syllables, repeat=parts)]
    rng.shuffle(words)
    words = words[:size]
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    return words, weights


def _pick(pool, rng):
    words, weights = pool
    return words[bisect.bisect(weights, rng.random() * weights[-1])]


class Text:
    """An article text built piece by piece, recording where each piece lands (code points)."""

    def __init__(self):
        self.parts = []
        self.length = 0

    def add(self, piece):
        """Append `piece`; its span."""
        span = {"start": self.length, "end": self.length + len(piece), "text": piece}
        self.parts.append(piece)
        self.length += len(piece)
        return span

    def __str__(self):
        return "".join(self.parts)


def _span_over(first, last, text):
    """The span from the start of `first` to the end of `last`."""
    return {
        "start": first["start"],
        "end": last["end"],
        "text": text[first["start"] : last["end"]],
    }


def _person(names, rng, family_suffix, role):
    """A fictional person's name, and their QID if both names are among the commonest."""
    given, family = _pick(names, rng), _pick(names, rng)
    commonest = names[0][:QID_RANKS]
    qid = None
    if given in commonest and family in commonest:
        number = ROLES[role] * 100 + commonest.index(given) * 10 + commonest.index(family)
        qid = f"Q{FICTIONAL_QID_BASE + number}"
    return f"{given.title()} {family.title()}{family_suffix}", qid


def fictional_qid(role, given_rank=0, family_rank=0):
    """The QID of the person in `role` whose names have these frequency ranks (0: commonest)."""
    return f"Q{FICTIONAL_QID_BASE + ROLES[role] * 100 + given_rank * 10 + family_rank}"


def article(number, rng, names, words):
    """One fictional article: (article id, text, annotation)."""
    city = _pick(names, rng).title() + "ton"
    mayor, mayor_qid = _person(names, rng, "bury", "mayor")
    engineer, engineer_qid = _person(names, rng, "ley", "engineer")
    outlet = f"The {_pick(names, rng).title()}ford Courier"
    thing = rng.choice(THINGS)
    year = rng.randint(2001, 2025)
    month = rng.randint(1, 12)
    since = year - rng.randint(2, 9)
    cost = rng.randint(2, 90)
    spent = cost + rng.randint(5, 200)
    views = rng.randint(1, 99999)
    article_id = f"{city.lower()}-opens-{thing.replace(' ', '-')}-{number}"
    filler = " ".join(
        " ".join(_pick(words, rng) for _ in range(rng.randint(6, 14))).capitalize() + "."
        for _ in range(rng.randint(2, 6))
    )

    t = Text()
    t.add("The city council of ")
    city_1 = t.add(city)
    opened = t.add(f" opened a new {thing}")
    t.add(" ")
    when = t.add(f"in {MONTHS[month - 1]} {year}")
    t.add(". Mayor ")
    mayor_1 = t.add(mayor)
    t.add(" ")
    said = t.add("said")
    t.add(" ")
    content_start = t.add('it was "')
    quote = t.add(f"built to last a century in {city}")
    content_end = t.add('"')
    t.add(", ")
    outlet_1 = t.add(outlet)
    reports = t.add(" reports")
    t.add(". It cost ")
    cost_span = t.add(f"about {cost} million euros")
    t.add(f". {filler} ")
    engineer_1 = t.add(engineer)
    t.add(", an engineer, ")
    estimates = t.add("estimates")
    t.add(" that ")
    spending = t.add(f"{city} has spent {spent} million euros on its streets ")
    since_span = t.add(f"since {since}")
    t.add(".\n")
    title = t.add(f"{city} opens its new {thing}")
    t.add("\n")
    standfirst = t.add(f"The council says the {cost} million euro {thing} will last a century")
    t.add("\n")
    printed = f"{MONTHS[month - 1][:3]} {rng.randint(1, 28)}, {year} 0{rng.randint(0, 9)}:15"
    published = t.add(printed)
    t.add(" ")
    views_span = t.add(str(views))
    text = str(t)

    def mention_of(name, span):
        return {"start": span["start"], "end": span["start"] + len(name), "text": name}

    def occurrences(name):
        found, start = [], text.find(name)
        while start != -1:
            found.append({"start": start, "end": start + len(name), "text": name})
            start = text.find(name, start + 1)
        return found

    cost_words = {
        "start": standfirst["start"] + len("The council says the "),
        "end": standfirst["start"] + len(f"The council says the {cost} million euro"),
        "text": f"{cost} million euro",
    }
    spent_words = mention_of(f"{spent} million euros", {"start": text.find(f"{spent} million")})
    mayor_claim = _span_over(mayor_1, reports, text)
    engineer_claim = _span_over(engineer_1, since_span, text)
    spending_content = _span_over(spending, since_span, text)
    iso_month = f"{year}-{month:02d}"
    day = int(printed.split()[1].rstrip(","))
    annotation = {
        "article": {
            "id": article_id,
            "title": title["text"],
            "title_mention": title,
            "standfirst": standfirst["text"],
            "standfirst_mention": standfirst,
            "original_outlet_id": "courier",
            "published": f"{year}-{month:02d}-{day:02d}T{printed[-5:]}",
            "published_text": printed,
            "published_mention": published,
            "view_count": views,
            "view_count_mention": views_span,
            "language": "en",
        },
        "entities": [
            {
                "id": "city",
                "name": city,
                "type": "place",
                "aliases": [],
                "description": f"Fictional city that opened a new {thing}.",
                "wikidata": None,
                "mentions": occurrences(city),
            },
            {
                "id": "council",
                "name": "city council",
                "type": "organization",
                "aliases": [],
                "description": f"The council of {city}.",
                "wikidata": None,
                "mentions": occurrences("city council"),
            },
            {
                "id": "mayor",
                "name": mayor,
                "type": "person",
                "aliases": [],
                "description": f"Mayor of {city}.",
                "wikidata": mayor_qid,
                "mentions": [mayor_1],
            },
            {
                "id": "engineer",
                "name": engineer,
                "type": "person",
                "aliases": [],
                "description": "An engineer who estimates the city's spending.",
                "wikidata": engineer_qid,
                "mentions": [engineer_1],
            },
            {
                "id": "courier",
                "name": outlet,
                "type": "organization",
                "aliases": [],
                "description": "Fictional newspaper.",
                "wikidata": None,
                "mentions": [outlet_1],
            },
        ],
        "quotes": [
            {
                "id": "mayor-built-to-last",
                "text": quote["text"],
                "speaker_id": "mayor",
                "kind": "partial",
                "channel": "report",
                "outlet_id": "courier",
                "mentions": [quote],
                "insertions": [],
            }
        ],
        "figures": [
            {
                "id": "cost",
                "value": cost * 1_000_000,
                "unit": "euros",
                "qualifier": "approximately",
                "description": f"Cost of the new {thing}.",
                "source_ids": [],
                "entity_ids": ["city"],
                "period": None,
                "mentions": [cost_span, cost_words],
                "attributions": [
                    {"mention": cost_span, "source_ids": [], "claim_id": None},
                    {"mention": cost_words, "source_ids": [], "claim_id": None},
                ],
            },
            {
                "id": "spending",
                "value": spent * 1_000_000,
                "unit": "euros",
                "qualifier": "exact",
                "description": f"What {city} has spent on its streets, by the engineer's estimate.",
                "source_ids": ["engineer"],
                "entity_ids": ["city"],
                "period": {
                    "start": str(since),
                    "end": None,
                    "text": since_span["text"],
                    "mention": since_span,
                },
                "mentions": [spent_words],
                "attributions": [
                    {"mention": spent_words, "source_ids": ["engineer"], "claim_id": "spending"}
                ],
            },
        ],
        "events": [
            {
                "id": "opening",
                "date": iso_month,
                "precision": "month",
                "date_text": when["text"],
                "relative": False,
                "summary": f"{city} opens a new {thing}.",
                "entity_ids": ["city", "council"],
                "quote_ids": [],
                "figure_ids": ["cost"],
                "mentions": [_span_over(opened, when, text)],
                "as_of": False,
            }
        ],
        "claims": [
            {
                "id": "built-to-last",
                "claimant_ids": ["mayor"],
                "cue": said,
                "content": _span_over(content_start, content_end, text),
                "summary": f"The new {thing} was built to last a century.",
                "mode": "partial",
                "polarity": "asserted",
                "channel": "report",
                "outlet_id": "courier",
                "quote_ids": ["mayor-built-to-last"],
                "figure_ids": [],
                "event_ids": [],
                "mentions": [mayor_claim],
            },
            {
                "id": "spending",
                "claimant_ids": ["engineer"],
                "cue": estimates,
                "content": spending_content,
                "summary": f"{city} has spent {spent} million euros on its streets since {since}.",
                "mode": "indirect",
                "polarity": "asserted",
                "channel": None,
                "outlet_id": None,
                "quote_ids": [],
                "figure_ids": ["spending"],
                "event_ids": [],
                "mentions": [engineer_claim],
            },
        ],
        "relations": [
            {
                "id": "mayor-leads-city",
                "subject_id": "mayor",
                "predicate": "leader_of",
                "object_id": "city",
                "claim_ids": [],
                "summary": f"{mayor} is the mayor of {city}.",
                "mentions": [_span_over(mayor_1, mayor_1, text)],
            },
            {
                "id": "council-of-city",
                "subject_id": "council",
                "predicate": "of_country",
                "object_id": "city",
                "claim_ids": [],
                "summary": f"The city council is {city}'s.",
                "mentions": [_span_over(occurrences("city council")[0], city_1, text)],
            },
        ],
        "excluded_cues": [
            {
                "mention": {
                    "start": reports["start"] + 1,
                    "end": reports["end"],
                    "text": "reports",
                },
                "claim_id": "built-to-last",
                "reason": "The outlet's verb: recorded as the claim's channel and outlet.",
            }
        ],
    }
    return article_id, text, annotation


def write_corpus(count, seed, out):
    """Write `count` articles' `.txt` and `.json` pairs into `out`; their ids."""
    rng = random.Random(seed)
    names = _zipf_pool(NAME_SYLLABLES, 1500, 3, rng)
    words = _zipf_pool(WORD_SYLLABLES, 2500, 3, rng)
    out.mkdir(parents=True, exist_ok=True)
    ids = []
    for number in range(count):
        article_id, text, annotation = article(number, rng, names, words)
        (out / f"{article_id}.txt").write_text(text, encoding="utf-8")
        (out / f"{article_id}.json").write_text(
            json.dumps(annotation, ensure_ascii=False), encoding="utf-8"
        )
        ids.append(article_id)
    return ids


def main():
    """Write a synthetic corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    ids = write_corpus(arguments.articles, arguments.seed, arguments.out)
    print(f"{len(ids)} articles written to {arguments.out}")


if __name__ == "__main__":
    main()
