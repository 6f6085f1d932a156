package io.plank.persistence.access;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;

import io.plank.domain.access.Grant;
import io.plank.domain.access.Privilege;
import io.plank.domain.access.RowBinding;
import io.plank.persistence.db.DatabaseException;

/**
 * The grants and row bindings in {@code plank.table_grants} and {@code plank.row_bindings}. Read again at most every
 * {@link #REFRESH_NANOS} when asked, and at once after a change through this instance: a change made through
 * another instance (or by SQL) is in force here within that time.
 */
@ApplicationScoped
public class StoredAccess {

    static final long REFRESH_NANOS = 2_000_000_000L;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(StoredAccess.class.getName());

    /** What was read, and when. */
    public record Snapshot(List<Grant> grants, List<RowBinding> bindings) {
    }

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    private volatile Snapshot current;
    private final AtomicLong readAt = new AtomicLong();

    /** For CDI. */
    public StoredAccess() {
    }

    /** Outside CDI, in tests. */
    public StoredAccess(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The rules in force. Once read, a failed refresh (the database away) keeps the last ones read rather than failing
     * every request: they are at most as old as the outage.
     */
    public Snapshot current() {
        Snapshot known = current;
        long last = readAt.get();
        if (known == null) {
            return read();
        }
        if (System.nanoTime() - last >= REFRESH_NANOS && readAt.compareAndSet(last, System.nanoTime())) {
            try {
                return read();
            } catch (DatabaseException e) {
                LOG.fine(() -> "Keeping the access rules read before: " + e.getMessage());
            }
        }
        return known;
    }

    /** Reads the rules now, whenever they were read last: they are known to have changed. */
    public Snapshot refresh() {
        return read();
    }

    /** Replaces the stored grants of {@code table} with {@code read} and {@code write} roles, in one transaction. */
    public void replaceGrants(String table, Collection<String> read, Collection<String> write) {
        List<Grant> grants = new ArrayList<>();
        read.forEach(role -> grants.add(new Grant(table, Privilege.READ, role)));
        write.forEach(role -> grants.add(new Grant(table, Privilege.WRITE, role)));
        inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM plank.table_grants WHERE table_name = ?")) {
                delete.setString(1, table);
                delete.executeUpdate();
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO plank.table_grants (table_name, privilege, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (Grant grant : grants) {
                    insert.setString(1, grant.table());
                    insert.setString(2, grant.privilege().wireName());
                    insert.setString(3, grant.role());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        });
    }

    public void bind(RowBinding binding) {
        inTransaction(connection -> {
            try (PreparedStatement upsert = connection.prepareStatement(
                    "INSERT INTO plank.row_bindings (table_name, column_name, claim) VALUES (?, ?, ?) "
                            + "ON CONFLICT (table_name) DO UPDATE SET column_name = EXCLUDED.column_name, claim = EXCLUDED.claim")) {
                upsert.setString(1, binding.table());
                upsert.setString(2, binding.column());
                upsert.setString(3, binding.claim());
                upsert.executeUpdate();
            }
        });
    }

    /** True if {@code table} had a stored binding. */
    public boolean unbind(String table) {
        boolean[] removed = {false};
        inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM plank.row_bindings WHERE table_name = ?")) {
                delete.setString(1, table);
                removed[0] = delete.executeUpdate() > 0;
            }
        });
        return removed[0];
    }

    private interface Work {
        void run(Connection connection) throws SQLException;
    }

    private void inTransaction(Work work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new DatabaseException("Could not store the access rules", e);
        }
        read();
    }

    private Snapshot read() {
        List<Grant> grants = new ArrayList<>();
        List<RowBinding> bindings = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement statement = connection.prepareStatement("SELECT table_name, privilege, role FROM plank.table_grants");
                 var rows = statement.executeQuery()) {
                while (rows.next()) {
                    grants.add(new Grant(rows.getString(1), Privilege.ofWireName(rows.getString(2)), rows.getString(3)));
                }
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT table_name, column_name, claim FROM plank.row_bindings");
                 var rows = statement.executeQuery()) {
                while (rows.next()) {
                    bindings.add(new RowBinding(rows.getString(1), rows.getString(2), rows.getString(3)));
                }
            }
        } catch (SQLException e) {
            throw new DatabaseException("Could not read the access rules", e);
        }
        Snapshot fresh = new Snapshot(List.copyOf(grants), List.copyOf(bindings));
        current = fresh;
        readAt.set(System.nanoTime());
        return fresh;
    }
}
