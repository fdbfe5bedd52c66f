#!/usr/bin/env bash
# Stops the servers start.sh started (by their recorded process ids) and removes their state.
state=${TD_REGISTRY_STATE:-${TMPDIR:-/tmp}/torchdoctor-registry-$(id -u)}
for pid in $(cat "$state/pids" 2>/dev/null); do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; done
rm -rf "$state"
