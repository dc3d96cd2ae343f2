"""The command line's own words in Chinese: what click and typer print around kepu's help texts and
errors — "Usage:", "Options", "Show this message and exit.", "No such option", "Try … for help" — so the
whole interface speaks one language.

Two mechanisms, because typer has carried click both ways: click (and typer's own modules) look their
messages up through gettext (`_` and `ngettext` in each module), which `install()` points at WORDS; newer
typer versions carry their own copy of click (`typer._click`) with the messages written in, so
`install()` also puts the usage prefix and the help option's text into Chinese there and passes every
error message through PATTERNS. A message missing from both stays as the library wrote it, so a new
library version degrades to English rather than failing; tests/test_cli.py checks what a user sees.
"""

from __future__ import annotations

import functools
import importlib
import re

WORDS: dict[str, str] = {
    # help
    "Usage:": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "[default: {}]": "[默认：{}]",
    "default: {default}": "默认：{default}",
    "[env var: {}]": "[环境变量：{}]",
    "env var: {var}": "环境变量：{var}",
    "[required]": "[必填]",
    "required": "必填",
    "(deprecated) ": "（已弃用）",
    "deprecated": "已弃用",
    "(dynamic)": "（动态）",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "运行 [blue]“{command_path} {help_option}”[/] 查看帮助。",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    # errors
    "Error": "错误",
    "Error: {message}": "错误：{message}",
    "Aborted!": "已中止。",
    "Aborted.": "已中止。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "No such option: {name}": "没有选项：{name}",
    "Did you mean {possibility}?": "您是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是不是要用其中之一：{possibilities}？）",
    "Option {name!r} requires an argument.": "选项“{name}”需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项“{name}”不带值。",
    "Invalid start character for option ({option})": "选项（{option}）开头的字符无效",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是 {choices} 之一。",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不符合格式 {formats} 中的任何一种。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Value must be an iterable.": "值必须是一组值。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，只给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”无法执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "float": "数字",
    "unknown error": "未知错误",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Repeat for confirmation": "请再输入一次以确认",
    "Do you want to continue?": "是否继续？",
    "Press any key to continue...": "按任意键继续……",
    "Confirm the action without prompting.": "不询问，直接确认。",
}

MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
           "click.types", "click.termui", "click.utils", "typer.core", "typer.rich_utils")
RICH_CONSTANTS = ("DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING",
                  "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "ERRORS_PANEL_TITLE",
                  "ABORTED_TEXT", "RICH_HELP")
"""typer.rich_utils looks these up once, when it is imported."""
ENGLISH = {"RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.", "DEFAULT_STRING": "[default: {}]",
           "ENVVAR_STRING": "[env var: {}]", "REQUIRED_LONG_STRING": "[required]", "DEPRECATED_STRING": "(deprecated) ",
           "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options", "COMMANDS_PANEL_TITLE": "Commands",
           "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted."}


TYPES = {"integer": "整数", "int": "整数", "float": "数字", "text": "文字", "str": "文字", "path": "路径",
         "boolean": "是/否", "bool": "是/否", "file": "文件", "directory": "文件夹", "datetime": "日期时间"}

PATTERNS: tuple[tuple[re.Pattern[str], str | None], ...] = tuple((re.compile(p), t) for p, t in (
    (r"^No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)$", "没有选项 {name}（可用的选项：{options}）"),
    (r"^No such option: (?P<name>\S+)$", "没有选项 {name}"),
    (r"^No such command '(?P<name>.+)'\.$", "没有命令“{name}”。"),
    (r"^Missing command\.$", "缺少命令。"),
    (r"^Missing option '?(?P<name>[^'.]+)'?\.(?: (?P<rest>.*))?$", "缺少选项 {name}。{rest}"),
    (r"^Missing argument '?(?P<name>[^'.]+)'?\.(?: (?P<rest>.*))?$", "缺少参数 {name}。{rest}"),
    (r"^Missing parameter:? ?(?P<name>.*?)\.?$", "缺少参数 {name}"),
    (r"^Option '(?P<name>.+)' requires an argument\.$", "选项 {name} 需要一个值。"),
    (r"^Option '(?P<name>.+)' requires (?P<n>\d+) arguments\.$", "选项 {name} 需要 {n} 个值。"),
    (r"^Option '(?P<name>.+)' does not take a value\.$", "选项 {name} 不带值。"),
    (r"^Argument '(?P<name>.+)' takes (?P<n>\d+) values\.$", "参数 {name} 需要 {n} 个值。"),
    (r"^Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$", "多余的参数（{args}）"),
    (r"^Invalid value for (?P<hint>.+?): (?P<message>.+)$", "{hint} 的值无效：{message}"),
    (r"^Invalid value: (?P<message>.+)$", "值无效：{message}"),
    (r"^(?:Value )?'?(?P<value>.*?)'? is not a valid (?P<type>[\w ]+)\.$", "“{value}”不是有效的{type}。"),
    (r"^'?(?P<value>.*?)'? is not one of (?P<choices>.+)\.$", "“{value}”不是 {choices} 之一。"),
    (r"^Could not open file '(?P<name>.+)': (?P<message>.+)$", "无法打开文件“{name}”：{message}"),
    (r"^Aborted[.!]$", "已中止。"),
    (r"^Input should be a valid (?P<type>\w+)(?:,.*)?$", "应为{type}"),
    (r"^Input should be (?P<choices>.+)$", "应为 {choices} 之一"),
))
"""English messages of typer's own copy of click, matched whole, and their Chinese."""


USAGE_PIECES = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]…", "[ARGS]...": "[参数]…"}
"""The usage line's placeholders."""


def gettext(message: str) -> str:
    return WORDS.get(message, message)


def translate(message: str) -> str:
    """A library's message in Chinese: from WORDS, else by PATTERNS (the parts they capture translated
    too), else unchanged."""
    if message in WORDS:
        return WORDS[message]
    for pattern, template in PATTERNS:
        match = pattern.match(message)
        if match:
            parts = {k: _part(k, v or "") for k, v in match.groupdict().items()}
            return template.format(**parts).rstrip()
    return message


def _part(key: str, value: str) -> str:
    if key == "type":
        return TYPES.get(value.strip().lower(), value)
    if key in ("message", "rest"):
        return translate(value)
    return value


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


_INSTALLED = False


def install() -> None:
    """Point click's and typer's messages at Chinese (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    _install_gettext()
    _install_vendored()


def _install_gettext() -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a library version without this module
            continue
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    rich_utils = importlib.import_module("typer.rich_utils")
    for constant in RICH_CONSTANTS:
        if hasattr(rich_utils, constant):
            setattr(rich_utils, constant, gettext(ENGLISH[constant]))


def _translated(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        return translate(method(self, *args, **kwargs))

    return wrapper


def _install_vendored() -> None:
    """typer's own copy of click: the usage prefix, the help option's text, flags shown without a type,
    and every error message through `translate`."""
    try:
        exceptions = importlib.import_module("typer._click.exceptions")
        core = importlib.import_module("typer._click.core")
        formatting = importlib.import_module("typer._click.formatting")
    except ImportError:  # typer on plain click: gettext covers it
        return
    typer_exceptions = importlib.import_module("typer.exceptions")
    for module in (exceptions, typer_exceptions):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Exception) and "format_message" in vars(value):
                value.format_message = _translated(vars(value)["format_message"])

    write_usage = formatting.HelpFormatter.write_usage

    @functools.wraps(write_usage)
    def chinese_usage(self, prog, args="", prefix=None):
        for english, chinese in USAGE_PIECES.items():
            args = args.replace(english, chinese)
        return write_usage(self, prog, args, WORDS["Usage:"] if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = chinese_usage

    get_help_option = core.Command.get_help_option

    @functools.wraps(get_help_option)
    def chinese_help_option(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = WORDS["Show this message and exit."]
        return option

    core.Command.get_help_option = chinese_help_option

    typer_core = importlib.import_module("typer.core")
    option_class = getattr(typer_core, "TyperOption", None)
    display_type = getattr(option_class, "display_type", None)
    if display_type is not None:
        @functools.wraps(display_type)
        def chinese_type(self, ctx):
            if getattr(self, "is_flag", False):
                return None
            shown = display_type(self, ctx)
            if isinstance(shown, str) and shown.startswith("<") and shown.endswith(">"):
                return f"<{TYPES.get(shown[1:-1].lower(), shown[1:-1])}>"
            return shown

        option_class.display_type = chinese_type
