package io.plank.web.items;

import java.util.List;

/** One page of items and where it sits in the whole table. */
public record ItemPage(List<ItemView> items, int offset, int limit, long total) {
}
