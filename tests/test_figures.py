"""Figures: values as numbers, qualifiers as worded, sources as attributed."""

from conftest import ARTICLE


def test_values_are_plain_numbers(client):
    figures = client.get(f"{ARTICLE}/figures").get_json()
    values = {figure["value"] for figure in figures}
    assert {14000, 6000, 200000, 6500000} <= values
    assert all(isinstance(figure["value"], int | float) for figure in figures)


def test_vague_amount_is_a_figure_that_says_so(client):
    figure = client.get(f"{ARTICLE}/figures/artillery-shells-millions").get_json()
    assert figure["qualifier"] == "multiple_of"
    assert figure["mentions"][0]["text"] == "millions of artillery shells"


def test_filter_by_source(client):
    figures = client.get(f"{ARTICLE}/figures?source=vadym-skibytsky").get_json()
    assert {figure["value"] for figure in figures} == {1000000, 6500000}
    unattributed = client.get(f"{ARTICLE}/figures?q=civilians").get_json()
    assert [figure["source_ids"] for figure in unattributed] == [[]]


def test_period_where_stated(client):
    figure = client.get(f"{ARTICLE}/figures/artillery-shells-total").get_json()
    assert figure["period"]["start"] == "2023"
    assert figure["period"]["end"] is None
    assert figure["period"]["text"] == "from Since 2023"
