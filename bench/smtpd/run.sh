#!/bin/sh
# bench/smtpd/run.sh - Tern's smtpd alone: memory for idle connections and messages per second,
# next to real Postfix when a reference instance is given.
#
# Usage: bench/smtpd/run.sh [POSTFIX_CONFIG_DIR POSTFIX_PORT]
# Needs: ./build and test classes (mvn test-compile), python3, smtp-source (postfix).
# Tern runs as tern.smtpd.BenchServer (a discarding cleanup: no queue files), in a JVM capped at
# -Xmx160m; Postfix, if given, runs its whole receive path (smtpd, cleanup, queue files with fsync),
# so the two numbers are not the same work: the Postfix one is the bar for the daemon as a whole.
# Everything started here is stopped at the end. Keep the counts modest on a shared machine.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
java=$("$here/libexec/tern-launch" --java)
py=/usr/bin/python3; [ -x "$py" ] || py=python3
port=$($py -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
log=$(mktemp /tmp/tern-bench-smtpd.XXXXXX)
"$java" -Xmx160m -cp target/classes:target/test-classes tern.smtpd.BenchServer "$port" "$log" > "$log.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log" "$log.out"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q ready "$log.out" 2>/dev/null && break; sleep 0.5; done

ticks() { awk '{print $14+$15}' /proc/$1/stat; }
hz=$(getconf CLK_TCK)

echo "== idle connections (Tern)"
$py bench/smtpd/idle-connections.py "$port" "${IDLE:-10000}" "$pid"

run() { # name target extra-args
  name=$1; target=$2; shift 2
  t0=$(date +%s.%N)
  /usr/sbin/smtp-source "$@" -l 1000 -f bench@example.net -t root@localhost "$target"
  t1=$(date +%s.%N)
  echo "$name: $(echo "$t1 $t0" | awk '{printf "%.2f", $1-$2}') s"
}

echo "== messages (Tern smtpd, discarding cleanup)"
c0=$(ticks $pid)
run "5000 messages, 10 sessions, one message per connection" "127.0.0.1:$port" -s 10 -m 5000
c1=$(ticks $pid)
run "5000 messages, 10 sessions, connections reused" "127.0.0.1:$port" -d -s 10 -m 5000
c2=$(ticks $pid)
echo "server CPU: $(( (c1-c0)*1000/hz )) ms for the first, $(( (c2-c1)*1000/hz )) ms for the second"

if [ $# -ge 2 ]; then
  echo "== messages (Postfix at 127.0.0.1:$2, full receive path)"
  run "5000 messages, 10 sessions, one message per connection" "127.0.0.1:$2" -s 10 -m 5000
  run "5000 messages, 10 sessions, connections reused" "127.0.0.1:$2" -d -s 10 -m 5000
fi
