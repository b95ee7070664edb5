"""The permission matrix: the one place that says which role may do what.

Every tenant route names the permission it needs (``opt={"permission": ...}``) or is marked
public; the guard in ``guards.py`` enforces it, and API-token scopes are drawn from the same
names. ``README.md`` prints this table (``argus permissions`` regenerates it).
"""

from __future__ import annotations

ROLES = ("admin", "operator", "viewer", "api_only")

# permission -> roles that hold it
MATRIX: dict[str, frozenset[str]] = {
    "cameras:read": frozenset({"admin", "operator", "viewer", "api_only"}),
    "cameras:write": frozenset({"admin", "operator", "api_only"}),
    "streams:view": frozenset({"admin", "operator", "viewer", "api_only"}),
    "recordings:read": frozenset({"admin", "operator", "viewer", "api_only"}),
    "recordings:write": frozenset({"admin", "operator"}),
    "users:read": frozenset({"admin"}),
    "users:write": frozenset({"admin"}),
    "tokens:own": frozenset({"admin", "operator", "viewer", "api_only"}),
    "tokens:manage": frozenset({"admin"}),
    "settings:read": frozenset({"admin"}),
    "settings:write": frozenset({"admin"}),
    "audit:read": frozenset({"admin"}),
}
PERMISSIONS = tuple(MATRIX)
# Roles that may sign in with a password (api_only acts through API tokens only).
LOGIN_ROLES = frozenset({"admin", "operator", "viewer"})
# Everything a signed-in person may do regardless of role (their own password, their session).
SELF_SERVICE = "self"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    role: frozenset(p for p, roles in MATRIX.items() if role in roles) for role in ROLES
}


def markdown_table() -> str:
    head = "| permission | " + " | ".join(ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [f"| `{p}` | " + " | ".join("yes" if r in roles else "—" for r in ROLES) + " |"
            for p, roles in MATRIX.items()]
    return "\n".join([head, rule, *rows])
