"""Zebra's ~HS (host status) answer, parsed into what the bench acts on.

The printer answers three <STX>…<ETX><CR><LF> strings (ZPL II guide, ~HS):
  1. aaa,b,c,dddd,eee,f,g,h,iii,j,k,l - b paper out, c paused, dddd label length (dots),
     eee formats in the receive buffer, f buffer full, h partial format, j corrupt RAM,
     k under temperature, l over temperature
  2. mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www - o head up (open), p ribbon out, q thermal transfer,
     r print mode, t label waiting (peel-off), uuuuuuuu labels remaining in the batch
  3. xxxx,y - password, static RAM installed
"""

from __future__ import annotations

import re

from shipstation_desktop.devices.printer_port import PrinterHealth, PrinterStatus

QUERY = b"~HS"
_STRING = re.compile(rb"\x02([^\x02\x03]*)\x03")

# (flag, health it causes, what to tell the packer), most urgent first: the first set flag decides.
_FLAGS: tuple[tuple[str, PrinterHealth, str], ...] = (
    ("head_open", PrinterHealth.HEAD_OPEN, "print head is open; close it"),
    ("paper_out", PrinterHealth.PAPER_OUT, "out of labels; load labels and press FEED"),
    ("ribbon_out", PrinterHealth.RIBBON_OUT, "ribbon out; load a ribbon"),
    ("over_temperature", PrinterHealth.ERROR, "print head too hot; let it cool down"),
    ("corrupt_ram", PrinterHealth.ERROR, "configuration lost (corrupt RAM); check the printer settings"),
    ("paused", PrinterHealth.PAUSED, "paused; press PAUSE on the printer to resume"),
    ("buffer_full", PrinterHealth.BUFFER_FULL, "receive buffer full; wait for the queued labels to print"),
)


class StatusParseError(ValueError):
    """The bytes are not a ~HS answer (another device on the port, or a cut-off reply)."""


def complete(raw: bytes) -> bool:
    """Whether `raw` already holds the three strings of a ~HS answer."""
    return len(_STRING.findall(raw)) >= 3


def parse(raw: bytes) -> PrinterStatus:
    strings = [s.decode("ascii", "replace").strip() for s in _STRING.findall(raw)]
    if len(strings) < 2:
        raise StatusParseError(f"not a ~HS answer: {raw[:80]!r}")
    one, two = strings[0].split(","), strings[1].split(",")
    if len(one) < 12 or len(two) < 9:
        raise StatusParseError(f"~HS answer too short: {strings[0]!r} / {strings[1]!r}")
    try:
        flags = {
            "paper_out": one[1] == "1",
            "paused": one[2] == "1",
            "buffer_full": one[5] == "1",
            "corrupt_ram": one[9] == "1",
            "under_temperature": one[10] == "1",
            "over_temperature": one[11] == "1",
            "head_open": two[2] == "1",
            "ribbon_out": two[3] == "1",
        }
        details: dict[str, object] = {
            "label_length_dots": int(one[3]),
            "formats_in_buffer": int(one[4]),
            "partial_format": one[7] == "1",
            "thermal_transfer": two[4] == "1",
            "label_waiting": two[7] == "1",
            "labels_remaining": int(two[8]),
        }
    except ValueError as exc:
        raise StatusParseError(f"~HS answer has a non-number where a count belongs: {strings[:2]!r}") from exc
    if flags["ribbon_out"] and not details["thermal_transfer"]:
        flags["ribbon_out"] = False  # direct thermal stock has no ribbon to run out of
    problems = tuple(name for name, on in flags.items() if on)
    details.update(flags)
    for flag, health, reason in _FLAGS:
        if flags[flag]:
            return PrinterStatus(health, reason, problems, details)
    return PrinterStatus(PrinterHealth.READY, "", problems, details)
