"""Contract fuzzing: schemathesis runs every operation of the OpenAPI document in process.

All of schemathesis' checks are on (server errors, status codes, content types, response
schemas, response headers, positive and negative data, unsupported methods, Allow headers).
The seed is fixed (derandomized) and the examples per operation bounded, so CI stays fast
and repeatable. The larger run is the same test with more examples:

    SCHEMATHESIS_MAX_EXAMPLES=2000 .venv/bin/pytest tests/test_contract.py
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api import create_app
from conftest import ROOT

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))

# Rate limiting off: the fuzzer sends thousands of requests from one address.
app = create_app({"RATE_LIMIT": "off"})
config = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")
schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_honours_the_contract(case):
    # schemathesis sends requests' default Accept-Encoding; in process, nothing undoes the
    # content coding the way an HTTP client would, so ask for identity. Compression has its
    # own tests (tests/test_serving.py).
    case.call_and_validate(headers={"Accept-Encoding": "identity"})
