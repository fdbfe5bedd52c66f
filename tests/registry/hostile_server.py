#!/usr/bin/env python3
"""A misbehaving registry on loopback: every repository name is one kind of trouble.

badjson   200 with a body that is not JSON          huge     200 with a body far over the limit (chunked)
hugecl    200 announcing 100 MiB in Content-Length  loop     302 a -> b -> a
deep      an endless chain of 302s                  slow     answers after 30 s
e401      401 without a challenge                   e401b    401 whose token server answers 401
e404      404 MANIFEST_UNKNOWN; tags listed 2 per page with Link headers
e429      429 Retry-After: 1 every time             e429long 429 Retry-After: 3600
e500      500 every time                            flaky    503 twice, then a valid image (cyclic)
baddigest a manifest whose Docker-Content-Digest is wrong
traversal a manifest whose config digest climbs out of the cache ("sha256:../../..//dev/zero")
travindex an index whose entry digest does the same
plain404  a web server's 404 (text/html, no registry error code)
echo      asks for Basic credentials, then answers 403 quoting the Authorization header it got
slowpages 404 MANIFEST_UNKNOWN; its tag list is 50 pages, each answered after 1.5 s
"""
import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG = json.dumps({"architecture": "amd64", "os": "linux",
                     "config": {"Env": ["CUDA_VERSION=12.4.1", "NVIDIA_REQUIRE_CUDA=cuda>=12.4"]}}).encode()
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": CONFIG_DIGEST,
                                  "size": len(CONFIG)}, "layers": []}).encode()
TAGS = ["1.0", "1.1", "2.0", "2.1", "latest"]
# 71 characters, like a real "sha256:<64 hex>", but a path out of the cache folder.
TRAVERSAL = "sha256:" + "../" * 18 + "//dev/zero"
COUNTERS = {}
LOCK = threading.Lock()


def count(key: str) -> int:
    with LOCK:
        COUNTERS[key] = COUNTERS.get(key, 0) + 1
        return COUNTERS[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=None, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, err, msg, headers=None):
        self.send(code, json.dumps({"errors": [{"code": err, "message": msg}]}).encode(), headers)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ("/v2/", "/v2"):
            return self.send(200, b"{}")
        if path == "/token":
            return self.error(401, "UNAUTHORIZED", "no tokens for you")
        parts = path.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.error(404, "NAME_UNKNOWN", "repository name not known to registry")
        name, kind, ref = parts[2], parts[3], parts[4]
        handler = getattr(self, "r_" + name, None)
        if handler is None:
            return self.error(404, "NAME_UNKNOWN", "repository name not known to registry")
        return handler(kind, ref)

    def r_badjson(self, kind, ref):
        self.send(200, b"{not json at all", ctype="application/vnd.oci.image.index.v1+json")

    def r_huge(self, kind, ref):
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(160):  # 10 MiB
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def r_hugecl(self, kind, ref):
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        self.send_header("Content-Length", str(100 << 20))
        self.end_headers()
        try:
            self.wfile.write(b" " * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def r_loop(self, kind, ref):
        self.send(302, headers={"Location": "/v2/loop/manifests/" + ("b" if ref != "b" else "a")})

    def r_deep(self, kind, ref):
        n = int(ref) if ref.isdigit() else 0
        self.send(302, headers={"Location": "/v2/deep/manifests/%d" % (n + 1)})

    def r_slow(self, kind, ref):
        time.sleep(30)
        self.send(200, MANIFEST)

    def r_e401(self, kind, ref):
        self.error(401, "UNAUTHORIZED", "authentication required")

    def r_e401b(self, kind, ref):
        host = self.headers.get("Host")
        self.error(401, "UNAUTHORIZED", "authentication required",
                   {"WWW-Authenticate": 'Bearer realm="http://%s/token",service="hostile"' % host})

    def r_e404(self, kind, ref):
        if kind == "tags":
            query = self.path.partition("?")[2]
            last = dict(p.partition("=")[::2] for p in query.split("&") if p).get("last")
            start = TAGS.index(last) + 1 if last in TAGS else 0
            page = TAGS[start:start + 2]
            headers = {}
            if start + 2 < len(TAGS):
                headers["Link"] = '</v2/e404/tags/list?last=%s&n=2>; rel="next"' % page[-1]
            return self.send(200, json.dumps({"name": "e404", "tags": page}).encode(), headers)
        self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")

    def r_e429(self, kind, ref):
        self.error(429, "TOOMANYREQUESTS", "slow down", {"Retry-After": "1"})

    def r_e429long(self, kind, ref):
        self.error(429, "TOOMANYREQUESTS", "pull rate limit reached", {"Retry-After": "3600"})

    def r_e500(self, kind, ref):
        self.error(500, "UNKNOWN", "internal server error")

    def r_flaky(self, kind, ref):
        if count("flaky/" + kind) % 3 != 0:
            return self.error(503, "UNAVAILABLE", "try again")
        if kind == "blobs":
            return self.send(200, CONFIG, ctype="application/octet-stream")
        self.send(200, MANIFEST, {"Docker-Content-Digest": "sha256:" + hashlib.sha256(MANIFEST).hexdigest()},
                  ctype="application/vnd.oci.image.manifest.v1+json")

    def r_baddigest(self, kind, ref):
        self.send(200, MANIFEST, {"Docker-Content-Digest": "sha256:" + "0" * 64},
                  ctype="application/vnd.oci.image.manifest.v1+json")

    def r_traversal(self, kind, ref):
        body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": TRAVERSAL,
                                      "size": 10}, "layers": []}).encode()
        self.send(200, body, ctype="application/vnd.oci.image.manifest.v1+json")

    def r_travindex(self, kind, ref):
        body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": TRAVERSAL,
                                          "size": 10, "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
        self.send(200, body, ctype="application/vnd.oci.image.index.v1+json")

    def r_plain404(self, kind, ref):
        self.send(404, b"<html><body>Not Found</body></html>", ctype="text/html")

    def r_echo(self, kind, ref):
        auth = self.headers.get("Authorization")
        if not auth:
            return self.error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": 'Basic realm="echo"'})
        self.error(403, "DENIED", "refused the request with Authorization: %s" % auth)

    def r_slowpages(self, kind, ref):
        if kind == "tags":
            time.sleep(1.5)
            query = self.path.partition("?")[2]
            last = dict(p.partition("=")[::2] for p in query.split("&") if p).get("last", "0")
            n = int(last) + 1 if last.isdigit() else 1
            headers = {"Link": '</v2/slowpages/tags/list?last=%d&n=1>; rel="next"' % n} if n < 50 else {}
            return self.send(200, json.dumps({"name": "slowpages", "tags": [str(n)]}).encode(), headers)
        self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
