#!/usr/bin/env bash
# Shared set-up for scripts/run and scripts/test: install what is missing, start what is not
# running, create the least-privilege database user, migrate the control schema. Safe to rerun.
# Sourced, not executed: it exports ARGUS_* defaults for the caller.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
mkdir -p "$VAR"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

: "${ARGUS_DB_HOST:=127.0.0.1}"
: "${ARGUS_DB_PORT:=3306}"
: "${ARGUS_DB_USER:=argus}"
: "${ARGUS_DB_PASSWORD:=argus-dev}"   # dev default; production sets ARGUS_DB_CLUSTERS itself
: "${ARGUS_REDIS_PORT:=6379}"
: "${ARGUS_S3_PORT:=9100}"
export ARGUS_DB_CLUSTERS="${ARGUS_DB_CLUSTERS:-main=mysql+asyncmy://$ARGUS_DB_USER:$ARGUS_DB_PASSWORD@$ARGUS_DB_HOST:$ARGUS_DB_PORT}"
export ARGUS_REDIS_URL="${ARGUS_REDIS_URL:-redis://127.0.0.1:$ARGUS_REDIS_PORT/0}"

# --- Debian packages ---------------------------------------------------------------------
APT_PACKAGES=(mariadb-server mariadb-client redis-server nginx libnginx-mod-rtmp ffmpeg
              python3-venv curl
              # a real RTSP camera for the RTSP-pull tests (GStreamer's RTSP server, Debian's python3)
              python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base
              gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
              gstreamer1.0-libav
              # the browser the UI tests drive (Playwright with Debian's Chromium)
              chromium fonts-dejavu-core
              # promtool checks the alert rules and dashboard queries (deploy/prometheus)
              prometheus
              # the container image: deploy/build-image.sh and its test
              podman runc mmdebstrap)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Wait for another apt (a second set-up started at the same time) instead of failing.
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    # Do not let package scripts start services through policy-rc.d-less containers noisily.
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing Debian packages (run as root or: sudo apt-get install ${missing[*]})"
  fi
fi

# --- Python environment --------------------------------------------------------------------
PY="${ARGUS_PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  say "creating .venv with $PY"
  "$PY" -m venv "$ROOT/.venv"
fi
stamp="$ROOT/.venv/.argus-installed"
want="$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python dependencies into .venv"
  if ! "$ROOT/.venv/bin/pip" install -q -e "$ROOT[test]" >"$VAR/pip-install.log" 2>&1; then
    cat "$VAR/pip-install.log" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi

# --- the Terraform provider, in a local mirror (var/terraform; `argus terraform env`) ---------
"$ROOT/.venv/bin/argus" terraform env >/dev/null
if ! command -v terraform >/dev/null 2>&1; then
  say "the terraform CLI is not installed: the Terraform tests (tests/e2e/test_terraform.py) will fail until it is on PATH"
fi

# --- front-end packages (served by the app from /vendor; no CDN at run time) ----------------
WEB="$ROOT/platform/web"
web_want="$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$WEB/node_modules/.argus-installed" 2>/dev/null)" != "$web_want" ]; then
  say "installing front-end packages (npm ci)"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error >"$VAR/npm-install.log" 2>&1) \
    || { cat "$VAR/npm-install.log" >&2; exit 1; }
  echo "$web_want" > "$WEB/node_modules/.argus-installed"
fi

# --- MariaDB -----------------------------------------------------------------------------------
db_up() { mariadb-admin --connect-timeout=2 -h "$ARGUS_DB_HOST" -P "$ARGUS_DB_PORT" -u nobody ping >/dev/null 2>&1 \
          || mariadb-admin --connect-timeout=2 -h "$ARGUS_DB_HOST" -P "$ARGUS_DB_PORT" ping 2>&1 | grep -q "Access denied"; }
if ! db_up; then
  say "starting MariaDB (data in var/mysql)"
  mkdir -p "$VAR/mysql"
  if [ ! -d "$VAR/mysql/data/mysql" ]; then
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$VAR/mysql/data" \
      --auth-root-authentication-method=socket >"$VAR/mysql/install.log" 2>&1 \
      || { cat "$VAR/mysql/install.log" >&2; exit 1; }
  fi
  nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$VAR/mysql/data" \
    --socket="$VAR/mysql/mysqld.sock" --pid-file="$VAR/mysql/mysqld.pid" \
    --bind-address=127.0.0.1 --port="$ARGUS_DB_PORT" --log-error="$VAR/mysql/error.log" \
    >/dev/null 2>&1 &
  for _ in $(seq 1 60); do db_up && break; sleep 0.5; done
  db_up || { say "MariaDB did not start; see var/mysql/error.log"; exit 1; }
fi

# The app user: rights on argus\_% databases only. Root may log in over TCP with no password
# (the project's machines) or only over a Unix socket (a fresh Debian install).
root_sql() {
  mariadb -uroot -h "$ARGUS_DB_HOST" -P "$ARGUS_DB_PORT" -e "$1" 2>/dev/null && return 0
  for sock in "$VAR/mysql/mysqld.sock" /run/mysqld/mysqld.sock; do
    [ -S "$sock" ] || continue
    mariadb -uroot --socket="$sock" -e "$1" 2>/dev/null && return 0
    [ "$(id -u)" != 0 ] && command -v sudo >/dev/null && sudo -n mariadb -uroot --socket="$sock" -e "$1" 2>/dev/null && return 0
  done
  return 1
}
if ! mariadb -u"$ARGUS_DB_USER" -p"$ARGUS_DB_PASSWORD" -h "$ARGUS_DB_HOST" -P "$ARGUS_DB_PORT" \
     -e "SELECT 1" >/dev/null 2>&1; then
  say "creating database user $ARGUS_DB_USER (rights on argus_% databases only)"
  sql=""
  for h in localhost 127.0.0.1; do
    sql+="CREATE USER IF NOT EXISTS '$ARGUS_DB_USER'@'$h' IDENTIFIED BY '$ARGUS_DB_PASSWORD';"
    sql+="ALTER USER '$ARGUS_DB_USER'@'$h' IDENTIFIED BY '$ARGUS_DB_PASSWORD';"
    sql+="GRANT ALL PRIVILEGES ON \`argus\\_%\`.* TO '$ARGUS_DB_USER'@'$h';"
  done
  root_sql "$sql" || { say "cannot log in to MariaDB as root to create the app user"; exit 1; }
fi

# --- Redis ---------------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p "$ARGUS_REDIS_PORT" ping >/dev/null 2>&1; then
  say "starting Redis (data in var/redis)"
  mkdir -p "$VAR/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$ARGUS_REDIS_PORT" --save "" \
    --appendonly no --dir "$VAR/redis" --logfile "$VAR/redis/redis.log" \
    --pidfile "$VAR/redis/redis.pid"
  for _ in $(seq 1 40); do redis-cli -p "$ARGUS_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.25; done
fi

# --- the test S3 endpoint (moto's standalone server) -----------------------------------------
export ARGUS_TEST_S3_ENDPOINT="${ARGUS_TEST_S3_ENDPOINT:-http://127.0.0.1:$ARGUS_S3_PORT}"
if ! curl -fsS -o /dev/null "$ARGUS_TEST_S3_ENDPOINT/moto-api/" 2>/dev/null; then
  say "starting the test S3 endpoint (moto_server on port $ARGUS_S3_PORT)"
  mkdir -p "$VAR/moto"
  nohup "$ROOT/.venv/bin/moto_server" -H 127.0.0.1 -p "$ARGUS_S3_PORT" \
    >"$VAR/moto/moto-$ARGUS_S3_PORT.log" 2>&1 &
  echo $! > "$VAR/moto/moto-$ARGUS_S3_PORT.pid"
  for _ in $(seq 1 60); do curl -fsS -o /dev/null "$ARGUS_TEST_S3_ENDPOINT/moto-api/" 2>/dev/null && break; sleep 0.25; done
fi
