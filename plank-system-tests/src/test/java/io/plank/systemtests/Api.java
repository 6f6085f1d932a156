package io.plank.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import jakarta.json.JsonObject;

/** Plank's REST API over java.net.http, nothing more: status, headers and body are for the tests to judge. */
final class Api {

    static final String JSON = "application/json";
    static final String PROBLEM_JSON = "application/problem+json";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final RunningPlank plank;
    /** Sent as {@code Authorization: Bearer}; null: anonymous. */
    private final String token;

    Api(RunningPlank plank) {
        this(plank, null);
    }

    Api(RunningPlank plank, String token) {
        this.plank = plank;
        this.token = token;
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    HttpResponse<String> post(String path, String contentType, String body) {
        return send(request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> put(String path, String contentType, String body) {
        return send(request(path).header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> delete(String path) {
        return send(request(path).DELETE());
    }

    /** POSTs a new item and returns it, failing unless the API answers 201. */
    JsonObject createItem(String name, int value) {
        var response = post("/items", JSON, JsonText.builder().add("name", name).add("value", value).build().toString());
        if (response.statusCode() != 201) {
            throw new AssertionError("POST /items answered " + response.statusCode() + ": " + response.body());
        }
        return JsonText.object(response.body());
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        return send(request, HTTP);
    }

    /** Sends through {@code http}: a client with settings of its own (TLS, say). */
    static HttpResponse<String> send(HttpRequest.Builder request, HttpClient http) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("Request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", e);
        }
    }

    static int status(URI uri) {
        return get(uri).statusCode();
    }

    static HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET());
    }

    private HttpRequest.Builder request(String path) {
        var request = HttpRequest.newBuilder(plank.api(path)).timeout(Duration.ofSeconds(30)).header("Accept", JSON + ", " + PROBLEM_JSON);
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }
}
