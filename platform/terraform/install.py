"""Installing ``terraform-provider-argus`` where Terraform finds it without a registry: a
filesystem mirror (``<dir>/mirror/registry.argus.local/argus/argus/<version>/<os_arch>/``) and a
CLI configuration (``<dir>/cli.tfrc``) that takes the provider from the mirror and everything
else from wherever it came from before. ``TF_CLI_CONFIG_FILE=<dir>/cli.tfrc`` points Terraform
at it (``argus terraform env`` prints that line). Rerunning changes nothing."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

from argus.platform.terraform.provider import SOURCE, VERSION

ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def default_dir() -> Path:
    """``ARGUS_TERRAFORM_DIR``; in a checkout ``var/terraform``; else under the user's home."""
    if os.environ.get("ARGUS_TERRAFORM_DIR"):
        return Path(os.environ["ARGUS_TERRAFORM_DIR"])
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").exists():
        return root / "var" / "terraform"
    return Path.home() / ".local" / "share" / "argus" / "terraform"


def provider_command() -> Path:
    found = Path(sys.executable).parent / "terraform-provider-argus"
    if found.exists():
        return found
    on_path = shutil.which("terraform-provider-argus")
    if on_path is None:
        raise FileNotFoundError("terraform-provider-argus is not installed (pip install the "
                                "argus distribution)")
    return Path(on_path)


def install(target: Path | None = None) -> Path:
    """Put the provider in the mirror and write the CLI configuration; its path."""
    target = (target or default_dir()).resolve()
    system = platform.system().lower()
    arch = ARCH.get(platform.machine().lower(), platform.machine().lower())
    folder = target / "mirror" / SOURCE / VERSION / f"{system}_{arch}"
    folder.mkdir(parents=True, exist_ok=True)
    executable = folder / f"terraform-provider-argus_v{VERSION}"
    wrapper = f'#!/bin/sh\nexec "{provider_command()}" "$@"\n'
    if not executable.exists() or executable.read_text() != wrapper:
        executable.write_text(wrapper)
        executable.chmod(0o755)
    config = target / "cli.tfrc"
    text = (f'provider_installation {{\n'
            f'  filesystem_mirror {{\n'
            f'    path    = "{target / "mirror"}"\n'
            f'    include = ["{SOURCE}"]\n'
            f'  }}\n'
            f'  direct {{\n'
            f'    exclude = ["{SOURCE}"]\n'
            f'  }}\n'
            f'}}\n')
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
    return config
