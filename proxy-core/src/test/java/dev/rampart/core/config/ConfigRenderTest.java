package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The effective config: complete, in config spelling, and parsing back to the same config. */
class ConfigRenderTest {

    private static final Path EDGE = Path.of("../conf/examples/edge.conf");

    @TempDir
    Path dir;

    @Test
    void edgeExampleSurvivesRenderAndReparse() {
        RampartConfig edge = ConfigLoader.load(EDGE, Map.of());
        String text = EffectiveConfigRenderer.render(edge);
        RampartConfig reparsed = ConfigLoader.parse(text, "effective", Map.of());
        assertEquals(edge, reparsed, text);
        assertEquals(text, EffectiveConfigRenderer.render(reparsed));
    }

    @Test
    void oddValuesSurviveRenderAndReparse() throws IOException {
        dev.rampart.core.testing.TestCertificates tls =
                dev.rampart.core.testing.TestCertificates.generate(dir, "tls", "localhost", "dns:localhost");
        Path cert = tls.certChain();
        Path key = tls.privateKey();
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  server { tls { cert-chain = "%1$s", private-key = "%2$s", client-auth = REQUIRED, trust-cert-chain = "%1$s",
                                 protocols = [TLSv1.3, TLSv1.2], ciphers = [TLS_AES_128_GCM_SHA256] },
                           max-request-body = 12345,
                           request-body-timeout = 1500ms, shutdown-grace = 0s }
                  upstreams {
                    "include" { endpoints = ["c:1"] }
                    "svc.v2" {
                      endpoints = ["https://[::1]:8443", "b:1"]
                      circuit-breaker { failure-rate-threshold = 12.5, enabled = false }
                      health-check { path = "/ready" }
                      tls { cert-chain = "%1$s", private-key = "%2$s", protocols = [TLSv1.2] }
                    }
                  }
                  routes = [
                    {
                      name = "quote \\" and ${not-a-substitution}"
                      match { path-regex = "^/a\\\\d+/(x|y)$", methods = [PATCH, GET, PURGE, "007", "1E5", "M#1", "A+B"],
                              headers { "X-Token" = "s3cret", "x-b" = "two words", "include" = "a header so named" } }
                      upstream = "svc.v2"
                      rewrite { replace-prefix { from = "/a", to = "" } }
                      retry { idempotent-methods = [GET, "1.50", "X$Y"], status-codes = [503, 429], backoff { multiplier = 1.5, jitter = none },
                              budget { ratio = 0 }, replay-buffer = 0, idempotency-key-header = "" }
                      errors { rewrite-upstream = [] }
                    },
                    { respond { status = 503, body = "line1\\nline2", content-type = "text/plain; charset=utf-8" } }
                  ]
                }
                """.formatted(cert, key), "odd.conf", Map.of());
        String text = EffectiveConfigRenderer.render(config);
        assertEquals(config, ConfigLoader.parse(text, "effective", Map.of()), text);
        assertTrue(text.contains("private-key = \"" + key + "\"  # a path; the key is never printed"), text);
    }

    @Test
    void jsonIsValidAndParsesBackAsHocon() throws IOException {
        RampartConfig edge = ConfigLoader.load(EDGE, Map.of());
        String json = EffectiveConfigRenderer.renderJson(edge);
        try (JsonParser parser = new JsonFactory().createParser(json)) {
            while (parser.nextToken() != null) {
                // reading every token is the validity check
            }
        }
        // JSON is HOCON, and the JSON form uses config spellings, so it loads as the same config.
        assertEquals(edge, ConfigLoader.parse(json, "json", Map.of()), json);
    }

    @Test
    void jsonRedactsCredentialLikeHeaderValues() throws IOException {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, match { headers { authorization = "Bearer abc", x-api-key = "k1",
                                                                  x-canary = "1", x-auth = "a", x-passwd = "p",
                                                                  x-credential = "c", x-session = "s",
                                                                  x-hub-signature-256 = "g", x-jwt = "j",
                                                                  x-csrftoken = "t", x-secretkey = "k",
                                                                  x-pin = "1", x-spinner = "on" } } } ]
                }
                """, "t.conf", Map.of());
        String json = EffectiveConfigRenderer.renderJson(config);
        Map<String, String> headers = headerValues(json);
        String hidden = EffectiveConfigRenderer.REDACTED;
        assertEquals(Map.ofEntries(Map.entry("authorization", hidden), Map.entry("x-api-key", hidden),
                Map.entry("x-canary", "1"), Map.entry("x-auth", hidden), Map.entry("x-passwd", hidden),
                Map.entry("x-credential", hidden), Map.entry("x-session", hidden),
                Map.entry("x-hub-signature-256", hidden), Map.entry("x-jwt", hidden),
                Map.entry("x-csrftoken", hidden), Map.entry("x-secretkey", hidden), Map.entry("x-pin", hidden),
                Map.entry("x-spinner", "on")), headers,
                "credential parts are hidden wherever they are in the name; short ones only as a whole word");
        assertFalse(json.contains("Bearer abc"), json);
        // --check output is read by the operator who wrote the file, and must round-trip: nothing redacted.
        assertTrue(EffectiveConfigRenderer.render(config).contains("\"Bearer abc\""));
    }

    @Test
    void jsonRedactsTheQueryOfAHealthCheckPath() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"]
                                    health-check { path = "/healthz?token=HC-SECRET&full=1" } } }
                  routes = [ { upstream = app } ]
                }
                """, "t.conf", Map.of());
        String json = EffectiveConfigRenderer.renderJson(config);
        assertTrue(json.contains("\"path\" : \"/healthz?" + EffectiveConfigRenderer.REDACTED + "\"")
                && !json.contains("HC-SECRET"), "/admin/routes shows no query, which may carry a credential: " + json);
        String text = EffectiveConfigRenderer.render(config);
        assertTrue(text.contains("path = \"/healthz?token=HC-SECRET&full=1\""), "--check shows the file as it is");
        assertEquals(config, ConfigLoader.parse(text, "effective", Map.of()), text);
    }

    @Test
    void textUsesConfigSpellings() {
        String text = EffectiveConfigRenderer.render(ConfigLoader.parse(HoconFiles.MINIMAL, "t.conf", Map.of()));
        for (String line : new String[] {
            "idle-timeout = 1m", "request-body-timeout = 30s", "max-initial-line = 8k", "max-header-size = 16k",
            "max-request-body = 10m", "load-balancing = round-robin", "slow-call-duration = 0s",
            "on = [connect-failure, reset, timeout, gateway-error]",
            "idempotent-methods = [GET, HEAD, PUT, DELETE, OPTIONS, TRACE]", "initial = 100ms", "multiplier = 2.0",
            "jitter = full", "ratio = 0.2", "replay-buffer = 1m", "rewrite-upstream = [5xx]",
            "rewrite-upstream-json = true", "failure-rate-threshold = 50", "name = \"route-0\"",
            "proxy-protocol-from = []"}) {
            assertTrue(text.contains(line), line + " in\n" + text);
        }
    }

    @Test
    void aRouteThatAnswersByItselfListsNothingOfATripUpstream() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = ok, respond { status = 200, body = "fine" }, retry { attempts = 2 }, timeout = 3s }
                    { name = app, upstream = app }
                  ]
                }
                """, "t.conf", Map.of());
        String text = EffectiveConfigRenderer.render(config);
        String ok = text.substring(text.indexOf("name = \"ok\""), text.indexOf("name = \"app\""));
        assertTrue(ok.contains("# answers by itself: preserve-host, timeout, response-idle-timeout, retry and errors"
                + " do not apply"), ok);
        for (String key : new String[] {"preserve-host =", "timeout =", "response-idle-timeout =", "retry {",
                "errors {"}) {
            assertFalse(ok.contains(key), key + " in\n" + ok);
        }
        String forwarding = text.substring(text.indexOf("name = \"app\""));
        assertTrue(forwarding.contains("retry {") && forwarding.contains("timeout = 15s"), forwarding);
        assertFalse(EffectiveConfigRenderer.renderJson(config).contains("\"attempts\":2"), "the JSON form alike");
    }

    @Test
    void unitsPickTheLargestExactUnit() {
        assertEquals("250ms", ConfigUnits.duration(Duration.ofMillis(250)));
        assertEquals("2s", ConfigUnits.duration(Duration.ofSeconds(2)));
        assertEquals("90s", ConfigUnits.duration(Duration.ofSeconds(90)));
        assertEquals("1m", ConfigUnits.duration(Duration.ofSeconds(60)));
        assertEquals("1500us", ConfigUnits.duration(Duration.ofNanos(1_500_000)));
        assertEquals("3d", ConfigUnits.duration(Duration.ofDays(3)));
        assertEquals("0s", ConfigUnits.duration(Duration.ZERO));
        assertEquals("64k", ConfigUnits.size(64 * 1024));
        assertEquals("10m", ConfigUnits.size(10L * 1024 * 1024));
        assertEquals("1g", ConfigUnits.size(1L << 30));
        assertEquals("1000", ConfigUnits.size(1000));
        assertEquals("0", ConfigUnits.size(0));
        assertEquals("12.5", ConfigUnits.decimal(12.5));
        assertEquals("50", ConfigUnits.decimal(50.0));
        assertEquals("2.0", ConfigUnits.factor(2));
    }

    @Test
    void differentRegexesMakeDifferentConfigs() {
        RampartConfig a = ConfigLoader.parse(regexRoute("^/a"), "t.conf", Map.of());
        RampartConfig a2 = ConfigLoader.parse(regexRoute("^/a"), "t.conf", Map.of());
        RampartConfig b = ConfigLoader.parse(regexRoute("^/b"), "t.conf", Map.of());
        assertEquals(a, a2);
        assertEquals(a.hashCode(), a2.hashCode());
        assertNotEquals(a, b);
    }

    private static String regexRoute(String regex) {
        return """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, match { path-regex = "%s" } } ]
                }
                """.formatted(regex);
    }

    /** The headers object of the first route's match, read with the streaming parser. */
    private static Map<String, String> headerValues(String json) throws IOException {
        Map<String, String> headers = new HashMap<>();
        try (JsonParser parser = new JsonFactory().createParser(json)) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.FIELD_NAME && parser.currentName().equals("headers")) {
                    parser.nextToken();
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.currentName();
                        parser.nextToken();
                        headers.put(name, parser.getText());
                    }
                    return headers;
                }
            }
        }
        return headers;
    }
}
