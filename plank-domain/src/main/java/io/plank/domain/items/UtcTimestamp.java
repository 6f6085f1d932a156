package io.plank.domain.items;

import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/**
 * Reads {@code timestamptz} columns with their full microsecond precision. Without it EclipseLink (Payara)
 * cuts an {@link OffsetDateTime} to milliseconds, and the REST API would disagree with the change frames.
 */
@Converter
public class UtcTimestamp implements AttributeConverter<OffsetDateTime, Timestamp> {

    @Override
    public Timestamp convertToDatabaseColumn(OffsetDateTime value) {
        return value == null ? null : Timestamp.from(value.toInstant());
    }

    @Override
    public OffsetDateTime convertToEntityAttribute(Timestamp value) {
        return value == null ? null : value.toInstant().atOffset(ZoneOffset.UTC);
    }
}
