#!/usr/bin/env bash
# Makes sure the services the scale-out tests need are running on this machine: PostgreSQL (with
# PostGIS) on 127.0.0.1:5432 and NATS with JetStream on 127.0.0.1:4222. Idempotent: run it as
# often as you like (CI runs it as root before the tests); it says what it did.
set -euo pipefail

say() { echo "ensure-services: $*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    say "need root for: $*"
    return 1
  fi
}

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]} == 0)); then
    say "installed already: $*"
    return 0
  fi
  say "installing ${missing[*]}"
  if ((apt_updated == 0)); then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- PostgreSQL ----------------------------------------------------------------------------------
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt_install postgresql
fi
pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_version" ]; then
  say "no PostgreSQL cluster under /etc/postgresql"
  exit 1
fi
# PostGIS for that server version (postgresql-15-postgis-3 on Debian 12).
apt_install "postgresql-${pg_version}-postgis-3"

if pg_isready -q -h 127.0.0.1 -p 5432; then
  say "PostgreSQL ${pg_version} is running on 127.0.0.1:5432"
else
  say "starting PostgreSQL ${pg_version} (cluster main)"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start || true
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.5
  done
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    say "PostgreSQL ${pg_version} started"
  else
    say "PostgreSQL did not come up on 127.0.0.1:5432"
    exit 1
  fi
fi

# The tests connect as the invoking OS user to the database "test" (TRUCELINE_TEST_PG overrides);
# both are created once if missing. The test role may create databases: each run makes its own.
pg_user=$(id -un)
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if psql_admin -c 'SELECT 1' >/dev/null 2>&1; then
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '${pg_user}'")" != 1 ]; then
    psql_admin -c "CREATE ROLE \"${pg_user}\" LOGIN SUPERUSER"
    say "created PostgreSQL role ${pg_user}"
  fi
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'test'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE test OWNER \"${pg_user}\""
    say "created database test"
  fi
else
  say "cannot connect as postgres over 127.0.0.1 (no trust auth?); not checking roles"
fi

# --- NATS with JetStream ---------------------------------------------------------------------------
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if [ ! -x /usr/sbin/nats-server ]; then
  apt_install nats-server
fi
if nats_up; then
  say "NATS is listening on 127.0.0.1:4222"
else
  say "starting nats-server with JetStream on 127.0.0.1:4222"
  as_root mkdir -p /var/lib/nats-server
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 40); do
    nats_up && break
    sleep 0.25
  done
  if nats_up; then
    say "NATS started"
  else
    say "NATS did not come up on 127.0.0.1:4222 (see /var/log/nats-server.log)"
    exit 1
  fi
fi
