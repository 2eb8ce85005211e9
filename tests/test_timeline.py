"""The timeline: date order, honest precision, range and entity filters."""

import pytest

from conftest import ARTICLE


def dates(client, query=""):
    return [event["date"] for event in client.get(f"{ARTICLE}/timeline?{query}").get_json()]


def test_events_are_in_date_order(client):
    found = dates(client)
    assert found == sorted(found)
    assert found[0] == "2022-02"


def test_precision_matches_the_date(client):
    for event in client.get(f"{ARTICLE}/timeline").get_json():
        assert event["precision"] == ("year", "month", "day")[event["date"].count("-")]


def test_range_keeps_events_whose_span_overlaps(client):
    # "2024" (a whole year) overlaps September 2024 onwards; "2024-08" does not.
    assert dates(client, "from=2024-09&to=2024-12") == ["2024", "2024-10"]
    assert dates(client, "to=2023") == ["2022-02", "2023"]
    assert dates(client, "from=2025-11-16") == ["2025-11-16", "2025-11-16"]


def test_filter_by_entity(client):
    events = client.get(f"{ARTICLE}/timeline?entity=kim-jong-un").get_json()
    assert [event["id"] for event in events] == ["kim-statement-on-military-ties"]
    assert events[0]["quote_ids"] == ["kim-continue-without-interruption"]


def test_range_ending_before_it_starts_matches_nothing(client):
    assert dates(client, "from=2025&to=2024") == []


@pytest.mark.parametrize("bad", ["from=2024-13", "from=24", "to=2024-02-30", "to=2023-02-29"])
def test_bad_dates_are_422_naming_the_parameter(client, bad):
    response = client.get(f"{ARTICLE}/timeline?{bad}")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["query"]) & {"from", "to"}
