package io.plank.example.billing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import io.plank.client.SubscriptionEvent.Change;
import io.plank.client.consumer.TransactionHandler;

/**
 * The service's own work: an invoice for each order that a change shows paid, written through the connection of the
 * transaction that also moves the consumer's position, so an order is invoiced exactly once. The invoice keeps the
 * change's {@code seq} as its key: a second invoice for the same change cannot be written.
 */
final class Invoicing implements TransactionHandler {

    static final String CREATE_TABLE = "CREATE TABLE IF NOT EXISTS invoices (seq bigint PRIMARY KEY, order_id bigint NOT NULL,"
            + " amount numeric NOT NULL, tx bigint, invoiced_at timestamptz NOT NULL DEFAULT now())";

    @Override
    public void handle(Connection connection, List<Change> changes) throws SQLException {
        try (var insert = connection.prepareStatement("INSERT INTO invoices (seq, order_id, amount, tx) VALUES (?, ?, ?, ?)")) {
            for (var change : changes) {
                if (!change.removesRow() && change.data() != null && "paid".equals(change.data().getString("status", null))) {
                    insert.setLong(1, change.seq());
                    insert.setLong(2, change.data().getJsonNumber("id").longValue());
                    insert.setBigDecimal(3, change.data().getJsonNumber("amount").bigDecimalValue());
                    insert.setObject(4, change.tx());
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }
}
