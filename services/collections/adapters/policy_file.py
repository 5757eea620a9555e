"""Loading the escalation policy file (YAML), validated at start."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from services.collections.domain.policy import Policy


class PolicyFileError(ValueError):
    """The policy file is missing, not YAML, or does not validate."""


def load_policy(path: Path) -> Policy:
    """Read and validate the policy; a bad file stops the service from starting."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyFileError(f"cannot read escalation policy {path}: {exc}") from exc
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyFileError(f"escalation policy {path} is invalid:\n{exc}") from exc
