package io.plank.web.limits;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.plank.web.problems.Problems;

/**
 * REST request bodies are at most {@code plank.rest.max-body-bytes}: a larger one gets 413 problem+json, whichever
 * server runs Plank (WildFly alone would answer an empty 400 past its 10 MB post limit). A body without a declared
 * length (chunked) is read up to the limit, and what Plank reads is kept in memory only up to it.
 *
 * <p>The rest of a refused body is read and dropped, up to {@link #DISCARD_LIMIT}, before answering: a client still
 * sending it would not read the answer otherwise, and a server that neither reads nor closes leaves it waiting.
 * Beyond that the connection is closed after the answer. Clients that send {@code Expect: 100-continue} (curl does
 * for large bodies) get the 413 before sending anything.
 */
@Provider
@ApplicationScoped
public class RequestBodyLimit implements ContainerRequestFilter {

    static final long DISCARD_LIMIT = 32L * 1024 * 1024;

    @Inject
    @ConfigProperty(name = "plank.rest.max-body-bytes", defaultValue = "1048576")
    int maxBytes;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        int declared = request.getLength();
        if (declared > maxBytes) {
            request.abortWith(tooLarge(declared <= DISCARD_LIMIT && discard(request.getEntityStream(), 0)));
        } else if (declared < 0 && request.hasEntity()) {
            InputStream body = request.getEntityStream();
            byte[] read = body.readNBytes(maxBytes + 1);
            if (read.length > maxBytes) {
                request.abortWith(tooLarge(discard(body, read.length)));
            } else {
                request.setEntityStream(new ByteArrayInputStream(read));
            }
        }
    }

    /**
     * Reads {@code body} to its end if that stays under the discard limit; false if it would not, or if the server
     * stopped the reading (WildFly ends a body past its own max-post-size with an IOException).
     */
    private static boolean discard(InputStream body, long alreadyRead) {
        byte[] buffer = new byte[64 * 1024];
        long total = alreadyRead;
        try {
            for (int read; (read = body.read(buffer)) >= 0; ) {
                total += read;
                if (total > DISCARD_LIMIT) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Response tooLarge(boolean bodyRead) {
        Response problem = Problems.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
                "The request body is larger than " + maxBytes + " bytes (plank.rest.max-body-bytes)");
        return bodyRead ? problem : Response.fromResponse(problem).header("Connection", "close").build();
    }
}
