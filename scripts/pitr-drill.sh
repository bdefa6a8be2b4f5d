#!/usr/bin/env bash
# Point-in-time recovery drill with pgBackRest (docs/continuite.md, « Restauration à un instant
# donné ») on a throwaway PostgreSQL cluster — never on the application's:
#   1. a cluster `pitr` created with pg_createcluster on another port, archiving its WAL through
#      pgBackRest into a local repository under a temporary folder;
#   2. stanza-create, check, a full backup, rows written after it, the moment T noted;
#   3. "the accident" after T (a table emptied), then the cluster stopped;
#   4. restore --type=time --target=T, start: the rows written between the backup and T are back,
#      the accident is not; the time the restore took is printed (RTO of this size);
#   5. the cluster and the folder are removed.
# Run as root on a Debian machine with PostgreSQL (postgresql-15) and pgbackrest installed:
#   apt-get install -y --no-install-recommends pgbackrest && scripts/pitr-drill.sh
# Options (environment): PG_VERSION (15), PITR_PORT (5440), PITR_ROWS (100000).
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PORT="${PITR_PORT:-5440}"
ROWS="${PITR_ROWS:-100000}"
CLUSTER=pitr
STANZA=entraide-pitr
WORK="$(mktemp -d /tmp/entraide-pitr-XXXXXX)"
CONF="$WORK/pgbackrest.conf"
DATA="$WORK/data"

command -v pgbackrest >/dev/null || { echo "pgbackrest introuvable : apt-get install -y --no-install-recommends pgbackrest" >&2; exit 1; }
command -v pg_createcluster >/dev/null || { echo "pg_createcluster introuvable (paquet postgresql-common)" >&2; exit 1; }
if pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$PG_VERSION/$CLUSTER"; then
  echo "Un cluster $PG_VERSION/$CLUSTER existe déjà : supprimez-le (pg_dropcluster --stop $PG_VERSION $CLUSTER) ou choisissez un autre nom." >&2
  exit 1
fi

as_pg() { runuser -u postgres -- "$@"; }
psql_pitr() { as_pg psql -X -q -t -A -p "$PORT" -d postgres -c "$1"; }
cleanup() {
  pg_dropcluster --stop "$PG_VERSION" "$CLUSTER" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
took() { echo "$(( ($(now_ms) - $1) ))" | awk '{printf "%.1f s", $1/1000}'; }

mkdir -p "$WORK/log" "$WORK/lock" "$WORK/spool"
chown -R postgres:postgres "$WORK"
cat >"$CONF" <<CONF
[global]
repo1-path=$WORK/repo
repo1-retention-full=2
log-path=$WORK/log
lock-path=$WORK/lock
spool-path=$WORK/spool
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=zst

[$STANZA]
pg1-path=$DATA
pg1-port=$PORT
pg1-socket-path=/var/run/postgresql
CONF
chown postgres:postgres "$CONF"

echo "== cluster $PG_VERSION/$CLUSTER sur le port $PORT, WAL archivés par pgBackRest ($WORK)"
pg_createcluster "$PG_VERSION" "$CLUSTER" --port "$PORT" --datadir "$DATA" >/dev/null
cat >"/etc/postgresql/$PG_VERSION/$CLUSTER/conf.d/pitr.conf" <<PGCONF
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$CONF --stanza=$STANZA archive-push %p'
max_wal_senders = 3
PGCONF
pg_ctlcluster "$PG_VERSION" "$CLUSTER" start

as_pg pgbackrest --config="$CONF" --stanza="$STANZA" stanza-create
as_pg pgbackrest --config="$CONF" --stanza="$STANZA" check

psql_pitr "create table ecritures (id bigserial primary key, libelle text not null, cree_le timestamptz not null default now())"
psql_pitr "insert into ecritures (libelle) select 'avant la sauvegarde ' || g from generate_series(1, $ROWS) g"

echo "base : $(psql_pitr "select pg_size_pretty(pg_database_size('postgres'))"), $ROWS lignes"
start=$(now_ms)
as_pg pgbackrest --config="$CONF" --stanza="$STANZA" --type=full backup
echo "sauvegarde complète : $(took "$start") ; dépôt : $(du -sh "$WORK/repo/backup" | cut -f1)"

psql_pitr "insert into ecritures (libelle) select 'après la sauvegarde ' || g from generate_series(1, 1000) g"
expected=$(psql_pitr "select count(*) from ecritures")
sleep 1
target=$(psql_pitr "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1
# the accident, after T
psql_pitr "delete from ecritures"
psql_pitr "select pg_switch_wal()" >/dev/null
# every WAL segment up to the accident is in the repository before the server stops
as_pg pgbackrest --config="$CONF" --stanza="$STANZA" check
echo "instant visé T = $target ; lignes attendues : $expected ; après l’accident : $(psql_pitr 'select count(*) from ecritures')"
pg_ctlcluster "$PG_VERSION" "$CLUSTER" stop

start=$(now_ms)
as_pg pgbackrest --config="$CONF" --stanza="$STANZA" --delta --type=time "--target=$target" --target-action=promote restore
pg_ctlcluster "$PG_VERSION" "$CLUSTER" start
# wait for the end of recovery (promotion)
for _ in $(seq 1 120); do
  [ "$(psql_pitr 'select pg_is_in_recovery()' 2>/dev/null || echo t)" = "f" ] && break
  sleep 0.5
done
restored=$(psql_pitr "select count(*) from ecritures")
echo "restauration à T (restore + rejeu des WAL + promotion) : $(took "$start")"
echo "lignes restaurées : $restored (attendu : $expected)"
if [ "$restored" != "$expected" ]; then
  echo "ÉCHEC : la restauration à l’instant T ne rend pas les lignes attendues" >&2
  exit 1
fi
echo "RÉUSSI : restauration à un instant donné vérifiée"
