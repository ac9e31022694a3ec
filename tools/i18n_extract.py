"""The strings the GUI marks for translation, and how the shipped catalogs cover them.

The marked strings are the literal arguments of `_()`, `ngettext()` and `N_()` in
shipstation_desktop/ui/*.py, read from the source by AST (nothing is imported, so no display is
needed). The catalogs are the .po files under shipstation_desktop/resources/i18n/<language>/,
merged as ui/i18n.py merges them.

    .venv/bin/python tools/i18n_extract.py                   every msgid and where it is used
    .venv/bin/python tools/i18n_extract.py --missing es      what Spanish lacks, as .po entries to fill in
    .venv/bin/python tools/i18n_extract.py --files a.py b.py only the strings of these files
    .venv/bin/python tools/i18n_extract.py --pot FILE        a template (.pot) for a translator
    .venv/bin/python tools/i18n_extract.py --check           every language: missing, placeholders, plural
                                                             forms, conflicts; exit 1 when anything is wrong

tests/gui/test_translations.py runs the same checks.
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "shipstation_desktop" / "ui"
I18N_DIR = ROOT / "shipstation_desktop" / "resources" / "i18n"
TRANSLATED = ("es", "ro", "ru", "zh")  # every shipped language but the source, English
# The number of plural forms each language's grammar needs (its .po Plural-Forms header must agree).
PLURAL_FORMS = {"es": 2, "ro": 3, "ru": 3, "zh": 1}
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}  # function name -> how many leading literal arguments


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    locations: list[tuple[str, int]] = field(default_factory=list)
    plain: bool = False  # also marked with _() or N_(): a plural entry would not answer those


@dataclass
class Extraction:
    messages: dict[str, Message]
    problems: list[str]  # marked strings that cannot be translated as written (f-strings, …)


def _marker(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id in MARKERS:
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in MARKERS and isinstance(func.value, ast.Name):
        return func.attr if func.value.id == "i18n" else None
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def extract(paths: Iterable[Path]) -> Extraction:
    """The marked strings of `paths`, keyed by msgid (a plural entry by its singular, as gettext keys it)."""
    messages: dict[str, Message] = {}
    problems: list[str] = []
    for path in sorted(paths):
        where = _relative(path)
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or (name := _marker(node)) is None:
                continue
            args = node.args[: MARKERS[name]]
            texts = [_literal(a) for a in args]
            if any(isinstance(a, ast.JoinedStr) for a in args):
                problems.append(f"{where}:{node.lineno}: an f-string inside {name}() is never found in a catalog")
                continue
            if name == "ngettext" and (len(texts) < 2 or None in texts):
                problems.append(f"{where}:{node.lineno}: ngettext() needs two literal strings")
                continue
            msgid = texts[0] if texts else None
            if msgid is None:
                if name == "N_":
                    problems.append(f"{where}:{node.lineno}: N_() marks only a literal string")
                continue  # _(variable): a string marked with N_ elsewhere, looked up at run time
            if not msgid:
                problems.append(f"{where}:{node.lineno}: an empty string is not a msgid")
                continue
            plural = texts[1] if name == "ngettext" else None
            message = messages.setdefault(msgid, Message(msgid))
            if plural is not None:
                if message.plural not in (None, plural):
                    problems.append(f"{where}:{node.lineno}: {msgid!r} has two plural forms in the code")
                message.plural = plural
            else:
                message.plain = True
            message.locations.append((where, node.lineno))
    for message in messages.values():
        if message.plural is not None and message.plain:
            # gettext keeps one entry per msgid: a plural one is not found by gettext(), and the reverse.
            places = ", ".join(f"{file}:{line}" for file, line in message.locations)
            problems.append(f"{message.msgid!r} is marked both with ngettext() and without ({places})")
    return Extraction(messages, problems)


def ui_files(directory: Path = UI_DIR) -> list[Path]:
    return sorted(directory.glob("*.py"))


def placeholders(text: str) -> set[str]:
    """The str.format fields of `text` ("{count} of {total}" -> {"count", "total"}); "{{" is a brace."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


@dataclass
class Entry:
    """One translation as the .po files of a language hold it."""

    msgid: str
    plural: str | None
    forms: tuple[str, ...]  # one msgstr, or one per plural form
    fuzzy: bool
    file: str


@dataclass
class LanguageCatalog:
    language: str
    entries: dict[str, Entry]  # merged: the first file (sorted by name) holding a msgid wins
    num_plurals: dict[str, int]  # per .po file, from its Plural-Forms header
    conflicts: list[str]  # one msgid translated differently in two files


def load_language(language: str, directory: Path = I18N_DIR) -> LanguageCatalog:
    from babel.messages.pofile import read_po

    entries: dict[str, Entry] = {}
    num_plurals: dict[str, int] = {}
    conflicts: list[str] = []
    for po in sorted((directory / language).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        num_plurals[po.name] = catalog.num_plurals
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                msgid, plural = str(message.id[0]), str(message.id[1])
                forms = tuple(str(s or "") for s in message.string)
            else:
                msgid, plural, forms = str(message.id), None, (str(message.string or ""),)
            entry = Entry(msgid, plural, forms, message.fuzzy, po.name)
            earlier = entries.get(msgid)
            if earlier is None:
                entries[msgid] = entry
            elif earlier.forms != entry.forms and all(entry.forms) and all(earlier.forms):
                conflicts.append(
                    f"{language}: {msgid!r} is {earlier.forms} in {earlier.file}, {entry.forms} in {po.name}"
                )
    return LanguageCatalog(language, entries, num_plurals, conflicts)


def missing(messages: dict[str, Message], catalog: LanguageCatalog) -> list[Message]:
    """Marked strings without a usable translation: absent, empty (in any plural form) or fuzzy."""
    out = []
    for message in messages.values():
        entry = catalog.entries.get(message.msgid)
        if entry is None or entry.fuzzy or not entry.forms or not all(entry.forms):
            out.append(message)
        elif message.plural is not None and entry.plural is None:
            out.append(message)  # the catalog has it as a plain string: ngettext would not find it
    return out


def check(messages: dict[str, Message], catalog: LanguageCatalog) -> list[str]:
    """What is wrong with one language's catalogs for these marked strings."""
    lang = catalog.language
    problems = [
        f"{lang}: missing {m.msgid!r} ({m.locations[0][0]}:{m.locations[0][1]})" for m in missing(messages, catalog)
    ]
    expected = PLURAL_FORMS.get(lang)
    for name, count in catalog.num_plurals.items():
        if expected is not None and count != expected:
            problems.append(f"{lang}/{name}: Plural-Forms says {count} forms; {lang} has {expected}")
    for message in messages.values():
        entry = catalog.entries.get(message.msgid)
        if entry is None or not all(entry.forms):
            continue
        wanted = placeholders(message.msgid) | (placeholders(message.plural) if message.plural else set())
        if message.plural is not None and entry.plural is not None:
            if expected is not None and len(entry.forms) != expected:
                problems.append(f"{lang}: {message.msgid!r} has {len(entry.forms)} plural forms, not {expected}")
            for index, form in enumerate(entry.forms):
                if (found := placeholders(form)) != wanted:
                    problems.append(
                        f"{lang}: {message.msgid!r} form {index} has {sorted(found)}, wants {sorted(wanted)}"
                    )
        elif placeholders(entry.forms[0]) != wanted:
            problems.append(
                f"{lang}: {message.msgid!r} -> {entry.forms[0]!r} has {sorted(placeholders(entry.forms[0]))}, "
                f"wants {sorted(wanted)}"
            )
        if message.msgid.count("&") - 2 * message.msgid.count("&&") == 1:
            form = entry.forms[0]
            if form.count("&") - 2 * form.count("&&") != 1:
                problems.append(f"{lang}: {message.msgid!r} -> {form!r} lost its keyboard mnemonic (&)")
    problems += catalog.conflicts
    return problems


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def po_entries(messages: Iterable[Message], forms: int) -> str:
    """`messages` as untranslated .po entries (for a translator to fill in)."""
    blocks = []
    for message in messages:
        refs = " ".join(sorted({f"{file}:{line}" for file, line in message.locations}))
        lines = [f"#: {refs}", f"msgid {_po_string(message.msgid)}"]
        if message.plural is not None:
            lines.append(f"msgid_plural {_po_string(message.plural)}")
            lines += [f'msgstr[{i}] ""' for i in range(forms)]
        else:
            lines.append('msgstr ""')
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write_pot(messages: dict[str, Message], target: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="ShipStation Desktop", charset="utf-8")
    for message in messages.values():
        msgid: str | tuple[str, str] = message.msgid if message.plural is None else (message.msgid, message.plural)
        catalog.add(msgid, locations=message.locations)
    with target.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", type=Path, help="only these ui files (default: every ui/*.py)")
    parser.add_argument("--missing", metavar="LANG", choices=TRANSLATED, help="untranslated strings as .po entries")
    parser.add_argument("--pot", metavar="FILE", type=Path, help="write a .pot template")
    parser.add_argument("--check", action="store_true", help="check every language; exit 1 on problems")
    args = parser.parse_args(argv)
    found = extract(args.files or ui_files())
    if args.pot:
        write_pot(found.messages, args.pot)
        print(f"{len(found.messages)} messages -> {args.pot}")
        return 0
    if args.missing:
        catalog = load_language(args.missing)
        print(po_entries(missing(found.messages, catalog), PLURAL_FORMS[args.missing]), end="")
        return 0
    if args.check:
        problems = list(found.problems)
        for language in TRANSLATED:
            problems += check(found.messages, load_language(language))
        for problem in problems:
            print(problem)
        print(f"{len(found.messages)} messages, {len(problems)} problems", file=sys.stderr)
        return 1 if problems else 0
    for message in found.messages.values():
        where = ", ".join(f"{file}:{line}" for file, line in message.locations)
        plural = f" / {message.plural!r}" if message.plural else ""
        print(f"{message.msgid!r}{plural}  [{where}]")
    for problem in found.problems:
        print(problem, file=sys.stderr)
    return 1 if found.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
