"""Click's own words in Chinese: the ``creditbank`` command line answers an unknown command, a
missing option or a bad value in the language of everything else it says.

Click marks its messages for gettext (``from gettext import gettext as _`` in each module) but
ships no catalogue; ``install`` points those modules' ``_`` and ``ngettext`` at this table.
A message not listed stays as Click wrote it.
"""

from __future__ import annotations

import importlib

WORDS = {
    "Error: {message}": "错误：{message}",
    "Usage:": "用法：",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Aborted!": "已中止。",
    "Missing option": "缺少选项",
    "Missing argument": "缺少参数",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Do you want to continue?": "是否继续？",
    "default: {default}": "默认：{default}",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是一个文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是一个文件。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "parameter": "参数",
    "option": "选项",
    "argument": "参数",
}
PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是否要输入 {possibility}？",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
}
PLURALS |= {"Got unexpected extra arguments ({args})": PLURALS["Got unexpected extra argument ({args})"],
            "(Did you mean one of: {possibilities}?)": "（是否要输入以下之一：{possibilities}？）",
            "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。"}


def _gettext(message: str) -> str:
    return WORDS.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    message = singular if n == 1 else plural
    return PLURALS.get(message, message)


def install() -> None:
    for name in ("click.core", "click.exceptions", "click.parser", "click.types", "click.decorators",
                 "click.termui", "click.formatting"):
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
