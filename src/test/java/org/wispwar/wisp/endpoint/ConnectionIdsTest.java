package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Connection ids: short, and unique across deployments in one JVM, each with its own class loader. */
class ConnectionIdsTest {
    @Test
    void idsOfOneDeploymentAreShortAndCount() {
        ConnectionIds ids = new ConnectionIds();
        assertEquals(ids.prefix() + ".1", ids.next());
        assertEquals(ids.prefix() + ".2", ids.next());
        for (int i = 3; i < 36; i++) {
            ids.next();
        }
        assertEquals(ids.prefix() + ".10", ids.next(), "base 36: the 36th");
    }

    @Test
    void twoDeploymentsNeverRepeatAnId() {
        ConnectionIds a = new ConnectionIds();
        ConnectionIds b = new ConnectionIds();
        assertNotEquals(a.prefix(), b.prefix());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(seen.add(a.next()));
            assertTrue(seen.add(b.next()));
        }
    }

    /** What matters on a real server: two class loaders (two webapps, or a redeploy) share no static field. */
    @Test
    void deploymentsWithTheirOwnClassLoadersStillGetTheirOwnPrefix() throws Exception {
        URL classes = Path.of("target", "classes").toUri().toURL();
        Set<String> prefixes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
                Class<?> type = loader.loadClass(ConnectionIds.class.getName());
                assertNotSame(ConnectionIds.class, type, "a separate copy of the class");
                Constructor<?> make = type.getDeclaredConstructor();
                make.setAccessible(true);
                Method next = type.getDeclaredMethod("next");
                next.setAccessible(true);
                String id = (String) next.invoke(make.newInstance());
                assertTrue(id.matches("[0-9a-z]+\\.1"), id);
                assertTrue(prefixes.add(id), "repeated: " + id);
            }
        }
        assertTrue(prefixes.add(new ConnectionIds().next()), "and this loader's next one is new too");
    }

    @Test
    void theSystemPropertyHoldsOnlyAString() {
        new ConnectionIds();
        assertTrue(System.getProperties().get(ConnectionIds.PROPERTY) instanceof String,
                "nothing of ours stays reachable from the JVM after an undeploy");
    }
}
