"""Dates cut to the precision the article gives: `2024`, `2024-08`, `2025-11-16`."""

import datetime as dt
import re

import marshmallow as ma

PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# The same shape with only real dates (years 0001-9999, February 29 in leap years only),
# published as the OpenAPI `pattern`, so that every date the document allows is accepted.
_YEAR = r"([1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])"
_LEAP_YEAR = r"(\d{2}(0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26]|0[48])00)"
PARTIAL_DATE_PATTERN = (
    rf"^({_YEAR}(-(0[1-9]|1[0-2])|-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])"
    r"|-(0[13-9]|1[0-2])-(29|30)|-(0[13578]|1[02])-31)?"
    rf"|{_LEAP_YEAR}-02-29)$"
)
PRECISIONS = ("year", "month", "day")


def date_precision(value):
    """The precision of a partial ISO 8601 date: year, month or day."""
    return PRECISIONS[value.count("-")]


def date_bounds(value):
    """The first and last calendar day a partial ISO 8601 date covers."""
    year, month, day = PARTIAL_DATE.match(value).groups()
    if day:
        first = last = dt.date(int(year), int(month), int(day))
    elif month:
        first = dt.date(int(year), int(month), 1)
        next_month = dt.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
        last = next_month - dt.timedelta(days=1)
    else:
        first, last = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    return first, last


class PartialDate(ma.fields.String):
    """An ISO 8601 calendar date cut to year, month or day; it must name a real date."""

    default_error_messages = {
        "invalid_partial_date": "Not a date of the form YYYY, YYYY-MM or YYYY-MM-DD.",
    }

    def __init__(self, **kwargs):
        metadata = {"pattern": PARTIAL_DATE_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not PARTIAL_DATE.match(text):
            raise self.make_error("invalid_partial_date")
        try:
            date_bounds(text)
        except ValueError as error:  # e.g. 2024-02-30, month 13
            raise self.make_error("invalid_partial_date") from error
        return text
