package org.wispwar.wisp.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Reads the context params once and produces the validated {@link WispConfig}. The registry loads it from its startup
 * observer, so a bad value fails the deployment with the param's name in the message. Thread-safe: parsed under a lock
 * once, then published through a volatile field.
 */
@ApplicationScoped
public class WispConfigProducer {
    private static final System.Logger LOG = System.getLogger(WispConfigProducer.class.getName());

    private final ReentrantLock loading = new ReentrantLock();
    private volatile WispConfig config;

    /** Parses the context's params on the first call; later calls return the same config. */
    public WispConfig load(ServletContext context) {
        WispConfig c = config;
        if (c != null) {
            return c;
        }
        loading.lock();
        try {
            if (config == null) {
                config = parse(context);
                LOG.log(System.Logger.Level.INFO, "Wisp server {0} at {1}/ ready: {2}", ServerVersion.get(),
                        context.getContextPath(), config);
            }
            return config;
        } finally {
            loading.unlock();
        }
    }

    @Produces
    WispConfig config() {
        WispConfig c = config;
        if (c == null) {
            throw new IllegalStateException("Wisp configuration requested before the application started");
        }
        return c;
    }

    /**
     * The context params the WAR's own WEB-INF/web.xml declares (it ships with none), to tell them apart from the
     * container's. Parsed without DTDs or external entities; empty when it cannot be read.
     */
    static Map<String, String> webXmlParams(ServletContext context) {
        Map<String, String> out = new HashMap<>();
        try (InputStream in = context.getResourceAsStream("/WEB-INF/web.xml")) {
            if (in == null) {
                return out;
            }
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(true);
            NodeList params = f.newDocumentBuilder().parse(in).getElementsByTagNameNS("*", "context-param");
            for (int i = 0; i < params.getLength(); i++) {
                Element param = (Element) params.item(i);
                out.put(text(param, "param-name"), text(param, "param-value"));
            }
        } catch (IOException | ParserConfigurationException | SAXException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "WEB-INF/web.xml not read for the params' sources: {0}", e.toString());
        }
        return out;
    }

    private static String text(Element parent, String child) {
        NodeList n = parent.getElementsByTagNameNS("*", child);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().strip();
    }

    private static WispConfig parse(ServletContext context) {
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            params.put(name, context.getInitParameter(name));
        }
        try {
            WispConfig config = WispConfig.from(params);
            LOG.log(System.Logger.Level.INFO, "Wisp params at {0}/: {1}", context.getContextPath(),
                    ParamSources.describe(params, webXmlParams(context)));
            return config;
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "Wisp configuration of " + context.getContextPath() + " is invalid: "
                    + e.getMessage());
            throw e;
        }
    }
}
