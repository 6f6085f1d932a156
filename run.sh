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
mvn -q clean install -DskipTests -pl '!plank-system-tests,!plank-run'

# Messages only, no logger names and dates: this is a command's output, not a log.
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djava.util.logging.SimpleFormatter.format=%5\$s%6\$s%n"

# exec: Maven (and the server behind it) receives Ctrl-C/SIGTERM directly; its shutdown hook stops the server.
# compile builds the runner (and its initialize phase runs dependency:properties, which locates plank.ear);
# unpack-servers unpacks the servers once.
exec mvn -q -pl plank-run compile dependency:unpack@unpack-servers exec:java@run -Dexec.args="$server"
