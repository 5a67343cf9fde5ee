"""Meta-tests on the plugin contract (datasette's way): every hook in ``core/hookspecs.py`` has a
typed, documented signature, a ``test_hook_<name>`` somewhere under tests/, and a check in the
conformance kit. Adding a hook without them fails here."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from core import hookspecs
from core.conformance import CHECKS, COVERS, PluginConformance

TESTS = Path(__file__).resolve().parent.parent


def hook_names(module=hookspecs) -> list[str]:
    return sorted(name for name, obj in inspect.getmembers(module, inspect.isfunction)
                  if hasattr(obj, f"{hookspecs.PROJECT}_spec"))


def defined_tests(folder: Path) -> set[str]:
    """Every ``test_…`` function defined in the Python files under ``folder``."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def hooks_without_tests(hooks: list[str], folder: Path) -> list[str]:
    found = defined_tests(folder)
    return [name for name in hooks if f"test_hook_{name}" not in found]


def test_there_are_hooks_to_check():
    assert {"province_info", "review_chain", "send_sms", "wording"} <= set(hook_names())


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_typed_documented_signature(name):
    spec = getattr(hookspecs, name)
    signature = inspect.signature(spec)
    assert signature.return_annotation is not inspect.Signature.empty, f"hook {name}: no return type"
    for param in signature.parameters.values():
        assert param.annotation is not inspect.Parameter.empty, f"hook {name}: parameter {param.name} has no type"
    doc = " ".join((inspect.getdoc(spec) or "").split())
    assert len(doc) >= 40 and "called" in doc.lower(), f"hook {name}: the docstring must say when it is called"
    first = getattr(spec, f"{hookspecs.PROJECT}_spec")["firstresult"]
    said = "first result wins" in doc.lower()
    assert said == first, f"hook {name}: the docstring must say whether the first result wins (firstresult={first})"


def test_every_hook_has_a_test_named_test_hook_name():
    missing = hooks_without_tests(hook_names(), TESTS)
    assert not missing, "hooks with no test_hook_<name> under tests/: " + ", ".join(missing)


def test_every_hook_is_checked_by_the_conformance_kit():
    covered = {hook for hooks in COVERS.values() for hook in hooks}
    assert covered == set(hook_names()), f"hooks the kit does not check: {set(hook_names()) - covered}"
    assert set(COVERS) == set(CHECKS)
    kit_tests = {name for name, _ in inspect.getmembers(PluginConformance, inspect.isfunction) if name.startswith("test_")}
    assert len(kit_tests) == len(CHECKS), "PluginConformance needs one test per check"


def test_the_meta_test_fails_for_a_hook_without_a_test(tmp_path):
    """The finder itself can fail: a hook whose test is missing (or misnamed) is reported."""
    (tmp_path / "test_a.py").write_text("def test_hook_alpha():\n    pass\n\nasync def test_hook_beta_later():\n    pass\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "test_b.py").write_text("class TestX:\n    async def test_hook_gamma(self):\n        pass\n")
    assert hooks_without_tests(["alpha", "beta", "gamma", "delta"], tmp_path) == ["beta", "delta"]
