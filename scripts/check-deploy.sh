#!/usr/bin/env bash
# Offline checks of what ships beside the binary (CI runs this after the build):
#   1. systemd-analyze verify on every unit, ExecStart pointed at the built binary (verify needs
#      it to exist), and no warning allowed;
#   2. the Kubernetes manifests decoded strictly into their Kubernetes types and checked for
#      probes, hardening, resources and one shard count (tools/k8s-validate, and its go test);
#   3. the .deb: `cpack -G DEB` in the build directory, then its files and control fields.
#   scripts/check-deploy.sh [BUILD_DIR]   (default: build; ticketcache must be built there)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-build}")
binary=$build_dir/ticketcache
if [[ ! -x $binary ]]; then
  echo "check-deploy: $binary not built" >&2
  exit 1
fi
failures=0
fail() {
  echo "check-deploy: FAIL: $*" >&2
  failures=$((failures + 1))
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== systemd units (systemd-analyze verify)"
mkdir "$work/units"
cp deploy/systemd/*.service deploy/systemd/*.timer "$work/units/"
sed -i "s|/usr/bin/ticketcache|$binary|g" "$work/units/"*.service
if ! output=$(systemd-analyze verify "$work/units/"* 2>&1) || [[ -n $output ]]; then
  fail "systemd-analyze verify: $output"
fi
run_unit=deploy/systemd/ticketcache-run.service
grep -q '^ExecStart=/usr/bin/ticketcache run' "$run_unit" || fail "$run_unit: ExecStart"
grep -q -- '--metrics-file /var/lib/prometheus/node-exporter/' "$run_unit" ||
  fail "$run_unit: metrics file not in Debian's node-exporter textfile directory"
grep -q '^ReadWritePaths=-/var/lib/prometheus/node-exporter$' "$run_unit" ||
  fail "$run_unit: the textfile directory must be optional (ReadWritePaths=-…)"
grep -q '^UMask=0022$' "$run_unit" || fail "$run_unit: UMask must let node_exporter read the file"

echo "== Dockerfile: its runtime stage installs the package of every library the binary needs"
# (Docker itself cannot run here; this catches a library added to the build but not the image.)
runtime_packages=$(awk '/^FROM /{stage++} stage==2' Dockerfile | tr -s ' \\\n' '\n')
while read -r soname; do
  library=$(ldd "$binary" | awk -v name="$soname" '$1 == name {print $3}')
  package=$(dpkg -S "$library" 2>/dev/null || dpkg -S "$(realpath "$library")" 2>/dev/null || true)
  package=${package%%:*}
  if [[ -z $package ]]; then
    fail "Dockerfile check: no Debian package owns $soname ($library)"
  elif [[ ! " libc6 libgcc-s1 libstdc++6 " =~ " $package " ]] && # in the base image (apt needs them)
    ! grep -qx "$package" <<<"$runtime_packages"; then
    fail "Dockerfile: the runtime stage lacks $package (for $soname)"
  fi
done < <(objdump -p "$binary" | awk '$1 == "NEEDED" {print $2}')

echo "== the shipped configurations load (ticketcache config), with the manifests' environment"
sed -n '/ticketcache.toml: |/,$p' deploy/kubernetes/configmap.yaml | tail -n +2 | sed 's/^    //' \
  >"$work/configmap.toml"
echo secret >"$work/password"
for manifest in deploy/kubernetes/*.yaml; do
  # TICKETCACHE_* variables (name line, then value line); password files point at a temp file.
  mapfile -t variables < <(awk '/- name: TICKETCACHE_/ {name = $3; next}
    name != "" && /value:/ {v = $2; gsub(/"/, "", v); print name "=" v} {name = ""}' "$manifest" |
    sed "s|_PASSWORD_FILE=.*|_PASSWORD_FILE=$work/password|")
  for config in examples/ticketcache.toml "$work/configmap.toml"; do
    if ! output=$(env "${variables[@]}" "$binary" config --config "$config" 2>&1 >/dev/null); then
      fail "$config with the environment of $manifest: $output"
    fi
  done
done

echo "== Kubernetes manifests (tools/k8s-validate)"
go=$(command -v go || echo /usr/local/go/bin/go)
(
  cd tools/k8s-validate
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  "$go" test ./...
  "$go" run . ../../deploy/kubernetes/*.yaml
) || fail "Kubernetes manifests"

echo "== .deb (cpack -G DEB)"
rm -f "$build_dir"/ticketcache_*.deb
(cd "$build_dir" && cpack -G DEB >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  fail "cpack"
}
deb=$(ls "$build_dir"/ticketcache_*.deb 2>/dev/null | head -1)
if [[ -z $deb ]]; then
  fail "no .deb built"
else
  dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
  for path in ./usr/bin/ticketcache ./usr/lib/systemd/system/ticketcache.service \
    ./usr/lib/systemd/system/ticketcache-run.service ./usr/lib/systemd/system/ticketcache-run.timer \
    ./usr/lib/sysusers.d/ticketcache.conf ./usr/share/doc/ticketcache/examples/ticketcache.toml \
    ./usr/share/doc/ticketcache/operations.md; do
    grep -qx "$path" "$work/files" || fail "$deb lacks $path"
  done
  dpkg-deb -I "$deb" >"$work/info"
  grep -q '^ Package: ticketcache$' "$work/info" || fail "package name"
  grep -q ' postinst ' "$work/info" || fail "no postinst"
  # dpkg-shlibdeps computed the shared-library dependencies.
  for dependency in libcurl4 libmariadb3 libmongoc-1.0-0 libsqlite3-0 tzdata; do
    grep -q "^ Depends:.*\\b$dependency\\b" "$work/info" || fail "Depends lacks $dependency"
  done
  echo "$(basename "$deb"): $(wc -l <"$work/files") entries"
  sed -n 's/^ Depends: /Depends: /p' "$work/info"
fi

if ((failures > 0)); then
  echo "check-deploy: $failures check(s) failed" >&2
  exit 1
fi
echo "check-deploy: systemd units, Kubernetes manifests and .deb valid"
