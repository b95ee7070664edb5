"""Settings: read once from ``ARGUS_*`` environment variables into frozen dataclasses.

Nothing reads the environment at import time. ``Settings.from_env()`` is called by the CLI, the
ASGI factory and the worker start-up, and the result is passed down (``Services.settings``, the
arq ``ctx``). Tests build ``Settings`` directly or with ``from_env(overrides)``.

Every default makes the one-machine demo work; a production deployment sets at least
``ARGUS_DB_CLUSTERS``, ``ARGUS_BASE_DOMAIN``, the S3 settings and the secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from argus.platform.core.errors import Invalid

REPO_ROOT = Path(__file__).resolve().parents[2]
_SCHEMA_RE = re.compile(r"^argus_[a-z0-9_]{1,50}$")


@dataclass(frozen=True)
class DatabaseSettings:
    """``clusters``: name → SQLAlchemy URL of a MySQL/MariaDB server (no database in the URL).

    ``ARGUS_DB_CLUSTERS`` is ``name=url[,name=url...]``; the first cluster is the default for
    new tenants unless ``ARGUS_DB_DEFAULT_CLUSTER`` says otherwise, and the control schema lives
    on ``ARGUS_DB_CONTROL_CLUSTER`` (default: the first).
    """

    clusters: Mapping[str, str] = field(
        default_factory=lambda: {"main": "mysql+asyncmy://argus:argus-dev@127.0.0.1:3306"}
    )
    control_cluster: str = "main"
    default_cluster: str = "main"
    control_schema: str = "argus_control"
    pool_size: int = 10
    echo: bool = False

    def __post_init__(self) -> None:
        for name in (self.control_cluster, self.default_cluster):
            if name not in self.clusters:
                raise ValueError(f"database cluster {name!r} is not in ARGUS_DB_CLUSTERS")
        if not _SCHEMA_RE.match(self.control_schema):
            raise ValueError("ARGUS_CONTROL_SCHEMA must match ^argus_[a-z0-9_]+$")


@dataclass(frozen=True)
class RedisSettings:
    url: str = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class StorageSettings:
    """``backend`` is ``local`` (a directory per tenant under ``root``) or ``s3``."""

    backend: str = "local"
    root: Path = REPO_ROOT / "var" / "storage"
    bucket_prefix: str = "argus-t-"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # Storage classes of the WARM and COLD tiers (objects change class in place).
    s3_warm_class: str = "STANDARD_IA"
    s3_cold_class: str = "GLACIER_IR"

    def __post_init__(self) -> None:
        if self.backend not in ("local", "s3"):
            raise ValueError("ARGUS_STORAGE_BACKEND must be 'local' or 's3'")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,20}", self.bucket_prefix):
            raise ValueError("ARGUS_BUCKET_PREFIX must be lowercase letters, digits and '-'")


@dataclass(frozen=True)
class HttpSettings:
    """Host routing.

    Tenants answer on ``<slug>.<base_domain>`` and on their verified custom domains. The provider
    API answers on ``provider_host`` only, unless ``provider_any_host`` is set, in which case it
    answers on every host that is not a tenant's (for deployments that expose it on an internal
    address only).

    Absolute URLs (mail links, downloads, shares) use the tenant's canonical host and the
    public scheme and port below, never the request's Host header (``argus.tenants.urls``):
    ``public_url_template`` (``https://{host}``) wins; else ``public_scheme`` (empty: the
    request's, after a trusted proxy's ``X-Forwarded-Proto``) and ``public_port`` (0: none).
    """

    base_domain: str = "localhost"
    provider_host: str = ""
    provider_any_host: bool = False
    tenant_cache_ttl: float = 60.0
    public_scheme: str = ""
    public_port: int = 0
    public_url_template: str = ""

    def __post_init__(self) -> None:
        if self.public_scheme not in ("", "http", "https"):
            raise ValueError("ARGUS_PUBLIC_SCHEME must be http or https")
        if self.public_url_template and (
                "{host}" not in self.public_url_template
                or not self.public_url_template.startswith(("http://", "https://"))):
            raise ValueError("ARGUS_PUBLIC_URL_TEMPLATE must look like https://{host}[:port]")
        object.__setattr__(self, "base_domain", self.base_domain.lower().strip(".") )
        if not self.provider_host:
            object.__setattr__(self, "provider_host", f"provider.{self.base_domain}")
        object.__setattr__(self, "provider_host", self.provider_host.lower().strip("."))


@dataclass(frozen=True)
class AuthSettings:
    """Tokens, passwords and limits for tenant users and API tokens.

    ``jwt_secrets``: the first signs, every one verifies (rotation: put the new key first and
    keep the old one until the longest access token it signed has expired). No default outside
    the demo: ``create_app`` refuses to start without one.
    """

    jwt_secrets: tuple[str, ...] = ()
    issuer: str = "argus"
    access_ttl: int = 15 * 60
    refresh_ttl: int = 30 * 24 * 3600
    invite_ttl: int = 7 * 24 * 3600
    reset_ttl: int = 3600
    cookie_secure: bool | None = None  # None: Secure when the request came over HTTPS
    trusted_proxies: tuple[str, ...] = ()
    login_ip_threshold: int = 20
    login_account_threshold: int = 5
    login_window: int = 15 * 60
    login_lockout_base: float = 30.0
    login_lockout_max: float = 3600.0
    api_rate_limit: int = 1200
    api_rate_window: int = 60
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    argon2_parallelism: int = 1

    def __post_init__(self) -> None:
        for secret in self.jwt_secrets:
            if len(secret) < 32:
                raise ValueError("each ARGUS_JWT_SECRETS entry must be at least 32 characters")


@dataclass(frozen=True)
class IngestSettings:
    """Where cameras push until ingest nodes are registered (the ingest issue assigns nodes)."""

    rtmp_url: str = "rtmp://127.0.0.1:1935/live"
    # The secure_link secret shared with every node's nginx (``ARGUS_HLS_SECRET``); without it
    # the control plane hands out no playback URLs.
    hls_secret: str = ""
    hls_url_ttl: int = 900
    # Seconds without a publisher before a camera counts as offline: a reconnect inside it is
    # not an outage. 0 marks it offline at once (no general worker needed).
    offline_grace: float = 20.0
    # Node agents: seconds between heartbeats / thumbnails, and the longest pause between
    # attempts to restart an RTSP relay.
    heartbeat_interval: float = 5.0
    thumbnail_interval: float = 60.0
    relay_backoff_max: float = 30.0
    # Pull cameras may point at private, loopback and link-local addresses (on-premises
    # installs only: in a SaaS deployment that lets tenants probe the provider's network).
    rtsp_allow_private: bool = False


@dataclass(frozen=True)
class MailSettings:
    """``transport``: ``log`` (writes each message to the log; dev and tests) or ``smtp``."""

    transport: str = "log"
    sender: str = "Argus <no-reply@localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25


@dataclass(frozen=True)
class DomainSettings:
    """Custom-domain verification.

    ``nameservers``: ``ip`` or ``ip:port`` entries to ask for ``_argus-challenge`` TXT records
    and for the address of the HTTP check (empty: the system's resolver). ``http_port``: where
    the HTTP check connects. Private, loopback and link-local addresses are never fetched unless
    ``allow_private`` (a test or an on-premises install), so the check cannot probe the
    provider's own network.
    """

    nameservers: tuple[str, ...] = ()
    http_port: int = 80
    allow_private: bool = False
    timeout: float = 5.0


@dataclass(frozen=True)
class EventSettings:
    """The events WebSocket: open sockets allowed per user and per tenant (over all replicas;
    one more is closed with code 4429), and how often an open socket's authorisation is
    checked again (sign-out, revoked token, changed role, suspended tenant, allowlist)."""

    max_per_user: int = 10
    max_per_tenant: int = 500
    recheck_interval: float = 2.0


@dataclass(frozen=True)
class MetricsSettings:
    """``/metrics``: who may scrape it (CIDRs; ``ARGUS_METRICS_ALLOW``, comma-separated), how
    many tenants the per-tenant family shows (``ARGUS_METRICS_TENANT_SERIES``; 0: none), and
    where a general worker and a node agent serve their own (``ARGUS_WORKER_METRICS_LISTEN``,
    ``ARGUS_NODE_METRICS_LISTEN``: ``[host:]port``; empty: not served)."""

    allow: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    tenant_series: int = 50
    worker_listen: str = ""
    node_listen: str = ""


@dataclass(frozen=True)
class WebhookSettings:
    """``keys`` (``ARGUS_WEBHOOK_KEYS``): Fernet keys sealing endpoint secrets, the first
    seals; none: the webhook routes answer 503. ``allow_private``
    (``ARGUS_WEBHOOK_ALLOW_PRIVATE``): endpoints may target private, loopback and link-local
    addresses (tests, on-premises installs). ``retry_schedule``
    (``ARGUS_WEBHOOK_RETRY_SCHEDULE``): seconds before each attempt (empty: Svix's).
    ``disable_after`` (``ARGUS_WEBHOOK_DISABLE_AFTER``): seconds of continuous failure before
    an endpoint is disabled; ``timeout`` (``ARGUS_WEBHOOK_TIMEOUT``): per attempt."""

    keys: tuple[str, ...] = ()
    allow_private: bool = False
    retry_schedule: str = ""
    disable_after: float = 5 * 86400.0
    timeout: float = 15.0


@dataclass(frozen=True)
class AlertSettings:
    """Notification channels. ``sms_daily_cap`` (``ARGUS_ALERTS_SMS_DAILY_CAP``): SMS per
    tenant per UTC day, the rest are skipped. SMS go through a Twilio-compatible API:
    ``ARGUS_TWILIO_ACCOUNT_SID``, ``ARGUS_TWILIO_AUTH_TOKEN``, ``ARGUS_TWILIO_FROM`` and
    ``ARGUS_TWILIO_API_BASE`` (another base URL than api.twilio.com: a local fake, a
    compatible provider); without a SID, SMS are skipped. ``provider_emails``
    (``ARGUS_PROVIDER_ALERT_EMAILS``): the provider's ops, told of a node that stops
    heartbeating and of a recording volume under ``disk_free_percent``
    (``ARGUS_PROVIDER_ALERT_DISK_FREE_PERCENT``) free."""

    sms_daily_cap: int = 100
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_api_base: str = ""
    provider_emails: tuple[str, ...] = ()
    disk_free_percent: float = 10.0


@dataclass(frozen=True)
class BillingSettings:
    """Invoices and the export of usage to the provider's billing system.

    ``grace_days`` (``ARGUS_BILLING_GRACE_DAYS``): a finalized invoice is due that many days
    later; unpaid past it, the tenant is suspended. ``reminder_days``
    (``ARGUS_BILLING_REMINDER_DAYS``): the tenant's admins are e-mailed that long before (a
    suspension always follows a reminder). ``sink`` (``ARGUS_BILLING_SINK``): ``none`` or
    ``stripe`` (``ARGUS_STRIPE_API_KEY``, ``ARGUS_STRIPE_API_BASE`` for a local fake)."""

    grace_days: int = 14
    reminder_days: int = 3
    sink: str = "none"
    stripe_api_key: str = ""
    stripe_api_base: str = ""


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    domains: DomainSettings = field(default_factory=DomainSettings)
    events: EventSettings = field(default_factory=EventSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    billing: BillingSettings = field(default_factory=BillingSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    log_json: bool = True
    log_level: str = "info"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``ARGUS_*`` variables (``env`` defaults to ``os.environ``)."""
        env = os.environ if env is None else env

        @overload
        def get(name: str) -> str | None: ...

        @overload
        def get(name: str, default: str) -> str: ...

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(f"ARGUS_{name}")
            return default if value in (None, "") else value

        def flag(name: str, default: bool) -> bool:
            value = get(name)
            return default if value is None else value.lower() in ("1", "true", "yes", "on")

        db_defaults = DatabaseSettings()
        clusters = _parse_clusters(get("DB_CLUSTERS")) or dict(db_defaults.clusters)
        first = next(iter(clusters))
        database = DatabaseSettings(
            clusters=clusters,
            control_cluster=get("DB_CONTROL_CLUSTER", first),
            default_cluster=get("DB_DEFAULT_CLUSTER", first),
            control_schema=get("CONTROL_SCHEMA", db_defaults.control_schema),
            pool_size=int(get("DB_POOL_SIZE", str(db_defaults.pool_size))),
            echo=flag("DB_ECHO", False),
        )
        s_defaults = StorageSettings()
        storage = StorageSettings(
            backend=get("STORAGE_BACKEND", s_defaults.backend),
            root=Path(get("STORAGE_ROOT", str(s_defaults.root))),
            bucket_prefix=get("BUCKET_PREFIX", s_defaults.bucket_prefix),
            s3_endpoint_url=get("S3_ENDPOINT_URL"),
            s3_region=get("S3_REGION", s_defaults.s3_region),
            s3_access_key_id=get("S3_ACCESS_KEY_ID"),
            s3_secret_access_key=get("S3_SECRET_ACCESS_KEY"),
            s3_warm_class=get("S3_WARM_CLASS", s_defaults.s3_warm_class),
            s3_cold_class=get("S3_COLD_CLASS", s_defaults.s3_cold_class),
        )
        http = HttpSettings(
            base_domain=get("BASE_DOMAIN", "localhost"),
            provider_host=get("PROVIDER_HOST", ""),
            provider_any_host=flag("PROVIDER_ANY_HOST", False),
            tenant_cache_ttl=float(get("TENANT_CACHE_TTL", "60")),
            public_scheme=(get("PUBLIC_SCHEME") or "").lower(),
            public_port=int(get("PUBLIC_PORT", "0")),
            public_url_template=get("PUBLIC_URL_TEMPLATE") or "",
        )
        a = AuthSettings()

        def num(name: str, default: float, kind: Callable[[str], float] = int) -> Any:
            raw = get(name)
            try:
                return default if raw is None else kind(raw)
            except ValueError:
                raise ValueError(f"ARGUS_{name} must be a number") from None

        def csv(name: str) -> tuple[str, ...]:
            return tuple(p.strip() for p in (get(name) or "").split(",") if p.strip())

        auth = AuthSettings(
            jwt_secrets=csv("JWT_SECRETS"),
            issuer=get("JWT_ISSUER", a.issuer),
            access_ttl=num("ACCESS_TTL", a.access_ttl),
            refresh_ttl=num("REFRESH_TTL", a.refresh_ttl),
            cookie_secure=None if get("COOKIE_SECURE") is None else flag("COOKIE_SECURE", True),
            trusted_proxies=csv("TRUSTED_PROXIES"),
            login_ip_threshold=num("LOGIN_IP_THRESHOLD", a.login_ip_threshold),
            login_account_threshold=num("LOGIN_ACCOUNT_THRESHOLD", a.login_account_threshold),
            login_window=num("LOGIN_WINDOW", a.login_window),
            login_lockout_base=num("LOGIN_LOCKOUT_BASE", a.login_lockout_base, float),
            login_lockout_max=num("LOGIN_LOCKOUT_MAX", a.login_lockout_max, float),
            api_rate_limit=num("API_RATE_LIMIT", a.api_rate_limit),
            api_rate_window=num("API_RATE_WINDOW", a.api_rate_window),
            argon2_time_cost=num("ARGON2_TIME_COST", a.argon2_time_cost),
            argon2_memory_kib=num("ARGON2_MEMORY_KIB", a.argon2_memory_kib),
        )
        mail = MailSettings(
            transport=get("MAIL_TRANSPORT", "log"),
            sender=get("MAIL_SENDER", MailSettings.sender),
            smtp_host=get("SMTP_HOST", MailSettings.smtp_host),
            smtp_port=num("SMTP_PORT", MailSettings.smtp_port),
        )
        domains = DomainSettings(
            nameservers=csv("DNS_NAMESERVERS"),
            http_port=num("DOMAIN_CHECK_HTTP_PORT", DomainSettings.http_port),
            allow_private=flag("DOMAIN_CHECK_ALLOW_PRIVATE", False),
            timeout=num("DOMAIN_CHECK_TIMEOUT", DomainSettings.timeout, float),
        )
        events = EventSettings(
            max_per_user=num("WS_MAX_PER_USER", EventSettings.max_per_user),
            max_per_tenant=num("WS_MAX_PER_TENANT", EventSettings.max_per_tenant),
            recheck_interval=num("WS_RECHECK_INTERVAL", EventSettings.recheck_interval, float),
        )
        sink = get("BILLING_SINK", BillingSettings.sink)
        if sink not in ("none", "stripe"):
            raise ValueError("ARGUS_BILLING_SINK must be none or stripe")
        billing = BillingSettings(
            grace_days=num("BILLING_GRACE_DAYS", BillingSettings.grace_days),
            reminder_days=num("BILLING_REMINDER_DAYS", BillingSettings.reminder_days),
            sink=sink, stripe_api_key=get("STRIPE_API_KEY", ""),
            stripe_api_base=get("STRIPE_API_BASE", ""))
        schedule = get("WEBHOOK_RETRY_SCHEDULE", "")
        if schedule and not all(p.strip().isdigit() for p in schedule.split(",")):
            raise ValueError("ARGUS_WEBHOOK_RETRY_SCHEDULE is comma-separated whole seconds, "
                             "e.g. 0,5,300")
        webhooks = WebhookSettings(
            keys=csv("WEBHOOK_KEYS"), allow_private=flag("WEBHOOK_ALLOW_PRIVATE", False),
            retry_schedule=schedule,
            disable_after=num("WEBHOOK_DISABLE_AFTER", WebhookSettings.disable_after, float),
            timeout=num("WEBHOOK_TIMEOUT", WebhookSettings.timeout, float))
        alerts = AlertSettings(
            sms_daily_cap=num("ALERTS_SMS_DAILY_CAP", AlertSettings.sms_daily_cap),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN", ""),
            twilio_from=get("TWILIO_FROM", ""), twilio_api_base=get("TWILIO_API_BASE", ""),
            provider_emails=csv("PROVIDER_ALERT_EMAILS"),
            disk_free_percent=num("PROVIDER_ALERT_DISK_FREE_PERCENT",
                                  AlertSettings.disk_free_percent, float))
        return cls(
            events=events,
            billing=billing,
            webhooks=webhooks,
            alerts=alerts,
            metrics=MetricsSettings(
                allow=csv("METRICS_ALLOW") or MetricsSettings.allow,
                tenant_series=num("METRICS_TENANT_SERIES", MetricsSettings.tenant_series),
                worker_listen=get("WORKER_METRICS_LISTEN", ""),
                node_listen=get("NODE_METRICS_LISTEN", "")),
            auth=auth,
            mail=mail,
            domains=domains,
            ingest=IngestSettings(rtmp_url=get("INGEST_RTMP_URL", IngestSettings.rtmp_url),
                                  hls_secret=get("HLS_SECRET", ""),
                                  hls_url_ttl=num("HLS_URL_TTL", IngestSettings.hls_url_ttl),
                                  offline_grace=num("INGEST_OFFLINE_GRACE",
                                                    IngestSettings.offline_grace, float),
                                  heartbeat_interval=num("INGEST_HEARTBEAT_INTERVAL",
                                                         IngestSettings.heartbeat_interval,
                                                         float),
                                  thumbnail_interval=num("INGEST_THUMBNAIL_INTERVAL",
                                                         IngestSettings.thumbnail_interval,
                                                         float),
                                  relay_backoff_max=num("INGEST_RELAY_BACKOFF_MAX",
                                                        IngestSettings.relay_backoff_max,
                                                        float),
                                  rtsp_allow_private=flag("RTSP_ALLOW_PRIVATE", False)),
            database=database,
            redis=RedisSettings(url=get("REDIS_URL", RedisSettings.url)),
            storage=storage,
            http=http,
            # JSON lines for machines; readable lines when a person watches a terminal.
            log_json=flag("LOG_JSON", not _stderr_is_terminal()),
            log_level=get("LOG_LEVEL", "info"),
        )


def _stderr_is_terminal() -> bool:
    try:
        return os.isatty(2)
    except OSError:
        return False


def _parse_clusters(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    clusters: dict[str, str] = {}
    for part in raw.split(","):
        name, sep, url = part.strip().partition("=")
        if not sep or not re.fullmatch(r"[a-z0-9_-]{1,32}", name) or not url:
            raise Invalid("ARGUS_DB_CLUSTERS must be name=url[,name=url...]",
                          field="ARGUS_DB_CLUSTERS")
        clusters[name] = url
    return clusters
