package org.example.other;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Answers every GET with what this webapp can see: its own bean, how many beans of the Wisp WAR its CDI container
 * knows (must be 0), and whether the request joined an existing HTTP session of this webapp.
 */
public class HelloServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        BeanManager beans = CDI.current().getBeanManager();
        long wispBeans = beans.getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .filter(b -> b.getBeanClass().getName().startsWith("org.wispwar."))
                .count();
        HttpSession session = request.getSession(false);
        boolean existing = session != null;
        if (session == null) {
            session = request.getSession(true);
        }
        response.setContentType("text/plain;charset=UTF-8");
        PrintWriter out = response.getWriter();
        out.println("greeting=" + CDI.current().select(Greeter.class).get().greet());
        out.println("wispBeans=" + wispBeans);
        out.println("session=" + (existing ? "existing" : "new"));
    }
}
