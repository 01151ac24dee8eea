#!/usr/bin/env bash
# Back up the mall: the database (PostgreSQL custom-format dump, or an SQLite online copy) and the
# uploaded images, with a SHA-256 manifest. Old backups beyond BACKUP_KEEP_DAYS are removed.
#
#   DATABASE_URL=postgresql://user@db/hamkke UPLOAD_FOLDER=/srv/hamkke/uploads ops/backup.sh /srv/backups
#
# Run it from cron (e.g. nightly) and copy the folder off the machine; ops/restore.sh puts it back.
set -euo pipefail

dest="${1:?usage: ops/backup.sh DEST_DIR}"
project_root="$(cd "$(dirname "$0")/.." && pwd)"
upload_folder="${UPLOAD_FOLDER:-$project_root/instance/uploads}"
keep_days="${BACKUP_KEEP_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*|postgresql+psycopg://*)
    url="${DATABASE_URL/postgresql+psycopg:\/\//postgresql://}"
    database_file="$dest/hamkke-$stamp.dump"
    # Custom format: compressed, restorable table by table, and consistent (one snapshot) while the mall runs.
    pg_dump --format=custom --no-owner --no-privileges --file="$database_file" "$url"
    ;;
  ""|sqlite:*)
    source_db="${DATABASE_URL#sqlite:///}"
    [ -n "${DATABASE_URL:-}" ] || source_db="$project_root/instance/hamkke.db"
    database_file="$dest/hamkke-$stamp.sqlite3"
    # .backup copies a consistent snapshot even while the app writes (WAL mode).
    sqlite3 "$source_db" ".backup '$database_file'"
    ;;
  *)
    echo "unsupported DATABASE_URL: $DATABASE_URL" >&2
    exit 2
    ;;
esac

uploads_file="$dest/uploads-$stamp.tar.gz"
if [ -d "$upload_folder" ]; then
  tar -czf "$uploads_file" -C "$upload_folder" .
else
  tar -czf "$uploads_file" --files-from /dev/null
fi

(cd "$dest" && sha256sum "$(basename "$database_file")" "$(basename "$uploads_file")" > "manifest-$stamp.sha256")
find "$dest" -maxdepth 1 -type f \( -name 'hamkke-*' -o -name 'uploads-*' -o -name 'manifest-*' \) \
  -mtime +"$keep_days" -delete

echo "$database_file"
echo "$uploads_file"
