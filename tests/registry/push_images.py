#!/usr/bin/env python3
"""Pushes synthetic images (OCI indexes, Docker manifest lists, single manifests, config blobs with
NVIDIA environments) to a registry through the distribution HTTP API, with a push token."""
import argparse
import base64
import gzip
import hashlib
import io
import json
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# Real values: NVIDIA_REQUIRE_CUDA of nvidia/cuda 12.4.1 and 11.8.0 base images (see tests/unit/require_test.cpp).
REQ_12_4 = " ".join(["cuda>=12.4"] + ["brand=%s,driver>=%d,driver<%d" % (b, d, d + 1) for d in (470, 525, 535) for b in
                     ("tesla", "unknown", "nvidia", "nvidiartx", "geforce", "geforcertx", "quadro", "quadrortx", "titan", "titanrtx")])
REQ_11_8 = " ".join(["cuda>=11.8", "brand=tesla,driver>=450,driver<451"] + ["brand=%s,driver>=470,driver<471" % b for b in
                     ("tesla", "unknown", "nvidia", "nvidiartx", "geforce", "geforcertx", "quadro", "quadrortx", "titan", "titanrtx")])


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def empty_layer() -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("etc/td-marker")
        body = b"torchdoctor test image\n"
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return gzip.compress(raw.getvalue(), mtime=0)


class Pusher:
    def __init__(self, registry: str, token_url: str, user: str, password: str):
        self.base = "http://%s/v2" % registry
        self.token_url, self.user, self.password = token_url, user, password
        self.tokens = {}
        self.layer = empty_layer()

    def token(self, name: str) -> str:
        if name not in self.tokens:
            q = urllib.parse.urlencode({"service": "td-test-registry", "scope": "repository:%s:pull,push" % name})
            req = urllib.request.Request(self.token_url + "?" + q)
            req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode())
            with urllib.request.urlopen(req, timeout=10) as r:
                self.tokens[name] = json.load(r)["token"]
        return self.tokens[name]

    def request(self, method: str, url: str, name: str, data=None, ctype=None):
        req = urllib.request.Request(url if url.startswith("http") else self.base + url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token(name))
        if ctype:
            req.add_header("Content-Type", ctype)
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, r.read()

    def blob(self, name: str, data: bytes) -> str:
        d = digest(data)
        try:
            self.request("HEAD", "/%s/blobs/%s" % (name, d), name)
            return d
        except urllib.error.HTTPError:
            pass
        _, headers, _ = self.request("POST", "/%s/blobs/uploads/" % name, name)
        location = urllib.parse.urljoin(self.base + "/", headers["Location"])
        sep = "&" if "?" in location else "?"
        self.request("PUT", location + sep + "digest=" + urllib.parse.quote(d), name, data, "application/octet-stream")
        return d

    def manifest(self, name: str, ref: str, body: bytes, media: str) -> str:
        self.request("PUT", "/%s/manifests/%s" % (name, ref), name, body, media)
        return digest(body)

    def image(self, name: str, arch: str, env: dict, labels=None, variant="", oci=True) -> tuple:
        config = {"architecture": arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
                  "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] +
                             ["%s=%s" % kv for kv in env.items()], "Labels": labels or {}},
                  "rootfs": {"type": "layers", "diff_ids": [digest(gzip.decompress(self.layer))]}}
        if variant:
            config["variant"] = variant
        cfg = json.dumps(config, sort_keys=True).encode()
        cfg_d = self.blob(name, cfg)
        layer_d = self.blob(name, self.layer)
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG, "digest": cfg_d, "size": len(cfg)},
                    "layers": [{"mediaType": OCI_LAYER if oci else DOCKER_LAYER, "digest": layer_d, "size": len(self.layer)}]}
        body = json.dumps(manifest, sort_keys=True).encode()
        d = self.manifest(name, digest(body), body, manifest["mediaType"])
        return d, body, manifest["mediaType"]

    def multi(self, name: str, tags: list, platforms: list, oci=True, attestation=False):
        entries = []
        for arch, variant, env in platforms:
            d, body, media = self.image(name, arch, env, variant=variant, oci=oci)
            plat = {"os": "linux", "architecture": arch}
            if variant:
                plat["variant"] = variant
            entries.append({"mediaType": media, "digest": d, "size": len(body), "platform": plat})
        if attestation:
            d, body, media = self.image(name, "unknown", {})
            entries.append({"mediaType": media, "digest": d, "size": len(body), "platform": {"os": "unknown", "architecture": "unknown"},
                            "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                            "vnd.docker.reference.digest": entries[0]["digest"]}})
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX if oci else DOCKER_LIST, "manifests": entries}
        body = json.dumps(index, sort_keys=True).encode()
        for tag in tags:
            self.manifest(name, tag, body, index["mediaType"])

    def single(self, name: str, tags: list, arch: str, env: dict, labels=None, oci=False):
        _, body, media = self.image(name, arch, env, labels, oci=oci)
        for tag in tags:
            self.manifest(name, tag, body, media)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry", required=True)
    ap.add_argument("--token-url", required=True)
    ap.add_argument("--user", default="tduser")
    ap.add_argument("--password", default="tdpass")
    args = ap.parse_args()
    p = Pusher(args.registry, args.token_url, args.user, args.password)
    cuda124 = {"CUDA_VERSION": "12.4.1", "NVIDIA_REQUIRE_CUDA": REQ_12_4, "NVIDIA_VISIBLE_DEVICES": "all",
               "NVIDIA_DRIVER_CAPABILITIES": "compute,utility"}
    p.multi("td/cuda", ["12.4.1-base-ubuntu22.04", "12.4.0-base-ubuntu22.04"],
            [("amd64", "", dict(cuda124, NVARCH="x86_64")), ("arm64", "", dict(cuda124, NVARCH="sbsa"))])
    p.multi("td/cuda", ["11.8.0-base-ubuntu22.04"],
            [("amd64", "", {"CUDA_VERSION": "11.8.0", "NVIDIA_REQUIRE_CUDA": REQ_11_8}),
             ("arm64", "v8", {"CUDA_VERSION": "11.8.0", "NVIDIA_REQUIRE_CUDA": "cuda>=11.8"})], oci=False)
    p.multi("td/x86only", ["1.0"], [("amd64", "", cuda124)], attestation=True)
    p.single("td/single", ["legacy"], "amd64", {"CUDA_VERSION": "11.8.0"})
    torch_env = {"CUDA_VERSION": "12.1.1", "NVIDIA_REQUIRE_CUDA": "cuda>=12.1", "NV_CUDNN_VERSION": "8.9.0.131",
                 "PYTORCH_VERSION": "2.3.0"}
    p.multi("td/pytorch", ["2.3.0-cuda12.1-cudnn8-runtime", "2.2.2-cuda12.1-cudnn8-runtime", "2.4.0-cuda12.1-cudnn9-runtime"],
            [("amd64", "", torch_env)])
    p.single("td/l4t-pytorch", ["r35.2.1-pth2.0-py3"], "arm64",
             {"CUDA_VERSION": "11.4.315", "NVIDIA_REQUIRE_JETPACK": "csv-mounts=all", "PYTORCH_VERSION": "2.0.0"},
             {"com.nvidia.cudnn.version": "8.6.0.166"}, oci=True)
    p.single("td/disabled", ["1"], "amd64", {"NVIDIA_REQUIRE_CUDA": "cuda>=99.0", "NVIDIA_DISABLE_REQUIRE": "true"})
    p.single("td/typo", ["1"], "amd64", {"CUDA_VERSION": "12.4.1", "NVIDIA_REQUIRE_CUDA": "cuda>=99.0",
                                         "NVIDIA_DISABLE_REQUIRES": "1"})
    p.single("private/secret", ["1"], "amd64", {"CUDA_VERSION": "12.4.1", "NVIDIA_REQUIRE_CUDA": "cuda>=12.4"})
    for i in range(10):  # 50 distinct images for bench/registry.sh
        for t in range(5):
            env = dict(cuda124, BENCH_IMAGE="%d-%d" % (i, t))
            p.multi("bench/img%d" % i, ["t%d" % t], [("amd64", "", env), ("arm64", "", env)])
    print("pushed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the harness
        print("push failed: %s" % e, file=sys.stderr)
        sys.exit(1)
