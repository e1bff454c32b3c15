package org.wispwar.wisp.endpoint;

import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

/**
 * An MXBean whose attributes, operations and operation parameters carry descriptions any JMX console shows, taken from
 * one table keyed by name: attributes by their name ({@code Sessions}), operations by theirs ({@code drain}),
 * parameters as {@code operation.parameter}. A name missing from the table keeps the JDK's generic text, which the
 * unit test that reads the registered bean's {@link MBeanInfo} rejects. Thread-safe: immutable after construction
 * ({@link StandardMBean} builds and caches the info on first use).
 *
 * @param <T> the MXBean interface
 */
final class DescribedMBean<T> extends StandardMBean {
    private final String description;
    private final Map<String, String> descriptions;

    DescribedMBean(T implementation, Class<T> mxbeanInterface, String description, Map<String, String> descriptions)
            throws NotCompliantMBeanException {
        super(implementation, mxbeanInterface, true);
        this.description = description;
        this.descriptions = Map.copyOf(descriptions);
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return description == null ? super.getDescription(info) : description;
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return describe(info.getName(), super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return describe(info.getName(), super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return describe(op.getName() + "." + param.getName(), super.getDescription(op, param, sequence));
    }

    private String describe(String name, String fallback) {
        String text = descriptions == null ? null : descriptions.get(name);
        return text == null ? fallback : text;
    }
}
