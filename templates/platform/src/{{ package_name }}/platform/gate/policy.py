"""Evaluate the Rego policies under `policies/` in-process with regopy (no OPA binary, no network).

Python collects facts; Rego decides. The policy package `paved_roads.gate` must define:
`catalog` (control id -> {tier, title, evidence}), `applicable` (ids in force at the input's tier),
`deny` and `warn` (sets of {control, message}) and `active_waivers` (control ids a valid waiver covers).
Security teams change the gate by editing Rego, never this file.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

PACKAGE_QUERY = "data.paved_roads.gate"
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Decision:
    catalog: dict[str, dict[str, Any]]
    applicable: list[str]
    deny: list[dict[str, str]] = field(default_factory=list)
    warn: list[dict[str, str]] = field(default_factory=list)
    active_waivers: list[str] = field(default_factory=list)


def _inert(value: Any) -> Any:
    """Make strings safe for regopy 1.5, whose JSON output does not escape quotes or backslashes."""
    if isinstance(value, str):
        return _CONTROL_CHARS.sub(" ", value.replace("\\", "/").replace('"', "'"))
    if isinstance(value, dict):
        return {str(key): _inert(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_inert(item) for item in value]
    return value


def policy_files(policies_dir: Path) -> list[Path]:
    files = sorted(policies_dir.glob("*.rego"))
    if not files:
        raise ConfigError(f"no Rego policies in {policies_dir} (expected gate*.rego)")
    return files


def evaluate(policies_dir: Path, document: dict[str, Any]) -> Decision:
    """Load every `.rego` file, set the input, query the gate package once."""
    try:
        from regopy import Interpreter, RegoError
    except ImportError as error:
        raise ConfigError("the gate needs regopy: pip install 'regopy>=1.5'") from error
    interpreter = Interpreter()
    for path in policy_files(policies_dir):
        problem: RegoError | None = None
        with _native_output() as printed:
            try:
                interpreter.add_module(path.name, path.read_text(encoding="utf-8"))
            except RegoError as error:
                problem = error
        if problem is not None:  # read the library's report only once the capture has ended
            raise ConfigError(f"{path}: Rego does not parse: {_first_error(printed.getvalue())}") from problem
    interpreter.set_input(_inert(document))
    output = interpreter.query(PACKAGE_QUERY)
    if not output.ok() or len(output) == 0:
        raise ConfigError(
            f"policies in {policies_dir} did not evaluate (a Rego runtime error such as two values for one rule);"
            f" `opa eval -d {policies_dir} -i var/evidence/input.json {PACKAGE_QUERY}` shows where"
        )
    result = output[0].expressions[0]
    if not isinstance(result, dict) or "catalog" not in result:
        raise ConfigError(f"{PACKAGE_QUERY} defines no catalog of controls")
    return Decision(
        catalog=result["catalog"],
        applicable=sorted(result.get("applicable", [])),
        deny=sorted(result.get("deny", []), key=lambda d: (d["control"], d["message"])),
        warn=sorted(result.get("warn", []), key=lambda d: (d["control"], d["message"])),
        active_waivers=sorted(result.get("active_waivers", [])),
    )


@contextmanager
def _native_output() -> Iterator[io.StringIO]:
    """Capture what the rego-cpp library prints on file descriptors 1 and 2 (its parse errors)."""
    captured = io.StringIO()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile(mode="w+") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            with suppress(OSError, AttributeError):  # C stdio buffers when fd 1 is a file: flush it first
                ctypes.CDLL(None).fflush(None)
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)
            sink.seek(0)
            captured.write(sink.read())


def _first_error(printed: str) -> str:
    """ "this is unclosed -- broken.rego:2:15" from rego-cpp's multi-line error report."""
    lines = [line.strip() for line in printed.splitlines() if line.strip() and set(line.strip()) - set("~-")]
    lines = [line for line in lines if line != "Errors:" and not line.startswith("Pass ")]
    return " ".join(lines[:2]) or "syntax error"


def dump_input(document: dict[str, Any], path: Path) -> Path:
    """Keep the exact input next to the evidence, so anyone can replay it with `opa eval`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_inert(document), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
