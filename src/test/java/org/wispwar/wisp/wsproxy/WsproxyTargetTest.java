package org.wispwar.wisp.wsproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.wispwar.wisp.config.WispConfig;
import org.wispwar.wisp.transport.InvalidDestinationException;

/** The wsproxy path segment: routes first, then {@code host:port} (last colon, bracketed IPv6), with exact messages. */
class WsproxyTargetTest {
    private static final WispConfig ROUTES = WispConfig.from(Map.of(
            "wisp.wsproxyRoutes", "echo=127.0.0.1:7,ssh=[::1]:22,db.main=db.internal.example:5432"));
    private static final WispConfig DISABLED = WispConfig.from(Map.of(
            "wisp.allowWsproxy", "false", "wisp.wsproxyRoutes", "echo=127.0.0.1:7"));

    static Stream<Arguments> validTargets() {
        return Stream.of(
                Arguments.of("example.com:443", "example.com", 443),
                Arguments.of("127.0.0.1:1", "127.0.0.1", 1),
                Arguments.of("localhost:65535", "localhost", 65535),
                Arguments.of("example.com:080", "example.com", 80),                 // leading zeros are still decimal
                Arguments.of("[::1]:22", "::1", 22),
                Arguments.of("[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80),      // classified as IPv4 by the dialer
                Arguments.of("[2001:db8::1]:8080", "2001:db8::1", 8080),
                Arguments.of("%5B::1%5D:22", "::1", 22),                             // Jetty's @PathParam form
                Arguments.of("%5B%3A%3A1%5D%3A8080", "::1", 8080),                   // everything escaped
                Arguments.of("example.com%3A443", "example.com", 443),
                Arguments.of("bücher.example:80", "xn--bcher-kva.example", 80),      // IDNA, as for CONNECT
                Arguments.of("b%C3%BCcher.example:80", "xn--bcher-kva.example", 80));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validTargets")
    void hostAndPortAreSplitOnTheLastColon(String segment, String host, int port) throws Exception {
        WsproxyTarget t = WsproxyTarget.parse(segment, ROUTES);
        assertEquals(new WsproxyTarget(host, port, ""), t);
        assertFalse(t.trusted(), "an arbitrary target goes through the address policy");
    }

    static Stream<Arguments> invalidTargets() {
        return Stream.of(
                Arguments.of("no-such-route", "unknown route or missing port"),
                Arguments.of("example.com", "unknown route or missing port"),
                Arguments.of("::1:80", "IPv6 literal needs brackets"),
                Arguments.of("2001:db8::1:443", "IPv6 literal needs brackets"),
                Arguments.of(":80", "empty host"),
                Arguments.of("example.com:", "port must be 1..65535"),
                Arguments.of("example.com:0", "port must be 1..65535"),
                Arguments.of("example.com:65536", "port must be 1..65535"),
                Arguments.of("example.com:123456", "port must be 1..65535"),
                Arguments.of("example.com:+80", "port must be 1..65535"),
                Arguments.of("example.com:http", "port must be 1..65535"),
                Arguments.of("example.com:٨٠", "port must be 1..65535"),                // non-ASCII digits
                Arguments.of("[::1", "unclosed bracket"),
                Arguments.of("[::1]", "expected :port after ]"),
                Arguments.of("[::1]80", "expected :port after ]"),
                Arguments.of("[::1]:", "port must be 1..65535"),
                Arguments.of("[]:80", "brackets must hold an IPv6 literal"),
                Arguments.of("[example.com]:80", "brackets must hold an IPv6 literal"),
                Arguments.of("[127.0.0.1]:80", "brackets must hold an IPv6 literal"),
                Arguments.of("[.:]:80", "brackets must hold an IPv6 literal"),             // would be a DNS lookup
                Arguments.of("[1.2.3.4:]:80", "brackets must hold an IPv6 literal"),
                Arguments.of("[1:2:3:4:5:6:7:8:9]:80", "brackets must hold an IPv6 literal"),
                Arguments.of("[fe80::1%eth0]:80", "malformed percent-encoding"),
                Arguments.of("[fe80::1%25eth0]:80", "brackets must hold an IPv6 literal"),   // no zone ids
                Arguments.of("bad host:80", "hostname contains a control or blank character"),
                Arguments.of("bad%20host:80", "hostname contains a control or blank character"),
                Arguments.of("a..b:80", "hostname has an empty or over-long label"),
                Arguments.of("a[b:80", "hostname contains an invalid character"),
                Arguments.of("%zz:80", "malformed percent-encoding"),
                Arguments.of("example.com:8%", "malformed percent-encoding"),
                Arguments.of("%C3:80", "percent-encoding is not UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidTargets")
    void malformedTargetIsRejectedWithAMessageNamingTheProblem(String segment, String message) {
        var e = assertThrows(InvalidDestinationException.class, () -> WsproxyTarget.parse(segment, ROUTES));
        assertEquals(message, e.getMessage());
        assertEquals(new WsproxyClose(1008, "invalid wsproxy target: " + message), WsproxyClose.from(e));
    }

    @Test
    void routeNameIsLookedUpFirstAndIsTrusted() throws Exception {
        WsproxyTarget echo = WsproxyTarget.parse("echo", ROUTES);
        assertEquals(new WsproxyTarget("127.0.0.1", 7, "echo"), echo);
        assertTrue(echo.trusted(), "an operator's route skips the private-address check");
        assertEquals(new WsproxyTarget("db.internal.example", 5432, "db.main"), WsproxyTarget.parse("db.main", ROUTES));
    }

    @Test
    void ipv6RouteKeepsItsLiteralWithoutBrackets() throws Exception {
        WsproxyTarget ssh = WsproxyTarget.parse("ssh", ROUTES);
        assertEquals(new WsproxyTarget("::1", 22, "ssh"), ssh);
        assertEquals("route ssh ([::1]:22)", ssh.toString());
    }

    @Test
    void percentEncodedRouteNameIsDecodedBeforeTheLookup() throws Exception {
        assertEquals(new WsproxyTarget("127.0.0.1", 7, "echo"), WsproxyTarget.parse("ec%68o", ROUTES));
    }

    @Test
    void routeNamesAreCaseSensitive() {
        var e = assertThrows(InvalidDestinationException.class, () -> WsproxyTarget.parse("ECHO", ROUTES));
        assertEquals("unknown route or missing port", e.getMessage());
    }

    @Test
    void disabledWsproxyRefusesAnythingButARoute() throws Exception {
        assertEquals(new WsproxyTarget("127.0.0.1", 7, "echo"), WsproxyTarget.parse("echo", DISABLED));
        for (String segment : new String[] {"example.com:443", "[::1]:22", "nonsense", "%zz:80"}) {
            var e = assertThrows(WsproxyException.class, () -> WsproxyTarget.parse(segment, DISABLED));
            assertEquals("wsproxy is disabled", e.getMessage());
            assertEquals(1008, e.code());
        }
    }

    @Test
    void arbitraryTargetPrintsItsAddressOnly() throws Exception {
        assertEquals("[::1]:22", WsproxyTarget.parse("[::1]:22", ROUTES).toString());
        assertEquals("example.com:443", WsproxyTarget.parse("example.com:443", ROUTES).toString());
    }

    @Test
    void recordRejectsImpossibleValues() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WsproxyTarget("example.com", 0, ""));
        assertEquals("wsproxy target example.com:0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WsproxyTarget("", 80, ""));
        assertThrows(IllegalArgumentException.class, () -> new WsproxyTarget("example.com", 80, null));
    }
}
