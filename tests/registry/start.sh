#!/usr/bin/env bash
# Starts, once, the servers the registry tests talk to, all on loopback:
#   - Debian's docker-registry (installed with apt-get when missing and we are root), with token auth
#     and its config and storage in a temporary state folder (not the system service);
#   - tests/registry/token_server.py, the token server for the bearer flow;
#   - tests/registry/hostile_server.py, a registry that misbehaves on purpose;
# then pushes synthetic images (tests/registry/push_images.py). Prints KEY=VALUE lines for the tests.
# Idempotent: when the servers from an earlier run still answer, it prints their settings again.
# When something is missing it prints SKIP=<reason> and exits 0, so callers can skip with the reason.
# Servers stop by themselves after TD_REGISTRY_LIFETIME seconds (default 3600); stop.sh stops them now.
set -u
here=$(cd "$(dirname "$0")" && pwd)
state=${TD_REGISTRY_STATE:-${TMPDIR:-/tmp}/torchdoctor-registry-$(id -u)}
lifetime=${TD_REGISTRY_LIFETIME:-3600}
mkdir -p "$state" && chmod 700 "$state"
exec 9>"$state/lock"
flock -w 120 9 || { echo "SKIP=another start.sh holds $state/lock"; exit 0; }

skip() { echo "SKIP=$*"; exit 0; }
code_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null; }

alive() {
  [ -f "$state/env" ] || return 1
  # shellcheck disable=SC1091
  . "$state/env"
  for pid in $(cat "$state/pids" 2>/dev/null); do kill -0 "$pid" 2>/dev/null || return 1; done
  [ "$(code_of "http://$TD_REGISTRY/v2/")" = 401 ] && [ "$(code_of "http://$TD_HOSTILE/v2/")" = 200 ] &&
    [ "$(code_of "${TD_TOKEN_URL%/token}/health")" = 200 ]
}

if alive; then cat "$state/env"; exit 0; fi

command -v curl >/dev/null || skip "curl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
registry_bin=$(command -v docker-registry || true)
if [ -z "$registry_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get install -y -q docker-registry || (apt-get update -q && apt-get install -y -q docker-registry)) >"$state/apt.log" 2>&1
  registry_bin=$(command -v docker-registry || true)
fi
[ -n "$registry_bin" ] || skip "Debian's docker-registry is not installed (apt-get install docker-registry)"

# Stop what an earlier, broken run left behind (only our own pids).
for pid in $(cat "$state/pids" 2>/dev/null); do kill "$pid" 2>/dev/null; done
rm -rf "$state/data" "$state/env" "$state/pids"

read -r reg_port token_port hostile_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$state/token.key" -out "$state/token.crt" -days 3 \
  -subj "/CN=torchdoctor-test-token" >"$state/openssl.log" 2>&1 || skip "openssl could not make a signing key"

cat >"$state/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$reg_port
auth:
  token:
    realm: http://127.0.0.1:$token_port/token
    service: td-test-registry
    issuer: td-test-issuer
    rootcertbundle: $state/token.crt
YML

start() {  # start NAME CMD...: in its own session, killed after the lifetime
  local name=$1
  shift
  setsid timeout "$lifetime" "$@" >"$state/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >>"$state/pids"
}
start token python3 "$here/token_server.py" --port "$token_port" --key "$state/token.key" --cert "$state/token.crt"
start registry "$registry_bin" serve "$state/config.yml"
start hostile python3 "$here/hostile_server.py" --port "$hostile_port"

for _ in $(seq 1 100); do
  [ "$(code_of "http://127.0.0.1:$reg_port/v2/")" = 401 ] && [ "$(code_of "http://127.0.0.1:$token_port/health")" = 200 ] &&
    [ "$(code_of "http://127.0.0.1:$hostile_port/v2/")" = 200 ] && break
  sleep 0.1
done
[ "$(code_of "http://127.0.0.1:$reg_port/v2/")" = 401 ] || skip "docker-registry did not start: $(tail -n 1 "$state/registry.log" 2>/dev/null)"
[ "$(code_of "http://127.0.0.1:$token_port/health")" = 200 ] || skip "the token server did not start: $(tail -n 1 "$state/token.log")"
[ "$(code_of "http://127.0.0.1:$hostile_port/v2/")" = 200 ] || skip "the hostile registry did not start: $(tail -n 1 "$state/hostile.log")"

python3 "$here/push_images.py" --registry "127.0.0.1:$reg_port" --token-url "http://127.0.0.1:$token_port/token" \
  >"$state/push.log" 2>&1 || skip "pushing the test images failed: $(tail -n 1 "$state/push.log")"

cat >"$state/env" <<ENV
TD_REGISTRY=127.0.0.1:$reg_port
TD_TOKEN_URL=http://127.0.0.1:$token_port/token
TD_HOSTILE=127.0.0.1:$hostile_port
TD_REGISTRY_USER=tduser
TD_REGISTRY_PASSWORD=tdpass
TD_REGISTRY_STATE=$state
ENV
cat "$state/env"
