"""The rendered nginx-rtmp configuration loads in Debian's nginx and guards HLS with
secure_link: signed paths are served, unsigned, tampered, foreign and expired ones are not."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from argus.platform.ingest.config import NodeConfig, render, write
from argus.platform.ingest.signing import hls_kid, signed_hls_path

# Debian's nginx with libnginx-mod-rtmp is installed by the set-up scripts: no skip here.
assert shutil.which("nginx"), "nginx is missing: run ./scripts/test, which installs it"

HLS_SECRET = "hls-secret-0123456789abcdef"
STREAM = "acme__3f2c9a1e-0000-4000-8000-000000000001"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _nginx(prefix: Path, conf: Path, base: str):
    """nginx on ``conf`` until the block ends; ``base`` answers /healthz when it is up."""
    proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        yield
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _config(tmp_path: Path, **extra) -> NodeConfig:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return NodeConfig(node_id="node-1", node_secret="node-secret-0123456789abcdef",
                      hls_secret=HLS_SECRET, control_url="http://127.0.0.1:8000", work_dir=work,
                      **extra)


def test_rendered_config_passes_nginx_t(tmp_path):
    cfg = _config(tmp_path, rtmp_listen=f"127.0.0.1:{_port()}",
                  http_listen=f"127.0.0.1:{_port()}", piece_minutes=2)
    path = write(cfg, tmp_path / "nginx.conf")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    text = path.read_text()
    assert "worker_processes 1;" in text and "record_interval 2m;" in text
    owner = __import__("pwd").getpwuid(os.stat(cfg.work_dir).st_uid).pw_name
    group = __import__("grp").getgrgid(os.stat(cfg.work_dir).st_gid).gr_name
    assert f"user {owner} {group};" in text
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("bad", [{"node_id": "node 1; evil"}, {"hls_secret": "short"},
                                 {"control_url": "http://x/$(reboot)"}, {"piece_minutes": 0}])
def test_values_that_would_break_the_config_are_refused(tmp_path, bad):
    cfg = _config(tmp_path)
    with pytest.raises(ValueError):
        render(NodeConfig(**{**cfg.__dict__, **bad}))


def test_secure_link_serves_signed_hls_only(tmp_path):
    http_port = _port()
    cfg = _config(tmp_path, rtmp_listen=f"127.0.0.1:{_port()}",
                  http_listen=f"127.0.0.1:{http_port}")
    path = write(cfg, tmp_path / "nginx.conf")
    stream_dir = cfg.work_dir / "hls" / STREAM
    stream_dir.mkdir(parents=True)
    (stream_dir / "index.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\nseg-1.ts\n")
    (stream_dir / "seg-1.ts").write_bytes(b"\x47" * 188)
    base = f"http://127.0.0.1:{http_port}"
    with _nginx(tmp_path, path, base):
        signed = signed_hls_path(HLS_SECRET, STREAM)
        playlist = httpx.get(base + signed)
        assert playlist.status_code == 200 and playlist.text.startswith("#EXTM3U")
        segment = httpx.get(base + signed.rsplit("/", 1)[0] + "/seg-1.ts")  # relative URL
        assert segment.status_code == 200 and len(segment.content) == 188

        token, expires = signed.split("/")[2:4]
        kid, md5 = token.split(".")
        assert kid == hls_kid(HLS_SECRET) and HLS_SECRET not in signed
        other = "acme__3f2c9a1e-0000-4000-8000-000000000002"
        foreign = signed_hls_path("another-secret-0123456789", STREAM)
        cases = {
            "unsigned": f"/s/x/{expires}/{STREAM}/index.m3u8",
            "no kid": f"/s/{md5}/{expires}/{STREAM}/index.m3u8",
            "tampered expiry": f"/s/{token}/{int(expires) + 1}/{STREAM}/index.m3u8",
            "another camera": f"/s/{token}/{expires}/{other}/index.m3u8",
            "foreign secret": foreign,
            "foreign secret, our kid": foreign.replace(foreign.split("/")[2].split(".")[0],
                                                       kid),
            "our token, another kid": signed.replace(kid, "0" * 8),
        }
        for name, url in cases.items():
            assert httpx.get(base + url).status_code == 403, name
        expired = signed_hls_path(HLS_SECRET, STREAM, ttl=-10)
        assert httpx.get(base + expired).status_code == 410
        assert httpx.get(f"{base}/hls/{STREAM}/index.m3u8").status_code == 404


def test_a_node_given_two_hls_secrets_serves_urls_signed_with_either(tmp_path):
    """Rotating ARGUS_HLS_SECRET: nodes get "new,old" first, then the control plane signs with
    the new one; URLs handed out before keep working until they expire."""
    http_port = _port()
    old, new = HLS_SECRET, "next-hls-secret-0123456789abcdef"
    cfg = _config(tmp_path, rtmp_listen=f"127.0.0.1:{_port()}",
                  http_listen=f"127.0.0.1:{http_port}")
    cfg = NodeConfig(**{**cfg.__dict__, "hls_secret": f"{new}, {old}"})
    path = write(cfg, tmp_path / "nginx.conf")
    stream_dir = cfg.work_dir / "hls" / STREAM
    stream_dir.mkdir(parents=True)
    (stream_dir / "index.m3u8").write_text("#EXTM3U\n")
    base = f"http://127.0.0.1:{http_port}"
    with _nginx(tmp_path, path, base):
        for secret in (old, new, f"{new},{old}"):
            assert httpx.get(base + signed_hls_path(secret, STREAM)).status_code == 200, secret
        assert signed_hls_path(f"{new},{old}", STREAM, now=0) == signed_hls_path(new, STREAM,
                                                                                  now=0)
        gone = signed_hls_path("retired-hls-secret-0123456789", STREAM)
        assert httpx.get(base + gone).status_code == 403


def test_cli_registers_a_node_and_renders_its_config(tmp_root, control, tmp_path):
    import sys

    from tests.conftest import new_slug, settings_env

    argus = str(Path(sys.executable).parent / "argus")
    env = {**os.environ, **settings_env(tmp_root)}
    node = new_slug("node")
    added = subprocess.run([argus, "ingest", "add", "--node", node, "--rtmp-url",
                            "rtmp://127.0.0.1:1935", "--hls-url", "http://127.0.0.1:8080"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip()
    out = tmp_path / "node.conf"
    render_args = [argus, "ingest", "render-config", "--node", node, "--out", str(out),
                   "--work-dir", str(tmp_path / "work"), "--rtmp-listen", "127.0.0.1:1",
                   "--http-listen", "127.0.0.1:2"]
    wrong = subprocess.run(render_args, env={**env, "ARGUS_NODE_SECRET": "x" * 43,
                                             "ARGUS_HLS_SECRET": HLS_SECRET},
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and not out.exists()
    ok = subprocess.run(render_args, env={**env, "ARGUS_NODE_SECRET": secret,
                                          "ARGUS_HLS_SECRET": HLS_SECRET},
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert f"secret={secret}" in out.read_text()
    test = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(out)],
                          capture_output=True, text=True)
    assert test.returncode == 0, test.stderr

    # Rotation: started with "new,old", the node proves itself with the old secret and keeps
    # the new one; from then on the old one alone is refused.
    new = "rotated-node-secret-0123456789abcdef"
    rotated = subprocess.run(render_args, env={**env, "ARGUS_NODE_SECRET": f"{new},{secret}",
                                               "ARGUS_HLS_SECRET": HLS_SECRET},
                             capture_output=True, text=True, timeout=60)
    assert rotated.returncode == 0 and "secret rotated" in rotated.stderr, rotated.stderr
    assert f"secret={new}" in out.read_text() and secret not in out.read_text()
    for value, code in ((secret, 2), (new, 0), (f"{new},{secret}", 0)):
        again = subprocess.run(render_args, env={**env, "ARGUS_NODE_SECRET": value,
                                                 "ARGUS_HLS_SECRET": HLS_SECRET},
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == code, (value, again.stderr)
        assert "secret rotated" not in again.stderr
