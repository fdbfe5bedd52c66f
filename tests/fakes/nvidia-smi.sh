#!/bin/sh
# A fake nvidia-smi for the tests. TD_FAKE_SMI_MODE: ok (default) prints the file named by
# TD_FAKE_SMI_CSV, "fail" exits 9 like a driver that is not loaded, "hang" never answers.
# TD_FAKE_SMI_LOG, when set, gets one line per call so tests can tell whether it ran.
[ -n "$TD_FAKE_SMI_LOG" ] && echo "called $*" >> "$TD_FAKE_SMI_LOG"
case "${TD_FAKE_SMI_MODE:-ok}" in
  hang) sleep 600; exit 0 ;;
  fail) echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."; exit 9 ;;
esac
expected="--query-gpu=driver_version,name,uuid,pci.bus_id,compute_cap,memory.total,mig.mode.current"
[ "$1" = "$expected" ] && [ "$2" = "--format=csv,noheader,nounits" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
cat "$TD_FAKE_SMI_CSV"
