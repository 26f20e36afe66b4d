"""The README's shell blocks are pasted by newcomers as they stand (issue 12 §6): every `$NAME`
they use is set by some block of the README (or is an `ESA_*` setting the reader exports), and the
walkthroughs hold no `<placeholder>` or `[--optional]` to fill in by hand. Read statically; the
blocks themselves were run against `make run` when written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
# The sections a newcomer pastes in order into one shell after `make run`.
WALKTHROUGHS = ("## Using the APIs", "## For other agencies", "## Replaying a dead letter")

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# `NAME=` at the start of a command, `export NAME=`, `for NAME in`.
ASSIGNED = re.compile(
    rf"(?:^|;|&&|\|\||\(|\b(?:do|then|export|local)\s)\s*({NAME})=|\bfor\s+({NAME})\s+in\b", re.M)
USED = re.compile(rf"\$\{{?({NAME})")
SINGLE_QUOTED = re.compile(r"'[^'\n]*'")


def code_of(block: str) -> str:
    """The commands without comments and without single-quoted text (where `$` is literal)."""
    lines = [line.split(" # ")[0] for line in block.splitlines() if not line.lstrip().startswith("#")]
    return SINGLE_QUOTED.sub("''", "\n".join(lines))


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def section(text: str, heading: str) -> str:
    start = text.index(heading + " ") if heading + " " in text else text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end != -1 else len(text)]


def test_every_variable_a_readme_command_uses_is_set_by_the_readme() -> None:
    code = [code_of(block) for block in sh_blocks(README.read_text(encoding="utf-8"))]
    assigned = {a or b for c in code for a, b in ASSIGNED.findall(c)}
    unset = {name: block.strip().splitlines()[0] for block in code for name in USED.findall(block)
             if name not in assigned and not name.startswith("ESA_")}
    assert unset == {}, "used in the README's commands, never set there (name: block's first line)"


def test_the_walkthroughs_have_nothing_to_fill_in_by_hand() -> None:
    text = README.read_text(encoding="utf-8")
    for heading in WALKTHROUGHS:
        blocks = sh_blocks(section(text, heading))
        assert blocks, heading
        for block in blocks:
            commands = "\n".join(line.split(" # ")[0] for line in block.splitlines()
                                 if not line.lstrip().startswith("#"))
            assert not re.findall(r"<[a-z_]+>|\[--", commands), (heading, block[:200])
