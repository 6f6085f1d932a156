package io.plank.bench.endtoend;

/**
 * What one run does: {@code CLIENTSxRATE} ({@code 100x500}: 100 clients, 500 changes/s), {@code CLIENTSxRATE+stall}
 * (one of the clients stops reading once subscribed; the others are measured), {@code ramp} (1,000 clients, rising
 * rates, until a step delivers under 95% in time), {@code idle} (N idle subscribed sessions, live server heap per session)
 * and {@code stormN} (N clients, default 2,000, dropped and reconnecting at once while one writer writes
 * {@code plank.bench.storm.rate} changes/s: see {@link Storm}).
 */
record Scenario(String name, int clients, int rate, boolean stall) {

    static Scenario parse(String spec) {
        String s = spec.trim();
        if (s.equals("ramp") || s.equals("idle")) {
            return new Scenario(s, 0, 0, false);
        }
        if (s.startsWith("storm")) {
            int clients = s.equals("storm") ? 2000 : Integer.parseInt(s.substring("storm".length()));
            return new Scenario(s, clients, Integer.getInteger("plank.bench.storm.rate", 50), false);
        }
        boolean stall = s.endsWith("+stall");
        String[] parts = (stall ? s.substring(0, s.length() - "+stall".length()) : s).split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("A scenario is CLIENTSxRATE, CLIENTSxRATE+stall, ramp, idle or stormN, not " + spec);
        }
        return new Scenario(s, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), stall);
    }

    boolean isRamp() {
        return name.equals("ramp");
    }

    boolean isStorm() {
        return name.startsWith("storm");
    }

    boolean isIdle() {
        return name.equals("idle");
    }
}
