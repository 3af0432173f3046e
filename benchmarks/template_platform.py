"""Import the template's platform package in place, without rendering a project.

The platform's modules use relative imports and read names from their parent
package, so a throwaway package `benchbed` whose `platform` is a symlink to the
template folder is all a benchmark needs to time the real code.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
PLATFORM_DIR = REPO / "templates" / "platform" / "src" / "{{ package_name }}" / "platform"


def import_platform(workdir: Path, *modules: str) -> list[ModuleType]:
    """Import `benchbed.platform.<module>` for each name, with the package built under `workdir`."""
    package = workdir / "benchbed"
    package.mkdir()
    (package / "__init__.py").write_text('ENV_PREFIX = "BENCH_"\nPROJECT_SLUG = "bench"\n')
    (package / "platform").symlink_to(PLATFORM_DIR, target_is_directory=True)
    sys.path.insert(0, str(workdir))
    return [importlib.import_module(f"benchbed.platform.{name}") for name in modules]
