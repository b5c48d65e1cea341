#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only the .NET SDK: ./test.sh [dotnet test options, e.g. --filter …]
# The fast lane, while you work: ./test.sh --fast runs the Unit and Grains tiers only (no PostgreSQL, browser, API
# host or processes of their own), in under two minutes, and installs nothing. Every test class says its tier with
# [Trait("Category", …)]: Unit, Grains (the in-process cluster), Api (the product in process, over HTTP), Database
# (PostgreSQL or the ledger's SQL), Browser (headless Chromium), Cluster (real processes).
#
# It installs what the tests need when it is missing (Debian's packages, with sudo when not root):
#   postgresql  the PostgreSQL tests (schema, provider contracts, host start-up, the multi-process cluster)
#   wrk         the benchmark harness's smoke run
#   iproute2    the silo test on a machine whose only address is loopback (a network namespace)
#   chromium    the console's browser tests: Debian's headless Chromium, driven by Playwright for .NET as the system
#               executable (/usr/bin/chromium); nothing downloads a browser
#   python3-dkim, python3-nacl  a DKIM verifier not written by us (dkimpy, with Ed25519), for the signing tests
#   spamassassin  scores every email the engine sends, with its shipped rules and local tests only (no network)
#   dovecot-imapd the bounce mailbox: the tests start Dovecot on a loopback port with a throwaway mailbox and deliver
#               bounces and abuse reports to it for the engine to read
# then starts Debian's PostgreSQL cluster with a role that may create the tests' databases and roles, exports its connection
# string as RECOVERY_TEST_POSTGRES, and runs dotnet test on the solution. With RECOVERY_TEST_POSTGRES already set,
# that server is used and none is started. The full-disk test mounts a small tmpfs: run as root (CI does) or with
# passwordless sudo.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--fast" ]; then
  shift
  exec dotnet test Orleans.Recovery.sln -m:1 --filter "Category=Unit|Category=Grains" "$@"
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "test.sh: '$*' needs root; run as root or install sudo" >&2; exit 1
  fi
}

missing=()
if [ -z "${RECOVERY_TEST_POSTGRES:-}" ]; then
  { ls /usr/lib/postgresql/*/bin/initdb && command -v pg_ctlcluster; } >/dev/null 2>&1 || missing+=(postgresql)
fi
command -v wrk >/dev/null || missing+=(wrk)
command -v ip >/dev/null || missing+=(iproute2)
[ -n "${RECOVERY_TEST_CHROMIUM:-}" ] || command -v chromium >/dev/null || missing+=(chromium)
/usr/bin/python3 -c 'import dkim, nacl' >/dev/null 2>&1 || missing+=(python3-dkim python3-nacl)
command -v spamassassin >/dev/null || missing+=(spamassassin)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -z "${RECOVERY_TEST_POSTGRES:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  cluster() { pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"'; }
  [ -n "$(cluster)" ] || as_root pg_createcluster "$version" main >/dev/null
  cluster | awk '$4 == "online"' | grep -q . || as_root pg_ctlcluster "$version" main start
  port=$(cluster | awk '{ print $3 }')
  psql_admin() { as_root runuser -u postgres -- psql -p "$port" "$@"; }

  # Debian's default of 100 connections is too few for the cluster test's silo and API processes, each with a pool.
  # The bench counts the statements each event costs with pg_stat_statements, which must be loaded at start.
  if [ "$(psql_admin -tAc 'SHOW max_connections')" -lt 500 ] || ! psql_admin -tAc 'SHOW shared_preload_libraries' | grep -q pg_stat_statements; then
    psql_admin -qc "ALTER SYSTEM SET max_connections = 500" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
    as_root pg_ctlcluster "$version" main restart
  fi
  psql_admin -d template1 -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"

  psql_admin -v ON_ERROR_STOP=1 -q <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'recovery_test') THEN
    CREATE ROLE recovery_test LOGIN CREATEDB PASSWORD 'recovery_test';
  END IF;
  -- The outage tests give the product a role of its own, and lock it out of the server for a few seconds.
  ALTER ROLE recovery_test CREATEROLE;
END $$;
-- The erase tests look for erased bytes in the table files after a CHECKPOINT, as an auditor would.
GRANT pg_checkpoint, pg_read_all_settings TO recovery_test;
SELECT 'CREATE DATABASE recovery_test OWNER recovery_test' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'recovery_test') \gexec
SQL
  export RECOVERY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=recovery_test;Password=recovery_test;Database=recovery_test"
  echo "PostgreSQL $version on port $port; the tests create their databases there."
fi

dotnet --version
status=0
# One test project at a time (-m:1): the browser, cluster and grain suites each time real waits, and on 2 cores,
# running side by side, one starved another's timeouts.
dotnet test Orleans.Recovery.sln -m:1 "$@" || status=$?

# The cluster test's figures (delivered / expected, duplicates, lost, timings), written beside its assembly.
cat tests/Orleans.Recovery.Cluster.Tests/bin/*/net10.0/cluster-figures.txt 2>/dev/null || true
exit $status
