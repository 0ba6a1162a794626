#!/usr/bin/env bash
# bench/run.sh - build, then measure the demo MCP server side by side:
#   direct          the server alone
#   splice-relay    behind assay-splice-relay (bytes copied, nothing parsed)
#   gateway         behind assay-gateway
#   gateway-audit   behind assay-gateway --audit FILE
#   gateway-rules   behind assay-gateway --deny-tool write_file
# and in each run what profile mode costs a real Node server
# (assay-profile-bench: @modelcontextprotocol/server-filesystem from
# tests/integration/node_modules behind the gateway with and without
# --profile, taking turns; skipped when node or the package is missing),
# then what the sandbox adds to a spawn (assay-sandbox-bench: /bin/true
# bare and in the built-in policy's sandbox, taking turns) and how long the
# policy takes to decide a tools/call (assay-policy-bench),
# and write the figures, the ratios and the targets into docs/benchmarks.md
# (between its "results" markers).  The configurations take turns within
# each run, so drift on the machine hits all of them alike.
#
#   bench/run.sh [--runs N] [--build-dir DIR] [--no-doc] [--scale F]
#   bench/run.sh --quick [--build-dir DIR]     smoke run: small counts, one
#                                              run, figures printed, no doc
#
# Fails only when something does not work (a build error, a wrong or missing
# response, an unclean exit); never because of a timing.
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

quick=0
runs=""
build_dir=build-bench
write_doc=1
scale=""
args=("$@")
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) quick=1 ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
	--no-doc) write_doc=0 ;;
	--scale) scale=${2:?--scale needs a number}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [[ $quick == 1 ]]; then
	runs=${runs:-1}
	write_doc=0
else
	runs=${runs:-5}
fi
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --runs needs a positive number" >&2; exit 2; }

cd "$(dirname "$0")/.."
doc=docs/benchmarks.md

# ---- build -------------------------------------------------------------------
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
	cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt" | head -1; }
build_type=$(cache_get CMAKE_BUILD_TYPE)
sanitize=$(cache_get ASSAY_SANITIZE)
if [[ $build_type != Release && $build_type != RelWithDebInfo ]] || [[ $sanitize == ON ]]; then
	msg="$build_dir is a ${build_type:-default} build${sanitize:+ (ASSAY_SANITIZE=$sanitize)}; figures need Release or RelWithDebInfo without sanitizers"
	if [[ $quick == 1 ]]; then
		echo "bench/run.sh: warning: $msg" >&2
	else
		echo "bench/run.sh: $msg (use --build-dir with another directory)" >&2
		exit 2
	fi
fi
cmake --build "$build_dir" -j"$(nproc)" \
	--target assay-gateway assay-demo-server assay-bench assay-splice-relay \
	assay-sandbox-bench assay-profile-bench assay-policy-bench >/dev/null

bin=$build_dir
bench=$bin/assay-bench
server=$bin/assay-demo-server
work=$(mktemp -d "${TMPDIR:-/tmp}/assay-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
audit=$work/audit.jsonl
results=$work/results.jsonl
profile_results=$work/profile.jsonl
# The npm server of the profile-mode figures (installed by `npm ci` there).
node_modules=tests/integration/node_modules
# The gateway keeps state (tool pins, the audit key) under $XDG_STATE_HOME.
# Every configuration starts from an empty one of the benchmark's own: the
# figures must not depend on what earlier use left there, and a benchmark
# must neither read nor change the user's.
state=$work/state
export XDG_STATE_HOME=$state

labels=(direct splice-relay gateway gateway-audit gateway-rules)
config_cmd() { # label -> the command line, one word per line
	case $1 in
	direct) printf '%s\n' "$server" ;;
	splice-relay) printf '%s\n' "$bin/assay-splice-relay" -- "$server" ;;
	gateway) printf '%s\n' "$bin/assay-gateway" -- "$server" ;;
	gateway-audit) printf '%s\n' "$bin/assay-gateway" --audit "$audit" -- "$server" ;;
	gateway-rules) printf '%s\n' "$bin/assay-gateway" --deny-tool write_file -- "$server" ;;
	esac
}

# ---- machine ---------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
distro=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
[[ -r /etc/debian_version ]] && distro="$distro (debian_version $(cat /etc/debian_version))"
cc=$(cache_get CMAKE_C_COMPILER)
ccver=$("${cc:-cc}" --version 2>/dev/null | head -1 || true)
libuv=$(pkg-config --modversion libuv 2>/dev/null || echo unknown)
jansson=$(pkg-config --modversion jansson 2>/dev/null || echo unknown)
gwver=$("$bin/assay-gateway" --version 2>/dev/null || true)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# CPU accounting, to tell how quiet the machine was: busy and steal time of
# the whole machine (/proc/stat), minus the CPU time of our own children.
hz=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $9}' /proc/stat; }
children_cpu() { # seconds of user+system time of our finished children
	times >"$work/times" # in this shell: a subshell would have no children
	tail -1 "$work/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m");
		sub("s", "", a[2]); t += a[1] * 60 + a[2] } printf "%.2f", t }'
}

# ---- run ---------------------------------------------------------------------------
opts=()
[[ $quick == 1 ]] && opts+=(--quick)
[[ -n $scale ]] && opts+=(--scale "$scale")
failed=0
started=$(date -u '+%Y-%m-%d %H:%M')
read -r busy0 steal0 < <(cpu_busy)
children_cpu >"$work/ours0"
ours0=$(cat "$work/ours0")
t0=$(date +%s.%N)
echo "bench/run.sh: $runs run(s) of ${#labels[@]} configurations${opts[*]:+ (${opts[*]})}" >&2
for ((r = 1; r <= runs; r++)); do
	for label in "${labels[@]}"; do
		mapfile -t cmd < <(config_cmd "$label")
		if ! "$bench" "${opts[@]}" --run "$r" --label "$label" -- "${cmd[@]}" >>"$results"; then
			echo "bench/run.sh: $label (run $r) failed" >&2
			failed=$((failed + 1))
		fi
		rm -rf "$audit" "$state"
	done
	# Profile mode: a real Node server behind the gateway with and without
	# --profile (the two take turns inside assay-profile-bench).
	if ! "$bin/assay-profile-bench" "${opts[@]}" --run "$r" --gateway "$bin/assay-gateway" \
		--node-modules "$node_modules" >>"$profile_results"; then
		echo "bench/run.sh: assay-profile-bench (run $r) failed" >&2
		failed=$((failed + 1))
	fi
done
# What the sandbox adds to the server's spawn (issue target: at most 2 ms).
spawns=300
[[ $quick == 1 ]] && spawns=10
if ! "$bin/assay-sandbox-bench" "$spawns" >"$work/sandbox.txt"; then
	echo "bench/run.sh: assay-sandbox-bench failed" >&2
	failed=$((failed + 1))
fi
[[ $quick == 1 ]] && cat "$work/sandbox.txt" >&2
# The policy's decision per tools/call (issue target: at most 5 us at p50).
decisions=100000
[[ $quick == 1 ]] && decisions=1000
if ! "$bin/assay-policy-bench" "$decisions" >"$work/policy.txt"; then
	echo "bench/run.sh: assay-policy-bench failed" >&2
	failed=$((failed + 1))
fi
[[ $quick == 1 ]] && cat "$work/policy.txt" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
read -r busy1 steal1 < <(cpu_busy)
children_cpu >"$work/ours1"
ours1=$(cat "$work/ours1")
t1=$(date +%s.%N)
quiet=$(awk -v b0="$busy0" -v b1="$busy1" -v s0="$steal0" -v s1="$steal1" -v o0="$ours0" \
	-v o1="$ours1" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v n="$(nproc)" 'BEGIN {
	wall = t1 - t0; other = (b1 - b0) / hz - (o1 - o0); if (other < 0) other = 0
	printf "%.1f s of wall time; the benchmark used %.1f CPU-s, other processes %.1f CPU-s (%.0f%% of the %d CPUs), hypervisor steal %.1f CPU-s",
		wall, o1 - o0, other, 100 * other / (wall * n), n, (s1 - s0) / hz }')

report=$work/report.md
"$bench" --report "$results" >"$report"
profile_report=$work/profile.md
if ! "$bin/assay-profile-bench" --report "$profile_results" >"$profile_report"; then
	echo "Not measured: assay-profile-bench failed in every run." >"$profile_report"
fi
[[ $quick == 1 ]] && cat "$profile_report" >&2

# ---- write up ------------------------------------------------------------------------
section=$work/section.md
{
	echo "Measured $started to $(date -u '+%H:%M') UTC with:"
	echo
	echo '```sh'
	echo "bench/run.sh${args[*]:+ ${args[*]}}"
	echo '```'
	echo
	echo "- machine: $(nproc) CPUs ($cpu), Linux $(uname -r), $distro"
	echo "- build: $build_type, $ccver; libuv $libuv, jansson $jansson; $gwver"
	echo "- load average (1, 5, 15 min): $load_before before, $load_after after"
	echo "- measurement: $quiet"
	echo "- the gateway's state directory (\$XDG_STATE_HOME: tool pins, audit key) is a new, empty one for every configuration"
	echo "- $runs run(s); in each, the configurations take turns:"
	echo
	echo "| label | command measured by \`assay-bench\` |"
	echo "|---|---|"
	for label in "${labels[@]}"; do
		mapfile -t cmd < <(config_cmd "$label")
		line="${cmd[*]}"
		line=${line//$work/\$WORK}
		echo "| $label | \`$line\` |"
	done
	echo
	echo "(\`\$WORK\` is a temporary directory that run.sh removes at the end.)"
	echo
	cat "$report"
	echo
	echo "### Sandbox setup"
	echo
	echo "\`assay-sandbox-bench $spawns\`: fork and exec of \`/bin/true\` (until the exec succeeded, and until it exited), bare and with the built-in"
	echo "policy's sandbox prepared (private tmp, environment, Landlock ruleset, seccomp program) and"
	echo "applied in the child, its tmp removed after; the two take turns."
	echo
	echo '```'
	cat "$work/sandbox.txt"
	echo '```'
	echo
	echo "### Policy decision"
	echo
	echo "\`assay-policy-bench $decisions\` (from the repository's root: the call's path is its README.md): the steps the relay runs"
	echo "for each \`tools/call\` (parse the params, name rules, argument rules with the gateway's path"
	echo "resolver, rate limits) with a policy of 100 tool-name rules and 5 argument rules of 4 matchers;"
	echo "in one policy a single argument rule names the called tool, in the other all five do."
	echo
	echo '```'
	cat "$work/policy.txt"
	echo '```'
	echo
	echo "### Profile mode"
	echo
	cat "$profile_report"
} >"$section"

if [[ $write_doc == 1 ]]; then
	begin='<!-- results:begin (written by bench/run.sh) -->'
	end='<!-- results:end -->'
	if [[ -f $doc ]] && grep -qF "$begin" "$doc" && grep -qF "$end" "$doc"; then
		awk -v b="$begin" -v e="$end" -v f="$section" '
			$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip { print }' "$doc" >"$work/doc.md"
		cat "$work/doc.md" >"$doc"
	else
		{
			[[ -f $doc ]] && cat "$doc" && echo
			echo "$begin"
			cat "$section"
			echo "$end"
		} >"$work/doc.md"
		cat "$work/doc.md" >"$doc"
	fi
	echo "bench/run.sh: results written to $doc" >&2
fi
cat "$section"

if [[ $failed -gt 0 ]]; then
	echo "bench/run.sh: $failed measurement(s) failed; see above" >&2
	exit 1
fi
