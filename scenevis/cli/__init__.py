"""The ``scenevis`` command (also ``python -m scenevis``).

Layer 7. Each subcommand is a module of this package with ``add_parser(subparsers)`` and
``run(args) -> int``, listed in ``COMMANDS``; a later subcommand (``browse``, ``video``)
is one more module and one more line there.

Exit codes: 0 on success, 2 on bad usage (argparse's own), 1 on failure, with one line on
stderr (``scenevis: error: ...``) and no traceback unless ``--debug`` is given.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

__all__ = ["main", "COMMANDS", "CommandError"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ("render", "report", "browse")


class CommandError(Exception):
    """A failure the command reports in one line (exit code 1)."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scenevis")
    except PackageNotFoundError:
        return "unknown"


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback when the command fails")
    top = argparse.ArgumentParser(
        prog="scenevis", parents=[common],
        description="scenevis: draw stored scenes and turn training runs into one offline HTML page.")
    top.add_argument("--version", action="version", version=f"scenevis {_version()}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"scenevis.cli.{name}").add_parser(sub, [common])
    return top


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    args = parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        print("scenevis: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one line for the user; the traceback with --debug
        if debug:
            raise
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"scenevis: error: {message}", file=sys.stderr)
        return 1
