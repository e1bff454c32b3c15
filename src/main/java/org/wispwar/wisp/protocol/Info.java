package org.wispwar.wisp.protocol;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * INFO (0x05), v2 handshake only, on stream 0: the sender's version and its extensions (wisp-protocol.md §3.5). What an
 * extension payload means depends on the sender's {@link Role}, so decoding takes the role.
 */
public record Info(int streamId, WispVersion version, List<Extension> extensions) implements WispPacket {
    public Info {
        Objects.requireNonNull(version, "version");
        extensions = List.copyOf(extensions);
    }

    public Info(WispVersion version, List<Extension> extensions) {
        this(0, version, extensions);
    }

    /** The first extension record of the given type, if the sender listed one. */
    public <E extends Extension> Optional<E> find(Class<E> type) {
        return extensions.stream().filter(type::isInstance).map(type::cast).findFirst();
    }
}
