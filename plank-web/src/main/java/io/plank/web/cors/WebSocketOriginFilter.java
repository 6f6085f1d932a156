package io.plank.web.cors;

import java.io.IOException;

import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.plank.web.problems.Problems;

/**
 * Refuses (403) a WebSocket handshake from a page that is neither Plank's own nor at an allowed origin, so no other
 * site can read the change stream through its visitors' browsers. Browsers always send {@code Origin} on a
 * WebSocket handshake and, unlike for REST, do not apply CORS to it: the server must check. A servlet filter runs
 * before both servers' WebSocket upgrade (Tyrus and Undertow map theirs after the application's filters).
 */
@WebFilter(urlPatterns = "/ws", asyncSupported = true)
public class WebSocketOriginFilter extends HttpFilter {

    @Inject
    AllowedOrigins allowed;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String origin = request.getHeader("Origin");
        if (allowed.policy().allowsWebSocket(origin, request.getHeader("Host"))) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType(Problems.MEDIA_TYPE);
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(Problems.body(HttpServletResponse.SC_FORBIDDEN, "Forbidden",
                "WebSocket connections from this page's origin are not allowed; an operator may list it in plank.cors.origins"));
    }
}
