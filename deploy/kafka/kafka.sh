#!/usr/bin/env bash
# Fetch, start, stop and inspect one Apache Kafka 4.x node (KRaft, broker and controller in one
# process): a single-node broker by default, or one node of a local cluster.
#
#   kafka.sh fetch            copy the broker's jars from Maven Central into the cache (once)
#   kafka.sh start            format storage if needed, start the broker, wait until it answers
#                             (a cluster's node answers once a majority of controllers runs:
#                             start the nodes together)
#   kafka.sh stop             stop the broker cleanly (SIGTERM, then SIGKILL after a grace period)
#   kafka.sh status           print whether the broker runs and where
#
# Settings (environment):
#   KAFKA_PORT          client listener port on 127.0.0.1        (default 9092)
#   KAFKA_CONTROLLER_PORT  controller listener port              (default KAFKA_PORT+1)
#   KAFKA_DATA_DIR      log dirs, config, pid and broker log      (default ./var/kafka)
#   KAFKA_HEAP          JVM heap, e.g. 384m                       (default 384m)
#   KAFKA_PARTITIONS    default partitions of new topics          (default 3)
#   KAFKA_NODE_ID       this node's id in its cluster             (default 1)
#   KAFKA_CONTROLLER_QUORUM  every node's controller, as id@127.0.0.1:port,... (default: this
#                       node alone, KAFKA_NODE_ID@127.0.0.1:KAFKA_CONTROLLER_PORT)
#   KAFKA_CLUSTER_ID    the id new storage is formatted with; every node of a cluster needs the
#                       same one                               (default: a new random id)
#   KAFKA_REPLICATION_FACTOR  replicas of new topics and of the offsets, transaction and share
#                       state topics                (default: the controllers in the quorum, at
#                       most 3); min.insync.replicas is 2 with 3 replicas or more, else 1
#   CCN_CACHE_DIR       jar cache outside the repository          (default ~/.cache/ccn-platform)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$PWD/var/kafka}"
KAFKA_HEAP="${KAFKA_HEAP:-384m}"
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-3}"
KAFKA_NODE_ID="${KAFKA_NODE_ID:-1}"
KAFKA_CONTROLLER_QUORUM="${KAFKA_CONTROLLER_QUORUM:-$KAFKA_NODE_ID@127.0.0.1:$KAFKA_CONTROLLER_PORT}"
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-}"
IFS=',' read -ra VOTERS <<< "$KAFKA_CONTROLLER_QUORUM"
KAFKA_REPLICATION_FACTOR="${KAFKA_REPLICATION_FACTOR:-$(( ${#VOTERS[@]} < 3 ? ${#VOTERS[@]} : 3 ))}"
MIN_INSYNC_REPLICAS="$(( KAFKA_REPLICATION_FACTOR >= 3 ? 2 : 1 ))"
CCN_CACHE_DIR="${CCN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccn-platform}"
START_TIMEOUT_S="${KAFKA_START_TIMEOUT_S:-90}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17+ (Debian: apt-get install default-jdk-headless)"
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (Debian: apt-get install maven)"
}

pom_hash() { sha256sum "$HERE/pom.xml" | cut -c1-12; }
libs_dir() { echo "$CCN_CACHE_DIR/kafka-$(pom_hash)/libs"; }

fetch() {
  require_tools
  local libs; libs="$(libs_dir)"
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  echo "kafka.sh: fetching the broker's jars from Maven Central into $libs" >&2
  rm -rf "$libs.partial"; mkdir -p "$libs.partial"
  mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs.partial" >&2 \
    || die "mvn could not fetch the Kafka jars (see the output above)"
  touch "$libs.partial/.complete"
  rm -rf "$libs"; mv "$libs.partial" "$libs"
}

pid_file() { echo "$KAFKA_DATA_DIR/kafka.pid"; }

running_pid() {
  local pf; pf="$(pid_file)"
  [[ -f "$pf" ]] || return 1
  local pid; pid="$(cat "$pf")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  local cfg="$KAFKA_DATA_DIR/server.properties"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@LOG_DIR@|$KAFKA_DATA_DIR/data|g" -e "s|@PARTITIONS@|$KAFKA_PARTITIONS|g" \
      -e "s|@NODE_ID@|$KAFKA_NODE_ID|g" -e "s|@QUORUM@|$KAFKA_CONTROLLER_QUORUM|g" \
      -e "s|@REPLICATION_FACTOR@|$KAFKA_REPLICATION_FACTOR|g" \
      -e "s|@MIN_INSYNC_REPLICAS@|$MIN_INSYNC_REPLICAS|g" \
      "$HERE/server.properties.template" > "$cfg"
  echo "$cfg"
}

start() {
  if pid="$(running_pid)"; then echo "kafka.sh: already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  fetch
  local libs; libs="$(libs_dir)"
  mkdir -p "$KAFKA_DATA_DIR/data" "$KAFKA_DATA_DIR/logs"
  local cfg; cfg="$(write_config)"
  local jvm=(-Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
             -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true
             -Dlog4j2.configurationFile="file:$HERE/log4j2.properties"
             -Dkafka.logs.dir="$KAFKA_DATA_DIR/logs")
  if [[ ! -f "$KAFKA_DATA_DIR/data/meta.properties" ]]; then
    local cluster_id="$KAFKA_CLUSTER_ID"
    [[ -n "$cluster_id" ]] || cluster_id="$(java "${jvm[@]}" -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java "${jvm[@]}" -cp "$libs/*" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$cfg" \
      --ignore-formatted > "$KAFKA_DATA_DIR/logs/format.log" 2>&1 \
      || die "formatting KRaft storage failed: $(tail -5 "$KAFKA_DATA_DIR/logs/format.log")"
  fi
  if port_open "$KAFKA_PORT"; then die "port $KAFKA_PORT is taken by another process; set KAFKA_PORT"; fi
  nohup java "${jvm[@]}" -cp "$libs/*" kafka.Kafka "$cfg" > "$KAFKA_DATA_DIR/logs/broker.out" 2>&1 &
  echo $! > "$(pid_file)"
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until grep -q "Kafka Server started" "$KAFKA_DATA_DIR/logs/broker.out" 2>/dev/null && port_open "$KAFKA_PORT"; do
    if ! running_pid >/dev/null; then die "broker exited during startup: $(tail -20 "$KAFKA_DATA_DIR/logs/broker.out")"; fi
    if (( SECONDS > deadline )); then stop; die "broker did not answer within ${START_TIMEOUT_S}s"; fi
    sleep 0.2
  done
  echo "kafka.sh: broker running (pid $(cat "$(pid_file)")) on 127.0.0.1:$KAFKA_PORT, data in $KAFKA_DATA_DIR"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$(pid_file)"; echo "kafka.sh: not running"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then echo "kafka.sh: broker ignored SIGTERM for 30s, killing it" >&2; kill -KILL "$pid"; fi
  rm -f "$(pid_file)"
  echo "kafka.sh: broker stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then echo "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT, data in $KAFKA_DATA_DIR"
  else echo "kafka: stopped (data dir $KAFKA_DATA_DIR)"; return 3; fi
}

case "${1:-}" in
  fetch) fetch; echo "$(libs_dir)" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
