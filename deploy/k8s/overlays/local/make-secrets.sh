#!/usr/bin/env bash
# Makes the local overlay's Secrets with random values, in secrets/ next to this script (ignored by
# git) or in the directory given. Keeps existing ones: delete the directory to make new ones.
#   deploy/k8s/overlays/local/make-secrets.sh [DIR]
set -euo pipefail
dir="${1:-$(dirname "$0")/secrets}"
if [[ -e "$dir/database.env" ]]; then
  echo "Secrets already in $dir (delete it to make new ones)."
  exit 0
fi
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
mkdir -p "$dir"
umask 077
printf 'username=catalog\npassword=%s\n' "$(random)" > "$dir/database.env"
printf 'access-key=%s\nsecret-key=%s\n' "$(random | cut -c1-20)" "$(random)" > "$dir/storage.env"
printf 'admin-token=%s\n' "$(random)" > "$dir/admin.env"
printf 'credentials-key=%s\n' "$(head -c 32 /dev/urandom | base64)" > "$dir/schedules.env"
simulator_key="$(random)"
# the worker's key for the simulator, and the simulator's key=project list
printf 'SIMULATOR_API_KEY=%s\nSIM_API_KEYS=%s=default\n' "$simulator_key" "$simulator_key" \
  > "$dir/providers.env"
echo "Secrets written to $dir. The admin token: $(cut -d= -f2 "$dir/admin.env")"
