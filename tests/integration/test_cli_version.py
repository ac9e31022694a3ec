"""`--version` answers the same everywhere: after the program and after any command."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from importlib import metadata

import pytest

from shipstation_desktop.cli import build_parser, main

EXPECTED = f"shipstation-desktop {metadata.version('shipstation-desktop')}\n"


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path of the CLI: ("gui",), ("hub",), ("hub", "serve"), …"""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*path, name)
                yield from commands(child, (*path, name))


def test_every_command_answers_version(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [(), *commands(build_parser())]
    assert ("gui",) in paths and ("hub", "serve") in paths and ("ship",) in paths
    for path in paths:
        # Required arguments (ship's ORDER_NUMBER) do not stand in the way, and nothing runs.
        with pytest.raises(SystemExit) as stopped:
            main([*path, "--version"])
        assert stopped.value.code == 0, path
        assert capsys.readouterr().out == EXPECTED, path


def test_version_is_not_listed_in_each_command_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ship", "--help"])
    assert "--version" not in capsys.readouterr().out
