#!/usr/bin/env bash
# Writes the release into dist/: the portable binaries as tarballs, the two platform wheels,
# a Containerfile that builds an image from the binary alone, and SHA256SUMS over all of it.
#   scripts/release.sh            builds (scripts/build-portable.sh, incremental) and packs
#   TD_RELEASE_NO_BUILD=1 ...     packs the binaries already in build/portable-*/
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

[ -n "${TD_RELEASE_NO_BUILD:-}" ] || scripts/build-portable.sh x86_64 aarch64
version=$(sed -n 's/^project(torchdoctor VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || die "cannot read the version from CMakeLists.txt"
got=$(build/portable-x86_64/torchdoctor --version)
[ "$got" = "torchdoctor $version" ] || die "build/portable-x86_64/torchdoctor --version says '$got', CMakeLists.txt $version"
scripts/check-glibc-floor.sh build/portable-x86_64/torchdoctor build/portable-aarch64/torchdoctor

rm -rf dist && mkdir -p dist
for arch in x86_64 aarch64; do
  name=torchdoctor-$version-linux-$arch
  stage=build/release-stage/$name
  rm -rf "$stage" && mkdir -p "$stage"
  install -m 755 "build/portable-$arch/torchdoctor" "$stage/torchdoctor"
  cp README.md "$stage/"
  # Reproducible: fixed owner, order and times.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C build/release-stage -czf "dist/$name.tar.gz" "$name"
  python3 scripts/build-wheel.py "build/portable-$arch/torchdoctor" "$arch" "$version" dist >/dev/null
done

cat >dist/Containerfile <<CONTAINERFILE
# torchdoctor $version from its release binary alone (no source build):
#   tar xzf torchdoctor-$version-linux-x86_64.tar.gz   (or -aarch64)
#   docker build -f Containerfile --build-arg ARCH=x86_64 -t torchdoctor:$version .
# The binary needs glibc 2.17 or newer; libcurl and CA certificates only for \`image\`.
FROM debian:bookworm-slim
ARG ARCH=x86_64
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
COPY torchdoctor-$version-linux-\${ARCH}/torchdoctor /usr/local/bin/torchdoctor
ENTRYPOINT ["/usr/local/bin/torchdoctor"]
CMD ["doctor"]
CONTAINERFILE

(cd dist && sha256sum -- *.tar.gz *.whl Containerfile >SHA256SUMS)
log "dist/:"
ls -l dist >&2
