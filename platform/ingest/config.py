"""Rendering an ingest node's nginx configuration (Jinja2 template beside this module).

The node's secret and the HLS signing secret end up in the file (nginx's callbacks cannot carry
headers), so it is written with mode 0600. Directories it names are created and must belong
to the ``user`` nginx runs as.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from argus.platform.ingest.signing import hls_kid, secret_list

TEMPLATES = Path(__file__).resolve().parent / "templates"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
_SAFE = re.compile(r"^[A-Za-z0-9_.:/-]+$")


@dataclass(frozen=True)
class NodeConfig:
    node_id: str
    node_secret: str
    hls_secret: str
    control_url: str  # where nginx posts its callbacks, e.g. http://127.0.0.1:8000
    work_dir: Path  # hls/, rec/, log/, tmp/ live under it
    rtmp_listen: str = "1935"
    http_listen: str = "8080"
    # nginx records in pieces of this length; recordings are assembled from them to each
    # camera's chunk length (recordings/assembly.py)
    piece_minutes: int = 1
    # nginx cuts a fragment at the first keyframe after this many seconds, so fragments are
    # as short as the camera's keyframe interval allows: 1 s cameras start faster and play
    # closer to live; 2 s cameras get 2 s fragments either way.
    hls_fragment: int = 1
    hls_playlist_length: int = 12
    rtmp_module: str = RTMP_MODULE


def nginx_user(work_dir: Path) -> str:
    return pwd.getpwuid(work_dir.resolve().stat().st_uid).pw_name


def nginx_group(work_dir: Path) -> str:
    """The directory's group: nginx would otherwise look for a group named like the user
    (there is no group "nobody" on Debian)."""
    return grp.getgrgid(work_dir.resolve().stat().st_gid).gr_name


def local_address(listen: str) -> str:
    """``host:port`` to reach a ``listen`` value from this host (``8080`` → 127.0.0.1:8080)."""
    host, sep, port = listen.rpartition(":")
    if not sep or host in ("", "*", "0.0.0.0", "[::]"):
        return f"127.0.0.1:{port}"
    return listen


def _check(name: str, value: str) -> str:
    if not _SAFE.match(value):
        raise ValueError(f"{name} holds characters nginx's configuration cannot take: {value!r}")
    return value


def render(cfg: NodeConfig) -> str:
    for name in ("node_id", "control_url", "rtmp_listen", "http_listen", "rtmp_module"):
        _check(name, str(getattr(cfg, name)))
    hls_secrets = secret_list(cfg.hls_secret)
    for name, value in [("node_secret", cfg.node_secret),
                        *(("hls_secret", v) for v in hls_secrets or [""])]:
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", value):
            raise ValueError(f"{name} must be 16-128 characters of A-Z a-z 0-9 _ -")
    if not 1 <= cfg.piece_minutes <= 60:
        raise ValueError("piece_minutes must be between 1 and 60")
    if not 1 <= cfg.hls_fragment <= 10:
        raise ValueError("hls_fragment must be between 1 and 10 seconds")
    work_dir = cfg.work_dir.resolve()
    _check("work_dir", str(work_dir))
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    return env.get_template("nginx.conf.j2").render(
        node_id=cfg.node_id,
        user=nginx_user(work_dir),
        group=nginx_group(work_dir),
        work_dir=work_dir,
        rtmp_module=cfg.rtmp_module,
        rtmp_listen=cfg.rtmp_listen,
        rtmp_local=local_address(cfg.rtmp_listen),
        http_listen=cfg.http_listen,
        callback=f"{cfg.control_url.rstrip('/')}/internal/rtmp",
        auth=f"node={quote(cfg.node_id)}&secret={cfg.node_secret}",
        hls_keys=[(hls_kid(secret), secret) for secret in hls_secrets],
        hls_fragment=cfg.hls_fragment,
        hls_playlist_length=cfg.hls_playlist_length,
        piece_minutes=cfg.piece_minutes,
    )


def write(cfg: NodeConfig, path: Path) -> Path:
    """Create the node's directories and write its configuration (mode 0600). Directories
    created here belong to the work directory's owner, the user nginx runs as."""
    owner = cfg.work_dir.stat()
    for sub in ("hls", "rec", "log", "tmp"):
        directory = cfg.work_dir / sub
        if not directory.exists():
            directory.mkdir(parents=True)
            if os.geteuid() == 0:
                os.chown(directory, owner.st_uid, owner.st_gid)
    text = render(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    return path
