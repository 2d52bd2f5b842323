# Sourced by tools/install.sh and tools/test_compat.sh: mmcv 2.1.0 with its compiled ops, built
# from the PyPI sdist against the torch of a given venv, once per machine and torch version.
#
# PyPI has no mmcv 2.1.0 wheel. The build takes about 13 minutes on 2 cores. Its wheel is kept in
# the project's cache only, under the torch version it was compiled against
# ($CLAMP_MMPOSE_CACHE/wheels/torch-<version>/), never in pip's own cache (--no-cache-dir): pip
# keys that cache by the sdist alone and would hand a wheel compiled against one torch to a venv
# with another.

# cached_mmcv_wheel WHEELS_DIR VENV_PYTHON LOG -> prints the wheel's path (progress on stderr).
cached_mmcv_wheel() {
    local wheels="$1" py="$2" log="$3" wheel build pid progress t0
    mkdir -p "$wheels"
    wheel=$(ls "$wheels"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
    if [[ -n "$wheel" ]]; then
        echo "  reusing the cached mmcv build $wheel" >&2
        echo "$wheel"
        return 0
    fi
    echo "  building mmcv 2.1.0 against $("$py" -c 'import torch; print("torch", torch.__version__)') from the PyPI sdist: about 13 minutes on 2 cores, once per machine" >&2
    build="$(mktemp -d)"
    # torch >= 2.10's headers need C++20 (2.14's do); mmcv's setup.py hard-codes -std=c++17.
    # Older torch (2.1) builds as mmcv expects.
    if "$py" -c 'import sys, torch; sys.exit(tuple(map(int, torch.__version__.split(".")[:2])) < (2, 10))'; then
        cat > "$build/cxx" <<'WRAP'
#!/usr/bin/env bash
args=(); for a in "$@"; do [[ "$a" == -std=c++17 ]] && a=-std=c++20; args+=("$a"); done
exec g++ "${args[@]}"
WRAP
    else
        printf '#!/usr/bin/env bash\nexec g++ "$@"\n' > "$build/cxx"
    fi
    chmod +x "$build/cxx"
    (
        CXX="$build/cxx" MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$py" -m pip wheel -v --no-deps --no-build-isolation --no-cache-dir \
            -w "$build/out" mmcv==2.1.0 >"$log" 2>&1
    ) &
    pid=$!
    t0=$(date +%s)
    # ninja reports "[done/total]" per compiled object: show it every 30 s.
    while kill -0 "$pid" 2>/dev/null; do
        sleep 30
        progress=$(grep -oE '\[[0-9]+/[0-9]+\]' "$log" | tail -n1 || true)
        printf '  mmcv build: %s objects compiled, %ss elapsed\n' "${progress:-[preparing]}" \
            "$(( $(date +%s) - t0 ))" >&2
    done
    if ! wait "$pid"; then
        echo "mmcv build failed; the last lines of $log:" >&2
        tail -n 40 "$log" >&2
        return 1
    fi
    mv "$build"/out/mmcv-2.1.0-*.whl "$wheels/"
    rm -rf "$build"
    ls "$wheels"/mmcv-2.1.0-*.whl | head -n1
}
