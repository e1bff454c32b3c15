package org.wispwar.wisp.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.wispwar.wisp.metrics.WispMetrics;
import org.wispwar.wisp.stream.ConnectionRecord;

/**
 * The MBean's connection operations as a JMX client sees them: through an MBean server, as an MXBean, so a connection
 * is CompositeData with named items and the close is an operation taking the id.
 */
class ConnectionOperationsTest {
    @Test
    void listConnectionsIsCompositeDataAndCloseConnectionTakesTheId() throws Exception {
        ConnectionRecord c = new ConnectionRecord("2.a", "198.51.100.4", null, null, ConnectionRecord.Kind.V2, null, true);
        List<String> closed = new ArrayList<>();
        WispStats stats = new WispStats(new WispMetrics(), () -> new MemoryStats(null, null, null), new HealthState(""),
                () -> List.of(WispStatsMBean.OpenConnection.of(c, 3)), id -> closed.add(id) && id.equals("2.a"));
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        ObjectName name = new ObjectName("org.wispwar.wisp:type=Wisp,context=\"/t\"");
        server.registerMBean(new StandardMBean(stats, WispStatsMBean.class, true), name);

        List<String> operations = new ArrayList<>();
        for (MBeanOperationInfo op : server.getMBeanInfo(name).getOperations()) {
            operations.add(op.getName() + "/" + op.getSignature().length);
        }
        assertEquals(List.of("closeConnection/1", "drain/0", "listConnections/0", "resume/0"), operations.stream().sorted().toList());

        Object listed = server.invoke(name, "listConnections", new Object[0], new String[0]);
        CompositeData[] rows = assertInstanceOf(CompositeData[].class, listed);
        assertEquals(1, rows.length);
        CompositeData row = rows[0];
        assertEquals("2.a", row.get("id"));
        assertEquals("198.51.100.4", row.get("clientIp"));
        assertEquals("v2", row.get("kind"));
        assertEquals(c.openedAt().toString(), row.get("openedAt"));
        assertEquals(3, row.get("streamsOpen"));
        assertEquals(0L, row.get("bytesUp"));
        assertEquals(0L, row.get("bytesDown"));

        assertTrue((Boolean) server.invoke(name, "closeConnection", new Object[] {"2.a"},
                new String[] {String.class.getName()}));
        assertFalse((Boolean) server.invoke(name, "closeConnection", new Object[] {"nope"},
                new String[] {String.class.getName()}));
        assertEquals(List.of("2.a", "nope"), closed);
    }
}
