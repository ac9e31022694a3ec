"""What kind of CSV file is this: its encoding (UTF-8 with or without BOM, UTF-16, cp1252, latin-1),
its column separator (comma, semicolon, tab) and its hash, found in one streamed pass.

Shared by every CSV import (carrier invoices, customers); nothing here reads a whole file into memory.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from shipstation_desktop.domain.errors import UserError

CHUNK = 64 * 1024
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


def header_key(text: str) -> str:
    """'Weight (kg)' -> 'weightkg': headers match whatever their case, spacing and punctuation."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class CsvFile:
    path: Path
    sha256: str
    encoding: str
    delimiter: str


def inspect(path: Path) -> CsvFile:
    """One streamed pass: the file's hash, its encoding (UTF-8, BOM or not; else cp1252; else latin-1)."""
    digest = hashlib.sha256()
    candidates = ["utf-8", "cp1252"]
    decoders = {name: codecs.getincrementaldecoder(name)() for name in candidates}
    failed: set[str] = set()
    head = b""
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                if len(head) < 4:
                    head += chunk[:4]
                for name in candidates:
                    if name not in failed:
                        try:
                            decoders[name].decode(chunk)
                        except UnicodeDecodeError:
                            failed.add(name)
    except FileNotFoundError:
        raise UserError(f"No file {path}.") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise UserError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if not head:
        raise UserError(f"{path} is empty.")
    if head.startswith(b"PK\x03\x04"):
        raise UserError(f"{path} is an Excel workbook or a zip, not CSV; save it as CSV and import that.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Excel's "Unicode text" export
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif "utf-8" not in failed:
        encoding = "utf-8"
    elif "cp1252" not in failed:
        encoding = "cp1252"
    else:
        encoding = "latin-1"  # decodes any byte: the last resort, never a crash
    return CsvFile(path, digest.hexdigest(), encoding, _sniff_separator(path, encoding))


def _sniff_separator(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as f:
        first = f.readline(CHUNK)
    if "\x00" in first:
        raise UserError(f"{path} is not a text file.")
    counts = {sep: _count_outside_quotes(first, sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best] == 0:
        raise UserError(f"Cannot tell the column separator of {path}: its first line has no comma, semicolon or tab.")
    return best


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            count += 1
    return count
