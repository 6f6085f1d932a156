package io.plank.web.items;

import java.math.BigDecimal;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import io.plank.domain.items.Item;

/**
 * What a client sends to create or update an item; {@code version}, when given, guards the update. Numbers arrive
 * as written and are checked before they become {@code int}s; text may not hold NUL, which PostgreSQL cannot store.
 */
public record ItemRequest(
        @NotBlank @Size(max = Item.MAX_NAME_LENGTH) @Pattern(regexp = "[^\\x00]*", message = "must not contain the NUL character (U+0000)") String name,
        @Int32 BigDecimal value,
        @Int32 @PositiveOrZero BigDecimal version) {

    Integer valueAsInt() {
        return value == null ? null : value.intValueExact();
    }

    Integer versionAsInt() {
        return version == null ? null : version.intValueExact();
    }
}
