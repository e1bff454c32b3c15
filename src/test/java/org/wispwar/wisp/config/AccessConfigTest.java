package org.wispwar.wisp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.wispwar.wisp.config.AccessConfig.Mode;
import org.wispwar.wisp.config.AccessConfig.OriginPattern;
import org.wispwar.wisp.config.AccessConfig.Secret;

/** wisp.allowedOrigins and wisp.auth.*: parsing, secrets from env:/file:, validation messages, origin matching. */
class AccessConfigTest {
    @TempDir
    Path dir;

    private static final Map<String, String> ENV = Map.of("WISP_PW", "s3cret pass", "WISP_TOKEN", "tok-123",
            "WISP_EMPTY", "", "WISP_TAB", "a\u0001b");

    private static AccessConfig parse(Map<String, String> params) {
        return AccessConfig.from(new ConfigParams(params, ENV::get));
    }

    private static String failure(Map<String, String> params) {
        return assertThrows(IllegalArgumentException.class, () -> parse(params)).getMessage();
    }

    @Test
    void everythingIsOffByDefault() {
        AccessConfig c = AccessConfig.defaults();

        assertFalse(c.enabled(), "enabled");
        assertFalse(c.authRequired(), "authRequired");
        assertEquals(Mode.ANY, c.mode());
        assertTrue(c.originAllowed("https://anything.example"), "no allow list: any origin");
        assertEquals(c, WispConfig.defaults().access());
    }

    @Test
    void theParamsAreKnownToWispConfig() {
        WispConfig c = WispConfig.from(Map.of(AccessConfig.AUTH_BEARER, "abc", AccessConfig.AUTH_MODE, "all"));

        assertTrue(c.access().authRequired());
        assertEquals(Mode.ALL, c.access().mode());
    }

    @Test
    void secretsComeInlineFromTheEnvironmentOrFromAFile() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "file-token\nsecond line ignored\n");
        Path password = Files.writeString(dir.resolve("password"), "  from file  \n");
        AccessConfig c = parse(Map.of(
                AccessConfig.AUTH_BASIC, "alice:inline, bob:env:WISP_PW carol:file:" + password,
                AccessConfig.AUTH_BEARER, "inline-token,env:WISP_TOKEN,file:" + token,
                AccessConfig.AUTH_HEADER, "X-Wisp-Key=env:WISP_TOKEN",
                AccessConfig.AUTH_COOKIE, "wisp_session=file:" + token));

        assertEquals(List.of(Secret.of("alice:inline"), Secret.of("bob:s3cret pass"), Secret.of("carol:from file")),
                c.basic());
        assertEquals(List.of(Secret.of("inline-token"), Secret.of("tok-123"), Secret.of("file-token")), c.bearer());
        assertEquals(List.of(new AccessConfig.NamedSecret("X-Wisp-Key", Secret.of("tok-123"))), c.headers());
        assertEquals(List.of(new AccessConfig.NamedSecret("wisp_session", Secret.of("file-token"))), c.cookies());
    }

    @Test
    void noSecretIsPrintedWithTheConfig() {
        WispConfig c = WispConfig.from(Map.of(
                AccessConfig.ALLOWED_ORIGINS, "https://app.example",
                AccessConfig.AUTH_BASIC, "alice:hunter2",
                AccessConfig.AUTH_BEARER, "tok-123",
                AccessConfig.AUTH_HEADER, "X-Wisp-Key=k3y",
                AccessConfig.AUTH_COOKIE, "wisp_session=c00kie"));

        assertEquals("AccessConfig[allowedOrigins=[https://app.example], basic=1 user(s), bearer=1 token(s),"
                + " header=[X-Wisp-Key], cookie=[wisp_session], mode=any]", c.access().toString());
        String logged = c.toString();   // what WispConfigProducer logs at deploy
        assertTrue(logged.contains(c.access().toString()), logged);
        for (String secret : List.of("hunter2", "tok-123", "k3y", "c00kie")) {
            assertFalse(logged.contains(secret), secret + " printed in " + logged);
        }
    }

    @Test
    void secretsCompareByValueOnly() {
        Secret s = Secret.of("tok-123");

        assertTrue(s.matches("tok-123"));
        assertFalse(s.matches("tok-1234"), "longer");
        assertFalse(s.matches("tok-12"), "shorter");
        assertFalse(s.matches(""), "empty");
        assertTrue(Secret.anyMatches(List.of(Secret.of("a"), s), "tok-123"));
        assertFalse(Secret.anyMatches(List.of(Secret.of("a"), s), "b"));
        assertEquals("Secret[***]", s.toString());
    }

    private static final String HINT = " (a secret may be written as env:NAME or file:/path)";
    private static final String BASIC_SHAPE = "wisp.auth.basic entry %d must look like user:password" + HINT;
    private static final String HEADER_SHAPE = "wisp.auth.header entry 1 must look like Name=value, with a name of"
            + " letters, digits and !#$%&'*+.^_`|~-" + HINT;
    private static final String ORIGIN_SHAPE = "wisp.allowedOrigins entries must look like https://app.example,"
            + " https://*.example.com, http://localhost:8080 or null, was \"%s\"";

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                arguments(AccessConfig.AUTH_BASIC, "alice", BASIC_SHAPE.formatted(1)),
                arguments(AccessConfig.AUTH_BASIC, "a:b,:pw", BASIC_SHAPE.formatted(2)),
                arguments(AccessConfig.AUTH_BASIC, "alice:", BASIC_SHAPE.formatted(1)),
                arguments(AccessConfig.AUTH_BASIC, "alice:env:WISP_EMPTY",
                        "wisp.auth.basic names environment variable WISP_EMPTY, which is not set"),
                arguments(AccessConfig.AUTH_BASIC, "alice:env:WISP_UNSET",
                        "wisp.auth.basic names environment variable WISP_UNSET, which is not set"),
                arguments(AccessConfig.AUTH_BASIC, "alice:env:WISP_TAB",
                        "wisp.auth.basic entry 1 for user alice needs a non-empty password without control characters"),
                arguments(AccessConfig.AUTH_BEARER, "env:WISP_PW", "wisp.auth.bearer entry 1 is not a bearer token: use"
                        + " letters, digits and - . _ ~ + / (then optional =)" + HINT),
                arguments(AccessConfig.AUTH_BEARER, "file:/nonexistent/wisp-token",
                        "wisp.auth.bearer names file /nonexistent/wisp-token, which cannot be read"),
                arguments(AccessConfig.AUTH_HEADER, "X-Key", HEADER_SHAPE),
                arguments(AccessConfig.AUTH_HEADER, "X(Key)=v", HEADER_SHAPE),
                arguments(AccessConfig.AUTH_HEADER, "X-Key=", HEADER_SHAPE),
                arguments(AccessConfig.AUTH_HEADER, "X-Key=env:WISP_TAB",
                        "wisp.auth.header entry 1 (X-Key) has a value that cannot be sent in a header"),
                arguments(AccessConfig.AUTH_COOKIE, "c=a\"b",
                        "wisp.auth.cookie entry 1 (c) has a value that cannot be sent in a cookie"),
                arguments(AccessConfig.AUTH_COOKIE, "c=env:WISP_PW",
                        "wisp.auth.cookie entry 1 (c) has a value that cannot be sent in a cookie"),
                arguments(AccessConfig.AUTH_MODE, "some", "wisp.auth.mode must be any or all, was \"some\""),
                arguments(AccessConfig.ALLOWED_ORIGINS, "app.example", ORIGIN_SHAPE.formatted("app.example")),
                arguments(AccessConfig.ALLOWED_ORIGINS, "*", ORIGIN_SHAPE.formatted("*")),
                arguments(AccessConfig.ALLOWED_ORIGINS, "https://app.example/path",
                        ORIGIN_SHAPE.formatted("https://app.example/path")),
                arguments(AccessConfig.ALLOWED_ORIGINS, "https://app.example:70000",
                        ORIGIN_SHAPE.formatted("https://app.example:70000")));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalidValues")
    void invalidValuesFailNamingTheParam(String param, String value, String message) {
        assertEquals(message, failure(Map.of(param, value)));
    }

    @Test
    void allModeCannotNeedBasicAndBearerAtOnce() {
        assertEquals("wisp.auth.mode=all cannot require both wisp.auth.basic and wisp.auth.bearer: a request has one"
                + " Authorization header", failure(Map.of(AccessConfig.AUTH_MODE, "ALL", AccessConfig.AUTH_BASIC, "a:b",
                AccessConfig.AUTH_BEARER, "t")));
        assertEquals(Mode.ANY, parse(Map.of(AccessConfig.AUTH_BASIC, "a:b", AccessConfig.AUTH_BEARER, "t")).mode());
    }

    @Test
    void aMistypedBasicEntryIsNotEchoed() {
        String message = failure(Map.of(AccessConfig.AUTH_BASIC, "alicehunter2"));
        assertFalse(message.contains("hunter2"), message);
    }

    @ParameterizedTest(name = "{0} allows {1}: {2}")
    @CsvSource({
        "https://app.example,          https://app.example,         true",
        "https://app.example,          HTTPS://App.Example,         true",
        "https://app.example,          https://app.example:443,     true",
        "https://app.example:443,      https://app.example,         true",
        "https://app.example,          https://app.example/,        true",
        "https://app.example,          http://app.example,          false",
        "https://app.example,          https://app.example:8443,    false",
        "https://app.example,          https://app.example.evil,    false",
        "https://app.example,          https://evil-app.example,    false",
        "https://app.example,          https://sub.app.example,     false",
        "https://app.example,          null,                        false",
        "https://app.example,          garbage,                     false",
        "http://localhost:8080,        http://localhost:8080,       true",
        "http://localhost:8080,        http://localhost,            false",
        "https://*.example.com,        https://a.example.com,       true",
        "https://*.example.com,        https://a.b.example.com,     true",
        "https://*.example.com,        https://example.com,         false",
        "https://*.example.com,        https://aexample.com,        false",
        "https://*.example.com,        https://*.example.com,       false",
        "http://[::1]:8080,            http://[::1]:8080,           true",
        "null,                         null,                        true",
        "null,                         https://app.example,         false",
    })
    void originsMatchExactlyOrBySubdomain(String allowed, String origin, boolean expected) {
        AccessConfig c = parse(Map.of(AccessConfig.ALLOWED_ORIGINS, allowed));

        assertEquals(expected, c.originAllowed(origin), allowed + " vs " + origin);
    }

    @Test
    void aRequestWithoutOriginIsNotFromABrowserAndPasses() {
        assertTrue(parse(Map.of(AccessConfig.ALLOWED_ORIGINS, "https://app.example")).originAllowed(null));
    }

    @Test
    void originPatternsPrintNormalized() {
        assertEquals("https://app.example", OriginPattern.parse("HTTPS://APP.example:443/").toString());
        assertEquals("http://*.example.com:8080", OriginPattern.parse("http://*.Example.com:8080").toString());
        assertEquals("null", OriginPattern.parse("null").toString());
    }
}
