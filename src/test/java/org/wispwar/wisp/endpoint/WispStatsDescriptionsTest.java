package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.metrics.WispMetrics;

/**
 * Every attribute, operation and parameter of the registered MBean shows a description of its own, not the JDK's
 * generic text, so a new attribute added without a row in {@link WispStatsDescriptions} fails here; and the drain
 * switch works through the MBean server as a console would use it.
 */
class WispStatsDescriptionsTest {
    private static final Supplier<MemoryStats> NO_MEMORY = () -> new MemoryStats(null, null, null);
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final HealthState health = new HealthState("/described");
    private ObjectName name;

    @BeforeEach
    void register() throws Exception {
        name = new ObjectName("org.wispwar.wisp:type=Wisp,context=" + ObjectName.quote("/described-test"));
        health.started(new WispMetrics(), () -> true);
        server.registerMBean(new DescribedMBean<>(new WispStats(new WispMetrics(), NO_MEMORY, health, java.util.List::of, id -> false),
                WispStatsMBean.class, WispStatsDescriptions.BEAN, WispStatsDescriptions.BY_NAME), name);
    }

    @AfterEach
    void unregister() throws Exception {
        server.unregisterMBean(name);
    }

    @Test
    void everyAttributeOperationAndParameterHasItsOwnDescription() throws Exception {
        MBeanInfo info = server.getMBeanInfo(name);
        // what the same interface shows without the table: the generic texts that must not appear
        MBeanInfo plain = new StandardMBean(new WispStats(new WispMetrics(), NO_MEMORY), WispStatsMBean.class, true)
                .getMBeanInfo();
        assertEquals(WispStatsDescriptions.BEAN, info.getDescription());
        List<String> undescribed = new ArrayList<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            String generic = Arrays.stream(plain.getAttributes()).filter(p -> p.getName().equals(a.getName()))
                    .findFirst().orElseThrow().getDescription();
            if (blankOrEqual(a.getDescription(), generic) || a.getDescription().equals(a.getName())) {
                undescribed.add("attribute " + a.getName() + ": \"" + a.getDescription() + "\"");
            }
        }
        for (MBeanOperationInfo o : info.getOperations()) {
            MBeanOperationInfo p = Arrays.stream(plain.getOperations()).filter(x -> x.getName().equals(o.getName()))
                    .findFirst().orElseThrow();
            if (blankOrEqual(o.getDescription(), p.getDescription()) || o.getDescription().equals(o.getName())) {
                undescribed.add("operation " + o.getName() + ": \"" + o.getDescription() + "\"");
            }
            MBeanParameterInfo[] params = o.getSignature();
            for (int i = 0; i < params.length; i++) {
                if (blankOrEqual(params[i].getDescription(), p.getSignature()[i].getDescription())) {
                    undescribed.add("parameter " + o.getName() + "." + params[i].getName());
                }
            }
        }
        assertEquals(List.of(), undescribed, "add a row to WispStatsDescriptions.BY_NAME");
        assertTrue(info.getAttributes().length >= 22, "all attributes seen: " + info.getAttributes().length);
        assertEquals(List.of("closeConnection", "drain", "listConnections", "resume"), Arrays.stream(
                info.getOperations()).map(MBeanOperationInfo::getName).sorted().toList());
    }

    @Test
    void theTableDescribesNothingTheBeanLacks() throws Exception {
        MBeanInfo info = server.getMBeanInfo(name);
        List<String> names = new ArrayList<>();
        Arrays.stream(info.getAttributes()).forEach(a -> names.add(a.getName()));
        for (MBeanOperationInfo o : info.getOperations()) {
            names.add(o.getName());
            Arrays.stream(o.getSignature()).forEach(p -> names.add(o.getName() + "." + p.getName()));
        }
        List<String> stale = WispStatsDescriptions.BY_NAME.keySet().stream().filter(k -> !names.contains(k)).toList();
        assertEquals(List.of(), stale, "rows for names the MBean does not have");
    }

    @Test
    void drainAndResumeThroughTheMBeanServer() throws Exception {
        assertEquals(false, server.getAttribute(name, "Draining"));
        server.invoke(name, "drain", new Object[0], new String[0]);
        assertEquals(true, server.getAttribute(name, "Draining"));
        assertFalse(health.acceptsUpgrades());
        assertFalse(health.ready().up());
        server.invoke(name, "resume", new Object[0], new String[0]);
        assertEquals(false, server.getAttribute(name, "Draining"));
        assertTrue(health.ready().up());
        assertNotEquals(null, server.getMBeanInfo(name).getAttributes());
    }

    private static boolean blankOrEqual(String description, String generic) {
        return description == null || description.isBlank() || description.equals(generic);
    }
}
