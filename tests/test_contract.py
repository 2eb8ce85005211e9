"""Contract fuzzing: schemathesis runs every operation of the OpenAPI document in process.

All of schemathesis' checks are on (server errors, status codes, content types, response
schemas, response headers, positive and negative data, unsupported methods, Allow headers).
The seed is fixed (derandomized) and the examples per operation bounded, so CI stays fast
and repeatable. The larger run is the same test with more examples:

    SCHEMATHESIS_MAX_EXAMPLES=2000 .venv/bin/pytest tests/test_contract.py

The app serves the corpus of the lists across articles' tests (three articles sharing entities
by QID), from the store the run's engine names: under ARTICLE_FACTS_TEST_ENGINE=postgresql
(`.ci/run`'s second pass) every operation, those across articles included, is fuzzed on
PostgreSQL. The app is built by a fixture, so that it is built on that engine; the cases come
from the document as written (`openapi/openapi.json`, which tests/test_openapi.py checks is the
one served), so they can be generated before any fixture runs.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from test_across import THIRD_ID, corpus_folder

from api import create_app
from conftest import ROOT, TEST_ENGINE

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
config = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")


@pytest.fixture(scope="module")
def contract_app(tmp_path_factory):
    """The app the fuzzer calls: three articles, on the engine under test."""
    folder = corpus_folder(tmp_path_factory.mktemp("contract") / "corpus")
    # Rate limiting off: the fuzzer sends thousands of requests from one address.
    return create_app(
        {
            "RATE_LIMIT": "off",
            "CORPUS_DIR": str(folder),
            "DATA_DIR": str(tmp_path_factory.mktemp("contract-data")),
        }
    )


schema = schemathesis.openapi.from_path(ROOT / "openapi" / "openapi.json", config=config)


def test_the_fuzzed_app_serves_several_articles_on_the_engine_under_test(contract_app):
    store = contract_app.extensions["article_facts"]["store"]
    assert store.engine.dialect.name == TEST_ENGINE
    listed = contract_app.test_client().get("/v1/quotes?speaker=Q56226").get_json()
    assert len({quote["article_id"] for quote in listed}) == 2
    assert THIRD_ID in {quote["article_id"] for quote in listed}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_honours_the_contract(case, contract_app):
    # schemathesis sends requests' default Accept-Encoding; in process, nothing undoes the
    # content coding the way an HTTP client would, so ask for identity. Compression has its
    # own tests (tests/test_serving.py).
    case.call_and_validate(app=contract_app, headers={"Accept-Encoding": "identity"})
