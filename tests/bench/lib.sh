# Shared by the load benchmarks in tests/bench (sourced, not run): temporary files, free ports,
# starting `pwplay serve` / `pwplay debug --listen` and nginx, and one wrk measurement with the
# server's CPU time per request. The caller sets `root`, `pwplay`, `duration`, `connections`,
# `threads` and `bench_name` before sourcing it.

server_cpu=()
client_cpu=()
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 0)
  client_cpu=(taskset -c 1)
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {  # wait_port PORT: until something accepts on 127.0.0.1:PORT (bounded)
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "$bench_name: nothing listens on port $1" >&2
  return 1
}

start_nginx() {  # start_nginx NAME TEMPLATE PORT UPSTREAM_PORT
  sed -e "s|@PORT@|$3|g" -e "s|@UPSTREAM_PORT@|$4|g" -e "s|@DIR@|$tmp|g" \
    "$root/tests/bench/$2" > "$tmp/$1.conf"
  "${server_cpu[@]}" nginx -p "$tmp" -c "$tmp/$1.conf" -e "$tmp/$1.stderr.log" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  wait_port "$3"
}

# start_pwplay NAME BINARY ARGS...: runs `BINARY ARGS... --listen 127.0.0.1:0` (serve, or debug
# with --listen) and waits for its "listening on" line; sets serve_port and serve_pid. stdin
# stays open (a debugger reads commands from it) through a FIFO kept by this shell.
start_pwplay() {
  local log="$tmp/$1.out"
  local binary=$2
  shift 2
  mkfifo "$log.in"
  "${server_cpu[@]}" "$binary" "$@" --listen 127.0.0.1:0 < "$log.in" > "$log" 2> "$log.err" &
  serve_pid=$!
  pids+=("$serve_pid")
  exec {keep_open}> "$log.in"
  serve_port=""
  for _ in $(seq 1 400); do
    serve_port=$(sed -n 's|.*[Ll]istening on \(http://\)\{0,1\}127.0.0.1:\([0-9]*\).*|\2|p' "$log" | head -1)
    [ -n "$serve_port" ] && break
    sleep 0.05
  done
  [ -n "$serve_port" ] || { echo "$bench_name: $binary $* did not start:" >&2; cat "$log.err" >&2; exit 1; }
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# measure LABEL PORT PID: one wrk run (after a short warm-up); appends
# "rps|p50|p99|cpu_us_per_request|errors" to runs[LABEL]. The CPU time is the server process's
# own (user + system) over the run, divided by the requests wrk completed: unlike requests/s it
# does not depend on what else the machine is doing.
declare -A runs
measure() {
  local out="$tmp/wrk.out"
  "${client_cpu[@]}" wrk -t"$threads" -c"$connections" -d1s "http://127.0.0.1:$2/" > /dev/null
  local before after
  before=$(cpu_ticks "$3")
  "${client_cpu[@]}" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$2/" > "$out"
  after=$(cpu_ticks "$3")
  local rps p50 p99 errors cpu requests
  requests=$(awk '/requests in/ {print $1; exit}' "$out")
  cpu=$(awk -v t="$((after - before))" -v hz="$ticks_per_second" -v n="$requests" \
    'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '/Latency Distribution/ {d=1} d && $1=="50%" {print $2; exit}' "$out")
  p99=$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' "$out")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket errors"}' "$out" | paste -sd' ')
  runs[$1]+="$rps|$p50|$p99|$cpu|${errors:-0}"$'\n'
  printf '%-38s %10s req/s  p50 %9s  p99 %9s  server CPU %7s us/request\n' "$1" "$rps" "$p50" "$p99" "$cpu" >&2
}

# median LABEL ROUNDS: "rps|p50|p99|cpu|errors" of the median run by requests/s, with the median
# CPU per request.
median() {
  local row cpu
  row=$(printf '%s' "${runs[$1]}" | sort -t'|' -k1,1g | awk -v n="$2" 'NR == int((n + 1) / 2)')
  cpu=$(printf '%s' "${runs[$1]}" | cut -d'|' -f4 | sort -g | awk -v n="$2" 'NR == int((n + 1) / 2)')
  IFS='|' read -r rps p50 p99 _ errors <<< "$row"
  echo "$rps|$p50|$p99|$cpu|$errors"
}

machine_lines() {
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "date: $(date)"
  echo "wrk: $threads thread(s), $connections connections, ${duration}s per run, median of ${ROUNDS:-3} runs per row; servers pinned: ${server_cpu[*]:-no}"
}
