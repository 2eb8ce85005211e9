"""Call every operation of a generated client, whatever document it was generated from.

Run by tests/test_compat.py with a client generated from an earlier document:
`python exercise_client.py BASE_URL DOCUMENT`. It finds each operation of DOCUMENT in the
generated package, calls it with the documented path examples, pages every list to its end
(100 a page) and checks that the client parsed each answer into a documented type: a 200
that is not a problem. A value the client does not know (a new member of a response enum)
makes the generated code raise while parsing, and is reported here with the operation. It
needs no knowledge of the data, so it holds for any server compatible with DOCUMENT.
"""

import importlib
import inspect
import json
import pkgutil
import re
import sys
from pathlib import Path

import article_facts_api_client.api
from article_facts_api_client import Client


def snake_case(name):
    """`listArticles` -> `list_articles`, as the generator names operation modules."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def operation_modules():
    """Each generated operation module by its last name (the operationId in snake case)."""
    package = article_facts_api_client.api
    found = pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    return {info.name.rsplit(".", 1)[-1]: info.name for info in found if not info.ispkg}


def required_examples(document, item, operation, accepts):
    """The documented example of every path and required parameter, by the generated
    argument's name (`from` is `from_`)."""
    examples = {}
    for listed in item.get("parameters", []) + operation.get("parameters", []):
        parameter = resolve(document, listed)
        if parameter.get("in") == "path" or parameter.get("required"):
            example = parameter.get("example", parameter.get("schema", {}).get("example"))
            name = parameter["name"]
            examples[name if name in accepts else f"{name}_"] = example
    return examples


def resolve(document, obj):
    """Follow a local `$ref` to what it names."""
    while "$ref" in obj:
        for part in obj["$ref"].removeprefix("#/").split("/"):
            document = document[part]
        obj = document
    return obj


def call(sync_detailed, arguments):
    """One call; the parsed answer, which must be a 200 in a documented type."""
    response = sync_detailed(**arguments)
    parsed = response.parsed
    assert response.status_code == 200, f"{response.status_code}: {response.content[:300]!r}"
    assert parsed is not None, "the client could not parse the answer"
    assert type(parsed).__name__ != "Problem", parsed
    return parsed


def exercise(client, document):
    """Every operation of the document; returns what went wrong, one line each."""
    modules = operation_modules()
    failures, calls = [], 0
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            operation_id = operation["operationId"]
            module = importlib.import_module(modules[snake_case(operation_id)])
            accepts = inspect.signature(module.sync_detailed).parameters
            examples = required_examples(document, item, operation, accepts)
            arguments = {"client": client, **examples}
            paged = "page" in accepts
            if "page_size" in accepts:
                arguments["page_size"] = 100
            page = 1
            while True:
                if paged:
                    arguments["page"] = page
                calls += 1
                try:
                    parsed = call(module.sync_detailed, arguments)
                except Exception as error:  # any failure is reported, with the operation
                    at = f" page {page}" if paged else ""
                    failures.append(f"{operation_id}{at}: {type(error).__name__}: {error}")
                    break
                if not paged or not parsed:
                    break
                page += 1
    return failures, calls


def main():
    """Exercise the server at the first argument with the document in the second."""
    base_url, document_path = sys.argv[1], Path(sys.argv[2])
    document = json.loads(document_path.read_text(encoding="utf-8"))
    client = Client(base_url=base_url, raise_on_unexpected_status=True)
    failures, calls = exercise(client, document)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"python client: {calls} calls, every answer parsed")


if __name__ == "__main__":
    main()
