package io.plank.domain.items;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * A row of the demo {@code items} table. The database owns {@code created_at}, {@code updated_at} and
 * {@code version} (a trigger keeps them for every writer, not only JPA), so JPA only reads them.
 */
@Entity
@Table(name = "items")
public class Item {

    public static final int MAX_NAME_LENGTH = 200;

    /*
     * The identity column's own sequence, asked before the INSERT. Not GenerationType.IDENTITY: EclipseLink
     * reads an identity back with lastval(), which after a durably captured write names Plank's change_seq.
     */
    @Id
    @SequenceGenerator(name = "items_id", sequenceName = "items_id_seq", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "items_id")
    private Long id;

    @NotBlank
    @Size(max = MAX_NAME_LENGTH)
    @Column(nullable = false)
    private String name;

    private Integer value;

    @Version
    private int version;

    @Column(name = "created_at", insertable = false, updatable = false)
    @Convert(converter = UtcTimestamp.class)
    private OffsetDateTime createdAt;

    @Column(name = "updated_at", insertable = false, updatable = false)
    @Convert(converter = UtcTimestamp.class)
    private OffsetDateTime updatedAt;

    protected Item() {
    }

    public Item(String name, Integer value) {
        this.name = name;
        this.value = value;
    }

    public void rename(String name) {
        this.name = name;
    }

    public void revalue(Integer value) {
        this.value = value;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public Integer getValue() {
        return value;
    }

    public int getVersion() {
        return version;
    }

    public OffsetDateTime getCreatedAt() {
        return createdAt;
    }

    public OffsetDateTime getUpdatedAt() {
        return updatedAt;
    }
}
