"""Container and Kubernetes files: each pattern's fresh generation passes the checks its own CI runs.

The checks are the generated `deploy/check.py` (hadolint, requirements.lock, kustomize render,
kubernetes-validate, checkov), run with the tool versions pinned in the template's
`deploy/tools.txt`, exactly as `make deploy-check` runs them. One project per pattern is rendered
for the whole session; the defect test breaks a copy of one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paved_roads.generate import PATTERNS, TEMPLATE_ROOT, generate
from paved_roads.locks import COMPILE_FLAGS, LOCK, normal, pinned, runtime_requirements
from paved_roads.project_env import uv_binary

pytestmark = pytest.mark.xdist_group("deploy")  # one worker builds the tools and the projects once

TOOLS = TEMPLATE_ROOT / "templates" / "platform" / "deploy" / "tools.txt"


@pytest.fixture(scope="session")
def deploy_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An interpreter with the pinned checkers, as `make deploy-tools` installs them."""
    if not (shutil.which("kubectl") or shutil.which("kustomize")):
        pytest.skip("neither kubectl nor kustomize on PATH: the overlays cannot be rendered here")
    venv = tmp_path_factory.mktemp("deploy-tools") / "venv"
    uv = uv_binary()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), "-r", str(TOOLS)], check=True)
    return python


@pytest.fixture(scope="session")
def fresh_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("deploy-projects")
    return {pattern: generate(root / pattern, data={"pattern": pattern}) for pattern in PATTERNS}


def deploy_check(python: Path, project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "deploy/check.py"], cwd=project, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("pattern", PATTERNS)
def test_fresh_project_passes_hadolint_kubernetes_validate_and_checkov(
    deploy_python: Path, fresh_projects: dict[str, Path], pattern: str
) -> None:
    done = deploy_check(deploy_python, fresh_projects[pattern])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hadolint: Dockerfile clean" in done.stdout
    assert "base, production, staging valid for Kubernetes" in done.stdout
    for kind in ("Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount"):
        assert kind in done.stdout
    assert "findings waived (CKV_K8S_43)" in done.stdout


def test_each_defect_fails_the_check_that_exists_to_stop_it(
    deploy_python: Path, fresh_projects: dict[str, Path], tmp_path: Path
) -> None:
    """Five defects in one copy; every check reports its own, none hides another."""
    project = Path(shutil.copytree(fresh_projects["rag-service"], tmp_path / "broken"))
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    assert "USER 10001:10001\n" in text
    dockerfile.write_text(text.replace("USER 10001:10001\n", "") + "RUN pip install requests\n")
    (project / "requirements.lock").unlink()
    deployment = project / "deploy" / "kubernetes" / "base" / "deployment.yaml"
    text = deployment.read_text()
    assert "readinessProbe:" in text and "allowPrivilegeEscalation: false" in text
    text = text.replace("readinessProbe:", "readinesProbe:")
    deployment.write_text(text.replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"))
    waivers_file = project / "deploy" / "checkov-waivers.yml"
    waivers = yaml.safe_load(waivers_file.read_text())
    waivers["waivers"][0]["reason"] = ""
    waivers["waivers"].append({"check": "CKV_DOCKER_1", "reason": "port 22 for the legacy debugger sidecar"})
    waivers_file.write_text(yaml.safe_dump(waivers))

    done = deploy_check(deploy_python, project)
    report = done.stdout + done.stderr
    assert done.returncode == 1, report
    expected = {
        "hadolint: unpinned pip install": "DL3013",
        "checkov: no USER in the image": "CKV_DOCKER_3",
        "lock: missing": "requirements.lock is missing",
        "kubernetes-validate: unknown field": "'readinesProbe' was unexpected",
        "checkov: privilege escalation": "CKV_K8S_20",
        "waiver without a reason": "waiver 1 (CKV_K8S_43) needs a `reason`",
        "stale waiver": "waiver CKV_DOCKER_1 matches no finding",
    }
    missed = [defect for defect, named in expected.items() if named not in report]
    assert missed == [], report


def test_platform_lock_pins_every_patterns_runtime_dependencies(fresh_projects: dict[str, Path]) -> None:
    """The Dockerfile installs requirements.lock with --require-hashes; `paved-roads lock` refreshes it."""
    locked = pinned(LOCK)
    for pattern, project in fresh_projects.items():
        wanted = {normal(r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip()) for r in
                  runtime_requirements(project / "pyproject.toml")}  # fmt: skip
        assert wanted - locked == set(), f"{pattern}: run `.venv/bin/paved-roads lock`"
        assert (project / "requirements.lock").read_text() == LOCK.read_text()


def test_generated_make_lock_uses_the_same_flags_as_paved_roads_lock(fresh_projects: dict[str, Path]) -> None:
    makefile = (fresh_projects["approval-workflow"] / "Makefile").read_text()
    recipe = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")
    for flag in COMPILE_FLAGS:
        assert flag in recipe, f"`make lock` lacks {flag}"
