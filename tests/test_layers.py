"""The structure drawn from imports: layers, bottom to top, and no module importing above its
own layer or in a cycle (docs/contributing.md describes the layers)."""

import ast
import graphlib

import pytest

from conftest import ROOT

# Bottom to top; a module belongs to the first prefix it starts with, longest prefix first.
LAYERS = (
    ("schemas",),
    ("api.settings", "api.links"),
    ("api.store",),
    ("api.formats",),
    ("api.serving",),
    ("api.web",),
    ("api.reader",),
    ("api", "api.cli"),  # create_app, which puts the layers together; the article-facts CLI
)


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module):
    """The index of a module's layer."""
    matches = [
        (len(prefix), index)
        for index, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1]


def project_imports():
    """Each module of api/ and schemas/ with the project modules it imports at module level."""
    graph = {}
    for package in ("api", "schemas"):
        for path in (ROOT / package).rglob("*.py"):
            module = module_name(path)
            imported = set()
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                imported.update(name for name in names if name.split(".")[0] in ("api", "schemas"))
            graph[module] = imported
    # `from api.web import facts` names a module; `from api.store import Article` a name in one.
    return {
        module: {name if name in graph else name.rsplit(".", 1)[0] for name in names} - {module}
        for module, names in graph.items()
    }


def test_no_import_cycle():
    graph = project_imports()
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle


@pytest.mark.parametrize("module", sorted(project_imports()))
def test_a_module_imports_only_its_layer_and_those_below(module):
    above = sorted(name for name in project_imports()[module] if layer_of(name) > layer_of(module))
    assert not above, f"{module} (layer {layer_of(module)}) imports {above} from above it"
