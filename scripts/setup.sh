#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 host, as root: the Debian packages the engine
# needs, the pinned Node.js and npm dependencies, the host's cgroup layout made
# workable for crun, and the `berth` group that owns the API socket.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(crun runc conmon iproute2 nftables busybox-static catatonit tini
      golang-github-containers-common util-linux procps gcc libc6-dev
      skopeo docker-registry docker-compose python3-docker umoci
      curl openssl zstd socat wrk xfsprogs apache2-utils debootstrap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/node ] || [ package.json -nt node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` honours the lock file; `npm ci` is avoided because npm 11
  # leaves other platforms' optional packages out of the lock and then
  # refuses it as out of sync.
  echo "setup: npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

# The attach relay (native/berth-attach.c): conmon's attach socket is
# SOCK_SEQPACKET, which Node cannot open.
if [ ! -x build/berth-attach ] || [ native/berth-attach.c -nt build/berth-attach ]; then
  echo "setup: building build/berth-attach"
  mkdir -p build
  cc -O2 -Wall -Wextra -o build/berth-attach.tmp native/berth-attach.c
  mv build/berth-attach.tmp build/berth-attach
fi

getent group berth >/dev/null || groupadd --system berth

# crun refuses a hybrid cgroup layout where the v2 hierarchy still owns a
# controller (here often hugetlb). Give each such controller its own v1
# hierarchy, as systemd does on hybrid hosts.
bash scripts/cgroups-fixup.sh
