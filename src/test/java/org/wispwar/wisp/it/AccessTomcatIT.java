package org.wispwar.wisp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.realm.MemoryRealm;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.testing.Trees;

/**
 * The access-control checks ({@link AccessChecks}) on the built WAR in embedded Tomcat 11. Tomcat's own parts: its
 * filter chain is read and reordered through the context's filter maps (Tomcat adds its {@code WsFilter} after the
 * filters of web.xml, and Wisp's filter is registered in front of all of them); the secured context is a copy of the
 * exploded WAR whose {@code WEB-INF/web.xml} carries the security constraint, as README "Servlet security constraints
 * instead" tells a Tomcat operator to do, with a {@code MemoryRealm} reading a {@code tomcat-users.xml} as its realm.
 */
class AccessTomcatIT extends AccessChecks {
    /** The name Tomcat registers its upgrade filter under (WsServerContainer). */
    static final String TOMCAT_UPGRADE_FILTER = "Tomcat WebSocket (JSR356) Filter";
    /** The secured copy of the WAR and its tomcat-users.xml, under target/. */
    static final Path SECURED_DIR = Path.of("target", "access-tomcat-secured");

    EmbeddedTomcat tomcat;

    @Override
    WarContainer start(Map<String, Map<String, String>> contexts) throws Exception {
        tomcat = EmbeddedTomcat.start(contexts);
        return tomcat;
    }

    /** The Tomcat line this class runs on: its execution's classpath decides, this checks it. */
    String expectedServer() {
        return "Apache Tomcat/11.";
    }

    @Test
    void runsOnTheExpectedTomcat() {
        assertTrue(tomcat.name().startsWith(expectedServer()), tomcat.name());
    }

    @Override
    String upgradeFilterName() {
        return TOMCAT_UPGRADE_FILTER;
    }

    @Override
    List<String> filterNames(String path) {
        return Arrays.stream(tomcat.context(path).findFilterMaps()).map(FilterMap::getFilterName).toList();
    }

    /** Tomcat builds each request's chain from the context's filter maps, so the new order applies at once. */
    @Override
    void moveAccessFilterLast(String path) {
        StandardContext ctx = tomcat.context(path);
        FilterMap ours = Arrays.stream(ctx.findFilterMaps()).filter(m -> m.getFilterName().equals(ACCESS_FILTER))
                .findFirst().orElseThrow(() -> new AssertionError(path + " has no " + ACCESS_FILTER + " mapping"));
        ctx.removeFilterMap(ours);
        ctx.addFilterMap(ours);   // appended: after WsFilter
        assertEquals(ACCESS_FILTER, filterNames(path).getLast());
    }

    /**
     * A copy of the exploded WAR with {@link #SECURITY_CONSTRAINT} added to its {@code WEB-INF/web.xml}, deployed in
     * the same Tomcat with a MemoryRealm on the context (what {@code <Realm className="...MemoryRealm"
     * pathname="..."/>} in a context XML gives).
     */
    @Override
    URI startSecured() throws Exception {
        Trees.delete(SECURED_DIR);
        Files.createDirectories(SECURED_DIR);
        Path war = SECURED_DIR.resolve("wisp");
        copyTree(WarContainer.WAR, war);
        Path webXml = war.resolve("WEB-INF/web.xml");
        String descriptor = Files.readString(webXml);
        int end = descriptor.lastIndexOf("</web-app>");
        assertTrue(end > 0, "no </web-app> in " + webXml);
        Files.writeString(webXml, descriptor.substring(0, end) + SECURITY_CONSTRAINT + descriptor.substring(end));
        Path users = SECURED_DIR.resolve("tomcat-users.xml");
        Files.writeString(users, """
                <?xml version="1.0" encoding="UTF-8"?>
                <tomcat-users>
                  <user username="carol" password="c4rol" roles="wisp"/>
                  <user username="dave" password="d4ve" roles="other"/>
                </tomcat-users>
                """);
        tomcat.deployWebapp(SECURED, war, ctx -> {
            MemoryRealm realm = new MemoryRealm();
            realm.setPathname(users.toAbsolutePath().toString());
            ctx.setRealm(realm);
        });
        assertTrue(tomcat.isAvailable(SECURED), SECURED + " did not deploy: " + tomcat.startupFailure(SECURED));
        return tomcat.wispUri(SECURED);
    }

    @Override
    void stopSecured() throws Exception {
        if (tomcat != null && tomcat.context(SECURED) != null) {
            tomcat.undeploy(SECURED);
        }
        Trees.delete(SECURED_DIR);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

}
