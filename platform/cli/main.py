"""``argus``: serve, worker, migrate, tenants, plans, billing, provider-keys, terraform,
demo.

The parser names each command's function; its module is imported only when the command runs,
so ``argus --help`` and the quick commands (the Terraform provider calls them often) pay for
what they use, not for the whole platform."""

from __future__ import annotations

import argparse
import asyncio
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="argus", description="Argus control plane")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the control plane under uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--app", default="argus.platform.app:create_app_from_env",
                   help="ASGI app factory (benchmarks mount extra routes this way)")
    p.add_argument("--app-dir", default=None, help="directory added to sys.path for --app")
    p.set_defaults(func="serve", is_async=False)

    p = sub.add_parser("worker", help="run a general arq worker")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.set_defaults(func="worker", is_async=False)

    p = sub.add_parser("migrate", help="upgrade the control schema (and tenant schemas)")
    p.add_argument("--all-tenants", action="store_true", help="also upgrade every tenant schema")
    p.add_argument("--parallel", type=int, default=1, help="processes for tenant migrations")
    p.set_defaults(func="migrate", is_async=True)

    tenants = sub.add_parser("tenants", help="manage tenants").add_subparsers(
        dest="action", required=True)
    p = tenants.add_parser("create", help="create (or finish provisioning) a tenant")
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument("--plan")
    p.add_argument("--domain", action="append", dest="domains",
                   help="a custom domain (repeatable)")
    p.add_argument("--cluster", dest="db_cluster")
    p.set_defaults(func="tenants_create", is_async=True)
    p = tenants.add_parser("list", help="list tenants")
    p.add_argument("--state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func="tenants_list", is_async=True)
    for action, helptext in (("show", "show one tenant as JSON"), ("suspend", "suspend a tenant"),
                             ("resume", "resume a suspended tenant"),
                             ("delete", "delete a tenant, its schema and its bucket")):
        p = tenants.add_parser(action, help=helptext)
        p.add_argument("slug")
        if action == "delete":
            p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        p.set_defaults(func=f"tenants_{action}", is_async=True)

    p = tenants.add_parser("set-plan", help="move a tenant to another plan (at once)")
    p.add_argument("slug")
    p.add_argument("plan")
    p.set_defaults(func="tenants_set_plan", is_async=True)

    plans = sub.add_parser("plans", help="the provider's plans: limits and prices"
                           ).add_subparsers(dest="action", required=True)
    p = plans.add_parser("list", help="list plans")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func="plans_list", is_async=True)
    p = plans.add_parser("show", help="show one plan as JSON")
    p.add_argument("name")
    p.set_defaults(func="plans_show", is_async=True)
    p = plans.add_parser("put", help="create or replace a plan (absent fields: defaults)")
    p.add_argument("name")
    p.add_argument("--file", help="the plan as JSON (the provider API's PUT body; -: stdin)")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help="one field (repeatable): max_cameras=10, abr_allowed=false, "
                        "max_height=null")
    p.set_defaults(func="plans_put", is_async=True)
    p = plans.add_parser("delete", help="delete a plan no tenant is on")
    p.add_argument("name")
    p.set_defaults(func="plans_delete", is_async=True)

    tf = sub.add_parser("terraform", help="the Terraform provider").add_subparsers(
        dest="action", required=True)
    p = tf.add_parser("env", help="install terraform-provider-argus into a local mirror and "
                                  "print the TF_CLI_CONFIG_FILE line for the shell")
    p.add_argument("--dir", help="where the mirror and CLI config go (default: var/terraform "
                                 "in a checkout, ARGUS_TERRAFORM_DIR)")
    p.set_defaults(func="terraform_env", is_async=False)

    billing = sub.add_parser("billing", help="invoices and usage checks"
                             ).add_subparsers(dest="action", required=True)
    p = billing.add_parser("invoices", help="draft (or refresh) every tenant's invoice for a "
                                            "month")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.set_defaults(func="billing_invoices", is_async=True)
    p = billing.add_parser("reconcile", help="recompute the meters from the raw facts and "
                                             "report drift (exit 1 when there is any)")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--tenant", help="one tenant's slug (default: every active tenant)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func="billing_reconcile", is_async=True)

    users = sub.add_parser("users", help="manage a tenant's users").add_subparsers(
        dest="action", required=True)
    p = users.add_parser("create", help="create a user (or invite one when no password)")
    p.add_argument("--tenant", required=True, help="the tenant's slug")
    p.add_argument("--email", required=True)
    p.add_argument("--name")
    p.add_argument("--role", default="admin", choices=["admin", "operator", "viewer",
                                                        "api_only"])
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    p.set_defaults(func="users_create", is_async=True)

    ingest = sub.add_parser("ingest", help="ingest nodes").add_subparsers(dest="action",
                                                                         required=True)
    p = ingest.add_parser("add", help="register a node; prints its secret alone on stdout")
    p.add_argument("--node", required=True, help="the node's id, e.g. ingest-1")
    p.add_argument("--rtmp-url", required=True, help="what cameras publish to (rtmp://host:1935)")
    p.add_argument("--hls-url", required=True, help="where viewers fetch HLS (https://host)")
    p.add_argument("--capacity", type=int, default=200)
    p.set_defaults(func="ingest_add", is_async=True)
    for action, helptext in (
            ("drain", "drain a node: nothing new lands on it, its cameras move to live nodes"),
            ("activate", "make a drained node active again")):
        p = ingest.add_parser(action, help=helptext)
        p.add_argument("--node", required=True)
        p.set_defaults(func="ingest_set_state", state="draining" if action == "drain"
                       else "active", is_async=True)
    for action, helptext in (
            ("render-config", "write the node's nginx configuration"),
            ("run", "run the node: nginx and its agent (registers the node if new)")):
        p = ingest.add_parser(action, help=helptext)
        p.add_argument("--node", required=True)
        if action == "render-config":
            p.add_argument("--out", required=True, help="the file to write")
        p.add_argument("--work-dir", required=True, help="HLS, recordings and logs go under it")
        p.add_argument("--control-url", default="http://127.0.0.1:8000",
                       help="where nginx sends its callbacks")
        p.add_argument("--rtmp-listen", default="1935")
        p.add_argument("--http-listen", default="8080")
        p.add_argument("--piece-minutes", type=int, default=1,
                       help="nginx records in pieces of this length; recordings are joined "
                            "from them to each camera's chunk length")
        p.add_argument("--hls-fragment", type=int, default=1,
                       help="seconds; fragments end on the first keyframe after it")
        if action == "run":
            p.add_argument("--rtmp-url", help="what cameras publish to (default: the listen "
                                              "address)")
            p.add_argument("--hls-url", help="where viewers fetch HLS (default: the listen "
                                             "address)")
            p.add_argument("--capacity", type=int, default=200)
        p.set_defaults(func=f"ingest_{action.replace('-', '_')}", is_async=True)

    keys = sub.add_parser("provider-keys", help="provider API keys").add_subparsers(
        dest="action", required=True)
    p = keys.add_parser("create", help="create a key and print it alone on standard output")
    p.add_argument("--name", default="provider")
    p.set_defaults(func="provider_keys_create", is_async=True)
    p = keys.add_parser("list", help="list keys (prefix, name, created, last used, revoked)")
    p.set_defaults(func="provider_keys_list", is_async=True)
    p = keys.add_parser("revoke", help="revoke a key at once, by its prefix")
    p.add_argument("prefix", help="the 12 hex digits after argus_pk_")
    p.set_defaults(func="provider_keys_revoke", is_async=True)

    p = sub.add_parser("demo", help="set up the demo tenant and serve the platform")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="set up and print, do not serve")
    p.set_defaults(func="demo", is_async=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from argus.platform.cli import commands
    from argus.platform.cli.errors import CliError

    func = getattr(commands, args.func)
    try:
        if args.is_async:
            return asyncio.run(func(args)) or 0
        return func(args) or 0
    except CliError as exc:
        print(f"argus: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
