#!/usr/bin/env python3
"""Synthetic fleet for bench/fleet.sh: N `probe --json` snapshots as JSON lines.

  bench/fleet_gen.py N OUT.jsonl [--full]

Each node is drawn (seeded, reproducible) from a mix of real configurations: x86_64 servers and
workstations with 0-8 GPUs from Pascal to Blackwell and drivers from 470 to 580, Jetsons (L4T 32,
35, 36) and GPU-less ARM boards. By default a snapshot holds the sections placement reads (hostname,
cpu, driver, gpus, jetson), as a probe limited to them writes; --full pads each one with the other
sections of a real probe (OS, container tooling, Python, torch, toolkits) to the size of
tests/fixtures' snapshots (about 6 kB).
"""
import json
import random
import sys

GPUS = [("Tesla P100-PCIE-16GB", "0x15f8", "6.0"), ("Tesla V100-SXM2-32GB", "0x1db5", "7.0"), ("Tesla T4", "0x1eb8", "7.5"),
        ("NVIDIA A100-SXM4-80GB", "0x20b2", "8.0"), ("NVIDIA A10", "0x2236", "8.6"), ("NVIDIA GeForce RTX 3090", "0x2204", "8.6"),
        ("NVIDIA L4", "0x27b8", "8.9"), ("NVIDIA GeForce RTX 4090", "0x2684", "8.9"), ("NVIDIA H100 80GB HBM3", "0x2330", "9.0"),
        ("NVIDIA B200", "0x2901", "10.0"), ("NVIDIA GeForce RTX 5090", "0x2b85", "12.0")]
DRIVERS = [("470.256.02", "11.4"), ("525.147.05", "12.0"), ("535.183.01", "12.2"), ("550.54.15", "12.4"), ("560.35.03", "12.6"),
           ("570.86.15", "12.8"), ("575.57.08", "12.9"), ("580.95.05", "13.0")]
JETSONS = [("32.7.4", "5.3", "NVIDIA Jetson Nano"), ("35.4.1", "8.7", "NVIDIA Jetson AGX Orin"), ("36.4.3", "8.7", "NVIDIA Jetson Orin Nano")]


def fact(value, source="bench"):
    return {"value": value, "source": source}


def node(i, rng, full):
    doc = {"schema": "torchdoctor.host/v1", "tool_version": "bench", "root": "/", "hostname": fact("node-%06d" % i)}
    kind = rng.random()
    if kind < 0.08:  # a Jetson
        l4t, cc, name = rng.choice(JETSONS)
        doc["cpu"] = {"arch": fact("aarch64"), "memory_bytes": fact(8 << 30)}
        doc["jetson"] = {"l4t": fact(l4t)}
        doc["gpus"] = fact([{"name": fact(name), "compute_capability": fact(cc), "integrated": fact(True)}])
        doc["driver"] = {"version": fact(None), "cuda_level": fact(None)}
    elif kind < 0.12:  # an ARM board or a CPU-only server
        doc["cpu"] = {"arch": fact(rng.choice(["aarch64", "x86_64"])), "memory_bytes": fact(16 << 30)}
        doc["gpus"] = fact([])
        doc["driver"] = {"version": fact(None), "cuda_level": fact(None)}
    else:
        version, cuda = rng.choice(DRIVERS)
        name, pci, cc = rng.choice(GPUS)
        count = rng.choice([1, 1, 2, 4, 8])
        doc["cpu"] = {"arch": fact("x86_64"), "memory_bytes": fact(rng.choice([64, 256, 1024]) << 30)}
        doc["driver"] = {"version": fact(version), "cuda_level": fact(cuda, "nvml")}
        doc["gpus"] = fact([{"name": fact(name), "pci_device_id": fact(pci), "compute_capability": fact(cc, "nvml"),
                             "pci_bus_id": fact("0000:%02x:00.0" % (g + 1))} for g in range(count)])
    if full:
        doc["os"] = {"id": fact("ubuntu"), "version_id": fact("22.04"), "pretty_name": fact("Ubuntu 22.04.4 LTS"), "kernel": fact("5.15.0-105-generic")}
        doc["pythons"] = fact([{"path": "/usr/bin/python3", "kind": "system", "found_by": ["PATH"], "version": fact("3.10.12")}])
        doc["issues"] = [{"detector": "python", "message": "x" * 3000}]
    return doc


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    full = "--full" in sys.argv[3:]
    rng = random.Random(20261130)
    with open(out, "w") as f:
        for i in range(n):
            f.write(json.dumps(node(i, rng, full), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
