"""Rendering notification templates, which tenant admins write: in jinja2's sandbox, within a
budget, and — for previews and saves — off the event loop with a time limit.

jinja2's ``SandboxedEnvironment`` keeps a template from reaching Python's internals, but not
from spending the server: ``range(100000)`` twice nested, ``"x" * 10**9`` or a macro that doubles
a string forty times each hold the process (and, rendered in a request, every tenant's
requests). So this environment also

- counts what a render does (calls, attribute and item lookups, loop iterations, filters,
  operators) and stops at ``MAX_OPERATIONS`` or when ``TIME_LIMIT`` seconds have passed;
- refuses, before it is computed, a text, list or number larger than ``MAX_TEXT``
  characters (or ``MAX_INT_BITS``) — and stops the output at ``MAX_TEXT`` characters;
- bounds ``range`` to ``MAX_RANGE`` items and has no other globals (no ``cycler``,
  ``joiner``, ``namespace``, ``lipsum``, ``dict``);
- offers only filters that cannot blow up (``center``, ``indent``, ``format``, ``string``,
  ``pprint`` … are not there) and, on texts, only methods that cannot either;
- shows no object: ``{{ self }}``, ``{{ loop }}``, ``{{ caller }}`` render as nothing, and no
  filter or ``~`` turns one into its repr;
- refuses ``include``, ``import``, ``from`` and ``extends``: a notification text stands alone
  (there is no loader, so they could only fail).

The limits are far above what an SMS or e-mail needs (a province's template takes a few
dozen operations) and far below what hurts a server.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar, cast

import anyio
import jinja2
from jinja2 import nodes
from jinja2.filters import FILTERS
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

MAX_OPERATIONS = 10_000
MAX_TEXT = 20_000  # characters of output, and of any text or list made on the way
MAX_RANGE = 1_000
MAX_INT_BITS = 4_096
TIME_LIMIT = 2.0  # seconds a preview or save may render

T = TypeVar("T")


class TemplateRefused(SecurityError):
    """The template may not be used; the message (Chinese) says why."""


class TemplateTooHeavy(TemplateRefused):
    """The template went past one of the limits; the message names it."""


class _Budget:
    __slots__ = ("left", "deadline")

    def __init__(self, time_limit: float) -> None:
        self.left = MAX_OPERATIONS
        self.deadline = time.monotonic() + time_limit


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("template_budget", default=None)


def _charge(n: int = 1) -> None:
    budget = _budget.get()
    if budget is None:  # compile-time constant folding: the size checks still apply
        return
    budget.left -= n
    if budget.left < 0:
        raise TemplateTooHeavy(f"模板运算量超过上限（{MAX_OPERATIONS} 步），请简化循环和宏")
    if time.monotonic() > budget.deadline:
        raise TemplateTooHeavy(f"模板渲染超时（上限 {TIME_LIMIT:g} 秒），请简化循环和宏")


def _too_long() -> TemplateTooHeavy:
    return TemplateTooHeavy(f"模板生成的内容超过上限（{MAX_TEXT} 个字符）")


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, dict, set, frozenset)) and len(value) > MAX_TEXT:
        raise _too_long()
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateTooHeavy(f"模板中的数字超过上限（{MAX_INT_BITS} 位）")
    return value


_PLAIN = (str, int, float, bool, Decimal, date, type(None))


def _is_plain(value: Any, depth: int = 0) -> bool:
    """Data (not an object whose repr would show): scalars and lists/dicts of them."""
    if isinstance(value, _PLAIN):
        return True
    if depth < 4 and isinstance(value, (list, tuple)):
        return all(_is_plain(v, depth + 1) for v in value)
    if depth < 4 and isinstance(value, dict):
        return all(_is_plain(k, depth + 1) and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _require_plain(*values: Any) -> None:
    for value in values:
        if isinstance(value, jinja2.Undefined):
            continue  # the filter decides (``default``); any other use of it fails by itself
        if not _is_plain(value):
            raise TemplateRefused("模板只能输出文字和数字，不能输出对象")


def _bounded_range(*args: int) -> range:
    _charge()
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateTooHeavy(f"模板中的 range 超过上限（最多 {MAX_RANGE} 项）")
    return numbers


def _counted(iterable: Any) -> Any:
    """A ``for`` loop's iterable, charging one operation per item."""
    for item in iterable:
        _charge()
        yield item


def _concat(parts: list) -> str:
    """``a ~ b``: only data, and never longer than ``MAX_TEXT``."""
    _charge()
    _require_plain(*parts)
    texts = [str(p) for p in parts]
    if sum(map(len, texts)) > MAX_TEXT:
        raise _too_long()
    return "".join(texts)


def _materialize(value: Any) -> Any:
    """A range or a lazy sequence (what ``unique`` or ``reverse`` return) as a list, counted, so
    that its items can be checked before a filter turns them into text."""
    if isinstance(value, range) or (isinstance(value, Iterator) and not isinstance(value, LoopContext)):
        items = []
        for item in value:
            _charge()
            items.append(item)
            if len(items) > MAX_TEXT:
                raise _too_long()
        return items
    return value


def _filter(func: Callable, check: Callable[..., None] | None = None) -> Callable:
    """``func`` charging one operation, refusing objects as input and results too large."""
    passes = getattr(func, "jinja_pass_arg", None)

    @functools.wraps(func)
    def bounded(*args, **kwargs):
        _charge()
        first = args[:1] if passes is not None else ()  # jinja's context or environment
        data = [_materialize(v) for v in args[len(first):]]
        kwargs = {k: _materialize(v) for k, v in kwargs.items()}
        args = (*first, *data)
        _require_plain(*data, *kwargs.values())
        if check is not None:
            check(*data, **kwargs)
        result = func(*args, **kwargs)
        if isinstance(result, (str, list, tuple, int)):
            _check_size(result)
        return result

    return bounded


def _check_replace(value, old, new, count=None) -> None:
    text, old, new = str(value), str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if count is not None and int(count) >= 0:
        times = min(times, int(count))
    if len(text) + times * max(len(new) - len(old), 0) > MAX_TEXT:
        raise _too_long()


def _check_join(value, d="", attribute=None) -> None:
    if sum(len(str(v)) for v in value) + len(value) * len(str(d)) > MAX_TEXT:
        raise _too_long()


_FILTERS = {
    name: _filter(FILTERS[name], check)
    for name, check in {
        "abs": None, "capitalize": None, "count": None, "d": None, "default": None, "first": None,
        "float": None, "int": None, "join": _check_join, "last": None, "length": None, "list": None, "lower": None,
        "max": None, "min": None, "replace": _check_replace, "reverse": None, "round": None, "sort": None,
        "sum": None, "title": None, "trim": None, "truncate": None, "unique": None, "upper": None,
        "urlencode": None, "wordcount": None,
    }.items()
}


def allowed_filters() -> list[str]:
    """The filters a template may use, for the message that refuses another."""
    return sorted(_FILTERS_OFFERED)


_FILTERS_OFFERED = frozenset(_FILTERS)
_FILTERS["_concat"] = _concat
_FILTERS["_counted"] = _counted

# Methods a template may call on a text: none of them can make more than it was given.
_TEXT_METHODS = frozenset({
    "capitalize", "count", "endswith", "find", "isalnum", "isalpha", "isdigit", "isspace", "lower",
    "lstrip", "rstrip", "split", "startswith", "strip", "title", "upper",
})
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_SEQUENCE_METHODS = frozenset({"count", "index"})


class _Bounded(NodeTransformer):
    """Loops count their items; ``~`` goes through ``_concat``; no template reaches another."""

    def visit_Template(self, node: nodes.Template) -> nodes.Node:
        if next(node.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)), None) is not None:
            raise TemplateRefused("通知模板须自成一体，不能使用 include、import、from 或 extends 引用其他模板")
        return self.generic_visit(node)

    def visit_For(self, node: nodes.For) -> nodes.For:
        node = cast(nodes.For, self.generic_visit(node))
        node.iter = nodes.Filter(node.iter, "_counted", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        node = cast(nodes.Concat, self.generic_visit(node))
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), "_concat", [], [], None, None,
                            lineno=node.lineno)


def _finalize(value: Any) -> Any:
    """What ``{{ … }}`` prints: data as it is, an object (``self``, ``loop``, a macro) as nothing."""
    if isinstance(value, jinja2.Undefined) or isinstance(value, _PLAIN):
        return value
    return ""


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=False, finalize=_finalize)
        self.globals = {"range": _bounded_range}
        self.filters = dict(_FILTERS)

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if isinstance(source, str):
            source = self.parse(source, name, filename)
        tree = _Bounded().visit(source)
        tree.set_environment(self)
        return super().compile(tree, name, filename, raw, defer_init)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, LoopContext):
            return True
        if isinstance(obj, str):
            return attr in _TEXT_METHODS
        if isinstance(obj, dict):
            return attr in _DICT_METHODS
        if isinstance(obj, (list, tuple)):
            return attr in _SEQUENCE_METHODS
        return False

    def wrap_str_format(self, value: Any) -> None:
        return None  # no str.format: a width of 10**9 would be built before any check

    def getattr(self, obj: Any, attribute: str) -> Any:
        _charge()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _charge()
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja2's own spelling)
        _charge()
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _charge()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_TEXT:
                    raise _too_long()
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateTooHeavy(f"模板中的数字超过上限（{MAX_INT_BITS} 位）")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
                    and left.bit_length() * right > MAX_INT_BITS:
                raise TemplateTooHeavy(f"模板中的数字超过上限（{MAX_INT_BITS} 位）")
        elif operator == "%" and isinstance(left, str):
            raise TemplateRefused("模板不支持用 % 格式化文字，请直接写 {{ 变量 }}")
        return _check_size(super().call_binop(context, operator, left, right))


@lru_cache(maxsize=1)
def environment() -> BoundedEnvironment:
    return BoundedEnvironment()


@lru_cache(maxsize=2048)
def _compile(source: str) -> jinja2.Template:
    return environment().from_string(source)


def _render(source: str, context: dict) -> str:
    out: list[str] = []
    size = 0
    for part in _compile(source).generate(**context):
        size += len(part)
        if size > MAX_TEXT:
            raise _too_long()
        out.append(part)
    return "".join(out)


def render_text(subject: str, body: str, context: dict, *, time_limit: float | None = None) -> tuple[str, str]:
    """``(subject, body)`` rendered with ``context``, within the budget (``TIME_LIMIT`` unless
    ``time_limit`` says otherwise); raises ``TemplateTooHeavy`` past it, ``TemplateRefused``
    for what the sandbox forbids, and jinja2's errors for the rest."""
    token = _budget.set(_Budget(TIME_LIMIT if time_limit is None else time_limit))
    try:
        return (_render(subject, context) if subject else ""), _render(body, context).strip()
    except RecursionError:
        raise TemplateTooHeavy("模板的宏递归层数超过上限") from None
    finally:
        _budget.reset(token)


# At most two renders of tenants' templates at once (per event loop: a limiter belongs to
# one), each in a worker thread: a heavy preview waits its turn without holding the loop.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


async def off_the_loop(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a worker thread; ``TemplateTooHeavy`` if it has not returned within
    two ``TIME_LIMIT``s and a second (a turn waiting for the limiter, then the render, which
    stops itself at its limit: this is the backstop)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(2)
    try:
        with anyio.fail_after(2 * TIME_LIMIT + 1):
            return await anyio.to_thread.run_sync(func, *args, abandon_on_cancel=True, limiter=limiter)
    except TimeoutError:
        raise TemplateTooHeavy(f"模板渲染超时（上限 {TIME_LIMIT:g} 秒），请简化循环和宏") from None
