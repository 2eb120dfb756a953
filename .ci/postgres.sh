#!/usr/bin/env bash
# Install (if needed) and start a PostgreSQL server on 127.0.0.1 for the distributed tests,
# with a role and database `automl` (password `automl`). Idempotent. Prints the URL to use.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  pg_createcluster "$version" main >&2
fi
mkdir -p "/etc/postgresql/$version/main/conf.d"
echo "listen_addresses = '127.0.0.1'" > "/etc/postgresql/$version/main/conf.d/automl.conf"
pg_ctlcluster "$version" main start >&2 || pg_ctlcluster "$version" main status >&2
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -q && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='automl'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE automl LOGIN PASSWORD 'automl'\"" >&2
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='automl'\"" | grep -q 1 \
  || su postgres -c "createdb -O automl automl" >&2
echo "postgresql://automl:automl@127.0.0.1:5432/automl"
