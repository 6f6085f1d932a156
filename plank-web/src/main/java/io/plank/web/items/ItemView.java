package io.plank.web.items;

import java.time.OffsetDateTime;

import io.plank.domain.items.Item;

/** An item as the API shows it; property names become snake_case, as in change frames. */
public record ItemView(long id, String name, Integer value, int version, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    static ItemView of(Item item) {
        return new ItemView(item.getId(), item.getName(), item.getValue(), item.getVersion(), item.getCreatedAt(), item.getUpdatedAt());
    }
}
