package dev.sparrow.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/** Downloads over HTTP(S) with the JDK's client, following redirects; anything but status 200 is an error. */
public final class HttpDownloader implements Downloader {
    private final Duration connectTimeout;
    private final Duration requestTimeout;

    public HttpDownloader() {
        this(Duration.ofSeconds(20), Duration.ofMinutes(10));
    }

    public HttpDownloader(Duration connectTimeout, Duration requestTimeout) {
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public void download(URI source, Path target) throws IOException {
        try (HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(connectTimeout)
                .build()) {
            HttpRequest request = HttpRequest.newBuilder(source).timeout(requestTimeout).GET().build();
            HttpResponse<Path> response = client.send(request, HttpResponse.BodyHandlers.ofFile(target,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + " from " + source);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download of " + source + " was interrupted");
        } catch (IOException e) {
            // The JDK client often throws exceptions without a message (e.g. ConnectException).
            throw new IOException("cannot fetch " + source + ": " + describe(e), e);
        }
    }

    /** "ConnectException: Connection refused" style text from the first messages down the cause chain. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                sb.append(": ").append(t.getMessage());
                break;
            }
        }
        return sb.toString();
    }
}
