"""The layer rules of docs/architecture.md §1, checked by import-linter, and ruff-clean code; and §7's
rule that data-derived text never reaches markdown or a figure's HTML unescaped, checked on the
source (what the pages then show is in tests/test_hostile_pages.py)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra"
    r = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_sql_in_page_code() -> None:
    for f in (ROOT / "dashboard" / "app_pages").glob("*.py"):
        text = f.read_text(encoding="utf-8").lower()
        for word in ("select ", " from ", "insert ", "duckdb"):
            assert word not in text, f"{f.name} contains {word!r}"


def test_pages_stay_thin() -> None:
    for f in (ROOT / "dashboard" / "app_pages").glob("*.py"):
        assert len(f.read_text(encoding="utf-8").splitlines()) <= 150, f.name


# ---------------------------------------------------------------------------------------------
# data-derived text never reaches markdown (docs/architecture.md §7)
#
# Streamlit renders markdown in st.markdown, captions, alerts, titles, widget labels, help texts,
# tab and expander labels and radio options. Whatever one of those receives must be built from
# things known to be literal: string constants, catalog texts t(key, ...) whose fields are
# themselves literal, numbers and dates through ui/fmt.py, and data through ui/safe.py (md, code).
# A local variable is followed to every value assigned (or appended) to it, a function of the same
# module to every value it returns; anything else (a row's field, an attribute, a parameter, a
# call elsewhere) counts as data. Our own helpers that render an argument as markdown are sinks too.

MARKDOWN_FIRST_ARG = {
    "markdown", "caption", "info", "warning", "error", "success", "subheader", "title", "header", "toast",
    "metric", "status", "expander", "popover", "button", "download_button", "form_submit_button", "link_button",
    "checkbox", "toggle", "radio", "selectbox", "multiselect", "select_slider", "slider", "text_input",
    "text_area", "number_input", "date_input", "time_input", "file_uploader", "color_picker", "pills",
    "segmented_control", "tabs", "page_link", "spinner",
}
MARKDOWN_KEYWORDS = {"label", "body"}  # and help=, on any call
OPTIONS_AS_MARKDOWN = {"radio", "pills", "segmented_control"}  # their options are markdown too
# our own functions that put an argument into markdown: name → (position, keyword); inside them
# that parameter is trusted, since every call is checked
APP_SINKS = {"chart": (2, "reading"), "flash": (2, "text")}
# functions that show what an APP_SINKS call kept (checked at that call)
SHOWS_CHECKED = {"show_flash"}
LITERAL_CALLS = {"len", "int", "float", "round", "abs", "bool"}
PASS_THROUGH_METHODS = {"join", "format", "replace", "strip", "lstrip", "rstrip", "upper", "lower", "removeprefix",
                        "removesuffix", "get"}
# a format only a number or a date accepts (a string with it raises): a type letter, a thousands
# separator or a strftime directive
NUMERIC_SPEC = re.compile(r"^[<>=^]?[+\- ]?#?0?\d*([,_](\.\d+)?[bdeEfFgGnoxX%]?|(\.\d+)?[bdeEfFgGnoxX%])$|%[a-zA-Z]")


class _Scope:
    def __init__(self, node: ast.AST | None, parent: _Scope | None, params: set[str], trusted: set[str]) -> None:
        self.node, self.parent, self.params, self.trusted = node, parent, params, trusted
        self.values: dict[str, list[ast.expr | None]] = {}  # None: bound to something unknown

    def bind(self, name: str, value: ast.expr | None) -> None:
        self.values.setdefault(name, []).append(value)


def _collect(body: list[ast.stmt], scope: _Scope) -> None:
    """Every binding of a function body (not of nested functions, which get scopes of their own)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            if not isinstance(node, ast.Lambda):
                scope.bind(node.name, None)
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _bind_target(target, node.value, scope)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            _bind_target(node.target, node.value, scope)
        elif isinstance(node, ast.AugAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
            scope.bind(node.target.id, node.value)
        elif isinstance(node, ast.For | ast.AsyncFor):
            _bind_target(node.target, None, scope)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    _bind_target(item.optional_vars, None, scope)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, None)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                scope.bind((alias.asname or alias.name).split(".")[0], None)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and node.func.attr in ("append", "extend", "insert")):
            item = node.args[-1] if node.args else None
            scope.bind(node.func.value.id, ast.List([item], ast.Load()) if node.func.attr != "extend" else item)
        todo.extend(ast.iter_child_nodes(node))


def _bind_target(target: ast.expr, value: ast.expr | None, scope: _Scope) -> None:
    if isinstance(target, ast.Name):
        scope.bind(target.id, value)
    elif isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:  # unpacking: which value lands where is not followed
            _bind_target(elt.value if isinstance(elt, ast.Starred) else elt, None, scope)


class _Module:
    def __init__(self, tree: ast.Module) -> None:
        self.scope = _Scope(tree, None, set(), set())
        _collect(tree.body, self.scope)
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.scopes: dict[ast.AST, _Scope] = {}
        self.returns_literal: dict[str, bool] = {}

    def scope_of(self, fn: ast.FunctionDef | ast.Lambda, parent: _Scope) -> _Scope:
        if fn not in self.scopes:
            a = fn.args
            params = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x is not None}
            trusted = {APP_SINKS[fn.name][1]} if isinstance(fn, ast.FunctionDef) and fn.name in APP_SINKS else set()
            scope = _Scope(fn, parent, params, trusted)
            if isinstance(fn, ast.FunctionDef):
                _collect(fn.body, scope)
            self.scopes[fn] = scope
        return self.scopes[fn]

    def function_is_literal(self, name: str) -> bool:
        if name not in self.returns_literal:
            self.returns_literal[name] = False  # a recursive call counts as data
            fn = self.functions[name]
            scope = self.scope_of(fn, self.scope)
            returns = [n.value for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None]
            self.returns_literal[name] = all(self.literal(v, scope, set()) for v in returns)
        return self.returns_literal[name]

    def name_is_literal(self, name: str, scope: _Scope, seen: set) -> bool:
        s: _Scope | None = scope
        while s is not None:
            if name in s.trusted:
                return True
            if name in s.params:
                return False
            if name in s.values:
                if (id(s), name) in seen:
                    return True  # x += ...: the other bindings decide
                seen = seen | {(id(s), name)}
                return all(v is not None and self.literal(v, s, seen) for v in s.values[name])
            s = s.parent
        return False

    def literal(self, node: ast.expr, scope: _Scope, seen: set) -> bool:
        ok = lambda n: self.literal(n, scope, seen)  # noqa: E731
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(ok(v) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            spec = node.format_spec
            if (isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values)
                    and NUMERIC_SPEC.search("".join(str(v.value) for v in spec.values))):
                return True
            return node.conversion == -1 and ok(node.value)
        if isinstance(node, ast.Name):
            return self.name_is_literal(node.id, scope, seen)
        if isinstance(node, ast.Attribute):
            return node.attr.isupper()  # a module's constant
        if isinstance(node, ast.Subscript):
            return ok(node.value)  # an item of a literal list or dict
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Sub | ast.Div | ast.FloorDiv | ast.Pow):
                return True  # a number (a string has none of these)
            return ok(node.left) and ok(node.right)
        if isinstance(node, ast.UnaryOp | ast.Compare):
            return True
        if isinstance(node, ast.IfExp):
            return ok(node.body) and ok(node.orelse)
        if isinstance(node, ast.BoolOp):
            return all(ok(v) for v in node.values)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(ok(e.value if isinstance(e, ast.Starred) else e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(ok(v) for v in node.values)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = _Scope(node, scope, set(), set())
            for gen in node.generators:
                _bind_target(gen.target, None, inner)
            elt = node.value if isinstance(node, ast.DictComp) else node.elt
            return self.literal(elt, inner, seen)
        if isinstance(node, ast.Lambda):
            return self.literal(node.body, self.scope_of(node, scope), seen)
        if isinstance(node, ast.NamedExpr):
            return ok(node.value)
        if isinstance(node, ast.Call):
            return self.call_is_literal(node, scope, seen)
        return False

    def call_is_literal(self, node: ast.Call, scope: _Scope, seen: set) -> bool:
        ok = lambda n: self.literal(n, scope, seen)  # noqa: E731
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else None
        if name == "t":  # the catalog's text; its fields must be literal
            return all(kw.arg is not None and ok(kw.value) for kw in node.keywords)
        if owner in ("safe", "fmt") or (owner is None and name in ("md", "code", "ident")):
            return True
        if isinstance(f, ast.Name) and name in LITERAL_CALLS:
            return True
        if isinstance(f, ast.Name) and name in ("str", "min", "max", "sum"):
            return all(ok(a) for a in node.args)
        if isinstance(f, ast.Attribute) and name in ("strftime", "isoformat"):
            return True
        if isinstance(f, ast.Attribute) and name in PASS_THROUGH_METHODS:
            args = node.args[1:] if name == "get" else node.args
            return ok(f.value) and all(ok(a) for a in args) and all(ok(k.value) for k in node.keywords)
        if isinstance(f, ast.Name) and name in self.functions and self.name_is_module_function(name, scope):
            return self.function_is_literal(name)
        return False

    def name_is_module_function(self, name: str, scope: _Scope) -> bool:
        s: _Scope | None = scope
        while s is not None and s is not self.scope:
            if name in s.values or name in s.params:
                return False
            s = s.parent
        return True


def _sink_args(call: ast.Call, sink_aliases: set[str]) -> list[ast.expr]:
    """The arguments of a call that Streamlit (or one of our helpers) renders as markdown."""
    f = call.func
    heads = [f.body, f.orelse] if isinstance(f, ast.IfExp) else [f]
    names = {h.attr for h in heads if isinstance(h, ast.Attribute)} | {h.id for h in heads if isinstance(h, ast.Name)}
    out = [kw.value for kw in call.keywords if kw.arg == "help"]
    if names & MARKDOWN_FIRST_ARG or names & sink_aliases:
        out += call.args[:1] + [kw.value for kw in call.keywords if kw.arg in MARKDOWN_KEYWORDS]
        if names & OPTIONS_AS_MARKDOWN:
            fmt = [kw.value for kw in call.keywords if kw.arg == "format_func"]
            out += fmt or call.args[1:2]
    if "write" in names and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "st":
        out += call.args
    if "progress" in names:
        out += call.args[1:2] + [kw.value for kw in call.keywords if kw.arg == "text"]
    if "update" in names:
        out += [kw.value for kw in call.keywords if kw.arg == "label"]
    for sink, (pos, kw_name) in APP_SINKS.items():
        if sink in names:
            out += call.args[pos:pos + 1] + [kw.value for kw in call.keywords if kw.arg == kw_name]
    return out


def markdown_leaks(source: str) -> list[tuple[int, str]]:
    """(line, text) of every argument rendered as markdown that may carry data."""
    tree = ast.parse(source)
    module = _Module(tree)
    leaks = []

    def visit(node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef) and child.name in SHOWS_CHECKED:
                continue
            inner = module.scope_of(child, scope) if isinstance(child, ast.FunctionDef | ast.Lambda) else scope
            if isinstance(child, ast.Call):
                # a name bound to an alert function (box = st.success if … else st.info) is one too
                aliases = {n for n, vs in inner.values.items()
                           if any(v is not None and _sink_args(ast.Call(v, [ast.Constant("")], []), set())
                                  for v in vs)} if inner.values else set()
                for arg in _sink_args(child, aliases):
                    if not module.literal(arg, inner, set()):
                        leaks.append((arg.lineno, ast.get_source_segment(source, arg) or ""))
            visit(child, inner)

    visit(tree, module.scope)
    return leaks


def _markdown_files() -> list[Path]:
    return sorted([*(ROOT / "dashboard" / "app_pages").glob("*.py"), *(ROOT / "dashboard" / "ui").glob("*.py"),
                   ROOT / "dashboard" / "app.py"])


def test_no_data_reaches_markdown_unescaped() -> None:
    leaks = [f"{f.relative_to(ROOT)}:{line}: {text}" for f in _markdown_files()
             for line, text in markdown_leaks(f.read_text(encoding="utf-8"))]
    assert not leaks, "text that may hold data reaches markdown without ui/safe.py:\n" + "\n".join(leaks)


@pytest.mark.parametrize(("code", "leaks"), [
    ('st.markdown(f"**{row[\'name\']}**")', 1),
    ('st.markdown(f"**{safe.md(row[\'name\'])}**")', 0),
    ('st.caption(t("k", chat=r["chat_name"], n=fmt.num(r["n"])))', 1),
    ('st.caption(t("k", chat=safe.md(r["chat_name"]), n=fmt.num(r["n"]), m=f"{r[\'m\']:,}"))', 0),
    ('x = t("k")\nx += t("j", who=name)\nst.info(x)', 1),
    ('x = t("k")\nx += t("j", n=len(rows))\nst.info(x)', 0),
    ('lines = []\nfor r in rows:\n    lines.append(f"> {r[\'text\']}")\nst.markdown("\\n".join(lines))', 1),
    ('(st.error if bad else st.success)(str(exc))', 1),
    ('box = st.success if ok else st.warning\nbox(f"**{verdict}**")', 1),
    ('page.chart(fig, frame, t("k", chat=top["chat_name"]), "key")', 1),
    ('st.selectbox(label, options)', 1),
    ('st.selectbox(t("k"), names, format_func=names.get)', 0),  # options are plain text
    ('st.radio(t("k"), names, format_func=lambda n: n)', 1),  # a radio's are markdown
    ('st.button(t("k"), help=row["note"])', 1),
    ('st.status(t("k")).update(label=f"{path.name}")', 1),
])
def test_the_markdown_check_finds_data(code: str, leaks: int) -> None:
    source = "import streamlit as st\n\ndef f(row, r, rows, name, exc, bad, ok, verdict, fig, frame, top, label, " \
             "options, names, path):\n" + "".join(f"    {line}\n" for line in code.splitlines())
    assert len(markdown_leaks(source)) == leaks, markdown_leaks(source)


def _chart_functions() -> list[tuple[str, ast.FunctionDef, dict[str, ast.FunctionDef]]]:
    out = []
    for f in sorted((ROOT / "dashboard" / "charts").glob("*.py")):
        if f.name == "style.py":
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        out += [(f.name, fn, functions) for fn in functions.values()
                if fn.returns is not None and "Figure" in ast.unparse(fn.returns)]
    return out


def _style_calls(fn: ast.FunctionDef) -> set[str]:
    return {n.func.attr for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.value.id == "style"}


def _finished_by_style(fn: ast.FunctionDef, functions: dict[str, ast.FunctionDef],
                      seen: frozenset = frozenset()) -> bool:
    """fn calls style.apply or style.literal, or a builder of its module that does."""
    if _style_calls(fn) & {"apply", "literal"}:
        return True
    called = {n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return any(_finished_by_style(functions[c], functions, seen | {fn.name}) for c in called & functions.keys() - seen)


def test_every_figure_passes_through_style_literal() -> None:
    """Plotly reads HTML in names, labels, ticks and annotations: every builder's figure goes
    through style.apply or style.literal, or (one that adds to a given figure) escapes with
    style.plain what it adds."""
    bad = []
    for file, fn, functions in _chart_functions():
        takes_figure = any(a.annotation is not None and "Figure" in ast.unparse(a.annotation) for a in fn.args.args)
        if not (_finished_by_style(fn, functions) or (takes_figure and "plain" in _style_calls(fn))):
            bad.append(f"{file}: {fn.name}")
    assert not bad and len(_chart_functions()) > 25, bad


def test_chart_templates_hold_no_data() -> None:
    """A hover or text template is code: data inside one would be read as %{…} fields and HTML.
    Data goes in text/customdata (escaped by style.literal) and the template names the field."""
    def template_ok(node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return template_ok(node.left) and template_ok(node.right)
        if isinstance(node, ast.JoinedStr):
            return all(isinstance(v, ast.Constant) or (isinstance(v, ast.FormattedValue)
                       and isinstance(v.value, ast.Subscript) and isinstance(v.value.value, ast.Name)
                       and v.value.value.id == "labels") for v in node.values)
        return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "labels"

    bad = []
    for f in sorted((ROOT / "dashboard" / "charts").glob("*.py")):
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.keyword) and n.arg in ("hovertemplate", "texttemplate") and not template_ok(n.value):
                bad.append(f"{f.name}:{n.value.lineno}: {ast.unparse(n.value)}")
    assert not bad, bad


def test_nothing_renders_raw_html() -> None:
    for f in _markdown_files():
        text = f.read_text(encoding="utf-8")
        for word in ("unsafe_allow_html", "st.html(", "components.v1.html", "components.html("):
            assert word not in text, f"{f.name} uses {word}"
