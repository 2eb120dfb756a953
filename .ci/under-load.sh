#!/usr/bin/env bash
# The load check: run the test suite (`python -m nox -s tests`, the README's command, in this
# checkout) while two busy loops, pinned to cores 0 and 1, keep both cores busy. A test whose
# verdict depends on how fast the machine is at that moment fails here. The busy loops are
# stopped whatever happens (success, failure, Ctrl-C); the script exits with the suite's code.
#
#   .ci/under-load.sh                        # the whole suite
#   .ci/under-load.sh tests/integration -x   # arguments go to pytest
#
# The PostgreSQL tests run when AUTOML_TEST_POSTGRES_URL is set, for example
# `AUTOML_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) .ci/under-load.sh` (as root).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(nproc --all)" -lt 2 ]; then
  echo "under-load.sh: needs at least 2 cores (found $(nproc --all))" >&2
  exit 2
fi

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do
    kill "$pid" 2>/dev/null
  done
  wait "${hogs[@]}" 2>/dev/null
  hogs=()
}
trap stop_hogs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for core in 0 1; do
  taskset -c "$core" sh -c 'while :; do :; done' &
  hogs+=("$!")
done
echo "under-load.sh: busy loops ${hogs[*]} on cores 0 and 1" >&2

started=$(date +%s)
python -m nox -s tests -- "$@"
code=$?
echo "under-load.sh: tests exited $code after $(( $(date +%s) - started )) s beside two busy loops" >&2
exit "$code"
