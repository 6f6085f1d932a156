package io.plank.persistence.capture;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.plank.domain.change.CaptureMode;

/**
 * A captured table as the catalog has it now: its name as frames give it, how it is captured, the relation's id
 * ({@code pg_class.oid}: the same table across a rename, another one when a table of the same name is created
 * again) and its columns' types by name, in column order.
 */
public record CapturedTable(String name, CaptureMode mode, long relid, Map<String, String> columns) {

    public CapturedTable {
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    }
}
