"""The permission matrix: the one place that says which role may do what.

Every tenant route names the permission it needs (``opt={"permission": ...}``) or is marked
public; the guard in ``guards.py`` enforces it, and API-token scopes are drawn from the same
names. ``README.md`` prints this table (``argus permissions`` regenerates it).
"""

from __future__ import annotations

from argus.platform.core.errors import Invalid

ROLES = ("admin", "operator", "viewer", "api_only")

# permission -> roles that hold it
MATRIX: dict[str, frozenset[str]] = {
    "cameras:read": frozenset({"admin", "operator", "viewer", "api_only"}),
    "cameras:write": frozenset({"admin", "operator", "api_only"}),
    "streams:view": frozenset({"admin", "operator", "viewer", "api_only"}),
    "recordings:read": frozenset({"admin", "operator", "viewer", "api_only"}),
    "recordings:write": frozenset({"admin", "operator"}),
    "clips:export": frozenset({"admin", "operator"}),
    "users:read": frozenset({"admin"}),
    "users:write": frozenset({"admin"}),
    "tokens:own": frozenset({"admin", "operator", "viewer", "api_only"}),
    "tokens:manage": frozenset({"admin"}),
    "settings:read": frozenset({"admin"}),
    "settings:write": frozenset({"admin"}),
    "audit:read": frozenset({"admin"}),
    "billing:read": frozenset({"admin"}),
    "webhooks:manage": frozenset({"admin"}),
    "alerts:manage": frozenset({"admin"}),
    "notifications:own": frozenset({"admin", "operator", "viewer", "api_only"}),
    "analytics:read": frozenset({"admin", "operator"}),
}
PERMISSIONS = tuple(MATRIX)
# Roles that may sign in with a password (api_only acts through API tokens only).
LOGIN_ROLES = frozenset({"admin", "operator", "viewer"})
# Everything a signed-in person may do regardless of role (their own password, their session).
SELF_SERVICE = "self"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    role: frozenset(p for p, roles in MATRIX.items() if role in roles) for role in ROLES
}

# What a tenant may grant beyond the matrix, and to which roles (``/api/v1/settings/role-grants``).
GRANTABLE: dict[str, frozenset[str]] = {
    "clips:export": frozenset({"viewer"}),
}


# Every grant there could be: what an API token's scopes are first cut to (the tenant's actual
# grants narrow it on each request, so withdrawing one takes effect at once).
ALL_GRANTS: tuple[tuple[str, str], ...] = tuple(
    sorted((role, p) for p, roles in GRANTABLE.items() for role in roles))


def role_permissions(role: str, grants: tuple[tuple[str, str], ...] = ()) -> frozenset[str]:
    """What a role may do in a tenant: the matrix plus the tenant's ``(role, permission)``
    grants (only those ``GRANTABLE`` allows count). Unknown roles may do nothing."""
    base = ROLE_PERMISSIONS.get(role, frozenset())
    extra = {p for r, p in grants if r == role and role in GRANTABLE.get(p, ())}
    return base | extra if extra else base


def clean_grants(grants: dict[str, list[str]]) -> dict[str, list[str]]:
    """Grants a tenant asks for, checked against ``GRANTABLE`` (sorted, empty roles dropped);
    anything else is an ``Invalid`` naming ``grants.<role>``."""
    clean: dict[str, list[str]] = {}
    for role, perms in grants.items():
        for permission in perms:
            if role not in GRANTABLE.get(permission, ()):
                offered = ", ".join(f"{p} to {'/'.join(sorted(r))}"
                                    for p, r in GRANTABLE.items())
                raise Invalid(f"{permission!r} cannot be granted to {role!r} "
                              f"(grantable: {offered})", field=f"grants.{role}")
        if perms:
            clean[role] = sorted(set(perms))
    return clean


def markdown_table() -> str:
    def mark(permission: str, role: str) -> str:
        if role in MATRIX[permission]:
            return "yes"
        return "if granted" if role in GRANTABLE.get(permission, ()) else "—"

    head = "| permission | " + " | ".join(ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [f"| `{p}` | " + " | ".join(mark(p, r) for r in ROLES) + " |" for p in MATRIX]
    return "\n".join([head, rule, *rows])
