package io.plank.web.items;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import io.plank.domain.items.Item;

/** What a client sends to create or update an item; {@code version}, when given, guards the update. */
public record ItemRequest(
        @NotBlank @Size(max = Item.MAX_NAME_LENGTH) String name,
        Integer value,
        Integer version) {
}
