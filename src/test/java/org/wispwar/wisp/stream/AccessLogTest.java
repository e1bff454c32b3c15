package org.wispwar.wisp.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The access line's fixed format: field order, '-' for absent values, and quoting of anything a client chose. */
class AccessLogTest {
    private static final Instant T = Instant.parse("2026-12-03T16:20:01.123456Z");

    @Test
    void aStreamLineHasEveryFieldInOrder() {
        ConnectionRecord c = new ConnectionRecord("3.1f", "203.0.113.5", "10.0.0.2", "https://app.example",
                ConnectionRecord.Kind.V2, null, true);
        assertEquals("time=2026-12-03T16:20:01.123Z conn=3.1f stream=3 client=203.0.113.5 via=10.0.0.2"
                + " origin=https://app.example proto=tcp dest=example.com:443 dialed=93.184.216.34 up=517 down=4711"
                + " ms=1234 reason=VOLUNTARY(0x02) by=destination",
                AccessLog.line(T, c, new AccessLog.Entry("3.1f", "3", "tcp", "example.com:443", "93.184.216.34", 517,
                        4711, 1234, "VOLUNTARY(0x02)", "destination")));
    }

    @Test
    void absentValuesAreADashAndAPeerThatIsTheClientIsNotRepeated() {
        ConnectionRecord c = new ConnectionRecord("1.1", "192.0.2.9", "192.0.2.9", null, ConnectionRecord.Kind.WSPROXY,
                "x:1", true);
        assertEquals("time=2026-12-03T16:20:01.123Z conn=1.1 stream=- client=192.0.2.9 via=- origin=- proto=wsproxy"
                + " dest=[::1]:22 dialed=- up=0 down=0 ms=0 reason=- by=server",
                AccessLog.line(T, c, new AccessLog.Entry("1.1", null, "wsproxy", AccessLog.hostPort("::1", 22), null,
                        0, 0, 0, null, "server")));
    }

    @Test
    void theTimeAlwaysHasMilliseconds() {
        ConnectionRecord c = ConnectionRecord.of("1.2", ConnectionRecord.Kind.V1);
        String line = AccessLog.line(Instant.parse("2026-01-02T03:04:05Z"), c, new AccessLog.Entry("1.2", "1", "udp",
                "h:53", "192.0.2.1", 1, 2, 3, "VOLUNTARY(0x02)", "client"));
        assertTrue(line.startsWith("time=2026-01-02T03:04:05.000Z conn=1.2 stream=1 client=unknown via=- "), line);
    }

    @Test
    void valuesThatWouldBreakTheLineAreQuotedAndEscaped() {
        assertEquals("plain.example", AccessLog.value("plain.example"));
        assertEquals("-", AccessLog.value(null));
        assertEquals("\"-\"", AccessLog.value("-"), "a real dash is not an absent value");
        assertEquals("\"\"", AccessLog.value(""));
        assertEquals("\"two words\"", AccessLog.value("two words"));
        assertEquals("\"a=b\"", AccessLog.value("a=b"), "no fake key=value inside a value");
        assertEquals("\"say \\\"hi\\\"\"", AccessLog.value("say \"hi\""));
        assertEquals("\"back\\\\slash\"", AccessLog.value("back\\slash"));
        assertEquals("\"line\\u000a time=forged\"", AccessLog.value("line\n time=forged"), "no new line");
        assertEquals("\"cr\\u000dtab\\u0009del\\u007f\"", AccessLog.value("cr\rtab\tdel\u007f"));
        assertEquals("\"b\\u00fccher.example\"", AccessLog.value("bücher.example"), "ASCII only");
    }

    @Test
    void hostPortBracketsIpv6Once() {
        assertEquals("example.com:80", AccessLog.hostPort("example.com", 80));
        assertEquals("[2001:db8::1]:443", AccessLog.hostPort("2001:db8::1", 443));
        assertEquals("[::1]:443", AccessLog.hostPort("[::1]", 443));
    }
}
