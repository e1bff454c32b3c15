package org.wispwar.wisp.session;

import org.junit.jupiter.api.AfterEach;
import org.wispwar.wisp.testing.LoopbackServer;

/**
 * Shared teardown for session tests that use a {@link SessionHarness} and a {@link LoopbackServer}: the harness closes
 * first (asserting nothing unexpected was sent, then shutting the session down), and only then the destination, whose
 * EOF would otherwise reach live streams and be answered with CLOSE.
 */
abstract class SessionTestSupport {
    SessionHarness h;
    LoopbackServer server;

    @AfterEach
    final void closeHarnessThenServer() throws Exception {
        try {
            if (h != null) {
                h.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
