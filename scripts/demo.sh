#!/usr/bin/env bash
# make demo: start berthd (if it is not running), make a busybox base image
# offline, run a web server container and show it answering.
set -euo pipefail
cd "$(dirname "$0")/.."
SOCK=/run/berth/berth.sock
export BERTH_HOST=unix://$SOCK
berth=bin/berth

if ! $berth version >/dev/null 2>&1; then
  echo "demo: starting berthd (log: /var/log/berthd.log)"
  mkdir -p /run/berth
  nohup bin/berthd >>/var/log/berthd.log 2>&1 &
  for _ in $(seq 1 100); do $berth version >/dev/null 2>&1 && break; sleep 0.1; done
fi

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step $berth image bootstrap busybox
step $berth images
step $berth run --rm busybox echo hello from a berth container
$berth rm -f demo-web >/dev/null 2>&1 || true
step $berth run -d --name demo-web busybox sh -c 'mkdir -p /www && echo "<h1>served by busybox httpd in berth</h1>" > /www/index.html && exec httpd -f -v -p 8080 -h /www'
sleep 0.5
step $berth ps
step $berth exec demo-web wget -qO- http://127.0.0.1:8080/
step $berth logs demo-web
echo
echo "The same daemon serves the Docker API: DOCKER_HOST=$BERTH_HOST docker ps"
DOCKER_HOST=$BERTH_HOST docker ps
step $berth stop -t 1 demo-web
step $berth rm demo-web
echo
echo "demo: done. berthd keeps running; stop it with: pkill -TERM -f bin/berthd.ts"
