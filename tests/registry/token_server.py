#!/usr/bin/env python3
"""A small token server for docker-registry's token auth, on loopback, for the tests.

Anonymous callers get pull on every repository except private/*; tduser:tdpass gets pull and push
on everything. Tokens are RS256 JWTs with the signing certificate in x5c, signed with `openssl dgst`.
"""
import argparse
import base64
import json
import os
import subprocess
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

USER, PASSWORD = "tduser", "tdpass"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    def __init__(self, key: str, cert: str, issuer: str):
        self.key, self.issuer = key, issuer
        der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.private_key = None
        try:  # in-process signing when the cryptography package is there; `openssl dgst` otherwise
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import padding
            with open(key, "rb") as f:
                self.private_key = serialization.load_pem_private_key(f.read(), password=None)
            self.sign_args = (padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            self.private_key = None

    def token(self, service: str, subject: str, access: list) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": subject, "aud": service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        if self.private_key is not None:
            sig = self.private_key.sign(signing_input.encode(), *self.sign_args)
        else:
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input.encode(),
                                 check=True, capture_output=True).stdout
        return signing_input + "." + b64url(sig)


def make_handler(signer: Signer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def reply(self, code: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/health":
                return self.reply(200, {"ok": True})
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
            query = parse_qs(url.query)
            user = None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    name, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                except Exception:
                    name, secret = "", ""
                if (name, secret) != (USER, PASSWORD):
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong user name or password"}]})
                user = name
            access = []
            for scope in query.get("scope", []):
                kind, _, rest = scope.partition(":")
                name, _, actions = rest.rpartition(":")
                if kind != "repository" or not name:
                    continue
                wanted = [a for a in actions.split(",") if a]
                granted = wanted if user else [a for a in wanted if a == "pull" and not name.startswith("private/")]
                access.append({"type": "repository", "name": name, "actions": granted})
            token = signer.token(query.get("service", [""])[0], user or "", access)
            self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", default="td-test-issuer")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Signer(args.key, args.cert, args.issuer)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
