#!/usr/bin/env bash
# Builds Licensor.Client with Mono's C# compiler (Debian: apt-get install mono-devel), plus the test program and the
# README's example: build-mono.sh [OUT_DIR] (default clients/dotnet/bin). Missing XML doc comments fail the build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/bin}"
mkdir -p "$out"
mcs -target:library -optimize+ -warn:4 -warnaserror+ -nologo \
  -out:"$out/Licensor.Client.dll" -doc:"$out/Licensor.Client.xml" \
  -r:System.Net.Http.dll -recurse:"$here/src/Licensor.Client/*.cs"
mcs -target:exe -warn:4 -nologo -out:"$out/LicensorClientTests.exe" \
  -r:"$out/Licensor.Client.dll" -r:System.Net.Http.dll -r:System.Web.Extensions.dll "$here"/tests/*.cs
mcs -target:exe -warn:4 -nologo -out:"$out/Quickstart.exe" -r:"$out/Licensor.Client.dll" "$here"/examples/Quickstart/Program.cs
