package io.plank.domain.access;

import java.util.Arrays;

/**
 * What a grant allows on a table. {@code read}: subscribe, snapshot, resume, the event stream and REST reads;
 * {@code write}: REST writes.
 */
public enum Privilege {
    READ("read"), WRITE("write");

    private final String wireName;

    Privilege(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException unless {@code name} is {@code read} or {@code write} */
    public static Privilege ofWireName(String name) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("A privilege is read or write, not '" + name + "'"));
    }
}
