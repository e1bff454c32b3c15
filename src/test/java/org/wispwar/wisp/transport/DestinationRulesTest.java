package org.wispwar.wisp.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wispwar.wisp.config.ConfigParams;
import org.wispwar.wisp.config.PolicyConfig;
import org.wispwar.wisp.config.WispConfig;

/** The operator's destination rules, in their documented order, with the message naming the rule that refused. */
class DestinationRulesTest {
    private static DestinationPolicy policy(boolean allowPrivate, Map<String, String> params) {
        return DestinationPolicy.of(allowPrivate, WispConfig.from(params).policy());
    }

    private static String refusal(DestinationPolicy p, boolean udp, String host, int port) {
        return assertThrows(DestinationBlockedException.class, () -> p.checkDestination(udp, host, port)).getMessage();
    }

    @Test
    void portRulesAreExactAtTheirBounds() throws Exception {
        DestinationPolicy p = policy(false, Map.of("wisp.tcp.allowPorts", "80,443,8000-8999", "wisp.tcp.blockPorts", "8080"));
        for (int ok : new int[] {80, 443, 8000, 8999}) {
            p.checkDestination(false, "example.com", ok);
        }
        assertEquals("port 79 is not in wisp.tcp.allowPorts", refusal(p, false, "example.com", 79));
        assertEquals("port 9000 is not in wisp.tcp.allowPorts", refusal(p, false, "example.com", 9000));
        assertEquals("port 8080 is in wisp.tcp.blockPorts", refusal(p, false, "example.com", 8080));
        p.checkDestination(true, "example.com", 25);   // UDP has its own (empty) rules
    }

    @Test
    void hostPatternsMatchTheWholeNameCaseInsensitively() throws Exception {
        DestinationPolicy p = policy(false, Map.of("wisp.tcp.allowHosts", "(.+\\.)?example\\.com",
                "wisp.tcp.blockHosts", "secret\\.example\\.com"));
        p.checkDestination(false, "example.com", 80);
        p.checkDestination(false, "WWW.Example.COM.", 80);
        assertEquals("host matches wisp.tcp.blockHosts", refusal(p, false, "Secret.example.com", 80));
        assertEquals("host does not match wisp.tcp.allowHosts", refusal(p, false, "example.com.evil.net", 80));
        assertEquals("host does not match wisp.tcp.allowHosts", refusal(p, false, "notexample.com", 80));
    }

    @Test
    void udpRulesAreSeparateFromTcpRules() throws Exception {
        DestinationPolicy p = policy(false, Map.of("wisp.udp.allowPorts", "53", "wisp.udp.blockHosts", ".*\\.onion"));
        p.checkDestination(true, "dns.example", 53);
        assertEquals("port 123 is not in wisp.udp.allowPorts", refusal(p, true, "ntp.example", 123));
        assertEquals("host matches wisp.udp.blockHosts", refusal(p, true, "x.onion", 53));
        p.checkDestination(false, "ntp.example", 123);   // TCP unaffected
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "127.0.0.1", "::ffff:7f00:1", "::1", "[2001:db8::1]"})
    void directIpToggleRefusesEveryLiteralSpelling(String literal) {
        DestinationPolicy p = policy(true, Map.of("wisp.allowDirectIp", "false"));
        assertEquals("IP literal destinations are refused (wisp.allowDirectIp=false)", refusal(p, false, literal, 80));
    }

    @Test
    void blockRulesComeBeforeAllowRules() {
        DestinationPolicy p = policy(false, Map.of("wisp.tcp.allowHosts", ".*", "wisp.tcp.blockHosts", "bad\\..*",
                "wisp.tcp.allowPorts", "1-65535", "wisp.tcp.blockPorts", "22"));
        assertEquals("port 22 is in wisp.tcp.blockPorts", refusal(p, false, "bad.example", 22));
        assertEquals("host matches wisp.tcp.blockHosts", refusal(p, false, "bad.example", 80));
    }

    @Test
    void addressListsComposeWithTheClassDefault() throws Exception {
        DestinationPolicy p = policy(false, Map.of("wisp.allowAddresses", "10.1.0.0/16 fd00::/8",
                "wisp.blockAddresses", "10.1.2.0/24, 93.184.216.34"));
        assertTrue(p.allows(InetAddress.getByName("10.1.0.5")), "allowAddresses opens part of a private range");
        assertTrue(p.allows(InetAddress.getByName("fd00::1")));
        assertFalse(p.allows(InetAddress.getByName("10.2.0.5")), "the rest of 10/8 stays refused");
        assertFalse(p.allows(InetAddress.getByName("10.1.2.3")), "blockAddresses wins over allowAddresses");
        assertFalse(p.allows(InetAddress.getByName("93.184.216.34")), "blockAddresses refuses public addresses too");
        assertTrue(p.allows(InetAddress.getByName("93.184.216.35")));
        assertFalse(p.allows(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void hostAllowListDoesNotOpenPrivateAddresses() throws Exception {
        // an allowed name that resolves to a private address is still refused: names and addresses are separate rules
        List<InetAddress> dialed = new ArrayList<>();
        TcpDialer dialer = new TcpDialer(h -> List.of(InetAddress.getByName("10.0.0.7")),
                policy(false, Map.of("wisp.tcp.allowHosts", "intranet\\.example")), Duration.ofSeconds(1), true);
        var e = assertThrows(DestinationBlockedException.class,
                () -> dialer.connect("intranet.example", 80, s -> dialed.add(null)));
        assertEquals("destination resolves only to refused addresses (private)", e.getMessage());
        assertTrue(dialed.isEmpty(), "no socket was created");
    }

    @Test
    void rulesAreCheckedBeforeAnyResolution() {
        List<String> looked = new ArrayList<>();
        TcpDialer dialer = new TcpDialer(h -> {
            looked.add(h);
            return List.of(InetAddress.getByName("93.184.216.34"));
        }, policy(false, Map.of("wisp.tcp.blockPorts", "25")), Duration.ofSeconds(1), true);
        assertThrows(DestinationBlockedException.class, () -> dialer.connect("mail.example", 25, s -> { }));
        assertEquals(List.of(), looked, "a blocked port never reaches DNS");
    }

    @Test
    void invalidRulesFailTheDeploymentNamingTheParam() {
        var e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of("wisp.tcp.blockHosts", "(")));
        assertTrue(e.getMessage().startsWith("wisp.tcp.blockHosts entry \"(\" is not a regular expression"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of("wisp.udp.allowPorts", "0")));
        assertEquals("wisp.udp.allowPorts entries must be ports 1..65535 or ranges like 8000-8999, was \"0\"",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of("wisp.tcp.allowPorts", "9-3")));
        assertEquals("wisp.tcp.allowPorts entries must be ports 1..65535 or ranges like 8000-8999, was \"9-3\"",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WispConfig.from(Map.of("wisp.allowAddresses", "example.com/8")));
        assertEquals("wisp.allowAddresses entries must be IP addresses or CIDR blocks, was \"example.com/8\"",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of("wisp.blockAddresses", "10.0.0.0/33")));
        assertEquals("wisp.blockAddresses prefix length must be 0..32, was \"10.0.0.0/33\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WispConfig.from(Map.of("wisp.dnsPreference", "v6")));
        assertEquals("wisp.dnsPreference must be system, ipv4 or ipv6, was \"v6\"", e.getMessage());
        assertEquals(PolicyConfig.DnsPreference.IPV6,
                WispConfig.from(Map.of("wisp.dnsPreference", "IPv6")).policy().dnsPreference());
    }

    @Test
    void secretsComeFromTheEnvironmentOrAFile() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("secret", ".txt");
        java.nio.file.Files.writeString(f, "from-file\nsecond line ignored\n");
        ConfigParams p = new ConfigParams(Map.of("a", "env:WISP_T", "b", "file:" + f, "c", "inline", "d", "env:NOPE"),
                name -> name.equals("WISP_T") ? "from-env" : null);
        assertEquals("from-env", p.secret("a"));
        assertEquals("from-file", p.secret("b"));
        assertEquals("inline", p.secret("c"));
        var e = assertThrows(IllegalArgumentException.class, () -> p.secret("d"));
        assertEquals("d names environment variable NOPE, which is not set", e.getMessage());
        java.nio.file.Files.delete(f);
    }
}
