"""Copier migration for one template release: renamed answers (before) and moved files (after).

copier.yml runs it as `{{ _copier_python }} <template>/migrations/apply.py <version>` at both
stages of an update crossing `<version>`; it reads `migrations/<version>.yml` beside it:

    answers: {old_question: new_question}       # renamed settings: values carried over
    files: {old/path.py: new/path.py}            # moved files (rendered paths, Jinja allowed)

Before the update, renamed answers are rewritten in `.copier-answers.yml`, so the new template
sees the team's values. After it, each moved file the team had changed gets a three-way merge
(base: the old release's render of the old path, ours: the team's file at HEAD, theirs: what the
new release rendered at the new path) so the edits follow the move instead of being lost.
Running twice changes nothing: a renamed key or a merged file is not touched again. Works the
same under plain `copier update`, Renovate or `paved-roads update`; only Copier's own Python
(Copier, Jinja, PyYAML) is needed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from jinja2 import Environment

ANSWERS = Path(".copier-answers.yml")
RECORD = Path(".git") / "paved-roads-migrated.json"  # read by `paved-roads update` to report the moves


def git(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], capture_output=True, check=check)


def rename_answers(renames: dict[str, str]) -> None:
    text = ANSWERS.read_text()
    for old, new in renames.items():
        if re.search(rf"^{re.escape(new)}:", text, re.MULTILINE):
            continue  # already renamed
        text = re.sub(rf"^{re.escape(old)}:", f"{new}:", text, count=1, flags=re.MULTILINE)
    ANSWERS.write_text(text)


def old_render(source: str, version: str, answers: dict, path: str) -> bytes | None:
    """The old release's text of one rendered file (Copier renders only that path)."""
    from copier import run_copy

    escaped = re.sub(r"([\[\]*?!#\\])", r"\\\1", path)
    with tempfile.TemporaryDirectory() as out:
        data = {k: v for k, v in answers.items() if not k.startswith("_")}
        run_copy(source, out, data=data, vcs_ref=version, defaults=True, unsafe=True, quiet=True,
                 exclude=["*", f"!{escaped}"])  # fmt: skip
        rendered = Path(out, path)
        return rendered.read_bytes() if rendered.is_file() else None


def merge(theirs: Path, base: bytes, ours: bytes) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        base_file, ours_file = Path(tmp, "base"), Path(tmp, "ours")
        base_file.write_bytes(base)
        ours_file.write_bytes(ours)
        labels = ["-L", "after updating", "-L", "last update", "-L", "before updating"]
        done = subprocess.run(["git", "merge-file", *labels, str(theirs), str(base_file), str(ours_file)])
    return done.returncode == 0


def move_files(moves: dict[str, str]) -> list[dict]:
    head_answers = yaml.safe_load(git("show", f"HEAD:{ANSWERS}").stdout) or {}
    answers = yaml.safe_load(ANSWERS.read_text()) or {}
    env = Environment()
    done = []
    for old_name, new_name in moves.items():
        old = env.from_string(old_name).render(**answers)
        new = Path(env.from_string(new_name).render(**answers))
        ours = git("show", f"HEAD:{old}", check=False)
        if ours.returncode != 0 or Path(old).exists() or not new.is_file():
            continue  # never had it, still has it (not moved), or the new release has no such file
        base = old_render(str(head_answers["_src_path"]), os.environ["VERSION_FROM"], head_answers, old)
        if base is None or base == ours.stdout:
            continue  # the team had not changed it: the new release's file stands as rendered
        clean = merge(new, base, ours.stdout)
        done.append({"from": old, "to": str(new), "clean": clean})
    return done


def main() -> None:
    version = sys.argv[1]
    plan = yaml.safe_load((Path(__file__).parent / f"{version}.yml").read_text()) or {}
    if os.environ.get("STAGE") == "before":
        rename_answers(plan.get("answers") or {})
        return
    moved = move_files(plan.get("files") or {})
    if moved and Path(".git").is_dir():
        previous = json.loads(RECORD.read_text()) if RECORD.is_file() else []
        RECORD.write_text(json.dumps(previous + moved))
    for move in moved:
        state = "merged" if move["clean"] else "merged WITH CONFLICTS (resolve the markers)"
        print(f"migration {version}: your edits to {move['from']} {state} into {move['to']}", file=sys.stderr)


if __name__ == "__main__":
    main()
