"""Every user-facing Chinese string the English catalogue must translate, found in the code.

- templates: msgids extracted by Babel with Jinja's extractor (as `make messages` does);
- Python: literal arguments of `_`, `gettext`, `ngettext` and `N_`, the `title` of every
  DomainError subclass, the error titles of `app/errors.py`, literal details passed to a
  DomainError (e.g. `InvalidInput("...")`), literal titles and bodies of outbox
  notifications, label tables (dict literals) of `app/web`, and the consent policy text.

Each msgid belongs to the catalogue of every package that uses it (`owners()`);
`python -m tests.web.msgids --update` (what `make messages` runs) adds the missing ones to
each package's catalogue, with an empty translation for a person to fill in.
f-string details cannot be catalogue entries; they are listed by `untranslatable_details()`.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import extract

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "spaces", "reading", "qr")


def po_paths() -> list[Path]:
    """Every package's English catalogue (they are merged at start)."""
    from app.kernel.i18n import CATALOGUE_PACKAGES, catalogue_path

    return [catalogue_path(package, "en") for package in CATALOGUE_PACKAGES]


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def template_dirs() -> list[Path]:
    from app.web.app import TEMPLATE_DIRS

    return [Path(d) for d in TEMPLATE_DIRS if Path(d).exists()]


def template_files() -> list[Path]:
    return sorted(p for d in template_dirs() for p in d.rglob("*.html"))


def _template_messages(path: Path) -> Iterator[tuple[str, str]]:
    with path.open("rb") as handle:
        for lineno, message, _comments, _context in extract(
            "jinja2",
            handle,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
            options={"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"},
        ):
            for msgid in message if isinstance(message, tuple) else (message,):
                if msgid:
                    yield msgid, f"{path.relative_to(ROOT)}:{lineno}"


def template_msgids() -> dict[str, str]:
    """msgid → "template:line" of its first use."""
    found: dict[str, str] = {}
    for path in template_files():
        for msgid, where in _template_messages(path):
            found.setdefault(msgid, where)
    return found


def python_files() -> Iterator[Path]:
    for package in PACKAGES:
        base = ROOT / package
        if base.exists():
            yield from sorted(p for p in base.rglob("*.py") if "migrations" not in p.parts)


def domain_error_classes() -> list[type]:
    """Every DomainError subclass defined in our packages (their `errors` modules imported first)."""
    from app.kernel.errors import DomainError

    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name.endswith(".errors"):
                importlib.import_module(info.name)
    importlib.import_module("app.accounts.errors")
    seen: list[type] = []
    stack: list[type] = [DomainError]
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return [c for c in seen if c.__module__.split(".")[0] in PACKAGES]


def _callee(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _literal(node: ast.expr | None) -> str | None:
    """A string constant, or `N_("...")`; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and _callee(node) in {"N_", "gettext", "_"} and node.args:
        return _literal(node.args[0])
    return None


def _detail_arg(node: ast.Call) -> ast.expr | None:
    if node.args:
        return node.args[0]
    return next((kw.value for kw in node.keywords if kw.arg == "detail"), None)


def _calls() -> Iterator[tuple[Path, ast.Call]]:
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield path, node


def gettext_msgids() -> Iterator[tuple[str, str]]:
    """(msgid, where) of every literal `_`, `gettext`, `ngettext` and `N_` call in Python."""
    for path, call in _calls():
        if _callee(call) in {"_", "gettext", "N_", "ngettext"} and call.args:
            for arg in call.args[: 2 if _callee(call) == "ngettext" else 1]:
                text = _literal(arg)
                if text and CJK.search(text):
                    yield text, f"{path.relative_to(ROOT)}:{call.lineno}"


def python_msgids() -> dict[str, str]:
    """msgid → where it comes from."""
    found: dict[str, str] = {}
    for msgid, where in gettext_msgids():
        found.setdefault(msgid, where)
    for cls in domain_error_classes():
        found.setdefault(cls.title, f"{cls.__module__}.{cls.__qualname__}.title")  # type: ignore[attr-defined]

    from app.errors import HTTP_CODES

    for status, (_code, title) in HTTP_CODES.items():
        found.setdefault(title, f"app.errors.HTTP_CODES[{status}]")
    # Other titles the error handler shows (CSRF failure, unknown status): every Chinese literal there.
    errors_py = ROOT / "app" / "errors.py"
    for node in ast.walk(ast.parse(errors_py.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
            found.setdefault(node.value, f"app/errors.py:{node.lineno}")

    # Label tables of the web layer (e.g. booking statuses), translated when shown.
    for path in sorted((ROOT / "app" / "web").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) and CJK.search(value.value):
                        found.setdefault(value.value, f"{path.relative_to(ROOT)}:{value.lineno}")

    error_names = {cls.__name__ for cls in domain_error_classes()}
    for path, call in _calls():
        name = _callee(call)
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        if name in error_names:
            detail = _literal(_detail_arg(call))
            if detail:
                found.setdefault(detail, where)
        elif name == "add" and isinstance(call.func, ast.Attribute) and getattr(call.func.value, "id", "") == "outbox":
            for kw in call.keywords:
                text = _literal(kw.value) if kw.arg in {"title", "body"} else None
                if text:
                    found.setdefault(text, where)

    from app.accounts.consent import CURRENT_POLICY

    found.setdefault(CURRENT_POLICY.text, "app.accounts.consent.CURRENT_POLICY.text")
    found.setdefault(CURRENT_POLICY.responsible_person, "app.accounts.consent.CURRENT_POLICY.responsible_person")
    return found


def untranslatable_details() -> list[str]:
    """Where a DomainError gets an f-string detail (shown untranslated to English readers)."""
    error_names = {cls.__name__ for cls in domain_error_classes()}
    return [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call in _calls()
        if _callee(call) in error_names and isinstance(_detail_arg(call), ast.JoinedStr)
    ]


def all_msgids() -> dict[str, str]:
    return {**python_msgids(), **template_msgids()}


def template_uses() -> Iterator[tuple[str, str]]:
    for path in template_files():
        yield from _template_messages(path)


def owners() -> dict[str, set[str]]:
    """msgid → the packages whose catalogue must hold it (every package that uses it). Uses
    found by their first place only (class titles, label tables) count for that package."""
    from app.kernel.i18n import CATALOGUE_PACKAGES

    by_length = sorted(CATALOGUE_PACKAGES, key=len, reverse=True)

    def package_of(where: str) -> str:
        path = where.replace(".", "/", where.count(".")) if ":" not in where else where.split(":")[0]
        return next((p for p in by_length if path.startswith(p + "/")), "app")

    found: dict[str, set[str]] = {}
    uses = [*template_uses(), *gettext_msgids(), *python_msgids().items()]
    for msgid, where in uses:
        found.setdefault(msgid, set()).add(package_of(where))
    return found


def update_catalogues() -> dict[str, int]:
    """Add every msgid a package uses and its catalogue lacks (untranslated); how many each."""
    from babel.messages.pofile import read_po, write_po

    from app.kernel.i18n import catalogue_path

    wanted: dict[str, set[str]] = {}
    for msgid, packages in owners().items():
        for package in packages:
            wanted.setdefault(package, set()).add(msgid)
    added: dict[str, int] = {}
    for package, msgids in sorted(wanted.items()):
        path = catalogue_path(package, "en")
        with path.open("rb") as handle:
            catalog = read_po(handle)
        missing = sorted(m for m in msgids if m not in catalog)
        for msgid in missing:
            catalog.add(msgid, "", flags=("python-format",) if "%(" in msgid else ())
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, sort_output=True, no_location=True)
        added[package] = len(missing)
    return added


if __name__ == "__main__":  # list them: `python -m tests.web.msgids`; `--update` the catalogues
    import sys

    if "--update" in sys.argv:
        for package, count in update_catalogues().items():
            print(f"{package}: {count} new msgid(s) to translate")
        raise SystemExit(0)
    for msgid, where in all_msgids().items():
        print(f"{where}\t{msgid}")
    for where in untranslatable_details():
        print(f"f-string detail (untranslatable)\t{where}")
