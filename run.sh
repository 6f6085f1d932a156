#!/usr/bin/env bash
# Runs Plank locally: ./run.sh [payara|wildfly]
#
# Builds Plank, creates database "plank" on 127.0.0.1:5432 if it is missing, starts Payara Server (default) or
# WildFly on their default ports (8080, ...) with plank.ear deployed, and prints the URLs. Ctrl-C or SIGTERM stops
# the server. PLANK_DB_URL / PLANK_DB_USER / PLANK_DB_PASSWORD choose another database; JAVA_HOME the JDK (17).
set -euo pipefail

server="${1:-payara}"
case "$server" in
    payara|wildfly) ;;
    *) echo "usage: $0 [payara|wildfly]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")"
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/java-17-openjdk-amd64 ]]; then
    export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi

echo "Building Plank..."
# clean: a class moved or deleted in the sources must not linger in target/ and ship in the EAR. The system-tests
# and run modules keep their target/ (the unpacked servers, earlier runs' logs).
# The build's output is shown only when it fails: on success it is npm's and the compilers' chatter.
build_log="$(mktemp "${TMPDIR:-/tmp}/plank-build.XXXXXX")"
trap 'rm -f "$build_log"' EXIT
if ! mvn -B -ntp -q clean install -DskipTests -pl '!plank-system-tests,!plank-run' > "$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "The build failed: its output is above." >&2
    exit 1
fi
rm -f "$build_log"
trap - EXIT

# Messages only, no logger names and dates: this is a command's output, not a log.
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djava.util.logging.SimpleFormatter.format=%5\$s%6\$s%n"

# exec: Maven (and the server behind it) receives Ctrl-C/SIGTERM directly; its shutdown hook stops the server.
# compile builds the runner (and its initialize phase runs dependency:properties, which locates plank.ear);
# unpack-servers unpacks the servers once.
exec mvn -B -ntp -q -pl plank-run compile dependency:unpack@unpack-servers exec:java@run -Dexec.args="$server"
