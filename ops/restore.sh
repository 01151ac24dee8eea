#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into DATABASE_URL and UPLOAD_FOLDER, after checking the manifest.
# The target database should be new and empty (restoring over a live mall loses what happened since).
#
#   DATABASE_URL=postgresql://user@db/hamkke_restored UPLOAD_FOLDER=/srv/hamkke/uploads \
#     ops/restore.sh /srv/backups/manifest-20261127T020000Z.sha256
set -euo pipefail

manifest="${1:?usage: ops/restore.sh MANIFEST_FILE}"
backup_dir="$(cd "$(dirname "$manifest")" && pwd)"
project_root="$(cd "$(dirname "$0")/.." && pwd)"
upload_folder="${UPLOAD_FOLDER:-$project_root/instance/uploads}"

(cd "$backup_dir" && sha256sum --check --quiet "$(basename "$manifest")")
database_file="$backup_dir/$(awk '$2 ~ /^hamkke-/ {print $2}' "$manifest")"
uploads_file="$backup_dir/$(awk '$2 ~ /^uploads-/ {print $2}' "$manifest")"

case "$database_file" in
  *.dump)
    url="${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to restore into}"
    url="${url/postgresql+psycopg:\/\//postgresql://}"
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$database_file"
    ;;
  *.sqlite3)
    target="${DATABASE_URL:-sqlite:///$project_root/instance/hamkke.db}"
    target="${target#sqlite:///}"
    [ ! -s "$target" ] || { echo "refusing to overwrite $target; move it away first" >&2; exit 2; }
    cp "$database_file" "$target"
    ;;
esac

mkdir -p "$upload_folder"
tar -xzf "$uploads_file" -C "$upload_folder"

# A backup from an older release is brought up to this release's schema.
(cd "$project_root" && flask --app shop db upgrade)
echo "restored $database_file and $uploads_file"
