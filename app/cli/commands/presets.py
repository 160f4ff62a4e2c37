"""``nwn presets``: list the shipped scenario presets."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "presets", help="list the shipped scenario presets",
        description="List the shipped scenario presets; run one with `nwn run NAME`.")
    parser.add_argument("--show", metavar="NAME", help="print the TOML text of one preset")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nwn.resources import list_presets, preset_text

    if args.show:
        print(preset_text(args.show), end="")
        return 0
    presets = list_presets()
    width = max(len(name) for name, _ in presets)
    for name, title in presets:
        print(f"{name:<{width}}  {title}")
    return 0
