package org.wispwar.wisp.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of the raw context params, shared by every config group. Each failure is an
 * {@link IllegalArgumentException} whose message names the param, which is what fails the deployment. Blank values
 * count as absent. Immutable; thread-safe.
 */
public final class ConfigParams {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*([kKmMgG]i?)?[bB]?");

    private final Map<String, String> raw;
    private final Function<String, String> environment;

    public ConfigParams(Map<String, String> raw) {
        this(raw, System::getenv);
    }

    /** With a stand-in environment, for tests of {@code env:} secrets. */
    public ConfigParams(Map<String, String> raw, Function<String, String> environment) {
        this.raw = Map.copyOf(raw);
        this.environment = environment;
    }

    private String get(String name) {
        String v = raw.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** The value as written (stripped), or empty. */
    public String text(String name) {
        String v = get(name);
        return v == null ? "" : v;
    }

    public int integer(String name, int fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was \"" + v + "\"");
        }
    }

    public boolean bool(String name, boolean fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was \"" + v + "\"");
        };
    }

    /**
     * A whole number with a unit: ms, s, m or h. A bare number is refused (it once meant milliseconds, so
     * {@code wisp.connectTimeout=30} was 30 ms), except {@code 0}, which means zero in any unit.
     */
    public Duration duration(String name, Duration fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    name + " must be a duration such as 500ms, 10s, 2m or 1h, was \"" + v + "\"");
        }
        long n = Long.parseLong(m.group(1));
        if (m.group(2) == null && n != 0) {
            throw new IllegalArgumentException(name + " needs a unit: write " + n + "ms, " + n + "s, " + n + "m or "
                    + n + "h, was \"" + v + "\"");
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** A byte count with an optional binary unit: {@code 512}, {@code 64k}, {@code 10MiB}, {@code 1g} (k = 1024). */
    public long bytes(String name, long fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " must be a byte count such as 65536, 64k or 10MiB, was \"" + v
                    + "\"");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1;
        };
        if (n > Long.MAX_VALUE / factor) {
            throw new IllegalArgumentException(name + " is too large: \"" + v + "\"");
        }
        return n * factor;
    }

    /** Entries separated by commas or white space (none when absent). */
    public List<String> list(String name) {
        String v = get(name);
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String entry : v.split("[,\\s]+")) {
                if (!entry.isEmpty()) {
                    out.add(entry);
                }
            }
        }
        return out;
    }

    /**
     * A secret: {@code env:NAME} reads an environment variable, {@code file:/path} the file's first line, anything
     * else is the value itself. Empty when absent. A missing variable or unreadable file fails, naming the param but
     * never printing a value.
     */
    public String secret(String name) {
        return resolveSecret(name, text(name));
    }

    /** Like {@link #secret(String)} for one entry of a list param. */
    public String resolveSecret(String name, String value) {
        if (value.startsWith("env:")) {
            String v = environment.apply(value.substring(4));
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException(name + " names environment variable " + value.substring(4)
                        + ", which is not set");
            }
            return v;
        }
        if (value.startsWith("file:")) {
            try {
                return Files.readAllLines(Path.of(value.substring(5)), StandardCharsets.UTF_8).stream()
                        .findFirst().orElse("").strip();
            } catch (IOException e) {
                throw new IllegalArgumentException(name + " names file " + value.substring(5)
                        + ", which cannot be read");
            }
        }
        return value;
    }
}
