#!/usr/bin/env bash
# Moves controllers owned by the v2 hierarchy of a hybrid cgroup host into
# v1 hierarchies of their own, so that crun accepts the layout. Idempotent;
# a no-op on pure v1 and pure v2 hosts.
set -euo pipefail
unified=/sys/fs/cgroup/unified
[ -f "$unified/cgroup.controllers" ] || exit 0
for c in $(cat "$unified/cgroup.controllers"); do
  dir=/sys/fs/cgroup/$c
  mkdir -p "$dir"
  if ! mountpoint -q "$dir"; then
    mount -t cgroup -o "$c" cgroup "$dir" && echo "cgroups: mounted $c as its own v1 hierarchy"
  fi
done
