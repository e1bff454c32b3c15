package org.wispwar.wisp.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.auth.HandshakeAccess.Allowed;
import org.wispwar.wisp.auth.HandshakeAccess.Forbidden;
import org.wispwar.wisp.auth.HandshakeAccess.Unauthorized;
import org.wispwar.wisp.auth.HandshakeAccess.Verdict;
import org.wispwar.wisp.config.WispConfig;

/** The upgrade decision from headers alone: Origin first (403), then each auth method and the any/all mode (401). */
class HandshakeAccessTest {
    private static final Allowed ALLOWED = new Allowed();

    private static HandshakeAccess access(String... params) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.put(params[i], params[i + 1]);
        }
        return new HandshakeAccess(WispConfig.from(map).access());
    }

    /** Request headers, looked up case-insensitively as a servlet container does. */
    private static Verdict check(HandshakeAccess access, String... headers) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < headers.length; i += 2) {
            map.computeIfAbsent(headers[i], k -> new ArrayList<>()).add(headers[i + 1]);
        }
        return access.check(name -> map.getOrDefault(name, List.of()));
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nothingConfiguredAllowsEverything() {
        assertEquals(ALLOWED, check(access()));
        assertEquals(ALLOWED, check(access(), "Origin", "https://evil.example"));
    }

    @Test
    void aRefusedOriginIsForbiddenEvenWithGoodCredentials() {
        HandshakeAccess a = access("wisp.allowedOrigins", "https://app.example", "wisp.auth.bearer", "t0k");

        assertEquals(new Forbidden("origin https://evil.example is not allowed"),
                check(a, "Origin", "https://evil.example", "Authorization", "Bearer t0k"));
        assertEquals(ALLOWED, check(a, "Origin", "https://app.example", "Authorization", "Bearer t0k"));
        assertEquals(ALLOWED, check(a, "Authorization", "Bearer t0k"), "no Origin: not a browser");
        assertEquals(new Forbidden("origin https://evil.example is not allowed"),
                check(a, "Origin", "https://app.example", "Origin", "https://evil.example"), "every Origin must pass");
    }

    @Test
    void anAllowedOriginStillNeedsCredentials() {
        HandshakeAccess a = access("wisp.allowedOrigins", "https://app.example", "wisp.auth.bearer", "t0k");

        assertEquals(new Unauthorized(List.of(HandshakeAccess.BEARER_CHALLENGE), "no accepted credentials (mode any;"
                + " failed: bearer)"), check(a, "Origin", "https://app.example"));
    }

    @Test
    void basicAcceptsEachUserWithOwnPasswordOnly() {
        HandshakeAccess a = access("wisp.auth.basic", "alice:wonderland,bob:b0b", "wisp.auth.mode", "all");
        Unauthorized refused = new Unauthorized(List.of("Basic realm=\"wisp\""),
                "no accepted credentials (mode all; failed: basic)");

        assertEquals(ALLOWED, check(a, "Authorization", basic("alice:wonderland")));
        assertEquals(ALLOWED, check(a, "authorization", basic("bob:b0b")), "header names are case-insensitive");
        assertEquals(ALLOWED, check(a, "Authorization", "bAsIc " + basic("bob:b0b").substring(6)), "scheme too");
        assertEquals(refused, check(a), "missing");
        assertEquals(refused, check(a, "Authorization", basic("alice:b0b")), "another user's password");
        assertEquals(refused, check(a, "Authorization", basic("alice:wonder")), "a prefix of the password");
        assertEquals(refused, check(a, "Authorization", basic("carol:b0b")), "unknown user");
        assertEquals(refused, check(a, "Authorization", "Basic !!not-base64!!"));
        assertEquals(refused, check(a, "Authorization", "Bearer " + basic("bob:b0b").substring(6)), "wrong scheme");
    }

    @Test
    void basicPasswordsAreUtf8() {
        HandshakeAccess a = access("wisp.auth.basic", "jürgen:pässwörd");

        assertEquals(ALLOWED, check(a, "Authorization", basic("jürgen:pässwörd")));
    }

    @Test
    void bearerAcceptsAnyConfiguredToken() {
        HandshakeAccess a = access("wisp.auth.bearer", "one-token two/token==");
        Unauthorized refused = new Unauthorized(List.of("Bearer realm=\"wisp\""),
                "no accepted credentials (mode any; failed: bearer)");

        assertEquals(ALLOWED, check(a, "Authorization", "Bearer one-token"));
        assertEquals(ALLOWED, check(a, "Authorization", "bearer two/token=="));
        assertEquals(refused, check(a, "Authorization", "Bearer one-toke"));
        assertEquals(refused, check(a, "Authorization", "Bearer"));
        assertEquals(refused, check(a, "Authorization", basic("one-token:x")));
        assertEquals(refused, check(a));
    }

    @Test
    void headerNeedsItsValueUnderItsName() {
        HandshakeAccess a = access("wisp.auth.header", "X-Wisp-Key=k3y,X-Other=0ther");
        Unauthorized refused = new Unauthorized(List.of(), "no accepted credentials (mode any; failed: header)");

        assertEquals(ALLOWED, check(a, "X-Wisp-Key", "k3y"));
        assertEquals(ALLOWED, check(a, "x-other", "0ther"));
        assertEquals(refused, check(a, "X-Wisp-Key", "0ther"), "another entry's value under this name");
        assertEquals(refused, check(a, "X-Wisp-Key", "k3yy"));
        assertEquals(refused, check(a));
    }

    @Test
    void cookieNeedsItsValueUnderItsName() {
        HandshakeAccess a = access("wisp.auth.cookie", "wisp_session=c00kie");
        Unauthorized refused = new Unauthorized(List.of(), "no accepted credentials (mode any; failed: cookie)");

        assertEquals(ALLOWED, check(a, "Cookie", "wisp_session=c00kie"));
        assertEquals(ALLOWED, check(a, "Cookie", "theme=dark; wisp_session=c00kie; lang=en"));
        assertEquals(ALLOWED, check(a, "Cookie", "theme=dark", "Cookie", "wisp_session=\"c00kie\""));
        assertEquals(refused, check(a, "Cookie", "Wisp_Session=c00kie"), "cookie names are case-sensitive");
        assertEquals(refused, check(a, "Cookie", "other=c00kie"));
        assertEquals(refused, check(a, "Cookie", "wisp_session=c00ki"));
        assertEquals(refused, check(a, "X-Cookie", "wisp_session=c00kie"));
        assertEquals(refused, check(a));
    }

    @Test
    void anyModeNeedsOneMethodAndChallengesForBoth() {
        HandshakeAccess a = access("wisp.auth.basic", "alice:pw", "wisp.auth.bearer", "t0k",
                "wisp.auth.cookie", "s=c");

        assertEquals(ALLOWED, check(a, "Authorization", basic("alice:pw")));
        assertEquals(ALLOWED, check(a, "Authorization", "Bearer t0k"));
        assertEquals(ALLOWED, check(a, "Cookie", "s=c", "Authorization", "Bearer wrong"));
        assertEquals(new Unauthorized(List.of(HandshakeAccess.BASIC_CHALLENGE, HandshakeAccess.BEARER_CHALLENGE),
                "no accepted credentials (mode any; failed: basic, bearer, cookie)"), check(a));
    }

    @Test
    void allModeNeedsEveryMethod() {
        HandshakeAccess a = access("wisp.auth.bearer", "t0k", "wisp.auth.header", "X-Key=k",
                "wisp.auth.cookie", "s=c", "wisp.auth.mode", "all");

        assertEquals(ALLOWED, check(a, "Authorization", "Bearer t0k", "X-Key", "k", "Cookie", "s=c"));
        assertEquals(new Unauthorized(List.of(HandshakeAccess.BEARER_CHALLENGE),
                "no accepted credentials (mode all; failed: cookie)"),
                check(a, "Authorization", "Bearer t0k", "X-Key", "k"));
        assertEquals(new Unauthorized(List.of(HandshakeAccess.BEARER_CHALLENGE),
                "no accepted credentials (mode all; failed: bearer, header)"),
                check(a, "Authorization", "Bearer t0", "Cookie", "s=c"));
    }
}
