package org.example.other;

import jakarta.enterprise.context.ApplicationScoped;

/** The other webapp's own CDI bean. */
@ApplicationScoped
public class Greeter {
    public String greet() {
        return "hello from the other app";
    }
}
