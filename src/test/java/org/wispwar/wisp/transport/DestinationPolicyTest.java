package org.wispwar.wisp.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SSRF list of wisp-protocol.md §14: every internal address is refused unless private addresses are allowed, and
 * public ones always pass. Addresses come from {@code InetAddress.getByName} on literals, which parses without a lookup.
 */
class DestinationPolicyTest {
    private static final DestinationPolicy DENY = DestinationPolicy.of(false);
    private static final DestinationPolicy ALLOW = DestinationPolicy.of(true);

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "127.0.0.1,            LOOPBACK",
            "127.255.255.254,      LOOPBACK",
            "::1,                  LOOPBACK",
            "::ffff:127.0.0.1,     LOOPBACK",             // IPv4-mapped: the JDK turns it into an Inet4Address
            "::ffff:7f00:1,        LOOPBACK",             // the same, in hex
            "64:ff9b::7f00:1,      LOOPBACK",             // NAT64 of 127.0.0.1
            "2002:7f00:1::,        LOOPBACK",             // 6to4 of 127.0.0.1
            "::127.0.0.1,          LOOPBACK",             // IPv4-compatible (deprecated)
            "10.0.0.1,             PRIVATE",
            "172.16.0.1,           PRIVATE",
            "172.31.255.255,       PRIVATE",
            "192.168.1.1,          PRIVATE",
            "64:ff9b::a00:1,       PRIVATE",              // NAT64 of 10.0.0.1
            "169.254.169.254,      LINK_LOCAL",           // cloud metadata
            "fe80::1,              LINK_LOCAL",
            "fc00::1,              UNIQUE_LOCAL",
            "fd12::1,              UNIQUE_LOCAL",
            "fec0::1,              SITE_LOCAL",
            "100.64.0.1,           SHARED_ADDRESS_SPACE",
            "100.127.255.255,      SHARED_ADDRESS_SPACE",
            "0.0.0.0,              UNSPECIFIED",
            "0.1.2.3,              UNSPECIFIED",
            "::,                   UNSPECIFIED",
            "224.0.0.1,            MULTICAST",
            "ff02::1,              MULTICAST",
            "255.255.255.255,      BROADCAST",
            "240.0.0.1,            RESERVED",
            "192.0.2.1,            RESERVED",             // TEST-NET-1
            "2001:db8::1,          RESERVED",             // documentation
            "64:ff9b:1::1,         RESERVED",             // local-use NAT64
    })
    void internalAddressIsRefusedUnlessPrivateAddressesAreAllowed(String literal, AddressClass expected)
            throws UnknownHostException {
        InetAddress address = InetAddress.getByName(literal);

        assertEquals(expected, DestinationPolicy.classify(address), literal);
        assertFalse(DENY.allows(address), literal + " refused with allowPrivateAddresses=false");
        assertTrue(ALLOW.allows(address), literal + " allowed with allowPrivateAddresses=true");
    }

    @ParameterizedTest(name = "{0} is PUBLIC")
    @CsvSource({
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",          // just above 100.64.0.0/10
            "100.63.255.255",       // just below it
            "172.32.0.1",           // just above 172.16.0.0/12
            "172.15.255.255",       // just below it
            "2606:4700:4700::1111",
            "64:ff9b::808:808",     // NAT64 of 8.8.8.8
            "2002:808:808::1",      // 6to4 of 8.8.8.8
            "::ffff:8.8.8.8",
    })
    void publicAddressIsAlwaysAllowed(String literal) throws UnknownHostException {
        InetAddress address = InetAddress.getByName(literal);

        assertEquals(AddressClass.PUBLIC, DestinationPolicy.classify(address), literal);
        assertTrue(DENY.allows(address), literal + " allowed with allowPrivateAddresses=false");
        assertTrue(ALLOW.allows(address), literal + " allowed with allowPrivateAddresses=true");
    }

    @Test
    void mappedLiteralsBecomeIpv4AddressesSoBothSpellingsAreCovered() throws UnknownHostException {
        // wisp-protocol.md §14: the JDK converts IPv4-mapped input, so the classifier sees an Inet4Address
        assertInstanceOf(Inet4Address.class, InetAddress.getByName("::ffff:127.0.0.1"));
        assertInstanceOf(Inet4Address.class, InetAddress.getByName("::ffff:7f00:1"));
        // ... while the other embeddings stay IPv6 and need the classifier's own unwrapping
        assertInstanceOf(Inet6Address.class, InetAddress.getByName("64:ff9b::7f00:1"));
        assertInstanceOf(Inet6Address.class, InetAddress.getByName("2002:7f00:1::"));
    }

    @Test
    void localhostResolvesOnlyToRefusedLoopbackAddresses() throws UnknownHostException {
        // "localhost" is answered from the hosts file; no DNS query leaves the machine
        List<InetAddress> addresses = List.of(InetAddress.getAllByName("localhost"));

        assertFalse(addresses.isEmpty(), "localhost resolves");
        for (InetAddress a : addresses) {
            assertEquals(AddressClass.LOOPBACK, DestinationPolicy.classify(a), "localhost -> " + a);
            assertFalse(DENY.allows(a), "localhost -> " + a + " refused with allowPrivateAddresses=false");
            assertTrue(ALLOW.allows(a), "localhost -> " + a + " allowed with allowPrivateAddresses=true");
        }
    }
}
