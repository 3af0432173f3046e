"""Offline checks of what ships this service; `make deploy-check` and CI's deploy job run this file.

1. hadolint lints the Dockerfile (`.hadolint.yaml`: every finding fails unless ignored with a reason);
2. `requirements.lock` exists and pins every dependency the Dockerfile installs;
3. every kustomize overlay (and the base) renders with `kubectl kustomize` or `kustomize build`, and
   every rendered resource validates against the Kubernetes schemas (kubernetes-validate --strict);
4. checkov scans the Dockerfile and the rendered overlays; a finding fails unless
   `deploy/checkov-waivers.yml` waives it with a reason, and a waiver that matches no finding fails too.

Run it with the interpreter of the pinned tools (`deploy/tools.txt`, installed into .venv-deploy by
`make deploy-tools`). It needs no Docker engine, no cluster and no network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
KUSTOMIZE = ROOT / "deploy" / "kubernetes"
RENDERED = ROOT / "var" / "deploy"
WAIVERS = ROOT / "deploy" / "checkov-waivers.yml"
# The oldest Kubernetes the manifests must run on (the preStop `sleep` action needs 1.30).
KUBERNETES_VERSION = os.environ.get("KUBERNETES_VERSION", "1.30.0")
TOOLS = Path(sys.executable).parent


class CheckFailed(Exception):
    """One check failed; the message says which and what to do."""


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our tools


def tool(name: str) -> str:
    found = TOOLS / name if (TOOLS / name).exists() else shutil.which(name)
    if not found:
        raise CheckFailed(f"{name} not found: run `make deploy-tools` (pinned in deploy/tools.txt)")
    return str(found)


def hadolint() -> str:
    done = run(tool("hadolint"), "Dockerfile")
    if done.returncode != 0:
        raise CheckFailed(f"hadolint: Dockerfile has findings\n{done.stdout}{done.stderr}")
    return "hadolint: Dockerfile clean"


def lock_file() -> str:
    lock = ROOT / "requirements.lock"
    if not lock.is_file():
        raise CheckFailed("requirements.lock is missing: run `make lock` and commit it (the Dockerfile needs it)")
    pinned = {_normal(match) for match in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock.read_text(), re.M)}
    wanted = _dependencies(ROOT / "pyproject.toml")
    missing = sorted(wanted - pinned)
    if missing:
        raise CheckFailed(f"requirements.lock does not pin {', '.join(missing)}: run `make lock`")
    if "--hash=sha256:" not in lock.read_text():
        raise CheckFailed("requirements.lock has no hashes: run `make lock` (pip installs it with --require-hashes)")
    return f"requirements.lock: pins all {len(wanted)} dependencies with hashes"


def render() -> list[Path]:
    kubectl, kustomize = shutil.which("kubectl"), shutil.which("kustomize")
    if not (kubectl or kustomize):
        raise CheckFailed("neither kubectl (kustomize is built in) nor kustomize is on PATH")
    RENDERED.mkdir(parents=True, exist_ok=True)
    for old in RENDERED.glob("*.yaml"):
        old.unlink()
    folders = [KUSTOMIZE / "base", *sorted((KUSTOMIZE / "overlays").iterdir())]
    outputs = []
    for folder in folders:
        command = [kubectl, "kustomize", str(folder)] if kubectl else [str(kustomize), "build", str(folder)]
        done = run(*command)
        if done.returncode != 0:
            raise CheckFailed(f"kustomize: {folder.relative_to(ROOT)} does not render\n{done.stderr}")
        output = RENDERED / f"{folder.name}.yaml"
        output.write_text(done.stdout)
        outputs.append(output)
    return outputs


def validate(rendered: list[Path]) -> str:
    command = [tool("kubernetes-validate"), "--strict", "--quiet", "-k", KUBERNETES_VERSION, *map(str, rendered)]
    done = run(*command)
    if done.returncode != 0:
        raise CheckFailed(f"kubernetes-validate: schema errors (Kubernetes {KUBERNETES_VERSION})\n{done.stdout}")
    kinds = sorted({doc["kind"] for path in rendered for doc in yaml.safe_load_all(path.read_text()) if doc})
    renders = ", ".join(path.stem for path in rendered)
    return f"kubernetes-validate: {renders} valid for Kubernetes {KUBERNETES_VERSION} ({', '.join(kinds)})"


def checkov(rendered: list[Path]) -> str:
    """Scan the Dockerfile and the overlays (the base alone is never deployed: it has no namespace)."""
    scan = RENDERED / "scan"
    shutil.rmtree(scan, ignore_errors=True)
    scan.mkdir()
    shutil.copy(ROOT / "Dockerfile", scan / "Dockerfile")
    for path in rendered:
        if path.stem != "base":
            shutil.copy(path, scan / path.name)
    done = run(
        tool("checkov"), "-d", str(scan), "--framework", "kubernetes", "dockerfile",
        "--output", "json", "--skip-download",
    )  # fmt: skip
    try:
        reports = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise CheckFailed(f"checkov did not run\n{done.stdout[-2000:]}{done.stderr[-2000:]}") from None
    reports = reports if isinstance(reports, list) else [reports]
    if {report.get("check_type") for report in reports} != {"kubernetes", "dockerfile"}:
        raise CheckFailed(f"checkov scanned {[r.get('check_type') for r in reports]}, not the Dockerfile and overlays")
    findings = [
        (failed["check_id"], failed["check_name"], failed["resource"])
        for report in reports
        for failed in report["results"]["failed_checks"]
    ]
    waivers, problems = load_waivers()
    unwaived = [f"{check} {name} ({resource})" for check, name, resource in findings if check not in waivers]
    unused = sorted(set(waivers) - {check for check, _, _ in findings})
    problems += [f"finding: {line}" for line in unwaived]
    problems += [f"waiver {check} matches no finding any more: remove it from {WAIVERS.name}" for check in unused]
    if problems:
        raise CheckFailed("checkov:\n  " + "\n  ".join(problems))
    passed = sum(report["summary"]["passed"] for report in reports)
    return f"checkov: {passed} checks passed, {len(findings)} findings waived ({', '.join(sorted(waivers))})"


def load_waivers() -> tuple[dict[str, str], list[str]]:
    """{check id: reason}, and a problem line for each entry that is not a valid waiver."""
    data = yaml.safe_load(WAIVERS.read_text()) or {}
    waivers, problems = {}, []
    for number, entry in enumerate(data.get("waivers") or [], 1):
        check, reason = (entry or {}).get("check"), str((entry or {}).get("reason") or "").strip()
        if not check or len(reason) < 20:
            problems.append(f"waiver {number} ({check or 'no check id'}) needs a `reason` that says why")
        else:
            waivers[check] = reason
    return waivers, problems


def _dependencies(pyproject: Path) -> set[str]:
    """What the image installs: dependencies, the `postgres` extra and the build backend."""
    import tomllib

    data = tomllib.loads(pyproject.read_text())
    project = data["project"]
    requirements = [
        *project["dependencies"],
        *project.get("optional-dependencies", {}).get("postgres", []),
        *data["build-system"]["requires"],
    ]
    return {_normal(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]) for requirement in requirements}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    """Run every check (one failing does not hide the others); exit 1 if any failed."""
    failures = 0

    def attempt(check: Callable[..., str], *args: Any) -> None:
        nonlocal failures
        try:
            print(check(*args))
        except CheckFailed as error:
            failures += 1
            print(f"FAIL {error}", file=sys.stderr)

    attempt(hadolint)
    attempt(lock_file)
    try:
        rendered = render()
    except CheckFailed as error:
        failures += 1
        print(f"FAIL {error}", file=sys.stderr)
    else:
        attempt(validate, rendered)
        attempt(checkov, rendered)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
