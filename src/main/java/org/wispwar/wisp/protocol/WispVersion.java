package org.wispwar.wisp.protocol;

/** A protocol version carried by INFO: {@code u8 major | u8 minor}. Immutable; thread-safe. */
public record WispVersion(int major, int minor) {
    public static final WispVersion V2_0 = new WispVersion(2, 0);

    public WispVersion {
        if (major < 0 || major > 0xFF || minor < 0 || minor > 0xFF) {
            throw new IllegalArgumentException("version " + major + "." + minor + " does not fit two bytes");
        }
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
