package io.plank.bench.endtoend;

import java.util.LinkedHashSet;
import java.util.Set;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;

/**
 * The peer Plank is measured against in the same run (target {@code vertx}): the strongest design issue 21 measured,
 * a Vert.x 5 server with one verticle per core. A trigger on {@code items} builds each change's JSON frame and
 * NOTIFYs it; every verticle LISTENs on its own connection and writes the payload, as it came, to each of its own
 * subscribed sockets, one WebSocket message per change and client. It speaks as much of Plank's protocol as the
 * benchmark's clients use: {@code subscribe} is answered by {@code subscribed}, then changes follow. No log, no
 * resume, no filters, no authorization and no limit on what a slow client queues: what Plank does beyond LISTEN/NOTIFY
 * it does not pay for.
 *
 * <p>Runs in its own JVM ({@link Target} starts it): {@code VertxPeer PORT POSTGRES_URI USER PASSWORD}, where the URI is
 * {@code postgresql://host:port/database}. Prints {@code listening on PORT} when every verticle is up.
 */
public final class VertxPeer extends VerticleBase {

    private static final String CHANNEL = "items";
    private static final String SUBSCRIBED = "{\"type\":\"subscribed\",\"table\":\"items\",\"seq\":0}";
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS items (
                id bigserial PRIMARY KEY,
                name text NOT NULL,
                value integer NOT NULL,
                version integer NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now());
            CREATE OR REPLACE FUNCTION peer_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('%s', json_build_object('type', 'change', 'table', TG_TABLE_NAME, 'action', TG_OP,
                    'id', NEW.id, 'data', row_to_json(NEW), 'at', now())::text);
                RETURN NULL;
            END $$;
            CREATE OR REPLACE TRIGGER items_notify AFTER INSERT OR UPDATE ON items
                FOR EACH ROW EXECUTE FUNCTION peer_notify()""".formatted(CHANNEL);

    private final int port;
    private final PgConnectOptions database;
    /** This verticle's subscribed sockets; touched only on its event loop. */
    private final Set<ServerWebSocket> subscribed = new LinkedHashSet<>();

    private VertxPeer(int port, PgConnectOptions database) {
        this.port = port;
        this.database = database;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        PgConnectOptions database = PgConnectOptions.fromUri(args[1]).setUser(args[2]).setPassword(args[3]);
        int verticles = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx();
        var client = PgBuilder.client().connectingTo(database).using(vertx).build();
        client.query(SCHEMA).execute()
                .compose(done -> client.close())
                .compose(closed -> vertx.deployVerticle(() -> new VertxPeer(port, database),
                        new DeploymentOptions().setInstances(verticles)))
                .onSuccess(id -> System.out.println("listening on " + port))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public Future<?> start() {
        PgSubscriber subscriber = PgSubscriber.subscriber(vertx, database);
        subscriber.channel(CHANNEL).handler(this::broadcast);
        return subscriber.connect().compose(connected -> vertx.createHttpServer(new HttpServerOptions()
                        .setTcpNoDelay(true).setAcceptBacklog(4096).setMaxWebSocketFrameSize(65536))
                .webSocketHandler(this::accept)
                .listen(port, "127.0.0.1"));
    }

    private void accept(ServerWebSocket socket) {
        socket.textMessageHandler(text -> {
            if (text.contains("\"subscribe\"") && subscribed.add(socket)) {
                socket.writeTextMessage(SUBSCRIBED);
            }
        });
        socket.closeHandler(closed -> subscribed.remove(socket));
        socket.exceptionHandler(failure -> socket.close());
    }

    private void broadcast(String frame) {
        for (ServerWebSocket socket : subscribed) {
            socket.writeTextMessage(frame);
        }
    }
}
