"""The container image the manifests name, built the way an operator builds it
(deploy/build-image.sh: mmdebstrap's Debian minbase imported with podman, then ``podman build
--pull=never`` of deploy/Containerfile), in a private podman store; the control plane started
from it against the test MariaDB and Redis answers /healthz and /readyz, runs as its non-root
user, and stops cleanly on SIGTERM (tini is PID 1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
TAG = "test"


def memory_cgroup() -> str | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "memory" and path != "/":
            return path
    return None


@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    """``podman`` with a private store and configuration; the image built once."""
    for tool in ("podman", "runc", "mmdebstrap"):
        assert shutil.which(tool), f"{tool} is missing (apt-get install podman runc mmdebstrap)"
    assert os.geteuid() == 0, "building the image needs root (rootful podman, mmdebstrap)"
    home = tmp_path_factory.mktemp("podman")
    (home / "storage.conf").write_text(
        f'[storage]\ndriver = "overlay"\ngraphroot = "{home}/store"\nrunroot = "{home}/run"\n')
    (home / "containers.conf").write_text(
        '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n')
    env = {**os.environ, "CONTAINERS_STORAGE_CONF": str(home / "storage.conf"),
           "CONTAINERS_CONF": str(home / "containers.conf")}
    started = time.monotonic()
    built = subprocess.run(["bash", str(ROOT / "deploy" / "build-image.sh"), TAG], env=env,
                           capture_output=True, text=True, timeout=900)
    errors = [line for line in built.stderr.splitlines()
              if "level=error" in line and "remove" not in line]
    assert built.returncode == 0, "\n".join(errors[-5:]) + built.stderr[-2000:]
    size = int(built.stdout.strip().splitlines()[-1])
    print(f"image localhost/argus:{TAG}: {size / 1e6:.0f} MB, built in "
          f"{time.monotonic() - started:.0f} s")
    nofile = subprocess.run(["sh", "-c", "ulimit -Hn"], capture_output=True, text=True
                            ).stdout.strip()
    run = ["podman", "run", "--rm", "--runtime", "runc", "--ulimit", f"nofile={nofile}:{nofile}",
           "--ulimit", "nproc=4096:4096"]
    if memory_cgroup():
        run += ["--cgroup-parent", f"{memory_cgroup()}/argus-test-{os.getpid()}"]

    def podman_run(*args: str, **kw) -> subprocess.CompletedProcess | subprocess.Popen:
        if kw.pop("background", False):
            return subprocess.Popen([*run, *args], env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        return subprocess.run([*run, *args], env=env, capture_output=True, text=True,
                              timeout=kw.pop("timeout", 120))

    podman_run.env = env
    podman_run.size = size
    yield podman_run
    # The private store's overlay mounts outlive podman; without this pytest cannot remove it.
    subprocess.run(["podman", "system", "reset", "--force"], env=env, capture_output=True,
                   timeout=120)
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()
              if line.split()[1].startswith(str(home))]
    for mount in sorted(mounts, reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True)


def test_the_image_runs_argus_as_its_non_root_user(podman):
    helped = podman(f"localhost/argus:{TAG}", "--help")
    assert helped.returncode == 0 and "usage: argus" in helped.stdout, helped.stderr
    who = podman("--entrypoint", "id", f"localhost/argus:{TAG}")
    assert who.stdout.strip().startswith("uid=10001(argus) gid=10001(argus)"), who.stdout
    tools = podman("--entrypoint", "sh", f"localhost/argus:{TAG}", "-c",
                   "nginx -v 2>&1; test -f /usr/lib/nginx/modules/ngx_rtmp_module.so && "
                   "echo rtmp; ffmpeg -hide_banner -version | head -1")
    assert "nginx version" in tools.stdout and "rtmp" in tools.stdout, tools.stdout
    assert "ffmpeg version" in tools.stdout
    assert podman.size < 1_500_000_000  # recorded in bench/RESULTS.md


def test_the_control_plane_from_the_image_answers_readyz_and_stops_on_sigterm(podman, settings):
    """``argus migrate`` then ``argus serve`` from the image, on the host's network (the test
    MariaDB and Redis listen on loopback), with a control schema of its own."""
    from tests.conftest import _free_port

    port = _free_port()
    name = f"argus-test-cp-{os.getpid()}"
    env = {"ARGUS_DB_CLUSTERS": ",".join(f"{k}={v}" for k, v in
                                         settings.database.clusters.items()),
           "ARGUS_CONTROL_SCHEMA": "argus_test_image_control",
           "ARGUS_REDIS_URL": settings.redis.url,
           "ARGUS_JWT_SECRETS": "image-test-signing-key-0123456789abcdef",
           "ARGUS_HLS_SECRET": "image-test-hls-secret-0123456789",
           "ARGUS_NODE_SECRET": "image-test-node-secret-0123456789",
           "ARGUS_STORAGE_ROOT": "/var/lib/argus/storage"}
    flags = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    image = f"localhost/argus:{TAG}"

    migrated = podman("--network", "host", *flags, image, "migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "argus_test_image_control" in migrated.stdout

    server = podman("--name", name, "--network", "host", *flags, image, "serve",
                    "--host", "127.0.0.1", "--port", str(port), background=True)
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, server.poll()
        assert ready.json() == {"status": "ready",
                                "checks": {"database": "ok", "redis": "ok"}}
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {
            "status": "ok"}
        top = subprocess.run(["podman", "top", name, "user", "args"], env=podman.env,
                             capture_output=True, text=True, timeout=30)
        assert "serve" in top.stdout, top.stdout
        users = {line.split()[0] for line in top.stdout.splitlines()[1:] if line.strip()}
        assert users == {"argus"}, top.stdout  # tini and argus alike
    finally:
        stopped = subprocess.run(["podman", "stop", "--time", "20", name], env=podman.env,
                                 capture_output=True, text=True, timeout=60)
        code = server.wait(60)
    assert stopped.returncode == 0, stopped.stderr
    # SIGTERM reached uvicorn through tini: it shut down and re-raised the signal (143), within
    # the grace period; a SIGKILL after it (137) would mean the signal never arrived.
    assert code == 143, (code, server.stderr.read()[-2000:])
