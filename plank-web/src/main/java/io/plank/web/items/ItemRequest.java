package io.plank.web.items;

import java.math.BigDecimal;

import jakarta.json.bind.annotation.JsonbTypeDeserializer;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import io.plank.domain.items.Item;

/**
 * What a client sends to create or update an item; {@code version}, when given, guards the update. Numbers arrive
 * as written and are checked before they become {@code int}s; text may not hold NUL, which PostgreSQL cannot store.
 *
 * <p>A class with public fields (JSON-B binds them) rather than a record: Payara's OpenAPI generator (6.2025.9)
 * fails the whole document with a NullPointerException on Bean Validation constraints of a record's components,
 * which it meets as constructor parameters; on fields it reads them into the schema.
 */
public class ItemRequest {

    @NotBlank
    @Size(max = Item.MAX_NAME_LENGTH)
    @Pattern(regexp = "[^\\x00]*", message = "must not contain the NUL character (U+0000)")
    @JsonbTypeDeserializer(StrictJson.Text.class)
    public String name;

    @Int32
    @JsonbTypeDeserializer(StrictJson.Number.class)
    public BigDecimal value;

    @Int32
    @PositiveOrZero
    @JsonbTypeDeserializer(StrictJson.Number.class)
    public BigDecimal version;

    String name() {
        return name;
    }

    Integer valueAsInt() {
        return value == null ? null : value.intValueExact();
    }

    Integer versionAsInt() {
        return version == null ? null : version.intValueExact();
    }
}
