package org.wispwar.wisp.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostname syntax, checked before anything is resolved. */
class HostnamesTest {
    /** 63 + 1 + 63 + 1 + 63 + 1 + 62 = 254 characters, every label within 63. */
    private static final String NAME_254 = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "."
            + "d".repeat(62);
    private static final String NAME_253 = NAME_254.substring(1);
    private static final String LABEL_64 = "a".repeat(64) + ".example";

    static Stream<Arguments> invalidNames() {
        return Stream.of(
                Arguments.of("empty", "", "empty hostname"),
                Arguments.of("only the root dot", ".", "empty hostname"),
                Arguments.of("254 characters", NAME_254, "hostname longer than 253 characters"),
                Arguments.of("a space", "exa mple.com", "hostname contains a control or blank character"),
                Arguments.of("a tab", "example.com\t", "hostname contains a control or blank character"),
                Arguments.of("a control character", "exa\u0001mple.com", "hostname contains a control or blank character"),
                Arguments.of("DEL", "example\u007f.com", "hostname contains a control or blank character"),
                Arguments.of("NUL", "127.0.0.1\u0000.evil.example", "hostname contains a control or blank character"),
                Arguments.of("a slash", "a/b.example", "hostname contains an invalid character"),
                Arguments.of("an @", "user@example.com", "hostname contains an invalid character"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidNames")
    void invalidNameIsRejectedWithAMessageNamingTheProblem(String what, String host, String message) {
        var e = assertThrows(InvalidDestinationException.class, () -> Hostnames.validate(host));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a..b", ".a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"})
    void emptyOrOverlongLabelIsRejectedWithTheLabelMessage(String host) {
        var e = assertThrows(InvalidDestinationException.class, () -> Hostnames.validate(host));
        assertEquals("hostname has an empty or over-long label", e.getMessage());
    }

    @Test
    void longestNamesAreAccepted() throws InvalidDestinationException {
        assertEquals(253, NAME_253.length());
        assertEquals(NAME_253, Hostnames.validate(NAME_253));
        assertEquals(NAME_253 + ".", Hostnames.validate(NAME_253 + "."), "253 characters plus the root dot");
        String label63 = "a".repeat(63) + ".example";
        assertEquals(label63, Hostnames.validate(label63));
    }

    @Test
    void internationalizedNameBecomesItsAsciiForm() throws InvalidDestinationException {
        assertEquals("xn--bcher-kva.example", Hostnames.validate("bücher.example"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "[::1]", "::ffff:127.0.0.1", "2606:4700:4700::1111"})
    void ipv6LiteralPassesThroughUnchanged(String host) throws InvalidDestinationException {
        assertEquals(host, Hostnames.validate(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "127.0.0.1", "my_host.example", "x-1.example.", "EXAMPLE.com"})
    void plainNamesAndIpv4LiteralsPassThroughUnchanged(String host) throws InvalidDestinationException {
        assertEquals(host, Hostnames.validate(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x:y", "example.com:443", "1:2:3", "[::1", "::1]", "::g", "fe80::1%eth/0", "[[::1]]"})
    void stringsWithAColonThatAreNotIPv6LiteralsAreInvalid(String host) {
        var e = assertThrows(InvalidDestinationException.class, () -> Hostnames.validate(host));
        assertEquals("hostname with ':' is not an IPv6 literal", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "[::1]", "2001:db8::1", "::ffff:127.0.0.1", "fe80::1%1", "::"})
    void ipv6LiteralsPassThroughUnchanged(String host) throws InvalidDestinationException {
        assertEquals(host, Hostnames.validate(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "0177.1", "127.1", "127.0.0.01", "00.0.0.0", "0x7f.0.0.1", "0X7F.1",
            "0x7f000001", "2130706433", "256.0.0.1", "1.2.3.4.5", "example.1", "a.0x", "１２７.０.０.０１",
            "::ffff:0177.0.0.1", "[::ffff:127.0.0.01]"})
    void ipv4NotAsFourPlainDecimalsIsInvalid(String host) {
        var e = assertThrows(InvalidDestinationException.class, () -> Hostnames.validate(host));
        assertEquals("IPv4 address must be four decimal numbers 0-255 without leading zeros", e.getMessage());
    }

    @Test
    void canonicalIpv4IsTakenAsIsAndWithoutItsRootDot() throws InvalidDestinationException {
        assertEquals("0.0.0.0", Hostnames.validate("0.0.0.0"));
        assertEquals("255.255.255.255", Hostnames.validate("255.255.255.255"));
        assertEquals("10.20.0.1", Hostnames.validate("10.20.0.1."));
        assertEquals("127.0.0.1", Hostnames.validate("１２７.０.０.１"), "fullwidth digits, as browsers map them");
        assertEquals("example.1a", Hostnames.validate("example.1a"), "a last label that is not a number: a name");
    }
}
