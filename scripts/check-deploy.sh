#!/usr/bin/env bash
# Offline checks of what ships beside the binary (CI runs this after the build):
#   1. systemd-analyze verify on every unit, ExecStart pointed at the built binary (verify needs
#      it to exist), and no warning allowed;
#   2. each kustomize overlay (deploy/kubernetes/overlays/*) rendered by kustomize (built here from
#      its Go module) and decoded strictly into its Kubernetes types, checked for probes,
#      hardening, resources, one shard count, absolute runbook links and a PrometheusRule equal to
#      deploy/prometheus/ticketcache.rules.yml (tools/k8s-validate, and its go test);
#   3. the .deb: `cpack -G DEB` in the build directory, then its files and control fields, lintian
#      (no error or warning; a tag that stays is overridden with its reason in
#      deploy/debian/lintian-overrides, shipped in the package), and — as root,
#      with CI=true or CHECK_DEPLOY_INSTALL_DEB=1 — a real install: `ticketcache config` and
#      `init` from the installed binary, then remove (units disabled, nothing running) and purge
#      (configuration and state gone).
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

echo "== kustomize: render each overlay"
go=$(command -v go || echo /usr/local/go/bin/go)
kustomize_version=v5.8.1
kustomize_dir=${XDG_CACHE_HOME:-$HOME/.cache}/ticketcache/kustomize-$kustomize_version
kustomize=$kustomize_dir/kustomize
if ! "$kustomize" version 2>/dev/null | grep -qx "$kustomize_version"; then
  # A Go module: built from the module proxy (checksums verified against sum.golang.org).
  mkdir -p "$kustomize_dir"
  GOBIN=$kustomize_dir GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version" ||
    fail "go install kustomize $kustomize_version"
fi
mkdir "$work/rendered"
for overlay in deploy/kubernetes/overlays/*/; do
  name=$(basename "$overlay")
  "$kustomize" build "$overlay" >"$work/rendered/$name.yaml" || fail "kustomize build $overlay"
done
ls "$work/rendered"

echo "== the shipped configurations load (ticketcache config), with the manifests' environment"
sed -n '/ticketcache.toml: |/,$p' deploy/kubernetes/base/configmap.yaml | tail -n +2 | sed 's/^    //' \
  >"$work/configmap.toml"
echo secret >"$work/password"
for manifest in "$work"/rendered/*.yaml; do
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

echo "== Kubernetes manifests (tools/k8s-validate): each rendered overlay, the Secret example"
(
  cd tools/k8s-validate
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  "$go" test ./...
  "$go" run . --rules ../../deploy/prometheus/ticketcache.rules.yml "$work"/rendered/*.yaml
  "$go" run . ../../deploy/kubernetes/secret.example.yaml
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
    ./usr/share/doc/ticketcache/operations.md ./usr/share/doc/ticketcache/copyright \
    ./usr/share/doc/ticketcache/changelog.gz ./etc/ticketcache/ticketcache.toml; do
    grep -qx "$path" "$work/files" || fail "$deb lacks $path"
  done
  dpkg-deb -I "$deb" >"$work/info"
  grep -q '^ Package: ticketcache$' "$work/info" || fail "package name"
  for script in postinst prerm postrm conffiles; do
    grep -q " $script " "$work/info" || fail "no $script"
  done
  # dpkg-shlibdeps computed the shared-library dependencies.
  for dependency in libcurl4 libmariadb3 libmongoc-1.0-0 libsqlite3-0 tzdata; do
    grep -q "^ Depends:.*\\b$dependency\\b" "$work/info" || fail "Depends lacks $dependency"
  done
  echo "$(basename "$deb"): $(wc -l <"$work/files") entries"
  sed -n 's/^ Depends: /Depends: /p' "$work/info"

  echo "== .deb: lintian"
  if command -v lintian >/dev/null; then
    # Errors and warnings fail; a tag that must stay is overridden, with the reason as a comment,
    # in deploy/debian/lintian-overrides (installed as /usr/share/lintian/overrides/ticketcache).
    lintian --tag-display-limit 0 --show-overrides "$deb" >"$work/lintian" 2>&1 || true
    cat "$work/lintian"
    if grep -E '^[EW]: ' "$work/lintian" >"$work/lintian-failures"; then
      fail "lintian: $(wc -l <"$work/lintian-failures") error/warning tag(s) (fix or override with a reason)"
    fi
  else
    fail "lintian missing (apt-get install lintian)"
  fi

  if [[ ${CI:-} == true || ${CHECK_DEPLOY_INSTALL_DEB:-} == 1 ]]; then
    echo "== .deb: install, config, init, remove, purge"
    bash scripts/check-deb-install.sh "$deb" || fail "the .deb's install/remove/purge cycle"
  else
    echo "SKIP: .deb install cycle (runs with CI=true or CHECK_DEPLOY_INSTALL_DEB=1, as root: it installs system-wide)"
  fi
fi

if ((failures > 0)); then
  echo "check-deploy: $failures check(s) failed" >&2
  exit 1
fi
echo "check-deploy: systemd units, Kubernetes manifests and .deb valid"
